"""The derivative cases of scipy's and numdifftools' own test suites, run through gradref.

Sources (read at scipy 3dbf660a91 and numdifftools c48563b; the functions, points,
expected values and tolerances are theirs, the tests are written here):

- SCIPY_NUMDIFF: scipy/optimize/tests/test__numdiff.py (`approx_derivative`);
- SCIPY_DIFF: scipy/differentiate/tests/test_differentiate.py (`derivative`,
  `jacobian`, `hessian`);
- NDT: numdifftools' tests/test_numdifftools.py and tests/test_example_functions.py
  with its example_functions.py.

Each case runs with gradref's default scheme (central) and its most accurate real one
(richardson), and with the scheme matching the peer's method where it has one
(approx_derivative's '2-point' is forward, '3-point' central, 'cs' complex). The
tolerance is the peer's unless `DIFFERENT` gives another with its reason. Cases that
gradref's API cannot express are listed in `LEFT_OUT` with theirs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import special, stats
from scipy.optimize import rosen, rosen_der, rosen_hess

import gradref
from gradref import Scheme

EPS = float(np.finfo(np.float64).eps)
SCIPY_NUMDIFF = "scipy/optimize/tests/test__numdiff.py"
SCIPY_DIFF = "scipy/differentiate/tests/test_differentiate.py"
NDT = "numdifftools/tests/test_numdifftools.py"
NDT_EXAMPLES = "numdifftools/tests/test_example_functions.py"
# numpy's assert_allclose default, and scipy's xp_assert_close default for float64.
ALLCLOSE = 1e-7
XP_CLOSE = 4 * EPS**0.5


@dataclass(frozen=True)
class Case:
    """One peer assertion: `kind` of derivative of `f` at `x` is `exact` (rtol, atol)."""

    name: str
    source: str
    kind: str  # "gradient", "jacobian", "hessian" or "directional"
    f: Callable[[NDArray[Any]], Any]
    x: tuple[float, ...]
    exact: Callable[[NDArray[np.float64]], Any]
    rtol: float = ALLCLOSE
    atol: float = 0.0
    # The peer's other methods and their tolerances, as gradref schemes: {scheme: (rtol, atol)}.
    also: dict[str, tuple[float, float]] = field(default_factory=dict)
    h: float | None = None
    u: tuple[float, ...] = ()  # the direction, for kind == "directional"


def compute(case: Case, scheme: str) -> NDArray[np.float64]:
    """Run gradref on the case. A step the peer gives is for its method: richardson,
    which has no peer method here, runs with its own default step."""
    x = np.array(case.x)
    h = None if scheme == "richardson" else case.h
    if case.kind == "gradient":
        return np.asarray(gradref.gradient(case.f, x, h=h, scheme=cast(Scheme, scheme)))
    if case.kind == "jacobian":
        return gradref.jacobian(case.f, x, h=h, scheme=cast(Scheme, scheme))
    if case.kind == "hessian":
        return gradref.hessian(case.f, x, h=h, scheme=scheme)  # type: ignore[arg-type]
    u = np.array(case.u) / np.linalg.norm(case.u)  # numdifftools normalises v too
    d = gradref.directional_derivative(case.f, x, u, h=h, scheme=scheme)  # type: ignore[arg-type]
    return np.array(d)


# --- scipy/optimize/tests/test__numdiff.py -------------------------------------------


def sinh0(p: NDArray[Any]) -> Any:
    return np.sinh(p[0])


def scalar_vector(p: NDArray[Any]) -> Any:
    return np.array([p[0] ** 2, np.tan(p[0]), np.exp(p[0])])


def scalar_vector_jac(p: NDArray[np.float64]) -> Any:
    return np.array([[2 * p[0]], [np.cos(p[0]) ** -2], [np.exp(p[0])]])


def vector_scalar(p: NDArray[Any]) -> Any:
    return np.sin(p[0] * p[1]) * np.log(p[0])


def vector_scalar_grad(p: NDArray[np.float64]) -> Any:
    x, y = p
    return np.array(
        [y * np.cos(x * y) * np.log(x) + np.sin(x * y) / x, x * np.cos(x * y) * np.log(x)]
    )


def vector_vector(p: NDArray[Any]) -> Any:
    return np.array([p[0] * np.sin(p[1]), p[1] * np.cos(p[0]), p[0] ** 3 * p[1] ** -0.5])


def vector_vector_jac(p: NDArray[np.float64]) -> Any:
    x, y = p
    return np.array(
        [
            [np.sin(y), x * np.cos(y)],
            [-y * np.sin(x), np.cos(x)],
            [3 * x**2 * y**-0.5, -0.5 * x**3 * y**-1.5],
        ]
    )


def math_exp(p: NDArray[Any]) -> float:
    return math.exp(p[0])


def kinks(p: NDArray[Any]) -> Any:
    return -np.abs(p[0] + 1) + np.abs(p[1] + 1)


def sparse_fun(p: NDArray[Any]) -> Any:
    e = p[1:] ** 3 - p[:-1] ** 2
    return np.hstack((0, 3 * e)) + np.hstack((2 * e, 0))


def sparse_jac(p: NDArray[np.float64]) -> Any:
    n = p.size
    J = np.zeros((n, n))  # noqa: N806
    J[0, 0], J[0, 1] = -4 * p[0], 6 * p[1] ** 2
    for i in range(1, n - 1):
        J[i, i - 1], J[i, i], J[i, i + 1] = (
            -6 * p[i - 1],
            9 * p[i] ** 2 - 4 * p[i],
            6 * p[i + 1] ** 2,
        )
    J[-1, -1], J[-1, -2] = 9 * p[-1] ** 2, -6 * p[-2]
    return J


def sparse_point() -> tuple[float, ...]:
    n = 50
    lb, ub = -0.1 * (1 + np.arange(n)), 0.1 * (1 + np.arange(n))
    x = np.empty(n)
    x[::2], x[1::2] = (1 - 1e-7) * lb[::2], (1 - 1e-7) * ub[1::2]
    return tuple(x)


# approx_derivative's tolerances: '2-point' (forward), '3-point' (central), 'cs' (complex).
def methods(two: float, three: float, cs: float = 1e-12) -> dict[str, tuple[float, float]]:
    return {"forward": (two, 0.0), "complex": (cs, 0.0), "central": (three, 0.0)}


NUMDIFF_CASES = [
    Case("scalar_scalar", SCIPY_NUMDIFF, "gradient", sinh0, (1.0,),
         lambda p: np.cosh(p), 1e-9, also=methods(1e-6, 1e-9)),
    Case("scalar_scalar_abs_step", SCIPY_NUMDIFF, "gradient", sinh0, (1.0,),
         lambda p: np.cosh(p), 1e-9, also=methods(1e-6, 1e-9), h=1.49e-8),
    Case("scalar_vector", SCIPY_NUMDIFF, "jacobian", scalar_vector, (0.5,),
         scalar_vector_jac, 1e-9, also=methods(1e-6, 1e-9)),
    Case("vector_scalar", SCIPY_NUMDIFF, "gradient", vector_scalar, (100.0, -0.5),
         vector_scalar_grad, 1e-7, also=methods(1e-6, 1e-7)),
    Case("vector_scalar_abs_step", SCIPY_NUMDIFF, "gradient", vector_scalar, (100.0, -0.5),
         vector_scalar_grad, 3e-9, also=methods(1e-6, 3e-9), h=1.49e-8),
    Case("vector_vector", SCIPY_NUMDIFF, "jacobian", vector_vector, (-100.0, 0.2),
         vector_vector_jac, 1e-6, also=methods(1e-5, 1e-6)),
    Case("custom_rel_step", SCIPY_NUMDIFF, "jacobian", vector_vector, (-0.1, 0.1),
         vector_vector_jac, 1e-4, also={"forward": (1e-2, 0.0)}, h=1e-4),
    Case("with_bounds_3_point (no bounds)", SCIPY_NUMDIFF, "jacobian", vector_vector,
         (1.0, 2.0), vector_vector_jac, 1e-9),
    Case("non_numpy", SCIPY_NUMDIFF, "gradient", math_exp, (1.0,),
         lambda p: np.exp(p), 1e-8, also={"forward": (1e-6, 0.0)}),
    Case("absolute_step_sign (forward)", SCIPY_NUMDIFF, "gradient", kinks, (-1.0, -1.0),
         lambda p: np.array([-1.0, 1.0]), 1e-7, h=1e-8),
    Case("absolute_step_sign (backward)", SCIPY_NUMDIFF, "gradient", kinks, (-1.0, -1.0),
         lambda p: np.array([1.0, -1.0]), 1e-7, h=1e-8),
    Case("sparse, as a dense Jacobian (n = 50)", SCIPY_NUMDIFF, "jacobian", sparse_fun,
         sparse_point(), sparse_jac, 1e-6, also=methods(1e-6, 1e-6, 1e-6)),
]  # fmt: skip
# The kink cases are one-sided by construction: only forward (resp. backward) applies.
ONLY = {
    "absolute_step_sign (forward)": ("forward",),
    "absolute_step_sign (backward)": ("backward",),
}


# --- scipy/differentiate/tests/test_differentiate.py ---------------------------------


def ndtr(p: NDArray[Any]) -> Any:
    return special.ndtr(p[0])


def power(n: int) -> Callable[[NDArray[Any]], Any]:
    return lambda p: 2 * p[0] ** n


def power_derivative(n: int) -> Callable[[NDArray[Any]], Any]:
    """The derivative of power(n)."""
    return lambda p: 2 * n * p ** (n - 1)


def of_first_coordinate(g: Callable[[Any], Any]) -> Callable[[NDArray[Any]], Any]:
    """p -> g(p[0]): a function of one variable as one of a point."""
    return lambda p: g(p[0])


def wikipedia(name: str) -> tuple[Callable[[NDArray[Any]], Any], Callable[[Any], Any], int]:
    """The Jacobian examples of TestJacobian (from Wikipedia): F, J_F, number of inputs."""
    if name == "f1":
        return (lambda z: np.array([z[0] ** 2 * z[1], 5 * z[0] + np.sin(z[1])]),
                lambda z: [[2 * z[0] * z[1], z[0] ** 2], [5.0, np.cos(z[1])]], 2)  # fmt: skip
    if name == "f2":
        return (lambda z: np.array([z[0] * np.cos(z[1]), z[0] * np.sin(z[1])]),
                lambda z: [[np.cos(z[1]), -z[0] * np.sin(z[1])],
                           [np.sin(z[1]), z[0] * np.cos(z[1])]], 2)  # fmt: skip
    if name == "f3":

        def f3(z: NDArray[Any]) -> Any:
            r, phi, th = z
            return np.array([r * np.sin(phi) * np.cos(th), r * np.sin(phi) * np.sin(th),
                             r * np.cos(phi)])  # fmt: skip

        def df3(z: Any) -> Any:
            r, phi, th = z
            return [[np.sin(phi) * np.cos(th), r * np.cos(phi) * np.cos(th),
                     -r * np.sin(phi) * np.sin(th)],
                    [np.sin(phi) * np.sin(th), r * np.cos(phi) * np.sin(th),
                     r * np.sin(phi) * np.cos(th)],
                    [np.cos(phi), -r * np.sin(phi), 0.0]]  # fmt: skip

        return f3, df3, 3
    if name == "f4":
        return (lambda x: np.array([x[0], 5 * x[2], 4 * x[1] ** 2 - 2 * x[2], x[2] * np.sin(x[0])]),
                lambda x: [[1, 0, 0], [0, 0, 5], [0, 8 * x[1], -2],
                           [x[2] * np.cos(x[0]), 0, np.sin(x[0])]], 3)  # fmt: skip
    if name == "f5":
        return (lambda x: np.array([5 * x[1], 4 * x[0] ** 2 - 2 * np.sin(x[1] * x[2]),
                                    x[1] * x[2]]),
                lambda x: [[0, 5, 0],
                           [8 * x[0], -2 * x[2] * np.cos(x[1] * x[2]),
                            -2 * x[1] * np.cos(x[1] * x[2])],
                           [0, x[2], x[1]]], 3)  # fmt: skip
    return (lambda x: np.array([rosen(x)]), lambda x: [rosen_der(np.asarray(x))], 5)


def jacobian_points(m: int) -> list[tuple[float, ...]]:
    """TestJacobian.test_examples' points: sizes () and (6,) from its seeded generator."""
    single = np.random.default_rng(458912319542).random(size=(m,))
    batch = np.random.default_rng(458912319542).random(size=(m, 6))
    return [tuple(single), *(tuple(column) for column in batch.T)]


