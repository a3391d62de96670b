"""The built site served on 127.0.0.1, and the Chromium to load it in.

The browser suite and the page-weight benchmark share this; it needs no pytest.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HOST = "127.0.0.1"

# Chromium as root in a container, on a machine whose only network is 127.0.0.1. The
# host-resolver rule is a second fence behind the request routing: any other host fails
# to resolve (and shows up as a failed request) even if a request escaped the router.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {HOST}",
]


def find_chromium() -> str | None:
    """$CHROMIUM if set, else chromium or chromium-browser on PATH (None if none is)."""
    override = os.environ.get("CHROMIUM")
    if override:
        return shutil.which(override) or (override if Path(override).is_file() else None)
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def discover_pages(site: Path) -> list[str]:
    """Every page of the built site as a path relative to its root: "", "gradient/", ...

    A page is a directory holding an index.html; the home page ("") comes first.
    """
    pages = []
    for index in site.rglob("index.html"):
        relative = index.parent.relative_to(site).as_posix()
        pages.append("" if relative == "." else f"{relative}/")
    return sorted(pages, key=lambda page: (page != "", page))


def rebase_sitemap(sitemap: Path, base_url: str) -> bytes | None:
    """The sitemap with the site's root URL (its shortest <loc>) replaced by `base_url`.

    None when there is no sitemap or it lists no URL (then it is served as it is).
    """
    if not sitemap.is_file():
        return None
    text = sitemap.read_text(encoding="utf-8")
    locations = re.findall(r"<loc>\s*([^<\s]+)\s*</loc>", text)
    if not locations:
        return None
    root = min(locations, key=len)
    root = root if root.endswith("/") else f"{root}/"
    return text.replace(f"<loc>{root}", f"<loc>{base_url}").encode("utf-8")


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site quietly, as GitHub Pages does, with its sitemap rebased.

    The site lives under `base_path` ("/" or, as on Pages, "/REPO/"): every other path
    answers 404, and so does any missing file, with the site's own 404.html as the body
    when it has one (Pages serves that page for every miss).

    Material's instant navigation only intercepts links to URLs listed in sitemap.xml,
    which mkdocs writes with `site_url` (e.g. http://127.0.0.1:8000/); Material rebases
    the scheme and host of those URLs, not the port. Served anywhere else, every click
    would silently become a full reload, so the sitemap is served as if the site had
    been built for this server's address (what a real deployment at site_url sees).
    """

    base_url = ""  # set on the subclass made for each server
    base_path = "/"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def translate_path(self, path: str) -> str:
        # Outside base_path: a path that cannot exist, so the answer is a 404.
        request_path = urlsplit(path).path
        if not request_path.startswith(self.base_path):
            return str(Path(self.directory, ".no such file: outside base_path"))
        return super().translate_path("/" + path[len(self.base_path) :])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory, "404.html")
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        if urlsplit(self.path).path + "/" == self.base_path != "/":  # /REPO: as Pages does
            self.send_response(301)
            self.send_header("Location", self.base_path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if urlsplit(self.path).path != self.base_path + "sitemap.xml":
            super().do_GET()
            return
        body = rebase_sitemap(Path(self.directory, "sitemap.xml"), self.base_url)
        if body is None:
            super().do_GET()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a browser closing a connection early is not an error of the site


def built_site_url(site: Path) -> str | None:
    """The `site_url` the site was built with: its sitemap's shortest <loc>, or None."""
    sitemap = site / "sitemap.xml"
    if not sitemap.is_file():
        return None
    locations = re.findall(r"<loc>\s*([^<\s]+)\s*</loc>", sitemap.read_text(encoding="utf-8"))
    return min(locations, key=len) if locations else None


@contextlib.contextmanager
def serve_site(site: Path, base_path: str = "/", port: int = 0) -> Iterator[str]:
    """Serve `site` under `base_path` on HOST, in a background thread, while in the block.

    Yields the site's URL ("http://127.0.0.1:PORT/" or ".../REPO/" for base_path
    "/REPO/"); every path outside base_path, and every missing file, answers 404 with
    the site's 404.html (as GitHub Pages does), and the sitemap is rebased onto the URL
    (see `_SiteHandler`). `port` 0 takes a free one; if the port asked for is taken, a
    free one is used instead. The server is shut down when the block exits.
    """
    if not (base_path.startswith("/") and base_path.endswith("/")):
        raise ValueError(f"base_path must start and end with '/', got {base_path!r}")
    handler_class: type[_SiteHandler] = type("Handler", (_SiteHandler,), {})
    handler = functools.partial(handler_class, directory=str(site))
    try:
        server = _QuietServer((HOST, port), handler)
    except OSError:  # the port is taken
        server = _QuietServer((HOST, 0), handler)
    url = f"http://{HOST}:{server.server_address[1]}{base_path}"
    handler_class.base_url = url
    handler_class.base_path = base_path
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def serve_built_site(site: Path) -> Iterator[str]:
    """Serve `site` where it was built to live, and yield its URL.

    That is under the path of its `site_url` (say "/gradref/" for a Pages build), on its
    port when that is free.
    """
    built = built_site_url(site)
    parts = urlsplit(built or "/")
    base_path = parts.path if parts.path.endswith("/") else f"{parts.path}/"
    port = parts.port if parts.hostname == HOST and parts.port else 0
    with serve_site(site, base_path, port) as url:
        yield url
