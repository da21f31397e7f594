# evaltool — every target installs what it needs into .venv first.
#   make demo    full analysis of the bundled (synthetic) example study
#   make test    the whole test suite, notebooks included (what CI runs)
#   make bench   speed figures beside named baselines measured in the same run
#   make lab     JupyterLab on analyses/ from the project's environment (kernel "evaltool")
#   make kernel  register the "evaltool" kernel for your user, so any Jupyter on this machine sees it

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test bench lint clean venv lab kernel

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

test: $(STAMP)
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
