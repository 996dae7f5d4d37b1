"""Diagnostics: how a model's predictions look, in one figure each.

For a classifier: the confusion matrix with counts and row rates (:func:`plot_confusion`), the
precision / recall trade-off as the decision threshold moves (:func:`threshold_curve` and
:func:`plot_threshold`) and its calibration (:func:`plot_calibration`); for a regressor, its
residuals (:func:`plot_residuals`). 0/1 churn labels are shown by what they mean
(:data:`CHURN_LABELS`). :mod:`toolkit.error_analysis` re-exports the public names.

>>> threshold_curve([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], thresholds=[0.5])[["threshold", "recall"]]
   threshold  recall
0        0.5     0.5
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit._metrics import precision_recall_f1
from toolkit._validation import (
    check_class_labels,
    check_labels,
    check_numbers,
    check_positive_int,
    check_probabilities,
    check_probability,
    check_same_label_kind,
    check_same_length,
)
from toolkit.plotting import COLORS, new_axes

__all__ = ["CHURN_LABELS", "plot_calibration", "plot_confusion", "plot_residuals", "plot_threshold",
           "threshold_curve"]


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
    check_same_label_kind(y_true=truth, y_pred=pred)
    for name, values in (("y_true", truth), ("y_pred", pred)):
        check_class_labels(values, name, "a confusion matrix counts classes (for numbers, use "
                                         "plot_residuals)")
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


def plot_residuals(y_true: Any, y_pred: Any, *, ax=None):
    """Residuals (true - predicted) against the prediction, for a regression model.

    Structure in this cloud (a curve, a funnel) means the model misses something systematic.

    Examples
    --------
    >>> ax = plot_residuals([1.0, 2.0, 3.0], [1.5, 2.0, 2.0])
    >>> ax.get_ylabel()
    'residual (true - predicted)'
    """
    truth = check_numbers(check_labels(y_true, "y_true"), "y_true")
    pred = check_numbers(check_labels(y_pred, "y_pred"), "y_pred")
    check_same_length(y_true=truth, y_pred=pred)
    ax = new_axes(ax)
    ax.scatter(pred, truth - pred, s=12, alpha=0.5, color=COLORS["primary"])
    ax.axhline(0, color=COLORS["highlight"], linestyle="--", linewidth=2)
    ax.set(xlabel="predicted value", ylabel="residual (true - predicted)", title="Residuals")
    return ax
