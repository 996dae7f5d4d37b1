"""The model service: check each request, score it, log every answer; and its HTTP API.

:class:`Service` wraps a :class:`toolkit.deploy.Registry`. ``predict(frame)`` checks the
request against the production model's schema (refusing it with a table of named problems, or
scoring it with warnings), scores it with the production model, also scores it silently with a
**shadow** model when one is set (logged, never returned), sends a seeded share of rows to a
**canary** when one is set, and appends one row per answer to the **prediction log**, a SQLite
table that monitoring reads back with :meth:`Service.log`.

:func:`create_app` puts the service behind FastAPI (``POST /predict``, ``GET /health``,
``GET /model``); ``python -m toolkit serve`` runs that app with uvicorn. FastAPI is imported only
by :func:`create_app`, so the rest works without it.
"""

from __future__ import annotations

import contextlib
import json
import math
import sqlite3
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit._validation import _short, check_probability
from toolkit.artifacts import ModelBundle
from toolkit.registry import Registry
from toolkit.schema import InputSchema, problem_table, resolve_actions

__all__ = ["LOG_COLUMNS", "LOG_TIMEOUT_S", "RequestRefused", "Service", "compare_roles", "create_app",
           "records_to_columns", "replay", "shadow_agreement", "to_records"]

#: The fixed columns of the prediction log, before one column per input feature.
LOG_COLUMNS = ["request_id", "logged_at", "month", "model_version", "role", "returned", "score",
               "decision", "problems", "latency_ms"]
#: Seconds a request waits for another process writing the prediction log before giving up.
LOG_TIMEOUT_S = 5.0
_SQL_TYPES = {"numeric": "REAL", "integer": "INTEGER", "boolean": "INTEGER"}


class RequestRefused(ValueError):
    """A request the schema refused; ``.problems`` is the table of problems (see ``validate``)."""

    def __init__(self, problems: pd.DataFrame) -> None:
        self.problems = problems
        refused = problems[problems["action"] == "refuse"]
        named = "; ".join(f"{c}: {p} ({d})"
                          for c, p, d in refused[["column", "problem", "detail"]].itertuples(index=False))
        super().__init__(f"request refused by the input schema: {named}.")


