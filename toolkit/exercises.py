"""Self-checking exercises: ``check(exercise_id, answer)`` and progressive ``hint(exercise_id)``.

Quizzes (``quiz("2.q1")``, ``answer_quiz("2.q1", "b")``) live in :mod:`toolkit.quizzes` and are
re-exported here, so a notebook needs only ``from toolkit import exercises``.

Each notebook's exercises live in ``toolkit/exercise_bank/nbNN.py``. An exercise knows its
expected answer and the *common wrong answers*, so a mistake gets feedback about that mistake
rather than a bare "wrong". Nothing here raises on a wrong answer, and ``answer = ...`` (the
placeholder in the learner copy) is reported as "not attempted yet".

>>> from toolkit import exercises
>>> exercises.check("0.1", ...).status
'not attempted'
>>> exercises.check("0.1", 4).status
'correct'
>>> print(exercises.check("0.1", 10))
Exercise 0.1 — not quite. 10 counts the steps inside the boxes...
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from toolkit._feedback import Feedback, load_bank
from toolkit._validation import _short
from toolkit.quizzes import Quiz, answer_quiz, list_quizzes, quiz, register_quiz

__all__ = ["Exercise", "Feedback", "Quiz", "answer_quiz", "check", "hint", "list_exercises", "list_quizzes",
           "quiz", "register", "register_quiz", "reset_hints"]

KINDS = ("number", "choice", "set", "custom")
#: What an exercise asks the learner to do. "read" answers from what is on the screen;
#: "decide" makes a judgement the notebook has not made; "do" writes code or runs a method.
ACTIVITIES = ("read", "decide", "do")
_REGISTRY: dict[str, Exercise] = {}
_HINTS_GIVEN: dict[str, int] = {}


@dataclass(frozen=True)
class Exercise:
    """One exercise: what is asked, the expected answer, and feedback for common mistakes.

    Parameters
    ----------
    id : str
        Stable, visible id "N.k": notebook number N, exercise k (e.g. ``"2.1"``).
    question : str
        One sentence; the notebook holds the full prompt.
    expected : object or callable
        The right answer, or a function of no arguments that computes it (from the data).
    kind : {"number", "choice", "set", "custom"}, default="number"
        - ``"number"``: a real number, right within ``tolerance``.
        - ``"choice"``: one of ``options`` (case and surrounding spaces ignored).
        - ``"set"``: a collection of strings (order ignored), e.g. column names.
        - ``"custom"``: ``validate(answer)`` returns ``None`` when right, else the feedback.
    tolerance : float, default=0.01
        Absolute tolerance for ``"number"``.
    options : tuple of str, default=()
        The allowed answers for ``"choice"``.
    mistakes : dict or callable, default={}
        Common wrong answer -> the feedback that explains that mistake (or a function of no
        arguments returning that dict, when the wrong answers come from the data). Numbers are
        matched within ``tolerance``, choices by name, sets as sets.
    hints : tuple of str, default=()
        Given one at a time by :func:`hint`, from gentle to explicit.
    explanation : str or callable, default=""
        Shown with a correct answer: why it is right (or a function of no arguments returning
        it, when the explanation quotes values computed from the data).
    validate : callable, optional
        For ``kind="custom"``.
    activity : {"read", "decide", "do"}, default="read"
        What the learner does to answer, so a test can keep the course's balance:

        - ``"read"``: find or compute a value from what the notebook shows;
        - ``"decide"``: make a judgement the notebook has not made for them;
        - ``"do"``: write the code or apply the method themselves.
    """

    id: str
    question: str
    expected: Any = None
    kind: str = "number"
    tolerance: float = 0.01
    options: tuple[str, ...] = ()
    mistakes: dict[Any, str] | Callable[[], dict[Any, str]] = field(default_factory=dict)
    hints: tuple[str, ...] = ()
    explanation: str | Callable[[], str] = ""
    validate: Callable[[Any], str | None] | None = None
    activity: str = "read"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS!r}; got {self.kind!r}.")
        if self.activity not in ACTIVITIES:
            raise ValueError(f"activity must be one of {ACTIVITIES!r}; got {self.activity!r}.")
        if self.kind == "custom" and self.validate is None:
            raise ValueError(f"Exercise {self.id}: kind='custom' needs a validate function.")
        if self.kind == "choice" and not self.options:
            raise ValueError(f"Exercise {self.id}: kind='choice' needs options.")


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry (the bank modules call this at import).

    Examples
    --------
    >>> from toolkit.exercises import Exercise, register
    >>> ex = register(Exercise("99.1", "How many sides has a coin?", expected=2))
    >>> ex.id
    '99.1'
    """
    if not isinstance(exercise, Exercise):
        raise TypeError(f"exercise must be an Exercise; got {type(exercise).__name__}.")
    if exercise.id in _REGISTRY and _REGISTRY[exercise.id] != exercise:
        raise ValueError(f"exercise id {exercise.id!r} is already registered by another exercise.")
    _REGISTRY[exercise.id] = exercise
    return exercise


def _get(exercise_id: Any) -> Exercise:
    load_bank()
    if not isinstance(exercise_id, str):
        raise TypeError(f"exercise_id must be a string such as '2.1'; got {exercise_id!r}.")
    if exercise_id not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY, key=_sort_key))
        raise ValueError(f"exercise_id {exercise_id!r} is not a known exercise; known ids: {known}.")
    return _REGISTRY[exercise_id]


