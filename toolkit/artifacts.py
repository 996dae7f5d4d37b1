"""Model artifacts: a fitted pipeline saved with skops, with its card and its schema.

- :class:`ModelCard` describes the model for the people who use it: training window, features,
  metrics against the baselines, business value, threshold, intended use and known limits.
- :func:`save_model` / :func:`load_model` write and read a model directory with skops (never
  pickle: loading a pickle runs whatever code the file asks for).

:mod:`toolkit.deploy` re-exports everything here.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from toolkit._validation import _short, check_probability
from toolkit.schema import InputSchema

__all__ = ["SKLEARN_TREE_TYPES", "ModelBundle", "ModelCard", "load_model", "save_model", "write_card"]

#: scikit-learn's own tree structures, which skops (0.16) reports as untrusted: a tree's arrays
#: are handed to compiled code, so skops wants someone to vouch for the file. save_model trusts
#: them for a model *you* just trained; load_model then trusts them only in a file whose bytes
#: are unchanged since (SHA-256). Gradient boosting and random forests need them.
SKLEARN_TREE_TYPES = ["sklearn.tree._tree.Tree",
                      "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
                      "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper"]
#: Older skops (0.11, the floor, with scikit-learn 1.6) also reports scikit-learn's loss objects
#: (``sklearn._loss.*``, inside gradient boosting) and the list a ColumnTransformer keeps of its
#: remainder columns: plain data holders, treated like the trees.
_SKLEARN_INTERNALS = ("sklearn._loss.", "sklearn.compose._column_transformer._RemainderColsList")


# --- model card --------------------------------------------------------------------------------
def _library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for dist in ("scikit-learn", "pandas", "numpy", "scipy", "skops", "ml-lifecycle-toolkit"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


@dataclass
class ModelCard:
    """A short, honest description of a model for the people who rely on it.

    Metrics, baselines and business value are computed by the caller (notebook 05 decides the
    model) and passed in; library versions are recorded automatically.

    Parameters
    ----------
    name : str
        What the model does, e.g. ``"Nimbus churn model"``.
    trained_on : str
        The training window, e.g. ``"2024-01 to 2024-12 (5,000 rows)"``.
    features : list of str
        The input columns the model needs.
    metrics : dict of str to float
        The model's held-out scores, e.g. ``{"roc_auc": 0.84}``.
    baselines : dict of str to float
        The same metrics for the baseline it must beat (notebook 02).
    business_value : dict of str to float, optional
        Euros per outcome relative to doing nothing: keys ``"tp"``, ``"fp"``, ``"fn"``, ``"tn"``.
    threshold : float, default=0.5
        Scores at or above it are decided "churns".
    intended_use, limits : str, list of str
        What it is for, and what it is known to get wrong.
    version : str, optional
        Filled in by :meth:`Registry.register`.

    Examples
    --------
    >>> card = ModelCard("Churn", trained_on="2024", features=["age"], metrics={"roc_auc": 0.8},
    ...                  baselines={"roc_auc": 0.5}, library_versions={"python": "3.11"})
    >>> print(card.to_markdown().splitlines()[0])
    # Model card: Churn
    """

    name: str
    trained_on: str
    features: list[str]
    metrics: dict[str, float]
    baselines: dict[str, float] = field(default_factory=dict)
    business_value: dict[str, float] | None = None
    threshold: float = 0.5
    intended_use: str = ""
    limits: list[str] = field(default_factory=list)
    version: str | None = None
    library_versions: dict[str, str] = field(default_factory=_library_versions)

    def __post_init__(self) -> None:
        for name in ("name", "trained_on", "intended_use"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a string; got {_short(getattr(self, name))}.")
        if isinstance(self.features, str) or not all(isinstance(f, str) for f in self.features):
            raise TypeError(f"features must be a list of column names; got {_short(self.features)}.")
        for name in ("metrics", "baselines"):
            values = getattr(self, name)
            if not isinstance(values, Mapping) or not all(
                    isinstance(v, (int, float, np.number)) for v in values.values()):
                raise TypeError(f"{name} must map metric names to numbers; got {_short(values)}.")
        if self.business_value is not None and set(self.business_value) != {"tp", "fp", "fn", "tn"}:
            raise ValueError("business_value must map exactly 'tp', 'fp', 'fn', 'tn' to euros; "
                             f"got keys {sorted(self.business_value)!r}.")
        self.threshold = check_probability(self.threshold, "threshold")
        self.metrics = {k: float(v) for k, v in self.metrics.items()}
        self.baselines = {k: float(v) for k, v in self.baselines.items()}
        self.limits = list(self.limits)

    def to_dict(self) -> dict:
        """A JSON-ready dict (what ``card.json`` holds)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> ModelCard:
        """The inverse of :meth:`to_dict`."""
        return cls(**data)

    def to_markdown(self) -> str:
        """The card as Markdown (what ``card.md`` holds and notebooks display)."""
        lines = [f"# Model card: {self.name}", ""]
        if self.version:
            lines += [f"**Version:** {self.version}", ""]
        lines += [f"**Trained on:** {self.trained_on}", "",
                  f"**Features ({len(self.features)}):** " + ", ".join(f"`{f}`" for f in self.features),
                  "", "## Performance", "", "| metric | model | baseline |", "|---|---|---|"]
        for metric, value in self.metrics.items():
            base = self.baselines.get(metric)
            lines.append(f"| {metric} | {value:.3f} | {'' if base is None else f'{base:.3f}'} |")
        lines += ["", f"**Decision threshold:** {self.threshold:.2f} (score at or above it: churns)"]
        if self.business_value:
            values = ", ".join(f"{k.upper()} {v:+,.0f} €" for k, v in self.business_value.items())
            lines += ["", f"**Business value per outcome:** {values}"]
        lines += ["", "## Intended use", "", self.intended_use or "(not stated)", "",
                  "## Known limits", ""]
        lines += [f"- {limit}" for limit in self.limits] or ["(none stated)"]
        lines += ["", "## Library versions", "",
                  ", ".join(f"{k} {v}" for k, v in self.library_versions.items())]
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        # short and machine-independent (no library versions): notebooks store this text
        return f"ModelCard({self.name!r}, version={self.version!r}, threshold={self.threshold:.2f})"


