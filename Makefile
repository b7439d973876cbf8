# Two commands: `make run` and `make test`. Everything else is installed by this file.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run console test test-fast test-pg lint format bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/cnsbot run

console: $(STAMP)
	$(BIN)/cnsbot console

test: $(STAMP)
	$(BIN)/pytest

# The developer's loop: everything but the slow tests (processes, servers, a browser, a
# province's full size), fewer property examples, on every core (tests/conftest.py
# adds pytest-xdist's -n auto), keeping compiled files between runs even where the environment
# says not to write them (recompiling and rewriting every test module costs ~5 s a process).
test-fast: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -m "not slow"

# The same suite on a real PostgreSQL server (installed and started by .ci/postgres.sh).
test-pg: $(STAMP)
	CNSBOT_TEST_POSTGRES="$$(bash .ci/postgres.sh)" $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	CNSBOT_BENCH_POSTGRES="$$(bash .ci/postgres.sh)" $(BIN)/python -m bench.run

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
