"""Every page with code is a notebook that runs from top to bottom and prints the page's output.

The notebooks are made as the build makes them (`gradref_site.notebooks`), from the pages'
Markdown. One real page's notebook, with both kinds of block, is executed with nbclient in
this environment's kernel (ipykernel): the writer is the same for every page, and every
page's blocks are run by the build and by Sybil already.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from gradref_site.checked_outputs import compute, disagreements, tolerance_of
from gradref_site.fences import page_fences
from gradref_site.notebooks import COMMENT, SETUP_TAG, notebook, release_version
from mkdocs.exceptions import PluginError
from nbclient import NotebookClient

import gradref

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [p for p in sorted(DOCS.rglob("*.md")) if page_fences(p)]
RUN = DOCS / "directional-derivative.md"  # prose, math, pycon blocks, a figure, exercises
SITE = Path(os.environ.get("SITE_DIR") or ROOT / "site-pages").resolve()


def stdout(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")


def built_figures(page: Path) -> dict[str, str]:
    """The figures of the page's notebook in the built site, by block source (if built)."""
    path = SITE / "notebooks" / page.relative_to(DOCS).with_suffix(".ipynb").name
    if not path.exists():
        return {}
    nb = nbformat.read(path, as_version=4)
    return {
        cell.source: cell.outputs[0].data["text/html"]
        for cell in nb.cells
        if cell.cell_type == "code" and cell.outputs and "data" in cell.outputs[0]
    }


