r"""The Hessian matrix $\nabla^2 f$ of a scalar function, by second differences.

Every scheme evaluates $f$ at points $\mathbf{x} + a\,h_i\mathbf{e}_i + b\,\mathbf{e}_j$
for pairs $i \le j$ (one triangle, mirrored: exactly symmetric), in blocks of at most
$\max(n, 2^{18}/n) + n$ points (about $2^{18}$ coordinates while $n \le 512$, a few times
$n^2$ beyond), so that the extra memory is a bounded multiple of the result's size,
$O(n^2)$, whatever $n$:

- ``"central"``: the three-point second difference on the diagonal ($b = 0$) and the
  seven-point formula off it (real $b = \pm h_j$), at the steps $h$ and $h/2$, combined
  by one Richardson step;
- ``"complex"`` and ``"richardson"`` (imaginary $b = \mathrm{i}\delta_j$): central and
  Richardson differences of the complex-step gradient
  $g_j = \operatorname{Im} f(\cdot + \mathrm{i}\delta_j\mathbf{e}_j) / \delta_j$.

The derivations and the error analysis are on the site's "Second order" page.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradref._finite_differences import (
    Objective,
    Probe,
    UserFunction,
    check_overflow,
    check_precision,
    evaluate,
    scaled_steps,
)
from gradref._schemes import DIFFERENCES, EPS, HESSIANS, HessianScheme
from gradref._trees import Structure, flatten_array
from gradref._validation import as_flag, as_noise, as_scheme

HESSIAN_SCHEMES: tuple[str, ...] = tuple(HESSIANS)

# Seven-point second differences at the steps h_i = h s_i, H^(h) = H + C2 h^2 + C4 h^4 + ...
# (C2, C4 matrices), extrapolated once: (4 H^(h/2) - H^(h)) / 3 = H - C4 h^4 / 4 + ...,
# which is -h_i^4 f_i^(6) / 1440 on the diagonal (f_i^(6) = d^6 f / dx_i^6) and, from
# the mixed sixth derivatives, 31 times that off it for equal steps and derivatives. The
# rounding is at most about 11 eps |f| / h^2 when f is correctly rounded (32/3 on the
# diagonal, 11 off it), a few times more for a typical computed f. With s_i = 1, the
# diagonal's total is least at h* = 0.011 (|f| / |f_i^(6)|)^(1/6), 2^-6.5 when
# |f_i^(6)| ~ |f| (rounding then twice truncation), and off it at 2^-7.3. Near h*,
# E(h) = a/h^2 + b h^4, and the powers of two either side cost
# E(2^0.5 h*) = 1.7 E(h*) and E(2^-0.5 h*) = 1.4 E(h*): either will do, and
# benchmarks/accuracy.py's sweep decides: 2^-6 (worst of its four benchmark problems
# 7.2e-10; 2^-7: 1.1e-9, as |f| is large against |H| there and rounding dominates). The
# sweep's first row, the worked example, is not among the four: its worst entry, off the
# diagonal, keeps falling below 2^-6 (7.3e-8; 2^-7: 4.5e-9; 2^-9: 8.2e-11), the hard case
# the second-order page discusses.
# That step is HESSIANS["central"].step (gradref/_schemes.py); for a less precise f,
# HESSIANS[scheme].step_for sizes it from the same balance.
_CENTRAL_LEVELS = (1.0, 0.5)
# Coordinates per block: about 2^18, in at most max(n, 2^18 / n) + n points of n.
_BLOCK_COORDINATES = 2**18


def _check_step(
    x: NDArray[np.float64], steps: NDArray[np.float64], scheme: str, eps: float, names: Structure
) -> None:
    """Refuse a step too small for x: the difference quotients would be rounding alone.

    `names` spells x's entries as the user's point has them.
    """
    # First x + h: beyond float64, no step is small enough (the spacing is inf there).
    with np.errstate(over="ignore"):
        moved = np.abs(x) + steps
    if not np.isfinite(moved).all():
        i = np.flatnonzero(~np.isfinite(moved))[0]
        raise ValueError(
            f"{names.quoted(i)} = {x[i]:.6g} moved by the step `h` = {steps[i]:.3g} overflows "
            "float64."
        )
    # Second differences divide by h^2: below sqrt(eps) max(1, |x_i|), the change of f
    # along h is below its rounding error (eps: the precision of f's values). Differences
    # of g divide by h: below the spacing of x_i, x_i + h rounds to x_i.
    scale = np.maximum(1.0, np.abs(x))
    with np.errstate(over="ignore"):  # x near the largest double was refused above
        smallest = np.sqrt(eps) * scale if scheme == "central" else 2 * np.spacing(scale)
    reach = min(_CENTRAL_LEVELS) if scheme == "central" else 0.25 if scheme == "richardson" else 1
    bad = np.flatnonzero(reach * steps < smallest)
    if bad.size:
        i = bad[0]
        central = f"`f`'s values of relative precision {eps:.3g}"
        why = central if scheme == "central" else f"spacing {np.spacing(abs(x[i])):.3g}"
        raise ValueError(
            f"`h` = {steps[i]:.3g} is too small for scheme={scheme!r} at {names.entry(i)} = "
            f"{x[i]:.6g} "
            f"({why}): the differences would be rounding alone. Use h >= "
            f"{smallest[i] / reach:.3g}, or the default step."
        )


def _pairs(n: int, diagonal: bool) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Return the pairs i < j (i <= j with `diagonal`), row by row, as two index arrays."""
    i, j = np.triu_indices(n, k=0 if diagonal else 1)
    return i.astype(np.int32), j.astype(np.int32)


