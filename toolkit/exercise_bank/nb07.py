"""Exercises and the quiz of notebook 07 (deployment)."""

from functools import lru_cache

from toolkit.exercises import Exercise, register
from toolkit.quizzes import Quiz, register_quiz

#: The problems Exercise 7.1 asks about, and the ones that must refuse a request.
ASKED_PROBLEMS = ("missing column", "wrong dtype", "out of range", "unseen category", "extra column")
MUST_REFUSE = frozenset({"missing column", "wrong dtype"})
#: The team's promotion rule of notebook 07 (Exercise 7.3): the canary must have answered at
#: least this many rows, and its share of "churns" decisions may differ from production's by at
#: most this much (the retention team plans its calls on that share).
CANARY_MIN_ROWS = 150
CANARY_MAX_FLAG_GAP = 0.10
#: What notebook 07 sets: the canary's share of the rows and the seed of the draw.
CANARY_SHARE = 0.2
CANARY_SEED = 0
CANARY_DECISIONS = ("promote", "keep as canary", "roll back")
#: The degrees of automation of Exercise 7.4, from least to most.
DEGREES = ("human only", "shadow mode", "AI assistance", "partial automation", "full automation")
GOOD_DEGREES = ("AI assistance", "partial automation")


def _history_X():
    from toolkit.datasets import load
    from toolkit.deploy import CASE_STUDY_NOT_SERVED

    return load("history").drop(columns=list(CASE_STUDY_NOT_SERVED))


def _month(name: str):
    """One production month as the company had it at the start of the next (as notebook 07 loads it)."""
    import pandas as pd

    from toolkit.datasets import load

    month = pd.Timestamp(name)
    known = load("production", as_of=month + pd.DateOffset(months=1))
    return known[known["month"] == month].reset_index(drop=True)


@lru_cache(maxsize=1)
def january_out_of_range() -> tuple[int, int, str]:
    """(rows of January 2025, rows out of range, the column) under the 2024 schema."""
    from toolkit.deploy import InputSchema

    january = _month("2025-01-01")
    problems = InputSchema.from_frame(_history_X()).validate(january)
    outside = problems[problems["problem"] == "out of range"]
    return len(january), int(outside["rows"].sum()), ", ".join(outside["column"])


def _refuse_set(answer) -> str | None:
    if isinstance(answer, str) or not isinstance(answer, (set, frozenset, list, tuple)):
        return ("Answer with a set of problem names, e.g. {'missing column'}; got "
                f"{type(answer).__name__}.")
    chosen = {str(a).strip() for a in answer}
    unknown = sorted(chosen - set(ASKED_PROBLEMS))
    if unknown:
        return f"{unknown[0]!r} is not one of the problems asked about: {list(ASKED_PROBLEMS)!r}."
    if "out of range" in chosen:
        rows, outside, column = january_out_of_range()
        return (f"Refusing 'out of range' would have refused all of January 2025 ({rows:,} customers) "
                f"because {outside} of them had a value of {column} beyond anything seen in 2024. "
                "A value outside the training range can still be scored; flag it, and let the rest "
                "of the month through.")
    if "unseen category" in chosen:
        return ("An unseen category still gets an answer: the preprocessor treats it as a rare "
                "level ('infrequent'). Refusing it would turn away every customer of the request, "
                "not only those on the new plan. Warn, and watch how often it happens.")
    if "extra column" in chosen:
        return ("An extra column is ignored by the model. Refusing it would break every client "
                "that adds a field to its records, for no gain.")
    missing = sorted(MUST_REFUSE - chosen)
    if missing:
        why = {"missing column": "without the column the pipeline cannot compute its features at "
                                 "all (you saw the error it raises deep inside scikit-learn)",
               "wrong dtype": "a value that is not even of the right type (text where a number "
                              "belongs) means the sender's data is broken: any score would be "
                              "made up"}
        return f"{missing[0]!r} must refuse: {why[missing[0]]}."
    return None


register(Exercise(
    "7.1",
    "Which problems should refuse a request to the Nimbus service?",
    kind="custom",
    validate=_refuse_set,
    activity="decide",
    hints=("For each problem ask: can the model still compute an answer from this request?",
           "A refusal turns away the whole request, every customer in it. Look at January's "
           "validation above: what would refusing it for its problem have cost?",
           "Two problems leave the model without usable input; the other three leave it able "
           "to answer."),
    explanation="Refuse what the model cannot score (a needed column is absent, a value is not "
                "of its type); warn about what it can score but a person should look at (values "
                "beyond training, new categories, extra fields). The warnings travel with each "
                "row into the prediction log, where monitoring (notebook 08) counts them.",
))


