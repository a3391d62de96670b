"""The GitHub Actions workflows: zizmor finds nothing, actions SHA-pinned, least privilege."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
ZIZMOR = Path(sys.executable).parent / "zizmor"

# `uses: owner/repo[/path]@<40 hex> # vX[.Y[.Z]]`, as a mapping key or a list item.
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+(?:\.\d+)*\s*$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a YAML mapping"
    return data


def jobs(workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = workflow.get("jobs")
    assert isinstance(found, dict), "no jobs"
    assert found, "no jobs"
    return found


def all_uses(workflow: dict[str, Any]) -> list[str]:
    """Every `uses:` value: reusable-workflow jobs and steps."""
    found = []
    for job in jobs(workflow).values():
        if "uses" in job:
            found.append(job["uses"])
        found.extend(step["uses"] for step in job.get("steps", []) if "uses" in step)
    return found


def describe(finding: dict[str, Any]) -> str:
    """One line per zizmor finding: audit, description, and where (file:line: text)."""
    where = []
    for loc in finding.get("locations", []):
        key = loc.get("symbolic", {}).get("key", {})
        local = key.get("Local", {}) if isinstance(key, dict) else {}
        file = local.get("verbatim_path") or local.get("given_path") or "?"
        concrete = loc.get("concrete", {})
        row = concrete.get("location", {}).get("start_point", {}).get("row", -1) + 1
        feature = str(concrete.get("feature", "")).strip().partition("\n")[0]
        where.append(f"{file}:{row}: {feature}")
    return f"[{finding.get('ident')}] {finding.get('desc')} at " + "; ".join(where)


def test_the_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "pages.yml", "release.yml"}


def test_zizmor_offline_reports_no_findings() -> None:
    assert ZIZMOR.is_file(), f"zizmor is not installed next to {sys.executable}"
    result = subprocess.run(
        [str(ZIZMOR), "--offline", "--format", "json", "--no-progress", str(GITHUB)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.stdout.strip(), f"zizmor printed no JSON:\n{result.stderr}"
    findings = json.loads(result.stdout)
    assert isinstance(findings, list)
    summary = [describe(finding) for finding in findings]
    assert findings == [], "zizmor findings:\n" + "\n".join(summary)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_tag(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    uses_lines = [line for line in lines if USES_LINE.match(line)]
    unpinned = [line.strip() for line in uses_lines if not PINNED.match(line)]
    assert unpinned == [], f"{path.name}: not `@<40-hex sha> # vX`: {unpinned}"
    # The raw lines are all the `uses:` there are (none hide in flow style).
    remote = [u for u in all_uses(load(path)) if not u.startswith("./")]
    assert len(remote) == len(uses_lines), f"{path.name}: {remote}"
    assert all(re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", u) for u in remote), remote


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_top_level_permissions_are_empty(path: Path) -> None:
    workflow = load(path)
    assert "permissions" in workflow, f"{path.name} has no top-level permissions"
    assert workflow["permissions"] == {}, workflow["permissions"]


# The only write scopes anywhere, by workflow, job and environment: the Pages deploy, and
# the PyPI upload's OIDC token (trusted publishing).
WRITERS = {
    ("pages.yml", "deploy"): ("github-pages", {"pages", "id-token"}),
    ("release.yml", "publish"): ("pypi", {"id-token"}),
}


def environment_name(job: dict[str, Any]) -> object:
    environment = job.get("environment")
    return environment.get("name") if isinstance(environment, dict) else environment


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_write_scopes_only_on_the_deploy_and_publish_jobs(path: Path) -> None:
    for name, job in jobs(load(path)).items():
        permissions = job.get("permissions", {})
        assert isinstance(permissions, dict), f"{name}: permissions must be a mapping"
        writes = {scope for scope, level in permissions.items() if level == "write"}
        if writes:
            assert (path.name, name) in WRITERS, f"{path.name}: {name} may write {writes}"
            environment, allowed = WRITERS[path.name, name]
            assert environment_name(job) == environment, f"{name} may write {writes}"
            assert writes <= allowed, f"{name} may write {writes}"


def test_the_release_builds_checks_and_publishes_on_a_version_tag() -> None:
    release = load(GITHUB / "workflows" / "release.yml")
    keys: dict[object, Any] = {k: v for k, v in release.items()}  # PyYAML: `on` is True
    assert keys[True] == {"push": {"tags": ["v*"]}}
    build, publish = jobs(release)["build"], jobs(release)["publish"]
    assert build["permissions"] == {"contents": "read"}
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["needs"] == "build"
    assert environment_name(publish) == "pypi"
    runs = "\n".join(step.get("run", "") for step in build["steps"])
    assert "python -m build" in runs
    assert "twine check --strict dist/*" in runs
    assert 'scripts/check_dist.py dist --tag "$GITHUB_REF_NAME"' in runs
    assert build["env"] == {"PIP_CONSTRAINT": "constraints.txt"}
    uses = [step["uses"].partition("@")[0] for step in publish["steps"]]
    assert uses == ["actions/download-artifact", "pypa/gh-action-pypi-publish"]
    assert "with" not in publish["steps"][-1], "trusted publishing: no token, no password"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_checkouts_do_not_persist_credentials(path: Path) -> None:
    for name, job in jobs(load(path)).items():
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, name


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_concurrency_and_timeouts(path: Path) -> None:
    workflow = load(path)
    concurrency = workflow.get("concurrency")
    assert isinstance(concurrency, dict), f"{path.name} has no concurrency"
    assert concurrency.get("group"), path.name
    assert isinstance(concurrency.get("cancel-in-progress"), bool), path.name
    for name, job in jobs(workflow).items():
        assert isinstance(job.get("timeout-minutes"), int), f"{name} has no timeout-minutes"


def test_pages_builds_main_and_release_tags() -> None:
    keys: dict[object, Any] = {k: v for k, v in load(GITHUB / "workflows" / "pages.yml").items()}
    assert keys[True]["push"] == {"branches": ["main"], "tags": ["v*"]}


def test_pages_deployments_queue_rather_than_cancel() -> None:
    concurrency = load(GITHUB / "workflows" / "pages.yml")["concurrency"]
    assert concurrency == {"group": "pages", "cancel-in-progress": False}


def test_dependabot_watches_every_ecosystem_weekly() -> None:
    config = load(GITHUB / "dependabot.yml")
    assert config["version"] == 2
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"pip", "npm", "github-actions"}
    for ecosystem, update in updates.items():
        assert update["directory"] == "/", ecosystem
        assert update["schedule"]["interval"] == "weekly", ecosystem
