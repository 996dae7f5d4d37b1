"""deploy.case_study_registry / case_study_card and service.replay: "the case study as 07 deployed it"."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

from toolkit import deploy
from toolkit.datasets import load
from toolkit.deploy import Registry, case_study_card, case_study_registry
from toolkit.modeling import CASE_STUDY_DECISION, case_study_model
from toolkit.scoping import case_study_scope
from toolkit.service import Service, replay


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = tmp_path_factory.mktemp("case") / "registry"
    case_study_registry(root)
    return root


@pytest.fixture
def registry(saved, tmp_path):
    import shutil

    shutil.copytree(saved, tmp_path / "registry")
    return Registry(tmp_path / "registry")


@pytest.fixture(scope="module")
def production():
    return load("production")


def test_v1_is_the_history_model_in_production(registry, production):
    assert registry.stages() == {"production": "v1"}
    assert registry.list_versions()[["version", "metric"]].values.tolist() == [["v1", "average_precision"]]
    bundle = registry.load("v1")
    january = production[production["month"] == "2025-01-01"]
    expected = case_study_model("history").pipeline.predict_proba(january)[:, 1]
    np.testing.assert_array_equal(bundle.model.predict_proba(january)[:, 1], expected)


def test_schema_holds_only_what_a_request_can_carry(registry):
    history = load("history")
    names = registry.load("v1").schema.names
    assert names == [c for c in history.columns if c not in ("churned", "exit_survey_score")]
    assert registry.load("v1").card.features == names


def test_card_carries_05s_decision_metrics_and_the_scope(registry):
    card = registry.load("v1").card
    assert card.version == "v1" and card.threshold == CASE_STUDY_DECISION["threshold"]
    assert card.business_value == case_study_scope().economics.outcome_values()
    assert card.trained_on == "2024-01 to 2024-12 (5,000 rows)"
    assert card.intended_use == deploy.CASE_STUDY_INTENDED_USE and card.limits == deploy.CASE_STUDY_LIMITS
    # the metrics are 05's test months, recomputed here from the model trained on Jan-Sep
    history = load("history")
    test = history[history["month"] >= "2024-10-01"]
    proba = case_study_model("train").pipeline.predict_proba(test)[:, 1]
    assert card.metrics["average_precision"] == round(average_precision_score(test["churned"], proba), 4)
    assert card.metrics["average_precision"] > card.baselines["average_precision"]
    assert card.metrics["value_eur"] > card.baselines["value_eur"] > 0
    flagged = test.loc[proba >= card.threshold, "churned"]
    assert card.metrics["precision"] == round(flagged.mean(), 4)


def test_the_card_is_the_same_when_rebuilt(registry):
    card = registry.load("v1").card
    rebuilt = case_study_card()
    assert rebuilt.to_dict() | {"version": "v1"} == card.to_dict()


def test_an_existing_registry_is_not_reused(saved):
    with pytest.raises(FileExistsError, match="already holds a registry"):
        case_study_registry(saved)
    with pytest.raises(TypeError, match="directory must be a path; got 3"):
        case_study_registry(3)
    with pytest.raises(TypeError, match="selected must be a toolkit.modeling.SelectedModel"):
        case_study_card("v1")


def test_replay_sends_each_month_and_survives_a_refusal(registry, production):
    months = production[production["month"] <= "2025-03-01"]
    broken = months["month"] == "2025-02-01"
    frame = months.assign(plan=months["plan"].where(~broken))  # February's plans went missing
    frame = frame.sample(frac=1.0, random_state=0)  # order of rows does not matter: months are sorted
    service = Service(registry)
    table = replay(service, frame)
    assert table["month"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-03"]
    sizes = months.groupby("month").size().tolist()
    assert table["rows"].tolist() == sizes
    assert table["scored"].tolist() == [sizes[0], 0, sizes[2]]
    assert table["refused"].tolist() == [0, sizes[1], 0]
    assert table.loc[1, "reason"] == "plan: missing values (training had no missing values here)"
    assert table.loc[0, "reason"] == "" and table.loc[2, "reason"] == ""
    log = service.log()
    assert len(log) == sizes[0] + sizes[2] and log["request_id"].nunique() == 2
    assert table["flagged"].tolist() == [int(log.loc[log["month"] == m, "decision"].sum())
                                         for m in table["month"]]


def test_replay_lists_warnings(registry, production):
    january = production[production["month"] == "2025-01-01"]
    cents = january.assign(monthly_charges=january["monthly_charges"] * 100)
    table = replay(Service(registry), cents)
    assert table.loc[0, "scored"] == len(january)
    assert "monthly_charges: out of range" in table.loc[0, "warnings"].split("; ")


def test_replay_bad_input(registry, production):
    service = Service(registry)
    with pytest.raises(TypeError, match="service must be a toolkit.service.Service; got str"):
        replay("service", production)
    with pytest.raises(TypeError, match="frame must be a pandas DataFrame; got list"):
        replay(service, [1, 2])
    with pytest.raises(TypeError, match="by must be a column name"):
        replay(service, production, by=3)
    with pytest.raises(ValueError, match="by must be a column of frame; got 'week'"):
        replay(service, production, by="week")
    with pytest.raises(ValueError, match="frame must hold at least one row"):
        replay(service, production.head(0))
    holes = production.head(5).assign(month=[pd.NaT] + [pd.Timestamp("2025-01-01")] * 4)
    with pytest.raises(ValueError, match=r"frame\['month'\] must have no missing values"):
        replay(service, holes)


# --- the saved model is reused, not refitted -----------------------------------------------------
@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty on-disk cache, and a process that has not built the model yet."""
    monkeypatch.setattr(deploy, "CASE_STUDY_CACHE", tmp_path / "cache")
    monkeypatch.setattr(deploy, "_SAVED", {})
    fits = []
    real_fit = deploy._case_study_fit

    def counted():
        fits.append(1)
        return real_fit()

    monkeypatch.setattr(deploy, "_case_study_fit", counted)
    return fits


