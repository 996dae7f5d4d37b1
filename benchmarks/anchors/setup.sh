#!/bin/sh
# Build the anchors' own environment: evidently and NannyML need pandas < 3, so they never
# enter the project's environment. The project itself is installed with --no-deps on top.
# Usage (from the repository root): sh benchmarks/anchors/setup.sh && .venv-anchors/bin/python benchmarks/anchors/bench_anchors.py
set -eu
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv-anchors}
test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "pandas<3" "evidently==0.7.23" "nannyml==0.13.1" scipy scikit-learn matplotlib
"$VENV/bin/python" -m pip install --quiet --no-deps -e .
touch "$VENV/.installed"
