"""Is the model really better than the baseline, or is it luck on a small test set?

Ten points of accuracy over always-"stays" on 50 test rows can still be noise.
:func:`compare_to_baseline` scores the model and the baseline on the same bootstrap resamples
of the test set (a *paired* bootstrap, vectorised in chunks), so its interval is for the
difference itself, and adds McNemar's exact test for accuracy. :mod:`toolkit.baselines`
re-exports everything here.

>>> result = compare_to_baseline([0] * 40 + [1] * 10, [0] * 38 + [1] * 9 + [0] * 3, [0] * 50)
>>> result.summary()[["difference", "model_really_better"]].tolist()
[0.1, False]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from toolkit._metrics import SKLEARN_OPTIONS, precision_recall_f1, ratio
from toolkit._validation import (
    check_class_labels,
    check_labels,
    check_one_of,
    check_positive_int,
    check_same_label_kind,
    check_same_length,
    check_seed,
)
from toolkit.coin_flips import lattice_bins
from toolkit.plotting import COLORS, new_axes

__all__ = ["METRICS", "BaselineComparison", "compare_to_baseline", "metric_score"]

#: Metrics accepted by :func:`compare_to_baseline` and :func:`toolkit.baselines.human_level_performance`.
METRICS = ("accuracy", "balanced_accuracy", "precision", "recall", "f1")
_CHUNK = 10_000_000  # resampled indices per bootstrap chunk: about 80 MB at a time


def metric_score(metric: str, y_true, pred) -> float:
    """One of :data:`METRICS` for 0/1 (or two-class) predictions, with the toolkit's zero rule.

    Precision, recall and F1 are 0 where they are undefined (scikit-learn's
    ``zero_division=0``), as in every table of the toolkit. They need two classes at most; the
    positive one is 1 for 0/1 (or True/False) labels, else the second of the sorted classes.

    Examples
    --------
    >>> metric_score("precision", [0, 1, 1], [0, 0, 0])  # nothing flagged: precision 0
    0.0
    >>> metric_score("recall", ["stays", "churns"], ["stays", "stays"])  # positive: "stays"
    1.0
    """
    from sklearn import metrics

    check_one_of(metric, "metric", METRICS)
    true = check_labels(y_true, "y_true").to_numpy()
    said = check_labels(pred, "pred").to_numpy()
    check_same_length(y_true=true, pred=said)
    check_same_label_kind(y_true=true, pred=said)
    for name, values in (("y_true", true), ("pred", said)):
        check_class_labels(pd.Series(values), name, f"{metric} compares classes")
    if metric in ("accuracy", "balanced_accuracy"):
        function = metrics.accuracy_score if metric == "accuracy" else metrics.balanced_accuracy_score
        return float(function(true, said))
    classes = np.sort(pd.unique(np.r_[true, said]))
    if len(classes) > 2:
        raise ValueError(f"metric={metric!r} needs two classes; got {classes.tolist()!r}. "
                         "Use metric='accuracy' for more classes.")
    # scikit-learn's default pos_label=1 fails on text labels and on one-class 0/0 arrays alike
    positive = 1 if set(classes.tolist()) <= {0, 1} else classes[-1]
    functions = {"precision": metrics.precision_score, "recall": metrics.recall_score,
                 "f1": metrics.f1_score}
    return float(functions[metric](true == positive, said == positive, **SKLEARN_OPTIONS))


@dataclass(frozen=True)
class BaselineComparison:
    """Model versus baseline on the same test set, with a paired bootstrap interval."""

    metric: str
    model_score: float
    baseline_score: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float | None
    n_test: int
    differences: np.ndarray = field(repr=False)

    @property
    def significant(self) -> bool:
        """True when the whole 95 % interval of the difference is above zero."""
        return self.ci_low > 0

    def summary(self) -> pd.Series:
        """Return the scores, the difference, its interval and the McNemar p-value."""
        return pd.Series({"metric": self.metric, "n_test": self.n_test,
                          "model": round(self.model_score, 4),
                          "baseline": round(self.baseline_score, 4),
                          "difference": round(self.difference, 4),
                          "ci95_low": round(self.ci_low, 4), "ci95_high": round(self.ci_high, 4),
                          "mcnemar_p": None if self.p_value is None else round(self.p_value, 4),
                          "model_really_better": self.significant})

    def plot(self, ax=None):
        """Histogram of the bootstrapped differences, with zero and the 95 % interval."""
        ax = new_axes(ax)
        bins = lattice_bins(self.differences, self.n_test) if self.metric == "accuracy" else 40
        ax.hist(self.differences, bins=bins, color=COLORS["primary"], alpha=0.75,
                label="bootstrap resamples")
        ax.axvspan(self.ci_low, self.ci_high, color=COLORS["light"], zorder=0,
                   label="95 % interval")
        ax.axvline(0, color=COLORS["bad"], linewidth=2, label="no difference")
        ax.axvline(self.difference, color="black", linestyle="--",
                   label=f"observed {self.difference:+.3f}")
        ax.set_xlabel(f"model {self.metric} − baseline {self.metric}")
        ax.set_ylabel("number of resamples")
        ax.set_title(f"Is the model really better? ({self.n_test:,} test rows)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return ax


def _bootstrap_scores(y: np.ndarray, pred: np.ndarray, idx: np.ndarray, metric: str,
                      positive) -> np.ndarray:
    """Vectorised metric on each row of resampled indices ``idx`` (binary for non-accuracy)."""
    if metric == "accuracy":
        return (y[idx] == pred[idx]).mean(axis=1)
    true, said = y[idx] == positive, pred[idx] == positive
    tp = (true & said).sum(axis=1)
    fp = (~true & said).sum(axis=1)
    fn = (true & ~said).sum(axis=1)
    tn = (~true & ~said).sum(axis=1)
    precision, recall, f1 = precision_recall_f1(tp, fp, fn)
    if metric == "balanced_accuracy":
        return (recall + ratio(tn, tn + fp)) / 2
    return {"precision": precision, "recall": recall, "f1": f1}[metric]


def compare_to_baseline(y_true, model_pred, baseline_pred, metric: str = "accuracy",
                        n_boot: int = 1000, seed: int = 0) -> BaselineComparison:
    """Is the model really better than the baseline, or is it noise on a small test set?

    Both predictions are scored on the same bootstrap resamples of the test set (a *paired*
    bootstrap), so the interval is for the difference itself. For accuracy, McNemar's exact
    test also looks only at the rows where the two disagree: it is a binomial test of the
    model-right/baseline-wrong count against the baseline-right/model-wrong count.

    Parameters
    ----------
    y_true, model_pred, baseline_pred : array-like of the same length
        True labels and the two sets of predictions.
    metric : {"accuracy", "balanced_accuracy", "precision", "recall", "f1"}, default="accuracy"
        Anything but accuracy needs two classes; the positive one is the second of the sorted
        classes (1 for 0/1 labels).
    n_boot : int, default=1000
        Number of bootstrap resamples.
    seed : int, default=0
        Seed of the resampling.

    Returns
    -------
    BaselineComparison
        ``.difference``, ``.ci_low``, ``.ci_high`` (95 %), ``.p_value`` (McNemar, accuracy
        only, else None), ``.significant``, ``.summary()`` and ``.plot(ax=None)``.

    Examples
    --------
    >>> y = [0] * 40 + [1] * 10
    >>> model = [0] * 38 + [1] * 2 + [1] * 7 + [0] * 3
    >>> result = compare_to_baseline(y, model, [0] * 50)
    >>> result.model_score, result.baseline_score, round(result.p_value, 2)
    (0.9, 0.8, 0.18)
    >>> result.significant  # 50 rows: ten points better can still be luck
    False
    """
    check_one_of(metric, "metric", METRICS)
    n_boot = check_positive_int(n_boot, "n_boot")
    seed = check_seed(seed)
    y = check_labels(y_true, "y_true").to_numpy()
    model = check_labels(model_pred, "model_pred").to_numpy()
    base = check_labels(baseline_pred, "baseline_pred").to_numpy()
    n = check_same_length(y_true=y, model_pred=model, baseline_pred=base)
    check_same_label_kind(y_true=y, model_pred=model, baseline_pred=base)
    classes = np.sort(pd.unique(np.r_[y, model, base]))
    if metric != "accuracy" and len(classes) > 2:
        raise ValueError(f"metric={metric!r} needs two classes; got {list(classes)!r}. "
                         "Use metric='accuracy' for more classes.")
    positive = classes[-1]
    if metric == "accuracy":
        model_score, base_score = float(np.mean(y == model)), float(np.mean(y == base))
    else:
        model_score = metric_score(metric, y == positive, model == positive)
        base_score = metric_score(metric, y == positive, base == positive)

    rng = np.random.default_rng(seed)
    per_chunk = max(1, _CHUNK // n)
    diffs = []
    for start in range(0, n_boot, per_chunk):
        idx = rng.integers(0, n, size=(min(per_chunk, n_boot - start), n))
        diffs.append(_bootstrap_scores(y, model, idx, metric, positive)
                     - _bootstrap_scores(y, base, idx, metric, positive))
    differences = np.concatenate(diffs)
    low, high = np.nanpercentile(differences, [2.5, 97.5])

    p_value = None
    if metric == "accuracy":
        from scipy.stats import binomtest

        only_model = int(np.sum((model == y) & (base != y)))
        only_base = int(np.sum((model != y) & (base == y)))
        discordant = only_model + only_base
        p_value = 1.0 if discordant == 0 else float(binomtest(only_model, discordant, 0.5).pvalue)
    return BaselineComparison(metric, model_score, base_score, model_score - base_score,
                              float(low), float(high), p_value, n, differences)
