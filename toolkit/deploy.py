"""Deployment: a model leaves the notebook saved safely, described, guarded and registered.

Four pieces, in the order a model meets them on its way to production:

- :class:`InputSchema` records what the training data looked like (columns, dtypes, ranges,
  categories, missing values) and checks every request against it, so bad input is refused or
  flagged with a tidy table of problems instead of crashing deep inside the pipeline.
- :class:`ModelCard` describes the model for the people who use it: training window, features,
  metrics against the baselines, business value, threshold, intended use and known limits.
- :func:`save_model` / :func:`load_model` write and read a model directory with skops (never
  pickle: loading a pickle runs whatever code the file asks for). The types the file needs are
  recorded at save time and a file asking for anything else is refused at load time.
- :class:`Registry` keeps numbered versions (``v1``, ``v2``, ...) on disk with a SQLite index
  and moves them through the stages ``registered -> shadow -> canary -> production -> archived``.
  It lives in :mod:`toolkit.registry` and is re-exported here.

The service that answers requests with the production model is in :mod:`toolkit.service`.

>>> import pandas as pd
>>> schema = InputSchema.from_frame(pd.DataFrame({"charges": [10.0, 50.0], "plan": ["a", "b"]}))
>>> schema.validate(pd.DataFrame({"charges": [5000.0], "plan": ["a"]}))[["column", "problem", "action"]]
    column       problem action
0  charges  out of range   warn
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit._validation import _short, check_dataframe, check_one_of, check_probability
from toolkit.registry import DEFAULT_REGISTRY, LOCK_TIMEOUT_S, STAGES, TRANSITIONS, Registry

__all__ = [
    "CASE_STUDY_INTENDED_USE",
    "CASE_STUDY_LIMITS",
    "CASE_STUDY_NOT_SERVED",
    "DEFAULT_ACTIONS",
    "DEFAULT_REGISTRY",
    "LOCK_TIMEOUT_S",
    "MAX_CHECKED_CATEGORIES",
    "MIN_ROWS_FOR_SHARE",
    "MISSING_SPIKE",
    "PROBLEM_KINDS",
    "RANGE_TOLERANCE",
    "SKLEARN_TREE_TYPES",
    "STAGES",
    "TRANSITIONS",
    "InputSchema",
    "ModelBundle",
    "ModelCard",
    "Registry",
    "case_study_card",
    "case_study_registry",
    "load_model",
    "save_model",
]

#: scikit-learn's own tree structures, which skops (0.16) reports as untrusted: a tree's arrays
#: are handed to compiled code, so skops wants someone to vouch for the file. save_model trusts
#: them for a model *you* just trained; load_model then trusts them only in a file whose bytes
#: are unchanged since (SHA-256). Gradient boosting and random forests need them.
SKLEARN_TREE_TYPES = ["sklearn.tree._tree.Tree",
                      "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
                      "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper"]
#: Older skops (0.11, the floor, with scikit-learn 1.6) also reports scikit-learn's loss objects
#: (``sklearn._loss.*``, inside gradient boosting) and the list a ColumnTransformer keeps of its
#: remainder columns: plain data holders, treated like the trees.
_SKLEARN_INTERNALS = ("sklearn._loss.", "sklearn.compose._column_transformer._RemainderColsList")

# --- input schema: named defaults --------------------------------------------------------------
#: A number may lie this share of the training span (max - min) beyond the training range before
#: it is "out of range": a slightly older customer is normal, a charge 100 times too big is not.
RANGE_TOLERANCE = 0.1
#: A column's missing share may exceed its training share by this much before it is a "spike".
MISSING_SPIKE = 0.2
#: Shares (missing spike) are judged only on requests with at least this many rows: one row
#: with a missing age is normal, 30 of 40 rows missing it is a broken pipeline.
MIN_ROWS_FOR_SHARE = 20
#: Text columns with at most this many distinct training values have their categories checked.
MAX_CHECKED_CATEGORIES = 40

#: Every problem :meth:`InputSchema.validate` reports, with its default action.
#: Refused: the model cannot give a trustworthy answer (a column it needs is absent, a value is
#: not even of the right type, a value is missing where training never had a gap, or the request
#: is empty). Warned: the model can still answer, but a human should look (a value outside what
#: training saw, a category it never saw, many more gaps than usual, a column it does not use).
DEFAULT_ACTIONS = {
    "no rows": "refuse",
    "missing column": "refuse",
    "wrong dtype": "refuse",
    "missing values": "refuse",
    "extra column": "warn",
    "out of range": "warn",
    "unseen category": "warn",
    "missing spike": "warn",
}
PROBLEM_KINDS = tuple(DEFAULT_ACTIONS)
_PROBLEM_COLUMNS = ["column", "problem", "action", "rows", "detail"]
_TEXT_DTYPE = "str" if int(pd.__version__.split(".")[0]) >= 3 else object


def _actions(on_problem: Mapping[str, str] | None) -> dict[str, str]:
    """:data:`DEFAULT_ACTIONS` with the caller's overrides, checked."""
    if on_problem is not None and not isinstance(on_problem, Mapping):
        raise TypeError(f"on_problem must be a mapping such as {{'out of range': 'refuse'}}; "
                        f"got {_short(on_problem)}.")
    actions = dict(DEFAULT_ACTIONS)
    for kind, action in (on_problem or {}).items():
        check_one_of(kind, "on_problem key", PROBLEM_KINDS)
        check_one_of(action, f"on_problem[{kind!r}]", ("refuse", "warn"))
        actions[kind] = action
    return actions


