"""What every bad-input test shares: generators, the call check, the case counter, the budget.

Frames are drawn with empty, constant, all-missing, mixed-type, duplicated, unicode-named and
non-string-named columns, NaN and infinities, and every dtype the course meets (float, int,
pandas-3 ``str``, pandas' ``string``, ``category``, nullable ``Int64``/``boolean``, ``bool``,
``object``, datetimes). Labels come with one class, three classes, text, gaps, nullable dtypes,
the wrong length or the wrong shape; scalar arguments are drawn from :func:`anything`, any
Python value at all. :func:`check` runs one call: it must either work or fail with a
``ValueError``/``TypeError`` whose message names the argument it is about, and it must leave
its inputs as they were.

**Budget.** Every test states its example count with :func:`examples`; the profile scales them
all: ``BAD_INPUT_PROFILE=ci`` (the default: the whole suite in about two minutes on the 2-core
machine), ``quick`` (a fifth, while editing) or ``thorough`` (five times, before a release).
Examples are derandomized, so a run is the same everywhere and a strict ``xfail`` stays stable.
"""

from __future__ import annotations

import copy
import math
import os
import re
import warnings
from collections import Counter

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

#: Calls tried, per function (``conftest.py`` prints it at the end of the session).
CASES: Counter = Counter()
#: Of those, the calls that returned (the rest were refused with a message naming the argument).
WORKED: Counter = Counter()
#: (function, the refusal's first words): what refused the others (``BAD_INPUT_REASONS=1`` prints it).
REASONS: Counter = Counter()

_SCALES = {"quick": 0.2, "ci": 1.0, "thorough": 5.0}
PROFILE = os.environ.get("BAD_INPUT_PROFILE", "ci")
if PROFILE not in _SCALES:
    raise ValueError(f"BAD_INPUT_PROFILE must be one of {sorted(_SCALES)!r}; got {PROFILE!r}.")
for _name, _scale in _SCALES.items():
    settings.register_profile(f"bad-input-{_name}", max_examples=round(150 * _scale), deadline=None,
                              derandomize=True, database=None,
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                     HealthCheck.filter_too_much])
settings.load_profile(f"bad-input-{PROFILE}")


def examples(n: int, *, known_failure: bool = False) -> settings:
    """``@examples(n)``: this test's example count under the ``ci`` profile (scaled by the others).

    ``known_failure=True`` (a test marked strict ``xfail``) stops at the first failure: no
    search for a smaller example or for other bugs, which would only spend time.
    """
    if known_failure and not os.environ.get("BAD_INPUT_SHRINK"):  # set it to see a small failing case
        return settings(max_examples=max(1, round(n * _SCALES[PROFILE])), report_multiple_bugs=False,
                        phases=[Phase.explicit, Phase.reuse, Phase.generate])
    return settings(max_examples=max(1, round(n * _SCALES[PROFILE])))


# ----------------------------------------------------------------------------- frames
#: Column names: ASCII, unicode, a space, two that differ by case only, numbers, the empty string.
NAMES = st.sampled_from(["a", "b", "ü_größe", "日本", "with space", "Score", "score", 0, 1, 2.5, ""])
#: Text names only: for the functions that refuse other names (``features`` selects by name).
TEXT_NAMES = st.sampled_from(["a", "b", "ü_größe", "日本", "with space", "Score", "score", ""])
KINDS = ("float", "int", "binary", "str", "string", "category", "Int64", "boolean", "bool", "object",
         "datetime")
#: For a frame whose first column is a 0/1 target: half its columns are binary.
TARGET_KINDS = ("binary",) * len(KINDS) + KINDS


