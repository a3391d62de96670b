"""The browser suite: the built site (`make site`) in Chromium, through Playwright, offline.

One HTTP server on 127.0.0.1 serves `site/`; one Chromium runs for the whole session, with
one browser context per colour scheme. Every context aborts (and records) any request for
a host other than 127.0.0.1, and records console errors, page errors and failed requests;
each test looks at what happened while it ran.

The pages are the built site's: every `index.html` under it (so the suite follows
whatever pages the docs have), served where the site was built to live. Environment:

- ``SITE_DIR``: the built site (default: ``site-pages/``, the site exactly as the Pages
  workflow builds it, made by ``make site-pages``, served under ``/gradref/``).
- ``PAGES_SITE_DIR``: the Pages build for test_pages_exact.py (default: the same).
- ``CHROMIUM``: the browser executable (default: ``chromium`` or ``chromium-browser``
  on PATH).

Without a built site or a Chromium the tests skip, saying which; under ``CI=true`` they
fail instead. Every test here carries the ``browser`` marker.
- ``SCREENSHOT_DIR``: where the full-page screenshots go (default ``screenshots/``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from gradref_site.serve import HOST, LAUNCH_ARGS, discover_pages, find_chromium, serve_built_site

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("SITE_DIR") or ROOT / "site-pages").resolve()
PAGES_SITE = Path(os.environ.get("PAGES_SITE_DIR") or ROOT / "site-pages").resolve()
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "screenshots").resolve()

# Light and dark mode: the colour scheme the browser reports, and the Material palette
# (body[data-md-color-scheme]) that mkdocs.yml maps it to through prefers-color-scheme.
MODES = {"light": "default", "dark": "slate"}

# Wide enough for Material's desktop layout: navigation sidebar and search box visible.
VIEWPORT = {"width": 1280, "height": 900}

NO_CHROMIUM = (
    "no Chromium found: browser suite NOT run (looked at $CHROMIUM, then chromium and "
    "chromium-browser on PATH; scripts/ensure_chromium.sh installs it)"
)


def page_id(page: str | None) -> str:
    if page is None:
        return "no-site"
    return page.strip("/") or "home"


def site_pages(site: Path) -> list[str | None]:
    """The pages of `site`, or [None] when it is not built: then one test runs, and fails
    through its site fixture saying what to do."""
    built = (site / "index.html").is_file()
    return list(discover_pages(site)) if built else [None]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


def missing(reason: str) -> None:
    """Skip the test for want of `reason`, or fail under CI=true, where nothing may be."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true, so this is an error", pytrace=False)
    pytest.skip(reason)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "page_path" in metafunc.fixturenames:
        metafunc.parametrize("page_path", site_pages(SITE), ids=page_id)
    if "pages_page_path" in metafunc.fixturenames:
        metafunc.parametrize("pages_page_path", site_pages(PAGES_SITE), ids=page_id)
    if "mode" in metafunc.fixturenames:
        metafunc.parametrize("mode", list(MODES))


# --- the site, served -------------------------------------------------------------------


@pytest.fixture(scope="session")
def served() -> Iterator[Callable[[Path], str]]:
    """`served(site)`: the URL of a built site, served for the rest of the session where
    it was built to live (a Pages build under /gradref/, every other path answering 404
    with its 404.html); each site is served once."""
    with contextlib.ExitStack() as stack:
        urls: dict[Path, str] = {}

        def serve(site: Path) -> str:
            if not (site / "index.html").is_file():
                missing(f"no built site at {site}: run `make site-pages` first")
            if site not in urls:
                urls[site] = stack.enter_context(serve_built_site(site))
            return urls[site]

        yield serve


@pytest.fixture(scope="session")
def site_dir() -> Path:
    return SITE


@pytest.fixture(scope="session")
def base_url(served: Callable[[Path], str]) -> str:
    return served(SITE)


@pytest.fixture(scope="session")
def pages_site_dir() -> Path:
    return PAGES_SITE


@pytest.fixture(scope="session")
def pages_base_url(served: Callable[[Path], str]) -> str:
    return served(PAGES_SITE)