def jacobian_case(name: str, k: int, point: tuple[float, ...]) -> Case:
    """TestJacobian.test_examples at one point (rosen, m = 1, as a gradient); atol 1e-10."""
    fun, jac, _ = wikipedia(name)
    if name == "rosen":
        return Case(f"jacobian rosen at point {k}", SCIPY_DIFF, "gradient",
                    lambda x: fun(x)[0], point, lambda x: np.ravel(jac(x)), 0.0, 1e-10)  # fmt: skip
    return Case(f"jacobian {name} at point {k}", SCIPY_DIFF, "jacobian", fun, point,
                lambda x: np.asarray(jac(x), dtype=float), 0.0, 1e-10)  # fmt: skip


DIFF_CASES = [
    *(Case(f"basic x = {x:.4g}", SCIPY_DIFF, "gradient", ndtr, (float(x),),
           lambda p: stats.norm.pdf(p), XP_CLOSE)
      for x in [0.6, *np.linspace(-0.05, 1.05, 10)]),
    Case("special_cases x**99 - 1 at 7", SCIPY_DIFF, "gradient", lambda p: p[0] ** 99 - 1,
         (7.0,), lambda p: 99 * p**98, 1e-10),
    *(Case(f"special_cases 2x^{n} at 1.5", SCIPY_DIFF, "gradient", power(n), (1.5,),
           power_derivative(n), 1e-15) for n in range(6)),
    Case("saddle_gh18811 (x - 1)^3 at 1", SCIPY_DIFF, "gradient", lambda p: (p[0] - 1) ** 3,
         (1.0,), lambda p: 0 * p, 0.0, 1e-16),
    *(jacobian_case(name, k, point)
      for name in ["f1", "f2", "f3", "f4", "f5", "rosen"]
      for k, point in enumerate(jacobian_points(wikipedia(name)[2]))),
    Case("hessian rosen (structural zeros)", SCIPY_DIFF, "hessian", rosen,
         tuple(np.random.default_rng(458912319542).random(3)), rosen_hess, 0.0, 1e-8),
    *(Case(f"hessian rosen shape (4,), point {k}", SCIPY_DIFF, "hessian", rosen, tuple(column),
           rosen_hess, 0.0, 1e-8)
      for k, column in enumerate(np.random.default_rng(458912319542).random((3, 4)).T)),
]  # fmt: skip


