"""Shared pytest setup: draw off-screen in the test process and close figures after each test.

Notebooks run in their own kernel under nbval and keep their inline backend.
"""

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