def to_records(frame: pd.DataFrame) -> list[dict]:
    """A frame as the JSON records a client would send: numbers, strings, booleans, ISO dates, nulls.

    Examples
    --------
    >>> to_records(pd.DataFrame({"month": pd.to_datetime(["2025-01-01"]), "age": [float("nan")]}))
    [{'month': '2025-01-01T00:00:00.000', 'age': None}]
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame; got {type(frame).__name__}.")
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def records_to_columns(records: Any) -> tuple[dict[str, np.ndarray], int]:
    """Gather JSON records (a list of dicts) into one array per column; also return the row count.

    A key absent from some records is missing (``None``) in those rows.

    Examples
    --------
    >>> columns, n = records_to_columns([{"a": 1, "b": "x"}, {"a": 2}])
    >>> n, columns["b"].tolist()
    (2, ['x', None])
    """
    if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
        raise TypeError(f"records must be a list of JSON objects (dicts); got {_short(records)}.")
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    columns = {}
    for name in names:
        column = np.empty(len(records), dtype=object)
        column[:] = [record.get(name) for record in records]
        columns[name] = column
    return columns, len(records)


def _sql_value(values: Any, kind: str) -> list:
    """One column as plain Python values for sqlite3 (None for missing)."""
    if kind == "category":  # from the codes: converting a Categorical to objects is slow
        labels = values.categories.to_numpy(dtype=object).tolist() + [None]
        return [labels[code] for code in values.codes.tolist()]  # code -1 (missing) -> None
    array = np.asarray(values, dtype=object) if kind != "datetime" else np.asarray(values)
    if kind == "datetime":
        text = np.datetime_as_string(array, unit="s").astype(object)
        text[np.isnat(array)] = None
        return text.tolist()
    if kind in ("numeric", "integer"):
        return [None if (v is None or (isinstance(v, float) and math.isnan(v))) else v
                for v in np.asarray(values).tolist()]
    if kind == "boolean":
        return [None if not isinstance(v, (bool, np.bool_)) else bool(v) for v in array]
    return [v if isinstance(v, str) else None for v in array]


class Service:
    """Serve the registry's production model: validate, score, log.

    Parameters
    ----------
    registry : Registry
        Where the models are; the versions in stages ``production``, ``shadow`` and ``canary``
        are served. A stage change in the registry is picked up at the next request.
    log_path : str or Path, optional
        The prediction log (SQLite). Default: ``predictions.sqlite`` in the registry folder.
    canary_share : float, default=0.1
        Share of rows answered by the canary model, when one is set.
    on_problem : mapping, optional
        Overrides of the schema's default actions (see :meth:`InputSchema.validate`).
    seed : int, default=0
        Seeds which rows go to the canary, so a replay routes the same rows.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from toolkit.deploy import InputSchema, ModelCard, Registry
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    >>> registry = Registry(tempfile.mkdtemp(), create=True)
    >>> card = ModelCard("demo", trained_on="toy", features=["x"], metrics={"auc": 1.0})
    >>> v = registry.register(LogisticRegression().fit(X, [0, 0, 1, 1]), card=card,
    ...                       schema=InputSchema.from_frame(X))
    >>> _ = registry.promote(v, "production")
    >>> service = Service(registry)
    >>> service.predict(pd.DataFrame({"x": [0.5, 2.5]}))[["decision", "model_version"]]
       decision model_version
    0         0            v1
    1         1            v1
    >>> len(service.log())
    2
    """

    def __init__(self, registry: Registry, *, log_path: str | Path | None = None,
                 canary_share: float = 0.1, on_problem: Mapping[str, str] | None = None,
                 seed: int = 0) -> None:
        if not isinstance(registry, Registry):
            raise TypeError(f"registry must be a toolkit.deploy.Registry; got {type(registry).__name__}.")
        self.registry = registry
        self.canary_share = check_probability(canary_share, "canary_share")
        resolve_actions(on_problem)  # checked now, not at the first request
        self.on_problem = dict(on_problem or {})
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._lock = threading.Lock()
        self.models: dict[str, ModelBundle] = {}
        self._revision = -1
        self._signature: tuple | None = None
        self.reload()
        self.log_path = Path(log_path) if log_path is not None else registry.root / "predictions.sqlite"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.log_path, check_same_thread=False, isolation_level=None,
                                     timeout=LOG_TIMEOUT_S)
        # WAL + synchronous=NORMAL: a commit is not fsynced, so a power cut may lose the last few
        # requests' log rows but never corrupts the log; fsync per request would cost milliseconds.
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._log_columns = self._ensure_log_table()

    # --- models ------------------------------------------------------------------------------
    def reload(self) -> dict[str, str]:
        """Reload the serving models if the registry changed; return ``{role: version}``."""
        signature = self.registry.signature()
        if signature == self._signature:  # nothing written to the index since: a stat, no query
            return self.versions
        revision = self.registry.revision()
        self._signature = signature
        if revision != self._revision:
            stages = self.registry.stages()
            if "production" not in stages:
                raise ValueError(f"registry {str(self.registry.root)!r} has no production version; "
                                 "promote one with registry.promote(version, 'production').")
            loaded = {}
            for role, version in stages.items():
                current = self.models.get(role)
                keep = current is not None and current.card.version == version
                loaded[role] = current if keep else self.registry.load(version)
            self.models, self._revision = loaded, revision
        return self.versions

    @property
    def versions(self) -> dict[str, str]:
        """The version serving each role, e.g. ``{"production": "v1", "shadow": "v2"}``."""
        return {role: bundle.card.version for role, bundle in self.models.items()}

    @property
    def schema(self) -> InputSchema:
        """The production model's input schema."""
        return self.models["production"].schema

    @property
    def card(self):
        """The production model's card."""
        return self.models["production"].card

    def rollback(self) -> str:
        """Put the previous production version back (see :meth:`Registry.rollback`); return it."""
        version = self.registry.rollback()
        self.reload()
        return version

    # --- predicting --------------------------------------------------------------------------
    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Check, score and log ``frame``; return the answers (one row per input row).

        Returns a frame with ``score``, ``decision``, ``model_version`` and ``problems``, on the
        input's index. Raises :class:`RequestRefused` (a ``ValueError``) with the table of
        problems when the schema refuses the request; a refused request is recorded by
        :meth:`refusals`, not in the prediction log.

        The logged ``latency_ms`` is the time until the returned answers are ready (check +
        scoring). The shadow model is scored after that, in the same call: a real system would
        score it in the background so that callers never wait for it.
        """
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"frame must be a pandas DataFrame; got {type(frame).__name__}.")
        columns = {name: frame[name].array if isinstance(frame[name].dtype, pd.CategoricalDtype)
                   else frame[name].to_numpy() for name in frame.columns}
        return _answers_frame(self._predict(columns, len(frame), frame.index))

    def predict_records(self, records: Any) -> pd.DataFrame:
        """Like :meth:`predict`, for JSON records (a list of dicts), as the HTTP API receives them."""
        columns, n = records_to_columns(records)
        return _answers_frame(self._predict(columns, n, None))

    def _predict(self, columns: Mapping[str, np.ndarray], n: int, index: Any) -> dict:
        start = time.perf_counter()
        with contextlib.suppress(FileNotFoundError, TimeoutError):  # keep serving if the index is busy
            self.reload()
        models = self.models
        production = models["production"]
        X, found = production.schema._inspect(columns, n, index, self.on_problem)
        request_id = uuid.uuid4().hex[:16]
        if any(action == "refuse" for _, _, action, _, _ in found):
            problems = problem_table(found)
            self._log_refusal(request_id, problems, n)
            raise RequestRefused(problems)
        problems = _row_problems(found, n)
        roles = np.full(n, "production", dtype=object)
        if "canary" in models:
            with self._lock:
                roles[self._rng.random(n) < self.canary_share] = "canary"
        score = np.empty(n)
        version = np.empty(n, dtype=object)
        for role in ("production", "canary"):
            rows = roles == role
            if rows.any():
                # all rows (no canary, the usual case): no copy of X
                score[rows] = models[role].model.predict_proba(X if rows.all() else X[rows])[:, 1]
                version[rows] = models[role].card.version
        threshold = np.where(roles == "canary", models.get("canary", production).card.threshold,
                             production.card.threshold)
        decision = (score >= threshold).astype(int)
        latency = (time.perf_counter() - start) * 1000
        entries = [(roles, version, np.ones(n, dtype=bool), score, decision)]
        if "shadow" in models:
            shadow = models["shadow"]
            shadow_score = shadow.model.predict_proba(X)[:, 1]
            entries.append((np.full(n, "shadow", dtype=object), np.full(n, shadow.card.version, dtype=object),
                            np.zeros(n, dtype=bool), shadow_score,
                            (shadow_score >= shadow.card.threshold).astype(int)))
        self._write_log(request_id, X, problems, latency, entries)
        return {"request_id": request_id, "index": X.index, "score": score, "decision": decision,
                "model_version": version, "problems": problems, "found": found}

    # --- the prediction log ------------------------------------------------------------------
    def _ensure_log_table(self) -> list[str]:
        specs = self.schema.columns
        with self._lock:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS predictions (request_id TEXT, logged_at TEXT, month TEXT, "
                "model_version TEXT, role TEXT, returned INTEGER, score REAL, decision INTEGER, "
                "problems TEXT, latency_ms REAL)")
            self._conn.execute("CREATE TABLE IF NOT EXISTS refusals (request_id TEXT, logged_at TEXT, "
                               "rows INTEGER, problems TEXT)")
            have = [row[1] for row in self._conn.execute("PRAGMA table_info(predictions)")]
            for spec in specs:  # a new model version may bring a new feature: add its column
                if spec.name not in have:
                    sql_type = _SQL_TYPES.get(spec.kind, "TEXT")
                    self._conn.execute(f'ALTER TABLE predictions ADD COLUMN "{spec.name}" {sql_type}')
                    have.append(spec.name)
        return have

    def _write_log(self, request_id: str, X: pd.DataFrame, problems: np.ndarray, latency: float,
                   entries: Sequence[tuple]) -> None:
        n = len(X)
        # a "month" feature is the log's own month column (the contract), not a second one
        specs = [spec for spec in self.schema.columns
                 if spec.name in X.columns and spec.name not in LOG_COLUMNS]
        if any(spec.name not in self._log_columns for spec in specs):
            self._log_columns = self._ensure_log_table()
        now = datetime.now(UTC)
        if "month" in X.columns and pd.api.types.is_datetime64_any_dtype(X["month"].dtype):
            month = _sql_value(X["month"].to_numpy(), "datetime")
        else:
            month = [now.strftime("%Y-%m-01T00:00:00")] * n
        features = [_sql_value(X[spec.name].array, spec.kind) for spec in specs]
        logged_at = now.isoformat(timespec="milliseconds")
        rows = []
        for roles, version, returned, score, decision in entries:
            fixed = zip(month, roles.tolist(), version.tolist(), returned.tolist(), score.tolist(),
                        decision.tolist(), problems.tolist(), strict=True)
            rows.extend((request_id, logged_at, m, v, r, ret, s, d, p, latency, *feature_values)
                        for (m, r, v, ret, s, d, p), *feature_values in zip(fixed, *features, strict=True))
        names = LOG_COLUMNS + [spec.name for spec in specs]
        sql = (f"INSERT INTO predictions ({', '.join(chr(34) + c + chr(34) for c in names)}) "
               f"VALUES ({', '.join('?' * len(names))})")
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:  # another writer held the log too long
                raise TimeoutError(
                    f"the prediction log {str(self.log_path)!r} stayed locked by another process for "
                    f"{LOG_TIMEOUT_S:g} s; these {n} answers were not returned, so nothing goes "
                    "unlogged. Try again.") from error
            try:
                self._conn.executemany(sql, rows)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def _log_refusal(self, request_id: str, problems: pd.DataFrame, n: int) -> None:
        text = "; ".join(f"{c}: {p}" for c, p in problems[["column", "problem"]].itertuples(index=False))
        with self._lock:
            self._conn.execute("INSERT INTO refusals VALUES (?, ?, ?, ?)",
                               (request_id, datetime.now(UTC).isoformat(timespec="milliseconds"),
                                n, text))

    def log(self) -> pd.DataFrame:
        """The prediction log: one row per answer (returned or shadow), features in training dtypes."""
        with self._lock:
            raw = pd.read_sql_query("SELECT * FROM predictions ORDER BY rowid", self._conn)
        out = raw[LOG_COLUMNS].astype({"request_id": object, "logged_at": object, "model_version": object,
                                       "role": object, "problems": object})
        out["month"] = pd.to_datetime(raw["month"])
        out["returned"] = raw["returned"].astype(bool)
        out["score"] = raw["score"].astype(float)
        out["decision"] = raw["decision"].astype(int)
        out["latency_ms"] = raw["latency_ms"].astype(float)
        out["problems"] = raw["problems"].fillna("")
        features = [c for c in raw.columns if c not in LOG_COLUMNS]
        known = [c for c in features + ["month"] if c in self.schema.names]
        coerced = self.schema._inspect({c: raw[c].to_numpy() for c in known}, len(raw))[0]
        for column in features:
            out[column] = coerced[column] if column in known else raw[column]
        if "month" in self.schema.names:
            out["month"] = coerced["month"]
        return out

    def refusals(self) -> pd.DataFrame:
        """Refused requests: request id, time, number of rows and the problems named."""
        with self._lock:
            return pd.read_sql_query("SELECT * FROM refusals", self._conn)

    def close(self) -> None:
        """Close the log's database connection."""
        self._conn.close()

    def __repr__(self) -> str:
        return f"Service({self.registry!r}, serving {self.versions})"


