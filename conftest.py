"""Sybil runs the examples of every docstring in gradref/ and every code block in docs/."""

import os
import sys
from doctest import ELLIPSIS
from pathlib import Path

from hypothesis import settings
from sybil import Sybil
from sybil.parsers.rest import DocTestParser

# The docs' figure helpers, importable as at build time (the Makefile sets PYTHONPATH).
sys.path.insert(0, str(Path(__file__).parent / "docs" / "_support"))

from tests.sybil_docs import docs

# Hypothesis profiles; the tests set no max_examples of their own, so these govern.
# - dev (the default): 100 examples a test, Hypothesis' local database in .hypothesis/
#   (git-ignored) replays the last failure first.
# - ci (CI=true, as GitHub Actions sets it): twice the examples, no database at all, so
#   nothing leaks from one run into the next, and every failure prints the
#   @reproduce_failure blob that replays it exactly. Not derandomized: each run explores
#   new examples, and a failure is reproducible from its log.
# - long (HYPOTHESIS_PROFILE=long): thousands of examples, to shake out rare cases.
# None has a deadline: a numerical example's time is a benchmark's business, not a test's.
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("ci", max_examples=200, deadline=None, database=None, print_blob=True)
settings.register_profile("long", max_examples=5000, deadline=None, database=None, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev")
)

docstrings = Sybil(
    parsers=[DocTestParser(optionflags=ELLIPSIS)],
    path="gradref",
    patterns=["*.py"],
)

pytest_collect_file = (docstrings + docs).pytest()
