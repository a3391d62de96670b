"""The Zensical build (`make site-zensical`) in Chromium: math, offline, no console error.

Zensical builds the same docs from mkdocs.yml (through mkdocs-zensical.yml) into
site-zensical/. Every page of it is loaded once, in its own offline browser context, and
must show: every formula rendered by KaTeX (HTML and MathML, no `.katex-error`, no raw
TeX left in the prose), no request to a host other than 127.0.0.1, no console error, no
uncaught error and no failed request. This module shares only the session's `browser`
and the harness's server with the rest of the suite. ``ZENSICAL_SITE_DIR`` overrides
where the build is looked for.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .harness import HOST, discover_pages, serve_site

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

# What a reader sees as prose: the article without code and without rendered math.
PROSE = """() => {
  const article = document.querySelector("article") || document.body;
  const clone = article.cloneNode(true);
  clone.querySelectorAll("pre, code, .highlight, .katex, script, style")
    .forEach(element => element.remove());
  return clone.textContent;
}"""

# TeX that should have become math: delimiters, or a macro the pages use.
RAW_TEX = re.compile(r"\\[()\[\]]|\$\$|\\(?:frac|partial|nabla|mathbf|sum|sqrt|approx)\b")


@dataclass
class Events:
    outside_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == HOST


@pytest.fixture(scope="module")
def zensical_url() -> Iterator[str]:
    if not PAGES:
        pytest.fail(f"no Zensical build at {SITE}: run `make site-zensical`", pytrace=False)
    with serve_site(SITE) as url:
        yield url


@pytest.fixture
def visit(browser: Any, zensical_url: str) -> Iterator[Any]:
    """`visit(page)`: load the page in a fresh offline context; returns (page, events)."""
    contexts: list[Any] = []

    def load(path: str) -> tuple[Any, Events]:
        events = Events()
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, service_workers="block"
        )
        contexts.append(context)
        context.set_default_timeout(15_000)

        def block(route: Any) -> None:
            events.outside_requests.append(f"{route.request.method} {route.request.url}")
            route.abort("blockedbyclient")

        context.route(lambda url: not _local(url), block)
        context.on(
            "console",
            lambda message: (
                message.type == "error"
                and events.console_errors.append(
                    f"{message.text} ({message.location.get('url')}:"
                    f"{message.location.get('lineNumber')})"
                )
            ),
        )
        context.on("weberror", lambda error: events.page_errors.append(str(error.error)))
        context.on(
            "requestfailed",
            lambda request: (
                _local(request.url)
                and events.failed_requests.append(f"{request.url}: {request.failure}")
            ),
        )
        context.on(
            "response",
            lambda response: (
                response.status >= 400
                and events.failed_requests.append(f"{response.url}: HTTP {response.status}")
            ),
        )
        page = context.new_page()
        page.goto(zensical_url + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        return page, events

    yield load
    for context in contexts:
        context.close()


def test_the_build_has_math() -> None:
    # Not vacuous: the pages below hold formulas to check (client- or build-time KaTeX).
    if not PAGES:
        pytest.fail(f"no Zensical build at {SITE}: run `make site-zensical`", pytrace=False)
    html = "".join(index.read_text(encoding="utf-8") for index in SITE.rglob("index.html"))
    assert len(re.findall(r'class="(?:arithmatex|katex)\b', html)) > 100


@pytest.mark.parametrize("path", PAGES or [None], ids=lambda path: (path or "home").strip("/"))
def test_page(visit: Any, path: str | None) -> None:
    if path is None:
        pytest.fail(f"no Zensical build at {SITE}: run `make site-zensical`", pytrace=False)
    page, events = visit(path)
    # Client-side KaTeX renders after load, build-time KaTeX is there already; on a
    # timeout the report below names what is missing.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(ALL_RENDERED, timeout=10_000)
    math = page.evaluate(MATH)
    raw = sorted({match.group() for match in RAW_TEX.finditer(page.evaluate(PROSE))})
    failures = {
        "formulas not rendered": math["unrendered"],
        "formulas without MathML": math["noMathml"],
        "formulas without KaTeX HTML": math["noHtml"],
        "KaTeX errors": math["errors"],
        "raw TeX in the prose": raw,
        "requests to a host other than 127.0.0.1 (aborted)": events.outside_requests,
        "console errors": events.console_errors,
        "uncaught page errors": events.page_errors,
        "failed requests": events.failed_requests,
    }
    report = "\n".join(
        f"{title}:\n" + "\n".join(f"  {entry}" for entry in entries)
        for title, entries in failures.items()
        if entries
    )
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
