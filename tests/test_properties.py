"""The gradient's properties of section 2 and 3, checked on random smooth functions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.differentiate import derivative

import gradref
from tests.functions import (
    UNIT_ROUNDOFF,
    Smooth,
    complex_directional_bound,
    error_model,
    points,
    smooth_functions,
)

dimensions = st.integers(1, 5)


def unit_vectors(n: int) -> st.SearchStrategy[np.ndarray]:
    return points(n).filter(lambda v: np.linalg.norm(v) > 1e-3).map(lambda v: v / np.linalg.norm(v))


@given(data=st.data(), n=dimensions)
def test_gradient_matches_the_exact_gradient(data: st.DataObject, n: int) -> None:
    # Each component is off by at most the scheme's error at its default step: the
    # leading term, the Taylor remainder and all rounding, bounded in closed form
    # (`error_model`). Where that bound is below the headline accuracy (1e-8 of the
    # gradient's size for central differences, 1e-13 for the complex step), the error is
    # too; where f's own rounding is larger (large phases), no step could promise it.
    fun: Smooth = data.draw(smooth_functions(n))
    x = data.draw(points(n))
    exact = fun.grad(x)
    scale = max(1.0, np.abs(exact).max())
    headlines: tuple[tuple[gradref.Scheme, float], ...] = (("central", 1e-8), ("complex", 1e-13))
    for scheme, headline in headlines:
        steps = gradref.default_step(x, scheme)
        errors = np.abs(gradref.gradient(fun, x, scheme=scheme) - exact)
        bounds = np.array([sum(error_model(fun, x, i, scheme, steps[i])) for i in range(n)])
        assert np.all(errors <= bounds), (scheme, errors, bounds)
        applies = bounds <= headline * scale
        assert np.all(errors[applies] <= headline * scale), (scheme, errors, bounds)


@given(data=st.data(), n=dimensions, a=st.floats(-3, 3), b=st.floats(-3, 3))
def test_linearity(data: st.DataObject, n: int, a: float, b: float) -> None:
    # ∇(af + bg) = a∇f + b∇g, all three gradients computed numerically.
    f: Smooth = data.draw(smooth_functions(n))
    g: Smooth = data.draw(smooth_functions(n))
    x = data.draw(points(n))
    combined = gradref.gradient(lambda p: a * f(p) + b * g(p), x, scheme="complex")
    separate = a * gradref.gradient(f, x, scheme="complex") + b * gradref.gradient(
        g, x, scheme="complex"
    )
    scale = max(1.0, np.abs(f.grad(x)).max(), np.abs(g.grad(x)).max()) * (abs(a) + abs(b) + 1)
    assert_allclose(combined, separate, rtol=0, atol=1e-13 * scale)


@given(data=st.data(), n=dimensions)
def test_directional_derivative_is_the_derivative_along_the_line(
    data: st.DataObject, n: int
) -> None:
    # D_u f(x) = ∇f·u, against an independent oracle: scipy's adaptive derivative of
    # the one-variable function s -> f(x + s u) at s = 0.
    fun: Smooth = data.draw(smooth_functions(n))
    x = data.draw(points(n))
    u = data.draw(unit_vectors(n))
    scale = max(1.0, np.abs(fun.grad(x)).max())

    def line(s: np.ndarray) -> np.ndarray:
        return np.array([fun(x + si * u) for si in np.ravel(s)]).reshape(np.shape(s))

    along = derivative(line, 0.0, tolerances={"atol": 1e-10 * scale, "rtol": 1e-10})
    assert along.success
    d = gradref.directional_derivative(fun, x, u, scheme="complex")
    assert d == pytest.approx(float(along.df), abs=1e-9 * scale)
    # Against the exact ∇f·u: the complex step along u is off by rounding only, bounded
    # in closed form; where that bound is below 1e-13 of the gradient's size, so is d's error.
    bound = complex_directional_bound(fun, x, u, direction_step(x, u))
    error = abs(d - float(fun.grad(x) @ u))
    assert error <= bound
    assert error <= 1e-13 * scale or bound > 1e-13 * scale


def direction_step(x: np.ndarray, u: np.ndarray) -> float:
    """directional_derivative's default complex step: scaled by the coordinates u moves."""
    return float(gradref.default_step([np.abs(x[u != 0]).max(initial=0.0)], "complex")[0])


def gradient_errors(fun: Smooth, x: np.ndarray) -> np.ndarray:
    """Bounds of |g_i - ∂f/∂x_i| for the complex-step gradient g (`error_model`)."""
    steps = gradref.default_step(x, "complex")
    return np.array([sum(error_model(fun, x, i, "complex", steps[i])) for i in range(x.size)])