def compare_roles(log: pd.DataFrame) -> pd.DataFrame:
    """Summarise a prediction log per role and model version: what each model was asked and said.

    One row per (role, model_version): rows scored, share returned to the caller, mean score,
    share decided "churns", share of rows with a warning. (No latency: it differs from run to
    run, and a shadow's rows carry their request's latency.) A canary and
    production answer different rows, so compare their rates, not row by row (for that, see
    :func:`shadow_agreement`).

    Examples
    --------
    >>> log = pd.DataFrame({"role": ["production", "canary"], "model_version": ["v1", "v2"],
    ...                     "returned": [True, True], "score": [0.2, 0.6], "decision": [0, 1],
    ...                     "problems": ["", ""]})
    >>> compare_roles(log)[["role", "model_version", "rows", "churns_share"]]
             role model_version  rows  churns_share
    0  production            v1     1           0.0
    1      canary            v2     1           1.0
    """
    _check_log(log, ["role", "model_version", "returned", "score", "decision", "problems"])
    order = {"production": 0, "canary": 1, "shadow": 2}
    table = (log.assign(warned=log["problems"] != "")
             .groupby(["role", "model_version"], sort=False)
             .agg(rows=("score", "size"), returned_share=("returned", "mean"), mean_score=("score", "mean"),
                  churns_share=("decision", "mean"), warned_share=("warned", "mean"))
             .reset_index())
    return table.sort_values("role", key=lambda r: r.map(order), kind="stable").reset_index(drop=True)


