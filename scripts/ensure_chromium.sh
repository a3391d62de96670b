#!/usr/bin/env bash
# Make sure a Chromium for the browser test suite (tests/browser) is installed.
# Quiet and idempotent when one exists; installs Debian's chromium (and a font, so the
# screenshots are legible) when running as root with apt-get; otherwise says what to do.
# The suite itself never downloads a browser: it launches this one through Playwright.
set -euo pipefail

find_chromium() {
  if [[ -n "${CHROMIUM:-}" && -x "${CHROMIUM}" ]]; then
    echo "${CHROMIUM}"
    return 0
  fi
  local name
  for name in chromium chromium-browser; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}

if found=$(find_chromium); then
  [[ -n "${VERBOSE:-}" ]] && echo "ensure_chromium: found ${found}"
  exit 0
fi

if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure_chromium: no Chromium on PATH; installing Debian's chromium with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  if found=$(find_chromium); then
    echo "ensure_chromium: installed ${found}" >&2
    exit 0
  fi
  echo "ensure_chromium: apt-get install chromium finished but no chromium is on PATH" >&2
  exit 1
fi

echo "ensure_chromium: no Chromium found (looked for chromium, chromium-browser on PATH" \
  "and \$CHROMIUM). Install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM" \
  "to its path. tests/browser is skipped without it, and fails when CI is set." >&2
# Locally the suite skips (and says so); in CI a missing browser is an error.
[[ -n "${CI:-}" ]] && exit 1
exit 0
