"""The falsifying examples the generated search found, kept as plain tests so they stay fixed.

Each case is the (shrunk) input hypothesis reported, and the message the fix now gives; the
comment says what happened before the fix.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from toolkit import (
    artifacts,
    baselines,
    coin_flips,
    diagnostics,
    economics,
    error_analysis,
    exercises,
    features,
    labels,
    leakage,
    lifecycle,
    plotting,
    rollout,
    schema,
    scoping,
    service,
    significance,
    slices,
    suspect_labels,
    widgets,
)
from toolkit.prediction_log import PredictionLog
from toolkit.schema import InputSchema


def test_found_a_mixed_type_text_column_is_encoded_and_sliced():
    from toolkit.error_analysis import find_weak_slices
    from toolkit.features import make_preprocessor

    messy = pd.DataFrame({"a": pd.Series([2.5, 1, "z"], dtype=object)})
    assert make_preprocessor(messy).fit_transform(messy).shape[0] == 3
    assert len(find_weak_slices(messy, [0, 1, 0], [1, 1, 0], min_support=1)) >= 1


def test_found_a_column_named_by_a_number():
    from toolkit.error_analysis import error_slices
    from toolkit.labels import find_conflicting_labels

    frame = pd.DataFrame({0: [1.0, 2.0, 3.0, 4.0], "a": [1.0, 1.0, 2.0, 2.0]})
    assert len(error_slices(frame, [0, 1, 0, 1], [0, 0, 0, 1], by=0, min_size=1)) >= 1
    assert isinstance(find_conflicting_labels(frame, ["a"], 0), pd.DataFrame)


@pytest.mark.parametrize(("function", "args", "named"), [
    ("compare_to_baseline", ([1], [1], ["churns"]), "baseline_pred"),
    ("baseline_table", ([0, 1], ["a", "b"]), "y_test"),
    ("baseline_table", ([0.5, 1.5], [0.5, 1.5]), "y_train"),
    ("threshold_curve", ([0, 1], ["a", "b"]), "proba"),
])
def test_found_labels_of_different_kinds_are_named(function, args, named):
    call = getattr(baselines, function, None) or getattr(error_analysis, function)
    with pytest.raises((ValueError, TypeError), match=named):
        call(*args)


# --- labels and scores (tests/bad_input/test_labels_and_scores.py) ------------------------------
TEXT = pd.Series(["churns", "stays"])


def _priorities(**changes):
    return pd.DataFrame({"tag": ["a"], "accuracy": [0.5], "hlp": [0.9], "share": [0.1], **changes})

FOUND_LABELS = [
    # pd.Series(2-D array): "Data must be 1-dimensional, got ndarray of shape (2, 2)"
    (baselines.baseline_table, ([0, 1], np.array([[1, 1], [1, 1]])), {}, ValueError,
     "y_test must be one-dimensional"),
    # np.asarray of a ragged list: "setting an array element with a sequence"
    (baselines.baseline_table, ([0, 1], [[0], [1, 1]]), {}, TypeError, "y_test must be a flat list"),
    # sorted() of text and numbers: "'<' not supported between instances of 'int' and 'str'"
    (baselines.decision_scores, (TEXT, [0, 1]), {}, ValueError, "y_true and y_pred must hold the same kind"),
    (diagnostics.plot_confusion, ([0, 1], TEXT), {}, ValueError, "y_true and y_pred must hold the same kind"),
    # one array mixing text and numbers cannot be sorted either
    (baselines.decision_scores, (np.array([0, "a"], dtype=object), [0, 1]), {}, ValueError,
     "y_true mixes text and numbers"),
    # scikit-learn: "continuous is not supported"
    (diagnostics.plot_confusion, ([0.5, 1.25], [0.5, 1.25]), {}, ValueError, "y_true holds continuous"),
    (significance.metric_score, ("accuracy", [-0.13], [-0.13]), {}, ValueError, "y_true holds continuous"),
    # float("churns"): "could not convert string to float: 'churns'"
    (diagnostics.plot_residuals, ([1.0, 2.0], TEXT), {}, TypeError, "y_pred must hold numbers"),
    (baselines.baseline_table, (TEXT, TEXT), {"task": "regression"}, TypeError, "y_train must hold numbers"),
    # functions[metric]: KeyError: None
    (significance.metric_score, (None, [0, 1], [0, 1]), {}, ValueError, "metric must be one of"),
    # scikit-learn: "pos_label=1 is not a valid label. It should be one of ['churns' 'stays']"
    (significance.metric_score, ("f1", [0, 1], TEXT), {}, ValueError, "y_true and pred must hold the same"),
    # scikit-learn: "Target is multiclass but average='binary'"
    (significance.metric_score, ("f1", [0, 1, 2], [0, 1, 2]), {}, ValueError, "needs two classes"),
    (baselines.baseline_table, ([0, 1], [2, 2]), {}, ValueError, r"y_test holds class\(es\) \[2\]"),
    # scikit-learn: "The 'random_state' parameter of DummyClassifier must be an int in the range ..."
    (baselines.baseline_table, ([0, 1], [0, 1]), {"seed": -1}, ValueError, "seed must be between 0"),
    (baselines.dummy_models, (), {"seed": 0.5}, TypeError, "seed must be an integer"),
    # np.round(values * None): "unsupported operand type(s) for *: 'NoneType' and 'int'"
    (coin_flips.lattice_bins, ([0.5], None), {}, TypeError, "n must be an integer"),
    # [].min(): "zero-size array to reduction operation minimum which has no identity"
    (coin_flips.lattice_bins, ([], 10), {}, ValueError, "values must hold at least one score"),
    # range(n_bins) with a float: "'float' object cannot be interpreted as an integer"
    (slices.bin_column, (pd.Series([1.0, 2.0]), 2.5), {}, TypeError, "n_bins must be an integer"),
    # IndexError: index -2 is out of bounds for axis 0 with size 1
    (slices.bin_column, (pd.Series(np.arange(5.0)), 1), {}, ValueError, "n_bins must be at least 2"),
    (slices.bin_column, (pd.Series(["a"]), 4), {"max_levels": "x"}, TypeError, "max_levels must be an"),
    # pd.Series({...}, dtype=float): "float() argument must be ... not 'NAType'", "'set' type is unordered"
    (baselines.plot_baseline_ladder, ({"model": pd.NA},), {}, TypeError, "scores must map"),
    (baselines.plot_baseline_ladder, ({"model": ""},), {}, TypeError, "scores must map"),
    (baselines.plot_baseline_ladder, ({0.5, 0.8},), {}, TypeError, "scores must map"),
    # sorted(values) of mixed keys: "'<' not supported between instances of 'int' and 'str'"
    (economics.outcome_values, ({"tp": 1, 0: 2},), {}, ValueError, "values must have exactly the keys"),
    # NaN euros were accepted and every value became NaN
    (economics.outcome_values, ({"tp": np.nan, "fp": 0, "fn": 0, "tn": 0},), {}, ValueError,
     r"values\['tp'\] must be a finite number"),
    (economics.CampaignEconomics, (np.inf, 1.0, 0.5), {}, ValueError, "customer_value must be a finite"),
    # "unhashable type: 'list'" from pandas' Index.__contains__
    (slices.error_slices, (pd.DataFrame({"a": [1.0]}), [1], [1], [(None, [])]), {}, TypeError,
     "by must be column name"),
    (error_analysis.prioritize, (pd.DataFrame({"accuracy": [0.5], "share": [0.1]}),), {"name": []}, TypeError,
     "name must be column name"),
    # table["share"].to_numpy(dtype=float): "could not convert string to float: ''"
    (error_analysis.prioritize, (_priorities(share=[""]),), {}, TypeError, r"table\[.share.\] must hold"),
    (error_analysis.prioritize, (_priorities(hlp=["x"]),), {}, TypeError, "hlp must hold numbers"),
    # subtracting dates from HLPs: "cannot subtract DatetimeArray from ndarray[float64]"
    (error_analysis.prioritize, (pd.DataFrame({"tag": ["a"], "accuracy": pd.to_datetime(["2025-01-01"]),
                                               "hlp": [0.9], "share": [0.1]}),),
     {}, TypeError, r"table\['accuracy'\] must hold numbers; got dates"),
    # matplotlib: "Axis limits cannot be NaN or Inf"
    (baselines.plot_baseline_ladder, ({"model": np.inf},), {}, ValueError, "scores must be finite"),
    # np.asarray of a ragged mask: "setting an array element with a sequence"
    (error_analysis.tag_errors, (pd.DataFrame({"a": [1, 2]}), {"r": [[1], [1, 2]]}, [0, 1], [1, 1]), {},
     ValueError, r"rules\['r'\] must give one True/False per row"),
    # the rule function's own TypeError: "object() takes no arguments"
    (error_analysis.tag_errors, (pd.DataFrame({"a": [1, 2]}), {"r": object}, [0, 1], [1, 1]), {},
     ValueError, r"rules\['r'\] raised TypeError"),
    # max([]): "max() arg is an empty sequence"; iter(None): "'NoneType' object is not iterable"
    (suspect_labels.precision_at_k, (pd.Index([0, 1]), pd.Series([True, False])), {"k": []}, ValueError,
     "k is empty"),
    (suspect_labels.precision_at_k, (pd.Index([0, 1]), pd.Series([True, False])), {"k": None}, TypeError,
     "k must be a list"),
]


@pytest.mark.parametrize(("function", "args", "kwargs", "error", "match"), FOUND_LABELS,
                         ids=[f"{case[0].__name__}-{case[4][:30]}" for case in FOUND_LABELS])
def test_found_bad_labels_and_arguments(function, args, kwargs, error, match):
    with pytest.raises(error, match=match):
        function(*args, **kwargs)


def test_found_an_interval_end_one_ulp_below_a_rate_of_one_is_drawn():
    # a slice of 5 rows all wrong, confidence 0.125: the Wilson upper end came out 2e-16 below
    # the rate of 1, and matplotlib refused the error bar ("'xerr' must not contain negative values")
    frame = pd.DataFrame({"a": ["x"] * 5 + ["y"] * 3})
    table = slices.error_slices(frame, [1] * 8, [0] * 5 + [1] * 3, by="a", min_size=1, confidence=0.125)
    assert (table["ci_low"] <= table["error_rate"]).all() and (table["error_rate"] <= table["ci_high"]).all()
    slices.plot_slices(table)


def test_found_a_score_near_the_largest_float_is_drawn():
    # 1.45e308 x 1.15 x 1.08 overflowed: "Axis limits cannot be NaN or Inf"
    ax = baselines.plot_baseline_ladder({"": 1.4474179829809307e308})
    assert np.isfinite(ax.get_xlim()).all()


def test_found_metric_score_on_text_labels_and_one_class():
    # scikit-learn's pos_label=1 refused text labels; the positive class is the second sorted one
    assert significance.metric_score("recall", ["stays", "churns"], ["stays", "stays"]) == 1.0
    # one class only (0 everywhere): nothing to find, precision 0 by the toolkit's zero rule
    assert significance.metric_score("precision", [0, 0], [0, 0]) == 0.0


# --- tables (tests/bad_input/test_tables.py) ------------------------------------------------------
def _dup():
    return pd.DataFrame([[1, "x"]], columns=["a", "a"])


FOUND_TABLES = [
    # X[name] was a frame: "Grouper for 'a' not 1-dimensional", "factorize requires a Series ...",
    # "'DataFrame' object has no attribute 'dtype'"
    (lambda: features.FrequencyEncoder().fit(_dup()), ValueError, "X has duplicate column names"),
    (lambda: features.BagOfWords().fit(_dup()), ValueError, "X has duplicate column names"),
    (lambda: features.DateEncoder().fit(_dup()), ValueError, "X has duplicate column names"),
    # np.column_stack([]): "need at least one array to concatenate"; RareLevelOneHot's UnboundLocalError
    (lambda: features.ToNumber().fit(pd.DataFrame(index=range(3))), ValueError, "X has no columns"),
    (lambda: features.RareLevelOneHot().fit(pd.DataFrame(index=range(3))), ValueError, "X has no columns"),
    # another frame's columns were encoded silently as if they were the fitted ones
    (lambda: features.FrequencyEncoder().fit(pd.DataFrame({"a": ["x"]})).transform(
        pd.DataFrame({"b": ["x"]})), ValueError, r"X has the columns \['b'\]; this transformer was fitted"),
    # scikit-learn's "The number of folds must be of Integral type. None ... was passed."
    (lambda: leakage.check_leakage(pd.DataFrame({"x": range(10), "y": [0, 1] * 5}), "y", cv=None), TypeError,
     "cv must be an integer"),
    # "'>=' not supported between instances of 'float' and 'NoneType'"
    (lambda: leakage.check_leakage(pd.DataFrame({"x": range(10), "y": [0, 1] * 5}), "y", threshold=None),
     TypeError, "threshold must be a number"),
    # scikit-learn: "n_splits=5 cannot be greater than the number of members in each class."
    (lambda: leakage.check_leakage(pd.DataFrame({"x": range(4), "y": [0, 1] * 2}), "y"), ValueError,
     "target column 'y' has 2 row"),
    # scikit-learn: "Input y contains infinity or a value too large for dtype('float64')."
    (lambda: leakage.check_leakage(pd.DataFrame({"x": range(10), "y": [0.5, np.inf] * 5}), "y", cv=2),
     ValueError, "target column 'y' contains infinite values"),
    # "'NoneType' object has no attribute 'columns'"
    (lambda: leakage.plot_leakage(None), TypeError, "table must be a pandas DataFrame"),
    # np.asarray(counts, dtype=float): "could not convert string to float: ''", "... not 'set'"
    (lambda: labels.fleiss_kappa([[""]]), TypeError, "counts must be a table of vote counts"),
    (lambda: labels.fleiss_kappa([[{1}]]), TypeError, "counts must be a table of vote counts"),
    (lambda: labels.fleiss_kappa([[np.inf, 1]]), ValueError, "counts must hold vote counts"),
    # (label,) = []: "not enough values to unpack (expected 1, got 0)"
    (lambda: labels.find_conflicting_labels(pd.DataFrame({"a": [1], "b": [0]}), ["a"], []), ValueError,
     "label must name one column"),
    # "'NoneType' object is not subscriptable"; "KeyError: 'columns'"
    (lambda: schema.InputSchema.from_dict(None), TypeError, "data must be a dict with a 'columns' list"),
    (lambda: schema.InputSchema.from_dict({"columns": [{"x": 1}]}), TypeError,
     r"data\['columns'\] must hold"),
    # "'DataFrame' object has no attribute 'dtype'"
    (lambda: schema.InputSchema.from_frame(pd.DataFrame({"a": [1.0]})).validate(
        pd.DataFrame(columns=["a", "a"])), ValueError, "df has duplicate column names"),
    # "not enough values to unpack (expected 5, got 1)"
    (lambda: schema.problem_table([("a",)]), TypeError, "found must be a list of"),
]


@pytest.mark.parametrize(("call", "error", "match"), FOUND_TABLES, ids=[c[2][:40] for c in FOUND_TABLES])
def test_found_bad_tables(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_found_a_frame_of_the_target_alone_has_nothing_to_leak():
    # no column besides the target: pd.DataFrame([]).sort_values("flagged") raised KeyError: 'flagged',
    # then the empty object column "flagged" selected columns instead of rows (KeyError: 'column')
    frame = pd.DataFrame({"y": [0, 1]})
    assert leakage.check_leakage(frame, "y").empty
    assert features.infer_feature_types(frame, target="y")["column"].tolist() == ["y"]


def test_found_a_continuous_target_with_few_values_is_scored_as_a_quantity():
    # 0.5 / 1.25 (two values) was taken for two classes: "Unknown label type: (0 1.25 ..."
    frame = pd.DataFrame({"x": range(10), "y": [0.5, 1.25] * 5})
    table = leakage.check_leakage(frame, "y", cv=2, show_all=True)
    assert table["metric"].tolist() == ["R²"]


def test_found_drop_none_drops_nothing():
    # list(None): "'NoneType' object is not iterable"
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 3.0]})
    assert features.make_preprocessor(frame, drop=None).fit_transform(frame).shape == (
        features.make_preprocessor(frame).fit_transform(frame).shape)


# --- deployment (tests/bad_input/test_deploy.py) ----------------------------------------------------
def _card(**changes):
    from toolkit.artifacts import ModelCard

    fields = {"name": "m", "trained_on": "2024", "features": ["a"], "metrics": {"auc": 0.8}}
    return ModelCard(**{**fields, **changes})


def _log(**changes):
    return pd.DataFrame({"request_id": ["r", "r"], "role": ["production", "shadow"],
                         "model_version": ["v1", "v2"], "returned": [True, False], "score": [0.2, 0.6],
                         "decision": [0, 1], "problems": ["", ""], **changes})


FOUND_DEPLOY = [
    # "'bool' object is not iterable", "'NoneType' object is not iterable" (features, limits)
    (lambda: _card(features=True), TypeError, "features must be a list of column names"),
    (lambda: _card(limits=None), TypeError, "limits must be a list of strings"),
    # sorted() of the keys: "'<' not supported between instances of 'NoneType' and 'NoneType'"
    (lambda: _card(business_value={None: 1, "tp": 2}), ValueError, "business_value must map exactly"),
    (lambda: _card(business_value={"tp": "x", "fp": 0, "fn": 0, "tn": 0}), TypeError,
     r"business_value\['tp'\] must be a number"),
    # "ModelCard() argument after ** must be a mapping, not NoneType"; "got an unexpected keyword argument"
    (lambda: artifacts.ModelCard.from_dict(None), TypeError, "data must be a dict"),
    (lambda: artifacts.ModelCard.from_dict({"x": 1}), ValueError, r"unknown \['x'\]"),
    # Path(None): "expected str, bytes or os.PathLike object, not NoneType"
    (lambda: artifacts.file_hashes(None), TypeError, "directory must be a folder path"),
    (lambda: PredictionLog(None), TypeError, "path must be a file path"),
    # card.to_dict(): "'NoneType' object has no attribute 'to_dict'"
    (lambda: artifacts.write_card("anywhere", None), TypeError, "card must be a ModelCard"),
    # hashes.items(): "'list' object has no attribute 'items'"
    (lambda: artifacts.verify_model("anywhere", hashes=["x"]), TypeError, "hashes must map file names"),
    # all(... for t in None): "'NoneType' object is not iterable"
    (lambda: artifacts.save_model(LogisticRegression(), "anywhere", card=_card(),
                                  schema=InputSchema.from_frame(pd.DataFrame({"a": [1.0]})), trusted=None),
     TypeError, "trusted must be a list of type names"),
    # frame.to_json: "DataFrame columns must be unique for orient='records'."
    (lambda: service.to_records(_dup()), ValueError, "frame has duplicate column names"),
    # groupby on a duplicated column: "Grouper for 'request_id' not 1-dimensional"
    (lambda: rollout.shadow_agreement(pd.concat([_log(), _log()[["request_id"]]], axis=1)), ValueError,
     "log has duplicate column names"),
    # "agg function failed [how->mean,dtype->object]"
    (lambda: rollout.compare_roles(_log(score=["0.2", "z"])), TypeError, r"log\['score'\] must hold numbers"),
    # log[log["returned"]] selected columns: "None of [Index([...])] are in the [columns]" (a KeyError)
    (lambda: rollout.shadow_agreement(_log(returned=["yes", "no"])), TypeError,
     r"log\['returned'\] must hold True/False"),
]


@pytest.mark.parametrize(("call", "error", "match"), FOUND_DEPLOY, ids=[c[2][:40] for c in FOUND_DEPLOY])
def test_found_bad_deployment_input(call, error, match, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing is written, and if it were, it would land here
    with pytest.raises(error, match=match):
        call()


def test_found_the_prediction_log_refuses_values_sqlite_cannot_store(tmp_path):
    # sqlite3.ProgrammingError: "Error binding parameter 4: type 'dict' is not supported"
    log = PredictionLog(tmp_path / "log.sqlite")
    try:
        with pytest.raises(TypeError, match="problems must be a string"):
            log.write_refusal("r1", 3, {"age": "missing"})
        with pytest.raises(ValueError, match="rows must be at least 0"):
            log.write_refusal("r1", -1, "")
        assert log.refusals().empty
    finally:
        log.close()


@pytest.fixture(scope="module")
def small_registry(tmp_path_factory):
    from sklearn.pipeline import make_pipeline

    from toolkit.registry import Registry

    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]})
    model = make_pipeline(features.make_preprocessor(X), LogisticRegression()).fit(X, [0, 1, 0, 1])
    registry = Registry(tmp_path_factory.mktemp("found") / "registry", create=True)
    registry.register(model, card=_card(), schema=InputSchema.from_frame(X))
    registry.promote("v1", "production")
    return registry


def test_found_the_service_checks_its_seed_and_frames(small_registry, tmp_path):
    # numpy: "expected non-negative integer", "SeedSequence expects int or sequence of ints ... not set()"
    with pytest.raises(ValueError, match="seed must be between 0"):
        service.Service(small_registry, log_path=tmp_path / "log.sqlite", seed=-1)
    with pytest.raises(TypeError, match="seed must be an integer"):
        service.Service(small_registry, log_path=tmp_path / "log.sqlite", seed=set())
    served = service.Service(small_registry, log_path=tmp_path / "log.sqlite")
    try:  # "'DataFrame' object has no attribute 'dtype'" (frame["a"] was a frame)
        with pytest.raises(ValueError, match="frame has duplicate column names"):
            served.predict(pd.DataFrame([[1.0, 2.0]], columns=["a", "a"]))
    finally:
        served.close()


# --- the course's helpers (tests/bad_input/test_course.py) ------------------------------------------
TRICKY_ANSWERS = [None, [], ["a"], [1, "a"], {}, {"": None, 0: None}, set(), 0, -1, 0.5, np.nan, np.inf,
                  10**400, "", "a", True, pd.NA, np.array([0, 1]), pd.Series([1, 2]), pd.DataFrame(), (1, 2),
                  b"x", 3 + 4j, object(), print]


@pytest.mark.parametrize("exercise_id", exercises.list_exercises())
def test_found_every_exercise_answers_any_value(exercise_id):
    # a list given to a choice exercise: "unhashable type: 'list'" (21 exercises); 8.2 sorted the keys
    # of a dict answer ("'<' not supported between instances of 'int' and 'str'"); 10**400 overflowed
    for answer in TRICKY_ANSWERS:
        feedback = exercises.check(exercise_id, answer)
        assert feedback.status in ("correct", "incorrect"), (answer, feedback)


FOUND_COURSE = [
    # `value in dict(phase.steps)`: "unhashable type: 'list'"
    (lambda: lifecycle.draw_lifecycle([]), TypeError, "highlight must be the name of a phase"),
    # ProjectScope(ml_metric=None).gaps(): "'NoneType' object has no attribute 'lower'"
    (lambda: scoping.ProjectScope(ml_metric=None), TypeError, "ml_metric must be a string"),
    (lambda: scoping.ProjectScope(risks=None), TypeError, "risks must be a list of strings"),
    (lambda: scoping.ProjectScope(human_can_do="yes"), TypeError, "human_can_do must be True, False or None"),
    # traitlets: "The 'value' trait of a FloatSlider instance expected a float, not the str ''"
    (lambda: widgets.coin_flip_explorer(positive_rate=""), TypeError, "positive_rate must be a number"),
    (lambda: widgets.coin_flip_explorer(n_test=[]), TypeError, "n_test must be an integer"),
    # the first drawing call: "'int' object has no attribute 'imshow'"
    (lambda: diagnostics.plot_confusion([0, 1], [0, 1], ax=1), TypeError, "ax must be a matplotlib Axes"),
    (lambda: plotting.new_axes(figsize=(0, "x")), ValueError, "figsize must be"),
    # numpy: "expected non-negative integer"
    (lambda: coin_flips.simulate_coin_flips([0, 1], seed=-1), ValueError, "seed must be between 0"),
    (lambda: significance.compare_to_baseline([0, 1], [0, 1], [1, 1], seed=-1), ValueError, "seed must be"),
    # scikit-learn: "The 'random_state' parameter of StratifiedKFold must be an int ..."
    (lambda: features.make_preprocessor(pd.DataFrame({"a": [1.0, 2.0]}), seed=2**40), ValueError,
     "seed must be"),
]


@pytest.mark.parametrize(("call", "error", "match"), FOUND_COURSE, ids=[c[2][:40] for c in FOUND_COURSE])
def test_found_bad_course_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- modelling and retraining (tests/bad_input/test_models.py) --------------------------------------
def _pool():
    return pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"]),
                         "label_available_from": pd.to_datetime(["2025-02-01", "2025-03-01"])})


def _history(**changes):
    return pd.DataFrame({"customer_id": [0, 1, 2, 3], "month": pd.to_datetime(["2024-12-01"] * 4),
                         "x": [0.0, 1.0, 0.0, 1.0], "churned": [0, 1, 0, 1], **changes})


def _production():
    return pd.DataFrame({"customer_id": [0, 1], "month": pd.to_datetime(["2025-01-01"] * 2), "x": [0.0, 1.0]})


def _labels():
    return _production()[["customer_id", "month"]].assign(
        churned=[0, 1], label_available_from=pd.Timestamp("2025-02-01"))


def _scorer_model():
    return LogisticRegression().fit(pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}), [0, 0, 1, 1])


def _pipeline_of_x():
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline

    return make_pipeline(make_column_transformer(("passthrough", ["x"])), LogisticRegression())


def _months_frame():
    return pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"] * 3), "a": range(6)})


def _found_models():
    from toolkit import backtest, backtest_result, modeling, policies

    two_rows = pd.DataFrame({"a": [7.0, -10.0]})
    comparison = pd.DataFrame({"model": ["prior"], "kind": ["baseline"], "f1_mean": [0.5],
                               "f1_std": [-0.1]})
    value = {"tp": 60.0, "fp": -30.0, "fn": 0.0, "tn": 0.0}
    return [
        # scikit-learn: "n_splits=2 cannot be greater than the number of members in each class."
        (lambda: modeling.compare_models({"logistic": LogisticRegression()}, two_rows, [2, 1], cv=2),
         ValueError, "cv=2 stratified folds need at least 2 rows of one class in y"),
        # pandas' DateParseError: "Unknown datetime string format, unable to parse: ünï"
        (lambda: list(modeling.MonthSplit(1, column="x").split(pd.DataFrame({"x": ["ünï", "z"]}))),
         TypeError, r"X\['x'\] \(column\) must hold dates"),
        # matplotlib: "'xerr' must not contain negative values"
        (lambda: modeling.plot_model_comparison(comparison), ValueError,
         r"table\['f1_std'\] must hold finite numbers >= 0"),
        # make_preprocessor: "drop names column(s) ['exit_survey_score'] that are not in the data"
        (lambda: modeling.case_study_pipeline(pd.DataFrame({"a": [1.0]})), ValueError,
         "X must have the column 'month'"),
        # pandas: "Cannot convert input [{...}] of type <class 'dict'> to Timestamp"
        (lambda: policies.training_window(_pool(), {"": 1}), TypeError, "month must be a date"),
        # "'dict' object has no attribute 'validate'"
        (lambda: policies.data_gate(_pool(), {}, ["month"]), TypeError, "schema must be an InputSchema"),
        # "Can only use .dt accessor with datetimelike values"
        (lambda: policies.labelled_pool(_history(month=[True] * 4), _production(), _labels()), TypeError,
         r"history\['month'\] must hold dates"),
        # scikit-learn fitting the dates: "float() argument must be a string or a real number, not
        # 'Timestamp'"
        (lambda: backtest.backtest([policies.Policy("never")], _history(), _production(), _labels(),
                                   model=LogisticRegression(), value=value), TypeError,
         "model could not be fitted on the features"),
        # "'NoneType' object is not iterable"
        (lambda: backtest_result.predict_scores(_scorer_model(), pd.DataFrame({"x": [1.0]}), None),
         TypeError, "columns must be a list of column names"),
        # scikit-learn: "The feature names should match those that were passed during fit."
        (lambda: backtest_result.predict_scores(_scorer_model(), pd.DataFrame({"x": [1.0], "y": [1.0]}),
                                                ["x", "y"]), ValueError, "columns must be the columns model"),
        # scikit-learn: "Input X contains infinity or a value too large for dtype('float64')."
        (lambda: backtest_result.predict_scores(_scorer_model(), pd.DataFrame({"x": [np.inf]}), ["x"]),
         ValueError, r"model could not score rows\[\['x'\]\]"),
        # scikit-learn: "Target is multiclass but average='binary'. Please choose another average setting"
        (lambda: modeling.compare_models({"logistic": LogisticRegression()}, pd.DataFrame({"a": range(6)}),
                                         [0, 1, 2] * 2, cv=2, scoring=["f1"]),
         ValueError, r"scoring \['f1'\] needs two classes in y; y has 3"),
        # scikit-learn's ColumnTransformer: "Some column names are not columns of the dataframe: {'x'}"
        (lambda: modeling.compare_models({"logistic": _pipeline_of_x()}, pd.DataFrame({"a": range(6)}),
                                         [0, 1] * 3, cv=2, baselines=False),
         ValueError, r"models\['logistic'\] failed on X and y in cross-validation"),
        # numpy fitting the dates: "The DType <class 'numpy.dtypes.DateTime64DType'> could not be promoted"
        (lambda: modeling.out_of_fold_proba(LogisticRegression(), _months_frame(), [0, 1] * 3,
                                            modeling.MonthSplit(1)),
         TypeError, "model failed on a fold of X and y"),
        # production months all missing: "Can only use .dt accessor with datetimelike values"
        (lambda: backtest.backtest([policies.Policy("never")], _history(), _production().assign(month=None),
                                   _labels(), model=LogisticRegression(), value=value), ValueError,
         r"production\['month'\] has 2 missing date\(s\)"),
    ]


@pytest.mark.parametrize("case", range(len(_found_models())))
def test_found_bad_modelling_input(case):
    call, error, match = _found_models()[case]
    with pytest.raises(error, match=match):
        call()


def test_found_the_case_study_pipeline_needs_no_leaky_column():
    # a frame without exit_survey_score has nothing to leak: it is no longer refused for it
    X = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"] * 2), "x": [0.0, 1.0, 2.0, 3.0]})
    from toolkit.modeling import case_study_pipeline

    assert case_study_pipeline(X).fit(X, [0, 1, 0, 1]).predict_proba(X).shape == (4, 2)
