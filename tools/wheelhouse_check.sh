#!/bin/sh
# The offline route, end to end (make wheelhouse-check): install the course from the wheelhouse
# alone into a fresh venv, as a learner does from a USB stick holding the course folder and
# wheelhouse/, then execute notebook 00 with it.
# --no-index and PIP_CONFIG_FILE=/dev/null: no index and no find-links but the wheelhouse, so a
# wheel missing from it fails here instead of being fetched quietly. `-e .` builds with the
# setuptools wheel the wheelhouse carries. (The course's own wheel alone is not enough for the
# notebooks: notebook 00's course map reads the notebooks folder beside the package.)
set -eu
PYTHON="$1"
WHEELHOUSE="$(cd "$2" && pwd)"
ROOT="$(pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/wheelhouse-check.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/home"
"$PYTHON" -m venv "$TMP/venv"
export PIP_CONFIG_FILE=/dev/null
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_CONSTRAINT 2>/dev/null || true
"$TMP/venv/bin/python" -m pip install --quiet --no-index --find-links "$WHEELHOUSE" \
  -r "$ROOT/requirements-lock.txt" -e "$ROOT"
"$TMP/venv/bin/python" -m pip check
# Nothing in the user's home: the kernel's Jupyter and IPython folders are temporary too.
HOME="$TMP/home" JUPYTER_CONFIG_DIR="$TMP/home/.jupyter" JUPYTER_DATA_DIR="$TMP/home/data" \
  JUPYTER_RUNTIME_DIR="$TMP/home/runtime" IPYTHONDIR="$TMP/home/.ipython" \
  "$TMP/venv/bin/python" -m toolkit run --quiet "$ROOT/notebooks/00_start_here.ipynb"
echo "wheelhouse-check: installed from $WHEELHOUSE alone (--no-index) and executed notebook 00"
