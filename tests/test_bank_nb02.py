"""Notebook 02's exercises: right answers, every coded mistake."""

import pytest

from toolkit.datasets import load
from toolkit.exercises import check


def test_right_answers_computed_from_the_data():
    shares = load("penguins")["species"].value_counts(normalize=True)
    assert check("2.1", "exit_survey_score").correct
    assert check("2.2", "b").correct
    assert check("2.3", float(shares.max())).correct
    assert check("2.4", "no").correct
    assert check("2.5", "b").correct


@pytest.mark.parametrize(("exercise_id", "answer", "words"), [
    ("2.1", "age", "missing is not the same as leaky"),
    ("2.1", "last_complaint", "fair to use"),
    ("2.1", "support_calls_90d", "not a leak"),
    ("2.2", "a", "Speed is not the reason"),
    ("2.2", "c", "Class balance"),
    ("2.3", 1 / 3, "three-sided coin"),
    ("2.3", 0.5, "two-sided coin"),
    ("2.3", 0.8, "churn data's floor"),
    ("2.4", "yes", "interval"),
    ("2.5", "a", "no ceiling"),
    ("2.5", "c", "never measured"),
])
def test_each_coded_mistake_gets_its_feedback(exercise_id, answer, words):
    feedback = check(exercise_id, answer)
    assert feedback.status == "incorrect"
    assert words in feedback.message


def test_penguin_least_frequent_species_is_a_coded_mistake():
    shares = load("penguins")["species"].value_counts(normalize=True)
    assert "least* frequent" in check("2.3", float(shares.min())).message


def test_the_small_test_set_really_is_not_significant():
    from sklearn.linear_model import LogisticRegression

    from toolkit.baselines import compare_to_baseline

    history = load("history")
    train, test = history[history["month"] < "2024-10-01"], history[history["month"] >= "2024-10-01"]
    columns = ["tenure_months", "support_calls_90d", "monthly_charges"]
    model = LogisticRegression().fit(train[columns], train["churned"])
    small = test.head(100)
    result = compare_to_baseline(small["churned"], model.predict(small[columns]), [0] * 100)
    assert not result.significant and result.p_value > 0.05  # what 2.4's feedback says
