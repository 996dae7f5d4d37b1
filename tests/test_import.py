import subprocess
import sys


def test_import_toolkit_is_light():
    code = ("import sys, toolkit, toolkit.datasets, toolkit.exercises, toolkit.lifecycle, "
            "toolkit.plotting, toolkit.widgets; "
            "heavy = [m for m in ('seaborn', 'ipywidgets', 'sklearn') if m in sys.modules]; "
            "print(','.join(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"imported at import time: {result.stdout.strip()}"
