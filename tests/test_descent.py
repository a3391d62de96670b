"""Gradient descent against closed-form oracles on the source's regression problem."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

import gradref
from gradref.examples import DATA_T, DATA_X


def mse_grad(theta: np.ndarray) -> np.ndarray:
    return np.array(gradref.mse_gradients(theta[0], theta[1], DATA_X, DATA_T))


def hessian() -> np.ndarray:
    # L is quadratic in (w, b): H = (2/N) A^T A with A = [x 1].
    design = np.column_stack([DATA_X, np.ones_like(DATA_X)])
    return 2 / len(DATA_X) * design.T @ design


def least_squares() -> np.ndarray:
    design = np.column_stack([DATA_X, np.ones_like(DATA_X)])
    solution, *_ = np.linalg.lstsq(design, DATA_T, rcond=None)
    return solution


def predicted_steps(theta0: np.ndarray, lr: float, tol: float) -> int:
    """The first k with ‖∇L(θ_k)‖ < tol, from the eigen-decomposition of H.

    θ_k − θ* = (I − αH)^k (θ_0 − θ*), so along eigenvector j the gradient is
    λ_j c_j (1 − αλ_j)^k with c = Vᵀ(θ_0 − θ*).
    """
    lam, vectors = np.linalg.eigh(hessian())
    c = vectors.T @ (theta0 - least_squares())
    k = np.arange(100_000)[:, np.newaxis]
    norms = np.linalg.norm(lam * c * (1 - lr * lam) ** k, axis=1)
    return int(np.argmax(norms < tol))


def test_source_problem_ends_at_the_least_squares_solution() -> None:
    theta0 = np.array([0.5, 0.0])
    result = gradref.gradient_descent(mse_grad, theta0, lr=0.01, tol=1e-8)
    expected = least_squares()
    assert_allclose(expected, [1.95, 0.25], rtol=1e-13)
    assert result.converged
    assert np.abs(result.theta - expected).max() <= 1e-7
    assert result.grad_norm < 1e-8
    # The count that the Hessian's eigenvalues predict (about 5,252), give or take one
    # step for rounding in the last digits of the gradient.
    predicted = predicted_steps(theta0, 0.01, 1e-8)
    assert 5000 < predicted < 5500
    assert abs(result.steps - predicted) <= 1
    assert result.path.shape == (result.steps + 1, 2)
    assert_allclose(result.path[0], theta0)
    assert_allclose(result.path[-1], result.theta)


def test_smallest_hessian_eigenvalue() -> None:
    assert np.linalg.eigvalsh(hessian())[0] == pytest.approx(0.2994, abs=1e-4)


def test_one_step_of_the_source_snippet() -> None:
    result = gradref.gradient_descent(mse_grad, [0.5, 0.0], lr=0.01, max_steps=1)
    assert result.steps == 1
    assert not result.converged
    assert_allclose(result.theta, [0.5 + 0.01 * 23.0, 0.01 * 7.75], rtol=1e-15)


def test_each_step_is_the_update_rule() -> None:
    result = gradref.gradient_descent(mse_grad, [0.5, 0.0], lr=0.05, max_steps=20)
    for before, after in zip(result.path[:-1], result.path[1:], strict=True):
        assert_allclose(after, before - 0.05 * mse_grad(before), rtol=1e-15, atol=0)


def test_start_at_the_minimum_takes_no_step() -> None:
    result = gradref.gradient_descent(lambda th: 2 * th, [0.0, 0.0], lr=0.1)
    assert (result.steps, result.converged, result.path.shape) == (0, True, (1, 2))


def test_oscillating_learning_rate_still_converges() -> None:
    # 1/λ_max < α < 2/λ_max: the fast component flips sign every step but shrinks.
    lam_max = np.linalg.eigvalsh(hessian())[-1]
    lr = 1.5 / lam_max
    result = gradref.gradient_descent(mse_grad, [0.5, 0.0], lr=lr, max_steps=20_000)
    assert result.converged
    first_moves = np.diff(result.path[:4, 0])
    assert np.all(first_moves[:-1] * first_moves[1:] < 0)


def test_too_large_a_learning_rate_raises_with_the_path() -> None:
    lam_max = np.linalg.eigvalsh(hessian())[-1]
    lr = 2.5 / lam_max  # beyond 2/λ_max every step multiplies the error by |1 − αλ| > 1
    with pytest.raises(gradref.DivergenceError, match=r"try a smaller one, such as lr=") as info:
        gradref.gradient_descent(mse_grad, [0.5, 0.0], lr=lr)
    assert "diverged at step" in str(info.value)
    path = info.value.path
    assert path.shape[1] == 2
    assert len(path) > 10
    assert np.all(np.isfinite(path))


def test_non_finite_gradient_raises() -> None:
    # The pole of the gradient at 1 is reached in one step: the loss's fault, not lr's.
    with (
        pytest.raises(ValueError, match=r"`grad` returned \[-?inf\] at theta = \[1\.\] \(step 1\)"),
        np.errstate(divide="ignore"),
    ):
        gradref.gradient_descent(lambda th: 1 / (th - 1.0), [0.0], lr=1.0)


def test_overflowing_iterates_are_divergence() -> None:
    # A gradient so large that one step overflows float64: lr (or the loss's scale) is
    # the problem, and the path up to the overflow is kept.
    with pytest.raises(gradref.DivergenceError, match=r"diverged at step 1") as info:
        gradref.gradient_descent(lambda th: np.full(1, 1e150), [0.0], lr=1e160)
    assert np.isinf(info.value.path[-1]).all()


def test_max_steps_reached_is_reported() -> None:
    result = gradref.gradient_descent(mse_grad, [0.5, 0.0], lr=0.01, max_steps=100)
    assert (result.steps, result.converged) == (100, False)
    assert result.grad_norm == pytest.approx(np.linalg.norm(mse_grad(result.theta)))


# --- Issue 15: divergence is what diverges --------------------------------------------


def test_a_finite_gradient_above_1e154_is_not_divergence() -> None:
    # ||g||^2 overflows float64 above 1.3e154; the norm itself does not. L = 1e155 |θ|^2 / 2
    # with lr = 1e-155 / 2 halves θ at each step, exactly.
    def grad(th: np.ndarray) -> np.ndarray:
        return 1e155 * th

    result = gradref.gradient_descent(grad, [1.0, -1.0], lr=0.5e-155, tol=1e-8, max_steps=2000)
    assert result.converged
    assert result.grad_norm == pytest.approx(np.hypot(*grad(result.theta)), rel=1e-15)
    assert_allclose(result.path[1], [0.5, -0.5], rtol=1e-15)


@pytest.mark.parametrize("lr", [0.1, 0.01, 0.9])
def test_leaving_a_stationary_point_is_not_divergence(lr: float) -> None:
    # The double well L = θ^4/4 - θ^2/2 from 1e-13 beside its maximum at 0: the gradient
    # grows 1e12-fold on the way down to the minimum at 1, without ever overshooting. At
    # lr = 0.9 it then oscillates about the minimum (1 - 2 lr < 0) and converges.
    result = gradref.gradient_descent(lambda th: th**3 - th, [1e-13], lr=lr, tol=1e-14)
    assert result.converged
    assert result.theta[0] == pytest.approx(1.0, abs=1e-14)


def test_overshooting_growth_is_divergence() -> None:
    # On θ^2 with lr = 1.5 each step multiplies θ by -2: every step overshoots and the
    # gradient doubles; divergence is declared once it has grown 1e10-fold (2^34).
    with pytest.raises(
        gradref.DivergenceError, match=r"diverged at step 34: .* from 2 to 3\.4"
    ) as info:
        gradref.gradient_descent(lambda th: 2 * th, [1.0], lr=1.5)
    assert_allclose(info.value.path[:, 0], (-2.0) ** np.arange(35), rtol=0)


# --- Issue 15: one rule for a user's gradient output ---------------------------------


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (
            np.array([1.0 + 1e-3j, 0.0]),
            TypeError,
            r"`grad` must return real numbers, got \(1\+0\.001j\)",
        ),
        (np.array(["0.5", "1"]), TypeError, r"`grad` must return numbers, got str at theta = "),
        (
            {"w": 0.0},
            TypeError,
            r"`grad` must return numbers, got dict at theta = \[0\.5 0\. \] \(step 0\)",
        ),
        (np.zeros(3), ValueError, r"`grad` must return an array of the shape of `theta0`, \(2,\)"),
        (
            np.array([np.nan, 0.0]),
            ValueError,
            r"`grad` returned \[nan  0\.\] at theta = .* not be differentiable",
        ),
    ],
)
def test_a_bad_gradient_is_refused_as_check_gradient_refuses_it(
    value: Any, error: type[Exception], match: str
) -> None:
    # Before: the complex gradient lost its imaginary part with a ComplexWarning and the
    # strings were parsed as numbers; the run "converged".
    with pytest.raises(error, match=match):
        gradref.gradient_descent(lambda th: value, [0.5, 0.0], lr=0.1)


def test_start_at_a_local_maximum_takes_no_step() -> None:
    # The docstring: a start at any stationary point, a local maximum too, stops there.
    result = gradref.gradient_descent(lambda th: -2 * th, [0.0, 0.0], lr=0.1)
    assert (result.steps, result.converged, result.path.shape) == (0, True, (1, 2))


def test_the_gradient_norm_overflows_only_where_the_norm_does() -> None:
    # Scaled, so no intermediate overflows: a norm above the largest double is inf,
    # one just below it is finite (a plain sqrt(sum(g**2)) would be inf for both).
    big = np.finfo(float).max
    over = gradref.gradient_descent(lambda t: np.full(2, big), [0.0, 0.0], lr=1e-320, max_steps=1)
    assert over.grad_norm == np.inf
    under = gradref.gradient_descent(
        lambda t: np.full(2, big / 2), [0.0, 0.0], lr=1e-320, max_steps=1
    )
    assert np.isfinite(under.grad_norm)
    assert under.grad_norm == pytest.approx(big / np.sqrt(2))


# --- API review round 14: a loss without a minimum is not "lr too large" alone --------


def test_iterates_overflowing_downhill_name_a_loss_without_minimum() -> None:
    # L = -θ²/4 has no minimum: each step multiplies θ by 1 + lr/2 and never overshoots,
    # so a smaller lr would only delay the overflow; the message must not blame lr alone.
    with pytest.raises(gradref.DivergenceError, match=r"may decrease without bound") as info:
        gradref.gradient_descent(lambda th: -0.5 * th, [1.0], lr=1e10)
    assert np.isinf(info.value.path[-1]).all()
    assert np.isfinite(info.value.path[:-1]).all()


def test_a_gradient_overflowing_on_a_runaway_says_so() -> None:
    # L = -θ²: θ doubles each step until 2θ overflows at a finite θ (step 1023).
    with (
        pytest.raises(ValueError, match=r"\(step 1023\).*a loss without a minimum"),
        np.errstate(over="ignore"),  # the user's -2 θ overflows: gradref reports it
    ):
        gradref.gradient_descent(lambda th: -2 * th, [1.0], lr=0.5, max_steps=2000)


def test_converged_means_a_small_gradient_not_a_stationary_point() -> None:
    # The docstring's plateau: L = e^-θ has no stationary point, yet descent stops where
    # e^-θ < tol, at θ = ln(1000) = 6.91 and beyond it by less than one step.
    result = gradref.gradient_descent(lambda th: -np.exp(-th), [0.0], lr=1.0, tol=1e-3)
    assert result.converged
    assert np.log(1e3) < result.theta[0] < np.log(1e3) + 1e-3
    assert round(float(result.theta[0]), 1) == 6.9
