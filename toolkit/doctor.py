"""A setup check for attendees: ``python -m toolkit doctor`` or ``toolkit.doctor.doctor()``.

Each row is one check with its status (``ok`` / ``warn`` / ``FAIL``), what was found and what
is needed, so an attendee can paste the table to an instructor and the fix is obvious. Only a
``FAIL`` of a required check stops the course; ``warn`` says, for instance, that the running
versions differ from ``requirements-lock.txt``, so outputs may print differently from the stored
ones (``make lab`` installs the locked versions).

>>> from toolkit.doctor import doctor
>>> report = doctor()
>>> list(report.columns)
['check', 'status', 'found', 'needed', 'required']
>>> bool(report.loc[report["required"], "status"].eq("ok").all())  # what the course needs
True
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import re
import sys
from importlib import metadata
from pathlib import Path

import pandas as pd

__all__ = ["LOCK_FILE", "MINIMUM_PYTHON", "MINIMUMS", "doctor"]

MINIMUM_PYTHON = (3, 11)

#: The exact tested releases that ``make lab`` and ``make test`` install.
LOCK_FILE = Path(__file__).resolve().parents[1] / "requirements-lock.txt"

#: Distribution name -> (import name, minimum version, required for the course?).
#: A test keeps this table equal to the dependencies in pyproject.toml.
MINIMUMS = {
    "pandas": ("pandas", "2.2", True),
    "numpy": ("numpy", "1.26", True),
    "scipy": ("scipy", "1.13", True),
    "scikit-learn": ("sklearn", "1.6", True),
    "matplotlib": ("matplotlib", "3.8", True),
    "seaborn": ("seaborn", "0.13", True),
    "ipywidgets": ("ipywidgets", "8.1", True),
    "skops": ("skops", "0.11", True),
    "tqdm": ("tqdm", "4.66", True),
    "fastapi": ("fastapi", "0.115", True),
    "uvicorn": ("uvicorn", "0.30", True),
    "httpx": ("httpx", "0.27", True),
    "jupyterlab": ("jupyterlab", "4", False),
}


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _row(check: str, ok: bool, found: str, needed: str, required: bool = True) -> dict:
    return {"check": check, "status": "ok" if ok else "FAIL", "found": found, "needed": needed,
            "required": required}


def _package_row(dist: str, module: str, minimum: str, required: bool) -> dict:
    try:
        # Import what the course needs (a broken install shows up here); only look for the
        # optional ones, since importing JupyterLab alone takes seconds.
        if required:
            importlib.import_module(module)
        elif importlib.util.find_spec(module) is None:
            raise ModuleNotFoundError(module)
        version = metadata.version(dist)
    except (ImportError, ValueError) as exc:
        return _row(dist, False, f"not importable ({exc.__class__.__name__})",
                    f">= {minimum}: pip install '{dist}>={minimum}'", required)
    ok = _version_tuple(version) >= _version_tuple(minimum)
    return _row(dist, ok, version, f">= {minimum}", required)


def _installed_version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _locked_versions(path: Path) -> dict[str, str]:
    """``name==version`` lines of the lock, names normalised; lines with a marker are skipped."""
    pins = {}
    for line in path.read_text().splitlines():
        pin = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)==([^\s;#]+)\s*(#.*)?", line)
        if pin:
            pins[re.sub(r"[-_.]+", "-", pin.group(1)).lower()] = pin.group(2)
    return pins


def _lock_row(path: Path = LOCK_FILE) -> dict:
    """Warn (never fail) when a course dependency runs at another version than the lock's."""
    needed = "the versions in requirements-lock.txt (make lab installs them)"
    if not path.is_file():
        return {**_row("versions match the lock", False, f"no {path.name} beside the package",
                       needed, False), "status": "warn"}
    locked = _locked_versions(path)
    differ = []
    for dist in MINIMUMS:
        running, pinned = _installed_version(dist), locked.get(dist)
        if running is not None and pinned is not None and running != pinned:
            differ.append(f"{dist} {running} (lock {pinned})")
    if not differ:
        return _row("versions match the lock", True, f"{len(MINIMUMS)} packages as locked", needed,
                    False)
    found = "; ".join(differ) + ": outputs may print differently"
    return {**_row("versions match the lock", False, found, needed, False), "status": "warn"}


def _try(check: str, action, needed: str) -> dict:
    try:
        found = action()
    except Exception as exc:  # the doctor reports every failure instead of stopping at one
        return _row(check, False, f"{exc.__class__.__name__}: {exc}"[:80], needed)
    return _row(check, True, found, needed)


def _load_datasets() -> str:
    from toolkit.datasets import list_datasets, load

    names = list_datasets()["name"].tolist()
    rows = sum(len(load(name)) for name in names)
    return f"{len(names)} datasets, {rows:,} rows"


def _render_figure() -> str:
    import matplotlib.pyplot as plt

    from toolkit.lifecycle import draw_lifecycle

    ax = draw_lifecycle()
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png")
    plt.close(ax.figure)
    return f"PNG, {buffer.tell() // 1024} kB"


def _kernel() -> str:
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    return f"{sys.executable} ({'virtual environment' if in_venv else 'system Python'})"


def doctor() -> pd.DataFrame:
    """Check Python, the packages, the data and plotting; return one row per check.

    Returns
    -------
    pandas.DataFrame
        Columns ``check``, ``status`` (``"ok"``, ``"warn"`` or ``"FAIL"``), ``found``,
        ``needed`` and ``required`` (a failed optional check does not stop the course).
    """
    version = ".".join(map(str, sys.version_info[:3]))
    needed = ".".join(map(str, MINIMUM_PYTHON))
    rows = [_row("python", sys.version_info[:2] >= MINIMUM_PYTHON, version, f">= {needed}")]
    rows += [_package_row(dist, *spec) for dist, spec in MINIMUMS.items()]
    rows.append(_lock_row())
    rows.append(_row("kernel", True, _kernel(), "the course's .venv or conda env", False))
    rows.append(_try("datasets load", _load_datasets, "the CSVs in datasets/"))
    rows.append(_try("a figure renders", _render_figure, "matplotlib can draw"))
    return pd.DataFrame(rows)
