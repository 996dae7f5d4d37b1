import os
import signal
import socket
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from toolkit import features
from toolkit.datasets import load
from toolkit.deploy import InputSchema, ModelCard, Registry
from toolkit.service import LOG_COLUMNS, RequestRefused, Service
from toolkit.service_app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx, not about this code
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def history_X():
    return load("history").drop(columns=["exit_survey_score", "churned"])


def _fit(X, C):
    pre = features.make_preprocessor(X, drop=["customer_id", "month"])
    return make_pipeline(pre, LogisticRegression(C=C, max_iter=500)).fit(X, load("history")["churned"])


@pytest.fixture(scope="module")
def models(history_X):
    return {"champion": _fit(history_X, 1.0), "challenger": _fit(history_X, 0.01)}


@pytest.fixture(scope="module")
def saved_registry(tmp_path_factory, history_X, models):
    """v1 = champion, v2 = challenger, v3 = champion again; nothing promoted yet."""
    root = tmp_path_factory.mktemp("reg") / "registry"
    registry = Registry(root, create=True)
    schema = InputSchema.from_frame(history_X)
    for name in ("champion", "challenger", "champion"):
        card = ModelCard(name, trained_on="2024", features=list(history_X.columns),
                         metrics={"roc_auc": 0.8}, threshold=0.3)
        registry.register(models[name], card=card, schema=schema)
    return root


@pytest.fixture
def registry(saved_registry, tmp_path):
    """A fresh copy of the saved registry for each test (registering is the slow part)."""
    import shutil

    root = tmp_path / "registry"
    shutil.copytree(saved_registry, root)
    registry = Registry(root)
    registry.promote("v1", "production")
    return registry


@pytest.fixture(scope="module")
def january():
    production = load("production")
    return production[production["month"] == "2025-01-01"].reset_index(drop=True)


def test_a_month_is_scored_and_logged_row_by_row(registry, january, models, history_X):
    service = Service(registry)
    answers = service.predict(january)
    expected = models["champion"].predict_proba(january)[:, 1]
    np.testing.assert_array_equal(answers["score"].to_numpy(), expected)
    assert (answers["decision"] == (expected >= 0.3)).all()
    log = service.log()
    assert len(log) == len(january)
    assert log.columns.tolist() == list(LOG_COLUMNS) + [c for c in history_X.columns if c != "month"]
    feature_columns = [c for c in history_X.columns if c != "month"]
    pd.testing.assert_series_equal(log[feature_columns].dtypes, history_X[feature_columns].dtypes)
    # (production's categories also list the plans of later months: compare the values)
    as_values = {c: object for c in ["region", "plan", "contract", "payment_method"]}
    pd.testing.assert_frame_equal(log[feature_columns].astype(as_values),
                                  january[feature_columns].astype(as_values))
    assert (log["month"] == january["month"]).all() and log["month"].dtype == history_X["month"].dtype
    assert log["returned"].all() and set(log["role"]) == {"production"}
    assert set(log["model_version"]) == {"v1"} and log["request_id"].nunique() == 1
    assert log["latency_ms"].gt(0).all()
    flagged = log[log["problems"] != ""]  # the one customer with more calls than any in training
    assert flagged["problems"].tolist() == ["support_calls_90d: out of range"]
    assert flagged["support_calls_90d"].tolist() == [9] and history_X["support_calls_90d"].max() == 8


def test_shadow_answers_are_logged_never_returned(registry, january, models):
    registry.promote("v2", "shadow")
    service = Service(registry)
    answers = service.predict(january.head(50))
    np.testing.assert_array_equal(answers["score"], models["champion"].predict_proba(january.head(50))[:, 1])
    log = service.log()
    shadow = log[log["role"] == "shadow"]
    assert len(log) == 100 and len(shadow) == 50 and not shadow["returned"].any()
    assert set(shadow["model_version"]) == {"v2"}
    np.testing.assert_allclose(shadow["score"], models["challenger"].predict_proba(january.head(50))[:, 1])


def test_canary_gets_a_seeded_share(registry, january, tmp_path):
    registry.promote("v2", "canary")
    routed = []
    for seed in (0, 0, 1):
        service = Service(registry, canary_share=0.2, seed=seed, log_path=tmp_path / f"log{len(routed)}.db")
        routed.append(service.predict(january)["model_version"].eq("v2").to_numpy())
    assert 0.15 < routed[0].mean() < 0.25  # 1,000 rows: the share is 0.2 +/- 0.04 (3 s.d.)
    assert (routed[0] == routed[1]).all() and (routed[0] != routed[2]).any()
    log = service.log()
    assert log["returned"].all() and set(log.loc[log["model_version"] == "v2", "role"]) == {"canary"}


