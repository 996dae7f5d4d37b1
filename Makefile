# Every target bootstraps its virtual environment when it is missing or older than
# pyproject.toml or the lock, so on a fresh machine with Python 3.11-3.13 and make,
# `make lab` and `make test` are all you need.
#
# Two promises (docs/maintainers.md, "Versions"):
# - .venv installs requirements-lock.txt, the exact tested releases: stored outputs reproduce.
# - pyproject.toml's floors are true: `make test-min` runs everything at the floors
#   (constraints-min.txt) and `make test-latest` at the newest releases, both with lax nbval.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev
LOCK   := requirements-lock.txt
FLOORS := constraints-min.txt
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
LAB_ARGS  ?=

# test-min runs at the oldest supported Python, test-latest at the newest one found.
MIN_PYTHON    ?= $(PYTHON)
LATEST_PYTHON ?= $(PYTHON)
# test-pythons: one locked venv per Python found here (pyenv's, or set PYENV_ROOT).
PYENV_ROOT ?= $(HOME)/.pyenv
PYTHON_VERSIONS ?= 3.11 3.12 3.13
TOO_OLD_PYTHON ?= 3.10

# Lax runs: outputs may print differently at other versions, nothing may fail. The browser
# tests drive `make lab`, i.e. the locked .venv, so they belong to `make test` only.
LAX_ARGS := --nbval-lax --ignore=tests/test_browser.py

# Stop at once, before any venv is made, when a Python is missing or too old.
define check_python
@command -v $(1) >/dev/null 2>&1 || { echo "make: no Python found at '$(1)'. Install Python 3.11, 3.12 or 3.13 (https://www.python.org/downloads/ or 'pyenv install 3.12'), or use conda: 'conda env create -f environment.yml' brings its own Python."; exit 1; }
@$(1) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else "\nThis course needs Python 3.11, 3.12 or 3.13; $(1) is Python %d.%d.%d.\nInstall one (https://www.python.org/downloads/ or `pyenv install 3.12`) and run e.g. `make test PYTHON=python3.12`,\nor use conda, which brings its own Python: `conda env create -f environment.yml`.\n" % v[:3])'
endef

.PHONY: help footprint guides hub-rehearsal wheelhouse wheelhouse-check lab test test-cpus test-min test-latest test-pythons lock execute learner lint bench bench-anchors doctor clean

help:
	@echo "make lab           open the course in JupyterLab (installs everything on first run)"
	@echo "make test          unit tests + every notebook under strict nbval (locked versions)"
	@echo "make test-cpus     every notebook under strict nbval with each OpenBLAS kernel (CPU)"
	@echo "make test-min      the same at the declared floors (constraints-min.txt), lax nbval"
	@echo "make test-latest   the same at the newest releases (no lock), lax nbval"
	@echo "make test-pythons  make test under every Python 3.11-3.13 found; 3.10 must be refused"
	@echo "make lock          re-resolve requirements-lock.txt from the newest releases"
	@echo "make execute       re-run every notebook in place so stored outputs are current"
	@echo "make learner       write or refresh learner/ (solutions removed) for a workshop"
	@echo "make footprint     execute the course, write docs/footprint.md (time, memory, CPU)"
	@echo "make hub-rehearsal a real JupyterHub on 127.0.0.1 with LEARNERS=3 simulated learners"
	@echo "make guides        regenerate the agendas and the runbook's sizing from docs/footprint.md"
	@echo "make wheelhouse    every locked wheel and the course's own in wheelhouse/ (offline install)"
	@echo "make wheelhouse-check  build it, install from it with --no-index, run notebook 00 there"
	@echo "make lint          ruff"
	@echo "make bench         speed comparisons in benchmarks/"
	@echo "make bench-anchors drift against evidently and NannyML, in their own .venv-anchors"
	@echo "make doctor        check this setup"

$(STAMP): pyproject.toml $(LOCK)
	$(call check_python,$(PYTHON))
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r $(LOCK) -e ".[dev]"
	$(PY) -m pip check
	touch $(STAMP)

# JupyterLab settings the course ships, as defaults in the venv (a learner's own settings still
# win): no first-run "get notified about official Jupyter news?" pop-up, and no request to a
# website for news or updates, since workshops run offline (tests/test_browser.py checks it).
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.d/ml-lifecycle-course.json
$(LAB_OVERRIDES): Makefile $(STAMP)
	mkdir -p $(@D)
	echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' > $@

lab: $(STAMP) $(LAB_OVERRIDES)
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir="$(CURDIR)" $(LAB_ARGS) notebooks/00_start_here.ipynb

