"""Accuracy of the difference schemes against exact derivatives."""

from __future__ import annotations

import re
import tracemalloc
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, example, given, reject
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from numpy.typing import NDArray
from scipy import stats
from scipy.optimize import rosen, rosen_der

import gradref
from gradref._schemes import DIFFERENCES
from gradref.examples import f, grad_f
from tests.functions import (
    Smooth,
    error_model,
    normwise_error,
    points,
    random_point,
    smooth_functions,
)

EPS = float(np.finfo(np.float64).eps)
P0 = np.array([1.0, 2.0])
# 4 + 2e^2 and 1 + e^2, correctly rounded (checked with mpmath to 40 digits).
EXACT = np.array([18.7781121978613, 8.38905609893065])

REAL_SCHEMES: list[gradref.Scheme] = ["forward", "backward", "central", "richardson"]
# Normwise error each scheme must reach with its default step on the worked example.
WORKED_EXAMPLE_TOLERANCE = {
    "forward": 1e-7,
    "backward": 1e-7,
    "central": 1e-10,
    "richardson": 1e-13,
    "complex": 1e-15,
}


def test_exact_gradient_of_the_worked_example() -> None:
    assert_array_equal(grad_f(P0), EXACT)


@pytest.mark.parametrize(("scheme", "tolerance"), WORKED_EXAMPLE_TOLERANCE.items())
def test_worked_example(scheme: gradref.Scheme, tolerance: float) -> None:
    assert normwise_error(gradref.gradient(f, P0, scheme=scheme), EXACT) <= tolerance


def test_source_snippet_step() -> None:
    # Section 4.2 of the source: central differences with h = 1e-5 print [18.7781122 8.3890561].
    g = gradref.gradient(f, P0, h=1e-5)
    assert np.array2string(g) == "[18.7781122  8.3890561]"
    assert_allclose(g, EXACT, rtol=1e-9)


@pytest.mark.parametrize("n", [2, 10, 100])
def test_rosenbrock_central(n: int) -> None:
    x = random_point(n, seed=n)
    assert normwise_error(gradref.gradient(rosen, x), rosen_der(x)) <= 1e-9


@pytest.mark.parametrize("n", [2, 10, 100])
def test_rosenbrock_complex(n: int) -> None:
    x = random_point(n, seed=n)
    assert normwise_error(gradref.gradient(rosen, x, scheme="complex"), rosen_der(x)) <= 1e-14


@pytest.mark.parametrize("n", [2, 10, 100])
def test_rosenbrock_richardson(n: int) -> None:
    x = random_point(n, seed=n)
    assert normwise_error(gradref.gradient(rosen, x, scheme="richardson"), rosen_der(x)) <= 1e-12


@pytest.mark.parametrize("scheme", [*REAL_SCHEMES, "complex"])
def test_vectorized_matches_one_call_per_point(scheme: gradref.Scheme) -> None:
    x = random_point(10, seed=1)
    calls: list[tuple[int, ...]] = []

    def batch(xs: np.ndarray) -> np.ndarray:
        calls.append(xs.shape)
        values: np.ndarray = rosen(xs.T)  # scipy ships no types
        return values

    loop = gradref.gradient(rosen, x, scheme=scheme)
    once = gradref.gradient(batch, x, scheme=scheme, vectorized=True)
    assert [rows for rows, _ in calls][:1] == [1]  # then the rest, in bounded batches
    assert (
        sum(rows for rows, _ in calls)
        == {"forward": 11, "backward": 11, "central": 20, "richardson": 60, "complex": 10}[scheme]
    )
    assert_allclose(once, loop, rtol=1e-14, atol=0)


@pytest.mark.parametrize(
    ("scheme", "evaluations"),
    [("forward", 11), ("backward", 11), ("central", 20), ("richardson", 60), ("complex", 10)],
)
def test_evaluation_count(scheme: gradref.Scheme, evaluations: int) -> None:
    count = 0

    def counted(x: np.ndarray) -> float:
        nonlocal count
        count += 1
        return float(rosen(x.real)) if scheme != "complex" else rosen(x)

    gradref.gradient(counted, random_point(10), scheme=scheme)
    assert count == evaluations


@pytest.mark.parametrize("scheme", [*REAL_SCHEMES, "complex"])
def test_partial_derivative_is_a_gradient_component(
    scheme: gradref.Scheme,
) -> None:
    g = gradref.gradient(f, P0, scheme=scheme)
    parts = [gradref.partial_derivative(f, P0, i, scheme=scheme) for i in range(2)]
    assert parts == g.tolist()


def test_partial_derivative_is_the_limit_definition() -> None:
    # The forward scheme with an explicit h is the difference quotient of section 1.
    h = 2.0**-20
    quotient = (f(P0 + np.array([h, 0.0])) - f(P0)) / h
    assert gradref.partial_derivative(f, P0, 0, h=h, scheme="forward") == quotient


