# evaltool — every target installs what it needs into .venv first.
#   make demo    full analysis of the bundled (synthetic) example study
#   make test    the whole test suite, notebooks included (what CI runs); needs a Chromium
#                for the layout tests, installed by 'make browser' when missing (Debian/Ubuntu)
#   make bench   speed figures beside named baselines measured in the same run
#   make lab     JupyterLab on analyses/ from the project's environment (kernel "evaltool")
#   make kernel  register the "evaltool" kernel for your user, so any Jupyter on this machine sees it

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test bench lint clean venv lab kernel browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 >/dev/null
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/evaltool demo

# The layout tests render every report in a real browser engine. Quick when one is there;
# otherwise installs Debian's chromium (as root or with sudo), or says what to install.
BROWSER_FOUND = command -v chromium || command -v chromium-browser || command -v google-chrome || test -n "$$EVALTOOL_CHROMIUM"
browser:
	@{ $(BROWSER_FOUND); } >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo apt-get install -y -qq chromium; \
	  else echo "The layout tests need Chromium: install it (Debian/Ubuntu: apt-get install chromium) or set EVALTOOL_CHROMIUM to a Chrome/Chromium binary."; exit 1; fi; }

test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 --dist loadgroup

kernel: $(STAMP)
	$(BIN)/python -m ipykernel install --user --name evaltool --display-name "Python (evaltool)"

lab: kernel
	$(BIN)/jupyter lab --notebook-dir=analyses

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check evaltool tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis
