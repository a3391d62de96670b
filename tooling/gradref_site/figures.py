"""Figure helpers for the docs pages: matplotlib in, accessible inline SVG out.

The pages import it (``from gradref_site.figures import ...``) in the figure blocks that
markdown-exec runs at build time, and a notebook installs it with the ``figures`` extra.
"""

from __future__ import annotations

import html
import io
import re
from typing import Any

import matplotlib as mpl
import numpy as np

mpl.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.text import Text

mpl.rcParams.update(
    {
        "svg.hashsalt": "gradref",  # the same ids on every build
        "svg.fonttype": "none",  # text stays text: smaller, selectable, searchable
        "font.family": "sans-serif",
        "font.size": 10,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "figure.facecolor": "white",
    }
)


# viridis without its pale yellow end, which is hard to read on the white figure card.
CONTOURS = ListedColormap(mpl.colormaps["viridis"](np.linspace(0.0, 0.82, 256)))


def figure(
    ncols: int = 1, *, nrows: int = 1, width: float = 6.4, height: float = 4.0
) -> tuple[Figure, Any]:
    """A new figure with a grid of `nrows` by `ncols` axes."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained")
    return fig, axes


# Geometry attributes whose numbers matplotlib writes to 6 decimals of a pixel.
_GEOMETRY = re.compile(r'( (?:d|x|y|x1|x2|y1|y2|width|height|transform)=")([^"]*)"')
_DECIMALS = re.compile(r"(\d+\.\d{2})\d+")


def _slim(text: str) -> str:
    """Matplotlib's SVG, less the bytes a browser does not need (pages must stay < 1 MB).

    Drops the XML prolog and DOCTYPE, the ids of <g> groups (nothing refers to them),
    the indentation, and every geometry coordinate's digits beyond 1/100 of a pixel.
    """
    text = text[text.index("<svg") :]
    text = re.sub(r'<g id="[^"]*"', "<g", text)
    text = re.sub(r">\s+<", "><", text)
    return _GEOMETRY.sub(lambda m: m[1] + _DECIMALS.sub(r"\1", m[2]) + '"', text)


# Every figure `svg` wrote: its alt text and the numbers it draws (tests/test_alt_texts.py).
DRAWN: list[tuple[str, list[float]]] = []
# A number as a reader reads it: 1.95, -65.9, 1.2e-08, 603; "v1" gives 1.
NUMBER = re.compile(r"(?<![\d.])(?:(?<![A-Za-z0-9])[-\u2212])?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def numbers_in(text: str) -> list[str]:
    """The numbers written in `text`, as written (a Unicode minus read as '-')."""
    return [m.replace("\u2212", "-") for m in NUMBER.findall(text)]


def _crossings(x: np.ndarray, y: np.ndarray) -> list[float]:
    """Where the polyline (x, y) crosses y = 0, by linear interpolation."""
    k = np.flatnonzero(np.sign(y[:-1]) * np.sign(y[1:]) < 0)
    return list(x[k] - y[k] * (x[k + 1] - x[k]) / (y[k + 1] - y[k]))


def drawn_numbers(fig: Figure) -> list[float]:
    """The numbers a reader can see in `fig`.

    Every point of every line (and how many points, and steps between them), where a
    line crosses zero, the axes' limits, the contour levels, and every number written
    in a title, label, legend or annotation. Tick labels are left out: they say where
    the axes are, not what was drawn.
    """
    values: list[float] = []
    texts: list[Text] = [t for legend in fig.legends for t in legend.get_texts()]
    for ax in fig.axes:
        values += [*ax.get_xlim(), *ax.get_ylim()]
        for line in ax.get_lines():
            x = np.asarray(line.get_xdata(), dtype=float)
            y = np.asarray(line.get_ydata(), dtype=float)
            values += [*x, *y, x.size, x.size - 1, *_crossings(x, y)]
        for collection in ax.collections:
            values += list(getattr(collection, "levels", []))
        legend = ax.get_legend()
        texts += [*ax.texts, ax.title, ax.xaxis.label, ax.yaxis.label]
        texts += legend.get_texts() if legend is not None else []
    for text in texts:
        values += [float(n) for n in numbers_in(text.get_text())]
    return [v for v in values if np.isfinite(v)]


def svg(fig: Figure, alt: str, caption: str = "") -> str:
    """The figure as inline SVG with `alt` as its accessible name, in a <figure>."""
    DRAWN.append((alt, drawn_numbers(fig)))
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = _slim(buffer.getvalue())
    label = html.escape(alt, quote=True)
    text = text.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    text = text.replace(">", f"><title>{html.escape(alt)}</title>", 1)
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure class="figure">{text}{figcaption}</figure>'
