"""The model card: what a saved model is, for the people who use it.

:class:`ModelCard` records the training window, the features, metrics against the baselines,
the business value, the decision threshold, the intended use and the known limits, and the
library versions it was fitted with. :mod:`toolkit.artifacts` saves it beside the model as
``card.json`` (and ``card.md`` for people); :mod:`toolkit.deploy` re-exports it.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields

import numpy as np

from toolkit._validation import _short, check_outcome_values, check_probability

__all__ = ["ModelCard"]


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
        for name, what in (("features", "column names"), ("limits", "strings")):  # a string alone: letters
            values = getattr(self, name)
            if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
                raise TypeError(f"{name} must be a list of {what}; got {_short(values)}.")
        for name in ("metrics", "baselines"):
            values = getattr(self, name)
            if not isinstance(values, Mapping) or not all(
                    isinstance(v, (int, float, np.number)) for v in values.values()):
                raise TypeError(f"{name} must map metric names to numbers; got {_short(values)}.")
        if self.business_value is not None and (not isinstance(self.business_value, Mapping)
                                                or set(self.business_value) != {"tp", "fp", "fn", "tn"}):
            raise ValueError("business_value must map exactly 'tp', 'fp', 'fn', 'tn' to euros; "
                             f"got {_short(self.business_value)}.")
        check_outcome_values(self.business_value, "business_value")  # the numbers; kept as given
        if self.version is not None and not isinstance(self.version, str):
            raise TypeError(f"version must be a string such as 'v1', or None; got {_short(self.version)}.")
        if not isinstance(self.library_versions, Mapping):
            raise TypeError(f"library_versions must map library names to versions; got "
                            f"{_short(self.library_versions)}.")
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
        if not isinstance(data, Mapping):
            raise TypeError(f"data must be a dict, as to_dict() writes it; got {_short(data)}.")
        needed = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}
        unknown = sorted(set(data) - {f.name for f in fields(cls)}, key=str)
        missing = sorted(needed - set(data))
        if unknown or missing:
            raise ValueError(f"data must hold the fields of a ModelCard; unknown {unknown!r}, "
                             f"missing {missing!r}.")
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
