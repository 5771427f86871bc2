# Quick start: `make run` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run sim test check lint typecheck format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/gateway run --config config.yaml

sim: $(STAMP)  # simulated GL and CRM for `make run` (README: watching deliveries)
	$(BIN)/python -m examples.legacy_sim --port 8090 --unavailable 0.3 --timeout 0.05 --drop 0.05

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff format --check gateway adapters schedules tests bench
	$(BIN)/ruff check gateway adapters schedules tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

format: $(STAMP)
	$(BIN)/ruff format gateway adapters schedules tests bench
	$(BIN)/ruff check --fix gateway adapters schedules tests bench

bench: $(STAMP)
	$(BIN)/python bench/append.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
