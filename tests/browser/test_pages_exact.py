"""The site as GitHub Pages serves it: built as .github/workflows/pages.yml builds it.

`make site-pages` builds with SITE_URL under a /REPO/ path (http://127.0.0.1:PORT/gradref/),
REPO_URL and EDIT_URI set, exactly the settings of the Pages workflow; the harness
serves it under /gradref/ with every other path, and every missing file, answering 404
with the site's 404.html, as Pages does. Every request off 127.0.0.1 is counted (and
aborted): the run must make none. With REPO_URL set, Material would fetch the repository's
facts from api.github.com on every page; overrides/partials/source.html keeps a plain link.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from gradref_site.serve import built_site_url, discover_pages
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .conftest import ModeContext, SessionReport, new_mode_context, page_id, problems
from .page_checks import KATEX_ERROR_RED, MATH_PROBLEMS, MATH_REPORT

REPO_URL = "https://github.com/OWNER/gradref"  # as `make site-pages` sets it
EDIT_PREFIX = f"{REPO_URL}/edit/main/docs/"

PAGE_CHROME = """() => ({
  edit: [...document.querySelectorAll('a[rel="edit"], a.md-content__button:not([download])')]
    .map(a => a.href),
  notebooks: [...document.querySelectorAll("a.md-content__button[download]")].map(a => a.href),
  source: [...document.querySelectorAll("a.md-source")]
    .map(a => ({href: a.href, component: a.getAttribute("data-md-component")})),
})"""


@pytest.fixture(scope="session")
def pages_light(browser: Any, pages_base_url: str) -> Iterator[ModeContext]:
    made = new_mode_context(browser, pages_base_url, "light")
    try:
        yield made
    finally:
        made.context.close()


@pytest.fixture(scope="session")
def off_origin_counts() -> dict[str, int]:
    return {}


def test_the_pages_build_lives_under_the_repository_path(
    pages_site_dir: Path, pages_base_url: str
) -> None:
    """Built for a /gradref/ path, served there: the run is the one Pages would see."""
    built = built_site_url(pages_site_dir) or ""
    assert urlsplit(built).path == "/gradref/", f"site_url of the Pages build: {built!r}"
    assert urlsplit(pages_base_url).path == "/gradref/"


def test_every_page_loads_offline_with_a_static_repository_link(
    pages_page_path: str | None,
    pages_site_dir: Path,
    pages_base_url: str,
    pages_light: ModeContext,
    off_origin_counts: dict[str, int],
    session_report: SessionReport,
) -> None:
    """HTTP 200 under /gradref/, math rendered, no console error or failed request, no
    request off the origin (counted), the repository link static (no facts fetched),
    and the edit button pointing at the page's source on GitHub."""
    assert pages_page_path is not None
    url = pages_base_url + pages_page_path
    mark = pages_light.recorder.mark()
    page = pages_light.context.new_page()
    try:
        response = page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        status = response.status if response else None
        math = page.evaluate(MATH_REPORT, KATEX_ERROR_RED)
        chrome = page.evaluate(PAGE_CHROME)
    finally:
        page.close()
    events = pages_light.recorder.since(mark)
    off_origin_counts[page_id(pages_page_path)] = len(events["outside_requests"])
    total = sum(off_origin_counts.values())
    session_report.pages_exact[:] = [
        f"Pages-exact run ({pages_base_url}): {len(off_origin_counts)} pages loaded, "
        f"{total} request(s) off the origin attempted"
    ]
    print(f"{url}: {len(events['outside_requests'])} off-origin request attempts")
    assert status == 200, f"{url}: HTTP {status}"
    report = problems(events)
    assert not report, f"{url}:\n{report}"
    failures = [f"{name}: {math[name]}" for name in MATH_PROBLEMS if math[name]]
    assert not failures, f"{url}:\n" + "\n".join(failures)
    assert chrome["source"], f"{url}: no repository link (a.md-source)"
    for link in chrome["source"]:
        assert link["href"] == REPO_URL, f"{url}: repository link {link['href']!r}"
        assert link["component"] is None, (
            f"{url}: the repository link has data-md-component={link['component']!r}, "
            "so Material fetches its facts from api.github.com"
        )
    source = f"{pages_page_path.rstrip('/')}.md" if pages_page_path else "index.md"
    assert chrome["edit"] == [EDIT_PREFIX + source], f"{url}: edit links {chrome['edit']}"
    # The notebook download beside it (every page with code: all but the reference) is
    # served from under /gradref/.
    if pages_page_path != "reference/":
        assert len(chrome["notebooks"]) == 1, f"{url}: notebook links {chrome['notebooks']}"
    for href in chrome["notebooks"]:
        assert href.startswith(pages_base_url + "notebooks/"), f"{url}: notebook link {href}"
        answer = pages_light.context.request.get(href)
        assert answer.status == 200, f"{url}: {href} answered {answer.status}"
        assert answer.json()["nbformat"] == 4, f"{url}: {href} is not a notebook"


