"""The workshop rehearsal's pure parts: choosing notebooks, staggering, messages, figures, PIDs.

The rehearsal itself (a real JupyterHub) runs with `make hub-rehearsal LEARNERS=3`.
"""

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from toolkit.footprint import KEEP_FROM
from tools.hub import procs, report
from tools.hub.learner import (
    FIX_MARK,
    LearnerResult,
    NotebookResult,
    decode_frame,
    execute_request,
    login_xsrf,
    parse_event_stream,
    refresh_outcome,
    to_output,
)
from tools.hub.rehearsal import CONFIG, notebook_names, offsets

AVAILABLE = ["00_start_here.ipynb", "07_deployment.ipynb", "10_capstone.ipynb"]


@pytest.mark.parametrize(("spec", "expected"), [
    ("00,07", ["00_start_here.ipynb", "07_deployment.ipynb"]),
    ("7", ["07_deployment.ipynb"]),
    (" 10 , 00 ", ["10_capstone.ipynb", "00_start_here.ipynb"]),
    ("all", AVAILABLE),
], ids=["two", "unpadded", "spaces-and-order", "all"])
def test_notebook_names(spec, expected):
    assert notebook_names(spec, AVAILABLE) == expected


@pytest.mark.parametrize("spec", ["03", "00,99", "", ","], ids=["absent", "one-absent", "empty", "comma"])
def test_notebook_names_refuses_what_is_not_there(spec):
    with pytest.raises(ValueError, match="notebooks"):
        notebook_names(spec, AVAILABLE)


def test_offsets_spread_a_room_reproducibly():
    starts = offsets(30, 60.0, seed=1)
    assert starts == sorted(starts) == offsets(30, 60.0, seed=1)
    assert 0 <= starts[0] and starts[-1] <= 60
    assert starts[-1] - starts[0] > 30  # spread, not all in the same second
    assert offsets(30, 60.0, seed=2) != starts


@pytest.mark.parametrize(("learners", "stagger", "match"), [(0, 1.0, "learners"), (2, -1.0, "stagger")])
def test_offsets_refuse_bad_input(learners, stagger, match):
    with pytest.raises(ValueError, match=match):
        offsets(learners, stagger)


def test_execute_request_is_what_jupyterlab_sends():
    msg = execute_request("print(1)", session="abc")
    assert msg["channel"] == "shell" and msg["header"]["session"] == "abc"
    assert msg["header"]["version"] == "5.3" and len(msg["header"]["msg_id"]) == 32
    assert msg["content"]["code"] == "print(1)" and msg["content"]["store_history"] is True
    assert execute_request("x", session="abc")["header"]["msg_id"] != msg["header"]["msg_id"]


def test_binary_kernel_frames_decode_as_jupyter_server_encodes_them():
    """A widget's message carries buffers and arrives as a binary frame (it crashed notebook 02)."""
    from jupyter_server.services.kernels.connection.base import serialize_binary_message

    msg = {"header": {"msg_type": "comm_msg"}, "parent_header": {"msg_id": "x"}, "metadata": {},
           "content": {"data": {"state": {"value": 3}}}, "channel": "iopub",
           "buffers": [b"\x00\x00\x00\x01\xff" * 5, memoryview(b"abc")]}
    decoded = decode_frame(serialize_binary_message(dict(msg)))
    assert decoded["content"] == msg["content"] and decoded["parent_header"] == {"msg_id": "x"}
    assert decode_frame(json.dumps({"channel": "shell"})) == {"channel": "shell"}


def test_nbgitpuller_events_and_the_login_form():
    body = 'data: {"phase": "syncing", "output": "Cloning"}\n\ndata: {"phase": "error", "message": "no"}\n\n'
    assert [e["phase"] for e in parse_event_stream(body)] == ["syncing", "error"]
    assert parse_event_stream("") == []
    page = '<form><input type="hidden" name="_xsrf" value="2|a&amp;b|c" /></form>'
    assert login_xsrf(page) == "2|a&b|c"
    with pytest.raises(RuntimeError, match="_xsrf"):
        login_xsrf("<form></form>")