def _blocks(total: int, size: int, n: int) -> list[slice]:
    """Slices of range(total) of at most `size` rows (`size` + n for the last), none of n.

    A function that is not vectorized, given a stack of n points of n coordinates,
    returns its value at the first row's coordinates: shape (n,), the expected shape.
    Avoiding that count lets the shape check catch it.
    """
    size = size + 1 if size == n else size
    bounds = [*range(0, total, size), total]
    slices = [slice(a, b) for a, b in itertools.pairwise(bounds)]
    if slices[-1].stop - slices[-1].start == n > 1:  # n = 1: X[0] is the one row, rightly
        last = slices.pop()
        if slices:  # merged: size + n rows
            slices[-1] = slice(slices[-1].start, last.stop)
        else:  # n - 1 and 1 rows
            slices += [slice(last.start, last.stop - 1), slice(last.stop - 1, last.stop)]
    return slices


@dataclass(frozen=True)
class _Points:
    """Row r is x + a[k] s_i e_i + b[k] t_j e_j, with (i, j, k) = first[r], second[r], kind[r].

    Three small integers a row, rather than the n coordinates: the rows are built only
    block by block, when they are evaluated.
    """

    first: NDArray[np.int32]
    second: NDArray[np.int32]
    kind: NDArray[np.int8]
    a: NDArray[np.float64]  # one per kind
    b: NDArray[np.float64]


def _group(i: NDArray[np.int32], j: NDArray[np.int32], kind: int) -> _Points:
    return _Points(i, j, np.full(len(i), kind, dtype=np.int8), np.empty(0), np.empty(0))


def _stack(groups: list[_Points], a: list[float], b: list[float]) -> _Points:
    return _Points(
        np.concatenate([g.first for g in groups]),
        np.concatenate([g.second for g in groups]),
        np.concatenate([g.kind for g in groups]),
        np.array(a),
        np.array(b),
    )


