"""Shown = checked: a page shows only output that matches the output written under its code.

markdown-exec runs every ``pycon`` block while the site builds and shows what it printed;
Sybil checks the output written in the Markdown. This module ties the two together:

- :func:`validator` and :func:`formatter` wrap markdown-exec's own for the ``pycon`` and
  ``python`` fences (``pymdownx.superfences`` ``custom_fences`` in mkdocs.yml). They run
  the block exactly as markdown-exec does, then compare the computed output with the
  written one. A difference stops the build with :class:`OutputMismatchError`, whose message
  names the page, the line, and the written and computed text.
- ``python docs/_support/checked_outputs.py accept [PAGE ...]`` (``make accept``) re-runs every
  ``pycon`` block and writes the computed output over the written one where they differ:
  only output lines change, never code or prose, and a second run changes nothing.
- A block whose last digits are rounding noise declares it in its fence,
  ``tolerance="1e-7@1-8 1@9-15"``: the numbers of output lines 1-8 may differ by 1e-7
  times the largest number of their line, those of lines 9-15 by once it
  (``tolerance="0.5"``: every line). Its numbers are then compared within
  that tolerance, here and in Sybil (tests/sybil_docs.py), and the page shows the reader
  a note saying so.

The check lives in the Markdown layer (a superfences fence, like markdown-exec itself), so
any builder that runs this Markdown configuration runs the check too.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
OPTION = re.compile(r'(?P<key>[A-Za-z_][-\w]*)="(?P<value>[^"]*)"')
NUMBER = re.compile(r"([-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)")
PARTS = re.compile(r"[-+]?(?P<integer>\d*)(?:\.(?P<fraction>\d*))?(?:[eE](?P<exponent>[-+]?\d+))?")
PROMPTS = (">>>", "...")

# Outputs computed during this build, by block source: the notebooks take them from here.
COMPUTED: dict[str, str] = {}


# --------------------------------------------------------------------------------------
# Declared tolerance


@dataclass(frozen=True)
class Tolerance:
    """Tolerances for the numbers of some output lines of one block, relative to the
    largest number of each line.

    Declared as ``tolerance="RTOL"`` (every output line) or as space-separated rules
    ``RTOL@A-B`` (output lines A to B, counted from 1), e.g. ``tolerance="1e-7@1-8 1@9-15"``.
    """

    rules: tuple[tuple[float, int, int], ...]  # (rtol, first line, last line)

    @classmethod
    def from_options(cls, options: dict[str, str]) -> Tolerance | None:
        """Read ``tolerance`` from a fence's options (None when it declares none)."""
        declared = options.get("tolerance")
        if declared is None:
            return None
        rules = []
        for rule in declared.split() or [""]:
            rtol, _, lines = rule.partition("@")
            first, _, last = (lines or "1-999999").partition("-")
            try:
                value, span = float(rtol), (int(first), int(last or first))
            except ValueError:
                value, span = math.nan, (0, 0)
            if not (math.isfinite(value) and value > 0 and 1 <= span[0] <= span[1]):
                raise ValueError(
                    f'tolerance="{declared}": each rule is RTOL or RTOL@A-B, with RTOL > 0 '
                    "and output lines 1 <= A <= B"
                )
            rules.append((value, *span))
        return cls(tuple(rules))

    def rtol(self, line: int) -> float | None:
        """The relative tolerance of output line ``line`` (1-based); None: exact."""
        for rtol, first, last in self.rules:
            if first <= line <= last:
                return rtol
        return None

    def note(self) -> str:
        """The sentence a reader sees under the block."""
        parts = []
        for rtol, first, last in self.rules:
            if last >= 999999:
                where = "every output line" if first == 1 else f"output lines {first} on"
            else:
                where = f"output line {first}" if first == last else f"output lines {first}–{last}"
            parts.append(f"{rtol:g} × the line's largest number in {where}")
        return (
            "Last digits vary by machine (rounding noise). The build and the tests accept a "
            f"difference of up to {' and '.join(parts)}; everything else must match exactly."
        )

    def __str__(self) -> str:
        return " ".join(f"{rtol:g}@{first}-{last}" for rtol, first, last in self.rules)


