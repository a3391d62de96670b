"""Test functions with exact derivatives, and points to evaluate them at: the one place
the tests and the benchmark (benchmarks/accuracy.py) take them from.

The named problems are the benchmark's and the Accuracy page's: Rosenbrock (scipy's
`rosen`), the smooth chain F, log-sum-exp, each over the last axis so that they take one
point or a stack of points, with exact gradients and Hessians (mpmath at 40 digits,
rounded once, or scipy's own).

`Smooth` is a random member of the family

    f(x) = sum_j a_j sin(w_j . x + p_j) + c exp(v . x)

whose gradient and directional derivatives of every order are known in closed form, so
the tests compare `gradref` with exact values rather than with another numerical method,
and bound what they cannot compute (higher derivatives near x, rounding) exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import exp
from typing import Any

import mpmath
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.typing import NDArray
from scipy.optimize import rosen, rosen_der

from gradref import Scheme


def random_point(n: int, seed: int = 0) -> NDArray[np.float64]:
    """A fixed pseudo-random point of [-2, 2]^n."""
    return np.random.default_rng(seed).uniform(-2.0, 2.0, n)


def normwise_error(g: NDArray[np.float64], exact: NDArray[np.float64]) -> float:
    """‖g − g*‖∞ / ‖g*‖∞."""
    return float(np.abs(g - exact).max() / np.abs(exact).max())


# --- The named problems ------------------------------------------------------------------

DIGITS = 40  # mpmath's working precision for the exact values


def rosenbrock(x: NDArray[Any]) -> Any:
    """scipy's `rosen` over the last axis: one point (n,) or a stack of points (m, n)."""
    return rosen(np.moveaxis(x, -1, 0))


def rosenbrock_gradient(x: NDArray[Any]) -> Any:
    """scipy's `rosen_der` over the last axis."""
    return np.moveaxis(rosen_der(np.moveaxis(x, -1, 0)), 0, -1)


def smooth_function(x: NDArray[Any]) -> Any:
    """F(x) = Σ exp(sin(x_i) x_{i+1}) + log(1 + ‖x‖²), over the last axis."""
    chain = np.exp(np.sin(x[..., :-1]) * x[..., 1:]).sum(axis=-1)
    return chain + np.log1p((x * x).sum(axis=-1))