test: $(STAMP)
	$(PY) -m pytest

# OpenBLAS picks its kernel by CPU at run time, and another kernel sums in another order: the
# stored outputs must reproduce on every learner's CPU. Force each kernel in turn
# (docs/maintainers.md, "Same versions, another CPU"); Zen uses Haswell's kernels.
OPENBLAS_KERNELS ?= Prescott Haswell SkylakeX Zen
# `make test-cpus NB=notebooks/05_modeling.ipynb` checks one notebook.
test-cpus: $(STAMP)
	@failed=""; for k in $(OPENBLAS_KERNELS); do \
	  echo "== OPENBLAS_CORETYPE=$$k"; \
	  OPENBLAS_CORETYPE=$$k $(PY) -m pytest -q $(or $(NB),notebooks) || failed="$$failed $$k"; \
	done; \
	if [ -n "$$failed" ]; then echo "FAIL: stored outputs differ under the OpenBLAS kernel(s):$$failed"; exit 1; fi; \
	echo "== the stored outputs reproduce under every kernel: $(OPENBLAS_KERNELS)"

# --- the supported range ------------------------------------------------------------------
.venv-min/.installed-min: pyproject.toml $(FLOORS)
	$(call check_python,$(MIN_PYTHON))
	test -x .venv-min/bin/python || $(MIN_PYTHON) -m venv .venv-min
	.venv-min/bin/python -m pip install --quiet --upgrade pip
	.venv-min/bin/python -m pip install --quiet -c $(FLOORS) -e ".[dev]"
	touch $@

test-min: .venv-min/.installed-min
	.venv-min/bin/python -m pytest $(LAX_ARGS)

