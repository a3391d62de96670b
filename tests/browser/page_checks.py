"""What the browser suites look for on a page, shared by the MkDocs and Zensical runs."""

from __future__ import annotations

import re

KATEX_ERROR_RED = "rgb(204, 0, 0)"  # KaTeX's errorColor #cc0000: an unknown macro, drawn
MATH_PROBLEMS = ("unrendered", "noMathml", "errors", "red")  # keys of MATH_REPORT's result
MATH_REPORT = """(red) => {
  const report = {count: 0, unrendered: [], noMathml: [], errors: [], red: []};
  const source = (element) => {
    const annotation = element.querySelector(".katex-mathml annotation");
    return (annotation ? annotation.textContent : element.textContent).trim().slice(0, 80);
  };
  for (const element of document.querySelectorAll(".arithmatex")) {
    report.count += 1;
    const katex = element.querySelector(".katex");
    if (!katex) { report.unrendered.push(source(element)); continue; }
    if (!katex.querySelector(".katex-mathml math")) report.noMathml.push(source(element));
    for (const node of katex.querySelectorAll(".katex-html *")) {
      if (getComputedStyle(node).color === red) {
        report.red.push(`${source(element)}  (red: ${node.textContent.slice(0, 40)})`);
        break;
      }
    }
  }
  for (const error of document.querySelectorAll(".katex-error")) {
    report.errors.push(`${error.textContent.slice(0, 80)}: ${error.title}`);
  }
  return report;
}"""

# The article's visible text without code and without rendered math: what a reader sees
# as prose. innerText leaves out display:none, so those are hidden for the moment.
PROSE_TEXT = """() => {
  const article = document.querySelector("article") || document.body;
  const style = document.createElement("style");
  style.textContent = `article pre, article code, article .highlight, article .katex,
    article .md-code__nav { display: none !important; }`;
  document.head.append(style);
  const text = article.innerText;
  style.remove();
  return text;
}"""

# TeX left as text: $..$ or $$ (a "$" in prose such as "costs $3" is fine: like
# arithmatex, an inline pair needs no space just inside either dollar), \( \) \[ \],
# and control words such as \frac or \nabla.
RAW_TEX = re.compile(
    r"\$\$|(?<!\\)\$(?!\s)[^$\n]+?(?<![\s\\])\$|\\[()\[\]]|\\[A-Za-z]+",
)