def _untrusted_pair(answer) -> str | None:
    if isinstance(answer, str) or not isinstance(answer, (set, frozenset, list, tuple)):
        return f"Answer with a set of type names (str); got {type(answer).__name__}."
    chosen = {str(a).strip() for a in answer}
    if chosen == {"builtins.exec"}:
        return None
    from toolkit.features import TRUSTED_TYPES

    if chosen and chosen <= set(TRUSTED_TYPES):
        return ("Those are the types the saved model needs: the course's own transformers, "
                "recorded in manifest.json at save time. Which does the swapped file ask for "
                "instead?")
    if "exec" in chosen:
        return "Give the full name skops uses, with its module, as get_untrusted_types lists it."
    return ("Compare the two lists from sio.get_untrusted_types(file=...): one for "
            "saved / 'model.skops', one for swapped / 'model.skops'. Which names are only in "
            "the second?")


register(Exercise(
    "7.2",
    "Which types does the swapped file ask skops to trust that the saved model does not?",
    kind="custom",
    validate=_untrusted_pair,
    activity="do",
    hints=("sio.get_untrusted_types(file=path) reads the file without building anything.",
           "Make a set of each list and subtract: swapped minus saved."),
    explanation="The swapped file asks to trust Python's exec, a function that runs any code "
                "given to it as text. skops will not build it unless told to, and load_model "
                "trusts only the types listed in the toolkit's code (and those you pass as "
                "trusted=), never what a file or its manifest asks for: the file is refused "
                "before anything in it runs. A pickle would simply have called whatever it named.",
))


def challenger(selected=None):
    """Notebook 07's challenger: 05's pipeline refitted on 2024 with South's downgraders as churners."""
    from sklearn.base import clone

    from toolkit.datasets import load
    from toolkit.modeling import case_study_model

    selected = selected or case_study_model("history")
    history = load("history")
    truth = load("history_truth")
    relabel = ((history["region"] == "South") & (truth["outcome"] == "downgraded")).to_numpy()
    return clone(selected.pipeline).fit(history.drop(columns="churned"),
                                        history["churned"].mask(relabel, 1))


@lru_cache(maxsize=1)
def canary_table():
    """compare_roles of March 2025 with the challenger as canary, as notebook 07's service logs it.

    The service sends each row to the canary when its seeded draw falls under the canary share;
    March is the first request with a canary, so the draw is the first of ``default_rng(seed)``
    (``tests/test_bank_nb07.py`` checks this against a real service).
    """
    import numpy as np
    import pandas as pd

    from toolkit.deploy import InputSchema
    from toolkit.modeling import case_study_model
    from toolkit.service import compare_roles

    selected = case_study_model("history")
    march = _month("2025-03-01")
    schema = InputSchema.from_frame(_history_X())
    X, found = schema.inspect_frame(march)
    warned = np.zeros(len(X), dtype=bool)
    for _, _, _, rows, _ in found:
        warned |= rows
    canary = np.random.default_rng(CANARY_SEED).random(len(X)) < CANARY_SHARE
    score = np.where(canary, challenger(selected).predict_proba(X)[:, 1],
                     selected.pipeline.predict_proba(X)[:, 1])
    log = pd.DataFrame({"role": np.where(canary, "canary", "production"),
                        "model_version": np.where(canary, "v2", "v1"), "returned": True,
                        "score": score, "decision": (score >= selected.threshold).astype(int),
                        "problems": np.where(warned, "warned", "")})
    return compare_roles(log)


def _points(share: float) -> str:
    return f"{100 * share:.0f} points"


def canary_verdict(table) -> tuple[str, str]:
    """The team's rule applied to a compare_roles table: (decision, the reason in words)."""
    rows = table.set_index("role")
    production, canary = rows.loc["production"], rows.loc["canary"]
    gap = canary["churns_share"] - production["churns_share"]
    if canary["warned_share"] > production["warned_share"]:
        return "roll back", (f"{canary['warned_share']:.1%} of the canary's rows are warned, against "
                             f"{production['warned_share']:.1%} of production's")
    if abs(gap) > CANARY_MAX_FLAG_GAP:
        return "roll back", (f"the canary flags {canary['churns_share']:.1%} of its customers, "
                             f"production {production['churns_share']:.1%}: a gap of {gap:+.1%}, "
                             f"beyond the {_points(CANARY_MAX_FLAG_GAP)} the team plans for")
    if canary["rows"] < CANARY_MIN_ROWS:
        return "keep as canary", (f"the canary answered only {canary['rows']:.0f} customers, fewer "
                                  f"than the {CANARY_MIN_ROWS} agreed")
    return "promote", (f"the canary answered {canary['rows']:.0f} customers (at least "
                       f"{CANARY_MIN_ROWS}), {canary['warned_share']:.1%} of them warned (production "
                       f"{production['warned_share']:.1%}), and flags {canary['churns_share']:.1%} "
                       f"against production's {production['churns_share']:.1%}, within "
                       f"{_points(CANARY_MAX_FLAG_GAP)}")


