"""Quizzes: a quick multiple-choice question where a misconception is likely, with feedback.

A quiz is one question with lettered options; one or several are right. Every option carries
its own feedback, so a learner who picks a tempting wrong answer learns *why* it is wrong. In
Jupyter, :func:`quiz` shows the options as widgets with a Submit button; anywhere else (a
terminal, a learner without widgets) :func:`answer_quiz` gives the same feedback as text.
Quizzes live in ``toolkit/exercise_bank/nbNN.py`` beside the exercises, with ids ``"N.qK"``.

>>> from toolkit import exercises
>>> print(exercises.answer_quiz("0.q1", "b"))
Quiz 0.q1 — correct! ...
>>> exercises.answer_quiz("0.q1", ...).status
'not attempted'
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from toolkit._feedback import Feedback, load_bank

__all__ = ["Quiz", "QuizView", "answer_quiz", "list_quizzes", "quiz", "register_quiz"]

_QUIZZES: dict[str, Quiz] = {}
_ID = re.compile(r"^\d+\.q\d+$")


@dataclass(frozen=True)
class Quiz:
    """One question with lettered options, the right letter(s), and feedback for every option.

    Parameters
    ----------
    id : str
        ``"N.qK"``: notebook N, quiz K (e.g. ``"2.q1"``).
    question : str
        The question, in Markdown.
    options : dict of str to str
        Letter -> option text, e.g. ``{"a": "0.5", "b": "0.8"}``.
    correct : str or tuple of str
        The right letter, or every right letter for a multiple-answer question.
    feedback : dict of str to str
        Letter -> why that option is right or wrong. Every option must have one.
    multiple : bool, default=False
        Several options may be chosen (check boxes instead of radio buttons). Implied when
        ``correct`` holds more than one letter.

    Examples
    --------
    >>> q = Quiz("99.q1", "Heads?", {"a": "yes", "b": "no"}, "a", {"a": "Right.", "b": "No."})
    >>> q.right, q.multiple
    (frozenset({'a'}), False)
    """

    id: str
    question: str
    options: Mapping[str, str]
    correct: str | tuple[str, ...]
    feedback: Mapping[str, str]
    multiple: bool = False
    right: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise ValueError(f"id must look like '2.q1' (notebook, 'q', number); got {self.id!r}.")
        if not isinstance(self.options, Mapping) or len(self.options) < 2:
            raise ValueError(f"Quiz {self.id}: options must map at least two letters to texts.")
        right = frozenset([self.correct] if isinstance(self.correct, str) else self.correct)
        unknown = sorted(right - set(self.options))
        if not right or unknown:
            raise ValueError(f"Quiz {self.id}: correct must name options among "
                             f"{sorted(self.options)}; got {self.correct!r}.")
        if set(self.feedback) != set(self.options):
            raise ValueError(f"Quiz {self.id}: feedback must cover every option exactly; missing "
                             f"{sorted(set(self.options) - set(self.feedback))}, extra "
                             f"{sorted(set(self.feedback) - set(self.options))}.")
        object.__setattr__(self, "right", right)
        object.__setattr__(self, "multiple", self.multiple or len(right) > 1)

    def as_text(self) -> str:
        """The question and its options as plain text, with how to answer outside Jupyter."""
        lines = [f"Quiz {self.id}: {self.question}", ""]
        lines += [f"  ({letter}) {text}" for letter, text in self.options.items()]
        how = "one or more letters, e.g. ['a', 'c']" if self.multiple else "one letter, e.g. 'a'"
        lines += ["", f"Answer with exercises.answer_quiz({self.id!r}, ...) giving {how}."]
        return "\n".join(lines)


def register_quiz(quiz: Quiz) -> Quiz:
    """Add a quiz to the bank (the ``exercise_bank`` modules call this at import).

    Examples
    --------
    >>> q = register_quiz(Quiz("99.q1", "Heads?", {"a": "yes", "b": "no"}, "a",
    ...                        {"a": "Right.", "b": "No."}))
    >>> q.id in list_quizzes()
    True
    """
    if not isinstance(quiz, Quiz):
        raise TypeError(f"quiz must be a Quiz; got {type(quiz).__name__}.")
    if quiz.id in _QUIZZES and _QUIZZES[quiz.id] != quiz:
        raise ValueError(f"quiz id {quiz.id!r} is already registered by another quiz.")
    _QUIZZES[quiz.id] = quiz
    return quiz


def list_quizzes() -> list[str]:
    """The ids of every quiz, in notebook order.

    >>> "0.q1" in list_quizzes()
    True
    """
    load_bank()
    return sorted(_QUIZZES, key=lambda q: tuple(int(p) for p in q.replace("q", "").split(".")))


def _get(quiz_id: Any) -> Quiz:
    load_bank()
    if not isinstance(quiz_id, str):
        raise TypeError(f"quiz_id must be a string such as '2.q1'; got {quiz_id!r}.")
    if quiz_id not in _QUIZZES:
        raise ValueError(f"quiz_id {quiz_id!r} is not a known quiz; known ids: "
                         f"{', '.join(list_quizzes())}.")
    return _QUIZZES[quiz_id]


def _letters(quiz: Quiz, answer: Any) -> frozenset[str] | str:
    """The chosen letters, or a message saying what a valid answer looks like."""
    items = [answer] if isinstance(answer, str) else answer
    if not isinstance(items, Iterable) or not all(isinstance(a, str) for a in items):
        return f"Answer with option letters ({', '.join(quiz.options)}); got {answer!r}."
    chosen = frozenset(a.strip().lower() for a in items)
    unknown = sorted(chosen - set(quiz.options))
    if unknown or not chosen:
        return f"Choose among {', '.join(repr(o) for o in quiz.options)}; got {answer!r}."
    if len(chosen) > 1 and not quiz.multiple:
        return "Choose exactly one option for this question."
    return chosen


def answer_quiz(quiz_id: str, answer: Any) -> Feedback:
    """Check a quiz answer and return feedback for every option chosen; never raises on a wrong one.

    Parameters
    ----------
    quiz_id : str
        The id shown above the quiz, e.g. ``"2.q1"``.
    answer : str or list of str
        The letter chosen, or the letters for a multiple-answer quiz. ``...`` means "not
        attempted yet".

    Returns
    -------
    Feedback
        ``.status`` is ``"correct"``, ``"incorrect"`` or ``"not attempted"``.

    Examples
    --------
    >>> answer_quiz("0.q1", "a").status
    'incorrect'
    """
    return _check(_get(quiz_id), answer)


def _check(quiz: Quiz, answer: Any) -> Feedback:
    if answer is ...:
        return Feedback(quiz.id, "not attempted", "Choose an option and submit.", kind="Quiz")
    chosen = _letters(quiz, answer)
    if isinstance(chosen, str):
        return Feedback(quiz.id, "incorrect", chosen, kind="Quiz")
    notes = [f"({letter}) {quiz.feedback[letter]}" for letter in quiz.options if letter in chosen]
    missed = sorted(quiz.right - chosen)
    if missed and quiz.multiple:
        notes.append(f"You left out {len(missed)} right option(s); think about each one again.")
    status = "correct" if chosen == quiz.right else "incorrect"
    return Feedback(quiz.id, status, " ".join(notes), kind="Quiz")


class QuizView:
    """What :func:`quiz` shows: widgets in Jupyter, the question as text everywhere else.

    The text form is also what a saved notebook keeps (widget state is not stored), so the
    question stays readable when the notebook is opened without a kernel.
    """

    def __init__(self, quiz: Quiz) -> None:
        self.quiz = quiz
        self.widget = None
        self.feedback: Feedback | None = None

    def submit(self, answer: Any) -> Feedback:
        """Check ``answer`` as the Submit button does, and show the feedback in the widget."""
        self.feedback = _check(self.quiz, answer)
        if self.widget is not None:
            self.widget.children[-1].value = _feedback_html(self.feedback)
        return self.feedback

    def _build(self):
        import ipywidgets as w

        labels = [f"({k}) {v}" for k, v in self.quiz.options.items()]
        letters = dict(zip(labels, self.quiz.options, strict=True))
        if self.quiz.multiple:
            boxes = [w.Checkbox(value=False, description=label, indent=False) for label in labels]
            choice = w.VBox(boxes)
            chosen = lambda: [letters[b.description] for b in boxes if b.value] or ...  # noqa: E731
        else:
            choice = w.RadioButtons(options=labels, value=None, layout=w.Layout(width="auto"))
            chosen = lambda: letters[choice.value] if choice.value else ...  # noqa: E731
        button = w.Button(description="Submit", button_style="primary")
        button.on_click(lambda _: self.submit(chosen()))
        question = w.HTML(f"<b>Quiz {self.quiz.id}.</b> {_markdown_html(self.quiz.question)}")
        self.widget = w.VBox([question, choice, button, w.HTML("")])
        return self.widget

    def _repr_mimebundle_(self, include=None, exclude=None):
        try:
            bundle = self._build()._repr_mimebundle_(include=include, exclude=exclude)
        except ImportError:  # no ipywidgets: the text is the quiz
            bundle = {}
        bundle = dict(bundle or {})
        bundle["text/plain"] = self.quiz.as_text()
        return bundle

    def __repr__(self) -> str:
        return self.quiz.as_text()


def _markdown_html(text: str) -> str:
    """The little Markdown a quiz uses (`code`, **bold**), as HTML."""
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)


def _feedback_html(feedback: Feedback) -> str:
    colour = {"correct": "#009E73", "incorrect": "#D55E00"}.get(feedback.status, "#0072B2")
    return (f'<div style="border-left:4px solid {colour};padding-left:8px">'
            f"{_markdown_html(feedback._repr_markdown_())}</div>")


def quiz(quiz_id: str) -> QuizView:
    """Show a quiz: choose, submit, and read the feedback at once.

    Parameters
    ----------
    quiz_id : str
        E.g. ``"2.q1"``.

    Returns
    -------
    QuizView
        Displays as widgets in Jupyter; as text elsewhere. ``.submit(answer)`` checks an
        answer the way the button does.

    Examples
    --------
    >>> view = quiz("0.q1")
    >>> view.submit("b").correct
    True
    """
    return QuizView(_get(quiz_id))
