"""Tables and the figure of the "Accuracy and cost" page, drawn from the benchmark's results.

`benchmarks/accuracy.py` measures and writes `results.json` beside this module; this module only
reads that file, so building the site never reruns the benchmark. Each function returns
HTML for a ``python exec="on" html="1"`` block to print.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

from gradref_site.figures import figure, svg

RESULTS = Path(__file__).with_name("results.json")
# The comparison shown on the page: the largest size of each benchmark function.
SHOWN = (("Rosenbrock", 1000), ("F", 1000))
# One colour and marker per method, the same in the table's key and in the figure.
STYLE = {
    "gradref forward": ("#f4a582", "o"),
    "gradref backward": ("#d6604d", "o"),
    "gradref central": ("#2166ac", "o"),
    "gradref richardson": ("#762a83", "o"),
    "gradref complex": ("#1b7837", "o"),
    "scipy approx_fprime": ("#8c510a", "s"),
    "scipy differentiate": ("#bf812d", "s"),
    "numdifftools Gradient": ("#01665e", "^"),
    "findiff 4th order": ("#666666", "D"),
}
FLOOR = 1e-17  # an exact result (error 0) is drawn here on the log scale
TICKS = (1, 2, 4, 6, 11, 30)  # evaluations per coordinate of the methods compared


def load() -> dict[str, Any]:
    """The benchmark's results."""
    results: dict[str, Any] = json.loads(RESULTS.read_text())
    return results


def machine(results: dict[str, Any]) -> str:
    """One paragraph: where the numbers come from, when, where and with which versions."""
    m = results["machine"]
    versions = ", ".join(f"{name} {v}" for name, v in m["versions"].items())
    return (
        "<p><em>These numbers come from the benchmark, not from building this page: "
        f"<code>make bench</code> (<code>{html.escape(results['command'])}</code>) ran on "
        f"{results['date']} on {html.escape(m['cpu'])} ({m['cpu_count']} cores, "
        f"{html.escape(m['platform'])}) with {versions}.</em></p>"
    )


def second_order_machine(results: dict[str, Any]) -> str:
    """One paragraph: the run the Hessian table comes from, when, where, which versions."""
    second = results["second_order"]
    m = second["machine"]
    versions = ", ".join(
        f"{name} {v}" for name, v in {**m["versions"], **second["versions"]}.items()
    )
    return (
        "<p><em>These numbers come from the benchmark's second-order part (which "
        "<code>benchmarks/accuracy.py --second-order</code> reruns alone), measured on "
        f"{second['date']} "
        f"on {html.escape(m['cpu'])} ({m['cpu_count']} cores, {html.escape(m['platform'])}) "
        f"with {versions}.</em></p>"
    )


def _rows(results: dict[str, Any], problem: str, n: int) -> list[dict[str, Any]]:
    """One row per method; gradref's loop and vectorized runs merged into one."""
    merged: dict[str, dict[str, Any]] = {}
    for row in results["gradients"]:
        if (row["problem"], row["n"]) == (problem, n):
            entry = merged.setdefault(row["method"], {**row, "loop": None, "vectorized": None})
            entry[row["calls"]] = row["time_s"]
    return list(merged.values())


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1e3:.3g} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.3g} µs"


def _error(value: float) -> str:
    return "0" if value == 0 else f"{value:.1e}"


def comparison_table(results: dict[str, Any], problem: str, n: int) -> str:
    """The measured table for one problem, as HTML."""
    head = (
        "method",
        "normwise error",
        "worst component",
        "evaluations",
        "per coordinate",
        "time, loop",
        "time, vectorized",
    )
    lines = [
        f"<table><caption>{html.escape(problem)}, n = {n}</caption><thead><tr>",
        *(f'<th scope="col">{h}</th>' for h in head),
        "</tr></thead><tbody>",
    ]
    for row in _rows(results, problem, n):
        note = f" ({html.escape(row['note'])})" if row["note"] else ""
        cells = (
            _error(row["normwise_error"]) + note,
            _error(row["worst_component_error"]),
            str(row["evaluations"]),
            f"{row['evaluations'] / n:.1f}",
            _time(row["loop"]),
            _time(row["vectorized"]),
        )
        lines.append(f'<tr><th scope="row">{html.escape(row["method"])}</th>')
        lines += [f"<td>{cell}</td>" for cell in cells]
        lines.append("</tr>")
    lines.append("</tbody></table>")
    return "".join(lines)


