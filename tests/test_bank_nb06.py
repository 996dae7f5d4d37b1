"""Notebook 06's exercises: right answers, every coded mistake, and the claims
the feedback makes about the data."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from toolkit.exercise_bank import nb06
from toolkit.exercises import check

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "06_error_analysis.ipynb"


def _stored_text(starts_with):
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    cell = next(c for c in cells if "".join(c["source"]).startswith(starts_with))
    return "".join(cell["outputs"][0]["data"]["text/plain"])


def test_tagging_the_errors():
    topics = nb06.complaint_topics()
    assert len(topics) == 15 and set(topics.values()) == set(nb06.TOPICS)
    right = dict(list(topics.items())[:5])
    assert check("6.1", right).correct
    wrong = right | {"roaming charges too high": "billing"}
    assert "sort the complaints differently" in check("6.1", wrong).message
    assert "dictionary" in check("6.1", ["price"]).message
    assert "not one of the complaint texts" in check("6.1", {"too slow": "speed"}).message
    assert "Tags are one of" in check("6.1", {"no signal at home": "network"}).message
    assert "at least three" in check("6.1", {"no signal at home": "coverage"}).message


def test_speech_table():
    assert check("6.2", ["people noise", "clean speech"]).correct
    assert "Multiply each gap" in check("6.2", ["car noise", "people noise"]).message
    assert "already at HLP" in check("6.2", ["low bandwidth", "car noise"]).message


def test_where_to_start():
    for tag in nb06.GOOD_FIRST_TAGS:
        assert check("6.3", tag).correct
    assert "negative" in check("6.3", "no complaint").message
    for tag in nb06.OTHER_TAGS[:-1]:
        assert "singles a topic out" in check("6.3", tag).message
    assert "Answer with a tag" in check("6.3", "South").message
    assert "one tag name" in check("6.3", 3).message


def test_where_to_start_feedback_matches_the_notebook():
    ranked = _stored_text("model_average = ")
    gains = dict(re.findall(r"^\d+\s+(.+?)\s{2,}.*?(-?\d\.\d+)\s*$", ranked, re.M))
    assert max(gains, key=lambda t: float(gains[t])) == "new (< 5 months)"
    assert float(gains["no complaint"]) < 0
    by_topic = _stored_text("def topic_of(")
    rates = {m[0]: (float(m[1]), float(m[2]))
             for m in re.findall(r"^(\w+)\s+(\d\.\d+)\s+(\d\.\d+)\s*$", by_topic, re.M)}
    churn = {t: r[0] for t, r in rates.items()}
    assert max(churn, key=churn.get) == "price"
    assert rates["price"][1] < rates["billing"][1] and churn["billing"] < churn["price"]


def test_vocabulary_count():
    assert check("6.4", 1).correct
    assert "only one of them" in check("6.4", 3).message.lower()
    assert "roaming" in check("6.4", 0).message


def test_fresh_months_count_and_its_mistakes():
    fresh, old, new = nb06.fresh_predictions()
    assert (fresh["month"] < "2025-03-01").all()  # only labels available on 1 March 2025
    y = fresh["churned"].to_numpy()
    south = (fresh["region"] == "South").to_numpy()
    mask = south & (y == 1)
    expected = int(np.sum((new[mask] == 1) & (old[mask] == 0)))
    assert check("6.5", expected).correct
    mistakes = nb06._count_mistakes()
    assert expected not in mistakes
    for wrong, words in zip(mistakes, ["every churner", "other off-diagonal"], strict=True):
        assert words in check("6.5", wrong).message
    assert expected == int(_stored_text("caught_now = "))


def test_quiz_6_q1_interval_is_the_one_error_slices_reports():
    import pandas as pd

    from toolkit.error_analysis import error_slices

    size, errors = nb06.QUIZ_SLICE["size"], nb06.QUIZ_SLICE["errors"]
    df = pd.DataFrame({"part": ["slice"] * size + ["rest"] * size})
    y_true = np.zeros(2 * size, dtype=int)
    y_pred = np.r_[np.ones(errors, dtype=int), np.zeros(2 * size - errors, dtype=int)]
    row = error_slices(df, y_true, y_pred, by="part").set_index("part").loc["slice"]
    low, high = nb06.quiz_slice_interval()
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert low > nb06.QUIZ_SLICE["overall"]  # the right option (b) says so
