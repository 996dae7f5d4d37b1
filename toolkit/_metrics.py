"""One rule for precision, recall and F1 when their denominator is zero, used by every module.

Precision is undefined when nothing is predicted positive (``tp + fp == 0``), recall when
there is no positive row (``tp + fn == 0``), F1 when both are (``2 tp + fp + fn == 0``).
scikit-learn asks for a ``zero_division`` value in those cases; this module fixes it once, as
:data:`ZERO_DIVISION`, for :mod:`toolkit.baselines`, :mod:`toolkit.modeling` and
:mod:`toolkit.error_analysis`, so the same predictions get the same numbers in every table.

**The rule: 0.0**, scikit-learn's own default (its ``zero_division="warn"`` returns 0 and
warns). Why not the other choices:

- ``1.0`` scores "never predict positive" as perfectly precise, so a threshold above every
  score, or an always-"stays" baseline, looks flawless on precision.
- ``NaN`` is honest about "undefined" but leaks into everything downstream: a mean over folds
  becomes NaN (or, with ``nanmean``, silently averages over fewer folds and flatters the
  model), sorting puts it first or last at random, and a learner comparing with
  ``precision_score`` by hand sees a different number.
- ``0.0`` says what a decision maker needs: a rule that contacts nobody finds no churner,
  its precision counts for nothing, and every number is the one ``sklearn.metrics`` returns
  with ``zero_division=0``.

>>> precision_recall_f1(tp=0, fp=0, fn=5)  # nothing predicted positive
(0.0, 0.0, 0.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["SKLEARN_OPTIONS", "ZERO_DIVISION", "precision_recall_f1", "ratio"]

#: The value of precision, recall or F1 when its denominator is zero (see the module doc).
ZERO_DIVISION = 0.0
#: Keyword arguments that give scikit-learn's metric functions the same rule.
SKLEARN_OPTIONS = {"zero_division": ZERO_DIVISION}


def ratio(numerator: Any, denominator: Any) -> Any:
    """``numerator / denominator``, and :data:`ZERO_DIVISION` where the denominator is 0.

    Works on numbers and arrays alike (returns a float or a float array).

    >>> ratio(np.array([1, 0]), np.array([2, 0])).tolist()
    [0.5, 0.0]
    """
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    out = np.divide(num, den, out=np.full(np.broadcast(num, den).shape, ZERO_DIVISION),
                    where=den != 0)
    return float(out) if out.ndim == 0 else out


def precision_recall_f1(tp: Any, fp: Any, fn: Any) -> tuple[Any, Any, Any]:
    """Precision, recall and F1 from confusion counts (numbers or arrays), with the one rule.

    The same values as ``sklearn.metrics.precision_score``, ``recall_score`` and ``f1_score``
    with ``zero_division=ZERO_DIVISION``, computed from counts so that a whole threshold curve
    or a thousand bootstrap resamples cost one vectorised expression.

    >>> precision_recall_f1(tp=3, fp=1, fn=3)
    (0.75, 0.5, 0.6)
    """
    tp, fp, fn = (np.asarray(v, dtype=float) for v in (tp, fp, fn))
    return ratio(tp, tp + fp), ratio(tp, tp + fn), ratio(2 * tp, 2 * tp + fp + fn)
