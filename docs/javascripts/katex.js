// Render the math that pymdownx.arithmatex (generic mode) leaves in .arithmatex
// elements: \( ... \) inline, \[ ... \] as a block. Only those elements are touched,
// so a "$" in prose stays a dollar sign. Material's document$ observable fires on the
// first load and after every instant-navigation page change.
(function () {
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
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(function () { render(document); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { render(document); });
  }
})();
