"""Every page of the built site, in light and dark mode, in a real browser.

Each page is loaded once per mode (`visit`); the tests below each check one aspect of
that load: it was clean and offline, the math rendered, the figures have size and names,
axe-core finds nothing serious, and a full-page screenshot was saved. Then the copy
buttons (every code block is copied and run), search, and instant navigation.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from gradref_site.serve import discover_pages
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .conftest import (
    MODES,
    ModeContext,
    SessionReport,
    page_id,
    problems,
)
from .page_checks import KATEX_ERROR_RED, MATH_PROBLEMS, MATH_REPORT, PROSE_TEXT, RAW_TEX

AXE = Axe()
FAILING_IMPACTS = ("serious", "critical")
CONTINUES = "continues the snippet above"  # the title of a block that needs the one before
COPY_BUTTON = '[data-md-type="copy"], .md-clipboard'  # Material 9.7+, and before

# All math rendered: every .arithmatex holds KaTeX's output.
MATH_RENDERED = """() => [...document.querySelectorAll(".arithmatex")]
    .every(element => element.querySelector(".katex"))"""

FIGURES = """() => {
  const article = document.querySelector("article") || document.body;
  const found = article.querySelectorAll("img, svg[role=img], figure svg");
  return [...found]
    .filter(element => !element.parentElement.closest("svg"))
    .map(element => {
      const box = element.getBoundingClientRect();
      let name = "";
      if (element.tagName.toLowerCase() === "img") {
        name = element.getAttribute("alt") || "";
      } else {
        const ids = (element.getAttribute("aria-labelledby") || "").split(/\\s+/);
        const labelled = ids.map(id => document.getElementById(id))
          .filter(Boolean).map(node => node.textContent).join(" ");
        const title = element.querySelector(":scope > title");
        name = element.getAttribute("aria-label") || labelled || (title ? title.textContent : "");
      }
      return {
        tag: element.tagName.toLowerCase(),
        role: element.getAttribute("role"),
        name: name.trim(),
        width: box.width,
        height: box.height,
        html: element.outerHTML.slice(0, 100),
      };
    });
}"""


@dataclass
class Visit:
    """One load of one page in one mode, and everything observed on it."""

    page: str
    mode: str
    url: str
    status: int | None = None
    scheme: str | None = None
    math: dict[str, Any] = field(default_factory=dict)
    prose: str = ""
    figures: list[dict[str, Any]] = field(default_factory=list)
    violations: list[dict[str, Any]] = field(default_factory=list)
    screenshot: Path | None = None
    events: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None  # the load itself failed


def wait_for_math(page: Any) -> None:
    # On a timeout the math test reports what is missing.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(MATH_RENDERED, timeout=10_000)


def inspect_page(
    mode_context: ModeContext, base_url: str, path: str, screenshot_dir: Path
) -> Visit:
    visit = Visit(page=path, mode=mode_context.mode, url=base_url + path)
    mark = mode_context.recorder.mark()
    page = mode_context.context.new_page()
    try:
        response = page.goto(visit.url, wait_until="load")
        visit.status = response.status if response else None
        page.wait_for_load_state("networkidle")
        wait_for_math(page)
        visit.scheme = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
        visit.math = page.evaluate(MATH_REPORT, KATEX_ERROR_RED)
        visit.prose = page.evaluate(PROSE_TEXT)
        visit.figures = page.evaluate(FIGURES)
        visit.violations = AXE.run(page).response["violations"]
        page.evaluate("document.fonts.ready.then(() => true)")
        visit.screenshot = screenshot_dir / f"{page_id(path)}-{mode_context.mode}.png"
        page.screenshot(path=visit.screenshot, full_page=True, animations="disabled")
    except Exception as error:  # every test of this visit reports it
        visit.error = f"{type(error).__name__}: {error}"
    finally:
        page.close()
    visit.events = mode_context.recorder.since(mark)
    return visit


@pytest.fixture(scope="session")
def visits() -> dict[tuple[str, str], Visit]:
    return {}


@pytest.fixture
def visit(
    page_path: str | None,
    mode: str,
    site_dir: Path,
    base_url: str,
    contexts: Callable[[str], ModeContext],
    visits: dict[tuple[str, str], Visit],
    screenshot_dir: Path,
    session_report: SessionReport,
) -> Visit:
    assert page_path is not None  # site_dir has failed otherwise
    key = (page_path, mode)
    if key not in visits:
        visits[key] = inspect_page(contexts(mode), base_url, page_path, screenshot_dir)
        screenshot = visits[key].screenshot
        if screenshot:
            session_report.screenshots.append(screenshot)
    result = visits[key]
    if result.error:
        pytest.fail(f"{result.url} [{mode}]: loading it failed: {result.error}", pytrace=False)
    return result


# --- one page, one mode -----------------------------------------------------------------


def test_page_loads_cleanly_and_offline(visit: Visit) -> None:
    """HTTP 200, the palette of the mode, and no console/page error or failed request,
    and nothing fetched from anywhere but 127.0.0.1 (fonts, math, search, figures)."""
    assert visit.status == 200, f"{visit.url}: HTTP {visit.status}"
    expected = MODES[visit.mode]
    assert visit.scheme == expected, (
        f"{visit.url} in {visit.mode} mode: body[data-md-color-scheme] is "
        f"{visit.scheme!r}, expected {expected!r}"
    )
    report = problems(visit.events)
    assert not report, f"{visit.url} [{visit.mode}]:\n{report}"


def test_math_is_rendered(visit: Visit) -> None:
    """Every .arithmatex holds KaTeX output with MathML, no .katex-error, nothing in
    KaTeX's error red (how it draws an unknown macro without raising)."""
    failures = [
        f"{title}: {entries}"
        for title, entries in (
            ("not rendered by KaTeX", visit.math["unrendered"]),
            ("rendered without MathML", visit.math["noMathml"]),
            ("KaTeX errors", visit.math["errors"]),
            ("drawn in KaTeX's error red (unknown macro?)", visit.math["red"]),
        )
        if entries
    ]
    assert not failures, f"{visit.url} [{visit.mode}]:\n" + "\n".join(failures)


