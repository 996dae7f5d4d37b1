"""Modeling: compare candidate algorithms honestly, against the baselines, with cross-validation.

One train/test split gives one number, and a lucky split can make a weak model look good.
Cross-validation trains and scores each model on several splits, so you see both the mean and
the spread. The naive baselines of :mod:`toolkit.baselines` go into the same table: a model
that does not clearly beat "always predict the majority class" is not worth deploying.

>>> from sklearn.datasets import make_classification
>>> X, y = make_classification(n_samples=200, weights=[0.8], random_state=0)
>>> table = compare_models({"logistic": LogisticRegression()}, X, y, cv=3)
>>> table[["model", "kind"]].tail(2)
            model       kind
3           prior   baseline
4        logistic  candidate
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from toolkit._metrics import SKLEARN_OPTIONS
from toolkit._validation import (
    check_columns,
    check_dataframe,
    check_labels,
    check_mapping,
    check_names,
    check_numbers,
    check_one_of,
    check_same_length,
    check_seed,
)
from toolkit.economics import value_by_threshold
from toolkit.estimators import LogisticRegression
from toolkit.plotting import COLORS, new_axes
from toolkit.time_splits import MonthSplit, out_of_fold_proba

__all__ = ["CASE_STUDY_AGE_REFERENCE", "CASE_STUDY_DECISION", "CASE_STUDY_DROP",
           "CASE_STUDY_GRID", "DEFAULT_SCORING", "LogisticRegression",
           "MonthSplit", "SelectedModel", "case_study_decision", "case_study_model",
           "case_study_pipeline", "compare_models", "out_of_fold_proba", "plot_model_comparison",
           "value_by_threshold"]

#: Metrics reported by default: accuracy misleads on skewed data, so precision, recall and F1 too.
DEFAULT_SCORING = ("accuracy", "precision", "recall", "f1")
#: Show a progress bar when a comparison needs more fits than this.
PROGRESS_FITS = 50
# Precision is undefined for a model that never predicts 1 (a majority baseline): the
# toolkit's one rule (toolkit._metrics) decides its value.
_ZERO_DIVISION = ("precision", "recall", "f1")
#: Scorers that need exactly two classes (scikit-learn's default average is "binary").
_BINARY_METRICS = (*_ZERO_DIVISION, "roc_auc", "average_precision", "neg_brier_score", "neg_log_loss")


def _scorer(metric: str):
    from sklearn.metrics import (
        f1_score,
        get_scorer,
        get_scorer_names,
        make_scorer,
        precision_score,
        recall_score,
    )

    if metric in _ZERO_DIVISION:
        func = {"precision": precision_score, "recall": recall_score, "f1": f1_score}[metric]
        return make_scorer(func, **SKLEARN_OPTIONS)
    if metric not in get_scorer_names():
        raise ValueError(f"scoring has an unknown metric {metric!r}; use a scikit-learn scorer "
                         "name such as 'accuracy', 'f1', 'roc_auc' or 'average_precision'.")
    return get_scorer(metric)


def _splitter(cv: Any, seed: int):
    from sklearn.model_selection import StratifiedKFold

    seed = check_seed(seed)
    if isinstance(cv, bool) or not isinstance(cv, (int, np.integer)):
        if not hasattr(cv, "get_n_splits"):
            raise TypeError(f"cv must be a number of folds or a splitter; got {cv!r}.")
        return cv
    if cv < 2:
        raise ValueError(f"cv must be at least 2 folds; got {cv!r}.")
    return StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=seed)


def _check_comparison(models: Any, X: Any, y: Any, cv: Any, scoring: Any, seed: Any):
    """compare_models' argument checks: ``(X, labels, scoring, scorers, splitter)``."""
    check_mapping(models, "models", "name -> estimator")
    for name, model in models.items():
        if not hasattr(model, "fit"):
            raise TypeError(f"models[{name!r}] must be a scikit-learn estimator; got {model!r}.")
    scoring = check_names(scoring, "scoring", "metric names")
    if not isinstance(X, pd.DataFrame):
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"X must be two-dimensional (rows x features); got shape {X.shape}.")
    labels = check_labels(y, "y", min_classes=2)
    check_same_length(X=X, y=labels)
    scorers = {metric: _scorer(metric) for metric in scoring}
    binary_only = [m for m in scoring if m in _BINARY_METRICS]
    if binary_only and labels.nunique() > 2:
        raise ValueError(f"scoring {binary_only!r} needs two classes in y; y has {labels.nunique()}. Use "
                         "'accuracy' or a multiclass scorer such as 'f1_macro'.")
    splitter = _splitter(cv, seed)
    if isinstance(cv, (int, np.integer)):
        # scikit-learn's own rule: it refuses only when no class fills the folds (a rarer class
        # gets a warning), so a learner's small data still runs as before
        counts = labels.value_counts()
        if counts.max() < cv:
            raise ValueError(f"cv={int(cv)} stratified folds need at least {int(cv)} rows of one class "
                             f"in y; the largest class, {counts.idxmax()!r}, has {int(counts.max())}. Use "
                             "fewer folds or more data.")
    return X, labels, scoring, scorers, splitter


