"""Quizzes: every option of every quiz gets its own feedback, in widgets and in plain text."""

import itertools

import pytest

from toolkit import exercises
from toolkit.quizzes import Quiz, QuizView, answer_quiz, list_quizzes, quiz

QUIZZES = list_quizzes()


def _quiz(quiz_id):
    return quiz(quiz_id).quiz


@pytest.mark.parametrize("quiz_id", QUIZZES)
def test_the_right_answer_is_correct_and_says_why(quiz_id):
    q = _quiz(quiz_id)
    answer = sorted(q.right) if q.multiple else next(iter(q.right))
    feedback = answer_quiz(quiz_id, answer)
    assert feedback.status == "correct"
    assert all(q.feedback[letter] in feedback.message for letter in q.right)


@pytest.mark.parametrize("quiz_id", QUIZZES)
def test_not_attempted(quiz_id):
    assert answer_quiz(quiz_id, ...).status == "not attempted"


@pytest.mark.parametrize(("quiz_id", "letter"),
                         [(q, letter) for q in QUIZZES for letter in _quiz(q).options
                          if letter not in _quiz(q).right])
def test_every_wrong_option_gets_its_own_feedback(quiz_id, letter):
    q = _quiz(quiz_id)
    feedback = answer_quiz(quiz_id, [letter] if q.multiple else letter)
    assert feedback.status == "incorrect"
    assert q.feedback[letter] in feedback.message


@pytest.mark.parametrize("quiz_id", [q for q in QUIZZES if _quiz(q).multiple])
def test_a_multiple_answer_quiz_wants_every_right_option(quiz_id):
    q = _quiz(quiz_id)
    for size in range(1, len(q.right)):
        for partial in itertools.combinations(sorted(q.right), size):
            feedback = answer_quiz(quiz_id, list(partial))
            assert feedback.status == "incorrect" and "left out" in feedback.message


def test_feedback_differs_between_options():
    for quiz_id in QUIZZES:
        texts = list(_quiz(quiz_id).feedback.values())
        assert len(set(texts)) == len(texts), f"{quiz_id}: two options share their feedback"


def test_the_exercises_module_re_exports_quizzes():
    assert exercises.quiz is quiz and exercises.answer_quiz is answer_quiz
    assert str(exercises.answer_quiz("0.q1", "b")).startswith("Quiz 0.q1 — correct!")


@pytest.mark.parametrize(("answer", "message"), [
    ("z", "Choose among"), (["a", "b"], "exactly one"), (3, "option letters"), ([], "Choose among")])
def test_a_malformed_answer_says_what_a_valid_one_looks_like(answer, message):
    feedback = answer_quiz("0.q1", answer)
    assert feedback.status == "incorrect" and message in feedback.message


def test_an_unknown_quiz_lists_the_known_ones():
    with pytest.raises(ValueError, match="known ids: .*0.q1"):
        answer_quiz("0.q9", "a")
    with pytest.raises(TypeError, match="quiz_id must be a string"):
        answer_quiz(1, "a")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"id": "2.1"}, "id must look like"),
    ({"options": {"a": "only one"}}, "at least two"),
    ({"correct": "c"}, "correct must name options"),
    ({"feedback": {"a": "why"}}, "feedback must cover every option"),
])
def test_a_badly_written_quiz_is_refused(kwargs, message):
    good = {"id": "98.q1", "question": "?", "options": {"a": "x", "b": "y"}, "correct": "a",
            "feedback": {"a": "why a", "b": "why b"}}
    with pytest.raises(ValueError, match=message):
        Quiz(**{**good, **kwargs})


def test_the_widget_gives_the_feedback_of_the_option_clicked():
    pytest.importorskip("ipywidgets")
    view = quiz("0.q1")
    bundle = view._repr_mimebundle_()
    assert bundle["text/plain"].startswith("Quiz 0.q1:")
    assert "application/vnd.jupyter.widget-view+json" in bundle
    question, choice, button, shown = view.widget.children
    assert shown.value == ""
    choice.value = next(o for o in choice.options if o.startswith("(a)"))
    button.click()
    assert "not quite" in shown.value and view.feedback.status == "incorrect"
    choice.value = next(o for o in choice.options if o.startswith("(b)"))
    button.click()
    assert "correct!" in shown.value and view.feedback.correct


def test_a_multiple_answer_widget_has_check_boxes():
    pytest.importorskip("ipywidgets")
    q = Quiz("98.q2", "Pick the even numbers.", {"a": "2", "b": "3", "c": "4"}, ("a", "c"),
             {"a": "2 is even.", "b": "3 is odd.", "c": "4 is even."})
    view = QuizView(q)
    view._repr_mimebundle_()
    boxes = view.widget.children[1].children
    assert [b.description for b in boxes] == ["(a) 2", "(b) 3", "(c) 4"]
    view.widget.children[2].click()
    assert view.feedback.status == "not attempted"


def test_without_widgets_the_quiz_is_text(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_widgets(name, *args, **kwargs):
        if name.startswith("ipywidgets"):
            raise ImportError("no ipywidgets here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_widgets)
    bundle = quiz("0.q1")._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "exercises.answer_quiz('0.q1', ...)" in bundle["text/plain"]


def test_every_banked_quiz_is_shown_in_its_own_notebook():
    # the balance test covers 01-10; this one also covers 00, and a quiz shown in another notebook
    import json
    import re
    from pathlib import Path

    shown = {}
    for path in sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        for quiz_id in re.findall(r'exercises\.quiz\("(\d+\.q\d+)"\)', code):
            shown[quiz_id] = int(path.name[:2])
    assert set(shown) == set(QUIZZES)
    assert all(int(q.split(".")[0]) == number for q, number in shown.items())