def test_outputs_saved_as_valid_nbformat():
    msgs = [{"header": {"msg_type": "stream"}, "content": {"name": "stdout", "text": "hi\n"}},
            {"header": {"msg_type": "execute_result"},
             "content": {"data": {"text/plain": "2"}, "metadata": {}, "execution_count": 3}},
            {"header": {"msg_type": "display_data"}, "content": {"data": {"text/plain": "<Figure>"}}},
            {"header": {"msg_type": "error"},
             "content": {"ename": "ValueError", "evalue": "boom", "traceback": ["..."]}}]
    cell = nbformat.v4.new_code_cell("1 + 1", outputs=[to_output(m) for m in msgs], execution_count=3)
    nbformat.validate(nbformat.v4.new_notebook(cells=[cell]))


def _learner(name, *notebooks, failures=()):
    return LearnerResult(name, 0.0, spawn_s=4.0, link_ok=True, pull_s=0.5, server_peak_mb=150.0,
                         notebooks=list(notebooks), failures=list(failures))


def test_report_takes_medians_over_learners_and_leaves_failed_runs_out():
    a = _learner("a", NotebookResult("00.ipynb", 4.0, 1.0, 230.0, 2.0),
                 NotebookResult("07.ipynb", 9.0, 1.0, 300.0, 5.0))
    b = _learner("b", NotebookResult("00.ipynb", 6.0, 1.0, 240.0, 2.2),
                 NotebookResult("07.ipynb", 99.0, 1.0, 310.0, 5.5, error="cell 3: KeyError: x"),
                 failures=["07.ipynb: cell 3: KeyError: x"])
    c = _learner("c", NotebookResult("00.ipynb", 8.0, 1.0, 250.0, 2.4))
    rows = {row["notebook"]: row for row in report.per_notebook([a, b, c])}
    assert rows["00.ipynb"]["median s"] == 6.0 and rows["00.ipynb"]["max s"] == 8.0
    assert rows["00.ipynb"]["kernel peak MB"] == 250.0
    assert rows["07.ipynb"]["learners"] == 1 and rows["07.ipynb"]["failed"] == 1
    assert rows["07.ipynb"]["max s"] == 9.0  # the failed run's time is not a notebook's time
    assert rows["07.ipynb"]["kernel peak MB"] == 310.0  # its memory still counts
    room = report.summary([a, b, c], {"learners": 3})
    assert room["failures"] == 1 and room["links ok"] == 3 and room["spawn median s"] == 4.0
    text = report.table([a, b, c], {"learners": 3})
    assert "FAILURES\n- b: 07.ipynb: cell 3: KeyError: x" in text


def test_refresh_outcome_and_its_count_in_the_room():
    fixed = {"cells": [{"cell_type": "code", "source": "x", "outputs": [{"output_type": "stream"}]},
                       {"cell_type": "markdown", "source": FIX_MARK}]}
    assert refresh_outcome(fixed) == "outputs kept, fix arrived"
    assert refresh_outcome({"cells": [{"cell_type": "code", "source": "x", "outputs": []}]}) == \
        "outputs lost, fix missing"
    a, b = _learner("a"), _learner("b")
    a.refresh, b.refresh = "outputs kept, fix arrived", "failed"
    assert report.summary([a, b, _learner("c")], {})["refresh"] == \
        "1 × outputs kept, fix arrived; 1 × failed; 1 × not run"


def test_report_shows_a_missing_figure_as_a_dash():
    lost = LearnerResult("lost", 1.0, failures=["TimeoutError: server not ready after 300 s"])
    assert math.isnan(report.summary([lost], {})["spawn median s"])
    assert "| lost | 1.0 | — | FAIL | — | — | 0 | — | 1 |" in report.table([lost], {})


def test_the_rehearsal_section_is_replaced_not_repeated_and_survives_make_footprint(tmp_path):
    from toolkit.footprint import write_footprint
    from toolkit.notebooks import NotebookRun

    assert report.SECTION_BEGIN.startswith(KEEP_FROM)
    section = report.footprint_section([_learner("a", NotebookResult("00.ipynb", 4.0, 1.0, 230.0, 2.0))],
                                       {"learners": 1, "stagger s": 5.0})
    doc = report.replace_section("# Footprint\n\ntable\n", section)
    again = report.replace_section(doc, section.replace("| 00.ipynb | 1 |", "| 00.ipynb | 2 |"))
    assert again.count(report.SECTION_BEGIN) == 1 and "| 00.ipynb | 2 |" in again
    path = tmp_path / "footprint.md"
    path.write_text(again)
    write_footprint([NotebookRun("00.ipynb", 3.0, 230.0, 2.0)], path)
    text = path.read_text()
    assert text.startswith("# Footprint: what executing the course costs")
    assert text.count(report.SECTION_BEGIN) == 1 and "| 00.ipynb | 2 |" in text


