"""Numbers typed in the markdown of notebooks 03 and 04 agree with the data and the toolkit.

Most numbers a notebook quotes are printed by a cell (so nbval checks them). The few written
into the prose are listed here, each with the value it claims, recomputed. A claim whose
sentence is reworded fails here too, so this list cannot silently go stale.
"""

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from toolkit import datasets, features, labels
from toolkit.exercise_bank import nb04

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _markdown(name):
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def agreement():
    annotations = datasets.load("annotations")
    return {name: labels.annotator_agreement(group)
            for name, group in annotations.groupby("round", observed=True)}


@pytest.fixture(scope="module")
def nb04_text():
    return _markdown("04_label_consistency.ipynb")


def _percent(value):
    return f"{round(100 * value)} %"


def test_03_thresholds_quoted_in_the_treatment_table():
    text = _markdown("03_features_by_dtype.ipynb")
    assert f"levels under {_percent(features.RARE_LEVEL_SHARE)} of rows" in text
    assert f"0/1 for the {features.TEXT_MAX_WORDS} most common words" in text
    example = re.search(r"A column that is (\d+) % empty is dropped", text)
    assert example and int(example.group(1)) / 100 >= features.MOSTLY_MISSING_SHARE


def test_04_agreement_before_the_guideline(nb04_text, agreement):
    before = agreement["before_guideline"]
    assert (f"All four agree on only {_percent(before.percent_agreement)} of the customers, and "
            f"a kappa of {before.fleiss_kappa:.1f}") in nb04_text
    assert "No pair reaches 0.7." in nb04_text
    matrix = before.pairwise.to_numpy()
    assert matrix[~(matrix == 1)].max() < 0.7


def test_04_unanimity_on_free_tier_movers(nb04_text, agreement):
    outcome = datasets.load("history_truth").set_index("customer_id")["outcome"]
    per_item = agreement["before_guideline"].per_item.join(outcome)
    movers = per_item.loc[per_item["outcome"] == "downgraded", "unanimous"].mean()
    assert f"unanimous only {_percent(movers)} of the time" in nb04_text


def test_04_kappa_before_and_after(nb04_text, agreement):
    claim = (f"from {agreement['before_guideline'].fleiss_kappa:.2f} to "
             f"{agreement['after_guideline'].fleiss_kappa:.2f}")
    assert nb04_text.count(claim) == 2, "the kappa rise is quoted in the text and the key points"


def test_04_one_tie_left_after_the_guideline(nb04_text):
    after = datasets.load("annotations").query("round == 'after_guideline'")
    assert int(labels.majority_vote(after)["tie"].sum()) == 1
    assert "only one tie is left" in nb04_text


def test_04_half_of_souths_churn_disappears(nb04_text):
    history, truth = datasets.load("history"), datasets.load("history_truth")
    south = history["region"] == "South"
    recorded, guideline = history.loc[south, "churned"].mean(), truth.loc[south,
                                                                          "churned_true"].mean()
    assert "except South, where half of the churn disappears" in nb04_text
    assert 0.4 <= recorded / guideline <= 0.6
    wrong = truth["label_is_wrong"].groupby(history["region"], observed=True).sum()
    assert "Most wrong labels of the history sit there" in nb04_text
    assert wrong["South"] > wrong.sum() / 2


def test_04_sizes_quoted_in_prompts(nb04_text):
    annotations = datasets.load("annotations")
    assert annotations["customer_id"].nunique() == 300
    assert annotations["annotator"].nunique() == 4
    assert "for how many of the 300 customers" in nb04_text
    assert f"check **{nb04.BUDGET} labels**" in nb04_text


@pytest.mark.parametrize("name, claim", [
    ("00_start_here.ipynb", "when four customers in five stay, a model that always says "
                            '"stays" is right 80 % of the time'),
    ("03_features_by_dtype.ipynb", "not flattered by the four customers in five who stay"),
])
def test_four_customers_in_five_stay(name, claim):
    stay = 1 - datasets.load("history")["churned"].mean()
    assert round(5 * stay) == 4 and _percent(stay) == "80 %"
    assert claim in _markdown(name)


def test_03_test_months_and_the_toy_auc():
    from sklearn.metrics import roc_auc_score

    text = _markdown("03_features_by_dtype.ipynb")
    history = datasets.load("history")
    test_months = history.loc[history["month"] >= "2024-10-01", "month"].dt.month.unique()
    assert len(test_months) == 3 and "On three months of test customers" in text
    assert roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 3 / 4
    assert "Three of the four pairs are ranked right" in text


def test_03_the_survey_scores_below_the_leakage_score_yet_is_flagged():
    history = datasets.load("history")
    train = history[history["month"] < "2024-10-01"]
    leaks = features.check_leakage(train, "churned", show_all=True).set_index("column")
    survey = leaks.loc["exit_survey_score"]
    assert survey["flagged"] and survey["score"] < features.LEAKAGE_SCORE
    assert survey["score"] == leaks["score"].max()
    text = _markdown("03_features_by_dtype.ipynb")
    assert ("The survey tops the list, yet its score alone stays below the level `check_leakage` "
            "calls too good to be true (`features.LEAKAGE_SCORE`)") in text


# --- No spoilers: before notebook 08, production is loaded as the company had it then -------

# 07 (deployment, owned elsewhere) loads the whole file too; it is left to its owner.
EARLY = sorted(p.name for p in NOTEBOOKS.glob("0[0-6]_*.ipynb"))
_PRODUCTION_LOAD = re.compile(r'load\("(production(?:_labels)?)"(.*?)\)')


def _production_loads(text):
    return [(name, re.search(r'as_of="(\d{4}-\d{2}-\d{2})"', rest))
            for name, rest in _PRODUCTION_LOAD.findall(text)]


@pytest.mark.parametrize("name", EARLY)
def test_before_08_production_is_loaded_before_any_event(name):
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    first_event = datasets.load("events")["start_month"].min()
    for dataset, as_of in _production_loads(code):
        assert as_of, f"{name} loads {dataset!r} without as_of: it would show later months' events"
        assert as_of.group(1) <= f"{first_event}-01", f"{name}: {dataset} as of {as_of.group(1)}"
        loaded = datasets.load(dataset, as_of=as_of.group(1))
        assert "5G Max" not in loaded.get("plan", pd.Series(dtype="category")).cat.categories


def test_the_spoiler_check_sees_a_load_without_as_of():
    assert _production_loads('datasets.load("production")') == [("production", None)]
    found = _production_loads('load("production_labels", as_of="2025-03-01")')
    assert found[0][1].group(1) == "2025-03-01"
