r"""The two worked examples that run through the site, ready to import.

- The running example $f(x, y) = x^2 y + e^{xy}$ and its analytic gradient, written so
  that they take one point ``[x, y]`` or a stack of points, one per row, and accept
  complex input (for the complex step).
- The four data points $(x_i, t_i)$ of the linear-regression example, fitted by the line
  $y = wx + b$; their least-squares line is $w = 1.95$, $b = 0.25$.

Examples
--------
>>> import numpy as np
>>> from gradref.examples import DATA_T, DATA_X
>>> design = np.column_stack([DATA_X, np.ones_like(DATA_X)])
>>> line, *_ = np.linalg.lstsq(design, DATA_T, rcond=None)
>>> print(line.round(12).tolist())
[1.95, 0.25]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["DATA_T", "DATA_X", "f", "grad_f"]


def f(p: NDArray[Any]) -> Any:
    r"""Return $f(x, y) = x^2 y + e^{xy}$ at ``p = [x, y]`` (or at each row of `p`).

    Examples
    --------
    >>> import numpy as np
    >>> from gradref.examples import f
    >>> print(f(np.array([1.0, 2.0])) == 2 + np.exp(2))
    True
    >>> print(f(np.array([[0.0, 0.0], [1.0, 2.0]])).round(6))
    [1.       9.389056]
    """
    x, y = p[..., 0], p[..., 1]
    return x**2 * y + np.exp(x * y)


def grad_f(p: NDArray[Any]) -> NDArray[Any]:
    r"""Return the analytic gradient of `f` at ``p = [x, y]``.

    $$\nabla f(x, y) = \begin{bmatrix} 2xy + y\,e^{xy} \\ x^2 + x\,e^{xy} \end{bmatrix}$$

    Examples
    --------
    >>> import numpy as np
    >>> from gradref.examples import grad_f
    >>> print(grad_f(np.array([1.0, 2.0])).tolist())
    [18.7781121978613, 8.38905609893065]
    >>> print(grad_f(np.array([[0.0, 0.0], [1.0, 0.0]])).tolist())
    [[0.0, 0.0], [0.0, 2.0]]
    """
    x, y = p[..., 0], p[..., 1]
    e = np.exp(x * y)
    return np.stack([2 * x * y + y * e, x**2 + x * e], axis=-1)


DATA_X: NDArray[np.float64] = np.array([1.0, 2.0, 3.0, 4.0])
"""Inputs $x_i$ of the linear-regression example."""

DATA_T: NDArray[np.float64] = np.array([2.3, 4.1, 5.9, 8.2])
"""Targets $t_i$ of the linear-regression example."""
