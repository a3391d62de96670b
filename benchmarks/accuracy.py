r"""Accuracy and cost of gradref's gradients next to the numerical-differentiation libraries.

Run it from the repository's top folder with ``make bench``, which installs the
``bench`` extra first, or, once that is installed:

    .venv/bin/python -m benchmarks.accuracy

For the worked example $f(x, y) = x^2 y + e^{xy}$ at $(1, 2)$, Rosenbrock's function
$R(\mathbf{x}) = \sum_{i=1}^{n-1} [100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2]$ and

$$F(\mathbf{x}) = \sum_{i=1}^{n-1} e^{\sin(x_i)\, x_{i+1}} + \log(1 + \|\mathbf{x}\|^2)$$

at n = 10, 100 and 1000 (a fixed pseudo-random point of $[-2, 2]^n$), every method
computes the gradient once, counted, for its error against an exact reference
(`scipy.optimize.rosen_der`, or mpmath at 40 digits), then again, uncounted, for its
median wall time. Every method is timed in each repeat, one after the other, so that
ratios of two methods are taken within one repeat. It sweeps richardson's step constant
from 2^-8 to 2^-4 on every problem (and on log-sum-exp), to check the default 2^-6
against the alternatives. It then times `mse_gradients`
against `numpy.dot` on $10^7$ points, runs `gradient_descent` on the regression example,
prints PASS/FAIL for each target with the measured numbers (nothing is asserted), and
writes `tooling/gradref_site/results.json`, which `docs/accuracy.md` reads when the site is built
(and whose hidden checks assert that page's prose against it). `benchmarks/README.md`
lists the targets and how the last run met them.

Function evaluations are counted as points: a call with one point counts 1, a call with
a stack of m points (``vectorized=True``, scipy.differentiate) counts m.
"""

from __future__ import annotations

import datetime
import functools
import json
import math
import os
import platform
import sys
import time
import tracemalloc
import typing
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mpmath
import numdifftools
import numpy as np
import scipy
from numpy.typing import NDArray
from scipy.differentiate import jacobian
from scipy.optimize import approx_fprime, rosen_der, rosen_hess

import gradref
from gradref import _mse
from gradref._schemes import EPS
from gradref.examples import DATA_T, DATA_X
from gradref.examples import f as worked_example
from tests.functions import (
    exact_log_sum_exp_gradient,
    exact_log_sum_exp_hessian,
    exact_smooth_gradient,
    exact_worked_gradient,
    exact_worked_hessian,
    log_sum_exp,
    log_sum_exp_gradient,
    rosenbrock,
    rosenbrock_gradient,
    smooth_function,
)

try:
    with warnings.catch_warnings():  # sympy, which findiff imports, warns about mpmath
        warnings.simplefilter("ignore", DeprecationWarning)
        import findiff
except ImportError:  # optional: install findiff to add it to the comparison
    findiff = None

RESULTS = Path(__file__).parents[1] / "tooling" / "gradref_site" / "results.json"
SIZES = (10, 100, 1000)
SCHEMES: tuple[gradref.Scheme, ...] = typing.get_args(gradref.Scheme)  # gradref/_schemes.py
Vector = NDArray[np.float64]
Objective = Callable[[NDArray[Any]], Any]


# --- The problems ----------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    name: str
    f: Objective  # over the last axis: f(point) is a number, f(stack) one per row
    x: Vector
    exact: Vector

    @property
    def n(self) -> int:
        return self.x.size


def problems() -> list[Problem]:
    point = np.array([1.0, 2.0])
    found = [Problem("worked example", worked_example, point, exact_worked_gradient(point))]
    for n in SIZES:
        x = np.random.default_rng(n).uniform(-2.0, 2.0, n)  # tests.functions.random_point
        found.append(Problem("Rosenbrock", rosenbrock, x, rosen_der(x)))
    for n in SIZES:
        x = np.random.default_rng(n).uniform(-2.0, 2.0, n)
        found.append(Problem("F", smooth_function, x, exact_smooth_gradient(x)))
    return found


# --- The methods -----------------------------------------------------------------------


class Counted:
    """Wrap f and count the points it is evaluated at (rows of a stack count one each)."""

    def __init__(self, f: Objective) -> None:
        self.f = f
        self.points = 0

    def __call__(self, x: NDArray[Any]) -> Any:
        self.points += math.prod(np.shape(x)[:-1])
        return self.f(x)


@dataclass(frozen=True)
class Method:
    name: str
    calls: str  # "loop": one point per call; "vectorized": many points per call
    run: Callable[[Objective, Vector], tuple[Vector, str]]  # the gradient and a note


def gradref_method(scheme: gradref.Scheme, vectorized: bool) -> Method:
    def run(f: Objective, x: Vector) -> tuple[Vector, str]:
        return gradref.gradient(f, x, scheme=scheme, vectorized=vectorized), ""

    return Method(f"gradref {scheme}", "vectorized" if vectorized else "loop", run)


def approx_fprime_method() -> Method:
    def run(f: Objective, x: Vector) -> tuple[Vector, str]:
        return approx_fprime(x, f), ""  # forward differences, epsilon = sqrt(eps)

    return Method("scipy approx_fprime", "loop", run)


def scipy_differentiate_method() -> Method:
    def run(f: Objective, x: Vector) -> tuple[Vector, str]:
        result = jacobian(lambda xs: f(np.moveaxis(xs, 0, -1)), x)  # x arrives as (n, ...)
        failed = int(np.count_nonzero(~result.success))
        return result.df, f"{failed} of {x.size} did not converge" if failed else ""

    return Method("scipy differentiate", "vectorized", run)


def numdifftools_method() -> Method:
    def run(f: Objective, x: Vector) -> tuple[Vector, str]:
        return np.asarray(numdifftools.Gradient(f)(x), dtype=np.float64), ""

    return Method("numdifftools Gradient", "loop", run)


