"""Scoping: from a business problem to a machine-learning problem, before any model.

A project scope names the problem, who it is for, how success is measured (the business metric
and the ML metric), the baseline to beat, the data and its labels, whether ML is feasible at all,
the value, the milestones and the risks. :class:`ProjectScope` holds those answers and finds
the gaps; :func:`ml_fit_checklist` asks "is this a good candidate for ML?";
:func:`rule_predictions` scores today's rule of thumb like a model. What each decision is worth
in euros (:class:`CampaignEconomics`, :func:`business_value`) lives in :mod:`toolkit.economics`
and is re-exported here, because a scope holds its economics.

>>> from toolkit.scoping import ProjectScope
>>> scope = ProjectScope(problem="Customers leave and we notice too late.")
>>> "business_metric" in scope.gaps()["field"].tolist()
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from toolkit._validation import _short, check_dataframe, check_one_of
from toolkit.economics import (
    OUTCOMES,
    CampaignEconomics,
    business_value,
    outcome_values,
    value_by_threshold,
)

__all__ = ["CHECKLIST", "OUTCOMES", "CampaignEconomics", "ProjectScope", "business_value",
           "case_study_scope", "ml_fit_checklist", "outcome_values", "rule_predictions",
           "value_by_threshold"]

#: Below this share of positives (or above one minus it) accuracy hides a useless model.
SKEWED_TARGET = 0.3
_ACCURACY_WORDS = ("accuracy",)


# The fields that hold free text, lists of text, and yes/no/unknown answers
_TEXT_FIELDS = ("title", "problem", "business_metric", "ml_metric", "baseline", "labels", "prior_work",
                "value")
_LIST_FIELDS = ("users", "data_sources", "milestones", "risks")
_YES_NO_FIELDS = ("predictive_signal", "human_can_do")


def _check_field_types(scope: ProjectScope) -> None:
    """Raise ``TypeError`` for a field of the wrong type: gaps() and to_markdown() read them."""
    for name in _LIST_FIELDS:
        values = getattr(scope, name)
        if isinstance(values, str):
            raise TypeError(f"{name} must be a list of strings; got the string {values!r}. Wrap it in a "
                            "list: [...].")
        if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
            raise TypeError(f"{name} must be a list of strings; got {_short(values)}.")
    for name in _TEXT_FIELDS:
        text = getattr(scope, name)
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a string (empty if unknown); got {_short(text)}.")
    for name in _YES_NO_FIELDS:
        if not (getattr(scope, name) is None or isinstance(getattr(scope, name), (bool, np.bool_))):
            raise TypeError(f"{name} must be True, False or None (not known yet); got "
                            f"{_short(getattr(scope, name))}.")


@dataclass(frozen=True)
class ProjectScope:
    """A one-page project canvas: the answers scoping must give before modelling starts.

    Every field is optional so a scope can be filled in step by step; :meth:`gaps` says what
    is still missing or inconsistent, and why it matters.

    Parameters
    ----------
    title : str
        A short name for the project.
    problem : str
        The problem statement, in business terms.
    users : list of str
        Users and stakeholders: who acts on the predictions, who is affected.
    business_metric : str
        How the business measures success (e.g. "monthly revenue lost to churn").
    ml_metric : str
        How the model is measured (e.g. "recall of churners at 20 % precision").
    positive_rate : float, optional
        Share of positives in the target, if known: it decides whether accuracy can be trusted.
    baseline : str
        What the model must beat (a coin flip, always-majority, today's rule of thumb).
    data_sources : list of str
        Where the inputs come from.
    labels : str
        Who labels, and how (a guideline? several annotators?).
    predictive_signal : bool, optional
        Do the inputs plausibly carry signal about the outcome? ``None`` means "not known yet".
    human_can_do : bool, optional
        Can a person make the prediction from the same inputs (a source of HLP)?
    prior_work : str
        What was tried before, here or elsewhere.
    value : str
        What changes, and for whom, if the prediction is right.
    milestones : list of str
        The steps, from a baseline to a deployed model.
    risks : list of str
        Risks and ethics: who is harmed by a wrong prediction, privacy, fairness.
    rule : str
        Today's rule of thumb as a pandas expression over the input columns (e.g.
        ``"support_calls_90d >= 3"``), so it can be scored like a model: the "older system"
        baseline. See :func:`rule_predictions`.
    economics : CampaignEconomics, optional
        What acting on a prediction is worth, in euros; ``.outcome_values()`` turns it into the
        value of each outcome (true positive, false positive, ...).
    """

    title: str = ""
    problem: str = ""
    users: list[str] = field(default_factory=list)
    business_metric: str = ""
    ml_metric: str = ""
    positive_rate: float | None = None
    baseline: str = ""
    data_sources: list[str] = field(default_factory=list)
    labels: str = ""
    predictive_signal: bool | None = None
    human_can_do: bool | None = None
    prior_work: str = ""
    value: str = ""
    milestones: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    rule: str = ""
    economics: CampaignEconomics | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.rule, str):
            raise TypeError(f"rule must be a pandas expression string such as "
                            f"'support_calls_90d >= 3'; got {self.rule!r}.")
        if self.economics is not None and not isinstance(self.economics, CampaignEconomics):
            raise TypeError(f"economics must be a CampaignEconomics or None; "
                            f"got {type(self.economics).__name__}.")
        rate = self.positive_rate
        if rate is not None:
            if isinstance(rate, bool) or not isinstance(rate, (int, float)):
                raise TypeError(f"positive_rate must be a number between 0 and 1 or None; "
                                f"got {rate!r}.")
            if not 0 <= rate <= 1:
                raise ValueError(f"positive_rate must be between 0 and 1; got {rate!r}.")
        _check_field_types(self)

    def with_changes(self, **changes) -> ProjectScope:
        """Return a copy with some fields changed (the scope itself never changes).

        Examples
        --------
        >>> ProjectScope().with_changes(baseline="always 'stays'").baseline
        "always 'stays'"
        """
        known = [f.name for f in dataclasses.fields(self)]
        unknown = [k for k in changes if k not in known]
        if unknown:
            raise ValueError(f"with_changes got unknown field(s) {unknown!r}; "
                             f"the fields are {known!r}.")
        return dataclasses.replace(self, **changes)

    def gaps(self) -> pd.DataFrame:
        """Return what is missing or inconsistent, one row per gap, each with a reason.

        The rules live in ``_GAP_RULES`` (first to last); an empty frame means no gaps.

        Examples
        --------
        >>> scope = ProjectScope(ml_metric="accuracy", positive_rate=0.2)
        >>> scope.gaps().query("field == 'ml_metric'")["problem"].item()
        'accuracy on a skewed target'
        """
        rows = [{"field": name, "problem": problem, "why it matters": why(self)}
                for name, problem, is_gap, why in _GAP_RULES if is_gap(self)]
        return pd.DataFrame(rows, columns=["field", "problem", "why it matters"])

    def to_markdown(self) -> str:
        """Render the scope as a one-page canvas in Markdown (display it with ``Markdown``).

        Examples
        --------
        >>> print(ProjectScope(title="Churn").to_markdown().splitlines()[0])
        ## Project scope: Churn
        """
        def show(value) -> str:
            if value is None or value == "" or value == []:
                return "*— missing —*"
            if isinstance(value, bool):
                return "yes" if value else "no"
            if isinstance(value, list):
                return "<br>".join(f"{i}. {v}" for i, v in enumerate(value, 1))
            if isinstance(value, float):
                return f"{value:.0%}"
            if isinstance(value, CampaignEconomics):
                return value.describe()
            return str(value)

        lines = [f"## Project scope: {self.title or 'untitled'}", "",
                 "| | |", "|---|---|"]
        for name, label in _CANVAS:
            lines.append(f"| **{label}** | {show(getattr(self, name))} |")
        n_gaps = len(self.gaps())
        lines += ["", f"*{n_gaps} gap(s) left: see `.gaps()`.*" if n_gaps else "*No gaps left.*"]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


_CANVAS = [
    ("problem", "Problem"), ("users", "Users & stakeholders"),
    ("business_metric", "Business metric"), ("ml_metric", "ML metric"),
    ("positive_rate", "Share of positives"), ("baseline", "Baseline to beat"),
    ("data_sources", "Data sources"), ("labels", "Labels (who, how)"),
    ("predictive_signal", "Predictive signal?"), ("human_can_do", "Can a human do it?"),
    ("prior_work", "Prior work"), ("rule", "Rule of thumb (scoreable)"), ("value", "Value"),
    ("economics", "Economics (EUR)"), ("milestones", "Milestones"), ("risks", "Risks & ethics"),
]


def _missing(name: str) -> Callable[[ProjectScope], bool]:
    return lambda scope: getattr(scope, name) in (None, "", [])


def _skewed_accuracy(scope: ProjectScope) -> bool:
    rate = scope.positive_rate
    uses_accuracy = any(w in scope.ml_metric.lower() for w in _ACCURACY_WORDS)
    balanced = "balanced" in scope.ml_metric.lower()
    return (uses_accuracy and not balanced and rate is not None
            and min(rate, 1 - rate) < SKEWED_TARGET)


def _const(text: str) -> Callable[[ProjectScope], str]:
    return lambda scope: text


def _skew_reason(scope: ProjectScope) -> str:
    rate = scope.positive_rate or 0.0
    majority = max(rate, 1 - rate)
    return (f"with {rate:.0%} positives, always predicting the majority class scores "
            f"{majority:.0%} accuracy while finding no positives at all; name recall, "
            "precision, F1 or a cost per error instead")


# (field, problem, is it a gap?, why it matters) — checked in this order.
_GAP_RULES: list[tuple[str, str, Callable[[ProjectScope], bool], Callable[[ProjectScope], str]]] = [
    ("problem", "no problem statement", _missing("problem"),
     _const("without it nobody can tell whether the project solved anything")),
    ("users", "no users or stakeholders", _missing("users"),
     _const("a prediction nobody acts on has no value; name who uses it")),
    ("business_metric", "no business metric", _missing("business_metric"),
     _const("the model is judged by the business, not by its accuracy; say which number "
            "should move")),
    ("ml_metric", "no ML metric", _missing("ml_metric"),
     _const("without it you cannot compare models or know when to stop")),
    ("ml_metric", "accuracy on a skewed target", _skewed_accuracy, _skew_reason),
    ("baseline", "no baseline named", _missing("baseline"),
     _const("without a floor (coin flip, always-majority, today's rule) a score of 85 % "
            "means nothing")),
    ("data_sources", "no data sources", _missing("data_sources"),
     _const("no data, no model: say where each input comes from and who owns it")),
    ("labels", "no plan for labels", _missing("labels"),
     _const("supervised learning needs labels; who labels, with which guideline, decides "
            "their quality")),
    ("predictive_signal", "predictive signal unknown", lambda s: s.predictive_signal is None,
     _const("check that the inputs relate to the outcome before investing in a model")),
    ("predictive_signal", "no predictive signal", lambda s: s.predictive_signal is False,
     _const("if the inputs carry no signal about the outcome, no model can learn it")),
    ("human_can_do", "human-level performance unknown", lambda s: s.human_can_do is None,
     _const("whether a person (or today's rule) can do the task gives a level a model must "
            "reach to be worth its cost")),
    ("value", "no value stated", _missing("value"),
     _const("say what changes if the prediction is right, to weigh the project's cost")),
    ("milestones", "no milestones", _missing("milestones"),
     _const("milestones (baseline first) make progress visible and let you stop early")),
    ("risks", "no risks or ethics", _missing("risks"),
     _const("a wrong prediction harms someone; name who, and how you will notice")),
]


#: The questions of the ML-fit checklist: key -> (question, if yes, if no, blocking).
#: A "no" to a blocking question makes the problem a poor candidate for ML.
CHECKLIST: dict[str, tuple[str, str, str, bool]] = {
    "pattern": (
        "Is there a pattern to learn (does the outcome depend on things we can observe)?",
        "a model can learn it from examples",
        "nothing to learn: no model will beat a coin flip", True),
    "data": (
        "Do we have, or can we get, enough relevant examples with labels?",
        "we can train and evaluate a model",
        "collect and label data first; there is nothing to train on", True),
    "hard_to_code": (
        "Is the rule too complex or too changeable to write by hand?",
        "ML earns its cost over hand-written rules",
        "write the rules instead: simpler, cheaper, explainable", False),
    "human_can_do": (
        "Can a person do it from the same information?",
        "people's performance at the same task is a level to beat, and people can label "
        "examples",
        "expect a hard problem, with no clear ceiling and costly labels", False),
    "errors_ok": (
        "Can the business live with some wrong predictions?",
        "mistakes can be absorbed or caught by a person",
        "a model is always wrong sometimes: keep a person in the loop or don't use ML", True),
    "actionable": (
        "Will someone act on the prediction, and does acting change an outcome?",
        "a good prediction turns into value",
        "a prediction nobody acts on is worth nothing", True),
    "at_scale": (
        "Is the decision made often, at a scale people cannot handle by hand?",
        "automating it saves real effort",
        "a person deciding case by case may be enough", False),
}

_VERDICTS = {
    "poor": "poor candidate for ML",
    "unknown": "not known yet",
    "rules": "try simpler means first",
    "good": "good candidate for ML",
}


def ml_fit_checklist(**answers: bool | None) -> pd.DataFrame:
    """Is this problem a good candidate for machine learning? Answer the checklist's questions.

    Parameters
    ----------
    **answers : bool or None
        One keyword per question of :data:`CHECKLIST` (``pattern``, ``data``, ``hard_to_code``,
        ``human_can_do``, ``errors_ok``, ``actionable``, ``at_scale``): ``True`` for yes,
        ``False`` for no, ``None`` (or left out) for "don't know yet".

    Returns
    -------
    DataFrame
        One row per question (``key``, ``question``, ``answer``, ``consequence``), then a last
        row ``key="verdict"`` whose ``answer`` is the overall verdict and whose
        ``consequence`` explains it:

        - "poor candidate for ML": a "no" to a blocking question (pattern, data, errors_ok,
          actionable);
        - "not known yet": some answers are missing; find them out first;
        - "try simpler means first": rules or people can do the job;
        - "good candidate for ML": every question answered yes.

    Examples
    --------
    >>> table = ml_fit_checklist(pattern=True, data=True, hard_to_code=True, human_can_do=True,
    ...                          errors_ok=True, actionable=True, at_scale=True)
    >>> table.iloc[-1]["answer"]
    'good candidate for ML'
    >>> ml_fit_checklist(pattern=False).iloc[-1]["answer"]
    'poor candidate for ML'
    """
    unknown = [key for key in answers if key not in CHECKLIST]
    if unknown:
        raise ValueError(f"ml_fit_checklist got unknown question(s) {unknown!r}; "
                         f"the questions are {list(CHECKLIST)!r}.")
    for key, value in answers.items():
        if value is not None and not isinstance(value, bool):
            raise TypeError(f"{key} must be True, False or None; got {value!r}.")
    rows = []
    for key, (question, if_yes, if_no, _) in CHECKLIST.items():
        value = answers.get(key)
        answer = {True: "yes", False: "no", None: "unknown"}[value]
        consequence = {True: if_yes, False: if_no, None: "find out before building a model"}[value]
        rows.append({"key": key, "question": question, "answer": answer,
                     "consequence": consequence})
    rows.append({"key": "verdict", "question": "Overall: is this a good candidate for ML?",
                 **_verdict(answers)})
    return pd.DataFrame(rows)


def _verdict(answers: dict[str, bool | None]) -> dict[str, str]:
    blocking_no = [k for k, (*_, blocking) in CHECKLIST.items() if blocking and answers.get(k) is False]
    open_ = [k for k in CHECKLIST if answers.get(k) is None]
    soft_no = [k for k in CHECKLIST if answers.get(k) is False and k not in blocking_no]
    if blocking_no:
        kind, why = "poor", f"a blocking 'no' to {', '.join(blocking_no)}"
    elif open_:
        kind, why = "unknown", f"answer {', '.join(open_)} first"
    elif soft_no:
        kind, why = "rules", f"'no' to {', '.join(soft_no)}: rules or people may do as well"
    else:
        kind, why = "good", "every question answered yes: scope it, then beat a baseline"
    check_one_of(kind, "verdict", _VERDICTS)
    return {"answer": _VERDICTS[kind], "consequence": why}


def rule_predictions(X: pd.DataFrame, rule: str) -> np.ndarray:
    """Score a rule of thumb like a model: 1 where the pandas expression holds, else 0.

    Parameters
    ----------
    X : DataFrame
        The input columns the rule reads.
    rule : str
        A pandas expression over ``X``'s columns, e.g. ``"support_calls_90d >= 3"``.

    Returns
    -------
    ndarray of int
        One 0/1 decision per row.

    Examples
    --------
    >>> rule_predictions(pd.DataFrame({"calls": [0, 3, 5]}), "calls >= 3")
    array([0, 1, 1])
    """
    X = check_dataframe(X, "X")
    if not isinstance(rule, str) or not rule.strip():
        raise TypeError(f"rule must be a non-empty pandas expression string such as "
                        f"'support_calls_90d >= 3'; got {rule!r}.")
    try:
        result = X.eval(rule)
    except Exception as error:  # pandas raises many kinds; name the argument instead
        raise ValueError(f"rule {rule!r} cannot be evaluated on X: {error}. Use column names "
                         f"from {list(X.columns)!r}.") from error
    if not isinstance(result, pd.Series) or not pd.api.types.is_bool_dtype(result):
        raise ValueError(f"rule must be a True/False condition per row, such as "
                         f"'support_calls_90d >= 3'; got {rule!r}.")
    return result.fillna(False).to_numpy(dtype=int)


def case_study_scope() -> ProjectScope:
    """The Nimbus Mobile churn scope as notebook 01 finishes it, for later notebooks.

    It equals the ``scope`` notebook 01 builds (a test checks it), so notebooks 02-09 can use
    its rule of thumb and its economics without re-running 01.

    Examples
    --------
    >>> scope = case_study_scope()
    >>> scope.rule, scope.economics.outcome_values()["tp"]
    ('support_calls_90d >= 3', 60.0)
    >>> scope.gaps().empty
    True
    """
    return ProjectScope(
        title="Nimbus Mobile churn",
        problem="Customers leave without warning; we learn it when they cancel.",
        users=["retention team (calls and offers)", "customers who receive offers"],
        business_metric="monthly revenue kept by retention offers, net of their cost",
        ml_metric="recall and precision of churners, at the threshold worth the most in euros",
        positive_rate=0.196,
        baseline="always 'stays', a coin flip, and today's rule (3+ support calls)",
        data_sources=["monthly CRM snapshots (history, 2024)", "support-call log",
                      "complaint log"],
        labels="account status one month after the snapshot; guideline: a move to the free "
               "tier counts as churn",
        predictive_signal=True, human_can_do=True,
        prior_work="a rule of thumb: call anyone with 3+ support calls",
        value="each customer kept is about 30 EUR a month of revenue",
        milestones=["baselines (notebook 02)", "features and clean labels (03-04)",
                    "a first model with error analysis (05-06)", "deploy and monitor (07-09)"],
        risks=["offers only reach some groups of customers", "personal data in the CRM"],
        rule="support_calls_90d >= 3",
        economics=CampaignEconomics(customer_value=300, offer_cost=30, save_rate=0.3),
    )
