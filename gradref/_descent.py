r"""Gradient descent: $\theta \leftarrow \theta - \alpha \nabla \mathcal{L}(\theta)$."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradref._validation import as_gradient_value, as_point, as_positive, as_positive_int

# A run whose gradient grows this much past its start while its steps overshoot (each
# lands where the gradient points back) is diverging, not converging.
_GROWTH_LIMIT = 1e10


@dataclass(frozen=True)
class DescentResult:
    r"""The outcome of `gradient_descent`.

    Attributes
    ----------
    theta : ndarray of float64, shape (n,)
        The last iterate.
    steps : int
        The number of updates made.
    converged : bool
        Whether $\|\nabla \mathcal{L}(\boldsymbol\theta)\|_2$ fell below `tol`.
    grad_norm : float
        $\|\nabla \mathcal{L}\|_2$ at `theta`, computed scaled: no intermediate
        overflows, so it is ``inf`` only where the norm itself exceeds the largest
        double.
    path : ndarray of float64, shape (steps + 1, n)
        Every iterate, from `theta0` to `theta`, for plotting.
    """

    theta: NDArray[np.float64]
    steps: int
    converged: bool
    grad_norm: float
    path: NDArray[np.float64]


class DivergenceError(ArithmeticError):
    """Gradient descent ran away (see `gradient_descent`); `path` holds the iterates."""

    def __init__(self, message: str, path: NDArray[np.float64]) -> None:
        super().__init__(message)
        self.path = path


def gradient_descent(
    grad: Callable[[NDArray[np.float64]], ArrayLike],
    theta0: ArrayLike,
    *,
    lr: float,
    max_steps: int = 10_000,
    tol: float = 1e-8,
) -> DescentResult:
    r"""Minimise a loss by repeatedly stepping against its gradient.

    $$\boldsymbol\theta_{k+1}
      = \boldsymbol\theta_k - \alpha\, \nabla \mathcal{L}(\boldsymbol\theta_k)$$

    until $\|\nabla \mathcal{L}(\boldsymbol\theta_k)\|_2 <$ `tol` or `max_steps` updates.

    Parameters
    ----------
    grad : callable
        $\nabla \mathcal{L}$, called as ``grad(theta)`` with a 1-D float64 array and
        returning an array of the same shape.
    theta0 : array_like, shape (n,)
        The starting point, finite.
    lr : float
        The learning rate $\alpha > 0$.
    max_steps : int
        The most updates to make.
    tol : float
        Stop once the gradient's Euclidean norm is below this, positive.

    Returns
    -------
    DescentResult
        The last iterate, the number of steps, whether it converged, the final gradient
        norm and the whole path.

    Raises
    ------
    DivergenceError
        If the steps overshoot (each lands where the gradient points back,
        $\nabla \mathcal{L}_{k+1} \cdot \nabla \mathcal{L}_k < 0$) while the gradient's
        norm grows $10^{10}$-fold: `lr` is too large. If the iterates overflow: `lr` is
        too large, or, when the last step did not overshoot, the loss may decrease
        without bound along the path (the message says so). A gradient that grows on the
        way down from a stationary point does not overshoot and does not trip the growth
        test; if the iterates then run away, their overflow (DivergenceError) or the
        gradient's (ValueError, below) ends the run. The
        error's ``path`` attribute holds the iterates so far (the overflowed one last, if
        they overflowed).
    ValueError
        If `lr` or `tol` is not positive and finite, `max_steps` is not a positive
        integer, `theta0` is not a finite non-empty 1-D array, or `grad` returns the wrong shape or
        a value that is not finite at a finite iterate (the gradient overflows or is
        undefined there; a smaller `lr` may keep the iterates away from such a point,
        unless they run away because the loss has no minimum along the path).
    TypeError
        If `lr` or `tol` is not a real number, `max_steps` is not an integer, `theta0`
        is not an array of real numbers (complex, strings, a masked array), or `grad`
        returns anything but real numbers (complex numbers, strings, a dict), as
        `check_gradient` refuses them.

    Notes
    -----
    On a quadratic loss with positive definite Hessian $H$, eigenvalues
    $\lambda_1 \ge \dots \ge \lambda_n > 0$ and minimum $\boldsymbol\theta^\ast$, the
    error vector obeys $\boldsymbol\theta_{k+1} - \boldsymbol\theta^\ast
    = (I - \alpha H)(\boldsymbol\theta_k - \boldsymbol\theta^\ast)$: its component along
    eigenvector $j$ is multiplied by $1 - \alpha\lambda_j$ at each step. Descent converges
    from every start when $\alpha < 2/\lambda_1$ (oscillating along eigenvector 1 when
    $\alpha > 1/\lambda_1$), and diverges when $\alpha > 2/\lambda_1$ from every start
    with a component along eigenvector 1. The error's norm is multiplied by at most
    $\max_j |1 - \alpha\lambda_j|$ per step, which is $1 - \alpha\lambda_n$ when
    $\alpha \le 2/(\lambda_1 + \lambda_n)$ and is smallest, $(\lambda_1 - \lambda_n) /
    (\lambda_1 + \lambda_n)$, at that $\alpha$. Descent that converges stops where
    $\|\nabla\mathcal{L}\| <$ `tol`: on a non-convex loss usually near a stationary
    point (a local minimum, which need not be the global one, or a saddle point); on a
    loss without a minimum, convex or not, wherever the gradient has faded
    ($e^{-\theta}$ "converges" at the first iterate past $\ln 1000 \approx 6.9$ with
    `tol` = 1e-3). It may also run out of `max_steps` or diverge, and
    a start at any stationary point, a local maximum too, stops there before a step.

    Examples
    --------
    Minimising $\mathcal{L}(\boldsymbol\theta) = \|\boldsymbol\theta\|^2$, whose
    gradient is $2\boldsymbol\theta$: each step multiplies $\boldsymbol\theta$ by
    $1 - 2\alpha = 0.5$.

    >>> import gradref
    >>> result = gradref.gradient_descent(lambda th: 2 * th, [1.0, -2.0], lr=0.25)
    >>> print(result.converged, result.steps)
    True 29
    >>> print(result.path[:3].tolist())
    [[1.0, -2.0], [0.5, -1.0], [0.25, -0.5]]

    It stops at the first $k$ with $\|2\boldsymbol\theta_k\| = 2\sqrt{5}\, 0.5^k <
    10^{-8}$:

    >>> import math
    >>> print(math.ceil(math.log2(2 * math.sqrt(5) / 1e-8)))
    29
    """
    theta = as_point(theta0, "theta0")
    alpha = as_positive(lr, "lr")
    limit = as_positive_int(max_steps, "max_steps")
    tolerance = as_positive(tol, "tol")

    path = [theta]
    g = _gradient(grad, theta, 0)
    start = norm = _norm(g)  # the norm where the current run of overshooting steps began
    steps = 0
    overshooting = True  # unknown before the first step: lr is the first suspect
    while norm >= tolerance and steps < limit:
        with np.errstate(over="ignore"):
            theta = theta - alpha * g
        path.append(theta)
        steps += 1
        if not np.all(np.isfinite(theta)):
            _diverged(steps, start, np.inf, alpha, path, overshooting)
        previous, g = g, _gradient(grad, theta, steps)
        norm = _norm(g)
        overshooting = _dot_sign(previous, g) < 0
        if not overshooting:  # a new run may begin here
            start = norm
        elif norm > _GROWTH_LIMIT * start:
            _diverged(steps, start, norm, alpha, path, overshooting)
    return DescentResult(theta, steps, norm < tolerance, norm, np.array(path))


def _diverged(
    steps: int,
    start: float,
    norm: float,
    alpha: float,
    path: list[NDArray[np.float64]],
    overshooting: bool,
) -> NoReturn:
    advice = f"try a smaller one, such as lr={alpha / 10:g}"
    if overshooting:
        cause = f"The learning rate lr={alpha:g} is too large for this loss; {advice}."
    else:  # the iterates overflowed while each step still went downhill
        cause = (
            "The steps did not overshoot: the loss may decrease without bound along the "
            "path (no minimum there, which no learning rate fixes), or the learning rate "
            f"lr={alpha:g} is too large for it; {advice}."
        )
    raise DivergenceError(
        f"gradient descent diverged at step {steps}: the gradient norm grew from "
        f"{start:.3g} to {norm:.3g}. {cause}",
        np.array(path),
    )


def _norm(g: NDArray[np.float64]) -> float:
    """Return the Euclidean norm of a finite `g`, scaled so that no intermediate overflows."""
    largest = float(np.abs(g).max())
    if largest == 0:
        return 0.0
    return largest * float(np.sqrt(np.sum((g / largest) ** 2)))


def _dot_sign(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Return the sign of a . b, computed on a and b scaled to at most 1, without overflow."""
    a_max, b_max = float(np.abs(a).max()), float(np.abs(b).max())
    if a_max == 0 or b_max == 0:
        return 0.0
    return float(np.sign(np.dot(a / a_max, b / b_max)))


def _gradient(
    grad: Callable[[NDArray[np.float64]], ArrayLike], theta: NDArray[np.float64], step: int
) -> NDArray[np.float64]:
    """Return ``grad(theta)``, checked as `check_gradient` checks it."""

    def where() -> str:
        return f"at theta = {theta} (step {step})"

    try:
        value = grad(theta.copy())
    except Exception as err:
        err.add_note(f"gradref called `grad` {where()}.")
        raise
    hint = " The loss may not be differentiable at that point."
    if step > 0:
        hint = (
            " The loss may not be differentiable at that point, or the gradient overflowed "
            "as the iterates ran away (too large an `lr`, or a loss without a minimum "
            "along the path)."
        )
    return as_gradient_value(value, theta, "theta0", where, hint)