def compare_models(models: Mapping[str, Any], X: Any, y: Any, *, cv: Any = 5,
                   scoring: Sequence[str] = DEFAULT_SCORING, seed: int = 0,
                   baselines: bool = True, progress: bool | None = None) -> pd.DataFrame:
    """Cross-validate candidate models and the naive baselines on the same folds.

    Parameters
    ----------
    models : dict of str to estimator
        Display name -> unfitted scikit-learn classifier (usually a pipeline with its
        preprocessor, so that each fold learns its own preprocessing).
    X : DataFrame or array-like
        Features.
    y : array-like
        Labels (at least two classes).
    cv : int or splitter, default=5
        Number of stratified, shuffled folds, or any scikit-learn splitter (for example
        ``TimeSeriesSplit`` for data ordered in time).
    scoring : sequence of str, default=("accuracy", "precision", "recall", "f1")
        scikit-learn scorer names. Precision, recall and F1 count 0 when they are undefined,
        e.g. for a model that never predicts the positive class (the toolkit's one rule).
    seed : int, default=0
        Shuffles the folds and seeds the random baselines.
    baselines : bool, default=True
        Add the dummy strategies of :func:`toolkit.baselines.dummy_models` as rows.
    progress : bool, optional
        Show a ``tqdm`` progress bar; by default only when there are more than 50 fits.

    Returns
    -------
    DataFrame
        One row per model, baselines first: ``model``, ``kind`` ("baseline" or "candidate"),
        ``<metric>_mean`` and ``<metric>_std`` (spread over the folds) for each metric, then
        ``fit_time`` and ``predict_time`` (mean seconds per fold).

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=300, random_state=0)
    >>> table = compare_models({"tree": DecisionTreeClassifier(max_depth=3, random_state=0)},
    ...                        X, y, cv=3, scoring=["accuracy"], baselines=False)
    >>> table.columns.tolist()
    ['model', 'kind', 'accuracy_mean', 'accuracy_std', 'fit_time', 'predict_time']
    >>> bool(table["accuracy_mean"].iloc[0] > 0.8)
    True
    """
    from sklearn.base import clone
    from sklearn.model_selection import cross_validate

    X, labels, scoring, scorers, splitter = _check_comparison(models, X, y, cv, scoring, seed)

    candidates = [(name, model, "candidate") for name, model in models.items()]
    if baselines:
        from toolkit.baselines import dummy_models

        clash = sorted(set(models) & set(dummy_models(seed=seed)))
        if clash:
            raise ValueError(f"models uses the baseline name(s) {clash!r}; rename them.")
        candidates = [(n, m, "baseline") for n, m in dummy_models(seed=seed).items()] + candidates
    n_fits = len(candidates) * splitter.get_n_splits(X, labels)
    if progress if progress is not None else n_fits > PROGRESS_FITS:
        from tqdm.auto import tqdm

        candidates = tqdm(candidates, desc="cross-validating", unit="model")

    rows = []
    for name, model, kind in candidates:
        try:
            result = cross_validate(clone(model), X, labels, cv=splitter, scoring=scorers,
                                    error_score="raise")
        except (TypeError, ValueError) as error:  # scikit-learn's message names no argument
            raise type(error)(f"models[{name!r}] failed on X and y in cross-validation: {error}") \
                from error
        row = {"model": name, "kind": kind}
        for metric in scoring:
            scores = result[f"test_{metric}"]
            row[f"{metric}_mean"] = scores.mean()
            row[f"{metric}_std"] = scores.std(ddof=1) if len(scores) > 1 else 0.0
        row["fit_time"] = result["fit_time"].mean()
        row["predict_time"] = result["score_time"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def plot_model_comparison(table: pd.DataFrame, metric: str | None = None, *, ax=None):
    """Bar chart of one metric from :func:`compare_models`, with the spread over the folds.

    Baselines are grey, candidates blue and the best candidate orange, so you see at a glance
    whether anything clearly beats the floor.

    Parameters
    ----------
    table : DataFrame
        The output of :func:`compare_models`.
    metric : str, optional
        Which metric to show; default the first one in ``table``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> table = pd.DataFrame({"model": ["prior", "tree"], "kind": ["baseline", "candidate"],
    ...                       "f1_mean": [0.0, 0.6], "f1_std": [0.0, 0.05]})
    >>> ax = plot_model_comparison(table)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['prior', 'tree']
    """
    check_dataframe(table, "table")
    means = [c[: -len("_mean")] for c in table.columns if isinstance(c, str) and c.endswith("_mean")]
    if not means:
        raise ValueError("table has no '<metric>_mean' column; pass the output of compare_models.")
    metric = means[0] if metric is None else check_one_of(metric, "metric", means)
    check_columns(table, ["model", "kind", f"{metric}_std"], "table")
    for column in (f"{metric}_mean", f"{metric}_std"):  # matplotlib would refuse them without a name
        values = check_numbers(table[column], f"table[{column!r}]")
        if not np.isfinite(values).all() or (column.endswith("_std") and (values < 0).any()):
            raise ValueError(f"table[{column!r}] must hold finite numbers"
                             f"{' >= 0' if column.endswith('_std') else ''}; got {values.tolist()[:5]!r}.")
        table = table.assign(**{column: values})
    ordered = table.sort_values(f"{metric}_mean", kind="stable").reset_index(drop=True)
    candidates = ordered[ordered["kind"] == "candidate"]
    best = candidates[f"{metric}_mean"].idxmax() if len(candidates) else None
    colors = [COLORS["highlight"] if i == best else
              COLORS["primary"] if kind == "candidate" else COLORS["muted"]
              for i, kind in enumerate(ordered["kind"])]
    ax = new_axes(ax, figsize=(7, 0.45 * len(ordered) + 1.3))
    ax.barh(range(len(ordered)), ordered[f"{metric}_mean"], xerr=ordered[f"{metric}_std"],
            color=colors, capsize=3, height=0.6)
    ax.set_yticks(range(len(ordered)), ordered["model"])
    for i, value in enumerate(ordered[f"{metric}_mean"]):
        ax.text(value + 0.01, i + 0.2, f"{value:.3f}", fontsize=9)
    ax.set(xlabel=f"{metric} (mean over the folds, bar = ± 1 std)", ylabel="model",
           title=f"Candidates against the baselines: {metric}")
    ax.set_xlim(0, max(1.0, float(ordered[f"{metric}_mean"].max()) + 0.1))
    return ax


# --- notebook 05's decision ----------------------------------------------------------------
@dataclass(frozen=True)
class SelectedModel:
    """Notebook 05's decision: the pipeline, its threshold and the evidence behind them."""

    name: str
    pipeline: Any
    C: float
    threshold: float
    cv_average_precision: float
    oof_value: float
    trained_until: str

    def decide(self, X: pd.DataFrame) -> np.ndarray:
        """1 = make an offer: the churn probability is at least the chosen threshold."""
        return (self.pipeline.predict_proba(X)[:, 1] >= self.threshold).astype(int)


#: What notebook 05 tries: the regularisation grid of the logistic regression (its best value
#: must lie inside, not at an edge), the leaky column it leaves out, and the date from which
#: the other dates' ages are counted (each row's own snapshot month, so ages do not freeze).
CASE_STUDY_GRID = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0)
CASE_STUDY_DROP = ("exit_survey_score",)
CASE_STUDY_AGE_REFERENCE = "month"
_CASE_STUDY_SPLIT = "2024-10-01"


