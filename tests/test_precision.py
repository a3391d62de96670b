"""Default steps sized for the precision of f's values, and for `noise=` (issue 18).

The oracles: exact derivatives from mpmath (40 digits), the error at the best step of a
sweep measured here, and the error model of each scheme (truncation a |f^(k)| h^p, rounding
r eps S / h) for when the default step is meant to be near the best.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.typing import NDArray

import gradref
from gradref import HessianScheme, Scheme
from tests.test_costs import CHECK_COST, GRADIENT_COST, resent

mpmath.mp.dps = 40

# name: (f on a numpy scalar of any dtype, the same f in mpmath)
FUNCTIONS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "exp(sin x)": (lambda q: np.exp(np.sin(q)), lambda t: mpmath.exp(mpmath.sin(t))),
    "exp(x/2)": (lambda q: np.exp(q / 2), lambda t: mpmath.exp(t / 2)),
    "1/(2 + cos x)": (lambda q: 1 / (2 + np.cos(q)), lambda t: 1 / (2 + mpmath.cos(t))),
    "log(1 + x^2) + x": (lambda q: np.log1p(q * q) + q, lambda t: mpmath.log(1 + t * t) + t),
}

# scheme: (p, k, a, r): truncation a |f^(k)| h^p, rounding r eps S / h, where S = |f| +
# |x f'| (f's value rounded, and x rounded inside f). They balance at
# h* = (r eps S / (p a |f^(k)|))^(1/(p+1)).
MODELS: dict[Scheme, tuple[int, int, float, float]] = {
    "forward": (1, 2, 1 / 2, 2.0),
    "backward": (1, 2, 1 / 2, 2.0),
    "central": (2, 3, 1 / 6, 1.0),
    "richardson": (6, 7, 1 / 322560, 4.1),
}
# Where the default step h_d is within these factors of h* (c = h_d / h*), the model puts
# its error within about 3 times the best; richardson's h^6 is steeper, so its window is
# narrower. Outside them (a third derivative near 0, a linear f) the default is not
# meant to be near the best, and the property does not apply.
WINDOWS = {"forward": (1 / 4, 2.0), "backward": (1 / 4, 2.0), "central": (1 / 4, 2.0)}
WINDOWS["richardson"] = (1 / 4, 1.25)


def model_ratio(scheme: Scheme, x: float, eps: float, mp_f: Callable[[Any], Any]) -> float:
    """Return c = h_d / h*: float32's default step over the error model's best step at x."""
    p, k, a, r = MODELS[scheme]
    value, slope, high = (float(mpmath.diff(mp_f, x, n)) for n in (0, 1, k))
    size = abs(value) + abs(x * slope)
    if r * eps * size == 0:  # no rounding in the model: the best step is 0
        return float("inf")
    step = float(gradref.default_step([x], scheme, dtype=np.float32)[0])
    # c = h_d (p a |f^(k)| / (r eps S))^(1/(p+1)): 0 where the truncation term vanishes.
    return float(step * (p * a * abs(high) / (r * eps * size)) ** (1 / (p + 1)))


def rms_error(
    fun: Callable[[NDArray[np.float64]], Any],
    points: NDArray[np.float64],
    exact: list[float],
    scheme: Any,
    h: float | None = None,
    noise: float | None = None,
) -> float:
    """Return the root mean square error of the derivative over `points` (one coordinate).

    A single point can be lucky: rounding cancels truncation at one step, and points
    closer than about 1e-3 share much of their rounding. Over 16 points spread over
    0.02 the error at a step is the typical one.
    """

    def derivative(p: float, step: float | None) -> float:
        return gradref.partial_derivative(fun, [p], 0, h=step, scheme=scheme, noise=noise)

    return rms(derivative, points, exact, h)


def rms(
    derivative: Callable[[float, float | None], float],
    points: NDArray[np.float64],
    exact: list[float],
    h: float | None,
) -> float:
    """Return the root mean square of derivative(p, h max(1, |p|)) - exact over `points`."""
    errors = [
        derivative(p, None if h is None else h * max(1.0, abs(p))) - e
        for p, e in zip(points, exact, strict=True)
    ]
    return float(np.sqrt(np.mean(np.square(errors))))


@given(
    name=st.sampled_from(sorted(FUNCTIONS)),
    x=st.floats(-3.0, 3.0),
    scheme=st.sampled_from(sorted(MODELS)),
)
def test_float32_default_step_is_within_10x_of_the_best(name: str, x: float, scheme: Any) -> None:
    np_f, mp_f = FUNCTIONS[name]
    eps = float(np.finfo(np.float32).eps)
    low, high = WINDOWS[scheme]
    assume(low <= model_ratio(scheme, x, eps, mp_f) <= high)

    def f32(p: NDArray[np.float64]) -> Any:
        return np_f(np.float32(p[0]))

    points = x + np.linspace(-1e-2, 1e-2, 16)  # c hardly changes across them
    exact = [float(mpmath.diff(mp_f, p)) for p in points]
    default = rms_error(f32, points, exact, scheme)
    base = float(gradref.default_step([1.0], scheme, dtype=np.float32)[0])
    sweep = base * 2.0 ** np.arange(-5.0, 5.01, 0.5)
    best = min(rms_error(f32, points, exact, scheme, h=h) for h in sweep)
    assert default <= 10 * best


def test_float32_steps_follow_the_rule() -> None:
    # eps^(1/(p+1)) for the real schemes (richardson: 2^-6 (eps / 2^-52)^(1/7)), rounded
    # to a power of two; the complex step's does not depend on the precision. The
    # unrounded float32 values are those default_step's docstring states.
    eps = float(np.finfo(np.float32).eps)
    assert [f"{c:.1e}" for c in [eps**0.5, eps ** (1 / 3)]] == ["3.5e-04", "4.9e-03"]
    assert f"{2.0**-6 * (eps / 2.0**-52) ** (1 / 7):.2f}" == "0.28"
    expected: dict[Scheme, float] = {
        "forward": eps ** (1 / 2),
        "backward": eps ** (1 / 2),
        "central": eps ** (1 / 3),
        "richardson": 2.0**-6 * (eps / 2.0**-52) ** (1 / 7),
        "complex": 2.0**-60,
    }
    for scheme, c in expected.items():
        step = gradref.default_step([0.5, 8.0], scheme, dtype=np.float32)
        assert step.tolist() == [2.0 ** round(np.log2(c)), 2.0 ** round(np.log2(8 * c))]
    assert gradref.default_step([1.0], "central", dtype=np.float32)[0] == 2.0**-8


@pytest.mark.parametrize(
    "dtype", [np.float64, np.longdouble, np.int64, np.int32, bool, float, int, None]
)
def test_float64_and_more_precise_or_exact_values_keep_float64_steps(dtype: Any) -> None:
    # Values are differenced in float64: a longdouble counts as float64, and so do integers.
    for scheme in MODELS:
        assert np.array_equal(
            gradref.default_step([0.5, 8.0], scheme, dtype=dtype),
            gradref.default_step([0.5, 8.0], scheme),
        )


def test_noise_replaces_eps_unless_the_dtype_is_noisier() -> None:
    unrounded: dict[Scheme, float] = {
        "forward": 1e-6**0.5,
        "backward": 1e-6**0.5,
        "central": 1e-6 ** (1 / 3),
    }
    unrounded["richardson"] = 2.0**-6 * (1e-6 / 2.0**-52) ** (1 / 7)
    for scheme, c in unrounded.items():
        by_noise = gradref.default_step([1.0], scheme, noise=1e-6)[0]
        base = gradref.default_step([1.0], scheme)[0]
        assert by_noise == 2.0 ** round(np.log2(c))
        # below float64's precision, noise changes nothing; below float32's, the dtype rules
        assert gradref.default_step([1.0], scheme, noise=1e-20)[0] == base
        assert (
            gradref.default_step([1.0], scheme, noise=1e-9, dtype=np.float32)[0]
            == gradref.default_step([1.0], scheme, dtype=np.float32)[0]
        )


def test_functions_use_the_step_of_their_values_precision() -> None:
    # The same f in float32, float16 and float64: each gets default_step(x, dtype=...),
    # seen through the points it is called at.
    x = np.array([0.7, -2.5])
    for dtype in [np.float16, np.float32, np.float64, np.longdouble, int]:
        real: list[Scheme] = ["forward", "backward", "central"]
        for scheme in real:
            seen: list[NDArray[np.float64]] = []

            def f(p: NDArray[np.float64], dtype: Any = dtype, seen: list[Any] = seen) -> Any:
                seen.append(p.copy())
                return dtype(np.sin(p).sum())

            gradref.gradient(f, x, scheme=scheme)
            steps = gradref.default_step(x, scheme, dtype=dtype)
            moved = [float(np.abs(p - x).max()) for p in seen]
            if dtype in (np.float16, np.float32):  # the probe, at float64's step, first
                assert moved[0] == gradref.default_step(x, scheme)[0]
                moved = moved[1:]
            assert set(moved) - {0.0} == set(steps.tolist())


def hashed_noise(p: NDArray[np.float64]) -> float:
    """Return a deterministic pseudo-random number in [-1, 1) for the point p."""
    digest = hashlib.blake2b(np.asarray(p, dtype=np.float64).tobytes(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2.0**63 - 1.0


DELTA = 1e-7  # the noisy function's relative noise


def noisy(p: NDArray[np.float64]) -> float:
    """exp(sin x) + y^2 / 4, with a relative noise of DELTA, the same at the same point."""
    value = np.exp(np.sin(p[0])) + p[1] ** 2 / 4
    return float(value * (1 + DELTA * hashed_noise(p)))


def noisy_gradient(p: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.array([np.exp(np.sin(p[0])) * np.cos(p[0]), p[1] / 2])


@pytest.mark.parametrize("scheme", sorted(MODELS))
def test_noise_sets_a_step_near_the_best_for_a_noisy_f(scheme: Any) -> None:
    rng = np.random.default_rng(18)
    for x0 in rng.uniform(-2.0, 2.0, 4):
        points = x0 + np.linspace(-1e-3, 1e-3, 8)
        exact = [float(np.exp(np.sin(p)) * np.cos(p)) for p in points]

        def along_x(p: NDArray[np.float64]) -> float:
            return noisy(np.array([p[0], 0.5]))

        with_noise = rms_error(along_x, points, exact, scheme, noise=DELTA)
        without = rms_error(along_x, points, exact, scheme)
        base = float(gradref.default_step([1.0], scheme, noise=DELTA)[0])
        sweep = base * 2.0 ** np.arange(-6.0, 6.01, 0.5)
        best = min(rms_error(along_x, points, exact, scheme, h=h) for h in sweep)
        assert with_noise <= 10 * best
        assert without > 10 * with_noise  # float64's step is far too small for this f


@pytest.mark.parametrize("delta", [1e-5, 1e-7, 1e-9])
def test_check_gradient_with_noise_passes_the_right_gradient_and_fails_a_wrong_one(
    delta: float,
) -> None:
    # check_gradient's docstring: with noise = delta, central tolerances are at most
    # about 20 delta^(2/3) (|f| + sum_j |x_j g_j|), the error of central differences at
    # their best step being of order delta^(2/3) |f|; a mistake 3 times that fails.
    def f(p: NDArray[np.float64]) -> float:
        value = np.exp(np.sin(p[0])) + p[1] ** 2 / 4
        return float(value * (1 + delta * hashed_noise(p)))

    rng = np.random.default_rng(1818)
    for x in rng.uniform(-2.0, 2.0, (6, 2)):
        right = gradref.check_gradient(f, noisy_gradient, x, noise=delta)
        assert right.passed
        size = abs(f(x)) + np.abs(x * noisy_gradient(x)).sum()
        bound = 20 * delta ** (2 / 3) * size
        assert right.tolerances.max() <= bound
        for i in range(2):

            def wrong(
                p: NDArray[np.float64], i: int = i, bound: float = bound
            ) -> NDArray[np.float64]:
                g = noisy_gradient(p)
                g[i] += 3 * bound
                return g

            assert not gradref.check_gradient(f, wrong, x, noise=delta).passed
        # Without noise=, float64's step is far too small: the check refuses a verdict,
        # fails the right gradient, or its tolerances are the noise amplified.
        try:
            plain = gradref.check_gradient(f, noisy_gradient, x)
        except ValueError as err:
            refused = str(err)
        else:
            refused = ""
            assert not plain.passed or np.all(plain.tolerances > 2 * right.tolerances)
        assert refused == "" or "cannot judge component" in refused


def test_check_gradient_rounding_terms_use_float32_precision() -> None:
    # A float32 f: the right gradient passes, a 0.1 % mistake fails (with float64's
    # step and eps it passed: its tolerances were a few percent).
    def f32(p: NDArray[np.float64]) -> Any:
        q = np.asarray(p, dtype=np.float32)
        return q[0] ** 2 * q[1] + np.exp(q[0] * q[1])

    def grad(p: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = p
        return np.array([2 * x * y + y * np.exp(x * y), x**2 + x * np.exp(x * y)])

    rng = np.random.default_rng(32)
    for x in rng.uniform(-1.0, 1.0, (5, 2)):
        assert gradref.check_gradient(f32, grad, x).passed
        assert not gradref.check_gradient(f32, lambda p: grad(p) * 1.01, x).passed


class Counted:
    """sin(x).sum() + (x^2).sum() in a given dtype, counting the points it is called at."""

    def __init__(self, dtype: Any) -> None:
        self.points = 0
        self.dtype = dtype

    def __call__(self, x: NDArray[Any]) -> Any:
        self.points += int(np.prod(x.shape[:-1]))
        value = np.sin(x).sum(axis=-1) + (x**2).sum(axis=-1)
        if np.iscomplexobj(value):  # the complex step: complex64 for float32
            return np.asarray(value, dtype=np.result_type(self.dtype, np.complex64))
        return np.asarray(value, dtype=self.dtype)


@pytest.mark.parametrize("vectorized", [False, True])
@pytest.mark.parametrize("scheme", sorted(GRADIENT_COST))
@pytest.mark.parametrize("n", [1, 3, 7])
def test_a_less_precise_f_costs_one_evaluation_more(n: int, scheme: Any, vectorized: bool) -> None:
    x = np.linspace(0.3, 1.1, n)
    cost = GRADIENT_COST[scheme](n) + resent(scheme, n, vectorized)
    extra = scheme != "complex"  # the probe at float64's step, not reused
    for dtype, more in [(np.float64, 0), (np.float32, extra), (np.float16, extra)]:
        f = Counted(dtype)
        gradref.gradient(f, x, scheme=scheme, vectorized=vectorized)
        assert f.points == cost + more
        if scheme != "complex":
            # noise at least f's precision: the probe is at the final step, and reused
            f = Counted(dtype)
            gradref.gradient(f, x, scheme=scheme, vectorized=vectorized, noise=1e-3)
            assert f.points == cost
    f = Counted(np.float32)
    gradref.directional_derivative(f, x, np.ones(n) / np.sqrt(n), scheme=scheme)
    assert f.points == {"richardson": 6, "complex": 1}.get(scheme, 2) + extra


@pytest.mark.parametrize("scheme", ["central", "forward", "complex"])
def test_check_gradient_costs_the_same_for_float32(scheme: Any) -> None:
    n = 3
    f = Counted(np.float32)
    gradref.check_gradient(f, lambda p: np.cos(p) + 2 * p, np.linspace(0.3, 1.1, n), scheme=scheme)
    assert f.points == CHECK_COST[scheme](n)


def test_a_less_precise_value_after_the_first_is_refused() -> None:
    calls: list[int] = []

    def mixed(p: NDArray[np.float64]) -> Any:
        calls.append(1)
        value = np.sin(p).sum()
        return value if len(calls) == 1 else np.float32(value)

    match = r"`f` returned values of relative precision 1.19e-07 .* sized for 2.22e-16"
    with pytest.raises(ValueError, match=match):
        gradref.gradient(mixed, [0.5, 1.5])
    calls.clear()
    with pytest.raises(ValueError, match=match):
        gradref.check_gradient(mixed, np.cos, [0.5, 1.5])
    # More precise later values, or a given step, or noise covering them: accepted.
    calls.clear()

    def flipped(p: NDArray[np.float64]) -> Any:  # float32 first, float64 after
        calls.append(1)
        return np.float32(np.sin(p).sum()) if len(calls) == 1 else np.sin(p).sum()

    assert abs(gradref.gradient(flipped, [0.5])[0] - np.cos(0.5)) < 1e-4
    calls.clear()
    assert abs(gradref.gradient(mixed, [0.5], h=2.0**-8)[0] - np.cos(0.5)) < 1e-4
    calls.clear()
    assert abs(gradref.gradient(mixed, [0.5], noise=1e-6)[0] - np.cos(0.5)) < 1e-4


BAD_NOISE = [
    (0, ValueError, r"`noise` must be positive, got 0\.0\."),
    (-1, ValueError, r"`noise` must be positive, got -1\.0\."),
    (np.nan, ValueError, r"`noise` must be finite, got nan\."),
    (np.inf, ValueError, r"`noise` must be finite, got inf\."),
    (1.0, ValueError, r"`noise` must be below 1 \(a relative noise of 1 or more leaves no"),
    (1e6, ValueError, r"`noise` must be below 1 .*got 1000000\.0\."),
    ("x", TypeError, r"`noise` must be a real number, got str\."),
    (True, TypeError, r"`noise` must be a real number, got bool\."),
    (1e-6 + 0j, TypeError, r"`noise` must be a real number, got complex\."),
]


def _calls(noise: Any, **kwargs: Any) -> list[Callable[[], Any]]:
    f = lambda p: np.sin(p).sum()  # noqa: E731
    x = [0.5, 1.5]
    return [
        lambda: gradref.partial_derivative(f, x, 0, noise=noise, **kwargs),
        lambda: gradref.gradient(f, x, noise=noise, **kwargs),
        lambda: gradref.jacobian(lambda p: np.sin(p), x, noise=noise, **kwargs),
        lambda: gradref.directional_derivative(f, x, [0.6, 0.8], noise=noise, **kwargs),
        lambda: gradref.check_gradient(f, np.cos, x, noise=noise, **kwargs),
        lambda: gradref.default_step(x, noise=noise, **kwargs),
        lambda: gradref.hessian(f, x, noise=noise, **kwargs),
    ]


@pytest.mark.parametrize(("noise", "error", "match"), BAD_NOISE)
def test_bad_noise(noise: Any, error: type[Exception], match: str) -> None:
    for call in _calls(noise):
        with pytest.raises(error, match=match):
            call()


def test_noise_with_h_or_the_complex_step_is_refused() -> None:
    calls = _calls(1e-6, h=1e-3)
    for call in calls[:-2] + calls[-1:]:  # default_step takes no h
        with pytest.raises(ValueError, match=r"pass `h` or `noise`, not both"):
            call()
    # hessian's "complex" differences the complex-step gradient: noise sizes its step.
    for call in _calls(1e-6, scheme="complex")[:-1]:
        with pytest.raises(ValueError, match=r"`noise` sets the step of a real scheme"):
            call()


@pytest.mark.parametrize(
    ("dtype", "match"),
    [
        ("no such type", r"`dtype` must be a numpy dtype, got 'no such type'\."),
        (np.complex64, r"`dtype` must be the dtype of real numbers \(f's values\), got complex64"),
        (object, r"`dtype` must be the dtype of real numbers .*got object\."),
        ("U3", r"`dtype` must be the dtype of real numbers .*got <U3\."),
    ],
)
def test_bad_dtype(dtype: Any, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        gradref.default_step([1.0], dtype=dtype)


def test_richardson_note_names_its_reach_when_the_probe_fails() -> None:
    def log(p: NDArray[np.float64]) -> Any:
        return np.float32(np.log(p[0])) if p[0] > 0 else np.nan

    with pytest.raises(ValueError, match=r"`f` returned nan") as info:
        gradref.partial_derivative(log, [0.01], 0, scheme="richardson")
    assert "scheme='richardson' evaluates `f` up to h = 0.0156" in " ".join(info.value.__notes__)


# hessian's schemes: the error model of "central" on the diagonal (here n = 1) is
# truncation |f^(6)| h^4 / 1440 and rounding (32/3) eps S / h^2, S = |f| + |x f'|; they
# balance at h* = (7680 eps S / |f^(6)|)^(1/6). "complex" and "richardson" are the
# gradient's central and richardson schemes applied to g = f', whose rounding is
# eps (|f'| + |x f''|): MODELS with f replaced by f'.
HESSIAN_GRADIENTS: dict[str, Scheme] = {"complex": "central", "richardson": "richardson"}
# Within these factors of h*, the model puts the default's error within about 4 times
# the best: (2 / c^2 + c^4) / 3 <= 4.2 for central; WINDOWS for the others.
HESSIAN_WINDOWS = {"central": (2 / 5, 3 / 2)} | {
    scheme: WINDOWS[of] for scheme, of in HESSIAN_GRADIENTS.items()
}


def hessian_model_ratio(scheme: str, x: float, mp_f: Callable[[Any], Any]) -> float:
    """Return c = h_d / h*: hessian's float32 default step over the model's best step at x."""
    eps = float(np.finfo(np.float32).eps)
    step = hessian_default_step(scheme)
    if scheme == "central":
        value, slope, high = (float(mpmath.diff(mp_f, x, n)) for n in (0, 1, 6))
        rounding = 7680 * eps * (abs(value) + abs(x * slope))
        if rounding == 0:  # no rounding in the model (or below 2^-1074): the best step is 0
            return float("inf")
        return float(step * (abs(high) / rounding) ** (1 / 6))
    p, k, a, r = MODELS[HESSIAN_GRADIENTS[scheme]]
    slope, second, high = (float(mpmath.diff(mp_f, x, n)) for n in (1, 2, k + 1))
    rounding = r * eps * (abs(slope) + abs(x * second))
    if rounding == 0:  # no rounding in the model (or below 2^-1074): the best step is 0
        return float("inf")
    return float(step * (p * a * abs(high) / rounding) ** (1 / (p + 1)))


def hessian_default_step(scheme: str, single: bool = True) -> float:
    """Return hessian's default step at |x| <= 1 for an f in float32 (or float64, not
    `single`), found from its points."""
    moved: list[float] = []

    def square(p: NDArray[Any]) -> Any:
        moved.append(float(abs(p[0].real - 0.25)))
        return (to_float32(p) if single else p)[0] ** 2

    gradref.hessian(square, [0.25], scheme=scheme)  # type: ignore[arg-type]
    return max(moved)  # the farthest point is at the full step (offsets up to 1)


def to_float32(p: NDArray[Any]) -> NDArray[Any]:
    """Return p in float32, or complex64 for a complex point (f then computes in float32)."""
    return np.asarray(p).astype(np.complex64 if np.iscomplexobj(p) else np.float32)


def rms_second(
    fun: Callable[[NDArray[Any]], Any],
    points: NDArray[np.float64],
    exact: list[float],
    scheme: Any,
    h: float | None = None,
    noise: float | None = None,
) -> float:
    """Return the root mean square error of hessian's f'' over `points` (n = 1)."""

    def second(p: float, step: float | None) -> float:
        return float(gradref.hessian(fun, [p], h=step, scheme=scheme, noise=noise)[0, 0])

    return rms(second, points, exact, h)