# --- save and load -----------------------------------------------------------------------------
@dataclass
class ModelBundle:
    """A loaded model directory: the fitted pipeline with its card and schema."""

    model: Any
    card: ModelCard
    schema: InputSchema
    path: Path

    def __repr__(self) -> str:
        return f"ModelBundle({self.card.name!r}, version={self.card.version!r})"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_files(model: Any, directory: Path, card: ModelCard, schema: InputSchema,
                 trusted: Sequence[str]) -> None:
    import skops.io as sio

    from toolkit.features import TRUSTED_TYPES

    directory.mkdir(parents=True)
    path = directory / "model.skops"
    sio.dump(model, path)
    untrusted = sorted(sio.get_untrusted_types(file=path))
    # scikit-learn's tree structures (and, on older skops, its internals above) are vouched for
    # at save time, for a model you just trained; the course's transformers are listed.
    vouched = set(TRUSTED_TYPES) | set(SKLEARN_TREE_TYPES) | set(trusted)
    unknown = sorted(t for t in set(untrusted) - vouched if not t.startswith(_SKLEARN_INTERNALS))
    if unknown:
        raise ValueError(
            f"model holds types that skops does not trust and toolkit does not know: {unknown!r}. "
            "Pass them as trusted=[...] only if you wrote them or trust their source.")
    manifest = {"format": 1, "untrusted_types": untrusted, "sha256": _sha256(path)}
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    write_card(directory, card)
    (directory / "schema.json").write_text(json.dumps(schema.to_dict(), indent=2), encoding="utf-8")


def write_card(directory: Path, card: ModelCard) -> None:
    """Write ``card.json`` and ``card.md`` into ``directory`` (the registry stamps a version this way)."""
    (directory / "card.json").write_text(json.dumps(card.to_dict(), indent=2), encoding="utf-8")
    (directory / "card.md").write_text(card.to_markdown(), encoding="utf-8")


