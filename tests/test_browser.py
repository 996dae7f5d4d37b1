"""`make lab` in a real browser: JupyterLab opens 00_start_here and Run All works.

Driven by Playwright in the system Chromium (Playwright's own browser download does not work
offline). Skipped, with the reason, when no Chromium is installed; `.ci/run` installs one.
"""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NOTEBOOK_URL = "/lab/tree/notebooks/00_start_here.ipynb"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no system Chromium: `apt-get install -y --no-install-recommends chromium` (CI does)")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Start `make lab` exactly as a learner would, headless, with a throwaway home."""
    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "IPYTHONDIR": str(home / "ipython")}
    # No autosave: Run All must not write the browser's outputs into the committed notebook.
    settings = home / "config" / "lab" / "user-settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text('{"autosave": false}')
    port = _free_port()
    # The "browser" only records the URL JupyterLab asks it to open, so the test can check it.
    args = (f"--port={port} --ServerApp.ip=127.0.0.1 --IdentityProvider.token= "
            "'--ServerApp.browser=echo OPENED %s'")
    log_path = home / "lab.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{log_path.read_text()[-2000:]}")
                time.sleep(0.5)
        yield base, log_path
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server shuts its kernels down with it
        proc.wait(timeout=30)


def test_make_lab_opens_the_start_notebook(lab):
    base, log_path = lab
    deadline = time.monotonic() + 30
    while "OPENED" not in log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    opened = [ln for ln in log_path.read_text().splitlines() if ln.startswith("OPENED")]
    assert len(opened) == 1, opened
    # JupyterLab hands the browser a local redirect page that points at the notebook.
    redirect = Path(urllib.parse.unquote(urllib.parse.urlparse(opened[0].split()[1]).path))
    assert f"{base}{NOTEBOOK_URL}" in redirect.read_text()


def test_run_all_in_a_real_browser(lab, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    base, _ = lab
    notebook = ROOT / "notebooks" / "00_start_here.ipynb"
    before = notebook.read_bytes()
    kernel_ready = threading.Event()

    def watch(ws):
        ws.on("framereceived",
              lambda payload: "kernel_info_reply" in str(payload) and kernel_ready.set())

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("websocket", watch)
        page.goto(base + NOTEBOOK_URL)
        page.get_by_role("heading", name="00 · Start here").first.wait_for(timeout=90_000)
        # "Idle" shows before the kernel connection is ready; a Run All clicked then is dropped.
        deadline = time.monotonic() + 90
        while not kernel_ready.is_set():
            assert time.monotonic() < deadline, "the kernel never answered kernel_info"
            page.wait_for_timeout(250)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        page.get_by_text("Exercise 0.2 — correct!").wait_for(timeout=120_000)
        page.locator(".jp-OutputArea-output table").last.wait_for(timeout=60_000)  # doctor()
        page.screenshot(path=str(tmp_path / "lab.png"), full_page=False)
        errors = page.locator("[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
        browser.close()
    assert not [e for e in errors if "Traceback" in e], errors
    assert notebook.read_bytes() == before, "the browser run must not change the notebook on disk"
