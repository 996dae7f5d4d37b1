"""pyproject.toml, the lock, the floors, environment.yml and the doctor tell the same story."""

import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from toolkit.doctor import LOCK_FILE, MINIMUM_PYTHON, MINIMUMS

ROOT = Path(__file__).resolve().parents[1]
FLOORS_FILE = ROOT / "constraints-min.txt"


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _floors(requirements):
    """``{name: floor}`` from ``name>=floor`` requirements (the only form we declare)."""
    floors = {}
    for text in requirements:
        req = Requirement(text)
        (spec,) = req.specifier
        assert spec.operator == ">=", f"{text}: declare a floor with >="
        floors[canonicalize_name(req.name)] = spec.version
    return floors


def _runtime():
    return _floors(_pyproject()["dependencies"])


def _dev():
    extras = _pyproject()["optional-dependencies"]
    return {**_floors(extras["lab"]), **_floors(extras["dev"])}


def _pins(path):
    """Requirements of a pip requirements/constraints file, comments dropped."""
    lines = (line.split(" #")[0].strip() for line in path.read_text().splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith("#")]


def _locked():
    """``{name: version}`` of the lock for this Python (environment markers evaluated)."""
    locked = {}
    for req in _pins(LOCK_FILE):
        if req.marker is None or req.marker.evaluate():
            (spec,) = req.specifier
            assert spec.operator == "==", f"{req}: the lock pins exact versions"
            locked[canonicalize_name(req.name)] = spec.version
    return locked


def _conda():
    conda, pip = {}, {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        item = re.match(r"^(\s*)- (.+)$", line)
        if not item or item.group(2) in ("pip", "pip:"):
            continue
        target = pip if len(item.group(1)) > 2 else conda
        name, spec = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", item.group(2)).groups()
        target[canonicalize_name(name) if name != "-e" else name] = spec
    return conda, pip


def test_python_minimum_agrees():
    minimum = ".".join(map(str, MINIMUM_PYTHON))
    assert _pyproject()["requires-python"] == f">={minimum}"
    conda, _ = _conda()
    assert conda["python"].startswith(f">={minimum},")


def test_doctor_minimums_match_pyproject():
    required = {dist: minimum for dist, (_, minimum, req) in MINIMUMS.items() if req}
    optional = {dist: minimum for dist, (_, minimum, req) in MINIMUMS.items() if not req}
    assert required == _runtime()
    assert optional == _floors(_pyproject()["optional-dependencies"]["lab"])


def test_deployment_dependencies_are_runtime_dependencies():
    assert {"fastapi", "uvicorn", "httpx"} <= set(_runtime())


def test_lock_pins_every_declared_dependency_at_or_above_its_floor():
    locked = _locked()
    for name, floor in {**_runtime(), **_dev()}.items():
        assert name in locked, f"{name} is in pyproject.toml but not in requirements-lock.txt"
        assert Version(locked[name]) >= Version(floor), f"{name}: lock {locked[name]} < floor {floor}"


def test_lock_has_one_pin_per_package_for_every_supported_python():
    for python in ("3.11.0", "3.11.7", "3.12.1", "3.13.0"):
        env = {"python_version": python.rsplit(".", 1)[0], "python_full_version": python}
        names = [canonicalize_name(r.name) for r in _pins(LOCK_FILE)
                 if r.marker is None or r.marker.evaluate(env)]
        assert len(names) == len(set(names)) > 100, python


def test_floors_file_pins_exactly_the_declared_floors():
    pinned = {}
    for req in _pins(FLOORS_FILE):
        (spec,) = req.specifier
        assert spec.operator == "==", f"{req}: constraints-min.txt pins exact floors"
        pinned[canonicalize_name(req.name)] = spec.version
    declared = {**_runtime(), **_dev()}
    assert set(_runtime()) <= set(pinned), "every runtime dependency is tested at its floor"
    for name, version in pinned.items():
        assert declared.get(name) == version, \
            f"{name}: constraints-min {version}, pyproject {declared.get(name)}"


def test_environment_yml_pins_the_locked_version_of_every_direct_dependency():
    locked = _locked()
    conda, pip = _conda()
    both = {**conda, **pip}
    for name in {**_runtime(), **_dev()}:
        assert name in both, f"{name} is in pyproject.toml but not in environment.yml"
        assert both[name] == f"=={locked[name]}", \
            f"{name}: environment.yml {both[name]}, lock =={locked[name]}"
    assert "-e" in pip, "environment.yml must pip install -e ."


def test_design_packages_are_in_the_conda_environment():
    conda, _ = _conda()
    for name in ["jupyterlab", "ipywidgets", "pandas", "scikit-learn", "matplotlib", "seaborn",
                 "nbval"]:
        assert name in conda


@pytest.mark.skipif(not (Path(sys.prefix) / ".installed-dev").exists(),
                    reason="not the locked .venv (make test-min / test-latest use other versions)")
def test_the_locked_venv_runs_exactly_the_locked_versions():
    differ = {}
    for name, version in _locked().items():
        try:
            running = metadata.version(name)
        except metadata.PackageNotFoundError:
            running = None
        if running != version:
            differ[name] = (running, version)
    assert not differ, f"(running, locked): {differ}; delete {sys.prefix} and run make test"


def _make(*args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), *args],
                          capture_output=True, text=True, timeout=60, env=env)


def test_a_changed_lock_reinstalls_the_venv(tmp_path):
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".installed-dev").touch()
    target = [f"{venv}/.installed-dev", f"VENV={venv}"]
    assert "is up to date" in _make("-n", *target).stdout
    plan = _make("-n", "-W", "requirements-lock.txt", *target).stdout
    assert f'{venv}/bin/python -m pip install --quiet -r requirements-lock.txt -e ".[dev]"' in plan
