r"""The error estimate of a numerical derivative, shared by `check_gradient` and `full_output`.

A derivative $D(h)$ by a scheme of order $p$ is off by three things, each estimated here:

- truncation, $\tau = |D(2h) - D(h)| / (2^p - 1)$: if $D(h) = f' + c h^p$, the two differ
  by $(2^p - 1) c h^p$;
- rounding, $\rho = c_s (\varepsilon S + \eta) / h$ with $S = F + \sum_j |x_j \hat g_j|$,
  $F$ the largest $|f|$ the differences combine (each value of $f$ off by about
  $\varepsilon |f|$, plus $\varepsilon |x_j|$ in each input) and $\eta = 2^{-1074}$;
  $c_s$ is the scheme's rounding factor (0 for the complex step, where $\rho = \eta / h$);
- the formula term $\phi = 4 \varepsilon (\max_j |\hat g_j| + \sum_j |x_j \hat g_j|) +
  2^{-1022}$: rounding the intermediate quantities of $f$ is assumed to move its
  derivative by at most that (an $f$ computed less accurately, as $\log(1 + q)$ for a
  tiny $q$, breaks the estimate).

$\varepsilon$ is a parameter (default float64's $2^{-52}$) for an $f$ computed in
another precision.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradref._schemes import DIFFERENCES, EPS
from gradref._trees import Tree

TINY = float(np.finfo(np.float64).tiny)  # 2^-1022, the smallest normal double
SMALLEST = float(np.finfo(np.float64).smallest_subnormal)  # 2^-1074
SAFETY = 10.0
"""How many times the sum of its estimated error terms a numerical derivative is trusted to."""


@dataclass(frozen=True)
class ErrorEstimate:
    r"""The error estimate that ``full_output=True`` returns with a derivative.

    Attributes
    ----------
    error : ndarray of float64, or a tree of them
        The estimated error of each entry of the value, shaped like the value (for a
        point given as a dict, list or tuple of arrays, the same structure) (a bound
        where the step resolves $f$ and its values are accurate to about $\varepsilon$;
        see `gradient` for where it is not):
        $10\,(\tau + \rho + \phi)$ (see `gradient`).
    truncation : ndarray of float64, or a tree of them
        $\tau$, the truncation estimate from the same scheme at twice the step.
    rounding : ndarray of float64, or a tree of them
        $\rho + \phi$, the rounding of the differences and of the formula.
    evaluations : int
        How many points `f` was evaluated at in all, the estimate's included (a
        vectorized call with $p$ points counts $p$).
    """

    error: Tree
    truncation: Tree
    rounding: Tree
    evaluations: int


@dataclass(frozen=True)
class Terms:
    """The three estimated error terms, each shaped (outputs, lines)."""

    truncation: NDArray[np.float64]
    rounding: NDArray[np.float64]
    formula: NDArray[np.float64]

    def bound(self) -> NDArray[np.float64]:
        """Return the error bound SAFETY (tau + rho + phi)."""
        return np.asarray(SAFETY * (self.truncation + self.rounding + self.formula))


def error_terms(
    value: NDArray[np.float64],
    doubled: NDArray[np.float64],
    sizes: NDArray[np.float64],
    steps: NDArray[np.float64],
    scheme: str,
    *,
    sensitivity: NDArray[np.float64],
    largest: NDArray[np.float64],
    eps: float = EPS,
) -> Terms:
    """Return tau, rho and phi of the derivatives `value` (outputs, lines) at `steps`.

    `doubled` holds them at twice the steps, `sizes` the largest |f| each line's
    differences combined, `sensitivity` the sum of |x_j g_j| and `largest` the largest
    |g_j| per output, shape (outputs, 1) (the caller chooses g: numerical or analytic).
    """
    facts = DIFFERENCES[scheme]
    with np.errstate(over="ignore", invalid="ignore"):  # the callers refuse an overflow
        truncation = np.abs(doubled - value) / (2.0**facts.order - 1)
        # The complex step subtracts nothing: only the grid of subnormals, eta.
        size = 0.0 if facts.complex else sizes + sensitivity
        floor = max(facts.rounding, 1.0) * SMALLEST
        rounding = (facts.rounding * eps * size + floor) / steps
        formula = np.broadcast_to(4 * eps * (largest + sensitivity) + TINY, value.shape)
    return Terms(truncation, np.asarray(rounding, dtype=np.float64), formula)


def precision(value: Any) -> float:
    """Return the relative precision of a value of f: its dtype's epsilon, float64's at least.

    The values are differenced in float64, so a longdouble value counts as float64, and
    so do Python floats, integers and anything that is not an array of floats (which
    `as_value` then checks).
    """
    try:
        dtype = np.asarray(value).dtype
    except (TypeError, ValueError):  # a ragged sequence: `as_value` reports it
        return EPS
    return max(float(np.finfo(dtype).eps), EPS) if dtype.kind in "fc" else EPS


class Recorder:
    """Wraps `f`: counts the points it is evaluated at and records the largest |f| per line.

    Along the axes (``axes=True``) a point that differs from x in coordinate i alone
    belongs to line i, and x itself to every line; otherwise every point counts for
    every line. Only while `recording` is True, and only values that are real numbers
    (anything else is for the validation to refuse).
    """

    def __init__(self, f: Any, x: NDArray[np.float64], vectorized: bool, axes: bool) -> None:
        self.f, self.x, self.vectorized, self.axes = f, x, vectorized, axes
        self.points = 0
        self.eps = EPS  # the least precise value's relative precision so far
        self.recording = False
        self.sizes: NDArray[np.float64] | None = None  # (outputs, lines)

    def __call__(self, p: Any) -> Any:
        rows = np.asarray(p).reshape(-1, self.x.size) if self.vectorized else p[np.newaxis]
        self.points += len(rows)
        lines = self._lines(rows) if self.recording else None  # before f can change p
        value = self.f(p)
        self.eps = max(self.eps, precision(value))
        if lines is not None:
            with contextlib.suppress(TypeError, ValueError):  # not numbers: refused later
                self._keep(value, lines)
        return value

    def _lines(self, rows: NDArray[Any]) -> NDArray[np.intp]:
        """Return the line of each row, or -1 for a point on every line."""
        if not self.axes:
            return np.full(len(rows), -1)
        moved = rows != self.x
        one = moved.sum(axis=1) == 1
        return np.where(one, np.argmax(moved, axis=1), -1)

    def _keep(self, value: Any, lines: NDArray[np.intp]) -> None:
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            return
        sizes = np.abs(array.astype(np.float64)).reshape(len(lines), -1)  # (rows, outputs)
        if self.sizes is None:
            count = self.x.size if self.axes else 1
            self.sizes = np.zeros((sizes.shape[1], count))
        if sizes.shape[1] != self.sizes.shape[0]:
            return
        every = lines < 0
        if every.any():
            self.sizes = np.maximum(self.sizes, sizes[every].max(axis=0)[:, np.newaxis])
        if (~every).any():
            np.maximum.at(self.sizes.T, lines[~every], sizes[~every])
