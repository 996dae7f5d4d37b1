"""Drift of all columns at once: can a model tell the current batch from the reference?

Column tests look at one column at a time; the *domain classifier* learns to predict "is this
row from the current batch?" from every input. Its cross-validated ROC AUC is near 0.5 when
nothing changed and grows with the drift, including changes no single column shows (a new
combination of values); shuffling one column at a time shows *what* changed.

>>> import numpy as np, pandas as pd
>>> ref = pd.DataFrame({"x": np.random.default_rng(0).normal(size=500)})
>>> round(domain_classifier(ref, ref.assign(x=ref["x"] + 3)).auc, 2)
0.98
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from toolkit._validation import check_positive_int, check_probability, check_seed
from toolkit.drift_columns import PreparedReference, check_pair, numbers
from toolkit.drift_rules import facts_of, fire

__all__ = ["DOMAIN_MAX_LEVELS", "DomainClassifierResult", "domain_classifier"]


@dataclass
class DomainClassifierResult:
    """What :func:`domain_classifier` returns.

    Attributes
    ----------
    auc : float
        Cross-validated ROC AUC of telling current rows from reference rows: 0.5 means the two
        look alike, 1.0 that every row gives its origin away.
    auc_low, auc_high : float
        Its confidence interval (Hanley & McNeil's standard error).
    columns : pandas.DataFrame
        ``column`` and ``importance`` (the drop in AUC when that column is shuffled in a
        held-out fold), most separating first.
    n_rows : int
        Rows used from each frame.
    """

    auc: float
    auc_low: float
    auc_high: float
    columns: pd.DataFrame
    n_rows: int
    confidence: float = 0.95


#: domain_classifier: each label column keeps its most frequent levels as 0/1 columns, the
#: rest share one "other" column.
DOMAIN_MAX_LEVELS = 30


def _design(df: pd.DataFrame, columns: Sequence[str],
            kinds: Mapping[str, str]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The model's input and, per column, the indices of its matrix columns.

    Numbers are standardised (gaps filled, with a 'was missing' flag), labels one-hot. No label
    is used, so building it once before cross-validation leaks nothing.
    """
    parts, blocks, width = [], [], 0
    for name in columns:
        series = df[name]
        if kinds[name] == "numeric":
            values = numbers(series)  # a new array, NaN where missing or infinite
            missing = np.isnan(values)
            values[missing] = np.nanmedian(values) if (~missing).any() else 0.0
            values = (values - values.mean()) / (values.std() or 1.0)
            block = [values] + ([missing.astype(float)] if missing.any() else [])
        else:
            codes, _ = pd.factorize(series, use_na_sentinel=False)
            kept = np.argsort(-np.bincount(codes), kind="stable")[:DOMAIN_MAX_LEVELS]
            block = [(codes == k).astype(float) for k in kept]
            block.append((~np.isin(codes, kept)).astype(float))
        parts.extend(block)
        blocks.append(np.arange(width, width + len(block)))
        width += len(block)
    return np.column_stack(parts), blocks


def domain_classifier(reference: pd.DataFrame, current: pd.DataFrame,
                      columns: Sequence[str] | None = None, *, cv: int = 5,
                      max_rows: int = 20_000, confidence: float = 0.95,
                      seed: int = 0) -> DomainClassifierResult:
    """Can a model tell current rows from reference rows? A test of all columns at once.

    A logistic regression (numbers scaled, labels one-hot) learns to predict "is this row from
    the current batch?". Its cross-validated ROC AUC is near 0.5 when nothing changed and grows
    with the drift, including changes no single column shows (a new combination of values).
    Shuffling one column at a time and measuring the drop in AUC shows *what* changed.
    Columns that name rows (identifiers) are left out. A linear model keeps it fast everywhere,
    including inside a busy Jupyter kernel.

    Parameters
    ----------
    reference, current : pandas.DataFrame
        The two samples, with the same columns.
    columns : list of str, optional
        Columns to use (default: all).
    cv : int, default=5
        Cross-validation folds.
    max_rows : int, default=20000
        At most this many rows are drawn from each frame (the AUC needs no more).
    confidence : float, default=0.95
        Level of the AUC's interval.
    seed : int, default=0
        Seed of the row sample, the folds and the shuffles.

    Returns
    -------
    DomainClassifierResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=1000), "y": rng.normal(size=1000)})
    >>> result = domain_classifier(ref, ref.assign(x=ref["x"] + 1.0))
    >>> round(result.auc, 1), result.columns["column"].iloc[0]
    (0.8, 'x')
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    columns = check_pair(reference, current, columns)
    cv = check_positive_int(cv, "cv", minimum=2)
    max_rows = check_positive_int(max_rows, "max_rows", minimum=10)
    confidence = check_probability(confidence, "confidence")
    seed = check_seed(seed)
    ref = PreparedReference(reference, columns)
    # identifiers name rows (every row gives its frame away) and empty columns say nothing
    summaries = ref.summaries
    kept = [c for c in columns if summaries[c].n > 0
            and fire(facts_of(summaries[c], 1, 0.0))[0].name != "identifier"]
    if not kept:
        raise ValueError(f"columns: none of {columns!r} can tell the frames apart (each is empty in "
                         "the reference or an identifier); pass columns that hold values.")
    rng = np.random.default_rng(seed)
    parts = [frame.iloc[np.sort(rng.choice(len(frame), min(len(frame), max_rows), replace=False))]
             for frame in (reference, current)]
    if min(len(parts[0]), len(parts[1])) < cv:
        raise ValueError(f"current and reference need at least cv={cv} rows each; got "
                         f"{len(parts[1])} and {len(parts[0])}.")
    kinds = {c: summaries[c].kind for c in kept}
    X, blocks = _design(pd.concat(parts, ignore_index=True), kept, kinds)
    y = np.r_[np.zeros(len(parts[0]), dtype=int), np.ones(len(parts[1]), dtype=int)]
    model = LogisticRegression(max_iter=500)
    folds = StratifiedKFold(cv, shuffle=True, random_state=seed)
    with threadpool_limits(1):  # BLAS threads fight other work on a busy machine
        proba = cross_val_predict(model, X, y, cv=folds, method="predict_proba")[:, 1]
        auc = float(roc_auc_score(y, proba))
        # What separates: shuffle one column's block in a held-out fold, measure the AUC drop.
        train, test = next(folds.split(X, y))
        fitted = model.fit(X[train], y[train])
        base = roc_auc_score(y[test], fitted.predict_proba(X[test])[:, 1])
        drops = []
        for block in blocks:
            shuffled = X[test].copy()
            shuffled[:, block] = shuffled[rng.permutation(len(test))][:, block]
            drops.append(base - roc_auc_score(y[test], fitted.predict_proba(shuffled)[:, 1]))
    n1, n2 = int(y.sum()), int(len(y) - y.sum())
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    se = math.sqrt(max(auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n2 - 1) * (q2 - auc**2), 0)
                   / (n1 * n2))
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    table = pd.DataFrame({"column": kept, "importance": np.round(drops, 6)})
    table = table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    return DomainClassifierResult(auc, max(auc - z * se, 0.0), min(auc + z * se, 1.0), table,
                                  len(parts[0]), confidence)

