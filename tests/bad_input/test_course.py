"""Bad input for the course's own helpers: datasets, exercises and quizzes (any answer at all:
they must never raise, only say what is wrong), the lifecycle figure, plotting (and the ``ax``
argument of every plot function), the widgets' argument checks, and the project scope.

Examples per test under the ``ci`` profile: 150 for the dataset names, the scope, the lifecycle
and the ``ax`` of each plot; 50 answers for each exercise and quiz (every id is tried); 40 for
each widget (it builds ipywidgets and draws a first figure).
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bad_input.strategies import anything, check, examples, maybe, maybe_count, same_length, scores
from bad_input.strategies import labels as label_arrays
from toolkit import (
    baselines,
    datasets,
    diagnostics,
    exercises,
    labels,
    leakage,
    lifecycle,
    modeling,
    plotting,
    scoping,
    slices,
    suspect_labels,
    widgets,
)


# --------------------------------------------------------------------------- datasets
@examples(150)
@given(maybe(st.sampled_from(list(datasets.list_datasets()["name"]))),
       maybe(st.one_of(st.none(), st.sampled_from(["2025-03-01", "2025-13-01", "March", ""]),
                       st.dates().map(str))))
def test_load_and_datasheet(name, as_of):
    check("datasheet", datasets.datasheet, (name,), ["name"])
    check("load", datasets.load, (name,), ["name", "as_of"], {"as_of": as_of})


# --------------------------------------------------------------------------- exercises, quizzes
ANSWERS = st.one_of(anything(), st.sampled_from(["a", "b", "c", "d", "A", "a, b", ["a", "b"], 0.5, "50%", 3]))


@pytest.mark.parametrize("exercise_id", exercises.list_exercises())
@examples(50)
@given(answer=ANSWERS)
def test_check_never_raises(exercise_id, answer):
    feedback = check("exercises.check", exercises.check, (exercise_id, answer), (), never_raises=True)
    assert feedback.status in ("correct", "incorrect", "not attempted"), feedback
    assert feedback.message.strip(), feedback


@pytest.mark.parametrize("quiz_id", exercises.list_quizzes())
@examples(50)
@given(answer=ANSWERS)
def test_answer_quiz_never_raises(quiz_id, answer):
    feedback = check("answer_quiz", exercises.answer_quiz, (quiz_id, answer), (), never_raises=True)
    assert feedback.status in ("correct", "incorrect", "not attempted"), feedback
    assert feedback.message.strip(), feedback
    view = exercises.quiz(quiz_id)
    check("QuizView.submit", view.submit, (answer,), (), never_raises=True)


@examples(150)
@given(anything())
def test_unknown_ids(value):
    check("exercises.check(id)", exercises.check, (value, 1), ["exercise_id"])
    check("hint", exercises.hint, (value,), ["exercise_id"])
    check("answer_quiz(id)", exercises.answer_quiz, (value, "a"), ["quiz_id"])
    check("quiz", exercises.quiz, (value,), ["quiz_id"])


# --------------------------------------------------------------------------- lifecycle, plotting
@examples(150)
@given(maybe(st.one_of(st.none(), st.sampled_from(["scoping", "Scoping", "data", "monitor", "nope", ""]))))
def test_lifecycle(highlight):
    check("draw_lifecycle", lifecycle.draw_lifecycle, (highlight,), ["highlight"])
    check("phase_of", lifecycle.phase_of, (highlight,), ["name"])


@examples(150)
@given(maybe(st.one_of(st.none(), st.tuples(st.floats(0.5, 20), st.floats(0.5, 20)))))
def test_new_axes(figsize):
    check("new_axes", plotting.new_axes, (), ["ax", "figsize"], {"figsize": figsize})


# Each plot function, with a valid first argument, so that only ax varies.
_TABLE = slices.error_slices(pd.DataFrame({"plan": ["a", "b"] * 4}), [0, 1] * 4, [0, 0, 1, 1] * 2, by="plan",
                             min_size=1)
PLOTS = {
    "draw_lifecycle": lambda ax: lifecycle.draw_lifecycle("scoping", ax=ax),
    "plot_baseline_ladder": lambda ax: baselines.plot_baseline_ladder({"coin": 0.5, "model": 0.8}, ax=ax),
    "plot_confusion": lambda ax: diagnostics.plot_confusion([0, 1, 1], [0, 1, 0], ax=ax),
    "plot_threshold": lambda ax: diagnostics.plot_threshold([0, 1, 1], [0.2, 0.7, 0.4], ax=ax),
    "plot_calibration": lambda ax: diagnostics.plot_calibration([0, 1] * 5, np.linspace(0, 1, 10), ax=ax),
    "plot_residuals": lambda ax: diagnostics.plot_residuals([1.0, 2.0], [1.5, 2.5], ax=ax),
    "plot_slices": lambda ax: slices.plot_slices(_TABLE, ax=ax),
    "plot_leakage": lambda ax: leakage.plot_leakage(leakage.check_leakage(
        pd.DataFrame({"x": range(10), "y": [0, 1] * 5}), "y", cv=2, show_all=True), ax=ax),
    "plot_precision_at_k": lambda ax: suspect_labels.plot_precision_at_k(
        pd.DataFrame({"k": [1, 2], "precision": [1.0, 0.5], "base_rate": [0.5, 0.5]}), ax=ax),
    "AgreementResult.plot": lambda ax: labels.annotator_agreement(pd.DataFrame(
        {"customer_id": [1, 1, 2, 2], "annotator": ["a", "b"] * 2, "label": [0, 0, 1, 0]})).plot(ax=ax),
    "plot_model_comparison": lambda ax: modeling.plot_model_comparison(pd.DataFrame(
        {"model": ["m"], "kind": ["model"], "accuracy_mean": [0.8], "accuracy_std": [0.01]}), ax=ax),
}


NEW_AXES = "<a new Axes>"


@pytest.mark.parametrize("name", PLOTS)
@examples(40)
@given(ax=st.one_of(st.sampled_from([None, NEW_AXES]), anything()))
def test_every_plot_checks_its_ax(name, ax):
    import matplotlib.pyplot as plt

    ax = plt.subplots()[1] if isinstance(ax, str) and ax == NEW_AXES else ax
    check(f"{name}(ax)", PLOTS[name], (ax,), ["ax"])


# --------------------------------------------------------------------------- widgets
@examples(40)
@given(maybe(st.floats(0.05, 0.95)), maybe_count(st.integers(20, 500)), maybe(st.floats(0, 1)),
       maybe(st.floats(0, 1)), maybe_count(st.integers(1, 50)), maybe(st.integers(0, 9)))
def test_coin_flip_explorer(rate, n_test, tpr, tnr, n_trials, seed):
    check("coin_flip_explorer", widgets.coin_flip_explorer, (rate, n_test),
          ["positive_rate", "n_test", "model_tpr", "model_tnr", "n_trials", "seed"],
          {"model_tpr": tpr, "model_tnr": tnr, "n_trials": n_trials, "seed": seed})


@examples(40)
@given(same_length(label_arrays, scores, min_rows=1, max_rows=30), maybe(st.floats(0, 1)))
def test_threshold_explorer(pair, threshold):
    check("threshold_explorer", widgets.threshold_explorer, (*pair, threshold),
          ["y_true", "proba", "threshold"])


@examples(40)
@given(anything(), maybe(st.sampled_from(["churned", "nope"])), maybe(st.floats(0, 1)))
def test_drift_explorer_checks_before_building(reference, target, threshold):
    check("drift_explorer", widgets.drift_explorer, (reference, None),
          ["reference", "model", "target", "threshold"], {"target": target, "threshold": threshold})


# --------------------------------------------------------------------------- scoping
_VALID_SCOPE = {"users": st.lists(st.text(max_size=5), max_size=2),
                "positive_rate": st.one_of(st.none(), st.floats(0, 1)),
                "predictive_signal": st.one_of(st.none(), st.booleans()),
                "human_can_do": st.one_of(st.none(), st.booleans()),
                "economics": st.one_of(st.none(), st.just(scoping.CampaignEconomics(300, 30, 0.3))),
                "rule": st.sampled_from(["", "a > 1"])}
SCOPE_FIELDS = {f.name: maybe(_VALID_SCOPE.get(f.name, st.lists(st.text(max_size=5), max_size=2)
                                               if f.name in ("data_sources", "milestones", "risks")
                                               else st.text(max_size=8)))
                for f in dataclasses.fields(scoping.ProjectScope)}


@examples(150)
@given(st.fixed_dictionaries({}, optional=SCOPE_FIELDS))
def test_project_scope(fields):
    scope = check("ProjectScope", scoping.ProjectScope, (), [*SCOPE_FIELDS], fields)
    if scope is not None:
        check("ProjectScope.gaps", scope.gaps, (), [*SCOPE_FIELDS])
        check("ProjectScope.to_markdown", scope.to_markdown, (), [*SCOPE_FIELDS])
    check("ProjectScope.with_changes", scoping.ProjectScope().with_changes, (),
          [*SCOPE_FIELDS, "with_changes"], fields)


@examples(150)
@given(st.dictionaries(st.sampled_from(["predictive_signal", "human_can_do", "data", "nope"]),
                       maybe(st.one_of(st.none(), st.booleans())), max_size=3))
def test_ml_fit_checklist(answers):
    check("ml_fit_checklist", scoping.ml_fit_checklist, (), [*answers, "ml_fit_checklist"], answers)
