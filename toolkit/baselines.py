"""Baselines: the floor a model must beat and the ceiling it can hope for.

"If we can predict the outcome 50 % of the time by flipping a coin, a model should at least do
better than that." This module simulates that coin, lines up scikit-learn's naive strategies
(``DummyClassifier`` / ``DummyRegressor``), measures human-level performance (HLP) from
annotators, and tells a real improvement over a baseline from noise on a small test set.

>>> from toolkit.baselines import dummy_models, simulate_coin_flips
>>> list(dummy_models())
['coin flip (uniform)', 'stratified', 'most frequent', 'prior']
>>> round(simulate_coin_flips([0] * 80 + [1] * 20).mean, 2)  # skewed labels, still a coin
0.5
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from toolkit._metrics import SKLEARN_OPTIONS, precision_recall_f1, ratio
from toolkit._validation import (
    check_columns,
    check_dataframe,
    check_labels,
    check_one_of,
    check_positive_int,
    check_probability,
    check_same_length,
)
from toolkit.plotting import COLORS, new_axes

__all__ = [
    "METRICS",
    "TASKS",
    "BaselineComparison",
    "CoinFlipResult",
    "CoinFlipScenario",
    "RuleClassifier",
    "baseline_table",
    "coin_flip_scenario",
    "compare_to_baseline",
    "decision_scores",
    "dummy_models",
    "human_level_performance",
    "plot_baseline_ladder",
    "simulate_coin_flips",
]

#: The two kinds of supervised task the baselines know about.
TASKS = ("classification", "regression")
#: Metrics accepted by :func:`compare_to_baseline` and :func:`human_level_performance`.
METRICS = ("accuracy", "balanced_accuracy", "precision", "recall", "f1")
_CHUNK = 10_000_000  # resampled indices per bootstrap chunk: about 80 MB at a time


def dummy_models(task: str = "classification", seed: int = 0) -> dict:
    """Return the naive-strategy ladder as unfitted scikit-learn dummy estimators.

    Parameters
    ----------
    task : {"classification", "regression"}, default="classification"
        - ``"classification"``: ``DummyClassifier`` with the strategies "uniform" (a fair coin,
          or a fair die with one face per class), "stratified" (guess at the training class
          rates), "most_frequent" and "prior" (always the majority class; "prior" also predicts
          the class rates as probabilities, so ROC AUC is 0.5).
        - ``"regression"``: ``DummyRegressor`` predicting the training mean or median.
    seed : int, default=0
        ``random_state`` of the random strategies, so results reproduce.

    Returns
    -------
    dict of str to estimator
        Display name -> unfitted estimator, from the weakest idea to the strongest.

    Examples
    --------
    >>> models = dummy_models("regression")
    >>> {name: model.strategy for name, model in models.items()}
    {'mean': 'mean', 'median': 'median'}
    """
    from sklearn.dummy import DummyClassifier, DummyRegressor

    check_one_of(task, "task", TASKS)
    if task == "regression":
        return {"mean": DummyRegressor(strategy="mean"),
                "median": DummyRegressor(strategy="median")}
    return {
        "coin flip (uniform)": DummyClassifier(strategy="uniform", random_state=seed),
        "stratified": DummyClassifier(strategy="stratified", random_state=seed),
        "most frequent": DummyClassifier(strategy="most_frequent"),
        "prior": DummyClassifier(strategy="prior"),
    }


def _lattice_bins(values: np.ndarray, n: int, max_bins: int = 40) -> np.ndarray:
    """Histogram edges for scores that are multiples of 1/n: equal counts of values per bin.

    Plain equal-width bins on such values alias (some bins catch one more possible value than
    their neighbours), which draws false spikes and gaps.
    """
    counts = np.round(np.asarray(values) * n)
    low, high = counts.min(), counts.max()
    step = max(1, int(np.ceil((high - low + 1) / max_bins)))
    return (np.arange(low, high + step + 1, step) - 0.5) / n


# --- the coin flip -------------------------------------------------------------------------


@dataclass(frozen=True)
class CoinFlipResult:
    """Accuracy of ``n_trials`` simulated coins, each guessing every label of a test set.

    ``accuracies`` holds one accuracy per coin; ``expected`` is the exact expected value.
    """

    accuracies: np.ndarray = field(repr=False)
    expected: float
    n_labels: int
    n_classes: int
    p_heads: float

    @property
    def mean(self) -> float:
        """Mean accuracy over the simulated coins."""
        return float(self.accuracies.mean())

    @property
    def std(self) -> float:
        """Spread: the standard deviation of the coins' accuracies."""
        return float(self.accuracies.std(ddof=1)) if len(self.accuracies) > 1 else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """The middle 95 % of the coins' accuracies (2.5th and 97.5th percentiles)."""
        low, high = np.percentile(self.accuracies, [2.5, 97.5])
        return float(low), float(high)

    def summary(self) -> pd.Series:
        """Return mean, spread, 95 % interval and expected value as one rounded Series."""
        low, high = self.interval
        return pd.Series({"n_labels": self.n_labels, "n_trials": len(self.accuracies),
                          "expected": round(self.expected, 4), "mean": round(self.mean, 4),
                          "std": round(self.std, 4), "ci95_low": round(low, 4),
                          "ci95_high": round(high, 4)}, dtype=object)

    def plot(self, ax=None, references: dict[str, float] | None = None):
        """Histogram of the coins' accuracies, the expected value and optional reference lines.

        ``references`` maps a label to an accuracy drawn as a vertical line (e.g. the
        always-majority baseline or a model). Returns the Axes.
        """
        ax = new_axes(ax)
        low, high = self.interval
        ax.hist(self.accuracies, bins=_lattice_bins(self.accuracies, self.n_labels),
                color=COLORS["muted"], alpha=0.8, label=f"{len(self.accuracies):,} coins")
        ax.axvspan(low, high, color=COLORS["light"], zorder=0, label="95 % of coins")
        ax.axvline(self.expected, color="black", linestyle="--", linewidth=1.5,
                   label=f"expected {self.expected:.1%}")
        colors = [COLORS["highlight"], COLORS["primary"], COLORS["good"], COLORS["secondary"]]
        for (name, value), color in zip((references or {}).items(), colors, strict=False):
            ax.axvline(value, color=color, linewidth=2.5, label=f"{name} {value:.1%}")
        ax.set_xlabel("accuracy on the test set")
        ax.set_ylabel("number of coins")
        ax.set_title(f"A coin guessing {self.n_labels:,} labels")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return ax