def _sort_key(exercise_id: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in exercise_id.split("."))


def list_exercises() -> list[str]:
    """Return the ids of every registered exercise, in notebook order.

    Examples
    --------
    >>> from toolkit.exercises import list_exercises
    >>> "0.1" in list_exercises()
    True
    """
    load_bank()
    return sorted(_REGISTRY, key=_sort_key)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except OverflowError:  # an integer beyond floats: not an answer anyone meant
        return math.inf


def _close(a: Any, b: Any, tolerance: float) -> bool:
    return _is_number(a) and _is_number(b) and math.isclose(float(a), float(b), abs_tol=tolerance)


def _normalise_set(value: Any) -> frozenset[str] | None:
    if isinstance(value, str) or not isinstance(value, Iterable):
        return None
    return frozenset(str(v).strip() for v in value)


def _compare_number(exercise: Exercise, answer: Any, expected: Any, mistakes: dict) -> str | None:
    if hasattr(answer, "item") and getattr(answer, "size", 1) == 1:
        answer = answer.item()  # numpy scalars and one-element arrays
    if not _is_number(answer) or not math.isfinite(_as_float(answer)):
        return f"The answer should be a single number (finite); got {_short(answer)}."
    if _close(answer, expected, exercise.tolerance):
        return None
    for value, message in mistakes.items():
        if _close(answer, value, exercise.tolerance):
            return message
    if 0 <= expected <= 1 and _close(float(answer) / 100, expected, exercise.tolerance):
        return "That looks like a percentage; give a fraction between 0 and 1."
    return "Check your computation; `hint` gives a nudge."


def _compare_choice(exercise: Exercise, answer: Any, expected: Any, mistakes: dict) -> str | None:
    given = answer.strip().lower() if isinstance(answer, str) else None  # a list cannot be looked up
    options = {o.lower(): o for o in exercise.options}
    if given not in options:
        return f"Choose one of {', '.join(repr(o) for o in exercise.options)}; got {_short(answer)}."
    if options[given] == expected:
        return None
    return mistakes.get(options[given], "That is not the best choice; think again.")


def _compare_set(exercise: Exercise, answer: Any, expected: Any, mistakes: dict) -> str | None:
    given = _normalise_set(answer)
    if given is None:
        return f"The answer should be a list of names; got {_short(answer)}."
    want = frozenset(expected)
    if given == want:
        return None
    for value, message in mistakes.items():
        if given == frozenset(value):
            return message
    missing, extra = sorted(want - given), sorted(given - want)
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing")
    if extra:
        parts.append(f"{len(extra)} that should not be there ({', '.join(extra)})")
    return f"Close: your list has {' and '.join(parts)}."


def _compare_custom(exercise: Exercise, answer: Any, expected: Any, mistakes: dict) -> str | None:
    return exercise.validate(answer)


#: kind -> function returning None when the answer is right, else the feedback message.
_COMPARERS = {"number": _compare_number, "choice": _compare_choice, "set": _compare_set,
              "custom": _compare_custom}


def _compare(exercise: Exercise, answer: Any, expected: Any) -> Feedback:
    mistakes = exercise.mistakes() if callable(exercise.mistakes) else exercise.mistakes
    problem = _COMPARERS[exercise.kind](exercise, answer, expected, mistakes)
    if problem is not None:
        return Feedback(exercise.id, "incorrect", problem)
    explain = exercise.explanation
    return Feedback(exercise.id, "correct", explain() if callable(explain) else explain)


def check(exercise_id: str, answer: Any) -> Feedback:
    """Check an answer and return feedback; never raises on a wrong answer.

    Parameters
    ----------
    exercise_id : str
        The id shown in the notebook, e.g. ``"2.1"``.
    answer : object
        Your answer. ``...`` (Ellipsis) means "not attempted yet".

    Returns
    -------
    Feedback
        ``.status`` is ``"correct"``, ``"incorrect"`` or ``"not attempted"``; ``.message`` says
        why. It renders as markdown in Jupyter and as plain text elsewhere.

    Examples
    --------
    >>> from toolkit.exercises import check
    >>> check("0.1", 4).correct
    True
    """
    exercise = _get(exercise_id)
    if answer is ...:
        return Feedback(exercise_id, "not attempted",
                        "Replace `...` with your answer and run the cell again.")
    expected = exercise.expected() if callable(exercise.expected) else exercise.expected
    return _compare(exercise, answer, expected)


def hint(exercise_id: str) -> Feedback:
    """Return the next hint for an exercise: each call reveals one more.

    Examples
    --------
    >>> from toolkit.exercises import hint, reset_hints
    >>> reset_hints()
    >>> print(hint("0.1"))
    Exercise 0.1 — hint 1/2: Look at the big boxes in the figure, not the steps inside them.
    """
    exercise = _get(exercise_id)
    if not exercise.hints:
        return Feedback(exercise_id, "hint", "no hints for this one: reread the section above.")
    shown = _HINTS_GIVEN.get(exercise_id, 0)
    index = min(shown, len(exercise.hints) - 1)
    _HINTS_GIVEN[exercise_id] = shown + 1
    return Feedback(exercise_id, "hint",
                    f"{index + 1}/{len(exercise.hints)}: {exercise.hints[index]}")


def reset_hints() -> None:
    """Forget which hints were given, so :func:`hint` starts again from the first."""
    _HINTS_GIVEN.clear()