def findiff_method() -> Method:
    """findiff's 4th-order central stencil, offsets ±1, ±2, at h = ε^(1/5) max(1, |x_i|).

    findiff differentiates arrays on grids; for a function at a point we take its
    coefficients and evaluate the stencil, with the step rounded to a power of two as
    gradref does (so x ± h is exact).
    """
    stencil = findiff.coefficients(deriv=1, offsets=[-2, -1, 1, 2])
    weights = np.asarray(stencil["coefficients"], dtype=np.float64)
    offsets = np.asarray(stencil["offsets"], dtype=np.float64)

    def run(f: Objective, x: Vector) -> tuple[Vector, str]:
        h = np.exp2(np.round(np.log2(EPS ** (1 / 5) * np.maximum(1.0, np.abs(x)))))
        n = x.size
        points = np.repeat(x[np.newaxis, :], n * offsets.size, axis=0)
        rows = np.arange(n * offsets.size)
        points[rows, np.repeat(np.arange(n), offsets.size)] += np.outer(h, offsets).ravel()
        values = np.asarray(f(points)).reshape(n, offsets.size)
        return values @ weights / h, ""

    return Method("findiff 4th order", "vectorized", run)


def methods() -> list[Method]:
    found = [gradref_method(s, vectorized) for s in SCHEMES for vectorized in (False, True)]
    found += [approx_fprime_method(), scipy_differentiate_method(), numdifftools_method()]
    if findiff is not None:
        found.append(findiff_method())
    return found


# --- Measuring -------------------------------------------------------------------------


def normwise_error(g: Vector, exact: Vector) -> float:
    """‖g − g*‖∞ / ‖g*‖∞."""
    return float(np.abs(g - exact).max() / np.abs(exact).max())


def worst_component_error(g: Vector, exact: Vector) -> float:
    """max_i |g_i − g*_i| / |g*_i| over the components with g*_i ≠ 0."""
    nonzero = exact != 0
    return float((np.abs(g - exact)[nonzero] / np.abs(exact[nonzero])).max())


def repeats(n: int) -> int:
    return 5 if n >= 1000 else 9


def measure(problem: Problem, found: list[Method]) -> list[dict[str, Any]]:
    """One row per method: errors and evaluations from a counted run, then the times."""
    rows: list[dict[str, Any]] = []
    for method in found:
        counted = Counted(problem.f)
        g, note = method.run(counted, problem.x)
        rows.append(
            {
                "problem": problem.name,
                "n": problem.n,
                "method": method.name,
                "calls": method.calls,
                "normwise_error": normwise_error(g, problem.exact),
                "worst_component_error": worst_component_error(g, problem.exact),
                "evaluations": counted.points,
                "note": note,
                "times_s": [],
            }
        )
    for _ in range(repeats(problem.n)):
        for method, row in zip(found, rows, strict=True):
            start = time.perf_counter()
            method.run(problem.f, problem.x)
            row["times_s"].append(time.perf_counter() - start)
    for row in rows:
        row["time_s"] = float(np.median(row["times_s"]))
    return rows


STEP_CONSTANTS = tuple(2.0**-k for k in (8, 7, 6, 5, 4))


def scaled(constant: float, x: Vector) -> NDArray[np.float64]:
    """The steps a default rule with this constant takes: constant max(1, |x_i|), to 2^k.

    Passed as `h` (one step per coordinate), a step is used as given: richardson's check
    that would shrink its default step is not made, so each row measures the constant.
    """
    return np.exp2(np.round(np.log2(constant * np.maximum(1.0, np.abs(x)))))


def step_sweep(found: list[Problem]) -> list[dict[str, Any]]:
    """Richardson's normwise error with each step constant, on every problem."""
    x = np.random.default_rng(100).uniform(-2.0, 2.0, 100)
    found = [*found, Problem("log-sum-exp", log_sum_exp, x, exact_log_sum_exp_gradient(x))]
    rows = []
    for problem in found:
        errors = []
        for constant in STEP_CONSTANTS:
            h = scaled(constant, problem.x)
            g = gradref.gradient(problem.f, problem.x, h=h, scheme="richardson", vectorized=True)
            errors.append(normwise_error(g, problem.exact))
        rows.append({"problem": problem.name, "n": problem.n, "errors": errors})
    return rows


def reference_check() -> float:
    """Largest normwise error of the float64 ∇F used in tests/test_accuracy.py vs mpmath."""
    worst = 0.0
    for n in (10, 100):
        x = np.random.default_rng(n).uniform(-2.0, 2.0, n)
        s, c, following = np.sin(x[:-1]), np.cos(x[:-1]), x[1:]
        link = np.exp(s * following)
        g = 2 * x / (1 + x @ x)
        g[:-1] += link * c * following
        g[1:] += link * s
        worst = max(worst, normwise_error(g, exact_smooth_gradient(x)))
    return worst


# --- mse_gradients against numpy.dot ----------------------------------------------------


def textbook(w: float, b: float, x: Vector, t: Vector) -> tuple[float, float]:
    e = w * x + b - t
    return 2 / x.size * float(np.dot(e, x)), 2 / x.size * float(np.sum(e))


def exact_gradients(w: float, b: float, x: Vector, t: Vector) -> tuple[float, float, float]:
    """The gradients with each sum exact (math.fsum), and Σ|e_i x_i|/N for the bound."""
    e = w * x + b - t
    ex = e * x
    return 2 * math.fsum(ex) / x.size, 2 * math.fsum(e) / x.size, float(np.abs(ex).sum()) / x.size


