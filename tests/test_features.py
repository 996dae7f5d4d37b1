import io
import warnings

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from toolkit import feature_types, features, leakage
from toolkit.datasets import load
from toolkit.features import (
    BagOfWords,
    DateEncoder,
    FrequencyEncoder,
    MissingAsNaN,
    SeededTargetEncoder,
    ToNumber,
    check_leakage,
    describe_preprocessor,
    infer_feature_types,
    make_preprocessor,
)

N = 200


def _mixed(n=N, seed=0):
    """A small frame with one column of every situation the issue names."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "plus", "pro"], n)
    amounts = rng.integers(500, 5000, n)
    return pd.DataFrame({
        "id": [f"u{i:05d}" for i in range(n)],
        "price": np.where(rng.random(n) < 0.1, np.nan, rng.normal(30, 5, n)),
        "plan_str": pd.Series(np.where(rng.random(n) < 0.1, None, plan), dtype="str"),
        "plan_na": pd.array(np.where(rng.random(n) < 0.1, None, plan), dtype="string"),
        "plan_cat": pd.Categorical(plan),
        "amount_text": [f"{a:,}" if i % 17 else "N/A" for i, a in enumerate(amounts)],
        "level_code": rng.integers(1, 4, n),
        "signed": pd.Series(pd.date_range("2023-01-01", periods=n, freq="D")
                            .strftime("%Y-%m-%d")),
        "vip": rng.random(n) < 0.3,
        "device": pd.Series([f"model {i % 60}" for i in range(n)], dtype="str"),
        "note": np.where(rng.random(n) < 0.5, None,
                         rng.choice(["too expensive for me", "no signal at home",
                                     "slow data in the evening"], n)),
        "constant": 7,
        "empty": np.nan,
        "y": (plan == "pro").astype(int) ^ (rng.random(n) < 0.2),
    })


@pytest.fixture(scope="module")
def mixed():
    return _mixed()


@pytest.fixture(scope="module")
def history():
    return load("history")


# --- infer_feature_types ---------------------------------------------------------------------
EXPECTED_KINDS = {
    "id": ("identifier", "unique_text"),
    "price": ("numeric", "numeric"),
    "plan_str": ("categorical", "few_levels"),
    "plan_na": ("categorical", "few_levels"),
    "plan_cat": ("categorical", "few_levels"),
    "amount_text": ("numeric", "numbers_as_text"),
    "level_code": ("categorical", "integer_codes"),
    "signed": ("datetime", "dates_as_text"),
    "vip": ("boolean", "bool_dtype"),
    "device": ("high_cardinality", "many_levels"),
    "note": ("text", "free_text"),
    "constant": ("constant", "constant"),
    "empty": ("mostly_missing", "all_missing"),
    "y": ("target", "target"),
}


@pytest.mark.parametrize("column", list(EXPECTED_KINDS), ids=list(EXPECTED_KINDS))
def test_infer_kind_and_rule(mixed, column):
    types = infer_feature_types(mixed, target="y").set_index("column")
    assert tuple(types.loc[column, ["kind", "rule"]]) == EXPECTED_KINDS[column]


def test_infer_table_columns_and_treatment(mixed):
    types = infer_feature_types(mixed)
    assert types.columns.tolist() == ["column", "dtype", "kind", "treatment", "rule", "why",
                                      "n_distinct", "missing_share"]
    row = types.set_index("column").loc["price"]
    assert row["treatment"] == features.TREATMENTS["numeric"]
    assert row["missing_share"] == pytest.approx(mixed["price"].isna().mean())
    assert "N/A" in types.set_index("column").loc["amount_text", "why"]


def test_object_dtype_same_as_str(mixed):
    # pandas 2 reads text as object; the decision must not depend on it.
    as_object = mixed.astype({"plan_str": object, "device": object, "id": object})
    a = infer_feature_types(mixed)[["column", "kind"]]
    b = infer_feature_types(as_object)[["column", "kind"]]
    pd.testing.assert_frame_equal(a, b)


def _nullable(n=N, seed=0):
    """pandas' nullable dtypes, each with gaps (pd.NA)."""
    rng = np.random.default_rng(seed)
    gaps = rng.random(n) < 0.1
    return pd.DataFrame({
        "vip": pd.array(np.where(gaps, None, rng.random(n) < 0.3), dtype="boolean"),
        "plan": pd.array(np.where(gaps, None, rng.choice(["basic", "plus", "pro"], n)),
                         dtype="string"),
        "note": pd.array(np.where(gaps, None, rng.choice(["too expensive for me",
                                                          "no signal at home"], n)),
                         dtype="string"),
        "calls": pd.array(np.where(gaps, None, rng.integers(0, 60, n)), dtype="Int64"),
        "level": pd.array(np.where(gaps, None, rng.integers(1, 4, n)), dtype="Int64"),
        "row": pd.array(np.arange(n), dtype="Int64"),
    })


