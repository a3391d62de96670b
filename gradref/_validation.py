"""Input validation shared by every public function.

Each helper either returns a clean value or raises a ``ValueError``/``TypeError``
whose message names the argument and the rule it broke.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from numbers import Number, Real
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

# Where the user's function was called, for messages ("at x = [...]"): a function, so
# that the point is formatted only when there is an error to report.
Where = Callable[[], str]


def refuse_masked(value: Any, name: str) -> None:
    """Raise if `value` is a masked array: numpy's arithmetic would ignore its mask."""
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"`{name}` must not be a masked array: its mask would be ignored. "
            "Pass the values to use, e.g. .filled() or .compressed()."
        )


def as_vector(
    x: ArrayLike, name: str, complex_hint: bool = False, what: str = "a 1-D array"
) -> NDArray[np.float64]:
    """Return `x` as a non-empty 1-D float64 array, without copying or scanning it.

    With `complex_hint`, a complex `x` is told how to choose the complex step. `what`
    names what `x` must be in a message about its type: "an array" where any shape is
    taken and this 1-D one is only checked here.
    """
    array = as_array(x, name, what, complex_hint)
    if array.ndim != 1:
        hint = " Wrap a single number as [x]." if array.ndim == 0 else ""
        raise ValueError(
            f"`{name}` must be 1-D (one entry per variable), got shape {array.shape}.{hint}"
        )
    if array.size == 0:
        raise ValueError(f"`{name}` must not be empty.")
    return np.asarray(array, dtype=np.float64)


def as_array(x: ArrayLike, name: str, what: str, complex_hint: bool = False) -> NDArray[Any]:
    """Return `x` as an array of real numbers of any shape, neither copied nor scanned.

    `what` names what `x` must be in the messages ("a 1-D array", "an array").
    """
    refuse_masked(x, name)
    try:
        array = np.asarray(x)
    except (TypeError, ValueError) as err:  # ragged nested lists, for one
        raise TypeError(f"`{name}` must be {what} of real numbers.") from err
    if array.dtype.kind == "c":
        hint = "; the complex step is chosen with scheme='complex'" if complex_hint else ""
        raise TypeError(f"`{name}` must be real{hint}.")
    if array.dtype.kind not in "iuf":  # bool is refused, as it is for a scalar argument
        raise TypeError(f"`{name}` must be {what} of real numbers, not dtype {array.dtype}.")
    return array


def check_finite(array: NDArray[np.float64], name: str) -> None:
    """Raise if `array` holds a NaN or an infinity."""
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise ValueError(
            f"`{name}` must be finite (no NaN or inf); `{name}`[{bad[0]}] is {array[bad[0]]}."
        )


def as_point(x: ArrayLike, name: str = "x", what: str = "a 1-D array") -> NDArray[np.float64]:
    """Return `x` as a fresh, finite, non-empty 1-D float64 array.

    The point `x` of a derivative (the default name) is told how to choose the complex
    step if it is complex; `what` as for `as_vector`.
    """
    array = as_vector(x, name, complex_hint=name == "x", what=what).copy()
    check_finite(array, name)
    return array


# A vector normalised with u / np.linalg.norm(u) has norm 1 to within a few ulps.
_UNIT_TOLERANCE = 1e-12


def as_unit_vector(
    u: ArrayLike, n: int, fix: str = "pass u / np.linalg.norm(u)"
) -> NDArray[np.float64]:
    """Return the direction `u` as a unit vector of length `n`, as the point `x` has."""
    direction = as_point(u, "u")
    if direction.size != n:
        raise ValueError(f"`u` must have the length of `x`, {n}; got {direction.size}.")
    largest = float(np.abs(direction).max())
    if largest == 0:
        raise ValueError("`u` must be a nonzero unit vector, got the zero vector.")
    norm = largest * float(np.sqrt(np.sum((direction / largest) ** 2)))  # cannot overflow
    if abs(norm - 1) > _UNIT_TOLERANCE:
        raise ValueError(f"`u` must be a unit vector, got norm {norm!r}; {fix}.")
    return direction


