"""Data drift: simulate it, detect it column by column, calibrate the alarms, and look at it.

A model is trained on one period (the *reference*) and then scores new batches. When the
batches stop looking like the reference, the model's answers may stop being right. This
module gathers the tools of the course's notebook 08 under one name; each lives in its own
module, to read:

* **simulators** (:mod:`toolkit.simulators`) take a frame and return a drifted copy (the input
  is never modified): :func:`shift_numeric`, :func:`change_category_mix`,
  :func:`add_new_category`, :func:`change_units`, :func:`inject_missing`, :func:`shift_prior`,
  :func:`change_concept`, and :func:`simulate_stream`, which strings them into a stream of
  batches with its event log;
* **columns reduced once** (:mod:`toolkit.drift_columns`): numbers sorted, labels counted,
  :class:`PreparedReference` for many batches;
* **statistics** (:mod:`toolkit.drift_statistics`): KS, Wasserstein, PSI, Jensen-Shannon and
  chi-square for one column, :func:`psi`, and :func:`chance_level`, what chance alone gives;
* **the rule table and the report** (:mod:`toolkit.drift_rules`): :func:`drift_report` tests
  every column with the test the ordered table :data:`DRIFT_RULES` picks for it (the first
  rule that matches wins, and the rule and its reason are returned with each row);
* **calibration** (:mod:`toolkit.drift_calibration`): :func:`calibrate` sets alarm bands from
  the variation *inside* the reference, with a false-alarm rate it keeps;
* **all columns at once** (:mod:`toolkit.domain_classifier`): :func:`domain_classifier` asks
  whether a model can tell the two apart;
* **plots** (:mod:`toolkit.drift_plots`): :func:`plot_drift_report`,
  :func:`plot_distribution_shift` and :func:`plot_calibration_band`.

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> reference = pd.DataFrame({"weight": rng.gamma(2, 3, 2_000),
...                           "colour": rng.choice(["red", "blue"], 2_000)})
>>> current = shift_numeric(reference, "weight", scale=1.5)
>>> drift_report(reference, current).table[["column", "test", "drifted"]]
   column  test  drifted
0  weight    ks     True
1  colour  chi2    False
"""

from toolkit.domain_classifier import DomainClassifierResult, domain_classifier
from toolkit.drift_calibration import CHUNKS_PER_ALARM, Calibration, calibrate
from toolkit.drift_columns import PSI_BINS, PreparedReference, check_pair, column_group
from toolkit.drift_plots import plot_calibration_band, plot_distribution_shift, plot_drift_report
from toolkit.drift_rules import (
    CHANCE_SHARE,
    DRIFT_RULES,
    EFFECT_THRESHOLD,
    KS_P_VALUE_MAX_N,
    MISSING_JUMP,
    P_VALUE_THRESHOLD,
    PSI_BANDS,
    ColumnFacts,
    DriftReport,
    DriftRule,
    compare_prepared,
    drift_report,
)
from toolkit.drift_statistics import PSI_EPSILON, chance_level, psi
from toolkit.simulators import (
    EVENT_LOG_COLUMNS,
    SIMULATORS,
    add_new_category,
    change_category_mix,
    change_concept,
    change_units,
    inject_missing,
    shift_numeric,
    shift_prior,
    simulate_stream,
)

__all__ = [
    "CHANCE_SHARE",
    "CHUNKS_PER_ALARM",
    "DRIFT_RULES",
    "EFFECT_THRESHOLD",
    "EVENT_LOG_COLUMNS",
    "KS_P_VALUE_MAX_N",
    "MISSING_JUMP",
    "PSI_BANDS",
    "PSI_BINS",
    "PSI_EPSILON",
    "P_VALUE_THRESHOLD",
    "SIMULATORS",
    "Calibration",
    "ColumnFacts",
    "DomainClassifierResult",
    "DriftReport",
    "DriftRule",
    "PreparedReference",
    "add_new_category",
    "calibrate",
    "chance_level",
    "change_category_mix",
    "change_concept",
    "change_units",
    "check_pair",
    "column_group",
    "compare_prepared",
    "domain_classifier",
    "drift_report",
    "inject_missing",
    "plot_calibration_band",
    "plot_distribution_shift",
    "plot_drift_report",
    "psi",
    "shift_numeric",
    "shift_prior",
    "simulate_stream",
]
