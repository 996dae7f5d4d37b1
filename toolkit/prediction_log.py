"""The prediction log: every answer the service gave, in a SQLite file monitoring reads back.

Three tables:

- ``predictions``: one row per answer (returned to the caller, or a shadow's), with the fixed
  columns of :data:`toolkit._shared.LOG_COLUMNS` and one column per input feature;
- ``refusals``: every request refused (by the schema, a limit, or a body that is not JSON);
- ``failures``: every time a shadow or a canary could not answer (the caller was still answered).

A feature's SQL column is its own name when that is a plain identifier no other column already
holds (SQLite compares names without case: ``Score`` *is* ``score``), and ``feature_N``
otherwise; the ``features`` table maps each feature to its column, so any name works: ``A`` and
``a``, a quote, a space, ``score``.

>>> import tempfile, pathlib, numpy as np, pandas as pd
>>> from toolkit.schema import InputSchema
>>> X = pd.DataFrame({"Score": [0.5], "a": [1.0], "A": [2.0]})
>>> log = PredictionLog(pathlib.Path(tempfile.mkdtemp()) / "log.sqlite")
>>> one = lambda value: np.array([value], dtype=object)
>>> log.write("r1", X, InputSchema.from_frame(X).columns,
...           [Answers(one("production"), one("v1"), True, np.array([0.9]), np.array([1]), one(""))], 1.0)
>>> log.read()[["score", "Score", "a", "A"]].to_numpy().tolist()
[[0.9, 0.5, 1.0, 2.0]]
>>> log.sql_columns()
{'Score': 'feature_1', 'a': 'a', 'A': 'feature_3'}
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sqlite3
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from toolkit._shared import LOG_COLUMNS
from toolkit._validation import _short

__all__ = ["LOG_TIMEOUT_S", "Answers", "PredictionLog"]

#: Seconds a request waits for another process writing the prediction log before giving up.
LOG_TIMEOUT_S = 5.0
_SQL_TYPES = {"numeric": "REAL", "integer": "INTEGER", "boolean": "INTEGER"}
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TABLES_SQL = """
CREATE TABLE IF NOT EXISTS predictions (request_id TEXT, logged_at TEXT, month TEXT,
    model_version TEXT, role TEXT, returned INTEGER, score REAL, decision INTEGER, problems TEXT,
    latency_ms REAL);
