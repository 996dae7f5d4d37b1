"""Bad input for modelling and retraining: compare_models, out_of_fold_proba, MonthSplit, the
model-comparison plot, the case-study pipeline, the retraining policies and gates
(training_window, data_gate, champion_challenger, labelled_pool), the backtest's checks and its
result, and the toolkit's LogisticRegression.

Frames are small here (at most 30 rows, 3 columns): every call fits models. The fitting tests
also draw, about half the time, a frame and labels that work (``GOOD_X``, ``_backtest_frames``):
generated labels and frames are so rarely all usable that otherwise almost no call would get past
the checks to the cross-validation or the replay.

Examples per test under the ``ci`` profile: 150 for MonthSplit, Policy, training_window,
data_gate, labelled_pool, plot_model_comparison, plot_backtest and predict_scores; 40 for
compare_models, out_of_fold_proba, champion_challenger, case_study_pipeline, LogisticRegression
and the backtest (they fit, with cross-validation or month by month). About 1,650 cases in
about 15 seconds on the 2-core machine.
"""

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.pipeline import make_pipeline

from bad_input.strategies import (
    SKLEARN,
    TEXT_NAMES,
    anything,
    check,
    examples,
    frames,
    labels,
    maybe,
    maybe_count,
    named_frames,
)
from toolkit import backtest, backtest_result, estimators, features, modeling, policies
from toolkit.schema import InputSchema

SMALL = {"min_rows": 1, "max_rows": 30, "min_cols": 1, "max_cols": 3}
NUMERIC = ("float", "int", "binary", "Int64")


def _months(n):
    return st.just(pd.Series(pd.to_datetime("2025-01-01") + pd.to_timedelta(np.arange(n) % 4 * 31, unit="D"))
                   .dt.to_period("M").dt.to_timestamp())


def _binary(n):
    return st.just(pd.Series(np.arange(n) % 2))


def _numbers(n):
    return st.just(pd.Series(np.linspace(-1.0, 1.0, n)))


# a frame and labels that work, drawn as often as the generated ones: without them almost no call
# gets past the checks to the cross-validation (the generated labels have one class, gaps, ...)
GOOD_X = st.integers(6, 30).map(lambda n: pd.DataFrame({"a": np.linspace(0.0, 1.0, n),
                                                        "b": np.arange(n) % 3}))


def _labels_or_good(data, n):
    return data.draw(st.one_of(labels(n), st.just(pd.Series(np.arange(n) % 2))), label="y")


# --------------------------------------------------------------------------- modeling
MODELS = st.one_of(
    st.just({"logistic": SklearnLogisticRegression()}),
    st.just({"logistic": make_pipeline(features.make_preprocessor(pd.DataFrame({"x": [1.0, 2.0]})),
                                       SklearnLogisticRegression())}),
    anything(),
)


@examples(40)
@given(MODELS, st.one_of(frames(**SMALL, kinds=NUMERIC), GOOD_X), st.data())
def test_compare_models(models, X, data):
    y = _labels_or_good(data, len(X))
    options = {"cv": data.draw(maybe_count(st.integers(2, 3))),
               "scoring": data.draw(maybe(st.sampled_from([("accuracy",), ("f1", "roc_auc"), ("nope",)]))),
               "seed": data.draw(maybe(st.integers(0, 9))), "baselines": data.draw(maybe(st.booleans()))}
    check("compare_models", modeling.compare_models, (models, X, y), ["models", "X", "y", *options], options)


@examples(40)
@given(st.one_of(frames(**SMALL, kinds=NUMERIC), GOOD_X.map(lambda X: X.assign(
    month=pd.to_datetime("2025-01-01") + pd.to_timedelta(np.arange(len(X)) % 4 * 31, unit="D")))), st.data())
def test_out_of_fold_proba(X, data):
    y = _labels_or_good(data, len(X))
    cv = data.draw(maybe(st.sampled_from([modeling.MonthSplit(2), "kfold"])))
    if isinstance(cv, str) and cv == "kfold":
        from sklearn.model_selection import KFold

        cv = KFold(2)
    leaves_month_out = make_pipeline(make_column_transformer(("passthrough", ["a", "b"])),
                                     SklearnLogisticRegression())
    model = data.draw(st.sampled_from([SklearnLogisticRegression(), leaves_month_out]), label="model")
    check("out_of_fold_proba", modeling.out_of_fold_proba, (model, X, y, cv),
          ["model", "X", "y", "cv", "month", "column"])


@examples(150)
@given(named_frames(["month", "x"], valid={"month": _months}), maybe_count(st.integers(1, 4)),
       maybe_count(st.integers(1, 3)), maybe(st.sampled_from(["month", "x", "nope"])))
