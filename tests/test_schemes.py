"""The one table of each scheme's facts (gradref/_schemes.py): what the docstrings' tables
state agrees with it, and what it states is what the schemes do, measured."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import gradref
from gradref._schemes import DIFFERENCES, HESSIANS


def table(doc: str | None) -> dict[str, list[str]]:
    """The rows of a docstring's Markdown table, by their first cell."""
    rows = [line.strip().strip("|").split("|") for line in (doc or "").splitlines()]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows if len(cells) > 2}


def order(cell: str) -> int:
    """The p of a cell that reads $O(h)$ or $O(h^p)$."""
    found = re.fullmatch(r"\$O\(h(?:\^(\d+))?\)\$", cell)
    assert found, cell
    return int(found[1] or 1)


def test_every_function_takes_the_tables_schemes() -> None:
    assert gradref.Scheme.__args__ == tuple(DIFFERENCES)  # type: ignore[attr-defined]
    assert gradref.HessianScheme.__args__ == tuple(HESSIANS)  # type: ignore[attr-defined]


def test_the_docstring_tables_state_the_tables_orders() -> None:
    steps = table(gradref.default_step.__doc__)
    formulas = table(gradref.partial_derivative.__doc__)
    hessians = table(gradref.hessian.__doc__)
    for name, facts in DIFFERENCES.items():
        assert int(steps[name][0]) == facts.order, name
        assert order(formulas[name][1]) == facts.order, name
    for name, second in HESSIANS.items():
        assert order(hessians[name][1]) == second.order, name


@pytest.mark.parametrize("name", DIFFERENCES)
def test_the_default_step_is_the_tables(name: gradref.Scheme) -> None:
    # For |x_i| <= 1 the step is the table's, rounded to a power of two.
    step = gradref.default_step([0.0, 0.5, -1.0], scheme=name)
    assert (step == 2.0 ** np.round(np.log2(DIFFERENCES[name].step))).all()


def measured_order(estimate: Callable[[float], float], exact: float, h: float) -> float:
    """log2 of how much halving h shrinks the error, in the truncation regime."""
    return float(np.log2(abs(estimate(h) - exact) / abs(estimate(h / 2) - exact)))


@pytest.mark.parametrize(
    ("name", "h"),
    [("forward", 2.0**-8), ("backward", 2.0**-8), ("central", 2.0**-6), ("richardson", 0.5)],
)
def test_a_real_schemes_order_is_measured(name: gradref.Scheme, h: float) -> None:
    # exp at 0.3, in steps where truncation dwarfs rounding: halving h divides the error
    # by 2^p, to within 0.1 in p.
    def estimate(step: float) -> float:
        return gradref.partial_derivative(lambda p: np.exp(p[0]), [0.3], 0, h=step, scheme=name)

    assert abs(measured_order(estimate, np.exp(0.3), h) - DIFFERENCES[name].order) < 0.1


def test_the_complex_steps_order_is_measured() -> None:
    # Truncation -h^2 f'''/6 relative to f': visible at large h, with f = exp.
    def estimate(step: float) -> float:
        return gradref.partial_derivative(
            lambda p: np.exp(p[0]), [0.3], 0, h=step, scheme="complex"
        )

    assert abs(measured_order(estimate, np.exp(0.3), 0.25) - DIFFERENCES["complex"].order) < 0.1


@pytest.mark.parametrize(
    ("name", "h"), [("central", 2.0**-3), ("complex", 2.0**-3), ("richardson", 0.5)]
)
def test_a_hessian_schemes_order_is_measured(name: gradref.HessianScheme, h: float) -> None:
    def f(p: Any) -> Any:
        return np.exp(p[0] + 2 * p[1])

    exact = np.array([[1.0, 2.0], [2.0, 4.0]])

    def estimate(step: float) -> float:
        return float(np.abs(gradref.hessian(f, [0.0, 0.0], h=step, scheme=name) - exact).max())

    assert abs(np.log2(estimate(h) / estimate(h / 2)) - HESSIANS[name].order) < 0.15


@pytest.mark.parametrize("name", ["forward", "central", "richardson"])
def test_the_rounding_factor_bounds_the_rounding_measured(name: gradref.Scheme) -> None:
    # f(x) = c + x with c huge: truncation is zero, every f(x + a h) is rounded by up to
    # eps |f| / 2 (h is no multiple of the spacing of c), and the derivative, 1, is off by
    # at most c_s eps |f| / (2 h).
    c = 2.0**40
    x = np.linspace(0.1, 0.9, 401)
    h = 1.37e-3
    errors = [
        abs(gradref.partial_derivative(lambda p: c + p[0], [xi], 0, h=h, scheme=name) - 1)
        for xi in x
    ]
    bound = DIFFERENCES[name].rounding * np.finfo(float).eps * c / (2 * h)
    assert max(errors) <= bound * (1 + 1e-9)
    assert max(errors) > bound / 8  # the factor is not a loose overestimate
