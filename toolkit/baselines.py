"""Baselines: the floor a model must beat and the ceiling it can hope for.

"If we can predict the outcome 50 % of the time by flipping a coin, a model should at least do
better than that." The baseline ladder, from the floor up, in three files:

- :mod:`toolkit.coin_flips`: simulate that coin, and compare it with always-majority and a
  fixed model on a test set you describe;
- this module: scikit-learn's naive strategies (``DummyClassifier`` / ``DummyRegressor``) scored
  in one table, today's rule of thumb as a classifier (:class:`RuleClassifier`), human-level
  performance (HLP) from annotators as the ceiling, and the ladder figure;
- :mod:`toolkit.significance`: is the model really better than a baseline, or is it noise on a
  small test set?

Everything is importable from here.

>>> from toolkit.baselines import dummy_models, simulate_coin_flips
>>> list(dummy_models())
['coin flip (uniform)', 'stratified', 'most frequent', 'prior']
>>> round(simulate_coin_flips([0] * 80 + [1] * 20).mean, 2)  # skewed labels, still a coin
0.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit._metrics import SKLEARN_OPTIONS
from toolkit._validation import (
    _short,
    check_class_labels,
    check_columns,
    check_dataframe,
    check_labels,
    check_numbers,
    check_one_of,
    check_same_label_kind,
    check_same_length,
    check_seed,
)
from toolkit.coin_flips import CoinFlipResult, CoinFlipScenario, coin_flip_scenario, simulate_coin_flips
from toolkit.plotting import COLORS, new_axes
from toolkit.significance import METRICS, BaselineComparison, compare_to_baseline, metric_score

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
    seed = check_seed(seed)
    if task == "regression":
        return {"mean": DummyRegressor(strategy="mean"),
                "median": DummyRegressor(strategy="median")}
    return {
        "coin flip (uniform)": DummyClassifier(strategy="uniform", random_state=seed),
        "stratified": DummyClassifier(strategy="stratified", random_state=seed),
        "most frequent": DummyClassifier(strategy="most_frequent"),
        "prior": DummyClassifier(strategy="prior"),
    }


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
    check_same_label_kind(y_train=train, y_test=test)
    if task == "classification":
        check_class_labels(train, "y_train")
        check_class_labels(test, "y_test")
        unseen = sorted(set(test) - set(train), key=str)
        if unseen:  # the scores would mix a binary model with a multiclass test set
            raise ValueError(f"y_test holds class(es) {unseen!r} that y_train does not; split the "
                             "data so that the training labels have every class.")
    else:
        check_numbers(train, "y_train")
        check_numbers(test, "y_test")
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
            try:
                score = metric_score(metric, rated[truth_col], rated[label_col])
            except (ValueError, TypeError) as error:
                raise type(error)(f"annotations[{label_col!r}] cannot be scored against "
                                  f"truth[{truth_col!r}] with {metric!r}: {error}") from None
            rows.append({**dict(zip(keys, group_values, strict=True)), annotator_col: annotator,
                         "n_labels": len(rated), metric: score})
    return pd.DataFrame(rows).round({metric: 4})


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
    try:
        series = pd.Series(scores).astype(float)
    except (TypeError, ValueError):  # a set, text, pd.NA...: pandas' message names no argument
        raise TypeError(f"scores must map each rung's name to a number, e.g. {{'model': 0.86}}; "
                        f"got {_short(scores)}.") from None
    if series.empty:
        raise ValueError("scores is empty; give at least one name -> score.")
    if series.isna().any():
        missing = series[series.isna()].index.tolist()
        raise ValueError(f"scores contains missing values for {missing!r}; give numbers.")
    if np.isinf(series).any():  # no axis can reach it
        raise ValueError(f"scores must be finite; got {series[np.isinf(series)].to_dict()!r}.")

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
    # (capped: a score near the largest float would overflow to an infinite axis limit)
    upper = 1.0 if series.between(0, 1).all() else min(series.max() * 1.15, np.finfo(float).max / 1.1)
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
    check_same_label_kind(y_true=true, y_pred=said)
    classes = np.sort(pd.unique(np.r_[true, said]))
    if len(classes) != 2:
        raise ValueError(f"y_true and y_pred must hold two classes together; got "
                         f"{classes.tolist()!r}.")
    proba = np.column_stack([said != classes[1], said == classes[1]]).astype(float)
    return pd.Series(_classification_scores(true, said, proba, classes))
