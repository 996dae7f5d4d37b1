"""One answer to "what kind of column is this?", shared by features, schema, drift and widgets.

Every module that treats a column by its dtype asks :func:`column_kind`, so a nullable
``boolean`` or a pandas-3 ``str`` column is the same kind everywhere. The month helper lives
here too, because the production half groups everything by calendar month.

>>> import pandas as pd
>>> [column_kind(pd.Series(v)) for v in ([1, 2], [1.5], ["a"], [True], pd.to_datetime(["2024-01-01"]))]
['integer', 'float', 'text', 'boolean', 'datetime']
>>> column_kind(pd.Series([True, None], dtype="boolean")), column_kind(pd.Series(["a"], dtype="string"))
('boolean', 'text')
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from toolkit._validation import check_complete_dates

__all__ = ["KINDS", "NUMBER_KINDS", "column_kind", "is_number", "month_start"]

#: The kinds :func:`column_kind` returns, in the order it tests them.
KINDS = ("boolean", "datetime", "category", "integer", "float", "text", "other")
#: The kinds whose values are numbers (amounts, counts or codes).
NUMBER_KINDS = ("integer", "float")


def column_kind(series: pd.Series) -> str:
    """The kind of a column, from its dtype alone (not its content).

    Parameters
    ----------
    series : pandas.Series
        The column; only its dtype is read.

    Returns
    -------
    {"boolean", "datetime", "category", "integer", "float", "text", "other"}
        - ``"boolean"``: numpy ``bool`` or pandas' nullable ``boolean``;
        - ``"datetime"``: any ``datetime64`` dtype, with or without a time zone;
        - ``"category"``: pandas ``category``;
        - ``"integer"``: numpy integers or pandas' nullable ``Int64`` and friends;
        - ``"float"``: every other number;
        - ``"text"``: pandas-3 ``str``, pandas' ``string`` and ``object`` columns;
        - ``"other"``: anything else (periods, intervals, timedeltas, complex numbers).

    Examples
    --------
    >>> column_kind(pd.Series([1, None], dtype="Int64"))
    'integer'
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_string_dtype(dtype):
        return "text"
    return "other"


def is_number(series: pd.Series) -> bool:
    """Whether :func:`column_kind` calls the column a number (``"integer"`` or ``"float"``).

    >>> is_number(pd.Series([1.0])), is_number(pd.Series([True]))
    (True, False)
    """
    return column_kind(series) in NUMBER_KINDS


def month_start(values: Any, name: str = "month") -> pd.Series:
    """The first day of each value's calendar month, as ``datetime64`` timestamps.

    Parameters
    ----------
    values : array-like of dates or date strings
        Anything :func:`pandas.to_datetime` reads, none missing.
    name : str, default="month"
        What ``values`` are called in the error raised when one is missing or is not a date.

    Examples
    --------
    >>> month_start(["2025-03-17", "2025-03-01"]).dt.strftime("%Y-%m-%d").tolist()
    ['2025-03-01', '2025-03-01']
    """
    dates = check_complete_dates(pd.Series(values), name)
    return dates.dt.to_period("M").dt.to_timestamp()