def _canary_answer(answer) -> str | None:
    if not isinstance(answer, str):
        return f"Answer with one of {list(CANARY_DECISIONS)!r} (a str); got {type(answer).__name__}."
    chosen = answer.strip().lower()
    if chosen not in CANARY_DECISIONS:
        return f"Answer with one of {list(CANARY_DECISIONS)!r}; got {answer!r}."
    right, reason = canary_verdict(canary_table())
    if chosen == right:
        return None
    if right == "promote":
        if chosen == "keep as canary":
            return (f"Every condition of the rule is met: {reason}. The rule was written before "
                    "the canary ran so that the decision would not depend on mood; waiting longer "
                    "is caution the team did not ask for. Production labels will judge v2 later, "
                    "as they judge v1.")
        return f"Nothing in the table breaks the rule: {reason}. A rollback is for a canary that misbehaves."
    if right == "roll back":
        return (f"The rule says roll back: {reason}. Every month it stays, its share of the "
                "customers gets answers the team did not agree to.")
    if chosen == "promote":
        return f"Not yet: {reason}."
    return f"Nothing misbehaves, but {reason}: it needs more rows, not a rollback."


register(Exercise(
    "7.3",
    "From March's compare_roles table and the team's rule: promote, keep as canary or roll back?",
    kind="custom",
    validate=_canary_answer,
    activity="decide",
    hints=("Check the three conditions one by one against the `canary` and `production` rows.",
           "`rows` is how many customers each role answered; `warned_share` and `churns_share` "
           "are shares of those rows.",
           f"The flag gap is canary minus production `churns_share`; the rule allows "
           f"{_points(CANARY_MAX_FLAG_GAP)} either way."),
    explanation=lambda: ("The rule says " + canary_verdict(canary_table())[0] + ": "
                         + canary_verdict(canary_table())[1] + ". Note what the rule cannot say: "
                         "whether v2 is *right* more often. March's labels arrive in April; "
                         "notebook 08 joins them to the log."),
))


@lru_cache(maxsize=1)
def _card_figures() -> dict[str, float]:
    from toolkit.deploy import case_study_card

    card = case_study_card()
    return {"value": card.metrics["value_eur"], "rule": card.baselines["value_eur"],
            "precision": card.metrics["precision"], "fp": card.business_value["fp"]}


def _degree(answer) -> str | None:
    if not isinstance(answer, str):
        return f"Answer with one of {list(DEGREES)!r} (a str); got {type(answer).__name__}."
    names = {d.lower(): d for d in DEGREES}
    chosen = names.get(answer.strip().lower())
    if chosen is None:
        return f"Answer with one of {list(DEGREES)!r}; got {answer!r}."
    if chosen in GOOD_DEGREES:
        return None
    f = _card_figures()
    if chosen == "human only":
        return (f"On the test months the model's list was worth {f['value']:,.0f} EUR against "
                f"{f['rule']:,.0f} EUR for today's rule: leaving it out throws that away.")
    if chosen == "shadow mode":
        return (f"Shadow mode suits a model whose worth is unknown. This one was measured on "
                f"months it never saw ({f['value']:,.0f} EUR against {f['rule']:,.0f} EUR for "
                "today's rule), and the team already works from a list: let the model's list "
                "help them.")
    return (f"At the threshold about {1 - f['precision']:.0%} of the flagged customers would have "
            f"stayed anyway (each offer to one costs {-f['fp']:.0f} EUR), the card lists known "
            "blind spots (South's labels, price complaints), and a person makes the call anyway: "
            "nothing is gained by taking the team out of the loop.")


register(Exercise(
    "7.4",
    "Which degree of automation fits Nimbus's retention calls today?",
    kind="custom",
    validate=_degree,
    activity="decide",
    hints=("What does a wrong decision cost here: a call and an offer, or something that cannot "
           "be undone?",
           "Read the card's intended use and known limits again.",
           "The retention team phones customers: where does the model's list fit in their day?"),
    explanation="Both are defensible. AI assistance: the team works through the model's ranked "
                "list and decides whom to call, which suits a first deployment with known blind "
                "spots. Partial automation: confident cases get an offer automatically, the "
                "uncertain ones go to a person; it suits a cheap, reversible action once the "
                "monitoring of notebook 08 is in place.",
))


register_quiz(Quiz(
    "7.q1",
    "`v2` runs first in **shadow mode**, then as a **canary**. Which statement is true?",
    options={"a": "In shadow mode, a share of the customers gets v2's answers.",
             "b": "A canary's answers go back to real callers; a shadow's are only logged.",
             "c": "Shadow mode shows whether v2 is more accurate, since both models score the same "
                  "customers.",
             "d": "A canary is less risky than shadow mode, since it answers fewer customers."},
    correct="b",
    feedback={
        "a": "That is a canary. In shadow mode v2 scores every request, but nobody acts on its "
             "answers: the callers only ever see production's.",
        "b": "Right: the shadow is free of risk and tells you how v2 would change the list; the "
             "canary puts v2's answers in front of real people, for a share of them, so a mistake "
             "costs something, but only for that share, and one rollback ends it.",
        "c": "Scoring the same customers shows where the two *disagree* (shadow_agreement), not "
             "which one is right: that takes the labels, which arrive a month later (notebook 08).",
        "d": "A shadow's answers reach nobody, so it cannot hurt anyone; a canary's answers are "
             "acted on. A canary limits the damage to a share of customers; it does not remove it.",
    },
))
