"""The input schema: what training data looked like, and every request checked against it.

:class:`InputSchema` records the training columns (dtype, range, categories, missing share) and
reports each request's problems in one tidy table (``column, problem, action, rows, detail``),
so bad input is refused or flagged with a reason instead of crashing deep inside the pipeline.
:mod:`toolkit.deploy` re-exports it.

>>> import pandas as pd
>>> schema = InputSchema.from_frame(pd.DataFrame({"charges": [10.0, 50.0], "plan": ["a", "b"]}))
>>> schema.validate(pd.DataFrame({"charges": [5000.0], "plan": ["a"]}))[["column", "problem", "action"]]
    column       problem action
0  charges  out of range   warn
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from toolkit._validation import _short, check_dataframe, check_one_of

__all__ = [
    "DEFAULT_ACTIONS",
    "MAX_CHECKED_CATEGORIES",
    "MIN_ROWS_FOR_SHARE",
    "MISSING_SPIKE",
    "PROBLEM_COLUMNS",
    "PROBLEM_KINDS",
    "RANGE_TOLERANCE",
    "InputSchema",
    "problem_table",
    "resolve_actions",
]

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
PROBLEM_COLUMNS = ["column", "problem", "action", "rows", "detail"]
_TEXT_DTYPE = "str" if int(pd.__version__.split(".")[0]) >= 3 else object


def resolve_actions(on_problem: Mapping[str, str] | None) -> dict[str, str]:
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
        actions = resolve_actions(on_problem)
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
        return problem_table(found)

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
                            "detail": []}).astype({c: object for c in PROBLEM_COLUMNS if c != "rows"})


def problem_table(found: Sequence[tuple]) -> pd.DataFrame:
    """The problems found, as the table :meth:`InputSchema.validate` returns.

    Parameters
    ----------
    found : sequence of tuple
        One ``(column, problem, action, rows, detail)`` tuple per problem.

    Examples
    --------
    >>> problem_table([("age", "missing values", "refuse", 2, "2 missing")])["problem"].tolist()
    ['missing values']
    """
    if not found:  # the common case, kept cheap: building an empty frame costs a millisecond
        return _NO_PROBLEM.copy()
    rows = [(c, p, a, int(np.sum(r)), d) for c, p, a, r, d in found]
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
