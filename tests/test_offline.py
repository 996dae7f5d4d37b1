"""The course runs offline: every kernel the tests start loads the network guard.

Nothing here sends a packet anywhere but this machine: the guard is proven present before any
outside address is tried, and it refuses before connecting.
"""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def _run(tmp_path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return nb


def test_the_session_points_kernels_at_the_guarded_profile():
    startup = Path(os.environ["IPYTHONDIR"]) / "profile_default" / "startup"
    assert (startup / "00-offline-guard.py").read_text() == (
        Path(__file__).parent / "offline_guard.py").read_text()


def test_a_kernel_refuses_the_network_and_names_the_cell(tmp_path):
    guard_loaded = ("import socket\n"
                    "assert hasattr(socket, 'offline_check'), 'the offline guard is not loaded'")
    reach_out = "socket.create_connection(('192.0.2.1', 80), timeout=0.5)  # reach the network"
    with pytest.raises(CellExecutionError) as failure:
        _run(tmp_path, guard_loaded, reach_out)
    message = str(failure.value)
    assert "network access blocked" in message and "192.0.2.1" in message
    assert "# reach the network" in message  # the cell that tried is named


def test_loopback_still_works_in_a_kernel(tmp_path):
    nb = _run(tmp_path, "\n".join([
        "import socket",
        "server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen(1)",
        "client = socket.create_connection(server.getsockname(), timeout=5)",
        "peer, _ = server.accept(); client.sendall(b'ok'); print(peer.recv(2).decode())",
        "for s in (client, peer, server): s.close()"]))
    assert nb.cells[0].outputs[0]["text"].strip() == "ok"


@pytest.mark.parametrize("address", [("10.0.0.1", 80), ("8.8.8.8", 53), ("pypi.org", 443),
                                     ("2001:db8::1", 80, 0, 0)])
def test_the_guard_refuses_every_outside_address(address):
    import importlib.util

    spec = importlib.util.spec_from_file_location("guard", Path(__file__).parent / "offline_guard.py")
    guard = importlib.util.module_from_spec(spec)
    import socket

    saved = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo
    try:
        spec.loader.exec_module(guard)
        with pytest.raises(OSError, match="network access blocked"):
            guard.offline_check(address)
        for inside in [("127.0.0.1", 80), ("::1", 80, 0, 0), ("localhost", 80), "/tmp/sock"]:
            guard.offline_check(inside)
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = saved
        for name in ("offline_check",):
            if hasattr(socket, name):
                delattr(socket, name)