def test_no_raw_tex_in_prose(visit: Visit) -> None:
    """No $..$, $$, \\( \\[ or TeX control word visible outside code and rendered math."""
    found = []
    for match in RAW_TEX.finditer(visit.prose):
        start, end = max(match.start() - 30, 0), match.end() + 30
        found.append(f"{match.group()!r} in …{visit.prose[start:end]!r}…")
    assert not found, f"{visit.url} [{visit.mode}]: raw TeX in the page text:\n" + "\n".join(found)


def test_figures_have_size_and_names(visit: Visit) -> None:
    """Every img, svg[role=img] and figure svg in the article: rendered size and a name."""
    bad = []
    for figure in visit.figures:
        reasons = []
        if not (figure["width"] > 0 and figure["height"] > 0):
            reasons.append(f"rendered size {figure['width']}x{figure['height']}")
        if not figure["name"]:
            reasons.append("no alt text / accessible name (alt, aria-label or <title>)")
        if figure["tag"] == "svg" and figure["role"] != "img":
            reasons.append('svg in a figure without role="img"')
        if reasons:
            bad.append(f"{figure['html']}…: {'; '.join(reasons)}")
    assert not bad, f"{visit.url} [{visit.mode}]:\n" + "\n".join(bad)


def test_accessibility_axe(visit: Visit, session_report: SessionReport) -> None:
    """axe-core: no violation of impact serious or critical."""
    counts = [f"{v['id']} ({v['impact']}, {len(v['nodes'])})" for v in visit.violations]
    session_report.axe[f"{page_id(visit.page)} [{visit.mode}]"] = (
        ", ".join(counts) if counts else "no violations"
    )
    failing = [v for v in visit.violations if v["impact"] in FAILING_IMPACTS]
    lines = []
    for violation in failing:
        lines.append(f"{violation['id']} [{violation['impact']}]: {violation['help']}")
        for node in violation["nodes"][:10]:
            lines.append(f"    {' '.join(map(str, node['target']))}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:200]}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more")
    assert not failing, f"{visit.url} [{visit.mode}]: axe violations:\n" + "\n".join(lines)


def test_screenshot_saved(visit: Visit) -> None:
    """A full-page PNG of the page in this mode (the folder is printed at the end)."""
    assert visit.screenshot is not None
    assert visit.screenshot.is_file()
    assert visit.screenshot.stat().st_size > 1000
    print(f"screenshot: {visit.screenshot}")


# --- copy buttons: every block, copied, run, and its output compared ----------------------

BLOCKS = """(selector) => {
  const blocks = [...document.querySelectorAll("article .highlight")]
    .filter(block => block.querySelector("pre code"));
  return blocks.map((block, index) => {
    block.setAttribute("data-test-block", String(index));
    const title = block.querySelector(".filename");
    const heading = document.evaluate(
      "preceding::*[self::h1 or self::h2 or self::h3 or self::h4][1]", block, null,
      XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
    return {
      index,
      heading: heading ? heading.textContent.replace(/\u00b6/g, "").trim() : "",
      classes: block.className,
      signature: block.classList.contains("doc-signature"),
      title: title ? title.textContent.trim() : "",
      console: !!block.querySelector("code .gp"),
      output: [...block.querySelectorAll("code .go")]
        .map(span => span.textContent.replace(/\\n$/, "")).join("\\n"),
      button: !!block.querySelector(selector),
    };
  });
}"""

