"""The MSE loss and its gradients, against exact sums and a numerical derivative."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

import gradref
from gradref._mse import _BLOCK
from gradref.examples import DATA_T, DATA_X


def exact_sums(w: float, b: float, x: np.ndarray, t: np.ndarray) -> tuple[float, float, float]:
    """Σ e x, Σ e, Σ e² with e computed as the formula says and every sum exact (fsum)."""
    e = w * x + b - t
    return math.fsum(e * x), math.fsum(e), math.fsum(e * e)


def test_source_example() -> None:
    dw, db = gradref.mse_gradients(0.5, 0.0, DATA_X, DATA_T)
    assert_allclose([dw, db], [-23.0, -7.75], rtol=1e-15)
    w, b = 0.5 - 0.01 * dw, 0.0 - 0.01 * db
    assert f"Updated w, b: {w:.10g} {b:.10g}" == "Updated w, b: 0.73 0.0775"


@pytest.mark.parametrize("n", [1, 4, 1000, 3 * _BLOCK + 7])
def test_against_exact_sums(n: int) -> None:
    rng = np.random.default_rng(n)
    x = rng.normal(size=n)
    t = 2 * x + 0.5 + rng.normal(size=n)
    w, b = 1.3, -0.2
    sum_ex, sum_e, sum_ee = exact_sums(w, b, x, t)
    assert_allclose(gradref.mse_gradients(w, b, x, t), [2 * sum_ex / n, 2 * sum_e / n], rtol=1e-12)
    assert gradref.mse_loss(w, b, x, t) == pytest.approx(sum_ee / n, rel=1e-12)


def test_gradients_are_the_derivative_of_the_loss() -> None:
    # An independent route: differentiate mse_loss numerically. A wrong constant in
    # either formula (2/N written 1/N, say) breaks this.
    rng = np.random.default_rng(7)
    x = rng.uniform(-2, 2, size=50)
    t = 3 * x - 1 + rng.normal(size=50)
    for w, b in [(0.5, 0.0), (3.0, -1.0), (-2.0, 4.0)]:
        numerical = gradref.gradient(
            lambda th: gradref.mse_loss(th[0], th[1], x, t), [w, b], scheme="richardson"
        )
        assert_allclose(gradref.mse_gradients(w, b, x, t), numerical, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("n", [4, 3 * _BLOCK + 7])
def test_at_the_optimum_the_gradient_is_rounding_noise_only(n: int) -> None:
    # Near the optimum the sums cancel. Summing the residuals themselves keeps the
    # error at the rounding of those sums: |computed - exact| <= c·eps·Σ|e x|/N.
    rng = np.random.default_rng(n)
    x = rng.uniform(0, 10, size=n)
    t = 1.95 * x + 0.25 + rng.normal(scale=0.1, size=n)
    design = np.column_stack([x, np.ones_like(x)])
    (w, b), *_ = np.linalg.lstsq(design, t, rcond=None)
    e = w * x + b - t
    sum_ex, sum_e, _ = exact_sums(w, b, x, t)
    dw, db = gradref.mse_gradients(w, b, x, t)
    eps = np.finfo(float).eps
    bound = 2 / n * eps * 64
    assert abs(dw - 2 * sum_ex / n) <= bound * np.abs(e * x).sum()
    assert abs(db - 2 * sum_e / n) <= bound * np.abs(e).sum()


def test_gradients_vanish_on_a_perfect_fit() -> None:
    x = np.linspace(-3, 3, 1001)
    assert gradref.mse_gradients(2.0, 0.5, x, 2.0 * x + 0.5) == (0.0, 0.0)
    assert gradref.mse_loss(2.0, 0.5, x, 2.0 * x + 0.5) == 0.0


def test_accepts_lists_and_integers_without_modifying_the_input() -> None:
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    assert gradref.mse_gradients(1, 0, x, [1, 2, 3]) == (0.0, 0.0)
    assert gradref.mse_gradients(1, 0, [1, 2, 3], [2, 3, 4]) == pytest.approx((-4.0, -2.0))
    np.testing.assert_array_equal(x, before)


def test_gradients_that_overflow_though_the_sums_do_not_are_refused() -> None:
    # Σ r_i x_i = 1.5e308 is finite, but 2 Σ / N is not: an error, never inf.
    with pytest.raises(ValueError, match=r"the gradients overflow float64"):
        gradref.mse_gradients(0.0, 0.0, [1.5e154], [-1e154])