def shadow_agreement(log: pd.DataFrame) -> pd.DataFrame:
    """Compare the shadow's answers with the returned ones on the very same rows.

    Pairs each shadow row with the returned answer to the same input row (same request, same
    position), and reports per shadow version: rows compared, share of identical decisions,
    rows where only the shadow says "churns", rows where only the returned model does, and the
    mean absolute score difference.

    Examples
    --------
    >>> log = pd.DataFrame({"request_id": ["a"] * 4, "role": ["production"] * 2 + ["shadow"] * 2,
    ...                     "model_version": ["v1", "v1", "v2", "v2"], "returned": [True, True, False, False],
    ...                     "score": [0.2, 0.7, 0.6, 0.8], "decision": [0, 1, 1, 1]})
    >>> shadow_agreement(log)[["shadow_version", "rows", "same_decision", "only_shadow_churns"]]
      shadow_version  rows  same_decision  only_shadow_churns
    0             v2     2            0.5                   1
    """
    _check_log(log, ["request_id", "role", "model_version", "returned", "score", "decision"])
    # a request's returned answers (production and canary rows together) and its shadow answers
    # were each logged in input order: the position within each pairs them
    keyed = log.assign(position=log.groupby(["request_id", "returned"]).cumcount())
    served = keyed[keyed["returned"]][["request_id", "position", "score", "decision"]]
    columns = ["request_id", "position", "model_version", "score", "decision"]
    shadow = keyed[keyed["role"] == "shadow"][columns]
    pairs = shadow.merge(served, on=["request_id", "position"], suffixes=("_shadow", "_served"))
    rows = []
    for version, group in pairs.groupby("model_version", sort=True):
        rows.append({"shadow_version": version, "rows": len(group),
                     "same_decision": float((group["decision_shadow"] == group["decision_served"]).mean()),
                     "only_shadow_churns": int(((group["decision_shadow"] == 1)
                                                & (group["decision_served"] == 0)).sum()),
                     "only_served_churns": int(((group["decision_shadow"] == 0)
                                                & (group["decision_served"] == 1)).sum()),
                     "mean_abs_score_diff": float((group["score_shadow"]
                                                   - group["score_served"]).abs().mean())})
    columns = ["shadow_version", "rows", "same_decision", "only_shadow_churns", "only_served_churns",
               "mean_abs_score_diff"]
    return pd.DataFrame(rows, columns=columns)


