# ruff: noqa: N806 (H and A are the math's names)
"""The Hessian against `scipy.optimize.rosen_hess`, the running example's closed form and
quadratics, whose Hessian A + Aᵀ is known exactly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_array_equal
from numpy.typing import NDArray
from scipy.optimize import rosen, rosen_hess

import gradref
from gradref.examples import f
from tests.functions import normwise_error, random_point

EPS = float(np.finfo(float).eps)
E2 = np.exp(2)
# ∇²f at (1, 2) for f(x, y) = x²y + e^{xy}: [[2y + y²e^{xy}, 2x + (1 + xy)e^{xy}], [·, x²e^{xy}]].
EXACT = np.array([[4 + 4 * E2, 2 + 3 * E2], [2 + 3 * E2, E2]])


# Measured with the default steps, normwise relative error at seeds 0, 1, 2:
#   central 1.6e-8, 2.8e-8, 2.8e-8; complex 1.7e-11, 2.6e-11, 5.9e-12.
@pytest.mark.parametrize(("scheme", "tolerance"), [("central", 3e-7), ("complex", 3e-10)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rosenbrock_against_rosen_hess(scheme: Any, tolerance: float, seed: int) -> None:
    x = random_point(10, seed=seed)
    assert normwise_error(gradref.hessian(rosen, x, scheme=scheme), rosen_hess(x)) <= tolerance


# Measured: central 2.2e-8, complex 4.1e-11.
@pytest.mark.parametrize(("scheme", "tolerance"), [("central", 2e-7), ("complex", 4e-10)])
def test_running_example(scheme: Any, tolerance: float) -> None:
    assert normwise_error(gradref.hessian(f, [1.0, 2.0], scheme=scheme), EXACT) <= tolerance


@pytest.mark.parametrize("scheme", ["central", "complex"])
def test_one_variable(scheme: Any) -> None:
    # (e^x)'' = e^x; a 1 × 1 Hessian.
    H = gradref.hessian(lambda p: np.exp(p[0]), [0.5], scheme=scheme)
    assert H.shape == (1, 1)
    assert abs(H[0, 0] - np.exp(0.5)) <= 1e-7


@pytest.mark.parametrize("scheme", ["central", "complex"])
def test_exactly_symmetric(scheme: Any) -> None:
    # A function whose mixed differences, taken in either order, round differently.
    def skew(p: NDArray[Any]) -> Any:
        return np.exp(0.3 * p[0] - p[1] * p[2]) + np.sin(p @ np.arange(1.0, 6.0)) * p[3] ** 3

    H = gradref.hessian(skew, random_point(5, seed=7), scheme=scheme)
    assert_array_equal(H, H.T)


def f3(p: NDArray[Any]) -> Any:
    return np.exp(p[0] * p[1]) + np.sin(p[1] + p[2] ** 2)


def test_default_steps_are_the_documented_ones() -> None:
    # For |x_i| <= 1: h = ε^(1/4) = 2^-13 (central), the central gradient's step (complex);
    # beyond, scaled by |x_i| and rounded to a power of two: 2^-12 for |x_i| = 1.5 and 2.
    x = np.array([0.5, -1.0, 0.25])
    assert_array_equal(gradref.hessian(f3, x), gradref.hessian(f3, x, h=2.0**-13))
    step = float(gradref.default_step(x)[0])
    complex_step = gradref.hessian(f3, x, scheme="complex")
    assert_array_equal(complex_step, gradref.hessian(f3, x, scheme="complex", h=step))
    x = np.array([1.5, -2.0, -1.5])
    assert_array_equal(gradref.hessian(f3, x), gradref.hessian(f3, x, h=2.0**-12))


@pytest.mark.parametrize(
    ("scheme", "evaluations"), [("central", 2 * 7**2 + 1), ("complex", 2 * 7**2)]
)
def test_evaluation_count(scheme: Any, evaluations: int) -> None:
    count = 0

    def counted(x: NDArray[Any]) -> Any:
        nonlocal count
        count += 1
        return rosen(x)

    gradref.hessian(counted, random_point(7), scheme=scheme)
    assert count == evaluations


def _coefficients(n: int, shape: Any) -> st.SearchStrategy[NDArray[np.float64]]:
    # Zero or at least 2^-10 in size: the bounds below are for normal numbers, and
    # products of tiny coefficients would underflow.
    element = st.floats(-10.0, 10.0).filter(lambda v: v == 0 or abs(v) >= 2**-10)
    return arrays(np.float64, shape, elements=element)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), n=st.integers(1, 5))
def test_hessian_of_a_quadratic(data: st.DataObject, n: int) -> None:
    # f(x) = xᵀAx has ∇f = (A + Aᵀ)x and ∇²f = A + Aᵀ, for any A, symmetric or not.
    # Its fourth (third) derivatives vanish, so neither scheme has a truncation error:
    # what remains is rounding, bounded here from the steps' lower bounds,
    # h_i >= 2^-13.5 max(1, |x_i|) (central) and 2^-18 max(1, |x_i|) (complex),
    # y = |x| + h and S = yᵀ|A|y.
    # - central: each f(x ± h) is xᵀAx to (n + 2)εS (the sums, and x ± h rounded by
    #   ε|x_i|/2, which moves f by at most ε|∇f|_i|x_i|), four of them are combined and
    #   divided by h_i h_j (4 h_i h_j off the diagonal);
    # - complex: each g_j(x ± h e_i) = ((A + Aᵀ)(x ± h e_i))_j to (n + 2)ε((|A| + |Aᵀ|)y)_j,
    #   two are combined and divided by 2h_i, then symmetrised.
    A = data.draw(_coefficients(n, (n, n)))
    x = data.draw(_coefficients(n, n))
    exact = A + A.T

    def quadratic(p: NDArray[Any]) -> Any:
        return p @ A @ p

    scale = np.maximum(1.0, np.abs(x))
    y = np.abs(x) + 2.0**-12 * scale  # the largest |x_i ± h_i| (central; complex is less)
    S = y @ np.abs(A) @ y
    h = 2.0**-13.5 * scale
    central = 8 * (n + 2) * EPS * S / np.outer(h, h) + 4 * EPS * np.abs(exact)
    H = gradref.hessian(quadratic, x)
    assert np.all(np.abs(H - exact) <= central)

    h = 2.0**-18 * scale
    g = (np.abs(A) + np.abs(A.T)) @ y
    one_sided = 4 * (n + 2) * EPS * np.outer(1 / h, g)
    complex_step = np.maximum(one_sided, one_sided.T) + 4 * EPS * np.abs(exact)
    H = gradref.hessian(quadratic, x, scheme="complex")
    assert np.all(np.abs(H - exact) <= complex_step)
