"""Sybil collects every code block of every page, found by `gradref_site.fences`.

- ``pycon`` fences are doctests: each ``>>>`` example's written output is checked. A fence
  that declares a tolerance, ``tolerance="1e-7@1-8 1@9-15"``, has the numbers of those
  output lines compared within it, by the build check's rule; all else exactly. A fence
  that is not a plain transcript (statements, then output) fails, naming page and line.
- ``python`` fences (the ones that draw figures) are run as code.
- Fences indented inside admonitions (an exercise's ``??? success "Solution"``) are
  collected like any other.
- Invisible blocks, ``<!-- invisible-code-block: python`` ... ``-->``, are run as code:
  the checks behind the numbers the prose states, which readers never see.

Everything here is Sybil's and doctest's public API: a parser is a callable from a
document to regions, an evaluator a callable from an example to a failure text or None.
"""

from __future__ import annotations

import doctest
from collections.abc import Iterable
from pathlib import Path

from sybil import Document, Example, Region, Sybil
from sybil.evaluators.doctest import DocTest, DocTestEvaluator, OutputChecker
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.abstract.doctest import DocTestStringParser
from sybil.parsers.markdown.lexers import DirectiveInHTMLCommentLexer
from sybil.region import Lexeme

from gradref_site.checked_outputs import Tolerance, disagreements, tolerance_of
from gradref_site.fences import fences, transcript_problem

FLAGS = doctest.ELLIPSIS


class ToleranceChecker(OutputChecker):
    """Sybil's checker, then the declared tolerance for the output lines it names."""

    def __init__(self, tolerance: Tolerance) -> None:
        self.tolerance = tolerance

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        if super().check_output(want, got, optionflags):
            return True
        return not disagreements(want, got, self.tolerance)


class ToleranceEvaluator:
    """A doctest evaluator whose runner compares output with a `ToleranceChecker`."""

    def __init__(self, tolerance: Tolerance) -> None:
        self.runner = doctest.DocTestRunner(
            checker=ToleranceChecker(tolerance), optionflags=FLAGS, verbose=False
        )

    def __call__(self, example: Example) -> str:
        namespace = example.namespace
        output: list[str] = []
        test = DocTest([example.parsed], namespace, example.path, None, example.line, None)
        added = namespace.setdefault("__name__", "__test__") == "__test__"
        try:
            self.runner.run(test, clear_globs=False, out=output.append)
        finally:
            if added:
                del namespace["__name__"]
        return "".join(output)


class Failing:
    """An evaluator that reports a fixed problem: a block the tests cannot run as written."""

    def __init__(self, problem: str) -> None:
        self.problem = problem

    def __call__(self, example: Example) -> str:
        return self.problem


class PageParser:
    """Turn each pycon fence into doctest examples, each python fence into one example."""

    def __init__(self) -> None:
        self.invisible = DirectiveInHTMLCommentLexer("invisible-code-block", "python")
        self.doctest = DocTestStringParser(DocTestEvaluator(FLAGS))
        self.python = PythonEvaluator()

    def __call__(self, document: Document) -> Iterable[Region]:
        text = document.text
        starts = [0]  # the offset of each line: fences() numbers lines split on "\n"
        for line in text.split("\n"):
            starts.append(starts[-1] + len(line) + 1)
        for fence in fences(text, Path(document.path)):
            lexed = Region(starts[fence.first - 1], starts[fence.last] - 1)
            source = "".join(line + "\n" for line in fence.body)
            lexeme = Lexeme(source, starts[fence.first] - lexed.start, 1)
            if fence.language == "pycon":
                problem = transcript_problem(fence)
                if problem:
                    yield Region(lexed.start, lexed.end, fence.source, Failing(problem))
                    continue
                tolerance = tolerance_of(fence)
                parser = self.doctest
                if tolerance is not None:
                    parser = DocTestStringParser(ToleranceEvaluator(tolerance))  # type: ignore[arg-type]
                for example in parser(source, document.path):
                    example.adjust(lexed, lexeme)
                    yield example
            elif fence.language == "python":
                yield Region(lexed.start, lexed.end, lexeme, self.python)
        for region in self.invisible(document):
            region.parsed = region.lexemes["source"]
            region.evaluator = self.python
            yield region


def pages(docs: Path) -> Sybil:
    """The Sybil that collects every page below the folder ``docs``."""
    return Sybil(parsers=[PageParser()], path=str(docs.resolve()), patterns=["*.md"])
