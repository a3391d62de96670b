"""Peak memory of gradref's derivatives, measured with tracemalloc; prints one row each.

Run it from the repository's top folder:

    .venv/bin/python benchmarks/memory.py

A row is the peak of the memory that numpy and Python allocate during one call, over
what was allocated before it (the point `x` is allocated before). It is a printout, not
a test: nothing is asserted, and no time is measured. Each row has its own function, so
that a new row is one more function in `ROWS`.

The points at which `f` is evaluated are built a batch at a time (at most 2^18 numbers,
or one point when a point is longer), so the extra memory is O(n) for a gradient,
whatever n; the stack of all 2n points would be 2n^2 numbers (244 MiB at n = 4000,
13.4 GiB at n = 30000).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

import gradref

MIB = 2.0**20


def _peak(call: Callable[[], Any]) -> float:
    """Return the peak of the memory allocated by `call`, in MiB."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        call()
        return (tracemalloc.get_traced_memory()[1] - before) / MIB
    finally:
        tracemalloc.stop()


def _sum_of_squares(p: Any) -> Any:
    return p @ p  # one point at a time: 2n calls


def gradient_loop(n: int) -> float:
    """Central gradient of a sum of squares, f called one point at a time."""
    x = np.linspace(-1.0, 1.0, n)
    return _peak(lambda: gradref.gradient(_sum_of_squares, x))


def gradient_vectorized(n: int) -> float:
    """The same gradient, f called with a stack of points (vectorized=True)."""
    x = np.linspace(-1.0, 1.0, n)
    return _peak(lambda: gradref.gradient(lambda xs: np.sum(xs * xs, axis=-1), x, vectorized=True))


ROWS: list[tuple[str, Callable[[int], float], list[int]]] = [
    ("gradient, one point a call, central", gradient_loop, [4000, 30000]),
    ("gradient, vectorized=True, central", gradient_vectorized, [4000, 30000]),
]


def main() -> None:
    print(f"{'what':40} {'n':>7} {'peak MiB':>9} {'n numbers, MiB':>15}")
    for label, row, sizes in ROWS:
        for n in sizes:
            print(f"{label:40} {n:7d} {row(n):9.2f} {8 * n / MIB:15.3f}")


if __name__ == "__main__":
    main()
