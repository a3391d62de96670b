"""Sybil runs the examples of every docstring in gradref/ and every code block in docs/."""

import importlib.util
import os
from doctest import ELLIPSIS
from pathlib import Path
from typing import TypedDict

from hypothesis import HealthCheck, settings
from sybil import Sybil
from sybil.parsers.rest import DocTestParser


# Hypothesis profiles; the tests set no max_examples of their own, so these govern.
# - dev (the default): 100 examples a test, Hypothesis' local database in .hypothesis/
#   (git-ignored) replays the last failure first.
# - ci (CI=true, as GitHub Actions and .ci/run set it): twice the examples, no database
#   at all, so nothing leaks from one run into the next, and every failure prints the
#   @reproduce_failure blob that replays it exactly. Not derandomized (Hypothesis' own
#   ci profile is, and would otherwise be inherited): each run explores new examples,
#   and the properties are exact, so a failure is a bug, reproducible from its log.
# - long (HYPOTHESIS_PROFILE=long): 5000 examples a test, to shake out rare cases.
# None has a deadline, and ci and long do not fail on slow data generation (too_slow):
# time on a shared machine is a benchmark's business, not a test's.
class _RunTimeFree(TypedDict):
    deadline: None
    suppress_health_check: list[HealthCheck]


RUN_TIME_FREE: _RunTimeFree = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "ci", max_examples=200, database=None, print_blob=True, derandomize=False, **RUN_TIME_FREE
)
settings.register_profile(
    "long", max_examples=5000, database=None, print_blob=True, derandomize=False, **RUN_TIME_FREE
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev")
)

DOCS = Path(__file__).parent / "docs"
docstrings = Sybil(
    parsers=[DocTestParser(optionflags=ELLIPSIS)],
    path="gradref",
    patterns=["*.py"],
)

# The pages' blocks need the site's tooling and the docs extra (matplotlib, jax...): with
# only the test extra they are not collected, and the header says so (tests/conftest.py
# does the same for the test modules); under CI=true that is an error.
SITE = [m for m in ("gradref_site", "matplotlib", "jax") if importlib.util.find_spec(m) is None]
if SITE and os.environ.get("CI") == "true":
    raise RuntimeError(f"docs/: the pages need {', '.join(SITE)}; CI=true, where all must run")
if SITE:
    pytest_collect_file = docstrings.pytest()
else:
    from gradref_site.sybil_parser import pages

    pytest_collect_file = (docstrings + pages(DOCS)).pytest()


def pytest_report_header() -> list[str]:
    """Say what was not collected, and why."""
    return [f"docs/: the pages' blocks not collected, they need {', '.join(SITE)}"] * bool(SITE)
