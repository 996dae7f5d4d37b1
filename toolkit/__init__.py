"""toolkit: the helper package of the ML Lifecycle Toolkit course.

One module per lifecycle idea; import the one you need, for example
``from toolkit import datasets, exercises``. Heavy libraries (seaborn, ipywidgets) are imported
only by the functions that use them, so ``import toolkit`` stays fast.
"""

__version__ = "0.1.0"
