"""Every page with code is also a Jupyter notebook, generated while the site builds.

The notebook is made from the page's own Markdown, with nbformat:

- the first cell installs gradref, and for a page with figures this package with its
  ``figures`` extra, from the repository (``REPO_URL``, as the Pages workflow sets it; on
  a local build, from this checkout), unless they are importable already. A site built
  from a release tag (`release_version`) installs that release of gradref from PyPI,
  and the figure helpers from the repository at that tag;
- the prose becomes Markdown cells, math intact (Jupyter renders ``$...$`` too);
  admonitions become a bold title and their text, links to other pages point at the site;
- each ``pycon`` block becomes a code cell (its statements without the prompts) whose
  output is the page's: the output computed for the page in the same build
  (`gradref_site.checked_outputs` checks it against the written one); each figure
  block becomes a code cell whose output is the page's figure.

As the MkDocs plugin ``gradref-notebooks`` (mkdocs.yml ``plugins``) it writes
``notebooks/<page>.ipynb`` into the site and sets ``page.meta["notebook"]``, which
overrides/partials/actions.html links beside the edit button.
``python -m gradref_site.notebooks OUTDIR`` writes them without a build, taking the
outputs written on the pages.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

import gradref
from gradref_site.checked_outputs import COMPUTED, tolerance_of
from gradref_site.fences import Fence, fences

ADMONITION = re.compile(r'^(?:!!!|\?\?\?\+?)\s+(?P<kind>[\w-]+)(?:\s+"(?P<title>[^"]*)")?\s*$')
COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)
PAGE_LINK = re.compile(r"\]\((?P<page>[\w./-]+)\.md(?P<anchor>#[\w-]*)?\)")
SETUP_TAG = "setup"


# What the pages' blocks import besides gradref and numpy, by module: its requirement.
REQUIREMENTS = {"jax": "jax", "scipy": "scipy", "matplotlib": "matplotlib"}


def imported(code: str) -> set[str]:
    """The top-level modules a block imports."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def release_version(env: Mapping[str, str] = os.environ) -> str | None:
    """The released version of gradref that a site built from a release tag documents.

    GitHub Actions sets ``GITHUB_REF_TYPE`` and ``GITHUB_REF_NAME`` in every job; the
    Pages workflow builds on a push to main and on a ``v*`` tag. A ``v*`` tag must be
    ``v`` and `gradref.__version__` (as the release workflow requires): the version is
    returned. Any other build, a branch or a tag not starting with ``v``, gives None.

    Raises
    ------
    PluginError
        For a ``v*`` tag that is not ``v`` + `gradref.__version__`: its notebooks would
        install a release that is not the one the site documents.
    """
    tag = env.get("GITHUB_REF_NAME", "")
    if env.get("GITHUB_REF_TYPE") != "tag" or not tag.startswith("v"):
        return None
    if tag != f"v{gradref.__version__}":
        raise PluginError(
            f"the site is built from the tag {tag!r}, but gradref.__version__ is "
            f"{gradref.__version__!r}: a release tag must be 'v{gradref.__version__}'."
        )
    return gradref.__version__


