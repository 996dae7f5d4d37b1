"""Feature types: decide what each column holds, with an ordered table of rules.

A model only sees numbers, and *how* a column becomes numbers depends on what it holds: a price
is an amount, a region a handful of labels, a device model too many labels for one column each,
an id nothing at all. :func:`infer_feature_types` reads each column's dtype
(:func:`toolkit._columns.column_kind`) and a few cheap facts about its values (share missing,
distinct values, text that reads as numbers or dates, words per value), then tries the rules of
:data:`RULES` in order: the first that matches decides the column's kind, and the table it
returns says which rule fired and why. :mod:`toolkit.features` turns those kinds into a
preprocessor and re-exports everything here.

>>> import pandas as pd
>>> df = pd.DataFrame({"price": [9.5, 12.0, None, 11.0], "plan": ["a", "b", "a", "a"]})
>>> infer_feature_types(df)[["column", "kind", "rule"]]
  column         kind         rule
0  price      numeric      numeric
1   plan  categorical  few_levels
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from toolkit._columns import NUMBER_KINDS, column_kind
from toolkit._encoders import TEXT_MAX_WORDS
from toolkit._parsing import MISSING_TOKENS, check_frame, guess_date_format, to_datetime, to_float
from toolkit._shared import MAX_CODE_LEVELS
from toolkit._validation import check_columns
from toolkit.leakage import check_leakage

__all__ = [
    "ID_UNIQUE_SHARE",
    "KINDS",
    "MAX_CATEGORIES",
    "MAX_CODE_LEVELS",
    "MOSTLY_MISSING_SHARE",
    "PARSE_SHARE",
    "RULES",
    "SAMPLE_SIZE",
    "TEXTLIKE",
    "TEXT_MIN_WORDS",
    "TREATMENTS",
    "Rule",
    "infer_feature_types",
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
#: How many distinct values the parse and word-count checks look at (they sample for speed).
SAMPLE_SIZE = 1_000

#: Every kind a column can get, in the order the preprocessor lists them.
KINDS = ("numeric", "boolean", "datetime", "categorical", "high_cardinality", "text",
         "identifier", "constant", "mostly_missing", "leaky", "age_reference", "target",
         "dropped")

#: What each kind gets, in words (with the default options of :func:`toolkit.features.make_preprocessor`).
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
    dtype_kind: str  # what toolkit._columns.column_kind says: "boolean", "integer", "text", ...
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


#: The column kinds read as text: their values may hold numbers, dates, words or labels.
TEXTLIKE = ("text", "other")

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
    Rule("bool_dtype", "boolean", lambda f: f.dtype_kind == "boolean", "its dtype is boolean"),
    Rule("datetime_dtype", "datetime", lambda f: f.dtype_kind == "datetime",
         "its dtype is a date-time"),
    Rule("only_0_and_1", "boolean", lambda f: f.dtype_kind in NUMBER_KINDS and f.only_0_1,
         "a number column holding only 0 and 1 is a yes/no flag"),
    Rule("numbers_as_text", "numeric",
         lambda f: f.dtype_kind in TEXTLIKE and f.number_share >= PARSE_SHARE,
         "text, but {number_share:.0%} of the values read as numbers (e.g. '1,234'; "
         "'N/A' counts as missing)"),
    Rule("dates_as_text", "datetime",
         lambda f: f.dtype_kind in TEXTLIKE and f.date_share >= PARSE_SHARE,
         "text, but {date_share:.0%} of the values read as dates"),
    Rule("free_text", "text",
         lambda f: f.dtype_kind in TEXTLIKE and f.mean_words >= TEXT_MIN_WORDS,
         "sentences: {mean_words:.1f} words per value on average "
         "(at least {TEXT_MIN_WORDS:g} means free text)"),
    Rule("unique_text", "identifier",
         lambda f: f.dtype_kind in TEXTLIKE and f.n_distinct > MAX_CATEGORIES
         and f.distinct_share >= ID_UNIQUE_SHARE,
         "{distinct_share:.0%} of the values are distinct: a name for each row"),
    Rule("unique_integers", "identifier",
         lambda f: f.dtype_kind in NUMBER_KINDS and f.whole_numbers and f.n_distinct > MAX_CATEGORIES
         and f.distinct_share == 1.0,
         "whole numbers, all different: a row number or an id"),
    Rule("few_levels", "categorical",
         lambda f: f.dtype_kind in ("category", *TEXTLIKE) and f.n_distinct <= MAX_CATEGORIES,
         "labels with {n_distinct} distinct values (at most {MAX_CATEGORIES}: few enough "
         "for one column each)"),
    Rule("many_levels", "high_cardinality", lambda f: f.dtype_kind in ("category", *TEXTLIKE),
         "labels with {n_distinct} distinct values (more than {MAX_CATEGORIES}: too many "
         "for one column each)"),
    Rule("integer_codes", "categorical",
         lambda f: f.dtype_kind in NUMBER_KINDS and f.whole_numbers and f.n_distinct <= MAX_CODE_LEVELS,
         "whole numbers with only {n_distinct} values (at most {MAX_CODE_LEVELS}) are "
         "more likely codes (1 = Basic, 2 = ...) than amounts"),
    Rule("numeric", "numeric", lambda f: f.dtype_kind in NUMBER_KINDS, "its dtype is numeric"),
)


def _facts(name: str, series: pd.Series, leak: str = "", is_target: bool = False) -> _Facts:
    kind = column_kind(series)
    base = {"name": name, "dtype_kind": kind, "n_rows": len(series), "leak": leak,
            "is_target": is_target}
    if kind in NUMBER_KINDS:
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
    if kind in TEXTLIKE and len(distinct):
        # Judge text from a sample of its distinct values, so a million rows stay fast.
        sample = distinct.iloc[:SAMPLE_SIZE].astype(str)
        real = sample[~sample.str.strip().str.lower().isin(MISSING_TOKENS)]
        if len(real):
            base["number_share"] = float(to_float(real).notna().mean())
            fmt = guess_date_format(real)  # guessed from the first value; no guess, no dates
            if fmt is not None:
                base["date_share"] = float(to_datetime(real, fmt).notna().mean())
            base["mean_words"] = float(real.str.split().str.len().mean())
    return _Facts(**base)


def _fire(facts: _Facts) -> tuple[Rule, str]:
    context = {**vars(facts), "missing_share": facts.missing_share,
               "distinct_share": facts.distinct_share, **globals()}
    for rule in RULES:
        if rule.applies(facts):
            return rule, rule.why.format(**context)
    # Unreachable: every column kind ends in a rule ("other" dtypes are read as labels).
    raise AssertionError(f"no rule matched column {facts.name!r}")  # pragma: no cover


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
    df = check_frame(df)
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
