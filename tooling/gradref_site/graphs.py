"""Drawing a computational graph with matplotlib: labelled nodes, labelled arrows.

Used by the automatic-differentiation page; see `figures.py` for the figure and SVG
helpers it is drawn with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes

NODE = {"boxstyle": "round,pad=0.35", "facecolor": "#f0f4fb", "edgecolor": "#2166ac"}
INPUT = {**NODE, "facecolor": "#fdf0e6", "edgecolor": "#b35806"}
LABEL = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"}


def draw_graph(
    ax: Axes,
    nodes: Mapping[str, tuple[float, float, str]],
    edges: Sequence[tuple[str, str, str]],
    inputs: Sequence[str] = (),
) -> None:
    """Draw `nodes` (name: (x, y, text)) joined by `edges` (source, target, label).

    Each arrow carries its label at its middle: on the AD page, the local partial
    derivative of the target with respect to the source. Nodes named in `inputs` are
    drawn in a second colour.
    """
    for name, (x, y, text) in nodes.items():
        style = INPUT if name in inputs else NODE
        ax.text(x, y, text, ha="center", va="center", fontsize=10, bbox=style, zorder=3)
    for source, target, label in edges:
        (x0, y0, _), (x1, y1, _) = nodes[source], nodes[target]
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#555555",
                "lw": 1.1,
                "shrinkA": 22,
                "shrinkB": 22,
            },
            zorder=1,
        )
        ax.text(
            (x0 + x1) / 2,
            (y0 + y1) / 2,
            label,
            ha="center",
            va="center",
            fontsize=8,
            color="#b2182b",
            bbox=LABEL,
            zorder=2,
        )
    xs = [x for x, _, _ in nodes.values()]
    ys = [y for _, y, _ in nodes.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    ax.set_axis_off()
