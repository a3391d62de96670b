"""Every code fence on every page is collected by Sybil: nothing is skipped silently."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from gradref_site.sybil_parser import pages

DOCS = Path(__file__).parents[1] / "docs"
docs = pages(DOCS)

PAGES = sorted(DOCS.rglob("*.md"))
OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
INVISIBLE = re.compile(r"^[ \t]*<!--\s*invisible-code-block:\s*python\s*$")


@dataclass
class Fence:
    first: int  # line of the opening fence, 1-based
    last: int  # line of the closing fence
    info: str
    body: list[str]

    @property
    def language(self) -> str:
        return self.info.split(maxsplit=1)[0] if self.info.strip() else ""


def fences(path: Path) -> list[Fence]:
    """The fenced code blocks of a page, found line by line, independently of Sybil."""
    found: list[Fence] = []
    opened: tuple[int, str, str] | None = None
    indent = ""
    body: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        match = OPENING.match(line)
        if opened is None:
            if match:
                opened, body = (number, match["fence"], match["info"].strip()), []
                indent = match["indent"]  # a fence inside an admonition is indented
        elif match and match["fence"].startswith(opened[1]) and not match["info"].strip():
            found.append(Fence(opened[0], number, opened[2], body))
            opened = None
        else:
            body.append(line.removeprefix(indent))
    assert opened is None, f"{path}:{opened[0]}: fence never closed"
    return found


def test_pages_are_found() -> None:
    names = {page.name for page in PAGES}
    assert {"index.md", "partial-derivatives.md", "reference.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_every_fence_is_collected(page: Path) -> None:
    lines_of_examples = [example.line for example in docs.parse(page)]
    for fence in fences(page):
        where = f"{page.relative_to(DOCS)}:{fence.first}"
        assert fence.language in {"pycon", "python"}, f"{where}: no checker for {fence.info!r}"
        assert 'exec="on"' in fence.info, f"{where}: not run at build time: {fence.info!r}"
        collected = [n for n in lines_of_examples if fence.first <= n < fence.last]
        assert collected, f"{where}: Sybil collected nothing from this fence"
        if fence.language == "pycon":
            # One doctest example per statement, so none was skipped inside the fence
            # (doctest itself drops a prompt that holds only a comment).
            prompts = [
                line
                for line in fence.body
                if line.startswith(">>>") and line[3:].strip()[:1] not in {"", "#"}
            ]
            assert len(collected) == len(prompts), where
            # markdown-exec shows all the statements, then all the output: so the page
            # and the Markdown agree only if the output comes after the last statement.
            kinds = ["code" if line.startswith((">>>", "...")) else "out" for line in fence.body]
            assert kinds[-1] == "out", f"{where}: a pycon block must end with its output"
            assert "code" not in kinds[kinds.index("out") :], (
                f"{where}: only the last statement of a pycon block may print"
            )


def invisible_blocks(path: Path) -> list[int]:
    """The 1-based lines that open an invisible code block, found without Sybil."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return [number for number, line in enumerate(lines, start=1) if INVISIBLE.match(line)]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_every_invisible_block_is_collected(page: Path) -> None:
    collected = {example.line for example in docs.parse(page)}
    for line in invisible_blocks(page):
        assert line in collected, f"{page.relative_to(DOCS)}:{line}: invisible block not run"


def test_the_collection_counts_are_reported(capsys: pytest.CaptureFixture[str]) -> None:
    total = sum(len(list(docs.parse(page))) for page in PAGES)
    counted = sum(len(fences(page)) for page in PAGES)
    hidden = sum(len(invisible_blocks(page)) for page in PAGES)
    tolerant = [
        f"{page.relative_to(DOCS)}:{fence.first} {fence.info.split('tolerance=')[1]}"
        for page in PAGES
        for fence in fences(page)
        if "tolerance=" in fence.info
    ]
    with capsys.disabled():  # printed in every test run, captured or not
        print(
            f"\n{counted} fences, {hidden} invisible blocks, "
            f"{total} Sybil examples across {len(PAGES)} pages; "
            f"{len(tolerant)} blocks declare a tolerance: " + "; ".join(tolerant)
        )
    assert total >= counted
    # Only the few blocks that print digits in the rounding regime; every other is exact.
    assert len(tolerant) <= 5
