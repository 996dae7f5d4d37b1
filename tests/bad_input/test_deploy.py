"""Bad input for deployment: model cards, save/load, the registry, the service (JSON-like
records, frames, the HTTP API), the prediction log and the rollout comparisons.

Every test runs in a temporary working folder, and a path argument is drawn only as a folder
under it or as a value that is not a path at all: no generated string can write into the
repository.

Examples per test under the ``ci`` profile: 150 for records, cards, log tables and argument
checks; 60 for the calls that go through the service (each one scores, logs to SQLite and may
reload the registry) and for save/load (each writes files).
"""

import os
import tempfile
import uuid
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from bad_input.strategies import (
    CASES,
    JSON,
    WORKED,
    anything,
    check,
    examples,
    frames,
    maybe,
    maybe_count,
    named_frames,
    records,
)
from toolkit import artifacts, deploy, features, rollout, service
from toolkit.prediction_log import PredictionLog
from toolkit.registry import Registry
from toolkit.schema import InputSchema

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx, not about this code
    from fastapi.testclient import TestClient

TRAIN = pd.DataFrame({"age": [25.0, 40.0, 33.0, 58.0, 21.0, 47.0] * 5,
                      "plan": ["basic", "plus", "basic", "max", "plus", "basic"] * 5,
                      "active": [True, False, True, True, False, True] * 5})
Y = np.array([0, 1, 0, 1, 1, 0] * 5)
KEYS = list(TRAIN.columns)
# a record the service accepts, to mix with the malformed ones
GOOD_RECORD = st.fixed_dictionaries({"age": st.floats(18, 80), "active": st.booleans(),
                                     "plan": st.sampled_from(["basic", "plus", "max"])})


@pytest.fixture(scope="module", autouse=True)
def scratch():
    """A temporary working folder for the whole module: relative paths land there."""
    folder = Path(tempfile.mkdtemp(prefix="bad-input-deploy-"))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        yield folder


@pytest.fixture(scope="module")
def model():
    pre = features.make_preprocessor(TRAIN)
    return make_pipeline(pre, LogisticRegression()).fit(TRAIN, Y)


@pytest.fixture(scope="module")
def card():
    return artifacts.ModelCard("churn", trained_on="2024", features=KEYS, metrics={"roc_auc": 0.8})


@pytest.fixture(scope="module")
def registry(scratch, model, card):
    registry = Registry(scratch / "registry", create=True)
    registry.register(model, card=card, schema=InputSchema.from_frame(TRAIN))
    registry.promote("v1", "production")
    return registry


@pytest.fixture(scope="module")
def the_service(registry, scratch):
    served = service.Service(registry, log_path=scratch / "log.sqlite")
    yield served
    served.close()


def not_a_path():
    """Any value except text and paths (those would name a real folder)."""
    return anything().filter(lambda v: not isinstance(v, (str, bytes, os.PathLike)))


# --------------------------------------------------------------------------- records
@examples(150)
@given(records(KEYS))
def test_records_to_columns_and_inspect(body):
    found = check("records_to_columns", service.records_to_columns, (body,), ["records"])
    if found is not None:
        columns, n = found
        schema = InputSchema.from_frame(TRAIN)
        check("InputSchema.inspect", schema.inspect, (columns, n), ["columns", "n", "column"])


@examples(60)
@given(st.one_of(records(KEYS), st.lists(GOOD_RECORD, min_size=1, max_size=5)))
def test_predict_records(the_service, body):
    check("Service.predict_records", the_service.predict_records, (body,), ["records", "refused"])


@examples(60)
@given(st.one_of(records(KEYS), st.lists(GOOD_RECORD, min_size=1, max_size=5), JSON),
       st.sampled_from(["json", "json", "text"]))