def simulate_coin_flips(y_true, n_trials: int = 1000, p_heads: float = 0.5,
                        seed: int = 0) -> CoinFlipResult:
    """Simulate ``n_trials`` coins guessing every label of ``y_true``; return their accuracies.

    Each coin guesses every label independently. It is correct on a label with probability
    ``p_heads`` when the label is the "heads" class (the second of the two sorted classes, 1 for
    0/1 labels) and ``1 - p_heads`` otherwise. So a coin's number of correct guesses is exactly
    ``Binomial(n_heads, p_heads) + Binomial(n_tails, 1 - p_heads)``: we draw those two counts
    per trial instead of every single flip, which is exact, vectorised, and needs memory for
    ``n_trials`` numbers rather than ``n_trials * len(y_true)`` booleans (1 GB for a million
    labels and 1000 trials). With more than two classes the guess is a fair die with one face
    per class: each guess is right with probability ``1 / k`` whatever the label, so the count
    is ``Binomial(n, 1 / k)``. A fair coin's expected accuracy is 0.5 whatever the class
    balance: skewed labels do not make guessing better.

    Parameters
    ----------
    y_true : array-like of shape (n_labels,)
        The true labels; at least two classes, no missing values.
    n_trials : int, default=1000
        How many coins to simulate.
    p_heads : float, default=0.5
        Probability that the coin says "heads" (two classes only; with more classes leave it
        at 0.5: the guess is uniform among the classes).
    seed : int, default=0
        Seed of the random generator.

    Returns
    -------
    CoinFlipResult
        ``.accuracies``, ``.mean``, ``.std``, ``.interval`` (95 %), ``.expected``,
        ``.summary()`` and ``.plot(ax=None)``.

    Examples
    --------
    >>> result = simulate_coin_flips([0] * 800 + [1] * 200, n_trials=1000)
    >>> result.expected, round(result.mean, 2)
    (0.5, 0.5)
    >>> simulate_coin_flips([0] * 800 + [1] * 200, p_heads=0.2).expected  # a biased coin
    0.68
    """
    y = check_labels(y_true, "y_true", min_classes=2)
    n_trials = check_positive_int(n_trials, "n_trials")
    p_heads = check_probability(p_heads, "p_heads")
    classes = np.sort(pd.unique(y))
    rng = np.random.default_rng(seed)
    n = len(y)
    if len(classes) == 2:
        n_heads = int((y == classes[1]).sum())
        correct = (rng.binomial(n_heads, p_heads, size=n_trials)
                   + rng.binomial(n - n_heads, 1.0 - p_heads, size=n_trials))
        expected = (n_heads * p_heads + (n - n_heads) * (1.0 - p_heads)) / n
    else:
        if p_heads != 0.5:
            raise ValueError(
                f"p_heads must be 0.5 when y_true has more than two classes (the guess is then "
                f"uniform among the {len(classes)} classes); got {p_heads!r}.")
        correct = rng.binomial(n, 1.0 / len(classes), size=n_trials)
        expected = 1.0 / len(classes)
    return CoinFlipResult(correct / n, float(round(expected, 12)), n, len(classes), p_heads)


