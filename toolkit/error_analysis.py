"""Error analysis: where does the model fail, and which failure is worth fixing first?

An overall error rate hides where the errors are. Error analysis breaks them down by *slice*
(the customers of one region, one price band, ...) and by *tag* (named rules such as
"complained about the price"), searches for weak slices automatically, and ranks what to work
on with Andrew Ng's prioritisation table: the gap to human-level performance times the share of
the data it concerns. One idea per file, all importable from here:

- :mod:`toolkit.slices`: :func:`error_slices` (error rate per slice, with its interval) and
  :func:`plot_slices`;
- :mod:`toolkit.weak_slices`: :func:`find_weak_slices`, the automatic search over columns;
- this module: :func:`tag_errors` (count the errors under named rules) and :func:`prioritize`;
- :mod:`toolkit.diagnostics`: a classifier's confusion matrix, precision and recall against the
  decision threshold (:func:`threshold_curve`), calibration, and a regressor's residuals.

>>> import pandas as pd
>>> df = pd.DataFrame({"region": ["North", "North", "South", "South"]})
>>> error_slices(df, [0, 1, 0, 1], [0, 1, 1, 0], by="region", min_size=1)[["slice", "error_rate"]]
            slice  error_rate
0  region = North         0.0
1  region = South         1.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from toolkit._validation import (
    check_column_name,
    check_columns,
    check_dataframe,
    check_mapping,
    check_numbers,
    check_same_length,
)
from toolkit.diagnostics import (
    CHURN_LABELS,
    plot_calibration,
    plot_confusion,
    plot_residuals,
    plot_threshold,
    threshold_curve,
)
from toolkit.slices import (
    MISSING,
    OTHER,
    SLICE_BINS,
    SLICE_LEVELS,
    error_slices,
    plot_slices,
    prediction_errors,
)
from toolkit.weak_slices import SEARCH_BINS, find_weak_slices

__all__ = [
    "CHURN_LABELS",
    "MISSING",
    "OTHER",
    "SEARCH_BINS",
    "SLICE_BINS",
    "SLICE_LEVELS",
    "error_slices",
    "find_weak_slices",
    "plot_calibration",
    "plot_confusion",
    "plot_residuals",
    "plot_slices",
    "plot_threshold",
    "prioritize",
    "tag_errors",
    "threshold_curve",
]



# --------------------------------------------------------------------------- tags and priorities
def tag_errors(df: pd.DataFrame, rules: Mapping[str, Callable | str], y_true: Any,
               y_pred: Any) -> pd.DataFrame:
    """Tag rows with named rules and count the errors under each tag.

    In practice you read misclassified examples and write down what they have in common ("car
    noise", "complained about the price"). Turning each observation into a rule lets you count
    how often it occurs among *all* rows, which is what the prioritisation table needs. A row may
    carry several tags or none.

    Parameters
    ----------
    df : DataFrame
        The predicted rows.
    rules : dict of str to callable, str or boolean array
        Tag name -> a function ``df -> boolean Series``, a ``DataFrame.eval`` expression
        such as ``"region == 'South'"``, or a boolean mask with one value per row.
    y_true, y_pred : array-like
        True and predicted labels, in the order of ``df``'s rows.

    Returns
    -------
    DataFrame
        One row per tag, in the order of ``rules``: ``tag``, ``size``, ``share`` (of all
        rows), ``errors``, ``accuracy``, ``error_rate`` and ``error_share`` (the share of all
        misclassified rows that carry this tag).

    Examples
    --------
    >>> df = pd.DataFrame({"calls": [0, 5, 6, 1]})
    >>> tag_errors(df, {"many calls": "calls > 3"}, [0, 1, 1, 0], [0, 0, 1, 1])
              tag  size  share  errors  accuracy  error_rate  error_share
    0  many calls     2    0.5       1       0.5         0.5          0.5
    """
    check_dataframe(df, "df")
    check_mapping(rules, "rules", "name -> rule")
    errors = prediction_errors(y_true, y_pred)
    check_same_length(df=df, y_true=errors)
    rows = []
    for name, rule in rules.items():
        mask = _apply_rule(df, name, rule)
        size, wrong = int(mask.sum()), int(errors[mask].sum())
        rows.append({"tag": name, "size": size, "share": size / len(df), "errors": wrong,
                     "accuracy": 1 - wrong / size if size else np.nan,
                     "error_rate": wrong / size if size else np.nan,
                     "error_share": wrong / max(int(errors.sum()), 1)})
    return pd.DataFrame(rows)


def _apply_rule(df: pd.DataFrame, name: str, rule: Callable | str) -> np.ndarray:
    if isinstance(rule, str):
        try:
            mask = df.eval(rule)
        except Exception as exc:  # pandas raises many types here; name the rule instead
            raise ValueError(f"rules[{name!r}] could not be evaluated ({rule!r}): {exc}") from exc
    elif callable(rule):
        try:
            mask = rule(df)
        except Exception as exc:  # the learner's own function: say which rule failed, and how
            raise ValueError(f"rules[{name!r}] raised {type(exc).__name__} on df: {exc}") from exc
    elif isinstance(rule, (pd.Series, np.ndarray, list)):
        mask = rule
    else:
        raise TypeError(f"rules[{name!r}] must be a function, an expression string or a "
                        f"boolean mask; got {rule!r}.")
    try:
        mask = np.asarray(mask)
    except ValueError:  # a ragged list
        mask = np.asarray(None)
    if mask.shape != (len(df),) or mask.dtype != bool:
        raise ValueError(f"rules[{name!r}] must give one True/False per row of df; "
                         f"got an array of dtype {mask.dtype} and shape {mask.shape}.")
    return mask


def prioritize(table: pd.DataFrame, hlp: str | float | Mapping[str, float] = "hlp", *,
               name: str | None = None, accuracy: str = "accuracy",
               share: str = "share") -> pd.DataFrame:
    """Andrew Ng's prioritisation table: where is the most accuracy to gain?

    For each tag or slice: the gap between human-level performance (HLP) and the model's
    accuracy, times the share of the data it concerns, is the accuracy the whole system would
    gain if the model reached HLP there. Work first on the biggest gain.

    Parameters
    ----------
    table : DataFrame
        One row per tag or slice, with an accuracy column and a share column (a fraction of
        all rows). The output of :func:`tag_errors` works as is; the output of
        :func:`error_slices` too (its accuracy is ``1 - error_rate``).
    hlp : str, float or dict, default="hlp"
        Human-level performance: a column of ``table``, one number for every row, or a dict
        name -> HLP. Use the same unit as the accuracy (fraction or percent).
    name : str, optional
        The column naming each row; default ``"tag"``, else ``"slice"``, else the index when
        it is not a plain row number (e.g. ``tag_errors(...).set_index("tag")``), else the
        first column.
    accuracy : str, default="accuracy"
        The accuracy column.
    share : str, default="share"
        The share column, a fraction between 0 and 1.

    Returns
    -------
    DataFrame
        ``name``, ``accuracy``, ``hlp``, ``gap`` (HLP - accuracy), ``share`` and ``gain``
        (gap x share), sorted by gain, largest first (ties keep the input order). When the
        names are the index of ``table``, they stay the index (and there is no ``name``
        column).

    Examples
    --------
    >>> speech = pd.DataFrame({"tag": ["clean speech", "car noise", "people noise", "low bandwidth"],
    ...                        "accuracy": [94, 89, 87, 70], "hlp": [95, 93, 89, 70],
    ...                        "share": [0.60, 0.04, 0.30, 0.06]})
    >>> prioritize(speech)[["tag", "gap", "gain"]].round(2)
                 tag  gap  gain
    0   clean speech    1  0.60
    1   people noise    2  0.60
    2      car noise    4  0.16
    3  low bandwidth    0  0.00
    """
    check_dataframe(table, "table")
    for argument, value in (("name", name), ("accuracy", accuracy), ("share", share)):
        check_column_name(value, argument)
    table = table.copy()
    if accuracy not in table.columns and accuracy == "accuracy" and "error_rate" in table:
        table["accuracy"] = 1 - table["error_rate"]
    on_index = _names_on_index(table, name)
    if not on_index and name is None:
        name = next((c for c in ("tag", "slice") if c in table.columns), table.columns[0])
    check_columns(table, [accuracy, share] + ([] if on_index else [name]),
                  "table (name, accuracy and share)")
    names = table.index.to_series() if on_index else table[name]
    check_numbers(table[accuracy], f"table[{accuracy!r}]")  # checked; its dtype is kept
    shares = check_numbers(table[share], f"table[{share!r}]")
    if (shares < 0).any() or (shares > 1).any():
        raise ValueError(f"table[{share!r}] must hold fractions between 0 and 1; "
                         f"got values up to {shares.max():.3g}.")
    human = _hlp_values(hlp, table, names)
    check_numbers(human, "hlp")
    out = pd.DataFrame({"accuracy": table[accuracy], "hlp": human,
                        "gap": human - table[accuracy], "share": shares}, index=table.index)
    out["gain"] = out["gap"] * out["share"]
    if on_index:  # the names stay where the caller put them: in the index
        return out.sort_values("gain", ascending=False, kind="stable")
    out.insert(0, name, names)
    return out.sort_values("gain", ascending=False, kind="stable").reset_index(drop=True)


def _names_on_index(table: pd.DataFrame, name: str | None) -> bool:
    """True when the row names are the index (tags set as index), not a column."""
    if name is not None:
        return name not in table.columns and name == table.index.name
    has_column = any(c in table.columns for c in ("tag", "slice"))
    return not has_column and not isinstance(table.index, pd.RangeIndex)


def _hlp_values(hlp: Any, table: pd.DataFrame, names: pd.Series) -> pd.Series:
    if isinstance(hlp, str):
        return table[check_columns(table, hlp, "hlp")[0]]
    if isinstance(hlp, Mapping):
        unknown = sorted(set(names) - set(hlp), key=str)
        if unknown:
            raise ValueError(f"hlp has no value for {unknown!r}; give one for every row.")
        return pd.Series([hlp[n] for n in names], index=table.index, dtype=float)
    if isinstance(hlp, Real) and not isinstance(hlp, bool):
        return pd.Series(float(hlp), index=table.index)
    raise TypeError(f"hlp must be a column name, a number or a dict; got {hlp!r}.")
