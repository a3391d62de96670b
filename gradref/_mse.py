r"""The mean squared error of the linear model $y = wx + b$ and its gradients."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradref._validation import as_data, as_real, check_finite

# Elements per block: 1 MiB of float64 residuals, the only extra memory for float64 data.
# Each block costs a few numpy calls, whose fixed overhead dominates small blocks, while
# large ones fall out of the caches: 2^14 to 2^17 time alike (within the noise of a shared
# machine) and 2^18 was slower, measured against a single-threaded np.dot(x, t).
_BLOCK = 1 << 17


def mse_loss(w: float, b: float, x: ArrayLike, t: ArrayLike) -> float:
    r"""Return the mean squared error of the predictions $w x_i + b$ against $t_i$.

    $$\mathcal{L}(w, b) = \frac{1}{N} \sum_{i=1}^N (w x_i + b - t_i)^2$$

    Parameters
    ----------
    w : float
        The slope, finite.
    b : float
        The intercept, finite.
    x : array_like, shape (N,)
        The inputs: finite, non-empty.
    t : array_like, shape (N,)
        The targets, as many as the inputs, finite.

    Returns
    -------
    float
        $\mathcal{L}(w, b)$.

    Raises
    ------
    ValueError
        If `x` and `t` are not 1-D, empty, of different lengths or not finite, if `w` or
        `b` is not finite, or if the sums over the data overflow float64.
    TypeError
        If `w` or `b` is not a real number, or `x` or `t` is not an array of real
        numbers.

    Notes
    -----
    $\mathcal{L}$ is a quadratic function of $(w, b)$ with the constant Hessian
    $\frac{2}{N}\begin{bmatrix} \sum x_i^2 & \sum x_i \\ \sum x_i & N \end{bmatrix}$,
    positive definite unless all $x_i$ are equal. When it is positive definite, the
    minimum is unique and global, the solution of the normal equations.

    Examples
    --------
    >>> import gradref
    >>> from gradref.examples import DATA_X, DATA_T
    >>> print(round(gradref.mse_loss(0.5, 0.0, DATA_X, DATA_T), 6))
    17.6625
    >>> print(round(gradref.mse_loss(1.95, 0.25, DATA_X, DATA_T), 12))
    0.01875
    """
    xs, ts = as_data(x, t)
    (sum_ee,) = _residual_sums(as_real(w, "w"), as_real(b, "b"), xs, ts, loss=True)
    return sum_ee / xs.size


def mse_gradients(w: float, b: float, x: ArrayLike, t: ArrayLike) -> tuple[float, float]:
    r"""Return the gradient of `mse_loss` with respect to $w$ and $b$.

    $$\frac{\partial \mathcal{L}}{\partial w} = \frac{2}{N} \sum_{i=1}^N (w x_i + b - t_i)\, x_i,
      \qquad
      \frac{\partial \mathcal{L}}{\partial b} = \frac{2}{N} \sum_{i=1}^N (w x_i + b - t_i)$$

    $N$ is the length of the data, not a global.

    Parameters
    ----------
    w : float
        The slope, finite.
    b : float
        The intercept, finite.
    x : array_like, shape (N,)
        The inputs: finite, non-empty.
    t : array_like, shape (N,)
        The targets, as many as the inputs, finite.

    Returns
    -------
    tuple of float
        $(\partial \mathcal{L}/\partial w, \partial \mathcal{L}/\partial b)$.

    Raises
    ------
    ValueError
        If `x` and `t` are not 1-D, empty, of different lengths or not finite, if `w` or
        `b` is not finite, or if the sums over the data or the gradients overflow
        float64.
    TypeError
        If `w` or `b` is not a real number, or `x` or `t` is not an array of real
        numbers.

    Notes
    -----
    The residuals $r_i = w x_i + b - t_i$ are formed block by block in a small buffer
    and reduced at once ($\sum r_i x_i$ by a BLAS dot product, $\sum r_i$ by numpy's
    pairwise sum), so the data are read once and, for float64 arrays, the extra memory
    does not grow with $N$ (other input, a list or float32 or integer arrays, is first
    converted to a float64 copy of $N$ numbers). The sums are taken over the residuals
    themselves, never through $\sum x_i^2$, $\sum x_i t_i$, ...: that shortcut cancels
    catastrophically near the optimum, where the gradient is small.

    Examples
    --------
    >>> import gradref
    >>> from gradref.examples import DATA_X, DATA_T
    >>> dw, db = gradref.mse_gradients(0.5, 0.0, DATA_X, DATA_T)
    >>> print(round(dw, 12), round(db, 12))
    -23.0 -7.75
    """
    xs, ts = as_data(x, t)
    sum_ex, sum_e = _residual_sums(as_real(w, "w"), as_real(b, "b"), xs, ts, loss=False)
    dw, db = 2 * (sum_ex / xs.size), 2 * (sum_e / xs.size)  # the mean first: 2 Σ may overflow
    if not (math.isfinite(dw) and math.isfinite(db)):
        raise ValueError(
            "the gradients overflow float64, though the sums over the data do not; "
            "rescale `x` and `t` (or `w` and `b`) towards 1."
        )
    return dw, db


def _residual_sums(
    w: float, b: float, x: NDArray[np.float64], t: NDArray[np.float64], *, loss: bool
) -> tuple[float, ...]:
    """Return sum(e*e) if `loss`, else (sum(e*x), sum(e)), for e = w*x + b - t."""
    buffer = np.empty(min(x.size, _BLOCK))
    sums = np.zeros(1 if loss else 2)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is checked below
        for start in range(0, x.size, _BLOCK):
            xb, tb = x[start : start + _BLOCK], t[start : start + _BLOCK]
            e = buffer[: xb.size]
            np.multiply(xb, w, out=e)  # (w x + b) - t, rounded as the formula reads
            e += b
            e -= tb
            if loss:
                sums[0] += e @ e
            else:
                sums[0] += e @ xb
                sums[1] += e.sum()
    if not np.all(np.isfinite(sums)):
        check_finite(x, "x")
        check_finite(t, "t")
        raise ValueError(
            "the sums over the data overflowed float64; rescale `x` and `t` "
            "(or `w` and `b`) towards 1."
        )
    return tuple(float(s) for s in sums)
