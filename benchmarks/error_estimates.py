r"""How the error estimate of ``full_output=True`` compares with the true error.

Run from the repository's top folder (nothing is asserted; tests/test_estimates.py
asserts the two requirements for fewer points):

    .venv/bin/python -m benchmarks.error_estimates [POINTS]

For every member of the hidden-style family in tests/functions.py (exp, sin, log, a
rational function, a product, Rosenbrock, the smooth chain, log-sum-exp; n = 3) at
POINTS random points of $[-2, 2]^3$ (seeds 0, 1, ...), and for every scheme, it takes
``gradient(f, x, scheme=s, full_output=True)`` and the Jacobian of all eight at once,
and compares ``info.error`` with the true error against mpmath's derivative at 40
digits. It prints, per scheme, the distribution of estimate / true error over the
entries with a nonzero true error (the estimate must never be below it: the minimum
must be at least 1), how many entries had a true error of exactly 0, and the largest
ratio among the entries whose true error exceeds the rounding floor ``info.rounding``
(the requirement: at most 1000).
"""

from __future__ import annotations

import sys

import numpy as np

import gradref
from tests.functions import FAMILY, exact_family_gradient, family_function, family_map

SCHEMES: list[gradref.Scheme] = ["forward", "backward", "central", "richardson", "complex"]
# A coarse step per scheme, given as `h`, where truncation dominates: the upper bound's case.
COARSE = {"forward": 1e-5, "backward": 1e-5, "central": 1e-3, "richardson": 0.25, "complex": 1e-2}


def measure(points: int, coarse: bool = False) -> dict[str, dict[str, list[float]]]:
    """Return, per scheme, the ratios estimate / true error and those above the floor."""
    found: dict[str, dict[str, list[float]]] = {
        s: {"ratios": [], "above": [], "zero": []} for s in SCHEMES
    }
    for seed in range(points):
        x = np.random.default_rng(seed).uniform(-2.0, 2.0, 3)
        exact = np.array([exact_family_gradient(name, x) for name in FAMILY])
        for scheme in SCHEMES:
            h = COARSE[scheme] if coarse else None
            results = [
                gradref.gradient(family_function(name), x, h=h, scheme=scheme, full_output=True)
                for name in FAMILY
            ]
            value = np.array([g for g, _ in results])
            error = np.array([info.error for _, info in results])
            floor = np.array([info.rounding for _, info in results])
            jac, info = gradref.jacobian(family_map, x, h=h, scheme=scheme, full_output=True)
            for v, e, r in ((value, error, floor), (jac, info.error, info.rounding)):
                true = np.abs(v - exact)
                nonzero = true > 0
                found[scheme]["ratios"] += (e[nonzero] / true[nonzero]).tolist()
                found[scheme]["zero"].append(float((~nonzero).sum()))
                above = true > r
                found[scheme]["above"] += (e[above] / true[above]).tolist()
    return found


def main() -> None:
    points = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    for coarse in (False, True):
        steps = "coarse steps " + str(COARSE) if coarse else "default steps"
        print(f"{points} points x 8 functions x 3 components, gradient and Jacobian, {steps}")
        table(measure(points, coarse))


def table(found: dict[str, dict[str, list[float]]]) -> None:
    """Print the distribution of the ratios for each scheme."""
    print(
        f"{'scheme':>10}  {'entries':>7}  {'min':>8}  {'1%':>8}  {'median':>8}  {'99%':>8}  "
        f"{'max':>8}  {'exact 0':>7}  {'above floor':>11}  {'max there':>9}"
    )
    for scheme, data in found.items():
        r = np.array(data["ratios"])
        above = np.array(data["above"])
        q = np.quantile(r, [0.0, 0.01, 0.5, 0.99, 1.0])
        top = f"{above.max():9.3g}" if above.size else f"{'-':>9}"
        print(
            f"{scheme:>10}  {r.size:>7}  {q[0]:8.3g}  {q[1]:8.3g}  {q[2]:8.3g}  {q[3]:8.3g}  "
            f"{q[4]:8.3g}  {int(sum(data['zero'])):>7}  {above.size:>11}  {top}"
        )


if __name__ == "__main__":
    main()
