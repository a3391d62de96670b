# Every target sets up what it needs: on a fresh machine `make test` or `make serve`
# creates .venv, installs the pinned toolchain and fetches the site's assets first.
# The two wings: gradref/ (the library) and tooling/ (gradref-site, the site's build and
# check code); both are installed into .venv in editable mode, nothing is put on a path.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := PIP_CONSTRAINT=constraints.txt $(BIN)/python -m pip install --quiet
DOCS_STAMP := $(VENV)/.installed-docs
ALL_STAMP := $(VENV)/.installed
KATEX := docs/assets/vendor/katex/katex.min.css
PY_SOURCES := gradref tooling tests scripts benchmarks conftest.py
# Material for MkDocs 9.7+ prints a banner about MkDocs 2 on every build; we pin mkdocs<2.
export NO_MKDOCS_2_WARNING := 1

.PHONY: check test test-python test-site test-zensical lint site site-pages site-zensical serve accept chromium bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3

# What building the site needs (make serve, the Pages deploy): no test or browser tools.
$(DOCS_STAMP): pyproject.toml tooling/pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[docs]' -e tooling
	touch $@

# Everything make check and make test use.
$(ALL_STAMP): $(DOCS_STAMP)
	$(PIP) -e '.[docs,zensical,test,lint,browser,release]' -e tooling
	touch $@

$(KATEX): package.json package-lock.json scripts/vendor_assets.py $(DOCS_STAMP)
	$(BIN)/python scripts/vendor_assets.py

lint: $(ALL_STAMP)
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)
	$(BIN)/mypy gradref tooling/gradref_site tests scripts benchmarks conftest.py

# The fast loop, after each change: lint and types, then the library's tests and its
# docstring examples: not the site tooling's tests, the pages, the browser or the wheel.
TOOLING_TESTS := browser test_alt_texts.py test_checked_outputs.py test_docs_collection.py \
	test_katex_markdown.py test_notebooks.py test_release.py test_wheel.py test_workflows.py
check: lint
	$(BIN)/pytest -q $(addprefix --ignore=tests/,$(TOOLING_TESTS)) tests gradref

site: $(KATEX)
	$(BIN)/mkdocs build --strict

# The site as .github/workflows/pages.yml builds it (`make site` with SITE_URL under a
# /REPO/ path, REPO_URL and EDIT_URI set), for 127.0.0.1 instead of OWNER.github.io: the
# browser suite serves site-pages/ under /gradref/ as Pages would.
PAGES_PORT ?= 8765
site-pages: $(KATEX)
	SITE_URL=http://127.0.0.1:$(PAGES_PORT)/gradref/ \
	REPO_URL=https://github.com/OWNER/gradref \
	EDIT_URI=edit/main/docs/ \
	$(BIN)/mkdocs build --strict --site-dir site-pages

# The same docs built by Zensical (pinned in constraints.txt), from mkdocs.yml through
# mkdocs-zensical.yml (which only moves site_dir to site-zensical/ and asks for the
# classic look). What Zensical does and does not take from the MkDocs build:
# - markdown-exec and mkdocstrings (with autorefs' cross-references): Zensical runs them
#   through its own shims (markdown-exec's fences as pymdownx.superfences formatters);
#   every page and the API reference come out complete. MkDocs plugins other than
#   those (gradref-notebooks) are not run: the Zensical build has no notebooks.
# - overrides/partials/search.html CANNOT work with Zensical: it is Material 9.8.2's
#   search form, and Zensical's bundle drives a different search (a button opening its
#   own dialog); with the override, search stays at "Initializing search". Zensical's
#   own partial already has the aria-label the override adds, so the Zensical build uses
#   a copy of overrides/ without that file (build/zensical-overrides/), nor
#   partials/copyright.html, Material's with the version of gradref added, which would
#   credit Material for the Zensical build.
# - Zensical 0.1.x needs zensical-ui, which our package index does not serve; 0.0.73 is
#   the newest release installable from it, so that is the pin.
# --clean: Zensical caches rendered pages in .cache/, keyed on their Markdown, so a
# change in gradref alone would leave markdown-exec's outputs stale.
site-zensical: $(KATEX) $(ALL_STAMP)
	rm -rf build/zensical-overrides && mkdir -p build && cp -R overrides build/zensical-overrides
	rm -f build/zensical-overrides/partials/search.html build/zensical-overrides/partials/copyright.html
	$(BIN)/zensical build --clean --strict -f mkdocs-zensical.yml

serve: $(KATEX)
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

# After a deliberate change: re-run every pycon block of docs/ and write its computed output
# over the written one where they differ (output lines only). Read `git diff docs` first.
accept: $(DOCS_STAMP)
	$(BIN)/python -m gradref_site.accept $(PAGES)

# Debian's chromium for tests/browser (installed with apt-get when run as root).
chromium:
	bash scripts/ensure_chromium.sh

# numpy's AVX-512 targets on this CPU (none on many CI runners), to turn off for pytest:
# the site builds with them on, the doc tests run with them off, so both paths are checked.
NOAVX512 = off="$$($(BIN)/python scripts/numpy_avx512.py)"; \
	[ -n "$$off" ] || note=" (this CPU has no AVX-512 path to turn off)"; \
	echo "NPY_DISABLE_CPU_FEATURES=\"$$off\"$$note"; \
	export NPY_DISABLE_CPU_FEATURES="$$off"; $(BIN)/python scripts/numpy_avx512.py --check

# Everything, each thing once: the Pages-exact build (it checks every page's output while
# it builds) and the Zensical build, then one pytest run over the library, the
# docstrings, the pages (Sybil), the notebooks and the browser suite on both builds.
test: lint site-pages site-zensical chromium
	@$(NOAVX512) && SITE_DIR=site-pages $(BIN)/pytest

# CI's split of the same (.github/workflows/ci.yml): what needs no site and no browser,
test-python: $(ALL_STAMP) $(KATEX)
	@$(NOAVX512) && $(BIN)/pytest -m "not site and not browser"

# the Pages-exact build and what needs it, but the Zensical checks,
test-site: site-pages chromium
	@$(NOAVX512) && SITE_DIR=site-pages $(BIN)/pytest -m "site or browser" \
	  --ignore=tests/browser/test_zensical.py

# and the Zensical build with its checks.
test-zensical: site-zensical chromium
	$(BIN)/pytest tests/browser/test_zensical.py

bench: $(ALL_STAMP)
	$(PIP) -e '.[bench]'
	$(BIN)/python -m benchmarks.accuracy

clean:
	rm -rf $(VENV) site site-pages site-zensical build .cache node_modules docs/assets/vendor .pytest_cache .mypy_cache .ruff_cache .hypothesis