def test_search_works_under_the_repository_path(
    pages_site_dir: Path, pages_base_url: str, pages_light: ModeContext
) -> None:
    """Material's search (its worker and index under /gradref/) finds a page, and the
    result links stay under /gradref/."""
    mark = pages_light.recorder.mark()
    page = pages_light.context.new_page()
    try:
        page.goto(pages_base_url, wait_until="load")
        page.wait_for_load_state("networkidle")
        search = page.locator("input.md-search__input")
        if not search.is_visible():
            page.locator("label.md-header__button[for='__search']").click()
        search.click()
        search.press_sequentially("directional", delay=30)
        with contextlib.suppress(PlaywrightTimeoutError):  # the assertion says what was listed
            page.wait_for_function(
                """() => [...document.querySelectorAll(".md-search-result__list a")]
                    .some(a => new URL(a.href).pathname.endsWith("/directional-derivative/"))""",
                timeout=10_000,
            )
        hrefs = page.locator(".md-search-result__list a").evaluate_all(
            "links => links.map(a => new URL(a.href).pathname)"
        )
    finally:
        page.close()
    assert "/gradref/directional-derivative/" in hrefs, f"search listed {hrefs or 'nothing'}"
    assert all(href.startswith("/gradref/") for href in hrefs), hrefs
    report = problems(pages_light.recorder.since(mark))
    assert not report, report


NOT_FOUND_PAGE = """() => {
  const header = document.querySelector(".md-header");
  const sheets = [...document.styleSheets].filter(sheet => {
    try { return sheet.cssRules.length > 0; } catch (error) { return false; }
  });
  return {
    title: document.title,
    headerBackground: header ? getComputedStyle(header).backgroundColor : null,
    sheets: sheets.map(sheet => sheet.href).filter(Boolean),
    nav: [...document.querySelectorAll("nav.md-nav--primary a.md-nav__link[href]")]
      .map(a => a.href),
    heading: (document.querySelector("article h1") || {}).textContent || "",
  };
}"""


@pytest.mark.parametrize("missing", ["no-such-page/", "deep/er/no-such-page", "nope.html"])
def test_a_missing_page_gets_the_404_page_with_its_styles_and_navigation(
    missing: str, pages_site_dir: Path, pages_base_url: str, pages_light: ModeContext
) -> None:
    """A missing URL under /gradref/ answers 404 with the site's 404 page, styled (its
    stylesheets load from /gradref/) and with the navigation to every page."""
    url = pages_base_url + missing
    mark = pages_light.recorder.mark()
    page = pages_light.context.new_page()
    try:
        response = page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        status = response.status if response else None
        seen = page.evaluate(NOT_FOUND_PAGE)
        # Every navigation link leads to a page that exists.
        statuses = {href: page.request.get(href).status for href in dict.fromkeys(seen["nav"])}
    finally:
        page.close()
    assert status == 404, f"{url}: HTTP {status}"
    assert "404" in seen["heading"], f"{url}: not the site's 404 page: {seen['heading']!r}"
    main_css = [href for href in seen["sheets"] if "/gradref/assets/stylesheets/main" in href]
    assert main_css, f"{url}: Material's stylesheet did not load: {seen['sheets']}"
    assert seen["headerBackground"] not in (None, "rgba(0, 0, 0, 0)"), (
        f"{url}: the header is unstyled ({seen['headerBackground']})"
    )
    expected = {pages_base_url + page for page in discover_pages(pages_site_dir)}
    assert expected <= set(seen["nav"]), (
        f"{url}: the navigation lacks {sorted(expected - set(seen['nav']))}"
    )
    broken = {href: code for href, code in statuses.items() if code != 200}
    assert not broken, f"{url}: navigation links that do not answer 200: {broken}"
    events = pages_light.recorder.since(mark)
    # The page's own 404 is the point; anything else failing is not.
    events["failed_requests"] = [
        entry for entry in events["failed_requests"] if not entry.startswith(f"{url}: HTTP 404")
    ]
    events["console_errors"] = [
        entry for entry in events["console_errors"] if "status of 404" not in entry
    ]
    report = problems(events)
    assert not report, f"{url}:\n{report}"


def test_paths_outside_the_repository_path_answer_404(
    pages_site_dir: Path, pages_base_url: str, pages_light: ModeContext
) -> None:
    """As on Pages, the site is only under /gradref/: its files are not at the root."""
    root = pages_base_url.removesuffix("gradref/")
    page = pages_light.context.new_page()
    try:
        statuses = {
            path: page.request.get(root + path).status
            for path in ("", "index.html", "gradient/", "sitemap.xml")
        }
        inside = page.request.get(pages_base_url + "gradient/").status
    finally:
        page.close()
    assert statuses == dict.fromkeys(statuses, 404), statuses
    assert inside == 200