@given(data=st.data(), n=st.integers(2, 5))
def test_steepest_ascent(data: st.DataObject, n: int) -> None:
    # For every unit u, D_u f <= ‖∇f‖, with equality at u = ∇f/‖∇f‖ (Cauchy–Schwarz).
    fun: Smooth = data.draw(smooth_functions(n))
    x = data.draw(points(n))
    u = data.draw(unit_vectors(n))
    # Computed, D_u f and ∇f are each off by at most their bounds: D_u f <= ‖∇f‖ <=
    # ‖g‖ + ‖g - ∇f‖ for the computed g. Along g/‖g‖ (rounded, relative (n + 4)u per
    # component, and ‖g‖ with (n + 2)u), D equals ‖g‖ to those bounds.
    grad = gradref.gradient(fun, x, scheme="complex")
    norm = math.hypot(*grad)  # np.linalg.norm underflows to 0 below 1e-154
    grad_error = math.hypot(*gradient_errors(fun, x))
    d = gradref.directional_derivative(fun, x, u, scheme="complex")
    assert d <= norm + grad_error + complex_directional_bound(fun, x, u, direction_step(x, u))
    if norm > 1e-6:
        v = grad / norm
        steepest = gradref.directional_derivative(fun, x, v, scheme="complex")
        bound = complex_directional_bound(fun, x, v, direction_step(x, v)) + grad_error
        bound += 2 * (n + 4) * UNIT_ROUNDOFF * (norm + grad_error)
        assert abs(steepest - norm) <= bound
        assert abs(steepest - norm) <= 1e-12 * norm or bound > 1e-12 * norm


@given(data=st.data())
def test_orthogonal_to_level_sets(data: st.DataObject) -> None:
    # In 2-D the level curve through x runs along the gradient turned by 90 degrees:
    # f does not change to first order along it.
    fun: Smooth = data.draw(smooth_functions(2))
    x = data.draw(points(2))
    grad = gradref.gradient(fun, x, scheme="complex")
    norm = float(np.linalg.norm(grad))
    # A zero gradient has no direction; below 2^-500 its square underflows and the
    # turned vector is no longer a unit vector to rounding.
    assume(norm >= 2.0**-500)
    tangent = np.array([-grad[1], grad[0]]) / norm
    d = gradref.directional_derivative(fun, x, tangent, scheme="complex")
    # ∇f·t = (g - e)·t for the computed g = ∇f + e, and g·t is rounding of t (6u per
    # component, so at most 6u‖g‖): |D_t f| is bounded by that, ‖e‖ and D's own error.
    bound = complex_directional_bound(fun, x, tangent, direction_step(x, tangent))
    bound += math.hypot(*gradient_errors(fun, x)) + 6 * UNIT_ROUNDOFF * norm
    assert abs(d) <= bound
    assert abs(d) <= 1e-13 * max(1.0, norm) or bound > 1e-13 * max(1.0, norm)
    # To second order f moves along the tangent by at most (max curvature) t^2 / 2, plus
    # what the first-order term keeps from the rounding of the gradient the tangent was
    # built from, plus the rounding of the two values of f. Off the level curve by an
    # angle θ it would move by t‖∇f‖ sin θ instead.
    t = 1e-4
    change = abs(fun(x + t * tangent) - fun(x))
    curvature = fun.directional_bound(x, tangent, 2, t)
    grad_noise = sum(2 * fun.grad_rounding_bound(x, i) for i in range(2)) + 4e-16 * norm
    assert change <= curvature * t**2 / 2 + t * grad_noise + 2 * fun.rounding_bound(x, t)


def test_level_set_bound_where_the_gradient_is_small() -> None:
    # f = sin(x_0) + sin(x_1) at (π/2 - ε, π/2 + ε): ∇f = (sin ε, -sin ε) is small, the
    # tangent is (1, 1)/√2, and along it f = 2 cos(ε) cos(s/√2) moves by ≈ t^2/2 = 5e-9.
    # The old bound, 1e-2 t ‖∇f‖ + 1e-12 ≈ 1.4e-9, did not apply there; the curvature
    # bound, (max |f''| along the tangent) t^2 / 2 with max |f''| = 1, does.
    fun = Smooth(a=np.ones(2), w=np.eye(2), p=np.zeros(2), c=0.0, v=np.zeros(2))
    eps = 1e-3
    x = np.array([np.pi / 2 - eps, np.pi / 2 + eps])
    grad = gradref.gradient(fun, x, scheme="complex")
    norm = np.linalg.norm(grad)
    tangent = np.array([-grad[1], grad[0]]) / norm
    t = 1e-4
    change = abs(fun(x + t * tangent) - fun(x))
    assert change > 1e-2 * t * norm + 1e-12
    assert change == pytest.approx(t**2 / 2 * np.cos(eps), rel=1e-3)
    bound = fun.directional_bound(x, tangent, 2, t) * t**2 / 2 + 2 * fun.rounding_bound(x, t)
    assert change <= bound
