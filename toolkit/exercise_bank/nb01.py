"""Exercises of notebook 01 (scoping)."""

from toolkit.exercises import Exercise, register
from toolkit.quizzes import Quiz, register_quiz
from toolkit.scoping import CHECKLIST, CampaignEconomics, ProjectScope, case_study_scope

register(Exercise(
    "1.1",
    "Which of these is the business metric of the churn project?",
    expected="b",
    kind="choice",
    options=("a", "b", "c", "d"),
    mistakes={
        "a": "Recall of churners measures the *model*: it is an ML metric. The business cares "
             "about what the retention team achieves with it.",
        "c": "ROC AUC ranks customers by risk: a model property, not money kept. Useful to "
             "compare models, invisible to the business.",
        "d": "The number of offers sent is an activity, not an outcome: sending more offers "
             "costs more without saying whether anyone stayed.",
    },
    hints=("Ask: which of these would the head of the retention team report to the board?",
           "Business metrics are in euros, customers or hours; ML metrics score predictions."),
    explanation="Revenue kept is what the business feels; recall or AUC are how we steer the "
                "model towards it.",
))

register(Exercise(
    "1.2",
    "20 % of customers churn. What accuracy does a model that always predicts 'stays' reach?",
    expected=0.8,
    tolerance=0.005,
    mistakes={
        0.5: "0.5 is a fair coin's accuracy. Always-'stays' is no coin: it is right on every "
             "customer who stays, and 80 % of them do.",
        0.2: "0.2 is the share of churners: the customers always-'stays' gets *wrong*. Its "
             "accuracy is the share it gets right.",
        0.0: "It finds none of the churners (recall 0), but accuracy also counts the customers "
             "who stay, and it gets all of those right.",
    },
    hints=("Accuracy = correct predictions / all predictions.",
           "Which customers does 'stays' get right? How many of them are there?"),
    explanation="80 % accuracy while catching no churner at all: this is why `gaps()` refuses "
                "accuracy as the ML metric on this target.",
))


register(Exercise(
    "1.3",
    "Predicting next week's lottery numbers: which checklist question fails first?",
    expected="pattern",
    kind="choice",
    options=tuple(CHECKLIST),
    activity="decide",
    mistakes={
        "data": "There are decades of past draws: data is plentiful. It just holds nothing "
                "to learn.",
        "human_can_do": "Nobody can do it, true, but that alone is not blocking (people cannot "
                        "read X-rays at scale either). The real reason is deeper.",
        "hard_to_code": "No rule can be written, but a model cannot find one either: why not?",
        "actionable": "Acting on a right prediction would be very valuable indeed!",
        "errors_ok": "Being wrong costs only a ticket; errors are not the problem here.",
        "at_scale": "Scale is not the issue: one draw a week is enough to try.",
    },
    hints=("A fair draw is random on purpose.",
           "Does the outcome depend on anything we can observe beforehand?"),
    explanation="The draw is random by design: there is no pattern, so no model can beat "
                "chance, however much data it gets.",
))


def _fixed_scope(answer) -> str | None:
    if not isinstance(answer, ProjectScope):
        return (f"The answer should be a ProjectScope (e.g. `draft.with_changes(...)`); got "
                f"{type(answer).__name__}.")
    gaps = answer.gaps()
    if "accuracy on a skewed target" in gaps["problem"].tolist():
        return ("The ML metric is still plain accuracy on a 20 % target: always-'stays' would "
                "score 80 % with it. Name a metric that looks at the churners, such as recall "
                "at a given precision.")
    if not gaps.empty:
        return f"Still {len(gaps)} gap(s): {', '.join(gaps['problem'])}. Look at `.gaps()`."
    return None


register(Exercise(
    "1.4",
    "Fix the draft scope so that `.gaps()` is empty.",
    kind="custom",
    validate=_fixed_scope,
    activity="do",
    hints=("Run `draft.gaps()`: each row names a field and says why it matters.",
           "`draft.with_changes(baseline=..., labels=..., ml_metric=...)` returns a fixed copy.",
           "A baseline can be as simple as \"always predict 'stays' (80 % accuracy)\"."),
    explanation="A scope without gaps names its floor, its labels and a metric that cannot be "
                "gamed by predicting the majority.",
))


