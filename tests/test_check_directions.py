"""check_gradient for test suites: its report, assert_gradient, and directions=k."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.typing import NDArray

import gradref
from gradref.examples import f, grad_f
from tests.test_costs import CHECK_COST, Counted, grad, resent

N = 1000


def wave(x: NDArray[Any]) -> Any:
    """sin(x) + x^2 summed over the last axis: one point or a stack."""
    return np.sin(x).sum(axis=-1) + (x**2).sum(axis=-1)


def wave_grad(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.cos(x) + 2 * x


def wrong(p: NDArray[np.float64]) -> NDArray[np.float64]:
    x, y = p
    return np.array([2 * x * y + y * np.exp(x * y), x**2 + np.exp(x * y)])


def test_the_report_has_a_line_per_component_and_a_summary() -> None:
    check = gradref.check_gradient(f, wrong, [0.5, 1.5])
    lines = str(check).splitlines()
    assert lines[0].startswith("gradient check FAILED: 1 of 2 components; worst is 1, 5.23e+08")
    assert lines[1].split() == [
        "component", "analytic", "numerical", "error", "tolerance", "ratio", "verdict"
    ]  # fmt: skip
    assert lines[2].split()[0] == "0"
    assert lines[2].endswith("ok")
    assert lines[3].split()[0] == "1"
    assert lines[3].endswith("FAIL")
    # The numbers are the result's, as printed: the missing e^{xy} (1 - x) = e^{0.75} / 2.
    assert float(lines[3].split()[3]) == pytest.approx(np.exp(0.75) / 2, rel=1e-2)
    assert len(lines) == 4
    assert str(gradref.check_gradient(f, grad_f, [0.5, 1.5])).startswith("gradient check passed")


def test_the_report_of_many_components_shows_the_worst_ten() -> None:
    x = np.random.default_rng(0).uniform(-2, 2, N)

    def off(p: NDArray[np.float64]) -> NDArray[np.float64]:
        g = wave_grad(p)
        g[[7, 700]] *= 1.01
        return g

    lines = str(gradref.check_gradient(wave, off, x, vectorized=True)).splitlines()
    assert len(lines) == 2 + 10 + 1
    assert lines[0].startswith("gradient check FAILED: 2 of 1000 components; worst is ")
    shown = [int(line.split()[0]) for line in lines[2:12]]
    assert 7 in shown
    assert 700 in shown
    assert shown == sorted(shown)
    assert lines[-1] == "... 990 more components not shown, 0 of them failed"


def test_repr_is_one_short_line() -> None:
    check = gradref.check_gradient(f, wrong, [0.5, 1.5])
    assert repr(check) == "GradientCheck(passed=False, components=2, worst=1, ratio=5.2e+08)"
    x = np.linspace(-1, 1, N)
    many = gradref.check_gradient(wave, wave_grad, x, directions=3, vectorized=True)
    assert repr(many).startswith("GradientCheck(passed=True, directions=3, worst=")
    assert "\n" not in repr(many)
    assert len(repr(many)) < 80


def test_assert_gradient_passes_silently_and_fails_with_the_report() -> None:
    assert gradref.assert_gradient(f, grad_f, [0.5, 1.5]) is None  # type: ignore[func-returns-value]
    with pytest.raises(AssertionError) as info:
        gradref.assert_gradient(f, wrong, [0.5, 1.5])
    assert str(info.value) == str(gradref.check_gradient(f, wrong, [0.5, 1.5]))


def test_assert_gradient_passes_its_options_on() -> None:
    x = np.linspace(-1, 1, 50)
    counted = Counted()
    gradref.assert_gradient(counted, grad, x, directions=2, seed=5, vectorized=True)
    assert counted.points == 4 * 2 + 1
    with pytest.raises(AssertionError, match=r"FAILED: [12] of 2 directions"):
        gradref.assert_gradient(wave, lambda p: wave_grad(p) + 1e-3, x, directions=2, seed=5)


@pytest.mark.parametrize("scheme", ["central", "forward", "backward", "richardson", "complex"])
def test_directions_pass_a_right_gradient_and_fail_a_wrong_one(scheme: Any) -> None:
    x = np.random.default_rng(1).uniform(-2, 2, 40)
    right = gradref.check_gradient(wave, wave_grad, x, directions=3, scheme=scheme)
    assert right.passed
    assert right.directions is not None
    assert right.directions.shape == (3, 40)
    assert np.allclose(np.linalg.norm(right.directions, axis=1), 1.0)
    # The result's entries are per direction: grad . u_k against the derivative along u_k.
    assert np.array_equal(right.analytic, right.directions @ wave_grad(x))
    exact = right.directions @ wave_grad(x)
    assert np.all(np.abs(right.numerical - exact) <= right.tolerances)
    off = gradref.check_gradient(wave, lambda p: wave_grad(p) * 1.001, x, directions=3)
    assert not off.passed


def test_the_directions_are_reproducible_from_the_seed_or_the_generator() -> None:
    x = np.linspace(-1, 1, 30)
    a = gradref.check_gradient(wave, wave_grad, x, directions=4, seed=11)
    b = gradref.check_gradient(wave, wave_grad, x, directions=4, rng=np.random.default_rng(11))
    c = gradref.check_gradient(wave, wave_grad, x, directions=4)
    d = gradref.check_gradient(wave, wave_grad, x, directions=4, seed=0)
    assert a.directions is not None
    assert b.directions is not None
    assert np.array_equal(a.directions, b.directions)
    assert c.directions is not None
    assert d.directions is not None
    assert np.array_equal(c.directions, d.directions)  # the default is seed 0
    assert not np.array_equal(a.directions, c.directions)
    # A user reproduces direction k's derivative with directional_derivative.
    u = a.directions[2]
    assert gradref.directional_derivative(wave, x, u) == pytest.approx(a.numerical[2], rel=1e-8)


def test_no_global_random_state_is_touched() -> None:
    state: Any = np.random.get_state()  # noqa: NPY002 (the legacy global state, untouched)
    gradref.check_gradient(wave, wave_grad, np.linspace(-1, 1, 20), directions=3)
    after: Any = np.random.get_state()  # noqa: NPY002
    assert state[0] == after[0]
    assert np.array_equal(state[1], after[1])
    assert state[2:] == after[2:]


def one_percent_off(i: int) -> Any:
    def off(p: NDArray[np.float64]) -> NDArray[np.float64]:
        g = wave_grad(p)
        g[i] *= 1.01
        return g

    return off


def fails_where_it_must(seed: int, point_seed: int, i: int) -> bool:
    """Check n = 1000, k = 3, a gradient 1 % off in component i; return whether it applied.

    If |g . u - D| <= T (the right gradient passes) and |delta u_i| > 2 (T + T') for
    some direction (T' the wrong check's tolerance, which weighs the rounding by the
    wrong grad(x); the 2 covers the rounding of both dot products), the wrong gradient's
    error along u exceeds T' there: the check must fail.
    """
    x = np.random.default_rng(point_seed).uniform(-2, 2, N)
    right = gradref.check_gradient(wave, wave_grad, x, directions=3, seed=seed, vectorized=True)
    off = gradref.check_gradient(wave, one_percent_off(i), x, directions=3, seed=seed)
    assert right.passed
    assert off.directions is not None
    delta = 0.01 * wave_grad(x)[i]
    applies = bool(
        np.any(np.abs(delta * off.directions[:, i]) > 2 * (right.tolerances + off.tolerances))
    )
    assert not applies or not off.passed
    return applies


@given(
    seed=st.integers(0, 2**32 - 1),
    point_seed=st.integers(0, 2**32 - 1),
    i=st.integers(0, N - 1),
)
def test_a_gradient_one_percent_off_in_one_of_1000_components_fails_with_3_directions(
    seed: int, point_seed: int, i: int
) -> None:
    fails_where_it_must(seed, point_seed, i)


def test_the_condition_holds_for_nearly_every_seed() -> None:
    # How often the property above applies: |u_i| ~ 1/sqrt(n) = 0.03, so the 1 % error
    # moves grad . u by ~3e-4 |g_i|, against a tolerance near 1e-6 here; it fails to
    # apply only where |g_i| or all three |u_ki| are ~1e-3 of their typical size.
    applied = [fails_where_it_must(seed, seed, (37 * seed) % N) for seed in range(100)]
    assert sum(applied) >= 99


@pytest.mark.parametrize("vectorized", [False, True])
@pytest.mark.parametrize("scheme", CHECK_COST)
@pytest.mark.parametrize("k", [1, 2, 5])
def test_directions_cost_whatever_n(k: int, scheme: Any, vectorized: bool) -> None:
    for n in (5, 200):
        counted = Counted()
        x = np.linspace(0.3, 1.1, n)
        check = gradref.check_gradient(
            counted, grad, x, directions=k, scheme=scheme, vectorized=vectorized
        )
        assert check.passed
        assert counted.points == CHECK_COST[scheme](k) + resent(scheme, k, vectorized, 2)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"directions": 0}, ValueError, r"`directions` must be a positive integer, got 0"),
        ({"directions": 2.5}, TypeError, r"`directions` must be a positive integer, got float"),
        ({"directions": True}, TypeError, r"`directions` must be a positive integer, got bool"),
        ({"directions": "3"}, TypeError, r"`directions` must be a positive integer, got str"),
        (
            {"directions": 3},
            ValueError,
            r"`directions` must be at most n = 2 \(the length of `x`\)",
        ),
        ({"seed": 1}, ValueError, r"`seed` and `rng` choose random directions: pass `directions`"),
        ({"rng": np.random.default_rng()}, ValueError, r"pass `directions` too"),
        ({"directions": 1, "seed": 1, "rng": np.random.default_rng(1)}, ValueError, r"not both"),
        (
            {"directions": 1, "seed": -1},
            ValueError,
            r"`seed` must be a non-negative integer, got -1",
        ),
        (
            {"directions": 1, "seed": 1.5},
            TypeError,
            r"`seed` must be a non-negative integer, got f",
        ),
        ({"directions": 1, "seed": True}, TypeError, r"`seed` must be a non-negative int.*bool"),
        (
            {"directions": 1, "rng": 1},
            TypeError,
            r"`rng` must be a numpy.random.Generator, got int",
        ),
        ({"directions": 1, "rng": np.random.RandomState(1)}, TypeError, r"got RandomState"),
        ({"vectorized": "no"}, TypeError, r"`vectorized` must be True or False, got 'no'"),
    ],
)
def test_input_validation(options: dict[str, Any], error: type[Exception], message: str) -> None:
    for call in (gradref.check_gradient, gradref.assert_gradient):
        with pytest.raises(error, match=message):
            call(f, grad_f, [0.5, 1.5], **options)


def test_a_grad_of_the_wrong_shape_is_refused_in_directions_mode() -> None:
    with pytest.raises(ValueError, match=r"`grad` must return an array of the shape of `x`"):
        gradref.check_gradient(wave, lambda p: np.ones(3), np.ones(5), directions=2)


def test_a_step_that_does_not_move_x_along_u_is_refused() -> None:
    with pytest.raises(ValueError, match=r"`h` = 1e-30 is below the spacing of `x` along `u`"):
        gradref.check_gradient(wave, wave_grad, np.linspace(1, 2, 5), directions=2, h=1e-30)


def test_an_f_that_fails_midway_says_where() -> None:
    def midway(p: NDArray[np.float64]) -> Any:
        if p[0] > 0.30001:
            raise RuntimeError("boom")
        return wave(p)

    with pytest.raises(RuntimeError, match="boom") as info:
        gradref.check_gradient(midway, wave_grad, [0.3, 0.2], directions=1)
    assert info.value.__notes__[-1].startswith("gradref called `f` at x = [0.3000")


# --- API review (issue 18, round 1): what the docstring says of precision ------------


def test_a_grad_in_float32_fails_a_float64_f() -> None:
    # phi assumes grad is computed in f's precision: a right derivation rounded to
    # float32 is off by ~1e-7, far above a float64 f's tolerances.
    check = gradref.check_gradient(f, lambda p: grad_f(p).astype(np.float32), [0.5, 1.5])
    assert not check.passed
    assert gradref.check_gradient(f, grad_f, [0.5, 1.5]).passed


def test_tolerances_relative_to_the_gradient_by_precision() -> None:
    # The Notes: about 1e-9 relative for a float64 f at smooth points (central), about
    # 3e-4 to 5e-3 for a float32 one (from the 5th to the 95th percentile over points).
    x = np.array([0.5, 1.5])
    exact = np.abs(grad_f(x))
    wide = gradref.check_gradient(f, grad_f, x).tolerances / exact
    narrow = gradref.check_gradient(lambda p: f(p.astype(np.float32)), grad_f, x).tolerances / exact
    assert np.all((wide > 1e-10) & (wide < 1e-8))
    assert np.all((narrow > 3e-4) & (narrow < 5e-3))
    rng = np.random.default_rng(0)
    ratios = []
    for _ in range(100):
        p = rng.uniform(-2, 2, 2)
        check = gradref.check_gradient(lambda q: f(q.astype(np.float32)), grad_f, p)
        ratios.extend(check.tolerances / np.abs(grad_f(p)))
    low, high = np.percentile(ratios, [5, 95])
    assert low >= 3e-4
    assert high <= 5e-3


def test_directions_are_refused_where_f_is_too_imprecise_to_judge() -> None:
    # A mistake would raise its own tolerance as fast as its error: grad x 1000 passed
    # with directions=1 on a float16 f and with noise=0.01 (API review, issue 18).
    def f16(p: np.ndarray) -> Any:
        return np.float16(30 * np.sin(np.asarray(p, dtype=np.float16) / 30).sum())

    def big(p: np.ndarray) -> np.ndarray:
        return 1000 * np.cos(p / 30)

    with pytest.raises(ValueError, match=r"`directions` cannot judge component 0"):
        gradref.check_gradient(f16, big, [30.0, -45.0], directions=1)
    assert not gradref.check_gradient(f16, big, [30.0, -45.0]).passed

    def smooth(p: np.ndarray) -> float:
        return float(np.exp(np.sum(np.sin(p))))

    def smooth_grad(p: np.ndarray) -> np.ndarray:
        return np.asarray(1000 * np.exp(np.sum(np.sin(p))) * np.cos(p))

    with pytest.raises(ValueError, match=r"`directions` cannot judge component"):
        gradref.check_gradient(smooth, smooth_grad, [0.5, -0.3, 1.2], directions=1, noise=0.01)
    # float32 at n = 1000 is judged: the rate is far below 1/sqrt(n) there
    x = np.linspace(-2, 2, 1000)
    check = gradref.check_gradient(
        lambda p: np.float32(np.sum(np.sin(p.astype(np.float32)))), np.cos, x, directions=3
    )
    assert check.passed


def test_directions_in_float32_need_a_large_mistake_at_n_1000() -> None:
    # The docstring: for the example's sum of 1000 terms computed in float32, T_k is about
    # 1, as large as g . u_k, and a component has to be some 20 times off to fail.
    def f32(p: np.ndarray) -> Any:
        q = p.astype(np.float32)
        return np.sum(np.sin(q) + q**2)

    def right(p: np.ndarray) -> np.ndarray:
        return np.asarray(np.cos(p) + 2 * p)

    def scaled(factor: float) -> Callable[[np.ndarray], np.ndarray]:
        def grad(p: np.ndarray) -> np.ndarray:
            g = right(p)
            g[123] *= factor
            return g

        return grad

    x = np.linspace(-2, 2, 1000)
    check = gradref.check_gradient(f32, right, x, directions=3, seed=1)
    assert check.passed
    assert np.all((check.tolerances > 0.5) & (check.tolerances < 2))
    assert gradref.check_gradient(f32, scaled(10), x, directions=3, seed=1).passed
    assert not gradref.check_gradient(f32, scaled(20), x, directions=3, seed=1).passed
