"""Deployment: a model leaves the notebook saved safely, described, guarded and registered.

Four pieces, in the order a model meets them on its way to production:

- :class:`InputSchema` records what the training data looked like (columns, dtypes, ranges,
  categories, missing values) and checks every request against it, so bad input is refused or
  flagged with a tidy table of problems instead of crashing deep inside the pipeline.
- :class:`ModelCard` describes the model for the people who use it: training window, features,
  metrics against the baselines, business value, threshold, intended use and known limits.
- :func:`save_model` / :func:`load_model` write and read a model directory with skops (never
  pickle: loading a pickle runs whatever code the file asks for). Every file is hashed when
  saved, and a changed file is refused before anything in it is read; skops may build only the
  types listed in code (:func:`allowed_types`) and those the caller vouches for, never the
  types a file asks for.
- :class:`Registry` keeps numbered versions (``v1``, ``v2``, ...) on disk with a SQLite index
  and moves them through the stages ``registered -> shadow -> canary -> production -> archived``.
  It lives in :mod:`toolkit.registry`.

The service that answers requests with the production model is in :mod:`toolkit.service`.

>>> import pandas as pd
>>> schema = InputSchema.from_frame(pd.DataFrame({"charges": [10.0, 50.0], "plan": ["a", "b"]}))
>>> schema.validate(pd.DataFrame({"charges": [5000.0], "plan": ["a"]}))[["column", "problem", "action"]]
    column       problem action
0  charges  out of range   warn
"""

from __future__ import annotations

import hashlib
import platform
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from toolkit._shared import REPO_ROOT
from toolkit._validation import _short
from toolkit.artifacts import (
    SKLEARN_TREE_TYPES,
    ModelBundle,
    ModelCard,
    allowed_types,
    load_model,
    save_model,
    verify_model,
)
from toolkit.registry import DEFAULT_REGISTRY, LOCK_TIMEOUT_S, STAGES, TRANSITIONS, Registry
from toolkit.schema import (
    DEFAULT_ACTIONS,
    MAX_CHECKED_CATEGORIES,
    MIN_ROWS_FOR_SHARE,
    MISSING_SPIKE,
    PROBLEM_KINDS,
    RANGE_TOLERANCE,
    InputSchema,
)

__all__ = [
    "CASE_STUDY_CACHE",
    "CASE_STUDY_INTENDED_USE",
    "CASE_STUDY_LIMITS",
    "CASE_STUDY_NOT_SERVED",
    "DEFAULT_ACTIONS",
    "DEFAULT_REGISTRY",
    "LOCK_TIMEOUT_S",
    "MAX_CHECKED_CATEGORIES",
    "MIN_ROWS_FOR_SHARE",
    "MISSING_SPIKE",
    "PROBLEM_KINDS",
    "RANGE_TOLERANCE",
    "SKLEARN_TREE_TYPES",
    "STAGES",
    "TRANSITIONS",
    "InputSchema",
    "ModelBundle",
    "ModelCard",
    "Registry",
    "allowed_types",
    "case_study_cache_key",
    "case_study_card",
    "case_study_registry",
    "load_model",
    "save_model",
    "verify_model",
]


# --- the case study as notebook 07 deploys it --------------------------------------------------
#: What notebook 07's card says the Nimbus model is for (:func:`case_study_registry` uses it too).
CASE_STUDY_INTENDED_USE = (
    "Each month, rank Nimbus Mobile's current customers by their chance of churning in the next "
    "month, so that the retention team calls those at or above the threshold with an offer. "
    "A person makes every call; the score is a reason to call, never a verdict on a customer.")
#: The known limits notebook 07's card lists: what 04-06 found the model gets wrong.
CASE_STUDY_LIMITS = [
    "Trained on 2024 labels as recorded: South's team recorded moves to the free tier as "
    "'stayed' (notebooks 04 and 06), so South's churners are under-found.",
    "Of the price words, only 'roaming' is in its bag of words: most price complaints are "
    "invisible to it (notebook 06).",
    "A category it never saw in training (a new plan, a new payment method) is scored as "
    "'infrequent': answers for those customers are guesses until the model is retrained.",
    "Fitted on 2024 only: nothing guarantees that later months look like 2024, so its inputs and "
    "answers must be watched (notebook 08).",
]
#: The columns of the history that a request cannot carry: the label, and a leak (notebook 03).
CASE_STUDY_NOT_SERVED = ("churned", "exit_survey_score")
#: Where :func:`case_study_registry` keeps the saved case-study model between processes.
CASE_STUDY_CACHE = REPO_ROOT / "artifacts" / "cache" / "case_study_model"