def _unit(number: str) -> float:
    """The value of one unit in the last printed digit: 1e-10 for 18.7781132865."""
    parts = PARTS.fullmatch(number)
    assert parts is not None, number  # NUMBER only matches numbers PARTS can read
    decimals = len(parts["fraction"] or "")
    return 10.0 ** (int(parts["exponent"] or 0) - decimals)


def numbers_agree(written: str, computed: str, atol: float) -> bool:
    """Two printed numbers differ by at most ``atol`` plus half a unit of each last digit."""
    a, b = float(written), float(computed)
    slack = atol + (_unit(written) + _unit(computed)) / 2
    return abs(a - b) <= slack + 4 * sys.float_info.epsilon * max(abs(a), abs(b))


def line_agrees(written: str, computed: str, rtol: float) -> bool:
    """The same text around the numbers (up to spacing), and numbers within ``rtol``.

    ``rtol`` is relative to the largest number of the line: rounding noise in a value
    moves everything computed from it (its error, say) by the same absolute amount.
    """
    w, c = NUMBER.split(written), NUMBER.split(computed)
    if len(w) != len(c) or any(x.split() != y.split() for x, y in zip(w[::2], c[::2], strict=True)):
        return False
    scale = max((abs(float(x)) for x in w[1::2] + c[1::2]), default=0.0)
    return all(numbers_agree(x, y, rtol * scale) for x, y in zip(w[1::2], c[1::2], strict=True))


def _lines(output: str) -> list[str]:
    """Output lines as compared: trailing spaces dropped, doctest's <BLANKLINE> is empty."""
    lines = [line.rstrip() for line in output.rstrip("\n").split("\n")]
    return ["" if line == "<BLANKLINE>" else line for line in lines]


def disagreements(written: str, computed: str, tolerance: Tolerance | None) -> list[int]:
    """The 1-based output lines where the written and computed output disagree."""
    w, c = _lines(written), _lines(computed)
    bad = []
    for n in range(1, max(len(w), len(c)) + 1):
        x = w[n - 1] if n <= len(w) else None
        y = c[n - 1] if n <= len(c) else None
        if x == y:
            continue
        rtol = tolerance.rtol(n) if tolerance is not None else None
        if rtol is not None and x is not None and y is not None and line_agrees(x, y, rtol):
            continue
        bad.append(n)
    return bad


# --------------------------------------------------------------------------------------
# Fences of a page


@dataclass
class Fence:
    """One fenced code block of a page, found line by line (also inside admonitions)."""

    path: Path | None
    first: int  # 1-based line of the opening fence
    last: int  # 1-based line of the closing fence
    indent: str
    info: str
    body: list[str]  # without the indentation
    options: dict[str, str] = field(default_factory=dict)

    @property
    def language(self) -> str:
        return self.info.split(maxsplit=1)[0] if self.info.strip() else ""

    @property
    def source(self) -> str:
        return "\n".join(self.body)

    @property
    def tolerance(self) -> Tolerance | None:
        return Tolerance.from_options(self.options)

    @property
    def output_start(self) -> int:
        """Index in ``body`` of the first output line: after the last prompt line."""
        prompts = [i for i, line in enumerate(self.body) if line.startswith(PROMPTS)]
        return prompts[-1] + 1 if prompts else 0

    @property
    def written_output(self) -> str:
        return "\n".join(self.body[self.output_start :])

    @property
    def code(self) -> str:
        """The Python that runs: the statements without their prompts (as markdown-exec)."""
        if self.language != "pycon":
            return self.source
        return "\n".join(
            line[4:] for line in self.body[: self.output_start] if line.startswith((">>> ", "... "))
        )

    def line_of_output(self, n: int) -> int:
        """The page line of output line ``n`` (1-based)."""
        return self.first + 1 + self.output_start + n - 1

    @property
    def name(self) -> str:
        """The page, relative to the repository when it is in it."""
        if self.path is None:
            return "<page>"
        return str(self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path)

    @property
    def where(self) -> str:
        return f"{self.name}:{self.first}"