@given(
    name=st.sampled_from(sorted(FUNCTIONS)),
    x=st.floats(-1.0, 1.0),
    scheme=st.sampled_from(sorted(HESSIAN_WINDOWS)),
)
def test_float32_hessian_default_step_is_within_10x_of_the_best(
    name: str, x: float, scheme: Any
) -> None:
    np_f, mp_f = FUNCTIONS[name]
    low, high = HESSIAN_WINDOWS[scheme]
    assume(low <= hessian_model_ratio(scheme, x, mp_f) <= high)

    def f32(p: NDArray[Any]) -> Any:
        return np_f(to_float32(p)[0])

    points = x + np.linspace(-1e-2, 1e-2, 16)
    exact = [float(mpmath.diff(mp_f, p, 2)) for p in points]
    default = rms_second(f32, points, exact, scheme)
    sweep = hessian_default_step(scheme) * 2.0 ** np.arange(-5.0, 5.01, 0.5)
    best = min(rms_second(f32, points, exact, scheme, h=h) for h in sweep)
    assert default <= 10 * best


HESSIAN_SCHEMES: list[HessianScheme] = ["central", "complex", "richardson"]
# hessian's float64 default steps at |x| <= 1, before rounding to a power of two.
FLOAT64_STEPS = {"central": 2.0**-6, "complex": float(np.finfo(float).eps) ** (1 / 3)}
FLOAT64_STEPS["richardson"] = 2.0**-6