# --- the browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_path() -> str:
    found = find_chromium()
    if found is None:
        missing(NO_CHROMIUM)
    assert found is not None  # missing() does not return
    return found


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Recorder:
    """What happened in one browser context. Tests run one at a time, so a test's events
    are the entries added between its `mark()` and its `since()`."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)

    def mark(self) -> dict[str, int]:
        return {name: len(entries) for name, entries in vars(self).items()}

    def since(self, mark: dict[str, int]) -> dict[str, list[str]]:
        return {name: entries[mark[name] :] for name, entries in vars(self).items()}


def problems(events: dict[str, list[str]]) -> str:
    """The recorded events as a failure message ("" when there are none)."""
    lines = []
    titles = {
        "outside_requests": "requests to a host other than 127.0.0.1 (aborted)",
        "failed_requests": "failed requests",
        "console_errors": "console errors",
        "page_errors": "uncaught page errors",
    }
    for name, title in titles.items():
        if events[name]:
            lines.append(f"{title}:")
            lines.extend(f"  {entry}" for entry in events[name])
    return "\n".join(lines)


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == HOST


@dataclass
class ModeContext:
    context: Any
    recorder: Recorder
    mode: str


def new_mode_context(
    browser: Any,
    base_url: str,
    mode: str = "light",
    viewport: dict[str, int] | None = None,
    javascript: bool = True,
) -> ModeContext:
    """A browser context for `mode` ("light" or "dark") whose `recorder` records every
    request off 127.0.0.1 (and aborts it), console errors, page errors and failed
    requests. A new context has an empty cache: its first load of a page is cold."""
    context = browser.new_context(
        color_scheme=mode,
        viewport=viewport or VIEWPORT,
        device_scale_factor=1,
        reduced_motion="reduce",
        service_workers="block",
        java_script_enabled=javascript,
    )
    context.set_default_timeout(15_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    recorder = Recorder()

    def block(route: Any) -> None:
        recorder.outside_requests.append(f"{route.request.method} {route.request.url}")
        route.abort("blockedbyclient")

    context.route(lambda url: not _is_local(url), block)

    def on_console(message: Any) -> None:
        if message.type == "error":
            where = message.location or {}
            recorder.console_errors.append(
                f"{message.text} ({where.get('url', '?')}:{where.get('lineNumber', '?')})"
            )

    def on_failed(request: Any) -> None:
        if _is_local(request.url):  # outside requests are reported as such
            recorder.failed_requests.append(f"{request.url}: {request.failure}")

    def on_response(response: Any) -> None:
        if response.status >= 400:
            recorder.failed_requests.append(f"{response.url}: HTTP {response.status}")

    context.on("console", on_console)
    context.on("weberror", lambda error: recorder.page_errors.append(str(error.error)))
    context.on("requestfailed", on_failed)
    context.on("response", on_response)
    return ModeContext(context, recorder, mode)


@pytest.fixture(scope="session")
def contexts(browser: Any, base_url: str) -> Iterator[Callable[[str], ModeContext]]:
    """`contexts(mode)`: the session's one browser context for "light" or "dark"."""
    made: dict[str, ModeContext] = {}

    def get(mode: str) -> ModeContext:
        if mode not in made:
            made[mode] = new_mode_context(browser, base_url, mode)
        return made[mode]

    try:
        yield get
    finally:
        for made_context in made.values():
            made_context.context.close()


# --- what the session saw, for the summary -----------------------------------------------


@dataclass
class SessionReport:
    screenshots: list[Path] = field(default_factory=list)
    axe: dict[str, str] = field(default_factory=dict)  # "page [mode]" -> summary
    copied: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # page -> counts
    layout: dict[str, str] = field(default_factory=dict)  # "page @ width" -> figures
    pages_exact: list[str] = field(default_factory=list)  # what the Pages-exact run saw


REPORT = SessionReport()


@pytest.fixture(scope="session")
def session_report() -> SessionReport:
    return REPORT


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not (REPORT.screenshots or REPORT.axe or REPORT.copied or REPORT.layout):
        return
    write = terminalreporter.write_line
    terminalreporter.section("browser suite")
    if REPORT.axe:
        write("axe-core (serious/critical fail the test; all impacts listed):")
        for key, summary in sorted(REPORT.axe.items()):
            write(f"  {key}: {summary}")
    if REPORT.copied:
        blocks = sum(counts[0] for counts in REPORT.copied.values())
        continued = sum(counts[1] for counts in REPORT.copied.values())
        skipped = sum(counts[2] for counts in REPORT.copied.values())
        write(
            f"copy buttons: {blocks} code blocks copied and run on {len(REPORT.copied)} "
            f"pages ({continued} preceded by the blocks they continue; {skipped} API "
            "signatures not run)"
        )
    if REPORT.layout:
        write("layout on a cold load (CLS limit 0.02; fonts: KaTeX fonts of the first screen):")
        for key, summary in sorted(REPORT.layout.items()):
            write(f"  {key}: {summary}")
    for line in REPORT.pages_exact:
        write(line)
    if REPORT.screenshots:
        write(f"screenshots: {len(REPORT.screenshots)} full-page PNGs in {SCREENSHOTS}")
