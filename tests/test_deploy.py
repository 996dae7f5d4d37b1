import json
import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import toolkit.registry
from toolkit import artifacts, deploy, features
from toolkit.datasets import load
from toolkit.deploy import (
    DEFAULT_REGISTRY,
    InputSchema,
    ModelCard,
    Registry,
    load_model,
    save_model,
)

PROBLEM_COLUMNS = ["column", "problem", "action", "rows", "detail"]


@pytest.fixture(scope="module")
def history_X():
    return load("history").drop(columns=["exit_survey_score", "churned"])


@pytest.fixture(scope="module")
def model(history_X):
    y = load("history")["churned"]
    pre = features.make_preprocessor(history_X, drop=["customer_id", "month"])
    return make_pipeline(pre, LogisticRegression(max_iter=500)).fit(history_X, y)


@pytest.fixture(scope="module")
def schema(history_X):
    return InputSchema.from_frame(history_X)


def _card(**changes):
    fields = dict(name="churn", trained_on="2024-01 to 2024-12", features=["age"],
                  metrics={"roc_auc": 0.8, "recall": 0.6}, baselines={"roc_auc": 0.5},
                  business_value={"tp": 40.0, "fp": -10.0, "fn": 0.0, "tn": 0.0}, threshold=0.3,
                  intended_use="rank customers for a retention call", limits=["South labels"])
    return ModelCard(**(fields | changes))


def _month(X, month="2024-06-01"):
    return X[X["month"] == month].reset_index(drop=True)


