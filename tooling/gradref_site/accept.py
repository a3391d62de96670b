r"""``make accept``: write each pycon block's computed output over its written one.

``python -m gradref_site.accept [PAGE ...]`` (default: every page of ./docs) re-runs every
pycon block and, where the build check would fail, replaces the written output lines
with the computed ones. Only those lines change: code, prose, line endings (``\n``,
``\r\n`` or ``\r``, kept per line), a BOM and the final newline stay byte for byte. It
is all or nothing: every page is read and every block run before any file is written,
and any failure (a page that is not UTF-8, a fence never closed, a block that raises or
is not a plain transcript) names its page and line and leaves every file as it was.
``python -m gradref_site.accept --tolerances`` lists the blocks that declare a tolerance.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from gradref_site.checked_outputs import (
    _lines,
    compute,
    disagreements,
    output_problem,
    tolerance_of,
)
from gradref_site.fences import Fence, fences, read_page, transcript_problem

BREAK = re.compile(r"\r\n|\r|\n")


class AcceptError(Exception):
    """A page or block that `accept` cannot rewrite; the message names page and line."""


def accept_text(
    text: str, path: Path | None = None, run: Callable[[Fence], str] = compute
) -> tuple[str, list[str]]:
    """The text with every disagreeing written output replaced, and a log line per block."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text.removeprefix(bom)
    contents = BREAK.split(body)  # the lines fences() numbers, without their endings
    endings = [m.group() for m in BREAK.finditer(body)] + [""]
    log = []
    try:
        found = fences(body, path)
    except ValueError as error:
        raise AcceptError(str(error)) from None
    for fence in reversed(found):  # from the last up, so earlier line numbers stay valid
        if fence.language != "pycon":
            continue
        problem = transcript_problem(fence)
        if problem:
            raise AcceptError(problem)
        try:
            computed = run(fence)
        except Exception as error:
            raise AcceptError(f"{fence.where}: the block raised {error!r}") from error
        problem = output_problem(fence, computed)
        if problem:
            raise AcceptError(problem)
        if not disagreements(fence.written_output, computed, tolerance_of(fence)):
            continue
        start = fence.first + fence.output_start  # 0-based index of the first output line
        stop = fence.last - 1  # 0-based index of the closing fence
        ending = endings[fence.first - 1]  # the opening fence's own line ending
        new = [fence.indent + (line or "<BLANKLINE>") for line in _lines(computed)]
        contents[start:stop] = new
        endings[start:stop] = [ending] * len(new)
        log.append(f"{fence.where}: output rewritten ({len(new)} lines)")
    return bom + "".join(c + e for c, e in zip(contents, endings, strict=True)), log[::-1]


def accept(paths: list[Path]) -> list[str]:
    """Rewrite the outputs of the given pages (default: every page of ./docs), all or none."""
    pages = paths or sorted(Path("docs").resolve().rglob("*.md"))
    changed: dict[Path, bytes] = {}
    log: list[str] = []
    for page in pages:
        try:
            text = read_page(page)
        except (OSError, ValueError) as error:
            raise AcceptError(str(error)) from None
        new, changes = accept_text(text, page)
        if new != text:
            changed[page] = new.encode("utf-8")
        log += changes
    for page, data in changed.items():  # nothing is written before every page is done
        page.write_bytes(data)
    return log


def main(argv: list[str]) -> int:
    """``[PAGE ...]``: write outputs back; ``--tolerances [PAGE ...]``: list declarations."""
    tolerances = "--tolerances" in argv
    paths = [Path(p).resolve() for p in argv if p != "--tolerances"]
    if tolerances:
        for page in paths or sorted(Path("docs").resolve().rglob("*.md")):
            for fence in fences(read_page(page), page):
                if tolerance_of(fence) is not None:
                    print(f"{fence.where}: {tolerance_of(fence)}")
        return 0
    try:
        log = accept(paths)
    except AcceptError as error:
        print(f"accept: {error}\nNo page was changed.", file=sys.stderr)
        return 1
    print("\n".join(log) if log else "every written output is the computed one")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