NULLABLE_KINDS = {
    "vip": ("boolean", "bool_dtype"),
    "plan": ("categorical", "few_levels"),
    "note": ("text", "free_text"),
    "calls": ("numeric", "numeric"),
    "level": ("categorical", "integer_codes"),
    "row": ("identifier", "unique_integers"),
}


@pytest.mark.parametrize("column", list(NULLABLE_KINDS), ids=list(NULLABLE_KINDS))
def test_nullable_dtypes_are_read_as_bool_text_and_integer(column):
    # boolean is a yes/no flag, string is text, Int64 is a whole number: as their numpy twins.
    types = infer_feature_types(_nullable()).set_index("column")
    assert tuple(types.loc[column, ["kind", "rule"]]) == NULLABLE_KINDS[column]


def test_nullable_dtypes_same_kinds_as_numpy_dtypes():
    # (numpy has no bool with gaps: an object column of True/False/None is labels, not a flag)
    nullable = _nullable().drop(columns=["vip", "row"])
    numpy_twins = nullable.astype({"plan": object, "note": object, "calls": float,
                                   "level": float})
    a = infer_feature_types(nullable)[["column", "kind", "rule"]]
    b = infer_feature_types(numpy_twins)[["column", "kind", "rule"]]
    pd.testing.assert_frame_equal(a, b)


def test_nullable_dtypes_through_the_preprocessor():
    df = _nullable()
    out = make_preprocessor(df).set_output(transform="pandas").fit_transform(df)
    assert not out.isna().any().any()
    assert set(out["vip"]) <= {0.0, 1.0}  # 0/1, gaps filled with the most common value
    assert {"calls", "missingindicator_calls", "plan_basic", "level_1"} <= set(out.columns)
    assert "row" not in out.columns  # an id: dropped


def test_history_kinds(history):
    kinds = infer_feature_types(history, target="churned").set_index("column")["kind"]
    assert kinds.to_dict() == {
        "customer_id": "identifier", "month": "datetime", "signup_date": "datetime",
        "age": "numeric", "region": "categorical", "plan": "categorical",
        "contract": "categorical", "payment_method": "categorical",
        "tenure_months": "numeric", "monthly_charges": "numeric", "data_usage_gb": "numeric",
        "support_calls_90d": "numeric", "autopay": "boolean", "paperless_billing": "boolean",
        "family_plan": "boolean", "device_model": "high_cardinality", "last_complaint": "text",
        "exit_survey_score": "leaky", "churned": "target"}


def test_rules_order_first_match_wins():
    # A 0/1 numeric column is a flag (rule only_0_and_1), not integer codes that come later.
    names = [r.name for r in features.RULES]
    assert names.index("only_0_and_1") < names.index("integer_codes")
    types = infer_feature_types(pd.DataFrame({"flag": [0, 1, 1, 0, 1]}))
    assert types.loc[0, "rule"] == "only_0_and_1"


def test_mostly_missing_threshold():
    values = [np.nan] * 96 + [1.0, 2.0, 3.0, 4.0]
    types = infer_feature_types(pd.DataFrame({"x": values, "z": range(100)}))
    assert types.loc[0, "kind"] == "mostly_missing"
    assert "96%" in types.loc[0, "why"]


# --- make_preprocessor: fits and predicts on every dtype -------------------------------------
def _fit_predict(train, test, **kwargs):
    X, y = train.drop(columns="y"), train["y"]
    pipe = make_pipeline(make_preprocessor(X, **kwargs), LogisticRegression(max_iter=1000))
    pipe.fit(X, y)
    return pipe, pipe.predict_proba(test.drop(columns="y"))


