"""What the service refuses, logs and survives: bad numbers and types, oversized requests, a
failing shadow or canary, a locked log, a registry it cannot load, any feature name."""

import json
import sqlite3
import threading
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import toolkit.prediction_log
from toolkit.deploy import InputSchema, ModelCard, Registry
from toolkit.service import Service
from toolkit.service_app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx, not about this code
    from fastapi.testclient import TestClient

X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "n": [1, 2, 3, 4], "plan": ["a", "b", "a", "b"]})
Y = [0, 0, 1, 1]
OK = {"x": 1.0, "n": 2, "plan": "a"}


def _pipeline(frame):
    text = [c for c in frame.columns if frame[c].dtype.kind not in "fiub"]
    numbers = [c for c in frame.columns if c not in text]
    pre = make_column_transformer(("passthrough", numbers), (OneHotEncoder(handle_unknown="ignore"), text))
    return make_pipeline(pre, LogisticRegression()).fit(frame, Y)


def _register(registry, frame, model=None, threshold=0.5):
    card = ModelCard("demo", trained_on="toy", features=list(frame.columns), metrics={"auc": 1.0},
                     threshold=threshold)
    return registry.register(model if model is not None else _pipeline(frame), card=card,
                             schema=InputSchema.from_frame(frame))


@pytest.fixture
def registry(tmp_path):
    registry = Registry(tmp_path / "registry", create=True)
    registry.promote(_register(registry, X), "production")
    return registry


@pytest.fixture
def service(registry):
    return Service(registry)


@pytest.fixture
def client(service):
    return TestClient(create_app(service), raise_server_exceptions=False)


def _post(client, body: bytes):
    return client.post("/predict", content=body, headers={"content-type": "application/json"})


# --- numbers and types -------------------------------------------------------------------------
@pytest.mark.parametrize("body, column", [
    (b'[{"x": Infinity, "n": 2, "plan": "a"}]', "x"),  # before: 500
    (b'[{"x": -Infinity, "n": 2, "plan": "a"}]', "x"),  # before: 500
    (b'[{"x": 1e309, "n": 2, "plan": "a"}]', "x"),  # before: 500
    (b'[{"x": 1.0, "n": 1e30, "plan": "a"}]', "n"),  # before: 200, n became -9.2e18
    (b'[{"x": 1.0, "n": 1000000000000000000000000000000, "plan": "a"}]', "n"),  # before: 200
    (b'[{"x": 1.0, "n": 9223372036854775808, "plan": "a"}]', "n"),  # 2**63: one past int64
], ids=["Infinity", "-Infinity", "1e309", "1e30 in int", "10**30 in int", "2**63 in int"])
def test_numbers_no_column_can_hold_are_a_422_naming_the_column(client, service, body, column):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # before: "RuntimeWarning: invalid value encountered in cast"
        response = _post(client, body)
    assert response.status_code == 422
    assert [(p["column"], p["problem"]) for p in response.json()["problems"]] == [(column, "invalid number")]
    assert f"{column}: invalid number" in response.json()["detail"]
    assert service.log().empty and len(service.refusals()) == 1


@pytest.mark.parametrize("value, column", [
    ({"a": 1}, "plan"), (["a"], "plan"), (True, "plan"),  # before: 200, str()-ed into a category
    (True, "x"), ({"v": 1}, "x"), ([1.0], "n"), (False, "n"),  # before: True became 1.0
], ids=["object as plan", "list as plan", "bool as plan", "bool as x", "object as x", "list as n",
        "bool as n"])
def test_objects_lists_and_booleans_are_a_422(client, service, value, column):
    response = client.post("/predict", json=[OK | {column: value}])
    assert response.status_code == 422
    problems = [(p["column"], p["problem"]) for p in response.json()["problems"] if p["action"] == "refuse"]
    assert problems == [(column, "wrong dtype")]
    assert service.log().empty


# --- limits and refusals -----------------------------------------------------------------------
def test_too_many_rows_is_a_413_and_logged(registry):
    service = Service(registry, max_rows=10)
    client = TestClient(create_app(service))
    response = client.post("/predict", json=[OK] * 11)  # before: no limit at all
    assert response.status_code == 413 and "11 rows, more than the 10" in response.json()["detail"]
    assert client.post("/predict", json=[OK] * 10).status_code == 200
    refusals = service.refusals()
    assert refusals["rows"].tolist() == [11] and "too many rows" in refusals.loc[0, "problems"]
    with pytest.raises(ValueError, match="more than the 10"):
        service.predict(pd.DataFrame([OK] * 11))


