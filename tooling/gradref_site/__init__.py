"""The gradref site's build-and-check code: one installed package, imported by name.

- `gradref_site.katex`: math rendered by KaTeX at build time (a Python-Markdown extension).
- `gradref_site.fences`: the one reader of a page's code blocks, lines and prompts.
- `gradref_site.checked_outputs`: the build check (superfences hooks over markdown-exec's
  public `base_format`) and the declared tolerances.
- `gradref_site.accept`: ``make accept``, computed outputs written back into the pages.
- `gradref_site.sybil`: the Sybil parser that collects every block of every page.
- `gradref_site.notebooks`: the MkDocs plugin that writes a notebook per page.
- `gradref_site.figures`, `.graphs`, `.accuracy_figure`: the pages' figure helpers.
- `gradref_site.serve`: the Pages-like local server and the Chromium finder that the
  browser suite and ``benchmarks/page_weight.py`` share.

Importing this package imports none of them, so a notebook that draws a figure needs
only ``gradref-site[figures]``.
"""
