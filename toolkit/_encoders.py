"""Transformers that :mod:`toolkit.features` builds its preprocessor from.

scikit-learn has no transformer for these jobs: turning numbers stored as text into numbers,
dates into calendar parts, many-level labels into their frequency, free text into a small bag of
words, and ``pd.NA`` into ``NaN`` so its encoders accept it. Two more exist for speed only and
are tested to give scikit-learn's own results: :class:`RareLevelOneHot` (``OneHotEncoder`` with
rare levels grouped, without its per-value Python loops) and :class:`Imputer` (whose median
does not sort a masked copy of the data). Each one is a plain scikit-learn
transformer (``get_feature_names_out``, ``set_output``) that skops can save; import them from
:mod:`toolkit.features`. They stay in this file because a saved model records each class by its
path (``toolkit._encoders.DateEncoder``, see ``toolkit.features.TRUSTED_TYPES``); the text
parsing they share with the kind rules is in :mod:`toolkit._parsing`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import TargetEncoder
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from toolkit._columns import column_kind
from toolkit._parsing import days_since_epoch, guess_date_format, to_datetime, to_float

__all__ = ["BagOfWords", "DateEncoder", "FrequencyEncoder", "Imputer", "MissingAsNaN",
           "RareLevelOneHot", "SeededTargetEncoder", "ToNumber"]

#: Bag of words: keep at most this many words per text column.
TEXT_MAX_WORDS = 30


# --- transformers the preprocessor needs and scikit-learn does not have ------------------------
class _ColumnwiseTransformer(TransformerMixin, BaseEstimator):
    """Shared plumbing: remember the input columns; output names are derived from them."""

    def _start_fit(self, X) -> pd.DataFrame:
        X = _as_frame(X)
        if X.shape[1] == 0:
            raise ValueError("X has no columns; give at least one column to encode.")
        duplicated = X.columns[X.columns.duplicated()].tolist()
        if duplicated:  # X[name] would be a frame, not a column
            raise ValueError(f"X has duplicate column names {duplicated!r}; rename them so each is unique.")
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return X

    def _start_transform(self, X) -> pd.DataFrame:
        check_is_fitted(self)
        X = _as_frame(X, self.feature_names_in_)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} columns; this transformer was fitted on "
                             f"{self.n_features_in_}.")
        if list(X.columns) != list(self.feature_names_in_):
            raise ValueError(f"X has the columns {list(X.columns)!r}; this transformer was fitted on "
                             f"{list(self.feature_names_in_)!r} (same names, same order).")
        return X

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the output columns."""
        check_is_fitted(self)
        return np.asarray(self.feature_names_in_, dtype=object)


def _as_frame(X, names=None) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    X = np.asarray(X, dtype=object)
    X = X.reshape(-1, 1) if X.ndim == 1 else X
    if X.ndim != 2:
        raise ValueError(f"X must be a table (a DataFrame or a 2-D array); got shape {X.shape}.")
    names = names if names is not None else [f"x{i}" for i in range(X.shape[1])]
    return pd.DataFrame(X, columns=list(names))


class MissingAsNaN(_ColumnwiseTransformer):
    """Give every column the ``object`` dtype with ``NaN`` for missing values.

    scikit-learn's encoders reject ``pd.NA`` (the ``"string"`` and nullable dtypes) and, on
    pandas 2, count ``None`` and ``NaN`` as two different levels. This step makes them one.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"plan": pd.array(["a", pd.NA], dtype="string")})
    >>> MissingAsNaN().fit_transform(X)
    array([['a'],
           [nan]], dtype=object)
    """

    def fit(self, X, y=None):
        """Remember the column names."""
        self._start_fit(X)
        return self

    def transform(self, X) -> np.ndarray:
        """Return an object array with ``NaN`` where a value is missing."""
        X = self._start_transform(X)
        return X.astype(object).where(X.notna(), np.nan).to_numpy(dtype=object)


class ToNumber(_ColumnwiseTransformer):
    """Turn columns into floats: ``True``/``False`` to 1/0, text such as ``"1,234"`` to 1234.

    Text in :data:`toolkit.features.MISSING_TOKENS` (``"N/A"``, ``"-"``, ...), anything else
    that does not read as a number, and infinite values become ``NaN``, for the imputer that
    follows. A comma is read as a thousands separator.

    Examples
    --------
    >>> import pandas as pd
    >>> ToNumber().fit_transform(pd.DataFrame({"x": ["1,234", "N/A", " 7 ", "inf"]}))
    array([[1234.],
           [  nan],
           [   7.],
           [  nan]])
    """

    def fit(self, X, y=None):
        """Remember the column names."""
        self._start_fit(X)
        return self

    def transform(self, X) -> np.ndarray:
        """Return the columns as a float array."""
        X = self._start_transform(X)
        values = np.column_stack([to_float(X[c]).to_numpy() for c in X.columns])
        values[np.isinf(values)] = np.nan  # an infinity is a broken value, not a measurement
        return values