CREATE TABLE IF NOT EXISTS features (name TEXT PRIMARY KEY, sql_column TEXT UNIQUE NOT NULL,
    sql_type TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refusals (request_id TEXT, logged_at TEXT, rows INTEGER, problems TEXT);
CREATE TABLE IF NOT EXISTS failures (request_id TEXT, logged_at TEXT, role TEXT, model_version TEXT,
    error TEXT);
"""


class Answers(NamedTuple):
    """The answers of one model to one request's rows, as the log stores them (one per row)."""

    role: np.ndarray
    model_version: np.ndarray
    returned: bool
    score: np.ndarray
    decision: np.ndarray
    problems: np.ndarray


def _check_text(value: Any, name: str) -> None:
    # sqlite3 would store a number or a list as is, or fail with its own binding error
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string; got {_short(value)}.")


def _now() -> datetime:
    return datetime.now(UTC)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_values(values: Any, kind: str) -> list:
    """One column as plain Python values for sqlite3 (None for missing)."""
    if kind == "category":  # from the codes: converting a Categorical to objects is slow
        labels = values.categories.to_numpy(dtype=object).tolist() + [None]
        return [labels[code] for code in values.codes.tolist()]  # code -1 (missing) -> None
    if kind == "datetime":
        array = np.asarray(values)
        text = np.datetime_as_string(array, unit="s").astype(object)
        text[np.isnat(array)] = None
        return text.tolist()
    array = np.asarray(values) if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    if kind in ("numeric", "integer"):  # .tolist() gives Python numbers; a nullable column, pd.NA
        return [None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
                else v.item() if isinstance(v, np.generic) else v for v in array.tolist()]
    if kind == "boolean":
        return [bool(v) if isinstance(v, (bool, np.bool_)) else None for v in array]
    return [v if isinstance(v, str) else None for v in array]


class PredictionLog:
    """A prediction log in a SQLite file, safe to share between threads and processes.

    WAL journal with ``synchronous=NORMAL``: a committed row survives the process being killed
    (a power cut may lose the last few, never corrupt the file), and an fsync per request
    would cost milliseconds. Every write waits at most :data:`LOG_TIMEOUT_S` for another writer.
    """

    def __init__(self, path: str | Path) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a file path such as 'artifacts/log.sqlite'; got {_short(path)}.")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                     timeout=LOG_TIMEOUT_S)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        with self._writing("prepare the log"):
            had_features = self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'features'").fetchone() is not None
            for statement in _TABLES_SQL.split(";")[:-1]:  # (executescript would commit first)
                self._conn.execute(statement)
            if not had_features:
                self._adopt_old_columns()
        self._columns = self.sql_columns()

    def _adopt_old_columns(self) -> None:
        """A log from an older toolkit named feature columns after the features: map them so."""
        for _, name, sql_type, *_ in self._conn.execute("PRAGMA table_info(predictions)").fetchall():
            if name not in LOG_COLUMNS:
                self._conn.execute("INSERT INTO features VALUES (?, ?, ?)", (name, name, sql_type))

    @contextlib.contextmanager
    def _writing(self, what: str):
        """One write transaction, under this object's lock; a busy log is a TimeoutError."""
        if not self._lock.acquire(timeout=LOG_TIMEOUT_S):
            raise TimeoutError(f"the prediction log {str(self.path)!r} stayed busy in this process for "
                               f"{LOG_TIMEOUT_S:g} s; could not {what}. Try again.")
        try:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:  # another writer held the log too long
                raise TimeoutError(
                    f"the prediction log {str(self.path)!r} stayed locked by another process for "
                    f"{LOG_TIMEOUT_S:g} s; could not {what}. Try again.") from error
            try:
                yield
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        finally:
            self._lock.release()

    def sql_columns(self) -> dict[str, str]:
        """Each feature logged so far and the SQL column that holds it."""
        with self._lock:
            rows = self._conn.execute("SELECT name, sql_column FROM features ORDER BY rowid").fetchall()
        return dict(rows)

    def _add_features(self, specs: Sequence[Any]) -> None:
        """Give each new feature a column (inside the caller's write transaction)."""
        known = dict(self._conn.execute("SELECT name, sql_column FROM features").fetchall())
        taken = {c.lower() for c in [*LOG_COLUMNS, *known.values()]}
        for spec in specs:
            if spec.name in known:
                continue
            count = self._conn.execute("SELECT COUNT(*) FROM features").fetchone()[0]
            column = spec.name if _PLAIN.match(spec.name) and spec.name.lower() not in taken \
                else f"feature_{count + 1}"
            while column.lower() in taken:
                count += 1
                column = f"feature_{count + 1}"
            sql_type = _SQL_TYPES.get(spec.kind, "TEXT")
            self._conn.execute(f"ALTER TABLE predictions ADD COLUMN {_quoted(column)} {sql_type}")
            self._conn.execute("INSERT INTO features VALUES (?, ?, ?)", (spec.name, column, sql_type))
            known[spec.name] = column
            taken.add(column.lower())

    def write(self, request_id: str, X: pd.DataFrame, specs: Sequence[Any], answers: Sequence[Answers],
              latency_ms: float) -> None:
        """Append one row per answer, with the request's inputs ``X`` (columns described by ``specs``).

        All of ``answers`` go in one transaction: they are logged together or not at all. A
        ``month`` input of dates is the log's own month column; without one, the month of today
        is logged (and a ``month`` input of other values is a feature like any other).
        """
        n = len(X)
        now = _now()
        dated = "month" in X.columns and pd.api.types.is_datetime64_any_dtype(X["month"].dtype)
        if dated:
            month = _sql_values(X["month"].to_numpy(), "datetime")
        else:
            month = [now.strftime("%Y-%m-01T00:00:00")] * n
        # a month of dates is the log's own month column; any other input is a feature
        specs = [spec for spec in specs if spec.name in X.columns and not (dated and spec.name == "month")]
        features = [_sql_values(X[spec.name].array, spec.kind) for spec in specs]
        logged_at = now.isoformat(timespec="milliseconds")
        rows = []
        for a in answers:
            returned = [bool(a.returned)] * n
            fixed = zip(month, a.role.tolist(), a.model_version.tolist(), returned, a.score.tolist(),
                        a.decision.tolist(), a.problems.tolist(), strict=True)
            rows.extend((request_id, logged_at, m, v, r, ret, s, d, p, latency_ms, *values)
                        for (m, r, v, ret, s, d, p), *values in zip(fixed, *features, strict=True))
        with self._writing(f"log these {n} answers (they were not returned, so nothing goes unlogged)"):
            if any(spec.name not in self._columns for spec in specs):
                self._add_features(specs)
                self._columns = dict(self._conn.execute("SELECT name, sql_column FROM features "
                                                        "ORDER BY rowid").fetchall())
            names = list(LOG_COLUMNS) + [self._columns[spec.name] for spec in specs]
            sql = (f"INSERT INTO predictions ({', '.join(_quoted(c) for c in names)}) "
                   f"VALUES ({', '.join('?' * len(names))})")
            self._conn.executemany(sql, rows)

    def write_refusal(self, request_id: str, rows: int | None, problems: str) -> None:
        """Record a refused request: how many rows it held (None: unknown) and why."""
        _check_text(request_id, "request_id")
        _check_text(problems, "problems")
        if rows is not None and (isinstance(rows, bool) or not isinstance(rows, (int, np.integer))):
            raise TypeError(f"rows must be a number of rows (an integer) or None; got {_short(rows)}.")
        if rows is not None and rows < 0:
            raise ValueError(f"rows must be at least 0; got {rows!r}.")
        with self._writing("log the refusal"):
            self._conn.execute("INSERT INTO refusals VALUES (?, ?, ?, ?)",
                               (request_id, _now().isoformat(timespec="milliseconds"), rows, problems))

    def write_failure(self, request_id: str, role: str, model_version: str, error: str) -> None:
        """Record that a shadow or canary model could not answer a request."""
        for name, value in (("request_id", request_id), ("role", role), ("model_version", model_version),
                            ("error", error)):
            _check_text(value, name)
        with self._writing("log the failure"):
            self._conn.execute("INSERT INTO failures VALUES (?, ?, ?, ?, ?)",
                               (request_id, _now().isoformat(timespec="milliseconds"), role,
                                model_version, error))

    def read(self) -> pd.DataFrame:
        """The predictions table with each feature under its own name (values as stored)."""
        with self._lock:
            raw = pd.read_sql_query("SELECT * FROM predictions ORDER BY rowid", self._conn)
            mapping = dict(self._conn.execute("SELECT sql_column, name FROM features").fetchall())
        fixed = raw[list(LOG_COLUMNS)]
        features = raw[[c for c in raw.columns if c not in LOG_COLUMNS]]
        features.columns = [mapping.get(c, c) for c in features.columns]
        return pd.concat([fixed, features], axis=1)

    def _table(self, name: str) -> pd.DataFrame:
        with self._lock:
            return pd.read_sql_query(f"SELECT * FROM {name} ORDER BY rowid", self._conn)

    def refusals(self) -> pd.DataFrame:
        """Refused requests: request id, time, number of rows and the problems named."""
        return self._table("refusals")

    def failures(self) -> pd.DataFrame:
        """Shadow and canary failures: request id, time, role, model version and the error."""
        return self._table("failures")

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()
