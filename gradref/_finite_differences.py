r"""Partial derivatives and gradients by finite differences and the complex step.

Every real scheme here is a sum of scaled differences of $f$ along $\mathbf{e}_i$,

$$\frac{\partial f}{\partial x_i}(\mathbf{x}) \approx \frac{1}{h} \sum_j c_j
  \bigl(f(\mathbf{x} + a_j h\,\mathbf{e}_i) - f(\mathbf{x} + b_j h\,\mathbf{e}_i)\bigr),$$

so one loop serves forward, backward, central and Richardson differences. Each
difference of nearly equal values is taken before it is scaled, which keeps the
rounding error of the combination at that of $f$ itself. The complex step is not a
difference and has its own path.

The same code differentiates a vector function $F: \mathbb{R}^n \to \mathbb{R}^m$
(`jacobian`, `hessian`): `derivatives` returns one row per output, and a scalar $f$ is
the case $m = 1$.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from gradref._estimates import ErrorEstimate, Recorder, error_terms, precision
from gradref._schemes import DIFFERENCES, EPS, Scheme
from gradref._trees import Location, Point, Structure, Tree, flatten, vector
from gradref._validation import (
    as_flag,
    as_noise,
    as_point,
    as_precision,
    as_scheme,
    as_step,
    as_value,
    check_finite_values,
    check_shape,
    check_stack_shape,
)

Objective = Callable[[Any], Any]  # an array, or the point's tree (see gradref._trees)
SCHEMES: tuple[str, ...] = tuple(DIFFERENCES)


def default_step(
    x: ArrayLike,
    scheme: Scheme = "central",
    *,
    dtype: DTypeLike | None = None,
    noise: float | None = None,
) -> NDArray[np.float64]:
    r"""Return the step that balances truncation and rounding error for each coordinate.

    The step is $h_i = c \max(1, |x_i|)$ rounded to the nearest power of two (nearest
    on a logarithmic scale). For the real schemes that makes $x_i \pm h_i$ exact in
    binary floating point where $|x_i| \ge h_i$, unless it crosses a power of two (then
    it is off by at most one spacing of $x_i$); nearer 0 it is rounded to the spacing
    of $h_i$, by up to $\varepsilon h_i$, which may be many spacings of $x_i$. Either
    way is harmless: the real schemes divide by the distance actually moved (see
    `partial_derivative`). (The complex step moves $x_i$ along the imaginary axis only,
    so $x_i$ itself is never rounded.)

    $c$ is set for values of $f$ of relative precision $\varepsilon$: by default
    float64's, $2^{-52}$; with `dtype`, that dtype's (float32: $2^{-23}$, float16:
    $2^{-10}$; a longdouble, an integer or a bool counts as float64, as gradref
    differences the values in float64); with `noise`, the relative noise of $f$ where
    it is larger. `partial_derivative`, `gradient`, `jacobian`,
    `directional_derivative` and `check_gradient` take $\varepsilon$ from the dtype of
    $f$'s first value in the same way (see `gradient`). For forward, backward and
    central, $c$ is set by the scheme's error order $p$: the truncation error is
    $O(h^p)$ and the rounding error $O(\varepsilon / h)$, which balance at
    $h \sim \varepsilon^{1/(p+1)}$. Richardson's constants are far from 1 (truncation
    $f^{(7)} h^6 / 322560$; rounding $4.1 \varepsilon |f| / h$, the root mean square
    when each value of $f$ is off by $\varepsilon |f|$ independently, where the worst
    case, all in the same direction, is the rounding factor $c_s \varepsilon |f| / h$,
    $c_s = 6.6$, that `check_gradient` bounds with; see gradref/_schemes.py), so in
    float64 they balance not at $\varepsilon^{1/7} \approx 2^{-7.4}$ but near $2^{-5}$
    where $|f^{(7)}| \sim |f|$; $2^{-6}$ allows for features of width 1/2, as a step
    too large costs more than one too small. For another $\varepsilon$ it is scaled by
    the same balance, $2^{-6} (\varepsilon / 2^{-52})^{1/7}$. The complex step has no
    rounding term to balance, and its step does not depend on $\varepsilon$: any tiny
    step will do while $h f'$ stays a normal double, above $2^{-1022}$, and so do the
    intermediate values of $f$. A given `h` for which some
    $\operatorname{Im} f = h f'$ is subnormal though nonzero, while the computed
    $\operatorname{Im} f / h$ is normal, is refused; one so small that $h f'$
    underflows to 0 cannot be told from a zero derivative, and gives 0. At the default
    step, where only the final $\operatorname{Im} f$ is subnormal (no value $f$
    computes on the way), what a subnormal $\operatorname{Im} f$ adds to the error is
    at most $2^{-1074}/2^{-60} = 2^{-1014}$ (on top of the rounding of $f'$).

    | scheme     | $p$ | $c$                                      | float64                        |
    |------------|-----|------------------------------------------|--------------------------------|
    | forward    | 1   | $\varepsilon^{1/2}$                      | $1.5 \times 10^{-8}$           |
    | backward   | 1   | $\varepsilon^{1/2}$                      | $1.5 \times 10^{-8}$           |
    | central    | 2   | $\varepsilon^{1/3}$                      | $6.1 \times 10^{-6}$           |
    | richardson | 6   | $2^{-6} (\varepsilon / 2^{-52})^{1/7}$   | $2^{-6}$ (its widest offset)   |
    | complex    | 2   | $2^{-60}$ (no rounding term)             | $8.7 \times 10^{-19}$          |

    In float32 ($\varepsilon = 2^{-23}$), before rounding to a power of two, that is
    $3.5 \times 10^{-4}$ (forward, backward), $4.9 \times 10^{-3}$ (central) and
    $0.28$ (richardson).

    The length scale $\max(1, |x_i|)$ is the usual rule (scipy's too). It assumes that
    $f$ varies on a scale of at least 1, or $|x_i|$, near $\mathbf{x}$; where $f$ varies
    faster the step is too coarse and the error is no longer the balanced one: the
    central derivative of $\log x$ is off by $1.9 \times 10^{-5}$ (relative) at
    $x = 10^{-3}$ and by 31 % at $x = 10^{-5}$, where the step $7.6 \times 10^{-6}$
    nearly reaches the singularity. Pass an `h` on the scale of such a feature (below,
    $2^{-17} |x|$, whose truncation error alone is $h^2 / (3x^2) \approx 1.9 \times
    10^{-11}$; the errors printed are smaller only because rounding happens to cancel
    part of it here). `richardson` shrinks its step, down to $1/16$ of this one, where
    its differences show it too coarse (see `partial_derivative`).

    Parameters
    ----------
    x : array_like, shape (n,)
        The point at which the derivatives will be taken.
    scheme : {"forward", "backward", "central", "richardson", "complex"}
        The difference scheme the step is for.
    dtype : data-type, optional
        The dtype of $f$'s values, whose machine epsilon is $\varepsilon$: a real
        floating or integer dtype (``np.float32``, ``"float16"``, ``float``). Default:
        float64.
    noise : float, optional
        The relative noise of $f$'s values, in $(0, 1)$, where it exceeds the dtype's
        epsilon (a simulation, an iterative solve): $\varepsilon$ is the larger of the
        two. Not with ``scheme="complex"``, whose step does not depend on it.

    Returns
    -------
    ndarray of float64, shape (n,)
        The step for each coordinate.

    Raises
    ------
    ValueError
        If `x` is not a finite non-empty 1-D array, `scheme` is not one of the five,
        `noise` is not positive and finite or is 1 or more, or `noise` is given with
        ``scheme="complex"``; or if a step overflows float64 (an $x_i$ near the largest
        double with a large `noise` or a low precision).
    TypeError
        If `x` is not an array of real numbers (complex, strings, a masked array),
        `scheme` is not a string, `dtype` is not a dtype of real numbers (complex,
        strings, objects, or not a dtype at all) or `noise` is not a real number
        (a string, a bool, a complex number).

    Examples
    --------
    >>> import gradref
    >>> print(gradref.default_step([1.0, 2.0]))
    [7.62939453e-06 1.52587891e-05]
    >>> print(gradref.default_step([0.0], scheme="forward"))
    [1.49011612e-08]
    >>> import numpy as np
    >>> print(gradref.default_step([1.0, 2.0], dtype=np.float32))  # 2^-8, 2^-7
    [0.00390625 0.0078125 ]
    >>> print(gradref.default_step([1.0, 2.0], noise=1e-6))  # 1e-6^(1/3) = 1e-2
    [0.0078125 0.015625 ]
    >>> log = lambda p: np.log(p[0])
    >>> for x in [1e-3, 1e-5]:
    ...     coarse = gradref.partial_derivative(log, [x], 0)
    ...     scaled = gradref.partial_derivative(log, [x], 0, h=2.0**-17 * x)
    ...     print(f"{abs(coarse * x - 1):.1e} {abs(scaled * x - 1):.1e}")
    ...
    1.9e-05 4.8e-12
    3.1e-01 6.6e-12
    >>> print(f"{2.0**-34 / 3:.1e}")  # the truncation error h^2 / (3 x^2) at h = 2^-17 x
    1.9e-11
    """
    point = as_point(x)
    name = as_scheme(scheme, SCHEMES)
    return _default_steps(point, name, as_precision(dtype, noise, name))


def _default_steps(x: NDArray[np.float64], scheme: str, eps: float = EPS) -> NDArray[np.float64]:
    return scaled_steps(DIFFERENCES[scheme].step_for(eps), x)


def scaled_steps(base: float, x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return base * max(1, |x_i|), each rounded to the nearest power of two on a log scale.

    Near the largest double that can round up to 2^1024, an infinite step: refused.
    """
    with np.errstate(over="ignore"):
        steps = np.exp2(np.round(np.log2(base * np.maximum(1.0, np.abs(x)))))
    if not np.isfinite(steps).all():
        i = int(np.argmax(~np.isfinite(steps)))
        raise ValueError(
            f"the default step at |x| = {abs(x[i]):.6g} overflows float64 (x is too large "
            "for the precision or `noise` the step is sized for); pass `h`."
        )
    return steps


@dataclass(frozen=True)
class UserFunction:
    """How to call the user's function and what it must return.

    `name` is the argument's name in error messages, and `structure` the point's as the
    user gave it, for the messages to show points, entries and shapes as the user's
    function sees them (None: a 1-D point). `component` spells an output's location. A
    scalar function (`gradient`) returns one number per point; a vector function
    (`jacobian`) returns a 1-D array of the same length m at every point. Either way
    `evaluate` returns shape (points, m), with m = 1 for a scalar function.
    """

    call: Objective
    name: str = "f"
    scalar: bool = True
    vectorized: bool = False
    structure: Structure | None = None
    component: Callable[[int], str] = field(default=lambda k: f"component {k}")

    def __post_init__(self) -> None:
        if self.vectorized and self.structure is not None:
            self.structure.batchable()

    def show(self, point: NDArray[Any]) -> Any:
        """Return a point (or a stack of points) as the user's function gets it."""
        return point if self.structure is None else self.structure.unflatten(point)

    def spelling(self, n: int) -> Structure:
        """Return the structure that spells the entries of the n-entry point."""
        return vector(n) if self.structure is None else self.structure

    def stacked(self, points: tuple[int, ...]) -> Any:
        """Return the shape (a tree of shapes) the function gets for a stack `points`."""
        return self.spelling(points[1]).stacked(points[0])


class Probe:
    """The user's function, recording the least precise value it returns.

    `keep` makes the next call's point and value the probe: the first call at exactly that
    point (the same bytes) gets the same value back without calling `f` again, so that a
    probe at the first point a scheme evaluates costs nothing.
    """

    def __init__(self, call: Objective) -> None:
        self.call = call
        self.eps = 0.0  # the largest precision among the values returned so far
        self.keep = False
        self.kept: tuple[bytes, Any] | None = None

    def __call__(self, x: NDArray[Any]) -> Any:
        if self.kept is not None and self.kept[0] == _key(x):
            value, self.kept = self.kept[1], None
            return value
        value = self.call(x)
        self.eps = max(self.eps, precision(value))
        if self.keep:
            self.keep, self.kept = False, (_key(x), value)
        return value


def _key(x: NDArray[Any]) -> bytes:
    """Return the exact identity of a point: its dtype, shape and bytes."""
    return x.dtype.str.encode() + str(x.shape).encode() + x.tobytes()


def fit_steps(
    fun: UserFunction,
    x: NDArray[np.float64],
    scale: NDArray[np.float64],
    scheme: str,
    noise: float | None,
    shift: Shift,
) -> tuple[UserFunction, NDArray[np.float64], float, Probe | None]:
    """Return `fun` probed, the default steps for its precision, that precision, the probe.

    The steps are first those for eps = max(`noise`, float64's epsilon); `fun` is
    evaluated at the first point the scheme evaluates with them (line 0 moved by the
    scheme's first offset, as `_sample` does), and if its value is less precise (float32,
    float16), the steps are set again for that precision: one evaluation more, since the
    probe is reused only where the steps stay. The complex step's do not depend on it.
    """
    facts = DIFFERENCES[scheme]
    eps = EPS if noise is None else max(noise, EPS)
    steps = scaled_steps(facts.step_for(eps), scale)
    if facts.complex:
        return fun, steps, eps, None
    probe = Probe(fun.call)
    fun = dataclasses.replace(fun, call=probe)
    points = x[np.newaxis].copy()
    with np.errstate(over="ignore", invalid="ignore"):  # checked by _check_moved
        shift(points, np.array([0]), np.array([min(a for a in facts.offsets if a) * steps[0]]))
    _check_moved(x, points, fun.spelling(x.size))
    probe.keep = True
    try:
        evaluate(fun, points, False)
    except ValueError as err:
        if scheme == "richardson":
            _note_reach(err, fun, steps)
        raise
    if probe.eps > eps:
        eps, probe.kept = probe.eps, None
        steps = scaled_steps(facts.step_for(eps), scale)
    return fun, steps, eps, probe


def check_precision(fun: UserFunction, returned: float | None, eps: float) -> None:
    """Refuse a result whose step was sized for values more precise than some `fun` returned.

    `returned` is the least precise value's precision (None: not recorded).
    """
    if returned is not None and returned > eps:
        raise ValueError(
            f"`{fun.name}` returned values of relative precision {returned:.3g} (their "
            f"dtype's epsilon), but the default step was sized for {eps:.3g} (the precision "
            f"of its first value, or `noise`): return one dtype from `{fun.name}`, or pass "
            f"noise={returned:.3g} or more."
        )


# The most numbers of points built at a time: 2^18 (2 MiB of float64), or one point when
# a point is longer. The stack of all the points would cost O(n^2) memory for a gradient.
_BATCH_ELEMENTS = 2**18

Rows = Callable[[NDArray[np.intp]], NDArray[Any]]


def _batches(count: int, width: int, vectorized: bool) -> list[NDArray[np.intp]]:
    """Split the rows 0..count-1 of a stack of points of `width` coordinates into batches.

    A vectorized function gets a first batch of one row, then batches of more rows, so
    the calls see two different row counts: a function that is not vectorized returns
    results shaped by n or by its outputs (``x[0]`` is a whole row), never by the row
    count, and fails the shape check of one of them. With two rows in all, the second
    is sent twice, one evaluation more, to make that second row count.
    """
    rows = np.arange(count)
    size = max(1, _BATCH_ELEMENTS // width)
    if not vectorized:
        return [rows[start : start + size] for start in range(0, count, size)]
    if count == 2:
        return [rows[:1], rows[[1, 1]]]
    size = max(2, size)
    return [rows[:1], *(rows[start : start + size] for start in range(1, count, size))]


class _ComplexPoints(np.ndarray):
    """The complex step's points, whose complex scalars are `_Complex` numbers.

    An `f` that turns a coordinate into a real number with ``math.exp``, ``float()`` and
    the like would, on numpy's complex scalars, drop the imaginary part with only a
    ComplexWarning, and the derivative would be silently wrong; on Python's ``complex``
    they raise TypeError. So indexing, iteration and reductions (``p[0]``, ``x, y = p``,
    ``p.sum()``, ``p @ w``) hand out `_Complex` scalars, which stay so through arithmetic
    and numpy's functions, and arrays stay arrays of this type. Nothing outside the call
    changes: no warnings filter, no global state. Beyond its reach: ``np.dot``, and new
    arrays made from the values (``np.array``, ``np.asarray``), which hold numpy's
    scalars again.
    """

    def __getitem__(self, key: Any) -> Any:
        return _python_scalar(super().__getitem__(key))

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))

    def __array_wrap__(self, array: Any, context: Any = None, return_scalar: bool = False) -> Any:
        result = super().__array_wrap__(array, context, return_scalar)
        if return_scalar and isinstance(result, np.ndarray) and result.ndim == 0:
            result = result[()]
        return _python_scalar(result) if return_scalar else result


class _Complex(complex):
    """A Python ``complex`` that stays one through arithmetic and numpy's functions.

    ``float()``, ``math.exp`` and the like raise TypeError on it, as on any ``complex``;
    a numpy function or an operation with a numpy scalar returns a `_Complex` again
    instead of numpy's complex scalar, on which they would only warn.
    """

    __slots__ = ()

    def __neg__(self) -> _Complex:
        return _Complex(-complex(self))

    def __pos__(self) -> _Complex:
        return self

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        plain = [complex(v) if isinstance(v, _Complex) else v for v in inputs]
        return _python_scalar(getattr(ufunc, method)(*plain, **kwargs))


# Errors name the type as Python does for any complex number: "must be real number, not
# complex".
_Complex.__name__ = _Complex.__qualname__ = "complex"


def _arithmetic(name: str) -> Callable[[_Complex, Any], Any]:
    base = getattr(complex, name)

    def operation(self: _Complex, other: Any) -> Any:
        if isinstance(other, np.ndarray):
            return NotImplemented  # the array's operation, element by element
        result = base(self, complex(other) if isinstance(other, np.generic) else other)
        return result if result is NotImplemented else _Complex(result)

    operation.__name__ = name
    return operation


for _name in ("add", "sub", "mul", "truediv", "pow"):
    setattr(_Complex, f"__{_name}__", _arithmetic(f"__{_name}__"))
    setattr(_Complex, f"__r{_name}__", _arithmetic(f"__r{_name}__"))


def _python_scalar(value: Any) -> Any:
    """Return a complex scalar as a `_Complex` (tuples element-wise), anything else as is."""
    if isinstance(value, tuple):
        return tuple(_python_scalar(v) for v in value)
    if isinstance(value, (complex, np.complexfloating)) and not isinstance(value, _Complex):
        return _Complex(value)
    return value


def _call(fun: UserFunction, points: NDArray[Any], complex_step: bool) -> Any:
    """Call the function; an error it raises gets a note saying where it was called."""
    try:
        return fun.call(points.view(_ComplexPoints) if complex_step else points)
    except Exception as err:
        refused = (TypeError, np.exceptions.ComplexWarning)  # the warning under -W error
        if complex_step and isinstance(err, refused) and _accepts_real(fun, points):
            raise TypeError(
                f"`{fun.name}` does not accept complex input, which scheme='complex' needs: "
                f"{err}. Use scheme='central' instead."
            ) from err
        err.add_note(f"gradref called `{fun.name}` {_where(fun, points)}.")
        raise


def _accepts_real(fun: UserFunction, points: NDArray[Any]) -> bool:
    """Whether the function runs at the real part of `points`: then complex input failed."""
    try:
        fun.call(points.real.copy())
    except Exception:
        return False
    return True


def _where(fun: UserFunction, points: NDArray[Any]) -> str:
    if not fun.vectorized:
        return f"at x = {fun.show(points)}"
    return (
        f"with the points stacked as rows, shape {fun.stacked(points.shape)} "
        f"(vectorized=True; pass vectorized=False if `{fun.name}` takes one point)"
    )


def _evaluate_batch(fun: UserFunction, points: NDArray[Any], complex_step: bool) -> NDArray[Any]:
    """Return `fun` at each row of `points`, shape (rows, m), its values checked."""
    if fun.vectorized:
        value = _call(fun, points, complex_step)
        values = as_value(
            value,
            fun.name,
            real=not complex_step,
            scalar=fun.scalar,
            where=lambda: _where(fun, points),
        )
        check_stack_shape(values.shape, fun.name, fun.scalar, fun.stacked(points.shape))
    else:
        results = []
        for point in points:
            where = functools.partial(_where, fun, point)
            value = as_value(
                _call(fun, point, complex_step),
                fun.name,
                real=not complex_step,
                scalar=fun.scalar,
                where=where,
            )
            check_shape(value.shape, fun.name, fun.scalar, where)
            results.append(value)
        if len({value.shape for value in results}) > 1:
            _refuse_lengths(fun, points, results)
        values = np.asarray(results)
    values = values.reshape(len(points), -1)
    check_finite_values(values, points, fun.name, fun.scalar, fun.show, fun.component)
    return values.astype(np.complex128 if complex_step else np.float64, copy=False)


def _refuse_lengths(fun: UserFunction, points: NDArray[Any], results: list[NDArray[Any]]) -> None:
    first = len(results[0])
    row = next(r for r, value in enumerate(results) if len(value) != first)
    raise ValueError(
        f"`{fun.name}` must return arrays of one length, got {len(results[row])} values at "
        f"x = {fun.show(points[row])} but {first} at the points before."
    )


def evaluate_rows(
    fun: UserFunction, count: int, width: int, rows: Rows, complex_step: bool
) -> NDArray[Any]:
    """Return `fun` at the `count` points ``rows(indices)``, shape (count, m).

    The points are built by `rows` and evaluated a batch at a time (see `_batches`), so
    that they cost O(n) memory however many there are.
    """
    batches = _batches(count, width, fun.vectorized)
    first = _evaluate_batch(fun, rows(batches[0]), complex_step)
    values = np.empty((count, first.shape[1]), dtype=first.dtype)
    values[batches[0]] = first
    for batch in batches[1:]:
        points = rows(batch)
        block = _evaluate_batch(fun, points, complex_step)
        if block.shape[1] != values.shape[1] and fun.vectorized:
            raise ValueError(
                f"with vectorized=True, `{fun.name}` must return one row of the same m "
                f"outputs per row of its input, got shape {block.shape} for a "
                f"{fun.stacked(points.shape)} "
                f"input but m = {values.shape[1]} before."
            )
        if block.shape[1] != values.shape[1]:
            raise ValueError(
                f"`{fun.name}` must return arrays of one length, got {block.shape[1]} values "
                f"at x = {fun.show(points[0])} but {values.shape[1]} at the points before."
            )
        values[batch] = block
    return values


def evaluate(fun: UserFunction, points: NDArray[Any], complex_step: bool) -> NDArray[Any]:
    """Return `fun` at each row of `points`, shape (points, m): one call if vectorized.

    The caller bounds the batch, and sees to it that a function that is not vectorized
    cannot pass the shape check (see `_batches`, or the Hessian's blocks).
    """
    return _evaluate_batch(fun, points, complex_step)


def derivatives(
    fun: UserFunction,
    x: NDArray[np.float64],
    indices: NDArray[np.intp],
    h: float | NDArray[np.float64] | None,
    scheme: str,
    given: bool | None = None,
    noise: float | None = None,
) -> NDArray[np.float64]:
    """Return the partial derivatives of `fun` at x along `indices`, shape (m, len(indices)).

    Row k of the result holds the derivatives of output k; a scalar function has one row.
    `h` is one step for every coordinate of x, or one per coordinate (shape of x); None
    for the default, sized for the precision of `fun`'s values or for `noise`.
    """

    def along_axes(points: NDArray[Any], lines: NDArray[np.intp], shifts: NDArray[Any]) -> Any:
        rows, columns = np.arange(len(points)), indices[lines]
        points[rows, columns] += shifts
        return points[rows, columns] - x[columns]

    probe, eps = None, EPS
    if h is None:
        fun, steps, eps, probe = fit_steps(fun, x, x[indices], scheme, noise, along_axes)
    else:
        steps = np.broadcast_to(np.asarray(h, dtype=np.float64), x.shape)[indices]
        if scheme != "complex":
            _check_step_moves(x[indices], steps, scheme, labels=indices, names=fun.spelling(x.size))
    given = h is not None if given is None else given
    result = _differences(fun, x, steps, scheme, along_axes, h is None, given, eps)
    check_precision(fun, None if probe is None else probe.eps, eps)
    return result


def line_derivative(
    fun: UserFunction,
    x: NDArray[np.float64],
    u: NDArray[np.float64],
    h: float | None,
    scheme: str,
    noise: float | None = None,
) -> NDArray[np.float64]:
    """Return the derivative of s -> fun(x + s u) at s = 0, shape (m,).

    The default step is the scheme's (for the precision of `fun`'s values, or `noise`),
    scaled by max_i |x_i| |u_i| / max_i |u_i|: each |x_i| in proportion to how far
    coordinate i moves, so that a coordinate that hardly moves does not set the scale.
    The step taken is (x + s u - x) . u, the rounded point's distance along u.
    """

    def along_u(points: NDArray[Any], lines: NDArray[np.intp], shifts: NDArray[Any]) -> Any:
        points += shifts[:, np.newaxis] * u
        return (points - x) @ u

    probe, eps = None, EPS
    if h is None:
        scale = np.array([line_scale(x, u)])
        fun, steps, eps, probe = fit_steps(fun, x, scale, scheme, noise, along_u)
    else:
        steps = np.array([h])
        if scheme != "complex":
            _check_step_moves(x, h, scheme, u)
    result = _differences(fun, x, steps, scheme, along_u, h is None, h is not None, eps)
    check_precision(fun, None if probe is None else probe.eps, eps)
    return result[:, 0]


def line_scale(x: NDArray[np.float64], u: NDArray[np.float64]) -> float:
    """Return the length scale of the default step along u: max_i |x_i| |u_i| / max_i |u_i|."""
    return float(np.max(np.abs(x) * (np.abs(u) / np.abs(u).max())))


def line_step(x: NDArray[np.float64], u: NDArray[np.float64], scheme: str, eps: float) -> float:
    """Return the default step along u for values of relative precision `eps`."""
    return float(_default_steps(np.array([line_scale(x, u)]), scheme, eps)[0])


@dataclass(frozen=True)
class Sampled:
    """Derivatives along the axes at steps h and 2h, and what their error estimate needs.

    `value` and `doubled` are (outputs, n); `sizes` is the largest |f| that each line's
    doubled differences and f(x) saw, `doubled_sizes` the same without f(x); `points`
    counts every evaluation; `eps` is the precision of the least precise value, or the
    `noise` the user gave where that is larger.
    """

    value: NDArray[np.float64]
    doubled: NDArray[np.float64]
    center: NDArray[np.float64]
    doubled_sizes: NDArray[np.float64]
    steps: NDArray[np.float64]
    points: int
    eps: float  # the relative precision of the values (their dtype's), or `noise`

    @property
    def sizes(self) -> NDArray[np.float64]:
        return np.maximum(self.center, self.doubled_sizes)


def sample(
    fun: UserFunction,
    x: NDArray[np.float64],
    h: NDArray[np.float64] | None,
    scheme: str,
    adapt: bool,
    noise: float | None = None,
) -> Sampled:
    """Return the derivatives of `fun` at h (or the default step) and at 2h, and f(x).

    With `adapt`, richardson may shrink its default step for the value (not for 2h).
    Costs the derivatives twice, plus f(x) for the real schemes, evaluated first: the
    precision of its value (or `noise`, if larger) sizes the default steps, at no
    extra cost. The complex step's steps do not depend on it.
    """
    recorder = Recorder(fun.call, x, fun.vectorized, axes=True)
    counted = replace(fun, call=recorder)
    indices = np.arange(x.size)
    given = h is not None
    eps = EPS if noise is None else max(noise, EPS)
    center = None
    if scheme != "complex":  # the complex step subtracts nothing: f(x) is not needed
        center = np.abs(evaluate(counted, x[np.newaxis].copy(), False)).T
        eps = max(eps, recorder.eps)
    steps = _default_steps(x, scheme, eps) if h is None else h
    shrink = adapt and not given  # richardson's own default step, at the same precision
    value = derivatives(counted, x, indices, None if shrink else steps, scheme, given, eps)
    recorder.recording = True  # the largest |f| along each line, at the doubled step
    with np.errstate(over="ignore"):  # an infinite 2h is refused as a step that overflows x
        twice = 2 * steps
    doubled = derivatives(counted, x, indices, twice, scheme, given)
    recorder.recording = False
    if h is None and scheme != "complex":
        check_precision(fun, recorder.eps, eps)
    sizes = np.zeros_like(value) if recorder.sizes is None else recorder.sizes
    if center is None:
        center = np.zeros((len(value), 1))
    eps = max(eps, recorder.eps)  # the complex step's values (complex64: float32's)
    return Sampled(value, doubled, center, sizes, steps, recorder.points, eps)


def estimated(
    fun: UserFunction,
    x: NDArray[np.float64],
    h: NDArray[np.float64] | None,
    scheme: str,
    noise: float | None,
) -> tuple[NDArray[np.float64], ErrorEstimate]:
    """Return the derivatives (outputs, n) and their error estimate (``full_output=True``)."""
    s = sample(fun, x, h, scheme, adapt=True, noise=noise)
    with np.errstate(over="ignore", invalid="ignore"):
        sensitivity = np.abs(s.value * x).sum(axis=1, keepdims=True)
        largest = np.abs(s.value).max(axis=1, keepdims=True)
        terms = error_terms(
            s.value,
            s.doubled,
            s.sizes,
            s.steps,
            scheme,
            sensitivity=sensitivity,
            largest=largest,
            eps=s.eps,
        )
        error = terms.bound()
    if not np.isfinite(error).all():
        raise ValueError(
            f"the error estimate of the derivatives of `{fun.name}` at x = {fun.show(x)} overflows "
            f"float64; scale `{fun.name}` down."
        )
    rounding = np.asarray(terms.rounding + terms.formula)
    return s.value, ErrorEstimate(error, terms.truncation, rounding, s.points)


def along_directions(
    fun: UserFunction,
    x: NDArray[np.float64],
    directions: NDArray[np.float64],
    steps: NDArray[np.float64],
    scheme: str,
    given: bool,
) -> NDArray[np.float64]:
    """Return the derivatives of `fun` at x along each row of `directions`, (m, rows).

    As `line_derivative` at the `steps` (one per direction), all in one batch; `given`:
    whether the user chose them (then a step that does not move x is refused).
    """
    if given and scheme != "complex":
        for u, h in zip(directions, steps.tolist(), strict=True):
            _check_step_moves(x, h, scheme, u)

    def along_rows(points: NDArray[Any], lines: NDArray[np.intp], shifts: NDArray[Any]) -> Any:
        u = directions[lines]
        points += shifts[:, np.newaxis] * u
        return ((points - x) * u).sum(axis=1)

    return _differences(fun, x, steps, scheme, along_rows, given=given)


def _check_step_moves(
    x: NDArray[np.float64],
    h: float | NDArray[np.float64],
    scheme: str,
    u: NDArray[np.float64] | None = None,
    labels: NDArray[np.intp] | None = None,
    names: Structure | None = None,
) -> None:
    """Refuse a step `h` for which a point x + a h e_i (or x + a h u) rounds to x itself.

    Such a difference is 0 / 0: it would return zero or nonsense, not a derivative. The
    message names the smallest step that works; `labels` are the indices of x's entries
    in the user's point (default 0, 1, ...), `names` spells them (default: a 1-D point).
    """
    offsets = sorted(set(DIFFERENCES[scheme].offsets) - {0.0})
    with np.errstate(over="ignore"):  # the spacing of the largest double is inf
        spacing = np.spacing(np.abs(x))
    if u is None:
        h = np.broadcast_to(h, x.shape)  # one step per coordinate
        with np.errstate(over="ignore"):  # an overflow moves x: _check_moved reports it
            stuck = np.any([x + a * h == x for a in offsets], axis=0)
        if stuck.any():
            # Every coordinate that needs more than h is stuck: the one that needs the
            # most names a step that moves every point.
            need = np.max([_least_moving_step(x, a, np.ones_like(x)) for a in offsets], axis=0)
            # One step for all: name the coordinate that needs the most, so that the step
            # named moves every point; one per coordinate: the first one stuck.
            uniform = bool((h == h[0]).all())
            i = int(np.argmax(need)) if uniform else int(np.argmax(stuck))
            k = i if labels is None else int(labels[i])
            spell = vector(x.size) if names is None else names
            step = "`h`" if uniform else spell.quoted(k, "h")
            entry = spell.entry(k, "x")
            a = next(a for a in offsets if x[i] + a * h[i] == x[i])
            raise ValueError(
                f"{step} = {h[i]:.3g} is below the spacing of `x`: {entry} {_shift(a)} "
                f"rounds to {entry} = {float(x[i])!r}, whose spacing is {spacing[i]:.3g}, so "
                f"the difference is 0/0; use {'h' if uniform else spell.entry(k, 'h')} >= "
                f"{float(need[i])!r}, the smallest step that moves every point."
            )
        return
    with np.errstate(over="ignore", invalid="ignore"):
        stuck_on_line = any(np.array_equal(x + a * h * u, x) for a in offsets)
    if stuck_on_line:
        moved = u != 0
        # Along the line one moving coordinate suffices, for each offset.
        least = max(float(_least_moving_step(x[moved], a, u[moved]).min()) for a in offsets)
        a = next(a for a in offsets if np.array_equal(x + a * h * u, x))
        raise ValueError(
            f"`h` = {h:.3g} is below the spacing of `x` along `u`: x {_shift(a)} u rounds to x, "
            f"so the difference is 0/0; use h >= {least!r}, the smallest step that moves "
            "every point."
        )


def _shift(a: float) -> str:
    """Return the offset a h as written in a message: "+ h", "- 0.25 h"."""
    return f"{'-' if a < 0 else '+'} {'' if abs(a) == 1 else f'{abs(a):g} '}h"


def _least_moving_step(
    x: NDArray[np.float64], a: float, u: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return, for each i, the smallest h >= 0 for which x_i + a h u_i (rounded) != x_i.

    The rounded x_i + a h u_i never decreases as h grows, so the search walks up, one
    double at a time, from just below half the gap to x_i's neighbour in that direction.
    """
    up = a * u > 0
    with np.errstate(over="ignore", invalid="ignore"):
        gap = np.abs(np.nextafter(x, np.where(up, np.inf, -np.inf)) - x)
        h = np.nextafter(gap / 2 / np.abs(a * u), 0.0) * (1 - 4 * EPS)
        moves = x + a * h * u != x
        while not moves.all():
            h = np.where(moves, h, np.nextafter(h, np.inf))
            moves = x + a * h * u != x
    return h


# shift(points, lines, shifts) moves row r of `points` (copies of x) by shifts[r] along
# line lines[r], in place, and returns the distances actually moved (after rounding).
Shift = Callable[[NDArray[Any], NDArray[np.intp], NDArray[Any]], Any]


def _differences(
    fun: UserFunction,
    x: NDArray[np.float64],
    steps: NDArray[np.float64],
    scheme: str,
    shift: Shift,
    adapt: bool = False,
    given: bool = False,
    eps: float = EPS,
) -> NDArray[np.float64]:
    """Return the derivatives of `fun` at x along len(steps) lines, shape (m, len(steps)).

    `given`: whether the user chose the steps (a complex step too small for f is refused).

    `adapt`: whether richardson may shrink the (default) steps to fit `fun`, whose values
    have the relative precision `eps`.
    """
    count = len(steps)
    if scheme == "complex":
        shifts = np.zeros(count, dtype=np.complex128)
        shifts.imag = steps  # i h, without multiplying an infinite h by 0
        values, _ = _evaluate_shifted(fun, x, np.arange(count), shifts, shift)
        if given:  # the user's step; the default's floor is 2^-1074 / 2^-60 absolute
            check_imaginary_parts(fun, values.imag, steps)
        with np.errstate(over="ignore"):
            return check_overflow(fun, x, np.asarray(values.imag.T / steps, dtype=np.float64))
    if scheme == "richardson":
        return check_overflow(fun, x, richardson(fun, x, steps, shift, adapt, eps))
    stencil = DIFFERENCES[scheme]
    offsets = sorted({s for _, *pair in stencil.terms for s in pair})
    nonzero = [s for s in offsets if s != 0]
    column, taken, center = _sample(fun, x, steps, nonzero, shift, with_center=0 in offsets)
    combined = np.zeros((column[nonzero[0]].shape[0], count))
    with np.errstate(over="ignore", invalid="ignore"):  # inf / inf: see check_overflow
        for c, a, b in stencil.terms:
            combined += c * _quotient(column, taken, center, a, b, steps)
        return check_overflow(fun, x, combined / steps)


def _sample(
    fun: UserFunction,
    x: NDArray[np.float64],
    steps: NDArray[np.float64],
    offsets: list[float],
    shift: Shift,
    with_center: bool = False,
) -> tuple[dict[float, NDArray[np.float64]], dict[float, NDArray[np.float64]], Any]:
    """Evaluate `fun` at x + a h_i along each line i, for each nonzero offset a, in one batch.

    Returns the values {a: (m, lines)}, the distances actually moved {a: (lines,)}, and
    f(x) as (m, 1) if `with_center` (one more evaluation, the batch's last row) else None.
    """
    count, k = len(steps), len(offsets)
    lines = np.repeat(np.arange(count), k)  # line-major rows
    shifts = np.outer(steps, offsets).ravel()
    if with_center:  # x itself, last
        lines, shifts = np.append(lines, 0), np.append(shifts, 0.0)
    values, moved = _evaluate_shifted(fun, x, lines, shifts, shift)
    samples = values[: count * k].T.reshape(-1, count, k)  # output, line, offset
    taken = moved[: count * k].reshape(count, k)
    column = {a: samples[:, :, j] for j, a in enumerate(offsets)}
    moved_by = {a: taken[:, j] for j, a in enumerate(offsets)}
    return column, moved_by, values[-1][:, np.newaxis] if with_center else None


def _quotient(
    column: dict[float, NDArray[np.float64]],
    taken: dict[float, NDArray[np.float64]],
    center: Any,
    a: float,
    b: float,
    steps: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Return (f(x + a h) - f(x + b h)) * (a - b) h / (the distance actually between them).

    Divided by h, this is the difference quotient by the step actually taken: x + a h is
    rounded, and dividing by the nominal (a - b) h instead would add an error of order
    eps |x| |f'| / h. Where x + a h is exact (a default step) the factor is exactly 1.
    """
    fa = center if a == 0 else column[a]
    fb = center if b == 0 else column[b]
    ta = 0.0 if a == 0 else taken[a]
    tb = 0.0 if b == 0 else taken[b]
    return np.asarray((fa - fb) * ((a - b) * steps / (ta - tb)), dtype=np.float64)


# The central differences D_j = D(h 2^-j) that richardson may use per line: the first
# 3 (6 evaluations) where they pass `_asymptotic`, all 8 (16 evaluations) otherwise.
_RICHARDSON_LEVELS = 3
_RICHARDSON_BUDGET = 8


def richardson(
    fun: UserFunction,
    x: NDArray[np.float64],
    steps: NDArray[np.float64],
    shift: Shift,
    adapt: bool,
    eps: float = EPS,
) -> NDArray[np.float64]:
    """Return Richardson's derivatives along each line, its step chosen from `fun`.

    R_k = (64 D_(k+2) - 20 D_(k+1) + D_k) / 45, D_j = D(h 2^-j), is the extrapolation at
    the base step h 2^-k. R_0 is returned where D_0, D_1, D_2 are in the regime the
    extrapolation assumes (`_asymptotic`). Elsewhere, D_3 to D_7 are evaluated too and the
    R_k (k <= 4) with the smallest estimated error |R_k - R_(k+1)| + rounding is returned:
    the step is shrunk, down to h / 16, until the estimates agree.
    """
    levels = [2.0**-j for j in range(_RICHARDSON_BUDGET)]
    try:
        column, taken, _ = _sample(fun, x, steps, _signed(levels[:_RICHARDSON_LEVELS]), shift)
    except ValueError as err:
        _note_reach(err, fun, steps)
        raise
    scale = np.abs(np.stack(list(column.values()))).max(axis=0)  # |f| on each line
    with np.errstate(over="ignore", invalid="ignore"):
        central = [_quotient(column, taken, None, a, -a, steps) for a in levels[:3]]
        estimate: NDArray[np.float64] = _extrapolate(central, 0, steps)
        redo = np.flatnonzero(~_asymptotic(central, scale, steps, eps).all(axis=0))
        if not adapt or redo.size == 0:
            return estimate
        more, moved, _ = _sample(fun, x, steps[redo], _signed(levels[3:]), _pick(shift, redo))
        h = steps[redo]
        central = [d[:, redo] for d in central]
        central += [_quotient(more, moved, None, a, -a, h) for a in levels[3:]]
        candidates = np.stack([_extrapolate(central, k, h) for k in range(len(levels) - 2)])
        rounding = 8 * eps * scale[:, redo] / (h * np.asarray(levels[:-3])[:, None, None])
        errors = np.abs(np.diff(candidates, axis=0)) + rounding
        best = np.argmin(errors, axis=0)
        estimate[:, redo] = np.take_along_axis(candidates[:-1], best[np.newaxis], axis=0)[0]
        return estimate


def _note_reach(err: ValueError, fun: UserFunction, steps: NDArray[np.float64]) -> None:
    """Say, on an error from `fun`, how far from x richardson evaluated it, and why."""
    err.add_note(
        f"scheme='richardson' evaluates `{fun.name}` up to h = {steps.max():.3g} from x "
        "(by default 2^-6 max(1, |x_i|) for a float64 `f`, rounded to a power of two, 2048 "
        "or 4096 times central's step; more for a less precise `f`): if it is not "
        "defined or not smooth that far, pass a smaller `h` or use scheme='central'."
    )


def _signed(levels: list[float]) -> list[float]:
    """Return the offsets -a and a for each level a, sorted."""
    return sorted([*levels, *(-a for a in levels)])


def _pick(shift: Shift, lines: NDArray[np.intp]) -> Shift:
    """Return the same shift on a subset of the lines, renumbered 0, 1, ..."""
    return lambda points, rows, shifts: shift(points, lines[rows], shifts)


def _extrapolate(central: list[NDArray[np.float64]], k: int, steps: NDArray[Any]) -> Any:
    """R_k from the scaled differences D_j h (see `_quotient`), divided by h 2^-k."""
    combined = np.zeros_like(central[0])
    for c, a, _ in DIFFERENCES["richardson"].terms:  # the smallest terms first
        combined += c * central[k + int(np.log2(1 / a))] * 2.0**k
    return combined / steps


def _asymptotic(
    central: list[NDArray[np.float64]], scale: Any, steps: NDArray[Any], eps: float = EPS
) -> Any:
    """Whether R_0 is as accurate as its step allows, from D_0, D_1, D_2, per output and line.

    If D(h) = f' + c h^2 + d h^4 + e h^6, then t = D_0 - 5 D_1 + 4 D_2 = (45/64) d h^4
    and D_0 - D_1 is about (3/4) c h^2, so t^2 / |D_0 - D_1| is about (2/3) e h^6 where the
    series converges, and R_0's truncation, e h^6 / 64, is about 1/40 of it. R_0 is kept
    where 1/16 of it is below R_0's rounding error, 4.1 eps |f| / h, or where t is rounding.
    """
    d0, d1, d2 = (q / (2 * a * steps) for q, a in zip(central, (1.0, 0.5, 0.25), strict=False))
    t = np.abs(d0 - 5 * d1 + 4 * d2)
    rounding = eps * scale / steps
    truncation = t * t / np.maximum(np.abs(d0 - d1), np.finfo(np.float64).tiny) / 40
    return (truncation <= 2 * 4.1 * rounding) | (t <= 64 * rounding)


def _evaluate_shifted(
    fun: UserFunction,
    x: NDArray[np.float64],
    lines: NDArray[np.intp],
    shifts: NDArray[Any],
    shift: Shift,
) -> tuple[NDArray[Any], NDArray[np.float64]]:
    """Return `fun` at x moved by shifts[r] along line lines[r], and the distances moved.

    The distances are those actually moved, after rounding (see `Shift`), for real
    shifts; imaginary shifts are the complex step. The points are built a batch at a time.
    """
    complex_step = shifts.dtype.kind == "c"
    start = x.astype(np.complex128) if complex_step else x
    moved = np.zeros(len(shifts))

    def rows(batch: NDArray[np.intp]) -> NDArray[Any]:
        points = np.repeat(start[np.newaxis, :], len(batch), axis=0)
        with np.errstate(over="ignore", invalid="ignore"):  # checked by _check_moved
            distances = shift(points, lines[batch], shifts[batch])
        points[shifts[batch] == 0] = start  # x itself, even where x_i is -0.0
        _check_moved(x, points, fun.spelling(x.size))
        if not complex_step:
            moved[batch] = np.where(shifts[batch] == 0, 0.0, distances)
        return points

    return evaluate_rows(fun, len(shifts), x.size, rows, complex_step), moved


def _check_moved(x: NDArray[np.float64], points: NDArray[Any], names: Structure) -> None:
    """Raise if moving `x` by the step overflowed float64 (so `f` is never called at inf).

    `names` spells x's entries as the user's point has them.
    """
    finite = np.isfinite(points)
    if not finite.all():
        row, col = np.argwhere(~finite)[0]
        raise ValueError(
            f"the step overflows float64 at {names.quoted(col)} = {float(x[col])!r}: x + h "
            "moves it to "
            f"{points[row, col]}; pass a smaller `h`."
        )


def check_imaginary_parts(
    fun: UserFunction, imaginary: NDArray[np.float64], steps: NDArray[np.float64]
) -> None:
    """Refuse a complex step whose imaginary parts h f' are subnormal though f' is not.

    Below 2^-1022 the spacing of doubles is fixed (2^-1074), so such an imaginary part has
    lost relative precision, and the quotient by h would be silently inaccurate because
    h is too small. (A derivative that is itself subnormal is no more precise in any
    scheme, and is not refused.)
    """
    tiny = float(np.finfo(np.float64).tiny)
    magnitude = np.abs(imaginary)  # shape (lines, outputs)
    with np.errstate(over="ignore"):
        derivative = magnitude / steps[:, np.newaxis]
    lost = (magnitude != 0) & (magnitude < tiny) & (derivative >= tiny)
    if lost.any():
        raise ValueError(
            f"the complex step `h` = {float(steps.min()):.3g} is too small for `{fun.name}`: "
            f"Im {fun.name}(x + ih) = h {fun.name}' is below {tiny:.3g}, where doubles lose "
            "precision; use a larger `h`, or the default."
        )


def check_overflow(
    fun: UserFunction, x: NDArray[np.float64], result: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return the derivatives `result` if finite: finite values can have infinite differences."""
    if not np.isfinite(result).all():
        raise ValueError(
            f"the derivatives of `{fun.name}` at x = {fun.show(x)} overflow float64, though its "
            "values "
            f"are finite; scale `{fun.name}` down."
        )
    return result


def partial_derivative(
    f: Objective,
    x: Point,
    i: Location,
    *,
    h: float | None = None,
    scheme: Scheme = "central",
    noise: float | None = None,
) -> float:
    r"""Return the partial derivative $\partial f / \partial x_i$ at the point `x`.

    With $e_i$ the $i$-th unit vector and $h > 0$ the step:

    | scheme     | formula                                                   | error    |
    |------------|-----------------------------------------------------------|----------|
    | forward    | $\dfrac{f(x + h e_i) - f(x)}{h}$                           | $O(h)$   |
    | backward   | $\dfrac{f(x) - f(x - h e_i)}{h}$                           | $O(h)$   |
    | central    | $D(h) = \dfrac{f(x + h e_i) - f(x - h e_i)}{2h}$           | $O(h^2)$ |
    | richardson | $\dfrac{64 D(h/4) - 20 D(h/2) + D(h)}{45}$                 | $O(h^6)$ |
    | complex    | $\dfrac{\operatorname{Im} f(x + \mathrm{i} h e_i)}{h}$      | $O(h^2)$ |

    Each real scheme also carries a rounding error of order $\varepsilon |f| / h$
    ($\varepsilon$ the relative precision of $f$'s values: $2^{-52}$ in float64, $2^{-23}$
    in float32, or `noise`): the difference of two nearly equal values of $f$ loses digits.
    The default step balances the two for that $\varepsilon$ (see `default_step`), which is
    taken from the dtype of $f$'s first value: $f$ is evaluated first at the first point of
    the scheme with float64's step (or that of `noise`), and if its value is less precise
    (float32, float16), the steps are set for its precision and that evaluation is not
    reused: one evaluation more than the scheme's count (2 for central, below for
    richardson, and as `gradient` states). With the default step, a later value less precise
    than the first is refused (a `ValueError`, unless `noise` covers it), as the step would
    be too small for it; Python floats, integers and longdouble count as float64. The
    complex step subtracts nothing, so it has no such term and is exact to rounding with a
    tiny $h$ (one for which $h f'$, and every intermediate value of $f$, is still a normal
    double, above $2^{-1022}$: see `default_step`), provided $f$ is real-analytic and
    written with operations that carry the imaginary part: ``math.*`` and ``float()`` on a
    coordinate raise, and an $f$ that returns a real number is refused, but ``abs`` or
    ``.real`` inside an $f$ that still returns a complex number drops the derivative through
    them silently (that part comes out 0). Every real scheme divides by the distance
    actually moved, $(x_i + h) - (x_i - h)$ for central, not by $2h$: $x_i \pm h$ is
    rounded.

    With its default step $h = 2^{-6}\max(1, |x_i|)$, rounded to a power of two, for a
    float64 $f$ (2048 or 4096
    times central's, as both are rounded to powers of two; $2^{-2}\max(1, |x_i|)$ for a
    float32 one), richardson evaluates $f$ that far from $\mathbf{x}$; $f$ must be
    defined there. It keeps that step (6 evaluations) where either of two tests holds,
    with $t = |D(h) - 5D(h/2) + 4D(h/4)|$, which cancels the $h^2$ term of $D$ and
    leaves $\tfrac{45}{64}$ of its $h^4$ term: the estimated $O(h^6)$ error,
    $t^2 / (40 |D(h) - D(h/2)|)$, is below twice its typical rounding error,
    $4.1 \varepsilon |f| / h$; or $t$ itself is at most $64 \varepsilon |f| / h$, within
    rounding, so the differences show nothing a smaller step could improve. Elsewhere
    (a feature narrower than the step, a singularity nearby, or an $f$ near 0 whose
    rounding is small) it adds $D(h/8)$ to $D(h/128)$ and returns the extrapolation at
    the base step $h/2^k$, $k \le 4$, whose difference from the next one, plus
    rounding, is smallest (16 evaluations). A given `h` is used as given.

    Parameters
    ----------
    f : callable
        The function, called as ``f(x)`` with the point shaped as `x` is (a float64
        array, complex128 for ``scheme="complex"``; for a tree, the same dict, list or
        tuple of such arrays) and returning one real number.
    x : array_like or dict, list or tuple of array_like
        The point, finite: an array of real numbers of any shape, or a tree, a dict
        (keys in insertion order), list or tuple nested to any depth whose leaves are
        such arrays. A list or tuple is an array, as numpy reads it, when everything in
        it, to any depth, is a number (a Python or numpy scalar, or a 0-d array of any
        library, ``ndim == 0``) or such a list or tuple; one that holds anything else
        (an array of 1 or more dimensions, a dict) is a container. A subclass of dict,
        list or tuple is refused as a container of `x`: an OrderedDict always, a
        namedtuple when it is a container by that rule (one that holds only numbers is
        an array). A value given in the structure of `x` (`h`, `u`, ``grad(x)``) is matched
        to it by kind: any dict where `x` has a dict (an OrderedDict, its keys in any
        order), any list or tuple where `x` has a list or tuple.
    i : int or tuple
        Where the coordinate is in `x`: an int ``0 <= i < n`` for a 1-D `x`; an index
        tuple such as ``(2, 3)`` for an N-d array (a flat int is refused), ``()`` for a
        0-d one; for a tree, a path ``("W1", (2, 3))``: the keys and list positions down
        to a leaf, then the index tuple within it: ``(k,)`` for a 1-D leaf, as
        `GradientCheck.worst` spells it (an int ``k`` is taken too); omitted or ``()``
        for a 0-d one.
    h : float, optional
        The step, positive and finite (a 0-d array is a number). The default,
        `default_step`, balances truncation
        against rounding for the scheme and the precision of $f$'s values, and is
        scaled to $|x_i|$.
    scheme : {"central", "forward", "backward", "richardson", "complex"}
        The difference formula (see the table).
    noise : float, optional
        The relative noise of $f$'s values, in $(0, 1)$, for an $f$ noisier than its
        dtype (an ODE solve, a simulation): the default step is sized for it as for a
        precision (`default_step`), or for the dtype's if that is larger. Not with `h`
        (which it would replace) nor with ``scheme="complex"`` (whose step does not
        depend on it).

    Returns
    -------
    float
        The approximation of $\partial f / \partial x_i (\mathbf{x})$.

    Raises
    ------
    ValueError
        If `x` or one of its arrays is not finite or is empty, or `x` is an empty dict
        or list; if `i` is out of range or its path does not lead to an entry of `x`
        (the message says where it stops), `h` is not
        positive and finite or so small that a point of the scheme ($x_i \pm h$, or
        $x_i \pm h/4$ for richardson) rounds to $x_i$ (a real scheme) or that
        $\operatorname{Im} f(x + \mathrm{i}h) = h f'$ is subnormal though $f'$ is not
        (the complex step), `scheme` is unknown, `x` moved by the step overflows
        float64, or `f` returns a non-scalar or non-finite value, or finite values whose
        differences overflow float64; if `noise` is not positive and finite, is 1 or
        more, or is given with `h` or with ``scheme="complex"``; or if, with the
        default step, `f` returns a value less precise than the step was sized for
        (float32 after a float64 first value).
    TypeError
        If `x` or one of its leaves is not an array of real numbers (complex, strings,
        booleans, None, a set, ragged nested lists, a masked array: the message names
        the leaf's path, as ``x["W1"][0]``), or a container other than a dict, list or
        tuple (an OrderedDict, a namedtuple that is a container: see `x`); if `i` is not
        of the form needed (a flat int where an index tuple is needed, a float or bool
        list position or index, a non-tuple path for a tree), `h` or
        `noise` is not a real number (a bool, a string, a
        complex number), `scheme` is not a string, `f`
        returns something other than a number (a string, a dict, a complex number in
        a real scheme), or, with ``scheme="complex"``, `f` does not accept complex
        input or returns a real number for it (dropping the imaginary part).

    See Also
    --------
    gradient : all the partial derivatives at once.
    default_step : the step used when `h` is not given.

    Notes
    -----
    The schemes implement the limit definition
    $\partial f / \partial x_i = \lim_{h \to 0} (f(\mathbf{x} + h\mathbf{e}_i) - f(\mathbf{x}))/h$
    with a small but finite $h$. The complex step is due to Lyness and Moler (1967),
    popularised by Squire and Trapp (1998).

    References
    ----------
    - J. N. Lyness and C. B. Moler, "Numerical differentiation of analytic functions",
      *SIAM Journal on Numerical Analysis* 4(2), 202-210, 1967.
    - W. Squire and G. Trapp, "Using complex variables to estimate derivatives of
      real functions", *SIAM Review* 40(1), 110-112, 1998.
    - J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., section 8.1.

    Examples
    --------
    The worked example $f(x, y) = x^2 y + e^{xy}$ has
    $\partial f / \partial x = 2xy + y e^{xy} = 4 + 2e^2$ at $(1, 2)$:

    >>> import numpy as np
    >>> import gradref
    >>> from gradref.examples import f
    >>> exact = 4 + 2 * np.exp(2)
    >>> print(exact)
    18.7781121978613
    >>> d = gradref.partial_derivative(f, [1.0, 2.0], 0)
    >>> print(f"{d:.12f}, error {abs(d - exact):.1e}")
    18.778112198459, error 6.0e-10
    >>> print(gradref.partial_derivative(f, [1.0, 2.0], 0, scheme="complex"))
    18.7781121978613
    """
    point, structure = flatten(x)
    index = structure.index(i)
    step = as_step(h)
    name = as_scheme(scheme, SCHEMES)
    relative = as_noise(noise, step, name)
    fun = UserFunction(structure.wrap(f), structure=structure)
    derivative = derivatives(fun, point, np.array([index]), step, name, None, relative)
    return float(derivative[0, 0])


@overload
def gradient(
    f: Objective,
    x: Point,
    *,
    h: float | Point | None = ...,
    scheme: Scheme = ...,
    vectorized: bool = ...,
    noise: float | None = ...,
    full_output: Literal[False] = ...,
) -> Tree: ...


@overload
def gradient(
    f: Objective,
    x: Point,
    *,
    h: float | Point | None = ...,
    scheme: Scheme = ...,
    vectorized: bool = ...,
    noise: float | None = ...,
    full_output: Literal[True],
) -> tuple[Tree, ErrorEstimate]: ...


@overload
def gradient(
    f: Objective,
    x: Point,
    *,
    h: float | Point | None = ...,
    scheme: Scheme = ...,
    vectorized: bool = ...,
    noise: float | None = ...,
    full_output: bool,
) -> Tree | tuple[Tree, ErrorEstimate]: ...


def gradient(
    f: Objective,
    x: Point,
    *,
    h: float | Point | None = None,
    scheme: Scheme = "central",
    vectorized: bool = False,
    noise: float | None = None,
    full_output: bool = False,
) -> Tree | tuple[Tree, ErrorEstimate]:
    r"""Return the gradient $\nabla f(\mathbf{x})$, the vector of all partial derivatives.

    $$\nabla f(\mathbf{x}) = \begin{bmatrix}
      \partial f / \partial x_1 \\ \vdots \\ \partial f / \partial x_n
    \end{bmatrix}$$

    Each component is computed as in `partial_derivative`, with the same `h` and
    `scheme`; see there for the formulas and their error orders.

    Parameters
    ----------
    f : callable
        The function. By default called as ``f(x)`` once per perturbed point, with the
        point as `x` is shaped (an array of its shape; for a tree, the same dict, list
        or tuple of arrays), returning one real number. With ``vectorized=True``,
        called as ``f(X)`` where `X` has one perturbed point per row, shape (p, n) for a
        1-D `x` (for any `x`, each array gets a leading axis of p: shape
        ``(p, *leaf.shape)``, JAX's ``vmap`` convention), and must return the p values,
        shape (p,). For a 1-D `x`, write such an `f` with ``x[..., i]`` for the
        coordinates and reductions over ``axis=-1``, and it works both ways; for an
        N-d `x`, index and reduce over its trailing axes instead (``x[..., i, j]``,
        ``axis=(-2, -1)`` for a matrix), and for a tree do so in each leaf. The points
        come in
        batches: one point first, then up to $2^{18}$ numbers a call (two points at
        least, for $n > 2^{17}$), so that an `f`
        written for one point at a time, which returns results shaped by n (``x[0]``
        is a whole row), fails the shape check or raises, rather than giving a wrong
        gradient. (An `f` that mixes the rows while keeping one value per row, as
        ``x[::-1]`` or ``x @ w / np.linalg.norm(x)``, has a vectorized one's shapes and
        cannot be detected.) A 0-d `x` or 0-d leaf is refused with ``vectorized=True``:
        stacked, it has shape (p,), which cannot be told from one value per point.
    x : array_like or dict, list or tuple of array_like
        The point, finite: an array of real numbers of any shape (0-d included), or a
        tree: a dict (keys in insertion order), list or tuple, nested to any depth,
        whose leaves are such arrays (see `partial_derivative`). $n$ is the number of
        entries of all its arrays together.
    h : float, or array_like or tree shaped like `x`, optional
        The step: one for every coordinate (a number or a 0-d array), or one per
        coordinate, in the structure and shapes of `x`. Default: `default_step` for
        the precision of $f$'s values, taken from the dtype of its first value (as in
        `partial_derivative`).
    scheme : {"central", "forward", "backward", "richardson", "complex"}
        The difference formula.
    vectorized : bool
        Whether `f` accepts all perturbed points at once (see `f`). Not with a 0-d `x`
        or a 0-d leaf: give it shape (1,) instead.
    noise : float, optional
        The relative noise of $f$'s values, in $(0, 1)$, for an $f$ noisier than its
        dtype: the default step is sized for it (as in `partial_derivative`), and so is
        the error estimate of ``full_output=True``.
    full_output : bool
        Whether to return an error estimate with the gradient (see Notes).

    Returns
    -------
    ndarray of float64 of the shape of `x`, or a tree of them shaped like `x`
        The approximation of $\nabla f(\mathbf{x})$: for a tree `x`, the same dict,
        list or tuple, each array the derivatives along the entries of that leaf.
    ErrorEstimate
        With ``full_output=True`` only, as ``(gradient, info)``: ``info.error``, shaped
        like the gradient, estimates the error of each component (a bound where the
        step resolves $f$: see Notes), and ``info.evaluations`` counts the evaluations
        of `f`.

    Raises
    ------
    ValueError
        As for `partial_derivative`, and if `h` is neither one step nor one per
        coordinate in the structure of `x`: other keys, a list or tuple of another
        length, or a leaf of another shape (the message names where they differ); or a
        vectorized `f` returns the wrong shape, or ``vectorized=True`` with a
        0-d `x` or a 0-d leaf; with ``full_output=True``, if the error estimate overflows
        float64, or if $x_i \pm 2h$ does.
    TypeError
        As for `partial_derivative` (`h` not a real number or an array of real
        numbers, or a ragged list, `noise` not a real number), if `h` is of another type
        than `x` where `x` has an array, a dict or a list or tuple (an array for a dict
        `x`, a dict for an array: the message names the path), and if `vectorized` or
        `full_output` is not a bool.

    Notes
    -----
    Function evaluations: $n + 1$ for forward and backward, $2n$ for central, $6n$ for
    richardson (16 instead of 6 for each coordinate where it shrinks its default
    step, as in `partial_derivative`) and $n$ (complex) for the complex step; with
    ``vectorized=True`` one more where that is 2 (the second point is sent twice, for a
    second row count). With the default step, one more for a real scheme where $f$'s values
    are less precise than float64 (float32, float16) and `noise` does not cover them: the
    first evaluation, at float64's step, finds their dtype and is not reused (not with
    ``full_output=True``, whose first evaluation, $f(\mathbf{x})$, sizes the step: its
    counts below hold whatever $f$'s precision). The points are built a batch at a time:
    beyond the result, memory is $O(n)$.

    With ``full_output=True`` the gradient is computed again at twice the step, and
    ``info.error`` is $10\,(\tau_i + \rho_i + \phi)$, the tolerance of `check_gradient` (see
    there; the same function computes both): the truncation $\tau_i = |D_i(2h) - D_i(h)| /
    (2^p - 1)$, the rounding $\rho_i = c_s (\varepsilon S_i + 2^{-1074}) / h_i$
    ($2^{-1074}/h_i$ for the complex step, whose $c_s$ is 0) and the
    formula term $\phi$. That costs the gradient's evaluations once more (richardson's at
    the default step, 6 per coordinate, even where it shrank its step for the value) plus
    one, $f(\mathbf{x})$, for the real schemes: $2n + 3$ for forward and backward, $4n + 1$
    for central, $12n + 1$ for richardson (up to $22n + 1$ where it shrinks its step) and
    $2n$ for the complex step; ``info.evaluations`` is the count. The factor 10 is from
    measurement (``python -m benchmarks.error_estimates 300``: 8 smooth functions of 3
    variables, exp, sin, log, rational, product, Rosenbrock, a chain of exp and sin,
    log-sum-exp, at 300 random points of $[-2, 2]^3$, every scheme, gradient and Jacobian):
    at the default steps $10\,(\tau + \rho + \phi)$ was 6.8 to $1.4 \times 10^6$ times the
    true error, its median 116 to 279 by scheme (large where the true error is far below the
    rounding the model allows for), so $\tau + \rho + \phi$ alone would have fallen to 0.68
    of it. tests/test_estimates.py asserts the bound for every scheme at random points.
    Where the true error exceeds ``info.rounding`` ($\rho_i + \phi$) the estimate is below
    $10 + 10(1 + r)/(2^p - 1)$ times it, $r$ the ratio of the errors at $2h$ and $h$: below
    1000 unless $r$ exceeds $99\,(2^p - 1) - 1$ (the error at $h$ small by accident;
    tested). In the same run it was at most 86 times at the default steps and 530 at coarse
    given steps.

    The estimate is not a bound (below the true error) where its model does not
    hold: where $D(h)$ and $D(2h)$ agree by accident (a given step so coarse that
    the truncation changes sign between $h$ and $2h$: richardson at $h = 0.25$ fell
    to 0.13 of the true error in the run above; or, at the default step, terms
    cancelling where $|x_i|$ is about the step: $x^3$ at $x = -2^{-26}$ with forward
    differences, whose $D(h)$ and $D(2h)$ are equal); where the default step is wider
    than the features of $f$ ($\sin x$ at $x = 10^6$, where the step is 8); or where the
    computed values of $f$ are off by more than about $4\varepsilon(|f| +
    \sum_j |x_j \partial_j f|)$ (intermediate quantities far larger than $f$, as
    $\log(1 + q)$ for $q$ near $10^{-16}$, or a complex step whose imaginary parts
    cancel inside $f$). Its $\varepsilon$ is the precision of $f$'s values (float32's
    $2^{-23}$ for a float32 $f$, the least precise of the values it returned), or
    `noise` where that is larger.

    Examples
    --------
    >>> import numpy as np
    >>> import gradref
    >>> from gradref.examples import f, grad_f
    >>> print(grad_f(np.array([1.0, 2.0])))
    [18.7781122  8.3890561]
    >>> g = gradref.gradient(f, [1.0, 2.0])
    >>> print(np.abs(g - grad_f(np.array([1.0, 2.0]))).max() < 1e-9)
    True
    >>> print(gradref.gradient(f, [1.0, 2.0], scheme="complex", vectorized=True).tolist())
    [18.7781121978613, 8.38905609893065]

    With an error estimate (central differences: 9 evaluations for $n = 2$):

    >>> import numpy as np
    >>> import gradref
    >>> from gradref.examples import f, grad_f
    >>> g, info = gradref.gradient(f, [1.0, 2.0], full_output=True)
    >>> exact = grad_f(np.array([1.0, 2.0]))
    >>> print(np.abs(g - exact), info.error, info.evaluations)
    [5.9768368e-10 2.9884184e-10] [1.87081048e-08 9.35428924e-09] 9

    The same $f$ computed in float32 gets float32's step, $2^{-8} \max(1, |x_i|)$
    rounded to a power of two ($2^{-8}$ and $2^{-7}$ here), and an error 400 times
    smaller than with float64's ($2^{-17}$ and $2^{-16}$):

    >>> import numpy as np
    >>> import gradref
    >>> from gradref.examples import f, grad_f
    >>> def f32(p):
    ...     return f(p.astype(np.float32))
    ...
    >>> exact = grad_f(np.array([1.0, 2.0]))
    >>> errors = [
    ...     np.abs(gradref.gradient(f32, [1.0, 2.0], h=h) - exact).max()
    ...     for h in [None, [2.0**-17, 2.0**-16]]
    ... ]
    >>> print(f"{errors[0]:.1e} {errors[1]:.1e} {errors[1] / errors[0]:.0f}")
    8.6e-05 3.4e-02 400

    The parameters of a model as a dict: for the linear layer's loss
    $\frac12 \lVert W\mathbf{a} + \mathbf{b} - \mathbf{y} \rVert^2$ the gradient is
    $\mathbf{r}\mathbf{a}^\top$ for $W$ and $\mathbf{r}$ for $\mathbf{b}$, with
    $\mathbf{r} = W\mathbf{a} + \mathbf{b} - \mathbf{y}$, each shaped like its parameter:

    >>> import numpy as np
    >>> import gradref
    >>> a, y = np.array([1.0, 2.0, -1.0]), np.array([0.5, -0.5])
    >>> def loss(p):
    ...     r = p["W"] @ a + p["b"] - y
    ...     return 0.5 * r @ r
    ...
    >>> params = {"W": np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]), "b": np.zeros(2)}
    >>> g = gradref.gradient(loss, params, scheme="complex")
    >>> r = params["W"] @ a + params["b"] - y
    >>> print(g["W"].shape, g["b"].shape)
    (2, 3) (2,)
    >>> print(np.array_equal(g["W"], np.outer(r, a)), np.array_equal(g["b"], r))
    True True
    """
    point, structure = flatten(x)
    step = structure.steps(h)
    name = as_scheme(scheme, SCHEMES)
    relative = as_noise(noise, step, name)
    batched = as_flag(vectorized, "vectorized")
    fun = UserFunction(structure.wrap(f), vectorized=batched, structure=structure)
    shaped = structure.unflatten  # the vector itself for a 1-D x
    if as_flag(full_output, "full_output"):
        value, info = estimated(fun, point, step, name, relative)
        return shaped(value.ravel()), replace(
            info,
            error=shaped(info.error.ravel()),
            truncation=shaped(info.truncation.ravel()),
            rounding=shaped(info.rounding.ravel()),
        )
    # The one-row Jacobian, as a vector.
    gradient = derivatives(fun, point, np.arange(point.size), step, name, None, relative)
    return shaped(gradient.ravel())