def _named(problems: pd.DataFrame, *, detail: bool = False) -> str:
    """Problems in words, '; '-joined: 'column: problem', with '(detail)' when asked."""
    return "; ".join(f"{c}: {p}" + (f" ({d})" if detail else "")
                     for c, p, d in problems[["column", "problem", "detail"]].itertuples(index=False))


def _check_log(log: Any, needed: list[str]) -> None:
    if not isinstance(log, pd.DataFrame):
        raise TypeError(f"log must be a pandas DataFrame (Service.log()); got {type(log).__name__}.")
    missing = [c for c in needed if c not in log.columns]
    if missing:
        raise ValueError(f"log must have the prediction-log columns {needed!r}; missing {missing!r}.")


def _answers_frame(result: dict) -> pd.DataFrame:
    answers = pd.DataFrame({k: result[k] for k in ("score", "decision", "model_version", "problems")},
                           index=result["index"])
    answers.attrs["request_id"] = result["request_id"]
    answers.attrs["warnings"] = problem_table(result["found"])
    return answers


def _row_problems(found: Sequence[tuple], n: int) -> np.ndarray:
    """Per row, the '; '-joined descriptions of the (warned) problems that touch it."""
    problems = np.full(n, "", dtype=object)
    for column, problem, _, rows, _ in found:
        label = f"{column}: {problem}"
        problems[rows] = [f"{p}; {label}" if p else label for p in problems[rows]]
    return problems