# --- numdifftools ----------------------------------------------------------------------


def ndt_rosen(p: NDArray[Any]) -> Any:
    """numdifftools.testing.rosen: its own Rosenbrock, with 105 for scipy's 100."""
    return (1 - p[0]) ** 2 + 105.0 * (p[1] - p[0] ** 2) ** 2


def residuals(c: NDArray[Any]) -> Any:
    xdata = np.arange(0, 1, 0.1)
    ydata = 1 + 2 * np.exp(0.75 * xdata)
    return (c[0] + c[1] * np.exp(c[2] * xdata) - ydata) ** 2


def hessian_xyz(p: NDArray[np.float64]) -> Any:
    x, y, z = p
    return np.array([[np.exp(x) * y, np.exp(x) + z, y], [np.exp(x) + z, 0, x], [y, x, 0]])


NDT_CASES = [
    Case("directional_diff rosen", NDT, "directional", ndt_rosen, (2.0, 3.0),
         lambda p: 743.87633380824832, u=(1.0, -1.0)),
    Case("derivative_cube", NDT, "gradient", lambda p: p[0] ** 3, (2.0,),
         lambda p: 3 * p**2, 1e-8),
    Case("derivative_exp", NDT, "gradient", lambda p: np.exp(p[0]), (0.0,),
         lambda p: np.exp(p), 1e-8),
    *(Case(f"derivative_sin x = {x:.4g}", NDT, "gradient", lambda p: np.sin(p[0]), (float(x),),
           lambda p: np.cos(p), 0.0, 1e-8) for x in np.linspace(0, 2 * np.pi, 13)),
    *(Case(f"derivative_of_cos_x x = {x!r}", NDT, "gradient", lambda p: np.cos(p[0]), (x,),
           lambda p: -np.sin(p), 1e-6, 1e-14)
      for x in [7.6564547238847105, 8.9428143931508, 2.2204460492503134e-14, 0.0, 10.0]),
    Case("backward_derivative_on_sinh", NDT, "gradient", sinh0, (0.0,), lambda p: np.cosh(p),
         also={"backward": (ALLCLOSE, 0.0)}),
    Case("central_and_forward_derivative_on_log", NDT, "gradient", lambda p: np.log(p[0]),
         (0.001,), lambda p: 1 / p, also={"forward": (ALLCLOSE, 0.0)}),
    *(Case(f"scalar_to_vector x = {v}", NDT, "jacobian",
           lambda p: np.array([p[0], p[0] ** 2, p[0] ** 3]), (v,),
           lambda p: np.array([[1.0], 2 * p, 3 * p**2]), 1e-3, 1e-6,
           also={"forward": (1e-3, 1e-6), "backward": (1e-3, 1e-6), "complex": (1e-3, 1e-6)})
      for v in [-1000.0, -3.7, 0.0, 0.5, 1000.0]),
    Case("jacobian on_scalar_function", NDT, "gradient",
         lambda p: p[0] * p[1] * p[2] + np.exp(p[0]) * p[1], (3.0, 5.0, 7.0),
         lambda p: np.array([135.42768462, 41.08553692, 15.0]),
         also={"forward": (ALLCLOSE, 0.0), "backward": (ALLCLOSE, 0.0),
               "complex": (ALLCLOSE, 0.0)}),
    Case("jacobian on_vector_valued_function", NDT, "jacobian", residuals, (1.0, 2.0, 0.75),
         lambda p: np.zeros((10, 3)), 0.0, 1e-12, also={"complex": (0.0, 1e-12)}),
    Case("issue_27a x**2, n = 500", NDT, "jacobian", lambda p: p**2, (1.0,) * 500,
         lambda p: 2 * np.eye(p.size), also={"forward": (ALLCLOSE, 0.0),
                                             "complex": (ALLCLOSE, 0.0)}),
    Case("issue_68", NDT, "jacobian", lambda p: np.array([np.sum(p**2) - 1]), (1.0, 2.0),
         lambda p: np.array([[2.0, 4.0]])),
    Case("gradient sum(x**2)", NDT, "gradient", lambda p: np.sum(p**2), (1.0, 2.0, 3.0),
         lambda p: np.array([2.0, 4.0, 6.0]),
         also={"forward": (ALLCLOSE, 0.0), "backward": (ALLCLOSE, 0.0),
               "complex": (ALLCLOSE, 0.0)}),
    Case("issue_39", NDT, "gradient", lambda p: 1.0 / (np.exp(p[0]) + np.cos(p[1]) + 10),
         (1.0, 2.0), lambda p: np.array([-0.017961123762187736, 0.0060082083648822]),
         also={"complex": (ALLCLOSE, 0.0)}),
    Case("hessdiag (structural zero)", NDT, "hessian", lambda p: p[0] + p[1] ** 2 + p[2] ** 3,
         (1.0, 2.0, 3.0), lambda p: np.diag([0.0, 2.0, 18.0]), 0.0, 1e-8),
    Case("hessian cos(x - y) at (0, 0)", NDT, "hessian", lambda p: np.cos(p[0] - p[1]),
         (0.0, 0.0), lambda p: np.array([[-1.0, 1.0], [1.0, -1.0]])),
    Case("hessian on_scalar_function (structural zeros)", NDT, "hessian",
         lambda p: p[0] * p[1] * p[2] + np.exp(p[0]) * p[1], (3.0, 5.0, 7.0), hessian_xyz,
         0.0, 1e-4),
]  # fmt: skip


