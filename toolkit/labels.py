"""Consistent labels: find the rows, items and annotators a model would be confused by.

A model learns whatever the labels say, mistakes included. This module helps you find those
mistakes before they cost you:

- :func:`find_conflicting_labels`: the same customer twice (identical features) with two labels;
- :func:`annotator_agreement`: how much several annotators agree beyond chance (Cohen's and
  Fleiss' kappa, also from a table of vote counts with :func:`fleiss_kappa`), and on which
  items they disagree;
- :func:`majority_vote`: one label per item, with the ties reported instead of hidden;
- :func:`find_suspect_labels`: rows whose given label a cross-validated model finds unlikely
  (the idea behind *confident learning*), and :func:`precision_at_k` (with
  :func:`plot_precision_at_k`) to check such flags against a known answer. These three live in
  :mod:`toolkit.suspect_labels` and are re-exported here.

>>> import pandas as pd
>>> from toolkit.labels import annotator_agreement
>>> votes = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3, 4, 4],
...                       "annotator": ["ann", "bob"] * 4,
...                       "label": [1, 1, 0, 0, 1, 0, 0, 0]})
>>> round(annotator_agreement(votes, item="item").fleiss_kappa, 3)
0.467
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit._validation import (
    _short,
    check_class_labels,
    check_columns,
    check_dataframe,
    check_labels,
)
from toolkit.plotting import new_axes
from toolkit.suspect_labels import find_suspect_labels, plot_precision_at_k, precision_at_k

__all__ = [
    "AgreementResult",
    "annotator_agreement",
    "find_conflicting_labels",
    "find_suspect_labels",
    "fleiss_kappa",
    "majority_vote",
    "plot_precision_at_k",
    "precision_at_k",
]


def _check_not_all_missing(df: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    empty = [c for c in columns if df[c].isna().all()]
    if empty:
        raise ValueError(
            f"{name} column(s) {empty!r} contain only missing values; "
            "they carry no information, so drop them first."
        )


# --------------------------------------------------------------------------- duplicates


def find_conflicting_labels(df: pd.DataFrame, features: Sequence[str], label: str) -> pd.DataFrame:
    """Return the rows whose features are identical but whose labels differ.

    Two rows with exactly the same features and opposite labels cannot both be right: either
    one label is wrong, or the features miss what tells the two cases apart. Missing values
    count as equal to each other here, so two copies of a row with the same gaps match.

    Parameters
    ----------
    df : DataFrame
        The labelled data.
    features : list of str
        The columns that describe a case. Leave out identifiers such as ``customer_id``:
        two copies of a customer under different ids would otherwise never match.
    label : str
        The label column.

    Returns
    -------
    DataFrame
        Every row of ``df`` that belongs to a conflicting group (original index kept), with two
        columns in front: ``group`` (0, 1, ... one number per set of identical rows) and
        ``n_rows`` (how many rows share those features). Empty when there is no conflict.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["a", "b", "c"], "plan": ["Basic", "Basic", "Pro"],
    ...                    "calls": [2, 2, 0], "churned": [1, 0, 0]})
    >>> find_conflicting_labels(df, features=["plan", "calls"], label="churned")
       group  n_rows id   plan  calls  churned
    0      0       2  a  Basic      2        1
    1      0       2  b  Basic      2        0
    """
    df = check_dataframe(df, "df")
    features = check_columns(df, features, "features")
    labels = check_columns(df, label, "label")
    if len(labels) != 1:
        raise ValueError(f"label must name one column; got {label!r}.")
    (label,) = labels
    if not features:
        raise ValueError("features is empty; name at least one column that describes a case.")
    if label in features:
        raise ValueError(f"features must not contain the label column {label!r}.")
    check_labels(df[label], f"label column {label!r}")
    _check_not_all_missing(df, features, "features")

    # One group per distinct combination of feature values; NaN is a value like any other.
    groups = df.groupby(features, dropna=False, observed=True, sort=False)
    n_labels = groups[label].transform("nunique")
    conflicting = df[n_labels > 1]
    group_id = groups.ngroup()[conflicting.index]
    out = conflicting.assign(group=pd.factorize(group_id)[0],
                             n_rows=groups[label].transform("size")[conflicting.index])
    out = out[["group", "n_rows", *df.columns]]
    return out.sort_values("group", kind="stable")


# --------------------------------------------------------------------------- annotators


def _check_annotations(annotations: Any, item: str, annotator: str, label: str) -> pd.DataFrame:
    annotations = check_dataframe(annotations, "annotations")
    check_columns(annotations, [item, annotator, label], "annotations")
    check_class_labels(check_labels(annotations[label], f"annotations column {label!r}"),
                       f"annotations column {label!r}", advice="annotators give classes, e.g. 0/1")
    _check_not_all_missing(annotations, [item, annotator], "annotations")
    names = pd.unique(annotations[annotator])
    if len(names) < 2:
        raise ValueError(
            f"annotations has only one annotator ({names[0]!r}); "
            "agreement and votes need at least two annotators."
        )
    repeated = annotations.duplicated([item, annotator])
    if repeated.any():
        first = annotations.loc[repeated, [item, annotator]].iloc[0].tolist()
        raise ValueError(
            f"annotations has {int(repeated.sum())} repeated (item, annotator) pair(s), e.g. "
            f"{first!r}; each annotator may label each item once."
        )
    return annotations


def _votes(annotations: pd.DataFrame, item: str, label: str) -> pd.DataFrame:
    """Items x labels table of vote counts."""
    votes = pd.crosstab(annotations[item], annotations[label])
    votes.columns.name = label
    return votes


def fleiss_kappa(counts: Any) -> float:
    """Fleiss' kappa from a table of vote counts: one row per item, one column per label.

    Kappa compares how often raters agree (``P_bar``: for each item, the share of rater
    pairs that agree, averaged over items) with how often they would agree by chance if they
    drew labels at random with the observed label shares (``P_e``):
    ``kappa = (P_bar - P_e) / (1 - P_e)``. 1 is perfect agreement, 0 is chance, below 0 is
    worse than chance. Items may have different numbers of ratings; items with fewer than two
    are left out (nobody to agree with).

    Parameters
    ----------
    counts : DataFrame or 2-D array
        ``counts[i, j]`` is how many raters gave label ``j`` to item ``i``.

    Returns
    -------
    float
        Nan when every rating has the same label (chance agreement is then 1).

    Examples
    --------
    >>> round(fleiss_kappa([[2, 0], [0, 2], [1, 1], [2, 0]]), 3)
    0.467
    """
    try:
        table = np.asarray(counts, dtype=float)
    except (TypeError, ValueError):  # text, a set, ragged rows: numpy's message names nothing
        raise TypeError(f"counts must be a table of vote counts (numbers); got {_short(counts)}.") from None
    if table.ndim != 2 or table.size == 0:
        raise ValueError(f"counts must be a non-empty 2-D table; got shape {table.shape}.")
    if not np.isfinite(table).all() or (table < 0).any():
        raise ValueError("counts must hold vote counts: finite numbers >= 0, none missing.")
    n_i = table.sum(axis=1)
    table, n_i = table[n_i >= 2], n_i[n_i >= 2]
    if len(table) == 0:
        raise ValueError("counts has no item with at least two ratings; kappa needs pairs.")
    agree_i = ((table**2).sum(axis=1) - n_i) / (n_i * (n_i - 1))
    p_bar = agree_i.mean()
    share_j = table.sum(axis=0) / table.sum()
    p_e = (share_j**2).sum()
    return float("nan") if np.isclose(p_e, 1.0) else float((p_bar - p_e) / (1 - p_e))


@dataclass(frozen=True)
class AgreementResult:
    """What :func:`annotator_agreement` measured.

    Attributes
    ----------
    pairwise : DataFrame
        Annotators x annotators: Cohen's kappa of each pair on the items both labelled
        (1 on the diagonal).
    fleiss_kappa : float
        Agreement of all annotators at once, beyond chance.
    per_item : DataFrame
        One row per item: ``n_ratings``, ``n_labels`` (distinct labels given), ``agreement``
        (share of ratings that match the most common one) and ``unanimous``.
    percent_agreement : float
        Share of items on which every annotator gave the same label (no chance correction).
    """

    pairwise: pd.DataFrame
    fleiss_kappa: float
    per_item: pd.DataFrame
    percent_agreement: float

    @property
    def mean_pairwise_kappa(self) -> float:
        """Mean Cohen's kappa over all distinct pairs of annotators."""
        matrix = self.pairwise.to_numpy()
        return float(np.nanmean(matrix[np.triu_indices_from(matrix, k=1)]))

    def summary(self) -> pd.DataFrame:
        """One-row table: Fleiss' kappa, mean pairwise Cohen's kappa, percent agreement.

        Examples
        --------
        >>> import pandas as pd
        >>> votes = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3, 4, 4],
        ...                       "annotator": ["ann", "bob"] * 4,
        ...                       "label": [1, 1, 0, 0, 1, 0, 0, 0]})
        >>> annotator_agreement(votes, item="item").summary()
           fleiss_kappa  mean_pairwise_kappa  percent_agreement
        0         0.467                  0.5               0.75
        """
        return pd.DataFrame({"fleiss_kappa": [self.fleiss_kappa],
                             "mean_pairwise_kappa": [self.mean_pairwise_kappa],
                             "percent_agreement": [self.percent_agreement]}).round(3)

    def plot(self, ax=None, title: str = "Pairwise Cohen's kappa"):
        """Heat map of the pairwise Cohen's kappa, Fleiss' kappa in the title; returns the Axes.

        Examples
        --------
        >>> import pandas as pd
        >>> votes = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3], "annotator": ["a", "b"] * 3,
        ...                       "label": [1, 1, 0, 0, 1, 0]})
        >>> annotator_agreement(votes, item="item").plot().get_title().splitlines()
        ["Pairwise Cohen's kappa", "Fleiss' kappa 0.33"]
        """
        ax = new_axes(ax, figsize=(4.8, 4.0))
        matrix = self.pairwise
        image = ax.imshow(matrix.to_numpy(), cmap="cividis", vmin=0, vmax=1)
        ax.figure.colorbar(image, ax=ax, label="Cohen's kappa")
        ticks = range(len(matrix))
        ax.set_xticks(ticks, matrix.columns.astype(str))
        ax.set_yticks(ticks, matrix.index.astype(str))
        ax.grid(False)
        for i in ticks:
            for j in ticks:
                value = matrix.iat[i, j]
                ax.text(j, i, "–" if np.isnan(value) else f"{value:.2f}", ha="center",
                        va="center", color="black" if value > 0.6 else "white")
        ax.set_xlabel("annotator")
        ax.set_ylabel("annotator")
        ax.set_title(f"{title}\nFleiss' kappa {self.fleiss_kappa:.2f}")
        return ax