def test_default_step_is_a_power_of_two_scaled_to_x() -> None:
    x = np.array([0.0, 0.5, 1.0, -3.0, 1e6])
    schemes: list[gradref.Scheme] = [*REAL_SCHEMES, "complex"]
    for scheme in schemes:
        h = gradref.default_step(x, scheme)
        mantissa, _ = np.frexp(h)
        assert_array_equal(mantissa, 0.5)
        if scheme != "complex":  # the complex step adds h to the imaginary part
            assert_array_equal(x + h - x, h)  # x + h is exact
        assert h[0] == h[1] == h[2]  # |x| <= 1 uses the unscaled step
        assert_allclose(h[3:] / h[0], np.abs(x[3:]), rtol=0.5)
    assert_allclose(
        gradref.default_step([1.0], "central"), np.finfo(float).eps ** (1 / 3), rtol=0.5
    )
    assert_allclose(
        gradref.default_step([1.0], "forward"), np.finfo(float).eps ** (1 / 2), rtol=0.5
    )


# Error order: in the truncation regime, halving h divides the error by 2**order.
#
# With p the order and k = p + 1, the error of each scheme is a leading term
# |f^(k)(x)| h^p / k! plus a Taylor remainder, plus rounding. Smooth's derivatives of
# every order are bounded in closed form near x (`Smooth.derivative_bound`), and so is
# the rounding of every value the test computes (`Smooth.rounding_bound`), so the test
# knows, for each step h, a bound eps(h) of (remainder + rounding) / leading term.
# With |e1| <= eps(h) and |e2| <= eps(h/2) the measured ratio is exactly
# 2**p (1 + e1) / (1 + e2), so it lies in the interval `ratio_bounds` returns. The test
# picks the largest power-of-two step at which the leading term dominates everything
# else at least 20-fold at both h and h/2 (which puts that interval inside
# 2**p (1 ± 0.11)), and rejects the case only when no step does: f^(k)(x) = 0 or so
# nearly 0 that rounding swamps it at every step where the remainder does not.
ORDERS: list[tuple[gradref.Scheme, int, int]] = [
    ("forward", 1, 2),
    ("backward", 1, 2),
    ("central", 2, 3),
    ("complex", 2, 3),
]
DOMINANCE = 20


def _relative_noise(fun: Smooth, x: np.ndarray, i: int, scheme: gradref.Scheme, h: float) -> float:
    leading, remainder, noise = error_model(fun, x, i, scheme, h)
    rest = float(remainder + noise)
    return rest / leading if rest < leading * 1e300 else float("inf")  # no overflow


def step_in_truncation_regime(
    fun: Smooth, x: np.ndarray, i: int, scheme: gradref.Scheme
) -> float | None:
    """The largest h = 2^-k where the leading term dominates DOMINANCE-fold at h and h/2."""
    for k in range(4, 40):
        h = 2.0**-k
        if all(_relative_noise(fun, x, i, scheme, s) <= 1 / DOMINANCE for s in (h, h / 2)):
            return h
    return None


def ratio_bounds(eps_h: float, eps_half: float, order: int) -> tuple[float, float]:
    """Where 2**order (1 + e1) / (1 + e2) lies for |e1| <= eps_h, |e2| <= eps_half < 1."""
    return (
        2**order * (1 - eps_h) / (1 + eps_half),
        2**order * (1 + eps_h) / (1 - eps_half),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[Smooth, np.ndarray, int]:
    n = draw(st.integers(1, 4))
    return draw(smooth_functions(n)), draw(points(n)), draw(st.integers(0, n - 1))


# f = 2 sin(2 x_2) near x_2 = 0, where f'' is small against f''': at the old fixed
# h = 1e-2 the forward ratio was 2.35 (issue 10).
FLAT_CURVATURE = (
    Smooth(
        a=np.array([0.0, 2.0]),
        w=np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 2.0]]),
        p=np.zeros(2),
        c=0.0,
        v=np.zeros(3),
    ),
    np.array([0.0, 0.0, 1 / 128]),
    2,
)


# Found by the long profile (5000 examples): subnormal amplitudes, where every product
# may underflow; the rounding model's absolute underflow term keeps these right.
TINY_WAVES = (
    (
        Smooth(
            a=np.array([2.22507386e-313]), w=np.array([[0.25]]), p=np.zeros(1), c=0.0, v=np.zeros(1)
        ),
        np.zeros(1),
        0,
    ),
    (
        Smooth(
            a=np.array([2.22507386e-313, 0.0]),
            w=np.array([[0.25], [0.25]]),
            p=np.ones(2),
            c=0.0,
            v=np.zeros(1),
        ),
        np.zeros(1),
        0,
    ),
)


# f' = 2^-1022, the smallest normal double: a complex step h has a subnormal Im f = h f',
# which gradref refuses (found by a fresh CI seed, before the property knew of it).
SMALLEST_NORMAL_SLOPE = (
    Smooth(np.array([2.0**-1022]), np.ones((1, 1)), np.zeros(1), 0.0, np.zeros(1)),
    np.zeros(1),
    0,
)


