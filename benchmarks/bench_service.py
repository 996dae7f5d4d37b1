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

Measured on the reference machine (2 cores, loaded by five other jobs, so absolute times are
about twice a quiet machine's; the overhead is the difference of two p50s taken in the same loop):

    (2026-11-28 20:35, load average 5.4-7.1 on 2 cores, 300 requests per size, LogisticRegression)
    what                        rows  req/s  p50 ms  p99 ms  CPU ms/request
    POST /predict (uvicorn)        1   21.9    45.5    89.5   22.3
    Service.predict in-process     1   24.4    40.9    72.3   21.0
    pipeline.predict_proba         1   32.2    32.1    57.1   16.4
    POST /predict (uvicorn)      100   20.0    51.1    81.9   25.4
    Service.predict in-process   100   22.5    43.7    79.8   23.2
    pipeline.predict_proba       100   32.5    31.4    57.7   16.7
    overhead over predict_proba, 1 row: p50 wall 13.4 ms (HTTP + validation + logging), 8.9 ms
        (validation + logging, in-process); CPU 5.8 and 4.6 ms per request
    inside the server, check + scoring p50 34.3 ms (so the check ~2 ms); HTTP, JSON and the log
        write add 11.2 ms of wall time, of which ~1.3 ms is CPU: the rest is waiting for a core
    overhead, 100 rows: p50 wall 19.7 / 12.3 ms; CPU 8.7 / 6.4 ms
    prediction log: 14 µs per row written (1,000-row executemany; 47 µs in a busier run)
    replay of the 1,029-row January: 0.10 s in-process, 0.11 s as one HTTP request (goal < 1 s: met)
    Single-row goal (<= 5 ms at p50): not shown on this loaded machine; the CPU-time overhead
    (5.8 ms, itself inflated by the load: predict_proba alone used 16.4 ms of CPU) is at the
    goal's edge. Re-measure on a quiet machine.
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
            entries = [(np.full(1000, "production", dtype=object), np.full(1000, "v1", dtype=object),
                        np.ones(1000, dtype=bool), np.full(1000, 0.5), np.zeros(1000, dtype=int))]
            writes = []
            for _ in range(20):
                start = time.perf_counter()
                service._write_log("bench", scored, np.full(1000, "", dtype=object), 1.0, entries)
                writes.append(time.perf_counter() - start)
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
