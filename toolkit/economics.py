"""Economics: what a yes/no decision is worth in euros, before and after there is a model.

Scoping names the business metric; this module makes it a number. :class:`CampaignEconomics`
turns "a customer kept is worth 300 EUR, an offer costs 30 EUR, 30 % of the churners offered
stay" into the value of each outcome (true positive, false positive, ...), and
:func:`business_value` adds those values up over a set of decisions, so a rule of thumb, a
baseline and a model can be compared in euros. :mod:`toolkit.scoping` re-exports both, since a
:class:`~toolkit.scoping.ProjectScope` holds its economics.

>>> money = CampaignEconomics(customer_value=300, offer_cost=30, save_rate=0.3)
>>> business_value([1, 1, 0, 0], [1, 0, 1, 0], money)
30.0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit._validation import check_labels, check_probability, check_same_length

__all__ = ["OUTCOMES", "CampaignEconomics", "business_value", "outcome_values",
           "value_by_threshold"]

#: The four outcomes of a yes/no decision, in the order of the business-value mapping.
OUTCOMES = ("tp", "fp", "fn", "tn")


@dataclass(frozen=True)
class CampaignEconomics:
    """The money behind a yes/no campaign decision: what acting right or wrong is worth.

    Parameters
    ----------
    customer_value : float
        Euros a customer who stays brings in (e.g. 10 more months at 30 EUR a month).
    offer_cost : float
        Euros one retention offer costs, whoever receives it.
    save_rate : float
        Share of the churners who receive an offer and then stay (between 0 and 1).

    Examples
    --------
    >>> money = CampaignEconomics(customer_value=300, offer_cost=30, save_rate=0.3)
    >>> money.outcome_values()
    {'tp': 60.0, 'fp': -30.0, 'fn': 0.0, 'tn': 0.0}
    >>> round(money.break_even_precision, 3)
    0.333
    """

    customer_value: float
    offer_cost: float
    save_rate: float

    def __post_init__(self) -> None:
        for name in ("customer_value", "offer_cost"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise TypeError(f"{name} must be a number of euros; got {value!r}.")
            if not np.isfinite(value):
                raise ValueError(f"{name} must be a finite number of euros; got {value!r}.")
            if value < 0:
                raise ValueError(f"{name} must be zero or more euros; got {value!r}.")
        check_probability(self.save_rate, "save_rate")

    def outcome_values(self) -> dict[str, float]:
        """Euros each outcome is worth compared with doing nothing.

        A true positive (churner offered) gains ``save_rate * customer_value - offer_cost``;
        a false positive (a stayer offered) loses the offer; a missed churner and a stayer left
        alone change nothing compared with having no campaign.
        """
        return {"tp": float(self.save_rate * self.customer_value - self.offer_cost),
                "fp": float(-self.offer_cost), "fn": 0.0, "tn": 0.0}

    @property
    def break_even_precision(self) -> float:
        """Precision above which flagging a customer pays: ``offer_cost / (save_rate * value)``."""
        return float(self.offer_cost / (self.save_rate * self.customer_value))

    def describe(self) -> str:
        """One line in words, for the scope's canvas."""
        values = self.outcome_values()
        return (f"a customer kept is worth {self.customer_value:g} EUR, an offer costs "
                f"{self.offer_cost:g} EUR, {self.save_rate:.0%} of the churners offered stay: "
                f"a flagged churner is worth {values['tp']:+g} EUR, a flagged stayer "
                f"{values['fp']:+g} EUR")



