"""The case-study world has the properties the course teaches with, and its events happen."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from toolkit import datasets


@pytest.fixture(scope="module")
def history():
    return datasets.load("history")


@pytest.fixture(scope="module")
def production():
    return datasets.load("production")


@pytest.fixture(scope="module")
def events():
    return datasets.load("events").set_index("event")


def test_churn_share_makes_accuracy_misleading(history):
    share = history["churned"].mean()
    assert 0.15 <= share <= 0.25
    assert history.groupby(history["month"].dt.month).size().between(350, 500).all()


def test_history_has_every_kind_of_column_the_course_needs(history):
    assert history["age"].isna().mean() > 0.03  # numeric with missing values
    assert history["data_usage_gb"].skew() > 2  # skewed numeric
    assert history["device_model"].nunique() >= 100  # high-cardinality categorical
    assert history["plan"].nunique() <= 10  # low-cardinality categorical
    assert history["last_complaint"].dropna().str.contains(" ").all()  # free text
    assert history["customer_id"].is_unique  # identifier


def test_exit_survey_is_leaky(history):
    filled = history["exit_survey_score"].notna()
    assert history.loc[filled, "churned"].mean() > 0.95
    assert history.loc[~filled, "churned"].mean() < 0.15


def test_label_problems_are_where_the_answer_key_says(history):
    truth = datasets.load("history_truth")
    assert (truth["customer_id"] == history["customer_id"]).all()
    wrong = truth["label_is_wrong"]
    assert (wrong == (history["churned"] != truth["churned_true"])).all()
    assert 0.02 <= wrong.mean() <= 0.04
    original = truth["duplicate_of"].isna()
    noisy_south = history["region"].eq("South") & truth["outcome"].eq("downgraded") & original
    assert (history.loc[noisy_south, "churned"] == 0).all()
    assert (history.loc[~noisy_south & original, "churned"]
            == truth.loc[~noisy_south & original, "churned_true"]).all()
    dups = truth.dropna(subset=["duplicate_of"])
    assert len(dups) == 60
    features = [c for c in history.columns if c not in ("customer_id", "churned")]
    by_id = history.set_index("customer_id")
    pairs = by_id.loc[dups["customer_id"], features].reset_index(drop=True)
    originals = by_id.loc[dups["duplicate_of"], features].reset_index(drop=True)
    pd.testing.assert_frame_equal(pairs, originals)
    flipped = by_id.loc[dups["customer_id"], "churned"].to_numpy() != by_id.loc[
        dups["duplicate_of"], "churned"].to_numpy()
    assert flipped.sum() == 30


def _mean_pairwise_kappa(frame):
    from sklearn.metrics import cohen_kappa_score

    wide = frame.pivot(index="customer_id", columns="annotator", values="label")
    cols = list(wide.columns)
    return np.mean([cohen_kappa_score(wide[a], wide[b])
                    for i, a in enumerate(cols) for b in cols[i + 1:]])


def test_annotators_agree_after_the_guideline():
    annotations = datasets.load("annotations")
    assert annotations.groupby("round", observed=True)["customer_id"].nunique().eq(300).all()
    before = _mean_pairwise_kappa(annotations[annotations["round"] == "before_guideline"])
    after = _mean_pairwise_kappa(annotations[annotations["round"] == "after_guideline"])
    assert before < 0.6
    assert after > 0.85


def _months(production):
    return production["month"].dt.strftime("%Y-%m")


def _first_month_flagged(production, history, column, alpha=0.01):
    for month, batch in production.groupby(_months(production)):
        if stats.ks_2samp(history[column], batch[column]).pvalue < alpha:
            return month
    return None


def test_gradual_usage_shift_is_detected_when_the_datasheet_says(production, history, events):
    event = events.loc["usage_growth"]
    assert _first_month_flagged(production, history, "data_usage_gb") == event["detectable_in"]
    median = production.groupby(_months(production))["data_usage_gb"].median()
    assert median["2025-12"] > 2 * median["2025-02"]


def test_new_plan_appears_when_the_datasheet_says(production, events):
    share = (production["plan"] == "5G Max").groupby(_months(production)).mean()
    start = events.loc["new_plan", "detectable_in"]
    assert (share[share.index < start] == 0).all()
    assert share[start] > 0.1
    assert "5G Max" not in set(datasets.load("history")["plan"])


def test_unit_change_lasts_one_month(production, history, events):
    month = events.loc["cents_bug", "detectable_in"]
    ratio = production.groupby(_months(production))["monthly_charges"].median() / history[
        "monthly_charges"].median()
    assert ratio[month] > 50
    assert (ratio.drop(month) < 3).all()


def test_concept_change_shows_when_labels_arrive(production, events):
    labels = datasets.load("production_labels")
    event = events.loc["competitor_offer"]
    targeted = production["contract"].eq("month-to-month") & production["plan"].isin(
        ["Premium", "Unlimited", "5G Max"])
    rate = labels.loc[targeted.to_numpy(), "churned"].groupby(
        _months(production)[targeted]).mean()
    before = rate[rate.index < event["start_month"]]
    after = rate[rate.index >= event["start_month"]]
    assert after.min() > before.max() + 0.1
    first_label = labels.loc[_months(production) == event["start_month"],
                             "label_available_from"].iloc[0]
    assert first_label.strftime("%Y-%m") == event["detectable_in"]
