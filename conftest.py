"""Sybil runs the examples of every docstring in gradref/ and every code block in docs/."""

import sys
from doctest import ELLIPSIS
from pathlib import Path

from sybil import Sybil
from sybil.parsers.rest import DocTestParser

# The docs' figure helpers, importable as at build time (the Makefile sets PYTHONPATH).
sys.path.insert(0, str(Path(__file__).parent / "docs" / "_support"))

from tests.sybil_docs import docs

docstrings = Sybil(
    parsers=[DocTestParser(optionflags=ELLIPSIS)],
    path="gradref",
    patterns=["*.py"],
)

pytest_collect_file = (docstrings + docs).pytest()