def test_importing_deploy_and_service_is_light():
    code = ("import sys, toolkit.deploy, toolkit.service; "
            "print(','.join(m for m in ('sklearn', 'skops', 'fastapi', 'uvicorn') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


# --- schema ----------------------------------------------------------------------------------
@pytest.mark.parametrize("column, kind", [("age", "numeric"), ("tenure_months", "integer"),
                                          ("autopay", "boolean"), ("month", "datetime"),
                                          ("plan", "category"), ("device_model", "text")])
def test_schema_records_the_kind_of_each_column(schema, column, kind):
    table = schema.to_frame().set_index("column")
    assert table.loc[column, "kind"] == kind


def test_schema_records_range_categories_and_missing_share(schema, history_X):
    table = schema.to_frame().set_index("column")
    assert table.loc["monthly_charges", "maximum"] == history_X["monthly_charges"].max()
    assert table.loc["plan", "categories"] == ["Basic", "Premium", "Standard", "Unlimited"]
    assert table.loc["age", "missing_share"] == pytest.approx(history_X["age"].isna().mean())
    assert table.loc["device_model", "categories"] is None  # 120 models: too many to check


def test_a_training_month_has_no_problem(schema, history_X):
    result = schema.validate(_month(history_X))
    assert result.empty and result.columns.tolist() == PROBLEM_COLUMNS


def _problems(result):
    return {(c, p): (a, r) for c, p, a, r in result[["column", "problem", "action", "rows"]].itertuples(
        index=False)}


def test_refused_problems(schema, history_X):
    bad = _month(history_X).head(5).drop(columns=["region"]).assign(note="hello")
    bad["tenure_months"] = bad["tenure_months"].astype(object)
    bad.loc[0, "tenure_months"] = "twelve"
    bad.loc[1, "support_calls_90d"] = np.nan
    found = _problems(schema.validate(bad))
    assert found[("region", "missing column")] == ("refuse", 5)
    assert found[("note", "extra column")] == ("warn", 5)
    assert found[("tenure_months", "wrong dtype")] == ("refuse", 1)
    assert found[("support_calls_90d", "missing values")] == ("refuse", 1)


def test_charges_in_cents_are_out_of_range(schema, history_X):
    month = _month(history_X)
    cents = month.assign(monthly_charges=month["monthly_charges"] * 100)
    found = _problems(schema.validate(cents))
    assert found == {("monthly_charges", "out of range"): ("warn", len(month))}
    refused = schema.validate(cents, on_problem={"out of range": "refuse"})
    assert refused["action"].tolist() == ["refuse"]


def test_unseen_category_and_missing_spike_warn(schema, history_X):
    month = _month(history_X).head(40).copy()
    month["plan"] = month["plan"].astype(object)
    month.loc[:2, "plan"] = "Gold"
    month.loc[:29, "age"] = np.nan
    found = _problems(schema.validate(month))
    assert found[("plan", "unseen category")] == ("warn", 3)
    assert found[("age", "missing spike")] == ("warn", 30)
    detail = schema.validate(month).set_index("problem").loc["unseen category", "detail"]
    assert "Gold" in detail


def test_one_missing_age_is_not_a_spike(schema, history_X):
    one = _month(history_X).head(1).assign(age=np.nan)
    assert schema.validate(one).empty


def test_empty_request_is_refused(schema, history_X):
    result = schema.validate(history_X.head(0))
    assert result["problem"].tolist() == ["no rows"] and result["action"].tolist() == ["refuse"]


def test_validate_bad_arguments(schema, history_X):
    with pytest.raises(TypeError, match="df must be a pandas DataFrame; got list"):
        schema.validate([1, 2])
    with pytest.raises(ValueError, match="on_problem key must be one of .*; got 'typo'"):
        schema.validate(history_X.head(2), on_problem={"typo": "warn"})
    with pytest.raises(ValueError, match=r"on_problem\['out of range'\] must be one of 'refuse', 'warn'"):
        schema.validate(history_X.head(2), on_problem={"out of range": "ignore"})


def _as_json_records(df):
    """What a JSON request holds: plain numbers, strings, booleans and nulls."""
    return json.loads(df.to_json(orient="records", date_format="iso"))


def test_json_records_are_coerced_to_training_dtypes(schema, history_X, model):
    month = _month(history_X).head(30)
    records = pd.DataFrame(_as_json_records(month))
    coerced = schema.coerce(records)
    pd.testing.assert_series_equal(coerced.dtypes, history_X.dtypes)
    np.testing.assert_array_equal(model.predict_proba(coerced), model.predict_proba(month))


def test_pandas2_style_object_columns_are_coerced(schema, history_X):
    month = _month(history_X).head(20)
    old_style = month.astype({c: object for c in ["customer_id", "plan", "region", "device_model",
                                                  "last_complaint", "autopay"]})
    old_style["autopay"] = old_style["autopay"].map({True: "true", False: "false"})
    old_style["age"] = pd.array(month["age"], dtype="Float64")  # a nullable dtype, with pd.NA
    old_style["plan"] = pd.array(month["plan"].astype(str), dtype="string")
    coerced = schema.coerce(old_style)
    pd.testing.assert_series_equal(coerced.dtypes, history_X.dtypes)
    pd.testing.assert_frame_equal(coerced, month)
    assert schema.validate(old_style).empty


def test_schema_round_trips_through_json(schema):
    again = InputSchema.from_dict(json.loads(json.dumps(schema.to_dict())))
    pd.testing.assert_frame_equal(again.to_frame(), schema.to_frame())


# --- model card ------------------------------------------------------------------------------
def test_card_markdown_shows_metrics_baselines_value_and_limits():
    card = _card()
    text = card.to_markdown()
    assert "| roc_auc | 0.800 | 0.500 |" in text
    assert "**Decision threshold:** 0.30" in text
    assert "TP +40 €" in text and "- South labels" in text
    assert card._repr_markdown_() == text
    assert "scikit-learn" in card.library_versions
    assert ModelCard.from_dict(card.to_dict()) == card


@pytest.mark.parametrize("changes, error, match", [
    ({"business_value": {"tp": 1.0}}, ValueError, "business_value must map exactly 'tp', 'fp', 'fn', 'tn'"),
    ({"threshold": 1.5}, ValueError, "threshold must be between 0 and 1; got 1.5"),
    ({"features": "age"}, TypeError, "features must be a list of column names; got 'age'"),
    ({"metrics": {"auc": "high"}}, TypeError, "metrics must map metric names to numbers"),
    ({"name": 3}, TypeError, "name must be a string; got 3"),
], ids=["value-keys", "threshold", "features", "metrics", "name"])
def test_card_bad_input(changes, error, match):
    with pytest.raises(error, match=match):
        _card(**changes)


# --- save and load ---------------------------------------------------------------------------
def test_save_load_reproduces_predictions_exactly(tmp_path, model, schema, history_X):
    path = save_model(model, tmp_path / "m", card=_card(), schema=schema)
    assert sorted(p.name for p in path.iterdir()) == ["card.json", "card.md", "manifest.json",
                                                      "model.skops", "schema.json"]
    assert list(tmp_path.iterdir()) == [path]  # no temporary folder left behind
    bundle = load_model(path)
    np.testing.assert_array_equal(bundle.model.predict_proba(history_X), model.predict_proba(history_X))
    assert bundle.card == _card()
    pd.testing.assert_frame_equal(bundle.schema.to_frame(), schema.to_frame())


def test_saving_over_a_model_needs_overwrite(tmp_path, model, schema):
    path = save_model(model, tmp_path / "m", card=_card(), schema=schema)
    with pytest.raises(FileExistsError, match="directory .* already exists; pass overwrite=True"):
        save_model(model, path, card=_card(name="second"), schema=schema)
    assert load_model(path).card.name == "churn"  # the first one is intact
    save_model(model, path, card=_card(name="second"), schema=schema, overwrite=True)
    assert load_model(path).card.name == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def _foreign_model():
    """A pipeline skops reports an untrusted type for (make_column_selector)."""
    X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    pre = make_column_transformer((StandardScaler(), make_column_selector(dtype_include="number")))
    return make_pipeline(pre, LogisticRegression()).fit(X, [0, 0, 1, 1]), X


def test_a_file_with_other_untrusted_types_is_refused(tmp_path, model, schema):
    path = save_model(model, tmp_path / "m", card=_card(), schema=schema)
    foreign, _ = _foreign_model()
    sio.dump(foreign, path / "model.skops")  # someone swaps the file ...
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["sha256"]["model.skops"] = artifacts.file_hashes(path)["model.skops"]  # ... fixes the hash
    manifest["untrusted_types"] = sorted(sio.get_untrusted_types(file=path / "model.skops"))  # ... the list
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="refusing to load .*asks skops to trust .*make_column_selector"
                                         ".*toolkit does not trust"):
        load_model(path)