def test_month_split(X, n_splits, months_per_split, column):
    splitter = check("MonthSplit", modeling.MonthSplit, (n_splits, months_per_split, column),
                     ["n_splits", "months_per_split", "column"])
    if splitter is not None:
        check("MonthSplit.split", lambda frame: list(splitter.split(frame)), (X,),
              ["X", "column", "month", "n_splits", "months_per_split"])


@examples(150)
@given(st.one_of(named_frames(["model", "kind", "accuracy_mean", "accuracy_std"]), anything()),
       maybe(st.one_of(st.none(), st.sampled_from(["accuracy", "f1"]))))
def test_plot_model_comparison(table, metric):
    check("plot_model_comparison", modeling.plot_model_comparison, (table, metric), ["table", "metric"])


@examples(40)
@given(frames(**SMALL, names=TEXT_NAMES), maybe(st.floats(0.01, 100)), st.data())
def test_case_study_pipeline(X, C, data):
    if data.draw(st.booleans(), label="with a month column"):  # the pipeline counts ages from it
        X = X.assign(month=pd.to_datetime("2025-01-01")
                     + pd.to_timedelta(np.arange(len(X)) % 3 * 31, unit="D"))
    pipeline = check("case_study_pipeline", modeling.case_study_pipeline, (X, C),
                     ["X", "C", "df", "df_or_types"])
    if pipeline is not None:
        y = data.draw(labels(len(X)))
        check("case_study_pipeline.fit", pipeline.fit, (X, y), SKLEARN)


@examples(40)
@given(frames(**SMALL), st.data())
def test_logistic_regression(X, data):
    """The toolkit's LogisticRegression is scikit-learn's: its messages are scikit-learn's."""
    y = data.draw(labels(len(X)))
    C = data.draw(maybe(st.floats(0.01, 100)))
    check("LogisticRegression.fit", lambda X_, y_: estimators.LogisticRegression(C=C).fit(X_, y_), (X, y),
          SKLEARN)


# --------------------------------------------------------------------------- policies and gates
POLICY_FIELDS = {
    "name": maybe(st.text(min_size=1, max_size=5)),
    "trigger": maybe(st.sampled_from(list(policies.TRIGGERS))),
    "window": maybe(st.sampled_from(list(policies.WINDOWS))), "months": maybe_count(st.integers(1, 12)),
    "every": maybe_count(st.integers(1, 6)), "validate_data": maybe(st.booleans()),
    "challenge": maybe(st.booleans()), "metric": maybe(st.sampled_from(["f1", "recall", "precision"])),
    "change": maybe(st.floats(0.01, 1)), "drift_share": maybe(st.floats(0.01, 1)),
    "max_problem_share": maybe(st.floats(0.01, 1)), "label_lag": maybe_count(st.integers(0, 2)),
}


@examples(150)
@given(st.fixed_dictionaries({"name": POLICY_FIELDS["name"]},
                             optional={k: v for k, v in POLICY_FIELDS.items() if k != "name"}))
def test_policy(fields):
    made = check("Policy", policies.Policy, (), list(POLICY_FIELDS), fields)
    if made is not None:
        check("Policy.describe", made.describe, (), list(POLICY_FIELDS))


POOL = ["month", "label_available_from", "x", "churned"]


@examples(150)
@given(named_frames(POOL, valid={"month": _months, "label_available_from": _months, "churned": _binary}),
       maybe(st.sampled_from(["2025-02-01", "2025-04", "2026-01-01", "not a month"])),
       maybe(st.sampled_from(list(policies.WINDOWS))), maybe_count(st.integers(1, 6)),
       maybe_count(st.integers(0, 2)), maybe(st.sampled_from(["raise", "clip"])))
def test_training_window(pool, month, window, months, label_lag, on_future):
    check("training_window", policies.training_window, (pool, month),
          ["pool", "month", "window", "months", "label_lag", "on_future", "label_available_from"],
          {"window": window, "months": months, "label_lag": label_lag, "on_future": on_future})


SCHEMA = InputSchema.from_frame(pd.DataFrame({"x": [1.0, 2.0, 3.0], "plan": ["a", "b", "a"]}))


@examples(150)
@given(named_frames(["month", "x", "plan"], valid={"month": _months}), maybe(st.just(SCHEMA)),
       maybe(st.sampled_from([["x"], ["x", "plan"], ["nope"], []])), maybe(st.floats(0, 1)))
def test_data_gate(rows, schema, columns, max_problem_share):
    check("data_gate", policies.data_gate, (rows, schema, columns),
          ["rows", "schema", "columns", "column", "max_problem_share", "month"],
          {"max_problem_share": max_problem_share})


