"""Notebook 07's exercises (right answers, every coded mistake), the claims its
markdown makes, and the registry it builds step by step against deploy.case_study_registry."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit import deploy
from toolkit.datasets import load
from toolkit.exercise_bank import nb07
from toolkit.exercises import check
from toolkit.features import TRUSTED_TYPES

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "07_deployment.ipynb"


def _cells():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def _markdown():
    text = "\n".join("".join(c["source"]) for c in _cells() if c["cell_type"] == "markdown")
    return re.sub(r"\s+", " ", text)


def _code(starts_with):
    return next("".join(c["source"]) for c in _cells()
                if c["cell_type"] == "code" and "".join(c["source"]).startswith(starts_with))


def test_refuse_or_warn():
    assert check("7.1", {"missing column", "wrong dtype"}).correct
    assert check("7.1", ["wrong dtype", " missing column"]).correct
    rows, outside, column = nb07.january_out_of_range()
    january = load("production").query("month == @pd.Timestamp('2025-01-01')")
    assert rows == len(january) and outside >= 1 and column == "support_calls_90d"
    message = check("7.1", {"missing column", "wrong dtype", "out of range"}).message
    assert f"all of January 2025 ({rows:,} customers)" in message and f"{outside} of them" in message
    assert "rare level" in check("7.1", {"missing column", "wrong dtype", "unseen category"}).message
    assert "break every client" in check("7.1", {"missing column", "wrong dtype", "extra column"}).message
    assert "'wrong dtype' must refuse" in check("7.1", {"missing column"}).message
    assert "'missing column' must refuse" in check("7.1", {"wrong dtype"}).message
    assert "'missing column' must refuse" in check("7.1", set()).message
    assert "set of problem names" in check("7.1", "missing column").message
    assert "not one of the problems" in check("7.1", {"no rows"}).message


def test_what_skops_would_trust():
    assert check("7.2", {"builtins.exec"}).correct
    assert "types the saved model needs" in check("7.2", set(TRUSTED_TYPES[:3])).message
    assert "full name" in check("7.2", {"exec"}).message
    assert "Compare the two lists" in check("7.2", {"sklearn.pipeline.Pipeline"}).message
    assert "Compare the two lists" in check("7.2", set()).message
    assert "set of type names" in check("7.2", "builtins.exec").message


def _roles(canary_rows=199, canary_flags=0.30, canary_warned=0.0, production_warned=0.0):
    return pd.DataFrame({"role": ["production", "canary"], "model_version": ["v1", "v2"],
                         "rows": [800, canary_rows], "returned_share": [1.0, 1.0],
                         "mean_score": [0.2, 0.2], "churns_share": [0.25, canary_flags],
                         "warned_share": [production_warned, canary_warned]})


def test_the_rule_of_the_canary():
    assert nb07.canary_verdict(_roles())[0] == "promote"
    assert nb07.canary_verdict(_roles(canary_rows=100))[0] == "keep as canary"
    assert nb07.canary_verdict(_roles(canary_flags=0.40))[0] == "roll back"
    assert nb07.canary_verdict(_roles(canary_flags=0.10))[0] == "roll back"
    assert nb07.canary_verdict(_roles(canary_warned=0.02))[0] == "roll back"
    assert nb07.canary_verdict(_roles(canary_warned=0.02, production_warned=0.02))[0] == "promote"
    assert "beyond the 10 points" in nb07.canary_verdict(_roles(canary_flags=0.40))[1]


def test_promote_the_canary():
    right, _ = nb07.canary_verdict(nb07.canary_table())
    assert right == "promote"  # what notebook 07's solution cell answers
    assert check("7.3", "promote").correct and check("7.3", " Promote ").correct
    assert "Every condition of the rule is met" in check("7.3", "keep as canary").message
    assert "Nothing in the table breaks the rule" in check("7.3", "roll back").message
    assert "Answer with one of" in check("7.3", "wait").message
    assert "(a str)" in check("7.3", 1).message


@pytest.mark.parametrize("table, answer, expected", [
    (_roles(canary_flags=0.40), "promote", "The rule says roll back"),
    (_roles(canary_flags=0.40), "keep as canary", "The rule says roll back"),
    (_roles(canary_rows=100), "promote", "Not yet: the canary answered only 100"),
    (_roles(canary_rows=100), "roll back", "it needs more rows, not a rollback"),
])
def test_canary_feedback_when_the_rule_says_otherwise(monkeypatch, table, answer, expected):
    monkeypatch.setattr(nb07, "canary_table", lambda: table)
    assert expected in check("7.3", answer).message


def test_canary_table_is_what_the_service_logs(tmp_path):
    """The bank's shortcut routes and scores March exactly as a real Service with a canary."""
    from toolkit.service import Service, compare_roles

    registry = deploy.case_study_registry(tmp_path / "registry")
    bundle = registry.load("v1")
    registry.register(nb07.challenger(), card=bundle.card, schema=bundle.schema)
    registry.promote("v2", "canary")
    service = Service(registry, canary_share=nb07.CANARY_SHARE, seed=nb07.CANARY_SEED)
    march = load("production").query("month == @pd.Timestamp('2025-03-01')")
    service.predict(march)
    pd.testing.assert_frame_equal(compare_roles(service.log()), nb07.canary_table())


