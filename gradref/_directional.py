r"""The directional derivative $D_u f(x) = \nabla f(x) \cdot u$."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from gradref._finite_differences import Objective, Scheme, gradient
from gradref._validation import as_point

# A vector normalised with u / np.linalg.norm(u) has norm 1 to within a few ulps.
_UNIT_TOLERANCE = 1e-12


def directional_derivative(
    f: Objective,
    x: ArrayLike,
    u: ArrayLike,
    *,
    h: float | None = None,
    scheme: Scheme = "central",
    vectorized: bool = False,
) -> float:
    r"""Return the rate of change of `f` at `x` along the unit vector `u`.

    $$D_{\mathbf{u}} f(\mathbf{x}) = \nabla f(\mathbf{x}) \cdot \mathbf{u}
      = \lim_{t \to 0} \frac{f(\mathbf{x} + t\mathbf{u}) - f(\mathbf{x})}{t}$$

    The gradient is computed by `gradient` with the given `h`, `scheme` and
    `vectorized`, so the error is that scheme's.

    Parameters
    ----------
    f : callable
        The function, as for `gradient`.
    x : array_like, shape (n,)
        The point, finite.
    u : array_like, shape (n,)
        The direction, a unit vector: $\|\mathbf{u}\|_2 = 1$ to within $10^{-12}$.
    h : float, optional
        The step, passed to `gradient`.
    scheme : {"central", "forward", "backward", "richardson", "complex"}
        The difference formula, passed to `gradient`.
    vectorized : bool
        Whether `f` takes all perturbed points at once, passed to `gradient`.

    Returns
    -------
    float
        $D_{\mathbf{u}} f(\mathbf{x})$.

    Raises
    ------
    ValueError
        If `u` is zero, not of unit length, or not of the length of `x`; and as for
        `gradient`.

    Notes
    -----
    Since $\nabla f \cdot \mathbf{u} = \|\nabla f\| \cos\theta$, with $\theta$ the angle
    between them, $D_{\mathbf{u}} f$ is largest, $\|\nabla f\|$, for $\mathbf{u}$ along
    $\nabla f$, and zero for $\mathbf{u}$ orthogonal to it. The unit length matters:
    scaling $\mathbf{u}$ by 2 would double the "rate".

    Examples
    --------
    >>> import numpy as np
    >>> import gradref
    >>> from gradref.examples import f
    >>> u = np.array([3.0, 4.0]) / 5.0
    >>> d = gradref.directional_derivative(f, [1.0, 2.0], u, scheme="complex")
    >>> print(f"{d:.12f}")
    17.978112197861
    >>> print(f"{0.6 * (4 + 2 * np.exp(2)) + 0.8 * (1 + np.exp(2)):.12f}")
    17.978112197861
    """
    point = as_point(x)
    direction = as_point(u, "u")
    if direction.shape != point.shape:
        raise ValueError(f"`u` must have the length of `x`, {point.size}; got {direction.size}.")
    norm = float(np.linalg.norm(direction))
    if norm == 0:
        raise ValueError("`u` must be a nonzero unit vector, got the zero vector.")
    if abs(norm - 1) > _UNIT_TOLERANCE:
        raise ValueError(
            f"`u` must be a unit vector, got norm {norm!r}; pass u / np.linalg.norm(u)."
        )
    grad = gradient(f, point, h=h, scheme=scheme, vectorized=vectorized)
    return float(grad @ direction)
