"""Check the sdist and wheel that `python -m build` wrote, before they are published.

    python scripts/check_dist.py DIST [--tag vX.Y.Z]

- DIST holds exactly one wheel and one sdist, both named for gradref at the version in
  gradref/__init__.py (read from the source, as hatchling reads it);
- the wheel holds gradref/ and its dist-info, nothing else: every .py file of the
  source's gradref/ and py.typed, no other file, and the LICENSE in the dist-info;
- the sdist holds the same gradref/ files, the files that describe the package
  (`SDIST_FILES`) and nothing else;
- the wheel's METADATA names that version;
- with ``--tag`` (the release workflow passes the pushed tag): the tag is ``v`` and that
  version, and CHANGELOG.md has a section ``## [VERSION]`` for it.

Prints one line per problem and exits 1 if there is any. `twine check --strict` checks
the metadata and the README's rendering; this checks what twine does not.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gradref"
# The sdist's files besides gradref/ (pyproject.toml's [tool.hatch.build.targets.sdist],
# with what hatchling adds).
SDIST_FILES = {
    ".gitignore",
    "CHANGELOG.md",
    "CITATION.cff",
    "LICENSE",
    "PKG-INFO",
    "README.md",
    "pyproject.toml",
}


def source_version(init: Path = PACKAGE / "__init__.py") -> str:
    """The string assigned to ``__version__`` in gradref/__init__.py."""
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            if isinstance(value, str):
                return value
    raise ValueError(f"{init} assigns no string to __version__")


def package_files() -> set[str]:
    """What the wheel must hold of gradref/: its .py files and py.typed."""
    files = {p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}
    return {p.relative_to(ROOT).as_posix() for p in files} | {"gradref/py.typed"}


def wheel_problems(wheel: Path, version: str) -> list[str]:
    """What is wrong with the wheel's contents and metadata."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"gradref-{version}.dist-info/"
        metadata = Parser().parsestr(archive.read(info + "METADATA").decode("utf-8"))
    package = {n for n in names if n.startswith("gradref/")}
    problems = [f"{wheel.name}: missing {n}" for n in sorted(package_files() - package)]
    problems += [f"{wheel.name}: unexpected {n}" for n in sorted(package - package_files())]
    problems += [
        f"{wheel.name}: outside gradref/ and {info}: {n}"
        for n in sorted(names - package)
        if not n.startswith(info)
    ]
    if info + "licenses/LICENSE" not in names:
        problems.append(f"{wheel.name}: no {info}licenses/LICENSE")
    if metadata["Version"] != version:
        problems.append(f"{wheel.name}: METADATA says {metadata['Version']}, not {version}")
    return problems


def sdist_problems(sdist: Path, version: str) -> list[str]:
    """What is wrong with the sdist's contents."""
    with tarfile.open(sdist) as archive:
        names = {m.name for m in archive.getmembers() if m.isfile()}
    top = f"gradref-{version}/"
    expected = {top + n for n in package_files() | SDIST_FILES}
    problems = [f"{sdist.name}: missing {n}" for n in sorted(expected - names)]
    return problems + [f"{sdist.name}: unexpected {n}" for n in sorted(names - expected)]


def problems(dist: Path, tag: str | None = None) -> list[str]:
    """Everything wrong with the distributions in ``dist`` (empty if nothing is)."""
    version = source_version()
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    expected = [f"gradref-{version}-py3-none-any.whl"], [f"gradref-{version}.tar.gz"]
    found = [p.name for p in wheels], [p.name for p in sdists]
    if found != expected:
        return [f"{dist}: expected {expected[0] + expected[1]}, found {found[0] + found[1]}"]
    found_problems = wheel_problems(wheels[0], version) + sdist_problems(sdists[0], version)
    if tag is not None:
        if tag != f"v{version}":
            found_problems.append(f"the tag {tag!r} is not 'v{version}', gradref.__version__")
        changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
        if not re.search(rf"^## \[{re.escape(version)}\]", changelog, re.MULTILINE):
            found_problems.append(f"CHANGELOG.md has no section '## [{version}]'")
    return found_problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("dist", type=Path, help="the folder python -m build wrote")
    parser.add_argument("--tag", help="the release tag, vX.Y.Z")
    args = parser.parse_args(argv)
    found = problems(args.dist, args.tag)
    for problem in found:
        print(problem)
    if not found:
        print(f"{args.dist}: gradref {source_version()}, sdist and wheel as expected")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