@dataclass(frozen=True)
class CoinFlipScenario:
    """A test set of a given size and class balance, with the three accuracies to compare."""

    positive_rate: float
    n_test: int
    coin: CoinFlipResult
    majority_accuracy: float
    model_accuracy: float

    def summary(self) -> pd.DataFrame:
        """Return one row per contender: its accuracy and how it was obtained."""
        low, high = self.coin.interval
        return pd.DataFrame({
            "contender": ["coin flip", "always majority", "fixed model"],
            "accuracy": [self.coin.mean, self.majority_accuracy, self.model_accuracy],
            "how": [f"mean of {len(self.coin.accuracies):,} coins; 95 % within "
                    f"{low:.1%}–{high:.1%}",
                    "predicts the most common class for everyone",
                    "catches a fixed share of each class (see model_tpr, model_tnr)"],
        }).round({"accuracy": 4})

    def plot(self, ax=None):
        """The coins' accuracy distribution against always-majority and the fixed model."""
        ax = self.coin.plot(ax, references={"always majority": self.majority_accuracy,
                                            "fixed model": self.model_accuracy})
        ax.set_title(f"{self.n_test:,} test labels, {self.positive_rate:.0%} positive")
        ax.set_xlim(0, 1)
        return ax


def coin_flip_scenario(positive_rate: float = 0.2, n_test: int = 500, *,
                       model_tpr: float = 0.7, model_tnr: float = 0.9, n_trials: int = 1000,
                       seed: int = 0) -> CoinFlipScenario:
    """Compare a coin, always-majority and a fixed model on a test set you describe.

    The test set has ``n_test`` labels of which ``round(positive_rate * n_test)`` are positive.
    The fixed model finds a share ``model_tpr`` of the positives and ``model_tnr`` of the
    negatives, so its accuracy is ``rate * tpr + (1 - rate) * tnr`` (before rounding).

    Parameters
    ----------
    positive_rate : float, default=0.2
        Share of positive labels, strictly between 0 and 1 after rounding to whole labels.
    n_test : int, default=500
        Size of the test set (at least 2).
    model_tpr, model_tnr : float, default=0.7 and 0.9
        The fixed model's recall on positives and on negatives.
    n_trials : int, default=1000
        Number of simulated coins.
    seed : int, default=0
        Seed of the coin simulation.

    Returns
    -------
    CoinFlipScenario
        ``.coin``, ``.majority_accuracy``, ``.model_accuracy``, ``.summary()``, ``.plot()``.

    Examples
    --------
    >>> s = coin_flip_scenario(positive_rate=0.2, n_test=500)
    >>> round(s.coin.mean, 2), s.majority_accuracy, s.model_accuracy
    (0.5, 0.8, 0.86)
    """
    rate = check_probability(positive_rate, "positive_rate")
    n_test = check_positive_int(n_test, "n_test", minimum=2)
    tpr = check_probability(model_tpr, "model_tpr")
    tnr = check_probability(model_tnr, "model_tnr")
    n_pos = round(rate * n_test)
    if not 0 < n_pos < n_test:
        raise ValueError(f"positive_rate must leave at least one label of each class in a test "
                         f"set of {n_test}; got {positive_rate!r}.")
    y = np.r_[np.zeros(n_test - n_pos, dtype=int), np.ones(n_pos, dtype=int)]
    coin = simulate_coin_flips(y, n_trials=n_trials, seed=seed)
    majority = max(n_pos, n_test - n_pos) / n_test
    model = (round(tpr * n_pos) + round(tnr * (n_test - n_pos))) / n_test
    return CoinFlipScenario(n_pos / n_test, n_test, coin, majority, model)


