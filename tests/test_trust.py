"""What load_model and the registry trust: a list in code, and files whose bytes are unchanged.

Each test here is an attack or an accident a saved model meets on disk: a payload that asks skops
to build ``exec``, a rewritten card, a flipped byte. Each must be refused with a ``ValueError``
that says which file changed and what to do, before anything in the file is parsed or built.
"""

import functools
import hashlib
import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from toolkit import artifacts
from toolkit.deploy import InputSchema, ModelCard, Registry, load_model, save_model

X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})


@pytest.fixture(scope="module")
def model():
    return LogisticRegression().fit(X, [0, 0, 1, 1])


def _card(**changes):
    return ModelCard(**({"name": "demo", "trained_on": "toy", "features": ["x"], "metrics": {"auc": 0.9},
                         "threshold": 0.3} | changes))


def _save(model, path):
    return save_model(model, path, card=_card(), schema=InputSchema.from_frame(X))


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rewrite_manifest(directory):
    """What an attacker who can write the folder does: make the manifest agree with the new file."""
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["untrusted_types"] = sorted(sio.get_untrusted_types(file=directory / "model.skops"))
    digests = manifest["sha256"]
    if isinstance(digests, dict):
        for name in digests:
            digests[name] = _sha256(directory / name)
    else:  # the manifest of the toolkit before this change held one digest
        manifest["sha256"] = _sha256(directory / "model.skops")
    path.write_text(json.dumps(manifest))


def _plant_exec_payload(model, directory, marker):
    """Swap model.skops for a pipeline whose first step calls exec(...) on the request."""
    payload = functools.partial(exec, f"open({str(marker)!r}, 'w').write('ran')", {})
    evil = make_pipeline(FunctionTransformer(payload), model)
    sio.dump(evil, directory / "model.skops")
    _rewrite_manifest(directory)


def test_an_exec_payload_with_a_rewritten_manifest_is_refused(tmp_path, model):
    directory = _save(model, tmp_path / "m")
    marker = tmp_path / "payload-ran"
    _plant_exec_payload(model, directory, marker)
    with pytest.raises(ValueError, match=r"refusing to load .*builtins\.exec.*functools\.partial"):
        bundle = load_model(directory)
        bundle.model.predict_proba(X)  # before the fix: loaded, and this line runs the payload
    assert not marker.exists()


def test_the_registry_refuses_the_payload_too(tmp_path, model):
    registry = Registry(tmp_path / "r", create=True)
    version = registry.register(model, card=_card(), schema=InputSchema.from_frame(X))
    marker = tmp_path / "payload-ran"
    _plant_exec_payload(model, registry.root / "models" / version, marker)
    with pytest.raises(ValueError, match="refusing to load"):
        registry.load(version).model.predict_proba(X)
    assert not marker.exists()


def test_types_the_caller_vouches_for_are_trusted(tmp_path):
    from sklearn.compose import make_column_selector, make_column_transformer
    from sklearn.preprocessing import StandardScaler

    pre = make_column_transformer((StandardScaler(), make_column_selector(dtype_include="number")))
    foreign = make_pipeline(pre, LogisticRegression()).fit(X, [0, 0, 1, 1])
    untrusted = sio.get_untrusted_types(data=sio.dumps(foreign))
    path = save_model(foreign, tmp_path / "f", card=_card(), schema=InputSchema.from_frame(X),
                      trusted=untrusted)
    # saving with trusted=[...] does not make loading trust them: the loader says so again
    with pytest.raises(ValueError, match="make_column_selector.*trusted="):
        load_model(path)
    loaded = load_model(path, trusted=untrusted)
    np.testing.assert_array_equal(loaded.model.predict_proba(X), foreign.predict_proba(X))
    registry = Registry(tmp_path / "r", create=True, trusted=untrusted)
    version = registry.register(foreign, card=_card(), schema=InputSchema.from_frame(X))
    np.testing.assert_array_equal(registry.load(version).model.predict_proba(X), foreign.predict_proba(X))
    with pytest.raises(ValueError, match="make_column_selector"):
        Registry(tmp_path / "r").load(version)