@st.composite
def columns(draw, n, kinds=KINDS):
    """One column of ``n`` rows, of a drawn kind and shape (normal, constant, all missing, wild)."""
    kind = draw(st.sampled_from(kinds))
    shape = draw(st.sampled_from(["normal", "constant", "all missing", "wild"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if kind in ("float", "int", "Int64"):
        values = rng.normal(0, 10, n)
        if shape == "wild":
            values[rng.random(n) < 0.3] = rng.choice([np.inf, -np.inf, np.nan, 1e300])
    elif kind in ("bool", "boolean"):
        values = rng.random(n) < 0.5
    elif kind == "binary":  # a 0/1 label or flag
        values = rng.integers(0, 2, n)
    elif kind == "datetime":
        values = pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    else:
        values = rng.choice(["x", "y", "z", "ünï", ""], n)
        if shape == "wild":
            odd = [1, 2.5, None, True]
            values = np.array([v if rng.random() > 0.3 else rng.choice(odd) for v in values], dtype=object)
    series = pd.Series(values)
    if shape == "constant" and n:
        series = pd.Series([series.iloc[0]] * n, dtype=series.dtype)
    if shape == "all missing":
        series = pd.Series([None] * n, dtype=object)
    return _as_kind(series, kind, shape)


def _as_kind(series, kind, shape):
    try:
        if kind == "int" and shape == "normal":
            return series.round().astype("int64")
        if kind == "Int64":
            return pd.to_numeric(series, errors="coerce").round().astype("Int64")
        if kind == "str" and shape != "wild":
            return series.astype("str")
        if kind == "string":
            return series.astype("string")
        if kind == "category":
            return series.astype("category")
        if kind == "boolean":
            return series.astype("boolean")
        if kind == "object":
            return series.astype(object)
    except (TypeError, ValueError, OverflowError):
        return series.astype(object)
    return series


@st.composite
def frames(draw, min_rows=0, max_rows=40, min_cols=0, max_cols=5, names=NAMES, kinds=KINDS):
    """A frame of drawn columns; one in four repeats a name (duplicated columns)."""
    n = draw(st.integers(min_rows, max_rows))
    unique = draw(st.sampled_from([True, True, True, False]))
    labels = draw(st.lists(names, min_size=min_cols, max_size=max_cols, unique=unique))
    data = [draw(columns(n, kinds)) for _ in labels]
    frame = pd.concat(data, axis=1) if data else pd.DataFrame(index=range(n))
    if data:
        frame.columns = labels
    return frame


@st.composite
def named_frames(draw, names, min_rows=0, max_rows=30, kinds=KINDS, valid=None):
    """A frame with the columns ``names``: usually all of them, sometimes one dropped or one
    repeated. Each column has a drawn kind, except in two frames out of three where ``valid``
    (name -> function of the row count giving a strategy of ``n`` values) draws it."""
    n = draw(st.integers(min_rows, max_rows))
    chosen = list(names)
    change = draw(st.sampled_from(["none", "none", "none", "drop", "duplicate"]))
    if change == "drop" and chosen:
        chosen.remove(draw(st.sampled_from(chosen)))
    if change == "duplicate" and chosen:
        chosen.append(chosen[0])
    use_valid = valid is not None and draw(st.sampled_from([True, True, False]))
    data = [pd.Series(draw(valid[name](n))) if use_valid and name in valid else draw(columns(n, kinds))
            for name in chosen]
    if not data:
        return pd.DataFrame(index=range(n))
    frame = pd.concat([series.reset_index(drop=True) for series in data], axis=1)
    frame.columns = chosen
    return frame


@st.composite
def frame_pairs(draw, min_rows=0, max_rows=40, min_cols=0, max_cols=5, names=NAMES):
    """(reference, current): usually the same column names (current's columns drawn anew, or
    reference's own rows reshuffled), sometimes two unrelated frames."""
    reference = draw(frames(min_rows, max_rows, min_cols, max_cols, names=names))
    how = draw(st.sampled_from(["same names", "same names", "resampled", "unrelated"]))
    if how == "unrelated":
        return reference, draw(frames(min_rows, max_rows, min_cols, max_cols, names=names))
    if how == "resampled":
        n = draw(st.integers(min_rows, max_rows))
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        rows = rng.integers(0, len(reference), n) if len(reference) else []
        return reference, reference.iloc[rows].reset_index(drop=True)
    current = draw(named_frames(list(reference.columns), min_rows=min_rows, max_rows=max_rows))
    return reference, current


def first_column(frame):
    """The frame's first column name, or ``"a"`` (not a column) when it has none."""
    return frame.columns[0] if frame.shape[1] else "a"


#: Drawn in place of a column name, it stands for the frame's first column (:func:`column_of`).
FIRST = "<the first column>"


def column_of(frame, drawn):
    """``drawn``, or the frame's first column when ``drawn`` is :data:`FIRST`."""
    return first_column(frame) if isinstance(drawn, str) and drawn == FIRST else drawn


# ----------------------------------------------------------------------------- labels, scores
# "binary" three times: labels that work are drawn often enough to reach the code behind the checks
LABEL_KINDS = ("binary", "binary", "binary", "one class", "three classes", "text", "with NaN", "too short",
               "floats", "bool", "boolean with NA", "Int64", "category", "string", "list", "2-D",
               "one-column frame")


@st.composite
def labels(draw, n, kinds=LABEL_KINDS):
    """Labels of ``n`` rows, usually a Series: two classes, one, three, text, gaps, the wrong
    length, continuous values, nullable dtypes, a list, a 2-D array or a one-column frame."""
    kind = draw(st.sampled_from(kinds))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    binary = rng.integers(0, 2, n)
    made = {
        "too short": lambda: pd.Series(rng.integers(0, 2, max(n - 1, 0))),
        "one class": lambda: pd.Series(np.ones(n, dtype=int)),
        "three classes": lambda: pd.Series(rng.integers(0, 3, n)),
        "text": lambda: pd.Series(rng.choice(["stays", "churns"], n)),
        "with NaN": lambda: pd.Series(binary.astype(float)).mask(rng.random(n) < 0.2),
        "floats": lambda: pd.Series(rng.normal(size=n)),
        "bool": lambda: pd.Series(binary.astype(bool)),
        "boolean with NA": lambda: pd.Series(binary.astype(bool), dtype="boolean").mask(rng.random(n) < 0.3),
        "Int64": lambda: pd.Series(binary, dtype="Int64"),
        "category": lambda: pd.Series(binary).astype("category"),
        "string": lambda: pd.Series(rng.choice(["stays", "churns"], n), dtype="string"),
        "list": lambda: binary.tolist(),
        "2-D": lambda: np.stack([binary, binary], axis=1),
        "one-column frame": lambda: pd.DataFrame({"y": binary}),
    }
    return made.get(kind, lambda: pd.Series(binary))()


@st.composite
def scores(draw, n):
    """Model scores of ``n`` rows: probabilities, some outside [0, 1], NaN, inf, text, too few."""
    kind = draw(st.sampled_from(["probabilities"] * 3 + ["outside", "with NaN", "infinite", "text",
                                                         "too short", "constant", "2-D"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    values = rng.random(max(n - 1, 0) if kind == "too short" else n)
    if kind == "outside" and n:
        values[0] = 1.5
    if kind == "with NaN" and n:
        values[0] = np.nan
    if kind == "infinite" and n:
        values[0] = np.inf
    if kind == "constant":
        values[:] = 0.5
    if kind == "2-D":
        return np.stack([1 - values, values], axis=1)
    return pd.Series(rng.choice(["low", "high"], n)) if kind == "text" else pd.Series(values)


def draw_options(data, **valid):
    """Keyword arguments for one call, each drawn by ``maybe_count(valid[name])``."""
    return {name: data.draw(maybe_count(strategy), label=name) for name, strategy in valid.items()}


def same_length(*makers, max_rows=40, min_rows=0):
    """A tuple drawn by ``makers`` (functions of a row count) for one drawn row count."""
    return st.integers(min_rows, max_rows).flatmap(lambda n: st.tuples(*(make(n) for make in makers)))


# ----------------------------------------------------------------------------- any value
_ODD = [np.nan, pd.NA, pd.NaT, np.inf, -np.inf, np.float64(0.5), np.int64(3), np.bool_(True),
        pd.Timestamp("2025-03-01"), Ellipsis, object(), print, 1e300, -0.0, "", " ", "NaN", "0.5",
        b"bytes", 3 + 4j, range(3), np.array([0, 1]), np.array([[0.5]]),
        pd.Series([0, 1]), pd.Series([], dtype=float), pd.DataFrame({"a": [1]}), pd.DataFrame()]
_HUGE = [2**64, -(2**63), 10**30]


def _scalars(huge: bool) -> st.SearchStrategy:
    bound = 2**70 if huge else 10**4
    return st.one_of(st.none(), st.booleans(), st.integers(-bound, bound),
                     st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
                     st.sampled_from(_ODD + (_HUGE if huge else [])))


def anything(huge: bool = True) -> st.SearchStrategy:
    """Any Python value: scalars, odd objects (NA, NaT, arrays, frames, functions), containers.

    ``huge=False`` keeps integers within 10,000: for counts (rows, bins, chunks, batches) a
    huge one is a legitimate request for more memory than the machine has, not bad input.
    """
    return st.recursive(_scalars(huge), lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.tuples(inner, inner), st.sets(st.integers(0, 5), max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=4), st.integers(0, 3)), inner, max_size=3)),
        max_leaves=6)


def maybe(valid: st.SearchStrategy, weight: int = 9, huge: bool = True) -> st.SearchStrategy:
    """Usually a ``valid`` value, sometimes :func:`anything` (about three draws in four are valid).

    Not ``st.one_of(valid, anything())``: hypothesis prefers the branch with unseen values, so a
    small ``valid`` (a few names) would be drawn once and then almost never again.
    """
    return st.integers(0, weight).flatmap(lambda i: anything(huge) if i == 0 else valid)


def maybe_count(valid: st.SearchStrategy) -> st.SearchStrategy:
    """:func:`maybe` for a count (rows, bins, folds, trials): never a huge integer."""
    return maybe(valid, huge=False)


#: A column argument: usually the frame's first column (:data:`FIRST`), else any value.
COLUMN = maybe(st.just(FIRST))


_JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**80), 2**80), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6), st.sampled_from(["2025-03-01", "N/A", "-", "1e3", "12,5", "true", "Basic"]),
)
JSON = st.recursive(_JSON_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)), max_leaves=5)