def outcome_values(values: Any) -> dict[str, float]:
    """Euros per outcome, checked: from a mapping ``{"tp", "fp", "fn", "tn"} -> euros`` or a
    :class:`CampaignEconomics`.

    Raises
    ------
    TypeError
        If ``values`` is neither, or a value is not a number.
    ValueError
        If the keys are not exactly the four outcomes.

    Examples
    --------
    >>> outcome_values(CampaignEconomics(customer_value=300, offer_cost=30, save_rate=0.3))
    {'tp': 60.0, 'fp': -30.0, 'fn': 0.0, 'tn': 0.0}
    >>> outcome_values({"tp": 1, "fp": -1, "fn": 0, "tn": 0})["fp"]
    -1.0
    """
    if isinstance(values, CampaignEconomics):
        return values.outcome_values()
    if not isinstance(values, Mapping):
        raise TypeError(f"values must be a mapping {{'tp', 'fp', 'fn', 'tn'}} -> euros or a "
                        f"CampaignEconomics; got {type(values).__name__}.")
    if set(values) != set(OUTCOMES):
        raise ValueError(f"values must have exactly the keys {list(OUTCOMES)!r}; "
                         f"got {list(values)!r}.")
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise TypeError(f"values[{key!r}] must be a number of euros; got {value!r}.")
        if not np.isfinite(value):
            raise ValueError(f"values[{key!r}] must be a finite number of euros; got {value!r}.")
    return {key: float(values[key]) for key in OUTCOMES}


def business_value(y_true: Any, y_pred: Any, values: Any) -> float:
    """Euros a set of yes/no decisions is worth: the sum of count x value over the outcomes.

    Parameters
    ----------
    y_true, y_pred : array-like of 0/1, same length
        What happened (1 = churned) and what was decided (1 = flagged for an offer).
    values : mapping or CampaignEconomics
        Euros per outcome, ``{"tp": ..., "fp": ..., "fn": ..., "tn": ...}``, relative to doing
        nothing (e.g. ``scope.economics.outcome_values()``).

    Returns
    -------
    float
        The total value in euros (negative when the campaign loses money).

    Examples
    --------
    >>> business_value([1, 1, 0, 0], [1, 0, 1, 0], {"tp": 60, "fp": -30, "fn": 0, "tn": 0})
    30.0
    """
    values = outcome_values(values)
    true = check_labels(y_true, "y_true").to_numpy()
    said = check_labels(y_pred, "y_pred").to_numpy()
    check_same_length(y_true=true, y_pred=said)
    for name, arr in (("y_true", true), ("y_pred", said)):
        extra = sorted(set(pd.unique(arr).tolist()) - {0, 1})
        if extra:
            raise ValueError(f"{name} must hold only 0 and 1; got also {extra!r}.")
    true, said = true == 1, said == 1
    counts = {"tp": np.sum(true & said), "fp": np.sum(~true & said),
              "fn": np.sum(true & ~said), "tn": np.sum(~true & ~said)}
    return float(sum(int(counts[k]) * values[k] for k in OUTCOMES))


def value_by_threshold(y_true: Any, proba: Any, values: Any,
                       thresholds: Any = None) -> pd.DataFrame:
    """:func:`toolkit.error_analysis.threshold_curve` plus the euros each threshold is worth.

    Also available as ``modeling.value_by_threshold``, where notebook 05 uses it.

    Parameters
    ----------
    y_true : array-like of 0/1
        True labels.
    proba : array-like of float
        Predicted probability of class 1.
    values : mapping or CampaignEconomics
        Euros per outcome ``{"tp", "fp", "fn", "tn"}`` (see :func:`business_value`).
    thresholds : array-like of float, optional
        Default: 0.01, 0.02, ..., 0.99.

    Returns
    -------
    DataFrame
        The threshold curve with a last column ``value`` (euros, sum of count x value).

    Examples
    --------
    >>> table = value_by_threshold([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9],
    ...                            {"tp": 60, "fp": -30, "fn": 0, "tn": 0}, thresholds=[0.3, 0.5])
    >>> table[["threshold", "tp", "fp", "value"]]
       threshold  tp  fp  value
    0        0.3   2   1   90.0
    1        0.5   1   1   30.0
    """
    from toolkit.diagnostics import threshold_curve

    money = outcome_values(values)
    curve = threshold_curve(y_true, proba, thresholds)
    curve["value"] = sum(curve[k].astype(float) * money[k] for k in OUTCOMES)
    return curve
