"""Argument checks shared by every public function.

Each helper raises ``ValueError`` for a bad value and ``TypeError`` for a bad type, with a
message that names the argument, says what was expected and shows what was received, so a
learner knows what to change. Same mistake, same exception type, everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_one_of(value: Any, name: str, allowed: Iterable[Any]) -> Any:
    """Raise ``ValueError`` unless ``value`` is one of ``allowed``."""
    allowed = list(allowed)
    try:
        known = value in allowed
    except (TypeError, ValueError):  # pd.NA or an array compared with ==: not one of them either
        known = False
    if not known:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {options}; got {_short(value)}.")
    return value


def check_mapping(value: Any, name: str, what: str) -> Mapping:
    """Return ``value`` if it is a non-empty mapping (a dict of ``what``), else raise.

    ``TypeError`` when it is not a mapping at all, ``ValueError`` when it is empty: ``{}`` is
    the right type with a wrong value.
    """
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict of {what}; got {_short(value)}.")
    if not value:
        raise ValueError(f"{name} is empty; give at least one {what}.")
    return value


def check_names(value: Any, name: str, what: str) -> list:
    """Return ``value`` as a list if it is a non-empty list of names (not a single string)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a list of {what}; got {_short(value)}.")
    names = list(value)
    if not names:
        raise ValueError(f"{name} is empty; give at least one of the {what}.")
    return names


