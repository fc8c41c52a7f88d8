# finseg — the two commands a newcomer runs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Re-install whenever pyproject.toml changes.
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test test-all bench lint format install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,dev,spark]"
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## demo: create .venv, install, run the main job on the embedded SQLite default, print the report path
demo: $(STAMP)
	$(BIN)/finseg demo --workspace demo-workspace

## test: install the test extras and system test tools where possible, run the suite; the
## Spark engine's tests run in their own invocation (one SparkSession, started once)
test: $(STAMP)
	-@bash scripts/test-deps.sh
	$(BIN)/python -m pytest -m "not spark"
	$(BIN)/python -m pytest -m spark

## test-all: also the slow tests (real-data validation, large files)
test-all: $(STAMP)
	-@bash scripts/test-deps.sh
	FINSEG_SLOW=1 $(BIN)/python -m pytest -m "not spark"
	FINSEG_SLOW=1 $(BIN)/python -m pytest -m spark

## bench: speed and memory benchmarks; results go to docs/benchmarks.md
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --write docs/benchmarks.md

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) demo-workspace .pytest_cache .ruff_cache
