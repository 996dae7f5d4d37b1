"""The real server under load and a crash: nothing answered is ever missing from the log.

``python -m toolkit serve`` runs on a free loopback port. Eight client threads send 25 one-row
requests each; part-way through, the server is killed with SIGKILL (no shutdown, no flush) and
started again on the same registry and log, and the clients retry what failed meanwhile. Then
every request answered with HTTP 200 must have exactly one row in the prediction log, under the
request id it was answered with, and the log must pass SQLite's integrity check.
"""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from toolkit.deploy import InputSchema, ModelCard, Registry

THREADS, REQUESTS = 8, 25
#: Seconds the whole exchange may take (server starts included), so the test is bounded in time.
DEADLINE_S = 120


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(root, port, log_path):
    return subprocess.Popen([sys.executable, "-m", "toolkit", "serve", "--registry", str(root),
                             "--port", str(port), "--log", str(log_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_until_up(url, server, deadline):
    import httpx

    while True:
        try:
            return httpx.get(f"{url}/health", timeout=2).json()
        except httpx.TransportError:
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "the server did not start in time"
            time.sleep(0.1)


def _stop(server):
    if server.poll() is None:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.communicate()


@pytest.fixture
def registry(tmp_path):
    X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "n": [1, 2, 3, 4]})
    registry = Registry(tmp_path / "registry", create=True)
    card = ModelCard("demo", trained_on="toy", features=list(X.columns), metrics={"auc": 1.0})
    version = registry.register(LogisticRegression().fit(X, [0, 0, 1, 1]), card=card,
                                schema=InputSchema.from_frame(X))
    registry.promote(version, "production")
    return registry


class _Clients:
    """THREADS threads of REQUESTS one-row requests; a request that fails in transit is retried."""

    def __init__(self, url, deadline):
        self.url, self.deadline = url, deadline
        self.lock = threading.Lock()
        self.accepted: list[str] = []  # request ids answered with 200
        self.sent = self.transport_errors = 0
        self.other: list[int] = []

    def run(self, worker):
        import httpx

        with httpx.Client(timeout=10) as client:
            for i in range(REQUESTS):
                record = {"x": (worker + i) % 4 * 1.0, "n": 1 + i % 4}
                while time.monotonic() < self.deadline:
                    with self.lock:
                        self.sent += 1
                    try:
                        response = client.post(f"{self.url}/predict", json=[record])
                    except httpx.TransportError:  # the server is down: wait for it and send again
                        with self.lock:
                            self.transport_errors += 1
                        time.sleep(0.1)
                        continue
                    with self.lock:
                        if response.status_code == 200:
                            self.accepted.append(response.json()["request_id"])
                        else:
                            self.other.append(response.status_code)
                    break


def test_every_answered_request_survives_a_sigkill(registry, tmp_path):
    log_path = tmp_path / "served.sqlite"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + DEADLINE_S
    servers = [_start(registry.root, port, log_path)]
    try:
        _wait_until_up(url, servers[0], deadline)
        clients = _Clients(url, deadline)
        threads = [threading.Thread(target=clients.run, args=(w,)) for w in range(THREADS)]
        for thread in threads:
            thread.start()
        while len(clients.accepted) < THREADS * REQUESTS // 3:  # a third of the way through
            assert time.monotonic() < deadline and any(t.is_alive() for t in threads)
            time.sleep(0.01)
        os.kill(servers[0].pid, signal.SIGKILL)  # no shutdown, no flush: mid-traffic
        servers[0].wait(timeout=20)
        killed_at = len(clients.accepted)
        servers.append(_start(registry.root, port, log_path))  # the same registry and log
        _wait_until_up(url, servers[1], deadline)
        for thread in threads:
            thread.join(timeout=max(deadline - time.monotonic(), 1))
        assert not any(t.is_alive() for t in threads), "the clients did not finish in time"
    finally:
        for server in servers:
            _stop(server)

    assert clients.other == []
    assert len(clients.accepted) == THREADS * REQUESTS  # every request answered in the end
    assert killed_at < THREADS * REQUESTS  # the kill happened with requests still to come
    assert clients.transport_errors > 0  # and some of them met the dead server
    with sqlite3.connect(log_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        counts = dict(conn.execute("SELECT request_id, COUNT(*) FROM predictions GROUP BY request_id"))
    missing = [r for r in clients.accepted if r not in counts]
    assert missing == []  # nothing answered was lost
    assert all(counts[r] == 1 for r in clients.accepted)  # one row per one-row request
    assert len(set(clients.accepted)) == len(clients.accepted)
    # a row may exist for a request killed after its commit but before its answer; never more
    assert len(counts) - len(clients.accepted) <= THREADS
    print(f"\nload/fault: {clients.sent} sent, {len(clients.accepted)} accepted, "
          f"{clients.transport_errors} met the killed server, {killed_at} accepted before the kill, "
          f"{sum(counts.values())} log rows")
