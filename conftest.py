"""Shared pytest setup.

- Figures are drawn off-screen in the test process and closed after each test (notebooks run
  in their own kernel under nbval and keep their inline backend).
- **Offline:** every kernel the tests start (nbval's, nbclient's) loads
  ``tests/offline_guard.py`` through a temporary IPython profile, so a cell that tries to reach
  the network fails and names itself.
- **Footprint gate:** under nbval, each notebook's execution time (the sum of its cells) and its
  kernel's peak memory are recorded; the session prints the table and fails when a kernel
  passes ``MAX_KERNEL_MB`` or the whole course passes ``MAX_COURSE_S``.
"""

import os
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

#: A notebook's kernel may use at most this much memory (peak resident set, MiB).
MAX_KERNEL_MB = 400
#: The whole course (every notebook under nbval, cell time summed) must run within this many
#: seconds on the 2-core machine CI uses; `make footprint` shows the measured figures.
MAX_COURSE_S = 150
_GUARD = Path(__file__).parent / "tests" / "offline_guard.py"
_FOOTPRINT: dict = defaultdict(lambda: {"seconds": 0.0, "peak_mb": 0.0})


def pytest_configure(config):
    """Point IPython (every kernel started from here) at a profile that loads the guard."""
    profile = Path(tempfile.mkdtemp(prefix="course-ipython-"))
    (profile / "profile_default" / "startup").mkdir(parents=True)
    shutil.copy(_GUARD, profile / "profile_default" / "startup" / "00-offline-guard.py")
    config._course_ipythondir = (profile, os.environ.get("IPYTHONDIR"))
    os.environ["IPYTHONDIR"] = str(profile)


def pytest_unconfigure(config):
    """Put IPYTHONDIR back and remove the temporary profile."""
    profile, before = getattr(config, "_course_ipythondir", (None, None))
    if profile is None:
        return
    if before is None:
        os.environ.pop("IPYTHONDIR", None)
    else:
        os.environ["IPYTHONDIR"] = before
    shutil.rmtree(profile, ignore_errors=True)


def _kernel_peak_mb(item) -> float | None:
    kernel = getattr(item.parent, "kernel", None)
    pid = getattr(getattr(getattr(kernel, "km", None), "provisioner", None), "pid", None)
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, TypeError):
        return None
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Add each nbval cell's time to its notebook, and sample its kernel's peak memory."""
    outcome = yield
    if call.when != "call" or not hasattr(item.parent, "kernel"):  # nbval cells only
        return
    record = _FOOTPRINT[Path(str(item.parent.fspath)).name]
    record["seconds"] += outcome.get_result().duration
    peak = _kernel_peak_mb(item)
    if peak is not None:
        record["peak_mb"] = max(record["peak_mb"], peak)


def pytest_terminal_summary(terminalreporter):
    """Say how many generated bad-input cases ran, in total and per function (tests/bad_input/)."""
    import sys

    module = sys.modules.get("bad_input.strategies")
    cases = getattr(module, "CASES", None)
    if cases:
        terminalreporter.write_sep("-", f"generated bad-input cases: {sum(cases.values())} over "
                                        f"{len(cases)} functions ({module.PROFILE} profile)")
        worked = module.WORKED
        terminalreporter.write_line(f"(in brackets: how many returned a result; the others were refused "
                                    f"with a message naming the argument; {sum(worked.values())} in all)")
        terminalreporter.write_line(", ".join(f"{k} {v} ({worked[k]})" for k, v in sorted(cases.items())))
        if os.environ.get("BAD_INPUT_REASONS"):
            for (name, reason), count in sorted(module.REASONS.items()):
                terminalreporter.write_line(f"  {name}: {count} x {reason}")


def pytest_sessionfinish(session, exitstatus):
    """Print the footprint table; fail the session when the gate is passed."""
    if not _FOOTPRINT:
        return
    notebooks = sorted(Path(__file__).parent.glob("notebooks/[0-9][0-9]_*.ipynb"))
    whole_course = {p.name for p in notebooks} <= set(_FOOTPRINT)
    total = sum(r["seconds"] for r in _FOOTPRINT.values())
    lines = [f"{'notebook':40s} {'cells s':>8s} {'kernel peak MB':>15s}"]
    lines += [f"{name:40s} {r['seconds']:8.1f} {r['peak_mb']:15.0f}"
              for name, r in sorted(_FOOTPRINT.items())]
    lines.append(f"{'all':40s} {total:8.1f}")
    from toolkit.footprint import gate_problems

    problems = gate_problems(dict(_FOOTPRINT), max_kernel_mb=MAX_KERNEL_MB, max_course_s=MAX_COURSE_S,
                             whole_course=whole_course)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_sep("-", "notebook footprint (nbval)")
        for line in lines:
            reporter.write_line(line)
        for problem in problems:
            reporter.write_line(f"FOOTPRINT GATE: {problem}", red=True)
    if problems and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