def check_dataframe(df: Any, name: str, *, allow_empty: bool = False) -> pd.DataFrame:
    """Return ``df`` if it is a non-empty ``DataFrame`` with unique column names."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame; got {type(df).__name__}.")
    if not allow_empty and df.empty:
        raise ValueError(f"{name} is empty; it needs at least one row and one column.")
    duplicated = df.columns[df.columns.duplicated()].tolist()
    if duplicated:
        raise ValueError(
            f"{name} has duplicate column names {duplicated!r}; rename them so each is unique."
        )
    return df


def check_column_name(value: Any, name: str) -> Any:
    """Return ``value`` if it can name a column (it is hashable), else raise ``TypeError``."""
    try:
        hash(value)  # a tuple holding a list passes isinstance(c, Hashable), and is not hashable
    except TypeError:  # pandas would say only "unhashable type"
        raise TypeError(f"{name} must be column name(s) (text or numbers); got {_short(value)}.") from None
    return value


def check_columns(df: pd.DataFrame, columns: Sequence[str] | str, name: str) -> list[str]:
    """Return ``columns`` as a list, raising ``ValueError`` for any not in ``df``."""
    # one name (a string, or any other hashable column label such as 0) or a list of them
    single = isinstance(columns, str) or not isinstance(columns, Iterable)
    cols = [columns] if single else list(columns)
    for c in cols:
        check_column_name(c, name)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(
            f"{name} names column(s) {missing!r} that are not in the data; "
            f"available columns are {list(df.columns)!r}."
        )
    return cols


def check_labels(y: Any, name: str, *, min_classes: int = 1) -> pd.Series:
    """Return ``y`` as a ``Series``: one-dimensional, non-empty, no missing values.

    ``min_classes=2`` also requires at least two distinct values (a classifier needs them).
    """
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(f"{name} must be one-dimensional; got a frame with {y.shape[1]} columns.")
        y = y.iloc[:, 0]
    if isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
        raise TypeError(f"{name} must be array-like (list, numpy array or Series); got {_short(y)}.")
    if isinstance(y, pd.Series):
        series = y
    else:
        try:
            values = np.asarray(y)
        except (TypeError, ValueError):  # a ragged list of lists, say
            raise TypeError(f"{name} must be a flat list of labels; got {_short(y)}.") from None
        # checked before pandas sees it: pd.Series refuses 2-D data without naming the argument
        if values.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional; got shape {values.shape}.")
        series = pd.Series(values)
    if len(series) == 0:
        raise ValueError(f"{name} is empty; it needs at least one value.")
    n_missing = int(series.isna().sum())
    if n_missing:
        raise ValueError(
            f"{name} contains {n_missing} missing value(s) (NaN/None); "
            "drop or fill those rows first."
        )
    if pd.api.types.is_float_dtype(series) and np.isinf(series.to_numpy(dtype=float)).any():
        raise ValueError(f"{name} contains infinite values; drop or fix those rows first.")
    classes = pd.unique(series)
    if len(classes) < min_classes:
        raise ValueError(
            f"{name} must contain at least {min_classes} classes; got only {sorted(classes)!r}."
        )
    return series


def _label_kind(values: np.ndarray) -> str:
    """"text" or "numbers": what a column of labels holds (booleans count as numbers)."""
    kinds = {"text" if isinstance(v, (str, bytes)) else "numbers" for v in pd.unique(values)}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def check_same_label_kind(**labels: Any) -> None:
    """Raise ``ValueError`` unless every label array holds the same kind: all text or all numbers.

    >>> check_same_label_kind(y_true=np.array([0, 1]), y_pred=np.array(["stays", "churns"]))
    Traceback (most recent call last):
    ...
    ValueError: y_true and y_pred must hold the same kind of labels; y_true holds numbers, ...
    """
    kinds = {name: _label_kind(np.asarray(values, dtype=object)) for name, values in labels.items()}
    for name, kind in kinds.items():
        if kind == "mixed":  # cannot be sorted or compared to the other array's classes
            raise ValueError(f"{name} mixes text and numbers; use one kind of label (e.g. 0/1).")
    if len(set(kinds.values())) > 1:
        parts = ", ".join(f"{k} holds {v}" for k, v in kinds.items())
        raise ValueError(f"{' and '.join(kinds)} must hold the same kind of labels; {parts}. "
                         "Encode them alike (e.g. 0/1 for both).")


def check_class_labels(y: pd.Series, name: str,
                       advice: str = "for a numeric target use task='regression'") -> pd.Series:
    """Raise ``ValueError`` when ``y`` looks like a continuous target rather than classes."""
    if pd.api.types.is_float_dtype(y) and not np.all(np.mod(y.to_numpy(dtype=float), 1) == 0):
        raise ValueError(f"{name} holds continuous values (e.g. {float(y.iloc[0])!r}), not classes; "
                         f"{advice}.")
    return y


def check_numbers(y: pd.Series, name: str) -> np.ndarray:
    """Return ``y`` as a float array, or raise ``TypeError`` naming ``name`` if it holds text."""
    if pd.api.types.is_datetime64_any_dtype(y) or pd.api.types.is_timedelta64_dtype(y):
        raise TypeError(f"{name} must hold numbers; got dates (dtype {y.dtype}).")
    try:
        return y.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        numbers = pd.to_numeric(y.astype(object), errors="coerce")
        bad = y[numbers.isna() & y.notna()]
        example = _short(bad.iloc[0]) if len(bad) else "a value that is not a number"
        raise TypeError(f"{name} must hold numbers; got {example} among its values.") from None


def check_one_dimensional(values: Any, name: str) -> pd.Series:
    """Return ``values`` as a ``Series`` if it is one-dimensional, else raise naming ``name``.

    >>> check_one_dimensional([[0.1, 0.9]], "scores")
    Traceback (most recent call last):
    ...
    ValueError: scores must be one-dimensional (one value per row); got shape (1, 2).
    """
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name} must be array-like (list, numpy array or Series); got {_short(values)}.")
    try:
        shape = np.shape(values)
    except ValueError:  # a ragged list of lists
        raise TypeError(f"{name} must be a flat list of values; got {_short(values)}.") from None
    if len(shape) != 1:
        raise ValueError(f"{name} must be one-dimensional (one value per row); got shape {shape}.")
    return pd.Series(values)


def check_same_length(**arrays: Any) -> int:
    """Raise ``ValueError`` unless every array has the same length; return it."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        parts = ", ".join(f"{k} has {v}" for k, v in lengths.items())
        raise ValueError(f"{' and '.join(lengths)} must have the same length; {parts}.")
    return next(iter(lengths.values()))


