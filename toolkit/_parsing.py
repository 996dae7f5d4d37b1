"""Reading raw columns for the feature modules: numbers and dates stored as text, and the frame check.

:mod:`toolkit.feature_types` uses these to decide that ``"1,234"`` is a number and
``"2024-01-05"`` a date, the transformers of :mod:`toolkit._encoders` use the same functions to
turn them into numbers, and :mod:`toolkit.leakage` to cut a column into bins, so the three can
never disagree on what a value means.

>>> import pandas as pd
>>> to_float(pd.Series(["1,234", "N/A", " 7 "])).tolist()
[1234.0, nan, 7.0]
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from toolkit._columns import NUMBER_KINDS, column_kind
from toolkit._validation import check_dataframe

__all__ = ["MISSING_TOKENS", "check_frame", "days_since_epoch", "guess_date_format", "to_datetime",
           "to_float"]

#: Text read as missing when numbers are stored as text ("N/A", "-", ...), lower-cased.
MISSING_TOKENS = ("", "n/a", "na", "nan", "none", "null", "-", "--", "?", "missing")


def check_frame(df: Any, name: str = "df") -> pd.DataFrame:
    """``df`` as a checked DataFrame whose column names are strings (columns are selected by name)."""
    df = check_dataframe(df, name)
    not_str = [c for c in df.columns if not isinstance(c, str)]
    if not_str:
        raise TypeError(f"{name} column names must be strings; got {not_str[:5]!r}.")
    return df


def _via_distinct(series: pd.Series, convert, fill) -> np.ndarray:
    """Convert each distinct value once and spread the results: text columns repeat a lot."""
    codes, distinct = pd.factorize(series)
    converted = np.asarray(convert(pd.Series(np.asarray(distinct, dtype=object))))
    # Missing values have code -1, which picks the fill value appended at the end.
    return np.append(converted, np.asarray([fill], dtype=converted.dtype))[codes]


def to_float(series: pd.Series) -> pd.Series:
    """Numbers from any column: bools to 0/1, text like '1,234' to 1234, 'N/A' to NaN."""
    if column_kind(series) in ("boolean", *NUMBER_KINDS):
        return pd.Series(series.to_numpy(dtype=float, na_value=np.nan), index=series.index)
    return pd.Series(_via_distinct(series, _parse_numbers, np.nan), index=series.index)


def _parse_numbers(text: pd.Series) -> pd.Series:
    text = text.astype(str).str.strip()
    text = text.mask(text.str.lower().isin(MISSING_TOKENS))
    text = text.str.replace(r"[,_\s]", "", regex=True)
    return pd.to_numeric(text, errors="coerce").astype(float)


def guess_date_format(values: pd.Series) -> str | None:
    """The date format of the first present value (``"%Y-%m-%d"``, ...), or None if none reads as a date."""
    from pandas.tseries.api import guess_datetime_format

    first = values.dropna()
    return guess_datetime_format(str(first.iloc[0])) if len(first) else None


def to_datetime(series: pd.Series, fmt: str | None) -> pd.Series:
    """Dates from a date-time column or from text in format ``fmt``; time zones dropped (as UTC)."""
    if column_kind(series) == "datetime":
        out = series
    else:
        def parse(text):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "could not infer format"
                return pd.to_datetime(text.astype(str), format=fmt or "mixed", errors="coerce",
                                      utc=True).dt.tz_localize(None)

        out = pd.Series(_via_distinct(series, parse, np.datetime64("NaT", "ns")), index=series.index)
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert("UTC").dt.tz_localize(None)
    return out


def days_since_epoch(dates: pd.Series) -> pd.Series:
    """Each date as a number of days since 1970-01-01 (NaN where missing)."""
    return (dates - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
