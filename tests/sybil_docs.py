"""Sybil configuration for the docs: every fenced code block of every page is collected.

Sybil's stock Markdown parsers skip fences that carry options, such as
```` ```pycon exec="on" source="console" ````, which is how every block on the site is
written (markdown-exec runs it at build time). This parser reads the language from the
start of the info line and ignores the options:

- ``pycon`` fences are doctests: each ``>>>`` example's written output is checked.
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

from sybil import Document, Region, Sybil
from sybil.evaluators.doctest import DocTestEvaluator
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.abstract.doctest import DocTestStringParser
from sybil.parsers.markdown.lexers import DirectiveInHTMLCommentLexer, RawFencedCodeBlockLexer

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# The info line: a language, then anything (markdown-exec's options), then the newline.
INFO = re.compile(r"(?P<language>[\w+-]*)(?P<options>[^\n]*)\n")


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
                for example in self.doctest(source, document.path):
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