def _cohen_kappa(a: pd.Series, b: pd.Series, labels: list) -> float:
    from sklearn.metrics import cohen_kappa_score

    both = pd.concat([a, b], axis=1, join="inner")
    if len(both) == 0:
        return float("nan")
    # Undefined kappa (one label only) is NaN: scikit-learn >= 1.8 returns its default
    # `replace_undefined_by=np.nan` with a warning, older releases divide 0 by 0 and warn.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(cohen_kappa_score(both.iloc[:, 0], both.iloc[:, 1], labels=labels))


def annotator_agreement(annotations: pd.DataFrame, item: str = "customer_id",
                        annotator: str = "annotator", label: str = "label") -> AgreementResult:
    """Measure how much annotators agree: pairwise Cohen's kappa, Fleiss' kappa, per item.

    Raw agreement flatters: two annotators who both say "stayed" 80 % of the time at random
    already agree on 68 % of items. Kappa subtracts that chance agreement, so 0 means
    "no better than chance" and 1 means "always agree". As a rule of thumb, below 0.6 the
    labelling instructions are ambiguous enough to hurt a model.

    Parameters
    ----------
    annotations : DataFrame
        Long format: one row per (item, annotator) with the label given.
    item, annotator, label : str, defaults "customer_id", "annotator", "label"
        The column names.

    Returns
    -------
    AgreementResult
        ``.pairwise``, ``.fleiss_kappa``, ``.per_item``, ``.percent_agreement``,
        ``.mean_pairwise_kappa``, ``.summary()`` and ``.plot(ax=None)``.

    Examples
    --------
    >>> import pandas as pd
    >>> votes = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                       "annotator": ["ann", "bob"] * 4,
    ...                       "label": [1, 1, 0, 0, 1, 0, 0, 0]})
    >>> result = annotator_agreement(votes, item="item")
    >>> result.pairwise
    annotator  ann  bob
    annotator
    ann        1.0  0.5
    bob        0.5  1.0
    >>> result.percent_agreement
    0.75
    """
    annotations = _check_annotations(annotations, item, annotator, label)
    names = sorted(pd.unique(annotations[annotator]), key=str)
    labels = sorted(pd.unique(annotations[label]), key=str)
    wide = annotations.pivot(index=item, columns=annotator, values=label)
    pairwise = pd.DataFrame(np.eye(len(names)), index=pd.Index(names, name=annotator),
                            columns=pd.Index(names, name=annotator))
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            kappa = _cohen_kappa(wide[first].dropna(), wide[second].dropna(), labels)
            pairwise.loc[first, second] = pairwise.loc[second, first] = kappa

    votes = _votes(annotations, item, label)
    n_ratings = votes.sum(axis=1)
    per_item = pd.DataFrame({
        "n_ratings": n_ratings,
        "n_labels": (votes > 0).sum(axis=1),
        "agreement": votes.max(axis=1) / n_ratings,
    })
    per_item["unanimous"] = per_item["n_labels"] == 1
    rated_twice = per_item["n_ratings"] >= 2
    return AgreementResult(pairwise=pairwise, fleiss_kappa=fleiss_kappa(votes), per_item=per_item,
                           percent_agreement=float(per_item.loc[rated_twice, "unanimous"].mean()))