def smooth_gradient(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """∇F by hand in float64: each link exp(sin(x_i) x_{i+1}) feeds components i, i + 1."""
    link = np.exp(np.sin(x[:-1]) * x[1:])
    g = 2 * x / (1 + x @ x)
    g[:-1] += link * np.cos(x[:-1]) * x[1:]
    g[1:] += link * np.sin(x[:-1])
    return g


def exact_smooth_gradient(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """∇F written by hand and evaluated in mpmath, rounded once to float64."""
    with mpmath.workdps(DIGITS):
        p = [mpmath.mpf(float(v)) for v in x]
        scale = 2 / (1 + mpmath.fsum(v * v for v in p))
        g = [scale * v for v in p]
        for i in range(len(p) - 1):
            link = mpmath.exp(mpmath.sin(p[i]) * p[i + 1])
            g[i] += link * mpmath.cos(p[i]) * p[i + 1]
            g[i + 1] += link * mpmath.sin(p[i])
        return np.array([float(v) for v in g])


def log_sum_exp(x: NDArray[Any]) -> Any:
    """log Σ exp(x_i), over the last axis (computed as written: no overflow for |x| ≤ 2)."""
    return np.log(np.exp(x).sum(axis=-1))


def log_sum_exp_gradient(x: NDArray[Any]) -> Any:
    """The softmax exp(x_i) / Σ exp(x_j), over the last axis, in float64."""
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def exact_log_sum_exp_gradient(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """The softmax exp(x_i) / Σ exp(x_j), in mpmath, rounded once."""
    with mpmath.workdps(DIGITS):
        e = [mpmath.exp(mpmath.mpf(float(v))) for v in x]
        total = mpmath.fsum(e)
        return np.array([float(v / total) for v in e])


def exact_log_sum_exp_hessian(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """diag(p) − ppᵀ with p the softmax of x, in mpmath, rounded once."""
    with mpmath.workdps(DIGITS):
        e = [mpmath.exp(mpmath.mpf(float(v))) for v in x]
        total = mpmath.fsum(e)
        p = [v / total for v in e]
        n = len(p)
        return np.array(
            [[float((p[i] if i == j else 0) - p[i] * p[j]) for j in range(n)] for i in range(n)]
        )


def exact_worked_gradient(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """The running example's (2xy + y e^{xy}, x² + x e^{xy}) in mpmath, rounded once."""
    with mpmath.workdps(DIGITS):
        a, b = (mpmath.mpf(float(v)) for v in x)
        e = mpmath.exp(a * b)
        return np.array([float(2 * a * b + b * e), float(a * a + a * e)])


def exact_worked_hessian() -> NDArray[np.float64]:
    """The running example's [[2y + y²e^{xy}, 2x + (1 + xy)e^{xy}], [·, x²e^{xy}]] at (1, 2)."""
    with mpmath.workdps(DIGITS):
        e2 = mpmath.exp(2)
        entries = [[4 + 4 * e2, 2 + 3 * e2], [2 + 3 * e2, e2]]
        return np.array([[float(v) for v in row] for row in entries])


@dataclass(frozen=True)
class Smooth:
    a: NDArray[np.float64]  # (m,)
    w: NDArray[np.float64]  # (m, n)
    p: NDArray[np.float64]  # (m,)
    c: float
    v: NDArray[np.float64]  # (n,)

    def __call__(self, x: NDArray[Any]) -> Any:
        return self.a @ np.sin(self.w @ x + self.p) + self.c * np.exp(self.v @ x)

    def vectorized(self, xs: NDArray[Any]) -> Any:
        return np.sin(xs @ self.w.T + self.p) @ self.a + self.c * np.exp(xs @ self.v)

    def grad(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return (self.a * np.cos(self.w @ x + self.p)) @ self.w + self.c * np.exp(
            self.v @ x
        ) * self.v

    def derivative(self, x: NDArray[np.float64], i: int, order: int) -> float:
        """The `order`-th derivative along coordinate i (order 1 to 4)."""
        phase = self.w @ x + self.p
        trigs: list[Callable[[NDArray[np.float64]], NDArray[np.float64]]] = [
            np.sin,
            np.cos,
            lambda z: -np.sin(z),
            lambda z: -np.cos(z),
        ]
        trig = trigs[order % 4]
        waves = self.a * trig(phase) * self.w[:, i] ** order
        return float(waves.sum() + self.c * np.exp(self.v @ x) * self.v[i] ** order)

    def derivative_bound(self, x: NDArray[np.float64], i: int, order: int, reach: float) -> float:
        """An upper bound of |∂^order f/∂x_i^order| on the segment x + t e_i, |t| <= reach.

        |sin| and |cos| are at most 1, and e^(v.x + v_i t) <= e^(v.x + |v_i| reach).
        """
        waves = np.abs(self.a) @ np.abs(self.w[:, i]) ** order
        growth = exp(float(self.v @ x) + abs(self.v[i]) * reach)
        return float(waves + abs(self.c) * growth * abs(self.v[i]) ** order)

    def directional_bound(
        self, x: NDArray[np.float64], u: NDArray[np.float64], order: int, reach: float
    ) -> float:
        """An upper bound of |d^order/ds^order f(x + s u)| for |s| <= reach.

        Along u each wave has frequency w_j.u and the exponential rate v.u.
        """
        waves = np.abs(self.a) @ np.abs(self.w @ u) ** order
        rate = abs(float(self.v @ u))
        growth = exp(float(self.v @ x) + rate * reach)
        return float(waves + abs(self.c) * growth * rate**order)

    def rounding_bound(self, x: NDArray[np.float64], reach: float) -> float:
        """An upper bound of |fl(f(y)) - f(y)| for every y within `reach` of x (max-norm).

        The standard model (Higham, Accuracy and Stability, ch. 3): the phase w_j.y + p_j
        is off by at most γ_{n+1}(|w_j|.|y| + |p_j|), which moves sin by as much; sin and
        exp add at most 4 ulps (numpy's SIMD paths promise that), the sum over j γ_m. The
        constant 2(n + m) + 16 covers these terms with a margin of 2. Each operation may
        also underflow, an absolute error of at most 2^-1075 (UNDERFLOW/2).
        """
        m, n = self.w.shape
        y = np.abs(x) + reach
        phases = 1 + np.abs(self.w) @ y + np.abs(self.p)
        growth = exp(float(self.v @ x) + float(np.abs(self.v).sum()) * reach)
        size = np.abs(self.a) @ phases + abs(self.c) * growth * (1 + np.abs(self.v) @ y)
        return float((2 * (n + m) + 16) * (UNIT_ROUNDOFF * float(size) + UNDERFLOW))

    def grad_rounding_bound(self, x: NDArray[np.float64], i: int) -> float:
        """An upper bound of |fl(∂f/∂x_i) - ∂f/∂x_i| at x, for `grad` and the complex step.

        As `rounding_bound`, with each term of the sum weighted by its derivative's factor.
        """
        m, n = self.w.shape
        phases = 1 + np.abs(self.w) @ np.abs(x) + np.abs(self.p)
        size = np.abs(self.a * self.w[:, i]) @ phases + abs(self.c * self.v[i]) * exp(
            float(self.v @ x)
        ) * (1 + np.abs(self.v) @ np.abs(x))
        return float((2 * (n + m) + 16) * (UNIT_ROUNDOFF * float(size) + UNDERFLOW))


UNIT_ROUNDOFF = 2.0**-53
UNDERFLOW = 2.0**-1074  # the spacing of subnormal numbers


def error_model(
    fun: Smooth, x: NDArray[np.float64], i: int, scheme: Scheme, h: float
) -> tuple[float, float, float]:
    """The error of `scheme` at step h, in three parts: the leading term exactly, and
    bounds of the Taylor remainder and of all rounding (of the scheme and of fun.grad).

    With p the order and k = p + 1 the error is ±f^(k)(x) h^p / k! + remainder + rounding,
    so |computed - fun.grad(x)[i]| <= leading + remainder + noise, always.
    """
    slope = fun.derivative_bound(x, i, 1, h)  # |f'| on the segment, so |quotient| too
    widest = max(float(np.abs(fun.w[:, i]).max()), abs(float(fun.v[i])))
    if scheme in ("forward", "backward"):  # ±f''h/2 + f'''(ξ)h^2/6
        leading = abs(fun.derivative(x, i, 2)) * h / 2
        remainder = fun.derivative_bound(x, i, 3, h) * h**2 / 6
    elif scheme == "central":  # f'''h^2/6 + (f5(ξ1) + f5(ξ2))h^4/240
        leading = abs(fun.derivative(x, i, 3)) * h**2 / 6
        remainder = fun.derivative_bound(x, i, 5, h) * h**4 / 120
    else:  # -f'''h^2/6 + sum over odd m >= 5 of ±f_m h^(m-1)/m!, |f_m| <= M5 widest^(m-5)
        leading = abs(fun.derivative(x, i, 3)) * h**2 / 6
        remainder = fun.derivative_bound(x, i, 5, 0.0) * h**4 / 120 * np.exp(widest * h)
    exact_noise = fun.grad_rounding_bound(x, i)  # fun.grad is rounded too
    if scheme == "complex":  # Im f(x + ih)/h is rounded as f' is, scaled by cosh
        m, n = fun.w.shape  # and Im f may underflow, an absolute error then divided by h
        underflow = (2 * (n + m) + 16) * UNDERFLOW / h
        noise = exact_noise * (np.cosh(widest * h) + 1) + 2 * UNIT_ROUNDOFF * slope + underflow
    else:  # two values of f, the rounded offset x_i ± h, the subtraction and division
        values = 2 * fun.rounding_bound(x, h) / h
        offset = 2 * UNIT_ROUNDOFF * (abs(x[i]) + h) / h * slope
        noise = values + offset + 4 * UNIT_ROUNDOFF * slope + exact_noise
    return leading, remainder, noise


def complex_directional_bound(
    fun: Smooth, x: NDArray[np.float64], u: NDArray[np.float64], h: float
) -> float:
    """An upper bound of the error of the complex step along u, Im f(x + ihu)/h, against
    both ∇f(x)·u and its rounded value fun.grad(x) @ u.

    As `error_model`'s complex step for coordinate i, with the coordinates' rounding
    weighted by |u_i| (the phases' imaginary parts are h w_j.u instead of h w_ji), plus:
    the imaginary parts h w_j.u and h v.u are sums of n rounded products, relative error
    γ_n, or an absolute UNDERFLOW/2 where a product h u_i underflows; and the dot product
    fun.grad(x) @ u, γ_n again.
    """
    m, n = fun.w.shape
    widest = max(float(np.abs(fun.w @ u).max()), abs(float(fun.v @ u)))
    leading = fun.directional_bound(x, u, 3, 0.0) * h**2 / 6
    remainder = fun.directional_bound(x, u, 5, 0.0) * h**4 / 120 * np.exp(widest * h)
    weighted = sum(abs(u[i]) * fun.grad_rounding_bound(x, i) for i in range(n))
    growth = abs(fun.c) * exp(float(fun.v @ x))
    along = np.abs(fun.a) @ (np.abs(fun.w) @ np.abs(u)) + growth * (np.abs(fun.v) @ np.abs(u))
    sums = 2 * (n + 1) * UNIT_ROUNDOFF * (float(along) + float(np.abs(fun.grad(x)) @ np.abs(u)))
    lost = np.abs(fun.a) @ np.abs(fun.w).sum(axis=1) + growth * np.abs(fun.v).sum()
    underflow = (2 * (n + m) + 16 + float(lost)) * UNDERFLOW / h
    slope = fun.directional_bound(x, u, 1, h)
    noise = (weighted + sums) * (np.cosh(widest * h) + 1) + 2 * UNIT_ROUNDOFF * slope + underflow
    return float(leading + remainder + noise)


def _vector(n: int, bound: float) -> st.SearchStrategy[NDArray[np.float64]]:
    return arrays(np.float64, n, elements=st.floats(-bound, bound))


@st.composite
def smooth_functions(draw: st.DrawFn, n: int) -> Smooth:
    m = draw(st.integers(1, 3))
    return Smooth(
        a=draw(_vector(m, 2.0)),
        w=draw(arrays(np.float64, (m, n), elements=st.floats(-2.0, 2.0))),
        p=draw(_vector(m, 3.0)),
        c=draw(st.floats(-1.0, 1.0)),
        v=draw(_vector(n, 1.0)),
    )


def points(n: int) -> st.SearchStrategy[NDArray[np.float64]]:
    return _vector(n, 2.0)


# --- A family of hidden-style smooth functions, for the error estimates -------------------
# Each is written once for a module `m` (numpy, or mpmath for the exact values), at n = 3,
# so that the exact gradient is mpmath's high-precision derivative of the same formula.

FAMILY: dict[str, Callable[[Any, Any], Any]] = {
    "exp": lambda x, m: m.exp(0.7 * x[0] - 0.4 * x[1] + 0.2 * x[2]),
    "sin": lambda x, m: m.sin(1.3 * x[0]) * m.cos(0.8 * x[1]) + m.sin(x[2] * x[0]),
    "log": lambda x, m: m.log(1 + x[0] ** 2 + 2 * x[1] ** 2 + x[2] ** 2),
    "rational": lambda x, m: (1 + x[0] * x[1]) / (2 + x[2] ** 2 + x[0] ** 2),
    "product": lambda x, m: x[0] * m.exp(x[1]) * m.sin(x[2]),
    "rosenbrock": lambda x, m: sum(
        100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(2)
    ),
    "chain": lambda x, m: (
        sum(m.exp(m.sin(x[i]) * x[i + 1]) for i in range(2))
        + m.log(1 + x[0] ** 2 + x[1] ** 2 + x[2] ** 2)
    ),
    "log_sum_exp": lambda x, m: m.log(m.exp(x[0]) + m.exp(x[1]) + m.exp(x[2])),
}


def family_function(name: str) -> Callable[[NDArray[Any]], Any]:
    """The member `name` of FAMILY in numpy: one point, real or complex."""
    formula = FAMILY[name]
    return lambda x: formula(x, np)


def family_map(x: NDArray[Any]) -> Any:
    """Every member of FAMILY at once: a map R^3 -> R^8, for the Jacobian."""
    return np.array([formula(x, np) for formula in FAMILY.values()])


def exact_family_gradient(name: str, x: NDArray[np.float64]) -> NDArray[np.float64]:
    """The gradient of FAMILY[name] at x by mpmath's derivative at 40 digits, rounded once.

    mpmath.diff is a difference at 40 digits: where the derivative is exactly 0 it leaves
    about 1e-86 (Rosenbrock at (1, 1, 1)), so take x at random, not at such points.
    """
    formula = FAMILY[name]
    with mpmath.workdps(DIGITS):
        p = [mpmath.mpf(float(v)) for v in x]
        rows = []
        for i in range(len(p)):
            order = tuple(int(j == i) for j in range(len(p)))
            rows.append(float(mpmath.diff(lambda *q: formula(q, mpmath), p, order)))
        return np.array(rows)