def as_real(value: Any, name: str) -> float:
    """Return `value` as a finite Python float."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"`{name}` must be a real number, got {type(value).__name__}.")
    try:
        result = float(value)
    except OverflowError as err:  # an int beyond float64, 10**400
        raise ValueError(f"`{name}` must be finite, got an integer beyond float64.") from err
    if not math.isfinite(result):
        raise ValueError(f"`{name}` must be finite, got {result}.")
    return result


def as_positive(value: Any, name: str) -> float:
    """Return `value` as a finite, strictly positive Python float."""
    result = as_real(value, name)
    if result <= 0:
        raise ValueError(f"`{name}` must be positive, got {result}.")
    return result


def as_positive_int(value: Any, name: str) -> int:
    """Return `value` as a Python int of at least 1."""
    return _as_int(value, name, 1, "a positive integer")


def _as_int(value: Any, name: str, least: int, kind: str) -> int:
    """Return `value` as a Python int of at least `least` (an integer, not a bool)."""
    if isinstance(value, bool):
        raise TypeError(f"`{name}` must be {kind}, got bool.")
    try:
        result = operator.index(value)
    except TypeError as err:
        raise TypeError(f"`{name}` must be {kind}, got {type(value).__name__}.") from err
    if result < least:
        raise ValueError(f"`{name}` must be {kind}, got {result}.")
    return result


def as_count(directions: Any, n: int, vector: bool = True) -> int:
    """Return `directions`, the number of random directions, as an int in 1..n.

    `vector`: whether `x` is 1-D, so that n is its length, not its number of entries.
    """
    count = as_positive_int(directions, "directions")
    if count > n:
        what = "the length" if vector else "the number of entries"
        raise ValueError(
            f"`directions` must be at most n = {n} ({what} of `x`), got {count}: "
            f"{count} directions cost more than the {n} components, which check more; "
            "pass directions=None."
        )
    return count


def as_generator(seed: Any, rng: Any, wanted: bool) -> np.random.Generator:
    """Return the generator of the random directions: `rng`, or one seeded with `seed` (0)."""
    if not wanted and (seed is not None or rng is not None):
        raise ValueError("`seed` and `rng` choose random directions: pass `directions` too.")
    if seed is not None and rng is not None:
        raise ValueError("pass `seed` or `rng`, not both.")
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"`rng` must be a numpy.random.Generator, got {type(rng).__name__}; "
                "use numpy.random.default_rng(seed), or pass `seed`."
            )
        return rng
    if seed is None:
        return np.random.default_rng(0)
    return np.random.default_rng(_as_int(seed, "seed", 0, "a non-negative integer"))


def as_flag(value: Any, name: str) -> bool:
    """Return `value` if it is a bool (True or False, not 1 or 0)."""
    if not isinstance(value, bool):
        raise TypeError(f"`{name}` must be True or False, got {value!r}.")
    return value


def as_index(i: Any, n: int) -> int:
    """Return `i` as a coordinate index in ``range(n)``."""
    if isinstance(i, bool):
        raise TypeError("`i` must be an integer index, got bool.")
    try:
        index = operator.index(i)
    except TypeError as err:
        raise TypeError(f"`i` must be an integer index, got {type(i).__name__}.") from err
    if not 0 <= index < n:
        raise ValueError(f"`i` must satisfy 0 <= i < {n} (the length of `x`), got {index}.")
    return index


def as_step(h: Any) -> float | None:
    """Return the step `h` as a positive finite float, or None for the default.

    A 0-d array is a number.
    """
    if h is None:
        return None
    return as_positive(h[()] if isinstance(h, np.ndarray) and h.ndim == 0 else h, "h")


def as_noise(noise: Any, h: Any, scheme: str) -> float | None:
    """Return the relative noise of f, in (0, 1), or None; refused with `h` or the complex step.

    `h` is the step as given (None for the default), `scheme` the scheme's name.
    """
    if noise is None:
        return None
    value = as_positive(noise, "noise")
    if value >= 1:
        raise ValueError(
            f"`noise` must be below 1 (a relative noise of 1 or more leaves no digit of f), "
            f"got {value}."
        )
    if h is not None:
        raise ValueError(
            "pass `h` or `noise`, not both: `noise` sets the default step, which a given "
            "`h` replaces."
        )
    if scheme == "complex":
        raise ValueError(
            "`noise` sets the step of a real scheme; the complex step subtracts nothing, so "
            "its step does not depend on noise: leave `noise` out, or use scheme='central'."
        )
    return value


def as_precision(dtype: Any, noise: Any, scheme: str) -> float:
    """Return the relative precision for `default_step`: of `dtype`, or `noise` if larger."""
    eps = float(np.finfo(np.float64).eps)
    if dtype is not None:
        try:
            kind = np.dtype(dtype)
        except TypeError as err:
            raise TypeError(f"`dtype` must be a numpy dtype, got {dtype!r}.") from err
        if kind.kind not in "biuf":
            raise TypeError(f"`dtype` must be the dtype of real numbers (f's values), got {kind}.")
        if kind.kind == "f":
            eps = max(eps, float(np.finfo(kind).eps))
    value = as_noise(noise, None, scheme)
    return eps if value is None else max(eps, value)


def steps_ndim(h: Any) -> int:
    """Return the number of dimensions of the step `h`, refusing a ragged one."""
    try:
        return int(np.ndim(h))
    except ValueError as err:  # numpy cannot make an array of it: ragged nested lists
        raise TypeError(
            f"`h` must be one step or an array of steps, not a ragged {type(h).__name__}; "
            "for a tree `x`, give each leaf's steps as an array."
        ) from err


def as_steps(h: Any, n: int) -> NDArray[np.float64] | None:
    """Return `h`, one positive finite step or one per coordinate, as shape (n,), or None.

    A 0-d array is one step, as a number is.
    """
    if h is None or steps_ndim(h) == 0:
        step = as_step(h)
        return None if step is None else np.full(n, step)
    array = as_vector(h, "h")
    if array.shape != (n,):
        raise ValueError(
            f"`h` must be one step or one per coordinate, shape ({n},); got shape {array.shape}."
        )
    bad = np.flatnonzero(~(np.isfinite(array) & (array > 0)))
    if bad.size:
        raise ValueError(f"`h` must be positive and finite; `h`[{bad[0]}] is {array[bad[0]]}.")
    return array.copy()


def as_scheme(scheme: Any, schemes: Sequence[str], purpose: str = "") -> str:
    """Return `scheme` if it is one of the names `schemes`; `purpose` ends the message."""
    valid = ", ".join(repr(name) for name in schemes)
    if not isinstance(scheme, str):
        raise TypeError(
            f"`scheme` must be a string, one of {valid}{purpose}; got {type(scheme).__name__}."
        )
    if scheme not in schemes:
        raise ValueError(f"`scheme` must be one of {valid}{purpose}; got {scheme!r}.")
    return str(scheme)


def as_data(x: ArrayLike, t: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the inputs `x` and targets `t` of a data set, checked to match.

    They are neither copied nor scanned here: callers check that their result is finite
    and call `check_finite` only then, so a large data set is read once.
    """
    xs = as_vector(x, "x")
    ts = as_vector(t, "t")
    if xs.shape != ts.shape:
        raise ValueError(f"`x` and `t` must have the same length, got {xs.size} and {ts.size}.")
    return xs, ts