def peak_memory(call: Callable[[], object]) -> int:
    """Peak bytes allocated while `call` runs, beyond what existed before (tracemalloc)."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def mse_benchmark(size: int = 10**7, reps: int = 31) -> dict[str, Any]:
    rng = np.random.default_rng(2024)
    x = rng.uniform(0.0, 10.0, size)
    t = 1.95 * x + 0.25 + rng.normal(scale=0.5, size=size)
    design = np.column_stack([x, np.ones_like(x)])
    (w_opt, b_opt), *_ = np.linalg.lstsq(design, t, rcond=None)
    del design
    w_opt, b_opt = float(w_opt), float(b_opt)

    ratios, dot_times, mse_times = [], [], []
    for _ in range(reps):
        start = time.perf_counter()
        np.dot(x, t)
        middle = time.perf_counter()
        gradref.mse_gradients(0.5, 0.0, x, t)
        end = time.perf_counter()
        dot_times.append(middle - start)
        mse_times.append(end - middle)
        ratios.append((end - middle) / (middle - start))
    textbook_times = []
    for _ in range(3):
        start = time.perf_counter()
        textbook(0.5, 0.0, x, t)
        textbook_times.append(time.perf_counter() - start)

    away = gradref.mse_gradients(0.5, 0.0, x, t)
    away_textbook = textbook(0.5, 0.0, x, t)
    away_relative = max(abs(a - b) / abs(b) for a, b in zip(away, away_textbook, strict=True))
    at = gradref.mse_gradients(w_opt, b_opt, x, t)
    at_textbook = textbook(w_opt, b_opt, x, t)
    dw, db, mean_abs_ex = exact_gradients(w_opt, b_opt, x, t)
    unit = 2 * EPS * mean_abs_ex  # c = 1 in |Δ| ≤ c·ε·(2/N)·Σ|e_i x_i|
    e = w_opt * x + b_opt - t
    unit_b = 2 * EPS * float(np.abs(e).sum()) / size
    del e
    return {
        "N": size,
        "block": _mse._BLOCK,
        "repeats": reps,
        "dot_time_s": float(np.median(dot_times)),
        "mse_time_s": float(np.median(mse_times)),
        "textbook_time_s": float(np.median(textbook_times)),
        "ratio_to_dot": float(np.median(ratios)),
        "ratios": ratios,
        "away_relative_difference": away_relative,
        "optimum": [w_opt, b_opt],
        "at_optimum": list(at),
        "at_optimum_textbook": list(at_textbook),
        "at_optimum_exact": [dw, db],
        "at_optimum_c": [abs(at[0] - dw) / unit, abs(at[1] - db) / unit_b],
        "at_optimum_textbook_c": [
            abs(at_textbook[0] - dw) / unit,
            abs(at_textbook[1] - db) / unit_b,
        ],
        "peak_bytes": peak_memory(lambda: gradref.mse_gradients(0.5, 0.0, x, t)),
        "textbook_peak_bytes": peak_memory(lambda: textbook(0.5, 0.0, x, t)),
    }


# --- gradient_descent on the regression example -----------------------------------------


def descent_benchmark() -> dict[str, Any]:
    theta0, lr, tol = np.array([0.5, 0.0]), 0.01, 1e-8

    def grad(theta: Vector) -> Vector:
        return np.array(gradref.mse_gradients(theta[0], theta[1], DATA_X, DATA_T))

    result = gradref.gradient_descent(grad, theta0, lr=lr, tol=tol)
    design = np.column_stack([DATA_X, np.ones_like(DATA_X)])
    optimum, *_ = np.linalg.lstsq(design, DATA_T, rcond=None)
    hessian = 2 / DATA_X.size * design.T @ design
    eigenvalues, eigenvectors = np.linalg.eigh(hessian)
    # ∇L(θ_k) = H(θ_k − θ*) has component λ_j c_j (1 − αλ_j)^k along eigenvector j,
    # c = Vᵀ(θ_0 − θ*). The slowest mode, λ_min, decides when ‖∇L‖ falls below tol.
    slow = eigenvalues[0] * abs(eigenvectors[:, 0] @ (theta0 - optimum))
    predicted = math.ceil(math.log(tol / slow) / math.log(1 - lr * eigenvalues[0]))
    return {
        "steps": result.steps,
        "predicted_steps": predicted,
        "smallest_eigenvalue": float(eigenvalues[0]),
        "theta": result.theta.tolist(),
        "lstsq": optimum.tolist(),
        "theta_error": float(np.abs(result.theta - optimum).max()),
        "converged": result.converged,
    }


# --- Jacobians and Hessians -------------------------------------------------------------
#
# Issue 17's four cases: Rosenbrock and log-sum-exp at n = 10 and 50, at the points
# default_rng(n).uniform(-2, 2, n). The Hessians are of the functions; the Jacobians of
# their gradients (rosen_der, and the log_sum_exp_gradient), whose Jacobians are the same matrices.
SECOND_ORDER_SIZES = (10, 50)
HESSIAN_SCHEMES: tuple[gradref.HessianScheme, ...] = typing.get_args(gradref.HessianScheme)


@dataclass(frozen=True)
class SecondOrderProblem:
    name: str
    f: Objective  # the scalar function, over the last axis
    gradient: Objective  # its gradient, the map whose Jacobian is taken
    jax_f: Callable[[Any], Any]
    x: Vector
    exact: NDArray[np.float64]  # the Hessian of f = the Jacobian of its gradient

    @property
    def n(self) -> int:
        return self.x.size


def second_order_problems() -> list[SecondOrderProblem]:
    import jax.numpy as jnp

    def jax_rosenbrock(x: Any) -> Any:
        return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    def jax_log_sum_exp(x: Any) -> Any:
        return jnp.log(jnp.sum(jnp.exp(x)))

    found = []
    for n in SECOND_ORDER_SIZES:
        x = np.random.default_rng(n).uniform(-2.0, 2.0, n)
        found.append(
            SecondOrderProblem(
                "Rosenbrock", rosenbrock, rosenbrock_gradient, jax_rosenbrock, x, rosen_hess(x)
            )
        )
        found.append(
            SecondOrderProblem(
                "log-sum-exp",
                log_sum_exp,
                log_sum_exp_gradient,
                jax_log_sum_exp,
                x,
                exact_log_sum_exp_hessian(x),
            )
        )
    return found


@dataclass(frozen=True)
class SecondOrderMethod:
    name: str
    kind: str  # "hessian" (of f) or "jacobian" (of its gradient)
    calls: str  # "loop", "vectorized", or "exact" (jax: no evaluations, not judged)
    run: Callable[[SecondOrderProblem, Objective], NDArray[np.float64]]  # f or gradient


def _scaled(base: float, x: Vector) -> Vector:
    return np.exp2(np.round(np.log2(base * np.maximum(1.0, np.abs(x)))))


def _stencil_points(x: Vector, moves: list[tuple[int, float, int, float]]) -> NDArray[np.float64]:
    """x + a e_i + b e_j for each (i, a, j, b)."""
    points = np.repeat(x[np.newaxis, :], len(moves), axis=0)
    for row, (i, a, j, b) in enumerate(moves):
        points[row, i] += a
        points[row, j] += b
    return points


def findiff_hessian(acc: int, base: float) -> Callable[[Objective, Vector], NDArray[np.float64]]:
    """findiff's coefficients of accuracy order `acc` at a point: ∂²/∂x_i² on the
    diagonal, the product of two ∂/∂x stencils off it, at h = base max(1, |x_i|)."""
    second = findiff.coefficients(deriv=2, acc=acc)["center"]
    first = findiff.coefficients(deriv=1, acc=acc)["center"]
    c2, o2 = np.asarray(second["coefficients"], float), np.asarray(second["offsets"], float)
    c1, o1 = np.asarray(first["coefficients"], float), np.asarray(first["offsets"], float)

    def run(f: Objective, x: Vector) -> NDArray[np.float64]:
        n, h = x.size, _scaled(base, x)
        moves = [(0, 0.0, 0, 0.0)]  # x itself, shared by the diagonal stencils
        moves += [(i, o * h[i], i, 0.0) for i in range(n) for o in o2 if o != 0]
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        moves += [(i, a * h[i], j, b * h[j]) for i, j in pairs for a in o1 for b in o1]
        values = np.asarray(f(_stencil_points(x, moves)), dtype=np.float64)
        center, rest = values[0], values[1:]
        diagonal = rest[: n * (len(o2) - 1)].reshape(n, -1)
        hess = np.diag((diagonal @ c2[o2 != 0] + c2[o2 == 0][0] * center) / h**2)
        mixed = rest[n * (len(o2) - 1) :].reshape(len(pairs), len(o1), len(o1))
        for k, (i, j) in enumerate(pairs):
            hess[i, j] = hess[j, i] = c1 @ mixed[k] @ c1 / (h[i] * h[j])
        return hess

    return run


def findiff_jacobian(acc: int, base: float) -> Callable[[Objective, Vector], NDArray[np.float64]]:
    """findiff's ∂/∂x_i coefficients of accuracy order `acc` on every output, at a point."""
    first = findiff.coefficients(deriv=1, acc=acc)["center"]
    c1, o1 = np.asarray(first["coefficients"], float), np.asarray(first["offsets"], float)

    def run(g: Objective, x: Vector) -> NDArray[np.float64]:
        n, h = x.size, _scaled(base, x)
        moves = [(i, o * h[i], i, 0.0) for i in range(n) for o in o1]
        values = np.asarray(g(_stencil_points(x, moves)), dtype=np.float64)
        weighted: NDArray[np.float64] = np.einsum("iok,o->ki", values.reshape(n, len(o1), -1), c1)
        return weighted / h

    return run


