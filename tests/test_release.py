"""What a release carries: the license, one version everywhere, the changelog, the citation.

The version is written once, as gradref.__version__; pyproject.toml has it read from
there by hatchling (the built wheel's metadata is compared with it in test_wheel.py),
CITATION.cff repeats it and is checked here, and the site's footer shows it.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

import gradref

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("SITE_DIR") or ROOT / "site-pages").resolve()


def test_the_license_is_the_mit_license_that_pyproject_names() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 the gradref developers\n")
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"


def test_the_version_is_written_once_in_the_package() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["hatch"]["version"] == {"path": "gradref/__init__.py"}
    init = (ROOT / "gradref" / "__init__.py").read_text(encoding="utf-8")
    assert re.findall(r"^__version__ = \"(.+)\"$", init, re.MULTILINE) == [gradref.__version__]
    assert str(Version(gradref.__version__)) == gradref.__version__  # normalized PEP 440


def test_the_citation_is_cff_1_2_0_at_the_packages_version() -> None:
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    # CFF 1.2.0's required keys, with their types, and the ones a software citation needs.
    assert citation["cff-version"] == "1.2.0"
    assert isinstance(citation["message"], str)
    assert isinstance(citation["title"], str)
    assert citation["authors"]
    assert all({"name"} <= set(a) or {"family-names"} <= set(a) for a in citation["authors"])
    assert citation["type"] == "software"
    assert citation["version"] == gradref.__version__
    assert citation["license"] == "MIT"


def test_the_changelog_keeps_a_changelog() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    assert "[Keep a Changelog](https://keepachangelog.com/en/1.1.0/)" in text
    releases = re.findall(r"^## \[(.+?)\](.*)$", text, re.MULTILINE)
    assert releases[0] == ("Unreleased", "")
    for version, date in releases[1:]:
        assert Version(version) <= Version(gradref.__version__), version
        assert re.fullmatch(r" - \d{4}-\d{2}-\d{2}", date), (version, date)
    sections = set(re.findall(r"^### (.+)$", text, re.MULTILINE))
    assert sections <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"} | {
        "Documentation"
    }


@pytest.mark.site
def test_every_page_of_the_built_site_shows_the_version() -> None:
    if not (SITE / "index.html").exists():
        reason = f"no built site at {SITE}: run `make site-pages`"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true, so this is an error", pytrace=False)
        pytest.skip(reason)
    pages = [*sorted(SITE.glob("**/index.html")), SITE / "404.html"]
    footer = re.compile(r'<div class="md-copyright__highlight">\s*gradref (\S+) ·')
    for page in pages:
        found = footer.findall(page.read_text(encoding="utf-8"))
        assert found == [gradref.__version__], page.relative_to(SITE)
