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
    UserFunction,
    check_overflow,
    evaluate,
    scaled_steps,
)
from gradref._schemes import DIFFERENCES, EPS, HESSIANS, HessianScheme
from gradref._validation import as_flag, as_point, as_scheme, as_steps

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
# That step is HESSIANS["central"].step (gradref/_schemes.py).
_CENTRAL_LEVELS = (1.0, 0.5)
# Coordinates per block: about 2^18, in at most max(n, 2^18 / n) + n points of n.
_BLOCK_COORDINATES = 2**18


def _check_step(x: NDArray[np.float64], steps: NDArray[np.float64], scheme: str) -> None:
    """Refuse a step too small for x: the difference quotients would be rounding alone."""
    # Second differences divide by h^2: below sqrt(eps) max(1, |x_i|), the change of f
    # along h is below its rounding error. Differences of g divide by h: below the
    # spacing of x_i, x_i + h rounds to x_i.
    scale = np.maximum(1.0, np.abs(x))
    smallest = np.sqrt(EPS) * scale if scheme == "central" else 2 * np.spacing(scale)
    reach = min(_CENTRAL_LEVELS) if scheme == "central" else 0.25 if scheme == "richardson" else 1
    bad = np.flatnonzero(reach * steps < smallest)
    if bad.size:
        i = bad[0]
        raise ValueError(
            f"`h` = {steps[i]:.3g} is too small for scheme={scheme!r} at x[{i}] = {x[i]:.6g} "
            f"(spacing {np.spacing(abs(x[i])):.3g}): the differences would be rounding "
            f"alone. Use h >= {smallest[i] / reach:.3g}, or the default step."
        )
    with np.errstate(over="ignore"):
        moved = np.abs(x) + steps
    if not np.isfinite(moved).all():
        i = np.flatnonzero(~np.isfinite(moved))[0]
        raise ValueError(
            f"`x`[{i}] = {x[i]:.6g} moved by the step `h` = {steps[i]:.3g} overflows float64."
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
    if slices[-1].stop - slices[-1].start == n:
        last = slices.pop()
        if slices:  # merged: size + n rows
            slices[-1] = slice(slices[-1].start, last.stop)
        else:  # n - 1 and 1 rows (n > 1: every scheme evaluates more than n points)
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
) -> NDArray[np.float64]:
    """Return f at every row of `rows`, evaluated in blocks; Im f if `t` is complex."""
    n, total = x.size, len(rows.first)
    complex_step = t.dtype.kind == "c"
    values = np.empty(total)
    for block in _blocks(total, max(_BLOCK_COORDINATES // n, n), n):
        i, j, k = rows.first[block], rows.second[block], rows.kind[block]
        points = np.repeat(x[np.newaxis, :].astype(t.dtype), len(i), axis=0)
        r = np.arange(len(i))
        points[r, i] += rows.a[k] * s[i]
        points[r, j] += rows.b[k] * t[j]
        result = evaluate(fun, points, complex_step)[:, 0]
        values[block] = result.imag if complex_step else result
    return values


def _central(
    fun: UserFunction, x: NDArray[np.float64], h: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Seven-point second differences at h and h/2, extrapolated once."""
    n = x.size
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
    values = _values(fun, x, _stack(groups, a, b), h, h)
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


def _of_gradient(
    fun: UserFunction, x: NDArray[np.float64], h: NDArray[np.float64], scheme: str
) -> NDArray[np.float64]:
    """Central or Richardson differences of the complex-step gradient, i <= j, mirrored."""
    n = x.size
    i, j = _pairs(n, diagonal=True)
    delta = scaled_steps(DIFFERENCES["complex"].step, x)
    terms = DIFFERENCES["central" if scheme == "complex" else "richardson"].terms
    offsets = sorted({s for _, *pair in terms for s in pair})
    # Row (k, i, j): x + offsets[k] h_i e_i + i delta_j e_j, whose Im / delta_j is
    # g_j(x + offsets[k] h_i e_i).
    groups = [_group(i, j, k) for k in range(len(offsets))]
    rows = _stack(groups, offsets, [1.0] * len(offsets))
    imaginary = _values(fun, x, rows, h, 1j * delta)
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
) -> NDArray[np.float64]:
    r"""Return the Hessian matrix $\nabla^2 f(\mathbf{x})$, exactly symmetric.

    $$\nabla^2 f(\mathbf{x}) = \left[\frac{\partial^2 f}{\partial x_i \partial x_j}
      (\mathbf{x})\right]_{i,j},$$

    from values of $f$ alone, by one of three schemes ($n$ the length of `x`):

    | scheme     | differences                                   | error    | evaluations     |
    |------------|-----------------------------------------------|----------|-----------------|
    | central    | of $f$, at $h$ and $h/2$, extrapolated once   | $O(h^4)$ | $2n^2 + 2n + 1$ |
    | complex    | central, of the complex-step gradient         | $O(h^2)$ | $n^2 + n$       |
    | richardson | Richardson's, of the complex-step gradient    | $O(h^6)$ | $3n^2 + 3n$     |

    "central" works for any real $f$. "complex" and "richardson" evaluate $f$ at
    complex points, so $f$ must be real-analytic and written with operations that
    carry the imaginary part, as for ``gradient(scheme="complex")``. Their imaginary
    parts $\delta_j\,\partial f/\partial x_j$, with $\delta_j = 2^{-60}\max(1, |x_j|)$
    rounded to a power of two, are subnormal where $|\partial f/\partial x_j|$ is below
    about $2^{-962} \approx 2.6 \times 10^{-290}$: the entries then carry an absolute
    error of up to a few times $2^{-1074}/(\delta_j h_i)$ (at most about
    $10^{-300}$ at the default steps), all of an entry that small; use "central" there.
    The formulas, their error analysis and the errors measured are on the page
    [Second order](second-order.md#computing-the-hessian).

    Parameters
    ----------
    f : callable
        Called as ``f(x)`` with a 1-D array (complex128 for "complex" and
        "richardson"), returning one real number. With ``vectorized=True``, called as
        ``f(X)`` with points stacked in rows, shape (p, n), returning shape (p,); the
        points come in blocks of at most $\max(n, 2^{18}/n) + n$ rows, never $n$.
    x : array_like, shape (n,)
        The point, finite.
    h : float or array_like of shape (n,), optional
        The step: one for every coordinate, or one per coordinate. Default: $h_i = c\max(1, |x_i|)$
        rounded to a power of two, $c = 2^{-6}$ for "central" and "richardson",
        $c = \varepsilon^{1/3}$ for "complex", with float64's $\varepsilon$ whatever
        the dtype of $f$'s values (unlike `gradient`, `hessian` does not size its steps
        for a less precise $f$): for an $f$ computed in float32, pass a larger `h`.
    scheme : {"central", "complex", "richardson"}
        The scheme (see the table).
    vectorized : bool
        Whether `f` accepts stacked points (see `f`). For an `f` that treats each row
        on its own, the result is the same.

    Returns
    -------
    ndarray of float64, shape (n, n)
        The approximation of $\nabla^2 f(\mathbf{x})$; ``H == H.T`` holds exactly.

    Raises
    ------
    ValueError
        If `x` is not a finite non-empty 1-D array; `h` is not positive and finite, not
        one step or one per coordinate, too small to leave any difference to measure
        (steps a few times larger are accepted, though rounding dominates them;
        $h/2 < \sqrt{\varepsilon} \max(1, |x_i|)$ for "central"; the smallest offset
        below twice the spacing of $\max(1, |x_i|)$ for the others), or moves `x` beyond
        float64; `scheme` is not one of the three; `f` returns a non-scalar or non-finite
        value (the wrong shape, vectorized), or finite values whose differences overflow
        float64.
    TypeError
        If `x` or `h` is not real, `scheme` is not a string, `vectorized` not a bool, or
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
    """
    point = as_point(x)
    step = as_steps(h, point.size)
    name = as_scheme(scheme, HESSIAN_SCHEMES, " for the Hessian")
    batched = as_flag(vectorized, "vectorized")
    steps = scaled_steps(HESSIANS[name].step, point) if step is None else step
    _check_step(point, steps, name)
    if name == "central":
        return _central(UserFunction(f, vectorized=batched), point, steps)
    return _of_gradient(UserFunction(f, vectorized=batched), point, steps, name)
