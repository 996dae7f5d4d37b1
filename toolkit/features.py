"""Features treated by what a column holds: infer each column's kind, then encode it for that kind.

A model only sees numbers, so every column must become numbers, and *how* depends on what the
column holds. A price is already a number (fill the gaps, put it on a common scale); a region
is a handful of labels (one 0/1 column per label); a device model has too many labels for that
(replace each label by what it tells us about the target); an id says nothing about the future
(drop it). :func:`infer_feature_types` decides the kind of each column with an ordered table of
rules, :data:`RULES`, where the first rule that matches wins, and it returns the decision with
the reason in words. :func:`make_preprocessor` turns that decision into a scikit-learn
``ColumnTransformer``; :func:`describe_preprocessor` shows what happens to each column; and
:func:`check_leakage` finds columns that give the answer away.

>>> import pandas as pd
>>> df = pd.DataFrame({"price": [9.5, 12.0, None, 11.0], "plan": ["a", "b", "a", "a"]})
>>> infer_feature_types(df)[["column", "kind", "rule"]]
  column         kind         rule
0  price      numeric      numeric
1   plan  categorical  few_levels
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from toolkit._encoders import (
    _SKLEARN_VERSION,
    MISSING_TOKENS,
    TEXT_MAX_WORDS,
    BagOfWords,
    DateEncoder,
    FrequencyEncoder,
    Imputer,
    MissingAsNaN,
    RareLevelOneHot,
    SeededTargetEncoder,
    ToNumber,
    _date_format,
    _days,
    _family,
    _to_datetime,
    _to_float,
)
from toolkit._shared import MAX_CODE_LEVELS
from toolkit._validation import check_columns, check_dataframe, check_labels, check_one_of
from toolkit.plotting import COLORS, new_axes

__all__ = [
    "KINDS",
    "MAX_CODE_LEVELS",
    "MISSING_TOKENS",
    "RULES",
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

# --- named default thresholds -------------------------------------------------------------
#: A column with at least this share of missing values is dropped.
MOSTLY_MISSING_SHARE = 0.95
#: Text or category columns with at most this many distinct values are one-hot encoded.
MAX_CATEGORIES = 40
#: A text column whose values are distinct for at least this share of rows is an identifier.
ID_UNIQUE_SHARE = 0.95
#: Share of the (non-missing) text values that must parse as numbers, or as dates.
PARSE_SHARE = 0.95
#: Text whose distinct values hold at least this many words on average is free text.
TEXT_MIN_WORDS = 3.0
#: One-hot levels seen in less than this share of training rows are grouped as "infrequent".
RARE_LEVEL_SHARE = 0.01
#: How many distinct values the parse and word-count checks look at (they sample for speed).
SAMPLE_SIZE = 1_000
#: check_leakage: a column alone reaching this cross-validated ROC AUC (or R² for a number
#: target) predicts the target "almost perfectly".
LEAKAGE_SCORE = 0.95
#: check_leakage: a column filled for only a part of the rows, whose filled rows share one
#: outcome at least this often, is probably only filled after the outcome is known.
FILLED_PURITY = 0.97

#: The classes of this module a saved preprocessor may hold, as skops names them: what
#: ``skops.io.load(..., trusted=TRUSTED_TYPES)`` must trust beyond scikit-learn's own types.
TRUSTED_TYPES = [f"{cls.__module__}.{cls.__qualname__}" for cls in (
    BagOfWords, DateEncoder, FrequencyEncoder, Imputer, MissingAsNaN, RareLevelOneHot,
    SeededTargetEncoder, ToNumber)]

#: Every kind a column can get, in the order the preprocessor lists them.
KINDS = ("numeric", "boolean", "datetime", "categorical", "high_cardinality", "text",
         "identifier", "constant", "mostly_missing", "leaky", "age_reference", "target",
         "dropped")

#: What each kind gets, in words (with the default options of :func:`make_preprocessor`).
TREATMENTS = {
    "numeric": "scale, then fill gaps with the median (+ a 0/1 'was missing' column)",
    "boolean": "0/1, gaps filled with the most common value",
    "datetime": "year, month, day of week and age in days, then as numeric",
    "categorical": "one 0/1 column per level; rare and unseen levels go to 'infrequent'",
    "high_cardinality": "target encoding: each level replaced by its (cross-fitted) churn rate",
    "text": f"bag of words: 0/1 columns for the {TEXT_MAX_WORDS} most common words",
    "identifier": "dropped: a name for a row, it says nothing about a new row",
    "constant": "dropped: the same value everywhere carries no information",
    "mostly_missing": "dropped: too few values to learn from",
    "leaky": "dropped: it is only known after the outcome, so not at prediction time",
    "age_reference": "not a feature: each row's own date, from which the other dates' ages "
                     "are counted",
    "target": "not a feature: it is the label the model learns",
    "dropped": "dropped: you asked for it",
}


# --- the rules table -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Facts:
    """What the rules look at in one column (computed once, cheaply)."""

    name: str
    family: str  # "bool", "datetime", "numeric", "category", "text" or "other"
    n_rows: int
    n_missing: int
    n_distinct: int
    whole_numbers: bool = False
    only_0_1: bool = False
    number_share: float = 0.0
    date_share: float = 0.0
    mean_words: float = 0.0
    is_target: bool = False
    leak: str = ""

    @property
    def missing_share(self) -> float:
        return self.n_missing / self.n_rows if self.n_rows else 0.0

    @property
    def distinct_share(self) -> float:
        n_present = self.n_rows - self.n_missing
        return self.n_distinct / n_present if n_present else 0.0


@dataclass(frozen=True)
class Rule:
    """One row of the rules table: if ``applies(facts)``, the column is of ``kind``."""

    name: str
    kind: str
    applies: Callable[[_Facts], bool]
    why: str  # formatted with the facts' fields and the module's thresholds


_TEXTLIKE = ("text", "other")

#: The rules, in order: the first one whose test is true decides the column's kind.
RULES = (
    Rule("target", "target", lambda f: f.is_target, "it is the target you named"),
    Rule("leaky", "leaky", lambda f: bool(f.leak), "check_leakage: {leak}"),
    Rule("all_missing", "mostly_missing", lambda f: f.n_missing == f.n_rows,
         "every value is missing"),
    Rule("mostly_missing", "mostly_missing",
         lambda f: f.missing_share >= MOSTLY_MISSING_SHARE,
         "{missing_share:.0%} of the values are missing (limit {MOSTLY_MISSING_SHARE:.0%})"),
    Rule("constant", "constant", lambda f: f.n_distinct == 1, "it holds a single value"),
    Rule("bool_dtype", "boolean", lambda f: f.family == "bool", "its dtype is boolean"),
    Rule("datetime_dtype", "datetime", lambda f: f.family == "datetime",
         "its dtype is a date-time"),
    Rule("only_0_and_1", "boolean", lambda f: f.family == "numeric" and f.only_0_1,
         "a number column holding only 0 and 1 is a yes/no flag"),
    Rule("numbers_as_text", "numeric",
         lambda f: f.family in _TEXTLIKE and f.number_share >= PARSE_SHARE,
         "text, but {number_share:.0%} of the values read as numbers (e.g. '1,234'; "
         "'N/A' counts as missing)"),
    Rule("dates_as_text", "datetime",
         lambda f: f.family in _TEXTLIKE and f.date_share >= PARSE_SHARE,
         "text, but {date_share:.0%} of the values read as dates"),
    Rule("free_text", "text",
         lambda f: f.family in _TEXTLIKE and f.mean_words >= TEXT_MIN_WORDS,
         "sentences: {mean_words:.1f} words per value on average "
         "(at least {TEXT_MIN_WORDS:g} means free text)"),
    Rule("unique_text", "identifier",
         lambda f: f.family in _TEXTLIKE and f.n_distinct > MAX_CATEGORIES
         and f.distinct_share >= ID_UNIQUE_SHARE,
         "{distinct_share:.0%} of the values are distinct: a name for each row"),
    Rule("unique_integers", "identifier",
         lambda f: f.family == "numeric" and f.whole_numbers and f.n_distinct > MAX_CATEGORIES
         and f.distinct_share == 1.0,
         "whole numbers, all different: a row number or an id"),
    Rule("few_levels", "categorical",
         lambda f: f.family in ("category", *_TEXTLIKE) and f.n_distinct <= MAX_CATEGORIES,
         "labels with {n_distinct} distinct values (at most {MAX_CATEGORIES}: few enough "
         "for one column each)"),
    Rule("many_levels", "high_cardinality", lambda f: f.family in ("category", *_TEXTLIKE),
         "labels with {n_distinct} distinct values (more than {MAX_CATEGORIES}: too many "
         "for one column each)"),
    Rule("integer_codes", "categorical",
         lambda f: f.family == "numeric" and f.whole_numbers and f.n_distinct <= MAX_CODE_LEVELS,
         "whole numbers with only {n_distinct} values (at most {MAX_CODE_LEVELS}) are "
         "more likely codes (1 = Basic, 2 = ...) than amounts"),
    Rule("numeric", "numeric", lambda f: f.family == "numeric", "its dtype is numeric"),
)


def _facts(name: str, series: pd.Series, leak: str = "", is_target: bool = False) -> _Facts:
    family = _family(series)
    base = {"name": name, "family": family, "n_rows": len(series), "leak": leak,
            "is_target": is_target}
    if family == "numeric":
        # Numbers: sort the present values once (numpy, about 5x faster than hashing them).
        values = series.to_numpy(dtype=float, na_value=np.nan)
        distinct = np.unique(values[~np.isnan(values)])
        base.update(n_missing=len(values) - int((~np.isnan(values)).sum()),
                    n_distinct=len(distinct))
        if len(distinct):
            base["whole_numbers"] = bool(np.all(np.mod(distinct, 1) == 0))
            base["only_0_1"] = bool(distinct[0] >= 0 and distinct[-1] <= 1
                                    and base["whole_numbers"])
        return _Facts(**base)
    distinct = pd.Series(series.unique()).dropna()  # one hash pass over the column; then small
    base.update(n_missing=int(series.isna().sum()), n_distinct=len(distinct))
    if family in _TEXTLIKE and len(distinct):
        # Judge text from a sample of its distinct values, so a million rows stay fast.
        sample = distinct.iloc[:SAMPLE_SIZE].astype(str)
        real = sample[~sample.str.strip().str.lower().isin(MISSING_TOKENS)]
        if len(real):
            base["number_share"] = float(_to_float(real).notna().mean())
            fmt = _date_format(real)  # guessed from the first value; no guess, no dates
            if fmt is not None:
                base["date_share"] = float(_to_datetime(real, fmt).notna().mean())
            base["mean_words"] = float(real.str.split().str.len().mean())
    return _Facts(**base)


def _fire(facts: _Facts) -> tuple[Rule, str]:
    context = {**vars(facts), "missing_share": facts.missing_share,
               "distinct_share": facts.distinct_share, **globals()}
    for rule in RULES:
        if rule.applies(facts):
            return rule, rule.why.format(**context)
    # Unreachable: every family ends in a rule ("other" dtypes are read as labels).
    raise AssertionError(f"no rule matched column {facts.name!r}")  # pragma: no cover


def _check_frame(df: Any, name: str = "df") -> pd.DataFrame:
    df = check_dataframe(df, name)
    not_str = [c for c in df.columns if not isinstance(c, str)]
    if not_str:
        raise TypeError(f"{name} column names must be strings; got {not_str[:5]!r}.")
    return df


def infer_feature_types(df: pd.DataFrame, target: str | None = None) -> pd.DataFrame:
    """Decide the kind of every column, and say which rule decided it and why.

    The rules in :data:`RULES` are tried in order and the first that matches wins, so the
    decision is easy to trace. Text columns are also checked for numbers stored as text
    ("1,234", "N/A") and for dates stored as text.

    Parameters
    ----------
    df : pandas.DataFrame
        The data, one column per feature (the target may be included).
    target : str, optional
        The target column. It is marked ``target``, and :func:`check_leakage` runs so that
        columns giving the answer away are marked ``leaky``.

    Returns
    -------
    pandas.DataFrame
        One row per column: ``column``, ``dtype``, ``kind`` (one of :data:`KINDS`),
        ``treatment`` (with the default options of :func:`make_preprocessor`), ``rule`` and
        ``why`` (the rule that fired, in words), ``n_distinct`` and ``missing_share``.

    Raises
    ------
    ValueError
        If ``df`` is empty, has duplicate column names, or ``target`` is not one of its columns.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"charges": ["1,200", "950", "N/A", "1,010"],
    ...                    "signed": ["2024-01-05", "2024-02-11", "2024-03-02", None],
    ...                    "vip": [True, False, False, True]})
    >>> infer_feature_types(df)[["column", "kind", "rule"]]
        column      kind             rule
    0  charges   numeric  numbers_as_text
    1   signed  datetime    dates_as_text
    2      vip   boolean       bool_dtype
    """
    df = _check_frame(df)
    leaks: dict[str, str] = {}
    if target is not None:
        check_columns(df, [target], "target")
        found = check_leakage(df, target)
        leaks = dict(zip(found["column"], found["evidence"], strict=True))
    all_facts = [_facts(name, df[name], leaks.get(name, ""), name == target)
                 for name in df.columns]
    if all(facts.n_missing == facts.n_rows for facts in all_facts):
        raise ValueError("df has only missing values; there is nothing to learn from.")
    rows = []
    for name, facts in zip(df.columns, all_facts, strict=True):
        rule, why = _fire(facts)
        rows.append({"column": name, "dtype": df[name].dtype, "kind": rule.kind,
                     "treatment": TREATMENTS[rule.kind], "rule": rule.name, "why": why,
                     "n_distinct": facts.n_distinct,
                     "missing_share": round(facts.missing_share, 4)})
    return pd.DataFrame(rows)


# --- the preprocessor --------------------------------------------------------------------------
_TYPES_COLUMNS = {"column", "dtype", "kind", "rule"}


def _numeric() -> list[tuple[str, Any]]:
    # Scale first (StandardScaler ignores NaN), so the 0/1 "was missing" columns stay 0/1.
    return [("scale", StandardScaler()),
            ("impute", Imputer(strategy="median", add_indicator=True))]


def _steps(kind: str, text_input: bool, high_cardinality: str, seed: int,
           age_reference: str | None = None) -> Any:
    if kind == "numeric":
        return Pipeline([("to_number", ToNumber()), *_numeric()] if text_input
                        else _numeric())
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
        is_text = chosen["dtype"].map(lambda d: _family(pd.Series([], dtype=d)) in _TEXTLIKE)
        groups = [(kind, chosen)] if kind != "numeric" else [
            ("numeric", chosen[~is_text]), ("numeric_from_text", chosen[is_text])]
        for name, group in groups:
            columns = group["column"].tolist()
            if kind == "datetime" and reference is not None:
                columns.append(reference)  # the DateEncoder reads it, it makes no feature
            if len(group):
                steps = _steps(kind, name.endswith("_from_text"), high_cardinality, seed,
                               reference)
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
        types = infer_feature_types(_check_frame(df_or_types, "df_or_types"), target=target)
    bad = sorted(set(types["kind"]) - set(KINDS))
    if bad:
        raise ValueError(f"df_or_types has unknown kind(s) {bad!r}; use one of {KINDS!r}.")
    return types


def _final_kinds(types: pd.DataFrame, drop: Sequence[str] | str, text: str,
                 age_reference: str | None) -> pd.Series:
    """Each column's kind once ``drop``, ``text`` and ``age_reference`` are applied."""
    drop = [drop] if isinstance(drop, str) else list(drop)
    known = pd.DataFrame(columns=types["column"])
    check_columns(known, drop, "drop")
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