def second_order_methods() -> list[SecondOrderMethod]:
    from scipy.differentiate import hessian as scipy_hessian

    found: list[SecondOrderMethod] = []

    def add(name: str, kind: str, calls: str, run: Callable[..., Any]) -> None:
        found.append(SecondOrderMethod(name, kind, calls, run))

    for hessian_scheme in HESSIAN_SCHEMES:
        for vectorized in (False, True):
            add(
                f"gradref {hessian_scheme}",
                "hessian",
                "vectorized" if vectorized else "loop",
                lambda p, f, s=hessian_scheme, v=vectorized: gradref.hessian(
                    f, p.x, scheme=s, vectorized=v
                ),
            )
    for scheme in SCHEMES:
        for vectorized in (False, True):
            add(
                f"gradref {scheme}",
                "jacobian",
                "vectorized" if vectorized else "loop",
                lambda p, g, s=scheme, v=vectorized: gradref.jacobian(
                    g, p.x, scheme=s, vectorized=v
                ),
            )
    # scipy.differentiate passes x as (n, ...) and wants the outputs as (m, ...).
    for label, options in [("default", {}), ("order=4, maxiter=1", {"order": 4, "maxiter": 1})]:
        add(
            f"scipy differentiate {label}",
            "hessian",
            "vectorized",
            lambda p, f, o=options: (
                scipy_hessian(lambda xs: f(np.moveaxis(xs, 0, -1)), p.x, **o).ddf
            ),
        )
        add(
            f"scipy differentiate {label}",
            "jacobian",
            "vectorized",
            lambda p, g, o=options: (
                jacobian(lambda xs: np.moveaxis(g(np.moveaxis(xs, 0, -1)), -1, 0), p.x, **o).df
            ),
        )
    for label, nd_options in [("default", {}), ("complex", {"method": "complex"})]:
        add(
            f"numdifftools {label}",
            "hessian",
            "loop",
            lambda p, f, o=nd_options: np.asarray(numdifftools.Hessian(f, **o)(p.x), dtype=float),
        )
        add(
            f"numdifftools {label}",
            "jacobian",
            "loop",
            lambda p, g, o=nd_options: np.asarray(numdifftools.Jacobian(g, **o)(p.x), dtype=float),
        )
    if findiff is not None:
        for acc, hessian_base, jacobian_base in [
            (2, EPS ** (1 / 4), EPS ** (1 / 3)),
            (4, EPS ** (1 / 6), EPS ** (1 / 5)),
        ]:
            by_hessian = findiff_hessian(acc, hessian_base)
            by_jacobian = findiff_jacobian(acc, jacobian_base)
            add(f"findiff acc={acc}", "hessian", "vectorized", lambda p, f, r=by_hessian: r(f, p.x))
            add(
                f"findiff acc={acc}",
                "jacobian",
                "vectorized",
                lambda p, g, r=by_jacobian: r(g, p.x),
            )
    return found


