"""Notebook 08's exercises: right answers, every coded mistake, and the claims
the feedback makes about the data and the stored outputs."""

import ast
import json
from pathlib import Path

from toolkit.exercise_bank import nb08
from toolkit.exercises import check

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "08_monitoring_and_drift.ipynb"


def _cells():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def _stored_text(starts_with):
    cell = next(c for c in _cells() if "".join(c["source"]).startswith(starts_with))
    data = cell["outputs"][0]["data"]
    return "".join(data.get("text/markdown", data.get("text/plain", "")))


def test_which_signal_catches_a_concept_change():
    assert check("8.1", "realised performance").correct
    assert check("8.1", "  Realised Performance ").correct
    assert "every request passes" in check("8.1", "schema").message
    assert "no column drifted" in check("8.1", "input drift").message
    assert "AUC near 0.5" in check("8.1", "domain classifier").message
    assert "estimate stays put" in check("8.1", "estimated performance").message


def test_the_concept_change_simulation_backs_the_feedback():
    """8.1's feedback says no column moved and the estimate stayed put: the stored output says so."""
    assert _stored_text("north_leaves = ").endswith("the same verdicts as on the untouched November: True'")
    assert "The estimate does not move" in _stored_text("same, moved = ")


def test_false_alarm_rates():
    truth = nb08.false_alarm_rates()
    # what the exercise is meant to show: the bands keep their 1 %, the fixed rules flag more,
    # and a batch of many columns raises some alarm far more often than one column does
    assert truth["calibrated"] < 0.02 < truth["fixed"]
    assert truth["fixed_batches"] > 5 * truth["fixed"]
    assert truth["calibrated_batches"] > 5 * truth["calibrated"]
    right = {"fixed": truth["fixed"], "calibrated": truth["calibrated"]}
    assert check("8.2", right).correct
    assert "swapped" in check("8.2", {"fixed": truth["calibrated"],
                                      "calibrated": truth["fixed"]}).message
    assert "not percentages" in check("8.2", {"fixed": 100 * truth["fixed"],
                                              "calibrated": 100 * truth["calibrated"]}).message
    assert "share of *batches*" in check("8.2", {"fixed": truth["fixed_batches"],
                                                 "calibrated": 0.3}).message
    assert "fixed rate is off" in check("8.2", {"fixed": 0.9, "calibrated": 0.3}).message
    assert "calibrated one is off" in check("8.2", {"fixed": truth["fixed"],
                                                    "calibrated": 0.3}).message
    assert "Answer with a dict" in check("8.2", [0.2, 0.01]).message
    assert "keys" in check("8.2", {"raw": 0.2}).message
    assert "must be numbers" in check("8.2", {"fixed": "a", "calibrated": 0.1}).message


def test_the_notebook_solution_of_8_2_matches_the_bank():
    stored = ast.literal_eval(_stored_text("cal_200 = "))
    truth = nb08.false_alarm_rates()
    assert stored == {"fixed": truth["fixed"], "calibrated": truth["calibrated"]}


def test_july():
    facts = nb08.july_facts()
    assert facts["ratio"] > 50 and facts["above_training"] > 0.9
    assert check("8.3", "fix the pipeline").correct
    assert "Retraining would teach the model a bug" in check("8.3", "retrain").message
    assert f"{facts['ratio']:.0f} times" in check("8.3", "retrain").message
    assert "flags nearly every customer" in check("8.3", "ignore").message
    # ... which the stored dashboard table shows: July's share decided positive.
    assert "the model flags 100% of July's customers" in _stored_text("ratio = ")


def test_usage_alert():
    assert check("8.4", "keep watching").correct
    assert "raises no alert for April to August" in check("8.4", "retrain now").message
    assert "Nothing is broken" in check("8.4", "fix the pipeline").message
    # The feedback's claim: no performance alert about April to August except July's.
    alerts = _stored_text('result.alerts.loc[result.alerts["signal"] == "performance"')
    months = {line.split()[1][:7] for line in alerts.splitlines()[1:] if line.split()[:1]
              and line.split()[0].isdigit()}
    assert months & {"2025-04", "2025-05", "2025-06", "2025-08"} == set()
    assert "2025-07" in months


def test_the_8_2_feedback_gives_both_rates_per_pair_and_per_batch():
    truth = nb08.false_alarm_rates()
    message = check("8.2", {"fixed": truth["fixed"], "calibrated": truth["calibrated"]}).message
    assert f"{truth['calibrated']:.1%}" in message
    assert f"batches with at least one alarm: {truth['fixed_batches']:.0%}" in message
    assert "nominal" not in message  # the rate is measured, not promised


def test_where_cbpe_fails_is_backed_by_the_stored_table():
    """After the reveal: July's estimate far above the realised F1, September's churn above it."""
    text = _stored_text("jul, sep = ")
    july = text.split("In July CBPE promised")[1]
    assert "and the F1 was 0.4" in july
    table = _stored_text("fails = ")
    line = next(ln for ln in table.splitlines() if ln.startswith("2025-07"))
    est_f1 = float(line.split()[3])  # est_positive_rate, real_positive_rate, est_f1
    assert est_f1 > 0.9
    assert "a concept change is invisible to CBPE" in text


def test_one_test_a_month_is_quieter_than_two_intervals_in_the_stored_simulation():
    rows = {ln.rsplit(None, 1)[0].strip(): float(ln.rsplit(None, 1)[1])
            for ln in _stored_text("rng = np.random.default_rng(2)").splitlines()[1:]}
    assert rows["two 95 % intervals"] > 0.5 > rows["one test"]


def test_quiz_8_q1_is_backed_by_the_stored_p_values():
    """8.q1 says: on 100,000 rows the KS p-value is far below 0.05, on 400 rows it is not."""
    table = _stored_text("def ks_p(n):").splitlines()
    p = {int(line.split()[0]): float(line.split()[1]) for line in table[2:]}
    assert p[100_000] < 0.001 and p[400] > 0.05


def test_the_notebook_shows_each_quiz_of_its_bank_after_a_markdown_cell():
    from toolkit.quizzes import list_quizzes

    cells = _cells()
    shown = [i for i, c in enumerate(cells) if "".join(c["source"]).startswith("exercises.quiz(")]
    assert len(shown) == len([q for q in list_quizzes() if q.startswith("8.")])
    for i in shown:
        assert cells[i - 1]["cell_type"] == "markdown"
        assert "nbval-ignore-output" in cells[i]["metadata"].get("tags", [])