@example(case=FLAT_CURVATURE)
@example(case=TINY_WAVES[0])
@example(case=TINY_WAVES[1])
@example(case=SMALLEST_NORMAL_SLOPE)
@given(case=cases())
@pytest.mark.parametrize(("scheme", "order", "leading"), ORDERS)
def test_error_order(
    case: tuple[Smooth, np.ndarray, int],
    scheme: gradref.Scheme,
    order: int,
    leading: int,
) -> None:
    fun, x, i = case
    h = step_in_truncation_regime(fun, x, i, scheme)
    assume(h is not None)
    assert h is not None
    exact = fun.grad(x)[i]
    refused = ""
    try:
        errors = [
            abs(gradref.partial_derivative(fun, x, i, h=s, scheme=scheme) - exact)
            for s in (h, h / 2)
        ]
    except ValueError as error:
        refused = str(error)
    if refused:
        # The documented refusal, the one case where no value comes back: a given complex
        # step whose Im f = h f' is subnormal though f' is not (f' near 2^-1022).
        assert scheme == "complex"
        assert "is too small for" in refused
        assert h / 2 * abs(exact) < 1.01 * np.finfo(np.float64).tiny <= 1.01 * abs(exact)
        reject()
    eps_h, eps_half = (_relative_noise(fun, x, i, scheme, s) for s in (h, h / 2))
    low, high = ratio_bounds(eps_h, eps_half, order)
    assert low <= errors[0] / errors[1] <= high


@pytest.mark.parametrize(
    ("case", "scheme"),
    [(FLAT_CURVATURE, scheme) for scheme, _, _ in ORDERS]
    + [(case, scheme) for case in TINY_WAVES for scheme in ("central", "complex")],
)
def test_the_examples_are_run_not_rejected(
    case: tuple[Smooth, np.ndarray, int], scheme: gradref.Scheme
) -> None:
    # assume() silently skips an @example it rejects; these have a step in the regime
    # (where they were found; the first tiny wave has f'' = 0 at x, so no O(h) term).
    assert step_in_truncation_regime(*case, scheme) is not None


def test_the_old_fixed_step_was_outside_the_regime() -> None:
    # At h = 1e-2 the remainder bound is a fifth of the leading term or more: the 2.35 of
    # issue 10 is what the model allows there, not a sign of a wrong order.
    fun, x, i = FLAT_CURVATURE
    steps = (1e-2, 5e-3)
    errors = [
        abs(gradref.partial_derivative(fun, x, i, h=s, scheme="forward") - fun.grad(x)[i])
        for s in steps
    ]
    eps_h, eps_half = (_relative_noise(fun, x, i, "forward", s) for s in steps)
    low, high = ratio_bounds(eps_h, eps_half, 1)
    assert errors[0] / errors[1] == pytest.approx(2.35, abs=0.01)
    assert low <= errors[0] / errors[1] <= high
    assert high > 2 * 1.15
    regime = step_in_truncation_regime(fun, x, i, "forward")
    assert regime is not None
    assert regime < 1e-2


def test_richardson_is_sixth_order() -> None:
    # On exp, every derivative is 1: the error is c h^6 (1 + O(h)).
    x = np.array([0.3])
    exact = np.exp(0.3)
    errors = [
        abs(
            gradref.partial_derivative(lambda p: np.exp(p[0]), x, 0, h=h, scheme="richardson")
            - exact
        )
        for h in (0.4, 0.2)
    ]
    assert errors[0] / errors[1] == pytest.approx(64, rel=0.1)


# --- The step actually taken (issue 21, item 1) --------------------------------------

ROUNDED_STEPS = [(100.0, 1.49e-8), (1e4, 3e-7), (-37.3, 1e-6), (12345.678, 1e-5)]


@pytest.mark.parametrize(("x", "h"), ROUNDED_STEPS)
@pytest.mark.parametrize("scheme", REAL_SCHEMES)
def test_divides_by_the_step_actually_taken(x: float, h: float, scheme: Any) -> None:
    # x ± h is rounded by up to half a spacing of x, which divided by h is an error of
    # eps |x| |f'| / h (6e-7 relative at x = 100, h = 1.49e-8). Divided by the distance
    # actually moved, only the rounding of f's values (sin of an exact argument: eps)
    # and the truncation (|f''| h / 2, |f'''| h^2 / 6 <= h / 2, h^2 / 6) remain.
    def f1(p: NDArray[Any]) -> Any:
        return np.sin(p[0])

    exact = np.cos(x)
    assert (x + h) - (x - h) != 2 * h  # the case this test is about
    truncation = {"forward": h / 2, "backward": h / 2, "central": h**2 / 6, "richardson": 0.0}
    rounding = 8 * EPS / h
    bound = truncation[scheme] + rounding
    d = gradref.partial_derivative(f1, [x], 0, h=h, scheme=scheme)
    assert abs(d - exact) <= bound
    # jacobian and directional_derivative (along an axis) take the same differences.
    jac = gradref.jacobian(lambda p: np.array([f1(p)]), [x], h=h, scheme=scheme)
    assert jac[0, 0] == d
    line = gradref.directional_derivative(f1, [x], [1.0], h=h, scheme=scheme)
    assert abs(line - exact) <= bound


def test_the_issue_example_at_x_100() -> None:
    # The two evaluations, divided by 2h and by the distance between the points.
    x, h = 100.0, 1.49e-8
    values = np.sin(x + h), np.sin(x - h)
    nominal = (values[0] - values[1]) / (2 * h)
    actual = (values[0] - values[1]) / ((x + h) - (x - h))
    d = gradref.partial_derivative(lambda p: np.sin(p[0]), [x], 0, h=h)
    assert d == actual
    assert abs(actual - np.cos(x)) < 1e-8 < abs(nominal - np.cos(x))


def test_default_steps_move_x_exactly_so_the_factor_is_one() -> None:
    # Where x ± h is exact the result is the plain formula, bit for bit.
    x, h = np.array([1.0, 2.0]), 2.0**-17
    g = gradref.gradient(f, x, h=h)
    plain = [(f(x + h * e) - f(x - h * e)) * 0.5 / h for e in np.eye(2)]
    assert g.tolist() == plain