def majority_vote(annotations: pd.DataFrame, item: str = "customer_id",
                  annotator: str = "annotator", label: str = "label") -> pd.DataFrame:
    """One label per item by majority vote, with ties reported, not hidden.

    A tie (2 votes against 2) has no majority; picking one side silently would hide that the
    item is ambiguous. Tied items get a missing ``label``, ``tie=True`` and the tied labels in
    ``tied_labels``, so you can send them to an expert or sharpen the guideline.

    Parameters
    ----------
    annotations : DataFrame
        Long format: one row per (item, annotator) with the label given.
    item, annotator, label : str, defaults "customer_id", "annotator", "label"
        The column names.

    Returns
    -------
    DataFrame
        Indexed by item: ``label`` (missing for a tie), ``votes`` (for the winning label),
        ``n_ratings``, ``agreement`` (votes / n_ratings), ``tie`` and ``tied_labels``.

    Examples
    --------
    >>> import pandas as pd
    >>> votes = pd.DataFrame({"item": [1, 1, 1, 2, 2],
    ...                       "annotator": ["ann", "bob", "cy", "ann", "bob"],
    ...                       "label": [1, 1, 0, 0, 1]})
    >>> majority_vote(votes, item="item")
          label  votes  n_ratings  agreement    tie tied_labels
    item
    1         1      2          3   0.666667  False
    2      <NA>      1          2   0.500000   True        0, 1
    """
    annotations = _check_annotations(annotations, item, annotator, label)
    votes = _votes(annotations, item, label)
    top = votes.max(axis=1)
    is_top = votes.eq(top, axis=0)
    tie = is_top.sum(axis=1) > 1
    winner = votes.idxmax(axis=1)
    if pd.api.types.is_integer_dtype(annotations[label]):
        winner = winner.astype("Int64")  # keeps 0/1 as integers next to the missing ties
    tied = is_top.apply(lambda row: ", ".join(str(v) for v in row.index[row]), axis=1)
    return pd.DataFrame({
        "label": winner.where(~tie),
        "votes": top,
        "n_ratings": votes.sum(axis=1),
        "agreement": top / votes.sum(axis=1),
        "tie": tie,
        "tied_labels": tied.where(tie, ""),
    })
