"""The HTTP API of the model service: ``POST /predict``, ``GET /health``, ``GET /model``.

:func:`create_app` puts a :class:`toolkit.service.Service` behind FastAPI;
``python -m toolkit serve`` runs that app with uvicorn. What it refuses, and how:

============================================  ======  ================================
request                                       status  recorded in
============================================  ======  ================================
a body over ``max_body_bytes``                 413     ``Service.refusals()``
not JSON, or not a list of JSON objects        422     ``Service.refusals()``
more than ``Service.max_rows`` rows            413     ``Service.refusals()``
a problem the schema refuses                   422     ``Service.refusals()``
the prediction log locked for too long         503     (nothing answered, nothing logged)
============================================  ======  ================================

The scoring, the log writes and the registry checks block, so they run in a worker thread
(``run_in_threadpool``), and ``/health`` and ``/model`` are plain functions, which FastAPI also
runs in threads: a request waiting for a locked log never holds up the others.
FastAPI is imported only by :func:`create_app`, so the rest of the toolkit works without it.
"""

from __future__ import annotations

import json
from typing import Any

from toolkit.service import RequestRefused, RequestTooLarge, Service, records_to_columns

__all__ = ["MAX_BODY_BYTES", "create_app"]

#: The largest request body read, in bytes (a month of the case study is about 0.45 MB).
MAX_BODY_BYTES = 4 * 1024 * 1024


class _BodyTooLarge(Exception):
    def __init__(self, size: int) -> None:
        self.size = size


async def _read_body(request: Any, limit: int) -> bytes:
    """The body, stopping as soon as it passes ``limit`` bytes (never held whole in memory)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _BodyTooLarge(int(declared))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge(size)
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse(service: Service, status: int, detail: str, problems: list | None = None, *,
            logged: str | None = None, rows: int | None = None) -> tuple[int, dict]:
    """Record a refusal the service did not see (``logged`` in words), and the JSON answer."""
    if logged is not None:
        try:
            service.log_refusal(logged, rows=rows)
        except TimeoutError as error:  # every refusal is logged: if it cannot be, say so instead
            return 503, {"detail": str(error)}
    return status, {"detail": detail, "problems": problems or []}


def _answer(service: Service, body: bytes) -> tuple[int, dict]:
    """Read the records, score them, and say how it went: (HTTP status, JSON body). Blocking."""
    try:
        records = json.loads(body)
    except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError; so is a huge int
        return _refuse(service, 422, f"the body is not valid JSON: {str(error)[:200]}",
                       logged=f"(request): not valid JSON ({str(error)[:200]})")
    try:
        columns, n = records_to_columns(records)
    except TypeError as error:
        return _refuse(service, 422, str(error), logged=f"(request): not a list of JSON objects "
                                                        f"({type(records).__name__})")
    try:
        result = service.predict_columns(columns, n)  # logs its own refusals
    except RequestTooLarge as refused:
        return 413, {"detail": str(refused), "problems": refused.problems.to_dict("records")}
    except RequestRefused as refused:
        return 422, {"detail": str(refused), "problems": refused.problems.to_dict("records")}
    except TimeoutError as error:  # the log is busy: say so, and let the client retry
        return 503, {"detail": str(error)}
    # straight to plain lists: building the answers' DataFrame would cost more than the rest
    columns = [result[c].tolist() for c in ("score", "decision", "model_version", "problems")]
    predictions = [{"score": s, "decision": d, "model_version": v, "problems": p}
                   for s, d, v, p in zip(*columns, strict=True)]
    warnings = [{"column": c, "problem": p, "action": a, "rows": int(r.sum()), "detail": d}
                for c, p, a, r, d in result["found"]]
    return 200, {"request_id": result["request_id"], "model_version": service.versions["production"],
                 "predictions": predictions, "warnings": warnings}


def create_app(service: Service, *, max_body_bytes: int = MAX_BODY_BYTES):
    """A FastAPI app around ``service``: ``POST /predict``, ``GET /health``, ``GET /model``.

    ``POST /predict`` takes a JSON list of records (one object per customer) and answers
    ``{"request_id", "model_version", "predictions": [{"score", "decision", "problems"}],
    "warnings": [...]}``; a refused request gets HTTP 422 (or 413 when too large) with
    ``{"detail": "...", "problems": [{"column", "problem", "action", "rows", "detail"}]}``.
    ``GET /health`` says ``"ok"``, or ``"degraded"`` with the reason when the registry changed
    to something the service could not load (it keeps serving the models it has).

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
    >>> client.post("/predict", content=b'[{"x": Infinity}]').json()["problems"][0]["problem"]
    'invalid number'
    """
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse
    from starlette.concurrency import run_in_threadpool

    if not isinstance(service, Service):
        raise TypeError(f"service must be a toolkit.service.Service; got {type(service).__name__}.")
    if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes < 1:
        raise ValueError(f"max_body_bytes must be a positive whole number of bytes; got {max_body_bytes!r}.")
    app = FastAPI(title="Nimbus churn model", description="The course's model service (toolkit.service).")

    async def predict(request) -> JSONResponse:
        # The body is read by hand, not by a pydantic model: validation is the schema's job,
        # and pydantic would cost more than the whole check for a one-row request.
        try:
            body = await _read_body(request, max_body_bytes)
        except _BodyTooLarge as error:
            status, answer = await run_in_threadpool(
                _refuse, service, 413, f"the body holds more than {max_body_bytes:,} bytes; send "
                "smaller requests.", logged=f"(request): body too large ({error.size:,} bytes)")
        else:
            status, answer = await run_in_threadpool(_answer, service, body)
        return JSONResponse(answer, status)

    # This module uses postponed annotations, which FastAPI resolves in the module's globals,
    # where Request is not imported (FastAPI stays an optional, lazy import): give the class.
    predict.__annotations__["request"] = Request
    app.post("/predict")(predict)

    @app.get("/health")
    def health() -> dict:  # a plain function: FastAPI runs it in a thread, off the event loop
        return service.health()

    @app.get("/model")
    def model() -> dict:
        return service.card.to_dict()

    return app