# --- A step below the spacing of x (issue 15, item 2) --------------------------------


def _least_step(x: list[float], levels: list[float]) -> float:
    # The oracle: x_i + d rounds to x_i while d is at most half the gap to its neighbour
    # (a tie rounds to the even x_i here), so the offset a h moves x_i from the next
    # double above gap / (2 |a|) on; the smallest offset level needs the largest h.
    least = 0.0
    for xi in x:
        gaps = np.nextafter(xi, np.inf) - xi, xi - np.nextafter(xi, -np.inf)
        assert int(np.frexp(xi)[0] * 2.0**53) % 2 == 0  # even: a tie stays at x_i
        least = max(least, *(np.nextafter(g / 2 / a, np.inf) for g in gaps for a in levels))
    return float(least)


@pytest.mark.parametrize(("x", "h"), [([1.0, 2.0], 1e-20), ([1e4], 1e-13), ([1.0], 1e-16)])
@pytest.mark.parametrize("scheme", ["forward", "central"])
def test_a_step_below_the_spacing_of_x_is_refused(x: list[float], h: float, scheme: Any) -> None:
    smallest = _least_step(x, [1.0])
    match = rf"`h` = {h:.3g} is below the spacing of `x`: .*use h >= {re.escape(repr(smallest))}, "
    for call in (
        lambda: gradref.gradient(f if len(x) == 2 else np.sum, x, h=h, scheme=scheme),
        lambda: gradref.partial_derivative(np.sum, x, len(x) - 1, h=h, scheme=scheme),
        lambda: gradref.jacobian(lambda p: p, x, h=h, scheme=scheme),
    ):
        with pytest.raises(ValueError, match=match):
            call()
    # The step named is the smallest that works (the identity's differences are exact):
    # the double below it is refused.
    identity = gradref.jacobian(lambda p: p, x, h=smallest, scheme=scheme)
    assert_array_equal(identity, np.eye(len(x)))
    with pytest.raises(ValueError, match=re.escape(repr(smallest))):
        gradref.jacobian(lambda p: p, x, h=float(np.nextafter(smallest, 0)), scheme=scheme)


def test_the_step_named_is_the_coordinate_that_needs_the_most() -> None:
    # At x = 1 the step 1e-16 moves 1 - h but not 1 + h (the gap above 1 is 2^-52, below
    # it 2^-53); at 1000 neither. The message names 1000 and the step that moves it, half
    # its spacing and a little more, not the spacing itself.
    smallest = _least_step([1000.0], [1.0])
    assert smallest < np.spacing(1000.0)
    match = rf"x\[1\] - h rounds to x\[1\] = 1000.0.*use h >= {re.escape(repr(smallest))}, "
    with pytest.raises(ValueError, match=match):
        gradref.gradient(np.sum, [1.0, 1000.0], h=1e-16)
    # partial_derivative names the coordinate by its index in x, not in the selection.
    with pytest.raises(ValueError, match=r"x\[1\] - h rounds to x\[1\] = 1000.0"):
        gradref.partial_derivative(np.sum, [1.0, 1000.0], 1, h=1e-16)


def test_richardson_needs_four_times_the_spacing() -> None:
    # Its smallest offset is h / 4.
    smallest = _least_step([1.0], [1.0, 0.5, 0.25])
    match = rf"x\[0\] \+ 0.25 h rounds to .*use h >= {re.escape(repr(smallest))}, "
    with pytest.raises(ValueError, match=match):
        gradref.gradient(np.sum, [1.0], h=2.3e-16, scheme="richardson")
    assert gradref.gradient(np.sum, [1.0], h=smallest, scheme="richardson")[0] == 1.0
    with pytest.raises(ValueError, match=r"below the spacing"):
        gradref.gradient(np.sum, [1.0], h=float(np.nextafter(smallest, 0)), scheme="richardson")


def test_the_smallest_step_named_works() -> None:
    # At h = spacing(|x|) both points move; the identity's difference quotient is exact.
    for x in (1.0, 2.0, 1e4, -3.0, 1e-300, 0.0):
        h = float(np.spacing(abs(x)))
        for scheme in ("forward", "backward", "central"):
            assert gradref.partial_derivative(lambda p: p[0], [x], 0, h=h, scheme=scheme) == 1


def test_directional_derivative_refuses_a_step_that_does_not_move_x() -> None:
    smallest = _least_step([1e4], [1.0])
    match = rf"below the spacing of `x` along `u`.*use h >= {re.escape(repr(smallest))}, "
    with pytest.raises(ValueError, match=match):
        gradref.directional_derivative(np.sum, [1e4, 1.0], [1.0, 0.0], h=1e-13)
    assert gradref.directional_derivative(np.sum, [1e4, 1.0], [1.0, 0.0], h=smallest) == 1.0


def test_check_gradient_with_such_a_step_raises_rather_than_passes() -> None:
    # Before: the numerical gradient was all zeros and its tolerance infinite, so any
    # gradient (here all zeros, wrong) passed.
    with pytest.raises(ValueError, match=r"`h` = 1e-20 is below the spacing of `x`"):
        gradref.check_gradient(f, lambda p: np.zeros(2), [1.0, 2.0], h=1e-20)


