# Quick start: `make run` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run sim test browser check lint typecheck format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/gateway run --config config.yaml

sim: $(STAMP)  # simulated GL and CRM for `make run` (README: watching deliveries)
	$(BIN)/python -m examples.legacy_sim --port 8090 --unavailable 0.3 --timeout 0.05 --drop 0.05

# Four test processes on any machine: most cases wait on child processes, servers and timers,
# not on the CPU. Each process has its own PostgreSQL schema and RabbitMQ virtual host.
test: $(STAMP) browser
	$(BIN)/pytest -q -n 4

# The browser tests (tests/browser) drive Debian's chromium, never a browser Playwright downloads.
# As root (CI) a missing one is installed; otherwise those tests skip and say how to get it.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

lint: $(STAMP)
	$(BIN)/ruff format --check gateway adapters schedules tests bench
	$(BIN)/ruff check gateway adapters schedules tests bench
	$(BIN)/lint-imports

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
