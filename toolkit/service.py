"""The model service: check each request, score it, log every answer.

:class:`Service` wraps a :class:`toolkit.registry.Registry`. ``predict(frame)`` checks the
request against the production model's schema (refusing it with a table of named problems, or
scoring it with warnings), scores it with the production model, sends a seeded share of rows to
a **canary** when one is set, also scores it silently with a **shadow** model when one is set
(logged, never returned), and appends one row per answer to the **prediction log**
(:mod:`toolkit.prediction_log`), which monitoring reads back with :meth:`Service.log`.

A shadow and a canary are each checked against *their own* schema. Neither can fail the
caller: a shadow that cannot answer is recorded in :meth:`Service.failures`, and the canary's
rows then go to production instead. If the registry changes to something that cannot be loaded
(a tampered file, a missing folder), the service keeps the models it has and
:meth:`Service.health` says ``"degraded"``.

The HTTP API around it is in :mod:`toolkit.service_app` (``python -m toolkit serve``).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit._shared import LOG_COLUMNS
from toolkit._validation import _short, check_dataframe, check_positive_int, check_probability, check_seed
from toolkit.artifacts import ModelBundle, ModelCard
from toolkit.prediction_log import LOG_TIMEOUT_S, Answers, PredictionLog
from toolkit.registry import Registry
from toolkit.rollout import compare_roles, shadow_agreement
from toolkit.schema import InputSchema, frame_columns, problem_table, resolve_actions

__all__ = ["LOG_COLUMNS", "LOG_TIMEOUT_S", "MAX_ROWS", "RequestRefused", "RequestTooLarge", "Service",
           "compare_roles", "records_to_columns", "replay", "shadow_agreement", "to_records"]

#: The most rows one request may hold (a month of the case study has about a thousand).
MAX_ROWS = 5_000


class RequestRefused(ValueError):
    """A request the service refused; ``.problems`` is the table of problems (see ``validate``)."""

    def __init__(self, problems: pd.DataFrame) -> None:
        self.problems = problems
        refused = problems[problems["action"] == "refuse"]
        super().__init__(f"request refused by the input schema: {_named(refused, detail=True)}.")


class RequestTooLarge(RequestRefused):
    """A request with more rows than the service accepts at once (HTTP 413)."""

    def __init__(self, rows: int, limit: int) -> None:
        self.problems = problem_table([("(request)", "too many rows", "refuse", np.ones(rows, dtype=bool),
                                        f"{rows:,} rows; at most {limit:,} per request")])
        ValueError.__init__(self, f"request refused: it holds {rows:,} rows, more than the {limit:,} "
                                  "the service accepts at once. Send it in smaller requests.")


def to_records(frame: pd.DataFrame) -> list[dict]:
    """A frame as the JSON records a client would send: numbers, strings, booleans, ISO dates, nulls.

    Examples
    --------
    >>> to_records(pd.DataFrame({"month": pd.to_datetime(["2025-01-01"]), "age": [float("nan")]}))
    [{'month': '2025-01-01T00:00:00.000', 'age': None}]
    """
    import json

    check_dataframe(frame, "frame", allow_empty=True)  # unique names: each record is a dict
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


def _refusing(found: Sequence[tuple]) -> bool:
    return any(action == "refuse" for _, _, action, _, _ in found)


def _subset(columns: Mapping[str, Any], rows: np.ndarray) -> dict[str, Any]:
    return {name: values[rows] for name, values in columns.items()}


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
    max_rows : int, default=MAX_ROWS
        The most rows one request may hold; a larger one is refused (:class:`RequestTooLarge`).

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
    >>> len(service.log()), service.health()["status"]
    (2, 'ok')
    """

    def __init__(self, registry: Registry, *, log_path: str | Path | None = None,
                 canary_share: float = 0.1, on_problem: Mapping[str, str] | None = None,
                 seed: int = 0, max_rows: int = MAX_ROWS) -> None:
        if not isinstance(registry, Registry):
            raise TypeError(f"registry must be a toolkit.deploy.Registry; got {type(registry).__name__}.")
        self.registry = registry
        self.canary_share = check_probability(canary_share, "canary_share")
        resolve_actions(on_problem)  # checked now, not at the first request
        self.on_problem = dict(on_problem or {})
        self.max_rows = check_positive_int(max_rows, "max_rows")
        self.seed = check_seed(seed)
        self._rng = np.random.default_rng(seed)
        self._rng_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self.models: dict[str, ModelBundle] = {}
        #: Why the last reload failed (the models in service were kept), or None.
        self.reload_error: str | None = None
        self._revision = -1
        self._signature: tuple | None = None
        self.reload()
        self.log_path = Path(log_path) if log_path is not None else registry.root / "predictions.sqlite"
        self._log = PredictionLog(self.log_path)

    # --- models ------------------------------------------------------------------------------
    def reload(self) -> dict[str, str]:
        """Reload the serving models if the registry changed; return ``{role: version}``.

        If the new models cannot be loaded (a changed file, a missing folder, a busy or deleted
        index), the models in service are kept and :meth:`health` says why; the next call tries
        again. Only the first load, when there is nothing to serve yet, raises.
        """
        if not self._reload_lock.acquire(blocking=False):  # another thread is at it: serve on
            return self.versions
        try:
            signature = self.registry.signature()
            if signature == self._signature:  # nothing written to the index since: a stat, no query
                return self.versions
            try:
                revision = self.registry.revision()
                if revision != self._revision:
                    self.models = self._load_stages()
                    self._revision = revision
            except (OSError, TimeoutError, ValueError) as error:  # FileNotFoundError is an OSError
                if not self.models:
                    raise
                self.reload_error = f"{type(error).__name__}: {error}"
                return self.versions  # signature not recorded: try again next time
            self.reload_error, self._signature = None, signature
            return self.versions
        finally:
            self._reload_lock.release()

    def _load_stages(self) -> dict[str, ModelBundle]:
        stages = self.registry.stages()
        if "production" not in stages:
            raise ValueError(f"registry {str(self.registry.root)!r} has no production version; "
                             "promote one with registry.promote(version, 'production').")
        loaded = {}
        for role, version in stages.items():
            current = self.models.get(role)
            keep = current is not None and current.card.version == version
            loaded[role] = current if keep else self.registry.load(version)
        return loaded

    @property
    def versions(self) -> dict[str, str]:
        """The version serving each role, e.g. ``{"production": "v1", "shadow": "v2"}``."""
        return {role: bundle.card.version for role, bundle in self.models.items()}

    @property
    def schema(self) -> InputSchema:
        """The production model's input schema."""
        return self.models["production"].schema

    @property
    def card(self) -> ModelCard:
        """The production model's card."""
        return self.models["production"].card

    def health(self) -> dict:
        """``{"status": "ok" | "degraded", "models": {role: version}}``, with ``"detail"`` when degraded."""
        self.reload()
        if self.reload_error is None:
            return {"status": "ok", "models": self.versions}
        return {"status": "degraded", "models": self.versions, "detail": self.reload_error}

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
        scoring + canary). The shadow is scored after that, in the same call: a real system
        would score it in the background so that callers never wait for it.
        """
        check_dataframe(frame, "frame", allow_empty=True)  # unique names too: frame[name] is a column
        return _answers_frame(self.predict_columns(frame_columns(frame), len(frame), index=frame.index))

    def predict_records(self, records: Any) -> pd.DataFrame:
        """Like :meth:`predict`, for JSON records (a list of dicts), as the HTTP API receives them."""
        columns, n = records_to_columns(records)
        return _answers_frame(self.predict_columns(columns, n))

    def predict_columns(self, columns: Mapping[str, Any], n: int, *, index: Any = None) -> dict:
        """:meth:`predict` on columns (see :meth:`InputSchema.inspect`); the answers as arrays.

        Returns ``{"request_id", "index", "score", "decision", "model_version", "problems",
        "found"}``: what the HTTP API turns into JSON without building a DataFrame.
        """
        start = time.perf_counter()
        self.reload()
        models = self.models  # one consistent set for the whole request
        request_id = uuid.uuid4().hex[:16]
        if n > self.max_rows:
            too_large = RequestTooLarge(n, self.max_rows)
            self.log_refusal(_named(too_large.problems), rows=n, request_id=request_id)
            raise too_large
        production = models["production"]
        X, found = production.schema.inspect(columns, n, index=index, on_problem=self.on_problem)
        if _refusing(found):
            problems = problem_table(found)
            self.log_refusal(_named(problems), rows=n, request_id=request_id)
            raise RequestRefused(problems)
        answers = self._answer(models, columns, X, found, request_id)
        latency = (time.perf_counter() - start) * 1000
        self._log.write(request_id, X, production.schema.columns, [answers], latency)
        if "shadow" in models:
            self._shadow(models["shadow"], columns, n, index, request_id, latency)
        return {"request_id": request_id, "index": X.index, "score": answers.score,
                "decision": answers.decision, "model_version": answers.model_version,
                "problems": answers.problems, "found": found}

    def _answer(self, models: Mapping[str, ModelBundle], columns: Mapping[str, Any], X: pd.DataFrame,
                found: Sequence[tuple], request_id: str) -> Answers:
        """Score the returned rows: production's, and the canary's share (checked by its own schema)."""
        n = len(X)
        production = models["production"]
        problems = _row_problems(found, n)
        score, decision = np.empty(n), np.empty(n, dtype=int)
        version = np.full(n, production.card.version, dtype=object)
        roles = np.full(n, "production", dtype=object)
        rows = self._canary_rows(n) if "canary" in models else np.zeros(n, dtype=bool)
        if rows.any():
            canary = models["canary"]
            try:
                Xc, found_c = canary.schema.inspect(_subset(columns, rows), int(rows.sum()),
                                                    on_problem=self.on_problem)
                if _refusing(found_c):
                    raise RequestRefused(problem_table(found_c))
                score[rows] = canary.model.predict_proba(Xc)[:, 1]
            except Exception as error:  # noqa: BLE001 - a canary never fails the caller
                self._record_failure(request_id, "canary", canary.card.version, error)
                rows = np.zeros(n, dtype=bool)  # production answers them all
            else:
                roles[rows], version[rows] = "canary", canary.card.version
                problems[rows] = _row_problems(found_c, int(rows.sum()))
                decision[rows] = score[rows] >= canary.card.threshold
        mine = ~rows
        if mine.any():  # all rows (no canary, the usual case): no copy of X
            score[mine] = production.model.predict_proba(X if mine.all() else X[mine])[:, 1]
            decision[mine] = score[mine] >= production.card.threshold
        return Answers(roles, version, True, score, decision, problems)

    def _canary_rows(self, n: int) -> np.ndarray:
        with self._rng_lock:  # one seeded stream, drawn in request order
            return self._rng.random(n) < self.canary_share

    def _shadow(self, shadow: ModelBundle, columns: Mapping[str, Any], n: int, index: Any,
                request_id: str, latency: float) -> None:
        """Score and log the shadow's answers; whatever goes wrong is logged, never raised."""
        try:
            Xs, found = shadow.schema.inspect(columns, n, index=index, on_problem=self.on_problem)
            if _refusing(found):
                raise RequestRefused(problem_table(found))
            score = shadow.model.predict_proba(Xs)[:, 1]
            decision = (score >= shadow.card.threshold).astype(int)
            answers = Answers(np.full(n, "shadow", dtype=object), np.full(n, shadow.card.version,
                                                                         dtype=object),
                              False, score, decision, _row_problems(found, n))
            self._log.write(request_id, Xs, shadow.schema.columns, [answers], latency)
        except Exception as error:  # noqa: BLE001 - a shadow never fails the caller
            self._record_failure(request_id, "shadow", shadow.card.version, error)

    def _record_failure(self, request_id: str, role: str, version: str, error: Exception) -> None:
        try:
            self._log.write_failure(request_id, role, version, f"{type(error).__name__}: {error}")
        except TimeoutError:  # the log is busy: the caller's answer matters more than this record
            pass

    # --- the logs ----------------------------------------------------------------------------
    def log_refusal(self, problems: str, *, rows: int | None = None, request_id: str | None = None) -> str:
        """Record a refused request (``problems`` in words; ``rows`` None when unknown); return its id.

        :meth:`predict` records its own refusals; the HTTP API records the bodies it cannot read.
        """
        request_id = request_id or uuid.uuid4().hex[:16]
        self._log.write_refusal(request_id, rows, problems)
        return request_id

    def log(self) -> pd.DataFrame:
        """The prediction log: one row per answer (returned or shadow), features in training dtypes.

        A feature named like a fixed column (say ``score``) is shown as ``input:score``.
        """
        raw = self._log.read()
        fixed = raw.iloc[:, :len(LOG_COLUMNS)]  # by position: a feature may be called "score"
        text = {"request_id": object, "logged_at": object, "model_version": object, "role": object}
        out = fixed.astype(text).assign(
            month=pd.to_datetime(fixed["month"]), returned=fixed["returned"].astype(bool),
            score=fixed["score"].astype(float), decision=fixed["decision"].astype(int),
            problems=fixed["problems"].fillna("").astype(object),
            latency_ms=fixed["latency_ms"].astype(float))
        features = {name: raw.iloc[:, i].to_numpy() for i, name in enumerate(raw.columns)
                    if i >= len(LOG_COLUMNS)}
        month = next((spec for spec in self.schema.columns if spec.name == "month"), None)
        dated = month is not None and month.kind == "datetime"
        if dated:  # a month input of dates is the log's own month column
            features["month"] = fixed["month"].to_numpy()
        known = {c: v for c, v in features.items() if c in self.schema.names}
        coerced = self.schema.inspect(known, len(raw))[0]
        for column, values in features.items():
            if column == "month" and dated:
                out["month"] = coerced["month"]
            else:
                out[f"input:{column}" if column in LOG_COLUMNS else column] = \
                    coerced[column] if column in known else values
        return out

    def refusals(self) -> pd.DataFrame:
        """Refused requests: request id, time, number of rows (``<NA>`` when unknown) and why."""
        return self._log.refusals().astype({"rows": "Int64"})

    def failures(self) -> pd.DataFrame:
        """Times a shadow or a canary could not answer: request id, time, role, version, error."""
        return self._log.failures()

    def close(self) -> None:
        """Close the log's database connection."""
        self._log.close()

    def __repr__(self) -> str:
        return f"Service({self.registry!r}, serving {self.versions})"


def _named(problems: pd.DataFrame, *, detail: bool = False) -> str:
    """Problems in words, '; '-joined: 'column: problem', with '(detail)' when asked."""
    return "; ".join(f"{c}: {p}" + (f" ({d})" if detail else "")
                     for c, p, d in problems[["column", "problem", "detail"]].itertuples(index=False))


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
    check_dataframe(frame, "frame", allow_empty=True)
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