def test_the_float32_hessian_property_applies_to_features_of_width_one_half() -> None:
    # The property above is about the default step, where it is near the best: for
    # exp(sin x), whose derivatives grow like those of features of width 1/2, it is at
    # most points of [-1, 1] for every scheme, all but where a derivative the model
    # needs nears 0 (float64's steps, or steps sized by eps^(1/6) from 2^-6, are at none:
    # c = 0.06 and 1.9 at x = 0 for "central").
    mp_f = FUNCTIONS["exp(sin x)"][1]
    for scheme, (low, high) in HESSIAN_WINDOWS.items():
        ratios = [hessian_model_ratio(scheme, x, mp_f) for x in np.linspace(-1.0, 1.0, 9)]
        assert sum(low <= c <= high for c in ratios) >= 7, (scheme, ratios)


def worked_example_32(p: NDArray[Any]) -> Any:
    """The running example x^2 y + e^(xy), computed in float32 (complex64 at complex points)."""
    q = to_float32(p)
    return q[0] ** 2 * q[1] + np.exp(q[0] * q[1])


@pytest.mark.parametrize("scheme", HESSIAN_SCHEMES)
def test_float32_running_example_default_is_within_10x_of_the_best(scheme: Any) -> None:
    # hessian's docstring: before, the default step was float64's, 1.4e-3 (central).
    e = float(mpmath.exp(2))
    exact = np.array([[4 + 4 * e, 2 + 3 * e], [2 + 3 * e, e]])  # at (1, 2)

    def error(**kwargs: Any) -> float:
        hess = gradref.hessian(worked_example_32, [1.0, 2.0], scheme=scheme, **kwargs)
        return float(np.abs(hess - exact).max() / np.abs(exact).max())

    base = hessian_default_step(scheme)
    steps = base * 2.0 ** np.arange(-5.0, 5.01, 0.5)
    best = min(error(h=np.array([1.0, 2.0]) * h) for h in steps)
    assert error() <= 10 * best
    assert error() < error(h=np.array([1.0, 2.0]) * FLOAT64_STEPS[scheme]) / 4


