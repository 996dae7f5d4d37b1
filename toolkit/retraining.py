"""Retraining (notebook 09): policies, their gates, and a backtest over the production year.

What notebook 09 calls lives in three files, so that each stays short enough to read:

- :mod:`toolkit.policies`: :class:`Policy` (when to retrain, on which window, behind which
  gates), :func:`training_window` (never a label before it arrives), :func:`data_gate` and
  :func:`champion_challenger`;
- :mod:`toolkit.backtest`: :func:`backtest`, which replays production month by month for any
  scikit-learn classifier and threshold;
- :mod:`toolkit.backtest_result`: what it returns (:class:`BacktestResult`: the table, the
  models, the gates' decisions) and :func:`plot_backtest`;
- here: the case study, notebook 05's model refitted under seven policies
  (:func:`case_study_backtest`).

>>> from toolkit.modeling import CASE_STUDY_DECISION
>>> Policy("static").describe()
'static: never retrain; the first model stays in service'
>>> case_study_model()[-1].C == CASE_STUDY_DECISION["C"]
True
"""

from __future__ import annotations

from functools import lru_cache

from toolkit.backtest import backtest
from toolkit.backtest_result import BacktestResult, plot_backtest, predict_scores
from toolkit.policies import (
    HISTORY_LABELS_FROM,
    TRIGGERS,
    WINDOWS,
    Policy,
    champion_challenger,
    data_gate,
    labelled_pool,
    training_window,
)

__all__ = ["CASE_STUDY_RETRAIN_COST", "HISTORY_LABELS_FROM", "TRIGGERS", "WINDOWS",
           "BacktestResult", "Policy", "backtest", "case_study_backtest", "case_study_features",
           "case_study_model", "case_study_policies", "champion_challenger", "data_gate",
           "labelled_pool", "plot_backtest", "predict_scores", "training_window"]

#: Euros one retrain costs Nimbus in notebook 09: a day of an analyst's time to check the new
#: model and sign it off. An assumption of the course, set by the caller of :func:`backtest`.
CASE_STUDY_RETRAIN_COST = 500.0


def case_study_model():
    """Notebook 05's unfitted pipeline, with 05's ``C``, for the columns a request carries.

    05's preprocessor lists the leak (``exit_survey_score``) among the columns it drops; a
    production request never carries it (:func:`case_study_features`), so that entry goes.
    Nothing else changes: the course's :class:`toolkit.estimators.LogisticRegression` already
    converges far below any printed digit, so every refit of the backtest is the same model on
    every CPU.

    Examples
    --------
    >>> model = case_study_model()
    >>> model[-1].solver, model[-1].tol
    ('newton-cholesky', 1e-08)
    """
    from toolkit.datasets import load
    from toolkit.modeling import CASE_STUDY_DECISION, CASE_STUDY_DROP, case_study_pipeline

    pipeline = case_study_pipeline(load("history").drop(columns="churned"),
                                   CASE_STUDY_DECISION["C"])
    served = [(name, step, columns) for name, step, columns in pipeline[0].transformers
              if set(columns) - set(CASE_STUDY_DROP)]
    return pipeline.set_params(columntransformer__transformers=served)


def case_study_features() -> list[str]:
    """The columns a production request carries: history's, minus the label and 03's leak.

    >>> "exit_survey_score" in case_study_features()
    False
    """
    from toolkit.datasets import load
    from toolkit.deploy import CASE_STUDY_NOT_SERVED

    return [c for c in load("history").columns if c not in CASE_STUDY_NOT_SERVED]


def case_study_policies() -> list[Policy]:
    """The seven policies notebook 09 backtests over the production year.

    Examples
    --------
    >>> [p.name for p in case_study_policies()][:3]
    ['static', 'every 3 months', 'every 3 months, gated']
    """
    return [
        Policy("static"),
        Policy("every 3 months", trigger="schedule", every=3, window="sliding", months=6,
               challenge=False),
        Policy("every 3 months, gated", trigger="schedule", every=3, window="sliding", months=6),
        Policy("drift, no gate", trigger="drift", window="sliding", months=3,
               validate_data=False, challenge=False),
        Policy("drift, data gate", trigger="drift", window="sliding", months=3, challenge=False),
        Policy("labels disagree", trigger="realised_drop", metric="positive_rate",
               window="weighted", months=3, challenge=False),
        Policy("CBPE change", trigger="estimated_change", metric="recall", change=0.1,
               challenge=False),
    ]


@lru_cache(maxsize=1)
def case_study_backtest() -> BacktestResult:
    """:func:`backtest` of :func:`case_study_policies` on the case study (computed once).

    Notebook 05's pipeline (:func:`case_study_model`) and threshold, the columns a request
    carries (:func:`case_study_features`), the scope's business value
    (:func:`toolkit.scoping.case_study_scope`) and :data:`CASE_STUDY_RETRAIN_COST`. Notebook
    09 and its exercises share this one run; treat the result as read-only.
    """
    from toolkit.datasets import load
    from toolkit.modeling import CASE_STUDY_DECISION
    from toolkit.scoping import case_study_scope

    return backtest(case_study_policies(), load("history"), load("production"),
                    load("production_labels"), model=case_study_model(),
                    threshold=CASE_STUDY_DECISION["threshold"],
                    features=case_study_features(),
                    value=case_study_scope().economics.outcome_values(),
                    retrain_cost=CASE_STUDY_RETRAIN_COST)
