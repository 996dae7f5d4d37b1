"""Request values converted to a training column's dtype, and the values that cannot be.

:class:`toolkit.schema.InputSchema` calls :func:`coerce` once per column of a request. The
answer says, row by row, which values were missing, which were not of the column's type at all
(``bad``: a JSON object, a list, a boolean where a number belongs, text where a date belongs)
and which were numbers no column can hold (``invalid``: an infinity, ``1e309``, a whole number
too big for its integer dtype). Nothing here raises on a value, and nothing is converted with
``str()``: deciding is the schema's job.

Works on numpy arrays rather than pandas Series: a one-row request must be checked in well
under a millisecond per column, and each pandas call costs tens of microseconds.

>>> from types import SimpleNamespace
>>> spec = SimpleNamespace(kind="integer", dtype="int64", categories=None)
>>> result = coerce(spec, np.array([3, "4", 1e30, True, None], dtype=object))
>>> result.bad.tolist(), result.invalid.tolist(), result.missing.tolist()
([False, False, False, True, False], [False, False, True, False, False], [False, False, False, False, True])
"""

from __future__ import annotations

import datetime
import functools
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

__all__ = ["TEXT_DTYPE", "Coerced", "coerce", "frame_columns", "to_training_dtype"]

#: The dtype text columns get: ``str`` on pandas 3, ``object`` on pandas 2.
TEXT_DTYPE = "str" if int(pd.__version__.split(".")[0]) >= 3 else object
# What a number may arrive as (a bool is an int in Python, and is refused before this is used)
_NUMBER_TYPES = (int, float, np.integer, np.floating)
_DATE_TYPES = (str, datetime.date, np.datetime64)
# True == 1 and False == 0 as dict keys, so the numbers 1 and 0 map too
_BOOLEANS = {True: True, False: False, "True": True, "False": False, "true": True, "false": False,
             "1": True, "0": False}


class Coerced(NamedTuple):
    """One column converted: the values, and per row whether it was bad, missing or invalid."""

    values: Any
    bad: np.ndarray
    missing: np.ndarray
    invalid: np.ndarray


def _none(n: int) -> np.ndarray:
    return np.zeros(n, dtype=bool)


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def frame_columns(df: pd.DataFrame) -> dict[Any, Any]:
    """A frame's columns as arrays :func:`coerce` reads fast (categoricals stay Categorical).

    Nullable numbers (``Int64``, ``Float64``) become floats with NaN for ``pd.NA``.
    """
    columns = {}
    for name in df.columns:
        series = df[name]
        dtype = series.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            columns[name] = series.array
        elif (isinstance(dtype, pd.api.extensions.ExtensionDtype) and pd.api.types.is_numeric_dtype(dtype)
              and not pd.api.types.is_bool_dtype(dtype)):
            columns[name] = series.to_numpy(dtype="float64", na_value=np.nan)
        else:
            columns[name] = series.to_numpy()
    return columns


def coerce(spec: Any, values: Any) -> Coerced:
    """Convert one column to ``spec``'s kind (numbers as floats; see :func:`to_training_dtype`)."""
    if spec.kind in ("numeric", "integer"):
        return _coerce_number(spec, values)
    if spec.kind == "datetime":
        return _coerce_datetime(spec, values)
    if spec.kind == "boolean":
        return _coerce_boolean(values)
    if spec.kind == "category" and isinstance(values, pd.Categorical):
        n = len(values)
        return Coerced(_recode(spec, values), _none(n), values.codes < 0, _none(n))
    return _coerce_text(spec, values)