class DateEncoder(_ColumnwiseTransformer):
    """Calendar parts and age of each date column: year, month, day of week, age in days.

    Works on date-time columns and on dates stored as text (the format is guessed at fit from
    the first value).

    The age needs a "now" to count from:

    - ``reference=None``: the latest date of each column seen at fit. The age is then frozen
      at fit time: in production, a year later, a customer who signed the day before the fit
      still gets an age of 1 day, and a customer who signed after the fit gets a negative age
      the model never saw.
    - ``reference="month"`` (a date column of ``X``): each row's age is counted from **that
      row's own** date, e.g. the snapshot month the row describes. A row from next year gets
      next year's age, exactly as the training rows did for their own month, so the feature
      means the same thing at training and at serving time. This is the right choice for a
      model that will score future months. The reference column is not a feature itself: it
      gets no output column.

    Parameters
    ----------
    reference : str, optional
        The column (one of the columns passed to ``fit``) holding each row's "now".

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"signed": ["2024-01-01", "2024-03-01", None]})
    >>> enc = DateEncoder().fit(X)
    >>> enc.get_feature_names_out().tolist()
    ['signed_year', 'signed_month', 'signed_day_of_week', 'signed_age_days']
    >>> enc.transform(X)[1].tolist()
    [2024.0, 3.0, 4.0, 0.0]
    >>> X["month"] = ["2024-02-01", "2025-03-01", "2025-03-01"]
    >>> enc = DateEncoder(reference="month").fit(X)
    >>> enc.get_feature_names_out().tolist()
    ['signed_year', 'signed_month', 'signed_day_of_week', 'signed_age_days']
    >>> enc.transform(X)[:, 3].tolist()
    [31.0, 365.0, nan]
    """

    PARTS = ("year", "month", "day_of_week")

    def __init__(self, reference: str | None = None):
        self.reference = reference

    def _date_columns(self) -> list[str]:
        return [c for c in self.feature_names_in_ if c != self.reference]

    def fit(self, X, y=None):
        """Guess each text column's date format and find the latest date (or the reference)."""
        X = self._start_fit(X)
        if self.reference is not None and self.reference not in X.columns:
            raise ValueError(f"reference must be one of the columns of X {list(X.columns)!r}; "
                             f"got {self.reference!r}.")
        self.formats_ = [None if column_kind(X[c]) == "datetime" else guess_date_format(X[c])
                         for c in X.columns]
        latest = [days_since_epoch(to_datetime(X[c], f)).max() for c, f in zip(X.columns, self.formats_,
                                                                     strict=True)]
        self.reference_days_ = np.asarray(latest, dtype=float)
        return self

    def transform(self, X) -> np.ndarray:
        """Return year, month, day of week and age in days (NaN where the date is missing)."""
        X = self._start_transform(X)
        formats = dict(zip(X.columns, self.formats_, strict=True))
        row_now = None
        if self.reference is not None:
            row_now = days_since_epoch(to_datetime(X[self.reference], formats[self.reference])).to_numpy()
        blocks = []
        for col, fmt, ref in zip(X.columns, self.formats_, self.reference_days_, strict=True):
            if col == self.reference:
                continue
            dates = to_datetime(X[col], fmt)
            parts = [getattr(dates.dt, p).to_numpy(dtype=float, na_value=np.nan)
                     for p in self.PARTS]
            now = ref if row_now is None else row_now
            blocks.extend([*parts, now - days_since_epoch(dates).to_numpy()])
        return np.column_stack(blocks) if blocks else np.empty((len(X), 0))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``<column>_year``, ``_month``, ``_day_of_week`` and ``_age_days`` for each column."""
        check_is_fitted(self)
        return np.asarray([f"{c}_{p}" for c in self._date_columns()
                           for p in (*self.PARTS, "age_days")], dtype=object)


class FrequencyEncoder(_ColumnwiseTransformer):
    """Replace each level by the share of training rows that had it (unseen levels get 0).

    An unsupervised alternative to target encoding for many-level columns: common devices
    get a large number, rare ones a small number.

    Examples
    --------
    >>> import pandas as pd
    >>> enc = FrequencyEncoder().fit(pd.DataFrame({"device": ["a", "a", "a", "b"]}))
    >>> enc.transform(pd.DataFrame({"device": ["a", "b", "new"]})).ravel().tolist()
    [0.75, 0.25, 0.0]
    """

    def fit(self, X, y=None):
        """Count how often each level appears."""
        X = self._start_fit(X)
        self.categories_, self.frequencies_ = [], []
        for col in X.columns:
            values = X[col].astype(object).where(X[col].notna(), np.nan)  # None -> NaN
            with warnings.catch_warnings():
                # pandas 2.2 warns that value_counts on objects will stop inferring the index's
                # dtype; the index is read back as objects below, so both give the same levels
                warnings.filterwarnings("ignore", "The behavior of value_counts", FutureWarning)
                shares = values.value_counts(normalize=True, dropna=False)
            self.categories_.append(np.asarray(shares.index, dtype=object))
            self.frequencies_.append(shares.to_numpy(dtype=float))
        return self

    def transform(self, X) -> np.ndarray:
        """Return the training share of each value's level."""
        X = self._start_transform(X)
        out = []
        for col, cats, freqs in zip(X.columns, self.categories_, self.frequencies_, strict=True):
            values = X[col].astype(object).where(X[col].notna(), np.nan)
            out.append(values.map(pd.Series(freqs, index=pd.Index(cats, dtype=object)))
                       .to_numpy(dtype=float, na_value=0.0))
        return np.nan_to_num(np.column_stack(out), nan=0.0)


