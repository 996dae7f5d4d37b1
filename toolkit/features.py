"""Features treated by what a column holds: infer each column's kind, then encode it for that kind.

A model only sees numbers, so every column must become numbers, and *how* depends on what the
column holds. A price is already a number (fill the gaps, put it on a common scale); a region
is a handful of labels (one 0/1 column per label); a device model has too many labels for that
(replace each label by what it tells us about the target); an id says nothing about the future
(drop it). Three files, one step each, all importable from here:

- :mod:`toolkit.feature_types`: :func:`infer_feature_types` decides the kind of each column with
  an ordered table of rules, :data:`RULES`, where the first rule that matches wins, and returns
  the decision with the reason in words;
- this module: :func:`make_preprocessor` turns that decision into a scikit-learn
  ``ColumnTransformer`` built from the transformers of :mod:`toolkit._encoders`, and
  :func:`describe_preprocessor` shows what happens to each column;
- :mod:`toolkit.leakage`: :func:`check_leakage` finds columns that give the answer away.

>>> import pandas as pd
>>> df = pd.DataFrame({"price": [9.5, 12.0, None, 11.0], "plan": ["a", "b", "a", "a"]})
>>> infer_feature_types(df)[["column", "kind", "rule"]]
  column         kind         rule
0  price      numeric      numeric
1   plan  categorical  few_levels
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from toolkit._columns import column_kind
from toolkit._encoders import (
    _SKLEARN_VERSION,
    TEXT_MAX_WORDS,
    BagOfWords,
    DateEncoder,
    FrequencyEncoder,
    Imputer,
    MissingAsNaN,
    RareLevelOneHot,
    SeededTargetEncoder,
    ToNumber,
)
from toolkit._parsing import MISSING_TOKENS, check_frame
from toolkit._validation import check_columns, check_dataframe, check_one_of, check_seed
from toolkit.estimators import LogisticRegression
from toolkit.feature_types import (
    ID_UNIQUE_SHARE,
    KINDS,
    MAX_CATEGORIES,
    MAX_CODE_LEVELS,
    MOSTLY_MISSING_SHARE,
    PARSE_SHARE,
    RULES,
    SAMPLE_SIZE,
    TEXT_MIN_WORDS,
    TEXTLIKE,
    TREATMENTS,
    Rule,
    infer_feature_types,
)
from toolkit.leakage import FILLED_PURITY, LEAKAGE_SCORE, check_leakage, plot_leakage

__all__ = [
    "FILLED_PURITY",
    "ID_UNIQUE_SHARE",
    "KINDS",
    "LEAKAGE_SCORE",
    "MAX_CATEGORIES",
    "MAX_CODE_LEVELS",
    "MISSING_TOKENS",
    "MOSTLY_MISSING_SHARE",
    "PARSE_SHARE",
    "RARE_LEVEL_SHARE",
    "RULES",
    "SAMPLE_SIZE",
    "TEXT_MAX_WORDS",
    "TEXT_MIN_WORDS",
    "TREATMENTS",
    "TRUSTED_TYPES",
    "BagOfWords",
    "DateEncoder",
    "FrequencyEncoder",
    "Imputer",
    "MissingAsNaN",
    "RareLevelOneHot",
    "Rule",
    "SeededTargetEncoder",
    "ToNumber",
    "check_leakage",
    "describe_preprocessor",
    "infer_feature_types",
    "make_preprocessor",
    "plot_leakage",
]

#: One-hot levels seen in less than this share of training rows are grouped as "infrequent".
RARE_LEVEL_SHARE = 0.01

#: The course's classes a saved model may hold, as skops names them: the transformers of
#: :mod:`toolkit._encoders` and the logistic regression of :mod:`toolkit.estimators`. What
#: ``skops.io.load(..., trusted=TRUSTED_TYPES)`` must trust beyond scikit-learn's own types.
TRUSTED_TYPES = [f"{cls.__module__}.{cls.__qualname__}" for cls in (
    BagOfWords, DateEncoder, FrequencyEncoder, Imputer, MissingAsNaN, RareLevelOneHot,
    SeededTargetEncoder, ToNumber, LogisticRegression)]


# --- the preprocessor --------------------------------------------------------------------------
_TYPES_COLUMNS = {"column", "dtype", "kind", "rule"}


def _numeric() -> list[tuple[str, Any]]:
    # Scale first (StandardScaler ignores NaN), so the 0/1 "was missing" columns stay 0/1.
    return [("scale", StandardScaler()),
            ("impute", Imputer(strategy="median", add_indicator=True))]


def _steps(kind: str, high_cardinality: str, seed: int,
           age_reference: str | None = None) -> Any:
    if kind == "numeric":  # ToNumber also for numbers: it reads an infinity as missing
        return Pipeline([("to_number", ToNumber()), *_numeric()])
    if kind == "boolean":
        return Pipeline([("to_number", ToNumber()),
                         ("impute", Imputer(strategy="most_frequent"))])
    if kind == "datetime":
        return Pipeline([("dates", DateEncoder(reference=age_reference)), *_numeric()])
    if kind == "categorical":
        # RareLevelOneHot reads every kind of gap (None, NaN, pd.NA) as one "missing" level.
        return Pipeline([("one_hot", RareLevelOneHot(min_frequency=RARE_LEVEL_SHARE))])
    if kind == "high_cardinality":
        encoder = (SeededTargetEncoder(seed=seed) if high_cardinality == "target"
                   else FrequencyEncoder())
        return Pipeline([("missing_as_nan", MissingAsNaN()), ("encode", encoder)])
    if kind == "text":
        return BagOfWords()
    return "drop"


def make_preprocessor(
    df_or_types: pd.DataFrame,
    *,
    target: str | None = None,
    drop: Sequence[str] = (),
    high_cardinality: str = "target",
    text: str = "bag_of_words",
    seed: int = 0,
    age_reference: str | None = None,
) -> ColumnTransformer:
    """Build a ``ColumnTransformer`` that treats each column according to its kind.

    =================  =====================================================================
    kind               treatment
    =================  =====================================================================
    numeric            scale, fill gaps with the median and add a 0/1 "was missing" column;
                       numbers stored as text are parsed first
    boolean            0/1, gaps filled with the most common value
    datetime           year, month, day of week, age in days (then as numeric)
    categorical        one-hot; levels under 1 % of rows and unseen levels -> "infrequent"
    high_cardinality   target encoding (cross-fitted) or frequency encoding
    text               bag of words, or dropped
    identifier, ...    dropped (identifier, constant, mostly_missing, leaky, age_reference,
                       target)
    =================  =====================================================================

    Columns are listed explicitly (no ``make_column_selector``), so saving the fitted
    preprocessor with skops needs no extra trusted types beyond this module's transformers.

    Parameters
    ----------
    df_or_types : pandas.DataFrame
        The training features, or the table returned by :func:`infer_feature_types`
        (possibly with some ``kind`` values changed by you).
    target : str, optional
        The target column, when ``df_or_types`` still holds it: it is left out, and so are the
        columns :func:`check_leakage` flags.
    drop : sequence of str, default=()
        Columns to leave out, e.g. a leak you know about: ``drop=["exit_survey_score"]``.
    high_cardinality : {"target", "frequency"}, default="target"
        - ``"target"``: scikit-learn's ``TargetEncoder`` (needs ``y`` when fitting).
        - ``"frequency"``: :class:`FrequencyEncoder` (no ``y`` needed).
    text : {"bag_of_words", "drop"}, default="bag_of_words"
        - ``"bag_of_words"``: :class:`BagOfWords`.
        - ``"drop"``: leave free text out.
    seed : int, default=0
        Random state of the target encoder's cross-fitting.
    age_reference : str, optional
        A date column holding each row's own "now", e.g. ``"month"``, the month a snapshot
        row describes. Every other date's age in days is then counted from that row's date
        (see :class:`DateEncoder`), and the column itself is not a feature: it is listed as
        kind ``"age_reference"`` among the dropped columns. Without it, ages are counted from
        the latest date seen at fit, which freezes them: a model serving later months would
        see every customer as old as on the day it was fitted, and customers who arrive
        after the fit with negative ages it never learned from. Row-relative ages mean the
        same thing in every month, so use them for a model that will score future months.

    Returns
    -------
    sklearn.compose.ColumnTransformer
        Unfitted. One transformer per kind, named after it; dropped kinds use ``"drop"``.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"price": [9.5, 12.0, None, 11.0], "plan": ["a", "b", "a", "a"],
    ...                   "id": ["u1", "u2", "u3", "u4"]})
    >>> pre = make_preprocessor(X, drop=["id"]).set_output(transform="pandas")
    >>> pre.fit_transform(X).columns.tolist()
    ['price', 'missingindicator_price', 'plan_a', 'plan_b']

    Ages counted from each row's own month, which is not a feature itself:

    >>> X = pd.DataFrame({"signed": ["2023-05-01", "2024-01-15", "2022-11-30", "2024-02-01"],
    ...                   "month": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-03-01"],
    ...                   "charges": [9.5, 12.0, 11.25, 30.0]})
    >>> pre = make_preprocessor(X, age_reference="month").fit(X)
    >>> [name for name, _, columns in pre.transformers if "month" in columns]
    ['datetime', 'age_reference']
    >>> pre.get_feature_names_out().tolist()
    ['charges', 'signed_year', 'signed_month', 'signed_day_of_week', 'signed_age_days']
    """
    check_one_of(high_cardinality, "high_cardinality", ("target", "frequency"))
    seed = check_seed(seed)
    check_one_of(text, "text", ("bag_of_words", "drop"))
    types = _types_table(df_or_types, target)
    kinds = _final_kinds(types, drop, text, age_reference)
    reference = types["column"][kinds == "age_reference"]
    reference = reference.iloc[0] if len(reference) else None
    transformers = []
    for kind in KINDS[:-2] + ("dropped",):  # the target is simply not selected
        chosen = types[kinds == kind]
        if chosen.empty:
            continue
        is_text = chosen["dtype"].map(lambda d: column_kind(pd.Series([], dtype=d)) in TEXTLIKE)
        groups = [(kind, chosen)] if kind != "numeric" else [
            ("numeric", chosen[~is_text]), ("numeric_from_text", chosen[is_text])]
        for name, group in groups:
            columns = group["column"].tolist()
            if kind == "datetime" and reference is not None:
                columns.append(reference)  # the DateEncoder reads it, it makes no feature
            if len(group):
                steps = _steps(kind, high_cardinality, seed, reference)
                transformers.append((name, steps, columns))
    if all(steps == "drop" for _, steps, _ in transformers):
        raise ValueError("df_or_types leaves no column to learn from: every column is "
                         "dropped (identifier, constant, mostly missing, leaky or in drop).")
    # scikit-learn 1.5 and 1.6 store the remainder in a private list type skops distrusts.
    old = {"force_int_remainder_cols": False} if (1, 5) <= _SKLEARN_VERSION < (1, 7) else {}
    return ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0,
                             verbose_feature_names_out=False, **old)


def _types_table(df_or_types: Any, target: str | None) -> pd.DataFrame:
    """The table of kinds: given by the caller, or inferred from the data."""
    if not isinstance(df_or_types, pd.DataFrame):
        raise TypeError("df_or_types must be a pandas DataFrame (the data or the table from "
                        f"infer_feature_types); got {type(df_or_types).__name__}.")
    if _TYPES_COLUMNS <= set(df_or_types.columns):
        types = check_dataframe(df_or_types, "df_or_types")
        if target is not None:
            types = types.assign(kind=types["kind"].where(types["column"] != target, "target"))
    else:
        types = infer_feature_types(check_frame(df_or_types, "df_or_types"), target=target)
    bad = sorted(set(types["kind"]) - set(KINDS))
    if bad:
        raise ValueError(f"df_or_types has unknown kind(s) {bad!r}; use one of {KINDS!r}.")
    return types


def _final_kinds(types: pd.DataFrame, drop: Sequence[str] | str, text: str,
                 age_reference: str | None) -> pd.Series:
    """Each column's kind once ``drop``, ``text`` and ``age_reference`` are applied."""
    known = pd.DataFrame(columns=types["column"])
    drop = [] if drop is None else check_columns(known, drop, "drop")
    kinds = types["kind"].where(~types["column"].isin(drop), "dropped")
    if text == "drop":
        kinds = kinds.replace("text", "dropped")
    if age_reference is not None:
        if not isinstance(age_reference, str):
            raise TypeError("age_reference must be the name of a date column (a str); got "
                            f"{age_reference!r}.")
        check_columns(known, [age_reference], "age_reference")
        kind = kinds[types["column"] == age_reference].iloc[0]
        if kind not in ("datetime", "constant"):  # constant: a single month is still a date
            raise ValueError(f"age_reference must name a date column; {age_reference!r} is "
                             f"of kind {kind!r}.")
        kinds = kinds.where(types["column"] != age_reference, "age_reference")
    if (kinds == "age_reference").sum() > 1:
        raise ValueError("df_or_types has more than one column of kind 'age_reference' ("
                         f"{types['column'][kinds == 'age_reference'].tolist()!r}); keep one.")
    return kinds