def _values(
    fun: UserFunction,
    x: NDArray[np.float64],
    rows: _Points,
    s: NDArray[np.float64],
    t: NDArray[Any],
    first: float | None = None,
) -> NDArray[np.float64]:
    """Return f at every row of `rows`, evaluated in blocks; Im f if `t` is complex.

    `first`, if given, is the value at row 0, already evaluated (by `_first`).
    """
    n, total = x.size, len(rows.first)
    values = np.empty(total)
    start = 0 if first is None else 1
    if first is not None:
        values[0] = first
    for block in _blocks(total - start, max(_BLOCK_COORDINATES // n, n), n):
        values[block.start + start : block.stop + start] = _block(
            fun, x, rows, np.arange(block.start + start, block.stop + start), s, t
        )
    return values


def _first(
    fun: UserFunction,
    x: NDArray[np.float64],
    rows: _Points,
    s: NDArray[np.float64],
    t: NDArray[Any],
) -> float:
    """Return f (Im f if `t` is complex) at row 0 of `rows` alone: one point, one call."""
    return float(_block(fun, x, rows, np.arange(1), s, t)[0])


def _block(
    fun: UserFunction,
    x: NDArray[np.float64],
    rows: _Points,
    block: NDArray[np.intp],
    s: NDArray[np.float64],
    t: NDArray[Any],
) -> NDArray[np.float64]:
    complex_step = t.dtype.kind == "c"
    i, j, k = rows.first[block], rows.second[block], rows.kind[block]
    points = np.repeat(x[np.newaxis, :].astype(t.dtype), len(i), axis=0)
    r = np.arange(len(i))
    points[r, i] += rows.a[k] * s[i]
    points[r, j] += rows.b[k] * t[j]
    result = evaluate(fun, points, complex_step)[:, 0]
    return np.asarray(result.imag if complex_step else result, dtype=np.float64)


def _central_rows(n: int) -> _Points:
    """Return the central scheme's points; row 0 is x itself (kind 0), whatever the steps."""
    i, j = _pairs(n, diagonal=False)
    axis = np.arange(n, dtype=np.int32)
    # Kind 0 is x itself; then for each level s and sign: the axis points x +- s h_i e_i
    # and the pair points x +- s (h_i e_i + h_j e_j).
    groups, a, b = [_group(axis[:1], axis[:1], 0)], [0.0], [0.0]
    for s in _CENTRAL_LEVELS:
        for sign in (1.0, -1.0):
            groups += [_group(axis, axis, len(a)), _group(i, j, len(a) + 1)]
            a += [sign * s, sign * s]
            b += [0.0, sign * s]
    return _stack(groups, a, b)


def _central(
    fun: UserFunction, x: NDArray[np.float64], h: NDArray[np.float64], center: float
) -> NDArray[np.float64]:
    """Seven-point second differences at h and h/2, extrapolated once; f(x) = `center`."""
    n = x.size
    i, j = _pairs(n, diagonal=False)
    axis = np.arange(n, dtype=np.int32)
    values = _values(fun, x, _central_rows(n), h, h, first=center)
    center, sets = values[0], values[1:].reshape(2 * len(_CENTRAL_LEVELS), -1)
    estimates = []
    with np.errstate(over="ignore", invalid="ignore"):  # inf - inf: check_overflow reports
        for level, s in enumerate(_CENTRAL_LEVELS):
            plus, minus, step = sets[2 * level], sets[2 * level + 1], s * h
            hess = np.empty((n, n))
            # Each difference of nearly equal values is taken before it is scaled, and
            # h_i h_j is never formed: it overflows for |x| above ~1e154.
            diagonal = (plus[:n] - center) + (minus[:n] - center)
            hess[axis, axis] = diagonal / step / step
            up = (plus[n:] - plus[i]) - (plus[j] - center)
            down = (minus[n:] - minus[i]) - (minus[j] - center)
            wide, narrow = np.maximum(step[i], step[j]), np.minimum(step[i], step[j])
            hess[i, j] = hess[j, i] = (0.5 * up + 0.5 * down) / wide / narrow
            estimates.append(hess)
        coarse, fine = estimates
        return check_overflow(fun, x, fine + (fine - coarse) / 3)  # (4 H(h/2) - H(h)) / 3


def _gradient_rows(n: int, scheme: str) -> _Points:
    """Return the points of the complex schemes: row (k, i, j) is x + o_k h_i e_i + i d_j e_j.

    Its Im f / d_j is g_j(x + o_k h_i e_i); the offsets o_k are those of the
    scheme's `gradient` difference.
    """
    i, j = _pairs(n, diagonal=True)
    offsets = DIFFERENCES[HESSIANS[scheme].gradient].offsets
    groups = [_group(i, j, k) for k in range(len(offsets))]
    return _stack(groups, list(offsets), [1.0] * len(offsets))


def _imaginary_steps(x: NDArray[np.float64]) -> NDArray[Any]:
    """Return the complex steps i delta_j of the complex-step gradient g."""
    return 1j * scaled_steps(DIFFERENCES["complex"].step, x)


def _of_gradient(
    fun: UserFunction,
    x: NDArray[np.float64],
    h: NDArray[np.float64],
    scheme: str,
    first: float | None,
) -> NDArray[np.float64]:
    """Central or Richardson differences of the complex-step gradient, i <= j, mirrored.

    `first` is Im f at the first row of `_gradient_rows` with these steps, or None.
    """
    n = x.size
    i, j = _pairs(n, diagonal=True)
    delta = scaled_steps(DIFFERENCES["complex"].step, x)
    terms = DIFFERENCES[HESSIANS[scheme].gradient].terms
    offsets = DIFFERENCES[HESSIANS[scheme].gradient].offsets
    imaginary = _values(fun, x, _gradient_rows(n, scheme), h, _imaginary_steps(x), first)
    g = dict(zip(offsets, imaginary.reshape(len(offsets), -1) / delta[j], strict=True))
    combined = np.zeros(len(i))
    with np.errstate(over="ignore"):
        for c, a, b in terms:  # the smallest terms first, in a fixed order
            combined += c * (g[a] - g[b])
        hess = np.empty((n, n))
        hess[i, j] = hess[j, i] = combined / h[i]
        return check_overflow(fun, x, hess)


def hessian(
    f: Objective,
    x: ArrayLike,
    *,
    h: float | ArrayLike | None = None,
    scheme: HessianScheme = "central",
    vectorized: bool = False,
    noise: float | None = None,
) -> NDArray[np.float64]:
    r"""Return the Hessian matrix $\nabla^2 f(\mathbf{x})$, exactly symmetric.

    $$\nabla^2 f(\mathbf{x}) = \left[\frac{\partial^2 f}{\partial x_i \partial x_j}
      (\mathbf{x})\right]_{i,j},$$

    from values of $f$ alone, by one of three schemes ($n$ the number of entries of `x`,
    its length if 1-D):

    | scheme     | differences                                   | truncation | evaluations     |
    |------------|-----------------------------------------------|------------|-----------------|
    | central    | of $f$, at $h$ and $h/2$, extrapolated once   | $O(h^4)$   | $2n^2 + 2n + 1$ |
    | complex    | central, of the complex-step gradient         | $O(h^2)$   | $n^2 + n$       |
    | richardson | Richardson's, of the complex-step gradient    | $O(h^6)$   | $3n^2 + 3n$     |

    On top of the truncation comes rounding, which grows as $h$ shrinks. With each value off
    by at most $\varepsilon/2$ of itself, it is at most about $11\,\varepsilon |f| / h^2$
    for "central" (second differences of $f$), and $\varepsilon |g| / (2h)$ for "complex"
    and $3.3\,\varepsilon |g| / h$ for "richardson" (first differences of the complex-step
    gradient $g$); the default steps balance the two (see `h`).

    The counts hold whatever $f$ returns, but for one case: "complex" and "richardson"
    evaluate their first point at float64's default steps (or those for `noise`), and if
    $f$'s value there is less precise (float32), at the larger steps again: one
    evaluation more.

    "central" works for any real $f$. "complex" and "richardson" evaluate $f$ at complex
    points, so $f$ must be real-analytic and written with operations that carry the
    imaginary part, as for ``gradient(scheme="complex")``. Their imaginary parts
    $\delta_j\,\partial f/\partial x_j$, with $\delta_j = 2^{-60}\max(1, |x_j|)$ rounded to
    a power of two, are subnormal where $|\partial f/\partial x_j|$ is below about
    $2^{-962}/\max(1, |x_j|)$ ($2.6 \times 10^{-290}$ for $|x_j| \le 1$): the entries then
    carry an absolute error of up to a few times $2^{-1074}/(\delta_j h_i)$ (at most about
    $10^{-300}$ at the default steps), all of an entry that small; use "central" there. The
    formulas, their error analysis and the errors measured are on the page [Second
    order](second-order.md#computing-the-hessian).

    Parameters
    ----------
    f : callable
        Called as ``f(x)`` with the point in the shape of `x`, a 1-D array for a 1-D
        `x` (complex128 for "complex" and "richardson"), returning one real number.
        With ``vectorized=True``, called as ``f(X)`` with points stacked along a first
        axis, shape (p, *x.shape), (p, n) for a 1-D `x`, returning shape (p,); the
        first point comes alone (its value sizes the steps), the others in blocks of at
        most $\max(n, 2^{18}/n) + n$ rows, never $n$ where $n > 1$.
    x : array_like
        The point, finite: an array of real numbers of any shape (not a tree of
        arrays); $n$ is its number of entries, and `f` gets the point in its shape
        (vectorized: ``(p, *x.shape)``).
    h : float or array_like of the shape of `x`, optional
        The step: one for every coordinate (a number or a 0-d array), or one per
        coordinate. Not with `noise`.
        Default: $h_i = c\max(1, |x_i|)$ rounded to a power of two, $c$ set for the
        relative precision $\varepsilon$ of $f$'s values (its dtype's: $2^{-52}$ in
        float64, $2^{-23}$ in float32; or `noise` where that is larger). "central":
        $c = \max(2^{-6}, (120\varepsilon)^{1/6})$, where the sum of its diagonal's
        rounding $\propto \varepsilon|f|/h^2$ and truncation $\propto h^4$ is least
        (rounding twice truncation) for features of width 1/2 (off the diagonal, at
        0.57 times that), never below
        float64's $2^{-6}$; $2^{-3}$ in float32. "complex" and
        "richardson": the steps of ``gradient(scheme="central")`` and
        ``gradient(scheme="richardson")`` at that $\varepsilon$ ($\varepsilon^{1/3}$ and
        $2^{-6}(\varepsilon/2^{-52})^{1/7}$: $2^{-17}$ and $2^{-6}$ in float64, $2^{-8}$
        and $2^{-2}$ in float32), as they difference the complex-step gradient $g$,
        whose values are off by about $\varepsilon|g|$. "central" sizes its steps from
        $f(\mathbf{x})$, which it evaluates first; the others from their first point.
        Like `default_step`'s, these assume that $f$ varies on a scale of at least
        $\max(1, |x_i|)$ near $\mathbf{x}$; where it varies faster (a feature of width
        $10^{-9}$) the default step is too coarse and the result silently wrong: pass
        an `h` on the feature's scale.
    scheme : {"central", "complex", "richardson"}
        The scheme (see the table).
    vectorized : bool
        Whether `f` accepts stacked points (see `f`). For an `f` that treats each row
        on its own, the result is the same. Not with a 0-d `x`: stacked, it has shape
        (p,), which cannot be told from one value per point; give it shape (1,).
    noise : float, optional
        The relative noise of $f$'s values, in $(0, 1)$, for an $f$ noisier than its
        dtype (an ODE solve, a simulation): the default step is sized for it (see `h`)
        where it exceeds the dtype's precision. Not with `h`. Every scheme takes it, as
        each subtracts values ("complex" those of $g$).

    Returns
    -------
    ndarray of float64, shape (n, n), or ``x.shape + x.shape``
        The approximation of $\nabla^2 f(\mathbf{x})$; ``H == H.T`` holds exactly
        for a 1-D `x`. For any shape, entry ``[*i, *j]`` is
        $\partial^2 f / \partial x_i \partial x_j$, shape ``x.shape + x.shape``
        (as ``jax.hessian``); ``H.reshape(n, n)`` is then symmetric.

    Raises
    ------
    ValueError
        If `x` is not finite or is empty; `h` is not positive and finite, not one
        step or one per coordinate (the shape of `x`), too small to leave any
        difference to measure for an $f$ that varies on the scale $\max(1, |x_i|)$
        (so a narrower feature's step can be refused although measurable; steps a
        few times larger are accepted, though rounding dominates them;
        $h/2 < \sqrt{\varepsilon} \max(1, |x_i|)$ for "central", $\varepsilon$ the
        precision of $f(\mathbf{x})$; the smallest offset below twice the spacing of
        $\max(1, |x_i|)$ for the others), or moves `x` beyond float64; `noise` is not
        positive and finite, is 1 or more, or is given with `h`; `scheme` is not one of
        the three; ``vectorized=True`` with a 0-d `x`; `f` returns a non-scalar or
        non-finite value (the wrong shape, vectorized), or finite values whose
        differences overflow float64; with the default step, if `f` returns a value
        less precise than the one the steps were sized for (float32 after float64) and
        `noise` does not cover it.
    TypeError
        If `x`, `h` or `noise` is not real (or `x` is a dict, list or tuple of
        arrays, or `h` a ragged list, a dict, or a list or tuple of arrays), `scheme` is
        not a string, `vectorized` not a bool, or
        `f` returns a non-number, or a complex number for "central"; for "complex" and
        "richardson", if `f` does not accept complex input or returns a real number at
        any complex point.

    See Also
    --------
    jacobian : the Hessian is the Jacobian of the gradient.
    gradient : the first derivatives.

    References
    ----------
    - M. Abramowitz and I. A. Stegun, *Handbook of Mathematical Functions*, 1964,
      formula 25.3.27 (the seven-point mixed difference).
    - M. S. Ridout, "Statistical applications of the complex-step method of numerical
      differentiation", *The American Statistician* 63(1), 66-74, 2009 (differences
      of the complex-step gradient).

    Examples
    --------
    The running example $f(x, y) = x^2 y + e^{xy}$ has
    $\nabla^2 f(1, 2) = \begin{bmatrix} 4 + 4e^2 & 2 + 3e^2 \\ 2 + 3e^2 & e^2
    \end{bmatrix}$:

    >>> import numpy as np
    >>> import gradref
    >>> from gradref.examples import f
    >>> e2 = np.exp(2)
    >>> exact = np.array([[4 + 4 * e2, 2 + 3 * e2], [2 + 3 * e2, e2]])
    >>> for scheme in ["central", "complex", "richardson"]:
    ...     H = gradref.hessian(f, [1.0, 2.0], scheme=scheme)
    ...     error = np.abs(H - exact).max() / np.abs(exact).max()
    ...     print(f"{scheme:10} {error:.0e}", np.array_equal(H, H.T))
    ...
    central    7e-08 True
    complex    4e-11 True
    richardson 1e-14 True

    The same $f$ computed in float32 gets steps sized for float32 ($2^{-3}$ and
    $2^{-2}$ here), more accurate than float64's $2^{-6}$ (and $2^{-5}$) would be:

    >>> import numpy as np
    >>> import gradref
    >>> e2 = np.exp(2)
    >>> exact = np.array([[4 + 4 * e2, 2 + 3 * e2], [2 + 3 * e2, e2]])
    >>> def f32(p):
    ...     q = np.asarray(p, dtype=np.float32)
    ...     return q[0] ** 2 * q[1] + np.exp(q[0] * q[1])
    ...
    >>> for h in [None, np.array([2.0**-6, 2.0**-5])]:
    ...     H = gradref.hessian(f32, [1.0, 2.0], h=h)
    ...     print(f"{np.abs(H - exact).max() / np.abs(exact).max():.1e}")
    ...
    3.0e-04
    1.4e-03
    """
    point, structure = flatten_array(x, "the Hessian's shape, x.shape + x.shape,")
    step = structure.steps(h)
    name = as_scheme(scheme, HESSIAN_SCHEMES, " for the Hessian")
    batched = as_flag(vectorized, "vectorized")
    relative = as_noise(noise, step, "central")  # every Hessian scheme subtracts
    probe = Probe(structure.wrap(f))
    fun = UserFunction(probe, vectorized=batched, structure=structure)
    eps = EPS if relative is None else max(relative, EPS)
    steps = scaled_steps(HESSIANS[name].step_for(eps), point) if step is None else step
    shift: NDArray[Any] = steps
    if name == "central":  # f(x) first: its precision sizes the steps, and it is reused
        rows = _central_rows(point.size)
    else:  # the first point, at the steps so far: reused if they stay
        rows, shift = _gradient_rows(point.size, name), _imaginary_steps(point)
        _check_step(point, steps, name, eps, structure)
    first, kept = _first(fun, point, rows, steps, shift), True
    if step is None and probe.eps > eps:  # a less precise f (float32): its steps
        steps = scaled_steps(HESSIANS[name].step_for(probe.eps), point)
        kept = name == "central"  # f(x) does not depend on them; the first point does
    eps = max(eps, probe.eps)
    _check_step(point, steps, name, eps, structure)
    if name == "central":
        hess = _central(fun, point, steps, first)
    else:
        hess = _of_gradient(fun, point, steps, name, first if kept else None)
    if step is None:
        check_precision(fun, probe.eps, eps)
    return hess.reshape(structure.shape + structure.shape)
