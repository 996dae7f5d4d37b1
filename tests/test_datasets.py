import filecmp
import importlib.util
from pathlib import Path

import pandas as pd
import pytest
from pandas.api import types

from toolkit import datasets

ROOT = Path(__file__).resolve().parents[1]
CUSTOMER_COLUMNS = [
    "customer_id", "month", "signup_date", "age", "region", "plan", "contract",
    "payment_method", "tenure_months", "monthly_charges", "data_usage_gb", "support_calls_90d",
    "autopay", "paperless_billing", "family_plan", "device_model", "last_complaint",
]


def _build_module():
    spec = importlib.util.spec_from_file_location("build", ROOT / "datasets" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_rewrites_byte_identical_csvs(tmp_path):
    tables = _build_module().build_all(tmp_path)
    assert len(tables) == 6
    for name in tables:
        assert filecmp.cmp(tmp_path / f"{name}.csv", ROOT / "datasets" / f"{name}.csv",
                           shallow=False), f"{name}.csv differs from a fresh build"


def test_list_datasets_names_every_file():
    listing = datasets.list_datasets()
    assert listing["name"].tolist() == ["history", "history_truth", "annotations", "production",
                                        "production_labels", "events", "penguins"]
    for file in listing["file"]:
        assert (ROOT / "datasets" / file).exists()
    assert (listing["rows"] > 0).all()


def test_history_schema_and_dtypes():
    history = datasets.load("history")
    assert list(history.columns) == CUSTOMER_COLUMNS + ["exit_survey_score", "churned"]
    assert len(history) == 5000
    assert types.is_datetime64_any_dtype(history["month"])
    assert types.is_datetime64_any_dtype(history["signup_date"])
    for col in ["region", "plan", "contract", "payment_method"]:
        assert isinstance(history[col].dtype, pd.CategoricalDtype), col
    for col in ["autopay", "paperless_billing", "family_plan"]:
        assert types.is_bool_dtype(history[col]), col
    for col in ["customer_id", "device_model", "last_complaint"]:
        # object on pandas 2, str on pandas 3: a string column either way
        assert types.is_string_dtype(history[col]) or types.is_object_dtype(history[col]), col
    for col in ["age", "tenure_months", "monthly_charges", "data_usage_gb", "support_calls_90d"]:
        assert types.is_numeric_dtype(history[col]), col
    assert set(history["churned"].unique()) == {0, 1}
    assert history["customer_id"].is_unique


def test_production_has_no_label_and_no_leaky_column():
    production = datasets.load("production")
    assert list(production.columns) == CUSTOMER_COLUMNS
    labels = datasets.load("production_labels")
    assert labels["customer_id"].tolist() == production["customer_id"].tolist()
    lag = labels["label_available_from"].dt.to_period("M") - labels["month"].dt.to_period("M")
    assert (lag.map(lambda d: d.n) == 1).all()


def test_as_of_gives_what_the_company_had_that_day_and_no_later_level():
    full = datasets.load("production")
    late = set(full["plan"].cat.categories) - set(full.loc[full["month"] == "2025-01-01", "plan"])
    assert late, "the test needs a plan level that January does not have"
    january = datasets.load("production", as_of="2025-02-01")
    assert january["month"].eq(pd.Timestamp("2025-01-01")).all()
    assert len(january) == (full["month"] == "2025-01-01").sum()
    assert not late & set(january["plan"].cat.categories)
    labels = datasets.load("production_labels", as_of="2025-03-01")
    assert labels["label_available_from"].max() <= pd.Timestamp("2025-03-01")
    assert labels["month"].dt.strftime("%Y-%m").unique().tolist() == ["2025-01", "2025-02"]
    everything = datasets.load("production", as_of="2030-01-01")
    assert everything["plan"].cat.categories.tolist() == full["plan"].cat.categories.tolist()


@pytest.mark.parametrize(("name", "as_of", "error", "match"), [
    ("history", "2025-01-01", ValueError, "as_of applies only"),
    ("production", 2025, TypeError, "as_of must be a date"),
    ("production", "spring", ValueError, "as_of must be a date"),
])
def test_as_of_refuses_what_it_cannot_mean(name, as_of, error, match):
    with pytest.raises(error, match=match):
        datasets.load(name, as_of=as_of)


def test_load_returns_a_fresh_copy():
    first = datasets.load("penguins")
    first.loc[0, "bill_length_mm"] = -1
    assert datasets.load("penguins").loc[0, "bill_length_mm"] == 39.1


def test_penguins_is_the_real_dataset():
    penguins = datasets.load("penguins")
    assert penguins.shape == (344, 8)
    assert penguins["species"].value_counts().to_dict() == {
        "Adelie": 152, "Gentoo": 124, "Chinstrap": 68}


@pytest.mark.parametrize("name", [n for n in datasets.list_datasets()["name"]])
def test_every_column_is_in_the_datasheet(name):
    sheet = datasets.datasheet(name)
    assert sheet.startswith(f"## {name}")
    if name == "production":  # documented as "the same feature columns as history"
        return
    for col in datasets.load(name).columns:
        assert f"`{col}`" in sheet, f"{name}.{col} is not described in datasets/README.md"


@pytest.mark.parametrize("bad, error, match", [
    ("histroy", ValueError, "name must be one of 'history'"),
    ("", ValueError, "list_datasets"),
    (3, TypeError, "name must be a string"),
], ids=["typo", "empty", "not-a-string"])
def test_load_rejects_unknown_names(bad, error, match):
    with pytest.raises(error, match=match):
        datasets.load(bad)
    with pytest.raises(error, match=match):
        datasets.datasheet(bad)


# --- No spoilers: learners' datasheets describe the data as the company knows it -------------

def _spoilers(text):
    """Every mention of a planted label problem in ``text``, with the evidence computed from the
    answer key (so a rebuilt world with other numbers is still caught)."""
    from toolkit.labels import annotator_agreement

    truth = datasets.load("history_truth")
    history = datasets.load("history")
    annotations = datasets.load("annotations")
    wrong_share = 100 * truth["label_is_wrong"].mean()
    n_duplicates = int(truth["duplicate_of"].notna().sum())
    noisy_region = (truth["label_is_wrong"].groupby(history["region"], observed=True).sum()
                    .idxmax())
    patterns = {
        "the noisy region's rule": rf"{noisy_region}(?:'s| region's| team)|old(?:er)? rule",
        "wrong-label share": rf"{wrong_share:.1f}\s?%|wrong label|labels? (?:are|is) wrong",
        "duplicates and their flipped labels": rf"\b{n_duplicates}\b|duplicat|opposite label|"
                                                r"flipped|CRM-merge",
        "planted problems": r"planted|answer key says|label_is_wrong",
    }
    downgraders = set(truth.loc[truth["outcome"] == "downgraded", "customer_id"])
    for round_name, group in annotations.groupby("round", observed=True):
        kappa = annotator_agreement(group).mean_pairwise_kappa
        patterns[f"kappa {round_name}"] = rf"kappa[^|]*{kappa:.2f}|{kappa:.2f}[^|]*kappa"
    before = annotations[(annotations["round"] == "before_guideline")
                         & annotations["customer_id"].isin(downgraders)]
    for annotator, share in before.groupby("annotator", observed=True)["label"].mean().items():
        patterns[f"{annotator}'s belief"] = (rf"{annotator}\b[^|\n]*\b{round(100 * share, -1):.0f}"
                                             r"\s?%|belief")
    import re

    return {name: re.findall(pattern, text, flags=re.I) for name, pattern in patterns.items()
            if re.search(pattern, text, flags=re.I)}


@pytest.mark.parametrize("name", ["history", "annotations"])
def test_learner_datasheets_do_not_give_the_planted_problems_away(name):
    assert _spoilers(datasets.datasheet(name)) == {}


def test_the_spoiler_check_finds_the_answer_key_where_it_belongs():
    found = _spoilers(datasets.datasheet("history_truth"))
    assert {"the noisy region's rule", "wrong-label share", "duplicates and their flipped labels",
            "kappa before_guideline", "kappa after_guideline", "amara's belief"} <= set(found)


def test_dataset_summaries_do_not_give_the_planted_problems_away():
    summaries = " ".join(datasets.list_datasets()["summary"])
    assert _spoilers(summaries) == {}
    assert "spoiler" in datasets.list_datasets().set_index("name").loc["events", "summary"]
