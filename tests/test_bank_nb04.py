"""Notebook 04's exercises: the right answers, every coded mistake.

Expected values are recomputed here with plain pandas and scikit-learn (Cohen's kappa from
``sklearn.metrics``, duplicates from ``DataFrame.duplicated``), independently of the bank.
"""

from itertools import combinations

import pytest
from sklearn.metrics import cohen_kappa_score

from toolkit import datasets
from toolkit.exercises import check, hint, reset_hints

IDS = ["4.1", "4.2", "4.3", "4.4", "4.5", "4.6"]


@pytest.fixture(scope="module")
def data():
    return {name: datasets.load(name) for name in ("history", "history_truth", "annotations")}


@pytest.mark.parametrize("exercise_id", IDS)
def test_hints_are_progressive_and_the_last_leaves_a_step(exercise_id):
    reset_hints()
    hints = [hint(exercise_id).message for _ in range(3)]
    assert hints[0] != hints[1]
    assert "answer =" not in hints[-1]


def test_4_1_least_agreeing_pair_from_sklearn_kappa(data):
    before = data["annotations"].query("round == 'before_guideline'")
    wide = before.pivot(index="customer_id", columns="annotator", values="label")
    kappas = {frozenset(p): cohen_kappa_score(wide[p[0]], wide[p[1]])
              for p in combinations(wide.columns, 2)}
    lowest, highest = min(kappas, key=kappas.get), max(kappas, key=kappas.get)
    feedback = check("4.1", sorted(lowest))
    assert feedback.correct and f"{kappas[lowest]:.2f}" in feedback.message
    assert "*highest* kappa" in check("4.1", sorted(highest)).message


@pytest.mark.parametrize("answer, text", [
    ("C", "free tier"),
    ("A", "Care is not what is missing"),
    ("B", "defines the problem away"),
    ("D", "breaks ties one way"),
    ("E", "Choose one of"),
], ids=["right", "careful", "closed-only", "default-0", "not-an-option"])
def test_4_2(answer, text):
    feedback = check("4.2", answer)
    assert feedback.correct == (answer == "C")
    assert text in feedback.message


def test_4_2_quotes_the_disagreement_computed_from_the_data(data):
    before = data["annotations"].query("round == 'before_guideline'")
    split = before.groupby("customer_id")["label"].nunique() > 1
    outcome = data["history_truth"].set_index("customer_id")["outcome"]
    movers = int((outcome[split[split].index] == "downgraded").sum())
    assert f"{movers} of the {int(split.sum())} customers" in check("4.2", "c").message
    clear = outcome[split.index] != "downgraded"
    unanimous = (~split[clear.to_numpy()]).mean()
    assert f"unanimous {unanimous:.0%} of the time" in check("4.2", "A").message


def _ties(annotations, round_name):
    rows = annotations.query("round == @round_name")
    ones = rows.groupby("customer_id")["label"].sum()
    return int((ones == rows.groupby("customer_id").size() / 2).sum())


def test_4_3(data):
    ties = _ties(data["annotations"], "before_guideline")
    assert check("4.3", ties).correct
    assert f"{ties} of 300 customers" in check("4.3", ties).message
    assert "*after* the guideline" in check("4.3", _ties(data["annotations"],
                                                         "after_guideline")).message
    assert "counted annotation rows" in check("4.3", 4 * ties).message
    assert "`tie` column" in check("4.3", 0).message


def test_4_4(data):
    history = data["history"]
    columns = [c for c in history.columns if c not in ("customer_id", "churned")]
    twins = int(history.duplicated(subset=columns, keep=False).sum())
    feedback = check("4.4", twins)
    assert feedback.correct and f"{twins} rows have a twin" in feedback.message
    copies = int(history.duplicated(subset=columns).sum())
    assert "`keep=False`" in check("4.4", copies).message
    agreeing = int(history.duplicated(subset=[*columns, "churned"], keep=False).sum())
    assert "leave `churned` out" in check("4.4", agreeing).message
    assert "`customer_id` is among the columns" in check("4.4", 0).message
    assert "Check your computation" in check("4.4", twins + 1).message


def test_4_4_conflicting_rows_are_explained_when_they_are_the_answer_given(data):
    history, truth = data["history"], data["history_truth"]
    copies = truth["duplicate_of"].notna()
    flipped = history.loc[copies, "churned"].to_numpy() != history.set_index("customer_id").loc[
        truth.loc[copies, "duplicate_of"], "churned"].to_numpy()
    conflicting_rows = 2 * int(flipped.sum())
    assert "whose labels conflict are only some of the twins" in check("4.4", conflicting_rows).message


@pytest.fixture(scope="module")
def suspect_share(data):
    from toolkit.exercise_bank.nb04 import _suspects

    history = data["history"]
    return _suspects()["suspect"].groupby(history["region"], observed=True).mean()


def test_4_5(suspect_share):
    top = suspect_share.idxmax()
    feedback = check("4.5", f" {top.lower()} ")
    assert feedback.correct and f"{suspect_share.max():.1%} flagged" in feedback.message
    for region in suspect_share.index.drop(top):
        message = check("4.5", region).message
        assert f"{suspect_share[region]:.1%} of its customers" in message
        assert "Divide each region's number of suspects" in message


def test_4_6(data):
    history, truth = data["history"], data["history_truth"]
    movers = (history["region"] == "South") & (truth["outcome"] == "downgraded") & (
        history["churned"] == 0)
    found = int(truth.loc[movers, "label_is_wrong"].sum())
    feedback = check("4.6", "South free-tier movers")
    assert feedback.correct
    assert f"holds {int(movers.sum())} rows and {found} wrong labels" in feedback.message
    random_found = int(truth.loc[history.sample(200, random_state=0).index, "label_is_wrong"].sum())
    assert f"200 random rows held {random_found} wrong labels" in check("4.6", "random rows").message
    assert f"South has {int((history['region'] == 'South').sum())} customers" in check(
        "4.6", "all of south").message
    assert "the right list when you know no cause" in check("4.6", "top suspects").message


def test_quiz_4_q1_numbers_are_cohens_kappa():
    from toolkit.exercise_bank import nb04

    first, second = nb04.QUIZ_PAIR
    observed, chance, kappa = nb04.quiz_pair_agreement()
    assert (len(first), sum(first), sum(second), observed) == (100, 10, 10, 0.9)
    assert kappa == pytest.approx(cohen_kappa_score(first, second))
    assert chance == pytest.approx(0.82)
