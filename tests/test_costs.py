"""Every evaluation count the docstrings and the pages state, counted.

A counting wrapper records how many points `f` is evaluated at: one per call, or one
per row when ``vectorized=True`` hands it a stack of points. The costs asserted here are
the ones written in the docstrings' Notes and on the pages (Computing gradients, Finite
differences in practice, Accuracy and cost, Automatic differentiation). The Hessian's
costs are asserted in tests/test_hessian.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

import gradref

SIZES = [1, 3, 7]


class Counted:
    """`f`, counting the points it is evaluated at."""

    def __init__(self, outputs: int | None = None) -> None:
        self.points = 0
        self.outputs = outputs

    def __call__(self, x: NDArray[Any]) -> Any:
        self.points += int(np.prod(x.shape[:-1]))
        value = np.sin(x).sum(axis=-1) + (x**2).sum(axis=-1)
        if self.outputs is None:
            return value
        return np.stack([value * k for k in range(1, self.outputs + 1)], axis=-1)


def grad(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.cos(x) + 2 * x


# Per the docstrings of gradient and jacobian, and the table on Accuracy and cost.
GRADIENT_COST = {
    "forward": lambda n: n + 1,
    "backward": lambda n: n + 1,
    "central": lambda n: 2 * n,
    "richardson": lambda n: 6 * n,
    "complex": lambda n: n,
}


def resent(scheme: str, m: int, vectorized: bool, passes: int = 1) -> int:
    """Return the points sent twice: vectorized, the first call gets one point, and where
    a pass over m lines leaves exactly one more, it is sent twice, so that the second
    call's row count differs from n (the docstrings say so); once per such pass."""
    return passes * int(vectorized and GRADIENT_COST[scheme](m) == 2)


@pytest.mark.parametrize("vectorized", [False, True])
@pytest.mark.parametrize("scheme", GRADIENT_COST)
@pytest.mark.parametrize("n", SIZES)
def test_gradient_and_jacobian_cost(n: int, scheme: Any, vectorized: bool) -> None:
    x = np.linspace(0.3, 1.1, n)
    cost = GRADIENT_COST[scheme](n) + resent(scheme, n, vectorized)
    f = Counted()
    gradref.gradient(f, x, scheme=scheme, vectorized=vectorized)
    assert f.points == cost
    map_ = Counted(outputs=2)
    gradref.jacobian(map_, x, scheme=scheme, vectorized=vectorized)
    assert map_.points == cost


@pytest.mark.parametrize(
    ("scheme", "cost"), [("forward", 2), ("central", 2), ("richardson", 6), ("complex", 1)]
)
def test_partial_derivative_cost(scheme: Any, cost: int) -> None:
    f = Counted()
    gradref.partial_derivative(f, np.linspace(0.3, 1.1, 5), 2, scheme=scheme)
    assert f.points == cost


@pytest.mark.parametrize(
    ("scheme", "cost"),
    [("central", 2), ("forward", 2), ("backward", 2), ("richardson", 6), ("complex", 1)],
)
@pytest.mark.parametrize("n", [*SIZES, 1000])
def test_directional_derivative_costs_the_same_whatever_n(n: int, scheme: Any, cost: int) -> None:
    f = Counted()
    u = np.ones(n) / np.sqrt(n)
    gradref.directional_derivative(f, np.linspace(0.3, 1.1, n), u, scheme=scheme)
    assert f.points == cost


# Finite differences in practice, "Gradient checking at scale", and check_gradient's docstring: the
# gradient, again at twice the step, and f(x) for the rounding estimate (the complex step
# needs no f(x)); the same for full_output=True, and per direction for directions=k.
CHECK_COST = {
    "central": lambda n: 4 * n + 1,
    "forward": lambda n: 2 * n + 3,
    "backward": lambda n: 2 * n + 3,
    "richardson": lambda n: 12 * n + 1,
    "complex": lambda n: 2 * n,
}


@pytest.mark.parametrize("vectorized", [False, True])
@pytest.mark.parametrize("scheme", CHECK_COST)
@pytest.mark.parametrize("n", SIZES)
def test_check_gradient_cost(n: int, scheme: Any, vectorized: bool) -> None:
    f = Counted()
    x = np.linspace(0.3, 1.1, n)
    check = gradref.check_gradient(f, grad, x, scheme=scheme, vectorized=vectorized)
    assert check.passed
    assert f.points == CHECK_COST[scheme](n) + resent(scheme, n, vectorized, passes=2)
