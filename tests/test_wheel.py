"""The wheel, installed into a fresh virtual environment away from the checkout, works.

`python -m build` makes the sdist and, from it, the wheel, as the release workflow does
(hatchling at its pin, through PIP_CONSTRAINT); `twine check --strict` and
scripts/check_dist.py check them. The wheel and numpy (at its pin) are then installed
into a new virtual environment in a temporary folder, and run there with the checkout
nowhere on the path: gradref is the installed one, its metadata version is
gradref.__version__, the README's quickstart prints what the README shows, and every
module's docstring examples pass, as many as in the checkout. A file left out of the
wheel fails an import, the module list or the count of examples.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import json
import os
import pkgutil
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import gradref

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints.txt"
PYCON = re.compile(r"^```pycon\n(.*?)^```$", re.MULTILINE | re.DOTALL)

# Run by the fresh environment's Python, with the quickstart on stdin. Doctest reports
# failures on stdout; the last line is the summary, as JSON.
IN_THE_VENV = """
import doctest, importlib, importlib.metadata, json, pkgutil, sys
import gradref

def examples(name):
    module = importlib.import_module(name)
    return doctest.testmod(module, optionflags=doctest.ELLIPSIS)

modules = ["gradref", *sorted(m.name for m in pkgutil.walk_packages(gradref.__path__, "gradref."))]
results = [examples(name) for name in modules]
readme = doctest.DocTestParser().get_doctest(sys.stdin.read(), {}, "README", "README.md", 0)
runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
runner.run(readme)
print(json.dumps({
    "file": gradref.__file__,
    "version": gradref.__version__,
    "metadata": importlib.metadata.version("gradref"),
    "modules": modules,
    "attempted": sum(r.attempted for r in results),
    "failed": sum(r.failed for r in results),
    "readme": [runner.tries, runner.failures],
}))
"""


def quickstart() -> str:
    """The README's quickstart: its first ``pycon`` block."""
    match = PYCON.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert match, "README.md has no ```pycon block"
    return match[1]


def checkout_examples() -> tuple[list[str], int]:
    """gradref's modules in the checkout and how many docstring examples they have."""
    submodules = sorted(m.name for m in pkgutil.walk_packages(gradref.__path__, "gradref."))
    names = ["gradref", *submodules]
    finder = doctest.DocTestFinder()
    count = sum(
        len(test.examples) for name in names for test in finder.find(importlib.import_module(name))
    )
    return names, count


def test_the_readme_quickstart_prints_what_it_shows() -> None:
    test = doctest.DocTestParser().get_doctest(quickstart(), {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.tries >= 5, "the quickstart shows a few results"
    assert runner.failures == 0


def run(
    *command: str | Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(c) for c in command],
        input=stdin,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.release
def test_the_installed_wheel_runs_the_quickstart_and_the_docstrings(tmp_path: Path) -> None:
    missing = [m for m in ("build", "twine") if importlib.util.find_spec(m) is None]
    if missing:
        reason = f"{', '.join(missing)} not installed: install the release extra (make)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true, so this is an error", pytrace=False)
        pytest.skip(reason)
    start = time.perf_counter()
    # No PYTHONPATH: nothing of the checkout is importable in the fresh environment.
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    env |= {"PIP_CONSTRAINT": str(CONSTRAINTS), "PYTHONNOUSERSITE": "1"}
    dist, venv = tmp_path / "dist", tmp_path / "venv"
    run(sys.executable, "-m", "build", "--outdir", dist, ROOT, env=env, cwd=tmp_path)
    run(sys.executable, "-m", "twine", "check", "--strict", *sorted(dist.iterdir()), env=env)
    run(sys.executable, ROOT / "scripts" / "check_dist.py", dist, env=env)
    built = time.perf_counter()

    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    (wheel,) = dist.glob("*.whl")
    pip: list[str | Path] = [sys.executable, "-m", "pip", "--python", python, "install", "-q"]
    run(*pip, wheel, env=env, cwd=tmp_path)
    installed = time.perf_counter()
    result = run(python, "-c", IN_THE_VENV, stdin=quickstart(), env=env, cwd=tmp_path)
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    print(
        f"wheel test: build and checks {built - start:.1f} s, venv and install "
        f"{installed - built:.1f} s, run {time.perf_counter() - installed:.1f} s; "
        f"{summary['attempted']} docstring examples in {len(summary['modules'])} modules, "
        f"{summary['readme'][0]} in the README"
    )

    assert Path(summary["file"]).is_relative_to(venv), summary["file"]
    assert summary["version"] == summary["metadata"] == gradref.__version__
    modules, examples = checkout_examples()
    assert summary["modules"] == modules, "a module of the checkout is not in the wheel"
    assert summary["attempted"] == examples > 0
    assert summary["failed"] == 0, result.stdout
    tries, failures = summary["readme"]
    assert tries >= 5, "the quickstart shows a few results"
    assert failures == 0, result.stdout