PYTHON_LANGUAGES = ("language-pycon", "language-python", "language-py")


def normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).rstrip()


def read_clipboard_after_click(page: Any, block: int) -> str:
    page.evaluate("navigator.clipboard.writeText('')")
    page.locator(f'[data-test-block="{block}"]').locator(COPY_BUTTON).first.click()
    for _ in range(50):
        text: str = page.evaluate("navigator.clipboard.readText()")
        if text:
            return text
        page.wait_for_timeout(100)
    return ""


@dataclass
class Run:
    """A copied block to run: its code after that of the blocks it continues."""

    label: str
    code: str
    chain: list[dict[str, Any]]  # the blocks, this one last
    workdir: Path


def check_run(run: Run, result: subprocess.CompletedProcess[str]) -> str | None:
    """Why the run does not match the page, or None: exit 0, and for a console block the
    outputs the page shows (of the chain), compared without trailing whitespace."""
    if result.returncode != 0:
        return (
            f"{run.label}: exit {result.returncode}\n--- copied code:\n{run.code}"
            f"--- stderr:\n{result.stderr[-2000:]}"
        )
    if not run.chain[-1]["console"]:
        return None  # source shown above its rendered result: it only has to run
    expected = "\n".join(link["output"] for link in run.chain if link["console"] and link["output"])
    if normalise(result.stdout) == normalise(expected):
        return None
    return (
        f"{run.label}: stdout differs from the output on the page\n"
        f"--- copied code:\n{run.code}--- page shows:\n{normalise(expected)}\n"
        f"--- stdout:\n{normalise(result.stdout)}"
    )


def run_python(code: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    """`code` as a script of its own, run by this Python in a fresh process in `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / "snippet.py"
    script.write_text(code, encoding="utf-8")
    env = dict(os.environ)
    # As at build time: matplotlib draws off-screen.
    env["MPLBACKEND"] = "Agg"
    env.pop("PYTHONSTARTUP", None)
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_code_block_runs_as_copied(
    page_path: str | None,
    site_dir: Path,
    base_url: str,
    contexts: Callable[[str], ModeContext],
    session_report: SessionReport,
    tmp_path: Path,
) -> None:
    """Click each code block's copy button, run the clipboard with this Python (after the
    blocks it continues), and require exit 0 and the output the page shows."""
    assert page_path is not None
    light = contexts("light")
    mark = light.recorder.mark()
    url = base_url + page_path
    page = light.context.new_page()
    failures: list[str] = []
    copied: dict[int, str] = {}
    runs: list[Run] = []
    continued = signatures = 0
    try:
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        page.bring_to_front()
        # Exercise solutions sit in collapsed <details>: open them, as a reader would,
        # so that their copy buttons can be clicked.
        page.evaluate("document.querySelectorAll('article details').forEach(d => d.open = true)")
        blocks = page.evaluate(BLOCKS, COPY_BUTTON)
        runnable = []
        for block in blocks:
            if block["signature"]:  # an API signature, for reading: not a program
                signatures += 1
            elif not block["button"]:
                failures.append(f"block {block['index']}: no copy button")
            elif block["console"] or any(
                language in block["classes"].split() for language in PYTHON_LANGUAGES
            ):
                runnable.append(block)
        for position, block in enumerate(runnable):
            index = block["index"]
            copied[index] = read_clipboard_after_click(page, index)
            if not copied[index]:
                failures.append(f"block {index}: the copy button put nothing on the clipboard")
                continue
            # The blocks this one continues, back to one that stands alone.
            chain = [block]
            while CONTINUES in chain[0]["title"].lower():
                before = runnable.index(chain[0]) - 1
                if before < 0:
                    failures.append(f"block {index}: continues a snippet, but none is above")
                    break
                chain.insert(0, runnable[before])
            if len(chain) > 1:
                continued += 1
            if any(not copied.get(link["index"]) for link in chain):
                failures.append(f"block {index}: a block it continues could not be copied")
                continue
            label = (
                f"code block {position + 1} of {len(runnable)} (under "
                f"{block['heading']!r}; data-test-block={index})"
            )
            if len(chain) > 1:
                numbers = [runnable.index(link) + 1 for link in chain[:-1]]
                label += f", run after code block(s) {numbers}"
            code = "\n".join(copied[link["index"]] for link in chain) + "\n"
            runs.append(Run(label, code, chain, tmp_path / f"block-{index}"))
    finally:
        page.close()
    # The clipboard is one at a time; the programs are not.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda run: run_python(run.code, run.workdir), runs))
    for run, result in zip(runs, results, strict=True):
        failure = check_run(run, result)
        if failure:
            failures.append(failure)
    session_report.copied[page_id(page_path)] = (len(copied), continued, signatures)
    report = problems(light.recorder.since(mark))
    if report:
        failures.append(report)
    assert not failures, f"{url}: {len(copied)} blocks copied\n" + "\n\n".join(failures)


# --- search and instant navigation --------------------------------------------------------


@contextlib.contextmanager
def open_home(
    contexts: Callable[[str], ModeContext], base_url: str
) -> Iterator[tuple[Any, ModeContext, dict[str, int]]]:
    """The home page, loaded and settled (network idle) in a new page of the light
    context: yields (page, light, mark), the mark taken before the page was opened.
    The page is closed when the block exits."""
    light = contexts("light")
    mark = light.recorder.mark()
    page = light.context.new_page()
    try:
        page.goto(base_url, wait_until="load")
        page.wait_for_load_state("networkidle")
        yield page, light, mark
    finally:
        page.close()


def test_search_finds_the_directional_derivative(
    site_dir: Path, base_url: str, contexts: Callable[[str], ModeContext]
) -> None:
    """Typing "directional" in Material's search lists the directional-derivative page."""
    with open_home(contexts, base_url) as (page, light, mark):
        search = page.locator("input.md-search__input")
        if not search.is_visible():
            page.locator("label.md-header__button[for='__search']").click()
        search.click()
        search.press_sequentially("directional", delay=30)
        links = page.locator(".md-search-result__list a")
        # On a timeout the assertion below says what was listed.
        with contextlib.suppress(PlaywrightTimeoutError):
            page.wait_for_function(
                """() => [...document.querySelectorAll(".md-search-result__list a")]
                    .some(a => new URL(a.href).pathname.endsWith("/directional-derivative/"))""",
                timeout=10_000,
            )
        hrefs = [urlsplit(href).path for href in links.evaluate_all("l => l.map(a => a.href)")]
    assert any(path.endswith("/directional-derivative/") for path in hrefs), (
        f"searching 'directional' listed {hrefs or 'nothing'}"
    )
    report = problems(light.recorder.since(mark))
    assert not report, report


