r"""The one reader of a page's fenced code blocks.

The build check, `accept`, the notebooks and the Sybil collector all find blocks, lines
and prompts here, so they agree on them.

Lines are what Python-Markdown and Sybil see: the text with a leading BOM dropped and
``\r\n`` and ``\r`` read as ``\n``, split on ``\n`` only. Characters that
`str.splitlines` also breaks on (form feed, U+2028, NEL, ...) stay inside their line.

A ``pycon`` block is a transcript with one shape, the one markdown-exec can show and
doctest can check alike: statements (``>>> `` and ``... `` lines), then the output that
all of them print together. `transcript_problem` names what breaks that shape.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
OPTION = re.compile(r'(?P<key>[A-Za-z_][-\w]*)="(?P<value>[^"]*)"')
PROMPTS = (">>>", "...")


def logical_lines(text: str) -> list[str]:
    """The lines of a page as Markdown and Sybil number them (see the module doc)."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def is_prompt(line: str) -> bool:
    """Whether doctest reads a transcript line as a statement (it starts with a prompt)."""
    return line.startswith(PROMPTS)


def split_transcript(source: str) -> tuple[str, str]:
    """A pycon block's Python (prompts removed) and its statements as shown (prompts kept).

    A bare ``...`` (the end of a compound statement) is a blank line of the Python and is
    not shown, as markdown-exec shows a transcript.
    """
    lines = source.split("\n")
    code = [line[4:] for line in lines if line in PROMPTS or line.startswith((">>> ", "... "))]
    shown = [line for line in lines if line.startswith((">>> ", "... "))]
    return "\n".join(code), "\n".join(shown)


@dataclass
class Fence:
    """One fenced code block of a page, found line by line (also inside admonitions)."""

    path: Path | None
    first: int  # 1-based line of the opening fence
    last: int  # 1-based line of the closing fence
    indent: str
    info: str
    body: list[str]  # without the indentation

    @property
    def language(self) -> str:
        return self.info.split(maxsplit=1)[0] if self.info.strip() else ""

    @property
    def options(self) -> dict[str, str]:
        return {m["key"]: m["value"] for m in OPTION.finditer(self.info)}

    @property
    def source(self) -> str:
        return "\n".join(self.body)

    @property
    def output_start(self) -> int:
        """Index in ``body`` of the first output line: after the last statement."""
        prompts = [i for i, line in enumerate(self.body) if is_prompt(line)]
        return prompts[-1] + 1 if prompts else 0

    @property
    def written_output(self) -> str:
        return "\n".join(self.body[self.output_start :])

    @property
    def code(self) -> str:
        """The Python that runs: a pycon block's statements without prompts."""
        return split_transcript(self.source)[0] if self.language == "pycon" else self.source

    def line_of_output(self, n: int) -> int:
        """The page line of output line ``n`` (1-based)."""
        return self.first + 1 + self.output_start + n - 1

    @property
    def name(self) -> str:
        """The page, relative to the working directory when it is below it."""
        if self.path is None:
            return "<page>"
        cwd = Path.cwd()
        return str(self.path.relative_to(cwd) if self.path.is_relative_to(cwd) else self.path)

    @property
    def where(self) -> str:
        return f"{self.name}:{self.first}"


def transcript_problem(fence: Fence) -> str | None:
    """Why a pycon block is not a plain transcript (statements, then output), if it is not.

    Output before a statement would be checked line by line by doctest but printed all
    together by markdown-exec; a bare expression is echoed by doctest, not by
    markdown-exec. Either way the page would show one output and the tests check another.
    """
    for n, line in enumerate(fence.body[: fence.output_start]):
        where = f"{fence.name}:{fence.first + 1 + n}"
        if not is_prompt(line):
            return (
                f"{where}: output before a later statement; a pycon block is its "
                "statements, then everything they print"
            )
        if line not in PROMPTS and line[3] != " ":
            return f"{where}: a prompt is followed by a space: {line[:3]!r} + ' '"
    aligned = "\n".join(line[4:] for line in fence.body[: fence.output_start])
    try:
        tree = ast.parse(aligned)
    except SyntaxError as error:
        return f"{fence.name}:{fence.first + (error.lineno or 1)}: {error.msg}"
    for node in tree.body:
        if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Call):
            return (
                f"{fence.name}:{fence.first + node.lineno}: a bare expression is echoed by "
                "doctest but not shown by markdown-exec; print() it"
            )
    return None


def fences(text: str, path: Path | None = None) -> list[Fence]:
    """The fenced code blocks of a Markdown text."""
    found: list[Fence] = []
    opened: Fence | None = None
    marker = ""
    for number, line in enumerate(logical_lines(text), start=1):
        match = OPENING.match(line)
        if opened is None:
            if match:
                opened = Fence(path, number, 0, match["indent"], match["info"].strip(), [])
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


def read_page(path: Path) -> str:
    """A page's text, or a ValueError naming the page and line of a byte that is not UTF-8."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ValueError(f"{path}:{line}: not UTF-8 ({error.reason})") from None


def page_fences(path: Path) -> list[Fence]:
    """The fences of one page file."""
    return fences(read_page(path), path)