def records(keys) -> st.SearchStrategy:
    """JSON-like request bodies: usually a list of records keyed mostly by ``keys``, with any
    JSON value (nested objects, lists, bools, huge ints, NaN, text where numbers belong)."""
    key = st.one_of(st.sampled_from(list(keys)), st.text(max_size=4))
    record = st.dictionaries(key, JSON, max_size=len(keys) + 2)
    return st.one_of(st.lists(record, max_size=6), st.lists(record, max_size=6), st.lists(JSON, max_size=3),
                     record, JSON)


# ----------------------------------------------------------------------------- the check
def _snapshot(value):
    if isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        return value.copy(deep=True)
    if _is_estimator(value):
        return sorted(vars(value))
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001 - some objects cannot be copied; they are compared by identity
        return value


def _is_estimator(value) -> bool:
    return hasattr(value, "get_params") and hasattr(value, "fit")


def assert_unchanged(before, after, where="argument"):
    """Raise ``AssertionError`` if ``after`` differs from its snapshot ``before``."""
    if isinstance(after, (pd.DataFrame, pd.Series, pd.Index)):
        _assert_pandas_unchanged(before, after, where)
    elif _is_estimator(after):
        # an estimator inside a dict or list was deep-copied with it: compare its attributes too
        expected = sorted(vars(before)) if _is_estimator(before) else before
        assert sorted(vars(after)) == expected, f"{where}: the estimator was fitted in place"
    elif isinstance(after, np.ndarray) and after.dtype == object:
        assert after.shape == before.shape, f"{where}: shape changed"
        assert_unchanged(before.tolist(), after.tolist(), where)
    elif isinstance(after, np.ndarray):
        np.testing.assert_array_equal(after, before, err_msg=where, strict=True)
    elif isinstance(after, (dict, list, tuple)) and type(before) is type(after):
        _assert_container_unchanged(before, after, where)
    elif isinstance(after, float) and isinstance(before, float) and math.isnan(after):
        assert math.isnan(before), f"{where} changed"
    elif type(before) is type(after) and isinstance(after, (str, bytes, int, float, bool, set, type(None))):
        assert before == after, f"{where} changed: {before!r} -> {after!r}"