# --- the ladder of dummy strategies --------------------------------------------------------


def _classification_scores(y_true: np.ndarray, pred: np.ndarray, proba: np.ndarray | None,
                           classes: np.ndarray) -> dict[str, float]:
    from sklearn import metrics

    binary = len(classes) == 2
    options = ({"pos_label": classes[1], "average": "binary"} if binary else
               {"average": "macro", "labels": classes})
    scores = {
        "accuracy": metrics.accuracy_score(y_true, pred),
        "balanced_accuracy": metrics.balanced_accuracy_score(y_true, pred),
        "precision": metrics.precision_score(y_true, pred, **SKLEARN_OPTIONS, **options),
        "recall": metrics.recall_score(y_true, pred, **SKLEARN_OPTIONS, **options),
        "f1": metrics.f1_score(y_true, pred, **SKLEARN_OPTIONS, **options),
        "roc_auc": np.nan,
    }
    if proba is not None and len(np.unique(y_true)) == len(classes):
        if binary:
            scores["roc_auc"] = metrics.roc_auc_score(y_true == classes[1], proba[:, 1])
        else:
            scores["roc_auc"] = metrics.roc_auc_score(y_true, proba, multi_class="ovr",
                                                      labels=classes)
    return {k: float(v) for k, v in scores.items()}


def baseline_table(y_train, y_test, task: str = "classification", seed: int = 0) -> pd.DataFrame:
    """Score every naive strategy: fitted on ``y_train``, evaluated on ``y_test``.

    The strategies are scikit-learn's ``DummyClassifier`` / ``DummyRegressor`` from
    :func:`dummy_models`; they ignore the features, so only the labels are needed.

    Parameters
    ----------
    y_train, y_test : array-like
        Training and test labels (or targets); no missing values. For classification,
        ``y_train`` needs at least two classes. With two classes the positive class is the
        second of the sorted classes (1 for 0/1 labels); with more, precision, recall and F1
        are macro-averaged and ROC AUC is one-vs-rest.
    task : {"classification", "regression"}, default="classification"
        - ``"classification"``: accuracy, balanced accuracy, precision, recall, F1, ROC AUC.
        - ``"regression"``: MAE, RMSE and R².
    seed : int, default=0
        ``random_state`` of the random strategies.

    Returns
    -------
    DataFrame
        One row per strategy (the index), one column per metric. Precision, recall and F1
        are 0 where they are undefined, e.g. the precision of a strategy that never predicts
        the positive class (the toolkit's one rule, as scikit-learn's ``zero_division=0``).
        NaN marks ROC AUC when the test set lacks a class, and R² on a single test row.

    Examples
    --------
    >>> table = baseline_table([0, 0, 0, 1] * 25, [0, 0, 0, 1] * 10)
    >>> table.loc["most frequent", ["accuracy", "precision", "recall"]].tolist()
    [0.75, 0.0, 0.0]
    >>> baseline_table([1.0, 2.0, 6.0], [2.0, 4.0], task="regression")["mae"].tolist()
    [1.0, 1.0]
    """
    from sklearn import metrics

    check_one_of(task, "task", TASKS)
    train = check_labels(y_train, "y_train", min_classes=2 if task == "classification" else 1)
    test = check_labels(y_test, "y_test")
    rows = {}
    for name, model in dummy_models(task, seed=seed).items():
        model.fit(np.zeros((len(train), 1)), train.to_numpy())
        x_test = np.zeros((len(test), 1))
        pred = model.predict(x_test)
        if task == "regression":
            rows[name] = {
                "mae": metrics.mean_absolute_error(test, pred),
                "rmse": metrics.root_mean_squared_error(test, pred),
                "r2": metrics.r2_score(test, pred) if len(test) > 1 else np.nan,
            }
        else:
            rows[name] = _classification_scores(test.to_numpy(), pred,
                                                model.predict_proba(x_test), model.classes_)
    table = pd.DataFrame.from_dict(rows, orient="index").astype(float)
    table.index.name = "strategy"
    return table


