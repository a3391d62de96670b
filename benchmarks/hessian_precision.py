r"""`hessian`'s default steps against the best step, for an f in float32 and in float64.

Run from the repository's top folder (nothing is asserted; tests/test_precision.py
asserts the float32 property and the running example's figures):

    .venv/bin/python -m benchmarks.hessian_precision

For seven functions (the running example near (1, 2), log-sum-exp of 3 variables, a
trigonometric-rational function of 2, and four random sums of sines and an exponential
of 3, each computed wholly in the dtype of its input) at 6 points each, every scheme
and both dtypes, it takes ``hessian(f, x, h=2^-k max(1, |x_i|))`` for k = 0 to 18 and
with the default step, and prints the mean log2 of the normwise relative error
(max |H - exact| / max |exact|) per function and step, the best k, and the default's
mean log2 error above the best step's (0: the default is the best; 1: twice its error).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
from numpy.typing import NDArray

import gradref
from tests.functions import exact_log_sum_exp_hessian, log_sum_exp

Function = Callable[[NDArray[Any]], Any]
Hessian = Callable[[NDArray[np.float64]], NDArray[np.float64]]
STEPS = np.arange(19)  # h = 2^-k


def worked(x: NDArray[Any]) -> Any:
    return x[0] ** 2 * x[1] + np.exp(x[0] * x[1])


def worked_hessian(x: NDArray[np.float64]) -> NDArray[np.float64]:
    a, b = x
    e = np.exp(a * b)
    mixed = 2 * a + e + a * b * e
    return np.array([[2 * b + b * b * e, mixed], [mixed, a * a * e]])


def trig_rational(x: NDArray[Any]) -> Any:
    one = x.dtype.type(1)
    return one / (2 * one + np.cos(x[0]) * np.sin(x[1])) + np.exp(np.sin(x[0] + x[1] / 2))


def trig_rational_hessian(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """mpmath's, at 40 digits."""
    with mpmath.workdps(40):

        def f(a: Any, b: Any) -> Any:
            return 1 / (2 + mpmath.cos(a) * mpmath.sin(b)) + mpmath.exp(mpmath.sin(a + b / 2))

        orders = [[(2, 0), (1, 1)], [(1, 1), (0, 2)]]
        point = [mpmath.mpf(float(t)) for t in x]
        return np.array([[float(mpmath.diff(f, point, o)) for o in row] for row in orders])


def waves(seed: int) -> tuple[Function, Hessian]:
    """a . sin(W x + p) + c exp(v . x), n = 3, its coefficients in the dtype of x."""
    rng = np.random.default_rng(seed)
    a, w, p = rng.normal(size=3), rng.normal(size=(3, 3)), rng.normal(size=3)
    c, v = rng.normal(), rng.normal(size=3) / 2

    def f(x: NDArray[Any]) -> Any:
        d = x.dtype
        phase = w.astype(d) @ x + p.astype(d)
        return a.astype(d) @ np.sin(phase) + d.type(c) * np.exp(v.astype(d) @ x)

    def hessian(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return -(w.T * (a * np.sin(w @ x + p))) @ w + c * np.exp(v @ x) * np.outer(v, v)

    return f, hessian


def cases() -> list[tuple[str, Function, Hessian, list[NDArray[np.float64]]]]:
    rng = np.random.default_rng(1)
    near = [np.array([1.0, 2.0]) + rng.uniform(-0.1, 0.1, 2) * (k > 0) for k in range(6)]
    found: list[tuple[str, Function, Hessian, list[NDArray[np.float64]]]] = [
        ("running example", worked, worked_hessian, near),
        ("log-sum-exp", log_sum_exp, exact_log_sum_exp_hessian, []),
        ("trig-rational", trig_rational, trig_rational_hessian, []),
    ]
    found += [(f"waves {s}", *waves(s), []) for s in range(4)]
    n = {"log-sum-exp": 3, "trig-rational": 2}
    return [
        (name, f, H, points or [rng.uniform(-1.0, 1.0, n.get(name, 3)) for _ in range(6)])
        for name, f, H, points in found
    ]


def in_dtype(f: Function, single: bool) -> Function:
    """f computed in float32 (complex64 at complex points) if `single`, else as given."""

    def g(p: NDArray[Any]) -> Any:
        if not single:
            return f(p)
        return f(np.asarray(p).astype(np.complex64 if np.iscomplexobj(p) else np.float32))

    return g


def log_error(f: Function, x: NDArray[np.float64], exact: Any, **kwargs: Any) -> float:
    try:
        estimate = gradref.hessian(f, x, **kwargs)
    except ValueError:  # a step too small for the precision: refused
        return float("nan")
    return float(np.log2(np.abs(estimate - exact).max() / np.abs(exact).max()))


def sweep(scheme: gradref.HessianScheme, single: bool) -> list[tuple[str, list[float], float]]:
    """Per function: the mean log2 error at each 2^-k, and at the default step."""
    rows = []
    for name, f, exact_hessian, points in cases():
        fun = in_dtype(f, single)
        errors = np.zeros(len(STEPS))
        default = 0.0
        for x in points:
            exact = exact_hessian(x)
            scale = np.maximum(1.0, np.abs(x))
            errors += [log_error(fun, x, exact, scheme=scheme, h=2.0**-k * scale) for k in STEPS]
            default += log_error(fun, x, exact, scheme=scheme)
        rows.append((name, list(errors / len(points)), default / len(points)))
    return rows


def main() -> None:
    for single in (True, False):
        for scheme in ("central", "complex", "richardson"):
            dtype = "float32" if single else "float64"
            print(f"{scheme}, f in {dtype}: mean log2 relative error at h = 2^-k")
            print(f"{'':16}" + "".join(f"{k:>6}" for k in STEPS) + "  best  default  above")
            for name, errors, default in sweep(scheme, single):
                best = int(STEPS[np.nanargmin(errors)])
                print(
                    f"{name:16}"
                    + "".join(f"{e:6.1f}" for e in errors)
                    + f"  {best:>4}  {default:7.1f}  {default - np.nanmin(errors):5.1f}"
                )
            print()


if __name__ == "__main__":
    main()
