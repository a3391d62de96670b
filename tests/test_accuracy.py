"""The richardson scheme keeps the accuracy published on the "Accuracy and cost" page.

Each tolerance is about ten times the normwise error measured with the default step by
`benchmarks/accuracy.py` (stated next to it), so a change of the step or of the stencil
that costs an order of magnitude fails here. The exact gradients are independent of
gradref: `scipy.optimize.rosen_der`, the worked example's closed form, and ∇F written by
hand (whose own float64 error is checked against the complex step below, and against
mpmath at 40 digits by the benchmark: 2.4e-16).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose
from numpy.typing import NDArray
from scipy.optimize import rosen_der

import gradref
from gradref.examples import f, grad_f
from tests.functions import (
    normwise_error,
    random_point,
    rosenbrock,
    smooth_function,
    smooth_gradient,
)

P0 = np.array([1.0, 2.0])
# 4 + 2e^2 and 1 + e^2, correctly rounded (checked with mpmath to 40 digits).
EXACT = np.array([18.7781121978613, 8.38905609893065])
CALLS = pytest.mark.parametrize("vectorized", [False, True], ids=["loop", "vectorized"])


@pytest.mark.parametrize("n", [10, 100])
def test_the_hand_written_gradient_of_f_is_exact(n: int) -> None:
    # The complex step has no cancellation: it agrees with ∇F to rounding, far below
    # the tolerances of the tests that use ∇F as the exact value.
    x = random_point(n, seed=n)
    complex_step = gradref.gradient(smooth_function, x, scheme="complex")
    assert normwise_error(complex_step, smooth_gradient(x)) <= 1e-15


# Measured: 6.2e-14, 2.7e-13, 3.1e-12.
@pytest.mark.parametrize(("n", "tolerance"), [(10, 6e-13), (100, 3e-12), (1000, 3e-11)])
@CALLS
def test_rosenbrock(n: int, tolerance: float, vectorized: bool) -> None:
    x = random_point(n, seed=n)
    g = gradref.gradient(rosenbrock, x, scheme="richardson", vectorized=vectorized)
    assert normwise_error(g, rosen_der(x)) <= tolerance


# Measured: 1.1e-13, 1.6e-12.
@pytest.mark.parametrize(("n", "tolerance"), [(10, 1e-12), (100, 2e-11)])
@CALLS
def test_smooth_function(n: int, tolerance: float, vectorized: bool) -> None:
    x = random_point(n, seed=n)
    g = gradref.gradient(smooth_function, x, scheme="richardson", vectorized=vectorized)
    assert normwise_error(g, smooth_gradient(x)) <= tolerance


# Measured: 4.7e-15 normwise, 5.3e-15 in the worst component.
@CALLS
def test_worked_example(vectorized: bool) -> None:
    assert_allclose(grad_f(P0), EXACT, rtol=1e-15, atol=0)
    g = gradref.gradient(f, P0, scheme="richardson", vectorized=vectorized)
    assert_allclose(g, EXACT, rtol=5e-14, atol=0)


@pytest.mark.parametrize(
    ("function", "n"),
    [(rosenbrock, 10), (rosenbrock, 1000), (smooth_function, 100)],
    ids=["rosenbrock-10", "rosenbrock-1000", "smooth-100"],
)
def test_vectorized_gives_the_same_gradient(function: Any, n: int) -> None:
    # The same points and the same combination: only the rounding inside f could differ
    # (a stack is reduced along another axis). Today the two are identical.
    x = random_point(n, seed=n)
    loop = gradref.gradient(function, x, scheme="richardson")
    once = gradref.gradient(function, x, scheme="richardson", vectorized=True)
    assert normwise_error(once, loop) <= 1e-12


def test_richardson_costs_six_evaluations_per_coordinate() -> None:
    rows: list[int] = []

    def counted(xs: NDArray[np.float64]) -> NDArray[np.float64]:
        rows.append(len(xs))
        return np.asarray(rosenbrock(xs))

    gradref.gradient(counted, random_point(1000, seed=1000), scheme="richardson", vectorized=True)
    assert rows[0] == 1  # one point first, then bounded batches (see gradient)
    assert sum(rows) == 6000
