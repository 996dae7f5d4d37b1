"""The production side imports strictly downward, and each of its modules stays readable.

schema -> artifacts -> registry -> (prediction_log, rollout) -> service -> service_app: a module
never imports one to its right, so a learner can read them in that order.
"""

from pathlib import Path

import pytest

from tests.test_import_graph import GRAPH

LAYERS = ["toolkit.schema", "toolkit.model_card", "toolkit.artifacts",
          "toolkit.registry", "toolkit.prediction_log",
          "toolkit.rollout", "toolkit.service", "toolkit.service_app"]
#: A learner opens these files to see how a model is served: none may pass this many lines.
MAX_LINES = 500


@pytest.mark.parametrize("position", range(len(LAYERS)), ids=LAYERS)
def test_imports_go_downward(position):
    upward = set(LAYERS[position + 1:]) & set(GRAPH[LAYERS[position]])
    assert not upward, f"{LAYERS[position]} imports {sorted(upward)}, which come after it"


def test_the_chain_is_really_walked():
    assert {"toolkit.schema", "toolkit.model_card"} <= set(GRAPH["toolkit.artifacts"])
    assert "toolkit.artifacts" in GRAPH["toolkit.registry"]
    assert {"toolkit.registry", "toolkit.prediction_log", "toolkit.rollout"} <= set(GRAPH["toolkit.service"])
    assert "toolkit.service" in GRAPH["toolkit.service_app"]


@pytest.mark.parametrize("module", [*LAYERS, "toolkit._coerce", "toolkit.deploy"])
def test_no_module_of_the_production_side_is_too_long(module):
    path = Path(__file__).resolve().parents[1] / (module.replace(".", "/") + ".py")
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES
