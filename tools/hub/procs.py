r"""The processes a rehearsal starts: what they cost, and stopping them by PID.

Peak memory is Linux's ``VmHWM`` ("high water mark": the largest resident size the process
ever had), read from ``/proc/<pid>/status``, so a kernel that allocated 400 MB and freed it is
still seen at 400 MB. Elsewhere the current resident size is the best psutil can tell.

>>> peak_mb_from_status("Name:\tpython\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n")
200.0
"""

from __future__ import annotations

import math
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Proc", "cpu_seconds", "descendants", "peak_mb", "peak_mb_from_status", "same_process", "stop_all"]


@dataclass(frozen=True)
class Proc:
    """A process we started or found: its PID, what it is, and when it started.

    ``started`` (psutil's ``create_time``) tells our process from a later one that the system
    gave the same PID after ours ended: we never signal a PID whose start time differs.
    """

    pid: int
    role: str
    started: float


def peak_mb_from_status(text: str) -> float:
    r"""The ``VmHWM`` line of a ``/proc/<pid>/status`` text, in MiB (``nan`` when absent).

    Examples
    --------
    >>> peak_mb_from_status("VmRSS:\t 1024 kB\n")
    nan
    """
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


def peak_mb(pid: int) -> float:
    """The process's peak resident memory in MiB: ``VmHWM`` on Linux, else its current RSS.

    ``nan`` when the process is gone.

    Examples
    --------
    >>> peak_mb(os.getpid()) > 1
    True
    """
    try:
        return peak_mb_from_status(Path(f"/proc/{pid}/status").read_text())
    except OSError:
        pass
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss / 2**20
    except Exception:  # psutil missing or the process gone: nothing to measure
        return math.nan


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far (``nan`` when it is gone).

    Examples
    --------
    >>> cpu_seconds(os.getpid()) > 0
    True
    """
    import psutil

    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return math.nan
    return times.user + times.system


def descendants(pid: int) -> list[Proc]:
    """Every live process below ``pid`` (children, grandchildren, …), with its command line.

    ``role`` holds the command line, so a caller can tell a kernel from a server.

    Examples
    --------
    >>> descendants(os.getpid()) == [] or isinstance(descendants(os.getpid())[0], Proc)
    True
    """
    import psutil

    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []
    found = []
    for child in children:
        try:
            found.append(Proc(child.pid, " ".join(child.cmdline()), child.create_time()))
        except psutil.Error:  # ended while we looked
            continue
    return found


def same_process(proc: Proc):
    """The live psutil process behind ``proc``, or None when it ended (or its PID was reused).

    Examples
    --------
    >>> same_process(Proc(os.getpid(), "me", 0.0)) is None  # same PID, another start time
    True
    """
    import psutil

    try:
        live = psutil.Process(proc.pid)
        if abs(live.create_time() - proc.started) >= 0.01 or live.status() == psutil.STATUS_ZOMBIE:
            return None
        return live
    except psutil.Error:
        return None


def stop_all(procs: list[Proc], *, grace: float = 10.0) -> list[Proc]:
    """Stop each process that is still ours: SIGTERM, then SIGKILL after ``grace`` seconds.

    Returns the ones that had to be killed. A process that already ended, or whose PID now
    belongs to another process, is left alone.

    Examples
    --------
    >>> stop_all([Proc(os.getpid(), "me", 0.0)])  # not ours any more: its start time differs
    []
    """
    live = [(p, handle) for p in procs if (handle := same_process(p)) is not None]
    for _, handle in live:
        try:
            handle.send_signal(signal.SIGTERM)
        except Exception:  # ended between the check and the signal
            continue
    deadline = time.monotonic() + grace
    killed = []
    for proc, handle in live:
        try:
            handle.wait(timeout=max(0.0, deadline - time.monotonic()))
        except Exception:  # psutil.TimeoutExpired: it ignored SIGTERM
            if same_process(proc) is not None:
                os.kill(proc.pid, signal.SIGKILL)
                killed.append(proc)
                try:
                    handle.wait(timeout=5)
                except Exception:  # not ended yet: the caller sees it with same_process()
                    pass
    return killed