def test_http_predict_never_answers_500(the_service, body, how):
    """POST /predict with any JSON (or text) body: a 4xx with a detail, never a 500."""
    client = TestClient(service_app_for(the_service))
    if how == "json":
        try:
            response = client.post("/predict", json=body)
        except ValueError:  # a body the client cannot encode is never sent
            return
    else:
        response = client.post("/predict", content=repr(body).encode(),
                               headers={"content-type": "application/json"})
    CASES["POST /predict"] += 1
    WORKED["POST /predict"] += response.status_code < 400
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code >= 400:
        assert response.json().get("detail"), response.text


_APPS = {}


def service_app_for(served):
    from toolkit.service_app import create_app

    if id(served) not in _APPS:
        _APPS[id(served)] = create_app(served)
    return _APPS[id(served)]


@examples(60)
@given(st.one_of(named_frames(KEYS, min_rows=1, max_rows=10), frames(max_rows=10)))
def test_predict_frames(the_service, frame):
    check("Service.predict", the_service.predict, (frame,), ["frame", "refused", "column"])
    check("to_records", service.to_records, (frame,), ["frame"])


@examples(60)
@given(maybe(st.floats(0, 1)), maybe(st.none()), maybe_count(st.integers(1, 100)), maybe(st.integers(0, 9)))
def test_service_arguments(registry, scratch, canary_share, on_problem, max_rows, seed):
    made = check("Service", service.Service, (registry,),
                 ["registry", "canary_share", "on_problem", "max_rows", "seed", "log_path"],
                 {"log_path": scratch / "args.sqlite", "canary_share": canary_share, "on_problem": on_problem,
                  "max_rows": max_rows, "seed": seed})
    if made is not None:
        made.close()


@examples(150)
@given(not_a_path())
def test_service_refuses_what_is_not_a_registry(value):
    check("Service", service.Service, (value,), ["registry"])


@examples(60)
@given(st.one_of(named_frames(["month", *KEYS], min_rows=1, max_rows=10), frames(max_rows=10)),
       maybe(st.sampled_from(["month", "plan", "nope"])))
def test_replay(the_service, frame, by):
    check("replay", service.replay, (the_service, frame), ["service", "frame", "by", "refused", "column"],
          {"by": by})


# --------------------------------------------------------------------------- logs, rollout
LOG_COLUMNS = ["request_id", "role", "model_version", "returned", "score", "decision", "problems"]
VALID_LOG = {
    "request_id": lambda n: st.just(pd.Series([f"r{i // 2}" for i in range(n)])),
    "role": lambda n: st.just(pd.Series(np.array(["production", "shadow", "canary"])[np.arange(n) % 3])),
    "model_version": lambda n: st.just(pd.Series(["v1", "v2"] * n)[:n].reset_index(drop=True)),
    "returned": lambda n: st.just(pd.Series(np.arange(n) % 3 != 1)),
    "score": lambda n: st.just(pd.Series(np.linspace(0, 1, n))),
    "decision": lambda n: st.just(pd.Series(np.arange(n) % 2)),
    "problems": lambda n: st.just(pd.Series([""] * n)),
}


@examples(150)
@given(st.one_of(named_frames(LOG_COLUMNS, valid=VALID_LOG), anything()))
def test_rollout(log):
    check("compare_roles", rollout.compare_roles, (log,), ["log", "column", "columns"])
    check("shadow_agreement", rollout.shadow_agreement, (log,), ["log", "column", "columns"])


@examples(60)
@given(maybe(st.text(max_size=8)), maybe(st.one_of(st.none(), st.integers(0, 10))),
       maybe(st.text(max_size=20)))
def test_prediction_log_refusals(scratch, request_id, rows, problems):
    log = PredictionLog(scratch / "refusals.sqlite")
    try:
        check("PredictionLog.write_refusal", log.write_refusal, (request_id, rows, problems),
              ["request_id", "rows", "problems"])
        check("PredictionLog.refusals", log.refusals, (), [])
    finally:
        log.close()