def _kind_of(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    return "text"


@dataclass(frozen=True)
class _Column:
    """What the schema remembers about one training column."""

    name: str
    kind: str  # numeric, integer, boolean, datetime, category, text
    dtype: str  # the training dtype, e.g. "float64", "datetime64[ns]" (text: see _TEXT_DTYPE)
    missing_share: float
    minimum: float | None = None
    maximum: float | None = None
    categories: list[str] | None = None

    @property
    def low(self) -> float:
        return self.minimum - RANGE_TOLERANCE * (self.maximum - self.minimum)

    @property
    def high(self) -> float:
        return self.maximum + RANGE_TOLERANCE * (self.maximum - self.minimum)


def _describe_column(name: str, series: pd.Series) -> _Column:
    kind = _kind_of(series)
    share = float(series.isna().mean())
    low = high = None
    categories = None
    if kind in ("numeric", "integer") and series.notna().any():
        low, high = float(series.min()), float(series.max())
    if kind == "category":
        categories = [str(c) for c in series.cat.categories]
    elif kind == "text":
        distinct = series.dropna().unique()
        if len(distinct) <= MAX_CHECKED_CATEGORIES:
            categories = sorted(str(v) for v in distinct)
    dtype = str(series.dtype) if kind in ("numeric", "integer", "datetime") else kind
    return _Column(name, kind, dtype, share, low, high, categories)


def _numbers(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Floats from any array, and the mask of values that are not numbers at all."""
    if values.dtype.kind in "fiub":
        return values.astype("float64"), np.zeros(len(values), dtype=bool)
    try:
        return values.astype("float64"), np.zeros(len(values), dtype=bool)
    except (TypeError, ValueError):  # some value is not a number: find which, one by one
        out = np.full(len(values), np.nan)
        bad = np.zeros(len(values), dtype=bool)
        for i, (value, missing) in enumerate(zip(values, pd.isna(values), strict=True)):
            try:
                out[i] = np.nan if missing else float(value)
            except (TypeError, ValueError):
                bad[i] = True
        return out, bad


def _coerce(spec: _Column, values: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray]:
    """Convert one column to its training dtype: (values, unconvertible mask, missing mask).

    Works on numpy arrays rather than pandas Series: a one-row request must be checked in well
    under a millisecond per column, and each pandas call costs tens of microseconds.
    """
    if spec.kind in ("numeric", "integer"):
        return _coerce_number(spec, values)
    if spec.kind == "datetime":
        return _coerce_datetime(spec, values)
    if spec.kind == "boolean":
        return _coerce_boolean(values)
    if spec.kind == "category" and isinstance(values, pd.Categorical):
        return _recode(spec, values), np.zeros(len(values), dtype=bool), values.codes < 0
    return _coerce_text(spec, values)


def _coerce_number(spec: _Column, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    out, bad = _numbers(values)
    missing = np.isnan(out) & ~bad
    if spec.kind == "integer":
        bad |= ~missing & ~bad & (out != np.floor(out))
        if not missing.any() and not bad.any():
            out = out.astype(spec.dtype)
    return out, bad, missing


def _coerce_datetime(spec: _Column, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if values.dtype.kind == "M":
        out = values.astype(spec.dtype)
    else:
        try:
            out = np.array(values, dtype=spec.dtype)
        except (TypeError, ValueError):
            out = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce",
                                 format="ISO8601").to_numpy().astype(spec.dtype)
    missing = np.isnat(out)
    bad = missing & ~pd.isna(values) if values.dtype.kind == "O" else np.zeros(len(values), dtype=bool)
    return out, bad, missing & ~bad


def _coerce_boolean(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if values.dtype.kind == "b":
        return values, np.zeros(len(values), dtype=bool), np.zeros(len(values), dtype=bool)
    missing = pd.isna(values)
    mapped = [_BOOLEANS.get(v, None) if isinstance(v, (bool, int, str, np.bool_, np.integer)) else None
              for v in values]
    bad = np.array([m is None for m in mapped], dtype=bool) & ~missing
    if not (missing | bad).any():
        return np.array(mapped, dtype=bool), bad, missing
    return np.array([np.nan if m is None else m for m in mapped], dtype=object), bad, missing


def _coerce_text(spec: _Column, values: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray]:
    """Text and category columns: strings, with NaN for missing (categories as a Categorical)."""
    n = len(values)
    missing = pd.isna(values)
    text = values.astype(object)
    if not all(isinstance(v, str) for v in text[~missing]):
        text = np.array([np.nan if m else str(v) for v, m in zip(text, missing, strict=True)], dtype=object)
    elif missing.any():
        text = np.where(missing, np.nan, text)
    if spec.kind == "category":
        known = {c: i for i, c in enumerate(spec.categories)}
        extra = sorted({v for v in text[~missing] if v not in known})
        known.update({c: len(spec.categories) + i for i, c in enumerate(extra)})
        codes = np.array([-1 if m else known[v] for v, m in zip(text, missing, strict=True)], dtype="int32")
        dtype = _categorical_dtype(tuple(spec.categories) + tuple(extra))
        out = pd.Categorical.from_codes(codes, dtype=dtype)
        return out, np.zeros(n, dtype=bool), missing
    return pd.array(text, dtype=_TEXT_DTYPE), np.zeros(n, dtype=bool), missing


def _recode(spec: _Column, values: pd.Categorical) -> pd.Categorical:
    """A categorical column onto the training categories (+ the unseen ones used), via its codes."""
    labels = [str(c) for c in values.categories]
    used = np.zeros(len(labels) + 1, dtype=bool)
    used[values.codes] = True  # code -1 (missing) marks the last slot
    known = {c: i for i, c in enumerate(spec.categories)}
    extra = sorted(c for i, c in enumerate(labels) if used[i] and c not in known)
    known.update({c: len(spec.categories) + i for i, c in enumerate(extra)})
    mapping = np.array([known.get(c, -1) for c in labels] + [-1], dtype="int32")
    dtype = _categorical_dtype(tuple(spec.categories) + tuple(extra))
    return pd.Categorical.from_codes(mapping[values.codes], dtype=dtype)


@functools.lru_cache(maxsize=256)
def _categorical_dtype(categories: tuple[str, ...]) -> pd.CategoricalDtype:
    # building the categories' index is most of the cost of a one-row categorical: reuse it
    return pd.CategoricalDtype(list(categories))


# True == 1 and False == 0 as dict keys, so the numbers 1 and 0 map too
_BOOLEANS = {True: True, False: False, "True": True, "False": False, "true": True, "false": False,
             "1": True, "0": False}


def _check_missing(spec: _Column, missing: np.ndarray, n: int, flag) -> None:
    if missing.any() and spec.missing_share == 0:
        flag(spec.name, "missing values", missing, "training had no missing values here")
    elif n >= MIN_ROWS_FOR_SHARE and missing.mean() > spec.missing_share + MISSING_SPIKE:
        flag(spec.name, "missing spike", missing,
             f"{missing.mean():.0%} missing; training had {spec.missing_share:.0%}")


def _check_range(spec: _Column, values: np.ndarray, flag) -> None:
    with np.errstate(invalid="ignore"):
        outside = (values < spec.low) | (values > spec.high)
    if outside.any():
        flag(spec.name, "out of range", outside,
             f"values from {values[outside].min():.4g} to {values[outside].max():.4g}; "
             f"training range {spec.minimum:.4g} to {spec.maximum:.4g}")


def _check_categories(spec: _Column, values: Any, missing: np.ndarray, flag) -> None:
    if isinstance(values, pd.Categorical):  # unseen levels come after the training ones
        unseen = values.codes >= len(spec.categories)
    else:
        known = set(spec.categories)
        unseen = np.array([not m and v not in known for v, m in zip(values, missing, strict=True)],
                          dtype=bool)
    if unseen.any():
        new = sorted({str(v) for v in np.asarray(values, dtype=object)[unseen]})
        flag(spec.name, "unseen category", unseen, f"not seen in training: {new!r}")


@dataclass
class InputSchema:
    """What the training inputs looked like, to check a request against before scoring it.

    Build it with :meth:`from_frame` on the training features. Per column it records the
    dtype kind, the numeric range, the categories seen and the missing share.
    :meth:`validate` lists the problems of a new frame, each with the action ``"refuse"`` or
    ``"warn"`` (:data:`DEFAULT_ACTIONS`, changeable per call); :meth:`coerce` converts a
    frame, e.g. JSON records, to the training dtypes.

    Numbers are "out of range" beyond the training range widened by :data:`RANGE_TOLERANCE`
    of its span. Dates are not range-checked: every new month lies after the training window
    by design, so that check would flag every request; watching how dates move is monitoring's
    job. Text columns with more than :data:`MAX_CHECKED_CATEGORIES` distinct values (ids, free
    text, a long tail of device models) are not checked for unseen values: most new values
    there are normal.

    Examples
    --------
    >>> import pandas as pd
    >>> schema = InputSchema.from_frame(pd.DataFrame({"age": [20, 60], "plan": ["a", "b"]}))
    >>> schema.to_frame()[["column", "kind", "minimum", "maximum", "categories"]]
      column     kind  minimum  maximum categories
    0    age  integer     20.0     60.0       None
    1   plan     text      NaN      NaN     [a, b]
    >>> schema.validate(pd.DataFrame({"age": [30]}))[["column", "problem", "action"]]
      column          problem  action
    0   plan  missing column  refuse
    """

    columns: list[_Column] = field(default_factory=list)

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> InputSchema:
        """Record the schema of the training features ``df`` (the frame given to ``fit``)."""
        df = check_dataframe(df, "df")
        return cls([_describe_column(str(name), df[name]) for name in df.columns])

    @property
    def names(self) -> list[str]:
        """The training columns, in training order."""
        return [c.name for c in self.columns]

    def __repr__(self) -> str:
        return f"InputSchema({len(self.columns)} columns: {', '.join(self.names)})"

    def to_frame(self) -> pd.DataFrame:
        """One row per column: kind, dtype, missing share, range and categories."""
        rows = [asdict(c) | {"column": c.name} for c in self.columns]
        order = ["column", "kind", "dtype", "missing_share", "minimum", "maximum", "categories"]
        return pd.DataFrame(rows, columns=order)

    def to_dict(self) -> dict:
        """A JSON-ready dict (what ``schema.json`` holds)."""
        return {"columns": [asdict(c) for c in self.columns]}

    @classmethod
    def from_dict(cls, data: Mapping) -> InputSchema:
        """The inverse of :meth:`to_dict`."""
        return cls([_Column(**c) for c in data["columns"]])

    def _inspect(self, columns: Mapping[str, np.ndarray], n: int, index: Any = None,
                 on_problem: Mapping[str, str] | None = None,
                 ) -> tuple[pd.DataFrame, list[tuple[str, str, str, np.ndarray, str]]]:
        """Coerce the columns and find their problems: (frame, [(column, problem, action, rows, detail)]).

        ``columns`` maps names to arrays of length ``n``: a frame's columns, or JSON records
        gathered by column (see :func:`toolkit.service.records_to_columns`).
        """
        actions = _actions(on_problem)
        found: list[tuple[str, str, str, np.ndarray, str]] = []

        def flag(column: str, problem: str, rows: np.ndarray, detail: str) -> None:
            found.append((column, problem, actions[problem], rows, detail))

        everyone = np.ones(n, dtype=bool)
        if n == 0:
            flag("(all)", "no rows", everyone, "the request holds no rows to score")
        names = set(self.names)
        for col in columns:
            if col not in names:
                flag(str(col), "extra column", everyone, "not a training column; it is ignored")
        out = {}
        for spec in self.columns:
            if spec.name not in columns:
                flag(spec.name, "missing column", everyone, f"the model needs it ({spec.kind})")
                continue
            raw = columns[spec.name]
            values, bad, missing = _coerce(spec, raw)
            out[spec.name] = values
            if bad.any():
                flag(spec.name, "wrong dtype", bad, f"expected {spec.kind}; got e.g. {_short(raw[bad][0])}")
            _check_missing(spec, missing, n, flag)
            if spec.minimum is not None:
                _check_range(spec, values, flag)
            if spec.categories is not None:
                _check_categories(spec, values, missing, flag)
        frame = pd.DataFrame(out, index=index if index is not None else pd.RangeIndex(n))
        return frame, found

    def _inspect_frame(self, df: Any, on_problem: Mapping[str, str] | None = None):
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"df must be a pandas DataFrame; got {type(df).__name__}.")
        columns = {name: df[name].array if isinstance(df[name].dtype, pd.CategoricalDtype)
                   else df[name].to_numpy() for name in df.columns}
        return self._inspect(columns, len(df), df.index, on_problem)

    def validate(self, df: pd.DataFrame, *, on_problem: Mapping[str, str] | None = None) -> pd.DataFrame:
        """List the problems of ``df`` against this schema: one row per column and problem.

        Parameters
        ----------
        df : pandas.DataFrame
            The inputs to check, e.g. a request or a month of production data.
        on_problem : mapping of str to {"refuse", "warn"}, optional
            Overrides of :data:`DEFAULT_ACTIONS`, e.g. ``{"out of range": "refuse"}``.

        Returns
        -------
        pandas.DataFrame
            Columns ``column``, ``problem``, ``action``, ``rows`` (rows affected) and
            ``detail``; empty (with those columns) when there is no problem.

        Examples
        --------
        >>> import pandas as pd
        >>> schema = InputSchema.from_frame(pd.DataFrame({"x": [1.0, 2.0]}))
        >>> schema.validate(pd.DataFrame({"x": [1.5]})).empty
        True
        >>> schema.validate(pd.DataFrame({"x": ["abc"]}), on_problem={"wrong dtype": "warn"}).loc[0, "action"]
        'warn'
        """
        _, found = self._inspect_frame(df, on_problem)
        return _problem_table(found)

    def coerce(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return ``df``'s training columns converted to the training dtypes (unconvertible -> NaN).

        Examples
        --------
        >>> import pandas as pd
        >>> schema = InputSchema.from_frame(pd.DataFrame({"n": [1, 2], "on": [True, False]}))
        >>> schema.coerce(pd.DataFrame({"on": ["true"], "n": ["3"]})).dtypes.astype(str).tolist()
        ['int64', 'bool']
        """
        return self._inspect_frame(df)[0]


_NO_PROBLEM = pd.DataFrame({"column": [], "problem": [], "action": [], "rows": np.array([], dtype="int64"),
                            "detail": []}).astype({c: object for c in _PROBLEM_COLUMNS if c != "rows"})


def _problem_table(found: Sequence[tuple]) -> pd.DataFrame:
    if not found:  # the common case, kept cheap: building an empty frame costs a millisecond
        return _NO_PROBLEM.copy()
    rows = [(c, p, a, int(np.sum(r)), d) for c, p, a, r, d in found]
    return pd.DataFrame(rows, columns=_PROBLEM_COLUMNS)


# --- model card --------------------------------------------------------------------------------
def _library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for dist in ("scikit-learn", "pandas", "numpy", "scipy", "skops", "ml-lifecycle-toolkit"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


@dataclass
class ModelCard:
    """A short, honest description of a model for the people who rely on it.

    Metrics, baselines and business value are computed by the caller (notebook 05 decides the
    model) and passed in; library versions are recorded automatically.

    Parameters
    ----------
    name : str
        What the model does, e.g. ``"Nimbus churn model"``.
    trained_on : str
        The training window, e.g. ``"2024-01 to 2024-12 (5,000 rows)"``.
    features : list of str
        The input columns the model needs.
    metrics : dict of str to float
        The model's held-out scores, e.g. ``{"roc_auc": 0.84}``.
    baselines : dict of str to float
        The same metrics for the baseline it must beat (notebook 02).
    business_value : dict of str to float, optional
        Euros per outcome relative to doing nothing: keys ``"tp"``, ``"fp"``, ``"fn"``, ``"tn"``.
    threshold : float, default=0.5
        Scores at or above it are decided "churns".
    intended_use, limits : str, list of str
        What it is for, and what it is known to get wrong.
    version : str, optional
        Filled in by :meth:`Registry.register`.

    Examples
    --------
    >>> card = ModelCard("Churn", trained_on="2024", features=["age"], metrics={"roc_auc": 0.8},
    ...                  baselines={"roc_auc": 0.5}, library_versions={"python": "3.11"})
    >>> print(card.to_markdown().splitlines()[0])
    # Model card: Churn
    """

    name: str
    trained_on: str
    features: list[str]
    metrics: dict[str, float]
    baselines: dict[str, float] = field(default_factory=dict)
    business_value: dict[str, float] | None = None
    threshold: float = 0.5
    intended_use: str = ""
    limits: list[str] = field(default_factory=list)
    version: str | None = None
    library_versions: dict[str, str] = field(default_factory=_library_versions)

    def __post_init__(self) -> None:
        for name in ("name", "trained_on", "intended_use"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a string; got {_short(getattr(self, name))}.")
        if isinstance(self.features, str) or not all(isinstance(f, str) for f in self.features):
            raise TypeError(f"features must be a list of column names; got {_short(self.features)}.")
        for name in ("metrics", "baselines"):
            values = getattr(self, name)
            if not isinstance(values, Mapping) or not all(
                    isinstance(v, (int, float, np.number)) for v in values.values()):
                raise TypeError(f"{name} must map metric names to numbers; got {_short(values)}.")
        if self.business_value is not None and set(self.business_value) != {"tp", "fp", "fn", "tn"}:
            raise ValueError("business_value must map exactly 'tp', 'fp', 'fn', 'tn' to euros; "
                             f"got keys {sorted(self.business_value)!r}.")
        self.threshold = check_probability(self.threshold, "threshold")
        self.metrics = {k: float(v) for k, v in self.metrics.items()}
        self.baselines = {k: float(v) for k, v in self.baselines.items()}
        self.limits = list(self.limits)

    def to_dict(self) -> dict:
        """A JSON-ready dict (what ``card.json`` holds)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> ModelCard:
        """The inverse of :meth:`to_dict`."""
        return cls(**data)

    def to_markdown(self) -> str:
        """The card as Markdown (what ``card.md`` holds and notebooks display)."""
        lines = [f"# Model card: {self.name}", ""]
        if self.version:
            lines += [f"**Version:** {self.version}", ""]
        lines += [f"**Trained on:** {self.trained_on}", "",
                  f"**Features ({len(self.features)}):** " + ", ".join(f"`{f}`" for f in self.features),
                  "", "## Performance", "", "| metric | model | baseline |", "|---|---|---|"]
        for metric, value in self.metrics.items():
            base = self.baselines.get(metric)
            lines.append(f"| {metric} | {value:.3f} | {'' if base is None else f'{base:.3f}'} |")
        lines += ["", f"**Decision threshold:** {self.threshold:.2f} (score at or above it: churns)"]
        if self.business_value:
            values = ", ".join(f"{k.upper()} {v:+,.0f} €" for k, v in self.business_value.items())
            lines += ["", f"**Business value per outcome:** {values}"]
        lines += ["", "## Intended use", "", self.intended_use or "(not stated)", "",
                  "## Known limits", ""]
        lines += [f"- {limit}" for limit in self.limits] or ["(none stated)"]
        lines += ["", "## Library versions", "",
                  ", ".join(f"{k} {v}" for k, v in self.library_versions.items())]
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        # short and machine-independent (no library versions): notebooks store this text
        return f"ModelCard({self.name!r}, version={self.version!r}, threshold={self.threshold:.2f})"


# --- save and load -----------------------------------------------------------------------------
@dataclass
class ModelBundle:
    """A loaded model directory: the fitted pipeline with its card and schema."""

    model: Any
    card: ModelCard
    schema: InputSchema
    path: Path

    def __repr__(self) -> str:
        return f"ModelBundle({self.card.name!r}, version={self.card.version!r})"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_files(model: Any, directory: Path, card: ModelCard, schema: InputSchema,
                 trusted: Sequence[str]) -> None:
    import skops.io as sio

    from toolkit.features import TRUSTED_TYPES

    directory.mkdir(parents=True)
    path = directory / "model.skops"
    sio.dump(model, path)
    untrusted = sorted(sio.get_untrusted_types(file=path))
    # scikit-learn's tree structures (and, on older skops, its internals above) are vouched for
    # at save time, for a model you just trained; the course's transformers are listed.
    vouched = set(TRUSTED_TYPES) | set(SKLEARN_TREE_TYPES) | set(trusted)
    unknown = sorted(t for t in set(untrusted) - vouched if not t.startswith(_SKLEARN_INTERNALS))
    if unknown:
        raise ValueError(
            f"model holds types that skops does not trust and toolkit does not know: {unknown!r}. "
            "Pass them as trusted=[...] only if you wrote them or trust their source.")
    manifest = {"format": 1, "untrusted_types": untrusted, "sha256": _sha256(path)}
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    _write_card(directory, card)
    (directory / "schema.json").write_text(json.dumps(schema.to_dict(), indent=2), encoding="utf-8")


def _write_card(directory: Path, card: ModelCard) -> None:
    (directory / "card.json").write_text(json.dumps(card.to_dict(), indent=2), encoding="utf-8")
    (directory / "card.md").write_text(card.to_markdown(), encoding="utf-8")


def save_model(model: Any, directory: str | Path, *, card: ModelCard, schema: InputSchema,
               overwrite: bool = False, trusted: Sequence[str] = ()) -> Path:
    """Save a fitted pipeline with skops, with its card and schema, into ``directory``.

    The directory gets ``model.skops``, ``card.json``, ``card.md``, ``schema.json`` and
    ``manifest.json`` (the types skops will have to trust, and the file's SHA-256). Files are
    written to a temporary folder next to ``directory`` and renamed into place, so a crash never
    leaves a half-written model.

    Parameters
    ----------
    model : fitted estimator with ``predict_proba``
        Usually a ``Pipeline(preprocessor, classifier)``.
    directory : str or Path
        Where to save. It must not exist yet unless ``overwrite=True``.
    card : ModelCard
        What the model is, for whom, and how good (saved as ``card.json`` and ``card.md``).
    schema : InputSchema
        The training inputs, to check requests against (saved as ``schema.json``).
    overwrite : bool, default=False
        Replace an existing directory (the old one is removed only after the new one is complete).
    trusted : sequence of str, default=()
        Extra types that you vouch for, beyond :data:`toolkit.features.TRUSTED_TYPES` (the
        course's transformers), :data:`SKLEARN_TREE_TYPES` and, on older skops, a few
        scikit-learn internals (its loss objects, a ColumnTransformer's remainder list).

    Returns
    -------
    Path
        The directory written.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}); model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> card = ModelCard("demo", trained_on="toy", features=["x"], metrics={})
    >>> path = save_model(model, tempfile.mkdtemp() + "/v1", card=card, schema=InputSchema.from_frame(X))
    >>> sorted(p.name for p in path.iterdir())
    ['card.json', 'card.md', 'manifest.json', 'model.skops', 'schema.json']
    """
    if not hasattr(model, "predict_proba"):
        raise TypeError(f"model must be a fitted classifier with predict_proba; got {type(model).__name__}.")
    if not isinstance(card, ModelCard):
        raise TypeError(f"card must be a ModelCard; got {type(card).__name__}.")
    if not isinstance(schema, InputSchema):
        raise TypeError(f"schema must be an InputSchema; got {type(schema).__name__}.")
    directory = Path(directory)
    if directory.exists() and not overwrite:
        raise FileExistsError(f"directory {str(directory)!r} already exists; pass overwrite=True to "
                              "replace it, or save to a new directory.")
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = directory.parent / f".{directory.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        _write_files(model, tmp, card, schema, trusted)
        if directory.exists():
            old = directory.parent / f".{directory.name}.old-{uuid.uuid4().hex[:8]}"
            directory.rename(old)
            tmp.rename(directory)
            shutil.rmtree(old)
        else:
            tmp.rename(directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return directory


def load_model(directory: str | Path) -> ModelBundle:
    """Load a directory written by :func:`save_model`, refusing a file that was changed.

    skops never runs code from the file, but it must be told which non-standard types it may
    build. This function trusts exactly the types recorded at save time, and refuses the file
    when its bytes changed since (SHA-256) or when it asks for other types: such a file was
    tampered with or comes from elsewhere, and loading it could build objects nobody checked.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}); model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> card = ModelCard("demo", trained_on="toy", features=["x"], metrics={})
    >>> path = save_model(model, tempfile.mkdtemp() + "/v1", card=card, schema=InputSchema.from_frame(X))
    >>> bundle = load_model(path)
    >>> bool((bundle.model.predict_proba(X) == model.predict_proba(X)).all())
    True
    """
    import skops.io as sio

    directory = Path(directory)
    needed = ["model.skops", "manifest.json", "card.json", "schema.json"]
    absent = [name for name in needed if not (directory / name).is_file()]
    if absent:
        raise FileNotFoundError(f"directory {str(directory)!r} is not a saved model: {absent!r} missing.")
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    path = directory / "model.skops"
    asked = sorted(sio.get_untrusted_types(file=path))
    if asked != manifest["untrusted_types"]:
        raise ValueError(
            f"refusing to load {str(path)!r}: it asks skops to trust {asked!r}, but it was saved "
            f"needing only {manifest['untrusted_types']!r}. The file was replaced or tampered with "
            "after saving. Do not load it; save the model again from its training code.")
    if _sha256(path) != manifest["sha256"]:
        raise ValueError(
            f"refusing to load {str(path)!r}: its contents changed since it was saved (SHA-256 "
            "differs from manifest.json). Save the model again from its training code.")
    model = sio.load(path, trusted=asked)
    card = ModelCard.from_dict(json.loads((directory / "card.json").read_text(encoding="utf-8")))
    schema = InputSchema.from_dict(json.loads((directory / "schema.json").read_text(encoding="utf-8")))
    return ModelBundle(model, card, schema, directory)


# --- the case study as notebook 07 deploys it --------------------------------------------------
#: What notebook 07's card says the Nimbus model is for (:func:`case_study_registry` uses it too).
CASE_STUDY_INTENDED_USE = (
    "Each month, rank Nimbus Mobile's current customers by their chance of churning in the next "
    "month, so that the retention team calls those at or above the threshold with an offer. "
    "A person makes every call; the score is a reason to call, never a verdict on a customer.")
#: The known limits notebook 07's card lists: what 04-06 found the model gets wrong.
CASE_STUDY_LIMITS = [
    "Trained on 2024 labels as recorded: South's team recorded moves to the free tier as "
    "'stayed' (notebooks 04 and 06), so South's churners are under-found.",
    "Of the price words, only 'roaming' is in its bag of words: most price complaints are "
    "invisible to it (notebook 06).",
    "A category it never saw in training (a new plan, a new payment method) is scored as "
    "'infrequent': answers for those customers are guesses until the model is retrained.",
    "Fitted on 2024 only: nothing guarantees that later months look like 2024, so its inputs and "
    "answers must be watched (notebook 08).",
]
#: The columns of the history that a request cannot carry: the label, and a leak (notebook 03).
CASE_STUDY_NOT_SERVED = ("churned", "exit_survey_score")


def case_study_card(selected: Any = None) -> ModelCard:
    """The model card of the Nimbus churn model, as notebook 07 writes it.

    Metrics are notebook 05's, measured once on the test months (October-December 2024) by the
    model trained on January-September at 05's threshold, beside today's rule (the scope's
    rule of thumb) on the same rows. Business value is the scope's mapping
    (:func:`toolkit.scoping.case_study_scope`).

    Parameters
    ----------
    selected : toolkit.modeling.SelectedModel, optional
        The deployed model (``case_study_model("history")``); built when not given.

    Returns
    -------
    ModelCard
        With ``average_precision``, ``roc_auc``, ``precision``, ``recall`` and ``value_eur``.

    Examples
    --------
    >>> card = case_study_card()
    >>> card.threshold, list(card.metrics)[:2], card.business_value["fp"]
    (0.3, ['average_precision', 'roc_auc'], -30.0)
    """
    from sklearn.metrics import average_precision_score, precision_score, recall_score, roc_auc_score

    from toolkit.datasets import load
    from toolkit.modeling import SelectedModel, case_study_model
    from toolkit.scoping import business_value, case_study_scope, rule_predictions

    if selected is None:
        selected = case_study_model("history")
    if not isinstance(selected, SelectedModel):
        raise TypeError(f"selected must be a toolkit.modeling.SelectedModel (case_study_model(...)); "
                        f"got {type(selected).__name__}.")
    scope = case_study_scope()
    money = scope.economics.outcome_values()
    history = load("history")
    test = history[history["month"] >= "2024-10-01"]
    X_test, y_test = test.drop(columns=list(CASE_STUDY_NOT_SERVED)), test["churned"]
    proba = case_study_model("train").pipeline.predict_proba(X_test)[:, 1]
    scored = {"model": (proba, (proba >= selected.threshold).astype(int)),
              "rule": (rule_predictions(X_test, scope.rule),) * 2}
    metrics = {}
    for name, (score, decision) in scored.items():
        metrics[name] = {"average_precision": average_precision_score(y_test, score),
                         "roc_auc": roc_auc_score(y_test, score),
                         "precision": precision_score(y_test, decision, zero_division=0),
                         "recall": recall_score(y_test, decision),
                         "value_eur": business_value(y_test, decision, money)}
    rows = len(history)
    return ModelCard(
        "Nimbus churn model", trained_on=f"2024-01 to {selected.trained_until} ({rows:,} rows)",
        features=[c for c in history.columns if c not in CASE_STUDY_NOT_SERVED],
        metrics={k: round(float(v), 4) for k, v in metrics["model"].items()},
        baselines={k: round(float(v), 4) for k, v in metrics["rule"].items()},
        business_value=money, threshold=selected.threshold,
        intended_use=CASE_STUDY_INTENDED_USE, limits=list(CASE_STUDY_LIMITS))


def case_study_registry(directory: str | Path) -> Registry:
    """A new registry in ``directory`` whose ``v1`` is the case-study model, in production.

    ``v1`` is ``modeling.case_study_model("history")``'s pipeline (notebook 05's model refitted
    on all of 2024), with :func:`case_study_card` and an :class:`InputSchema` recorded from the
    2024 features a request can carry (no ``churned``, no ``exit_survey_score``). This is the
    registry notebook 07 builds step by step; notebooks 08 and 09 start from it.

    Parameters
    ----------
    directory : str or Path
        Where to create the registry. It must not hold one already.

    Returns
    -------
    Registry

    Examples
    --------
    >>> import tempfile
    >>> registry = case_study_registry(tempfile.mkdtemp())
    >>> registry.stages(), registry.list_versions()["metric"].tolist()
    ({'production': 'v1'}, ['average_precision'])
    """
    from toolkit.datasets import load
    from toolkit.modeling import case_study_model

    if not isinstance(directory, (str, Path)):
        raise TypeError(f"directory must be a path; got {_short(directory)}.")
    if (Path(directory) / "registry.sqlite").exists():
        raise FileExistsError(f"directory {str(directory)!r} already holds a registry; open it with "
                              "Registry(directory), or pass an empty directory.")
    selected = case_study_model("history")
    X = load("history").drop(columns=list(CASE_STUDY_NOT_SERVED))
    registry = Registry(directory, create=True)
    version = registry.register(selected.pipeline, card=case_study_card(selected),
                                schema=InputSchema.from_frame(X))
    registry.promote(version, "production")
    return registry