# --- human-level performance ---------------------------------------------------------------


def _score(metric: str, y_true, pred) -> float:
    from sklearn import metrics

    functions = {"accuracy": metrics.accuracy_score,
                 "balanced_accuracy": metrics.balanced_accuracy_score,
                 "precision": metrics.precision_score, "recall": metrics.recall_score,
                 "f1": metrics.f1_score}
    extra = {} if metric in ("accuracy", "balanced_accuracy") else SKLEARN_OPTIONS
    return float(functions[metric](y_true, pred, **extra))


def human_level_performance(annotations: pd.DataFrame, truth: pd.DataFrame, *,
                            id_col: str = "customer_id", annotator_col: str = "annotator",
                            label_col: str = "label", truth_col: str = "churned_true",
                            by: str | None = None, metric: str = "accuracy") -> pd.DataFrame:
    """Human-level performance: how well each annotator agrees with the agreed (true) labels.

    HLP is a realistic ceiling for the error a model can reach from similar information: if
    trained people disagree with the answer key on 8 % of cases, a model at 8 % error is doing
    as well as people do, and the remaining errors may be ambiguity in the labels themselves.

    Parameters
    ----------
    annotations : DataFrame
        Long format: one row per (item, annotator) with ``id_col``, ``annotator_col`` and
        ``label_col``.
    truth : DataFrame
        The agreed labels: ``id_col`` and ``truth_col`` (extra columns are allowed and can be
        used by ``by``). Items missing from ``truth`` are left out.
    id_col, annotator_col, label_col, truth_col : str
        Column names.
    by : str, optional
        A column of ``annotations`` or of ``truth`` to break the scores down by, e.g. the
        annotation round or the true outcome.
    metric : {"accuracy", "balanced_accuracy", "precision", "recall", "f1"}, default="accuracy"
        How an annotator's labels are scored against the truth (for 0/1 labels).

    Returns
    -------
    DataFrame
        One row per annotator (and group), plus a row ``"all annotators"`` that pools every
        label: that pooled score is the HLP. Columns: ``n_labels`` and the metric.

    Examples
    --------
    >>> ann = pd.DataFrame({"customer_id": [1, 2, 1, 2], "annotator": ["a", "a", "b", "b"],
    ...                     "label": [1, 0, 1, 1]})
    >>> key = pd.DataFrame({"customer_id": [1, 2], "churned_true": [1, 0]})
    >>> human_level_performance(ann, key)["accuracy"].tolist()
    [1.0, 0.5, 0.75]
    """
    check_dataframe(annotations, "annotations")
    check_dataframe(truth, "truth")
    check_one_of(metric, "metric", METRICS)
    check_columns(annotations, [id_col, annotator_col, label_col], "annotations")
    check_columns(truth, [id_col, truth_col], "truth")
    check_labels(annotations[label_col], f"annotations[{label_col!r}]")
    if truth[id_col].duplicated().any():
        raise ValueError(f"truth must have one row per {id_col}; some ids appear twice.")
    extra = [id_col] + [c for c in truth.columns
                        if c != id_col and (c not in annotations.columns or c == truth_col)]
    merged = annotations.merge(truth[extra], on=id_col, how="inner")
    if merged.empty:
        raise ValueError(f"annotations and truth share no {id_col}; check that they describe "
                         "the same items.")
    check_labels(merged[truth_col], f"truth[{truth_col!r}]")
    if by is not None:
        check_columns(merged, by, "by")
    keys = ([by] if by else [])
    rows = []
    groups = merged.groupby(keys, observed=True, sort=True) if keys else [((), merged)]
    for group_key, part in groups:
        group_values = group_key if isinstance(group_key, tuple) else (group_key,)
        for annotator, rated in [*part.groupby(annotator_col, observed=True, sort=True),
                                 ("all annotators", part)]:
            rows.append({**dict(zip(keys, group_values, strict=True)), annotator_col: annotator,
                         "n_labels": len(rated),
                         metric: _score(metric, rated[truth_col], rated[label_col])})
    return pd.DataFrame(rows).round({metric: 4})


