// Regions that scroll sideways take keyboard focus, so they can be scrolled without a
// mouse (as Material does for code blocks, and as axe-core's scrollable-region-focusable
// rule requires): a display formula wider than the column (extra.css) and a wide table in
// Material's .md-typeset__scrollwrap. The math itself is rendered at build time; nothing
// here draws it. Material's document$ fires on the first load and after every
// instant-navigation page change.
(function () {
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

  function watch(root) {
    // Watch this page's scrolling regions (instant navigation replaced the last page's).
    if (resizes) resizes.disconnect();
    root.querySelectorAll(SCROLLERS).forEach(function (region) {
      focusableIfScrolling(region);
      if (resizes) resizes.observe(region);
    });
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(function () { watch(document); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { watch(document); });
  }
})();
