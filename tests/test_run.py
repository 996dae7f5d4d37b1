"""`python -m toolkit run` measures what a notebook costs: wall time, kernel peak memory, CPU."""

from pathlib import Path

import nbformat
import pytest

from toolkit import __main__ as cli
from toolkit.notebooks import execute_notebook


def _notebook(path, *sources):
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources]), path)
    return path


def test_the_kernel_peak_memory_and_cpu_are_the_kernels_own(tmp_path):
    small = execute_notebook(_notebook(tmp_path / "small.ipynb", "x = 1"))
    big = execute_notebook(_notebook(
        tmp_path / "big.ipynb",
        "import numpy as np\nblock = np.ones(50_000_000)  # 400 MB, touched",
        "del block",  # freed before the end: only a peak can see it
        "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5: pass"))
    assert big.peak_mb - small.peak_mb > 350
    assert big.cpu_s - small.cpu_s > 0.4
    assert 0 < small.seconds < 60 and big.notebook == "big.ipynb"


def test_run_prints_one_row_per_notebook_and_a_total(tmp_path, capsys):
    paths = [_notebook(tmp_path / f"{i:02d}_n.ipynb", "print('hi')") for i in range(2)]
    assert cli.main(["run", "--quiet", *map(str, paths)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["notebook", "wall", "s", "peak", "MB", "CPU", "s"]
    assert [ln.split()[0] for ln in lines[1:]] == ["00_n.ipynb", "01_n.ipynb", "total"]
    assert all(float(v) > 0 for v in lines[-1].split()[1:])


def test_run_names_a_missing_notebook(tmp_path, capsys):
    assert cli.main(["run", str(tmp_path / "nope.ipynb")]) == 2
    assert "no such notebook" in capsys.readouterr().err


def test_a_failing_cell_still_fails_the_run(tmp_path):
    from nbclient.exceptions import CellExecutionError

    with pytest.raises(CellExecutionError):
        execute_notebook(_notebook(tmp_path / "bad.ipynb", "raise ValueError('boom')"))


def test_the_footprint_file_names_the_machine_and_the_figures(tmp_path, capsys):
    path = _notebook(tmp_path / "00_n.ipynb", "x = 1")
    out = tmp_path / "docs" / "footprint.md"
    assert cli.main(["run", "--quiet", "--footprint", str(out), str(path)]) == 0
    text = out.read_text(encoding="utf-8")
    for needed in ("| CPU |", "| cores |", "| BLAS |", "| pandas |", "| 00_n.ipynb |"):
        assert needed in text
    with pytest.raises(ValueError, match="at least one NotebookRun"):
        from toolkit.footprint import write_footprint

        write_footprint([], out)


def test_the_footprint_gate_names_what_broke_it():
    from toolkit.footprint import gate_problems

    records = {"05.ipynb": {"seconds": 100.0, "peak_mb": 380.0},
               "08.ipynb": {"seconds": 70.0, "peak_mb": 401.0}}
    assert gate_problems(records, max_kernel_mb=400, max_course_s=150, whole_course=True) == [
        "08.ipynb: kernel peak 401 MB > 400 MB", "the course took 170 s under nbval > 150 s"]
    assert gate_problems(records, max_kernel_mb=400, max_course_s=150, whole_course=False) == [
        "08.ipynb: kernel peak 401 MB > 400 MB"]
    assert gate_problems(records, max_kernel_mb=500, max_course_s=200, whole_course=True) == []



def test_a_notebook_over_the_memory_limit_fails_the_session():
    """Run pytest on one notebook whose kernel allocates more than the gate allows."""
    import shutil
    import subprocess
    import sys
    import tempfile

    root = Path(__file__).resolve().parents[1]
    # under the repository (in the git-ignored artifacts/), so that its conftest.py applies
    (root / "artifacts").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="footprint-gate-", dir=root / "artifacts"))
    nb = _notebook(folder / "99_big.ipynb",
                   "import numpy as np\nblock = np.ones(60_000_000)  # 480 MB\ndel block")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             f"--rootdir={root}", "-c", str(root / "pyproject.toml"),
                             "--nbval-lax", str(nb)], capture_output=True, text=True, timeout=300,
                            cwd=root)
    shutil.rmtree(folder)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "FOOTPRINT GATE: 99_big.ipynb: kernel peak" in result.stdout
