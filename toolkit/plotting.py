"""One course style for every figure: readable at a glance, colour-blind safe.

The palette is Okabe & Ito's (2008), designed to stay distinguishable for the common forms of
colour-vision deficiency. Every plotting function in ``toolkit`` draws with these colours.

>>> from toolkit.plotting import COLORS, PALETTE
>>> len(PALETTE), COLORS["highlight"]
(8, '#E69F00')
"""

from __future__ import annotations

import math
from numbers import Real

import matplotlib as mpl

__all__ = ["COLORS", "PALETTE", "new_axes", "use_course_style"]

#: Okabe-Ito colour-blind-safe palette, in the order plots cycle through it.
PALETTE = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
]

#: Named roles, so every figure uses the same colour for the same meaning.
COLORS = {
    "primary": PALETTE[0],
    "highlight": PALETTE[1],
    "good": PALETTE[2],
    "bad": PALETTE[5],
    "secondary": PALETTE[3],
    "muted": "#8C8C8C",
    "light": "#E5E5E5",
}

_RC = {
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def use_course_style() -> None:
    """Apply the course's seaborn theme, palette and sizes to every later figure.

    Call it once at the top of a notebook. Seaborn is imported here, not when ``toolkit`` is
    imported, so ``import toolkit`` stays fast.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> from matplotlib.colors import to_hex
    >>> from toolkit.plotting import use_course_style
    >>> use_course_style()
    >>> to_hex(mpl.rcParams["axes.prop_cycle"].by_key()["color"][0])
    '#0072b2'
    """
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, rc=_RC)


def new_axes(ax=None, figsize: tuple[float, float] | None = None):
    """Return ``ax`` if given, else the axes of a new figure (a helper for plot functions).

    Examples
    --------
    >>> from toolkit.plotting import new_axes
    >>> ax = new_axes(figsize=(3, 2))
    >>> ax.figure.get_size_inches().tolist()
    [3.0, 2.0]
    """
    from matplotlib.axes import Axes

    if ax is not None:
        # else the first drawing call fails with "'int' object has no attribute 'barh'"
        if not isinstance(ax, Axes):
            raise TypeError(f"ax must be a matplotlib Axes (e.g. from plt.subplots()), or None for a new "
                            f"figure; got {type(ax).__name__}.")
        return ax
    import matplotlib.pyplot as plt

    if figsize is not None and not (isinstance(figsize, (tuple, list)) and len(figsize) == 2 and all(
            isinstance(v, Real) and not isinstance(v, bool) and 0 < v < math.inf for v in figsize)):
        raise ValueError(f"figsize must be (width, height) in inches, both positive; got {figsize!r}.")
    _, ax = plt.subplots(figsize=figsize or mpl.rcParams["figure.figsize"])
    return ax
