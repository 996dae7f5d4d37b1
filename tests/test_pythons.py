"""A Python below the floor is refused at once, with what to install; `make test-pythons` skips
the Pythons it cannot find and says so. (The target itself, run by `.ci/run`, runs the locked
suite under each Python 3.11-3.13 found.)"""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYENV_ROOT = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
OLD_PYTHONS = sorted(PYENV_ROOT.glob("versions/3.10.*/bin/python3"))
needs_310 = pytest.mark.skipif(not OLD_PYTHONS, reason=f"no Python 3.10 under {PYENV_ROOT}/versions")


def _make(*args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), *args],
                          capture_output=True, text=True, timeout=60, env=env)


@needs_310
@pytest.mark.parametrize("target", ["test", "lab", "test-latest"])
def test_python_310_is_refused_before_any_venv_is_made(tmp_path, target):
    old = OLD_PYTHONS[-1]
    venv = tmp_path / "venv"
    result = _make(target, f"PYTHON={old}", f"MIN_PYTHON={old}", f"LATEST_PYTHON={old}",
                   f"VENV={venv}")
    assert result.returncode != 0
    assert f"This course needs Python 3.11, 3.12 or 3.13; {old} is Python 3.10." in result.stdout \
        + result.stderr
    assert "conda env create -f environment.yml" in result.stderr
    assert not venv.exists()


def test_a_missing_python_is_named_with_what_to_install(tmp_path):
    result = _make("test", "PYTHON=no-such-python3", f"VENV={tmp_path / 'venv'}")
    assert result.returncode != 0
    assert "no Python found at 'no-such-python3'. Install Python 3.11, 3.12 or 3.13" in result.stdout
    assert not (tmp_path / "venv").exists()


def test_test_pythons_skips_an_absent_python_and_says_why(tmp_path):
    result = _make("test-pythons", "PYTHON_VERSIONS=3.99", f"PYENV_ROOT={tmp_path}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"== Python 3.99: SKIPPED, not found under {tmp_path}/versions/" in result.stdout
    assert f"== Python 3.10: SKIPPED, not found under {tmp_path}/versions/" in result.stdout


@needs_310
def test_test_pythons_checks_that_310_is_refused():
    result = _make("test-pythons", "PYTHON_VERSIONS=3.99", f"PYENV_ROOT={PYENV_ROOT}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "== Python 3.10: refused, as it should be" in result.stdout
