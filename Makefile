# Every target bootstraps .venv when it is missing or older than pyproject.toml, so on a fresh
# machine with Python >= 3.10 and make, `make lab` and `make test` are all you need.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
LAB_ARGS  ?=

.PHONY: help lab test execute learner lint bench doctor clean

help:
	@echo "make lab      open the course in JupyterLab (installs everything on first run)"
	@echo "make test     unit tests + every notebook under strict nbval"
	@echo "make execute  re-run every notebook in place so stored outputs are current"
	@echo "make learner  write learner/ (solutions removed) for a workshop"
	@echo "make lint     ruff"
	@echo "make bench    speed comparisons in benchmarks/"
	@echo "make doctor   check this setup"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is needed; got " + sys.version.split()[0])'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir="$(CURDIR)" $(LAB_ARGS) notebooks/00_start_here.ipynb

test: $(STAMP)
	$(PY) -m pytest

execute: $(STAMP)
	$(PY) -m toolkit run --in-place $(NB)

learner: $(STAMP)
	$(PY) -m toolkit learner

lint: $(STAMP)
	$(VENV)/bin/ruff check .

doctor: $(STAMP)
	$(PY) -m toolkit doctor

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) artifacts learner build *.egg-info
