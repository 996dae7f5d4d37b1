"""Bad input for the functions that take whole tables: features, feature types, leakage, the
encoders, the input schema, labels (conflicts, votes, agreement, kappa), suspect labels,
human-level performance, rules.

A frame "that differs from the training one" comes from ``frame_pairs``: the same column names
with other dtypes and values, the training rows reshuffled, or an unrelated frame.

``Imputer`` and ``SeededTargetEncoder`` subclass scikit-learn's ``SimpleImputer`` and
``TargetEncoder`` and keep their messages, which name scikit-learn's own arguments: for them any
``ValueError``/``TypeError`` passes, and any other exception still fails.

Examples per test under the ``ci`` profile: 150 for each function that reads a frame without
fitting a model; 60 for ``check_leakage``, the encoders and ``make_preprocessor`` (they fit);
25 for ``find_suspect_labels`` (cross-validated fits).
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from bad_input.strategies import (
    COLUMN,
    FIRST,
    SKLEARN,
    TARGET_KINDS,
    TEXT_NAMES,
    anything,
    check,
    column_of,
    examples,
    frame_pairs,
    frames,
    labels,
    maybe,
    maybe_count,
    named_frames,
)
from toolkit import baselines, features, leakage, schema, scoping, suspect_labels
from toolkit import labels as labels_module

FRAME_NAMES = ["df", "df_or_types", "X", "column", "columns", "target"]
# features refuses column names that are not text (it selects columns by name): most frames
# here have text names, so that the search gets past that first check
TEXT_FRAMES = st.one_of(frames(names=TEXT_NAMES), frames(names=TEXT_NAMES), frames())


# --------------------------------------------------------------------------- features
@examples(150)
@given(TEXT_FRAMES, maybe(st.one_of(st.none(), st.just(FIRST))))
def test_infer_feature_types(frame, target):
    check("infer_feature_types", features.infer_feature_types, (frame, column_of(frame, target)), FRAME_NAMES)


@examples(60)
@given(frame_pairs(min_rows=1, names=TEXT_NAMES), maybe(st.one_of(st.none(), st.just(FIRST))),
       maybe(st.sampled_from(["target", "frequency"])), maybe(st.sampled_from(["bag_of_words", "drop"])),
       maybe(st.lists(st.sampled_from(["a", "b", "score"]), max_size=2)))
def test_make_preprocessor(pair, target, high_cardinality, text, drop):
    train, other = pair
    options = {"target": column_of(train, target), "high_cardinality": high_cardinality, "text": text,
               "drop": drop}
    names = [*FRAME_NAMES, *options]
    pre = check("make_preprocessor", features.make_preprocessor, (train,), names, options)
    if pre is None:
        return
    check("describe_preprocessor", features.describe_preprocessor, (pre,), ["preprocessor"])
    target = options["target"]
    y = train[target] if isinstance(target, (str, int)) and target in train.columns else None
    # a ColumnTransformer: scikit-learn's own fit and transform, and their messages
    fitted = check("preprocessor.fit", pre.fit, (train, y), SKLEARN)
    if fitted is not None:
        check("preprocessor.transform", fitted.transform, (other,), SKLEARN)


@examples(150)
@given(anything())
def test_describe_preprocessor_refuses_what_is_not_one(value):
    check("describe_preprocessor", features.describe_preprocessor, (value,), ["preprocessor"])


ENCODERS = {
    "BagOfWords": features.BagOfWords, "DateEncoder": features.DateEncoder,
    "FrequencyEncoder": features.FrequencyEncoder, "Imputer": features.Imputer,
    "MissingAsNaN": features.MissingAsNaN, "RareLevelOneHot": features.RareLevelOneHot,
    "SeededTargetEncoder": lambda: features.SeededTargetEncoder(cv=2), "ToNumber": features.ToNumber,
}


@pytest.mark.parametrize("name", ENCODERS)
@examples(60)
@given(pair=frame_pairs(min_rows=1, max_cols=3), data=st.data())
def test_encoders(name, pair, data):
    train, other = pair
    y = data.draw(labels(len(train)))
    encoder = ENCODERS[name]()
    names = SKLEARN if name in ("Imputer", "SeededTargetEncoder") else ["X", "y", "column", "columns"]
    fitted = check(f"{name}.fit", encoder.fit, (train, y), names)
    if fitted is not None:
        check(f"{name}.transform", fitted.transform, (other,), names)


@examples(60)
@given(frames(min_rows=1, min_cols=1, names=TEXT_NAMES, kinds=TARGET_KINDS), COLUMN, maybe(st.floats(0.5, 1)),
       maybe_count(st.integers(2, 4)))
def test_check_leakage(frame, target, threshold, cv):
    table = check("check_leakage", leakage.check_leakage, (frame, column_of(frame, target)),
                  [*FRAME_NAMES, "threshold", "cv"], {"threshold": threshold, "cv": cv, "show_all": True})
    if table is not None:
        check("plot_leakage", leakage.plot_leakage, (table,), ["table"])


@examples(150)
@given(st.one_of(frames(), anything()))
def test_plot_leakage(table):
    check("plot_leakage", leakage.plot_leakage, (table,), ["table"])


# --------------------------------------------------------------------------- input schema
ON_PROBLEM = maybe(st.one_of(st.none(), st.dictionaries(
    st.one_of(st.sampled_from(list(schema.PROBLEM_KINDS)), st.text(max_size=4), st.integers()),
    maybe(st.sampled_from(["refuse", "warn"])), max_size=2)))


@examples(150)
@given(frame_pairs(), ON_PROBLEM)
def test_input_schema(pair, on_problem):
    train, other = pair
    names = ["df", "column", "columns", "on_problem"]
    spec = check("InputSchema.from_frame", schema.InputSchema.from_frame, (train,), names)
    if spec is None:
        return
    check("InputSchema.validate", spec.validate, (other,), names, {"on_problem": on_problem})
    check("InputSchema.inspect_frame", spec.inspect_frame, (other,), names, {"on_problem": on_problem})
    check("InputSchema.coerce", spec.coerce, (other,), names)
    check("InputSchema.to_frame", spec.to_frame, (), names)
    check("InputSchema.from_dict", schema.InputSchema.from_dict, (spec.to_dict(),), ["data"])


@examples(150)
@given(ON_PROBLEM, maybe(st.lists(st.tuples(st.text(max_size=3), st.text(max_size=3), st.text(max_size=3),
                                            st.integers(0, 3), st.text(max_size=3)), max_size=3)))
def test_schema_helpers(on_problem, found):
    check("resolve_actions", schema.resolve_actions, (on_problem,), ["on_problem"])
    check("problem_table", schema.problem_table, (found,), ["found"])


@examples(150)
@given(anything())
def test_input_schema_from_dict(data):
    check("InputSchema.from_dict", schema.InputSchema.from_dict, (data,), ["data"])


# --------------------------------------------------------------------------- labels
ANNOTATIONS = ["customer_id", "annotator", "label"]


def _ids(n):
    return st.just(pd.Series(np.arange(n) % max(n // 2, 1)))


def _unique_ids(n):
    return st.just(pd.Series(np.arange(n)))


def _raters(n):
    return st.just(pd.Series(np.array(["ann", "bob", "cy"])[np.arange(n) % 3]))


def _votes(n):
    return st.integers(0, 2**16).map(lambda seed: pd.Series(np.random.default_rng(seed).integers(0, 2, n)))


VALID_ANNOTATIONS = {"customer_id": _ids, "annotator": _raters, "label": _votes}


@examples(150)
@given(named_frames(ANNOTATIONS, valid=VALID_ANNOTATIONS))
def test_annotations(annotations):
    names = ["annotations", "item", "annotator", "label", "column", "columns"]
    check("majority_vote", labels_module.majority_vote, (annotations,), names)
    result = check("annotator_agreement", labels_module.annotator_agreement, (annotations,), names)
    if result is not None:
        check("AgreementResult.summary", result.summary, (), names)
        check("AgreementResult.plot", result.plot, (), names)


@examples(150)
@given(named_frames(ANNOTATIONS, valid=VALID_ANNOTATIONS), named_frames(["customer_id", "churned_true"],
                                                                       valid={"customer_id": _unique_ids,
                                                                              "churned_true": _votes}),
       maybe(st.sampled_from(list(baselines.METRICS))), maybe(st.sampled_from([None, "annotator", "nope"])))
def test_human_level_performance(annotations, truth, metric, by):
    check("human_level_performance", baselines.human_level_performance, (annotations, truth),
          ["annotations", "truth", "metric", "by", "column", "columns"], {"metric": metric, "by": by})


@examples(150)
@given(st.one_of(frames(max_cols=3, kinds=("int", "binary", "float", "Int64", "str")),
                 maybe(st.lists(st.lists(st.integers(-1, 3), min_size=1, max_size=3), max_size=4))))
def test_fleiss_kappa(counts):
    check("fleiss_kappa", labels_module.fleiss_kappa, (counts,), ["counts"])


@examples(150)
@given(frames(min_cols=2), st.data())
def test_find_conflicting_labels(frame, data):
    label = data.draw(maybe(st.just(frame.columns[-1])))
    feature_names = data.draw(maybe(st.just([c for c in frame.columns if c is not frame.columns[-1]])))
    check("find_conflicting_labels", labels_module.find_conflicting_labels, (frame, feature_names, label),
          ["df", "features", "label", "column", "columns"])


@examples(25)
@given(frames(min_rows=1, max_rows=30, min_cols=1, max_cols=3,
              kinds=("float", "int", "binary", "Int64", "str")), st.data())
def test_find_suspect_labels(X, data):
    y = data.draw(labels(len(X)))
    cv = data.draw(maybe_count(st.integers(2, 3)))
    estimator = data.draw(maybe(st.just(LogisticRegression())))
    check("find_suspect_labels", suspect_labels.find_suspect_labels, (X, y, estimator),
          ["X", "y", "estimator", "cv"], {"cv": cv})


# --------------------------------------------------------------------------- rules
RULES = maybe(st.sampled_from(["`{c}` > 0", "`{c}` == 'x'", "`{c}`.isna()", "`{c}`", "nope > 1", "a ==", "",
                               "1"]))


@examples(150)
@given(frames(min_cols=1), RULES)
def test_rule_predictions(frame, rule):
    rule = rule.format(c=frame.columns[0]) if isinstance(rule, str) else rule
    check("rule_predictions", scoping.rule_predictions, (frame, rule), ["X", "rule", "column"])
    model = check("RuleClassifier.fit", lambda X: baselines.RuleClassifier(rule).fit(X), (frame,),
                  ["X", "rule"])
    if model is not None:
        check("RuleClassifier.predict_proba", model.predict_proba, (frame,), ["X", "rule", "column"])
