"""Load the data shipped with the course, with the right dtypes, and read its datasheets.

Everything is on disk in the repository's ``datasets/`` folder: nothing is downloaded, so the
course works on a train or in a workshop with bad Wi-Fi.

>>> from toolkit import datasets
>>> history = datasets.load("history")
>>> history.shape
(5000, 19)
>>> history["month"].dt.year.unique().tolist(), str(history["plan"].dtype)
([2024], 'category')
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from toolkit._shared import REPO_ROOT

__all__ = ["DATA_DIR", "datasheet", "list_datasets", "load"]

#: Where the CSV files live. Set the ``TOOLKIT_DATA_DIR`` environment variable to move them.
DATA_DIR = Path(os.environ.get("TOOLKIT_DATA_DIR", REPO_ROOT / "datasets"))

_CUSTOMER_CATEGORIES = ["region", "plan", "contract", "payment_method"]


@dataclass(frozen=True)
class _Spec:
    file: str
    summary: str
    dates: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    booleans: list[str] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    #: The date column that says when a row became known (``as_of`` keeps the rows known by
    #: then), and whether that date counts as known (labels) or only its month's end (batches).
    known_from: str | None = None
    known_on_the_day: bool = False


_SPECS = {
    "history": _Spec(
        "history.csv", "Nimbus Mobile customers in 2024, with the churn label as recorded",
        dates=["month", "signup_date"], categories=_CUSTOMER_CATEGORIES,
        booleans=["autopay", "paperless_billing", "family_plan"],
        strings=["customer_id", "device_model", "last_complaint"]),
    "history_truth": _Spec(
        "history_truth.csv",
        "answer key for history: what really happened (open it when a notebook does)",
        categories=["outcome"], booleans=["label_is_wrong"],
        strings=["customer_id", "duplicate_of"]),
    "annotations": _Spec(
        "annotations.csv", "300 customers labelled by 4 annotators, before and after a guideline",
        categories=["annotator", "round"], strings=["customer_id"]),
    "production": _Spec(
        "production.csv", "customers scored by the deployed model, monthly batches of 2025",
        dates=["month", "signup_date"], categories=_CUSTOMER_CATEGORIES,
        booleans=["autopay", "paperless_billing", "family_plan"],
        strings=["customer_id", "device_model", "last_complaint"], known_from="month"),
    "production_labels": _Spec(
        "production_labels.csv", "churn labels for production, available one month late",
        dates=["month", "label_available_from"], strings=["customer_id"],
        known_from="label_available_from", known_on_the_day=True),
    "events": _Spec(
        "events.csv", "the scripted production events (spoiler: read it after notebook 08)",
        categories=["kind", "shape"],
        strings=["event", "column", "start_month", "end_month", "detectable_in", "size",
                 "description"]),
    "penguins": _Spec(
        "penguins.csv", "Palmer penguins (real data, CC0): 344 penguins, 3 species",
        categories=["species", "island", "sex"]),
}


def list_datasets() -> pd.DataFrame:
    """Return one row per shipped dataset: its name, file, size and a one-line summary.

    Examples
    --------
    >>> from toolkit.datasets import list_datasets
    >>> list_datasets()["name"].tolist()[:3]
    ['history', 'history_truth', 'annotations']
    """
    rows = []
    for name, spec in _SPECS.items():
        path = DATA_DIR / spec.file
        n_rows = sum(1 for _ in path.open(encoding="utf-8")) - 1 if path.exists() else 0
        rows.append({"name": name, "file": spec.file, "rows": n_rows, "summary": spec.summary})
    return pd.DataFrame(rows)


def _spec(name: str) -> _Spec:
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'history'; got {type(name).__name__}.")
    if name not in _SPECS:
        raise ValueError(
            f"name must be one of {', '.join(repr(n) for n in _SPECS)}; got {name!r}. "
            "Call toolkit.datasets.list_datasets() to see what each holds."
        )
    return _SPECS[name]


def load(name: str, *, as_of: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Load a shipped dataset as a ``DataFrame`` with its intended dtypes.

    Dates are parsed to ``datetime64``, yes/no columns are ``bool``, low-cardinality
    categoricals are ``category``, and free text and identifiers stay strings (``object`` on
    pandas 2, ``str`` on pandas 3), with missing text as ``NaN``.

    Parameters
    ----------
    name : str
        One of the names in :func:`list_datasets`, e.g. ``"history"`` or ``"production"``.
    as_of : str or Timestamp, optional
        Only for ``"production"`` and ``"production_labels"``: the data as the company had it
        on that day. Production keeps the monthly batches that ended before it (``as_of=
        "2025-02-01"`` gives January), labels keep those available by then. A category's
        levels are the ones in the rows kept, so a later month's new level never shows early.

    Returns
    -------
    pandas.DataFrame
        A fresh copy each call, so changing it never changes the file or other notebooks.

    Raises
    ------
    ValueError
        If ``name`` is not a shipped dataset; the message lists the valid names.

    Examples
    --------
    >>> from toolkit.datasets import load
    >>> history = load("history")
    >>> round(float(history["churned"].mean()), 3)
    0.196
    >>> load("penguins")["species"].cat.categories.tolist()
    ['Adelie', 'Chinstrap', 'Gentoo']
    >>> january = load("production", as_of="2025-02-01")
    >>> january["month"].dt.strftime("%Y-%m").unique().tolist()
    ['2025-01']
    """
    spec = _spec(name)
    cutoff = _cutoff(name, spec, as_of)
    path = DATA_DIR / spec.file
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing. Rebuild the case study with `python datasets/build.py` from "
            "the repository root, or set TOOLKIT_DATA_DIR to the folder that holds the CSVs."
        )
    # Text columns are read as text whatever they contain, so "" stays missing and ids stay ids.
    dtypes = {col: "category" for col in spec.categories}
    df = pd.read_csv(path, dtype=dtypes, parse_dates=spec.dates or False)
    for col in spec.booleans:
        df[col] = df[col].astype(bool)
    if cutoff is not None:
        known = df[spec.known_from] <= cutoff if spec.known_on_the_day else df[spec.known_from] < cutoff
        df = df[known].reset_index(drop=True)
        for col in spec.categories:  # levels only of what was known then
            df[col] = df[col].cat.remove_unused_categories()
    return df


def _cutoff(name: str, spec: _Spec, as_of: object) -> pd.Timestamp | None:
    """``as_of`` as a date, checked: only datasets that arrive over time take one."""
    if as_of is None:
        return None
    if spec.known_from is None:
        dated = [n for n, s in _SPECS.items() if s.known_from]
        raise ValueError(f"as_of applies only to data that arrives over time ({dated!r}); "
                         f"{name!r} is known all at once, so load it without as_of.")
    if not isinstance(as_of, (str, pd.Timestamp)):
        raise TypeError(f"as_of must be a date such as '2025-02-01'; got {type(as_of).__name__}.")
    try:
        return pd.Timestamp(as_of)
    except ValueError:
        raise ValueError(f"as_of must be a date such as '2025-02-01'; got {as_of!r}.") from None


def datasheet(name: str) -> str:
    """Return the datasheet of a dataset as markdown, from ``datasets/README.md``.

    In a notebook, show it with ``IPython.display.Markdown(datasheet("history"))``.

    Examples
    --------
    >>> from toolkit.datasets import datasheet
    >>> datasheet("history").splitlines()[0]
    '## history'
    """
    _spec(name)
    text = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(name)}\b.*?(?=^## |\Z)", text, flags=re.M | re.S)
    if match is None:
        raise ValueError(f"datasets/README.md has no '## {name}' section; add one.")
    return match.group(0).strip()
