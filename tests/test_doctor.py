import subprocess
import sys

import toolkit.doctor as doctor_module
from toolkit.__main__ import main
from toolkit.doctor import LOCK_FILE, MINIMUMS, doctor


def test_doctor_passes_here():
    report = doctor()
    assert (report["status"] != "FAIL").all(), report[report["status"] == "FAIL"]
    assert (report.loc[report["required"], "status"] == "ok").all()
    assert {"python", "pandas", "scikit-learn", "ipywidgets", "fastapi", "uvicorn", "httpx",
            "versions match the lock", "datasets load", "a figure renders",
            "kernel"} <= set(report["check"])


def _lock_row(report):
    return report.set_index("check").loc["versions match the lock"]


def test_lock_row_is_ok_when_every_course_package_runs_at_the_locked_version(monkeypatch):
    locked = doctor_module._locked_versions(LOCK_FILE)
    monkeypatch.setattr(doctor_module, "_installed_version", locked.get)
    row = doctor_module._lock_row()
    assert row["status"] == "ok" and not row["required"]
    assert row["found"] == f"{len(MINIMUMS)} packages as locked"


def test_lock_row_warns_and_names_the_package_that_differs(monkeypatch):
    locked = doctor_module._locked_versions(LOCK_FILE)
    running = {**locked, "numpy": "0.0.1"}
    monkeypatch.setattr(doctor_module, "_installed_version", running.get)
    row = doctor_module._lock_row()
    assert row["status"] == "warn" and not row["required"]
    assert row["found"].startswith(f"numpy 0.0.1 (lock {locked['numpy']})")


def test_lock_row_warns_without_a_lock_file(tmp_path):
    row = doctor_module._lock_row(tmp_path / "requirements-lock.txt")
    assert row["status"] == "warn"
    assert "no requirements-lock.txt" in row["found"]


def test_lock_parser_skips_comments_and_lines_with_markers(tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text("# header\nScikit_Learn==1.9.1\nsoupsieve==2.10 ; python_version < '3.12'\n"
                    "pandas==3.1.1  # why\n")
    assert doctor_module._locked_versions(lock) == {"scikit-learn": "1.9.1", "pandas": "3.1.1"}


def test_a_lock_warning_does_not_fail_the_cli(monkeypatch, capsys):
    running = {**doctor_module._locked_versions(LOCK_FILE), "pandas": "0.0.1"}
    monkeypatch.setattr(doctor_module, "_installed_version", running.get)
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "warn" in out and "pandas 0.0.1" in out
    assert "All required checks passed" in out


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
