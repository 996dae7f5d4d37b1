"""One way to move each kind of widget, and what must change when it moves.

- An explorer (``toolkit.widgets``: coin flip, threshold, drift): every control in turn (a
  slider to its other end, a dropdown to its next option); after each move its numbers and its
  figure must both change.
- A quiz: a wrong option, Submit, and the feedback written for that option must show; then the
  right option(s), Submit, and "correct!" with the right option's feedback.

`DRIVERS` maps a `WidgetCell` kind (and an explorer's function name) to its driver; a widget
cell with no driver fails the notebook's test, so a new kind of widget cannot pass unchecked.
"""

from __future__ import annotations

import re
import time

from toolkit.quizzes import Quiz, QuizView

#: The explorers of `toolkit.widgets` these drivers know: each is built from sliders and
#: dropdowns feeding one numbers panel (HTML) and one figure (Image).
KNOWN_EXPLORERS = frozenset({"coin_flip_explorer", "threshold_explorer", "drift_explorer"})
_CHANGE_TIMEOUT_S = 120  # a drift-explorer update fits a domain classifier; the machine is busy


def normalise(text: str) -> str:
    """Text as a reader sees it: no Markdown marks (the widget renders them), single spaces.

    Examples
    --------
    >>> normalise("**Quiz 1.q1 — correct!**  Use `fit`\\n now.")
    'Quiz 1.q1 — correct! Use fit now.'
    """
    return re.sub(r"\s+", " ", re.sub(r"[`*]", "", text)).strip()  # \s includes the no-break space


def _poll(check, timeout: float, page, what: str):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"after {timeout:.0f} s: {what}"
        page.wait_for_timeout(250)


def _view(box) -> dict:
    """An explorer's output: the text of its HTML panels and its figure's address."""
    view = box.evaluate("""(b) => ({
        numbers: [...b.querySelectorAll('.widget-html-content')].map(e => e.textContent).join(' | '),
        image: (b.querySelector('img.widget-image') || {}).src || null})""")
    return {**view, "numbers": normalise(view["numbers"])}


def _move(control) -> str:
    """Move one control; return what was done, for the report."""
    select = control.locator("select")
    if select.count():
        options = select.locator("option").all_text_contents()
        current = select.evaluate("(s) => s.options[s.selectedIndex]?.text")
        target = options[(options.index(current) + 1) % len(options)] if current in options else options[0]
        select.select_option(label=target)
        return f"{normalise(current or '')!r} -> {normalise(target)!r}"
    handle = control.locator(".noUi-handle")
    before = control.locator(".widget-readout").text_content()
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    handle.focus()
    handle.press("Home" if at_max else "End")
    after = _poll(lambda: (control.locator(".widget-readout").text_content() != before
                           and control.locator(".widget-readout").text_content()),
                  10, control.page, "the slider did not move")
    return f"{before} -> {after}"


def drive_explorer(box, page, wait_idle) -> list[str]:
    """Move every control of an explorer; after each, its numbers and figure must change."""
    controls = box.locator(".widget-slider, .widget-dropdown")
    assert controls.count(), "an explorer without a slider or a dropdown"
    moves = []
    for i in range(controls.count()):
        control = controls.nth(i)
        name = (control.locator(".widget-label").first.text_content() or f"control {i}").strip()
        before = _view(box)
        done = _move(control)
        after = _poll(lambda b=before: (lambda v: v["numbers"] != b["numbers"]
                                        and v["image"] != b["image"] and v)(_view(box)),
                      _CHANGE_TIMEOUT_S, page,
                      f"moving {name} ({done}) did not change both the numbers and the figure; "
                      f"numbers now {_view(box)['numbers'][:200]!r}")
        wait_idle()
        moves.append(f"{name} {done}: {after['numbers'][:90]}")
    return moves


def _choose(box, question, letters: set[str]) -> None:
    order = list(question.options)
    if question.multiple:
        boxes = box.locator("input[type=checkbox]")
        for k, letter in enumerate(order):
            boxes.nth(k).set_checked(letter in letters)
    else:
        (letter,) = letters
        box.locator("input[type=radio]").nth(order.index(letter)).check()


def _submit_and_read(box, page, question, letters: set[str]) -> str:
    answer = sorted(letters) if question.multiple else next(iter(letters))
    expected = normalise(str(QuizView(question).submit(answer)))  # what the button must show
    _choose(box, question, letters)
    box.get_by_role("button", name="Submit").click()
    feedback = box.locator(".widget-html-content").last
    return _poll(lambda: expected in normalise(feedback.text_content() or "") and expected,
                 30, page, f"quiz {question.id}: after choosing {answer} and Submit, expected "
                           f"{expected!r}, the widget shows {feedback.text_content()!r}")


def drive_quiz(box, page, question: Quiz) -> list[str]:
    """Answer a quiz wrongly, then rightly; each time its own feedback must show."""
    quiz_id = question.id
    moves = []
    wrong = [letter for letter in question.options if letter not in question.right]
    if wrong:  # a quiz whose every option is right has no wrong answer to try
        shown = _submit_and_read(box, page, question, {wrong[0]})
        assert "correct!" not in shown, shown
        moves.append(f"quiz {quiz_id} ({wrong[0]}): {shown[:60]}")
    shown = _submit_and_read(box, page, question, set(question.right))
    assert "correct!" in shown, shown
    return [*moves, f"quiz {quiz_id} right: {shown[:60]}"]


def driver_for(cell) -> str | None:
    """Why a widget cell cannot be driven, or None when a driver knows it."""
    if cell.kind == "quiz" or (cell.kind == "explorer" and cell.name in KNOWN_EXPLORERS):
        return None
    if cell.kind == "explorer":
        return f"toolkit.widgets.{cell.name} has no driver in tests/browser/drivers.py"
    return cell.name
