# The few commands a person needs. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
VENV := .venv
PYTHON ?= python3
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)

.PHONY: install run test lint format bench bench-scale clean

install: $(VENV)/.installed

.tools/bin/uv:
	@echo "uv not found: installing it into .tools/"
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')"
	@touch $@

run: install
	$(VENV)/bin/grannar serve

test: install
	bash scripts/test.sh

bench: install
	$(VENV)/bin/python bench/registration_burst.py
	$(VENV)/bin/python bench/import_scale.py

# Loads the national demo (about 1 000 000 attendance rows) on first use, about a minute per database.
bench-scale: install
	$(VENV)/bin/python bench/dashboard_scale.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf var/test*.sqlite3* .pytest_cache .ruff_cache
