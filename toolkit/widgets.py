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

    from toolkit._validation import check_positive_int, check_probability, check_seed
    from toolkit.baselines import coin_flip_scenario

    # checked before any widget is built: a slider given text fails with a traitlets error
    for name, value in (("positive_rate", positive_rate), ("model_tpr", model_tpr), ("model_tnr", model_tnr)):
        check_probability(value, name)
    check_positive_int(n_test, "n_test", minimum=2)
    check_positive_int(n_trials, "n_trials")
    check_seed(seed)
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


__all__ += ["drift_explorer"]  # appended with the function, so the lines above stay untouched


def drift_explorer(reference, model, *, target: str = "churned", batch_size: int = 1_000,
                   threshold: float = 0.5, calibrator=None, seed: int = 0):
    """Pick a drift kind, a column and a size; watch the statistics and the model respond.

    A batch is drawn from ``reference`` and drifted with the simulators of
    :mod:`toolkit.drift`; the widget shows the column's distribution against the reference
    (:func:`toolkit.drift.plot_distribution_shift`), its row of
    :func:`toolkit.drift.drift_report` (bands from :func:`toolkit.drift.calibrate`), the
    domain classifier's AUC, and the model's F1 estimated from its scores
    (:func:`toolkit.monitoring.estimate_performance`) next to the true F1 on the batch's labels.
    A concept change relabels the customers of the column's most common level (the size is
    their new churn rate): the inputs and the estimate do not move, the true F1 does.

    Parameters
    ----------
    reference : pandas.DataFrame
        Training data with the label column ``target``.
    model : fitted classifier
        With ``predict_proba``; it is given the reference's columns except ``target``.
    target : str, default="churned"
        The label column of ``reference``.
    batch_size : int, default=1000
        Rows of the batch that is drifted.
    threshold : float, default=0.5
        The model's decision threshold, for the estimated and true F1.
    calibrator : toolkit.monitoring.ScoreCalibrator, optional
        Fitted on held-out reference scores (CBPE's calibration step). Without one the scores
        are taken as probabilities, and the numbers say so.
    seed : int, default=0
        Seed of the batch, the simulators and the domain classifier.

    Returns
    -------
    ipywidgets.VBox
        Its children: the controls (an ``HBox`` of kind, column and size), the numbers
        (``HTML``) and the figure (an ``Image`` holding a PNG).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=3000), "plan": rng.choice(["a", "b"], 3000)})
    >>> ref["churned"] = (ref["x"] + rng.normal(size=3000) > 1).astype(int)
    >>> model = LogisticRegression().fit(ref[["x"]], ref["churned"])
    >>> box = drift_explorer(ref, model, batch_size=500)
    >>> kind, column, size = box.children[0].children
    >>> kind.value, column.value, "AUC" in box.children[1].value
    ('covariate shift', 'x', True)
    """
    import ipywidgets as widgets
    import numpy as np

    from toolkit import drift, monitoring
    from toolkit._columns import column_kind
    from toolkit._validation import check_columns, check_dataframe, check_probability, check_seed

    check_dataframe(reference, "reference")
    check_columns(reference, [target], "target")
    threshold = check_probability(threshold, "threshold")
    if calibrator is not None and not isinstance(calibrator, monitoring.ScoreCalibrator):
        raise TypeError("calibrator must be a fitted monitoring.ScoreCalibrator or None; got "
                        f"{type(calibrator).__name__}.")
    check_seed(seed)
    # What each drift kind does to the batch at a slider size in [0, 1].
    kinds = {
        "covariate shift": lambda df, col, size: drift.shift_numeric(df, col, scale=1 + size,
                                                                     seed=seed),
        "unit change (x100)": lambda df, col, size: drift.change_units(df, col, 100.0,
                                                                       share=size, seed=seed),
        "missing values": lambda df, col, size: drift.inject_missing(df, col, share=size,
                                                                     seed=seed),
        "new category": lambda df, col, size: drift.add_new_category(df, col, "new", share=size,
                                                                     seed=seed),
        "concept change": lambda df, col, size: drift.change_concept(
            df, target, lambda d: d[col] == d[col].mode().iloc[0], rate=size, seed=seed),
    }
    numeric_kinds = ("covariate shift", "unit change (x100)", "missing values")
    features = list(getattr(model, "feature_names_in_", [c for c in reference.columns
                                                          if c != target]))
    inputs = [c for c in reference.columns if c != target]
    dates = [c for c in inputs if column_kind(reference[c]) == "datetime"]  # no simulator moves them
    numeric = [c for c in inputs if drift.column_group(reference[c]) == "numeric" and c not in dates]
    labels = [c for c in inputs if c not in numeric and c not in dates]
    rng = np.random.default_rng(seed)
    batch = reference.iloc[rng.integers(0, len(reference), batch_size)].reset_index(drop=True)
    calibration = drift.calibrate(reference[inputs], chunk=batch_size, seed=seed)
    prepared = drift.PreparedReference(reference, inputs)  # reduced once, for every update
    kind = widgets.Dropdown(options=list(kinds), description="drift")
    column = widgets.Dropdown(options=numeric or labels, description="column")
    size = widgets.FloatSlider(value=0.3, min=0.0, max=1.0, step=0.05, description="size",
                               continuous_update=False)
    numbers = widgets.HTML()
    uncalibrated = "" if calibrator is not None else " (scores taken as probabilities)"
    figure = widgets.Image(format="png")

    def update(_change=None) -> None:
        wanted = numeric if kind.value in numeric_kinds else labels
        if list(column.options) != wanted:
            column.options = wanted  # fires update again with a valid column
            return
        drifted = kinds[kind.value](batch, column.value, size.value)
        row = drift.compare_prepared(prepared, drifted, calibration).table
        row = row.set_index("column").loc[column.value]
        auc = drift.domain_classifier(reference[inputs], drifted[inputs], cv=3, max_rows=3_000,
                                      seed=seed)
        proba = model.predict_proba(drifted[features])[:, 1]
        est = monitoring.estimate_performance(proba, threshold, calibrator=calibrator)
        real = monitoring.realised_performance(drifted[target].to_numpy(), proba, threshold)
        verdict = "drifted" if row["drifted"] is True or bool(row["drifted"]) else "no drift"
        numbers.value = (
            f"<b>{column.value}: {verdict}</b> (PSI {row['psi']:.3f}, Jensen-Shannon "
            f"{row['jensen_shannon']:.3f}) · domain classifier AUC {auc.auc:.2f} "
            f"[{auc.auc_low:.2f}, {auc.auc_high:.2f}] · F1 estimated {est['f1']:.2f} "
            f"[{est['f1_low']:.2f}, {est['f1_high']:.2f}]{uncalibrated}, true {real['f1']:.2f}")
        figure.value = _png(drift.plot_distribution_shift(reference, drifted, column.value))

    for control in (kind, column, size):
        control.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([kind, column, size]), numbers, figure])