def test_a_reused_registry_is_the_same_as_a_refitted_one(saved, tmp_path, production):
    refitted = case_study_registry(tmp_path / "refitted", reuse=False)
    reused = Registry(saved)
    ours, theirs = reused.load("v1"), refitted.load("v1")
    assert ours.card == theirs.card and ours.schema == theirs.schema
    np.testing.assert_array_equal(ours.model.predict_proba(production)[:, 1],
                                  theirs.model.predict_proba(production)[:, 1])
    columns = ["version", "stage", "trained_on", "metric", "score"]
    pd.testing.assert_frame_equal(reused.list_versions()[columns], refitted.list_versions()[columns])
    assert sorted(p.name for p in (saved / "models" / "v1").iterdir()) == \
        sorted(p.name for p in (refitted.root / "models" / "v1").iterdir())


def test_the_model_is_fitted_once_per_process_and_once_on_disk(cache, tmp_path):
    case_study_registry(tmp_path / "a")
    case_study_registry(tmp_path / "b")
    assert cache == [1]  # before: every call refitted (about 3.5 s each)
    deploy._SAVED.clear()  # a later process: the disk copy serves
    case_study_registry(tmp_path / "c")
    assert cache == [1]
    assert [p.name for p in deploy.CASE_STUDY_CACHE.iterdir()] == [deploy.case_study_cache_key()]


def test_a_damaged_disk_copy_is_rebuilt_not_used(cache, tmp_path, production):
    case_study_registry(tmp_path / "a")
    deploy._SAVED.clear()
    path = deploy.CASE_STUDY_CACHE / deploy.case_study_cache_key() / "model.skops"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    registry = case_study_registry(tmp_path / "b")
    assert cache == [1, 1]  # verified by its hashes, found changed, fitted again
    expected = case_study_model("history").pipeline.predict_proba(production)[:, 1]
    np.testing.assert_array_equal(registry.load("v1").model.predict_proba(production)[:, 1], expected)


def test_a_planted_payload_in_the_disk_copy_never_runs(cache, tmp_path):
    import functools
    import hashlib
    import json

    import skops.io as sio
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    case_study_registry(tmp_path / "a")
    deploy._SAVED.clear()
    folder = deploy.CASE_STUDY_CACHE / deploy.case_study_cache_key()
    marker = tmp_path / "payload-ran"
    payload = functools.partial(exec, f"open({str(marker)!r}, 'w')", {})
    sio.dump(make_pipeline(FunctionTransformer(payload), case_study_model("history").pipeline),
             folder / "model.skops")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["sha256"]["model.skops"] = hashlib.sha256((folder / "model.skops").read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    registry = case_study_registry(tmp_path / "b")
    registry.load("v1").model.predict_proba(load("production").head(5))
    assert cache == [1, 1] and not marker.exists()


def test_the_cache_key_follows_the_data(tmp_path, monkeypatch):
    import shutil

    from toolkit import datasets

    before = deploy.case_study_cache_key()
    copy = tmp_path / "data"
    shutil.copytree(datasets.DATA_DIR, copy, ignore=shutil.ignore_patterns("licenses"))
    monkeypatch.setattr(datasets, "DATA_DIR", copy)
    assert deploy.case_study_cache_key() == before
    with (copy / "history.csv").open("a") as handle:
        handle.write("\n")
    assert deploy.case_study_cache_key() != before


def test_reuse_must_be_a_bool(tmp_path):
    with pytest.raises(TypeError, match="reuse must be True or False"):
        case_study_registry(tmp_path / "r", reuse="yes")
