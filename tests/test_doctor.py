import subprocess
import sys

from toolkit.doctor import doctor


def test_doctor_passes_here():
    report = doctor()
    assert (report["status"] == "ok").all(), report[report["status"] != "ok"]
    assert {"python", "pandas", "scikit-learn", "ipywidgets", "datasets load",
            "a figure renders", "kernel"} <= set(report["check"])


def _run_doctor(blocked_module=None):
    block = f"sys.modules[{blocked_module!r}] = None; " if blocked_module else ""
    code = ("import sys; " + block + "from toolkit.__main__ import main; sys.exit(main(['doctor']))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={"MPLBACKEND": "Agg", "PATH": ""})


def test_cli_exits_zero_when_everything_is_there():
    result = _run_doctor()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All required checks passed" in result.stdout


def test_cli_fails_readably_when_ipywidgets_is_missing():
    result = _run_doctor("ipywidgets")
    assert result.returncode == 1
    line = next(row for row in result.stdout.splitlines() if row.strip().startswith("ipywidgets"))
    assert "FAIL" in line and "pip install 'ipywidgets>=8.1'" in line
    assert "1 required check(s) failed" in result.stdout


def test_missing_optional_jupyterlab_does_not_fail():
    result = _run_doctor("jupyterlab")
    assert result.returncode == 0