_STEP_WORDS = {
    "StandardScaler": lambda e: "scale",
    "Imputer": lambda e: f"fill gaps ({e.strategy})"
    + (" + was-missing flag" if e.add_indicator else ""),
    "OneHotEncoder": lambda e: "one-hot (rare & unseen -> infrequent)"
    if e.handle_unknown == "infrequent_if_exist" else "one-hot",
    "RareLevelOneHot": lambda e: "one-hot (rare & unseen -> infrequent)",
    "SeededTargetEncoder": lambda e: "target encoding (cross-fitted)",
    "FrequencyEncoder": lambda e: "frequency encoding",
    "ToNumber": lambda e: "to number",
    "MissingAsNaN": lambda e: "missing as NaN",
    "DateEncoder": lambda e: "date parts + age in days"
    + (f" at each row's {e.reference}" if e.reference is not None else ""),
    "BagOfWords": lambda e: f"bag of words (top {e.max_words})",
}


def _describe_steps(est: Any) -> str:
    if isinstance(est, str):
        return est
    parts = [step for _, step in est.steps] if isinstance(est, Pipeline) else [est]
    return " -> ".join(_STEP_WORDS.get(type(p).__name__, lambda e: type(e).__name__)(p)
                       for p in parts)


def _reference_of(est: Any) -> str | None:
    """The age reference column a DateEncoder (alone or in a pipeline) reads, if any."""
    parts = [step for _, step in est.steps] if isinstance(est, Pipeline) else [est]
    return next((p.reference for p in parts if isinstance(p, DateEncoder)), None)


