"""Transformers that :mod:`toolkit.features` builds its preprocessor from.

scikit-learn has no transformer for these jobs: turning numbers stored as text into numbers,
dates into calendar parts, many-level labels into their frequency, free text into a small bag of
words, and ``pd.NA`` into ``NaN`` so its encoders accept it. Each one is a plain scikit-learn
transformer (``get_feature_names_out``, ``set_output``) that skops can save; import them from
:mod:`toolkit.features`.
"""

from __future__ import annotations

import warnings

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

__all__ = ["BagOfWords", "DateEncoder", "FrequencyEncoder", "Imputer", "MissingAsNaN",
           "SeededTargetEncoder", "ToNumber"]

#: Text read as missing when numbers are stored as text ("N/A", "-", ...), lower-cased.
MISSING_TOKENS = ("", "n/a", "na", "nan", "none", "null", "-", "--", "?", "missing")
#: Bag of words: keep at most this many words per text column.
TEXT_MAX_WORDS = 30

def _family(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_string_dtype(dtype):
        return "text"
    return "other"


def _via_distinct(series: pd.Series, convert, fill) -> np.ndarray:
    """Convert each distinct value once and spread the results: text columns repeat a lot."""
    codes, distinct = pd.factorize(series)
    converted = np.asarray(convert(pd.Series(np.asarray(distinct, dtype=object))))
    # Missing values have code -1, which picks the fill value appended at the end.
    return np.append(converted, np.asarray([fill], dtype=converted.dtype))[codes]


def _to_float(series: pd.Series) -> pd.Series:
    """Numbers from any column: bools to 0/1, text like '1,234' to 1234, 'N/A' to NaN."""
    if _family(series) in ("bool", "numeric"):
        return pd.Series(series.to_numpy(dtype=float, na_value=np.nan), index=series.index)
    return pd.Series(_via_distinct(series, _parse_numbers, np.nan), index=series.index)


def _parse_numbers(text: pd.Series) -> pd.Series:
    text = text.astype(str).str.strip()
    text = text.mask(text.str.lower().isin(MISSING_TOKENS))
    text = text.str.replace(r"[,_\s]", "", regex=True)
    return pd.to_numeric(text, errors="coerce").astype(float)


def _date_format(values: pd.Series) -> str | None:
    from pandas.tseries.api import guess_datetime_format

    first = values.dropna()
    return guess_datetime_format(str(first.iloc[0])) if len(first) else None


def _to_datetime(series: pd.Series, fmt: str | None) -> pd.Series:
    if _family(series) == "datetime":
        out = series
    else:
        def parse(text):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "could not infer format"
                return pd.to_datetime(text.astype(str), format=fmt or "mixed", errors="coerce",
                                      utc=True).dt.tz_localize(None)

        out = pd.Series(_via_distinct(series, parse, np.datetime64("NaT", "ns")), index=series.index)
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert("UTC").dt.tz_localize(None)
    return out


# --- transformers the preprocessor needs and scikit-learn does not have ------------------------
class _ColumnwiseTransformer(TransformerMixin, BaseEstimator):
    """Shared plumbing: remember the input columns; output names are derived from them."""

    def _start_fit(self, X) -> pd.DataFrame:
        X = _as_frame(X)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return X

    def _start_transform(self, X) -> pd.DataFrame:
        check_is_fitted(self)
        X = _as_frame(X, self.feature_names_in_)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} columns; this transformer was fitted on "
                             f"{self.n_features_in_}.")
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

    Text in :data:`MISSING_TOKENS` (``"N/A"``, ``"-"``, ...) and anything else that does not
    read as a number becomes ``NaN``, for the imputer that follows. A comma is read as a
    thousands separator.

    Examples
    --------
    >>> import pandas as pd
    >>> ToNumber().fit_transform(pd.DataFrame({"x": ["1,234", "N/A", " 7 "]}))
    array([[1234.],
           [  nan],
           [   7.]])
    """

    def fit(self, X, y=None):
        """Remember the column names."""
        self._start_fit(X)
        return self

    def transform(self, X) -> np.ndarray:
        """Return the columns as a float array."""
        X = self._start_transform(X)
        return np.column_stack([_to_float(X[c]).to_numpy() for c in X.columns])


class DateEncoder(_ColumnwiseTransformer):
    """Calendar parts and age of each date column: year, month, day of week, age in days.

    Works on date-time columns and on dates stored as text (the format is guessed at fit from
    the first value). The age is counted in days before the latest date seen at fit, so a
    model can use "how long ago" without memorising calendar days.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"signed": ["2024-01-01", "2024-03-01", None]})
    >>> enc = DateEncoder().fit(X)
    >>> enc.get_feature_names_out().tolist()
    ['signed_year', 'signed_month', 'signed_day_of_week', 'signed_age_days']
    >>> enc.transform(X)[1].tolist()
    [2024.0, 3.0, 4.0, 0.0]
    """

    PARTS = ("year", "month", "day_of_week")

    def fit(self, X, y=None):
        """Guess each text column's date format and find the latest date."""
        X = self._start_fit(X)
        self.formats_ = [None if _family(X[c]) == "datetime" else _date_format(X[c])
                         for c in X.columns]
        latest = [_days(_to_datetime(X[c], f)).max() for c, f in zip(X.columns, self.formats_,
                                                                     strict=True)]
        self.reference_days_ = np.asarray(latest, dtype=float)
        return self

    def transform(self, X) -> np.ndarray:
        """Return year, month, day of week and age in days (NaN where the date is missing)."""
        X = self._start_transform(X)
        blocks = []
        for col, fmt, ref in zip(X.columns, self.formats_, self.reference_days_, strict=True):
            dates = _to_datetime(X[col], fmt)
            parts = [getattr(dates.dt, p).to_numpy(dtype=float, na_value=np.nan)
                     for p in self.PARTS]
            blocks.extend([*parts, ref - _days(dates).to_numpy()])
        return np.column_stack(blocks)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``<column>_year``, ``_month``, ``_day_of_week`` and ``_age_days`` for each column."""
        check_is_fitted(self)
        return np.asarray([f"{c}_{p}" for c in self.feature_names_in_
                           for p in (*self.PARTS, "age_days")], dtype=object)


def _days(dates: pd.Series) -> pd.Series:
    return (dates - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)


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

    def __getstate__(self):
        state = super().__getstate__()
        return {k: (v.str if k in self._DTYPES and isinstance(v, np.dtype) else v)
                for k, v in state.items()}

    def __setstate__(self, state):
        state = {k: (np.dtype(v) if k in self._DTYPES and isinstance(v, str) else v)
                 for k, v in state.items()}
        super().__setstate__(state)