def test_a_changed_file_is_refused(tmp_path, model, schema, history_X):
    path = save_model(model, tmp_path / "m", card=_card(), schema=schema)
    other = make_pipeline(features.make_preprocessor(history_X, drop=["customer_id", "month"]),
                          LogisticRegression(C=0.01, max_iter=500)).fit(history_X, load("history")["churned"])
    sio.dump(other, path / "model.skops")  # same types, other weights
    with pytest.raises(ValueError, match="model.skops changed since it was saved"):
        load_model(path)


def test_unknown_types_need_an_explicit_trust(tmp_path):
    foreign, X = _foreign_model()
    schema = InputSchema.from_frame(X)
    with pytest.raises(ValueError, match="model holds types that skops does not trust .*trusted="):
        save_model(foreign, tmp_path / "f", card=_card(), schema=schema)
    assert not any(tmp_path.iterdir())  # nothing half-written
    untrusted = sio.get_untrusted_types(data=sio.dumps(foreign))
    path = save_model(foreign, tmp_path / "f", card=_card(), schema=schema, trusted=untrusted)
    loaded = load_model(path, trusted=untrusted)  # trust is the loader's to give, again
    np.testing.assert_array_equal(loaded.model.predict_proba(X), foreign.predict_proba(X))


def test_save_and_load_bad_input(tmp_path, model, schema):
    with pytest.raises(TypeError, match="model must be a fitted classifier with predict_proba; got str"):
        save_model("model", tmp_path / "m", card=_card(), schema=schema)
    with pytest.raises(TypeError, match="card must be a ModelCard; got dict"):
        save_model(model, tmp_path / "m", card={}, schema=schema)
    with pytest.raises(TypeError, match="schema must be an InputSchema; got NoneType"):
        save_model(model, tmp_path / "m", card=_card(), schema=None)
    with pytest.raises(FileNotFoundError, match=r"is not a saved model: \['card.json', .*'model.skops'"):
        load_model(tmp_path)


# --- registry --------------------------------------------------------------------------------
@pytest.fixture
def registry(tmp_path):
    return Registry(tmp_path / "registry", create=True)


def test_default_registry_is_under_artifacts():
    assert DEFAULT_REGISTRY.parts[-2:] == ("artifacts", "registry")
    assert "datasets" not in DEFAULT_REGISTRY.parts and "notebooks" not in DEFAULT_REGISTRY.parts


def test_unknown_registry_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no registry .*pass create=True"):
        Registry(tmp_path / "nowhere")
    with pytest.raises(TypeError, match="root must be a path; got int"):
        Registry(3)


