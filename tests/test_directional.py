"""directional_derivative differences f along the line: its cost, step and accuracy."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

import gradref
from gradref import Scheme
from gradref._schemes import DIFFERENCES
from gradref.examples import f, grad_f

EPS = 2.0**-52
# Evaluations of f per scheme, whatever n; through the gradient they would grow with n.
CALLS: dict[gradref.Scheme, int] = {
    "central": 2,
    "forward": 2,
    "backward": 2,
    "richardson": 6,
    "complex": 1,
}


def unit(n: int, seed: int = 0) -> NDArray[np.float64]:
    u = np.random.default_rng(seed).normal(size=n)
    return u / np.linalg.norm(u)


@pytest.mark.parametrize("scheme", list(CALLS))
@pytest.mark.parametrize("n", [1, 10, 300])
def test_evaluations_do_not_grow_with_n(scheme: gradref.Scheme, n: int) -> None:
    shapes: list[tuple[int, ...]] = []

    def fun(p: NDArray[Any]) -> Any:
        shapes.append(p.shape)
        return np.sum(np.sin(p), axis=-1)

    x = np.random.default_rng(1).uniform(-2, 2, n)
    u = unit(n)
    gradref.directional_derivative(fun, x, u, scheme=scheme)
    assert shapes == [(n,)] * CALLS[scheme]
    shapes.clear()
    gradref.directional_derivative(fun, x, u, scheme=scheme, vectorized=True)
    # Two calls with different row counts (see test_vectorized_batches): the one point
    # first, then the others; two points in all send the second one twice.
    rest = {1: [], 2: [(2, n)]}.get(CALLS[scheme], [(CALLS[scheme] - 1, n)])
    assert shapes == [(1, n), *rest]


@pytest.mark.parametrize("scheme", list(CALLS))
def test_points_lie_on_the_line_at_the_default_step(scheme: gradref.Scheme) -> None:
    # x_0 = 100 is not moved by u, so the step is scaled by |x_1| = 3 in proportion to
    # u_1 / max |u_i| = 0.6 / 0.8, and |x_2| = 0.5 in full: 2.25, not 100.
    x = np.array([100.0, 3.0, -0.5])
    u = np.array([0.0, 0.6, 0.8])
    seen: list[NDArray[Any]] = []

    def fun(p: NDArray[Any]) -> Any:
        seen.append(p)
        return p.sum()

    gradref.directional_derivative(fun, x, u, scheme=scheme)
    step = gradref.default_step([2.25], scheme)[0]
    offsets_by_scheme: dict[str, list[complex]] = {
        "central": [-1, 1],
        "forward": [0, 1],
        "backward": [-1, 0],
        "richardson": [-1, -0.5, -0.25, 0.25, 0.5, 1],
        "complex": [1j],
    }
    offsets = offsets_by_scheme[scheme]
    shifts = sorted(((p - x) @ u for p in seen), key=lambda s: (s.real, s.imag))
    # Each point x + s u is rounded, by at most an ulp of 3 in each coordinate.
    assert shifts == pytest.approx([o * step for o in offsets], rel=0, abs=4 * EPS * 3)
    for p in seen:  # on the line: the part of p - x across u is that rounding
        across = (p - x) - ((p - x) @ u) * u
        assert np.abs(across).max() <= 4 * EPS * 3


def line_derivatives(orders: int) -> list[float]:
    """φ^(k)(0) for φ(s) = f((1, 2) + s(3, 4)/5), the running example along u, exactly.

    φ(s) = (1 + 3s/5)^2 (2 + 4s/5) + e^2 exp(2s + 12s^2/25); the Taylor coefficients c_k
    of exp(q(s)) follow from c_0 = 1, k c_k = sum_j j q_j c_(k-j).
    """
    q = {1: 2.0, 2: 0.48}
    c = [1.0]
    for k in range(1, orders + 1):
        c.append(sum(j * qj * c[k - j] for j, qj in q.items() if j <= k) / k)
    poly = (np.polynomial.Polynomial([1.0, 0.6]) ** 2 * np.polynomial.Polynomial([2.0, 0.8])).coef
    return [
        math.factorial(k) * ((poly[k] if k < len(poly) else 0.0) + math.exp(2) * c[k])
        for k in range(orders + 1)
    ]


# The leading truncation term of each scheme, as a function of φ's derivatives and h, and
# the sum of |weights| of its differences, which multiplies the rounding error.
LEADING = {
    "forward": (lambda d, h: d[2] * h / 2, 1.0),
    "backward": (lambda d, h: -d[2] * h / 2, 1.0),
    "central": (lambda d, h: d[3] * h**2 / 6, 1.0),
    "richardson": (lambda d, h: d[7] * h**6 / 322560, 2 * (1 / 90 + 20 / 45 + 128 / 45)),
}


@pytest.mark.parametrize("scheme", list(LEADING))
def test_accuracy_on_the_running_example(scheme: gradref.Scheme) -> None:
    # The error is the leading term of the scheme's expansion to within 1 % (the next
    # term is smaller than that at these steps), plus the rounding of f's values and of
    # the points x + s u.
    x, u = np.array([1.0, 2.0]), np.array([3.0, 4.0]) / 5
    exact = float(grad_f(x) @ u)
    d = line_derivatives(9)
    assert d[1] == pytest.approx(exact, rel=1e-15)
    h = gradref.default_step([2.0], scheme)[0]
    term, weight = LEADING[scheme]
    rounding = weight * 8 * EPS * (abs(f(x)) + np.abs(grad_f(x)) @ np.abs(x)) / h
    # h given: richardson's default would shrink its step to fit f (not the scheme's h).
    error = gradref.directional_derivative(f, x, u, h=h, scheme=scheme) - exact
    assert abs(error - term(d, h)) <= 0.01 * abs(term(d, h)) + rounding


def test_complex_step_is_exact_to_rounding_on_the_running_example() -> None:
    x, u = np.array([1.0, 2.0]), np.array([3.0, 4.0]) / 5
    exact = float(grad_f(x) @ u)
    d = gradref.directional_derivative(f, x, u, scheme="complex")
    assert abs(d - exact) <= 8 * EPS * abs(exact)


# --- Issue 15: the default step follows how far the point moves ----------------------


@pytest.mark.parametrize("scheme", list(CALLS))
def test_a_coordinate_that_hardly_moves_does_not_set_the_step(scheme: gradref.Scheme) -> None:
    # u normalised from computed values: x_1 = 1e10 moves by 1e-20 s. Before, its size
    # set the step (6e4 for central) and sin was differenced over many periods: 1e-5.
    x, u = np.array([0.0, 1e10]), np.array([1.0, 1e-20])

    def fun(p: NDArray[Any]) -> Any:
        return np.sin(p[0]) + 1e-10 * p[1]

    exact = math.cos(0.0) + 1e-30  # the gradient (1, 1e-10) dotted with u
    d = gradref.directional_derivative(fun, x, u, scheme=scheme)
    assert abs(d - exact) <= 1e-7  # forward: h/2 |sin''| = 7.5e-9, rounding 2 eps / h
    assert gradref.directional_derivative(fun, x, u, scheme="complex") == exact


@pytest.mark.parametrize("scheme", list(CALLS))
def test_along_an_axis_the_step_is_the_partial_derivatives(scheme: gradref.Scheme) -> None:
    # u = e_i moves x_i only: the step is default_step's for x_i, whatever the others.
    x = np.array([1e6, 3.0, -0.5])
    for i in range(3):
        seen: list[NDArray[Any]] = []

        def fun(p: NDArray[Any], seen: list[NDArray[Any]] = seen) -> Any:
            seen.append(p.copy())
            return p.sum()

        gradref.directional_derivative(fun, x, np.eye(3)[i], scheme=scheme)
        moves = {abs(complex(p[i] - x[i])) for p in seen} - {0.0}
        assert max(moves) == gradref.default_step(x, scheme)[i]


def test_vectorized_true_on_a_function_that_is_not() -> None:
    # Before: its two rows were taken for x and y, and any 2-variable f slipped through.
    u = np.array([0.6, 0.8])
    for scheme in CALLS:
        with pytest.raises(IndexError) as info:
            gradref.directional_derivative(
                lambda p: p[0] * p[1], [1.0, 2.0], u, scheme=scheme, vectorized=True
            )
        assert "(vectorized=True; pass vectorized=False" in info.value.__notes__[-1]
        with pytest.raises(ValueError, match=r"with vectorized=True, `f` must return one value"):
            gradref.directional_derivative(
                lambda p: p[0] ** 2, [1.0, 2.0], u, scheme=scheme, vectorized=True
            )


def test_points_on_the_line_are_rounded_by_at_most_eps_times_x_plus_s_u() -> None:
    # The docstring's bound eps (|x_i| + |s u_i|) on fl(x_i + s u_i), as gradref builds the
    # points (x + s * u); at x_i = 0 only the rounding of s u_i is left.
    rng = np.random.default_rng(1)
    eps = Fraction(float(np.finfo(np.float64).eps))
    for _ in range(2000):
        x = rng.normal(size=3) * 10.0 ** rng.integers(-12, 12, size=3)
        x[0] = 0.0
        u = rng.normal(size=3)
        u /= np.linalg.norm(u)
        s = 2.0 ** float(rng.integers(-30, 0))
        points = x + s * u
        for xi, ui, pi in zip(x.tolist(), u.tolist(), points.tolist(), strict=True):
            exact = Fraction(xi) + Fraction(s) * Fraction(ui)
            bound = eps * (abs(Fraction(xi)) + abs(Fraction(s) * Fraction(ui)))
            assert abs(Fraction(pi) - exact) <= bound


def test_a_huge_coordinate_barely_moving_can_still_set_the_scale() -> None:
    # The docstring's case: |x_1 u_1| = 1e10 is the largest |x_i u_i|, so the scale is
    # 1e10 and the central step eps^(1/3) 1e10 rounds to 2^16 (pass `h` there).
    seen: list[float] = []

    def record(p: np.ndarray) -> float:
        seen.append(float(p[0]))
        return float(np.sin(p[0]))

    gradref.directional_derivative(record, [0.0, 1e30], [1.0, 1e-20])
    assert sorted(seen) == [-(2.0**16), 2.0**16]


@pytest.mark.parametrize("scheme", ["central", "forward", "backward", "richardson"])
def test_rounding_of_the_points_within_the_documented_bound(scheme: Scheme) -> None:
    # The Notes: rounding x + s u adds at most c_s eps sum_i (|x_i| + h |u_i|)
    # |d_i f| / h. A linear f, evaluated exactly (fractions) and rounded once, has no
    # truncation error, and a gradient nearly orthogonal to u leaves that rounding alone.
    rng = np.random.default_rng(1)
    worst = 0.0
    for _ in range(300):
        x = rng.uniform(1, 2, 2) * 2.0 ** rng.integers(0, 20)
        theta = rng.uniform(0, 2 * np.pi)
        u = np.array([np.cos(theta), np.sin(theta)])
        u /= np.linalg.norm(u)
        g = np.array([-u[1], u[0]]) * rng.uniform(0.5, 1) + 1e-3 * u
        origin = Fraction(0) + sum(
            Fraction(float(gi)) * Fraction(float(xi)) for gi, xi in zip(g, x, strict=True)
        )

        def f(p: np.ndarray, g: np.ndarray = g, origin: Fraction = origin) -> float:
            terms = (Fraction(float(gi)) * Fraction(float(pi)) for gi, pi in zip(g, p, strict=True))
            return float(sum(terms) - origin)

        h = 2.0**-10 * np.abs(x).max() * rng.uniform(1, 2)
        d = gradref.directional_derivative(f, x, u, h=h, scheme=scheme)
        moved = np.sum((np.abs(x) + h * np.abs(u)) * np.abs(g))
        bound = DIFFERENCES[scheme].rounding * EPS * moved / h
        worst = max(worst, abs(d - float(g @ u)) / bound)
    assert worst <= 1.0
