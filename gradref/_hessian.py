r"""The Hessian matrix $\nabla^2 f$ of a scalar function, by second differences."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradref._finite_differences import (
    EPS,
    Objective,
    UserFunction,
    check_overflow,
    derivatives,
    evaluate,
    scaled_steps,
)
from gradref._validation import as_point, as_step

HessianScheme = Literal["central", "complex"]
HESSIAN_SCHEMES: tuple[str, ...] = ("central", "complex")

# Second differences: truncation O(h^2), rounding O(eps |f| / h^2): balanced at
# h ~ eps^(1/4) = 2^-13 exactly (see the Notes of `hessian`).
_SECOND_DIFFERENCE_STEP = EPS ** (1 / 4)


def _check_hessian_scheme(scheme: object) -> str:
    if scheme not in HESSIAN_SCHEMES:
        valid = ", ".join(repr(name) for name in HESSIAN_SCHEMES)
        raise ValueError(f"`scheme` must be one of {valid} for the Hessian; got {scheme!r}.")
    return str(scheme)


def _second_differences(
    f: Objective, x: NDArray[np.float64], h: float | None
) -> NDArray[np.float64]:
    """Return the upper triangle of central second differences, mirrored."""
    n = x.size
    steps = scaled_steps(_SECOND_DIFFERENCE_STEP, x) if h is None else np.full(n, h)
    moves = np.diag(steps)  # row i is h_i e_i
    i, j = np.triu_indices(n, k=1)
    corners = [x + a * moves[i] + b * moves[j] for a, b in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
    points = np.vstack([x, x + moves, x - moves, *corners])
    values = evaluate(UserFunction(f), points, complex_step=False)[:, 0]
    center, plus, minus = values[0], values[1 : n + 1], values[n + 1 : 2 * n + 1]
    pp, pm, mp, mm = values[2 * n + 1 :].reshape(4, -1)
    hess = np.empty((n, n))
    # Each difference of nearly equal values is taken before it is scaled.
    with np.errstate(over="ignore"):
        hess[np.diag_indices(n)] = ((plus - center) + (minus - center)) / steps**2
        hess[i, j] = hess[j, i] = ((pp - pm) - (mp - mm)) / (4 * steps[i] * steps[j])
    return check_overflow(UserFunction(f), x, hess)


def _complex_gradient(f: Objective) -> Objective:
    """Return the complex-step gradient of f, as a function of a real point."""

    def gradient(p: NDArray[Any]) -> NDArray[np.float64]:
        return derivatives(UserFunction(f), p, np.arange(p.size), None, "complex").ravel()

    return gradient


def hessian(
    f: Objective,
    x: ArrayLike,
    *,
    h: float | None = None,
    scheme: HessianScheme = "central",
) -> NDArray[np.float64]:
    r"""Return the Hessian matrix $\nabla^2 f(\mathbf{x})$, exactly symmetric.

    $$\nabla^2 f(\mathbf{x}) = \left[\frac{\partial^2 f}{\partial x_i \partial x_j}
      (\mathbf{x})\right]_{i,j}, \qquad
    f(\mathbf{x} + \mathbf{d}) = f(\mathbf{x}) + \nabla f(\mathbf{x})^\top \mathbf{d}
      + \tfrac12 \mathbf{d}^\top \nabla^2 f(\mathbf{x})\, \mathbf{d}
      + O(\|\mathbf{d}\|^3).$$

    With $\mathbf{e}_i$ the $i$-th unit vector and $h_i$ the step along it, the
    central scheme takes second differences of $f$,

    $$H_{ii} = \frac{f(\mathbf{x} + h_i\mathbf{e}_i) - 2f(\mathbf{x})
        + f(\mathbf{x} - h_i\mathbf{e}_i)}{h_i^2}, \qquad
      H_{ij} = \frac{f_{++} - f_{+-} - f_{-+} + f_{--}}{4 h_i h_j}, \quad
      f_{\pm\pm} = f(\mathbf{x} \pm h_i\mathbf{e}_i \pm h_j\mathbf{e}_j),$$

    for the upper triangle, and mirrors it. The complex scheme takes central
    differences of the complex-step gradient $\mathbf{g}$ and symmetrises them,

    $$M_{ji} = \frac{g_j(\mathbf{x} + h_i\mathbf{e}_i)
        - g_j(\mathbf{x} - h_i\mathbf{e}_i)}{2h_i}, \qquad
      g_j(\mathbf{y}) = \frac{\operatorname{Im} f(\mathbf{y}
        + \mathrm{i}\,\delta\mathbf{e}_j)}{\delta}, \quad \delta = 2^{-60}, \qquad
      H = \tfrac12 (M + M^\top).$$

    Both have a truncation error of $O(h^2)$ and are symmetric to the bit.

    Parameters
    ----------
    f : callable
        The function, called as ``f(x)`` with a 1-D float64 array (complex128 for
        ``scheme="complex"``) and returning one real number, once per point.
    x : array_like, shape (n,)
        The point, finite.
    h : float, optional
        The step, the same for every coordinate. The default, $h_i = c\max(1, |x_i|)$
        rounded to a power of two, balances truncation against rounding (see Notes):
        $c = \varepsilon^{1/4} = 2^{-13}$ for central, $c = \varepsilon^{1/3}$, the
        central gradient's `default_step`, for complex.
    scheme : {"central", "complex"}
        Second differences of $f$ (any real $f$), or central differences of the
        complex-step gradient ($f$ written with operations that accept complex
        numbers), whose error is about $\varepsilon^{2/3}$ instead of
        $\varepsilon^{1/2}$ (see Notes).

    Returns
    -------
    ndarray of float64, shape (n, n)
        The approximation of $\nabla^2 f(\mathbf{x})$; ``H == H.T`` holds exactly.

    Raises
    ------
    ValueError
        If `x` is not a finite non-empty 1-D array, `h` is not positive and finite,
        `scheme` is not one of the two, or `f` returns a non-scalar or non-finite value,
        or finite values whose second differences overflow float64.
    TypeError
        If `x` is not real or `f` returns a non-number or a complex number in the
        central scheme; with ``scheme="complex"``, if `f` does not accept or does not
        propagate complex input.

    See Also
    --------
    jacobian : the Hessian is the Jacobian of the gradient.
    gradient : the first derivatives.

    Notes
    -----
    Error analysis, with $\varepsilon = 2^{-52}$ and $f^{(4)}$ a fourth derivative.

    *Central.* Taylor expansion gives a truncation error of
    $h^2 f^{(4)} / 12$ on the diagonal and $h^2 (f_{iiij} + f_{ijjj}) / 6$ off it;
    the values of $f$ carry rounding errors of about $\varepsilon |f|$, which the
    division by $h^2$ amplifies to about $\varepsilon |f| / h^2$. The two balance at
    $h \sim \varepsilon^{1/4} (|f| / |f^{(4)}|)^{1/4}$, hence $c = 2^{-13}$, and the
    error there is about $\sqrt{\varepsilon}\,|f| \approx 10^{-8} |f|$: note $|f|$,
    not $|\nabla^2 f|$, so a large constant in $f$ costs accuracy. A step $r$ times
    too large or too small costs $r^2$ either way. Evaluations: $2n^2 + 1$.

    *Complex.* The complex-step gradient $g$ is exact to rounding, so the
    central difference of $g$ has the error of a central first derivative,
    $h^2 f^{(4)} / 6$ plus $\varepsilon |\nabla f| / h$, balanced at
    $h \sim \varepsilon^{1/3}$ with an error of about
    $\varepsilon^{2/3} \approx 4 \times 10^{-11}$ times the size of the
    derivatives. Evaluations: $2n^2$, at complex points.

    References
    ----------
    - J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer,
      2006, section 8.1 (finite-difference Hessians).
    - M. S. Ridout, "Statistical applications of the complex-step method of
      numerical differentiation", *The American Statistician* 63(1), 66-74, 2009
      (equation 10 is the complex scheme).

    Examples
    --------
    The running example $f(x, y) = x^2 y + e^{xy}$ has
    $\nabla^2 f = \begin{bmatrix} 2y + y^2 e^{xy} & 2x + (1 + xy) e^{xy} \\
    2x + (1 + xy) e^{xy} & x^2 e^{xy} \end{bmatrix}$, which at $(1, 2)$ is
    $\begin{bmatrix} 4 + 4e^2 & 2 + 3e^2 \\ 2 + 3e^2 & e^2 \end{bmatrix}$:

    >>> import numpy as np
    >>> import gradref
    >>> from gradref.examples import f
    >>> e2 = np.exp(2)
    >>> exact = np.array([[4 + 4 * e2, 2 + 3 * e2], [2 + 3 * e2, e2]])
    >>> print(exact)
    [[33.5562244 24.1671683]
     [24.1671683  7.3890561]]
    >>> H = gradref.hessian(f, [1.0, 2.0])
    >>> print(H)
    [[33.55622447 24.16716905]
     [24.16716905  7.38905612]]
    >>> def error(H):
    ...     return f"{np.abs(H - exact).max() / np.abs(exact).max():.1e}"
    ...
    >>> print(np.array_equal(H, H.T), error(H))
    True 2.2e-08
    >>> Hc = gradref.hessian(f, [1.0, 2.0], scheme="complex")
    >>> print(np.array_equal(Hc, Hc.T), error(Hc))
    True 4.1e-11
    """
    point = as_point(x)
    step = as_step(h)
    name = _check_hessian_scheme(scheme)
    if name == "central":
        return _second_differences(f, point, step)
    # Named f in messages: the inner gradient has checked f's values, so what can still go
    # wrong here is an overflow of the second derivatives, which are f's.
    gradient = UserFunction(_complex_gradient(f), name="f", scalar=False)
    columns = derivatives(gradient, point, np.arange(point.size), step, "central")
    symmetric: NDArray[np.float64] = 0.5 * columns + 0.5 * columns.T  # cannot overflow
    return symmetric
