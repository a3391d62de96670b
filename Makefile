# Every target sets up what it needs: on a fresh machine `make test` or `make serve`
# creates .venv, installs the pinned toolchain and fetches the site's assets first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KATEX := docs/assets/vendor/katex/katex.min.js
# The docs' figure helpers (docs/_support) are imported by code blocks run at build time.
export PYTHONPATH := $(CURDIR)/docs/_support
# Material for MkDocs 9.7+ prints a banner about MkDocs 2 on every build; we pin mkdocs<2.
export NO_MKDOCS_2_WARNING := 1

.PHONY: test lint site serve accept chromium bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	PIP_CONSTRAINT=constraints.txt $(BIN)/python -m pip install --quiet -e '.[test,docs]'
	touch $@

$(KATEX): package.json package-lock.json scripts/vendor_assets.py $(STAMP)
	$(BIN)/python scripts/vendor_assets.py

lint: $(STAMP)
	$(BIN)/ruff check gradref tests scripts docs benchmarks conftest.py
	$(BIN)/ruff format --check gradref tests scripts docs benchmarks conftest.py
	$(BIN)/mypy gradref

site: $(KATEX)
	$(BIN)/mkdocs build --strict

serve: $(KATEX)
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

# After a deliberate change: re-run every pycon block of docs/ and write its computed output
# over the written one where they differ (output lines only). Read `git diff docs` first.
accept: $(STAMP)
	$(BIN)/python docs/_support/checked_outputs.py accept $(PAGES)

# Debian's chromium for tests/browser (installed with apt-get when run as root).
chromium:
	bash scripts/ensure_chromium.sh

test: lint site chromium
	$(BIN)/pytest

bench: $(STAMP)
	PIP_CONSTRAINT=constraints.txt $(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/accuracy.py

clean:
	rm -rf $(VENV) site node_modules docs/assets/vendor .pytest_cache .mypy_cache .ruff_cache .hypothesis
