"""The coin flip: the floor every model must beat, and how much luck moves it.

"If we can predict the outcome 50 % of the time by flipping a coin, a model should at least do
better than that." :func:`simulate_coin_flips` lets many coins guess a test set's labels and
shows the spread of their accuracies (exactly, without flipping every coin one label at a
time); :func:`coin_flip_scenario` puts a coin, always-majority and a fixed model side by side on
a test set you describe, the numbers behind :func:`toolkit.widgets.coin_flip_explorer`. The rest
of the baseline ladder is in :mod:`toolkit.baselines`, which re-exports everything here.

>>> round(simulate_coin_flips([0] * 80 + [1] * 20).mean, 2)  # skewed labels, still a coin
0.5
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from toolkit._validation import _short, check_labels, check_positive_int, check_probability, check_seed
from toolkit.plotting import COLORS, new_axes

__all__ = ["CoinFlipResult", "CoinFlipScenario", "coin_flip_scenario", "lattice_bins",
           "simulate_coin_flips"]


def lattice_bins(values: np.ndarray, n: int, max_bins: int = 40) -> np.ndarray:
    """Histogram edges for scores that are multiples of 1/n: equal counts of values per bin.

    An accuracy on ``n`` labels can only be 0, 1/n, 2/n, ...: plain equal-width bins on such
    values alias (some bins catch one more possible value than their neighbours), which draws
    false spikes and gaps. These edges sit half-way between possible values.

    Examples
    --------
    >>> lattice_bins(np.array([0.4, 0.5, 0.6]), n=10).round(2).tolist()
    [0.35, 0.45, 0.55, 0.65]
    """
    n = check_positive_int(n, "n")
    max_bins = check_positive_int(max_bins, "max_bins")
    try:
        scores = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"values must be numbers (such as accuracies); got {_short(values)}.") from None
    if scores.size == 0 or not np.isfinite(scores).all():
        raise ValueError(f"values must hold at least one score, all finite; got {_short(values)}.")
    counts = np.round(scores * n)
    low, high = counts.min(), counts.max()
    step = max(1, int(np.ceil((high - low + 1) / max_bins)))
    return (np.arange(low, high + step + 1, step) - 0.5) / n



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
        ax.hist(self.accuracies, bins=lattice_bins(self.accuracies, self.n_labels),
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
    seed = check_seed(seed)
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
    check_seed(seed)
    n_pos = round(rate * n_test)
    if not 0 < n_pos < n_test:
        raise ValueError(f"positive_rate must leave at least one label of each class in a test "
                         f"set of {n_test}; got {positive_rate!r}.")
    y = np.r_[np.zeros(n_test - n_pos, dtype=int), np.ones(n_pos, dtype=int)]
    coin = simulate_coin_flips(y, n_trials=n_trials, seed=seed)
    majority = max(n_pos, n_test - n_pos) / n_test
    model = (round(tpr * n_pos) + round(tnr * (n_test - n_pos))) / n_test
    return CoinFlipScenario(n_pos / n_test, n_test, coin, majority, model)
