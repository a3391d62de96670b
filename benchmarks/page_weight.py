"""Page weight of the built site: what a first visit to each page costs.

Run after `make site`:

    .venv/bin/python benchmarks/page_weight.py [--site site] [--budget 1000000]

Serves `site/` on 127.0.0.1, loads each page cold (a fresh browser context: empty cache,
no service worker) in Chromium, and prints, per page: the bytes transferred (the sum of
every response body, fonts, figures, scripts and the search index included), the page's
own HTML (which carries its math, rendered by KaTeX at build time), the number of
requests, the first contentful paint, and the milliseconds from navigation start until
the first frame after parsing in which every .arithmatex holds KaTeX output (with the
math rendered at build time, that is when the document finishes parsing; the math is
already in the first paint, which tests/browser/test_layout.py checks). Each page is
marked PASS or OVER against the budget (default 1 MB = 1,000,000 bytes). The local
server sends files uncompressed, as counted; "gzip KiB" is what the same files weigh
gzipped (-6), as a static host such as GitHub Pages would send them, for information.
A benchmark that prints figures, not a test: it exits 0 either way (2 if the site or
Chromium is missing).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from gradref_site.serve import (  # the same Chromium, page list and server as the tests
    HOST,
    LAUNCH_ARGS,
    discover_pages,
    find_chromium,
    serve_site,
)

# Records, from the first paint on, when every .arithmatex first holds KaTeX output
# (performance.now() is milliseconds since navigation start).
MATH_CLOCK = """(() => {
  const done = () => [...document.querySelectorAll(".arithmatex")]
    .every(element => element.querySelector(".katex"));
  const tick = () => {
    if (document.readyState !== "loading" && done()) {
      window.__mathRendered = performance.now();
      window.__mathCount = document.querySelectorAll(".arithmatex").length;
    } else {
      requestAnimationFrame(tick);
    }
  };
  requestAnimationFrame(tick);
})();"""


def body_size(request: Any) -> int:
    """The response body's size in bytes. Chromium reports 0 for a worker's own script,
    so then the Content-Length the server sent (http.server always sends it) is used."""
    size = int(request.sizes()["responseBodySize"])
    if size <= 0:
        response = request.response()
        length = response.headers.get("content-length") if response else None
        size = int(length) if length and length.isdigit() else max(size, 0)
    return size


@functools.cache
def gzipped_size(path: Path) -> int:
    """The file's size after gzip -6, what a static host that compresses would send."""
    return len(gzip.compress(path.read_bytes(), compresslevel=6)) if path.is_file() else 0


def served_file(site: Path, url: str) -> Path:
    path = unquote(urlsplit(url).path).lstrip("/")
    target = site / path
    return target / "index.html" if path == "" or path.endswith("/") else target


def measure(browser: Any, url: str, site: Path) -> dict[str, Any]:
    """One cold load: a new context, so nothing is cached."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    context = browser.new_context(service_workers="block", viewport={"width": 1280, "height": 900})
    context.route(
        lambda target: not target.startswith(("data:", "blob:", f"http://{HOST}:")),
        lambda route: route.abort(),
    )
    context.add_init_script(MATH_CLOCK)
    finished: list[Any] = []
    failed: list[str] = []
    context.on("requestfinished", lambda request: finished.append(request))
    context.on("requestfailed", lambda request: failed.append(request.url))
    page = context.new_page()
    try:
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        try:
            page.wait_for_function("window.__mathRendered !== undefined", timeout=10_000)
            math_ms: float | None = page.evaluate("window.__mathRendered")
        except PlaywrightTimeoutError:  # reported as "never" in the table
            math_ms = None
        formulas = page.evaluate("document.querySelectorAll('.arithmatex').length")
        fcp: float | None = page.evaluate(
            "(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"
        )
        transferred = compressed = 0
        for request in finished:
            if request.url.startswith(("data:", "blob:")):
                continue
            transferred += body_size(request)
            compressed += gzipped_size(served_file(site, request.url))
        html = served_file(site, url)
    finally:
        context.close()
    requests = len([r for r in finished if not r.url.startswith(("data:", "blob:"))])
    return {
        "bytes": transferred,
        "gzip": compressed,
        "requests": requests + len(failed),
        "failed": failed,
        "math_ms": math_ms,
        "fcp_ms": fcp,
        "formulas": formulas,
        "html": html.stat().st_size,
        "html_gzip": gzipped_size(html),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--site", type=Path, default=Path("site-pages"), help="the built site (make site-pages)"
    )
    parser.add_argument("--budget", type=int, default=1_000_000, help="bytes per cold load")
    options = parser.parse_args()
    site = options.site.resolve()
    if not (site / "index.html").is_file():
        print(f"no built site at {site}: run `make site-pages` first", file=sys.stderr)
        return 2
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium found ($CHROMIUM, chromium, chromium-browser)", file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    rows = []
    with serve_site(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            for page in discover_pages(site):
                rows.append((page or "(home)", measure(browser, base + page, site)))
        finally:
            browser.close()

    budget = options.budget
    print(f"Cold load of each page of {site} (budget {budget:,} bytes transferred)\n")
    header = (
        f"{'page':<26} {'bytes':>11} {'KiB':>7} {'gzip KiB':>8} {'HTML KiB':>8} "
        f"{'gzip':>6} {'requests':>8} {'FCP ms':>6} {'math ms':>7} {'formulas':>8}"
    )
    print(f"{header}  budget")
    print("-" * (len(header) + 8))
    for page, row in rows:
        math = "never" if row["math_ms"] is None else f"{row['math_ms']:.0f}"
        fcp = "-" if row["fcp_ms"] is None else f"{row['fcp_ms']:.0f}"
        verdict = "PASS" if row["bytes"] <= budget else "OVER"
        print(
            f"{page:<26} {row['bytes']:>11,} {row['bytes'] / 1024:>7.1f} "
            f"{row['gzip'] / 1024:>8.1f} {row['html'] / 1024:>8.1f} "
            f"{row['html_gzip'] / 1024:>6.1f} "
            f"{row['requests']:>8} {fcp:>6} {math:>7} {row['formulas']:>8}  "
            f"{verdict}"
        )
        for url in row["failed"]:
            print(f"    failed or blocked: {url}")
    heaviest = max(rows, key=lambda item: item[1]["bytes"])
    print(
        f"\nheaviest: {heaviest[0]} at {heaviest[1]['bytes']:,} bytes; "
        f"{sum(row['bytes'] > budget for _, row in rows)} of {len(rows)} pages over budget"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