def fences(text: str, path: Path | None = None) -> list[Fence]:
    """The fenced code blocks of a Markdown text."""
    found: list[Fence] = []
    opened: Fence | None = None
    marker = ""
    for number, line in enumerate(text.splitlines(), start=1):
        match = OPENING.match(line)
        if opened is None:
            if match:
                info = match["info"].strip()
                options = {m["key"]: m["value"] for m in OPTION.finditer(info)}
                opened = Fence(path, number, 0, match["indent"], info, [], options)
                marker = match["fence"]
        elif match and match["fence"].startswith(marker) and not match["info"].strip():
            opened.last = number
            found.append(opened)
            opened = None
        else:
            opened.body.append(line.removeprefix(opened.indent))
    if opened is not None:
        raise ValueError(f"{opened.where}: fence never closed")
    return found


def page_fences(path: Path) -> list[Fence]:
    """The fences of one page file."""
    return fences(path.read_text(encoding="utf-8"), path)


# --------------------------------------------------------------------------------------
# Running a block as markdown-exec does


def run(code: str, **options: Any) -> str:
    """Run Python code the way markdown-exec does and return what it printed."""
    from markdown_exec._internal.formatters.python import _run_python

    return str(_run_python(code, **options))


def compute(fence: Fence) -> str:
    """Run one block, as the build does, and return its output."""
    from markdown_exec._internal.formatters.pycon import _transform_source

    code = _transform_source(fence.source)[0] if fence.language == "pycon" else fence.source
    return run(code)


# --------------------------------------------------------------------------------------
# The build check


class OutputMismatchError(Exception):
    """Raised while the site builds when a block's computed output is not its written one."""


@cache
def _build_error() -> type[Exception]:
    """An exception type that fails the build.

    superfences re-raises only its own exception type from a formatter: any other
    exception makes it render the fence as plain text, silently.
    """
    bases: list[type[Exception]] = [OutputMismatchError]
    try:
        from pymdownx.superfences import SuperFencesException

        bases.append(SuperFencesException)
    except ImportError:  # pragma: no cover - superfences is what calls the formatter
        pass
    try:  # MkDocs prints a BuildError as one clean message, without a traceback
        from mkdocs.exceptions import BuildError

        bases.append(BuildError)
    except ImportError:  # pragma: no cover - another builder
        pass
    return type("OutputMismatchError", tuple(bases), {"__module__": __name__})


def report(fence: Fence, computed: str, bad: list[int]) -> str:
    """A readable difference: page, line, written and computed text of each line."""
    w, c = _lines(fence.written_output), _lines(computed)
    rows = [f"{fence.where}: the output written under this block is not the computed one"]
    for n in bad:
        rows.append(f"  {fence.name}:{fence.line_of_output(n)}")
        rows.append(f"    written:  {w[n - 1] if n <= len(w) else '(no such line)'}")
        rows.append(f"    computed: {c[n - 1] if n <= len(c) else '(no such line)'}")
    if fence.tolerance:
        rows.append(f'  This block declares tolerance="{fence.tolerance}".')
    rows.append(
        "  After a deliberate change, run `make accept` and read its diff before committing."
    )
    return "\n".join(rows)


def locate(source: str, md: Any = None) -> list[Fence]:
    """The fences whose body is ``source``: on the page being rendered when MkDocs says
    which one it is, else on every page of docs/."""
    page = None
    processors = getattr(md, "treeprocessors", None)
    relpath = processors["relpath"] if processors and "relpath" in processors else None
    file = getattr(relpath, "file", None)
    if file is not None and getattr(file, "abs_src_path", None):
        page = Path(file.abs_src_path)
    pages = [page] if page else sorted(DOCS.rglob("*.md"))
    wanted = source.strip("\n")
    return [f for p in pages for f in page_fences(p) if f.source.strip("\n") == wanted]


def check(source: str, computed: str, tolerance: Tolerance | None, md: Any = None) -> None:
    """Fail the build if the output written in ``source`` is not ``computed``."""
    written = fences(f"```pycon\n{source}\n```")[0].written_output
    bad = disagreements(written, computed, tolerance)
    if bad:
        found = locate(source, md) or [fences(f"```pycon\n{source}\n```")[0]]
        raise _build_error()("\n".join(report(fence, computed, bad) for fence in found))