@pytest.mark.parametrize("column", ["plan_str", "plan_na", "plan_cat", "amount_text",
                                    "level_code", "signed", "device", "note", "vip"],
                         ids=["str-with-nan", "pd.NA-string", "category", "numbers-as-text",
                              "integer-codes", "date-strings", "high-cardinality", "text",
                              "boolean"])
def test_pipeline_on_one_column_kind(mixed, column):
    frame = mixed[[column, "y"]]
    _, proba = _fit_predict(frame, frame)
    assert proba.shape == (len(frame), 2)
    assert np.isfinite(proba).all()


def test_pipeline_on_everything_with_unseen_categories(mixed):
    test = _mixed(n=50, seed=1)
    test["plan_str"] = pd.Series(["brand-new plan"] * 50, dtype="str")
    test["plan_na"] = pd.array(["never seen"] * 25 + [pd.NA] * 25, dtype="string")
    test["plan_cat"] = pd.Categorical(["other"] * 50)
    test["device"] = "unseen device"
    test["level_code"] = 9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "unknown categories" is expected
        _, proba = _fit_predict(mixed, test)
    assert proba.shape == (50, 2)
    assert np.isfinite(proba).all()


def test_unseen_category_encodes_as_infrequent_or_zeros():
    train = pd.DataFrame({"plan": ["a"] * 50 + ["b"] * 50})
    pre = make_preprocessor(train).set_output(transform="pandas").fit(train)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = pre.transform(pd.DataFrame({"plan": ["c"]}))
    assert out.to_numpy().tolist() == [[0.0, 0.0]]


def test_rare_levels_are_grouped():
    train = pd.DataFrame({"plan": ["a"] * 300 + ["b"] * 300 + ["rare"]})
    names = make_preprocessor(train).fit(train).get_feature_names_out().tolist()
    assert names == ["plan_a", "plan_b", "plan_infrequent_sklearn"]


def test_set_output_pandas_and_names(mixed):
    X, y = mixed.drop(columns="y"), mixed["y"]
    out = make_preprocessor(X).set_output(transform="pandas").fit_transform(X, y)
    assert isinstance(out, pd.DataFrame)
    assert {"price", "missingindicator_price", "plan_cat_pro", "amount_text", "vip",
            "signed_age_days", "device", "note_expensive"} <= set(out.columns)
    assert not {"id", "constant", "empty"} & set(out.columns)
    assert out.notna().all().all()


def test_numbers_as_text_are_parsed():
    X = pd.DataFrame({"amount": ["1,234", "N/A", "10", "-", "2,000"] * 4})
    pre = make_preprocessor(X).set_output(transform="pandas").fit(X)
    assert pre.named_transformers_["numeric_from_text"].steps[0][0] == "to_number"
    assert ToNumber().fit_transform(X).ravel()[:5].tolist()[::2] == [1234.0, 10.0, 2000.0]


def test_drop_and_target_options(history):
    X = history.drop(columns="churned")
    kept = make_preprocessor(X, drop=["exit_survey_score"]).fit(X, history["churned"])
    assert "exit_survey_score" not in set(kept.get_feature_names_out())
    from_target = make_preprocessor(history, target="churned")
    assert dict((n, c) for n, _, c in from_target.transformers)["leaky"] == ["exit_survey_score"]


def test_types_table_can_be_edited():
    X = pd.DataFrame({"calls": [0, 1, 2, 3, 4, 5, 6, 7] * 5})
    types = infer_feature_types(X)
    assert types.loc[0, "kind"] == "numeric"
    types.loc[0, "kind"] = "categorical"
    assert len(make_preprocessor(types).fit(X).get_feature_names_out()) == 8


@pytest.mark.parametrize("option", ["frequency", "target"], ids=["frequency", "target"])
def test_high_cardinality_options(mixed, option):
    X, y = mixed[["device"]], mixed["y"]
    pre = make_preprocessor(X, high_cardinality=option).fit(X, y)
    encoder = pre.named_transformers_["high_cardinality"].steps[-1][1]
    assert isinstance(encoder, FrequencyEncoder if option == "frequency" else SeededTargetEncoder)


