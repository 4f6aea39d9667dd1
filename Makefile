# Set-up, run and test. Every target creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test lint screenshots system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Debian libraries Qt needs at run time (a no-op where they are present).
system-deps:
	bash tools/install-system-deps.sh

run: system-deps $(STAMP)
	$(BIN)/workup

demo: $(STAMP)
	$(BIN)/python tools/demo.py

# Screenshots of every window and dialog, at 100 % and 150 % scale, into out/screenshots/.
screenshots: system-deps $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots.py out/screenshots/1.0
	QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=1.5 $(BIN)/python tools/screenshots.py out/screenshots/1.5

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: system-deps $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache
