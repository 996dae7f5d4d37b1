import pytest

from toolkit.scoping import CHECKLIST, ProjectScope, ml_fit_checklist


@pytest.fixture
def full_scope():
    return ProjectScope(
        title="Churn", problem="Customers leave before we can offer them anything.",
        users=["retention team"], business_metric="revenue kept per month",
        ml_metric="recall at 50 % precision", positive_rate=0.2,
        baseline="always 'stays' and a coin flip", data_sources=["CRM snapshots"],
        labels="account status one month later, guideline: free tier counts as churn",
        predictive_signal=True, human_can_do=True, prior_work="a rule on support calls",
        value="offers to the right customers", milestones=["baseline", "first model"],
        risks=["offers only to some groups"])


def test_complete_scope_has_no_gaps(full_scope):
    assert full_scope.gaps().empty
    assert list(full_scope.gaps().columns) == ["field", "problem", "why it matters"]
    assert "*No gaps left.*" in full_scope.to_markdown()


@pytest.mark.parametrize(("change", "problem"), [
    ({"baseline": ""}, "no baseline named"),
    ({"business_metric": ""}, "no business metric"),
    ({"labels": ""}, "no plan for labels"),
    ({"ml_metric": "accuracy"}, "accuracy on a skewed target"),
    ({"ml_metric": "Accuracy", "positive_rate": 0.85}, "accuracy on a skewed target"),
    ({"predictive_signal": False}, "no predictive signal"),
    ({"human_can_do": None}, "human-level performance unknown"),
    ({"risks": []}, "no risks or ethics"),
], ids=["baseline", "business-metric", "labels", "accuracy-20pct", "accuracy-85pct",
        "no-signal", "hlp-unknown", "risks"])
def test_each_gap_is_found_with_a_reason(full_scope, change, problem):
    gaps = full_scope.with_changes(**change).gaps()
    assert gaps["problem"].tolist() == [problem]
    assert len(gaps["why it matters"].item()) > 20


def test_accuracy_gap_names_the_majority_share(full_scope):
    why = full_scope.with_changes(ml_metric="accuracy").gaps()["why it matters"].item()
    assert "80%" in why and "20%" in why


@pytest.mark.parametrize("change", [
    {"ml_metric": "accuracy", "positive_rate": 0.45},
    {"ml_metric": "balanced accuracy"},
    {"ml_metric": "accuracy", "positive_rate": None},
], ids=["balanced-target", "balanced-accuracy", "rate-unknown"])
def test_accuracy_is_fine_when_not_misleading(full_scope, change):
    assert full_scope.with_changes(**change).gaps().empty


def test_empty_scope_lists_every_missing_field():
    gaps = ProjectScope().gaps()
    assert {"problem", "users", "business_metric", "ml_metric", "baseline", "data_sources",
            "labels", "predictive_signal", "human_can_do", "value", "milestones",
            "risks"} == set(gaps["field"])


def test_markdown_canvas(full_scope):
    text = full_scope.with_changes(baseline="").to_markdown()
    assert text.startswith("## Project scope: Churn")
    assert "| **Baseline to beat** | *— missing —* |" in text
    assert "| **Share of positives** | 20% |" in text
    assert "1. baseline<br>2. first model" in text
    assert "1 gap(s) left" in text


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"positive_rate": 1.2}, ValueError, "positive_rate must be between 0 and 1"),
    ({"positive_rate": "20%"}, TypeError, "positive_rate must be a number"),
    ({"users": "retention team"}, TypeError, "users must be a list of strings"),
], ids=["rate-above-1", "rate-string", "users-string"])
def test_scope_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        ProjectScope(**kwargs)


def test_with_changes_unknown_field():
    with pytest.raises(ValueError, match=r"unknown field\(s\) \['metric'\]"):
        ProjectScope().with_changes(metric="accuracy")


# --- ml_fit_checklist ----------------------------------------------------------------------

ALL_YES = dict.fromkeys(CHECKLIST, True)


def test_checklist_all_yes_is_a_good_candidate():
    table = ml_fit_checklist(**ALL_YES)
    assert table["key"].tolist() == [*CHECKLIST, "verdict"]
    assert (table["answer"].iloc[:-1] == "yes").all()
    assert table.iloc[-1]["answer"] == "good candidate for ML"


@pytest.mark.parametrize(("change", "verdict", "reason"), [
    ({"pattern": False}, "poor candidate for ML", "pattern"),
    ({"actionable": False, "at_scale": None}, "poor candidate for ML", "actionable"),
    ({"data": None}, "not known yet", "data"),
    ({"hard_to_code": False}, "try simpler means first", "hard_to_code"),
], ids=["no-pattern", "not-actionable", "unknown-data", "rules-suffice"])
def test_checklist_verdicts(change, verdict, reason):
    row = ml_fit_checklist(**{**ALL_YES, **change}).iloc[-1]
    assert row["answer"] == verdict
    assert reason in row["consequence"]


def test_checklist_consequence_follows_answer():
    table = ml_fit_checklist(pattern=False).set_index("key")
    assert table.loc["pattern", "consequence"] == CHECKLIST["pattern"][2]
    assert table.loc["data", "answer"] == "unknown"


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"magic": True}, ValueError, r"unknown question\(s\) \['magic'\]"),
    ({"pattern": "yes"}, TypeError, "pattern must be True, False or None"),
], ids=["unknown-question", "not-bool"])
def test_checklist_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        ml_fit_checklist(**kwargs)


# --- notebook 01's exercises ----------------------------------------------------------------


def test_scope_exercise_feedback(full_scope):
    from toolkit.exercises import check

    assert check("1.4", full_scope).correct
    assert "still plain accuracy" in check("1.4", full_scope.with_changes(ml_metric="accuracy")
                                           ).message
    assert "no baseline named" in check("1.4", full_scope.with_changes(baseline="")).message
    assert "should be a ProjectScope" in check("1.4", "my scope").message


@pytest.mark.parametrize(("exercise", "answer", "says"), [
    ("1.2", 0.5, "fair coin"),
    ("1.2", 0.2, "share of churners"),
    ("1.3", "data", "data is plentiful"),
], ids=["coin", "minority", "lottery-data"])
def test_exercise_feedback_names_the_mistake(exercise, answer, says):
    from toolkit.exercises import check

    feedback = check(exercise, answer)
    assert feedback.status == "incorrect" and says in feedback.message