def test_hessian_steps_follow_the_rule() -> None:
    # float64's are unchanged (the docs and benchmarks depend on them): 2^-6, eps^(1/3)
    # rounded (2^-17), 2^-6. float32's, from eps = 2^-23 (hessian's docstring):
    # (120 eps)^(1/6) = 2^-2.68, eps^(1/3) = 2^-7.67, 2^-6 (2^29)^(1/7) = 2^-1.86.
    eps = 2.0**-23
    rules = {
        "central": (120 * eps) ** (1 / 6),
        "complex": eps ** (1 / 3),
        "richardson": 2.0**-6 * (eps / 2.0**-52) ** (1 / 7),
    }
    for scheme in HESSIAN_SCHEMES:
        assert hessian_default_step(scheme, single=False) == 2.0 ** np.round(
            np.log2(FLOAT64_STEPS[scheme])
        )
        assert hessian_default_step(scheme) == 2.0 ** np.round(np.log2(rules[scheme]))
    assert [hessian_default_step(s) for s in HESSIAN_SCHEMES] == [2.0**-3, 2.0**-8, 2.0**-2]


class CountedSin:
    """sum sin x_i + x_0 x_(n-1), in float32 if `single`, counting its points."""

    def __init__(self, single: bool) -> None:
        self.single, self.points = single, 0

    def __call__(self, p: NDArray[Any]) -> Any:
        self.points += 1
        q = to_float32(p) if self.single else p
        return np.sin(q).sum() + q[0] * q[-1]


