"""Every page with code is also a Jupyter notebook, generated while the site builds.

The notebook is made from the page's own Markdown, with nbformat:

- the first cell installs gradref from the repository (``REPO_URL``, as the Pages workflow
  sets it; on a local build, from this checkout), unless gradref is importable already;
- the prose becomes Markdown cells, math intact (Jupyter renders ``$...$`` too);
  admonitions become a bold title and their text, links to other pages point at the site;
- each ``pycon`` block becomes a code cell (its statements without the prompts) whose
  output is the page's: the output computed for the page in the same build
  (docs/_support/checked_outputs.py checks it against the written one); each figure
  block becomes a code cell whose output is the page's figure.

As a MkDocs hook (mkdocs.yml ``hooks``) it writes ``notebooks/<page>.ipynb`` into the site
and sets ``page.meta["notebook"]``, which overrides/partials/actions.html links beside the
edit button. ``python docs/_support/notebooks.py OUTDIR`` writes them without a build,
taking the outputs written on the pages.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import nbformat
from checked_outputs import COMPUTED, DOCS, ROOT, Fence, fences
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ADMONITION = re.compile(r'^(?:!!!|\?\?\?\+?)\s+(?P<kind>[\w-]+)(?:\s+"(?P<title>[^"]*)")?\s*$')
COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)
PAGE_LINK = re.compile(r"\]\((?P<page>[\w./-]+)\.md(?P<anchor>#[\w-]*)?\)")
SETUP_TAG = "setup"


def setup_source(repo_url: str | None, figures: bool) -> str:
    """The first cell: install gradref from its repository where it is not importable."""
    # A local build installs from this checkout.
    package = f"gradref @ git+{repo_url.rstrip('/')}" if repo_url else f"gradref @ {ROOT.as_uri()}"
    lines = [
        "# Set-up: install gradref from its repository (skipped where it is installed).",
        "import importlib.util",
        "import sys",
        "",
        'if importlib.util.find_spec("gradref") is None:',
        f'    %pip install --quiet "{package}"',
    ]
    if figures:
        lines += ["# The figures are drawn by the site's helpers, in docs/_support."]
        if repo_url:
            lines += [
                'if importlib.util.find_spec("figures") is None:',
                f"    !git clone --quiet --depth 1 {repo_url} gradref-repository",
                '    sys.path.insert(0, "gradref-repository/docs/_support")',
            ]
        else:
            lines += [f'sys.path.insert(0, "{ROOT / "docs" / "_support"}")']
    return "\n".join(lines)


def cell_code(fence: Fence) -> str:
    """The Python of a block: a pycon block's statements without prompts or output."""
    if fence.language != "pycon":
        return fence.source
    code = []
    for line in fence.body[: fence.output_start]:
        if line.startswith((">>> ", "... ")):
            code.append(line[4:])
        elif line in {">>>", "..."}:
            code.append("")
    return "\n".join(code).strip("\n")


def prose(lines: list[str], site_url: str) -> str:
    """Markdown for Jupyter: no hidden blocks, admonitions as a title and text, site links."""
    text = COMMENT.sub("", "\n".join(lines))
    text = PAGE_LINK.sub(
        lambda m: (
            f"]({site_url}{'' if m['page'] == 'index' else m['page'] + '/'}{m['anchor'] or ''})"
        ),
        text,
    )
    return text.strip("\n")


def notebook(
    markdown: str,
    *,
    page_url: str = "",
    site_url: str = "",
    repo_url: str | None = None,
    outputs: dict[str, str] | None = None,
) -> NotebookNode:
    """The notebook of a page, from its Markdown.

    ``outputs`` maps a block's source to the output computed for it at build time; a block
    not in it gets the output written under it on the page.
    """
    blocks = [f for f in fences(markdown) if f.language in {"pycon", "python"}]
    starts = {f.first: f for f in blocks}
    figures = any(f.language == "python" for f in blocks)
    setup = new_code_cell(setup_source(repo_url, figures), metadata={"tags": [SETUP_TAG]})
    origin = f"[{page_url}]({page_url})" if page_url else "the gradref site"
    cells = [
        setup,
        new_markdown_cell(
            f"*This notebook is generated from {origin}: the same text, code and outputs.*"
        ),
    ]
    buffer: list[str] = []
    admonition = False

    def flush() -> None:
        text = prose(buffer, site_url)
        if text.strip():
            cells.append(new_markdown_cell(text))
        buffer.clear()

    lines = markdown.split("\n")
    n = 0
    while n < len(lines):
        number, line = n + 1, lines[n]
        if number in starts:
            fence = starts[number]
            flush()
            cells.append(code_cell(fence, outputs or {}))
            if fence.tolerance is not None:
                cells.append(new_markdown_cell(f"*{fence.tolerance.note()}*"))
            n = fence.last
            continue
        header = ADMONITION.match(line)
        if header:
            admonition = True
            buffer.append(f"**{header['title'] or header['kind'].capitalize()}**")
        elif admonition and (not line.strip() or line.startswith("    ")):
            buffer.append(line.removeprefix("    "))
        else:
            admonition = False
            buffer.append(line)
        n += 1
    flush()
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def code_cell(fence: Fence, outputs: dict[str, str]) -> NotebookNode:
    """A block as a code cell, with the page's output."""
    computed = outputs.get(fence.source.strip("\n"))
    if fence.language == "pycon":
        text = computed if computed is not None else fence.written_output.rstrip("\n") + "\n"
        result = new_output("stream", name="stdout", text=text)
    else:
        result = new_output("display_data", data={"text/html": computed or ""})
    return new_code_cell(cell_code(fence), outputs=[result])


def write_all(outdir: Path, **options: Any) -> list[Path]:
    """Write the notebook of every page with code into ``outdir``."""
    written = []
    for page in sorted(DOCS.rglob("*.md")):
        nb = notebook(page.read_text(encoding="utf-8"), **options)
        if len(nb.cells) > 2:  # more than the set-up and the origin note
            path = outdir / page.relative_to(DOCS).with_suffix(".ipynb")
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, path)
            written.append(path)
    return written


# --------------------------------------------------------------------------------------
# MkDocs hook (mkdocs.yml: hooks)

_built: dict[str, NotebookNode] = {}


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Announce the notebook to the template, for every page that has code."""
    if any(f.language in {"pycon", "python"} for f in fences(markdown)):
        page.meta["notebook"] = "notebooks/" + Path(page.file.src_uri).with_suffix(".ipynb").name
    return markdown


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """Once the page is rendered (its outputs computed and checked), make its notebook."""
    if "notebook" in page.meta:
        _built[page.meta["notebook"]] = notebook(
            page.file.content_string,
            page_url=page.canonical_url or "",
            site_url=config.site_url or "",
            repo_url=config.repo_url,
            outputs=COMPUTED,
        )
    return html


def on_post_build(config: Any) -> None:
    """Write the notebooks into the site."""
    for name, nb in _built.items():
        path = Path(config.site_dir) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "notebooks")):
        print(path)
