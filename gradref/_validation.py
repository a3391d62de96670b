"""Input validation shared by every public function.

Each helper either returns a clean value or raises a ``ValueError``/``TypeError``
whose message names the argument and the rule it broke.
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray


def as_vector(x: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return `x` as a non-empty 1-D float64 array, without copying or scanning it."""
    try:
        array = np.asarray(x)
    except (TypeError, ValueError) as err:  # ragged nested lists, for one
        raise TypeError(f"`{name}` must be a 1-D array of real numbers.") from err
    if array.dtype.kind == "c":
        raise TypeError(f"`{name}` must be real; the complex step is chosen with scheme='complex'.")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must be a 1-D array of real numbers, not dtype {array.dtype}.")
    if array.ndim != 1:
        hint = " Wrap a single number as [x]." if array.ndim == 0 else ""
        raise ValueError(
            f"`{name}` must be 1-D (one entry per variable), got shape {array.shape}.{hint}"
        )
    if array.size == 0:
        raise ValueError(f"`{name}` must not be empty.")
    return np.asarray(array, dtype=np.float64)


def check_finite(array: NDArray[np.float64], name: str) -> None:
    """Raise if `array` holds a NaN or an infinity."""
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise ValueError(
            f"`{name}` must be finite (no NaN or inf); `{name}`[{bad[0]}] is {array[bad[0]]}."
        )


def as_point(x: ArrayLike, name: str = "x") -> NDArray[np.float64]:
    """Return `x` as a fresh, finite, non-empty 1-D float64 array."""
    array = as_vector(x, name).copy()
    check_finite(array, name)
    return array


def as_real(value: Any, name: str) -> float:
    """Return `value` as a finite Python float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {type(value).__name__}.")
    result = float(value)
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
    if isinstance(value, bool):
        raise TypeError(f"`{name}` must be a positive integer, got bool.")
    try:
        result = operator.index(value)
    except TypeError as err:
        raise TypeError(
            f"`{name}` must be a positive integer, got {type(value).__name__}."
        ) from err
    if result < 1:
        raise ValueError(f"`{name}` must be a positive integer, got {result}.")
    return result


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
    """Return the step `h` as a positive finite float, or None for the default."""
    if h is None:
        return None
    return as_positive(h, "h")


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
