"""Checking an analytic gradient against a numerical one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradref._finite_differences import Objective, Scheme, gradient
from gradref._validation import as_point, as_positive


@dataclass(frozen=True)
class GradientCheck:
    """The outcome of `check_gradient`.

    Attributes
    ----------
    analytic : ndarray of float64, shape (n,)
        The gradient returned by ``grad(x)``.
    numerical : ndarray of float64, shape (n,)
        The gradient computed by `gradient`.
    errors : ndarray of float64, shape (n,)
        The error of each component, relative to the size of the gradient.
    worst : int
        The index of the component with the largest error.
    max_error : float
        ``errors[worst]``.
    passed : bool
        Whether ``max_error <= rtol``.
    """

    analytic: NDArray[np.float64]
    numerical: NDArray[np.float64]
    errors: NDArray[np.float64]
    worst: int
    max_error: float
    passed: bool


def check_gradient(
    f: Objective,
    grad: Callable[[NDArray[np.float64]], ArrayLike],
    x: ArrayLike,
    *,
    rtol: float = 1e-6,
    h: float | None = None,
    scheme: Scheme = "central",
) -> GradientCheck:
    r"""Compare a hand-derived gradient with a numerical one at `x`.

    The error of component $i$ is measured against the size of the whole gradient,

    $$e_i = \frac{|g_i - \hat g_i|}{\max(\|\mathbf{g}\|_\infty, \|\hat{\mathbf{g}}\|_\infty)},$$

    where $\mathbf{g}$ is ``grad(x)`` and $\hat{\mathbf{g}}$ the numerical gradient
    (taken as 0 when both vectors are zero). A componentwise relative error would flag
    every component that is zero up to the noise of finite differences; this one flags
    any mistake larger than `rtol` times the gradient's size.

    Parameters
    ----------
    f : callable
        The function, as for `gradient`.
    grad : callable
        The gradient to check, called as ``grad(x)`` and returning shape (n,).
    x : array_like, shape (n,)
        The point at which to compare, finite. Pick a generic point: at $(0, 0)$ or
        $(1, 1)$ many wrong formulas agree with the right one.
    rtol : float
        The largest error that passes. Central differences are good to about
        $10^{-10}$ relative, so the default $10^{-6}$ leaves a wide margin.
    h : float, optional
        The step, passed to `gradient`.
    scheme : {"central", "forward", "backward", "richardson", "complex"}
        The difference formula, passed to `gradient`.

    Returns
    -------
    GradientCheck
        Both gradients, the errors, the worst component and whether it passed.

    Raises
    ------
    ValueError
        If ``grad(x)`` does not have the shape of `x` or is not finite, if `rtol` is
        not positive, and as for `gradient`.

    Examples
    --------
    A derivation of $\partial f/\partial y$ that forgot the chain rule's factor $x$:

    >>> import numpy as np
    >>> import gradref
    >>> from gradref.examples import f, grad_f
    >>> def wrong(p):
    ...     x, y = p
    ...     return np.array([2 * x * y + y * np.exp(x * y), x**2 + np.exp(x * y)])
    >>> result = gradref.check_gradient(f, wrong, [0.5, 1.5])
    >>> print(result.passed, result.worst, f"{result.max_error:.3f}")
    False 1 0.226
    >>> print(gradref.check_gradient(f, grad_f, [0.5, 1.5]).passed)
    True
    """
    point = as_point(x)
    tolerance = as_positive(rtol, "rtol")
    analytic = _analytic(grad, point)
    numerical = gradient(f, point, h=h, scheme=scheme)
    scale = max(np.abs(analytic).max(), np.abs(numerical).max())
    difference = np.abs(analytic - numerical)
    errors = difference / scale if scale > 0 else difference
    worst = int(np.argmax(errors))
    max_error = float(errors[worst])
    return GradientCheck(analytic, numerical, errors, worst, max_error, max_error <= tolerance)


def _analytic(grad: Callable[[NDArray[np.float64]], Any], point: NDArray[np.float64]) -> Any:
    value = np.asarray(grad(point.copy()))
    if value.shape != point.shape:
        raise ValueError(
            f"`grad` must return an array of the shape of `x`, {point.shape}; got {value.shape}."
        )
    if value.dtype.kind not in "biuf" or not np.all(np.isfinite(value)):
        raise ValueError(f"`grad` must return finite real numbers, got {value}.")
    return value.astype(np.float64)
