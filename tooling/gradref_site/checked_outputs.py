"""Shown = checked: a page shows only output that matches the output written under its code.

markdown-exec runs every ``pycon`` block while the site builds and shows what it printed;
Sybil checks the output written in the Markdown. This module ties the two together:

- :func:`validator` and :func:`formatter` are the ``pycon`` and ``python`` fences'
  superfences hooks (``custom_fences`` in mkdocs.yml). They render through markdown-exec's
  public `base_format`, with this module's :func:`run` and the prompt handling of
  `gradref_site.fences`, then compare the computed output with the written one. A
  difference stops the build with :class:`OutputMismatchError`, whose message names the
  page, the line, and the written and computed text.
- `gradref_site.accept` (``make accept``) writes computed outputs back into the pages.
- A block whose last digits are rounding noise declares it in its fence,
  ``tolerance="1e-7@1-8 1@9-15"``: the numbers of output lines 1-8 may differ by 1e-7
  times the largest number of their line, those of lines 9-15 by once it
  (``tolerance="0.5"``: every line). Its numbers are then compared within
  that tolerance, here and in Sybil (`gradref_site.sybil`), and the page shows the reader
  a note saying so.

The check lives in the Markdown layer (a superfences fence, like markdown-exec itself), so
any builder that runs this Markdown configuration runs the check too.
"""

from __future__ import annotations

import builtins
import io
import itertools
import math
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from gradref_site.fences import Fence, fences, page_fences, split_transcript, transcript_problem

NUMBER = re.compile(r"([-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)")
PARTS = re.compile(r"[-+]?(?P<integer>\d*)(?:\.(?P<fraction>\d*))?(?:[eE](?P<exponent>[-+]?\d+))?")

# Outputs computed during this build, by block source: the notebooks take them from here.
COMPUTED: dict[str, str] = {}


# --------------------------------------------------------------------------------------
# Declared tolerance


@dataclass(frozen=True)
class Tolerance:
    """Tolerances for the numbers of some output lines of one block.

    Each is relative to the largest number of its line.

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
# Running a block


def run(code: str, session: str | None = None, **_: Any) -> str:
    """Run a block's Python in a fresh module of its own and return what it printed.

    ``print`` writes to the returned text (``sep``, ``end`` and ``file`` as usual); the
    module is registered in ``sys.modules``, as dataclasses and pickle expect of a class's
    module. Blocks share nothing, so no markdown-exec ``session`` is accepted.
    """
    if session:
        raise ValueError(f"session={session!r}: the site's blocks do not share sessions")
    buffer = io.StringIO()

    def show(*values: object, sep: str | None = " ", end: str | None = "\n", **rest: Any) -> None:
        if rest.get("file") not in (None, sys.stdout):
            builtins.print(*values, sep=sep, end=end, **rest)
            return
        buffer.write((" " if sep is None else sep).join(map(str, values)))
        buffer.write("\n" if end is None else end)

    name = f"gradref_block_{next(_BLOCKS)}"
    module = sys.modules[name] = ModuleType(name)
    module.__dict__["print"] = show
    exec(compile(code, f"<{name}>", "exec"), module.__dict__)
    return buffer.getvalue()


_BLOCKS = itertools.count(1)


def compute(fence: Fence) -> str:
    """Run one block, as the build does, and return its output."""
    return run(fence.code)


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


def tolerance_of(fence: Fence) -> Tolerance | None:
    """The tolerance a fence declares, if any."""
    return Tolerance.from_options(fence.options)


def report(fence: Fence, computed: str, bad: list[int]) -> str:
    """A readable difference: page, line, written and computed text of each line."""
    w, c = _lines(fence.written_output), _lines(computed)
    rows = [f"{fence.where}: the output written under this block is not the computed one"]
    for n in bad:
        rows.append(f"  {fence.name}:{fence.line_of_output(n)}")
        rows.append(f"    written:  {w[n - 1] if n <= len(w) else '(no such line)'}")
        rows.append(f"    computed: {c[n - 1] if n <= len(c) else '(no such line)'}")
    tolerance = tolerance_of(fence)
    if tolerance:
        rows.append(f'  This block declares tolerance="{tolerance}".')
    rows.append(
        "  After a deliberate change, run `make accept` and read its diff before committing."
    )
    return "\n".join(rows)


def output_problem(fence: Fence, computed: str) -> str | None:
    """Why ``computed`` cannot be written under the block, if it cannot."""
    for n, line in enumerate(_lines(computed), start=1):
        if line.startswith((">>>", "...")):
            return (
                f"{fence.name}:{fence.line_of_output(n)}: output line {n} starts with "
                f"{line[:3]!r}, which doctest would read as a statement: print something else"
            )
    return None


def _page_of(md: Any) -> Path | None:
    """The page MkDocs is rendering with ``md``, when it says."""
    processors = getattr(md, "treeprocessors", None)
    relpath = processors["relpath"] if processors and "relpath" in processors else None
    file = getattr(relpath, "file", None)
    path = getattr(file, "abs_src_path", None)
    return Path(path) if path else None


def locate(source: str, md: Any = None) -> Fence:
    """Return the fence whose body is ``source``.

    It is looked for on the page being rendered when MkDocs says which one it is, else on
    every page of ./docs, else it is a page of its own.
    """
    page = _page_of(md)
    pages = [page] if page else sorted(Path("docs").resolve().rglob("*.md"))
    wanted = source.strip("\n")
    found = [f for p in pages for f in page_fences(p) if f.source.strip("\n") == wanted]
    return found[0] if found else fences(f"```pycon\n{source}\n```")[0]


# --------------------------------------------------------------------------------------
# superfences hooks (mkdocs.yml: custom_fences for pycon and python)


def validator(
    language: str,
    inputs: dict[str, str],
    options: dict[str, Any],
    attrs: dict[str, Any],
    md: Any,
) -> bool:
    """markdown-exec's validator, plus this module's tolerance option."""
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
    """Render the block through markdown-exec's `base_format`; check its output.

    A pycon block's computed output must be the written one; a declared tolerance is
    noted under the block.
    """
    try:
        return _format(source, language, dict(options), md)
    except OutputMismatchError:
        raise
    except Exception as error:  # superfences would swallow it and show the fence as text
        where = locate(source, md).where
        raise _build_error()(f"{where}: {language} block failed: {error!r}") from error


def _format(source: str, language: str, options: dict[str, Any], md: Any) -> str:
    from markdown_exec import base_format

    tolerance: Tolerance | None = options.pop("tolerance", None)
    if language == "pycon":
        problem = transcript_problem(locate(source, md))
        if problem:
            raise _build_error()(problem)

    def checked_run(code: str, **run_options: Any) -> str:
        computed = run(code, **run_options)
        COMPUTED[source.strip("\n")] = computed
        if language == "pycon":
            fence = locate(source, md)
            problem = output_problem(fence, computed)
            bad = disagreements(fence.written_output, computed, tolerance)
            if problem or bad:
                raise _build_error()(problem or report(fence, computed, bad))
        return computed

    html = str(
        base_format(
            language=language,
            run=checked_run,
            transform_source=split_transcript if language == "pycon" else None,
            code=source,
            md=md,
            **options,
        )
    )
    if tolerance is not None:
        html += f'<p class="gradref-tolerance"><small>{tolerance.note()}</small></p>'
    return html
