"""environment.yml, pyproject.toml and the doctor's minimums tell the same story."""

import re
import sys
from pathlib import Path

from toolkit.doctor import MINIMUM_PYTHON, MINIMUMS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _requirement(text):
    name, _, version = re.match(r"([A-Za-z0-9_.\-]+)\s*(>=)?\s*([\d.]*)", text).groups()
    return name.lower(), version


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _conda():
    lines = (ROOT / "environment.yml").read_text().splitlines()
    conda, pip = {}, {}
    for line in lines:
        item = re.match(r"^(\s*)- (.+)$", line)
        if not item or item.group(2) in ("pip", "pip:"):
            continue
        target = pip if len(item.group(1)) > 2 else conda
        name, version = _requirement(item.group(2))
        target[name] = version
    return conda, pip


def test_environment_yml_has_every_runtime_and_dev_dependency_at_the_same_minimum():
    project = _pyproject()
    wanted = dict(_requirement(r) for r in project["dependencies"])
    for extra in ("lab", "dev"):
        wanted.update(_requirement(r) for r in project["optional-dependencies"][extra])
    conda, pip = _conda()
    both = {**conda, **pip}
    for name, version in wanted.items():
        assert name in both, f"{name} is in pyproject.toml but not in environment.yml"
        assert both[name] == version, f"{name}: pyproject >= {version}, environment.yml >= {both[name]}"
    assert "-e" in pip or any(k.startswith("-e") for k in pip), "environment.yml must pip install -e ."
    assert conda["python"] == ".".join(map(str, MINIMUM_PYTHON))


def test_python_minimum_agrees():
    assert _pyproject()["requires-python"] == ">=" + ".".join(map(str, MINIMUM_PYTHON))


def test_doctor_minimums_match_pyproject():
    project = _pyproject()
    runtime = dict(_requirement(r) for r in project["dependencies"])
    lab = dict(_requirement(r) for r in project["optional-dependencies"]["lab"])
    required = {dist: minimum for dist, (_, minimum, req) in MINIMUMS.items() if req}
    optional = {dist: minimum for dist, (_, minimum, req) in MINIMUMS.items() if not req}
    assert required == runtime
    assert optional == lab


def test_design_packages_are_in_the_conda_environment():
    conda, _ = _conda()
    for name in ["jupyterlab", "ipywidgets", "pandas", "scikit-learn", "matplotlib", "seaborn",
                 "nbval"]:
        assert name in conda
