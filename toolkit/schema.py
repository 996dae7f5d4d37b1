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

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from toolkit._coerce import coerce, frame_columns, to_training_dtype
from toolkit._columns import column_kind
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
    "frame_columns",
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
#: not even of the right type, a number that is infinite or too big for its integer column, a
#: value missing where training never had a gap, or an empty request). Warned: the model can
#: still answer, but a human should look (a value outside what training saw, a category it never
#: saw, many more gaps than usual, a column it does not use).
DEFAULT_ACTIONS = {
    "no rows": "refuse",
    "missing column": "refuse",
    "wrong dtype": "refuse",
    "invalid number": "refuse",
    "missing values": "refuse",
    "extra column": "warn",
    "out of range": "warn",
    "unseen category": "warn",
    "missing spike": "warn",
}
PROBLEM_KINDS = tuple(DEFAULT_ACTIONS)
PROBLEM_COLUMNS = ["column", "problem", "action", "rows", "detail"]


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
    """The course's one column kind (:func:`toolkit._columns.column_kind`) in the schema's words.

    The schema says ``"numeric"`` for a float column (its range is checked like an integer's)
    and treats anything that is not a number, date, boolean or category as text.
    """
    kind = column_kind(series)
    return {"float": "numeric", "other": "text"}.get(kind, kind)


@dataclass(frozen=True)
class _Column:
    """What the schema remembers about one training column."""

    name: str
    kind: str  # numeric, integer, boolean, datetime, category, text
    # the training dtype, e.g. "float64", "Int64", "bool", "datetime64[ns]"; "category" for a
    # category; "string" for pandas' pd.NA-backed text, "text" for other text (str or object)
    dtype: str
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
    if kind in ("numeric", "integer", "datetime", "boolean"):
        dtype = str(series.dtype)
    elif kind == "text" and isinstance(series.dtype, pd.StringDtype) and series.dtype.na_value is pd.NA:
        dtype = "string"
    else:
        dtype = kind
    return _Column(name, kind, dtype, share, low, high, categories)


def _check_values(spec: _Column, raw: Any, coerced: Any, flag) -> None:
    """Flag values not of the column's type, and numbers no column of its dtype can hold."""
    if coerced.bad.any():
        example = np.asarray(raw, dtype=object)[coerced.bad][0]
        flag(spec.name, "wrong dtype", coerced.bad, f"expected {spec.kind}; got e.g. {_short(example)}")
    if coerced.invalid.any():
        example = np.asarray(raw, dtype=object)[coerced.invalid][0]
        limit = "a finite number" if spec.kind == "numeric" else f"a whole number that fits {spec.dtype}"
        flag(spec.name, "invalid number", coerced.invalid, f"expected {limit}; got e.g. {_short(example)}")


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
        if not isinstance(data, Mapping) or not isinstance(data.get("columns"), list):
            raise TypeError(f"data must be a dict with a 'columns' list, as to_dict() writes it; got "
                            f"{_short(data)}.")
        try:
            return cls([_Column(**c) for c in data["columns"]])
        except TypeError as error:  # a column that is not a dict, or has other keys
            raise TypeError(f"data['columns'] must hold the column specs to_dict() writes: {error}."
                            ) from None

    def inspect(self, columns: Mapping[Any, Any], n: int, *, index: Any = None,
                on_problem: Mapping[str, str] | None = None,
                ) -> tuple[pd.DataFrame, list[tuple[str, str, str, np.ndarray, str]]]:
        """Coerce the columns and find their problems: (frame, [(column, problem, action, rows, detail)]).

        ``columns`` maps names to arrays of length ``n``: a frame's columns
        (:func:`frame_columns`), or JSON records gathered by column
        (:func:`toolkit.service.records_to_columns`). ``rows`` is a boolean mask per problem:
        what :meth:`validate` counts, and what the service attaches to each row.

        Examples
        --------
        >>> schema = InputSchema.from_frame(pd.DataFrame({"x": [1.0, 2.0]}))
        >>> frame, found = schema.inspect({"x": np.array([1.5, float("inf")])}, 2)
        >>> [(column, problem, rows.tolist()) for column, problem, _, rows, _ in found]
        [('x', 'invalid number', [False, True])]
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
            coerced = coerce(spec, raw)
            _check_values(spec, raw, coerced, flag)
            _check_missing(spec, coerced.missing, n, flag)
            if spec.minimum is not None:
                _check_range(spec, coerced.values, flag)
            if spec.categories is not None:
                _check_categories(spec, coerced.values, coerced.missing | coerced.bad, flag)
            out[spec.name] = to_training_dtype(spec, coerced)
        frame = pd.DataFrame(out, index=index if index is not None else pd.RangeIndex(n))
        return frame, found

    def inspect_frame(self, df: pd.DataFrame, *, on_problem: Mapping[str, str] | None = None,
                      ) -> tuple[pd.DataFrame, list[tuple[str, str, str, np.ndarray, str]]]:
        """:meth:`inspect` for a DataFrame: (the coerced frame, the problems with their rows)."""
        check_dataframe(df, "df", allow_empty=True)  # a type, and unique names (df[name] is a column)
        return self.inspect(frame_columns(df), len(df), index=df.index, on_problem=on_problem)

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
        _, found = self.inspect_frame(df, on_problem=on_problem)
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
        return self.inspect_frame(df)[0]


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
    if not isinstance(found, (list, tuple)):
        raise TypeError(f"found must be a list of (column, problem, action, rows, detail) tuples, as "
                        f"InputSchema.inspect returns; got {_short(found)}.")
    if not found:  # the common case, kept cheap: building an empty frame costs a millisecond
        return _NO_PROBLEM.copy()
    if not all(isinstance(f, tuple) and len(f) == 5 for f in found):
        raise TypeError(f"found must be a list of (column, problem, action, rows, detail) tuples, as "
                        f"InputSchema.inspect returns; got {_short(found)}.")
    rows = [(c, p, a, int(np.sum(r)), d) for c, p, a, r, d in found]
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