def jax_reference(problem: SecondOrderProblem, kind: str) -> Callable[[], NDArray[np.float64]]:
    """jax's exact Hessian (or jacfwd of its gradient), compiled once, in float64."""
    import jax

    jitted = jax.jit(
        jax.hessian(problem.jax_f) if kind == "hessian" else jax.jacfwd(jax.grad(problem.jax_f))
    )
    jitted(problem.x).block_until_ready()
    return lambda: np.asarray(jitted(problem.x), dtype=np.float64)


def measure_second_order(
    problem: SecondOrderProblem, found: list[SecondOrderMethod]
) -> list[dict[str, Any]]:
    """One row per method and kind: error and evaluations counted once, then the times."""
    rows: list[dict[str, Any]] = []
    runs: list[Callable[[], Any]] = []
    for method in found:
        target = problem.f if method.kind == "hessian" else problem.gradient
        counted = Counted(target)
        with warnings.catch_warnings():  # numdifftools and scipy warn about steps
            warnings.simplefilter("ignore")
            estimate = method.run(problem, counted)
        rows.append(
            {
                "problem": problem.name,
                "n": problem.n,
                "kind": method.kind,
                "method": method.name,
                "calls": method.calls,
                "normwise_error": normwise_error(estimate, problem.exact),
                "symmetric": bool(np.array_equal(estimate, estimate.T)),
                "evaluations": counted.points,
                "times_s": [],
            }
        )
        runs.append(functools.partial(method.run, problem, target))
    for kind in ("hessian", "jacobian"):
        reference = jax_reference(problem, kind)
        rows.append(
            {
                "problem": problem.name,
                "n": problem.n,
                "kind": kind,
                "method": "jax " + ("hessian" if kind == "hessian" else "jacfwd(grad)"),
                "calls": "exact",
                "normwise_error": normwise_error(reference(), problem.exact),
                "symmetric": bool(np.array_equal(reference(), reference().T)),
                "evaluations": None,
                "times_s": [],
            }
        )
        runs.append(reference)
    for _ in range(5):
        for run, row in zip(runs, rows, strict=True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                run()
                row["times_s"].append(time.perf_counter() - start)
    for row in rows:
        row["time_s"] = float(np.median(row["times_s"]))
    for kind in ("hessian", "jacobian"):  # time ratios to gradref's default, in each repeat
        default = next(
            r
            for r in rows
            if (r["kind"], r["method"], r["calls"]) == (kind, "gradref central", "loop")
        )
        for row in rows:
            if row["kind"] == kind:
                row["time_ratio"] = median_ratio(row, default)
    return rows


def verdicts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per case, the peers that beat gradref.

    A peer beats gradref only if it uses no more evaluations than one of gradref's
    schemes and is more accurate than it, and no other scheme of gradref's is at once as
    cheap and as accurate as the peer (that scheme would match it).
    """
    found = []
    cases = sorted({(r["kind"], r["problem"], r["n"]) for r in rows})
    for kind, problem, n in cases:
        case = [r for r in rows if (r["kind"], r["problem"], r["n"]) == (kind, problem, n)]
        ours = [r for r in case if r["method"].startswith("gradref") and r["calls"] == "loop"]
        peers = [r for r in case if not r["method"].startswith("gradref") and r["calls"] != "exact"]
        wins = []
        for peer in peers:
            beaten = [
                mine
                for mine in ours
                if peer["evaluations"] <= mine["evaluations"]
                and peer["normwise_error"] < mine["normwise_error"]
            ]
            matched = any(
                mine["evaluations"] <= peer["evaluations"]
                and mine["normwise_error"] <= peer["normwise_error"]
                for mine in ours
            )
            if beaten and not matched:
                wins.append(
                    f"{peer['method']} ({peer['normwise_error']:.1e}, {peer['evaluations']}) "
                    "beats "
                    + ", ".join(
                        f"{m['method']} ({m['normwise_error']:.1e}, {m['evaluations']})"
                        for m in beaten
                    )
                )
        found.append({"kind": kind, "problem": problem, "n": n, "peer_wins": wins})
    return found


HESSIAN_STEP_CONSTANTS = tuple(2.0**-k for k in (4, 5, 6, 7, 8, 9))


def hessian_step_sweep() -> list[dict[str, Any]]:
    """The default scheme's normwise error against its step constant (default 2^-6)."""
    cases: list[tuple[str, Objective, Vector, Vector]] = [
        ("worked example", worked_example, np.array([1.0, 2.0]), exact_worked_hessian())
    ]
    cases += [(p.name, p.f, p.x, p.exact) for p in second_order_problems()]
    rows = []
    for name, f, x, exact in cases:
        errors = []
        for constant in HESSIAN_STEP_CONSTANTS:
            h = scaled(constant, x)
            estimate = gradref.hessian(f, x, h=h, vectorized=name != "worked example")
            errors.append(normwise_error(estimate, exact))
        rows.append({"problem": name, "n": x.size, "errors": errors})
    return rows


def hessian_memory() -> list[dict[str, Any]]:
    """tracemalloc's peak while `hessian` runs on a cheap vectorized f, n = 200 and 1000."""

    def cheap(x: NDArray[Any]) -> Any:
        return (x * x).sum(axis=-1)

    rows = []
    for n in (200, 1000):
        x = np.random.default_rng(n).uniform(-2.0, 2.0, n)
        for scheme in HESSIAN_SCHEMES:
            counted = Counted(cheap)
            start = time.perf_counter()
            peak = peak_memory(
                functools.partial(gradref.hessian, counted, x, scheme=scheme, vectorized=True)
            )
            rows.append(
                {
                    "n": n,
                    "scheme": scheme,
                    "peak_bytes": peak,
                    "result_bytes": 8 * n * n,
                    "evaluations": counted.points,
                    "all_points_bytes": 8 * n * counted.points,
                    "time_s": time.perf_counter() - start,
                }
            )
    return rows


def second_order_targets(
    rows: list[dict[str, Any]], memory: list[dict[str, Any]], overhead: dict[str, Any]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def target(name: str, passed: bool, measured: str) -> None:
        found.append({"target": name, "passed": bool(passed), "measured": measured})

    hessians = [r for r in rows if r["kind"] == "hessian" and r["calls"] == "loop"]
    for scheme, bound, cost, cost_text in [
        ("central", 1e-9, lambda n: 2 * n * n + 2 * n + 2, "2n² + 2n + 2"),
        ("complex", 1e-10, lambda n: n * n + n + 1, "n² + n + 1"),
        ("richardson", 1e-13, lambda n: 3 * n * n + 3 * n, "3n² + 3n"),
    ]:
        ours = [r for r in hessians if r["method"] == f"gradref {scheme}"]
        worst = max(r["normwise_error"] for r in ours)
        cheap = all(r["evaluations"] <= cost(r["n"]) for r in ours)
        target(
            f"hessian {scheme}: error ≤ {bound:.0e} with ≤ {cost_text} evaluations, "
            "Rosenbrock and log-sum-exp, n = 10 and 50",
            worst <= bound and cheap,
            f"worst {worst:.1e}; "
            + ", ".join(f"{r['problem']} {r['n']}: {r['evaluations']}" for r in ours),
        )
    vectorized = next(
        r
        for r in rows
        if (r["kind"], r["problem"], r["n"], r["method"], r["calls"])
        == ("hessian", "Rosenbrock", 50, "gradref central", "vectorized")
    )
    per_point = vectorized["time_s"] / vectorized["evaluations"] * 1e6
    own = overhead["time_s"] / overhead["evaluations"] * 1e6
    target(
        "hessian vectorized ≤ 1 µs per evaluated point, Rosenbrock, n = 50",
        per_point <= 1,
        f"{per_point:.2f} µs ({time_text(vectorized['time_s'])} for "
        f"{vectorized['evaluations']}), of which gradref's own {own:.2f} µs and "
        f"Rosenbrock's {overhead['f_time_s'] / vectorized['evaluations'] * 1e6:.2f} µs",
    )
    ours_all = [r for r in rows if r["kind"] == "hessian" and r["method"].startswith("gradref")]
    target(
        "gradref's Hessians exactly symmetric",
        all(r["symmetric"] for r in ours_all),
        f"{sum(r['symmetric'] for r in ours_all)} of {len(ours_all)}",
    )
    for row in memory:
        bound = 3 * 2**18 * 16 + 128 * row["n"] ** 2
        target(
            f"hessian {row['scheme']}'s extra memory ≤ 12 MiB + 128 n² bytes, n = {row['n']}",
            row["peak_bytes"] <= bound,
            f"tracemalloc peak {row['peak_bytes'] / 2**20:.1f} MiB ≤ {bound / 2**20:.0f} MiB "
            f"(result {row['result_bytes'] / 2**20:.1f} MiB; all the points at once: "
            f"{row['all_points_bytes'] / 2**30:.1f} GiB)",
        )
    return found


def print_second_order(rows: list[dict[str, Any]], judged: list[dict[str, Any]]) -> None:
    header = (
        f"{'kind':<9}{'problem':<13}{'n':>3}  {'method':<36}{'normwise':>10}{'evals':>9}"
        f"{'loop':>11}{'vectorized':>11}{'µs/point':>9}{'time/default':>13}"
    )
    print(header)
    print("-" * len(header))
    merged: dict[tuple[str, str, int, str], dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r["kind"] == "jacobian"):  # stable: Hessians first
        key = (row["kind"], row["problem"], row["n"], row["method"])
        entry = merged.setdefault(key, {**row, "loop": None, "vectorized": None})
        entry["loop" if row["calls"] == "exact" else row["calls"]] = row["time_s"]
        if row["calls"] != "vectorized":
            entry["time_ratio"] = row["time_ratio"]
    previous = None
    for (kind, problem, n, method), row in merged.items():
        if previous is not None and previous != (kind, problem, n):
            print()
        previous = (kind, problem, n)
        evaluations = row["evaluations"]
        fastest = min(t for t in (row["loop"], row["vectorized"]) if t is not None)
        per_point = f"{fastest / evaluations * 1e6:.2f}" if evaluations else "—"
        print(
            f"{kind:<9}{problem:<13}{n:>3}  {method:<36}{row['normwise_error']:>10.1e}"
            f"{evaluations if evaluations is not None else '—':>9}"
            f"{time_text(row['loop']):>11}{time_text(row['vectorized']):>11}{per_point:>9}"
            f"{row['time_ratio']:>12.2f}×"
        )
    print()
    print("Verdict: a peer beats gradref only if it uses no more evaluations than one of")
    print("gradref's schemes and is more accurate than it, and no scheme of gradref's is as")
    print("cheap and as accurate as the peer (jax's exact rows are not judged).")
    for case in judged:
        label = f"{case['kind']} {case['problem']}, n = {case['n']}"
        if case["peer_wins"]:
            print(f"  {label}: a peer wins: " + "; ".join(case["peer_wins"]))
        else:
            print(f"  {label}: no peer beats gradref")


def print_hessian_sweep(sweep: list[dict[str, Any]], memory: list[dict[str, Any]]) -> None:
    print("hessian central's normwise error against its step constant (the default is 2^-6):")
    print(
        f"{'problem':<15}{'n':>5}  "
        + "".join(f"{f'2^{round(math.log2(c))}':>9}" for c in HESSIAN_STEP_CONSTANTS)
    )
    for row in sweep:
        print(f"{row['problem']:<15}{row['n']:>5}  " + "".join(f"{e:>9.1e}" for e in row["errors"]))
    print()
    print("hessian's peak memory (tracemalloc), vectorized f = sum(x**2):")
    for row in memory:
        print(
            f"  n = {row['n']:>4} {row['scheme']:<11}{row['evaluations']:>9} evaluations  "
            f"peak {row['peak_bytes'] / 2**20:7.1f} MiB  "
            f"result {row['result_bytes'] / 2**20:5.1f} MiB"
            f"  all points at once {row['all_points_bytes'] / 2**30:5.1f} GiB  "
            f"{time_text(row['time_s'])}"
        )


def second_order() -> dict[str, Any]:
    """Everything above, as stored in results.json under "second_order"."""
    import jax

    jax.config.update("jax_enable_x64", True)  # the reference rows in float64
    jax.config.update("jax_platforms", "cpu")
    found = second_order_methods()
    rows = []
    for problem in second_order_problems():
        print(
            f"measuring second order: {problem.name}, n = {problem.n} ...",
            file=sys.stderr,
            flush=True,
        )
        rows += measure_second_order(problem, found)
    print("measuring the Hessian's step sweep and memory ...", file=sys.stderr, flush=True)
    sweep = hessian_step_sweep()
    memory = hessian_memory()
    overhead = hessian_overhead()
    judged = verdicts(rows)
    return {
        "rows": rows,
        "verdicts": judged,
        "hessian_step_sweep": {"constants": list(HESSIAN_STEP_CONSTANTS), "rows": sweep},
        "hessian_memory": memory,
        "hessian_overhead": overhead,
        "targets": second_order_targets(rows, memory, overhead),
        "versions": {"jax": jax.__version__},
    }


def hessian_overhead(repeats: int = 15) -> dict[str, Any]:
    """gradref's own time per point on the Rosenbrock n = 50 case, vectorized: with an f
    that costs nothing (x[..., 0]); and Rosenbrock's own time on the same stack."""
    x = np.random.default_rng(50).uniform(-2.0, 2.0, 50)
    counted = Counted(lambda p: p[..., 0])
    gradref.hessian(counted, x, vectorized=True)
    stack = np.random.default_rng(0).uniform(-2.0, 2.0, (counted.points, 50))
    own, f_times = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        gradref.hessian(lambda p: p[..., 0], x, vectorized=True)
        middle = time.perf_counter()
        rosenbrock(stack)
        own.append(middle - start)
        f_times.append(time.perf_counter() - middle)
    return {
        "evaluations": counted.points,
        "time_s": float(np.median(own)),
        "f_time_s": float(np.median(f_times)),
    }


def print_second_order_results(results: dict[str, Any]) -> None:
    print_second_order(results["rows"], results["verdicts"])
    print()
    print_hessian_sweep(results["hessian_step_sweep"]["rows"], results["hessian_memory"])
    print()
    for check in results["targets"]:
        print(f"{'PASS' if check['passed'] else 'FAIL'}  {check['target']}: {check['measured']}")


# --- Targets -----------------------------------------------------------------------------


def pick(
    rows: list[dict[str, Any]], problem: str, n: int, method: str, calls: str
) -> dict[str, Any]:
    return next(
        r
        for r in rows
        if (r["problem"], r["n"], r["method"], r["calls"]) == (problem, n, method, calls)
    )


def median_ratio(slow: dict[str, Any], fast: dict[str, Any]) -> float:
    """The median over the repeats of slow's time / fast's time in the same repeat."""
    pairs = zip(slow["times_s"], fast["times_s"], strict=True)
    return float(np.median([s / f for s, f in pairs]))


def targets(
    rows: list[dict[str, Any]], mse: dict[str, Any], descent: dict[str, Any]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def target(name: str, passed: bool, measured: str) -> None:
        found.append({"target": name, "passed": bool(passed), "measured": measured})

    for problem in ("Rosenbrock", "F"):
        ours = pick(rows, problem, 1000, "gradref richardson", "loop")
        error = ours["normwise_error"]
        rivals = ["numdifftools Gradient", "scipy differentiate"]
        rivals += ["findiff 4th order"] if findiff is not None else []
        for rival in rivals:
            calls = "loop" if rival == "numdifftools Gradient" else "vectorized"
            theirs = pick(rows, problem, 1000, rival, calls)["normwise_error"]
            better = error <= theirs if rival.startswith("numdifftools") else error < theirs
            relation = "≤" if rival.startswith("numdifftools") else "<"
            target(
                f"richardson's error {relation} {rival}'s, {problem}, n = 1000",
                better,
                f"{error:.1e} vs {theirs:.1e}",
            )
        target(
            f"richardson's evaluations ≤ 6n, {problem}, n = 1000",
            ours["evaluations"] <= 6000,
            f"{ours['evaluations']} evaluations",
        )

    complex_rows = [r for r in rows if r["method"] == "gradref complex" and r["calls"] == "loop"]
    worst = max(r["normwise_error"] for r in complex_rows)
    exactly_n = all(r["evaluations"] == r["n"] for r in complex_rows)
    target(
        "complex step's error ≤ 1e-15 with n evaluations, on every problem",
        worst <= 1e-15 and exactly_n,
        f"worst {worst:.1e}, evaluations == n: {exactly_n}",
    )

    for problem in ("Rosenbrock", "F"):
        vectorized = pick(rows, problem, 100, "gradref central", "vectorized")
        fprime = pick(rows, problem, 100, "scipy approx_fprime", "loop")
        speedup = median_ratio(fprime, vectorized)
        target(
            f"vectorized central ≥ 10× faster than approx_fprime, {problem}, n = 100",
            speedup >= 10,
            f"{speedup:.1f}×",
        )
        gains = {
            scheme: median_ratio(
                pick(rows, problem, 1000, f"gradref {scheme}", "loop"),
                pick(rows, problem, 1000, f"gradref {scheme}", "vectorized"),
            )
            for scheme in SCHEMES
        }
        slowest = min(gains, key=gains.__getitem__)
        target(
            f"vectorized never slower than the loop, {problem}, n = 1000",
            gains[slowest] >= 1,
            f"smallest speed-up {gains[slowest]:.1f}× ({slowest})",
        )

    target(
        "mse_gradients ≤ 3× the time of numpy.dot(x, t), N = 10^7",
        mse["ratio_to_dot"] <= 3,
        f"{mse['ratio_to_dot']:.2f}× (median of {mse['repeats']} ratios; "
        f"{mse['mse_time_s'] * 1e3:.1f} ms vs {mse['dot_time_s'] * 1e3:.1f} ms; "
        f"the textbook expression {mse['textbook_time_s'] / mse['dot_time_s']:.1f}×)",
    )
    target(
        "mse_gradients equals the textbook expression within 1e-12, away from the optimum",
        mse["away_relative_difference"] <= 1e-12,
        f"relative difference {mse['away_relative_difference']:.1e}",
    )
    c_w, c_b = mse["at_optimum_c"]
    target(
        "mse_gradients at the optimum within c·ε·(2/N)·Σ|e_i x_i| of the exact sums, c ≤ 64",
        max(c_w, c_b) <= 64,
        f"c = {c_w:.2g} (w), {c_b:.2g} (b); the textbook expression: "
        + ", ".join(f"{c:.2g}" for c in mse["at_optimum_textbook_c"]),
    )
    bound = 4 * 8 * mse["block"]
    target(
        "mse_gradients' extra memory ≤ 4 blocks of float64",
        mse["peak_bytes"] <= bound,
        f"tracemalloc peak {mse['peak_bytes'] / 1024:.0f} KiB ≤ {bound / 1024:.0f} KiB "
        f"(the textbook expression: {mse['textbook_peak_bytes'] / 2**20:.0f} MiB)",
    )
    target(
        "gradient_descent's steps equal the smallest Hessian eigenvalue's prediction",
        descent["steps"] == descent["predicted_steps"],
        f"{descent['steps']} steps, predicted {descent['predicted_steps']}",
    )
    target(
        "gradient_descent ends within 1e-7 of lstsq's solution",
        descent["theta_error"] <= 1e-7,
        "θ = ({:.10g}, {:.10g}), lstsq ({:.10g}, {:.10g}), largest difference {:.1e}".format(
            *descent["theta"], *descent["lstsq"], descent["theta_error"]
        ),
    )
    return found


# --- Output --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = models[0] if models else cpu
    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numdifftools": numdifftools.__version__,
        "mpmath": mpmath.__version__,
    }
    if findiff is not None:
        versions["findiff"] = findiff.__version__
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "versions": versions,
    }


def time_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds >= 1:
        return f"{seconds:.3g} s"
    return f"{seconds * 1e3:.3g} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.3g} µs"


def print_table(rows: list[dict[str, Any]]) -> None:
    header = (
        f"{'problem':<15}{'n':>5}  {'method':<22}{'normwise':>10}{'worst':>10}"
        f"{'evals':>8}{'evals/n':>9}{'loop':>11}{'vectorized':>11}  note"
    )
    print(header)
    print("-" * len(header))
    merged: dict[tuple[str, int, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["problem"], row["n"], row["method"])
        entry = merged.setdefault(key, {**row, "loop": None, "vectorized": None})
        entry[row["calls"]] = row["time_s"]
    previous = None
    for (problem, n, method), row in merged.items():
        if previous is not None and previous != (problem, n):
            print()
        previous = (problem, n)
        print(
            f"{problem:<15}{n:>5}  {method:<22}{row['normwise_error']:>10.1e}"
            f"{row['worst_component_error']:>10.1e}{row['evaluations']:>8}"
            f"{row['evaluations'] / n:>9.1f}{time_text(row['loop']):>11}"
            f"{time_text(row['vectorized']):>11}  {row['note']}"
        )


def print_sweep(sweep: list[dict[str, Any]]) -> None:
    print("richardson's normwise error against its step constant (the default is 2^-6):")
    header = f"{'problem':<15}{'n':>5}  " + "".join(
        f"{f'2^{round(math.log2(c))}':>9}" for c in STEP_CONSTANTS
    )
    print(header)
    for row in sweep:
        errors = "".join(f"{e:>9.1e}" for e in row["errors"])
        print(f"{row['problem']:<15}{row['n']:>5}  {errors}")


def main() -> None:
    """Run everything; with ``--second-order``, only the Jacobians and Hessians, whose
    results replace that part of results.json and keep the rest."""
    if sys.argv[1:] == ["--second-order"]:
        load_before = os.getloadavg()
        second = second_order()
        print_second_order_results(second)
        second["machine"] = {**machine(), "load_average": [*load_before, *os.getloadavg()]}
        second["date"] = datetime.date.today().isoformat()
        results = json.loads(RESULTS.read_text())
        results["second_order"] = second
        RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        print(f"wrote the second-order part of {RESULTS}")
        return
    load_before = os.getloadavg()  # other work on the machine slows the timings down
    found = methods()
    rows = []
    for problem in problems():
        print(f"measuring {problem.name}, n = {problem.n} ...", file=sys.stderr, flush=True)
        rows += measure(problem, found)
    print("measuring mse_gradients and gradient_descent ...", file=sys.stderr, flush=True)
    sweep = step_sweep(problems())
    mse = mse_benchmark()
    descent = descent_benchmark()
    checks = targets(rows, mse, descent)
    float_reference = reference_check()
    second = second_order()

    print_table(rows)
    print()
    print_sweep(sweep)
    print()
    print(f"float64 ∇F of tests/test_accuracy.py vs mpmath, n = 10, 100: {float_reference:.1e}")
    print()
    for check in checks:
        print(f"{'PASS' if check['passed'] else 'FAIL'}  {check['target']}: {check['measured']}")
    print()
    print_second_order_results(second)

    results = {
        "machine": {**machine(), "load_average": [*load_before, *os.getloadavg()]},
        "date": datetime.date.today().isoformat(),
        "command": ".venv/bin/python -m benchmarks.accuracy",
        "gradients": rows,
        "richardson_step_sweep": {"constants": list(STEP_CONSTANTS), "rows": sweep},
        "mse": mse,
        "descent": descent,
        "targets": checks,
        "second_order": second,
    }
    RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print()
    before, after = (" ".join(f"{v:.2f}" for v in load) for load in (load_before, os.getloadavg()))
    print(f"load average over 1, 5, 15 min: {before} before, {after} after")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