def setup_source(
    repo_url: str | None,
    figures: bool,
    modules: set[str] | None = None,
    release: str | None = None,
) -> str:
    """The first cell: install what the notebook imports, where it is not importable.

    gradref, the figure helpers when the page draws (``figures``), and each module of
    `REQUIREMENTS` in ``modules``: gradref and the helpers from the repository the Pages
    workflow names (pip reads the site package from its ``tooling/`` folder), or on a
    local build from this checkout; the others from PyPI. For a site built from a
    release tag (``release``, from `release_version`), gradref is ``gradref==release``
    from PyPI and the helpers come from the repository at the tag ``v<release>``.
    """
    if repo_url and release:
        base = f"git+{repo_url.rstrip('/')}@v{release}"
        package = f"gradref=={release}"
        site = f"gradref-site[figures] @ {base}#subdirectory=tooling"
    elif repo_url:
        base = f"git+{repo_url.rstrip('/')}"
        package, site = f"gradref @ {base}", f"gradref-site[figures] @ {base}#subdirectory=tooling"
    else:
        root = Path.cwd()
        package = f"gradref @ {root.as_uri()}"
        site = f"gradref-site[figures] @ {(root / 'tooling').as_uri()}"
    needs = [("gradref", package)] + ([("gradref_site", site)] if figures else [])
    needs += [(name, REQUIREMENTS[name]) for name in sorted((modules or set()) & set(REQUIREMENTS))]
    lines = [
        "# Set-up: install what this notebook imports, where it is missing.",
        "import importlib.util",
    ]
    for module, requirement in needs:
        lines += [
            f'if importlib.util.find_spec("{module}") is None:',
            f'    %pip install --quiet "{requirement}"',
        ]
    return "\n".join(lines)


def cell_code(fence: Fence) -> str:
    """The Python of a block: a pycon block's statements without prompts or output."""
    return fence.code.strip("\n")


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
    release: str | None = None,
) -> NotebookNode:
    """The notebook of a page, from its Markdown.

    ``outputs`` maps a block's source to the output computed for it at build time; a block
    not in it gets the output written under it on the page. ``release``: as for
    `setup_source`.
    """
    blocks = [f for f in fences(markdown) if f.language in {"pycon", "python"}]
    starts = {f.first: f for f in blocks}
    figures = any(f.language == "python" for f in blocks)
    modules = set().union(*(imported(f.code) for f in blocks))
    setup = new_code_cell(
        setup_source(repo_url, figures, modules, release), metadata={"tags": [SETUP_TAG]}
    )
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
            tolerance = tolerance_of(fence)
            if tolerance is not None:
                cells.append(new_markdown_cell(f"*{tolerance.note()}*"))
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


def write_all(outdir: Path, docs: Path = Path("docs"), **options: Any) -> list[Path]:
    """Write the notebook of every page with code in ``docs`` into ``outdir``."""
    written = []
    for page in sorted(docs.rglob("*.md")):
        nb = notebook(page.read_text(encoding="utf-8"), **options)
        if len(nb.cells) > 2:  # more than the set-up and the origin note
            path = outdir / page.relative_to(docs).with_suffix(".ipynb")
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, path)
            written.append(path)
    return written


# --------------------------------------------------------------------------------------
# MkDocs plugin (mkdocs.yml: plugins: - gradref-notebooks)


class NotebooksPlugin(BasePlugin):  # type: ignore[type-arg]
    """Write a notebook per page with code, and tell the page template where it is."""

    def __init__(self) -> None:
        self.built: dict[str, NotebookNode] = {}
        self.release: str | None = None

    def on_config(self, config: Any) -> Any:
        """Find out, once before any page, whether this build is from a release tag."""
        self.release = release_version()
        return config

    def on_page_markdown(self, markdown: str, page: Any, config: Any, files: Any) -> str:
        """Announce the notebook to the template, for every page that has code."""
        if any(f.language in {"pycon", "python"} for f in fences(markdown)):
            name = Path(page.file.src_uri).with_suffix(".ipynb").name
            page.meta["notebook"] = "notebooks/" + name
        return markdown

    def on_page_content(self, html: str, page: Any, config: Any, files: Any) -> str:
        """Once the page is rendered (its outputs computed and checked), make its notebook."""
        if "notebook" in page.meta:
            self.built[page.meta["notebook"]] = notebook(
                page.file.content_string,
                page_url=page.canonical_url or "",
                site_url=config.site_url or "",
                repo_url=config.repo_url,
                outputs=COMPUTED,
                release=self.release,
            )
        return html

    def on_post_build(self, config: Any) -> None:
        """Write the notebooks into the site."""
        for name, nb in self.built.items():
            path = Path(config.site_dir) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, path)


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "notebooks")):
        print(path)