def example_functions() -> list[Case]:
    """test_first_order_derivative: 19 functions at x = 0.5, to 7 decimals (|error| < 1.5e-7)."""
    derivatives: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
        "cos": (np.cos, lambda x: -np.sin(x)), "sin": (np.sin, np.cos),
        "tan": (np.tan, lambda x: 1 / np.cos(x) ** 2), "cosh": (np.cosh, np.sinh),
        "sinh": (np.sinh, np.cosh), "tanh": (np.tanh, lambda x: 1 / np.cosh(x) ** 2),
        "arcsinh": (np.arcsinh, lambda x: 1 / np.sqrt(1 + x**2)), "exp": (np.exp, np.exp),
        "expm1": (np.expm1, np.exp), "exp2": (np.exp2, lambda x: np.log(2) * np.exp2(x)),
        "square": (np.square, lambda x: 2 * x), "sqrt": (np.sqrt, lambda x: 0.5 / np.sqrt(x)),
        "log": (np.log, lambda x: 1 / x), "log1p": (np.log1p, lambda x: 1 / (1 + x)),
        "log10": (np.log10, lambda x: 1 / (x * np.log(10))),
        "log2": (np.log2, lambda x: 1 / (x * np.log(2))),
        "arccos": (np.arccos, lambda x: -1 / np.sqrt(1 - x**2)),
        "arcsin": (np.arcsin, lambda x: 1 / np.sqrt(1 - x**2)),
        "arctan": (np.arctan, lambda x: 1 / (1 + x**2)),
    }  # fmt: skip
    seven = (0.0, 1.5e-7)
    return [
        Case(f"example {name}", NDT_EXAMPLES, "gradient", of_first_coordinate(g), (0.5,),
             dg, *seven,
             also={"forward": seven, "backward": seven, "complex": seven})
        for name, (g, dg) in derivatives.items()
    ]  # fmt: skip