def save_model(model: Any, directory: str | Path, *, card: ModelCard, schema: InputSchema,
               overwrite: bool = False, trusted: Sequence[str] = ()) -> Path:
    """Save a fitted pipeline with skops, with its card and schema, into ``directory``.

    The directory gets ``model.skops``, ``card.json``, ``card.md``, ``schema.json`` and
    ``manifest.json`` (the types skops will have to trust, and the file's SHA-256). Files are
    written to a temporary folder next to ``directory`` and renamed into place, so a crash never
    leaves a half-written model.

    Parameters
    ----------
    model : fitted estimator with ``predict_proba``
        Usually a ``Pipeline(preprocessor, classifier)``.
    directory : str or Path
        Where to save. It must not exist yet unless ``overwrite=True``.
    card : ModelCard
        What the model is, for whom, and how good (saved as ``card.json`` and ``card.md``).
    schema : InputSchema
        The training inputs, to check requests against (saved as ``schema.json``).
    overwrite : bool, default=False
        Replace an existing directory (the old one is removed only after the new one is complete).
    trusted : sequence of str, default=()
        Extra types that you vouch for, beyond :data:`toolkit.features.TRUSTED_TYPES` (the
        course's transformers), :data:`SKLEARN_TREE_TYPES` and, on older skops, a few
        scikit-learn internals (its loss objects, a ColumnTransformer's remainder list).

    Returns
    -------
    Path
        The directory written.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}); model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> card = ModelCard("demo", trained_on="toy", features=["x"], metrics={})
    >>> path = save_model(model, tempfile.mkdtemp() + "/v1", card=card, schema=InputSchema.from_frame(X))
    >>> sorted(p.name for p in path.iterdir())
    ['card.json', 'card.md', 'manifest.json', 'model.skops', 'schema.json']
    """
    if not hasattr(model, "predict_proba"):
        raise TypeError(f"model must be a fitted classifier with predict_proba; got {type(model).__name__}.")
    if not isinstance(card, ModelCard):
        raise TypeError(f"card must be a ModelCard; got {type(card).__name__}.")
    if not isinstance(schema, InputSchema):
        raise TypeError(f"schema must be an InputSchema; got {type(schema).__name__}.")
    directory = Path(directory)
    if directory.exists() and not overwrite:
        raise FileExistsError(f"directory {str(directory)!r} already exists; pass overwrite=True to "
                              "replace it, or save to a new directory.")
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = directory.parent / f".{directory.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        _write_files(model, tmp, card, schema, trusted)
        if directory.exists():
            old = directory.parent / f".{directory.name}.old-{uuid.uuid4().hex[:8]}"
            directory.rename(old)
            tmp.rename(directory)
            shutil.rmtree(old)
        else:
            tmp.rename(directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return directory


def load_model(directory: str | Path) -> ModelBundle:
    """Load a directory written by :func:`save_model`, refusing a file that was changed.

    skops never runs code from the file, but it must be told which non-standard types it may
    build. This function trusts exactly the types recorded at save time, and refuses the file
    when its bytes changed since (SHA-256) or when it asks for other types: such a file was
    tampered with or comes from elsewhere, and loading it could build objects nobody checked.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}); model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> card = ModelCard("demo", trained_on="toy", features=["x"], metrics={})
    >>> path = save_model(model, tempfile.mkdtemp() + "/v1", card=card, schema=InputSchema.from_frame(X))
    >>> bundle = load_model(path)
    >>> bool((bundle.model.predict_proba(X) == model.predict_proba(X)).all())
    True
    """
    import skops.io as sio

    directory = Path(directory)
    needed = ["model.skops", "manifest.json", "card.json", "schema.json"]
    absent = [name for name in needed if not (directory / name).is_file()]
    if absent:
        raise FileNotFoundError(f"directory {str(directory)!r} is not a saved model: {absent!r} missing.")
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    path = directory / "model.skops"
    asked = sorted(sio.get_untrusted_types(file=path))
    if asked != manifest["untrusted_types"]:
        raise ValueError(
            f"refusing to load {str(path)!r}: it asks skops to trust {asked!r}, but it was saved "
            f"needing only {manifest['untrusted_types']!r}. The file was replaced or tampered with "
            "after saving. Do not load it; save the model again from its training code.")
    if _sha256(path) != manifest["sha256"]:
        raise ValueError(
            f"refusing to load {str(path)!r}: its contents changed since it was saved (SHA-256 "
            "differs from manifest.json). Save the model again from its training code.")
    model = sio.load(path, trusted=asked)
    card = ModelCard.from_dict(json.loads((directory / "card.json").read_text(encoding="utf-8")))
    schema = InputSchema.from_dict(json.loads((directory / "schema.json").read_text(encoding="utf-8")))
    return ModelBundle(model, card, schema, directory)
