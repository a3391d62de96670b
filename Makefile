# Every target sets up what it needs: on a fresh machine `make test` or `make serve`
# creates .venv, installs the pinned toolchain and fetches the site's assets first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KATEX := docs/assets/vendor/katex/katex.min.css
# The docs' figure helpers (docs/_support) are imported by code blocks run at build time.
export PYTHONPATH := $(CURDIR)/docs/_support
# Material for MkDocs 9.7+ prints a banner about MkDocs 2 on every build; we pin mkdocs<2.
export NO_MKDOCS_2_WARNING := 1

.PHONY: test lint site site-pages serve accept chromium bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	PIP_CONSTRAINT=constraints.txt $(BIN)/python -m pip install --quiet -e '.[test,docs]'
	touch $@

$(KATEX): package.json package-lock.json scripts/vendor_assets.py $(STAMP)
	$(BIN)/python scripts/vendor_assets.py

lint: $(STAMP)
	$(BIN)/ruff check gradref gradref_docs tests scripts docs benchmarks conftest.py
	$(BIN)/ruff format --check gradref gradref_docs tests scripts docs benchmarks conftest.py
	$(BIN)/mypy gradref

site: $(KATEX)
	$(BIN)/mkdocs build --strict

# The site as .github/workflows/pages.yml builds it (`make site` with SITE_URL under a
# /REPO/ path, REPO_URL and EDIT_URI set), for 127.0.0.1 instead of OWNER.github.io: the
# browser suite serves site-pages/ under /gradref/ as Pages would (test_pages_exact.py).
PAGES_PORT ?= 8765
site-pages: $(KATEX)
	SITE_URL=http://127.0.0.1:$(PAGES_PORT)/gradref/ \
	REPO_URL=https://github.com/OWNER/gradref \
	EDIT_URI=edit/main/docs/ \
	$(BIN)/mkdocs build --strict --site-dir site-pages

serve: $(KATEX)
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

# After a deliberate change: re-run every pycon block of docs/ and write its computed output
# over the written one where they differ (output lines only). Read `git diff docs` first.
accept: $(STAMP)
	$(BIN)/python docs/_support/checked_outputs.py accept $(PAGES)

# Debian's chromium for tests/browser (installed with apt-get when run as root).
chromium:
	bash scripts/ensure_chromium.sh

test: lint site site-pages chromium
	$(BIN)/pytest

bench: $(STAMP)
	PIP_CONSTRAINT=constraints.txt $(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/accuracy.py

clean:
	rm -rf $(VENV) site site-pages node_modules docs/assets/vendor .pytest_cache .mypy_cache .ruff_cache .hypothesis