CASES = [*NUMDIFF_CASES, *DIFF_CASES, *NDT_CASES, *example_functions()]

ROSEN_HESSIANS = [
    "hessian rosen (structural zeros)",
    *(f"hessian rosen shape (4,), point {k}" for k in range(4)),
]
# (case name, scheme) -> (rtol, atol, why gradref is held to another tolerance there).
DIFFERENT: dict[tuple[str, str], tuple[float, float, str]] = {
    **{(f"special_cases 2x^{n} at 1.5", "central"): (
        1e-10, 0.0, "central's truncation h^2 f'''/6 is not zero on a cubic and above")
       for n in range(3, 6)},
    ("saddle_gh18811 (x - 1)^3 at 1", "central"): (
        0.0, 2.0**-34, "central's error is exactly h^2 (h = 2^-17) on (x - 1)^3: truncation"),
    ("special_cases x**99 - 1 at 7", "central"): (
        1e-7, 0.0, "f''' / f' = 99 * 98 / 49: central's truncation h^2 |f'''| / 6 is 1.6e-8 rel."),
    **{(f"jacobian rosen at point {k}", "central"): (
        0.0, 1e-7, "scipy's atol 1e-10 is for its extrapolation; central's truncation "
        "h^2 |f'''| / 6 with rosen's f''' = 2400 x_i is up to 2e-8") for k in range(7)},
    **{(name, "central"): (
        0.0, 2e-5, "scipy's atol 1e-8 is for its extrapolation; gradref's central Hessian is "
        "off by ~4e-9 of max |H| (1.2e3 here; tests/test_hessian.py), zeros included")
       for name in ROSEN_HESSIANS},
    **{(name, "complex"): (
        0.0, 1e-7, "the complex Hessian's error is ~2e-11 of max |H| (1.2e3 here)")
       for name in ROSEN_HESSIANS},
    ("jacobian on_vector_valued_function", "central"): (
        0.0, 1e-9, "at a zero of the residuals, central's truncation h^2 r' r'' stays"),
    ("central_and_forward_derivative_on_log", "central"): (
        3e-5, 0.0, "default_step's length scale max(1, |x|) is too coarse for log at 1e-3 "
        "(documented; numdifftools' own case uses a step generator scaled to x)"),
    ("central_and_forward_derivative_on_log", "forward"): (
        0.02, 0.0, "the same length scale, at first order"),
    ("derivative_of_cos_x x = 2.2204460492503134e-14", "central"): (
        0.0, 3e-14, "cos(x ± h) rounds to the same value: the error is sin(x) = 2.2e-14 itself"),
    ("derivative_of_cos_x x = 2.2204460492503134e-14", "richardson"): (
        0.0, 3e-14, "cos(x ± a h) is symmetric to rounding: the error is sin(x) itself"),
}  # fmt: skip
# Peer cases that raise in gradref, with why (asserted by test_refused_peer_cases).
REFUSED = {
    ("central_and_forward_derivative_on_log", "richardson"): (
        "richardson's default step 2^-6 reaches past 0 from x = 1e-3, where log is not "
        "defined: it raises with a note; with h = 2^-17 x it passes (tested below)"
    ),
}
# Cases of the peer files that gradref's API cannot express, with the reason.
LEFT_OUT = {
    SCIPY_NUMDIFF: {
        "group_columns, TestAdjustSchemeToBounds, sparse structure": "no sparsity or bounds",
        "test_correct_fp_eps, test__compute_absolute_step": "scipy's internal step rules",
        "with_bounds_2_point, tight_bounds, bound_switches, options": "no bounds in gradref",
        "fp, check_dtype (float16/float32)": "x and the result are float64 in gradref "
        "(an f with float32/float16 values gets their step: tests/test_precision.py)",
        "wrong_dimensions": "an error-type case (gradref: ValueError, tested elsewhere)",
        "check_derivative (Jacobian)": "check_gradient checks gradients, not Jacobians",
        "workers_evaluations_and_nfev, linear operators": "no workers or LinearOperator "
        "output (their functions and points are the dense cases above)",
    },
    SCIPY_DIFF: {
        "test_accuracy (distcont)": "run in test_distribution_cdfs below",
        "vectorization, flags, preserve_shape, convergence, maxiter_callback, step_*":
            "derivative's iteration controls and batch shapes; gradref has neither",
        "dtype, float32, kwargs": "x and the result are float64 (a float32 f gets its step: "
        "tests/test_precision.py); no args/kwargs (use a closure)",
        "hessian nfev, input_validation": "scipy's own counts and messages",
        "jacobian size (2, 3)": "the same points as size (6,), reshaped",
    },
    NDT: {
        "TestRichardson, high_order_derivative_cos, Hessdiag orders": "derivatives of "
        "order > 2 and numdifftools' own rule coefficients",
        "full_output, default_scale, step options": "numdifftools' error estimate/steps",
        "on_matrix_valued_function, issue_25, Hessian of a vector function":
            "gradref's jacobian/hessian take 1-D outputs / scalar f",
        "complex_hessian_issue_35, multicomplex": "complex-valued f is not in gradref's scope",
        "infinite_functions": "f = inf: gradref raises (tested in test_input_validation)",
        "run_hamiltonian": "needs numdifftools' step generator to avoid a discontinuity",
    },
}  # fmt: skip