@examples(150)
@given(not_a_path())
def test_paths_that_are_not_paths(value):
    check("PredictionLog", PredictionLog, (value,), ["path"])
    check("Registry", Registry, (value,), ["root"])
    check("file_hashes", artifacts.file_hashes, (value,), ["directory"])
    check("load_model", artifacts.load_model, (value,), ["directory"])
    check("verify_model", artifacts.verify_model, (value,), ["directory"])
    check("case_study_registry", deploy.case_study_registry, (value,), ["directory"])


# --------------------------------------------------------------------------- cards, save, load
CARD_FIELDS = {
    "name": maybe(st.text(max_size=6)), "trained_on": maybe(st.text(max_size=6)),
    "features": maybe(st.lists(st.text(max_size=4), max_size=3)),
    "metrics": maybe(st.dictionaries(st.text(max_size=4), st.floats(allow_nan=True), max_size=2)),
    "threshold": maybe(st.floats(0, 1)), "intended_use": maybe(st.text(max_size=8)),
    "limits": maybe(st.lists(st.text(max_size=4), max_size=2)),
    "business_value": maybe(st.one_of(st.none(), st.fixed_dictionaries({k: st.floats(-9, 9) for k in
                                                                         ("tp", "fp", "fn", "tn")}))),
    "baselines": maybe(st.dictionaries(st.text(max_size=4), st.floats(0, 1), max_size=2)),
    "version": maybe(st.one_of(st.none(), st.text(max_size=4))),
}


@examples(150)
@given(st.fixed_dictionaries(CARD_FIELDS))
def test_model_card(fields):
    made = check("ModelCard", artifacts.ModelCard, (), list(CARD_FIELDS), fields)
    if made is not None:
        check("ModelCard.to_markdown", made.to_markdown, (), [])
        check("ModelCard.from_dict", artifacts.ModelCard.from_dict, (made.to_dict(),), ["data"])


@examples(150)
@given(anything())
def test_model_card_from_dict(data):
    check("ModelCard.from_dict", artifacts.ModelCard.from_dict, (data,), ["data", "card"])
    check("case_study_card", deploy.case_study_card, (data,), ["selected"])


@examples(60)
@given(st.data())
def test_save_and_load(scratch, model, card, data):
    folder = scratch / f"saved-{uuid.uuid4().hex}"  # a new folder: save_model refuses an existing one
    schema = InputSchema.from_frame(TRAIN)
    options = {"card": data.draw(maybe(st.just(card))), "schema": data.draw(maybe(st.just(schema))),
               "overwrite": data.draw(maybe(st.booleans())), "trusted": data.draw(maybe(st.just([])))}
    saved = check("save_model", artifacts.save_model, (data.draw(maybe(st.just(model))), folder),
                  ["model", "directory", *options], options)
    if saved is None:
        return
    load = {"trusted": data.draw(maybe(st.just(()))), "hashes": data.draw(maybe(st.none()))}
    check("verify_model", artifacts.verify_model, (folder,), ["directory", *load], load)
    check("load_model", artifacts.load_model, (folder,), ["directory", *load], load)
    check("write_card", artifacts.write_card, (folder, data.draw(maybe(st.just(card)))),
          ["directory", "card"])
    check("file_hashes", artifacts.file_hashes, (folder,), ["directory"])


@examples(150)
@given(maybe(st.sampled_from(["v1", "v2", "v9"])),
       maybe(st.sampled_from(["staging", "production", "archived"])))
def test_registry_methods(registry, version, stage):
    names = ["version", "stage"]
    check("Registry.load(version)", registry.load, (version,), names)
    check("Registry.load(stage)", registry.load, (), names, {"stage": stage})
    check("Registry.restore", registry.restore, (version,), names)
    # v9 is not registered, so a valid stage changes nothing: the shared registry stays as it is
    check("Registry.promote", registry.promote, ("v9" if version in ("v1", "v2") else version, stage), names)