# --- numbers -----------------------------------------------------------------------------------
def _numbers(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Floats from any array (NaN where missing or not a number), and the not-a-number mask."""
    n = len(values)
    if values.dtype.kind in "fiu":
        return values.astype("float64"), _none(n)
    if values.dtype.kind == "b":  # a whole column of booleans where numbers belong
        return np.full(n, np.nan), np.ones(n, dtype=bool)
    if values.dtype.kind == "O" and not any(_is_bool(v) for v in values):
        try:
            return values.astype("float64"), _none(n)
        except (TypeError, ValueError, OverflowError):
            pass  # some value is not a number (or overflows a float): find which, one by one
    out = np.full(n, np.nan)
    bad = _none(n)
    for i, (value, missing) in enumerate(zip(values, pd.isna(values), strict=True)):
        if missing:
            continue
        if _is_bool(value) or not isinstance(value, (str, *_NUMBER_TYPES)):
            bad[i] = True
            continue
        try:
            out[i] = float(value)
        except OverflowError:  # an int beyond any float, e.g. 10**400
            out[i] = np.inf if value > 0 else -np.inf
        except (TypeError, ValueError):
            bad[i] = True
    return out, bad


@functools.lru_cache(maxsize=64)
def _integer_limits(dtype: str) -> tuple[float, float]:
    """The smallest and (one past) the largest whole number ``dtype`` holds, as floats."""
    resolved = pd.api.types.pandas_dtype(dtype)
    info = np.iinfo(getattr(resolved, "numpy_dtype", resolved))  # Int64 -> int64
    return float(info.min), float(info.max) + 1.0


def _coerce_number(spec: Any, values: np.ndarray) -> Coerced:
    out, bad = _numbers(values)
    missing = np.isnan(out) & ~bad
    with np.errstate(invalid="ignore"):
        invalid = ~missing & ~bad & ~np.isfinite(out)
        if spec.kind == "integer":
            usable = ~missing & ~bad & ~invalid
            bad |= usable & (out != np.floor(out))  # 2.5 is not a count
            low, past_high = _integer_limits(spec.dtype)
            invalid |= usable & ((out < low) | (out >= past_high))
    out[bad | invalid] = np.nan  # never scored, and kept out of the range check
    return Coerced(out, bad, missing, invalid)


# --- dates, booleans, text ---------------------------------------------------------------------
def _coerce_datetime(spec: Any, values: np.ndarray) -> Coerced:
    n = len(values)
    if values.dtype.kind == "M":
        out = values.astype(spec.dtype)
        return Coerced(out, _none(n), np.isnat(out), _none(n))
    missing = pd.isna(values)
    if values.dtype.kind in "OUS":  # text, or objects: only text and dates are dates
        typed = np.array([m or isinstance(v, _DATE_TYPES) and not _is_bool(v)
                          for v, m in zip(values, missing, strict=True)], dtype=bool)
    else:  # numbers are not dates (1 would be 1970-01-01)
        typed = missing.copy()
    candidates = np.where(typed & ~missing, values, None).astype(object)
    try:
        out = np.array(candidates, dtype=spec.dtype)
    except (TypeError, ValueError):
        out = pd.to_datetime(pd.Series(candidates, dtype=object), errors="coerce",
                             format="ISO8601").to_numpy().astype(spec.dtype)
    bad = ~typed | (np.isnat(out) & ~missing)
    return Coerced(out, bad, missing & ~bad, _none(n))


def _coerce_boolean(values: np.ndarray) -> Coerced:
    n = len(values)
    if values.dtype.kind == "b":
        return Coerced(values, _none(n), _none(n), _none(n))
    missing = pd.isna(values)
    mapped = [_BOOLEANS.get(v, None) if isinstance(v, (bool, int, str, np.bool_, np.integer)) else None
              for v in values]
    bad = np.array([m is None for m in mapped], dtype=bool) & ~missing
    if not (missing | bad).any():
        return Coerced(np.array(mapped, dtype=bool), bad, missing, _none(n))
    values = np.array([np.nan if m is None else m for m in mapped], dtype=object)
    return Coerced(values, bad, missing, _none(n))


def _coerce_text(spec: Any, values: np.ndarray) -> Coerced:
    """Text and category columns: strings (numbers spelled out), NaN for missing and bad values."""
    n = len(values)
    missing = pd.isna(values)
    if values.dtype.kind == "b":
        return Coerced(np.full(n, np.nan, dtype=object), np.ones(n, dtype=bool), _none(n), _none(n))
    text = values.astype(object)
    bad = _none(n)
    if not all(isinstance(v, str) for v in text[~missing]):
        bad = np.array([not m and (_is_bool(v) or not isinstance(v, (str, *_NUMBER_TYPES)))
                        for v, m in zip(text, missing, strict=True)], dtype=bool)
        text = np.array([np.nan if m or b else v if isinstance(v, str) else str(v)
                         for v, m, b in zip(text, missing, bad, strict=True)], dtype=object)
    elif missing.any():
        text = np.where(missing, np.nan, text)
    if spec.kind == "category":
        return Coerced(_categorical(spec, text, missing | bad), bad, missing, _none(n))
    return Coerced(text, bad, missing, _none(n))


def _categorical(spec: Any, text: np.ndarray, absent: np.ndarray) -> pd.Categorical:
    """Text onto the training categories, with the unseen ones used after them."""
    known = {c: i for i, c in enumerate(spec.categories)}
    extra = sorted({v for v in text[~absent] if v not in known})
    known.update({c: len(spec.categories) + i for i, c in enumerate(extra)})
    codes = np.array([-1 if a else known[v] for v, a in zip(text, absent, strict=True)], dtype="int32")
    return pd.Categorical.from_codes(codes, dtype=_categorical_dtype(tuple(spec.categories) + tuple(extra)))


def _recode(spec: Any, values: pd.Categorical) -> pd.Categorical:
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


# --- back to the training dtype ----------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def _is_nullable(dtype: str) -> bool:
    """True for pandas' nullable dtypes (``Int64``, ``Float64``, ``boolean``, ``string``)."""
    return isinstance(pd.api.types.pandas_dtype(dtype), pd.api.extensions.ExtensionDtype)


def to_training_dtype(spec: Any, coerced: Coerced) -> Any:
    """The coerced values in the training column's own dtype (e.g. ``int64``, ``Int64``, ``string``).

    A numpy integer or boolean column that has gaps stays float or object: numpy cannot hold
    a missing value there (the schema refuses such a request unless training had gaps too).
    """
    values, kind = coerced.values, spec.kind
    if kind in ("numeric", "integer", "boolean") and _is_nullable(spec.dtype):
        return pd.array(values, dtype=spec.dtype)
    if kind == "integer" and not (coerced.missing | coerced.bad | coerced.invalid).any():
        return values.astype(spec.dtype)
    if kind == "numeric" and spec.dtype != "float64":
        return values.astype(spec.dtype)
    if kind == "text":
        return pd.array(values, dtype="string" if spec.dtype == "string" else TEXT_DTYPE)
    return values
