"""Is the model service fast enough for a workshop?

The churn pipeline (``features.make_preprocessor`` + ``LogisticRegression`` fitted on
``history``) is registered and served by ``python -m toolkit serve`` (uvicorn, one process) on a
free loopback port. Side by side, in one interleaved loop so both see the same machine load:

1. ``POST /predict`` with 1 row and with 100 rows of production data (requests/s, p50, p99),
   through one keep-alive ``httpx`` client;
2. ``pipeline.predict_proba`` in-process on the same rows: the model's own cost;
3. ``Service.predict`` in-process (schema check + scoring + logging, no HTTP);
4. the prediction log's write cost per row (one ``executemany`` per request);
5. replaying a 1,000-row production month through the service, in-process and as one HTTP request.

Goal (issue 10): HTTP + validation + logging add at most 5 ms to a single-row request at p50
(p50 of 1. minus p50 of 2.), and the 1,000-row month takes under 1 s.

Measured on the reference machine (2 cores shared with other jobs; the overhead is the
difference of two p50s taken in the same loop), 2026-11-28, 300 requests per size:

    20:40, load average 2.1-2.6 (the quietest moment of the day)
    what                        rows  req/s  p50 ms  p99 ms  CPU ms/request
    POST /predict (uvicorn)        1   58.4    16.5    21.6   17.2
    Service.predict in-process     1   62.8    15.3    19.7   15.9
    pipeline.predict_proba         1   77.7    12.7    14.6   12.9
    POST /predict (uvicorn)      100   47.3    20.6    37.6   20.7
    Service.predict in-process   100   54.7    17.6    29.5   18.0
    pipeline.predict_proba       100   72.8    13.5    18.5   13.5
    overhead over predict_proba, 1 row: 3.8 ms at p50 (goal <= 5 ms: met); validation + logging
        alone 2.6 ms; the server's logged check + scoring is 14.1 ms, so HTTP + JSON + log 2.4 ms
    overhead, 100 rows: 7.1 ms (validation + logging alone 4.1 ms)
    prediction log: 12.5 us per row written (1,000-row executemany)
    replay of the 1,029-row January: 0.033 s in-process, 0.047 s as one HTTP request (goal < 1 s)

    20:35, load average 5.4-7.1: 1 row 45.5 ms p50 over HTTP against 32.1 ms for predict_proba,
    overhead 13.4 ms of wall time but 5.8 ms of CPU: under that load most of it is two processes
    waiting for a core. The month replay: 0.11 s over HTTP.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from toolkit import features
from toolkit.datasets import load
from toolkit.deploy import InputSchema, ModelCard, Registry
from toolkit.prediction_log import Answers, PredictionLog
from toolkit.service import Service


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", date_format="iso"))


def _summary(name: str, seconds: list[float], rows: int, cpu_seconds: float) -> dict:
    ms = np.array(seconds) * 1000
    return {"what": name, "rows/request": rows, "requests": len(ms), "requests/s": 1000 / ms.mean(),
            "p50 ms": np.percentile(ms, 50), "p99 ms": np.percentile(ms, 99),
            "CPU ms/request": cpu_seconds * 1000 / len(ms)}


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_until_up(client, url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            client.get(f"{url}/health", timeout=2)
            return
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {server.communicate()[1]}") from None
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    import httpx

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per batch size (default 300)")
    args = parser.parse_args(argv)

    history = load("history")
    X = history.drop(columns=["exit_survey_score", "churned"])
    pipeline = make_pipeline(features.make_preprocessor(X, drop=["customer_id", "month"]),
                             LogisticRegression(max_iter=1000)).fit(X, history["churned"])
    production = load("production")
    january = production[production["month"] == "2025-01-01"].reset_index(drop=True)

    workdir = Path(tempfile.mkdtemp(prefix="bench_service_"))
    registry = Registry(workdir / "registry", create=True)
    card = ModelCard("churn", trained_on="2024", features=list(X.columns), metrics={"roc_auc": 0.0})
    registry.promote(registry.register(pipeline, card=card, schema=InputSchema.from_frame(X)), "production")

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "toolkit", "serve", "--registry", str(registry.root),
                               "--port", str(port), "--log", str(workdir / "served.sqlite")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    rows_out = []
    try:
        with httpx.Client() as client:
            _wait_until_up(client, url, server)
            service = Service(registry, log_path=workdir / "inprocess.sqlite")
            for size in (1, 100):
                starts = [(i * size) % 900 for i in range(args.requests)]
                batches = [january.iloc[start:start + size] for start in starts]
                bodies = [json.dumps(_records(b)).encode() for b in batches]
                http, model, inproc = [], [], []
                cpu = {"http": 0.0, "model": 0.0, "inproc": 0.0}
                for _ in range(5):  # warm up all three paths
                    client.post(f"{url}/predict", content=bodies[0])
                    pipeline.predict_proba(batches[0])
                    service.predict(batches[0])
                server_cpu = _cpu_seconds(server.pid)
                for batch, body in zip(batches, bodies, strict=True):
                    start, start_cpu = time.perf_counter(), time.process_time()
                    response = client.post(f"{url}/predict", content=body,
                                           headers={"content-type": "application/json"})
                    http.append(time.perf_counter() - start)
                    cpu["http"] += time.process_time() - start_cpu  # the client's share
                    assert response.status_code == 200, response.text
                    start, start_cpu = time.perf_counter(), time.process_time()
                    pipeline.predict_proba(batch)
                    model.append(time.perf_counter() - start)
                    cpu["model"] += time.process_time() - start_cpu
                    start, start_cpu = time.perf_counter(), time.process_time()
                    service.predict(batch)
                    inproc.append(time.perf_counter() - start)
                    cpu["inproc"] += time.process_time() - start_cpu
                cpu["http"] += _cpu_seconds(server.pid) - server_cpu  # + the server's share
                rows_out += [_summary("POST /predict (uvicorn)", http, size, cpu["http"]),
                             _summary("Service.predict in-process", inproc, size, cpu["inproc"]),
                             _summary("pipeline.predict_proba", model, size, cpu["model"])]

            # the log's write cost: write the same 1,000 scored rows again, one executemany each
            scored = service.schema.coerce(january.head(1000))
            text = {value: np.full(1000, value, dtype=object) for value in ("production", "v1", "")}
            answers = Answers(text["production"], text["v1"], True, np.full(1000, 0.5),
                              np.zeros(1000, dtype=int), text[""])
            bench_log = PredictionLog(workdir / "bench_log.sqlite")
            writes = []
            for _ in range(20):
                start = time.perf_counter()
                bench_log.write("bench", scored, service.schema.columns, [answers], 1.0)
                writes.append(time.perf_counter() - start)
            bench_log.close()
            log_us_per_row = np.median(writes) / 1000 * 1e6

            replay, replay_http = [], []
            body = json.dumps(_records(january)).encode()
            for _ in range(5):
                start = time.perf_counter()
                service.predict(january)
                replay.append(time.perf_counter() - start)
                start = time.perf_counter()
                client.post(f"{url}/predict", content=body, headers={"content-type": "application/json"})
                replay_http.append(time.perf_counter() - start)
    finally:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.communicate()

    # inside the server: the latency it logged (schema check + scoring), per request
    import sqlite3

    with sqlite3.connect(workdir / "served.sqlite") as conn:
        served = pd.read_sql_query("SELECT request_id, COUNT(*) AS n, MAX(latency_ms) AS latency_ms "
                                   "FROM predictions GROUP BY request_id", conn)
    inside = {size: served.loc[served["n"] == size, "latency_ms"].median() for size in (1, 100)}
    table = pd.DataFrame(rows_out)
    p50 = table.set_index(["what", "rows/request"])["p50 ms"]
    cpu_ms = table.set_index(["what", "rows/request"])["CPU ms/request"]
    pd.set_option("display.width", 120)
    print(table.round(2).to_string(index=False))
    for size in (1, 100):
        http = p50[("POST /predict (uvicorn)", size)] - p50[("pipeline.predict_proba", size)]
        inproc = p50[("Service.predict in-process", size)] - p50[("pipeline.predict_proba", size)]
        print(f"\n{size:>3} row(s): overhead at p50 over predict_proba: HTTP + validation + logging "
              f"{http:.2f} ms; validation + logging alone {inproc:.2f} ms")
        rest = p50[("POST /predict (uvicorn)", size)] - inside[size]
        print(f"{'':11s}inside the server, check + scoring (its logged latency) p50 {inside[size]:.2f} ms; "
              f"so HTTP, JSON and the log write add {rest:.2f} ms")
        http_cpu = cpu_ms[("POST /predict (uvicorn)", size)] - cpu_ms[("pipeline.predict_proba", size)]
        inproc_cpu = cpu_ms[("Service.predict in-process", size)] - cpu_ms[("pipeline.predict_proba", size)]
        print(f"{'':11s}overhead in CPU time per request (what a quiet machine would wait): HTTP + "
              f"validation + logging {http_cpu:.2f} ms; validation + logging alone {inproc_cpu:.2f} ms")
    print(f"\nprediction log write cost: {log_us_per_row:.1f} µs per row "
          "(1,000-row executemany, median of 20)")
    print(f"replay of a {len(january):,}-row month: in-process {np.median(replay):.3f} s, "
          f"one HTTP request {np.median(replay_http):.3f} s (median of 5; goal < 1 s)")
    return table


if __name__ == "__main__":
    main()