# --------------------------------------------------------------------------------------
# superfences hooks (mkdocs.yml: custom_fences for pycon and python)


def validator(
    language: str,
    inputs: dict[str, str],
    options: dict[str, Any],
    attrs: dict[str, Any],
    md: Any,
) -> bool:
    """markdown-exec's validator, plus this module's tolerance options."""
    import markdown_exec

    ours = {key: inputs.pop(key) for key in ("tolerance",) if key in inputs}
    okay = bool(markdown_exec.validator(language, inputs, options, attrs, md))
    try:
        options["tolerance"] = Tolerance.from_options(ours)
    except ValueError as error:  # superfences would swallow it and show the fence as text
        raise _build_error()(f"{language} fence: {error}") from error
    return okay


def formatter(
    source: str,
    language: str,
    css_class: str,
    options: dict[str, Any],
    md: Any,
    **kwargs: Any,
) -> str:
    """Run the block with markdown-exec, check a pycon block's output, note a tolerance."""
    try:
        return _format(source, language, dict(options), md)
    except OutputMismatchError:
        raise
    except Exception as error:  # superfences would swallow it and show the fence as text
        raise _build_error()(f"{language} block failed to render: {error!r}") from error


def _format(source: str, language: str, options: dict[str, Any], md: Any) -> str:
    from markdown_exec import base_format
    from markdown_exec._internal.formatters.pycon import _transform_source

    tolerance: Tolerance | None = options.pop("tolerance", None)

    def checked_run(code: str, **run_options: Any) -> str:
        computed = run(code, **run_options)
        COMPUTED[source.strip("\n")] = computed
        if language == "pycon":
            check(source, computed, tolerance, md)
        return computed

    transform: Callable[[str], tuple[str, str]] | None = (
        _transform_source if language == "pycon" else None
    )
    html = str(
        base_format(
            language=language,
            run=checked_run,
            transform_source=transform,
            code=source,
            md=md,
            **options,
        )
    )
    if tolerance is not None:
        html += f'<p class="gradref-tolerance"><small>{tolerance.note()}</small></p>'
    return html


# --------------------------------------------------------------------------------------
# make accept


def accept_text(text: str, path: Path | None = None) -> tuple[str, list[str]]:
    """Write computed outputs over disagreeing written ones; return the text and a log."""
    lines = text.split("\n")
    log = []
    # From the last fence up, so that earlier line numbers stay valid.
    for fence in reversed(fences(text, path)):
        if fence.language != "pycon":
            continue
        computed = compute(fence)
        if not disagreements(fence.written_output, computed, fence.tolerance):
            continue
        new = [fence.indent + (line or "<BLANKLINE>") for line in _lines(computed)]
        start = fence.first + fence.output_start  # 0-based index of the first output line
        lines[start : fence.last - 1] = new
        log.append(f"{fence.where}: output rewritten ({len(new)} lines)")
    return "\n".join(lines), list(reversed(log))


def accept(paths: list[Path]) -> list[str]:
    """``make accept``: rewrite the outputs of the given pages (default: every page)."""
    log = []
    for path in paths or sorted(DOCS.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        new, changes = accept_text(text, path.resolve())
        if new != text:
            path.write_text(new, encoding="utf-8")
        log += changes
    return log


def _iter_tolerant(paths: list[Path]) -> Iterator[Fence]:
    for path in paths:
        yield from (f for f in page_fences(path) if f.tolerance is not None)


def main(argv: list[str]) -> int:
    """``accept [PAGE ...]``: write outputs back; ``tolerances``: list the declarations."""
    command, *pages = argv or ["accept"]
    paths = [Path(p).resolve() for p in pages]
    if command == "accept":
        log = accept(paths)
        print("\n".join(log) if log else "every written output is the computed one")
        return 0
    if command == "tolerances":
        for fence in _iter_tolerant(paths or sorted(DOCS.rglob("*.md"))):
            print(f"{fence.where}: {fence.tolerance}")
        return 0
    print(f"usage: {sys.argv[0]} accept [PAGE ...] | tolerances", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
