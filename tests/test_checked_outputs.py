"""Shown = checked: the build refuses output it did not check, and `make accept` restores it."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from gradref_site.accept import AcceptError, accept, accept_text
from gradref_site.checked_outputs import Tolerance, disagreements, line_agrees, numbers_agree
from gradref_site.fences import fences
from gradref_site.sybil_parser import PageParser
from hypothesis import given
from hypothesis import strategies as st
from sybil import Sybil
from sybil.example import SybilFailure

ROOT = Path(__file__).resolve().parents[1]
# One real page, with blocks at the top level and inside exercises' solutions; the
# synthetic pages of the property below cover every other shape.
REAL_PAGE = ROOT / "docs" / "partial-derivatives.md"


def alter_every_output(text: str) -> str:
    """Replace the last output line of every pycon block with text no block prints."""
    lines = text.split("\n")
    for fence in fences(text):
        if fence.language == "pycon":
            lines[fence.last - 2] = fence.indent + "altered output"
    return "\n".join(lines)


def test_accept_restores_a_page_whose_outputs_were_altered(tmp_path: Path) -> None:
    # The oracle is the page as committed, whose outputs Sybil and the build have checked.
    page = REAL_PAGE
    original = page.read_text(encoding="utf-8")
    copy = tmp_path / page.name
    copy.write_text(alter_every_output(original), encoding="utf-8")
    assert copy.read_text(encoding="utf-8") != original

    restored, log = accept_text(copy.read_text(encoding="utf-8"), copy)
    assert restored == original
    assert len(log) == sum(f.language == "pycon" for f in fences(original))
    # Idempotent: a second run finds nothing to change.
    assert accept_text(restored, copy) == (restored, [])


def test_accept_touches_output_lines_only(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    text = (
        "Prose that mentions 41.\n\n"
        '??? success "Solution"\n'
        '    ```pycon exec="on" source="console"\n'
        "    >>> x = 6 * 7\n"
        "    >>> print(x, x + 1)\n"
        "    41 42\n"
        "    0\n"
        "    ```\n\n"
        "More prose: 41.\n"
    )
    new, log = accept_text(text, page)
    assert new == text.replace("    41 42\n    0\n", "    42 43\n")
    assert log == [f"{page}:4: output rewritten (1 lines)"]


def test_blank_output_lines_are_written_as_doctest_expects() -> None:
    text = '```pycon exec="on" source="console"\n>>> print("a\\n\\nb")\nx\n```\n'
    new, _ = accept_text(text)
    assert (
        new
        == '```pycon exec="on" source="console"\n>>> print("a\\n\\nb")\na\n<BLANKLINE>\nb\n```\n'
    )
    assert accept_text(new)[1] == []


@pytest.mark.parametrize(
    ("written", "computed", "atol", "agree"),
    [
        ("18.7781132865", "18.7781132865", 0.0, True),
        ("18.7781132865", "18.7781132866", 0.0, True),  # half a unit of each last digit
        ("18.7781132865", "18.7781132867", 0.0, False),
        ("18.7781132865", "18.7781132964", 1e-8, True),
        ("18.7781132865", "18.7781132967", 1e-8, False),
        ("8e-01", "1e+00", 0.0, True),  # 1e+00 stands for [0.5, 1.5]
        ("8e-01", "2e+00", 0.0, False),
        ("8e-01", "2e+00", 1.0, True),
        ("2e-08", "3e-08", 0.0, True),  # 2e-08 stands for [1.5e-08, 2.5e-08]
        ("2e-08", "4e-08", 0.0, False),
    ],
)
def test_numbers_agree_within_the_tolerance_and_printed_precision(
    written: str, computed: str, atol: float, agree: bool
) -> None:
    assert numbers_agree(written, computed, atol) is agree
    assert numbers_agree(computed, written, atol) is agree


def test_a_line_agrees_only_when_its_text_is_the_same() -> None:
    row = "dx = 1e-15  quotient = 19.5399252334  error = 8e-01"
    noisy = "dx = 1e-15  quotient = 17.7635683940  error = 1e+00"
    assert line_agrees(row, noisy, 0.2)  # within 0.2 x 19.54 of each other
    assert not line_agrees(row, noisy, 0.05)
    assert not line_agrees(row, noisy.replace("error", "err"), 1.0)
    assert not line_agrees(row, noisy + " 1", 1.0)


def test_a_tolerance_applies_to_the_lines_it_names_only() -> None:
    tolerance = Tolerance.from_options({"tolerance": "1e-7@1-8 1@9-15"})
    assert tolerance is not None
    assert (tolerance.rtol(1), tolerance.rtol(8), tolerance.rtol(9), tolerance.rtol(16)) == (
        1e-7,
        1e-7,
        1.0,
        None,
    )
    assert disagreements("1.5\n2.5\n3.5", "1.6\n2.5\n3.6", None) == [1, 3]
    one = Tolerance.from_options({"tolerance": "0.1@1"})
    assert disagreements("1.5\n2.5\n3.5", "1.6\n2.5\n3.6", one) == [3]
    every = Tolerance.from_options({"tolerance": "0.1"})
    assert disagreements("1.5\n2.5\n3.5", "1.6\n2.5\n3.6", every) == []
    assert disagreements("1.5\n2.5", "1.5\n2.5\n3.5", every) == [3]


@pytest.mark.parametrize("declared", ["", "x", "0", "-1", "inf", "1@0-2", "1@3-2", "1@a"])
def test_a_malformed_tolerance_is_refused(declared: str) -> None:
    with pytest.raises(ValueError, match=r"each rule is RTOL or RTOL@A-B"):
        Tolerance.from_options({"tolerance": declared})


def test_sybil_compares_within_the_declared_tolerance(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    # It prints 1.0000000000009095: 9e-13 away from what is written.
    block = (
        '```pycon exec="on" source="console"{}\n>>> print(1.0 + 2**-40)\n1.0000000000000000\n```\n'
    )
    cases = [("", False), (' tolerance="1e-9"', True), (' tolerance="1e-15"', False)]
    cases += [(' tolerance="1e-9@2"', False), (' tolerance="1e-9@1"', True)]
    for options, passes in cases:
        page.write_text(block.format(options), encoding="utf-8")
        sybil = Sybil(parsers=[PageParser()], path=str(tmp_path), patterns=["*.md"])
        (example,) = list(sybil.parse(page))
        if passes:
            example.evaluate()
        else:
            with pytest.raises(SybilFailure):
                example.evaluate()


def build(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(project / "mkdocs.yml")],
        capture_output=True,
        text=True,
        check=False,
    )


FENCES = """\
  - admonition
  - pymdownx.details
  - pymdownx.superfences:
      custom_fences:
        - name: pycon
          class: pycon
          validator: !!python/name:gradref_site.checked_outputs.validator
          format: !!python/name:gradref_site.checked_outputs.formatter
