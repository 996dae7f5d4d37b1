"""Constants that several modules share, defined once here.

>>> (REPO_ROOT / "toolkit" / "_shared.py").exists()
True
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["LOG_COLUMNS", "MAX_CODE_LEVELS", "REPO_ROOT"]

#: The repository's root folder (it holds ``notebooks/``, ``datasets/`` and ``toolkit/``).
REPO_ROOT = Path(__file__).resolve().parents[1]

#: Whole-number columns with at most this many distinct values are codes (1 = Basic, ...,
#: 6 = Other), not amounts: ``features`` one-hot encodes them and ``error_analysis`` slices
#: them value by value. Counts such as support calls (9 or more values here) stay numbers.
MAX_CODE_LEVELS = 6

#: The fixed columns of the prediction log (:class:`toolkit.service.Service` writes them,
#: :func:`toolkit.monitoring.monitor` reads them), before the model's input features.
LOG_COLUMNS = ("request_id", "logged_at", "month", "model_version", "role", "returned", "score",
               "decision", "problems", "latency_ms")