def case_study_pipeline(X: pd.DataFrame, C: float = 1.0):
    """The unfitted pipeline notebook 05 selects: its preprocessor, then logistic regression.

    Retraining (notebook 09) fits this same pipeline on other windows, so 05's choices
    (dropped leak, ages from each row's month, the model family) are written once, here. The
    model is :class:`toolkit.estimators.LogisticRegression`: scikit-learn's, solved to
    ``tol=1e-8`` and scoring each row on its own, so its numbers are the same on every CPU.

    Parameters
    ----------
    X : pandas.DataFrame
        The training features; the preprocessor's column lists are read from them.
    C : float, default=1.0
        Inverse regularisation strength of the logistic regression.

    Examples
    --------
    >>> from toolkit.datasets import load
    >>> history = load("history")
    >>> case_study_pipeline(history.drop(columns="churned"), C=10).steps[-1][1].C
    10
    """
    from sklearn.pipeline import make_pipeline

    from toolkit.features import make_preprocessor

    X = check_dataframe(X, "X")
    # the leaky column is dropped when it is there: a frame without it has nothing to leak
    drop = [c for c in CASE_STUDY_DROP if c in X.columns]
    if CASE_STUDY_AGE_REFERENCE not in X.columns:
        raise ValueError(f"X must have the column {CASE_STUDY_AGE_REFERENCE!r}: the case study counts "
                         f"every date's age from each row's month; X has {list(X.columns)[:12]!r}.")
    return make_pipeline(make_preprocessor(X, drop=drop,
                                           age_reference=CASE_STUDY_AGE_REFERENCE),
                         LogisticRegression(C=C))


