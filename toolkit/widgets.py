"""Interactive explorers for the notebooks, built with ipywidgets.

Each widget only wires controls to functions of the other modules: the logic lives there,
where it is tested. ipywidgets is imported inside each function, so ``import toolkit`` stays
fast and the rest of the package works without it.
"""

from __future__ import annotations

__all__ = ["coin_flip_explorer", "threshold_explorer"]


def _png(ax) -> bytes:
    """Render the figure of ``ax`` to PNG bytes for an ``ipywidgets.Image``, then close it."""
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(ax.figure)
    return buffer.getvalue()


def coin_flip_explorer(positive_rate: float = 0.2, n_test: int = 500, *, model_tpr: float = 0.7,
                       model_tnr: float = 0.9, n_trials: int = 1000, seed: int = 0):
    """Sliders for class balance and test-set size: a coin against always-majority and a model.

    Every number and the figure come from :func:`toolkit.baselines.coin_flip_scenario`; the
    widget only wires the sliders to it.

    Parameters
    ----------
    positive_rate : float, default=0.2
        Starting share of positive labels.
    n_test : int, default=500
        Starting size of the test set.
    model_tpr, model_tnr : float, default=0.7 and 0.9
        The fixed model's recall on positives and on negatives.
    n_trials : int, default=1000
        Number of simulated coins.
    seed : int, default=0
        Seed of the coin simulation.

    Returns
    -------
    ipywidgets.VBox
        Its children: the two sliders (in an ``HBox``), the numbers (``HTML``) and the figure
        (an ``Image`` holding a PNG).

    Examples
    --------
    >>> box = coin_flip_explorer()
    >>> rate, size = box.children[0].children
    >>> rate.description, size.value
    ('positives', 500)
    """
    import ipywidgets as widgets

    from toolkit.baselines import coin_flip_scenario

    rate = widgets.FloatSlider(value=positive_rate, min=0.05, max=0.95, step=0.05,
                               description="positives", readout_format=".0%",
                               continuous_update=False)
    size = widgets.IntSlider(value=n_test, min=20, max=5000, step=20, description="test size",
                             continuous_update=False)
    numbers = widgets.HTML()
    figure = widgets.Image(format="png")

    def update(_change=None) -> None:
        scenario = coin_flip_scenario(rate.value, size.value, model_tpr=model_tpr,
                                      model_tnr=model_tnr, n_trials=n_trials, seed=seed)
        table = scenario.summary().assign(accuracy=lambda d: d["accuracy"].map("{:.1%}".format))
        numbers.value = table.to_html(index=False)
        figure.value = _png(scenario.plot())

    rate.observe(update, names="value")
    size.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([rate, size]), numbers, figure])



def threshold_explorer(y_true, proba, threshold: float = 0.5):
    """A decision-threshold slider updating the confusion matrix, precision and recall.

    The numbers come from :func:`toolkit.error_analysis.threshold_curve` and the figure from
    :func:`toolkit.error_analysis.plot_confusion`; the widget only wires the slider to them.

    Parameters
    ----------
    y_true : array-like of 0/1
        True labels.
    proba : array-like of float
        Predicted probability of class 1.
    threshold : float, default=0.5
        Starting threshold: predict 1 when ``proba >= threshold``.

    Returns
    -------
    ipywidgets.VBox
        Its children: the slider, the numbers (``HTML``) and the confusion matrix (an
        ``Image`` holding a PNG).

    Examples
    --------
    >>> box = threshold_explorer([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> slider, numbers, _ = box.children
    >>> slider.value = 0.3
    >>> "recall 1.00" in numbers.value
    True
    """
    import ipywidgets as widgets
    import numpy as np

    from toolkit._validation import check_probability
    from toolkit.error_analysis import plot_confusion, threshold_curve

    threshold_curve(y_true, proba, thresholds=[check_probability(threshold, "threshold")])
    truth, p = np.asarray(y_true), np.asarray(proba, dtype=float)
    slider = widgets.FloatSlider(value=threshold, min=0.01, max=0.99, step=0.01,
                                 description="threshold", continuous_update=False)
    numbers = widgets.HTML()
    figure = widgets.Image(format="png")

    def update(_change=None) -> None:
        row = threshold_curve(truth, p, thresholds=[slider.value]).iloc[0]
        numbers.value = (
            f"<b>predict 1 if p ≥ {slider.value:.2f}</b>: precision {row['precision']:.2f} · "
            f"recall {row['recall']:.2f} · F1 {row['f1']:.2f} · "
            f"error rate {row['error_rate']:.1%} · {int(row['tp'] + row['fp'])} flagged")
        figure.value = _png(plot_confusion(truth, (p >= slider.value).astype(int), labels=[0, 1]))

    slider.observe(update, names="value")
    update()
    return widgets.VBox([slider, numbers, figure])