def test_warned_rows_are_scored_with_their_problems(registry, january):
    cents = january.head(10).assign(monthly_charges=lambda d: d["monthly_charges"] * 100)
    service = Service(registry)
    answers = service.predict(cents)
    assert answers["problems"].eq("monthly_charges: out of range").all()
    assert answers.attrs["warnings"]["problem"].tolist() == ["out of range"]
    assert service.log()["problems"].eq("monthly_charges: out of range").all()


def test_refused_request_names_its_problems_and_is_not_scored(registry, january):
    service = Service(registry)
    bad = january.head(3).drop(columns=["plan"])
    with pytest.raises(RequestRefused,
                       match="request refused by the input schema: plan: missing column") as err:
        service.predict(bad)
    assert err.value.problems[["column", "problem", "action"]].values.tolist() == [
        ["plan", "missing column", "refuse"]]
    with pytest.raises(RequestRefused, match="no rows"):
        service.predict(january.head(0))
    assert service.log().empty
    assert service.refusals()["problems"].tolist() == ["plan: missing column", "(all): no rows"]


def test_service_bad_input(registry, saved_registry, tmp_path, january):
    import shutil

    with pytest.raises(TypeError, match="registry must be a toolkit.deploy.Registry; got str"):
        Service("artifacts/registry")
    with pytest.raises(TypeError, match="frame must be a pandas DataFrame; got list"):
        Service(registry).predict([1, 2])
    with pytest.raises(ValueError, match="canary_share must be between 0 and 1; got 2"):
        Service(registry, canary_share=2)
    with pytest.raises(ValueError, match="on_problem key must be one of .*; got 'out of rang'"):
        Service(registry, on_problem={"out of rang": "refuse"})
    with pytest.raises(TypeError, match="on_problem must be a mapping .*; got 'refuse'"):
        Service(registry, on_problem="refuse")
    shutil.copytree(saved_registry, tmp_path / "idle")
    with pytest.raises(ValueError, match="has no production version; promote one"):
        Service(Registry(tmp_path / "idle"))


def test_stage_changes_are_picked_up_and_rollback_works(registry, january):
    service = Service(registry)
    assert service.versions == {"production": "v1"}
    registry.promote("v3", "production")
    assert service.predict(january.head(2))["model_version"].tolist() == ["v3", "v3"]
    assert service.rollback() == "v1"
    assert service.predict(january.head(2))["model_version"].tolist() == ["v1", "v1"]
    assert service.log()["model_version"].tolist() == ["v3", "v3", "v1", "v1"]


def _records(df):
    from toolkit.service import to_records

    return to_records(df)


def test_to_records_bad_input():
    from toolkit.service import to_records

    with pytest.raises(TypeError, match="frame must be a pandas DataFrame; got list"):
        to_records([{"a": 1}])


def test_http_api_in_process(registry, january, models):
    client = TestClient(create_app(Service(registry)))
    response = client.post("/predict", json=_records(january.head(5)))
    assert response.status_code == 200
    body = response.json()
    assert body["model_version"] == "v1" and body["warnings"] == []
    np.testing.assert_allclose([p["score"] for p in body["predictions"]],
                               models["champion"].predict_proba(january.head(5))[:, 1])
    bad = client.post("/predict", json=_records(january.head(2).drop(columns=["age"])))
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["column"] == "age" and "missing column" in bad.json()["detail"]
    typed = client.post("/predict", json=_records(january.head(1).assign(tenure_months="long")))
    assert typed.status_code == 422 and typed.json()["problems"][0]["problem"] == "wrong dtype"
    assert client.post("/predict", json=[]).json()["problems"][0]["problem"] == "no rows"
    not_json = client.post("/predict", content=b"{oops")
    assert not_json.status_code == 422 and "not valid JSON" in not_json.json()["detail"]
    not_list = client.post("/predict", json={"age": 3})
    assert not_list.status_code == 422 and "records must be a list" in not_list.json()["detail"]
    assert client.get("/health").json() == {"status": "ok", "models": {"production": "v1"}}
    assert client.get("/model").json()["name"] == "champion"


