"""InputSchema on every dtype the course meets, and on values JSON can carry that no column wants.

Nullable ``Int64``/``boolean``, pandas' ``string`` and pandas 3's ``str`` are recorded and
coerced back to themselves; infinities, numbers too big for their integer column, and JSON
objects, lists or booleans where a number, a category or a date belongs are refused with the
column named, never converted with ``str()`` or wrapped around to -9.2e18.
"""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from toolkit.schema import DEFAULT_ACTIONS, InputSchema

NULLABLE = {
    "Int64": pd.array([1, None, 3, 4], dtype="Int64"),
    "Int64 without gaps": pd.array([1, 2, 3, 4], dtype="Int64"),
    "boolean": pd.array([True, None, False, True], dtype="boolean"),
    "string": pd.array(["x", None, "y", "x"], dtype="string"),
    "str": pd.Series(["x", None, "y", "x"]).astype("str").array,
    "Float64": pd.array([1.5, None, 3.0, 4.0], dtype="Float64"),
}


@pytest.mark.parametrize("values", NULLABLE.values(), ids=NULLABLE.keys())
def test_nullable_and_string_dtypes_are_recorded_and_coerced_back(values):
    frame = pd.DataFrame({"a": values})
    schema = InputSchema.from_frame(frame)
    assert schema.validate(frame).empty and schema.validate(frame.iloc[::-1]).empty
    coerced = schema.coerce(frame)
    assert coerced["a"].dtype == frame["a"].dtype
    pd.testing.assert_frame_equal(coerced, frame)
    again = InputSchema.from_dict(json.loads(json.dumps(schema.to_dict())))
    records = pd.DataFrame(json.loads(frame.to_json(orient="records")))  # what a client sends
    pd.testing.assert_frame_equal(again.coerce(records), frame)


def test_invalid_number_refuses_by_default():
    assert DEFAULT_ACTIONS["invalid number"] == "refuse"


def _problems(schema, frame):
    table = schema.validate(frame)
    rows = table[["column", "problem", "action", "rows"]].itertuples(index=False)
    return {(c, p): (a, r) for c, p, a, r in rows}


@pytest.fixture(scope="module")
def schema():
    return InputSchema.from_frame(pd.DataFrame({
        "x": [0.0, 1.0, 2.0], "n": [1, 2, 3], "plan": pd.Categorical(["a", "b", "a"]),
        "name": ["p", "q", "r"], "on": [True, False, True],
        "day": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])}))


def _row(**changes):
    row = {"x": 1.0, "n": 2, "plan": "a", "name": "p", "on": True, "day": "2024-02-01"}
    return pd.DataFrame([row | changes], dtype=object)


@pytest.mark.parametrize("column, value", [
    ("x", float("inf")), ("x", -float("inf")), ("n", float("inf")),
    ("n", 1e30), ("n", 10**30), ("n", -(10**30)), ("n", 10**400), ("n", 2**63),
], ids=["inf", "-inf", "int inf", "int 1e30", "int 10**30", "int -10**30", "int 10**400", "int 2**63"])
def test_numbers_that_are_not_finite_or_too_big_are_refused(schema, column, value):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # before: "invalid value encountered in cast", and -9.2e18
        found = _problems(schema, _row(**{column: value}))
    assert found == {(column, "invalid number"): ("refuse", 1)}


def test_the_largest_int64_is_still_an_integer(schema):
    found = _problems(schema, _row(n=2**62))
    assert found == {("n", "out of range"): ("warn", 1)}


@pytest.mark.parametrize("column, value", [
    ("plan", {"a": 1}), ("plan", ["a"]), ("plan", True),
    ("name", {"first": "p"}), ("name", ["p"]), ("name", False),
    ("x", True), ("x", {"v": 1}), ("x", [1.0]), ("n", False),
    ("day", {"y": 2024}), ("day", True), ("day", [2024, 1, 1]),
    ("on", {"v": True}), ("on", [True]),
])
def test_objects_lists_and_booleans_where_they_do_not_belong_are_refused(schema, column, value):
    table = schema.validate(_row(**{column: value}))
    refused = table[table["action"] == "refuse"]
    assert refused[["column", "problem"]].values.tolist() == [[column, "wrong dtype"]]


def test_text_and_numbers_still_convert(schema):
    frame = _row(x="1.5", n="3", on="false", name=7)
    assert set(schema.validate(frame)["action"]) <= {"warn"}  # "7" is a name training never saw
    coerced = schema.coerce(frame)
    assert coerced.loc[0, "x"] == 1.5 and coerced.loc[0, "n"] == 3 and not coerced.loc[0, "on"]
    assert coerced.loc[0, "name"] == "7"


def test_json_nan_is_missing_not_invalid(schema):
    found = _problems(schema, _row(x=float("nan")))
    assert found == {("x", "missing values"): ("refuse", 1)}


def test_a_frame_with_infinities_names_the_column(schema):
    frame = pd.DataFrame({"x": [1.0, np.inf, -np.inf], "n": [1, 2, 3], "plan": ["a"] * 3,
                          "name": ["p"] * 3, "on": [True] * 3,
                          "day": pd.to_datetime(["2024-01-01"] * 3)})
    table = schema.validate(frame)
    assert table[["column", "problem", "rows"]].values.tolist() == [["x", "invalid number", 2]]
    assert "inf" in table.loc[0, "detail"]