def test_register_numbers_versions_and_lists_them(registry, model, schema):
    card = _card()
    assert registry.register(model, card=card, schema=schema) == "v1"
    assert card.version is None  # the registry writes the version into its copy only
    assert registry.register(model, card=_card(), schema=schema, metric="recall") == "v2"
    table = registry.list_versions()
    assert table[["version", "stage", "metric", "score"]].values.tolist() == [
        ["v1", "registered", "roc_auc", 0.8], ["v2", "registered", "recall", 0.6]]
    assert registry.load("v2").card.version == "v2"
    assert sorted(p.name for p in (registry.root / "models").iterdir()) == ["v1", "v2"]


def test_stage_rules(registry, model, schema):
    for _ in range(3):
        registry.register(model, card=_card(), schema=schema)
    registry.promote("v1", "production")
    table = registry.promote("v2", "production")
    assert dict(table[["version", "stage"]].values) == {"v1": "archived", "v2": "production",
                                                        "v3": "registered"}
    with pytest.raises(ValueError,
                       match="version 'v1' is 'archived'; it cannot move to 'production'.*restore"):
        registry.promote("v1", "production")
    with pytest.raises(ValueError, match="version 'v2' is 'production'; it cannot move to 'shadow'"):
        registry.promote("v2", "shadow")
    registry.promote("v3", "shadow")
    registry.restore("v1")
    registry.promote("v1", "shadow")  # one shadow at a time: v3 goes back to registered
    assert registry.stages() == {"production": "v2", "shadow": "v1"}
    assert dict(registry.list_versions()[["version", "stage"]].values)["v3"] == "registered"
    with pytest.raises(ValueError,
                       match="version 'v9' is not in the registry; it holds \\['v1', 'v2', 'v3'\\]"):
        registry.promote("v9", "production")
    with pytest.raises(ValueError, match="stage must be one of 'shadow', 'canary', 'production', 'archived'"):
        registry.promote("v3", "live")
    with pytest.raises(ValueError, match="version 'v3' is 'registered', not 'archived'"):
        registry.restore("v3")


def test_rollback_restores_the_previous_production(registry, model, schema):
    registry.register(model, card=_card(), schema=schema)
    registry.promote("v1", "production")
    with pytest.raises(ValueError, match="'v1' has no earlier production version to roll back to"):
        registry.rollback()
    registry.register(model, card=_card(), schema=schema)
    registry.promote("v2", "production")
    assert registry.rollback() == "v1"
    assert registry.stages() == {"production": "v1"}
    assert registry.history()["to_stage"].tolist()[-2:] == ["archived", "production"]
    assert registry.history()["action"].tolist()[-2:] == ["rollback", "rollback"]