# --- is the model really better? -----------------------------------------------------------


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
        bins = _lattice_bins(self.differences, self.n_test) if self.metric == "accuracy" else 40
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
    y = check_labels(y_true, "y_true").to_numpy()
    model = check_labels(model_pred, "model_pred").to_numpy()
    base = check_labels(baseline_pred, "baseline_pred").to_numpy()
    n = check_same_length(y_true=y, model_pred=model, baseline_pred=base)
    classes = np.sort(pd.unique(np.r_[y, model, base]))
    if metric != "accuracy" and len(classes) > 2:
        raise ValueError(f"metric={metric!r} needs two classes; got {list(classes)!r}. "
                         "Use metric='accuracy' for more classes.")
    positive = classes[-1]
    if metric == "accuracy":
        model_score, base_score = float(np.mean(y == model)), float(np.mean(y == base))
    else:
        model_score = _score(metric, y == positive, model == positive)
        base_score = _score(metric, y == positive, base == positive)

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


# --- the ladder figure ---------------------------------------------------------------------


def plot_baseline_ladder(scores, metric: str = "accuracy", ax=None):
    """Draw the rungs (coin flip → majority → model → HLP) on one horizontal axis.

    Parameters
    ----------
    scores : dict of str to float, or Series
        Name -> score, in ladder order. Names containing "coin", "majority"/"most frequent"/
        "always", "human"/"HLP" get the baseline and ceiling colours; the others are models.
    metric : str, default="accuracy"
        Axis label.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_baseline_ladder({"coin flip": 0.5, "always stays": 0.8, "model": 0.86,
    ...                            "HLP": 0.95})
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['coin flip', 'always stays', 'model', 'HLP']
    """
    series = pd.Series(scores, dtype=float) if not isinstance(scores, pd.Series) else scores
    if series.empty:
        raise ValueError("scores is empty; give at least one name -> score.")
    if series.isna().any():
        missing = series[series.isna()].index.tolist()
        raise ValueError(f"scores contains missing values for {missing!r}; give numbers.")

    def color(name: str) -> str:
        lower = name.lower()
        if "coin" in lower or "uniform" in lower:
            return COLORS["muted"]
        if any(w in lower for w in ("majority", "most frequent", "always", "prior")):
            return COLORS["highlight"]
        if "human" in lower or "hlp" in lower:
            return COLORS["good"]
        return COLORS["primary"]

    ax = new_axes(ax, figsize=(7, 0.6 * len(series) + 1.2))
    positions = np.arange(len(series))[::-1]
    ax.hlines(positions, 0, series.to_numpy(), color=COLORS["light"], linewidth=6)
    for y, (name, value) in zip(positions, series.items(), strict=True):
        ax.plot(value, y, "o", markersize=12, color=color(str(name)))
        ax.annotate(f"{value:.1%}" if 0 <= value <= 1 else f"{value:.3g}", (value, y),
                    xytext=(10, 0), textcoords="offset points", va="center", fontsize=10)
    ax.set_yticks(positions, [str(n) for n in series.index])
    upper = 1.0 if series.between(0, 1).all() else series.max() * 1.15
    ax.set_xlim(0, upper * 1.08)
    ax.set_ylim(-0.6, len(series) - 0.4)
    ax.set_xlabel(metric)
    ax.set_ylabel("rung")
    ax.set_title("The baseline ladder: floor, model, ceiling")
    ax.grid(axis="y", visible=False)
    return ax