def case_study_card(selected: Any = None) -> ModelCard:
    """The model card of the Nimbus churn model, as notebook 07 writes it.

    Metrics are notebook 05's, measured once on the test months (October-December 2024) by the
    model trained on January-September at 05's threshold, beside today's rule (the scope's
    rule of thumb) on the same rows. Business value is the scope's mapping
    (:func:`toolkit.scoping.case_study_scope`).

    Parameters
    ----------
    selected : toolkit.modeling.SelectedModel, optional
        The deployed model (``case_study_model("history")``); built when not given.

    Returns
    -------
    ModelCard
        With ``average_precision``, ``roc_auc``, ``precision``, ``recall`` and ``value_eur``.

    Examples
    --------
    >>> from toolkit.modeling import CASE_STUDY_DECISION
    >>> card = case_study_card()
    >>> card.threshold == CASE_STUDY_DECISION["threshold"], list(card.metrics)[:2], card.business_value["fp"]
    (True, ['average_precision', 'roc_auc'], -30.0)
    """
    from sklearn.metrics import average_precision_score, precision_score, recall_score, roc_auc_score

    from toolkit.datasets import load
    from toolkit.modeling import SelectedModel, case_study_model
    from toolkit.scoping import business_value, case_study_scope, rule_predictions

    if selected is None:
        selected = case_study_model("history")
    if not isinstance(selected, SelectedModel):
        raise TypeError(f"selected must be a toolkit.modeling.SelectedModel (case_study_model(...)); "
                        f"got {type(selected).__name__}.")
    scope = case_study_scope()
    money = scope.economics.outcome_values()
    history = load("history")
    test = history[history["month"] >= "2024-10-01"]
    X_test, y_test = test.drop(columns=list(CASE_STUDY_NOT_SERVED)), test["churned"]
    proba = case_study_model("train").pipeline.predict_proba(X_test)[:, 1]
    scored = {"model": (proba, (proba >= selected.threshold).astype(int)),
              "rule": (rule_predictions(X_test, scope.rule),) * 2}
    metrics = {}
    for name, (score, decision) in scored.items():
        metrics[name] = {"average_precision": average_precision_score(y_test, score),
                         "roc_auc": roc_auc_score(y_test, score),
                         "precision": precision_score(y_test, decision, zero_division=0),
                         "recall": recall_score(y_test, decision),
                         "value_eur": business_value(y_test, decision, money)}
    rows = len(history)
    return ModelCard(
        "Nimbus churn model", trained_on=f"2024-01 to {selected.trained_until} ({rows:,} rows)",
        features=[c for c in history.columns if c not in CASE_STUDY_NOT_SERVED],
        metrics={k: round(float(v), 4) for k, v in metrics["model"].items()},
        baselines={k: round(float(v), 4) for k, v in metrics["rule"].items()},
        business_value=money, threshold=selected.threshold,
        intended_use=CASE_STUDY_INTENDED_USE, limits=list(CASE_STUDY_LIMITS))


