"""toolkit.drift against evidently and NannyML, side by side, in their own environment.

evidently (0.7) and NannyML (0.13) need pandas < 3, so they never enter the project's
environment. ``benchmarks/anchors/setup.sh`` builds ``.venv-anchors`` with them and installs
this project there with ``--no-deps`` (so this also checks that ``toolkit.drift`` runs on
pandas 2). On the same frames as ``benchmarks/bench_drift.py`` (N rows x 20 columns: 10
numeric, 10 categorical), one run each, we time:

1. ``toolkit.drift.drift_report`` (KS, chi-square, PSI, Jensen-Shannon, Wasserstein);
2. a plain per-column ``ks_2samp`` / ``chi2_contingency`` loop;
3. evidently's ``Report([DataDriftPreset()])`` (above 1,000 reference rows: Wasserstein for
   numbers, Jensen-Shannon for categories);
4. NannyML's ``UnivariateDriftCalculator`` with KS and Jensen-Shannon for numbers, chi-square
   and Jensen-Shannon for categories, one chunk (the whole current frame).

Run (from the repository root):
``sh benchmarks/anchors/setup.sh && .venv-anchors/bin/python benchmarks/anchors/bench_anchors.py [--rows N]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")  # NannyML phones home otherwise
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_drift import make_frames, scipy_loop  # noqa: E402

from toolkit import drift  # noqa: E402


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def run_evidently(ref, cur):
    from evidently import Report
    from evidently.presets import DataDriftPreset

    return Report([DataDriftPreset()]).run(current_data=cur, reference_data=ref)


def run_nannyml(ref, cur):
    import nannyml as nml

    calc = nml.UnivariateDriftCalculator(
        column_names=list(ref.columns), chunk_number=1,
        continuous_methods=["kolmogorov_smirnov", "jensen_shannon"],
        categorical_methods=["chi2", "jensen_shannon"])
    calc.fit(ref)
    return calc.calculate(cur)


def main(argv: list[str] | None = None) -> None:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["evidently", "nannyml"])
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    ref, cur = make_frames(args.rows, "category")
    print(f"rows: {args.rows:,} x 20, pandas {pd.__version__}")
    toolkit_s, report = timed(lambda: drift.drift_report(ref, cur))
    print(f"toolkit drift_report:    {toolkit_s:7.2f} s  ({report.n_drifted} of 20 drifted)")
    loop_s, _ = timed(lambda: scipy_loop(ref, cur))
    print(f"scipy loop (KS, chi2):   {loop_s:7.2f} s  ({loop_s / toolkit_s:5.1f} x toolkit)")
    if "evidently" not in args.skip:
        ev_s, _ = timed(lambda: run_evidently(ref, cur))
        print(f"evidently DataDrift:     {ev_s:7.2f} s  ({ev_s / toolkit_s:5.1f} x toolkit)")
    if "nannyml" not in args.skip:
        nml_s, _ = timed(lambda: run_nannyml(ref, cur))
        print(f"NannyML univariate:      {nml_s:7.2f} s  ({nml_s / toolkit_s:5.1f} x toolkit)")


if __name__ == "__main__":
    main()