def test_text_can_be_dropped(mixed):
    pre = make_preprocessor(mixed[["note", "price"]], text="drop")
    assert dict((n, c) for n, _, c in pre.transformers)["dropped"] == ["note"]


def test_target_encoding_is_reproducible(history):
    X, y = history.drop(columns="churned"), history["churned"]
    a = make_preprocessor(X, seed=3).fit_transform(X, y)
    b = make_preprocessor(X, seed=3).fit_transform(X, y)
    c = make_preprocessor(X, seed=4).fit_transform(X, y)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)  # the seed does reach the cross-fitting folds


# --- the custom transformers ------------------------------------------------------------------
def test_frequency_encoder_values():
    enc = FrequencyEncoder().fit(pd.DataFrame({"d": ["a", "a", None, "b"]}))
    out = enc.transform(pd.DataFrame({"d": ["a", None, "b", "zzz"]})).ravel()
    np.testing.assert_allclose(out, [0.5, 0.25, 0.25, 0.0])


def test_date_encoder_parts_match_pandas():
    dates = pd.Series(pd.to_datetime(["2024-02-29", "2023-12-31", None]))
    out = DateEncoder().fit_transform(dates.to_frame("d"))
    assert out[0, :3].tolist() == [2024.0, 2.0, 3.0]  # a Thursday
    assert out[1, 3] == (dates[0] - dates[1]).days
    assert np.isnan(out[2]).all()


def test_missing_as_nan_merges_none_and_nan():
    X = pd.DataFrame({"a": pd.Series(["x", None, np.nan], dtype=object)})
    out = MissingAsNaN().fit_transform(X)
    assert out[0, 0] == "x" and all(isinstance(v, float) and np.isnan(v) for v in out[1:, 0])


def test_bag_of_words_drops_stop_words_and_handles_missing():
    X = pd.DataFrame({"t": ["the price is too high", None, "price"]})
    bow = BagOfWords().fit(X)
    assert bow.get_feature_names_out().tolist() == ["t_high", "t_price"]
    assert bow.transform(X).tolist() == [[1.0, 1.0], [0.0, 0.0], [0.0, 1.0]]


# --- skops round trip -------------------------------------------------------------------------
def test_skops_round_trip_trusts_only_toolkit_types(mixed):
    X, y = mixed.drop(columns="y"), mixed["y"]
    pipe = make_pipeline(make_preprocessor(X), LogisticRegression(max_iter=1000)).fit(X, y)
    data = sio.dumps(pipe)
    untrusted = sio.get_untrusted_types(data=data)
    assert untrusted, "the pipeline holds toolkit transformers, so some types are untrusted"
    assert all(name.startswith("toolkit.") for name in untrusted)
    assert set(untrusted) <= set(features.TRUSTED_TYPES)
    loaded = sio.loads(data, trusted=untrusted)
    np.testing.assert_allclose(loaded.predict_proba(X), pipe.predict_proba(X))


def test_skops_round_trip_with_frequency_encoder(history):
    X, y = history.drop(columns="churned"), history["churned"]
    pipe = make_pipeline(make_preprocessor(X, drop=["exit_survey_score"],
                                           high_cardinality="frequency"),
                         LogisticRegression(max_iter=1000)).fit(X, y)
    buffer = io.BytesIO(sio.dumps(pipe))
    data = buffer.getvalue()
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    np.testing.assert_allclose(loaded.predict_proba(X[:100]), pipe.predict_proba(X[:100]))


# --- ages counted from each row's own date (age_reference) -------------------------------------
def _snapshots():
    """Two customers seen in two months each: the later snapshot must be the older age."""
    return pd.DataFrame({
        "signed": pd.to_datetime(["2023-01-01", "2023-06-15", "2023-01-01", "2023-06-15"]),
        "month": pd.to_datetime(["2024-01-01", "2024-01-01", "2025-01-01", "2025-01-01"]),
        "charges": [10.5, 31.0, 12.25, 7.5],
    })


