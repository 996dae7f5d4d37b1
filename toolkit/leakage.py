"""Leakage: columns that give the answer away, because they are only known after the outcome.

A column filled in after a customer has left (an exit survey, a cancellation date) makes a model
look brilliant in the notebook and useless in production, where that column is still empty at
prediction time. :func:`check_leakage` looks for the two signs of it, each with its evidence in
words, and :func:`plot_leakage` draws every column's score on its own. :mod:`toolkit.features`
re-exports both, and :func:`toolkit.features.infer_feature_types` marks the flagged columns
``leaky`` when given the target.

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> y = rng.integers(0, 2, 400)
>>> df = pd.DataFrame({"noise": rng.normal(size=400),
...                    "closed_on": np.where(y == 1, "2024-05-01", None), "y": y})
>>> check_leakage(df, "y")["column"].tolist()
['closed_on']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import r2_score, roc_auc_score

from toolkit._columns import NUMBER_KINDS, column_kind
from toolkit._encoders import SeededTargetEncoder
from toolkit._parsing import check_frame, days_since_epoch, to_float
from toolkit._validation import (
    check_columns,
    check_dataframe,
    check_labels,
    check_numbers,
    check_positive_int,
    check_probability,
    check_seed,
)
from toolkit.plotting import COLORS, new_axes

__all__ = ["FILLED_PURITY", "LEAKAGE_SCORE", "check_leakage", "plot_leakage"]

#: check_leakage: a column alone reaching this cross-validated ROC AUC (or R² for a number
#: target) predicts the target "almost perfectly".
LEAKAGE_SCORE = 0.95
#: check_leakage: a column filled for only a part of the rows, whose filled rows share one
#: outcome at least this often, is probably only filled after the outcome is known.
FILLED_PURITY = 0.97


def _codes(series: pd.Series, n_bins: int = 20) -> np.ndarray:
    """Discretise any column (numbers into quantile bins), missing as its own code."""
    kind = column_kind(series)
    if kind in (*NUMBER_KINDS, "boolean", "datetime") and series.nunique() > n_bins:
        values = days_since_epoch(series) if kind == "datetime" else to_float(series)
        codes = pd.qcut(values, n_bins, labels=False, duplicates="drop")
        return codes.fillna(-1).to_numpy(dtype=float)
    return pd.factorize(series.astype(object), use_na_sentinel=True)[0].astype(float)


# The columns of check_leakage's table (also when df holds only the target)
_TABLE_COLUMNS = ["column", "check", "metric", "score", "filled_purity", "flagged", "evidence"]


def _check_folds(y: pd.Series, cv: int, kind: str, target: Any) -> None:
    """Cross-fitting needs ``cv`` rows (of each class, for classes): say so before scikit-learn."""
    counts = y.value_counts()
    if kind == "continuous":
        fewest, label = len(y), "row(s)"
    else:
        rarest = counts.idxmin()
        rarest = rarest.item() if isinstance(rarest, np.generic) else rarest  # 0, not np.int64(0)
        fewest, label = int(counts.min()), f"row(s) of class {rarest!r}"
    if fewest < cv:
        raise ValueError(f"target column {target!r} has {fewest} {label}; the cross-fitting needs at "
                         f"least cv={cv}: pass a smaller cv (2 at least) or more rows.")


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
    df = check_frame(df)
    check_columns(df, [target], "target")
    y = check_labels(df[target], f"target column {target!r}", min_classes=2)
    threshold = check_probability(threshold, "threshold")
    cv = check_positive_int(cv, "cv", minimum=2)
    seed = check_seed(seed)
    numeric = pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
    # a float target with fractions is a quantity, however few its distinct values
    fractions = numeric and not np.all(np.mod(y.to_numpy(dtype=float), 1) == 0)
    numeric_target = numeric and (y.nunique() > 20 or fractions)
    kind = "continuous" if numeric_target else ("binary" if y.nunique() == 2 else "multiclass")
    if len(df.columns) > 1:  # with no other column there is nothing to cross-fit
        _check_folds(y, cv, kind, target)
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
    table = pd.DataFrame(rows, columns=_TABLE_COLUMNS).sort_values(
        ["flagged", "score"], ascending=False, kind="stable").reset_index(drop=True)
    # (astype: an empty object column would select columns, not rows)
    return table if show_all else table[table["flagged"].astype(bool)].reset_index(drop=True)


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
    check_dataframe(table, "table", allow_empty=True)
    missing = {"column", "metric", "score", "flagged", "check"} - set(table.columns)
    if missing:
        raise ValueError("table must come from check_leakage(..., show_all=True); it lacks "
                         f"{sorted(missing)!r}.")
    check_numbers(table["score"], "table['score']")
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