# --- today's rule as a baseline ------------------------------------------------------------


class RuleClassifier:
    """A rule of thumb dressed as a scikit-learn classifier: the "older system" baseline.

    ``fit`` learns nothing (it only records the classes); ``predict`` is 1 where the pandas
    expression holds. ``predict_proba`` is that same 0/1 decision, so threshold-free metrics
    (average precision, ROC AUC) score the rule as the single operating point it is.

    Parameters
    ----------
    rule : str
        A pandas expression over the input columns, e.g. ``"support_calls_90d >= 3"``.

    Examples
    --------
    >>> X = pd.DataFrame({"calls": [0, 4, 1, 5]})
    >>> RuleClassifier("calls >= 3").fit(X, [0, 1, 0, 0]).predict(X)
    array([0, 1, 0, 1])
    """

    def __init__(self, rule: str = ""):
        self.rule = rule

    def __repr__(self) -> str:
        return f"RuleClassifier(rule={self.rule!r})"

    def __sklearn_tags__(self):
        # scikit-learn's own classifier tags, built lazily so that importing this module
        # does not import scikit-learn.
        from sklearn.base import BaseEstimator, ClassifierMixin

        class _Classifier(ClassifierMixin, BaseEstimator):
            pass

        return _Classifier().__sklearn_tags__()

    def get_params(self, deep: bool = True) -> dict:
        """The rule (for scikit-learn's ``clone``)."""
        return {"rule": self.rule}

    def set_params(self, **params) -> RuleClassifier:
        """Change the rule (for scikit-learn's ``clone``)."""
        for key, value in params.items():
            check_one_of(key, "parameter", ["rule"])
            self.rule = value
        return self

    def fit(self, X: pd.DataFrame, y=None) -> RuleClassifier:
        """Check the rule runs on ``X`` and record the classes 0 and 1."""
        from toolkit.scoping import rule_predictions

        rule_predictions(X, self.rule)
        self.classes_ = np.array([0, 1])
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 where the rule holds, else 0."""
        from toolkit.scoping import rule_predictions

        return rule_predictions(X, self.rule)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """The decision as a probability: columns (1 - rule, rule)."""
        said = self.predict(X).astype(float)
        return np.column_stack([1 - said, said])


def decision_scores(y_true, y_pred) -> pd.Series:
    """Score yes/no decisions (a rule of thumb, say) with the metrics of :func:`baseline_table`.

    The decisions double as their own score, so ROC AUC is that of a single operating point
    (equal to the balanced accuracy). Add the result as a row of the baseline table to put an
    "older system" beside the naive strategies.

    Parameters
    ----------
    y_true, y_pred : array-like of the same length
        True labels and decisions, two classes (the positive one is the second when sorted).

    Returns
    -------
    Series
        ``accuracy``, ``balanced_accuracy``, ``precision`` (NaN when nothing is flagged),
        ``recall``, ``f1`` and ``roc_auc``.

    Examples
    --------
    >>> decision_scores([0, 0, 1, 1], [0, 1, 1, 1])[["accuracy", "precision", "recall"]].tolist()
    [0.75, 0.6666666666666666, 1.0]
    """
    true = check_labels(y_true, "y_true", min_classes=2).to_numpy()
    said = check_labels(y_pred, "y_pred").to_numpy()
    check_same_length(y_true=true, y_pred=said)
    classes = np.sort(pd.unique(np.r_[true, said]))
    if len(classes) != 2:
        raise ValueError(f"y_true and y_pred must hold two classes together; got "
                         f"{classes.tolist()!r}.")
    proba = np.column_stack([said != classes[1], said == classes[1]]).astype(float)
    return pd.Series(_classification_scores(true, said, proba, classes))
