"""Error analysis: where does the model fail, and which failure is worth fixing first?

An overall error rate hides where the errors are. This module breaks them down by *slice*
(the customers of one region, one price band, ...) and by *tag* (named rules such as
"complained about the price"), searches for weak slices automatically, and ranks what to work
on with Andrew Ng's prioritisation table: the gap to human-level performance times the share of
the data it concerns. The plots show a classifier's confusion matrix, its precision and recall
against the decision threshold, its calibration, and a regressor's residuals.

>>> import pandas as pd
>>> df = pd.DataFrame({"region": ["North", "North", "South", "South"]})
>>> error_slices(df, [0, 1, 0, 1], [0, 1, 1, 0], by="region", min_size=1)[["slice", "error_rate"]]
            slice  error_rate
0  region = North         0.0
1  region = South         1.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import combinations
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from toolkit._metrics import precision_recall_f1
from toolkit._shared import MAX_CODE_LEVELS
from toolkit._validation import (
    check_columns,
    check_dataframe,
    check_labels,
    check_mapping,
    check_positive_int,
    check_probabilities,
    check_probability,
    check_same_length,
)
from toolkit.plotting import COLORS, new_axes

__all__ = [
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

#: Number of quantile bins for a numeric column in :func:`error_slices`.
SLICE_BINS = 4
#: Most levels shown for a categorical or text column in :func:`error_slices` (the rest: "other").
SLICE_LEVELS = 20
#: Number of bins per column in :func:`find_weak_slices` (quantiles, or the most frequent values).
SEARCH_BINS = 10
MISSING = "missing"
OTHER = "other"


# --------------------------------------------------------------------------- binning helpers
def _fmt(value: Any) -> str:
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return str(pd.Timestamp(value).date())
    if isinstance(value, (float, np.floating)):
        return f"{value:.3g}"
    return str(value)


def _bin_column(column: pd.Series, n_bins: int,
                max_levels: int | None = None) -> tuple[np.ndarray, list[str]]:
    """Integer codes 0..k-1 for each row, and the label of each code.

    Numeric (and date) columns with more than ``n_bins`` distinct values are cut at their
    quantiles, except whole-number codes (at most ``MAX_CODE_LEVELS`` values, the rule
    :mod:`toolkit.features` uses): those, and anything else, keep their ``max_levels - 1``
    most frequent values (default ``n_bins``) and pool the rest as "other". Missing values get
    a bin of their own, because they often behave differently.
    """
    max_levels = n_bins if max_levels is None else max_levels
    missing = column.isna().to_numpy()
    is_date = pd.api.types.is_datetime64_any_dtype(column)
    numeric = (is_date or pd.api.types.is_numeric_dtype(column)) and not (
        pd.api.types.is_bool_dtype(column))
    if numeric and column.nunique() > n_bins and not _is_code(column, is_date):
        values = column.to_numpy(dtype="datetime64[ns]" if is_date else float)
        as_float = values.astype("int64").astype(float) if is_date else values
        as_float = np.where(missing, np.nan, as_float)
        edges = np.unique(np.nanquantile(as_float, np.linspace(0, 1, n_bins + 1)))
        codes = np.searchsorted(edges[1:-1], as_float, side="right")
        shown = edges.astype("int64").astype("datetime64[ns]") if is_date else edges
        labels = [f"[{_fmt(lo)}, {_fmt(hi)})" for lo, hi in zip(shown[:-2], shown[1:-1], strict=True)]
        labels.append(f"[{_fmt(shown[-2])}, {_fmt(shown[-1])}]")
    else:
        counts = column.value_counts(dropna=True, sort=False)
        if len(counts) > max_levels:  # keep the most frequent values
            counts = counts.sort_values(ascending=False, kind="stable")
        else:  # keep the natural order: categories as declared, numbers and text sorted
            counts = counts.sort_index()
        keep = list(counts.index[: max_levels - 1] if len(counts) > max_levels else counts.index)
        lookup = pd.Index(keep)
        codes = lookup.get_indexer(column.to_numpy(dtype=object))
        labels = [_fmt(v) for v in keep]
        if len(keep) < len(counts):
            codes = np.where((codes < 0) & ~missing, len(labels), codes)
            labels.append(OTHER)
    codes = np.asarray(codes, dtype=np.int64)
    if missing.any():
        codes = np.where(missing, len(labels), codes)
        labels.append(MISSING)
    return codes, labels


def _is_code(column: pd.Series, is_date: bool) -> bool:
    """Whole numbers with few values (e.g. an occupation coded 1-6): slice them value by value.

    The same rule and threshold (``MAX_CODE_LEVELS``) as :mod:`toolkit.features` uses to
    one-hot encode integer codes.
    """
    if is_date:
        return False
    values = column.dropna().to_numpy(dtype=float)
    distinct = np.unique(values)
    return len(distinct) <= MAX_CODE_LEVELS and bool(np.all(np.mod(distinct, 1) == 0))


def _errors(y_true: Any, y_pred: Any) -> np.ndarray:
    truth = check_labels(y_true, "y_true")
    pred = check_labels(y_pred, "y_pred")
    check_same_length(y_true=truth, y_pred=pred)
    return truth.to_numpy() != pred.to_numpy()


def _wilson(errors: np.ndarray, size: np.ndarray, confidence: float) -> tuple[np.ndarray, ...]:
    """Wilson score interval for a proportion: sensible even for small slices and rates near 0."""
    from scipy.stats import norm

    z = norm.ppf(0.5 + confidence / 2)
    p = errors / size
    denom = 1 + z**2 / size
    centre = (p + z**2 / (2 * size)) / denom
    half = z * np.sqrt(p * (1 - p) / size + z**2 / (4 * size**2)) / denom
    return centre - half, centre + half


# --------------------------------------------------------------------------- slices
def error_slices(df: pd.DataFrame, y_true: Any, y_pred: Any, by: str | Sequence[str], *,
                 min_size: int = 30, bins: int = SLICE_BINS,
                 confidence: float = 0.95) -> pd.DataFrame:
    """Error rate of each slice of one column, or of two columns crossed.

    Parameters
    ----------
    df : DataFrame
        The rows that were predicted (for example the test set), one row per prediction.
    y_true, y_pred : array-like
        True and predicted labels, in the order of ``df``'s rows.
    by : str or list of one or two str
        Column(s) defining the slices. Two columns are crossed (South & Basic, South &
        Premium, ...). Numeric columns with more than ``bins`` values are cut at quantiles,
        except whole numbers with at most ``MAX_CODE_LEVELS`` (6) values, codes such as an
        occupation 1-6, which are sliced value by value; other columns keep their 19 most
        frequent values and pool the rest as "other";
        missing values form a slice of their own.
    min_size : int, default=30
        Slices with fewer rows are left out: their error rate is mostly noise.
    bins : int, default=4
        Quantile bins per numeric column (4 = quartiles).
    confidence : float, default=0.95
        Confidence level of the Wilson interval around each error rate.

    Returns
    -------
    DataFrame
        One row per slice, in the natural order of the bins: the ``by`` columns, ``slice`` (a
        readable name), ``size``, ``share`` (of all rows), ``errors``, ``error_rate``,
        ``ci_low``, ``ci_high``, ``error_share`` (of all errors) and ``lift`` (error rate
        divided by the overall error rate; 2 means twice as many errors as average).

    Examples
    --------
    >>> df = pd.DataFrame({"plan": ["A", "A", "B", "B", "B"]})
    >>> table = error_slices(df, [1, 0, 1, 1, 0], [1, 0, 0, 0, 0], by="plan", min_size=1)
    >>> table[["plan", "size", "errors", "error_rate", "lift"]]
      plan  size  errors  error_rate      lift
    0    A     2       0    0.000000  0.000000
    1    B     3       2    0.666667  1.666667
    """
    check_dataframe(df, "df")
    columns = check_columns(df, by, "by")
    if not 1 <= len(columns) <= 2:
        raise ValueError(f"by must name one or two columns; got {len(columns)}: {columns!r}.")
    errors = _errors(y_true, y_pred)
    check_same_length(df=df, y_true=errors)
    check_positive_int(min_size, "min_size")
    check_positive_int(bins, "bins", minimum=2)
    check_probability(confidence, "confidence")

    combined = np.zeros(len(df), dtype=np.int64)
    binned = []
    for name in columns:
        codes, labels = _bin_column(df[name], bins, SLICE_LEVELS)
        combined = combined * len(labels) + codes
        binned.append(labels)
    n_cells = int(np.prod([len(labels) for labels in binned]))
    size = np.bincount(combined, minlength=n_cells)
    wrong = np.bincount(combined, weights=errors, minlength=n_cells).astype(np.int64)
    keep = np.flatnonzero(size >= min_size)
    overall = errors.mean()

    table = pd.DataFrame(index=range(len(keep)))
    parts = np.unravel_index(keep, [len(labels) for labels in binned])
    for name, labels, idx in zip(columns, binned, parts, strict=True):
        table[name] = np.asarray(labels, dtype=object)[idx]
    table["slice"] = [" & ".join(f"{name} = {table.at[i, name]}" for name in columns)
                      for i in table.index]
    size, wrong = size[keep], wrong[keep]
    low, high = _wilson(wrong, size, confidence)
    table = table.assign(size=size, share=size / len(df), errors=wrong, error_rate=wrong / size,
                         ci_low=low, ci_high=high,
                         error_share=wrong / max(errors.sum(), 1),
                         lift=(wrong / size) / overall if overall else np.nan)
    return table


def find_weak_slices(X: pd.DataFrame, y_true: Any, y_pred: Any, *, max_features: int = 2,
                     min_support: float = 0.01, top_k: int = 10, bins: int = SEARCH_BINS,
                     alpha: float = 0.99) -> pd.DataFrame:
    """Search every slice of up to ``max_features`` columns for big slices with many errors.

    Each column is cut into at most ``bins`` bins and coded as integers, so the size and the
    errors of every slice of a combination of columns come from one ``np.bincount``: no loop
    over rows or slices. Slices smaller than ``min_support`` are dropped; the rest are ranked by
    the SliceLine score (Sagadeeva & Boehm, 2021), which trades the slice's lift against its
    size::

        score = alpha * (lift - 1) - (1 - alpha) * (n_rows / size - 1)

    A score above 0 means the slice is both worse than average and big enough to matter: with
    the default ``alpha=0.99``, a slice of 1 % of the rows needs twice the average error rate,
    a slice of 10 % needs 9 % more errors than average.

    Parameters
    ----------
    X : DataFrame
        The features of the predicted rows (any dtypes; text is pooled into its most
        frequent values).
    y_true, y_pred : array-like
        True and predicted labels, in the order of ``X``'s rows.
    max_features : int, default=2
        Largest number of conditions in a slice (1 = single columns, 2 = pairs, 3 = triples).
    min_support : float or int, default=0.01
        Smallest slice kept: a fraction of the rows if below 1, else a number of rows.
    top_k : int, default=10
        How many slices to return.
    bins : int, default=10
        Bins per column.
    alpha : float, default=0.99
        Weight of the error lift against the size (between 0 and 1; 1 ignores size, lower
        values favour bigger slices).

    Returns
    -------
    DataFrame
        The ``top_k`` best slices, best first: ``slice`` (the conditions), ``n_features``,
        ``size``, ``share``, ``errors``, ``error_rate``, ``lift`` and ``score``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"a": rng.integers(0, 3, 2000), "b": rng.integers(0, 3, 2000)})
    >>> y_true = np.zeros(2000, dtype=int)
    >>> y_pred = ((X["a"] == 2) & (X["b"] == 0)).astype(int).to_numpy()  # wrong only there
    >>> find_weak_slices(X, y_true, y_pred, top_k=1)["slice"].tolist()
    ['a = 2 & b = 0']
    """
    check_dataframe(X, "X")
    errors = _errors(y_true, y_pred)
    n = check_same_length(X=X, y_true=errors)
    check_positive_int(max_features, "max_features")
    check_positive_int(top_k, "top_k")
    check_positive_int(bins, "bins", minimum=2)
    check_probability(alpha, "alpha")
    support = _min_rows(min_support, n)
    if errors.sum() == 0:
        raise ValueError("y_pred has no errors: there is no weak slice to find.")

    coded = [_bin_column(X[name], bins) for name in X.columns]
    overall = errors.mean()
    found = []  # (columns, cell codes, sizes, errors) per combination
    for k in range(1, min(max_features, X.shape[1]) + 1):
        for combo in combinations(range(X.shape[1]), k):
            shape = [len(coded[j][1]) for j in combo]
            cell = np.zeros(n, dtype=np.int64)
            for j, width in zip(combo, shape, strict=True):
                cell = cell * width + coded[j][0]
            size = np.bincount(cell, minlength=int(np.prod(shape)))
            keep = np.flatnonzero(size >= support)
            if len(keep):
                wrong = np.bincount(cell, weights=errors, minlength=len(size))[keep]
                found.append((combo, shape, keep, size[keep], wrong))
    if not found:
        raise ValueError(f"no slice has at least min_support={min_support!r} rows; lower it.")

    sizes = np.concatenate([f[3] for f in found])
    wrong = np.concatenate([f[4] for f in found])
    lift = wrong / sizes / overall
    score = alpha * (lift - 1) - (1 - alpha) * (n / sizes - 1)
    owner = np.repeat(np.arange(len(found)), [len(f[2]) for f in found])
    position = np.concatenate([f[2] for f in found])
    best = np.argsort(-score, kind="stable")[:top_k]

    names = []
    for i in best:
        combo, shape, *_ = found[owner[i]]
        codes = np.unravel_index(position[i], shape)
        names.append(" & ".join(f"{X.columns[j]} = {coded[j][1][c]}"
                                for j, c in zip(combo, codes, strict=True)))
    return pd.DataFrame({
        "slice": names,
        "n_features": [len(found[owner[i]][0]) for i in best],
        "size": sizes[best],
        "share": sizes[best] / n,
        "errors": wrong[best].astype(np.int64),
        "error_rate": wrong[best] / sizes[best],
        "lift": lift[best],
        "score": score[best],
    })


def _min_rows(min_support: Any, n: int) -> int:
    if isinstance(min_support, bool) or not isinstance(min_support, Real):
        raise TypeError(f"min_support must be a fraction or a number of rows; got {min_support!r}.")
    if min_support <= 0:
        raise ValueError(f"min_support must be positive; got {min_support!r}.")
    rows = int(np.ceil(min_support * n)) if min_support < 1 else int(min_support)
    if rows > n:
        raise ValueError(
            f"min_support={min_support!r} asks for slices of at least {rows} rows, "
            f"but the data has only {n} rows.")
    return rows


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
    errors = _errors(y_true, y_pred)
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
        mask = rule(df)
    elif isinstance(rule, (pd.Series, np.ndarray, list)):
        mask = rule
    else:
        raise TypeError(f"rules[{name!r}] must be a function, an expression string or a "
                        f"boolean mask; got {rule!r}.")
    mask = np.asarray(mask)
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
    table = table.copy()
    if accuracy not in table.columns and accuracy == "accuracy" and "error_rate" in table:
        table["accuracy"] = 1 - table["error_rate"]
    on_index = _names_on_index(table, name)
    if not on_index and name is None:
        name = next((c for c in ("tag", "slice") if c in table.columns), table.columns[0])
    check_columns(table, [accuracy, share] + ([] if on_index else [name]),
                  "table (name, accuracy and share)")
    names = table.index.to_series() if on_index else table[name]
    shares = table[share].to_numpy(dtype=float)
    if (shares < 0).any() or (shares > 1).any():
        raise ValueError(f"table[{share!r}] must hold fractions between 0 and 1; "
                         f"got values up to {shares.max():.3g}.")
    human = _hlp_values(hlp, table, names)
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


# --------------------------------------------------------------------------- thresholds
def threshold_curve(y_true: Any, proba: Any, thresholds: Any = None) -> pd.DataFrame:
    """Confusion counts, precision, recall and F1 for each decision threshold.

    A classifier outputs a probability; the threshold turns it into a decision ("contact this
    customer if p >= t"). Lowering it catches more churners (recall up) at the price of more
    false alarms (precision down).

    Parameters
    ----------
    y_true : array-like of 0/1
        True labels; 1 is the positive class.
    proba : array-like of float
        Predicted probability of class 1, between 0 and 1.
    thresholds : array-like of float, optional
        Default: 0.01, 0.02, ..., 0.99.

    Returns
    -------
    DataFrame
        One row per threshold: ``threshold``, ``tp``, ``fp``, ``fn``, ``tn``, ``precision``
        (0 when nothing is predicted positive: the toolkit's one rule, as scikit-learn's
        ``zero_division=0``), ``recall``, ``f1`` and ``error_rate``.

    Examples
    --------
    >>> threshold_curve([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], thresholds=[0.5])
       threshold  tp  fp  fn  tn  precision  recall   f1  error_rate
    0        0.5   1   1   1   1        0.5     0.5  0.5         0.5
    """
    truth, p = _binary_and_proba(y_true, proba)
    t = np.round(np.arange(1, 100) / 100, 2) if thresholds is None else check_probabilities(
        thresholds, "thresholds")
    t = np.atleast_1d(t)
    pos, neg = np.sort(p[truth == 1]), np.sort(p[truth == 0])
    tp = len(pos) - np.searchsorted(pos, t, side="left")  # predicted positive: p >= t
    fp = len(neg) - np.searchsorted(neg, t, side="left")
    fn, tn = len(pos) - tp, len(neg) - fp
    precision, recall, f1 = precision_recall_f1(tp, fp, fn)
    return pd.DataFrame({"threshold": t, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
                         "precision": precision, "recall": recall, "f1": f1,
                         "error_rate": (fp + fn) / len(p)})


def _binary_and_proba(y_true: Any, proba: Any) -> tuple[np.ndarray, np.ndarray]:
    truth = check_labels(y_true, "y_true", min_classes=2)
    p = check_probabilities(proba, "proba")
    if p.ndim != 1:
        raise ValueError(f"proba must be one-dimensional (the probability of class 1); "
                         f"got shape {p.shape}.")
    check_same_length(y_true=truth, proba=p)
    values = set(pd.unique(truth).tolist())
    if not values <= {0, 1}:
        raise ValueError(f"y_true must hold 0/1 labels; got {sorted(values, key=str)!r}.")
    return truth.to_numpy(dtype=int), p


# --------------------------------------------------------------------------- plots
#: How 0/1 churn labels are shown on figures: by what they mean, not by their code.
CHURN_LABELS = {0: "stays", 1: "churns"}


def plot_confusion(y_true: Any, y_pred: Any, *, labels: Sequence | None = None,
                   display_labels: Sequence[str] | None = None, ax=None):
    r"""Confusion matrix with counts and row rates (the share of each true class) together.

    Parameters
    ----------
    y_true, y_pred : array-like
        True and predicted classes.
    labels : sequence, optional
        The classes, in the order of the rows and columns; default: every class seen, sorted.
    display_labels : sequence of str, optional
        The names shown for ``labels``; default "stays"/"churns" for 0/1 labels
        (:data:`CHURN_LABELS`), else the labels themselves.
    ax : matplotlib Axes, optional
        Where to draw; a new figure if not given.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_confusion([0, 0, 1, 1], [0, 1, 1, 1])
    >>> [t.get_text() for t in ax.texts]
    ['1\n50%', '1\n50%', '0\n0%', '2\n100%']
    >>> [t.get_text() for t in ax.get_xticklabels()], ax.get_ylabel()
    (['stays', 'churns'], 'true class')
    """
    from sklearn.metrics import confusion_matrix

    truth = check_labels(y_true, "y_true")
    pred = check_labels(y_pred, "y_pred")
    check_same_length(y_true=truth, y_pred=pred)
    labels = sorted(set(truth) | set(pred)) if labels is None else list(labels)
    names = _display_names(labels, display_labels)
    counts = confusion_matrix(truth, pred, labels=labels)
    rates = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    ax = new_axes(ax, figsize=(4.2, 3.6))
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for (i, j), count in np.ndenumerate(counts):
        ax.text(j, i, f"{count}\n{rates[i, j]:.0%}", ha="center", va="center", fontsize=11,
                color="white" if rates[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(labels)), names)
    ax.set_yticks(range(len(labels)), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.grid(False)
    ax.set_title("Confusion matrix (count, share of the true class)", fontsize=11)
    return ax


def _display_names(labels: list, display_labels: Sequence[str] | None) -> list[str]:
    if display_labels is None:
        if set(labels) <= set(CHURN_LABELS):
            return [CHURN_LABELS[v] for v in labels]
        return [str(v) for v in labels]
    if isinstance(display_labels, str) or len(display_labels) != len(labels):
        raise ValueError(f"display_labels must give one name per class {labels!r}; "
                         f"got {display_labels!r}.")
    return [str(v) for v in display_labels]


def plot_threshold(y_true: Any, proba: Any, threshold: float = 0.5, *, ax=None):
    """Precision, recall and F1 against the decision threshold, the chosen one marked.

    Examples
    --------
    >>> ax = plot_threshold([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], threshold=0.35)
    >>> [line.get_label() for line in ax.get_lines()][:3]
    ['precision', 'recall', 'F1']
    """
    check_probability(threshold, "threshold")
    curve = threshold_curve(y_true, proba)
    ax = new_axes(ax)
    for column, label, color in [("precision", "precision", COLORS["primary"]),
                                 ("recall", "recall", COLORS["highlight"]),
                                 ("f1", "F1", COLORS["good"])]:
        ax.plot(curve["threshold"], curve[column], label=label, color=color, linewidth=2)
    ax.axvline(threshold, color=COLORS["muted"], linestyle="--", linewidth=1.2)
    chosen = threshold_curve(y_true, proba, thresholds=[threshold]).iloc[0]
    ax.text(threshold + 0.01, 0.03, f"threshold {threshold:g}\nprecision {chosen['precision']:.2f}"
            f"\nrecall {chosen['recall']:.2f}", fontsize=9, va="bottom")
    ax.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="decision threshold (predict 1 if p ≥ t)",
           ylabel="score", title="Precision and recall trade off")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def plot_calibration(y_true: Any, proba: Any, *, n_bins: int = 10, ax=None):
    """Reliability diagram: observed rate of 1s against the predicted probability.

    A calibrated model's points lie on the diagonal: of the customers given 30 %, about 30 %
    churn. Wraps :func:`sklearn.calibration.calibration_curve` (quantile bins).

    Examples
    --------
    >>> ax = plot_calibration([0, 0, 1, 1, 0, 1], [0.1, 0.3, 0.7, 0.8, 0.2, 0.9], n_bins=2)
    >>> ax.get_xlabel()
    'mean predicted probability'
    """
    from sklearn.calibration import calibration_curve

    truth, p = _binary_and_proba(y_true, proba)
    check_positive_int(n_bins, "n_bins", minimum=2)
    observed, predicted = calibration_curve(truth, p, n_bins=n_bins, strategy="quantile")
    ax = new_axes(ax, figsize=(4.5, 4.2))
    ax.plot([0, 1], [0, 1], color=COLORS["muted"], linestyle="--", label="perfectly calibrated")
    ax.plot(predicted, observed, marker="o", color=COLORS["primary"], linewidth=2, label="model")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="mean predicted probability",
           ylabel="observed share of 1s", title="Calibration")
    ax.legend(loc="upper left")
    return ax


def plot_slices(table: pd.DataFrame, *, ax=None):
    """Error rate of each slice from :func:`error_slices`, its interval, and the overall rate.

    Examples
    --------
    >>> df = pd.DataFrame({"plan": ["A"] * 4 + ["B"] * 4})
    >>> table = error_slices(df, [0] * 8, [0, 0, 0, 1, 1, 1, 0, 1], by="plan", min_size=1)
    >>> ax = plot_slices(table)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['plan = A', 'plan = B']
    """
    check_dataframe(table, "table")
    check_columns(table, ["slice", "error_rate", "ci_low", "ci_high", "lift", "size"], "table")
    ax = new_axes(ax, figsize=(7, 0.45 * len(table) + 1.4))
    y = np.arange(len(table))[::-1]
    overall = (table["error_rate"] / table["lift"]).replace([np.inf, -np.inf], np.nan).dropna()
    line = float(overall.iloc[0]) if len(overall) else np.nan
    rate = table["error_rate"].to_numpy()
    # A slice is flagged only when its whole interval lies above the overall rate.
    colors = [COLORS["bad"] if low > line else COLORS["primary"] for low in table["ci_low"]]
    ax.barh(y, rate, color=colors, alpha=0.85, height=0.6)
    ax.errorbar(rate, y, xerr=[rate - table["ci_low"], table["ci_high"] - rate], fmt="none",
                ecolor="black", capsize=3, linewidth=1)
    label = "error rate with its 95 % interval"
    if not np.isnan(line):
        ax.axvline(line, color="black", linestyle="--", linewidth=1.5)
        label += f"\ndashed: overall {line:.1%} · orange-red: interval entirely above it"
    ax.set_yticks(y, table["slice"])
    ax.set(xlabel=label, ylabel="slice", title="Error rate by slice")
    ax.xaxis.set_major_formatter("{x:.0%}")
    return ax


def plot_residuals(y_true: Any, y_pred: Any, *, ax=None):
    """Residuals (true - predicted) against the prediction, for a regression model.

    Structure in this cloud (a curve, a funnel) means the model misses something systematic.

    Examples
    --------
    >>> ax = plot_residuals([1.0, 2.0, 3.0], [1.5, 2.0, 2.0])
    >>> ax.get_ylabel()
    'residual (true - predicted)'
    """
    truth = check_labels(y_true, "y_true").to_numpy(dtype=float)
    pred = check_labels(y_pred, "y_pred").to_numpy(dtype=float)
    check_same_length(y_true=truth, y_pred=pred)
    ax = new_axes(ax)
    ax.scatter(pred, truth - pred, s=12, alpha=0.5, color=COLORS["primary"])
    ax.axhline(0, color=COLORS["highlight"], linestyle="--", linewidth=2)
    ax.set(xlabel="predicted value", ylabel="residual (true - predicted)", title="Residuals")
    return ax