def create_app(service: Service):
    """A FastAPI app around ``service``: ``POST /predict``, ``GET /health``, ``GET /model``.

    ``POST /predict`` takes a JSON list of records (one object per customer) and answers
    ``{"request_id", "model_version", "predictions": [{"score", "decision", "problems"}],
    "warnings": [...]}``; a request the schema refuses gets HTTP 422 with
    ``{"detail": "...", "problems": [{"column", "problem", "action", "rows", "detail"}]}``.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from fastapi.testclient import TestClient
    >>> from sklearn.linear_model import LogisticRegression
    >>> from toolkit.deploy import InputSchema, ModelCard, Registry
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    >>> registry = Registry(tempfile.mkdtemp(), create=True)
    >>> card = ModelCard("demo", trained_on="toy", features=["x"], metrics={"auc": 1.0})
    >>> v = registry.register(LogisticRegression().fit(X, [0, 0, 1, 1]), card=card,
    ...                       schema=InputSchema.from_frame(X))
    >>> _ = registry.promote(v, "production")
    >>> client = TestClient(create_app(Service(registry)))
    >>> client.post("/predict", json=[{"x": 2.5}]).json()["predictions"][0]["decision"]
    1
    >>> client.post("/predict", json=[{"y": 2.5}]).json()["problems"][0]["problem"]
    'extra column'
    """
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    if not isinstance(service, Service):
        raise TypeError(f"service must be a toolkit.service.Service; got {type(service).__name__}.")
    app = FastAPI(title="Nimbus churn model", description="The course's model service (toolkit.service).")

    async def predict(request) -> JSONResponse:
        # The body is parsed by hand, not by a pydantic model: validation is the schema's job,
        # and pydantic would cost more than the whole check for a one-row request.
        try:
            # straight to plain lists: building the answers' DataFrame would cost more than the rest
            result = service._predict(*records_to_columns(json.loads(await request.body())), None)
        except json.JSONDecodeError as error:
            return JSONResponse({"detail": f"the body is not valid JSON: {error}", "problems": []}, 422)
        except TypeError as error:
            return JSONResponse({"detail": str(error), "problems": []}, 422)
        except RequestRefused as refused:
            body = {"detail": str(refused), "problems": refused.problems.to_dict("records")}
            return JSONResponse(body, 422)
        except TimeoutError as error:  # the log is busy: say so, and let the client retry
            return JSONResponse({"detail": str(error)}, 503)
        columns = [result[c].tolist() for c in ("score", "decision", "model_version", "problems")]
        predictions = [{"score": s, "decision": d, "model_version": v, "problems": p}
                       for s, d, v, p in zip(*columns, strict=True)]
        warnings = [{"column": c, "problem": p, "action": a, "rows": int(r.sum()), "detail": d}
                    for c, p, a, r, d in result["found"]]
        return JSONResponse({"request_id": result["request_id"],
                             "model_version": service.versions["production"],
                             "predictions": predictions, "warnings": warnings})

    # This module uses postponed annotations, which FastAPI resolves in the module's globals,
    # where Request is not imported (FastAPI stays an optional, lazy import): give the class.
    predict.__annotations__["request"] = Request
    app.post("/predict")(predict)

    @app.get("/health")
    def health() -> dict:
        try:
            return {"status": "ok", "models": service.reload()}
        except (FileNotFoundError, TimeoutError) as error:  # still serving the models it has
            return {"status": "registry unavailable", "models": service.versions, "detail": str(error)}

    @app.get("/model")
    def model() -> dict:
        return service.card.to_dict()

    return app