def test_date_encoder_reference_is_each_rows_own_date():
    X = _snapshots()[["signed", "month"]]
    out = DateEncoder(reference="month").fit(X).transform(X)
    expected = (X["month"] - X["signed"]).dt.days.to_numpy(dtype=float)  # pandas as the oracle
    np.testing.assert_array_equal(out[:, 3], expected)
    assert out[2, 3] - out[0, 3] == 366  # the same customer, a (leap) year later
    assert out.shape == (4, 4)  # the reference column makes no output of its own


def test_date_encoder_reference_ages_future_rows_unlike_fit_time_age():
    X = _snapshots()[["signed", "month"]]
    train, later = X.iloc[:2], X.iloc[2:]
    frozen = DateEncoder().fit(train[["signed"]]).transform(later[["signed"]])[:, 3]
    relative = DateEncoder(reference="month").fit(train).transform(later)[:, 3]
    np.testing.assert_array_equal(frozen, [165.0, 0.0])  # ages stopped at the fit
    np.testing.assert_array_equal(relative, [731.0, 566.0])  # ages on 2025-01-01


def test_date_encoder_reference_as_text_and_missing():
    X = pd.DataFrame({"signed": ["2024-01-10", None, "2024-02-01"],
                      "month": ["2024-02-01", "2024-02-01", None]})
    out = DateEncoder(reference="month").fit(X).transform(X)
    assert out[0, 3] == 22.0 and np.isnan(out[1]).all() and np.isnan(out[2, 3])


def test_make_preprocessor_age_reference(history):
    X, y = history.drop(columns="churned"), history["churned"]
    pre = make_preprocessor(X, drop=["exit_survey_score"], age_reference="month")
    pre.set_output(transform="pandas").fit(X, y)
    names = pre.get_feature_names_out().tolist()
    assert not any(n.startswith("month_") for n in names)
    assert "signup_date_age_days" in names
    table = describe_preprocessor(pre).set_index("column")
    assert table.loc["month", "kind"] == "age_reference"
    assert table.loc["month", "steps"] == "drop"
    assert table.loc["signup_date", "steps"].startswith("date parts + age in days at each row's month")
    assert table.index.is_unique and table["n_outputs"].sum() == len(names)
    encoder = pre.named_transformers_["datetime"].named_steps["dates"]
    ages = encoder.transform(X[["signup_date", "month"]])["signup_date_age_days"]
    expected = (pd.to_datetime(X["month"]) - pd.to_datetime(X["signup_date"])).dt.days
    np.testing.assert_array_equal(ages.to_numpy(), expected.to_numpy(dtype=float))


def test_age_reference_from_the_types_table(history):
    X, y = history.drop(columns=["churned", "exit_survey_score"]), history["churned"]
    types = infer_feature_types(X)
    edited = types.assign(kind=types["kind"].where(types["column"] != "month", "age_reference"))
    a = make_preprocessor(edited).fit(X, y).get_feature_names_out()
    b = make_preprocessor(types, age_reference="month").fit(X, y).get_feature_names_out()
    assert a.tolist() == b.tolist()


def test_skops_round_trip_with_age_reference(history):
    X, y = history.drop(columns="churned")[:2000], history["churned"][:2000]
    pipe = make_pipeline(make_preprocessor(X, drop=["exit_survey_score"], age_reference="month"),
                         LogisticRegression(max_iter=1000)).fit(X, y)
    data = sio.dumps(pipe)
    untrusted = sio.get_untrusted_types(data=data)
    assert set(untrusted) <= set(features.TRUSTED_TYPES)
    assert "toolkit._encoders.DateEncoder" in untrusted
    loaded = sio.loads(data, trusted=features.TRUSTED_TYPES)
    np.testing.assert_allclose(loaded.predict_proba(X[:100]), pipe.predict_proba(X[:100]))


# --- describe_preprocessor -----------------------------------------------------------------------
def test_describe_fitted_and_unfitted(history):
    X, y = history.drop(columns="churned"), history["churned"]
    pre = make_preprocessor(X, drop=["exit_survey_score"])
    unfitted = describe_preprocessor(pre)
    assert (unfitted["output_columns"] == "(fit first)").all()
    table = describe_preprocessor(pre.fit(X, y)).set_index("column")
    assert table.loc["age", "output_columns"] == "age, missingindicator_age"
    assert table.loc["customer_id", "steps"] == "drop"
    assert table.loc["exit_survey_score", "kind"] == "dropped"
    assert table["n_outputs"].sum() == len(pre.get_feature_names_out())


