"""What the browser suite and the page-weight benchmark share: the built site, served on
127.0.0.1, and the Chromium to load it in. No pytest here, so scripts can import it.
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
    """Serves the built site quietly, with its sitemap rebased onto this server.

    Material's instant navigation only intercepts links to URLs listed in sitemap.xml,
    which mkdocs writes with `site_url` (e.g. http://127.0.0.1:8000/); Material rebases
    the scheme and host of those URLs, not the port. Served anywhere else, every click
    would silently become a full reload, so the sitemap is served as if the site had
    been built for this server's address (what a real deployment at site_url sees).
    """

    base_url = ""  # set on the subclass made for each server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if urlsplit(self.path).path != "/sitemap.xml":
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


@contextlib.contextmanager
def serve_site(site: Path) -> Iterator[str]:
    """Serve `site` on HOST at a free port, in a background thread, while in the block.

    Yields the base URL ("http://127.0.0.1:PORT/"); the sitemap is rebased onto it (see
    `_SiteHandler`). The server is shut down when the block exits.
    """
    handler_class: type[_SiteHandler] = type("Handler", (_SiteHandler,), {})
    server = _QuietServer((HOST, 0), functools.partial(handler_class, directory=str(site)))
    url = f"http://{HOST}:{server.server_address[1]}/"
    handler_class.base_url = url
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
