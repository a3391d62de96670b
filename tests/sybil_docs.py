"""Sybil configuration for the docs: every fenced code block of every page is collected.

Sybil's stock Markdown parsers skip fences that carry options, such as
```` ```pycon exec="on" source="console" ````, which is how every block on the site is
written (markdown-exec runs it at build time). This parser reads the language from the
start of the info line and ignores the options:

- ``pycon`` fences are doctests: each ``>>>`` example's written output is checked. A
  fence that declares a tolerance, ``tolerance="1e-7@1-8 1@9-15"``, has the numbers of
  those output lines compared within it, by the same rule as the build check
  (docs/_support/checked_outputs.py); every other output is compared exactly.
- ``python`` fences (the ones that draw figures) are run as code.
- Fences indented inside admonitions (an exercise's ``??? success "Solution"``) are
  collected like any other: the lexer strips the indentation.
- Invisible blocks, ``<!-- invisible-code-block: python`` ... ``-->``, are run as code.
  They hold the checks behind the numbers that the prose states; readers never see them,
  and markdown-exec does not run them.

`tests/test_docs_collection.py` proves that no fence is left without examples.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from doctest import ELLIPSIS
from pathlib import Path

from checked_outputs import OPTION, Tolerance, disagreements
from sybil import Document, Region, Sybil
from sybil.evaluators.doctest import DocTestEvaluator, OutputChecker
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.abstract.doctest import DocTestStringParser
from sybil.parsers.markdown.lexers import DirectiveInHTMLCommentLexer, RawFencedCodeBlockLexer

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# The info line: a language, then anything (markdown-exec's options), then the newline.
INFO = re.compile(r"(?P<language>[\w+-]*)(?P<options>[^\n]*)\n")


class ToleranceChecker(OutputChecker):
    """Sybil's checker, then the declared tolerance for the output lines it names."""

    def __init__(self, tolerance: Tolerance) -> None:
        self.tolerance = tolerance

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        if super().check_output(want, got, optionflags):
            return True
        return not disagreements(want, got, self.tolerance)


def tolerance_of(options: str) -> Tolerance | None:
    """The tolerance a fence's info line declares, if any."""
    return Tolerance.from_options({m["key"]: m["value"] for m in OPTION.finditer(options)})


class ExecutedFenceParser:
    """Turn each pycon fence into doctest examples, each python fence into one example."""

    def __init__(self) -> None:
        self.lexer = RawFencedCodeBlockLexer(info_pattern=INFO)
        self.invisible = DirectiveInHTMLCommentLexer("invisible-code-block", "python")
        self.doctest = DocTestStringParser(DocTestEvaluator(ELLIPSIS))
        self.python = PythonEvaluator()

    def __call__(self, document: Document) -> Iterable[Region]:
        for region in self.lexer(document):
            language = region.lexemes["language"]
            source = region.lexemes["source"]
            if language == "pycon":
                parser = self.doctest
                tolerance = tolerance_of(region.lexemes["options"])
                if tolerance is not None:
                    evaluator = DocTestEvaluator(ELLIPSIS)
                    # doctest.DocTestRunner keeps its checker here; Sybil's runner offers
                    # no argument for it.
                    evaluator.runner._checker = ToleranceChecker(tolerance)
                    parser = DocTestStringParser(evaluator)
                for example in parser(source, document.path):
                    example.adjust(region, source)
                    yield example
            elif language == "python":
                region.parsed = source
                region.evaluator = self.python
                yield region
        for region in self.invisible(document):
            region.parsed = region.lexemes["source"]
            region.evaluator = self.python
            yield region


docs = Sybil(parsers=[ExecutedFenceParser()], path=str(DOCS), patterns=["*.md"])
