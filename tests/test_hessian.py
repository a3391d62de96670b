# ruff: noqa: N806 (H and A are the math's names)
"""The Hessian against `scipy.optimize.rosen_hess`, 40-digit mpmath references, the running
example's closed form and quadratics, whose Hessian A + Aᵀ is known exactly."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_array_equal
from numpy.typing import NDArray
from scipy.optimize import rosen, rosen_hess

import gradref
from gradref._finite_differences import scaled_steps
from gradref._hessian import _blocks
from gradref._schemes import DIFFERENCES, HESSIANS, HessianScheme
from gradref.examples import f
from tests.functions import (
    exact_log_sum_exp_hessian,
    log_sum_exp,
    normwise_error,
    random_point,
    rosenbrock,
)

EPS = float(np.finfo(float).eps)
E2 = np.exp(2)
# ∇²f at (1, 2) for f(x, y) = x²y + e^{xy}: [[2y + y²e^{xy}, 2x + (1 + xy)e^{xy}], [·, x²e^{xy}]].
EXACT = np.array([[4 + 4 * E2, 2 + 3 * E2], [2 + 3 * E2, E2]])
SCHEMES: list[gradref.HessianScheme] = ["central", "complex", "richardson"]


# The targets of issue 17, on its four cases; measured: central 9.2e-12, 7.2e-10, 3.4e-11,
# 4.0e-10; complex 1.8e-11, 2.4e-11, 2.3e-11, 2.7e-11; richardson 9.0e-15, 4.8e-14,
# 1.4e-14, 5.5e-14 (rosen 10, log-sum-exp 10, rosen 50, log-sum-exp 50).
@pytest.mark.parametrize(
    ("scheme", "target"), [("central", 1e-9), ("complex", 1e-10), ("richardson", 1e-13)]
)
@pytest.mark.parametrize("n", [10, 50])
@pytest.mark.parametrize("case", ["rosenbrock", "log-sum-exp"])
def test_the_four_cases(scheme: Any, target: float, n: int, case: str) -> None:
    x = np.random.default_rng(n).uniform(-2.0, 2.0, n)
    fun, exact = (
        (rosenbrock, rosen_hess(x))
        if case == "rosenbrock"
        else (log_sum_exp, exact_log_sum_exp_hessian(x))
    )
    H = gradref.hessian(fun, x, scheme=scheme, vectorized=True)
    assert normwise_error(H, exact) <= target


# Measured at seeds 0, 1, 2: central 1.1e-11, 1.0e-11, 1.8e-11; complex 1.7e-11, 2.6e-11,
# 5.9e-12; richardson below 2e-14.
@pytest.mark.parametrize(
    ("scheme", "tolerance"), [("central", 1e-10), ("complex", 3e-10), ("richardson", 1e-13)]
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rosenbrock_against_rosen_hess(scheme: Any, tolerance: float, seed: int) -> None:
    x = random_point(10, seed=seed)
    assert normwise_error(gradref.hessian(rosen, x, scheme=scheme), rosen_hess(x)) <= tolerance


# Measured: central 7.3e-8 (e^{xy}'s sixth derivatives are 2^6 times its size at y = 2:
# truncation), complex 4.1e-11, richardson 1.1e-14.
@pytest.mark.parametrize(
    ("scheme", "tolerance"), [("central", 3e-7), ("complex", 4e-10), ("richardson", 1e-13)]
)
def test_running_example(scheme: Any, tolerance: float) -> None:
    assert normwise_error(gradref.hessian(f, [1.0, 2.0], scheme=scheme), EXACT) <= tolerance


@pytest.mark.parametrize("scheme", SCHEMES)
def test_one_variable(scheme: Any) -> None:
    # (e^x)'' = e^x; a 1 × 1 Hessian.
    H = gradref.hessian(lambda p: np.exp(p[0]), [0.5], scheme=scheme)
    assert H.shape == (1, 1)
    assert abs(H[0, 0] - np.exp(0.5)) <= 1e-9


def skew(p: NDArray[Any]) -> Any:
    """A function whose mixed differences, taken in either order, round differently."""
    return (
        np.exp(0.3 * p[..., 0] - p[..., 1] * p[..., 2])
        + np.sin((p * np.arange(1.0, 6.0)).sum(axis=-1)) * p[..., 3] ** 3
    )


@pytest.mark.parametrize("scheme", SCHEMES)
def test_exactly_symmetric_and_the_same_vectorized(scheme: Any) -> None:
    # The stacked f evaluates each row as the loop does: numpy's complex arithmetic on a
    # stack may round differently from that on one point (SIMD loops), which is f's doing.
    x = random_point(5, seed=7)
    H = gradref.hessian(skew, x, scheme=scheme)
    assert_array_equal(H, H.T)
    stacked = gradref.hessian(
        lambda stack: np.array([skew(p) for p in stack]), x, scheme=scheme, vectorized=True
    )
    assert_array_equal(stacked, H)


def f3(p: NDArray[Any]) -> Any:
    return np.exp(p[0] * p[1]) + np.sin(p[1] + p[2] ** 2)


@pytest.mark.parametrize(("scheme", "base"), [("central", 2.0**-6), ("richardson", 2.0**-6)])
def test_default_steps_are_the_documented_ones(scheme: Any, base: float) -> None:
    # For |x_i| <= 1: h = 2^-6 (central, richardson), the central gradient's step (complex);
    # beyond, scaled by |x_i| and rounded to a power of two: 2h for |x_i| = 1.5 and 2.
    x = np.array([0.5, -1.0, 0.25])
    assert_array_equal(
        gradref.hessian(f3, x, scheme=scheme), gradref.hessian(f3, x, h=base, scheme=scheme)
    )
    x = np.array([1.5, -2.0, -1.5])
    assert_array_equal(
        gradref.hessian(f3, x, scheme=scheme), gradref.hessian(f3, x, h=2 * base, scheme=scheme)
    )


def test_the_complex_default_step_is_the_central_gradients() -> None:
    x = np.array([0.5, -1.0, 0.25])
    step = float(gradref.default_step(x)[0])
    H = gradref.hessian(f3, x, scheme="complex")
    assert_array_equal(H, gradref.hessian(f3, x, scheme="complex", h=step))


class Counted:
    """Count the calls of f and the points it is evaluated at (stacked rows count one each)."""

    def __init__(self, fun: Any) -> None:
        self.fun, self.calls, self.points = fun, 0, 0

    def __call__(self, x: NDArray[Any]) -> Any:
        self.calls += 1
        self.points += int(np.prod(np.shape(x)[:-1]))
        return self.fun(x)


def evaluations(scheme: gradref.HessianScheme, n: int) -> int:
    """The counts the docstring states."""
    return {
        "central": 2 * n * n + 2 * n + 1,
        "complex": n * n + n,
        "richardson": 3 * n * n + 3 * n,
    }[scheme]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("n", [1, 2, 7])
def test_evaluation_count(scheme: gradref.HessianScheme, n: int) -> None:
    counted = Counted(rosenbrock if n > 1 else lambda p: np.exp(p[..., 0]))
    gradref.hessian(counted, random_point(n), scheme=scheme)
    assert counted.calls == counted.points == evaluations(scheme, n)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_vectorized_calls_come_in_bounded_blocks(scheme: gradref.HessianScheme) -> None:
    # f at the first point alone (its precision sizes the steps), then blocks of at most
    # max(n, 2^18 / n) rows: one more call at n = 20, several at n = 400.
    for n, calls in [(20, 2), (400, 1 - (-(evaluations(scheme, 400) - 1) // 655))]:
        counted = Counted(lambda p: (p * p).sum(axis=-1))
        gradref.hessian(counted, random_point(n), scheme=scheme, vectorized=True)
        assert counted.points == evaluations(scheme, n)
        assert counted.calls == calls


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_function_that_is_not_vectorized_is_caught(scheme: gradref.HessianScheme) -> None:
    # p[0] * p[-1] of a stack is a product of two rows: the wrong shape, never n rows.
    with pytest.raises(
        ValueError, match=r"with vectorized=True, `f` must return one value per row"
    ):
        gradref.hessian(lambda p: p[0] * p[-1], [1.0, 2.0], scheme=scheme, vectorized=True)
    # p[1] of the first point alone, a stack of one row, is out of bounds: the note says why.
    with pytest.raises(IndexError) as info:
        gradref.hessian(lambda p: p[0] * p[1], [1.0, 2.0], scheme=scheme, vectorized=True)
    assert "stacked as rows, shape (1, 2) (vectorized=True" in " ".join(info.value.__notes__)


@given(total=st.integers(1, 3000), size=st.integers(1, 300), n=st.integers(2, 300))
def test_blocks_cover_every_row_once_and_never_n(total: int, size: int, n: int) -> None:
    blocks = _blocks(total, size, n)
    assert [r for b in blocks for r in range(b.start, b.stop)] == list(range(total))
    assert all(b.stop - b.start != n for b in blocks)
    assert all(b.stop - b.start <= max(size + 1, 1) + n for b in blocks)


def test_extra_memory_is_the_size_of_the_result() -> None:
    # At most three blocks of complex points (12 MiB, the f below makes a temporary copy of
    # each) and 128 bytes per entry of the result. Before blocks, the central scheme held
    # all (2n² + 1) × n points: 884 MiB at n = 240. Measured: 6.2, 9.7 and 12.6 MiB.
    n = 240
    x = random_point(n)
    for scheme in SCHEMES:
        tracemalloc.start()
        try:
            gradref.hessian(lambda p: (p * p).sum(axis=-1), x, scheme=scheme, vectorized=True)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak <= 3 * 2**18 * 16 + 128 * n * n, scheme


@pytest.mark.parametrize("scheme", [np.array(["central"]), ["complex"], None, 1])
def test_a_scheme_must_be_a_string(scheme: Any) -> None:
    # np.array(["central"]) used to run the complex scheme; a TypeError, as for gradient.
    with pytest.raises(TypeError, match=r"`scheme` must be a string, one of 'central', 'complex'"):
        gradref.hessian(f, [1.0, 2.0], scheme=scheme)


@pytest.mark.parametrize(
    ("scheme", "h", "smallest"),
    [
        ("central", 1e-10, "2.98e-08"),
        ("complex", 1e-17, "4.44e-16"),
        ("richardson", 1e-16, "1.78e-15"),
    ],
)
def test_a_step_too_small_is_refused(
    scheme: gradref.HessianScheme, h: float, smallest: str
) -> None:
    # Before: h = 1e-10 returned second differences of rounding errors, entries ~1e5.
    why = (
        "`f`'s values of relative precision 2\\.22e-16"
        if scheme == "central"
        else "spacing 2\\.22e-16"
    )
    match = (
        rf"`h` = {h:.3g} is too small for scheme='{scheme}' at x\[0\] = 1 \({why}\)"
        rf": the differences would be rounding alone\. Use h >= {smallest}, or the default step\."
    )
    with pytest.raises(ValueError, match=match):
        gradref.hessian(f, [1.0, 0.5], h=h, scheme=scheme)
    gradref.hessian(f, [1.0, 0.5], h=1.01 * float(smallest), scheme=scheme)  # accepted


def test_a_step_that_overflows_x_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"`x`\[1\] = 1e\+308 moved by the step `h` = 1e\+308 overflows"
    ):
        gradref.hessian(lambda p: p[0], [1.0, 1e308], h=1e308)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_huge_coordinates_are_no_silent_zeros(scheme: gradref.HessianScheme) -> None:
    # Steps scale with |x|; h_i h_j overflowed above |x| ~ 1e154 and the result was 0.
    def product(p: NDArray[Any]) -> Any:
        return (1e-150 * p[0]) * (1e-150 * p[1])

    H = gradref.hessian(product, [1e200, -3e200], scheme=scheme)
    assert np.abs(H - [[0.0, 1e-300], [1e-300, 0.0]]).max() <= 1e-9 * 1e-300


@pytest.mark.parametrize("scheme", ["complex", "richardson"])
def test_one_real_row_in_a_complex_stack_is_refused(scheme: gradref.HessianScheme) -> None:
    # abs() on a branch: the points with x_0 >= 0 return a real number. The imaginary part
    # those rows dropped was silently taken as 0.
    def branchy(p: NDArray[Any]) -> Any:
        return p @ p if p[0].real < 0 else abs(p[0]) ** 2 + abs(p[1]) ** 2

    with pytest.raises(TypeError, match=r"`f` returned a real number for complex input at x = "):
        gradref.hessian(branchy, [0.0, 1.0], scheme=scheme)


def _coefficients(n: int, shape: Any) -> st.SearchStrategy[NDArray[np.float64]]:
    # Zero or at least 2^-10 in size: the bounds below are for normal numbers, and
    # products of tiny coefficients would underflow.
    element = st.floats(-10.0, 10.0).filter(lambda v: v == 0 or abs(v) >= 2**-10)
    return arrays(np.float64, shape, elements=element)


@given(data=st.data(), n=st.integers(1, 5))
def test_hessian_of_a_quadratic(data: st.DataObject, n: int) -> None:
    # f(x) = xᵀAx has ∇f = (A + Aᵀ)x and ∇²f = A + Aᵀ, for any A, symmetric or not.
    # Its third derivatives vanish, so no scheme has a truncation error: what remains is
    # rounding, bounded here from the steps' bounds, 2^-6.5 <= h_i / max(1, |x_i|) <= 2^-5.5
    # (central, richardson) and >= 2^-18 (complex), with y = |x| + h and S = yᵀ|A|y.
    # - central: each f(x + moves) is xᵀAx to (n + 2)εS (the sums, and x ± h rounded by
    #   ε|x_i|/2, which moves f by at most ε|∇f|_i|x_i|); at the step sh, a diagonal entry
    #   combines 4 of them over (sh_i)², an off-diagonal one 8 over 2 s² h_i h_j; the
    #   extrapolation (4 H(h/2) − H(h)) / 3 multiplies the bound at s = 1 by 16/3 + 1/3.
    # - complex, richardson: each g_j(x + s h_i e_i) = ((A + Aᵀ)(x + s h_i e_i))_j to
    #   (n + 2)ε((|A| + |Aᵀ|)y)_j; they are combined with weights Σ|c| = 1/2 (complex)
    #   and 3.3 (richardson, as in `gradient`), twice (a minus b), over h_i, and mirrored.
    A = data.draw(_coefficients(n, (n, n)))
    x = data.draw(_coefficients(n, n))
    exact = A + A.T

    def quadratic(p: NDArray[Any]) -> Any:
        return p @ A @ p

    scale = np.maximum(1.0, np.abs(x))
    y = np.abs(x) + 2.0**-5.5 * scale
    S = y @ np.abs(A) @ y
    h = 2.0**-6.5 * scale
    central = 17 / 3 * 4 * (n + 2) * EPS * S / np.outer(h, h) + 8 * EPS * np.abs(exact)
    H = gradref.hessian(quadratic, x)
    assert_array_equal(H, H.T)
    assert np.all(np.abs(H - exact) <= central)

    g = (np.abs(A) + np.abs(A.T)) @ y
    schemes: list[tuple[gradref.HessianScheme, float, float]] = [
        ("complex", 0.5, 2.0**-18),
        ("richardson", 3.4, 2.0**-6.5),
    ]
    for scheme, weight, low in schemes:
        one_sided = 2 * weight * (n + 2) * EPS * np.outer(1 / (low * scale), g)
        bound = np.maximum(one_sided, one_sided.T) + 8 * EPS * np.abs(exact)
        H = gradref.hessian(quadratic, x, scheme=scheme)
        assert_array_equal(H, H.T)
        assert np.all(np.abs(H - exact) <= bound)


def test_a_step_per_coordinate_moves_each_coordinate_by_its_own() -> None:
    x = np.array([0.7, -1.3])
    h = np.array([2.0**-4, 2.0**-9])
    seen: list[NDArray[np.float64]] = []

    def quadratic(p: NDArray[np.float64]) -> float:
        seen.append(np.array(p, dtype=np.float64))
        return float(3 * p[0] ** 2 + 2 * p[0] * p[1] - p[1] ** 2)

    H = gradref.hessian(quadratic, x, h=h)
    # Second differences of a quadratic are exact to rounding, whatever the steps.
    np.testing.assert_allclose(H, [[6.0, 2.0], [2.0, -2.0]], rtol=0, atol=1e-9)
    moves = np.abs(np.array(seen) - x)
    for i in range(2):
        moved = moves[:, i][moves[:, i] > 0]
        # The seven-point formula at h_i and h_i / 2: every move a multiple of h_i / 2.
        assert moved.min() == h[i] / 2
        assert_array_equal(moved / (h[i] / 2), np.round(moved / (h[i] / 2)))


@pytest.mark.parametrize("scheme", ["complex", "richardson"])
@pytest.mark.parametrize("scale", [1e-290, 1e-300, 1e-305, 1e-308])
def test_subnormal_imaginary_parts_bound_the_absolute_error(
    scheme: HessianScheme, scale: float
) -> None:
    # The docstring: where delta_j |df/dx_j| is subnormal, the entries carry an absolute
    # error of up to a few times 2^-1074 / (delta_j h_i); above that, the usual accuracy.
    x = np.array([1.0, 2.0])
    e2 = np.exp(2)
    exact = scale * np.array([[4 + 4 * e2, 2 + 3 * e2], [2 + 3 * e2, e2]])
    H = gradref.hessian(lambda p: scale * f(p), x, scheme=scheme)
    delta = scaled_steps(DIFFERENCES["complex"].step, x)
    h = scaled_steps(HESSIANS[scheme].step, x)
    subnormal = 2.0**-1074 / np.outer(h, delta)
    assert np.all(np.abs(H - exact) <= 1e-9 * np.abs(exact) + 4 * subnormal)
    if scale == 1e-305:  # all of an entry that small
        assert np.abs(H - exact).max() > 0.5 * np.abs(exact).max()