def case_study_registry(directory: str | Path, *, reuse: bool = True) -> Registry:
    """A new registry in ``directory`` whose ``v1`` is the case-study model, in production.

    ``v1`` is ``modeling.case_study_model("history")``'s pipeline (notebook 05's model refitted
    on all of 2024), with :func:`case_study_card` and an :class:`InputSchema` recorded from the
    2024 features a request can carry (no ``churned``, no ``exit_survey_score``). This is the
    registry notebook 07 builds step by step; notebooks 08 and 09 start from it.

    Fitting it and measuring its card takes seconds, so the saved model is kept and copied:
    once per process, and on disk under :data:`CASE_STUDY_CACHE` (git-ignored) in a folder
    named by :func:`case_study_cache_key` (the data files' hashes, the toolkit's source and the
    library versions: anything that could change the model). The copy is verified by its
    hashes like any model before it is registered; a damaged one is rebuilt.

    Parameters
    ----------
    directory : str or Path
        Where to create the registry. It must not hold one already.
    reuse : bool, default=True
        Copy the saved model (above) instead of fitting it again; ``False`` always refits.

    Returns
    -------
    Registry

    Examples
    --------
    >>> import tempfile
    >>> registry = case_study_registry(tempfile.mkdtemp())
    >>> registry.stages(), registry.list_versions()["metric"].tolist()
    ({'production': 'v1'}, ['average_precision'])
    """
    if not isinstance(directory, (str, Path)):
        raise TypeError(f"directory must be a path; got {_short(directory)}.")
    if not isinstance(reuse, bool):
        raise TypeError(f"reuse must be True or False; got {_short(reuse)}.")
    if (Path(directory) / "registry.sqlite").exists():
        raise FileExistsError(f"directory {str(directory)!r} already holds a registry; open it with "
                              "Registry(directory), or pass an empty directory.")
    registry = Registry(directory, create=True)
    if reuse:
        version = registry.register_saved(_case_study_saved())
    else:
        selected, X = _case_study_fit()
        version = registry.register(selected.pipeline, card=case_study_card(selected),
                                    schema=InputSchema.from_frame(X))
    registry.promote(version, "production")
    return registry


def _case_study_fit():
    from toolkit.datasets import load
    from toolkit.modeling import case_study_model

    return case_study_model("history"), load("history").drop(columns=list(CASE_STUDY_NOT_SERVED))


def case_study_cache_key() -> str:
    """What the saved case-study model depends on, as one short hash (its cache folder's name).

    The SHA-256 of every shipped data file and of every source file of the toolkit, with the
    versions of Python and of the libraries that fit and save it.

    Examples
    --------
    >>> len(case_study_cache_key())
    16
    """
    from importlib.metadata import PackageNotFoundError, version

    from toolkit.datasets import DATA_DIR

    digest = hashlib.sha256()
    package = Path(__file__).parent
    files = [(p.name, p) for p in sorted(DATA_DIR.glob("*.csv"))]
    files += [(p.relative_to(package).as_posix(), p) for p in sorted(package.rglob("*.py"))]
    for name, path in files:
        digest.update(f"{name}:{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    for dist in ("numpy", "scipy", "pandas", "scikit-learn", "skops", "ml-lifecycle-toolkit"):
        try:
            digest.update(f"{dist}=={version(dist)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{dist} missing\n".encode())
    digest.update(f"python {platform.python_version()}".encode())
    return digest.hexdigest()[:16]


#: Per process: cache key -> a verified folder holding the saved case-study model.
_SAVED: dict[str, Path] = {}


def _case_study_saved() -> Path:
    """A folder holding the saved case-study model: reused if intact, else fitted and saved."""
    key = case_study_cache_key()
    if key in _SAVED and _SAVED[key].is_dir():
        return _SAVED[key]
    folder = CASE_STUDY_CACHE / key
    try:
        verify_model(folder)
    except (OSError, ValueError):  # absent, or damaged: build it (again)
        folder = _save_case_study(folder)
    _SAVED[key] = folder
    return folder


def _save_case_study(folder: Path) -> Path:
    """Fit, measure and save the case-study model into ``folder`` (or a temporary one)."""
    selected, X = _case_study_fit()
    card, schema = case_study_card(selected), InputSchema.from_frame(X)
    try:
        staged = save_model(selected.pipeline, folder.parent / f".{folder.name}-{uuid.uuid4().hex[:8]}",
                            card=card, schema=schema)
        shutil.rmtree(folder, ignore_errors=True)  # a damaged copy, if any
        try:
            staged.rename(folder)
        except OSError:  # another process got there first: its copy is as good as ours
            shutil.rmtree(staged, ignore_errors=True)
        return folder
    except OSError:  # artifacts/ is not writable (a read-only checkout): this process only
        return save_model(selected.pipeline, Path(tempfile.mkdtemp()) / "model", card=card, schema=schema)
