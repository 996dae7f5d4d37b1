"""Performance before the labels arrive (CBPE), after they arrive, and one alert rule for both.

A model's score is not a probability: a model trained with ``class_weight="balanced"``, or a
forest, ranks customers well but a score of 0.6 need not mean "churns 6 times in 10". NannyML's
*confidence-based performance estimation* (CBPE) therefore works in two steps:

1. **calibrate**: on a reference the model was *not* trained on (held-out rows, or
   out-of-fold scores from :func:`held_out_scores`), fit a monotone map from score to the
   observed churn rate (:class:`ScoreCalibrator`, isotonic regression);
2. **estimate**: in production, decide on the *raw* score against the threshold, as the
   service does, and take every expectation (expected TP, FP, FN, TN, hence precision, recall,
   F1, business value and churn rate) on the *calibrated* probability
   (:func:`estimate_performance`).

Once labels arrive, :func:`realised_performance` measures the same numbers, and
:func:`performance_test` asks one question per month: are the realised counts compatible with
the calibrated probabilities? Its false-alarm rate on healthy months is at most ``alpha`` (default
:data:`PERFORMANCE_ALPHA`, 1 % a month, about one false alert in eight years).

>>> import numpy as np
>>> est = estimate_performance(np.array([0.9, 0.8, 0.2, 0.1]), threshold=0.5)
>>> est[["precision", "recall"]].round(2).tolist()
[0.85, 0.85]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from toolkit._metrics import precision_recall_f1, ratio
from toolkit._validation import (
    _short,
    check_dataframe,
    check_labels,
    check_outcome_values,
    check_positive_int,
    check_probabilities,
    check_probability,
    check_seed,
)

__all__ = [
    "METRICS",
    "PERFORMANCE_ALPHA",
    "ScoreCalibrator",
    "estimate_performance",
    "held_out_scores",
    "performance_test",
    "realised_performance",
]

_OUTCOMES = ("tp", "fp", "fn", "tn")
#: The metrics estimated and realised, in the order tables show them.
METRICS = ("positive_rate", "precision", "recall", "f1", "value")
#: Default false-alarm rate of :func:`performance_test`, per month (12 % of healthy years see one).
PERFORMANCE_ALPHA = 0.01


def _metrics(tp, fp, fn, tn, value: dict | None) -> dict[str, Any]:
    """Metrics from (possibly fractional, possibly arrays of) counts (``toolkit._metrics`` rule)."""
    tp, fp, fn, tn = (np.asarray(x, dtype=float) for x in (tp, fp, fn, tn))
    precision, recall, f1 = precision_recall_f1(tp, fp, fn)  # the course's one zero-division rule
    out = {"positive_rate": ratio(tp + fn, tp + fp + fn + tn),
           "precision": precision, "recall": recall, "f1": f1}
    out["value"] = (sum(value[k] * c for k, c in zip(_OUTCOMES, (tp, fp, fn, tn), strict=True))
                    if value is not None else np.full_like(tp, np.nan))
    return out


def _labels(y_true: Any, n: int, name: str = "y_true") -> np.ndarray:
    y = check_labels(y_true, name).to_numpy()
    if len(y) != n:
        raise ValueError(f"{name} and the scores must have the same length; got {len(y)} and {n}.")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"{name} must hold only 0 and 1; got {sorted(set(y.tolist()), key=str)[:5]!r}.")
    return y.astype(int)


# --- step 1: calibrate on held-out reference scores ----------------------------------------------
class ScoreCalibrator:
    """Map a model's scores to calibrated probabilities (isotonic regression on a reference).

    Fit it on scores the model gave to rows it was **not** trained on, with their labels: on its
    own training rows a model looks more certain than it is, and the calibrator would learn that.

    Attributes
    ----------
    isotonic_ : sklearn.isotonic.IsotonicRegression
        The fitted monotone map (clipped to the reference's score range).
    reliability_ : pandas.DataFrame
        One row per score decile of the reference: ``rows``, ``mean_score``, ``observed_rate``
        (share of positives) and ``calibrated`` (mean calibrated probability).
    n_rows_ : int
        Reference rows it was fitted on.

    Examples
    --------
    >>> cal = ScoreCalibrator().fit([0.2, 0.4, 0.6, 0.8] * 5, [0, 0, 0, 1] * 5)
    >>> cal.transform([0.3, 0.9]).round(2).tolist()
    [0.0, 1.0]
    """

    def fit(self, scores: Any, y_true: Any, *, bins: int = 10) -> ScoreCalibrator:
        """Fit on reference scores and their labels; returns the calibrator."""
        from sklearn.isotonic import IsotonicRegression

        s = check_probabilities(scores, "scores")
        y = _labels(y_true, len(s))
        if len(np.unique(y)) < 2:
            raise ValueError(f"y_true must contain both classes to calibrate; got only {[int(y[0])]}.")
        bins = check_positive_int(bins, "bins", minimum=2)
        self.isotonic_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(s, y)
        self.n_rows_ = len(s)
        self._reference = (s, self.transform(s))
        frame = pd.DataFrame({"score": s, "y": y, "calibrated": self.transform(s)})
        frame["bin"] = pd.qcut(frame["score"].rank(method="first"), bins, labels=False)
        self.reliability_ = (frame.groupby("bin")
                             .agg(rows=("y", "size"), mean_score=("score", "mean"),
                                  observed_rate=("y", "mean"), calibrated=("calibrated", "mean"))
                             .reset_index(drop=True).rename_axis("decile"))
        return self

    def group_variance(self, threshold: float) -> tuple[float, float]:
        """How uncertain the calibrated mean is, above and below ``threshold``, from the reference.

        The calibrator learned each group's churn rate from the ``n`` reference rows of the
        group, so that rate is a mean of ``n`` coin flips. Its variance is at most
        ``q̄(1 - q̄) / n``, with ``q̄`` the group's mean calibrated probability (coins of unequal
        probabilities vary less than as many coins of their mean probability). The bound, not
        ``sum q(1-q) / n²``: isotonic regression's fitted ``q`` crowd towards 0 and 1 where it
        pools few rows, which understated that variance, and the monthly test alarmed on more
        healthy months than ``alpha``.
        """
        scores, q = self._reference
        out = []
        for group in (scores >= threshold, scores < threshold):
            n = int(group.sum())
            mean = float(q[group].mean()) if n else 0.0
            out.append(mean * (1 - mean) / n if n else 0.0)
        return out[0], out[1]

    def transform(self, scores: Any) -> np.ndarray:
        """Calibrated probabilities of ``scores``."""
        if not hasattr(self, "isotonic_"):
            raise TypeError("ScoreCalibrator is not fitted yet; call fit(scores, y_true) first.")
        return np.asarray(self.isotonic_.predict(check_probabilities(scores, "scores")), dtype=float)


def held_out_scores(model: Any, X: pd.DataFrame, y: Any, *, folds: int = 5,
                    seed: int = 0) -> np.ndarray:
    """Scores of ``model``'s recipe on rows it was not trained on: out-of-fold ``predict_proba``.

    Use it when the deployed model was fitted on the whole reference, so that no held-out
    reference is left: each row is scored by a copy of the model fitted on the other folds.

    Parameters
    ----------
    model : classifier
        Fitted or not; it is cloned for each fold (stratified, shuffled with ``seed``).
    X : pandas.DataFrame
        Features of the reference.
    y : array-like of {0, 1}
        Its labels.
    folds : int, default=5
        Number of folds.
    seed : int, default=0
        Seed of the fold shuffle.

    Returns
    -------
    numpy.ndarray
        One score per row of ``X``, each from a copy that did not see the row.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"x": np.arange(40.0)}); y = (X["x"] > 20).astype(int)
    >>> held_out_scores(LogisticRegression(), X, y).shape
    (40,)
    """
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    if not hasattr(model, "predict_proba"):
        raise TypeError(f"model must be a classifier with predict_proba; got {_short(model)}.")
    folds = check_positive_int(folds, "folds", minimum=2)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=check_seed(seed))
    check_dataframe(X, "X")
    labels = _labels(y, len(X), "y")
    fewest = int(np.bincount(labels, minlength=2).min())
    if fewest < folds:
        raise ValueError(f"y needs at least folds={folds} rows of each class (0 and 1) so every fold "
                         f"holds both; its rarer class has {fewest}. Use fewer folds or more rows.")
    try:
        proba = cross_val_predict(model, X, labels, cv=splitter, method="predict_proba")
    except (ValueError, TypeError) as error:  # scikit-learn's own words name no argument
        raise ValueError(f"model could not be fitted on X and y ({type(error).__name__}: {error}); "
                         "check X's columns are ones the model can use.") from error
    return np.asarray(proba[:, 1], dtype=float)


def _calibrated(scores: np.ndarray, calibrator: ScoreCalibrator | None) -> np.ndarray:
    if calibrator is None:
        return scores
    if not isinstance(calibrator, ScoreCalibrator):
        raise TypeError(f"calibrator must be a fitted ScoreCalibrator or None; got {_short(calibrator)}.")
    return calibrator.transform(scores)


def _count_variances(p: np.ndarray, decided: np.ndarray, threshold: float,
                     calibrator: ScoreCalibrator | None) -> tuple[float, float]:
    """Variances of the churner counts among the decided positive and negative customers.

    Labels are coin flips with the calibrated probabilities; a calibrator adds the uncertainty
    of the rates it learned from a finite reference (``n²`` times the variance of its group mean).
    """
    var1 = float((p[decided] * (1 - p[decided])).sum())
    var0 = float((p[~decided] * (1 - p[~decided])).sum())
    if calibrator is not None:
        ref1, ref0 = calibrator.group_variance(threshold)
        var1 += int(decided.sum()) ** 2 * ref1
        var0 += int((~decided).sum()) ** 2 * ref0
    return var1, var0


# --- step 2: estimate --------------------------------------------------------------------------------
def estimate_performance(proba: Any, threshold: float = 0.5, value: Mapping | None = None, *,
                         calibrator: ScoreCalibrator | None = None, confidence: float = 0.95,
                         n_draws: int = 2_000, seed: int = 0) -> pd.Series:
    """Performance expected from the scores, before any label arrives (CBPE).

    Each customer is decided on the raw score (``proba >= threshold``); the probability that
    they churn is the *calibrated* score (``calibrator.transform(proba)``, or ``proba`` itself
    if no calibrator is given, which trusts the scores to be probabilities). Summing those
    probabilities over the customers decided positive and negative gives the *expected*
    confusion matrix, hence expected precision, recall, F1, churn rate and business value.
    The interval says how far the realised values may fall from the estimate by chance alone
    (labels drawn from the calibrated probabilities, normal approximation, ``n_draws`` draws).
    Its blind spots: it trusts the calibration, so a concept change (same inputs, other
    outcome) leaves it unmoved, and inputs broken by a data bug give confidently wrong scores.

    Parameters
    ----------
    proba : array-like of float
        The model's scores of the positive class, in [0, 1].
    threshold : float, default=0.5
        Scores at or above it are decided positive.
    value : dict, optional
        Euros per outcome, ``{"tp": ..., "fp": ..., "fn": ..., "tn": ...}`` (relative to doing
        nothing); the business value is the sum of count times value.
    calibrator : ScoreCalibrator, optional
        Fitted on held-out reference scores and labels. None takes the scores as probabilities.
    confidence : float, default=0.95
        Level of the intervals.
    n_draws : int, default=2000
        Simulated label draws behind the intervals.
    seed : int, default=0
        Seed of the draws.

    Returns
    -------
    pandas.Series
        ``rows``, the expected counts ``tp``, ``fp``, ``fn``, ``tn``, then ``positive_rate``,
        ``precision``, ``recall``, ``f1`` and ``value``, each with ``_low`` and ``_high``.

    Raises
    ------
    ValueError
        If ``proba`` is empty, has missing values or values outside [0, 1].

    Examples
    --------
    >>> est = estimate_performance([0.9, 0.6, 0.3, 0.1], threshold=0.5,
    ...                            value={"tp": 40, "fp": -10, "fn": -60, "tn": 0})
    >>> est[["tp", "fp", "fn", "value"]].round(2).tolist()
    [1.5, 0.5, 0.4, 31.0]
    """
    s = check_probabilities(proba, "proba")
    threshold = check_probability(threshold, "threshold")
    confidence = check_probability(confidence, "confidence")
    n_draws = check_positive_int(n_draws, "n_draws", minimum=100)
    value = check_outcome_values(value)
    p = _calibrated(s, calibrator)
    decided = s >= threshold
    n1, n0 = int(decided.sum()), int((~decided).sum())
    tp, fn = float(p[decided].sum()), float(p[~decided].sum())
    row: dict[str, float] = {"rows": float(len(p)), "tp": tp, "fp": n1 - tp, "fn": fn, "tn": n0 - fn}
    row.update({k: float(v) for k, v in _metrics(tp, n1 - tp, fn, n0 - fn, value).items()})
    rng = np.random.default_rng(seed)
    var1, var0 = _count_variances(p, decided, threshold, calibrator)
    tp_draw = np.clip(rng.normal(tp, np.sqrt(var1), n_draws), 0, n1)
    fn_draw = np.clip(rng.normal(fn, np.sqrt(var0), n_draws), 0, n0)
    draws = _metrics(tp_draw, n1 - tp_draw, fn_draw, n0 - fn_draw, value)
    tail = (1 - confidence) / 2 * 100
    for name in METRICS:
        sample = draws[name][~np.isnan(draws[name])]
        low, high = (np.percentile(sample, [tail, 100 - tail]) if sample.size
                     else (np.nan, np.nan))
        row[f"{name}_low"], row[f"{name}_high"] = float(low), float(high)
    return pd.Series(row)


def realised_performance(y_true: Any, proba: Any, threshold: float = 0.5,
                         value: Mapping | None = None) -> pd.Series:
    """The same numbers as :func:`estimate_performance`, from the labels that arrived.

    Examples
    --------
    >>> realised_performance([1, 0, 1, 0], [0.9, 0.6, 0.3, 0.1])[["tp", "fp", "fn", "recall"]].tolist()
    [1.0, 1.0, 1.0, 0.5]
    """
    p = check_probabilities(proba, "proba")
    threshold = check_probability(threshold, "threshold")
    y = _labels(y_true, len(p))
    decided = p >= threshold
    tp, fp = float((decided & (y == 1)).sum()), float((decided & (y == 0)).sum())
    fn, tn = float((~decided & (y == 1)).sum()), float((~decided & (y == 0)).sum())
    row = {"rows": float(len(p)), "tp": tp, "fp": fp, "fn": fn, "tn": tn}
    row.update({k: float(v) for k, v in _metrics(tp, fp, fn, tn, check_outcome_values(value)).items()})
    return pd.Series(row)


# --- one alert rule once labels arrive -----------------------------------------------------------------
def performance_test(y_true: Any, proba: Any, threshold: float = 0.5, *,
                     calibrator: ScoreCalibrator | None = None,
                     alpha: float = PERFORMANCE_ALPHA) -> pd.Series:
    """One test per month: are the realised outcomes what the calibrated scores promised?

    Given the decisions, the whole confusion matrix follows from two counts: the churners among
    the customers decided positive (TP) and among those decided negative (FN). If the calibrated
    probabilities are right, each count is a sum of independent coin flips with known mean and
    variance, so ``z_tp² + z_fn²`` follows a chi-square law with 2 degrees of freedom (one per
    group that holds uncertain customers). Every metric (churn rate, precision, recall, F1,
    value) is a function of these two counts, so this one test replaces one test per metric:
    on healthy months it alerts with probability at most ``alpha``, whatever the metrics watched
    (two separate 95 % intervals alert in nearly 1 healthy month in 10, about once a year).

    Parameters
    ----------
    y_true : array-like of {0, 1}
        The labels that arrived.
    proba : array-like of float
        The model's scores of the same rows.
    threshold : float, default=0.5
        Scores at or above it are decided positive.
    calibrator : ScoreCalibrator, optional
        As in :func:`estimate_performance`.
    alpha : float, default=PERFORMANCE_ALPHA
        False-alarm rate per healthy month.

    Returns
    -------
    pandas.Series
        ``tp``, ``fn`` (realised), ``expected_tp``, ``expected_fn``, ``z_tp``, ``z_fn``,
        ``statistic``, ``df``, ``p_value`` and ``alert`` (``p_value < alpha``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=2000)
    >>> y = (rng.uniform(size=2000) < p).astype(int)
    >>> bool(performance_test(y, p, 0.5)["alert"]), bool(performance_test(1 - y, p, 0.5)["alert"])
    (False, True)
    """
    from scipy.stats import chi2

    s = check_probabilities(proba, "proba")
    threshold = check_probability(threshold, "threshold")
    alpha = check_probability(alpha, "alpha")
    y = _labels(y_true, len(s))
    p = _calibrated(s, calibrator)
    decided = s >= threshold
    row: dict[str, float] = {}
    statistic, df = 0.0, 0
    variances = _count_variances(p, decided, threshold, calibrator)
    for (name, group), var in zip((("tp", decided), ("fn", ~decided)), variances, strict=True):
        observed, expected = float(y[group].sum()), float(p[group].sum())
        if var > 0:
            z = (observed - expected) / np.sqrt(var)
            df += 1
        else:  # every probability is 0 or 1: any difference is impossible under calibration
            z = 0.0 if np.isclose(observed, expected) else np.inf
        row.update({name: observed, f"expected_{name}": expected, f"z_{name}": float(z)})
        statistic += z * z
    p_value = float(chi2.sf(statistic, df)) if df else float(statistic == 0)
    if np.isinf(statistic):
        p_value = 0.0
    row.update({"statistic": float(statistic), "df": float(df), "p_value": p_value,
                "alert": bool(p_value < alpha)})
    return pd.Series(row, dtype=object)
