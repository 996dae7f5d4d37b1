import re
import subprocess
import sys
from importlib.metadata import version

import toolkit
from toolkit import __main__ as cli
from toolkit import datasets, notebooks
from toolkit._shared import REPO_ROOT


def test_version_comes_from_the_installed_metadata_and_matches_pyproject():
    text = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    written = re.search(r'^version\s*=\s*"([^"]+)"', text, flags=re.MULTILINE).group(1)
    assert toolkit.__version__ == version("ml-lifecycle-toolkit") == written
    assert toolkit._version_from_pyproject() == written


def test_version_fallback_for_a_checkout_that_was_never_installed():
    code = ("import importlib.metadata as m\n"
            "def missing(name): raise m.PackageNotFoundError(name)\n"
            "m.version = missing\n"
            "import toolkit; print(toolkit.__version__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == toolkit._version_from_pyproject()


def test_one_repository_root_for_the_cli_notebooks_and_datasets():
    assert (REPO_ROOT / "pyproject.toml").exists() and (REPO_ROOT / "notebooks").is_dir()
    assert cli.ROOT is REPO_ROOT
    assert notebooks.NOTEBOOK_DIR == REPO_ROOT / "notebooks"
    assert datasets.DATA_DIR == REPO_ROOT / "datasets" or "TOOLKIT_DATA_DIR" in __import__("os").environ