def sweep_table(results: dict[str, Any]) -> str:
    """Richardson's error for each step constant and problem; the default in bold."""
    sweep = results["richardson_step_sweep"]
    labels = [f"2<sup>{round(math.log2(c))}</sup>" for c in sweep["constants"]]
    default = labels.index("2<sup>-6</sup>")
    lines = ["<table><caption>richardson's normwise error against its step constant</caption>"]
    lines.append('<thead><tr><th scope="col">function</th><th scope="col">n</th>')
    lines += [f'<th scope="col">{label}</th>' for label in labels]
    lines.append("</tr></thead><tbody>")
    for row in sweep["rows"]:
        best = min(row["errors"])
        lines.append(f'<tr><th scope="row">{html.escape(row["problem"])}</th><td>{row["n"]}</td>')
        for k, error in enumerate(row["errors"]):
            text = _error(error)
            text = f"<strong>{text}</strong>" if k == default else text
            text = f"{text} ✓" if error == best else text
            lines.append(f"<td>{text}</td>")
        lines.append("</tr>")
    lines.append("</tbody></table>")
    return "".join(lines)


def error_plot(results: dict[str, Any]) -> str:
    """Error against evaluations per coordinate, log-log, one panel per problem."""
    fig, axes = figure(len(SHOWN), width=7.6, height=4.2)
    for ax, (problem, n) in zip(axes, SHOWN, strict=True):
        for row in _rows(results, problem, n):
            color, marker = STYLE.get(row["method"], ("#000000", "x"))
            ours = row["method"].startswith("gradref")
            ax.loglog(
                row["evaluations"] / n,
                max(row["normwise_error"], FLOOR),
                marker=marker,
                color=color,
                mfc=color if ours else "none",  # open markers let a method hidden behind show
                mew=1 if ours else 2,
                ls="none",
                ms=8 if ours else 11,
                label=row["method"],
            )
        ax.axhline(2.0**-52, color="#999999", ls=":", lw=1)
        ax.annotate("ε", (40, 2.0**-52), va="bottom", ha="right", color="#555555")
        ax.set_xticks(TICKS, [str(t) for t in TICKS])
        ax.minorticks_off()
        ax.set(
            xlim=(0.7, 50),
            ylim=(FLOOR / 3, 1e-4),
            xlabel="function evaluations per coordinate",
            title=f"{problem}, n = {n}",
        )
        ax.title.set_fontsize(10)
    axes[0].set_ylabel("normwise relative error")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    panels = ". ".join(
        f"On {problem}: "
        + "; ".join(
            f"{row['method']} {row['evaluations'] / n:.0f} per coordinate, error "
            f"{_error(row['normwise_error'])}"
            for row in _rows(results, problem, n)
        )
        for problem, n in SHOWN
    )
    alt = (
        "Two log-log scatter plots of the normwise relative error of each method against "
        "its function evaluations per coordinate, for Rosenbrock and for F at n = 1000; "
        "lower and further left is better. " + panels + "."
    )
    return svg(fig, alt)


# The Hessian comparison (issue 17's four cases), from results["second_order"].
HESSIAN_CASES = (("Rosenbrock", 10), ("log-sum-exp", 10), ("Rosenbrock", 50), ("log-sum-exp", 50))


def hessian_table(results: dict[str, Any]) -> str:
    """Error and evaluations of every Hessian method on the four cases, as HTML.

    Below the table, the peers that beat gradref on each case (see `verdicts` in
    benchmarks/accuracy.py).
    """
    second = results["second_order"]
    found: dict[tuple[str, str, int], dict[str, Any]] = {}
    for r in second["rows"]:  # gradref's loop and vectorized runs agree: the first of the two
        if r["kind"] == "hessian":
            found.setdefault((r["method"], r["problem"], r["n"]), r)
    methods = list(dict.fromkeys(method for method, _, _ in found))
    lines = [
        "<table><caption>Hessians: normwise error / evaluations</caption><thead><tr>",
        '<th scope="col">method</th>',
        *(f'<th scope="col">{html.escape(p)}, n = {n}</th>' for p, n in HESSIAN_CASES),
        "</tr></thead><tbody>",
    ]
    for method in methods:
        lines.append(f'<tr><th scope="row">{html.escape(method)}</th>')
        for problem, n in HESSIAN_CASES:
            row = found[method, problem, n]
            count = "exact (AD)" if row["evaluations"] is None else str(row["evaluations"])
            lines.append(f"<td>{_error(row['normwise_error'])} / {count}</td>")
        lines.append("</tr>")
    lines.append("</tbody></table><ul>")
    for case in second["verdicts"]:
        if case["kind"] != "hessian":
            continue
        verdict = "; ".join(case["peer_wins"]) or "no peer beats gradref"
        lines.append(
            f"<li>{html.escape(case['problem'])}, n = {case['n']}: {html.escape(verdict)}</li>"
        )
    lines.append("</ul>")
    return "".join(lines)