def test_peak_memory_is_the_high_water_mark_of_a_child():
    """A child touches 200 MB, frees it and waits: its peak still shows the 200 MB."""
    code = ("import time\nblock = bytearray(200 * 2**20)\nfor i in range(0, len(block), 4096): block[i] = 1\n"
            "del block\nprint('freed', flush=True)\ntime.sleep(30)")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "freed"
        if Path(f"/proc/{child.pid}/status").exists():
            assert procs.peak_mb(child.pid) > 200
        assert procs.cpu_seconds(child.pid) > 0
    finally:
        child.kill()
        child.wait()
    assert math.isnan(procs.peak_mb(child.pid)) and math.isnan(procs.cpu_seconds(child.pid))


def _started(code):
    import psutil

    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    return child, procs.Proc(child.pid, "test", psutil.Process(child.pid).create_time())


def test_stop_all_terminates_then_kills_and_never_signals_a_reused_pid():
    polite, polite_proc = _started("import time\nprint('ready', flush=True)\ntime.sleep(60)")
    stubborn, stubborn_proc = _started("import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                                       "print('ready', flush=True)\ntime.sleep(60)")
    other, other_proc = _started("import time\nprint('ready', flush=True)\ntime.sleep(60)")
    try:
        reused = procs.Proc(other.pid, "same PID, another process", other_proc.started - 100)
        killed = procs.stop_all([polite_proc, stubborn_proc, reused], grace=2)
        assert killed == [stubborn_proc]
        # psutil reaps the children it waited for, so ask whether they still run, not how they ended
        assert procs.same_process(polite_proc) is None and procs.same_process(stubborn_proc) is None
        time.sleep(0.2)
        assert other.poll() is None  # its PID was in the list, but it is not the process we started
    finally:
        for child in (polite, stubborn, other):
            child.kill()
            child.wait()


def _load_config(monkeypatch, tmp_path, euid):
    env = {"REHEARSAL_STATE_DIR": str(tmp_path / "state"), "REHEARSAL_PORT": "8001",
           "REHEARSAL_HUB_PORT": "8002", "REHEARSAL_PROXY_API_PORT": "8003",
           "REHEARSAL_CHP": "/x/chp", "REHEARSAL_ADMIN_TOKEN": "t" * 64,
           "REHEARSAL_HOMES": str(tmp_path / "homes"), "REHEARSAL_SINGLEUSER": "/x/jupyterhub-singleuser"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(os, "geteuid", lambda: euid)
    config = Config()
    exec(compile(CONFIG.read_text(), str(CONFIG), "exec"), {"get_config": lambda: config})
    return config


def test_the_hub_config_stays_on_loopback_and_keeps_everything_in_temporary_folders(monkeypatch, tmp_path):
    c = _load_config(monkeypatch, tmp_path, euid=1000)
    assert c.JupyterHub.ip == c.JupyterHub.hub_ip == "127.0.0.1"
    assert c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:8003"
    for path in (c.JupyterHub.db_url, c.JupyterHub.cookie_secret_file, c.JupyterHub.pid_file,
                 c.ConfigurableHTTPProxy.pid_file):
        assert str(tmp_path / "state") in path
    assert c.SimpleLocalProcessSpawner.home_dir_template == f"{tmp_path}/homes/{{username}}"
    assert c.Spawner.args == []

    class Spawner:
        home_dir = str(tmp_path / "homes" / "learner-01")

    for name, value in c.Spawner.environment.items():
        assert value(Spawner).startswith(Spawner.home_dir), name
    needed = {"JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"}
    assert needed <= set(c.Spawner.environment)


def test_the_hub_config_allows_root_only_for_root(monkeypatch, tmp_path):
    assert _load_config(monkeypatch, tmp_path, euid=0).Spawner.args == ["--allow-root"]


@pytest.mark.parametrize("module", ["tools.hub.procs", "tools.hub.learner", "tools.hub.report",
                                    "tools.hub.rehearsal", "tools.hub.sizing", "tools.figures",
                                    "tools.agenda"])
def test_the_tools_doctests(module):
    """tools/ is outside pytest's doctest paths (testpaths), so its examples run here."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module),
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