def test_degree_of_automation():
    for degree in nb07.GOOD_DEGREES:
        assert check("7.4", degree).correct
    assert check("7.4", "ai assistance").correct
    card = deploy.case_study_card()
    value = f"{card.metrics['value_eur']:,.0f} EUR against {card.baselines['value_eur']:,.0f} EUR"
    assert value in check("7.4", "human only").message
    assert "Shadow mode suits a model whose worth is unknown" in check("7.4", "shadow mode").message
    full = check("7.4", "full automation").message
    assert f"about {1 - card.metrics['precision']:.0%} of the flagged" in full and "30 EUR" in full
    assert "Answer with one of" in check("7.4", "robots").message
    assert "(a str)" in check("7.4", None).message


def test_markdown_quotes_the_rule_and_the_canary_share():
    text = _markdown()
    assert f"at least **{nb07.CANARY_MIN_ROWS}** customers" in text
    assert f"within **{100 * nb07.CANARY_MAX_FLAG_GAP:.0f} points**" in text
    assert f"(a share of {100 * nb07.CANARY_SHARE:.0f} %" in text or \
        f"we choose {100 * nb07.CANARY_SHARE:.0f} %" in text
    assert f"canary_share={nb07.CANARY_SHARE}" in _code("import warnings")


def test_charges_in_cents_flag_every_customer():
    """The markdown says the model "flags every one of them" on the cents copy of June."""
    from toolkit.modeling import case_study_model

    assert "flags every one of them" in _markdown()
    history = load("history")
    june = history[history["month"] == "2024-06-01"].drop(columns=list(deploy.CASE_STUDY_NOT_SERVED))
    cents = june.assign(monthly_charges=june["monthly_charges"] * 100)
    assert case_study_model("history").decide(cents).mean() == 1.0


def test_the_step_by_step_registry_equals_case_study_registry(tmp_path):
    """Run notebook 07's own cells that build the model, schema and card, then compare."""
    namespace = {}
    # the first cell's imports, without its display settings and figure (they would leak into other tests)
    imports = "\n".join(line for line in _code("import matplotlib").splitlines()
                         if line.startswith(("import ", "from ")))
    for start in (None, "history = ", "X = history", "scope = scoping", "from sklearn.metrics",
                  "card = deploy"):
        exec(imports if start is None else _code(start), namespace)  # noqa: S102
    registry = deploy.Registry(tmp_path / "step_by_step", create=True)
    registry.register(namespace["selected"].pipeline, card=namespace["card"], schema=namespace["schema"])
    registry.promote("v1", "production")
    ours = registry.load(stage="production")
    reference = deploy.case_study_registry(tmp_path / "reference").load(stage="production")
    assert ours.card == reference.card
    assert ours.schema == reference.schema
    X = load("production")
    np.testing.assert_array_equal(ours.model.predict_proba(X)[:, 1], reference.model.predict_proba(X)[:, 1])


# --- the quiz: shadow vs canary ------------------------------------------------------------------
def test_quiz_shadow_or_canary():
    from toolkit.exercises import answer_quiz, quiz

    q = quiz("7.q1").quiz
    assert q.right == {"b"} and set(q.options) == {"a", "b", "c", "d"}
    right = answer_quiz("7.q1", "b")
    assert right.status == "correct" and "one rollback ends it" in right.message
    assert answer_quiz("7.q1", ...).status == "not attempted"
    why = {"a": "That is a canary", "c": "not which one is right", "d": "cannot hurt anyone"}
    for letter, reason in why.items():
        feedback = answer_quiz("7.q1", letter)
        assert feedback.status == "incorrect" and reason in feedback.message


def test_the_quiz_cell_stands_alone_and_ignores_its_widget_output():
    cell = next(c for c in _cells() if "".join(c["source"]) == 'exercises.quiz("7.q1")')
    assert cell["metadata"]["tags"] == ["nbval-ignore-output"]


# --- what the notebook says about production is true, and spoils nothing -----------------------------
def test_production_is_loaded_as_of_each_month_and_never_shows_a_later_plan():
    text = NOTEBOOK.read_text(encoding="utf-8")
    assert "5G Max" not in text  # a plan notebook 08 discovers (May 2025)
    code = "\n".join("".join(c["source"]) for c in _cells() if c["cell_type"] == "code")
    assert 'datasets.load("production")' not in code
    assert [m for m in re.findall(r'as_of="([\d-]+)"', code)] == ["2025-02-01", "2025-03-01", "2025-04-01"]
    for as_of in ("2025-02-01", "2025-03-01", "2025-04-01"):
        assert "5G Max" not in load("production", as_of=as_of)["plan"].cat.categories


def test_the_limits_the_notebook_prints_are_the_service_defaults():
    from toolkit import service, service_app

    printed = _code('print(f"at most {nimbus.max_rows:,}')
    assert "nimbus.max_rows" in printed and "service_app.MAX_BODY_BYTES" in printed
    assert service.MAX_ROWS >= 4 * nb07.january_out_of_range()[0]  # a month fits with room to spare
    assert service_app.MAX_BODY_BYTES > 4 * len(json.dumps(service.to_records(_month_frame())))


def _month_frame():
    return load("production", as_of="2025-02-01").drop(columns=list(deploy.CASE_STUDY_NOT_SERVED),
                                                       errors="ignore")
