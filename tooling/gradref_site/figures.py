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


def svg(fig: Figure, alt: str, caption: str = "") -> str:
    """The figure as inline SVG with `alt` as its accessible name, in a <figure>."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = _slim(buffer.getvalue())
    label = html.escape(alt, quote=True)
    text = text.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    text = text.replace(">", f"><title>{html.escape(alt)}</title>", 1)
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure class="figure">{text}{figcaption}</figure>'
