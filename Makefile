# Two commands: `make run` sets everything up and starts the coach; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: setup run test lint typecheck pytest bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# PyTorch first, pinned: the CPU build (an unpinned torch pulls gigabytes of CUDA packages).
	$(BIN)/pip install --disable-pip-version-check -q torch==2.13.0
	$(BIN)/pip install --disable-pip-version-check -q -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $(STAMP)

# The plan engine's hot modules compiled with mypyc, rebuilt whenever an engine source
# changes (if compiling fails the engine runs as pure Python, with the same output).
ENGINE_SOURCES := $(shell find coach/engine -name '*.py') tools/build_engine.py
NATIVE := $(VENV)/.engine-native

$(NATIVE): $(STAMP) $(ENGINE_SOURCES)
	$(BIN)/python tools/build_engine.py
	touch $(NATIVE)

setup: $(STAMP) $(NATIVE)

run: setup
	$(BIN)/coach chat

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: setup
	$(BIN)/python bench/run_all.py

clean:
	$(PYTHON) tools/build_engine.py --clean
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
