"""Every number in a figure's alt text is a number the figure draws.

Each ``python exec="on" html="1"`` block of the pages is run again; `figures.svg` records
each figure's alt text with the numbers drawn in it (`figures.drawn_numbers`: the points
of its lines, their counts, zero crossings, axis limits, contour levels and the numbers
in its titles, labels, legends and annotations). A number in the alt text must equal
one of them to the precision it is printed with: "1.95" matches 1.9500 ± 0.005, "603"
matches 602.5 to 603.5, "1.2e-08" matches (1.2 ± 0.05) × 10⁻⁸.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from gradref_site import figures

DOCS = Path(__file__).resolve().parents[1] / "docs"
FENCE = re.compile(r'^```python exec="on" html="1"\n(.*?)^```$', re.M | re.S)
BLOCKS = [
    pytest.param(code, id=f"{page.name}-{k}")
    for page in sorted(DOCS.glob("*.md"))
    for k, code in enumerate(FENCE.findall(page.read_text(encoding="utf-8")))
]


def printed_precision(number: str) -> float:
    """Half a unit of the last digit `number` is printed with."""
    mantissa, _, exponent = number.partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def is_drawn(number: str, drawn: list[float]) -> bool:
    """Whether `number`, to its printed precision, is one of the `drawn` values."""
    value, tolerance = float(number), printed_precision(number) * (1 + 1e-9)
    return any(abs(v - value) <= tolerance for v in drawn)


def undrawn(alt: str, drawn: list[float]) -> list[str]:
    return [number for number in figures.numbers_in(alt) if not is_drawn(number, drawn)]


def render(code: str) -> str:
    """Run one block as the build does and return what it printed."""
    figures.DRAWN.clear()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<figure block>", "exec"), {"__name__": "__main__"})
    return out.getvalue()


def test_the_pages_have_figures() -> None:
    assert len(BLOCKS) >= 14


@pytest.mark.parametrize("code", BLOCKS)
def test_every_number_in_an_alt_text_is_drawn(code: str) -> None:
    html = render(code)
    assert html.count("<svg") == len(figures.DRAWN)
    for alt, drawn in figures.DRAWN:
        assert alt.strip(), "a figure without alt text"
        assert undrawn(alt, drawn) == [], alt


def test_the_check_catches_a_number_not_drawn() -> None:
    fig, ax = figures.figure()
    ax.plot([0, 1, 2, 3], [0.5, 1.2, 1.9, 1.909], label="w at lr = 0.05")
    ax.axhline(1.95)
    ax.legend()
    drawn = figures.drawn_numbers(fig)
    plt.close(fig)
    assert undrawn("w rises from 0.5 to 1.909 in 3 steps at lr 0.05, towards 1.95", drawn) == []
    assert undrawn("w rises to 1.91, then 1.96, in 5 steps", drawn) == ["1.96", "5"]
    assert undrawn("the error falls to 1.2e-08 and 5e-3", drawn) == ["1.2e-08", "5e-3"]
    assert figures.numbers_in("v1 = x, from −1.6 to 1.6, log-log, 1e-16") == [
        "1",
        "-1.6",
        "1.6",
        "1e-16",
    ]
