"""`make lab` for the tests, and a notebook opened, run and inspected in it.

The server is started exactly as a learner starts it (`make lab`), with a throwaway home so
nothing is written into the user's, and with three test-only settings: autosave off (Run All
must not write the browser's outputs into the committed notebooks), the JupyterLab application
exposed as ``window.jupyterapp`` (the tests read the notebook model: execution counts, output
types) and a "browser" that only records the URL JupyterLab asks it to open.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from .kernel import KernelWatch

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}
#: Pop-ups: JupyterLab's toasts (the news question is one) and its modal dialogs.
POPUPS = ".Toastify__toast, .jp-Dialog"

# The notebook panel showing `path`, found among the main area's widgets.
_PANEL_JS = """(path) => {
  for (const widget of window.jupyterapp.shell.widgets('main')) {
    if (widget.context && widget.context.path === path) { return widget; }
  }
  return null;
}"""

# What the tests read from the notebook model and the panel's DOM, in one round trip.
_STATE_JS = f"""(path) => {{
  if (!window.jupyterapp || !window.jupyterapp.shell) {{ return null; }}
  const panel = ({_PANEL_JS})(path);
  if (!panel || !panel.content.model) {{ return null; }}
  const cells = [];
  panel.content.widgets.forEach((widget, index) => {{
    const model = widget.model;
    if (model.type !== 'code') {{ cells.push({{index, type: model.type}}); return; }}
    const outputs = model.outputs.toJSON().map(o => ({{
      type: o.output_type, mimes: Object.keys(o.data || {{}}), ename: o.ename, evalue: o.evalue}}));
    cells.push({{index, type: 'code', count: model.executionCount, state: model.executionState,
                 blank: model.sharedModel.getSource().trim() === '',
                 outputs, text: widget.outputArea.node.textContent,
                 widgets: widget.outputArea.node.querySelectorAll(
                   '.jp-OutputArea-output > .jupyter-widgets').length}});
  }});
  const images = [...panel.node.querySelectorAll(
    ".jp-OutputArea-output[data-mime-type='image/png'] img")];
  return {{cells, id: panel.id, status: panel.sessionContext.kernelDisplayStatus,
           kernel: panel.sessionContext.session?.kernel?.id ?? null,
           images: images.length,
           imagesDrawn: images.filter(img => img.complete && img.naturalWidth > 0).length,
           popups: [...document.querySelectorAll('{POPUPS}')].map(e => e.textContent)}};
}}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def throwaway_home(home: Path) -> dict[str, str]:
    """An environment whose Jupyter and IPython folders live under ``home``.

    The browser's kernels load the same offline guard as the tests' other kernels, and the
    notebooks are never autosaved.
    """
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "IPYTHONDIR": str(home / "ipython")}
    settings = home / "config" / "lab" / "user-settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text('{"autosave": false}')
    startup = home / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "offline_guard.py", startup / "00-offline-guard.py")
    return env


@dataclass
class Lab:
    """A running `make lab`: its address and its log."""

    base: str
    log_path: Path


@contextlib.contextmanager
def make_lab(home: Path, *, timeout: float = 120):
    """Start `make lab` headless with a throwaway ``home``; stop it (and its kernels) after."""
    env = throwaway_home(home)
    port = _free_port()
    args = (f"--port={port} --ServerApp.ip=127.0.0.1 --IdentityProvider.token= "
            "--expose-app-in-browser '--ServerApp.browser=echo OPENED %s'")
    # Serve from the venv these tests run in when make built it (`make test-pythons` runs the
    # suite in .venv-3.X): the browser then tests that Python too, not whatever .venv holds.
    venv = Path(sys.prefix)
    make_venv = [f"VENV={venv}"] if (venv / ".installed-dev").exists() else []
    log_path = home / "lab.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}", *make_venv],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{log_path.read_text()[-2000:]}")
                time.sleep(0.5)
        yield Lab(base, log_path)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server shuts its kernels down with it
        proc.wait(timeout=30)


class LabPage:
    """One JupyterLab page for a whole test module: notebooks open and close in it as tabs.

    Loading JupyterLab takes seconds; opening a notebook in a loaded page does not. The page
    records every kernel's messages and every write to a file the page asks the server for.
    """

    def __init__(self, browser, lab: Lab, workspace: str = "browser-tests") -> None:
        self.lab = lab
        self.page = browser.new_page(viewport=VIEWPORT)
        self.watch = KernelWatch()
        self.page.on("websocket", self.watch.attach)
        self.saves: list[str] = []
        self.page.on("request", self._request)
        self.page.goto(f"{lab.base}/lab/workspaces/{workspace}?reset")
        self.page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell",
                                    timeout=120_000)
        self.page.evaluate("() => window.jupyterapp.restored")

    def _request(self, request) -> None:
        # JupyterLab posts a checkpoint (a copy in the git-ignored .ipynb_checkpoints/) when it
        # opens a file that has none; that is not a save. Any other write is.
        if ("/api/contents/" in request.url and request.method in ("PUT", "PATCH", "POST")
                and "/checkpoints" not in request.url):
            self.saves.append(f"{request.method} {request.url}")

    def close(self) -> None:
        """Close the page."""
        self.page.close()