def test_create_app_needs_a_service():
    with pytest.raises(TypeError, match="service must be a toolkit.service.Service; got dict"):
        create_app({})


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_real_server_answers_over_http(registry, january):
    import httpx

    port = _free_port()
    log_path = registry.root / "served.sqlite"
    server = subprocess.Popen([sys.executable, "-m", "toolkit", "serve", "--registry", str(registry.root),
                               "--port", str(port), "--log", str(log_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{url}/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "the server did not start within 60 s"
                time.sleep(0.2)
        assert health.json()["models"] == {"production": "v1"}
        for rows in (1, 3):
            ok = httpx.post(f"{url}/predict", json=_records(january.head(rows)), timeout=30)
            assert ok.status_code == 200 and len(ok.json()["predictions"]) == rows
        bad = httpx.post(f"{url}/predict", json=[{"age": 30}], timeout=30)
        assert bad.status_code == 422 and {p["problem"] for p in bad.json()["problems"]} == {"missing column"}
        assert httpx.get(f"{url}/model", timeout=5).json()["version"] == "v1"
    finally:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.communicate()
    log = Service(registry, log_path=log_path).log()
    assert len(log) == 4 and log["request_id"].nunique() == 2  # one row per scored row, 2 requests


def test_the_service_keeps_serving_when_the_registry_index_disappears(registry, january):
    service = Service(registry, log_path=registry.root.parent / "new" / "folder" / "log.sqlite")
    client = TestClient(create_app(service))
    for suffix in ("", "-wal", "-shm"):
        registry.index.with_name(registry.index.name + suffix).unlink(missing_ok=True)
    assert service.predict(january.head(2))["model_version"].tolist() == ["v1", "v1"]
    health = client.get("/health").json()
    assert health["status"] == "degraded" and health["models"] == {"production": "v1"}
    assert "is gone" in health["detail"]


def test_serve_without_a_registry_says_why(tmp_path, capsys):
    from toolkit.__main__ import main

    assert main(["serve", "--registry", str(tmp_path / "none")]) == 1
    assert "cannot serve: root" in capsys.readouterr().err


def test_compare_roles_and_shadow_agreement(registry, january, models):
    from toolkit.service import compare_roles, shadow_agreement

    registry.promote("v2", "shadow")
    registry.promote("v3", "canary")
    service = Service(registry, canary_share=0.3)
    for start in (0, 100, 200):
        service.predict(january.iloc[start:start + 100])
    log = service.log()
    roles = compare_roles(log)
    assert roles[["role", "model_version"]].values.tolist() == [["production", "v1"], ["canary", "v3"],
                                                                ["shadow", "v2"]]
    assert roles["rows"].tolist()[2] == 300 and roles["rows"].tolist()[0] + roles["rows"].tolist()[1] == 300
    assert roles["returned_share"].tolist() == [1.0, 1.0, 0.0]
    agreement = shadow_agreement(log)
    # oracle: the two models scored directly on the same 300 rows
    rows = january.iloc[:300]
    shadow = models["challenger"].predict_proba(rows)[:, 1] >= 0.3
    served = models["champion"].predict_proba(rows)[:, 1] >= 0.3  # v1 and v3 are the same model
    assert agreement.loc[0, "shadow_version"] == "v2" and agreement.loc[0, "rows"] == 300
    assert agreement.loc[0, "same_decision"] == pytest.approx((shadow == served).mean())
    assert agreement.loc[0, "only_shadow_churns"] == (shadow & ~served).sum()
    assert agreement.loc[0, "only_served_churns"] == (~shadow & served).sum()
    with pytest.raises(ValueError,
                       match=r"log must have the prediction-log columns .*missing \['request_id'\]"):
        shadow_agreement(log.drop(columns=["request_id"]))
    with pytest.raises(TypeError, match="log must be a pandas DataFrame"):
        compare_roles([])


def test_a_locked_log_is_a_clear_error_and_a_503(registry, january, monkeypatch):
    import sqlite3

    import toolkit.prediction_log

    monkeypatch.setattr(toolkit.prediction_log, "LOG_TIMEOUT_S", 0.2)
    service = Service(registry)
    client = TestClient(create_app(service))
    holder = sqlite3.connect(service.log_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process is writing the log
    try:
        with pytest.raises(TimeoutError,
                           match="prediction log .* stayed locked by another process for 0.2 s"):
            service.predict(january.head(2))
        busy = client.post("/predict", json=_records(january.head(2)))
        assert busy.status_code == 503 and "stayed locked" in busy.json()["detail"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert service.log().empty
    assert len(service.predict(january.head(2))) == 2 and len(service.log()) == 2