def schemes_for(case: Case) -> list[str]:
    if case.name in ONLY:
        return list(ONLY[case.name])
    main = ["central", "complex"] if case.kind == "hessian" else ["central", "richardson"]
    return [*main, *(s for s in case.also if s not in main)]


RUNS = [
    pytest.param(case, scheme, id=f"{case.source.split('/')[-1]}::{case.name}::{scheme}")
    for case in CASES
    for scheme in schemes_for(case)
    if (case.name, scheme) not in REFUSED
]


def tolerance(case: Case, scheme: str) -> tuple[float, float]:
    if (case.name, scheme) in DIFFERENT:
        rtol, atol, _ = DIFFERENT[case.name, scheme]
        return rtol, atol
    return case.also.get(scheme, (case.rtol, case.atol))


@pytest.mark.parametrize(("case", "scheme"), RUNS)
def test_peer_case(case: Case, scheme: str) -> None:
    # Element-wise, as assert_allclose: every entry, structural zeros included.
    rtol, atol = tolerance(case, scheme)
    got = compute(case, scheme)
    exact = np.asarray(case.exact(np.array(case.x)), dtype=float).reshape(got.shape)
    assert np.all(np.abs(got - exact) <= atol + rtol * np.abs(exact)), got - exact


def test_refused_peer_cases() -> None:
    case = next(c for c in CASES if c.name == "central_and_forward_derivative_on_log")
    with pytest.raises(ValueError, match="returned nan") as info, np.errstate(invalid="ignore"):
        compute(case, "richardson")
    assert "richardson" in " ".join(info.value.__notes__)
    h = 2.0**-17 * 0.001
    d = gradref.partial_derivative(case.f, case.x, 0, h=h, scheme="richardson")
    assert d == pytest.approx(1000, rel=ALLCLOSE)