class BagOfWords(_ColumnwiseTransformer):
    """A small bag of words per text column: 0/1 for each of the most common words.

    Common English words ("the", "at") are left out, and missing text counts as no words.
    It wraps scikit-learn's ``CountVectorizer`` (one per column) and returns a dense array,
    so ``set_output(transform="pandas")`` works.

    Parameters
    ----------
    max_words : int, default=TEXT_MAX_WORDS
        How many of the most common words to keep per column.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"note": ["too expensive", "no signal at home", None]})
    >>> bow = BagOfWords(max_words=3).fit(X)
    >>> bow.get_feature_names_out().tolist()
    ['note_expensive', 'note_home', 'note_signal']
    """

    def __init__(self, max_words: int = TEXT_MAX_WORDS):
        self.max_words = max_words

    def fit(self, X, y=None):
        """Find each column's most common words (in the most rows)."""
        X = self._start_fit(X)
        self.vectorizers_ = [self._fit_column(X[col]) for col in X.columns]
        return self

    def _fit_column(self, series: pd.Series) -> CountVectorizer | None:
        # Count words once per distinct text, weighted by how many rows hold that text.
        codes, distinct = pd.factorize(series)
        finder = CountVectorizer(binary=True, stop_words="english")
        try:
            present = finder.fit_transform(np.asarray(distinct, dtype=str))
        except ValueError:  # no word at all in this column
            return None
        rows_per_text = np.bincount(codes[codes >= 0], minlength=len(distinct))
        rows_per_word = np.asarray(present.T @ rows_per_text).ravel()
        words = finder.get_feature_names_out()
        top = np.lexsort((words, -rows_per_word))[: self.max_words]
        return CountVectorizer(binary=True, vocabulary=sorted(words[top])).fit([""])

    def transform(self, X) -> np.ndarray:
        """Return the 0/1 word columns."""
        X = self._start_transform(X)
        blocks = []
        for col, vec in zip(X.columns, self.vectorizers_, strict=True):
            if vec is not None:
                codes, distinct = pd.factorize(X[col])
                words = vec.transform(np.asarray(distinct, dtype=str)).toarray().astype(float)
                # Missing text has code -1, which picks the all-zero row appended at the end.
                blocks.append(np.vstack([words, np.zeros((1, words.shape[1]))])[codes])
        return np.hstack(blocks) if blocks else np.empty((len(X), 0))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``<column>_<word>`` for every kept word."""
        check_is_fitted(self)
        return np.asarray([f"{col}_{word}" for col, vec in zip(self.feature_names_in_,
                                                               self.vectorizers_, strict=True)
                           if vec is not None for word in vec.get_feature_names_out()],
                          dtype=object)


#: The level name scikit-learn gives the grouped rare levels (so output names stay the same).
INFREQUENT = "infrequent_sklearn"


class RareLevelOneHot(_ColumnwiseTransformer):
    """One 0/1 column per level; rare levels and levels unseen at fit share an "infrequent" one.

    The same output, column names and column order as scikit-learn's
    ``OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=min_frequency,
    sparse_output=False)`` (the tests check it against that encoder), at a fraction of the
    time on large tables: scikit-learn counts the levels of text columns with a Python loop
    over every value (``_get_counts``, about 5 s per column of a million rows) and maps text
    to positions with another. Here each column is factorised once (one hash pass in C,
    ``pandas.factorize``), the levels are counted with ``numpy.bincount``, and the 0/1 columns
    are one comparison of those positions with the kept levels.

    Rare levels and levels unseen at fit go to ``<column>_infrequent_sklearn`` when some level
    was rare at fit, else to all zeros. Missing values (``None``, ``NaN``, ``pd.NA``) are one
    level of their own (``<column>_nan``), grouped too when rare.

    Parameters
    ----------
    min_frequency : float or int, default=0.01
        Levels seen in fewer than ``min_frequency * n_rows`` training rows (a float) or fewer
        than ``min_frequency`` rows (an int) are grouped, as in ``OneHotEncoder``.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"plan": ["a"] * 6 + ["b"] * 3 + ["c"]})
    >>> enc = RareLevelOneHot(min_frequency=0.2).fit(X)
    >>> enc.get_feature_names_out().tolist()
    ['plan_a', 'plan_b', 'plan_infrequent_sklearn']
    >>> enc.transform(pd.DataFrame({"plan": ["b", "c", "new"]})).tolist()
    [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]
    """

    def __init__(self, min_frequency: float | int = 0.01):
        self.min_frequency = min_frequency

    def fit(self, X, y=None):
        """Count each column's levels once and keep those seen often enough."""
        self._fit(X)
        return self

    def fit_transform(self, X, y=None) -> np.ndarray:
        """Fit, and encode ``X`` from the same single pass over each column."""
        return self._encode(self._fit(X))

    def transform(self, X) -> np.ndarray:
        """Return the 0/1 columns of every level kept at fit (and "infrequent", if any)."""
        X = self._start_transform(X)
        return self._encode([pd.factorize(X[col], use_na_sentinel=True) for col in X.columns])

    def _fit(self, X) -> list[tuple[np.ndarray, Any]]:
        X = self._start_fit(X)
        is_count = isinstance(self.min_frequency, (int, np.integer))
        limit = self.min_frequency if is_count else self.min_frequency * len(X)
        self.levels_, self.has_infrequent_, factorized = [], [], []
        for col in X.columns:
            codes, uniques = pd.factorize(X[col], use_na_sentinel=True)  # missing: -1
            counts = np.bincount(codes + 1, minlength=len(uniques) + 1)  # slot 0: missing
            values = np.asarray(uniques, dtype=object)
            kept = counts >= max(limit, 1)
            levels = _sorted_levels(v for v, k in zip(values, kept[1:], strict=True) if k)
            if kept[0]:
                levels.append(np.nan)  # missing values are a frequent level: last, as sklearn
            self.levels_.append(levels)
            self.has_infrequent_.append(bool(kept.sum() < (counts > 0).sum()))
            factorized.append((codes, uniques))
        return factorized

    def _encode(self, factorized: list[tuple[np.ndarray, Any]]) -> np.ndarray:
        blocks = []
        for (codes, uniques), levels, rare in zip(factorized, self.levels_, self.has_infrequent_,
                                                  strict=True):
            where = {v: i for i, v in enumerate(levels) if not _is_missing(v)}
            other = len(levels) if rare else -1  # rare and unseen: "infrequent", or nothing
            missing = len(levels) - 1 if levels and _is_missing(levels[-1]) else other
            lookup = np.asarray([*(where.get(v, other) for v in np.asarray(uniques, dtype=object)),
                                 missing], dtype=np.int64)
            positions = lookup[codes]  # code -1 (missing) picks the last entry
            blocks.append(positions[:, None] == np.arange(len(levels) + rare))
        out = np.hstack(blocks) if blocks else np.empty((len(codes), 0), dtype=bool)
        return out.astype(float)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``<column>_<level>`` and ``<column>_infrequent_sklearn``, as scikit-learn names them."""
        check_is_fitted(self)
        names = []
        for col, levels, rare in zip(self.feature_names_in_, self.levels_, self.has_infrequent_,
                                     strict=True):
            names += [f"{col}_{level}" for level in levels] + ([f"{col}_{INFREQUENT}"] if rare
                                                               else [])
        return np.asarray(names, dtype=object)


def _sorted_levels(levels) -> list:
    """Levels in order; a column mixing numbers and text (a messy CSV) sorts by type, then text."""
    levels = list(levels)
    try:
        return sorted(levels)
    except TypeError:
        return sorted(levels, key=lambda v: (type(v).__name__, str(v)))


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


_SKLEARN_VERSION = tuple(int(p) for p in sklearn.__version__.split(".")[:2])
_SKLEARN_1_9 = _SKLEARN_VERSION >= (1, 9)


class SeededTargetEncoder(TargetEncoder):
    """scikit-learn's ``TargetEncoder`` whose cross-fitting folds are reproducible.

    ``TargetEncoder.fit_transform`` encodes each row with statistics learned on the *other*
    folds, so a row never sees its own label. Its folds are shuffled at random unless you pass a
    splitter; this class builds a seeded ``(Stratified)KFold`` at fit time instead of storing
    one, so a saved model holds no extra type for skops to trust.

    Parameters
    ----------
    target_type : {"auto", "continuous", "binary", "multiclass"}, default="auto"
        As in ``TargetEncoder``.
    smooth : "auto" or float, default="auto"
        As in ``TargetEncoder``.
    cv : int, default=5
        Number of folds of the cross-fitting.
    seed : int, default=0
        Random state of the shuffled folds.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([["a"], ["b"]] * 10, dtype=object)
    >>> y = np.array([1, 0] * 10)
    >>> enc = SeededTargetEncoder(seed=0)
    >>> bool((enc.fit_transform(X, y) == SeededTargetEncoder(seed=0).fit_transform(X, y)).all())
    True
    """

    def __init__(self, target_type="auto", smooth="auto", cv=5, seed=0):
        super().__init__(target_type=target_type, smooth=smooth, cv=cv)
        self.seed = seed

    def fit_transform(self, X, y, **params):
        """Fit, and encode ``X`` with cross-fitting on seeded folds."""
        n_splits = self.cv
        if not _SKLEARN_1_9:  # older scikit-learn takes shuffle and random_state instead
            self.random_state = self.seed
            return super().fit_transform(X, y, **params)
        kind = type_of_target(y) if self.target_type == "auto" else self.target_type
        splitter = KFold if kind == "continuous" else StratifiedKFold
        self.cv = splitter(n_splits, shuffle=True, random_state=self.seed)
        try:
            return super().fit_transform(X, y, **params)
        finally:
            self.cv = n_splits  # keep the stored parameter a plain int


class Imputer(SimpleImputer):
    """scikit-learn's ``SimpleImputer``, which skops can save without trusting ``numpy.dtype``.

    ``SimpleImputer`` remembers the dtype it was fitted on as a ``numpy.dtype`` object, a type
    skops refuses to load unless told to trust it. This subclass stores the dtype's name
    instead when it is saved, and turns it back into a dtype when it is loaded; everything
    else is ``SimpleImputer``.

    Examples
    --------
    >>> import numpy as np
    >>> import skops.io as sio
    >>> imp = Imputer(strategy="median").fit([[1.0], [np.nan], [3.0]])
    >>> sio.get_untrusted_types(data=sio.dumps(imp))
    ['toolkit._encoders.Imputer']
    """

    _DTYPES = ("_fit_dtype", "_fill_dtype")

    def _dense_fit(self, X, strategy, missing_values, fill_value):
        # scikit-learn's median sorts a masked copy of X (about 4 s for a million rows x 12
        # columns); np.nanmedian partitions each column instead and gives the same medians.
        if strategy != "median" or X.dtype.kind != "f" or not _is_missing(missing_values):
            return super()._dense_fit(X, strategy, missing_values, fill_value)
        missing = np.isnan(X)
        self._fit_indicator(missing)
        empty = missing.all(axis=0)
        median = np.zeros(X.shape[1])
        if (~empty).any():
            median[~empty] = np.nanmedian(X[:, ~empty], axis=0)
        median[empty] = 0 if self.keep_empty_features else np.nan
        return median

    def __getstate__(self):
        state = super().__getstate__()
        return {k: (v.str if k in self._DTYPES and isinstance(v, np.dtype) else v)
                for k, v in state.items()}

    def __setstate__(self, state):
        state = {k: (np.dtype(v) if k in self._DTYPES and isinstance(v, str) else v)
                 for k, v in state.items()}
        super().__setstate__(state)
