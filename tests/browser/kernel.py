"""The kernel's messages, read from the page's websocket.

JupyterLab talks to each kernel over ``/api/kernels/<id>/channels``. jupyter_server sends the
messages in its binary "v1" framing: a count, the offsets, then the channel name and the
message's JSON parts. Reading them lets the tests wait for the kernel itself (the "Idle" badge
shows before the connection is ready, and a Run All clicked then is dropped) and see an error a
widget callback raised, which JupyterLab writes to its log console, not under the cell. They
also tell when Run All has finished: JupyterLab stops marking the queued cells as running once a
cell tagged ``raises-exception`` has raised, while the kernel goes on running them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

_KERNEL_URL = re.compile(r"/api/kernels/([0-9a-f-]+)/channels")


def decode_frame(payload: bytes | str) -> dict | None:
    """One kernel message from one websocket frame, or None when the frame is not one.

    Examples
    --------
    >>> parts = [b"iopub", b'{"msg_type": "status"}', b"{}", b"{}", b'{"execution_state": "idle"}']
    >>> offsets = [8 * (len(parts) + 2)]
    >>> for part in parts:
    ...     offsets.append(offsets[-1] + len(part))
    >>> frame = len(offsets).to_bytes(8, "little") + b"".join(
    ...     o.to_bytes(8, "little") for o in offsets) + b"".join(parts)
    >>> message = decode_frame(frame)
    >>> message["channel"], message["header"]["msg_type"], message["content"]["execution_state"]
    ('iopub', 'status', 'idle')
    >>> decode_frame('{"channel": "shell", "header": {"msg_type": "kernel_info_reply"}}')["channel"]
    'shell'
    """
    try:
        if isinstance(payload, str):
            message = json.loads(payload)
            return message if isinstance(message, dict) and "header" in message else None
        count = int.from_bytes(payload[:8], "little")
        offsets = [int.from_bytes(payload[8 * (i + 1):8 * (i + 2)], "little") for i in range(count)]
        parts = [payload[start:end] for start, end in zip(offsets, offsets[1:], strict=False)]
        if len(parts) < 5:
            return None
        return {"channel": parts[0].decode(), "header": json.loads(parts[1]),
                "parent_header": json.loads(parts[2]), "content": json.loads(parts[4])}
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class KernelWatch:
    """What each kernel of one page said: whether it answered ``kernel_info``, and its errors.

    Attach with ``page.on("websocket", watch.attach)``.
    """

    ready: set[str] = field(default_factory=set)
    errors: dict[str, list[dict]] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    replies: dict[str, int] = field(default_factory=dict)

    def attach(self, ws) -> None:
        """Listen to a websocket if it is a kernel's channels."""
        match = _KERNEL_URL.search(ws.url)
        if match:
            kernel_id = match.group(1)
            ws.on("framereceived", lambda payload: self._received(kernel_id, payload))
            ws.on("framesent", lambda payload: self._sent(kernel_id, payload))

    def _sent(self, kernel_id: str, payload: bytes | str) -> None:
        message = decode_frame(payload)
        if message is not None and message["header"].get("msg_type") == "execute_request":
            self.requests[kernel_id] = self.requests.get(kernel_id, 0) + 1

    def executions(self, kernel_id: str) -> tuple[int, int]:
        """How many cells the page has asked the kernel to run, and how many it has answered.

        Every execute request gets exactly one reply (ok, error or aborted), so the two are
        equal once the kernel has finished all it was asked, whatever JupyterLab's cells show.
        """
        return self.requests.get(kernel_id, 0), self.replies.get(kernel_id, 0)

    def _received(self, kernel_id: str, payload: bytes | str) -> None:
        message = decode_frame(payload)
        if message is None:
            return
        kind = message["header"].get("msg_type")
        if kind == "execute_reply":
            self.replies[kernel_id] = self.replies.get(kernel_id, 0) + 1
        elif kind == "kernel_info_reply":
            self.ready.add(kernel_id)
        elif kind == "error":
            parent = message.get("parent_header", {}).get("msg_type")
            self.errors.setdefault(kernel_id, []).append(
                {"parent": parent, "ename": message["content"].get("ename"),
                 "evalue": message["content"].get("evalue")})

    def errors_of(self, kernel_id: str) -> list[dict]:
        """The error messages a kernel has sent so far (a copy)."""
        return list(self.errors.get(kernel_id, []))
