"""Notebook 01's exercises: right answers, every coded mistake."""

import pytest

from toolkit.exercise_bank import nb01
from toolkit.exercises import _REGISTRY, check
from toolkit.scoping import CHECKLIST, case_study_scope


def test_right_answers():
    assert check("1.1", "b").correct
    assert check("1.2", 0.8).correct
    assert check("1.3", "pattern").correct
    assert check("1.4", case_study_scope()).correct
    assert check("1.5", 2 / 3).correct


@pytest.mark.parametrize(("exercise_id", "answer", "words"), [
    ("1.1", "a", "ML metric"), ("1.1", "c", "ranks customers"), ("1.1", "d", "activity"),
    ("1.2", 0.5, "fair coin"), ("1.2", 0.2, "share of churners"), ("1.2", 0.0, "recall 0"),
    *[("1.3", key, _REGISTRY["1.3"].mistakes[key]) for key in CHECKLIST if key != "pattern"],
    ("1.5", 1 / 3, "team's numbers"), ("1.5", 0.2, "as if every churner"),
    ("1.5", 0.3, "share of churners an offer keeps"),
])
def test_each_coded_mistake_gets_its_feedback(exercise_id, answer, words):
    feedback = check(exercise_id, answer)
    assert feedback.status == "incorrect"
    assert words in feedback.message
    assert "not quite" in str(feedback)


def test_break_even_feedback_values_follow_the_scope():
    finance = nb01._finance()
    assert finance.customer_value == nb01.FINANCE_MONTHS * nb01.MONTHLY_BILL
    assert finance.break_even_precision > 0.5  # the explanation's claim about 50 % precision
    assert set(nb01._break_even_mistakes()) == {
        case_study_scope().economics.break_even_precision,
        finance.offer_cost / finance.customer_value, finance.save_rate}


def test_scope_exercise_rejects_each_gap():
    scope = case_study_scope()
    assert "still plain accuracy" in check("1.4", scope.with_changes(ml_metric="accuracy")).message
    assert "no plan for labels" in check("1.4", scope.with_changes(labels="")).message
    assert "should be a ProjectScope" in check("1.4", {"baseline": "x"}).message
