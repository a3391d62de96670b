"""The Zensical build (`make site-zensical`) in Chromium: math, offline, no console error.

Zensical builds the same docs from mkdocs.yml (through mkdocs-zensical.yml) into
site-zensical/. Every page of it is loaded once, in its own offline browser context, and
must show: every formula rendered by KaTeX (HTML and MathML, no `.katex-error`, no raw
TeX left in the prose), no request to a host other than 127.0.0.1, no console error, no
uncaught error and no failed request. It uses the suite's `browser`, event recorder
and server, and the MkDocs suite's raw-TeX pattern. ``ZENSICAL_SITE_DIR`` overrides
where the build is looked for.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gradref_site.serve import discover_pages
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .conftest import ModeContext, Recorder, missing, new_mode_context, problems
from .page_checks import PROSE_TEXT, RAW_TEX

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("ZENSICAL_SITE_DIR") or ROOT / "site-zensical").resolve()
PAGES: list[str | None] = list(discover_pages(SITE)) if (SITE / "index.html").is_file() else []

# The formulas: pymdownx.arithmatex's elements, or KaTeX's own where there is no wrapper.
FORMULAS = """() => {
  const wrapped = [...document.querySelectorAll(".arithmatex")];
  return wrapped.length ? wrapped
    : [...document.querySelectorAll(".katex")].filter(e => !e.parentElement.closest(".katex"));
}"""

MATH = f"""() => {{
  const formulas = ({FORMULAS})();
  const source = (element) => {{
    const annotation = element.querySelector(".katex-mathml annotation");
    return (annotation ? annotation.textContent : element.textContent).trim().slice(0, 80);
  }};
  const bare = formulas.filter(element => !(element.matches(".katex")
    || element.querySelector(".katex")));
  const noMathml = formulas.filter(element => !element.querySelector(".katex-mathml math"));
  const noHtml = formulas.filter(element => !element.querySelector(".katex-html"));
  const errors = [...document.querySelectorAll(".katex-error")]
    .map(element => `${{element.textContent.slice(0, 80)}}: ${{element.title}}`);
  return {{
    count: formulas.length,
    unrendered: bare.map(source),
    noMathml: noMathml.map(source),
    noHtml: noHtml.map(source),
    errors,
  }};
}}"""

ALL_RENDERED = f"""() => ({FORMULAS})().every(element =>
  element.matches(".katex") || element.querySelector(".katex"))"""


@pytest.fixture(scope="module")
def zensical_url(served: Callable[[Path], str]) -> str:
    return served(SITE)


@pytest.fixture
def visit(browser: Any, zensical_url: str) -> Iterator[Callable[[str], tuple[Any, Recorder]]]:
    """`visit(page)`: load the page in a fresh offline context (the suite's recorder);
    returns the page and what the context recorded."""
    made: list[ModeContext] = []

    def load(path: str) -> tuple[Any, Recorder]:
        made.append(new_mode_context(browser, zensical_url))
        page = made[-1].context.new_page()
        page.goto(zensical_url + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        return page, made[-1].recorder

    yield load
    for context in made:
        context.context.close()


def test_the_build_has_math() -> None:
    # Not vacuous: the pages below hold formulas to check (client- or build-time KaTeX).
    if not PAGES:
        missing(f"no Zensical build at {SITE}: run `make site-zensical`")
    html = "".join(index.read_text(encoding="utf-8") for index in SITE.rglob("index.html"))
    assert len(re.findall(r'class="(?:arithmatex|katex)\b', html)) > 100


@pytest.mark.parametrize("path", PAGES or [None], ids=lambda path: (path or "home").strip("/"))
def test_page(visit: Any, path: str | None) -> None:
    if path is None:
        missing(f"no Zensical build at {SITE}: run `make site-zensical`")
    page, events = visit(path)
    # Client-side KaTeX renders after load, build-time KaTeX is there already; on a
    # timeout the report below names what is missing.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(ALL_RENDERED, timeout=10_000)
    math = page.evaluate(MATH)
    raw = sorted({match.group() for match in RAW_TEX.finditer(page.evaluate(PROSE_TEXT))})
    failures = {
        "formulas not rendered": math["unrendered"],
        "formulas without MathML": math["noMathml"],
        "formulas without KaTeX HTML": math["noHtml"],
        "KaTeX errors": math["errors"],
        "raw TeX in the prose": raw,
    }
    report = "\n".join(
        f"{title}:\n" + "\n".join(f"  {entry}" for entry in entries)
        for title, entries in failures.items()
        if entries
    )
    report = "\n".join(filter(None, [report, problems(vars(events))]))
    assert not report, f"{path or 'home'} ({math['count']} formulas):\n{report}"


# Zensical's search draws its dialog in a shadow root; the text of its results.
SEARCH_RESULTS = """() => [...document.querySelectorAll("*")]
  .filter(element => element.shadowRoot)
  .map(element => element.shadowRoot.textContent.replace(/\\s+/g, " "))
  .join(" ")"""


def test_search(visit: Any) -> None:
    # Material's partials/search.html (in overrides/) would replace Zensical's search with
    # a form its scripts do not drive; `make site-zensical` leaves it out. This proves it.
    page, events = visit("")
    page.locator(".md-search__button").click()
    page.keyboard.type("directional")
    page.wait_for_function(
        f"() => ({SEARCH_RESULTS})().includes('directional_derivative')", timeout=10_000
    )
    assert re.search(r"\b[1-9]\d* results?", page.evaluate(SEARCH_RESULTS))
    assert not events.console_errors
    assert not events.page_errors
    assert not events.outside_requests