def test_the_complex_step_takes_any_tiny_step() -> None:
    g = gradref.gradient(f, P0, h=1e-200, scheme="complex")
    assert_allclose(g, EXACT, rtol=1e-15)


# --- richardson chooses its step from f (issue 21, item 2) ---------------------------


def counted(function: Any) -> tuple[Any, list[NDArray[Any]]]:
    points: list[NDArray[Any]] = []

    def wrapper(p: NDArray[Any]) -> Any:
        points.append(np.array(p, copy=True))
        return function(p)

    return wrapper, points


BETA_CASES = [(0.5, 0.5, 0.047), (0.3, 1.2, 0.047), (2.0, 0.5, 0.953), (0.5, 3.0, 0.02)]


@pytest.mark.parametrize(("a", "b", "x"), BETA_CASES)
def test_richardson_near_a_narrow_feature(a: float, b: float, x: float) -> None:
    # A beta cdf a few hundredths from its singularity at 0 or 1: the default step,
    # 2^-6, reaches a third of the way there. Oracle: scipy's pdf.
    dist = stats.beta(a, b)
    cdf, points = counted(lambda p: dist.cdf(p[0]))
    exact = dist.pdf(x)
    best = gradref.partial_derivative(cdf, [x], 0, scheme="richardson")
    central = gradref.partial_derivative(lambda p: dist.cdf(p[0]), [x], 0)
    assert abs(best - exact) <= 1e-11 * exact
    assert abs(best - exact) < abs(central - exact) / 100
    assert len(points) == 16  # the budget: 8 levels of central differences
    # Never farther than the default step, 2^-6 (rounded to the nearest double).
    assert max(abs(p[0] - x) for p in points) <= 2.0**-6 + np.spacing(1.0)


def test_richardson_at_a_given_step_is_the_formula() -> None:
    dist = stats.beta(0.5, 0.5)
    cdf, points = counted(lambda p: dist.cdf(p[0]))
    h = 2.0**-6
    d = gradref.partial_derivative(cdf, [0.047], 0, h=h, scheme="richardson")
    central = [(dist.cdf(0.047 + s) - dist.cdf(0.047 - s)) / (2 * s) for s in (h, h / 2, h / 4)]
    assert d == pytest.approx((64 * central[2] - 20 * central[1] + central[0]) / 45, rel=1e-12)
    assert len(points) == 6


@pytest.mark.parametrize("n", [1, 3, 10])
def test_richardson_costs_six_per_coordinate_where_the_first_levels_pass(n: int) -> None:
    # On a cubic in each coordinate, D(h) = f' + c h^2 exactly: the h^4 term that the
    # test measures is rounding, and R_0 is kept. (On a quintic the test cannot tell
    # d h^4 from the start of a slowly converging series, and shrinks the step.)
    cubic, points = counted(lambda p: float(np.sum(p**3 - 3 * p**2)))
    x = random_point(n, seed=n)
    g = gradref.gradient(cubic, x, scheme="richardson")
    assert len(points) == 6 * n
    assert_allclose(g, 3 * x**2 - 6 * x, rtol=1e-12, atol=1e-12)


def test_richardson_vectorized_takes_a_second_batch_only_for_the_lines_it_shrinks() -> None:
    dist = stats.beta(0.5, 0.5)
    shapes: list[tuple[int, ...]] = []

    def batch(xs: NDArray[Any]) -> Any:
        shapes.append(xs.shape)
        return dist.cdf(xs[:, 0]) + xs[:, 1] ** 2

    g = gradref.gradient(batch, [0.047, 0.5], scheme="richardson", vectorized=True)
    # 6 points per line, then 10 for line 0; each round sends one point first.
    assert shapes == [(1, 2), (11, 2), (1, 2), (9, 2)]
    assert_allclose(g, [dist.pdf(0.047), 1.0], rtol=1e-11)


def test_richardson_says_how_far_it_reached_when_f_is_not_defined_there() -> None:
    # log at 0.01 is undefined at 0.01 - 2^-6: the error says why f was called there.
    def log(p: NDArray[Any]) -> Any:
        return np.log(p[0]) if p[0] > 0 else np.nan

    with pytest.raises(ValueError, match=r"`f` returned nan") as info:
        gradref.partial_derivative(log, [0.01], 0, scheme="richardson")
    assert "evaluates `f` up to h = 0.0156 from x" in " ".join(info.value.__notes__)
    d = gradref.partial_derivative(log, [0.01], 0, h=2.0**-10, scheme="richardson")
    assert d == pytest.approx(100, rel=1e-8)


# --- check_gradient refuses a verdict its numerical side cannot give (issue 21, item 3) --


def test_check_gradient_refuses_where_the_step_is_too_coarse_for_f() -> None:
    # log at 3e-5: the central step 7.6e-6 is a quarter of the way to the singularity;
    # the numerical derivative is off by 2.2 %, and a tolerance of ten times its
    # truncation estimate would pass a derivative 25 % off.
    def log(p: NDArray[Any]) -> Any:
        return np.log(p[0])

    x = 3e-5
    d = gradref.partial_derivative(log, [x], 0)
    assert 0.02 < abs(d * x - 1) < 0.03
    with pytest.raises(ValueError, match=r"cannot judge component 0: .* \(2\.7%\), so `f` varies"):
        gradref.check_gradient(log, lambda p: 1 / p, [x])
    with pytest.raises(ValueError, match=r"cannot judge component 0"):
        gradref.check_gradient(log, lambda p: 0.8 / p, [x])
    # With a step on the scale of x, the verdict is given, and right both ways.
    assert gradref.check_gradient(log, lambda p: 1 / p, [x], h=2.0**-17 * x).passed
    assert not gradref.check_gradient(log, lambda p: 0.999 / p, [x], h=2.0**-17 * x).passed