def _target_page(site_dir: Path, pages: list[str]) -> str:
    """The page to navigate to: the first other page with math, else the first other."""
    others = [page for page in pages if page]
    with_math = [
        page
        for page in others
        if 'class="arithmatex"' in (site_dir / page / "index.html").read_text(encoding="utf-8")
    ]
    return (with_math or others)[0]


def test_instant_navigation_renders_math(
    site_dir: Path, base_url: str, contexts: Callable[[str], ModeContext]
) -> None:
    """From the home page, a nav link loads another page without a reload (Material's
    navigation.instant), and that page's math is rendered."""
    pages = discover_pages(site_dir)
    if len(pages) < 2:
        pytest.fail(f"the site has {len(pages)} page(s): nothing to navigate to")
    target = _target_page(site_dir, pages)
    with open_home(contexts, base_url) as (page, light, mark):
        page.evaluate("window.__marker = 1")
        link = page.locator("nav.md-nav--primary a.md-nav__link")
        hrefs = link.evaluate_all("links => links.map(a => a.href)")
        assert base_url + target in hrefs, f"no nav link to {target} on the home page: {hrefs}"
        link.nth(hrefs.index(base_url + target)).click()
        page.wait_for_url(base_url + target)
        page.wait_for_load_state("networkidle")
        wait_for_math(page)
        marker = page.evaluate("window.__marker")
        math = page.evaluate(MATH_REPORT, KATEX_ERROR_RED)
        title = page.title()
    assert marker == 1, f"clicking the nav link to {target} reloaded the page"
    failures = [f"{name}: {math[name]}" for name in MATH_PROBLEMS if math[name]]
    assert not failures, f"after instant navigation to {target} ({title}):\n" + "\n".join(failures)
    report = problems(light.recorder.since(mark))
    assert not report, report


def test_the_network_fence_holds(
    site_dir: Path, base_url: str, contexts: Callable[[str], ModeContext]
) -> None:
    """The harness itself: a request for another host is aborted and recorded, so the
    offline checks above can fail."""
    light = contexts("light")
    mark = light.recorder.mark()
    page = light.context.new_page()
    try:
        page.goto(base_url, wait_until="load")
        outcome = page.evaluate(
            """fetch("https://example.com/fence-check", {mode: "no-cors"})
                .then(() => "fetched", () => "blocked")"""
        )
    finally:
        page.close()
    outside = light.recorder.since(mark)["outside_requests"]
    assert outcome == "blocked"
    assert outside == ["GET https://example.com/fence-check"]
