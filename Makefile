# The two commands of README.md: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO   := build/demo

.PHONY: demo test lint typecheck unit browser-deps golden bench clean help

help:
	@echo "make demo   build the demo briefing from bundled offline feeds into $(DEMO)/site"
	@echo "make test   lint, type-check and run the whole test suite"
	@echo "make bench  run the benchmarks in bench/ (not part of make test)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@# The distribution was called "briefing" before 0.1.0 was released as mkdocs-briefing.
	@$(BIN)/python -m pip uninstall --quiet --yes briefing >/dev/null 2>&1 || true
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# The demo never touches this repository's own content/: it runs in a copy of examples/demo.
demo: $(STAMP)
	@rm -rf $(DEMO) && mkdir -p build && cp -R examples/demo $(DEMO)
	cd $(DEMO) && ../../$(BIN)/briefing ingest
	cd $(DEMO) && ../../$(BIN)/briefing read
	cd $(DEMO) && ../../$(BIN)/briefing analyze
	cd $(DEMO) && ../../$(BIN)/briefing build
	@echo "Demo site built in $(DEMO)/site/ — preview it with: cd $(DEMO) && ../../$(BIN)/briefing serve  (then open http://127.0.0.1:8000/)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Debian's chromium for the browser tests (never a Playwright browser download).
browser-deps:
	@sh scripts/ensure-chromium.sh

test: $(STAMP) browser-deps lint typecheck
	$(BIN)/python -m pytest

# Regenerate the golden pages and site digests in tests/golden/ after an intended change to
# the output (review the diff and say why in the commit).
golden: $(STAMP)
	BRIEFING_UPDATE_GOLDEN=1 $(BIN)/python -m pytest tests/test_golden.py tests/test_site_digest.py -q

# Debian's hugo for the Hugo anchor (skipped with a note where it cannot be installed).
bench: $(STAMP)
	@sh scripts/ensure-hugo.sh
	$(BIN)/python -m bench

clean:
	rm -rf build site .cache .pytest_cache .mypy_cache .ruff_cache test-artifacts bench/out
