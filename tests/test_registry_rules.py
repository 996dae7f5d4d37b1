"""The registry's rules hold after crashes and direct writes: rollback walks back, a leftover
folder does not block registering, and the database itself keeps one version per serving stage."""

import sqlite3

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from toolkit.deploy import InputSchema, ModelCard, Registry

X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})


@pytest.fixture(scope="module")
def model():
    return LogisticRegression().fit(X, [0, 0, 1, 1])


@pytest.fixture
def registry(tmp_path):
    return Registry(tmp_path / "registry", create=True)


def _register(registry, model, n=1):
    card = ModelCard("demo", trained_on="toy", features=["x"], metrics={"auc": 0.9})
    return [registry.register(model, card=card, schema=InputSchema.from_frame(X)) for _ in range(n)]


def test_rollback_walks_back_one_version_at_a_time(registry, model):
    for version in _register(registry, model, 3):
        registry.promote(version, "production")
    # before: v3 -> v2, then v2 -> v3 (the most recent other production), and so on forever
    assert [registry.rollback(), registry.rollback()] == ["v2", "v1"]
    assert registry.stages() == {"production": "v1"}
    with pytest.raises(ValueError, match="'v1' has no earlier production version"):
        registry.rollback()


def test_rollback_after_a_re_promotion_goes_to_what_production_held_before(registry, model):
    for version in _register(registry, model, 2):
        registry.promote(version, "production")
    registry.restore("v1")
    registry.promote("v1", "production")  # production went v1, v2, v1
    assert registry.rollback() == "v2"
    assert registry.rollback() == "v1"


def test_rollback_brings_back_a_version_that_was_restored_meanwhile(registry, model):
    for version in _register(registry, model, 2):
        registry.promote(version, "production")
    registry.restore("v1")
    registry.promote("v1", "shadow")  # the old production version is being tried again
    assert registry.rollback() == "v1"
    assert registry.stages() == {"production": "v1"}


def test_a_leftover_version_folder_does_not_block_registering(registry, model):
    _register(registry, model)
    leftover = registry.root / "models" / "v2"  # a crash after the rename, before the commit
    leftover.mkdir()
    (leftover / "model.skops").write_bytes(b"half a model")
    with pytest.warns(UserWarning, match="not in the registry's index .*moved to"):
        assert _register(registry, model) == ["v2"]
    assert registry.load("v2").card.version == "v2"
    kept = list((registry.root / "orphans").iterdir())
    assert len(kept) == 1 and (kept[0] / "model.skops").read_bytes() == b"half a model"
    assert _register(registry, model) == ["v3"]


def test_the_database_keeps_one_version_per_serving_stage(registry, model):
    _register(registry, model, 2)
    registry.promote("v1", "production")
    with sqlite3.connect(registry.index) as conn:  # a direct write, bypassing the Python checks
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            conn.execute("UPDATE versions SET stage = 'production' WHERE version = 'v2'")
    registry.promote("v2", "shadow")
    with sqlite3.connect(registry.index) as conn:
        conn.execute("UPDATE versions SET stage = 'registered' WHERE version = 'v2'")
        conn.execute("UPDATE versions SET stage = 'archived' WHERE version = 'v1'")
        conn.execute("UPDATE versions SET stage = 'archived' WHERE version = 'v2'")  # many archived: fine
    assert registry.stages() == {}


def test_an_index_from_an_older_toolkit_is_upgraded(tmp_path):
    root = tmp_path / "old"
    (root / "models").mkdir(parents=True)
    with sqlite3.connect(root / "registry.sqlite") as conn:  # the tables as the first version wrote them
        conn.executescript("""
            CREATE TABLE versions (number INTEGER PRIMARY KEY, version TEXT UNIQUE NOT NULL,
                registered_at TEXT NOT NULL, name TEXT, trained_on TEXT, metric TEXT, score REAL,
                stage TEXT NOT NULL, path TEXT NOT NULL);
            CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, version TEXT NOT NULL,
                from_stage TEXT, to_stage TEXT NOT NULL, at TEXT NOT NULL);
            INSERT INTO versions VALUES (1, 'v1', 'then', 'demo', 'toy', NULL, NULL, 'production',
                                         'models/v1');
        """)
    registry = Registry(root)
    assert registry.stages() == {"production": "v1"}
    with pytest.raises(ValueError, match="older toolkit that kept no hashes .*register the model again"):
        registry.load("v1")
    with sqlite3.connect(registry.index) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO versions (number, version, registered_at, stage, path) "
                     "VALUES (2, 'v2', 'now', 'production', 'models/v2')")


def test_registry_trusted_must_be_names(tmp_path):
    with pytest.raises(TypeError, match="trusted must be a list of type names"):
        Registry(tmp_path / "r", create=True, trusted="sklearn.Foo")


def test_register_saved_copies_a_checked_folder_and_refuses_a_changed_one(registry, model, tmp_path):
    from toolkit.deploy import load_model, save_model

    card = ModelCard("saved once", trained_on="toy", features=["x"], metrics={"auc": 0.8})
    folder = save_model(model, tmp_path / "saved", card=card, schema=InputSchema.from_frame(X))
    assert registry.register_saved(folder) == "v1"
    assert registry.load("v1").card.name == "saved once" and load_model(folder).card.version is None
    (folder / "card.md").write_text("# a card someone rewrote\n")
    with pytest.raises(ValueError, match="card.md changed since it was saved"):
        registry.register_saved(folder)
    assert registry.list_versions()["version"].tolist() == ["v1"]
    with pytest.raises(TypeError, match="directory must be a path"):
        registry.register_saved(3)