@pytest.mark.parametrize("scheme", HESSIAN_SCHEMES)
@pytest.mark.parametrize("n", [1, 3])
def test_float32_hessian_costs(scheme: Any, n: int) -> None:
    # "central" evaluates f(x) first and reuses it: 2n^2 + 2n + 1 whatever the dtype.
    # The complex schemes probe their first point at float64's steps: reused in float64,
    # one evaluation more for a float32 f, whose steps are larger.
    expected = {"central": 2 * n * n + 2 * n + 1, "complex": n * n + n}
    expected["richardson"] = 3 * n * n + 3 * n
    for single, more in [(False, 0), (True, int(scheme != "central"))]:
        f = CountedSin(single)
        gradref.hessian(f, np.linspace(0.3, 0.9, n), scheme=scheme)
        assert f.points == expected[scheme] + more


def test_hessian_refuses_a_step_too_small_for_float32_values() -> None:
    # "central" refuses h/2 < sqrt(eps) max(1, |x_i|), eps f(x)'s precision: 2^-11.5 = 3.5e-4
    # in float32, so h = 5e-4 is refused there (h >= 6.91e-4) and accepted in float64.
    x = [1.0, 0.5]
    with pytest.raises(
        ValueError,
        match=r"`h` = 0\.0005 is too small .*\(`f`'s values of relative precision 1\.19e-07\)"
        r".*Use h >= 0\.000691,",
    ):
        gradref.hessian(worked_example_32, x, h=5e-4)
    gradref.hessian(worked_example_32, x, h=6.91e-4)
    gradref.hessian(lambda p: p[0] ** 2 * p[1] + np.exp(p[0] * p[1]), x, h=5e-4)