def replay(service: Service, frame: pd.DataFrame, *, by: str = "month") -> pd.DataFrame:
    """Send ``frame`` through ``service.predict`` one group at a time (one request per month).

    Groups are sent in sorted order of ``by``, as the months would arrive. A refused group is
    not an error: its row in the result says why, and the replay goes on with the next one.

    Parameters
    ----------
    service : Service
        The service to send the requests to; its prediction log records every scored row.
    frame : pandas.DataFrame
        The inputs, with the column ``by`` (e.g. the production months).
    by : str, default="month"
        The column whose values make one request each.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``by``, ``rows``, ``scored``, ``flagged`` (decided "churns"),
        ``refused`` (rows refused), ``reason`` (the refusing problems, "" when scored) and
        ``warnings`` (the warned problems, "; "-joined).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from sklearn.compose import make_column_transformer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from toolkit.deploy import InputSchema, ModelCard, Registry
    >>> X = pd.DataFrame({"month": pd.to_datetime(["2024-01-01"] * 4), "x": [0.0, 1.0, 2.0, 3.0]})
    >>> model = make_pipeline(make_column_transformer(("passthrough", ["x"])), LogisticRegression())
    >>> registry = Registry(tempfile.mkdtemp(), create=True)
    >>> card = ModelCard("demo", trained_on="toy", features=["month", "x"], metrics={})
    >>> v = registry.register(model.fit(X, [0, 0, 1, 1]), card=card, schema=InputSchema.from_frame(X))
    >>> _ = registry.promote(v, "production")
    >>> months = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"]), "x": [3.0, "?"]})
    >>> table = replay(Service(registry), months)
    >>> table[["rows", "scored", "flagged", "refused"]].to_numpy().tolist()
    [[1, 1, 1, 0], [1, 0, 0, 1]]
    >>> table.loc[1, "reason"]
    "x: wrong dtype (expected numeric; got e.g. '?')"
    """
    if not isinstance(service, Service):
        raise TypeError(f"service must be a toolkit.service.Service; got {type(service).__name__}.")
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame; got {type(frame).__name__}.")
    if not isinstance(by, str):
        raise TypeError(f"by must be a column name (str); got {_short(by)}.")
    if by not in frame.columns:
        raise ValueError(f"by must be a column of frame; got {by!r}, and frame has {list(frame.columns)!r}.")
    if frame.empty:
        raise ValueError("frame must hold at least one row to replay; got an empty frame.")
    if frame[by].isna().any():
        raise ValueError(f"frame[{by!r}] must have no missing values (each row needs its group); "
                         f"got {int(frame[by].isna().sum())} missing.")
    rows = []
    for key, group in frame.groupby(by, sort=True, observed=True):
        entry = {by: key, "rows": len(group), "scored": 0, "flagged": 0, "refused": 0,
                 "reason": "", "warnings": ""}
        try:
            answers = service.predict(group)
        except RequestRefused as refused:
            problems = refused.problems
            refusing = problems["action"] == "refuse"
            entry.update(refused=len(group), reason=_named(problems[refusing], detail=True))
            problems = problems[~refusing]
        else:
            entry.update(scored=len(answers), flagged=int(answers["decision"].sum()))
            problems = answers.attrs["warnings"]
        entry["warnings"] = _named(problems)
        rows.append(entry)
    return pd.DataFrame(rows, columns=[by, "rows", "scored", "flagged", "refused", "reason", "warnings"])
