# Set-up, run and test. Every target creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test lint screenshots system-deps bytecode bench bench-scan bench-server bundle deb package-test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

PACKAGE_STAMP := $(VENV)/.installed-package
$(PACKAGE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,package]'
	touch $(PACKAGE_STAMP)

# Debian libraries Qt needs at run time (a no-op where they are present).
system-deps:
	bash tools/install-system-deps.sh

# The application's modules compiled ahead, as an installed package has them (the source
# tree is installed in editable mode, and PYTHONDONTWRITEBYTECODE would otherwise make
# every start compile them again). Only changed files are compiled.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q app benchmarks

run: system-deps $(STAMP) bytecode
	$(BIN)/workup

demo: $(STAMP)
	$(BIN)/python tools/demo.py

# Screenshots of every window and dialog, at 100 % and 150 % scale and in Russian,
# into out/screenshots/.
screenshots: system-deps $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots.py out/screenshots/1.0
	QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=1.5 $(BIN)/python tools/screenshots.py out/screenshots/1.5
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots.py out/screenshots/ru-1.0 ru
	QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=1.5 $(BIN)/python tools/screenshots.py out/screenshots/ru-1.5 ru

# Interface translations: refresh the .ts sources from the code, then compile the .qm files
# shipped with the package (tests/gui/test_translations.py checks both are in step).
TRANSLATED_SOURCES = app/main.py $(sort $(wildcard app/gui/*.py))
translations: $(STAMP)
	$(BIN)/pyside6-lupdate -silent -no-obsolete -locations none -sort-messages \
		$(TRANSLATED_SOURCES) -ts resources/translations/workup_ru.ts
	$(BIN)/pyside6-lrelease -silent resources/translations/workup_ru.ts \
		-qm resources/translations/workup_ru.qm

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: system-deps $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

# Performance figures on a generated 20,000-patient, 100,000-encounter database (kept in
# out/bench/ and reused); prints one table.
bench: system-deps $(STAMP) bytecode bundle
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.run_all

# Reading scanned sheets alone: synthetic scans at 150, 200 and 300 dpi (also in `make bench`).
bench-scan: system-deps $(STAMP)
	$(BIN)/python -m benchmarks.bench_scan

# The self-contained application (PyInstaller, one folder, no Python needed): dist/workup/.
bundle: system-deps $(PACKAGE_STAMP)
	rm -rf dist/workup
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/workup.spec

# The Debian package of that folder, with its desktop entry, icons and AppStream data: dist/*.deb.
deb: bundle
	bash packaging/build-deb.sh $(BIN)/python dist

# The package installed into a scratch root and run from an empty environment (CI runs it).
package-test: deb
	$(BIN)/python -m pytest -p no:cacheprovider packaging/tests

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache

# The same figures on a private PostgreSQL server loaded with the same data (the load is
# timed), then the key figures with 1 ms and 5 ms added to every round trip, then 8
# workstations saving at once for 30 s, checked against the audit trail.
bench-server: system-deps $(STAMP) bytecode
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.run_all --server --latency 1 5 --load 30
