"""gradref_site.katex: the Markdown extension that renders the site's math at build time."""

from __future__ import annotations

import os
import re
from pathlib import Path

import markdown
import pytest
from gradref_site import katex

EXTENSIONS = [katex.KatexExtension()]


def render(text: str) -> str:
    md = markdown.Markdown(
        extensions=["pymdownx.arithmatex", *EXTENSIONS],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )
    return md.convert(text)


pytestmark = pytest.mark.site


@pytest.fixture(autouse=True)
def katex_installed() -> None:
    if not (Path("node_modules") / "katex" / "package.json").is_file():
        reason = (
            "node_modules/katex is missing: run `make site-pages` (or scripts/vendor_assets.py)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true, so this is an error", pytrace=False)
        pytest.skip(reason)


def test_inline_and_display_math_become_katex_html_and_mathml() -> None:
    html = render("Slope $\\frac{a}{b}$ here.\n\n$$\n\\nabla f = 0\n$$\n")
    inline, display = re.findall(r'<(span|div) class="arithmatex">', html)
    assert (inline, display) == ("span", "div")
    assert html.count('<span class="katex">') == 2
    assert html.count('<span class="katex-display">') == 1
    # MathML for screen readers, with the TeX source kept as its annotation.
    assert '<annotation encoding="application/x-tex">\\frac{a}{b}</annotation>' in html
    assert '<annotation encoding="application/x-tex">\\nabla f = 0</annotation>' in html
    assert "\\(" not in html
    assert "\\[" not in html


def test_tex_that_katex_rejects_fails_with_the_formula_and_its_line() -> None:
    text = "First line.\n\nSecond, with $\\frac{1}{$ in it.\n"
    with pytest.raises(katex.KatexError, match=r"'\\\\frac\{1\}\{'.*line 3 of its Markdown"):
        render(text)


def test_an_unknown_macro_is_an_error_not_red_text() -> None:
    with pytest.raises(katex.KatexError, match=r"Undefined control sequence: \\nosuchmacro"):
        render("$\\nosuchmacro x$")


def test_one_node_process_renders_every_formula_and_repeats_come_from_the_cache() -> None:
    render("$x_{1}$")
    shared = katex.renderer(EXTENSIONS[0].node(), EXTENSIONS[0].node_modules())
    process = shared._process
    assert process is not None
    cached = len(shared._cache)
    render(" ".join(f"$x_{{{i}}}$" for i in range(2, 12)) + " $x_{1}$ $x_{2}$")
    assert shared._process is process
    assert process.poll() is None
    assert len(shared._cache) == cached + 10


def test_math_in_code_is_left_alone() -> None:
    html = render("`$x$` and\n\n    $$y$$\n")
    assert "katex" not in html


class _PageFile:
    src_uri = "gradient.md"


class _RelPath(markdown.treeprocessors.Treeprocessor):
    """Stands in for the treeprocessor through which MkDocs tells a page's file."""

    file = _PageFile()

    def run(self, root: object) -> None:
        return None


def test_under_mkdocs_the_error_names_the_page_also_from_a_docstring_rendered_on_it() -> None:
    page = markdown.Markdown(
        extensions=["pymdownx.arithmatex", katex.KatexExtension()],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )
    page.treeprocessors.register(_RelPath(page), "relpath", 1)
    with pytest.raises(katex.KatexError, match=r"page gradient\.md, line 1"):
        page.convert("Bad: $\\frac{1}{$")
    # mkdocstrings renders a docstring with a Markdown instance that has no relpath.
    with pytest.raises(katex.KatexError, match=r"rendered while building page gradient\.md"):
        render("Bad: $\\sqrt{$")


def test_arithmatex_in_mathjax_mode_is_refused() -> None:
    md = markdown.Markdown(extensions=["pymdownx.arithmatex", katex.KatexExtension()])
    with pytest.raises(katex.KatexError, match="needs `generic: true`"):
        md.convert("$x$")


def test_headings_keep_their_tex_anchor_and_list_the_math_as_text_in_the_toc() -> None:
    md = markdown.Markdown(
        extensions=["pymdownx.arithmatex", "toc", katex.KatexExtension()],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )
    html = md.convert("## How small should $h$ be?\n\n## Why $\\nabla f$ points up\n")
    # The anchors are those of the TeX source (links to them predate KaTeX here).
    # The toc extension sets md.toc_tokens; types-Markdown does not declare it.
    toc_tokens = md.toc_tokens  # type: ignore[attr-defined]
    assert [token["id"] for token in toc_tokens] == [
        "how-small-should-h-be",
        "why-nabla-f-points-up",
    ]
    assert [token["name"] for token in toc_tokens] == [
        "How small should h be?",
        "Why ∇f points up",
    ]
    # The headings themselves show KaTeX's rendering.
    assert html.count('<span class="katex">') == 2
