// Renders TeX with the KaTeX of package-lock.json for gradref_docs/katex.py, one process
// per build. Reads one JSON request a line on stdin, {"tex": "...", "display": true},
// and answers each with one JSON line on stdout: {"html": "..."} or {"error": "..."}.
"use strict";
const path = require("path");
const readline = require("readline");

const katex = require(path.join(process.argv[2], "katex"));

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  const request = JSON.parse(line);
  let answer;
  try {
    answer = {
      html: katex.renderToString(request.tex, {
        displayMode: request.display,
        output: "htmlAndMathml",
        throwOnError: true,
        // Anything KaTeX would only warn about (say, a Unicode letter in math mode) is an
        // error: the build fails rather than print a formula KaTeX had to guess at.
        strict: "error",
      }),
    };
  } catch (error) {
    answer = { error: String(error && error.message ? error.message : error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