def test_a_body_over_the_limit_is_a_413_and_logged(service):
    client = TestClient(create_app(service, max_body_bytes=1_000))
    response = client.post("/predict", json=[OK] * 100)
    assert response.status_code == 413 and "more than 1,000 bytes" in response.json()["detail"]
    refusals = service.refusals()
    assert len(refusals) == 1 and "body too large" in refusals.loc[0, "problems"]
    assert pd.isna(refusals.loc[0, "rows"])
    with pytest.raises(ValueError, match="max_body_bytes must be a positive whole number"):
        create_app(service, max_body_bytes=0)


@pytest.mark.parametrize("body, logged", [
    (b"{oops", "not valid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),  # too deep for the parser
    (b"[1" + b"0" * 5_000 + b"]", "not valid JSON"),  # an int longer than Python reads
    (b'{"x": 1.0}', "not a list of JSON objects"),
    (b"[1, 2]", "not a list of JSON objects"),
    (b"\xff\xfe", "not valid JSON"),
], ids=["broken", "deep", "huge int", "an object", "a list of numbers", "not utf-8"])
def test_malformed_bodies_are_a_422_and_logged(client, service, body, logged):
    response = _post(client, body)  # before: a 422, but no trace of it anywhere
    assert response.status_code == 422
    refusals = service.refusals()
    assert len(refusals) == 1 and logged in refusals.loc[0, "problems"]


def test_schema_refusals_are_logged_with_their_rows(client, service):
    client.post("/predict", json=[{"x": 1.0, "n": 2}] * 3)
    assert service.refusals()[["rows", "problems"]].values.tolist() == [[3, "plan: missing column"]]


# --- shadow and canary -------------------------------------------------------------------------
def test_a_shadow_is_checked_by_its_own_schema_and_never_fails_the_caller(registry, service, client):
    wider = X.assign(z=[1.0, 0.0, 1.0, 0.0])  # the shadow needs a column production does not send
    registry.promote(_register(registry, wider), "shadow")
    response = client.post("/predict", json=[OK, OK])  # before: 500 (the shadow scored production's X)
    assert response.status_code == 200 and len(response.json()["predictions"]) == 2
    log = service.log()
    assert log["role"].tolist() == ["production", "production"]  # the caller's rows stand
    failures = service.failures()
    assert failures[["role", "model_version"]].values.tolist() == [["shadow", "v2"]]
    assert "z: missing column" in failures.loc[0, "error"]


def test_a_shadow_whose_model_fails_is_logged_not_raised(registry, service, client):
    broken = LogisticRegression().fit(X[["x"]], Y)  # fitted on x only: it cannot score x, n, plan
    registry.promote(_register(registry, X, model=broken), "shadow")
    response = client.post("/predict", json=[OK])
    assert response.status_code == 200
    assert service.log()["role"].tolist() == ["production"]
    assert "ValueError" in service.failures().loc[0, "error"]


def test_a_shadow_warns_by_its_own_schema(registry, service):
    narrow = X.assign(x=[0.0, 0.1, 0.2, 0.3])  # the shadow saw a narrower x in training
    registry.promote(_register(registry, narrow), "shadow")
    service.predict(pd.DataFrame([OK]))
    log = service.log().set_index("role")
    assert log.loc["production", "problems"] == "" and log.loc["shadow", "problems"] == "x: out of range"


def test_a_canary_refused_by_its_schema_hands_its_rows_to_production(registry):
    wider = X.assign(z=[1.0, 0.0, 1.0, 0.0])
    registry.promote(_register(registry, wider), "canary")
    service = Service(registry, canary_share=1.0)
    answers = service.predict(pd.DataFrame([OK] * 3))  # before: the canary scored production's X
    assert answers["model_version"].tolist() == ["v1"] * 3
    assert service.failures()[["role", "model_version"]].values.tolist() == [["canary", "v2"]]


def test_a_canary_scores_what_its_own_schema_coerced(registry):
    registry.promote(_register(registry, X, threshold=0.0), "canary")
    service = Service(registry, canary_share=1.0)
    answers = service.predict(pd.DataFrame([OK] * 3))
    assert answers["model_version"].tolist() == ["v2"] * 3 and answers["decision"].tolist() == [1] * 3
    assert service.failures().empty


# --- the event loop, a failed reload -----------------------------------------------------------
def test_model_and_health_answer_while_the_log_is_locked(service, monkeypatch):
    monkeypatch.setattr(toolkit.prediction_log, "LOG_TIMEOUT_S", 4.0)
    with TestClient(create_app(service)) as client:  # one event loop for every request
        holder = sqlite3.connect(service.log_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process is writing the log
        try:
            waiting = threading.Thread(target=client.post, args=("/predict",), kwargs={"json": [OK]})
            waiting.start()
            time.sleep(0.5)  # the prediction is now waiting for the log
            start = time.perf_counter()
            assert client.get("/model").status_code == 200
            assert client.get("/health").json()["status"] == "ok"
            took = time.perf_counter() - start
            assert waiting.is_alive()  # before: /model waited behind it (about 4 s here)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
            waiting.join()
    assert took < 2.0


def test_a_failed_reload_keeps_the_old_model_and_says_degraded(registry, service, client):
    version = _register(registry, X, threshold=0.0)
    card = registry.root / "models" / version / "card.json"
    card.write_text(card.read_text().replace('"threshold": 0.0', '"threshold": 0.9'))
    registry.promote(version, "production")  # production now points at a tampered version
    response = client.post("/predict", json=[OK])  # before: served v2, threshold and all
    assert response.status_code == 200 and response.json()["model_version"] == "v1"
    health = client.get("/health").json()
    assert health["status"] == "degraded" and health["models"] == {"production": "v1"}
    assert "card.json changed since it was registered" in health["detail"]
    registry.rollback()  # put things right: the next request reloads and is healthy again
    assert client.get("/health").json() == {"status": "ok", "models": {"production": "v1"}}


# --- feature names -----------------------------------------------------------------------------
@pytest.mark.parametrize("names", [["Score"], ["score"], ["A", "a"], ['say "hi"', "it's"],
                                   ["month", "Month"]],
                         ids=["Score", "score", "A and a", "quotes", "month and Month"])
def test_any_feature_name_is_logged(tmp_path, names):
    frame = pd.DataFrame({name: [0.0, 1.0, 2.0, 3.0 + i] for i, name in enumerate(names)})
    registry = Registry(tmp_path / "r", create=True)
    registry.promote(_register(registry, frame, model=LogisticRegression().fit(frame, Y)), "production")
    service = Service(registry)
    service.predict(frame)  # before: "duplicate column name" or a syntax error from SQLite
    log = service.log()
    shown = [f"input:{n}" if n in ("score", "month") else n for n in names]
    for shown_name, name in zip(shown, names, strict=True):
        np.testing.assert_array_equal(log[shown_name].to_numpy(), frame[name].to_numpy())
    assert len(log) == 4 and log["score"].between(0, 1).all()


def test_a_log_from_an_older_toolkit_is_read(tmp_path, registry):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:  # features were columns named after them
        conn.execute("CREATE TABLE predictions (request_id TEXT, logged_at TEXT, month TEXT, "
                     "model_version TEXT, role TEXT, returned INTEGER, score REAL, decision INTEGER, "
                     "problems TEXT, latency_ms REAL, x REAL, n INTEGER, plan TEXT)")
        conn.execute("INSERT INTO predictions VALUES ('r0', 't', '2025-01-01T00:00:00', 'v1', "
                     "'production', 1, 0.5, 1, '', 1.0, 1.5, 2, 'a')")
    service = Service(registry, log_path=path)
    service.predict(pd.DataFrame([OK]))
    log = service.log()
    assert log["x"].tolist() == [1.5, 1.0] and log["plan"].astype(str).tolist() == ["a", "a"]


def test_refusal_and_failure_tables_are_json_friendly(client, service):
    _post(client, b"nope")
    record = service.refusals().to_dict("records")[0]
    assert json.loads(json.dumps(record, default=str))["problems"].startswith("(request): not valid JSON")