def _fitted(seed):
    X = pd.DataFrame({"x": np.arange(20.0)})
    return SklearnLogisticRegression(C=seed + 0.5).fit(X, (X["x"] > 9).astype(int))


@examples(40)
@given(maybe(st.integers(0, 2).map(_fitted)), maybe(st.integers(0, 2).map(_fitted)),
       named_frames(["x"], min_rows=1, kinds=NUMERIC), st.data())
def test_champion_challenger(challenger, champion, X, data):
    y = data.draw(labels(len(X)))
    options = {"threshold": data.draw(maybe(st.floats(0, 1))), "seed": data.draw(maybe(st.integers(0, 9))),
               "metric": data.draw(maybe(st.sampled_from(["f1", "recall", "precision", "positive_rate"])))}
    check("champion_challenger", policies.champion_challenger, (challenger, champion, X, y),
          ["challenger", "champion", "X", "y", *options], options)


PRODUCTION = ["customer_id", "month", "x"]
LABELS = ["customer_id", "month", "churned", "label_available_from"]


def _ids(n):
    return st.just(pd.Series(np.arange(n)))


@examples(150)
@given(named_frames(["customer_id", "month", "x", "churned"], valid={"customer_id": _ids, "month": _months,
                                                                    "churned": _binary}),
       named_frames(PRODUCTION, valid={"customer_id": _ids, "month": _months}),
       named_frames(LABELS, valid={"customer_id": _ids, "month": _months, "churned": _binary,
                                   "label_available_from": _months}),
       maybe(st.sampled_from(["2025-01-01", "2025-13-01"])))
def test_labelled_pool(history, production, labels_, history_labels_from):
    check("labelled_pool", policies.labelled_pool, (history, production, labels_),
          ["history", "production", "labels", "history_labels_from", "month", "column", "columns"],
          {"history_labels_from": history_labels_from})


# --------------------------------------------------------------------------- backtest
VALUE = {"tp": 60.0, "fp": -30.0, "fn": 0.0, "tn": 0.0}


def _backtest_frames():
    rows = np.arange(24)
    history = pd.DataFrame({"customer_id": rows,
                            "month": pd.to_datetime("2024-10-01") + pd.to_timedelta(rows % 3 * 31, unit="D"),
                            "x": rows % 5 * 1.0, "churned": rows % 2})
    history["month"] = history["month"].dt.to_period("M").dt.to_timestamp()
    production = history.drop(columns="churned").assign(month=history["month"] + pd.DateOffset(months=3))
    labels_ = production[["customer_id", "month"]].assign(
        churned=rows % 2, label_available_from=production["month"] + pd.DateOffset(months=1))
    return history, production, labels_


@examples(40)
@given(named_frames(["customer_id", "month", "x", "churned"], min_rows=1,
                    valid={"customer_id": _ids, "month": _months, "x": _numbers, "churned": _binary}),
       named_frames(PRODUCTION, min_rows=1, valid={"customer_id": _ids, "month": _months}),
       named_frames(LABELS, min_rows=1, valid={"customer_id": _ids, "month": _months, "churned": _binary,
                                               "label_available_from": _months}),
       maybe(st.just([policies.Policy("never")])), maybe(st.just(VALUE)), maybe(st.floats(0, 100)),
       maybe(st.just(["x"])), st.booleans())
def test_backtest(history, production, labels_, policy_list, value, retrain_cost, features_, good_frames):
    if good_frames:  # three drawn frames are rarely all usable: half the calls get ones that are
        history, production, labels_ = _backtest_frames()
    model = SklearnLogisticRegression()
    check("backtest", backtest.backtest, (policy_list, history, production, labels_),
          ["policies", "history", "production", "labels", "value", "retrain_cost", "model", "features",
           "month", "column", "columns", "history_labels_from"],
          {"model": model, "value": value, "retrain_cost": retrain_cost, "history_labels_from": "2025-02-01",
           "features": features_})


@examples(150)
@given(anything(), maybe(st.sampled_from(["value", "precision", "recall", "net_value"])))
def test_plot_backtest_checks_its_result(result, metric):
    check("plot_backtest", backtest_result.plot_backtest, (result, metric), ["result", "metric"])


@examples(150)
@given(named_frames(["x", "y"], min_rows=1, kinds=NUMERIC),
       maybe(st.sampled_from([["x"], ["x", "y"], ["z"], []])))
def test_predict_scores(rows, columns):
    check("predict_scores", backtest_result.predict_scores, (_fitted(0), rows, columns),
          ["model", "rows", "columns"])
