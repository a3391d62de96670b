// Render the math that pymdownx.arithmatex (generic mode) leaves in .arithmatex
// elements: \( ... \) inline, \[ ... \] as a block. Only those elements are touched,
// so a "$" in prose stays a dollar sign. Material's document$ observable fires on the
// first load and after every instant-navigation page change.
(function () {
  // A display formula wider than the column scrolls sideways (extra.css), and so does a
  // wide table in Material's .md-typeset__scrollwrap. While one does, it takes keyboard
  // focus so it can be scrolled without a mouse (as Material does for code blocks, and
  // as axe-core's scrollable-region-focusable rule requires).
  var SCROLLERS = ".arithmatex .katex-display, .md-typeset__scrollwrap";
  var resizes =
    typeof ResizeObserver === "undefined"
      ? null
      : new ResizeObserver(function (entries) {
          entries.forEach(function (entry) { focusableIfScrolling(entry.target); });
        });

  function focusableIfScrolling(region) {
    if (region.scrollWidth > region.clientWidth + 1) {
      region.setAttribute("tabindex", "0");
    } else {
      region.removeAttribute("tabindex");
    }
  }

  function render(root) {
    root.querySelectorAll(".arithmatex").forEach(function (element) {
      if (element.dataset.rendered) return;
      var tex = element.textContent.trim();
      var display = element.tagName === "DIV";
      tex = tex.replace(/^\\[(\[]/, "").replace(/\\[)\]]$/, "");
      katex.render(tex, element, {
        displayMode: display,
        throwOnError: false,
        output: "htmlAndMathml",
      });
      element.dataset.rendered = "true";
    });
    // Watch this page's scrolling regions (instant navigation replaced the last page's).
    if (resizes) resizes.disconnect();
    root.querySelectorAll(SCROLLERS).forEach(function (region) {
      focusableIfScrolling(region);
      if (resizes) resizes.observe(region);
    });
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(function () { render(document); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { render(document); });
  }
})();