# --- check_leakage ----------------------------------------------------------------------------
def test_check_leakage_finds_exit_survey(history):
    found = check_leakage(history, "churned")
    assert found["column"].tolist() == ["exit_survey_score"]
    assert found.loc[0, "check"] == "filled only for one outcome"
    assert "churned = 1" in found.loc[0, "evidence"]


def test_check_leakage_single_column_predictor():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    df = pd.DataFrame({"copy": np.where(y == 1, "yes", "no"), "noise": rng.normal(size=500),
                       "y": y})
    table = check_leakage(df, "y", show_all=True).set_index("column")
    assert table.loc["copy", "flagged"] and table.loc["copy", "score"] == 1.0
    assert not table.loc["noise", "flagged"] and table.loc["noise", "score"] < 0.6


def test_check_leakage_continuous_target():
    rng = np.random.default_rng(0)
    y = rng.normal(size=500)
    df = pd.DataFrame({"twin": y * 2 + 1, "noise": rng.normal(size=500), "y": y})
    assert check_leakage(df, "y")["column"].tolist() == ["twin"]


# --- bad input --------------------------------------------------------------------------------
BAD = {
    "empty frame": (lambda: infer_feature_types(pd.DataFrame()), ValueError, "empty"),
    "duplicate names": (lambda: infer_feature_types(pd.DataFrame([[1, 2]], columns=["a", "a"])),
                        ValueError, "duplicate column names"),
    "unknown target": (lambda: infer_feature_types(_mixed(), target="nope"), ValueError,
                       r"target names column\(s\) \['nope'\]"),
    "target with NaN": (lambda: check_leakage(pd.DataFrame({"x": [1, 2, 3], "y": [0, np.nan, 1]}),
                                              "y"), ValueError, "1 missing value"),
    "all-missing frame": (lambda: infer_feature_types(pd.DataFrame({"a": [np.nan, np.nan]})),
                          ValueError, "only missing values"),
    "nothing left": (lambda: make_preprocessor(pd.DataFrame({"a": [np.nan] * 3, "b": [1] * 3})),
                     ValueError, "no column to learn from"),
    "not a frame": (lambda: infer_feature_types([[1, 2]]), TypeError, "must be a pandas DataFrame"),
    "not a frame (preprocessor)": (lambda: make_preprocessor(np.zeros((2, 2))), TypeError,
                                   "df_or_types must be a pandas DataFrame"),
    "int column names": (lambda: infer_feature_types(pd.DataFrame([[1, 2]])), TypeError,
                         "column names must be strings"),
    "unknown drop": (lambda: make_preprocessor(_mixed(), drop=["nope"]), ValueError,
                     r"drop names column\(s\) \['nope'\]"),
    "bad option": (lambda: make_preprocessor(_mixed(), high_cardinality="hash"), ValueError,
                   "high_cardinality must be one of 'target', 'frequency'; got 'hash'"),
    "bad text option": (lambda: make_preprocessor(_mixed(), text="tfidf"), ValueError,
                        "text must be one of"),
    "unknown kind": (lambda: make_preprocessor(infer_feature_types(_mixed()).assign(kind="x")),
                     ValueError, r"unknown kind\(s\) \['x'\]"),
    "unknown age_reference": (lambda: make_preprocessor(_snapshots(), age_reference="day"),
                              ValueError, r"age_reference names column\(s\) \['day'\]"),
    "age_reference not a date": (lambda: make_preprocessor(_snapshots(), age_reference="charges"),
                                 ValueError, "age_reference must name a date column; 'charges' "
                                 "is of kind 'numeric'"),
    "age_reference not a str": (lambda: make_preprocessor(_snapshots(), age_reference=["month"]),
                                TypeError, r"age_reference must be the name of a date column "
                                r"\(a str\); got \['month'\]"),
    "reference not in X": (lambda: DateEncoder(reference="month").fit(_snapshots()[["signed"]]),
                           ValueError, r"reference must be one of the columns of X \['signed'\]; "
                           "got 'month'"),
    "describe non-CT": (lambda: describe_preprocessor("x"), TypeError, "ColumnTransformer"),
    "one class target": (lambda: check_leakage(pd.DataFrame({"x": [1, 2], "y": [1, 1]}), "y"),
                         ValueError, "at least 2 classes"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input(case):
    call, error, message = BAD[case]
    with pytest.raises(error, match=message):
        call()


def test_preprocessor_is_a_column_transformer_with_explicit_lists(mixed):
    pre = make_preprocessor(mixed.drop(columns="y"))
    assert isinstance(pre, ColumnTransformer)
    assert all(isinstance(cols, list) for _, _, cols in pre.transformers)


# --- each custom transformer on its own ---------------------------------------------------------
TRANSFORMERS = {
    "ToNumber": (ToNumber(), pd.DataFrame({"x": ["1,234", "N/A", "7"]})),
    "MissingAsNaN": (MissingAsNaN(), pd.DataFrame({"x": pd.array(["a", pd.NA, "b"],
                                                                 dtype="string")})),
    "DateEncoder": (DateEncoder(), pd.DataFrame({"x": ["2024-01-01", None, "2024-03-01"]})),
    "FrequencyEncoder": (FrequencyEncoder(), pd.DataFrame({"x": ["a", "a", "b"]})),
    "BagOfWords": (BagOfWords(), pd.DataFrame({"x": ["too expensive", None, "no signal"]})),
    "SeededTargetEncoder": (SeededTargetEncoder(), pd.DataFrame({"x": ["a", "b"] * 10})),
    "RareLevelOneHot": (features.RareLevelOneHot(min_frequency=0.3),
                        pd.DataFrame({"x": ["a", "a", "b", None, "a", "c", "b", "b", "a", "a"]})),
    "Imputer": (features.Imputer(strategy="median", add_indicator=True),
                pd.DataFrame({"x": [1.0, np.nan, 3.0]})),
}


@pytest.mark.parametrize("name", list(TRANSFORMERS), ids=list(TRANSFORMERS))
def test_custom_transformer_is_sklearn_compatible(name):
    from sklearn.base import clone

    transformer, X = TRANSFORMERS[name]
    y = np.arange(len(X)) % 2
    fitted = clone(transformer).set_output(transform="pandas").fit(X, y)
    out = fitted.transform(X)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == fitted.get_feature_names_out().tolist()
    data = sio.dumps(fitted)
    untrusted = sio.get_untrusted_types(data=data)
    assert untrusted == [f"{type(transformer).__module__}.{type(transformer).__name__}"]
    loaded = sio.loads(data, trusted=untrusted)
    pd.testing.assert_frame_equal(loaded.transform(X), out)


def _rare_cases(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    gaps = rng.random(n)
    return {
        "str with rare levels": pd.Series(rng.choice(["a", "b", "c", "r1", "r2"], n,
                                                     p=[.5, .3, .19, .006, .004]), dtype="str"),
        "str with gaps": pd.Series(np.where(gaps < .05, None, rng.choice(["x", "y", "zz"], n)),
                                   dtype="str"),
        "rare gaps": pd.Series(np.where(gaps < .003, None, rng.choice(["x", "y"], n)),
                               dtype=object),
        "None and NaN": pd.Series(rng.choice(["x", "y"], n).astype(object))
        .mask(gaps < .05, None).mask(gaps > .95, np.nan),
        "category": pd.Series(pd.Categorical(rng.choice(["p", "q", "r"], n, p=[.6, .395, .005]),
                                             categories=["r", "q", "p", "unused"])),
        "integer codes": pd.Series(rng.choice([1, 2, 3, 4, 5], n, p=[.3, .3, .3, .095, .005])),
        "pd.NA string": pd.Series(pd.array(np.where(gaps < .1, None, rng.choice(["u", "v"], n)),
                                           dtype="string")),
        "every level rare": pd.Series([f"id{i}" for i in range(n)], dtype="str"),
        "no rare level": pd.Series(rng.choice(["m", "n"], n), dtype="str"),
    }


@pytest.mark.parametrize("case", list(_rare_cases()), ids=list(_rare_cases()))
def test_rare_level_one_hot_matches_sklearn_one_hot_encoder(case):
    from sklearn.preprocessing import OneHotEncoder

    from toolkit.features import RareLevelOneHot

    column = _rare_cases()[case]
    train = column.to_frame("c")
    unseen = pd.Series([7 if pd.api.types.is_numeric_dtype(column) else "never seen", None],
                       dtype=object)
    test = pd.concat([column.iloc[:200].astype(object), unseen.astype(object)],
                     ignore_index=True).to_frame("c")
    oracle = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=0.01,
                           sparse_output=False).fit(MissingAsNaN().fit_transform(train))
    ours = RareLevelOneHot(min_frequency=0.01).fit(train)
    assert ours.get_feature_names_out().tolist() == oracle.get_feature_names_out(["c"]).tolist()
    for frame in (train, test):
        np.testing.assert_array_equal(ours.transform(frame),
                                      oracle.transform(MissingAsNaN().fit_transform(frame)))
    np.testing.assert_array_equal(RareLevelOneHot(min_frequency=0.01).fit_transform(train),
                                  ours.transform(train))


def test_rare_level_one_hot_integer_min_frequency():
    from toolkit.features import RareLevelOneHot

    X = pd.DataFrame({"c": ["a"] * 5 + ["b"] * 2 + ["c"]})
    enc = RareLevelOneHot(min_frequency=2).fit(X)  # fewer than 2 rows: "c" only
    assert enc.get_feature_names_out().tolist() == ["c_a", "c_b", "c_infrequent_sklearn"]


def test_imputer_median_matches_simple_imputer_with_empty_columns():
    from sklearn.impute import SimpleImputer

    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 1001):
        X = rng.normal(size=(n, 4))
        X[rng.random((n, 4)) < 0.3] = np.nan
        X[:, 3] = np.nan  # all missing: dropped by default, kept as 0 with keep_empty_features
        for keep in (False, True):
            options = {"strategy": "median", "add_indicator": True, "keep_empty_features": keep}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "Skipping features without ..."
                theirs = SimpleImputer(**options).fit(X)
                ours = features.Imputer(**options).fit(X)
                np.testing.assert_array_equal(ours.statistics_, theirs.statistics_)
                np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))


