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

.PHONY: test lint site site-pages site-zensical test-noavx512 serve accept chromium bench clean

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

# The same docs built by Zensical (pinned in constraints.txt), from mkdocs.yml through
# mkdocs-zensical.yml (which only moves site_dir to site-zensical/ and asks for the
# classic look). What Zensical does and does not take from the MkDocs build:
# - markdown-exec and mkdocstrings (with autorefs' cross-references): Zensical runs them
#   through its own shims (markdown-exec's fences as pymdownx.superfences formatters);
#   every page and the API reference come out complete. No MkDocs hook is used.
# - overrides/partials/search.html CANNOT work with Zensical: it is Material 9.8.2's
#   search form, and Zensical's bundle drives a different search (a button opening its
#   own dialog); with the override, search stays at "Initializing search". Zensical's
#   own partial already has the aria-label the override adds, so the Zensical build uses
#   a copy of overrides/ without that one file (build/zensical-overrides/).
# - Zensical 0.1.x needs zensical-ui, which our package index does not serve; 0.0.73 is
#   the newest release installable from it, so that is the pin.
# --clean: Zensical caches rendered pages in .cache/, keyed on their Markdown, so a
# change in gradref alone would leave markdown-exec's outputs stale.
site-zensical: $(KATEX)
	rm -rf build/zensical-overrides && mkdir -p build && cp -R overrides build/zensical-overrides
	rm -f build/zensical-overrides/partials/search.html
	$(BIN)/zensical build --clean --strict -f mkdocs-zensical.yml

# The doc tests (every docstring and page snippet, through Sybil) with numpy's AVX-512
# code paths turned off: the outputs must not depend on them (GitHub's runners are
# often AVX2-only). The targets are those this CPU has, as numpy names them; none on a
# CPU without AVX-512, and then this run is the same as `make test`'s.
# `make test-noavx512 NPY_OFF=X86_V3` also turns off the AVX2/FMA3 paths.
NPY_OFF ?=
test-noavx512: $(KATEX)
	@off="$$($(BIN)/python scripts/numpy_avx512.py --extra $(NPY_OFF))"; \
	[ -n "$$off" ] || note=" (this CPU has no AVX-512 path to turn off)"; \
	echo "NPY_DISABLE_CPU_FEATURES=\"$$off\"$$note"; \
	NPY_DISABLE_CPU_FEATURES="$$off" $(BIN)/python scripts/numpy_avx512.py --check && \
	NPY_DISABLE_CPU_FEATURES="$$off" $(BIN)/pytest -q -p no:cacheprovider gradref docs

serve: $(KATEX)
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

# After a deliberate change: re-run every pycon block of docs/ and write its computed output
# over the written one where they differ (output lines only). Read `git diff docs` first.
accept: $(STAMP)
	$(BIN)/python docs/_support/checked_outputs.py accept $(PAGES)

# Debian's chromium for tests/browser (installed with apt-get when run as root).
chromium:
	bash scripts/ensure_chromium.sh

test: lint site site-pages site-zensical chromium test-noavx512
	$(BIN)/pytest

bench: $(STAMP)
	PIP_CONSTRAINT=constraints.txt $(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/accuracy.py

clean:
	rm -rf $(VENV) site site-pages site-zensical build .cache node_modules docs/assets/vendor .pytest_cache .mypy_cache .ruff_cache .hypothesis