# Always re-resolved: "latest" means the newest releases today, not when the venv was made.
test-latest:
	$(call check_python,$(LATEST_PYTHON))
	test -x .venv-latest/bin/python || $(LATEST_PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade pip
	.venv-latest/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e ".[dev]"
	.venv-latest/bin/python -m pytest $(LAX_ARGS)

# The locked suite (strict nbval) under each Python, each in its own .venv-X.Y; a Python that
# is not installed is skipped with the reason, and the one below the floor must be refused.
test-pythons:
	@for v in $(PYTHON_VERSIONS); do \
	  py=$$(ls -d $(PYENV_ROOT)/versions/$$v.*/bin/python3 2>/dev/null | sort -V | tail -n 1); \
	  if [ -z "$$py" ]; then echo "== Python $$v: SKIPPED, not found under $(PYENV_ROOT)/versions/"; continue; fi; \
	  echo "== Python $$v: $$py"; \
	  $(MAKE) --no-print-directory test PYTHON=$$py VENV=.venv-$$v || exit 1; \
	done
	@py=$$(ls -d $(PYENV_ROOT)/versions/$(TOO_OLD_PYTHON).*/bin/python3 2>/dev/null | sort -V | tail -n 1); \
	if [ -z "$$py" ]; then echo "== Python $(TOO_OLD_PYTHON): SKIPPED, not found under $(PYENV_ROOT)/versions/"; exit 0; fi; \
	echo "== Python $(TOO_OLD_PYTHON): $$py must be refused"; \
	if out=$$($(MAKE) --no-print-directory test PYTHON=$$py VENV=.venv-$(TOO_OLD_PYTHON) 2>&1); then \
	  echo "FAIL: make test accepted Python $(TOO_OLD_PYTHON)"; exit 1; fi; \
	echo "$$out" | grep -q "needs Python 3.11" || { echo "FAIL: unclear refusal:"; echo "$$out"; exit 1; }; \
	test ! -e .venv-$(TOO_OLD_PYTHON) || { echo "FAIL: a venv was made for $(TOO_OLD_PYTHON)"; exit 1; }; \
	echo "$$out"; echo "== Python $(TOO_OLD_PYTHON): refused, as it should be"

# A fresh resolution of ".[dev]" at the newest releases, frozen. Review the diff, keep the
# environment markers written by hand (see the file), then run make test-pythons.
lock:
	$(call check_python,$(PYTHON))
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e ".[dev]"
	.venv-lock/bin/python -m pip freeze --exclude-editable > .venv-lock/freeze.txt
	@echo "Wrote .venv-lock/freeze.txt: merge it into $(LOCK) (keep the header and the markers)."

execute: $(STAMP)
	$(PY) -m toolkit run --in-place $(NB)

learner: $(STAMP)
	$(PY) -m toolkit learner

footprint: $(STAMP)
	$(PY) -m toolkit run --footprint docs/footprint.md
	$(MAKE) --no-print-directory guides

lint: $(STAMP)
	$(VENV)/bin/ruff check .

doctor: $(STAMP)
	$(PY) -m toolkit doctor

bench: $(STAMP)
	$(PY) -m pip install --quiet -c $(LOCK) -e ".[dev,bench]"
	$(PY) benchmarks/run_all.py

# evidently and NannyML need pandas < 3: they get their own .venv-anchors, never a dependency.
bench-anchors:
	sh benchmarks/anchors/setup.sh
	.venv-anchors/bin/python benchmarks/anchors/bench_anchors.py --rows 1000000

clean:
	rm -rf .venv .venv-min .venv-latest .venv-lock .venv-3.* artifacts learner build *.egg-info

# --- the workshop kit (docs/workshop-runbook.md) -------------------------------------------
# A real JupyterHub on 127.0.0.1 with simulated learners. .venv-hub holds the course (its lock)
# plus the hub extra (requirements-hub-lock.txt); the proxy comes from npm, locked by
# tools/hub/package-lock.json, into .hub/node. `make hub-rehearsal LEARNERS=8 NOTEBOOKS=all
# FOOTPRINT=docs/footprint.md` is the sizing run (on a quiet machine).
HUB_VENV  := .venv-hub
HUB_STAMP := $(HUB_VENV)/.installed-hub
HUB_LOCK  := requirements-hub-lock.txt
CHP       := .hub/node/node_modules/.bin/configurable-http-proxy
LEARNERS  ?= 3
NOTEBOOKS ?= 00,07
STAGGER   ?= 10
FOOTPRINT ?=

$(HUB_STAMP): pyproject.toml $(LOCK) $(HUB_LOCK)
	$(call check_python,$(PYTHON))
	test -x $(HUB_VENV)/bin/python || $(PYTHON) -m venv $(HUB_VENV)
	$(HUB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(HUB_VENV)/bin/python -m pip install --quiet -r $(LOCK) -r $(HUB_LOCK) -e ".[hub]"
	$(HUB_VENV)/bin/python -m pip check
	touch $@

$(CHP): tools/hub/package.json tools/hub/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make: npm not found; install Node.js 20 or newer (it brings npm)."; exit 1; }
	mkdir -p .hub/node
	cp tools/hub/package.json tools/hub/package-lock.json .hub/node/
	npm ci --prefix .hub/node --no-audit --no-fund --loglevel=error
	touch $@

hub-rehearsal: $(HUB_STAMP) $(CHP)
	$(HUB_VENV)/bin/python -m tools.hub.rehearsal --learners $(LEARNERS) --notebooks $(NOTEBOOKS) \
	  --stagger $(STAGGER) $(if $(FOOTPRINT),--footprint $(FOOTPRINT),)
	$(if $(FOOTPRINT),$(MAKE) --no-print-directory guides,)

# The instructor guide's agendas (from the notebooks' headers) and the runbook's sizing (from
# docs/footprint.md): run after make footprint or a rehearsal with FOOTPRINT=docs/footprint.md.
guides: $(STAMP)
	$(PY) -m tools.agenda --write
	$(PY) -m tools.hub.sizing --write

# The offline fallback: every locked wheel for this Python and platform, the build backend (so
# `pip install -e .` works offline too) and the course's own wheel, e.g. on a USB stick.
# Only binary wheels: a learner's laptop must not need a compiler.
WHEELHOUSE ?= wheelhouse
SETUPTOOLS_PIN := setuptools==80.9.0
wheelhouse:
	$(call check_python,$(PYTHON))
	rm -rf $(WHEELHOUSE) && mkdir -p $(WHEELHOUSE)
	$(PYTHON) -m pip download --quiet --only-binary=:all: -r $(LOCK) $(SETUPTOOLS_PIN) -d $(WHEELHOUSE)
	$(PYTHON) -m pip wheel --quiet --no-deps -w $(WHEELHOUSE) .
	@echo "$(WHEELHOUSE)/: $$(ls $(WHEELHOUSE) | wc -l) wheels, $$(du -sh $(WHEELHOUSE) | cut -f1)"

# The route a learner without network takes, checked end to end: build the wheelhouse, install
# from it alone (--no-index, no pip configuration) into a fresh venv, run notebook 00 there.
wheelhouse-check: wheelhouse
	sh tools/wheelhouse_check.sh "$(PYTHON)" "$(WHEELHOUSE)"