# --- leakage -----------------------------------------------------------------------------------
def _codes(series: pd.Series, n_bins: int = 20) -> np.ndarray:
    """Discretise any column (numbers into quantile bins), missing as its own code."""
    family = _family(series)
    if family in ("numeric", "bool", "datetime") and series.nunique() > n_bins:
        values = _days(series) if family == "datetime" else _to_float(series)
        codes = pd.qcut(values, n_bins, labels=False, duplicates="drop")
        return codes.fillna(-1).to_numpy(dtype=float)
    return pd.factorize(series.astype(object), use_na_sentinel=True)[0].astype(float)


def check_leakage(
    df: pd.DataFrame,
    target: str,
    *,
    threshold: float = LEAKAGE_SCORE,
    show_all: bool = False,
    cv: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Find columns that give the answer away: the signs of target leakage.

    Two checks, each with its evidence:

    - **predicts the target alone**: each column on its own (numbers cut into 20 bins) is
      target-encoded with cross-fitting, so a row is never scored with its own label; if that
      single column reaches ROC AUC >= ``threshold`` (R² for a numeric target), it is suspect.
    - **filled only for one outcome**: a column filled for only some rows whose filled rows
      almost all (>= ``FILLED_PURITY``) share one outcome: typical of a value recorded after the
      outcome (an exit survey, a cancellation date).

    Parameters
    ----------
    df : pandas.DataFrame
        Features and target together.
    target : str
        The target column; it must have no missing values.
    threshold : float, default=LEAKAGE_SCORE
        The single-column score from which a column is flagged.
    show_all : bool, default=False
        Return every column with its scores, not only the flagged ones.
    cv : int, default=5
        Folds of the cross-fitting.
    seed : int, default=0
        Random state of the folds.

    Returns
    -------
    pandas.DataFrame
        ``column``, ``check``, ``metric`` and ``score`` (the column's score alone: ROC AUC, or
        R² for a numeric target), ``filled_purity`` (share of the filled rows with the most
        common outcome), ``flagged`` and ``evidence`` in words, most suspicious first.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 400)
    >>> df = pd.DataFrame({"noise": rng.normal(size=400),
    ...                    "closed_on": np.where(y == 1, "2024-05-01", None), "y": y})
    >>> check_leakage(df, "y")[["column", "check"]]
          column                     check
    0  closed_on  predicts the target alone
    """
    df = _check_frame(df)
    check_columns(df, [target], "target")
    y = check_labels(df[target], f"target column {target!r}", min_classes=2)
    numeric_target = pd.api.types.is_numeric_dtype(y) and y.nunique() > 20
    kind = "continuous" if numeric_target else ("binary" if y.nunique() == 2 else "multiclass")
    rows = []
    for col in df.columns.drop(target):
        x = df[col]
        encoder = SeededTargetEncoder(target_type=kind, cv=cv, seed=seed)
        encoded = encoder.fit_transform(_codes(x).reshape(-1, 1), y)
        metric = "R²" if kind == "continuous" else "ROC AUC"
        if kind == "continuous":
            score = r2_score(y, encoded.ravel())
        elif kind == "binary":
            score = roc_auc_score(y == encoder.classes_[1], encoded.ravel())
        else:
            probs = encoded / encoded.sum(axis=1, keepdims=True)
            score = roc_auc_score(y, probs, multi_class="ovr", labels=encoder.classes_)
        filled = x.notna().to_numpy()
        purity, evidence = np.nan, f"alone it reaches {metric} {score:.2f}"
        if kind != "continuous" and 0 < filled.sum() < len(x):
            shares = y[filled].value_counts(normalize=True)
            purity, outcome = float(shares.iloc[0]), shares.index[0]
            base = float((y == outcome).mean())
            evidence += (f"; filled for {filled.sum()} of {len(x)} rows, {purity:.1%} of them "
                         f"with {target} = {outcome} (overall {base:.1%})")
            if base > FILLED_PURITY:
                purity = np.nan  # the outcome is so common that purity proves nothing
        by_score = score >= threshold
        by_filling = bool(purity >= FILLED_PURITY)
        check = ("predicts the target alone" if by_score
                 else "filled only for one outcome" if by_filling else "")
        rows.append({"column": col, "check": check, "metric": metric,
                     "score": round(float(score), 4),
                     "filled_purity": round(purity, 4), "flagged": by_score or by_filling,
                     "evidence": evidence})
    table = pd.DataFrame(rows).sort_values(["flagged", "score"], ascending=False,
                                           kind="stable").reset_index(drop=True)
    return table if show_all else table[table["flagged"]].reset_index(drop=True)


def plot_leakage(table: pd.DataFrame, ax=None):
    """Bar chart of each column's score on its own from chance: flagged orange-red, others blue.

    Parameters
    ----------
    table : pandas.DataFrame
        From ``check_leakage(df, target, show_all=True)``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure if not given.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=200), "y": rng.integers(0, 2, 200)})
    >>> ax = plot_leakage(check_leakage(df, "y", show_all=True))
    >>> ax.get_xlabel()
    'ROC AUC of the column alone (cross-fitted); the axis starts at chance, 0.5'
    >>> float(ax.get_xlim()[0])
    0.5
    """
    missing = {"column", "metric", "score", "flagged", "check"} - set(table.columns)
    if missing:
        raise ValueError("table must come from check_leakage(..., show_all=True); it lacks "
                         f"{sorted(missing)!r}.")
    ordered = table.sort_values("score")
    ax = new_axes(ax, figsize=(7.0, 1.0 + 0.28 * len(ordered)))
    colors = [COLORS["bad"] if flag else COLORS["primary"] for flag in ordered["flagged"]]
    metric = table["metric"].iloc[0] if len(table) else "score"
    chance = 0.5 if metric == "ROC AUC" else 0.0
    # Bars grow from chance: a column no better than chance has no bar, only a note.
    above = (ordered["score"] - chance).clip(lower=0)
    ax.barh(ordered["column"], above, left=chance, color=colors)
    for y, (_, row) in enumerate(ordered.iterrows()):
        if row["flagged"]:
            ax.text(row["score"] + 0.01, y, row["check"], va="center", color=COLORS["bad"])
        elif row["score"] < chance + 0.01:
            ax.text(chance + 0.01, y, f"no better than chance ({row['score']:.2f})",
                    va="center", color=COLORS["muted"], fontsize=9)
    ax.axvline(chance, color=COLORS["muted"], linestyle="--", linewidth=1)
    ax.set_xlim(chance, 1.3)  # starts at chance; room on the right for the labels
    ax.set_xticks(np.round(np.arange(chance, 1.001, 0.1), 1))
    ax.set_ylim(-0.6, len(ordered) - 0.4)
    ax.set_xlabel(f"{metric} of the column alone (cross-fitted); the axis starts at chance, "
                  f"{chance:g}")
    ax.set_ylabel("column")
    ax.set_title("Which column gives the answer away?")
    ax.grid(axis="y", visible=False)
    return ax