"""


def test_the_site_runs_its_fences_through_the_check() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for language in ["pycon", "python"]:
        entry = (
            f"- name: {language}\n          class: {language}\n"
            "          validator: !!python/name:gradref_site.checked_outputs.validator\n"
            "          format: !!python/name:gradref_site.checked_outputs.formatter\n"
        )
        assert entry in config, f"mkdocs.yml: {language} fences bypass the output check"
    assert "languages: []" in config  # markdown-exec's own fences would win otherwise


def test_an_altered_output_fails_the_build_with_page_line_and_both_texts(tmp_path: Path) -> None:
    # A one-page site with the site's fence configuration; the block is in an exercise's
    # solution (a fence indented in an admonition), where it must be checked all the same.
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: t\nmarkdown_extensions:\n{FENCES}"
        "plugins:\n  - markdown-exec:\n      languages: []\n",
        encoding="utf-8",
    )
    page = tmp_path / "docs" / "index.md"
    # The gradient of x²y + e^{xy} at (1, 2) is (4 + 2e², 1 + e²), to the last digit.
    exact = f"[{4 + 2 * math.exp(2)!r}, {1 + math.exp(2)!r}]"
    text = (
        "# Page\n\nThe gradient:\n\n"
        '??? success "Solution"\n'
        '    ```pycon exec="on" source="console"\n'
        "    >>> import gradref\n"
        "    >>> from gradref.examples import f\n"
        '    >>> print(gradref.gradient(f, [1.0, 2.0], scheme="complex").tolist())\n'
        "    {}\n"
        "    ```\n"
    )
    page.write_text(text.format(exact), encoding="utf-8")
    result = build(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "18.7781121978613" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")

    altered = exact.replace("8", "9")
    page.write_text(text.format(altered), encoding="utf-8")
    result = build(tmp_path)
    assert result.returncode == 1
    assert f"{page}:10\n    written:  {altered}\n    computed: {exact}\n" in result.stderr
    assert "Traceback" not in result.stderr


# --- make accept never damages a page ---------------------------------------------------

# Characters str.splitlines() breaks on but Markdown and Sybil do not: they stay in a line.
ODD_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
TEXT = st.text(alphabet=st.sampled_from("ab 1.-" + ODD_BREAKS), min_size=1, max_size=12)
ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])


def output_line(text: str) -> str:
    """A line a block can print and a page can hold as written: no prompt, no fence, no
    trailing white space (Python's: the checks ignore it, as doctest does)."""
    line = text.rstrip()
    return line if line and not line.startswith((".", "-")) else "x" + line


@st.composite
def pages(draw: st.DrawFn) -> tuple[str, str]:
    """A page as committed (right outputs) and the same page with outputs altered."""
    right: list[tuple[str, str]] = []  # (line, ending)
    wrong: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(1, 4))):
        for _ in range(draw(st.integers(0, 2))):  # prose, with any odd character
            line = (draw(TEXT), draw(ENDINGS))
            right.append(line)
            wrong.append(line)
        indent = draw(st.sampled_from(["", "    "]))
        ending = draw(ENDINGS)  # a block's lines end alike; accept writes that ending
        if indent:
            right.append(('??? success "Solution"', ending))
            wrong.append(('??? success "Solution"', ending))
        outputs = [output_line(t) for t in draw(st.lists(TEXT, min_size=1, max_size=3))]
        shown = draw(st.lists(TEXT, max_size=3)).copy() if draw(st.booleans()) else outputs
        shown = [output_line(t) for t in shown]
        head = [indent + '```pycon exec="on" source="console"']
        head += [indent + f">>> print({line!r})" for line in outputs]
        for lines, written in ((right, outputs), (wrong, shown)):
            body = head + [indent + line for line in written] + [indent + "```"]
            lines.extend((line, ending) for line in body)
    bom = "\ufeff" if draw(st.booleans()) else ""
    last = draw(st.sampled_from(["", "\n"]))  # the final newline, or none
    join = lambda lines: bom + "".join(a + b for a, b in lines[:-1]) + lines[-1][0] + last  # noqa: E731
    return join(right), join(wrong)