def test_check_gradient_refuses_beside_a_kink_and_judges_away_from_it() -> None:
    def relu(p: NDArray[Any]) -> Any:
        return np.sum(np.maximum(p, 0.0))

    def relu_grad(p: NDArray[np.float64]) -> NDArray[np.float64]:
        return (p > 0).astype(float)

    with pytest.raises(ValueError, match=r"cannot judge component 1"):
        gradref.check_gradient(relu, relu_grad, [0.7, 1e-6])
    assert gradref.check_gradient(relu, relu_grad, [0.7, 0.3]).passed


@pytest.mark.parametrize("scheme", ["central", "forward", "richardson", "complex"])
def test_check_gradient_still_judges_a_stationary_point(scheme: Any) -> None:
    # At 0, f = 1 + x^2 + x^3 + y^2 has a zero gradient and f''' = 6: the numerical
    # derivative is all truncation (h^2 for central), which is not a reason to refuse.
    def g(p: NDArray[Any]) -> Any:
        return 1 + p[0] ** 2 + p[0] ** 3 + p[1] ** 2

    def exact(p: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.array([2 * p[0] + 3 * p[0] ** 2, 2 * p[1]])

    assert gradref.check_gradient(g, exact, [0.0, 0.0], scheme=scheme).passed
    assert not gradref.check_gradient(
        g, lambda p: exact(p) + 1e-3, [0.0, 0.0], scheme=scheme
    ).passed


@pytest.mark.parametrize("scheme", ["central", "forward", "richardson", "complex"])
def test_check_gradient_does_not_refuse_a_zero_of_f_at_a_stationary_point(scheme: Any) -> None:
    # f(0) = 0 while f(±h) = h^2: the samples' rounding, not the truncation, is what
    # D(h) and D(2h) disagree by, and that is no reason to refuse. (Whether the verdict
    # is then right is the tolerance model's business: its rounding term uses |f(x)|.)
    def g(p: NDArray[Any]) -> Any:
        return p[0] ** 2 + p[0] ** 3 + p[1] ** 2

    check = gradref.check_gradient(
        g, lambda p: 2 * p + np.array([3 * p[0] ** 2, 0]), [0.0, 0.0], scheme=scheme
    )
    assert check.tolerances.shape == (2,)


# --- Issue 15: vectorized=True on a function that is not vectorized -----------------

# Functions written for one point at a time, as most are: x[0] is a coordinate. Given
# a stack of points they index rows instead, and return garbage of some shape.
ONE_POINT_AT_A_TIME = [
    lambda p: p[0] * p[-1],
    lambda p: np.exp(p[0]) + p[-1] ** 2,
    lambda p: sum(p[i] ** 2 for i in range(len(p))),
    lambda p: p @ p,
    lambda p: np.sum(p**2),
    lambda p: np.prod(np.cos(p)),
]
MAPS_ONE_POINT_AT_A_TIME = [
    lambda p: np.array([p[0] * p[-1], p[0]]),
    lambda p: p[:1] * 2.0,
    lambda p: np.array([np.exp(p[0])]),
    lambda p: np.stack([p[0], p[-1], p[0] + p[-1]]),
]
# A function that returns the rows of its input reordered (x[::-1], np.roll(x, 1)) has
# the shape of a vectorized one whatever the stack, and is not in these lists: shapes
# cannot tell it apart (the docstrings say so).
# What such a function raises itself: IndexError (x[1] of a one-row stack), ValueError
# (numpy's shapes), TypeError; each with a note that says it was called vectorized.
REFUSALS = (ValueError, TypeError, IndexError)


@given(
    k=st.integers(0, len(ONE_POINT_AT_A_TIME) - 1),
    n=st.integers(1, 6),
    scheme=st.sampled_from([*REAL_SCHEMES, "complex"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_vectorized_true_on_a_scalar_function_that_is_not(
    k: int, n: int, scheme: Any, seed: int
) -> None:
    fun, x = ONE_POINT_AT_A_TIME[k], random_point(n, seed)
    right = gradref.gradient(fun, x, scheme=scheme)
    try:
        g = gradref.gradient(fun, x, scheme=scheme, vectorized=True)
    except REFUSALS:
        return
    assert_array_equal(g, right)  # only where the stack cannot be told apart: n = 1


@given(
    k=st.integers(0, len(MAPS_ONE_POINT_AT_A_TIME) - 1),
    n=st.integers(1, 6),
    scheme=st.sampled_from([*REAL_SCHEMES, "complex"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_vectorized_true_on_a_map_that_is_not(k: int, n: int, scheme: Any, seed: int) -> None:
    fun, x = MAPS_ONE_POINT_AT_A_TIME[k], random_point(n, seed)
    right = gradref.jacobian(fun, x, scheme=scheme)
    try:
        jac = gradref.jacobian(fun, x, scheme=scheme, vectorized=True)
    except REFUSALS:
        return
    assert_array_equal(jac, right)


def test_the_issue_example_of_vectorized_true() -> None:
    # Before: [1., 2.] (right: [2., 1.]): the two rows of the stack were taken for x, y.
    with pytest.raises(IndexError) as info:
        gradref.gradient(lambda p: p[0] * p[1], [1.0, 2.0], scheme="complex", vectorized=True)
    assert "shape (1, 2) (vectorized=True; pass vectorized=False" in info.value.__notes__[-1]


@pytest.mark.parametrize("scheme", [*REAL_SCHEMES, "complex"])
@pytest.mark.parametrize("n", [1, 2, 3, 50])
def test_vectorized_batches_have_two_row_counts_and_cost_at_most_one_more_point(
    scheme: Any, n: int
) -> None:
    shapes: list[tuple[int, ...]] = []

    def batch(xs: NDArray[Any]) -> Any:
        shapes.append(xs.shape)
        return np.sum(np.sin(xs), axis=-1)

    g = gradref.gradient(batch, random_point(n), scheme=scheme, vectorized=True)
    assert_allclose(g, np.cos(random_point(n)), rtol=0, atol=1e-6)
    points = {"forward": n + 1, "backward": n + 1, "central": 2 * n, "richardson": 6 * n}
    count = points.get(scheme, n)
    rows = [shape[0] for shape in shapes]
    assert rows[0] == 1
    if count > 1:  # one point, then the others: two row counts
        assert len(set(rows)) == 2
    assert sum(rows) == count + (count == 2)


# --- Issue 15: one row of a complex-step stack comes back real -----------------------


def _real_on_one_row(p: NDArray[Any]) -> Any:
    # A branch that returns a Python float, as a cache or a special case might: along
    # x_0 the imaginary part is lost, along x_1 it is kept.
    if p[0].imag != 0:
        return float(abs(p[0]) ** 2) + 2.0
    return p[0] ** 2 + p[1]


def test_one_real_row_of_the_complex_step_is_an_error() -> None:
    # Before: [0, 1] (right: [2, 1]), the lost derivative read as zero.
    match = r"`f` returned a real number for complex input at x = \[1\.\+8\.67\d+e-19j 2\."
    with pytest.raises(TypeError, match=match):
        gradref.gradient(_real_on_one_row, [1.0, 2.0], scheme="complex")
    with pytest.raises(TypeError, match=r"`F` returned a real number for complex input"):
        gradref.jacobian(lambda p: np.array([_real_on_one_row(p)]), [1.0, 2.0], scheme="complex")


# --- Issue 15: memory that does not grow with the answer -----------------------------


@pytest.mark.parametrize("vectorized", [False, True])
def test_the_stack_of_points_is_built_a_batch_at_a_time(vectorized: bool) -> None:
    # The stack of all 2n points is 2n^2 numbers: 244 MiB at n = 4000. Built a batch of
    # at most 2^18 numbers (2 MiB) at a time, the peak stays a few batches.
    n = 4000
    x = np.linspace(-1.0, 1.0, n)

    def fun(p: NDArray[Any]) -> Any:
        return np.sum(p * p, axis=-1)

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        g = gradref.gradient(fun, x, vectorized=vectorized)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert_allclose(g, 2 * x, rtol=0, atol=1e-6)  # rounding: eps |f| / h = 4e-8
    assert peak < 8 * 2**20  # 3 batches and some vectors of n; 2n^2 numbers would be 244 MiB


# --- one step per coordinate -------------------------------------------------------------


@pytest.mark.parametrize("scheme", [*REAL_SCHEMES, "complex"])
def test_a_step_per_coordinate_is_each_coordinates_own(scheme: gradref.Scheme) -> None:
    # Oracle: each component alone, by partial_derivative with that coordinate's step.
    x = np.array([0.3, -1.7, 12.0])
    h = np.array([2.0**-10, 2.0**-7, 2.0**-4])
    each = [gradref.partial_derivative(f3, x, i, h=float(h[i]), scheme=scheme) for i in range(3)]
    assert_array_equal(gradref.gradient(f3, x, h=h, scheme=scheme), each)
    jac = gradref.jacobian(lambda p: np.array([f3(p), 2 * f3(p)]), x, h=h, scheme=scheme)
    assert_array_equal(jac, [each, 2 * np.array(each)])


def f3(p: Any) -> Any:
    return np.sin(p[0]) * p[1] + np.exp(0.1 * p[2]) * p[0]


@pytest.mark.parametrize(
    ("h", "error", "match"),
    [
        ([1e-3, 1e-3], ValueError, r"`h` must be one step or one per coordinate, shape \(3,\)"),
        ([1e-3, -1e-3, 1e-3], ValueError, r"`h` must be positive and finite; `h`\[1\] is -0\.001"),
        ([1e-3, np.inf, 1e-3], ValueError, r"`h` must be positive and finite; `h`\[1\] is inf"),
        (["a", "b", "c"], TypeError, r"`h` must be a 1-D array of real numbers"),
        ([1e-3, 1e-20, 1e-3], ValueError, r"`h`\[1\] = 1e-20 is below the spacing of `x`"),
    ],
)
def test_a_bad_step_per_coordinate_is_refused(h: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        gradref.gradient(f3, [0.3, -1.7, 12.0], h=h)


# --- default_step's docstring (review fix10) ------------------------------------------


def test_near_zero_x_plus_h_is_rounded_by_up_to_eps_h() -> None:
    # |x_i| >= h_i: exact (test above); |x_i| < h_i: rounded to the spacing of h_i, by up
    # to eps h_i, which can be thousands of spacings of x_i (x = 1e-10, h = 2^-17).
    h = float(gradref.default_step([0.0])[0])
    rng = np.random.default_rng(0)
    xs = np.exp(rng.uniform(np.log(1e-30), np.log(h), 2000)) * rng.choice([-1.0, 1.0], 2000)
    for x in [*xs.tolist(), 1e-10]:
        for sign in (1, -1):
            error = abs(Fraction(x + sign * h) - Fraction(x) - sign * Fraction(h))
            assert error <= Fraction(EPS) * Fraction(h)
    error_at_1e_10 = abs(Fraction(1e-10 + h) - Fraction(1e-10) - Fraction(h))
    assert error_at_1e_10 > 1000 * Fraction(float(np.spacing(1e-10)))


def test_richardson_default_step_constants() -> None:
    # The constants default_step's docstring quotes: the h^6 coefficient of
    # (64 D(h/4) - 20 D(h/2) + D(h)) / 45 with D's f^(7) h^6 / 7! term, the rms rounding
    # factor of its weighted differences, and where they balance.
    h6 = (64 * Fraction(1, 4**6) - 20 * Fraction(1, 2**6) + 1) / 45 / 5040
    assert h6 == Fraction(1, 322560)
    terms = [c for c, _, _ in DIFFERENCES["richardson"].terms]
    rounding = np.sqrt(2 * sum(c * c for c in terms))
    assert round(rounding, 1) == 4.1
    assert round(np.log2(EPS) / 7, 1) == -7.4  # eps^(1/7)
    balance = (4.1 * EPS * 322560 / 6) ** (1 / 7)  # d/dh (h^6 / 322560 + 4.1 eps / h) = 0
    assert round(np.log2(balance)) == -5
    assert gradref.default_step([1.0], "richardson")[0] == 2.0**-6


def test_richardson_default_step_is_2048_or_4096_times_central() -> None:
    x = np.linspace(-10.0, 10.0, 100_001)
    ratio = gradref.default_step(x, "richardson") / gradref.default_step(x, "central")
    assert set(ratio.tolist()) == {2048.0, 4096.0}
    ratio = gradref.default_step([1.5, 3.0], "richardson") / gradref.default_step([1.5, 3.0])
    assert ratio.tolist() == [4096.0, 4096.0]


def test_richardson_refuses_a_step_whose_quarter_does_not_move_x() -> None:
    # x +- h moves x = 1e8 (spacing 1.49e-8) but x +- h/4 does not.
    assert 1e8 + 2e-8 != 1e8
    with pytest.raises(ValueError, match=r"x\[0\] - 0.25 h rounds to x\[0\]"):
        gradref.partial_derivative(lambda p: p[0], [1e8], 0, h=2e-8, scheme="richardson")


@pytest.mark.parametrize("h", [1e-315, 5e-324])
def test_a_complex_step_whose_imaginary_parts_are_subnormal_is_refused(h: float) -> None:
    # Im f(x + ih) = h f' below 2^-1022 has a fixed spacing, 2^-1074: the quotient by h
    # would be off (1.7e-11 relative at 1e-315, 19.0 for 18.78 at 5e-324), so it is refused.
    with pytest.raises(ValueError, match=r"the complex step `h` = .* is too small for `f`"):
        gradref.gradient(f, [1.0, 2.0], h=h, scheme="complex")
    # Just above, the imaginary parts are normal: the result is exact to rounding.
    g = gradref.gradient(f, [1.0, 2.0], h=1e-300, scheme="complex")
    assert_allclose(g, grad_f(np.array([1.0, 2.0])), rtol=4e-16)


def test_a_subnormal_imaginary_part_adds_at_most_its_floor() -> None:
    # f' = 1e-300: h f' = 2^-60 1e-300 is subnormal, spaced 2^-1074, so at the default
    # step it adds at most 2^-1074 / 2^-60 = 2^-1014 (documented) to the error.
    g = gradref.gradient(lambda p: 1e-300 * p[0], [1.0], scheme="complex")
    assert abs(g[0] - 1e-300) <= 2.0**-1014


@pytest.mark.parametrize("x", [np.array([1.0, 2.0]), {"a": np.array([1.0, 2.0])}])
def test_an_f_that_overwrites_its_argument_cannot_change_the_point(x: Any) -> None:
    # f(x), evaluated first for the rounding estimate, once got a view of gradref's own
    # point: zeroing it in place moved every later evaluation to 0 (gradient [0, 0]).
    def f(p: Any) -> float:
        a = p["a"] if isinstance(p, dict) else p
        value = float(np.sum(a**2))
        a *= 0
        return value

    def grad(p: Any) -> Any:
        return {"a": 2 * p["a"]} if isinstance(p, dict) else 2 * p

    g, _ = gradref.gradient(f, x, full_output=True)
    exact = grad(x)
    flat = g["a"] if isinstance(g, dict) else g
    assert np.allclose(flat, exact["a"] if isinstance(exact, dict) else exact, rtol=1e-8)
    assert gradref.check_gradient(f, grad, x).passed