def test_every_file_is_hashed_in_the_manifest(tmp_path, model):
    directory = _save(model, tmp_path / "m")
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["sha256"] == {name: _sha256(directory / name)
                                  for name in ("card.json", "card.md", "model.skops", "schema.json")}


def test_a_tampered_card_threshold_is_refused_by_the_registry(tmp_path, model):
    registry = Registry(tmp_path / "r", create=True)
    version = registry.register(model, card=_card(), schema=InputSchema.from_frame(X))
    directory = registry.root / "models" / version
    card = json.loads((directory / "card.json").read_text())
    card["threshold"] = 0.0  # everyone "churns": every customer gets a call and an offer
    (directory / "card.json").write_text(json.dumps(card))
    _rewrite_manifest(directory)  # the manifest agrees; the registry's database does not
    with pytest.raises(ValueError, match=r"card\.json.*changed since .* registered.*register .* again"):
        registry.load(version)


def test_a_tampered_card_is_refused_by_load_model(tmp_path, model):
    directory = _save(model, tmp_path / "m")
    card = json.loads((directory / "card.json").read_text())
    card["threshold"] = 0.0
    (directory / "card.json").write_text(json.dumps(card))
    with pytest.raises(ValueError, match=r"card\.json.*changed since it was saved"):
        load_model(directory)


@pytest.mark.parametrize("name", ["model.skops", "schema.json", "card.md", "manifest.json"])
def test_a_flipped_byte_is_a_clear_error(tmp_path, model, name):
    registry = Registry(tmp_path / "r", create=True)
    version = registry.register(model, card=_card(), schema=InputSchema.from_frame(X))
    path = registry.root / "models" / version / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=rf"{name}.*changed since .* registered.*"):
        registry.load(version)


def test_a_flipped_byte_in_a_saved_model_is_a_clear_error(tmp_path, model):
    directory = _save(model, tmp_path / "m")
    path = directory / "model.skops"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"model\.skops.*changed since it was saved.*save the model again"):
        load_model(directory)


def test_the_registry_keeps_the_hashes_in_its_database(tmp_path, model):
    registry = Registry(tmp_path / "r", create=True)
    version = registry.register(model, card=_card(), schema=InputSchema.from_frame(X))
    with sqlite3.connect(registry.index) as conn:
        stored = json.loads(conn.execute("SELECT hashes FROM versions WHERE version = ?",
                                         (version,)).fetchone()[0])
    directory = registry.root / "models" / version
    assert stored == {p.name: _sha256(p) for p in directory.iterdir()}
    assert set(stored) == {"card.json", "card.md", "manifest.json", "model.skops", "schema.json"}


def test_the_manifest_must_be_valid(tmp_path, model):
    directory = _save(model, tmp_path / "m")
    (directory / "manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"manifest\.json .*not valid"):
        load_model(directory)


def test_the_allow_list_lives_in_code():
    from toolkit.features import TRUSTED_TYPES

    allowed = artifacts.allowed_types()
    assert set(TRUSTED_TYPES) <= set(allowed) and set(artifacts.SKLEARN_TREE_TYPES) <= set(allowed)
    assert "builtins.exec" not in allowed and "functools.partial" not in allowed


def test_scikit_learns_loss_classes_are_named_one_by_one_not_by_prefix():
    """Older skops asks to trust gradient boosting's loss objects; only scikit-learn's own classes
    under ``sklearn._loss`` pass, never any other name a file puts behind that prefix."""
    own = ["sklearn._loss.loss.HalfBinomialLoss", "sklearn._loss.link.Interval",
           "sklearn.compose._column_transformer._RemainderColsList"]
    assert artifacts._unknown_types(own, ()) == []
    forged = ["sklearn._loss.loss.np", "sklearn._loss.evil.Payload", "sklearn._loss.link.expit"]
    assert artifacts._unknown_types(forged, ()) == sorted(forged)