def test_a_locked_index_times_out_and_changes_nothing(registry, model, schema, monkeypatch):
    registry.register(model, card=_card(), schema=schema)
    monkeypatch.setattr(toolkit.registry, "LOCK_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(registry.index, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process is in the middle of a change
    try:
        with pytest.raises(TimeoutError,
                           match="stayed locked by another process for 0.2 s; nothing was changed"):
            registry.register(model, card=_card(), schema=schema)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert registry.list_versions()["version"].tolist() == ["v1"]
    assert [p.name for p in (registry.root / "models").iterdir()] == ["v1"]


def test_a_deleted_index_is_a_clear_error_and_keeps_the_models(registry, model, schema):
    registry.register(model, card=_card(), schema=schema)
    registry.index.unlink()
    for suffix in ("-wal", "-shm"):
        registry.index.with_name(registry.index.name + suffix).unlink(missing_ok=True)
    with pytest.raises(FileNotFoundError, match="registry index .* is gone .*models are untouched"):
        registry.promote("v1", "production")
    assert not registry.index.exists()  # not silently recreated empty
    assert load_model(registry.root / "models" / "v1").card.version == "v1"


_REGISTER_SCRIPT = textwrap.dedent("""
    import sys
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from toolkit.deploy import InputSchema, ModelCard, Registry
    X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    model = LogisticRegression().fit(X, [0, 0, 1, 1])
    registry = Registry(sys.argv[1])
    for i in range(4):
        card = ModelCard(f"{sys.argv[2]}-{i}", trained_on="toy", features=["x"], metrics={"auc": 1.0})
        print(registry.register(model, card=card, schema=InputSchema.from_frame(X)), flush=True)
""")


def test_concurrent_registration_keeps_the_registry_consistent(registry):
    procs = [subprocess.Popen([sys.executable, "-c", _REGISTER_SCRIPT, str(registry.root), name],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in ("a", "b")]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], [err for _, err in outputs]
    printed = sorted(line for out, _ in outputs for line in out.split())
    table = registry.list_versions()
    expected = [f"v{i}" for i in range(1, 9)]
    assert sorted(table["version"]) == sorted(printed) == sorted(expected)
    names = {registry.load(v).card.name for v in expected}
    assert names == {f"{p}-{i}" for p in "ab" for i in range(4)}  # each version holds its own model
    assert sorted(p.name for p in (registry.root / "models").iterdir()) == sorted(expected)


def test_registry_bad_input(registry, model, schema):
    with pytest.raises(TypeError, match="card must be a ModelCard; got dict"):
        registry.register(model, card={}, schema=schema)
    with pytest.raises(ValueError, match="metric must be one of 'roc_auc', 'recall'; got 'f1'"):
        registry.register(model, card=_card(), schema=schema, metric="f1")
    with pytest.raises(ValueError, match="there is no production version to roll back from"):
        registry.rollback()
    with pytest.raises(ValueError, match="no version is in stage 'production'; promote one first"):
        registry.load(stage="production")
    with pytest.raises(ValueError,
                       match="pass exactly one of version or stage; got version=None, stage=None"):
        registry.load()
    with pytest.raises(TypeError, match="version must be a string such as 'v1'; got 1"):
        registry.promote(1, "production")
    assert registry.list_versions().empty and not any((registry.root / "models").iterdir())


def test_reprs_are_short_and_machine_independent(registry, model, schema):
    card = _card()
    assert repr(card) == "ModelCard('churn', version=None, threshold=0.30)"
    assert repr(schema).startswith("InputSchema(17 columns: customer_id, month,")
    assert repr(registry) == "Registry('registry')"
    registry.register(model, card=card, schema=schema)
    assert repr(registry.load("v1")) == "ModelBundle('churn', version='v1')"


def test_tree_models_save_and_load(tmp_path):
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier

    X = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 7})
    y = (X["a"] > 20).astype(int)
    estimators = [GradientBoostingClassifier(n_estimators=5), HistGradientBoostingClassifier(max_iter=5)]
    for i, estimator in enumerate(estimators):
        fitted = estimator.fit(X, y)
        path = save_model(fitted, tmp_path / f"m{i}", card=_card(), schema=InputSchema.from_frame(X))
        recorded = json.loads((path / "manifest.json").read_text())["untrusted_types"]
        # skops 0.16 lists the trees; skops 0.11 (the floor) lists sklearn._loss objects instead
        assert recorded
        assert all(t in deploy.SKLEARN_TREE_TYPES or t.startswith("sklearn._loss.") for t in recorded)
        np.testing.assert_array_equal(load_model(path).model.predict_proba(X), fitted.predict_proba(X))


def test_a_failed_overwrite_keeps_the_old_model(tmp_path, model, schema, history_X):
    path = save_model(model, tmp_path / "m", card=_card(), schema=schema)
    foreign, X = _foreign_model()
    with pytest.raises(ValueError, match="does not trust"):
        save_model(foreign, path, card=_card(name="bad"), schema=InputSchema.from_frame(X), overwrite=True)
    assert load_model(path).card.name == "churn" and [p.name for p in tmp_path.iterdir()] == ["m"]


def test_a_failed_rename_leaves_no_version_behind(registry, model, schema, monkeypatch):
    from pathlib import Path

    registry.register(model, card=_card(), schema=schema)
    real_rename = Path.rename

    def failing_rename(self, target):
        if Path(target).name == "v2":
            raise OSError("disk full")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", failing_rename)
    with pytest.raises(OSError, match="disk full"):
        registry.register(model, card=_card(), schema=schema)
    monkeypatch.undo()
    assert registry.list_versions()["version"].tolist() == ["v1"]  # the transaction rolled back
    assert [p.name for p in (registry.root / "models").iterdir()] == ["v1"]
    assert registry.register(model, card=_card(), schema=schema) == "v2"
