"""Feedback shown by exercises and quizzes, and the loader of the exercise bank.

Both :mod:`toolkit.exercises` and :mod:`toolkit.quizzes` answer with a :class:`Feedback`, and
both read their questions from ``toolkit/exercise_bank/nbNN.py``, loaded once by
:func:`load_bank`.

>>> print(Feedback("0.1", "correct", "Four phases."))
Exercise 0.1 — correct! Four phases.
"""

from __future__ import annotations

import html
import importlib
import pkgutil
from dataclasses import dataclass

__all__ = ["Feedback", "load_bank"]

_BANK_LOADED = False


@dataclass(frozen=True)
class Feedback:
    """The result of :func:`check` or :func:`hint`; shows itself as markdown in Jupyter."""

    exercise_id: str
    status: str  # "correct", "incorrect", "not attempted" or "hint"
    message: str
    kind: str = "Exercise"  # or "Quiz"

    _HEADINGS = {"correct": "correct!", "incorrect": "not quite.",
                 "not attempted": "not attempted yet.", "hint": "hint"}
    _ICONS = {"correct": "✅", "incorrect": "❌", "not attempted": "✏️", "hint": "💡"}

    @property
    def correct(self) -> bool:
        """True when the answer was right."""
        return self.status == "correct"

    def __str__(self) -> str:
        return f"{self.kind} {self.exercise_id} — {self._HEADINGS[self.status]} {self.message}"

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        icon = self._ICONS[self.status]
        heading = f"**{self.kind} {self.exercise_id} — {self._HEADINGS[self.status]}**"
        return f"{icon} {heading} {html.escape(self.message, quote=False)}"


def load_bank() -> None:
    """Import every ``toolkit/exercise_bank/nbNN.py`` once, which registers its questions."""
    global _BANK_LOADED
    if _BANK_LOADED:
        return
    from toolkit import exercise_bank

    for module in pkgutil.iter_modules(exercise_bank.__path__):
        importlib.import_module(f"toolkit.exercise_bank.{module.name}")
    _BANK_LOADED = True
