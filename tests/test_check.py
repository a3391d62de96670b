"""check_gradient judges each component against what the numerical derivative resolves."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from numpy.typing import NDArray

import gradref
from gradref.examples import f, grad_f
from tests.functions import Smooth, points, smooth_functions


def lopsided(p: NDArray[Any]) -> Any:
    """A big component next to a tiny one: 1e4 x^2 + 1e-3 sin(y)."""
    return 1e4 * p[0] ** 2 + 1e-3 * np.sin(p[1])


def lopsided_grad(p: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.array([2e4 * p[0], 1e-3 * np.cos(p[1])])


@pytest.mark.parametrize("scheme", ["central", "richardson", "complex"])
def test_a_wrong_small_component_fails(scheme: Any) -> None:
    # ∂f/∂y is 1e-3 cos(1) = 5.4e-4, 7e-8 of the largest component: a relative
    # check against the whole gradient accepted sin for cos.
    def wrong(p: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.array([2e4 * p[0], 1e-3 * np.sin(p[1])])

    point = [1.0, 1.0]
    assert gradref.check_gradient(lopsided, lopsided_grad, point, scheme=scheme).passed
    check = gradref.check_gradient(lopsided, wrong, point, scheme=scheme)
    assert not check.passed
    assert check.worst == 1
    # The mistake, 3e-4, is 1.5e-8 of the gradient's size, yet 30 times what central
    # differences resolve in this component (f = 1e4 costs eps * 1e4 / h in rounding).
    assert check.ratio > 10


def test_forward_differences_say_when_they_cannot_resolve_a_component() -> None:
    # With h = 1.5e-8 and |f| = 1e4, forward differences' rounding, eps |f| / h = 1.5e-4,
    # swamps the 5.4e-4 component: the tolerance says so instead of failing a right
    # derivation.
    check = gradref.check_gradient(lopsided, lopsided_grad, [1.0, 1.0], scheme="forward")
    actual = abs(check.numerical[1] - 1e-3 * np.cos(1.0))
    assert actual > 1e-5
    assert check.tolerances[1] > actual
    assert check.passed


@pytest.mark.parametrize("scheme", ["central", "forward", "richardson", "complex"])
def test_zero_and_rounding_level_components_pass(scheme: Any) -> None:
    # ∂f/∂y = -e^x sin(y) is exactly 0 at y = 0 and -e^x sin(np.pi) ≈ -3e-16 at y = np.pi,
    # i.e. rounding level: both formulas and an exact 0 must pass.
    def g(p: NDArray[Any]) -> Any:
        return np.exp(p[0]) * np.cos(p[1])

    def grad(p: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.array([np.exp(p[0]) * np.cos(p[1]), -np.exp(p[0]) * np.sin(p[1])])

    for point in ([0.7, 0.0], [0.7, np.pi]):
        assert gradref.check_gradient(g, grad, point, scheme=scheme).passed
        exact_zero = lambda p: np.array([grad(p)[0], 0.0])  # noqa: E731
        assert gradref.check_gradient(g, exact_zero, point, scheme=scheme).passed


def test_the_missing_chain_rule_factor() -> None:
    def wrong(p: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = p
        return np.array([2 * x * y + y * np.exp(x * y), x**2 + np.exp(x * y)])

    point = np.array([0.5, 1.5])
    check = gradref.check_gradient(f, wrong, point)
    assert not check.passed
    assert check.worst == 1
    # The difference is the missing (x - 1) e^{xy}, known exactly.
    np.testing.assert_allclose(check.errors[1], 0.5 * np.exp(0.75), rtol=1e-9)
    assert check.errors[0] <= check.tolerances[0]
    assert gradref.check_gradient(f, grad_f, point).passed


def test_tolerances_do_not_depend_on_the_gradient_checked() -> None:
    point = [0.5, 1.5]
    right = gradref.check_gradient(f, grad_f, point)
    wrong = gradref.check_gradient(f, lambda p: grad_f(p) + 1.0, point)
    np.testing.assert_array_equal(right.tolerances, wrong.tolerances)
    np.testing.assert_array_equal(right.numerical, wrong.numerical)


def test_tolerance_is_far_below_the_gradient_for_a_well_scaled_function() -> None:
    # The check is sharp: central differences resolve f's gradient at (0.5, 1.5) to
    # about 1e-9 relative, so a derivation wrong by a millionth fails.
    check = gradref.check_gradient(f, grad_f, [0.5, 1.5])
    exact = grad_f(np.array([0.5, 1.5]))
    assert np.all(check.tolerances < 1e-8 * np.abs(exact))
    perturbed = gradref.check_gradient(f, lambda p: grad_f(p) * (1 + 1e-6), [0.5, 1.5])
    assert not perturbed.passed


EPS = float(np.finfo(np.float64).eps)


def _rounding_model_holds(fn: Smooth, x: NDArray[np.float64]) -> bool:
    """The check's two hypotheses on rounding, as its docstring states them.

    - f's computed value is off by about eps (|f| + Σ|x_j g_j|). A Smooth function is a
      sum of terms; when they are large next to their sum (they cancel), their rounding
      is not.
    - Rounding f's intermediate quantities by a relative eps moves ∂f/∂x_i by at most
      φ = 4 eps (max|g| + Σ|x_j g_j|) + 2^-1022. Here they are the phases w_k.x + p_k,
      whose partial sums are at most Σ_j |w_kj x_j| + |p_k|, their sines and cosines, and
      the terms, and as much for the exponential; to first order they move ∂f/∂x_i by
      eps times `moved` below. Near a flat direction (a cosine near its zero), ∂f/∂x_i is
      small next to that and the hypothesis fails (issue 20).
    """
    phases = fn.w @ x + fn.p
    growth = abs(fn.c * np.exp(fn.v @ x))
    g = fn.grad(x)
    sums = np.abs(fn.w) @ np.abs(x) + np.abs(fn.p)
    # The terms' own rounding, and the phases' (a relative eps of |w.x| + |p| moves a
    # term by |a cos| that much: a large offset p next to a small w.x, seed of
    # 2026-11-30, f = sin(1e-8 x_0 + 3), puts the rounding of f far above eps |f|).
    terms = np.abs(fn.a * np.sin(phases)).sum() + growth
    terms += (np.abs(fn.a * np.cos(phases)) * sums).sum()
    value = terms <= 4 * (abs(fn(x)) + np.abs(x * g).sum()) + 1e-300
    waves = np.abs(fn.a) * (np.abs(np.cos(phases)) + np.abs(np.sin(phases)) * sums)
    moved = waves @ np.abs(fn.w) + growth * (1 + np.abs(fn.v) @ np.abs(x)) * np.abs(fn.v)
    phi = 4 * EPS * (np.abs(g).max() + np.abs(x * g).sum()) + 2.0**-1022
    return bool(value and np.all(EPS * moved <= phi))


# Seed 34 (issue 20): f = sin(0.152 x_0 - 1.328 x_1) + sin(0) at x_j = 1.328125, whose
# phase, -1.562, is near -π/2: ∂f/∂x_1 = -0.0116 is small next to what the phase's
# rounding moves it by, |sin| |w_1| per unit of phase. The complex step, whose real phase
# came out one ulp from the formula's, rejected the right gradient (ratio 1.16).
FLAT_DIRECTION = Smooth(
    a=np.array([1.0, 1.0]),
    w=np.array([[0.15195715955582623, -1.328125, 0.0], [0.0, 0.0, 0.0]]),
    p=np.zeros(2),
    c=0.0,
    v=np.zeros(3),
)


def test_near_a_flat_direction_one_ulp_of_f_s_phase_exceeds_the_complex_tolerance() -> None:
    # The @example below is outside the check's hypothesis, so assume() rejects it; this
    # is why. One ulp of the phase moves ∂f/∂x_1 by more than the complex step's
    # tolerance, while central differences' tolerance covers it a thousand times over.
    x = np.full(3, 1.328125)
    phase = float(FLAT_DIRECTION.w[0] @ x)
    one_ulp = float(np.spacing(abs(phase)) * abs(np.sin(phase) * FLAT_DIRECTION.w[0, 1]))
    assert not _rounding_model_holds(FLAT_DIRECTION, x)
    tight = gradref.check_gradient(FLAT_DIRECTION, FLAT_DIRECTION.grad, x, scheme="complex")
    assert tight.tolerances[1] < one_ulp
    central = gradref.check_gradient(FLAT_DIRECTION, FLAT_DIRECTION.grad, x, scheme="central")
    assert central.tolerances[1] > 1000 * one_ulp
    assert central.passed


# A derivative near 1e-305: at the default complex step, h f' ~ 1.5e-323 is subnormal and
# off by up to eta = 2^-1074, so eta / h belongs in its tolerance (a fresh CI seed found
# that dropping it failed a right gradient and refused a verdict).
TINY_DERIVATIVE = [
    Smooth(np.array([1.0]), np.full((1, 3), 1.74703673e-305), np.array([p]), 0.0, np.zeros(3))
    for p in (0.0, 1.0)
]


# Found 2026-11-30: sin(1e-8 x_0 + 3) at 0.875. A step of 1.5e-8 moves the phase by
# 1.5e-16, under half an ulp of 3, so forward differences see 0 or one ulp of the phase
# (-3e-8 for a derivative of -1e-8): f's rounding is eps |p cos|, twenty times the
# eps (|f| + sum |x_j g_j|) the check assumes. Outside its hypothesis: assume() rejects it.
LARGE_OFFSET = Smooth(
    a=np.array([1.0]), w=np.array([[1e-8, 0.0, 0.0]]), p=np.array([3.0]), c=0.0, v=np.zeros(3)
)


@example(fn=FLAT_DIRECTION, x=np.full(3, 1.328125))
@example(fn=LARGE_OFFSET, x=np.full(3, 0.875))
@example(fn=TINY_DERIVATIVE[0], x=np.zeros(3))
@example(fn=TINY_DERIVATIVE[1], x=np.zeros(3))
@given(fn=smooth_functions(3), x=points(3))
def test_a_correct_gradient_always_passes(fn: Smooth, x: NDArray[np.float64]) -> None:
    assume(_rounding_model_holds(fn, x))
    for scheme in ("central", "forward", "richardson", "complex"):
        check = gradref.check_gradient(fn, fn.grad, x, scheme=scheme)
        assert check.passed, (scheme, check)


# Seed 17 (issue 20): f = 1.25 sin(2^-126 (x_0 + x_1 + x_2)) at 0 is computed exactly, so
# each tolerance is the formula's 40 eps |g_i| alone, 50 ulps of g_i; the 1 % margin of
# factor = 1.01 is half an ulp, which rounding the moved component took back.
TINY_SCALE = Smooth(
    a=np.array([1.25]), w=np.full((1, 3), 2.0**-126), p=np.zeros(1), c=0.0, v=np.zeros(3)
)


@example(fn=TINY_SCALE, x=np.zeros(3), i=0, factor=1.01, sign=-1.0)
@given(
    fn=smooth_functions(3),
    x=points(3),
    i=st.integers(0, 2),
    factor=st.floats(1.01, 1e6),
    sign=st.sampled_from([-1.0, 1.0]),
)
def test_a_component_wrong_beyond_its_tolerance_always_fails(
    fn: Smooth, x: NDArray[np.float64], i: int, factor: float, sign: float
) -> None:
    # The exact gradient is the oracle: moving component i away from it by more than
    # its tolerance plus the numerical derivative's actual error must fail, whatever
    # the other components are.
    exact = fn.grad(x)
    tolerances = gradref.check_gradient(fn, fn.grad, x).tolerances
    reach = tolerances[i] + abs(gradref.gradient(fn, x)[i] - exact[i])
    assume(reach > 0)
    wrong = exact.copy()
    wrong[i] += sign * factor * reach
    # The sum is rounded to a double, which can undo a margin of less than an ulp of
    # exact[i]: step outward until the move made is the one intended.
    while abs(wrong[i] - exact[i]) < factor * reach:
        wrong[i] = np.nextafter(wrong[i], sign * np.inf)
    check = gradref.check_gradient(fn, lambda _: wrong, x)
    assert not check.passed
    if gradref.check_gradient(fn, fn.grad, x).passed:
        assert check.worst == i


@pytest.mark.parametrize(
    ("fn", "grad", "x"),
    [
        (lambda p: p[0] ** 3, lambda p: np.array([3 * p[0] ** 2]), [1e-4]),
        (
            lambda p: (p[0] - 1) ** 2 + p[1] ** 4,
            lambda p: np.array([2 * (p[0] - 1), 4 * p[1] ** 3]),
            [1.0, 1e-3],
        ),
    ],
)
@pytest.mark.parametrize("scheme", ["central", "forward", "richardson"])
def test_near_a_flat_point_the_rounding_is_that_of_the_values_combined(
    fn: Any, grad: Any, x: list[float], scheme: Any
) -> None:
    # f(x) is near 0 while f(x ± h) is not (richardson's step is 2^-6): the values the
    # difference combines are rounded by eps |f(x ± h)|, so a right gradient passes (found
    # by review: richardson rejected it). One 1 % off still fails where the scheme's
    # truncation resolves 1 % (central's, h^2 f'''(x) / 6, is 0.2 % of 3e-8 at 1e-4).
    assert gradref.check_gradient(fn, grad, x, scheme=scheme).passed
    if scheme != "central":
        wrong = gradref.check_gradient(fn, lambda p: 1.01 * grad(p), x, scheme=scheme)
        assert not wrong.passed


def test_richardson_is_checked_at_the_step_given_not_a_shrunk_one() -> None:
    # log at 0.05: richardson would shrink its default step to fit f, and its truncation
    # estimate against D(2h) then overstated the tolerance (a derivation 2e-5 too large
    # passed, though ĝ was far better). The check takes the step as given, so ĝ, τ and
    # the tolerance all belong to h and 2h: the right derivative is within it, and a
    # mistake of twice the tolerance fails.
    def f(p: NDArray[np.float64]) -> Any:
        return np.log(p[0])

    check = gradref.check_gradient(f, lambda p: np.array([1 / p[0]]), [0.05], scheme="richardson")
    at_h = gradref.default_step([0.05], scheme="richardson")
    as_given = gradref.gradient(f, [0.05], h=at_h, scheme="richardson")
    assert check.numerical[0] == as_given[0]  # not the shrunk step's
    assert check.numerical[0] != gradref.gradient(f, [0.05], scheme="richardson")[0]
    assert check.passed
    assert abs(check.numerical[0] - 20.0) <= check.tolerances[0]
    off = 1 + 2 * check.tolerances[0] / 20.0
    wrong = gradref.check_gradient(f, lambda p: np.array([off / p[0]]), [0.05], scheme="richardson")
    assert not wrong.passed


def test_a_truncation_the_two_steps_cannot_see_fails_a_right_zero_derivative() -> None:
    # The documented limit of any two-step estimate: f = x^3 - x^5 / (5 h^2) at 0 has
    # D(h) = D(2h), so tau = 0 and the tolerance is rounding alone; the right derivative
    # 0 fails (the docstring says so), while a smaller step resolves it.
    h = gradref.default_step([0.0])[0]

    def f(p: NDArray[np.float64]) -> Any:
        return p[0] ** 3 - p[0] ** 5 / (5 * h * h)

    assert not gradref.check_gradient(f, lambda p: np.zeros(1), [0.0]).passed
    assert gradref.check_gradient(f, lambda p: np.zeros(1), [0.0], h=h / 64).passed
