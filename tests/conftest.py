"""Test modules that need more than the `test` extra: collected only where it is installed.

`pip install -e '.[test]'` and a bare `pytest` run the library's tests and its docstring
examples. The modules below also need the site's tooling (`pip install -e tooling` and
the `docs` extra), the `lint`, `release` or `browser` extras: where those are missing
they are not collected, and the report's header says which and why. Under CI=true,
where everything must run, a missing one is an error instead.
"""

from __future__ import annotations

import importlib.util
import os

NEEDS = {
    "test_alt_texts.py": ["gradref_site", "matplotlib"],
    "test_checked_outputs.py": ["gradref_site", "sybil", "mkdocs", "markdown_exec"],
    "test_docs_collection.py": ["gradref_site", "sybil"],
    "test_katex_markdown.py": ["gradref_site", "markdown", "pymdownx"],
    "test_notebooks.py": ["gradref_site", "mkdocs", "nbformat", "nbclient"],
    "test_release.py": ["yaml", "packaging"],
    "test_wheel.py": ["build", "twine"],
    "test_workflows.py": ["yaml"],
    "browser": ["gradref_site", "playwright", "axe_playwright_python"],
}

collect_ignore: list[str] = []
NOT_COLLECTED: list[str] = []
for module, needs in NEEDS.items():
    absent = [name for name in needs if importlib.util.find_spec(name) is None]
    if not absent:
        continue
    reason = f"tests/{module}: not collected, it needs {', '.join(absent)}"
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"{reason}; CI=true, where every test must run")
    collect_ignore.append(module)
    NOT_COLLECTED.append(reason)


def pytest_report_header() -> list[str]:
    """Say what was not collected, and why."""
    return NOT_COLLECTED