def check_probability(value: Any, name: str) -> float:
    """Return ``value`` as a float in [0, 1], else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name} must be a number between 0 and 1; got {_short(value)}.")
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1; got {value!r}.")
    return float(value)


def check_probabilities(p: Any, name: str) -> np.ndarray:
    """Return ``p`` as a float array with every value in [0, 1] and none missing."""
    try:
        arr = np.asarray(p, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold numbers between 0 and 1 (the model's scores); got "
                        f"{_short(p)}.") from None
    if arr.ndim > 1:
        raise ValueError(f"{name} must be one-dimensional (one score per row); got shape {arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; it needs at least one probability.")
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains missing values (NaN); probabilities must be numbers.")
    if (arr < 0).any() or (arr > 1).any():
        raise ValueError(
            f"{name} must hold probabilities between 0 and 1; "
            f"got values from {arr.min():.3g} to {arr.max():.3g}."
        )
    return arr


def check_positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` if it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {_short(value)}.")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value!r}.")
    return int(value)


def check_seed(value: Any, name: str = "seed") -> int:
    """Return ``value`` if it is a seed numpy and scikit-learn accept: an integer in [0, 2**32)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer (a random seed such as 0); got {_short(value)}.")
    if not 0 <= value < 2**32:
        raise ValueError(f"{name} must be between 0 and 2**32 - 1; got {value!r}.")
    return int(value)


#: The four outcomes of a yes/no decision, the keys of a business-value mapping.
OUTCOMES = ("tp", "fp", "fn", "tn")


def check_outcome_values(value: Any, name: str = "value") -> dict[str, float] | None:
    """Return a business-value mapping as ``{"tp", "fp", "fn", "tn"} -> float`` (or None)."""
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != set(OUTCOMES):
        raise ValueError(f"{name} must map each of 'tp', 'fp', 'fn', 'tn' to euros; got "
                         f"{_short(value)}.")
    for key in OUTCOMES:
        if isinstance(value[key], bool) or not isinstance(value[key], (int, float, np.number)):
            raise TypeError(f"{name}[{key!r}] must be a number of euros; got {_short(value[key])}.")
    return {k: float(value[k]) for k in OUTCOMES}


def check_dates(values: Any, name: str) -> pd.Series:
    """Return ``values`` (a Series) as datetimes, or raise ``TypeError`` naming ``name``.

    >>> check_dates(pd.Series(["2025-01-01", "soon"]), "X['month']")
    Traceback (most recent call last):
    ...
    TypeError: X['month'] must hold dates (e.g. '2025-01-01'); got 'soon' among its values.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    if isinstance(values.dtype, pd.PeriodDtype):  # months as periods
        return values.dt.to_timestamp()
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        raise TypeError(f"{name} must hold dates (e.g. '2025-01-01'); got numbers (dtype {values.dtype}).")
    try:
        dates = pd.to_datetime(values.astype(object), errors="coerce", format="mixed")
    except (TypeError, ValueError, OverflowError):
        dates = pd.Series(pd.NaT, index=values.index)
    bad = values[dates.isna() & values.notna()]
    if len(bad):
        raise TypeError(f"{name} must hold dates (e.g. '2025-01-01'); got {_short(bad.iloc[0])} among "
                        "its values.")
    return dates


def check_complete_dates(values: Any, name: str) -> pd.Series:
    """:func:`check_dates`, and no date missing (each row needs its month)."""
    dates = check_dates(values, name)
    if dates.isna().any():
        raise ValueError(f"{name} has {int(dates.isna().sum())} missing date(s); every row needs one.")
    return dates


def check_date(value: Any, name: str) -> pd.Timestamp:
    """Return ``value`` as a ``Timestamp``, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (str, pd.Timestamp, np.datetime64)) and \
            not hasattr(value, "year"):
        raise TypeError(f"{name} must be a date (e.g. '2025-03-01'); got {_short(value)}.")
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a date (e.g. '2025-03-01'); got {_short(value)}.") from None
    if pd.isna(stamp):
        raise ValueError(f"{name} must be a date (e.g. '2025-03-01'); got {_short(value)}.")
    return stamp