def test_a_less_precise_value_later_is_refused_by_hessian() -> None:
    # f(x) in float64 sizes float64's steps; a float32 value after it would need larger ones.
    def mixed(p: NDArray[np.float64]) -> Any:
        value = np.sin(p).sum()
        return value if np.array_equal(p, [0.5, 1.5]) else np.float32(value)

    with pytest.raises(ValueError, match=r"`f` returned values of relative precision 1\.19e-07"):
        gradref.hessian(mixed, [0.5, 1.5])
    gradref.hessian(mixed, [0.5, 1.5], noise=1e-6)  # sized for the noisier: accepted


def noisy_1d(p: NDArray[np.float64]) -> float:
    """exp(sin x), with a relative noise of DELTA, the same at the same point."""
    return float(np.exp(np.sin(p[0])) * (1 + DELTA * hashed_noise(p)))


@pytest.mark.parametrize("scheme", ["central"])
def test_noise_sets_a_hessian_step_near_the_best_for_a_noisy_f(scheme: Any) -> None:
    mp_f = FUNCTIONS["exp(sin x)"][1]
    rng = np.random.default_rng(18)
    for x0 in rng.uniform(-1.0, 1.0, 4):
        points = x0 + np.linspace(-1e-3, 1e-3, 8)
        exact = [float(mpmath.diff(mp_f, p, 2)) for p in points]

        with_noise = rms_second(noisy_1d, points, exact, scheme, noise=DELTA)
        without = rms_second(noisy_1d, points, exact, scheme)
        sweep = 2.0 ** np.arange(-9.0, 0.01, 0.5)
        best = min(rms_second(noisy_1d, points, exact, scheme, h=h) for h in sweep)
        assert with_noise <= 10 * best
        assert without > 10 * with_noise  # float64's step is far too small for this f


def test_an_object_array_from_f_is_refused_as_before() -> None:
    with pytest.raises(TypeError, match=r"`f` must return a number, got dtype object"):
        gradref.gradient(lambda p: np.array(p.sum(), dtype=object), [0.5, 1.5])


def test_complex64_through_asarray_is_seen_by_the_complex_step() -> None:
    # check_gradient's docstring: np.asarray(p, dtype=np.complex64) returns complex64
    # values, whose precision is taken; .astype on gradref's complex points does not.
    def f64(p: NDArray[Any]) -> Any:
        q = np.asarray(p, dtype=np.complex64)
        return np.sum(np.sin(q) * np.exp(q))

    def grad(p: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(np.exp(p) * (np.sin(p) + np.cos(p)))

    check = gradref.check_gradient(f64, grad, [0.3, 0.8], scheme="complex")
    assert check.passed
    assert check.tolerances.min() > 1e-6  # float32's precision, not float64's
