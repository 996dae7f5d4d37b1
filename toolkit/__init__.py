"""toolkit: the helper package of the ML Lifecycle Toolkit course.

One module per lifecycle idea; import the one you need, for example
``from toolkit import datasets, exercises``. Heavy libraries (seaborn, ipywidgets) are imported
only by the functions that use them, so ``import toolkit`` stays fast.

>>> import toolkit
>>> toolkit.__version__ == toolkit._version_from_pyproject()  # installed = written
True
"""

import re
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _installed_version

from toolkit._shared import REPO_ROOT

_DISTRIBUTION = "ml-lifecycle-toolkit"


def _version_from_pyproject() -> str:
    """The version written in pyproject.toml: for a source checkout that was never installed."""
    try:
        text = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return "0+unknown"
    found = re.search(r'^version\s*=\s*"([^"]+)"', text, flags=re.MULTILINE)
    return found.group(1) if found else "0+unknown"


try:
    __version__ = _installed_version(_DISTRIBUTION)  # defined once, in pyproject.toml
except PackageNotFoundError:
    __version__ = _version_from_pyproject()