def test_the_notebook_runs_and_prints_the_pages_output(tmp_path: Path) -> None:
    page = RUN
    text = page.read_text(encoding="utf-8")
    blocks = [f for f in page_fences(page) if f.language in {"pycon", "python"}]
    nb = notebook(text)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert SETUP_TAG in code[0].metadata["tags"], "the first cell installs gradref"
    assert len(code) == len(blocks) + 1

    page_figures = built_figures(page)
    NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(tmp_path)}}).execute()

    assert "%pip install" in code[0].source
    assert not stdout(code[0])  # gradref is importable here: nothing to install
    for fence, cell in zip(blocks, code[1:], strict=True):
        where = f"{page.relative_to(ROOT)}:{fence.first}"
        printed = stdout(cell)
        if fence.language == "pycon":
            bad = disagreements(fence.written_output, printed, tolerance_of(fence))
            assert not bad, f"{where}: the notebook printed\n{printed}"
        else:  # a figure: the HTML the page shows (the built site's, else as the build does)
            assert printed.lstrip().startswith("<"), where
            assert printed == page_figures.get(fence.source, compute(fence)), where


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_the_prose_and_its_math_are_in_the_notebook(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    nb = notebook(text)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    lines = text.split("\n")
    for fence in page_fences(page):
        lines[fence.first - 1 : fence.last] = [""] * (fence.last - fence.first + 1)
    prose = COMMENT.sub("", "\n".join(lines))
    for math in re.findall(r"\$\$.+?\$\$|\$[^$\n]+\$", prose, flags=re.DOTALL):
        assert math.replace("\n    ", "\n") in markdown, math


def built_pages() -> Iterator[tuple[Path, Path, str]]:
    """Yield each page, its name and its built HTML (a skip without a site; CI fails)."""
    if not (SITE / "index.html").exists():
        reason = f"no built site at {SITE}: run `make site-pages`"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true, so this is an error", pytrace=False)
        pytest.skip(reason)
    for page in PAGES:
        name = page.relative_to(DOCS).with_suffix("")
        yield (
            page,
            name,
            (SITE / ("" if name.name == "index" else str(name)) / "index.html").read_text(),
        )


@pytest.mark.site
def test_the_built_site_links_every_notebook() -> None:
    for page, name, html in built_pages():
        link = f'notebooks/{name.name}.ipynb" download'
        assert link in html, f"{page.name}: no notebook link beside the edit button"
        nb = nbformat.read(SITE / "notebooks" / f"{name.name}.ipynb", as_version=4)
        nbformat.validate(nb)


@pytest.mark.site
def test_no_hidden_check_shows_on_the_built_pages() -> None:
    """An invisible check block is an HTML comment on the page, never text a reader sees:
    inside an admonition, a `#` line in one made Markdown print it, heading and all."""
    for page, _, html in built_pages():
        assert "&lt;!--" not in html, f"{page.name}: a hidden block shows as text"


def test_an_exercise_solution_becomes_a_title_and_a_code_cell() -> None:
    text = (
        "Prose with $x^2$ and a [link](gradient.md#the-gradient).\n\n"
        '??? success "Solution"\n'
        "    Indented prose.\n\n"
        '    ```pycon exec="on" source="console"\n'
        "    >>> def g(x):\n"
        "    ...     return x + 1\n"
        "    ...\n"
        "    >>> print(g(41))\n"
        "    42\n"
        "    ```\n\n"
        "<!-- invisible-code-block: python\n"
        "assert True\n"
        "-->\n"
        "After.\n"
    )
    nb = notebook(text, site_url="https://example.org/site/")
    kinds = [(c.cell_type, c.source) for c in nb.cells[2:]]
    assert kinds == [
        (
            "markdown",
            "Prose with $x^2$ and a [link](https://example.org/site/gradient/#the-gradient)."
            "\n\n**Solution**\nIndented prose.",
        ),
        ("code", "def g(x):\n    return x + 1\n\nprint(g(41))"),
        ("markdown", "After."),
    ]
    assert nb.cells[3].outputs[0].text == "42\n"
    nbformat.validate(nb)


def test_the_hosted_notebook_installs_what_it_imports_from_the_repository() -> None:
    text = '```python exec="on" html="1"\nprint("<p>figure</p>")\n```\n'
    hosted = notebook(text, repo_url="https://github.com/owner/gradref/").cells[0].source
    repo = "git+https://github.com/owner/gradref"
    assert f'%pip install --quiet "gradref @ {repo}"' in hosted
    assert f'%pip install --quiet "gradref-site[figures] @ {repo}#subdirectory=tooling"' in hosted
    assert "clone" not in hosted
    assert "sys.path" not in hosted
    local = notebook(text).cells[0].source
    assert f'%pip install --quiet "gradref @ {Path.cwd().as_uri()}"' in local
    no_figures = notebook('```pycon exec="on"\n>>> print(1)\n1\n```\n').cells[0].source
    assert "gradref-site" not in no_figures
    assert "jax" not in no_figures


def test_a_notebook_installs_the_libraries_its_blocks_import() -> None:
    text = '```pycon exec="on"\n>>> import jax.numpy as jnp\n>>> from scipy import optimize\n```\n'
    setup = notebook(text).cells[0].source
    assert 'if importlib.util.find_spec("jax") is None:\n    %pip install --quiet "jax"' in setup
    assert '%pip install --quiet "scipy"' in setup
    ad = notebook((ROOT / "docs" / "automatic-differentiation.md").read_text(encoding="utf-8"))
    assert '%pip install --quiet "jax"' in ad.cells[0].source


def test_a_site_built_from_a_release_tag_installs_that_release() -> None:
    version = gradref.__version__
    tag = {"GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": f"v{version}"}
    assert release_version(tag) == version
    assert release_version({"GITHUB_REF_TYPE": "branch", "GITHUB_REF_NAME": "main"}) is None
    assert release_version({"GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "docs-2026"}) is None
    assert release_version({}) is None
    text = '```python exec="on" html="1"\nprint("<p>figure</p>")\n```\n'
    setup = notebook(text, repo_url="https://github.com/owner/gradref", release=version)
    source = setup.cells[0].source
    assert f'%pip install --quiet "gradref=={version}"' in source
    at_tag = f"git+https://github.com/owner/gradref@v{version}#subdirectory=tooling"
    assert f'%pip install --quiet "gradref-site[figures] @ {at_tag}"' in source
    assert "gradref @" not in source


def test_a_release_tag_that_is_not_the_version_stops_the_build() -> None:
    wrong = {"GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "v999.0.0"}
    with pytest.raises(PluginError, match=r"built from the tag 'v999\.0\.0', but gradref"):
        release_version(wrong)
