# Two commands matter: `make up` runs the whole system with demo data, `make test` runs every test.
# Both bootstrap .venv from requirements.lock on a fresh machine (Python 3.11+ and make suffice).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: up test test-unit test-integration test-e2e bench lint docs lock clean console

# The admin console (console/): built once its sources or pinned packages change, from the
# npm registry by package-lock.json; the gateway serves console/dist under /console/.
CONSOLE := console/dist/index.html
CONSOLE_SRC := $(shell find console/src -type f 2>/dev/null) console/index.html \
	console/vite.config.js console/package.json console/package-lock.json

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -m venv --help >/dev/null 2>&1 && $(PYTHON) -c 'import ensurepip' >/dev/null 2>&1 || { \
	  echo "make: '$(PYTHON) -m venv' cannot create a virtualenv here." >&2; \
	  echo "  On Debian/Ubuntu install the venv package: sudo apt install python3-venv" >&2; \
	  echo "  or point PYTHON at another Python 3.11+: make PYTHON=/path/to/python3.11 ..." >&2; \
	  exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

$(CONSOLE): $(CONSOLE_SRC)
	@command -v npm >/dev/null 2>&1 || { \
	  echo "make: the admin console needs Node.js 20.19+ with npm (Debian: apt install nodejs npm)." >&2; \
	  exit 1; }
	cd console && npm ci --no-audit --no-fund --loglevel=error && npm run build

console: $(CONSOLE)

up: $(STAMP) $(CONSOLE)
	$(PY) -m tools.up

test: $(STAMP) $(CONSOLE)
	$(PY) -m pytest

test-unit: $(STAMP)
	$(PY) -m pytest -m unit

test-integration: $(STAMP)
	$(PY) -m pytest -m integration

test-e2e: $(STAMP)
	$(PY) -m pytest -m e2e

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared services tools

# Regenerate the committed JSON Schemas and AsyncAPI documents from the code.
docs: $(STAMP)
	$(PY) -m tools.gen_docs

# Re-resolve pinned versions after editing pyproject.toml.
lock: $(STAMP)
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --all-extras --python-version 3.11 -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 -o requirements-runtime.lock

clean:
	rm -rf $(VENV) .data .pytest_cache console/node_modules console/dist