def test_imputer_keeps_simple_imputer_behaviour():
    from sklearn.impute import SimpleImputer

    X = np.array([[1.0, np.nan], [np.nan, 2.0], [3.0, 4.0]])
    ours = features.Imputer(strategy="median", add_indicator=True).fit_transform(X)
    theirs = SimpleImputer(strategy="median", add_indicator=True).fit_transform(X)
    np.testing.assert_array_equal(ours, theirs)


# --- plot_leakage ---------------------------------------------------------------------------------
def test_plot_leakage_marks_flagged_columns(history):
    ax = features.plot_leakage(check_leakage(history, "churned", show_all=True))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "exit_survey_score"  # the highest bar is drawn last
    assert any(t.get_text() == "filled only for one outcome" for t in ax.texts)


def test_plot_leakage_bad_table():
    with pytest.raises(ValueError, match="must come from check_leakage"):
        features.plot_leakage(pd.DataFrame({"column": ["a"]}))


def test_infer_with_target_nan():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, np.nan, 1]})
    with pytest.raises(ValueError, match="target column 'y' contains 1 missing value"):
        infer_feature_types(df, target="y")


@pytest.mark.parametrize(("module", "own_helpers"), [(feature_types, {"TEXTLIKE"}), (leakage, set())],
                         ids=["feature_types", "leakage"])
def test_features_re_exports_the_modules_it_was_split_into(module, own_helpers):
    assert set(module.__all__) - own_helpers <= set(features.__all__)
    for name in module.__all__:
        if name in features.__all__:
            assert getattr(features, name) is getattr(module, name)


def test_trusted_types_name_the_encoders_where_they_live():
    # a saved model records these paths: moving a class would break loading older models
    assert features.TRUSTED_TYPES == [f"toolkit._encoders.{name}" for name in (
        "BagOfWords", "DateEncoder", "FrequencyEncoder", "Imputer", "MissingAsNaN",
        "RareLevelOneHot", "SeededTargetEncoder", "ToNumber")] + [
        "toolkit.estimators.LogisticRegression"]