@given(pages())
def test_accept_restores_exactly_the_intended_text(case: tuple[str, str]) -> None:
    right, wrong = case
    restored, _ = accept_text(wrong)
    assert restored == right
    assert accept_text(restored) == (right, [])  # a second run is a no-op


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (">>> print(1)\n1\n>>> print(2)\n2", r"page\.md:3: output before a later statement"),
        (">>> 1 + 1\n2", r"page\.md:2: a bare expression"),
        (">>> print('...x')\n1", r"page\.md:3: output line 1 starts with '\.\.\.'"),
        (">>> print(1)\n...x", r"page\.md:3: a prompt is followed by a space"),
        (">>> x = 1 / 0\n1", r"page\.md:1: the block raised ZeroDivisionError"),
        (">>>print(1)\n1", r"page\.md:2: a prompt is followed by a space"),
    ],
)
def test_accept_refuses_what_it_cannot_write_and_names_page_and_line(
    tmp_path: Path, block: str, message: str
) -> None:
    page = tmp_path / "page.md"
    page.write_bytes(f'```pycon exec="on"\n{block}\n```\n'.replace("\n", "\r\n").encode())
    before = page.read_bytes()
    with pytest.raises(AcceptError, match=message):
        accept([page])
    assert page.read_bytes() == before


def test_accept_writes_all_pages_or_none(tmp_path: Path) -> None:
    good = tmp_path / "a.md"
    good.write_text('```pycon exec="on"\n>>> print(2)\n1\n```\n', encoding="utf-8")
    bad = tmp_path / "b.md"
    bad.write_bytes(b"prose\n\xff\n")
    with pytest.raises(AcceptError, match=r"b\.md:2: not UTF-8"):
        accept([good, bad])
    assert good.read_text(encoding="utf-8").endswith(">>> print(2)\n1\n```\n")  # unchanged
    assert accept([good]) == [f"{good}:1: output rewritten (1 lines)"]
    assert good.read_text(encoding="utf-8").endswith(">>> print(2)\n2\n```\n")
