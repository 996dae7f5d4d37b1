"""The scope's economics, its scoreable rule and the finished case-study scope."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import confusion_matrix

from toolkit.baselines import RuleClassifier
from toolkit.scoping import (
    CampaignEconomics,
    ProjectScope,
    business_value,
    case_study_scope,
    rule_predictions,
)

ROOT = Path(__file__).resolve().parents[1]
MONEY = {"tp": 1, "fp": 0, "fn": 0, "tn": 0}


def test_case_study_scope_equals_the_scope_notebook_01_builds():
    cells = json.loads((ROOT / "notebooks" / "01_scoping.ipynb").read_text("utf-8"))["cells"]
    cell = next(c for c in cells if "scope == scoping.case_study_scope()" in "".join(c["source"]))
    assert "".join(cell["outputs"][0]["data"]["text/plain"]) == "(True, True)"
    scope = case_study_scope()
    assert scope.gaps().empty
    assert scope == case_study_scope()  # frozen and rebuilt identically


def test_outcome_values_follow_the_contract():
    money = CampaignEconomics(customer_value=300, offer_cost=30, save_rate=0.3)
    assert money.outcome_values() == {"tp": 60.0, "fp": -30.0, "fn": 0.0, "tn": 0.0}
    # at the break-even precision a flagged customer is worth nothing on average
    p = money.break_even_precision
    assert p * money.outcome_values()["tp"] + (1 - p) * money.outcome_values()["fp"] == (
        pytest.approx(0.0))
    assert "300 EUR" in money.describe() and "+60 EUR" in money.describe()


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"customer_value": "300"}, TypeError, r"customer_value must be a number of euros; got '300'"),
    ({"offer_cost": -1}, ValueError, r"offer_cost must be zero or more euros; got -1"),
    ({"save_rate": 1.5}, ValueError, r"save_rate must be between 0 and 1; got 1.5"),
])
def test_campaign_economics_bad_arguments(kwargs, error, match):
    args = {"customer_value": 300, "offer_cost": 30, "save_rate": 0.3} | kwargs
    with pytest.raises(error, match=match):
        CampaignEconomics(**args)


def test_business_value_against_sklearn_confusion_matrix():
    rng = np.random.default_rng(0)
    y, pred = rng.integers(0, 2, 500), rng.integers(0, 2, 500)
    money = {"tp": 60.0, "fp": -30.0, "fn": -7.0, "tn": 2.0}
    tn, fp, fn, tp = confusion_matrix(y, pred).ravel()
    expected = tp * 60 - fp * 30 - fn * 7 + tn * 2
    assert business_value(y, pred, money) == pytest.approx(expected)
    economics = CampaignEconomics(300, 30, 0.3)
    assert business_value(y, pred, economics) == business_value(y, pred,
                                                                economics.outcome_values())


@pytest.mark.parametrize(("args", "error", "match"), [
    (([1, 0], [1, 0], [60, -30]), TypeError, r"values must be a mapping .* got list"),
    (([1, 0], [1, 0], {"tp": 1.0}), ValueError,
     r"values must have exactly the keys \['tp', 'fp', 'fn', 'tn'\]; got \['tp'\]"),
    (([1, 0], [1, 0], {"tp": "1", "fp": 0, "fn": 0, "tn": 0}), TypeError,
     r"values\['tp'\] must be a number of euros; got '1'"),
    (([1, 0], [1, 0, 1], MONEY), ValueError, r"y_true and y_pred must have the same length"),
    (([1, 2], [1, 0], MONEY), ValueError, r"y_true must hold only 0 and 1; got also \[2\]"),
], ids=["list", "keys", "text-value", "length", "not-binary"])
def test_business_value_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        business_value(*args)


def test_rule_predictions_and_its_errors():
    X = pd.DataFrame({"calls": [0, 3, 5, 2]})
    np.testing.assert_array_equal(rule_predictions(X, "calls >= 3"), [0, 1, 1, 0])
    with pytest.raises(TypeError, match=r"rule must be a non-empty pandas expression string .* got 3"):
        rule_predictions(X, 3)
    with pytest.raises(ValueError, match=r"rule 'visits >= 3' cannot be evaluated on X.*\['calls'\]"):
        rule_predictions(X, "visits >= 3")
    with pytest.raises(ValueError, match=r"rule must be a True/False condition per row.*got 'calls \+ 1'"):
        rule_predictions(X, "calls + 1")
    with pytest.raises(TypeError, match=r"rule must be a pandas expression string .* got 3"):
        ProjectScope(rule=3)
    with pytest.raises(TypeError, match=r"economics must be a CampaignEconomics or None; got dict"):
        ProjectScope(economics={"tp": 1})


def test_rule_classifier_is_a_scikit_learn_classifier():
    from sklearn.base import is_classifier
    from sklearn.metrics import average_precision_score

    X = pd.DataFrame({"calls": [0, 3, 5, 2, 4, 1]})
    y = np.array([0, 1, 0, 0, 1, 0])
    model = clone(RuleClassifier("calls >= 3")).fit(X, y)
    assert is_classifier(model) and repr(model) == "RuleClassifier(rule='calls >= 3')"
    np.testing.assert_array_equal(model.predict(X), rule_predictions(X, "calls >= 3"))
    proba = model.predict_proba(X)
    np.testing.assert_array_equal(proba.sum(axis=1), np.ones(len(X)))
    # a 0/1 score: average precision is the precision of the flagged rows weighted by recall
    flagged = model.predict(X) == 1
    precision, recall = y[flagged].mean(), y[flagged].sum() / y.sum()
    expected = recall * precision + (1 - recall) * y.mean()
    assert average_precision_score(y, proba[:, 1]) == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"parameter must be one of 'rule'; got 'C'"):
        model.set_params(C=1)


def test_scoping_re_exports_economics():
    from toolkit import economics, scoping

    assert set(economics.__all__) <= set(scoping.__all__)
    for name in economics.__all__:
        assert getattr(scoping, name) is getattr(economics, name)


@pytest.mark.parametrize(("values", "error", "match"), [
    ([1, 2], TypeError, "values must be a mapping"),
    ({"tp": 1}, ValueError, "exactly the keys"),
    ({"tp": "1", "fp": 0, "fn": 0, "tn": 0}, TypeError, r"values\['tp'\] must be a number"),
], ids=["not-a-mapping", "missing-keys", "not-a-number"])
def test_outcome_values_bad_input(values, error, match):
    from toolkit.economics import outcome_values

    with pytest.raises(error, match=match):
        outcome_values(values)
