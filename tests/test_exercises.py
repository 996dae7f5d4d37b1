import pytest

from toolkit import exercises
from toolkit.exercises import Exercise, Feedback, check, hint, list_exercises, reset_hints


def test_ellipsis_is_not_attempted_and_never_raises():
    for exercise_id in list_exercises():
        feedback = check(exercise_id, ...)
        assert feedback.status == "not attempted"
        assert "Replace `...`" in str(feedback)


def test_correct_answer_is_confirmed_with_the_explanation():
    feedback = check("0.1", 4)
    assert feedback.correct
    assert "two loops back" in feedback.message


@pytest.mark.parametrize("answer, expected_text", [
    (3, "Scoping is a phase too"),
    (10, "counts the steps"),
    (5, "counts the Data phase twice"),
    ("four", "should be a single number"),
    (7, "Check your computation"),
], ids=["forgot-scoping", "counted-steps", "counted-data-twice", "text", "other"])
def test_each_coded_wrong_answer_gets_its_own_feedback(answer, expected_text):
    feedback = check("0.1", answer)
    assert feedback.status == "incorrect"
    assert expected_text in feedback.message


def test_data_driven_exercise_and_percentage_mistake():
    from toolkit.datasets import load

    share = load("history")["churned"].mean()
    assert check("0.2", share).correct
    assert check("0.2", share).message.startswith(f"{share:.1%} of the customers leave")
    assert check("0.2", float(share * 100)).message.startswith("That looks like a percentage")
    assert "*stayed*" in check("0.2", 1 - share).message
    assert "count of customers" in check("0.2", int(share * 5000)).message


def test_numpy_scalars_are_accepted():
    import numpy as np

    assert check("0.1", np.int64(4)).correct
    assert check("0.1", np.array([4])).correct


def test_hints_are_progressive_then_repeat_the_last():
    reset_hints()
    first, second, third = hint("0.1"), hint("0.1"), hint("0.1")
    assert "1/2" in first.message and "2/2" in second.message
    assert third.message == second.message
    reset_hints()
    assert "1/2" in hint("0.1").message


def test_feedback_renders_as_markdown_and_plain_text():
    feedback = check("0.1", 3)
    assert str(feedback).startswith("Exercise 0.1 — not quite.")
    assert feedback._repr_markdown_().startswith("❌ **Exercise 0.1 — not quite.**")
    assert check("0.1", 4)._repr_markdown_().startswith("✅")


def test_choice_and_set_kinds():
    choice = Exercise("98.1", "q", expected="most frequent", kind="choice",
                      options=("coin flip", "most frequent"),
                      mistakes={"coin flip": "A coin flip ignores the class balance."})
    exercises.register(choice)
    assert check("98.1", " Most Frequent ").correct
    assert "ignores the class balance" in check("98.1", "coin flip").message
    assert "Choose one of" in check("98.1", "dummy").message

    names = Exercise("98.2", "q", expected=("a", "b"), kind="set", mistakes={("a",): "Only a?"})
    exercises.register(names)
    assert check("98.2", ["b", "a"]).correct
    assert check("98.2", ["a"]).message == "Only a?"
    assert "1 missing and 1 that should not be there (c)" in check("98.2", ["a", "c"]).message
    assert "list of names" in check("98.2", "ab").message


def test_custom_kind_uses_validate():
    ex = Exercise("98.3", "q", kind="custom", explanation="yes",
                  validate=lambda a: None if a == "ok" else f"not {a!r}")
    exercises.register(ex)
    assert check("98.3", "ok").message == "yes"
    assert check("98.3", "no").message == "not 'no'"


@pytest.mark.parametrize("kwargs, match", [
    ({"kind": "essay"}, "kind must be one of"),
    ({"kind": "custom"}, "needs a validate function"),
    ({"kind": "choice"}, "needs options"),
], ids=["unknown-kind", "custom-without-validate", "choice-without-options"])
def test_bad_exercise_definitions(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Exercise("97.1", "q", **kwargs)


def test_unknown_ids_and_bad_registrations():
    with pytest.raises(ValueError, match=r"exercise_id '42.9' is not a known exercise; known ids: 0.1"):
        check("42.9", 1)
    with pytest.raises(TypeError, match="exercise_id must be a string"):
        check(2.1, 1)
    with pytest.raises(TypeError, match="must be an Exercise"):
        exercises.register("0.1")
    with pytest.raises(ValueError, match="already registered"):
        exercises.register(Exercise("0.1", "another question", expected=1))


def test_every_exercise_has_hints_and_an_explanation():
    for exercise_id in list_exercises():
        ex = exercises._get(exercise_id)
        if exercise_id.startswith("9"):  # the test-only exercises registered above
            continue
        assert ex.hints, f"exercise {exercise_id} has no hints"
        assert ex.explanation, f"exercise {exercise_id} has no explanation for a right answer"
        assert isinstance(check(exercise_id, ...), Feedback)


def test_explanation_may_be_computed_when_the_answer_is_right():
    calls = []

    def explain():
        calls.append(1)
        return f"computed {len(calls)}"

    exercises.register(Exercise("98.4", "q", expected=2, explanation=explain))
    assert check("98.4", 3).status == "incorrect" and calls == []
    assert check("98.4", 2).message == "computed 1"