class NotebookPage:
    """One notebook open as the only tab of a `LabPage`."""

    def __init__(self, lab_page: LabPage, path: str) -> None:
        self.path = path  # relative to the server's root, with "/"
        self.lab_page = lab_page
        self.page = lab_page.page
        self.watch = lab_page.watch
        self.kernel: str | None = None
        self.panel_id: str | None = None
        self.sent_before_run = 0

    def open(self, *, timeout: float = 120) -> None:
        """Open the notebook and wait until its kernel has answered ``kernel_info``."""
        self.page.evaluate("(path) => { window.jupyterapp.commands.execute("
                           "'docmanager:open', {path, factory: 'Notebook'}); }", self.path)
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if state and state["kernel"] and state["kernel"] in self.watch.ready:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"{self.path}: the kernel never answered kernel_info (state {state})")
            self.page.wait_for_timeout(250)
        self.kernel, self.panel_id = state["kernel"], state["id"]
        opened = self.page.evaluate(
            "() => [...window.jupyterapp.shell.widgets('main')].filter(w => w.context).length")
        assert opened == 1, f"{opened} documents open: the previous notebook was not closed"

    def state(self) -> dict | None:
        """Cells (execution count and state, output types and text), kernel status, images."""
        try:
            return self.page.evaluate(_STATE_JS, self.path)
        except Exception as error:  # the page is still loading JupyterLab
            if "context was destroyed" in str(error):
                return None
            raise

    def command(self, command: str) -> None:
        """Run a JupyterLab command (on the current notebook)."""
        self.page.evaluate("(c) => window.jupyterapp.commands.execute(c)", command)

    def run_all(self) -> None:
        """Clear every output (so what shows next comes from this run), then Run > Run All Cells."""
        self.command("notebook:clear-all-cell-outputs")
        cleared = self.state()
        assert not [c for c in cleared["cells"] if c.get("count") or c.get("outputs")], \
            f"{self.path}: outputs left after clearing"
        self.sent_before_run, _ = self.watch.executions(self.kernel)
        self.page.get_by_role("menuitem", name="Run", exact=True).click()
        self.page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()

    def wait_until_run(self, *, timeout: float, start_timeout: float = 30) -> dict:
        """Wait until the kernel has answered every cell the page sent and is idle (twice).

        The cells' own "running" marks are not enough: JupyterLab clears them all when a cell
        tagged ``raises-exception`` raises, while the kernel goes on with the queue.
        """
        begin, sent_before = time.monotonic(), self.sent_before_run
        deadline, settled = begin + timeout, 0
        while settled < 2:
            state = self.state()
            sent, answered = self.watch.executions(self.kernel)
            if sent == sent_before and time.monotonic() > begin + start_timeout:
                pytest.fail(f"{self.path}: Run All did not send a single cell in {start_timeout} s")
            done = state["status"] == "idle" and sent > sent_before and answered == sent
            settled = settled + 1 if done else 0
            if time.monotonic() > deadline:
                pytest.fail(f"{self.path}: not finished after {timeout:.0f} s; kernel "
                            f"{state['status']}, {answered - sent_before} of "
                            f"{sent - sent_before} cells answered")
            self.page.wait_for_timeout(500)
        return state

    def wait_until_idle(self, *, timeout: float = 120) -> None:
        """Wait until the kernel has been idle for two polls in a row."""
        deadline, settled = time.monotonic() + timeout, 0
        while settled < 2:
            settled = settled + 1 if self.state()["status"] == "idle" else 0
            assert time.monotonic() < deadline, f"{self.path}: the kernel stayed busy"
            self.page.wait_for_timeout(300)

    def source(self, index: int) -> str:
        """The text of the cell at ``index``, as the notebook model holds it."""
        return self.page.evaluate(
            f"([path, i]) => ({_PANEL_JS})(path).content.widgets[i].model.sharedModel.getSource()",
            [self.path, index])

    def cell(self, index: int):
        """A Playwright locator for the cell at ``index`` (cells are listed in notebook order)."""
        return self.page.locator(f"[id='{self.panel_id}'] .jp-Notebook "
                                 f".jp-Cell[data-windowed-list-index='{index}']")

    def close(self) -> None:
        """Shut the kernel down (each keeps 100-300 MB) and close the tab without saving."""
        # Never hide the test's own failure behind this one: a tab left open fails the next
        # notebook's open() instead.
        with contextlib.suppress(Exception):
            self.page.evaluate(f"""async (path) => {{
                const panel = ({_PANEL_JS})(path);
                if (panel) {{ await panel.sessionContext.shutdown(); panel.dispose(); }}
            }}""", self.path)