def test_every_different_tolerance_is_looser_or_explained() -> None:
    # Each entry names a case that exists and a scheme it runs with, and says why.
    names = {c.name: c for c in CASES}
    for (name, scheme), (_, _, why) in DIFFERENT.items():
        assert scheme in schemes_for(names[name]), (name, scheme)
        assert len(why) > 20, (name, scheme)


# --- scipy.differentiate's test_accuracy: every continuous distribution's cdf -------------

DISTRIBUTIONS = [
    pytest.param(name, params, id=name) for name, params in stats._distr_params.distcont
]


@pytest.mark.parametrize(("name", "params"), DISTRIBUTIONS)
def test_distribution_cdfs(name: str, params: tuple[float, ...]) -> None:
    # The peer: derivative(dist.cdf, median + 0.1) == pdf within atol = 1e-10.
    dist = getattr(stats, name)(*params)
    x = float(dist.median()) + 0.1
    exact = float(dist.pdf(x))

    def cdf(p: NDArray[Any]) -> float:
        return float(dist.cdf(p[0]))

    best = gradref.partial_derivative(cdf, [x], 0, scheme="richardson")
    if name == "kstwobign":
        # scipy's cdf and pdf for kstwobign disagree by 1.3e-10: richardson at three
        # steps agrees with itself to 1e-12, so the reference, not the scheme, is off.
        at = [gradref.partial_derivative(cdf, [x], 0, h=2.0**-k, scheme="richardson")
              for k in (6, 8, 10)]  # fmt: skip
        assert max(at) - min(at) < 1e-12
        assert abs(best - exact) < 2e-10
    else:
        assert abs(best - exact) <= 1e-10
    # Central differences: the peer's 1e-10 was made for extrapolation. Central's error
    # is h^2 |f'''| / 6 + eps |f| / h; f''' = pdf'' is estimated by a second difference
    # of the pdf, and a factor 4 covers the estimate.
    h = float(gradref.default_step([x])[0])
    s = 2.0**-12 * max(1.0, abs(x))
    pdf2 = abs(float(dist.pdf(x + s) - 2 * dist.pdf(x) + dist.pdf(x - s))) / s**2
    # tukeylambda's cdf inverts its ppf numerically: its values are noisier than eps.
    noise = 16 * EPS if name == "tukeylambda" else EPS
    model = h**2 * pdf2 / 6 + noise * abs(cdf(np.array([x]))) / h
    central = gradref.partial_derivative(cdf, [x], 0)
    assert abs(central - exact) <= max(1e-10, 4 * model)