def as_value(value: Any, name: str, *, real: bool, scalar: bool, where: Where) -> NDArray[Any]:
    """Return one result of the user's function `name` as an array of numbers.

    A `scalar` function is said to return "a number", any other "numbers".
    `real` says which numbers: real ones, or (for the complex step) complex ones, since a
    real result for complex input means that the imaginary part was dropped. `where()`
    ends the messages ("at x = [...]").
    """
    refuse_masked(value, f"{name}(x)")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as err:  # a ragged sequence, for one
        shape = "a number" if scalar else "an array of numbers"
        raise TypeError(
            f"`{name}` must return {shape}, got a ragged {type(value).__name__} {where()}."
        ) from err
    kind = array.dtype.kind
    numbers = "a number" if scalar else "numbers"
    if kind not in "iufc":  # bool is not a number here: a step function's True/False
        items = array.ravel().tolist()
        bad = [v for v in items[:1000] if not isinstance(v, Number)][:1]
        got = type(bad[0]).__name__ if bad else f"dtype {array.dtype}"
        raise TypeError(f"`{name}` must return {numbers}, got {got} {where()}.")
    if real and kind == "c":
        imaginary = array.ravel()[np.argmax(array.ravel().imag != 0)]
        real_numbers = numbers.replace("number", "real number")
        raise TypeError(f"`{name}` must return {real_numbers}, got {imaginary} {where()}.")
    if not real and kind != "c":
        raise TypeError(
            f"`{name}` returned a real number for complex input {where()}, so it dropped the "
            "imaginary part that scheme='complex' needs (abs(), np.abs and .real do this). "
            f"Write {name} with numpy functions that accept complex numbers, "
            "or use scheme='central'."
        )
    return array