#: The finance team's view in Exercise 1.5: a kept customer stays 5 more months, not 10.
FINANCE_MONTHS = 5
MONTHLY_BILL = 30


def _finance() -> CampaignEconomics:
    team = case_study_scope().economics
    return CampaignEconomics(customer_value=FINANCE_MONTHS * MONTHLY_BILL,
                             offer_cost=team.offer_cost, save_rate=team.save_rate)


def _break_even_mistakes() -> dict[float, str]:
    team, finance = case_study_scope().economics, _finance()
    return {
        team.break_even_precision: "That is the break-even precision of the team's numbers "
                                   "(10 months). With 5 months a kept customer is worth half "
                                   "as much, so more of the flagged customers must churn.",
        finance.offer_cost / finance.customer_value: "That divides the offer by a customer's "
            "value, as if every churner who gets an offer stayed. Only `save_rate` of them do.",
        finance.save_rate: "That is the share of churners an offer keeps, not the precision "
                           "at which offers pay.",
    }


register(Exercise(
    "1.5",
    "Break-even precision when a kept customer stays 5 more months (a fraction)?",
    expected=lambda: _finance().break_even_precision,
    tolerance=0.005,
    activity="do",
    mistakes=_break_even_mistakes,
    hints=("`scoping.CampaignEconomics(customer_value=..., offer_cost=..., save_rate=...)`: "
           "only the customer's value changes.",
           "The object has a `break_even_precision` attribute; or work it out: an offer to a "
           "churner wins save_rate x value, an offer to anyone costs the offer.",
           "At what share p of churners among the flagged does p x save_rate x value equal "
           "the offer's cost?"),
    explanation=f"{_finance().break_even_precision:.0%} of the flagged customers must churn "
                "before the offers pay: a rule or a model at 50 % precision would lose money "
                "under the finance team's numbers.",
))


#: Quiz 1.q1's premise: the share of churners, and the accuracy a vendor reports.
QUIZ_CHURN_SHARE = 0.20
QUIZ_VENDOR_ACCURACY = 0.82


def _pct(share: float) -> str:
    return f"{100 * share:.0f} %"


_FLOOR = 1 - QUIZ_CHURN_SHARE  # what always answering "stays" scores

register_quiz(Quiz(
    "1.q1",
    f"A vendor's churn model scores {_pct(QUIZ_VENDOR_ACCURACY)} accuracy on customers of whom "
    f"{_pct(QUIZ_CHURN_SHARE)} churn. What can you conclude?",
    options={"a": "It is a good model: it is right about more than four customers in five.",
             "b": "Nothing yet: ask how many churners it finds and what its offers are worth.",
             "c": f"It is a poor model: {_pct(1 - QUIZ_VENDOR_ACCURACY)} of its answers are wrong.",
             "d": "It is far better than chance, since a coin flip scores 50 %."},
    correct="b",
    feedback={
        "a": f"Always answering *stays* is right about {_pct(_FLOOR)} of the customers and finds "
             f"no churner. {_pct(QUIZ_VENDOR_ACCURACY)} is only "
             f"{100 * (QUIZ_VENDOR_ACCURACY - _FLOOR):.0f} points above that floor, and could "
             "come from a model that finds almost nobody.",
        "b": f"Right: with {_pct(QUIZ_CHURN_SHARE)} churners, always *stays* already scores "
             f"{_pct(_FLOOR)}. Accuracy cannot tell a useful model from a lazy one here; recall, "
             "precision and the value of the offers can.",
        "c": f"Whether {_pct(1 - QUIZ_VENDOR_ACCURACY)} of errors is a lot depends on what the "
             "errors cost and on what the floor scores. Compare with the baselines before "
             "judging.",
        "d": f"A coin is a floor, but not the highest one: always *stays* ignores the customer "
             f"too and scores {_pct(_FLOOR)}. A model must beat the highest floor.",
    },
))
