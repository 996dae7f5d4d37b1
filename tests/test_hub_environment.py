"""The rehearsal's environment: pyproject's hub extra, requirements-hub-lock.txt and the course
lock tell one story, and the proxy's npm pin agrees with its lock file."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
HUB_LOCK = ROOT / "requirements-hub-lock.txt"
COURSE_LOCK = ROOT / "requirements-lock.txt"
HUB_VENV = ROOT / ".venv-hub"
SUPPORTED = ("3.11.0", "3.11.7", "3.12.1", "3.13.0")


def _pins(path, python="3.11.7"):
    env = {"python_version": python.rsplit(".", 1)[0], "python_full_version": python}
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(env):
            (spec,) = req.specifier
            assert spec.operator == "==", f"{path.name}: {req} must pin an exact version"
            name = canonicalize_name(req.name)
            assert name not in pins, f"{path.name}: {name} pinned twice for Python {python}"
            pins[name] = spec.version
    return pins


def _hub_extra():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    return [Requirement(text) for text in extras["hub"]]


def test_the_hub_extra_is_locked_at_or_above_its_floors():
    locked = _pins(HUB_LOCK)
    for req in _hub_extra():
        (spec,) = req.specifier
        assert spec.operator == ">=", f"{req}: declare a floor with >="
        name = canonicalize_name(req.name)
        assert name in locked, f"{name} is in the hub extra but not in {HUB_LOCK.name}"
        assert Version(locked[name]) >= Version(spec.version)


@pytest.mark.parametrize("python", SUPPORTED)
def test_the_hub_lock_only_adds_to_the_course_lock(python):
    """One pin per package across both files: the hub never moves a course package."""
    hub, course = _pins(HUB_LOCK, python), _pins(COURSE_LOCK, python)
    assert set(hub) & set(course) == set(), "pinned in both locks"
    assert {"jupyterhub", "nbgitpuller"} <= set(hub)


@pytest.mark.skipif(not (HUB_VENV / ".installed-hub").exists(), reason="no .venv-hub (make hub-rehearsal)")
def test_the_hub_venv_runs_exactly_the_two_locks():
    frozen = subprocess.run([str(HUB_VENV / "bin" / "python"), "-m", "pip", "freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout
    running = {canonicalize_name(r.name): str(next(iter(r.specifier)).version)
               for r in map(Requirement, frozen.split())}
    python = ".".join(map(str, sys.version_info[:3]))
    expected = {**_pins(COURSE_LOCK, python), **_pins(HUB_LOCK, python)}
    assert running == expected, "delete .venv-hub and run make hub-rehearsal again"


def test_the_proxy_is_pinned_exactly_and_its_lock_agrees():
    wanted = json.loads((ROOT / "tools/hub/package.json").read_text())["dependencies"]
    lock = json.loads((ROOT / "tools/hub/package-lock.json").read_text())
    assert lock["packages"][""]["dependencies"] == wanted
    for name, version in wanted.items():
        assert version[0].isdigit(), f"{name}: pin an exact version, not {version!r}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert not any("resolved" in entry for entry in lock["packages"].values()), \
        "the lock must not name a registry host"