def check_finite_values(
    values: NDArray[Any],
    points: NDArray[Any],
    name: str,
    scalar: bool,
    show: Callable[[NDArray[Any]], Any] = lambda point: point,
    component: Callable[[int], str] = lambda k: f"component {k}",
) -> None:
    """Raise if `values` (one row per row of `points`) holds a NaN or an infinity.

    `show` gives a point as the user sees it (a tree for a tree `x`), `component` an
    output's location (``component 0``, or ``F(x)[0, 1]`` for an N-d output).
    """
    finite = np.isfinite(values)
    if not finite.all():
        row, col = np.argwhere(~finite)[0]
        where = "" if scalar else f" ({component(int(col))})"
        raise ValueError(
            f"`{name}` returned {values[row, col]}{where} at x = {show(points[row])}; "
            "it must be finite there."
        )


def check_shape(shape: tuple[int, ...], name: str, scalar: bool, where: Where) -> None:
    """Check the shape of one result: a scalar, or a non-empty array of any shape but 0-d.

    A vector function's N-d value comes here as the 1-D vector of its entries.
    """
    if scalar:
        if shape != ():
            raise ValueError(
                f"`{name}` must return a scalar, got an array of shape {shape} {where()}."
            )
        return
    if len(shape) != 1 or shape[0] == 0:
        hint = " For a scalar function use gradref.gradient." if shape == () else ""
        raise ValueError(
            f"`{name}` must return a non-empty array (any shape but 0-d; one entry per "
            f"output), got shape {shape} {where()}.{hint}"
        )


def check_stack_shape(shape: tuple[int, ...], name: str, scalar: bool, points: Any) -> None:
    """Check the shape of a vectorized result for a stack of points of shape `points`.

    `points` is the shape the function got: (p, n), (p, *x.shape), or a tree of shapes
    (p, *leaf.shape) for a tree `x`.
    """
    rows = _first_axis(points)
    if scalar and shape != (rows,):
        raise ValueError(
            f"with vectorized=True, `{name}` must return one value per row of its "
            f"{points} input, i.e. shape ({rows},); got shape {shape}."
        )
    if not scalar and (len(shape) != 2 or shape[0] != rows or 0 in shape):
        raise ValueError(
            f"with vectorized=True, `{name}` must return one row of outputs per row "
            f"of its {points} input, i.e. shape ({rows}, *{name}(x).shape): ({rows}, m) "
            f"for a 1-D {name}(x) of m outputs; got shape {shape}."
        )


def _first_axis(shapes: Any) -> int:
    """Return the length of the first axis of a shape, or of a tree of shapes' first leaf."""
    while not isinstance(shapes, tuple) or not all(isinstance(d, int) for d in shapes):
        shapes = next(iter(shapes.values() if isinstance(shapes, dict) else shapes))
    return int(shapes[0])


def as_gradient_value(
    value: Any, point: NDArray[np.float64], point_name: str, where: Where, hint: str = ""
) -> NDArray[np.float64]:
    """Return a user's gradient ``grad(point)`` as finite real numbers of the shape of `point`.

    One rule for `check_gradient` and `gradient_descent`: real numbers only (no complex,
    strings or objects), the shape of `point_name`, and finite.
    """
    array = as_value(value, "grad", real=True, scalar=False, where=where)
    if array.shape != point.shape:
        raise ValueError(
            f"`grad` must return an array of the shape of `{point_name}`, {point.shape}; "
            f"got {array.shape}."
        )
    gradient = np.asarray(array, dtype=np.float64)
    if not np.isfinite(gradient).all():
        raise ValueError(f"`grad` returned {gradient} {where()}; it must be finite there.{hint}")
    return gradient
