# refdesk: `make run` installs and launches the app; `make test` installs and runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ADDONS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))
STAMP  := $(VENV)/.installed

.PHONY: run test install lint typecheck pytest bench soak screenshots install-desktop clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(BIN)/python -m pip install -q -e '.[dev]' $(foreach a,$(ADDONS),-e ./$(a))
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@tools/system-deps.sh run
	$(BIN)/refdesk gui

lint: $(STAMP)
	$(BIN)/ruff check $(wildcard desktop tests plugins benchmarks tools)

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	REFDESK_SHARED_DIR="$$($(BIN)/python tests/shared.py)" QT_QPA_PLATFORM=offscreen tools/with-keyring.sh $(BIN)/python -m pytest -q $(PYTEST_ARGS)

test: $(STAMP)
	@tools/system-deps.sh test
	$(MAKE) --no-print-directory lint typecheck pytest

bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The concurrency and crash test as a soak: rounds until REFDESK_SOAK_SECONDS (default 600) have passed, then its figures.
soak: $(STAMP)
	REFDESK_SOAK_SECONDS=$${REFDESK_SOAK_SECONDS:-600} REFDESK_SHARED_DIR="$$($(BIN)/python tests/shared.py)" \
		tools/with-keyring.sh $(BIN)/python -m pytest -q -s tests/test_concurrency_soak.py

screenshots: $(STAMP)
	@tools/system-deps.sh test
	xvfb-run -a -s "-screen 0 1400x900x24" $(BIN)/python tools/screenshots.py

install-desktop: $(STAMP)
	install -D -m 644 resources/refdesk.desktop $(HOME)/.local/share/applications/refdesk.desktop
	install -D -m 644 resources/icons/refdesk.svg $(HOME)/.local/share/icons/hicolor/scalable/apps/refdesk.svg
	sed -i "s|^Exec=.*|Exec=$(abspath $(BIN))/refdesk gui %U|" $(HOME)/.local/share/applications/refdesk.desktop

clean:
	rm -rf $(VENV) build *.egg-info desktop/*.egg-info
