"""The phases of a machine-learning project, and the figure every notebook opens with.

The lifecycle is a loop, not a line: modeling often sends you back to fix the data and its
labels, and monitoring a deployed model sends you back to modeling to retrain it.

>>> from toolkit.lifecycle import PHASES, phase_of
>>> [phase.name for phase in PHASES]
['scoping', 'data', 'modeling', 'deployment']
>>> phase_of("labels").title
'Data'
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.plotting import COLORS, new_axes

__all__ = ["LOOPS", "PHASES", "Phase", "draw_lifecycle", "phase_of"]


@dataclass(frozen=True)
class Phase:
    """One phase of the lifecycle: a key, a title, and its steps (key, label) in order."""

    name: str
    title: str
    steps: tuple[tuple[str, str], ...]


PHASES = (
    Phase("scoping", "Scoping", (("objectives", "objectives & metrics"),
                                 ("feasibility", "is ML a good fit?"))),
    Phase("data", "Data", (("baselines", "data & baseline"),
                           ("features", "features by dtype"),
                           ("labels", "consistent labels"))),
    Phase("modeling", "Modeling", (("training", "select & train"),
                                   ("error_analysis", "error analysis"))),
    Phase("deployment", "Deployment", (("serving", "deploy & serve"),
                                       ("monitoring", "monitor for drift"),
                                       ("retraining", "maintain & retrain"))),
)

#: The two ways back: (from phase, to phase, why).
LOOPS = (
    ("modeling", "data", "errors point to data & label issues"),
    ("deployment", "modeling", "drift detected: retrain"),
)


def phase_of(name: str) -> Phase:
    """Return the phase called ``name``, or the phase that contains the step ``name``.

    Examples
    --------
    >>> phase_of("monitoring").name
    'deployment'
    """
    return _find_phase(name, "name")


def _find_phase(value: str, argument: str) -> Phase:
    """The phase called ``value`` or holding the step ``value``; the error names ``argument``."""
    if not isinstance(value, str):  # a list cannot be looked up among the steps
        raise TypeError(f"{argument} must be the name of a phase or a step (a str); got {value!r}.")
    for phase in PHASES:
        if value == phase.name or value in dict(phase.steps):
            return phase
    steps = [step for phase in PHASES for step, _ in phase.steps]
    names = [phase.name for phase in PHASES] + steps
    extra = " or None" if argument == "highlight" else ""
    raise ValueError(f"{argument} must be one of {names!r}{extra}; got {value!r}.")


def draw_lifecycle(highlight: str | None = None, ax=None):
    """Draw the lifecycle: four phases left to right, with the two loops back.

    Parameters
    ----------
    highlight : str or None, default=None
        A phase (``"scoping"``, ``"data"``, ``"modeling"``, ``"deployment"``) or one of their
        steps (e.g. ``"labels"``, ``"monitoring"``) to light up; ``None`` lights nothing.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = draw_lifecycle(highlight="baselines")
    >>> [t.get_text() for t in ax.texts][:2]
    ['Scoping', 'objectives & metrics']
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    lit_phase = _find_phase(highlight, "highlight").name if highlight is not None else None
    ax = new_axes(ax, figsize=(10, 3.4))
    width, height, gap = 2.1, 1.55, 0.55
    centers = {}
    for i, phase in enumerate(PHASES):
        x0 = i * (width + gap)
        lit = phase.name == lit_phase
        face = COLORS["highlight"] if lit else COLORS["light"]
        ax.add_patch(FancyBboxPatch((x0, 0), width, height, boxstyle="round,pad=0.02,rounding_size=0.12",
                                    facecolor=face, edgecolor="black" if lit else COLORS["muted"],
                                    linewidth=2.0 if lit else 1.0))
        ax.text(x0 + width / 2, height - 0.28, phase.title, ha="center", va="center",
                fontsize=13, fontweight="bold")
        for j, (step, label) in enumerate(phase.steps):
            bold = step == highlight
            ax.text(x0 + width / 2, height - 0.65 - 0.3 * j, ("▶ " if bold else "") + label,
                    ha="center", va="center", fontsize=9.5,
                    fontweight="bold" if bold else "normal")
        centers[phase.name] = x0 + width / 2
        if i:
            ax.add_patch(FancyArrowPatch((x0 - gap + 0.05, height / 2), (x0 - 0.05, height / 2),
                                         arrowstyle="-|>", mutation_scale=18, color="black"))
    for (src, dst, why), (y, rad, text_y) in zip(
            LOOPS, [(height, 0.45, height + 0.72), (0, 0.45, -0.72)], strict=True):
        sign = 1 if y else -1
        ax.add_patch(FancyArrowPatch((centers[src], y + 0.04 * sign), (centers[dst], y + 0.04 * sign),
                                     connectionstyle=f"arc3,rad={rad * sign}", arrowstyle="-|>",
                                     mutation_scale=16, color=COLORS["primary"], linewidth=1.6))
        ax.text((centers[src] + centers[dst]) / 2, text_y, why, ha="center", va="center",
                fontsize=9.5, color=COLORS["primary"], style="italic")
    ax.set_xlim(-0.2, len(PHASES) * (width + gap) - gap + 0.2)
    ax.set_ylim(-1.0, height + 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    title = "The machine-learning project lifecycle"
    if highlight is not None:
        title += f" — you are here: {dict(phase_of(highlight).steps).get(highlight, lit_phase)}"
    ax.set_title(title, fontsize=12)
    return ax