_DECISION_KEYS = ("C", "threshold", "average_precision", "oof_value")


def case_study_decision() -> dict[str, float]:
    """Notebook 05's decision derived again from the data, as :data:`CASE_STUDY_DECISION` holds it.

    ``C`` is the best of :data:`CASE_STUDY_GRID` by average precision on month-ordered folds of
    January-September 2024 (one fit per value and fold, done once per session); ``threshold`` and
    ``oof_value`` (EUR) are the most valuable threshold for the scope's economics on the
    out-of-fold predictions of the validation months.

    Returns
    -------
    dict
        ``{"C", "threshold", "average_precision", "oof_value"}``.

    Examples
    --------
    >>> case_study_decision()["C"] == CASE_STUDY_DECISION["C"]
    True
    """
    return dict(zip(_DECISION_KEYS, _search_decision(), strict=True))


@lru_cache(maxsize=1)
def _search_decision() -> tuple[float, float, float, float]:
    from sklearn.model_selection import GridSearchCV

    from toolkit.datasets import load
    from toolkit.scoping import case_study_scope

    history = load("history")
    train = history[history["month"] < _CASE_STUDY_SPLIT]
    X, y = train.drop(columns="churned"), train["churned"]
    search = GridSearchCV(case_study_pipeline(X), {"logisticregression__C": list(CASE_STUDY_GRID)},
                          cv=MonthSplit(3), scoring="average_precision").fit(X, y)
    C = float(search.best_params_["logisticregression__C"])
    oof = out_of_fold_proba(case_study_pipeline(X, C), X, y, MonthSplit(3))
    curve = value_by_threshold(y.loc[oof.index], oof, case_study_scope().economics)
    best = curve.loc[curve["value"].idxmax()]
    return C, float(best["threshold"]), float(search.best_score_), float(best["value"])


#: Notebook 05's decision as it stands, so that notebooks 06-09 get the model with one fit.
#: ``case_study_model(recompute=True)`` derives it again, and a test checks they agree.
CASE_STUDY_DECISION = {"C": 1000.0, "threshold": 0.31, "average_precision": 0.6626,
                       "oof_value": 6840.0}


def case_study_model(trained_on: str = "train", *, recompute: bool = False) -> SelectedModel:
    """The model notebook 05 selects, trained as 05 trains it, with its threshold.

    Recomputes 05's decision: logistic regression (the family 05's comparison selects on
    average precision), ``C`` tuned on month-ordered folds of January-September 2024, and the
    threshold that maximises the scope's business value on out-of-fold predictions of the
    validation months. A test ties it to the numbers notebook 05 shows.

    Parameters
    ----------
    trained_on : {"train", "history"}, default="train"
        - ``"train"``: fitted on January-September 2024, as in notebook 05;
        - ``"history"``: refitted on all of 2024 (same ``C`` and threshold), for deployment.
    recompute : bool, default=False
        Re-run 05's search and threshold choice (:func:`case_study_decision`) instead of
        using :data:`CASE_STUDY_DECISION`, which a test keeps equal to the recomputed one.

    Returns
    -------
    SelectedModel
        ``.pipeline`` (fitted), ``.threshold``, ``.C``, ``.decide(X)`` and the evidence.

    Examples
    --------
    >>> selected = case_study_model()
    >>> selected.name, selected.threshold == CASE_STUDY_DECISION["threshold"]
    ('logistic regression', True)
    """
    from toolkit.datasets import load

    check_one_of(trained_on, "trained_on", ("train", "history"))
    if not isinstance(recompute, bool):
        raise TypeError(f"recompute must be True or False; got {recompute!r}.")
    decision = case_study_decision() if recompute else CASE_STUDY_DECISION
    C, threshold, average_precision, value = (decision[k] for k in _DECISION_KEYS)
    history = load("history")
    rows = history if trained_on == "history" else history[history["month"] < _CASE_STUDY_SPLIT]
    X, y = rows.drop(columns="churned"), rows["churned"]
    pipeline = case_study_pipeline(X, C).fit(X, y)
    until = "2024-12" if trained_on == "history" else "2024-09"
    return SelectedModel("logistic regression", pipeline, C, threshold, average_precision,
                         value, until)