def _assert_pandas_unchanged(before, after, where):
    if isinstance(after, pd.DataFrame):
        pd.testing.assert_frame_equal(after, before, check_exact=True, obj=where)
    elif isinstance(after, pd.Series):
        pd.testing.assert_series_equal(after, before, check_exact=True, obj=where)
    else:
        pd.testing.assert_index_equal(after, before, exact=True, obj=where)


def _assert_container_unchanged(before, after, where):
    assert len(after) == len(before), f"{where}: length changed"
    if isinstance(after, dict):
        assert list(after) == list(before), f"{where}: keys changed"
        for key in after:
            assert_unchanged(before[key], after[key], f"{where}[{key!r}]")
    else:
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            assert_unchanged(b, a, f"{where}[{i}]")


#: ``names=SKLEARN``: a scikit-learn estimator the toolkit subclasses; its messages are
#: scikit-learn's own, so any ValueError/TypeError passes (other exceptions still fail).
SKLEARN = ("<scikit-learn's own message>",)


def names_argument(message: str, names) -> bool:
    """True if ``message`` contains one of ``names`` as a whole word."""
    if names is SKLEARN:
        return True
    return any(re.search(rf"(?<![\w]){re.escape(str(n))}(?![\w])", message) for n in names)


def check(name, function, args=(), names=(), kwargs=None, *, never_raises=False):
    """Call ``function(*args, **kwargs)`` as one generated case named ``name``.

    A ``ValueError``/``TypeError`` passes when its message names one of ``names`` (the argument
    names, or words such as ``column``); any other exception fails the test, as does a change
    to any argument. With ``never_raises`` every exception fails. Returns the result (or None).
    """
    import matplotlib.pyplot as plt

    CASES[name] += 1
    kwargs = dict(kwargs or {})
    before = [_snapshot(a) for a in args], {k: _snapshot(v) for k, v in kwargs.items()}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # a deprecation from the toolkit's own code on odd input is a future crash: keep it
            warnings.filterwarnings("error", category=FutureWarning, module="toolkit")
            warnings.filterwarnings("error", category=DeprecationWarning, module="toolkit")
            result = function(*args, **kwargs)
        WORKED[name] += 1
        return result
    except (ValueError, TypeError) as error:
        if never_raises:
            raise AssertionError(f"{name} must never raise; it raised {error!r}") from error
        message = str(error)
        REASONS[name, re.sub(r"[\d'\"].*", "", message)[:50]] += 1
        assert names_argument(message, names), (
            f"{name}: {type(error).__name__} does not name any of {list(names)}: {message}")
        return None
    finally:
        plt.close("all")
        for i, (b, a) in enumerate(zip(before[0], args, strict=True)):
            assert_unchanged(b, a, f"{name} argument {i}")
        for key, value in kwargs.items():
            assert_unchanged(before[1][key], value, f"{name} argument {key}")
