"""One simulated learner: spawn a server, follow the workshop link, run notebooks as JupyterLab does.

Everything goes through HTTP and the kernel websocket, the way a browser would:

1. the hub's REST API starts the learner's single-user server (``POST /hub/api/users/<name>/server``);
2. the workshop link ``/hub/user-redirect/git-pull?repo=…`` lands on nbgitpuller's page, and its
   API (``/user/<name>/git-pull/api``, an event stream) clones the learner copy;
3. for each notebook: ``GET /api/contents`` (open), ``POST /api/sessions`` (start a kernel), a
   ``kernel_info_request`` on ``/api/kernels/<id>/channels`` (JupyterLab waits for it before it
   runs anything), then one ``execute_request`` per code cell, each waited for until its
   ``execute_reply`` and the kernel's ``idle``; ``PUT /api/contents`` saves the outputs and
   ``DELETE /api/sessions/<id>`` shuts the kernel down.

A cell that raises stops the notebook, as *Run All* does, unless it is tagged
``raises-exception`` (JupyterLab honours the same tag).

>>> execute_request("1 + 1", session="s")["content"]["code"]
'1 + 1'
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from tools.hub import procs

__all__ = ["FIX_MARK", "Hub", "LearnerResult", "NotebookResult", "decode_frame", "execute_request",
           "login_xsrf", "parse_event_stream", "refresh_learner", "refresh_outcome", "run_learner",
           "to_output"]


@dataclass
class NotebookResult:
    """What running one notebook cost one learner."""

    notebook: str
    seconds: float = float("nan")  # first execute_request to the last cell's idle
    kernel_start_s: float = float("nan")  # POST /api/sessions to kernel_info_reply
    kernel_peak_mb: float = float("nan")
    kernel_cpu_s: float = float("nan")
    cells: int = 0
    error: str = ""


@dataclass
class LearnerResult:
    """What one learner went through; ``failures`` names every step that went wrong."""

    name: str
    offset_s: float
    spawn_s: float = float("nan")
    link_ok: bool = False
    pull_s: float = float("nan")
    server_pid: int | None = None
    server_peak_mb: float = float("nan")
    server_cpu_s: float = float("nan")
    notebooks: list[NotebookResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    found: list[procs.Proc] = field(default_factory=list)  # every process seen, to stop them
    refresh: str = ""  # what a second click on the link did to a notebook the learner had run


def _message(msg_type: str, content: dict, *, session: str, channel: str) -> dict:
    return {"header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session,
                       "username": "learner", "version": "5.3",
                       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel,
            "buffers": []}


def execute_request(code: str, *, session: str) -> dict:
    """The ``execute_request`` JupyterLab sends for a cell (Jupyter messaging protocol 5.3).

    Examples
    --------
    >>> msg = execute_request("x = 1", session="abc")
    >>> msg["channel"], msg["header"]["msg_type"], msg["content"]["stop_on_error"]
    ('shell', 'execute_request', True)
    """
    return _message("execute_request", {"code": code, "silent": False, "store_history": True,
                                        "user_expressions": {}, "allow_stdin": False,
                                        "stop_on_error": True}, session=session, channel="shell")


def decode_frame(raw: str | bytes) -> dict:
    r"""A kernel message from a websocket frame: JSON text, or jupyter-server's binary framing.

    A message with binary buffers (a widget's, say) arrives as bytes: a big-endian count, that
    many offsets, then the JSON message and the buffers; the buffers are not needed here.

    Examples
    --------
    >>> decode_frame('{"channel": "iopub"}')
    {'channel': 'iopub'}
    >>> decode_frame(b"\x00\x00\x00\x01\x00\x00\x00\x08{}")
    {}
    """
    if isinstance(raw, str):
        return json.loads(raw)
    count = int.from_bytes(raw[:4], "big")
    offsets = [int.from_bytes(raw[4 * k:4 * k + 4], "big") for k in range(1, count + 1)]
    end = offsets[1] if count > 1 else len(raw)
    return json.loads(raw[offsets[0]:end].decode("utf-8"))


def parse_event_stream(text: str) -> list[dict]:
    r"""The JSON events of a ``text/event-stream`` body (nbgitpuller's progress), in order.

    Examples
    --------
    >>> parse_event_stream('data: {"phase": "syncing"}\n\ndata: {"phase": "finished"}\n\n')
    [{'phase': 'syncing'}, {'phase': 'finished'}]
    """
    events = []
    for line in text.splitlines():
        if line.startswith("data:"):
            events.append(json.loads(line[len("data:"):].strip()))
    return events


class _Kernel:
    """A kernel websocket as JupyterLab uses it: one request at a time, replies matched by id."""

    def __init__(self, ws, session: str):
        self.ws, self.session = ws, session

    async def request(self, msg: dict, timeout: float) -> tuple[dict, list[dict]]:
        """Send ``msg``; return its shell reply and the iopub outputs, once the kernel is idle."""
        msg_id = msg["header"]["msg_id"]
        await self.ws.write_message(json.dumps(msg))
        reply, outputs, idle = None, [], False
        deadline = time.monotonic() + timeout
        while reply is None or not idle:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no reply to {msg['header']['msg_type']} within {timeout:.0f} s")
            raw = await asyncio.wait_for(self.ws.read_message(), timeout=left)
            if raw is None:
                raise ConnectionError("the kernel websocket closed")
            answer = decode_frame(raw)
            if answer.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = answer["header"]["msg_type"]
            if answer.get("channel") == "shell":
                reply = answer
            elif kind == "status":
                idle = answer["content"]["execution_state"] == "idle"
            elif kind in ("stream", "display_data", "execute_result", "error"):
                outputs.append(to_output(answer))
        return reply, outputs


def to_output(msg: dict) -> dict:
    """An iopub message as an nbformat output, as JupyterLab stores it when it saves.

    Examples
    --------
    >>> to_output({"header": {"msg_type": "stream"}, "content": {"name": "stdout", "text": "hi"}})
    {'output_type': 'stream', 'name': 'stdout', 'text': 'hi'}
    """
    kind, content = msg["header"]["msg_type"], msg["content"]
    if kind == "stream":
        return {"output_type": "stream", "name": content["name"], "text": content["text"]}
    if kind == "error":
        return {"output_type": "error", "ename": content["ename"], "evalue": content["evalue"],
                "traceback": content["traceback"]}
    out = {"output_type": kind, "data": content["data"], "metadata": content.get("metadata", {})}
    if kind == "execute_result":
        out["execution_count"] = content.get("execution_count")
    return out


@dataclass(frozen=True)
class Hub:
    """Where the hub is, and the tokens: the rehearsal's admin token and each learner's own."""

    url: str  # the proxy's public URL, e.g. http://127.0.0.1:8123
    admin_token: str
    repo_url: str  # file:///…/course.git, the learner copy
    cell_timeout: float = 600.0


async def _spawn(client, hub: Hub, result: LearnerResult, timeout: float) -> None:
    admin = {"Authorization": f"token {hub.admin_token}"}
    start = time.monotonic()
    response = await client.post(f"{hub.url}/hub/api/users/{result.name}/server", headers=admin)
    if response.status_code not in (201, 202):
        raise RuntimeError(f"spawn refused: HTTP {response.status_code} {response.text[:200]}")
    while time.monotonic() - start < timeout:
        model = (await client.get(f"{hub.url}/hub/api/users/{result.name}", headers=admin)).json()
        server = model.get("servers", {}).get("", {})
        if server.get("ready"):
            result.spawn_s = time.monotonic() - start
            result.server_pid = server.get("state", {}).get("pid")
            return
        await asyncio.sleep(0.25)
    raise TimeoutError(f"server not ready after {timeout:.0f} s")


def _pull_query(hub: Hub, **extra: str) -> str:
    return urlencode({"repo": hub.repo_url, "branch": "main", "targetpath": "course", **extra})


def login_xsrf(page: str) -> str:
    """The ``_xsrf`` hidden field of the hub's login form.

    Examples
    --------
    >>> login_xsrf('<input type="hidden" name="_xsrf" value="2|ab|cd" />')
    '2|ab|cd'
    """
    match = re.search(r'name="_xsrf"\s+value="([^"]*)"', page)
    if match is None:
        raise RuntimeError("the hub's login page has no _xsrf field")
    return html.unescape(match.group(1))


async def _follow_link(hub: Hub, result: LearnerResult) -> None:
    """Open the workshop link as a browser would: the hub's login form, then the redirects.

    The dummy authenticator takes any password. After login the hub sends the browser to
    ``/user/<name>/git-pull?…`` through the single-user server's OAuth handshake; landing
    there (HTTP 200) means the link works for a learner who has never logged in.
    """
    import httpx

    link = "/hub/user-redirect/git-pull?" + _pull_query(hub, urlpath="lab/tree/course")
    async with httpx.AsyncClient(base_url=hub.url, follow_redirects=True, timeout=120) as browser:
        form = await browser.get(link)  # not logged in yet: the login page, next=the link
        page = await browser.post(str(form.url), data={
            "username": result.name, "password": "any", "_xsrf": login_xsrf(form.text)})
    result.link_ok = page.status_code == 200 and f"/user/{result.name}/git-pull" in str(page.url)
    if not result.link_ok:
        result.failures.append(f"workshop link: HTTP {page.status_code} at {page.url}")


async def _pull(client, hub: Hub, result: LearnerResult, token: str) -> float:
    """Run the pull through nbgitpuller's API (an event stream), as its page does; its seconds."""
    start = time.monotonic()
    api = f"{hub.url}/user/{result.name}/git-pull/api?" + _pull_query(hub)
    response = await client.get(api, headers={"Authorization": f"token {token}"}, timeout=300)
    events = parse_event_stream(response.text)
    if not events or events[-1].get("phase") != "finished":
        last = events[-1] if events else {"message": response.text[:200]}
        raise RuntimeError(f"git-pull did not finish: {last.get('message', last)}")
    return time.monotonic() - start


def _kernel_process(result: LearnerResult, kernel_id: str) -> procs.Proc | None:
    """The kernel's process: below the learner's server, started with its connection file."""
    if result.server_pid is None:
        return None
    for proc in procs.descendants(result.server_pid):
        if kernel_id in proc.role:
            result.found.append(proc)
            return proc
    return None


async def _run_notebook(client, hub: Hub, result: LearnerResult, token: str, name: str) -> NotebookResult:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    auth = {"Authorization": f"token {token}"}
    base, path = f"{hub.url}/user/{result.name}", f"course/{name}"
    done = NotebookResult(name)
    opened = await client.get(f"{base}/api/contents/{quote(path)}?content=1", headers=auth)
    opened.raise_for_status()
    nb = opened.json()["content"]
    start = time.monotonic()
    session = (await client.post(f"{base}/api/sessions", headers=auth, json={
        "path": path, "name": name, "type": "notebook", "kernel": {"name": "python3"}})).json()
    kernel_id, client_session = session["kernel"]["id"], uuid.uuid4().hex
    ws_url = f"{base.replace('http', 'ws', 1)}/api/kernels/{kernel_id}/channels?session_id={client_session}"
    ws = await websocket_connect(HTTPRequest(ws_url, headers=auth), max_message_size=256 * 2**20)
    kernel = _Kernel(ws, client_session)
    try:
        await kernel.request(_message("kernel_info_request", {}, session=client_session, channel="shell"),
                             timeout=hub.cell_timeout)
        done.kernel_start_s = time.monotonic() - start
        start = time.monotonic()
        for cell in nb["cells"]:
            if cell["cell_type"] != "code" or not cell["source"].strip():
                continue
            reply, cell["outputs"] = await kernel.request(
                execute_request(cell["source"], session=client_session), timeout=hub.cell_timeout)
            done.cells += 1
            cell["execution_count"] = reply["content"].get("execution_count")
            if reply["content"]["status"] == "error" and \
                    "raises-exception" not in cell.get("metadata", {}).get("tags", []):
                content = reply["content"]
                done.error = f"cell {done.cells}: {content.get('ename')}: {content.get('evalue')}"
                break
        done.seconds = time.monotonic() - start
        process = _kernel_process(result, kernel_id)
        if process is not None:
            done.kernel_peak_mb = procs.peak_mb(process.pid)
            done.kernel_cpu_s = procs.cpu_seconds(process.pid)
    finally:
        ws.close()
        saved = await client.put(f"{base}/api/contents/{quote(path)}", headers=auth,
                                 json={"type": "notebook", "format": "json", "content": nb})
        await client.delete(f"{base}/api/sessions/{session['id']}", headers=auth)
    if saved.status_code != 200:
        done.error = done.error or f"save: HTTP {saved.status_code}"
    return done


#: The cell an instructor's fix appends, so a learner's copy can be checked for it after a refresh.
FIX_MARK = "Instructor's fix: pushed after the room started."


def refresh_outcome(nb: dict) -> str:
    """What a refreshed notebook holds: the instructor's fix, the learner's outputs, or neither.

    Examples
    --------
    >>> refresh_outcome({"cells": [{"cell_type": "code", "source": "1", "outputs": [{}]}]})
    'outputs kept, fix missing'
    """
    cells = nb.get("cells", [])
    fix = any(FIX_MARK in "".join(c.get("source", "")) for c in cells)
    outputs = any(c.get("outputs") for c in cells if c.get("cell_type") == "code")
    return f"outputs {'kept' if outputs else 'lost'}, fix {'arrived' if fix else 'missing'}"


async def refresh_learner(hub: Hub, result: LearnerResult, token: str, notebook: str) -> None:
    """Click the link again after the instructor pushed a fix; record what ``notebook`` became."""
    import httpx

    async with httpx.AsyncClient(timeout=hub.cell_timeout) as client:
        try:
            await _pull(client, hub, result, token)
            opened = await client.get(f"{hub.url}/user/{result.name}/api/contents/course/{quote(notebook)}",
                                      headers={"Authorization": f"token {token}"})
            if opened.status_code != 200:  # e.g. a merge that left the file invalid JSON
                raise RuntimeError(f"HTTP {opened.status_code}: {opened.text[:200]}")
            result.refresh = refresh_outcome(opened.json()["content"])
        except Exception as error:  # a measurement of the refresh, like any other step
            result.refresh = "failed"
            result.failures.append(f"refresh: {type(error).__name__}: {error}")


async def run_learner(hub: Hub, name: str, token: str, offset_s: float, notebooks: list[str],
                      *, spawn_timeout: float = 300.0) -> LearnerResult:
    """Everything one learner does, ``offset_s`` seconds after the room starts.

    Never raises: a step that fails is recorded in ``failures`` and ends this learner's run.
    """
    import httpx

    result = LearnerResult(name, offset_s)
    await asyncio.sleep(offset_s)
    async with httpx.AsyncClient(timeout=hub.cell_timeout) as client:
        try:
            await _spawn(client, hub, result, spawn_timeout)
            if result.server_pid is not None:
                import psutil

                server = psutil.Process(result.server_pid)
                result.found.append(procs.Proc(server.pid, "single-user server", server.create_time()))
            await _follow_link(hub, result)
            result.pull_s = await _pull(client, hub, result, token)
            for notebook in notebooks:
                outcome = await _run_notebook(client, hub, result, token, notebook)
                result.notebooks.append(outcome)
                if outcome.error:
                    result.failures.append(f"{notebook}: {outcome.error}")
        except Exception as error:  # one learner's failure is a measurement, not a crash
            result.failures.append(f"{type(error).__name__}: {error}")
    if result.server_pid is not None:
        result.server_peak_mb = procs.peak_mb(result.server_pid)
        result.server_cpu_s = procs.cpu_seconds(result.server_pid)
    return result