def _owner(output: str, columns: list[str]) -> str:
    """The input column an output column comes from: 'plan_Basic' -> 'plan'."""
    exact = [c for c in columns
             if output == c or output.startswith(c + "_") or output.endswith("_" + c)]
    loose = [c for c in columns if c in output]
    return max(exact or loose or columns[:1], key=len)


def describe_preprocessor(preprocessor: ColumnTransformer) -> pd.DataFrame:
    """Show what a preprocessor does to each input column: its kind, steps and outputs.

    Parameters
    ----------
    preprocessor : sklearn.compose.ColumnTransformer
        Usually from :func:`make_preprocessor`, fitted or not (output columns are known only
        once it is fitted).

    Returns
    -------
    pandas.DataFrame
        One row per input column: ``column``, ``kind`` (the transformer's name), ``steps``,
        ``output_columns`` (comma-separated) and ``n_outputs``.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"price": [9.5, 12.0, None, 11.0], "plan": ["a", "b", "a", "a"]})
    >>> describe_preprocessor(make_preprocessor(X).fit(X))[["column", "output_columns"]]
      column                  output_columns
    0  price  price, missingindicator_price
    1   plan                  plan_a, plan_b
    """
    if not isinstance(preprocessor, ColumnTransformer):
        raise TypeError("preprocessor must be a ColumnTransformer (from make_preprocessor); "
                        f"got {type(preprocessor).__name__}.")
    fitted = hasattr(preprocessor, "transformers_")
    rows = []
    for name, est, cols in (preprocessor.transformers_ if fitted else preprocessor.transformers):
        if name == "remainder":
            continue
        cols = [cols] if isinstance(cols, str) else list(cols)
        cols = [c for c in cols if c != _reference_of(est)]  # listed as age_reference
        outputs: dict[str, list[str]] = {c: [] for c in cols}
        if fitted and est != "drop":
            for out in est.get_feature_names_out(cols):
                outputs[_owner(str(out), cols)].append(str(out))
        for col in cols:
            shown = ", ".join(outputs[col]) if fitted else "(fit first)"
            rows.append({"column": col, "kind": name, "steps": _describe_steps(est),
                         "output_columns": shown if shown else "(none)",
                         "n_outputs": len(outputs[col]) if fitted else np.nan})
    return pd.DataFrame(rows)
