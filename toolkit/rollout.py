"""Reading a rollout from the prediction log: what each model was asked and said.

A new version meets production in steps (notebook 07): as a **shadow**, it scores every request
silently beside production; as a **canary**, it answers a seeded share of the rows itself. These
functions read :meth:`toolkit.service.Service.log` (re-exported by :mod:`toolkit.service`):

- :func:`compare_roles` summarises each role and version: rows, share returned, mean score,
  share decided "churns", share warned. A canary and production answer *different* rows, so
  compare their rates.
- :func:`shadow_agreement` pairs each shadow answer with the returned answer to the very same
  row, and counts where they disagree.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from toolkit._validation import check_dataframe

__all__ = ["compare_roles", "shadow_agreement"]


def compare_roles(log: pd.DataFrame) -> pd.DataFrame:
    """Summarise a prediction log per role and model version: what each model was asked and said.

    One row per (role, model_version): rows scored, share returned to the caller, mean score,
    share decided "churns", share of rows with a warning. (No latency: it differs from run to
    run, and a shadow's rows carry their request's latency.) A canary and
    production answer different rows, so compare their rates, not row by row (for that, see
    :func:`shadow_agreement`).

    Examples
    --------
    >>> log = pd.DataFrame({"role": ["production", "canary"], "model_version": ["v1", "v2"],
    ...                     "returned": [True, True], "score": [0.2, 0.6], "decision": [0, 1],
    ...                     "problems": ["", ""]})
    >>> compare_roles(log)[["role", "model_version", "rows", "churns_share"]]
             role model_version  rows  churns_share
    0  production            v1     1           0.0
    1      canary            v2     1           1.0
    """
    _check_log(log, ["role", "model_version", "returned", "score", "decision", "problems"])
    order = {"production": 0, "canary": 1, "shadow": 2}
    table = (log.assign(warned=log["problems"] != "")
             .groupby(["role", "model_version"], sort=False)
             .agg(rows=("score", "size"), returned_share=("returned", "mean"), mean_score=("score", "mean"),
                  churns_share=("decision", "mean"), warned_share=("warned", "mean"))
             .reset_index())
    return table.sort_values("role", key=lambda r: r.map(order), kind="stable").reset_index(drop=True)


def shadow_agreement(log: pd.DataFrame) -> pd.DataFrame:
    """Compare the shadow's answers with the returned ones on the very same rows.

    Pairs each shadow row with the returned answer to the same input row (same request, same
    position), and reports per shadow version: rows compared, share of identical decisions,
    rows where only the shadow says "churns", rows where only the returned model does, and the
    mean absolute score difference.

    Examples
    --------
    >>> log = pd.DataFrame({"request_id": ["a"] * 4, "role": ["production"] * 2 + ["shadow"] * 2,
    ...                     "model_version": ["v1", "v1", "v2", "v2"], "returned": [True, True, False, False],
    ...                     "score": [0.2, 0.7, 0.6, 0.8], "decision": [0, 1, 1, 1]})
    >>> shadow_agreement(log)[["shadow_version", "rows", "same_decision", "only_shadow_churns"]]
      shadow_version  rows  same_decision  only_shadow_churns
    0             v2     2            0.5                   1
    """
    _check_log(log, ["request_id", "role", "model_version", "returned", "score", "decision"])
    # a request's returned answers (production and canary rows together) and its shadow answers
    # were each logged in input order: the position within each pairs them
    keyed = log.assign(position=log.groupby(["request_id", "returned"]).cumcount())
    served = keyed[keyed["returned"]][["request_id", "position", "score", "decision"]]
    columns = ["request_id", "position", "model_version", "score", "decision"]
    shadow = keyed[keyed["role"] == "shadow"][columns]
    pairs = shadow.merge(served, on=["request_id", "position"], suffixes=("_shadow", "_served"))
    rows = []
    for version, group in pairs.groupby("model_version", sort=True):
        rows.append({"shadow_version": version, "rows": len(group),
                     "same_decision": float((group["decision_shadow"] == group["decision_served"]).mean()),
                     "only_shadow_churns": int(((group["decision_shadow"] == 1)
                                                & (group["decision_served"] == 0)).sum()),
                     "only_served_churns": int(((group["decision_shadow"] == 0)
                                                & (group["decision_served"] == 1)).sum()),
                     "mean_abs_score_diff": float((group["score_shadow"]
                                                   - group["score_served"]).abs().mean())})
    columns = ["shadow_version", "rows", "same_decision", "only_shadow_churns", "only_served_churns",
               "mean_abs_score_diff"]
    return pd.DataFrame(rows, columns=columns)


def _check_log(log: Any, needed: list[str]) -> None:
    if not isinstance(log, pd.DataFrame):
        raise TypeError(f"log must be a pandas DataFrame (Service.log()); got {type(log).__name__}.")
    check_dataframe(log, "log", allow_empty=True)  # unique names: log[name] must be a column
    missing = [c for c in needed if c not in log.columns]
    if missing:
        raise ValueError(f"log must have the prediction-log columns {needed!r}; missing {missing!r}.")
    # averaged and used as a row mask: a column of text would fail deep inside pandas
    if not pd.api.types.is_bool_dtype(log["returned"]):
        raise TypeError(f"log['returned'] must hold True/False; got dtype {log['returned'].dtype}.")
    for name in ("score", "decision"):
        if not (pd.api.types.is_numeric_dtype(log[name]) or pd.api.types.is_bool_dtype(log[name])):
            raise TypeError(f"log[{name!r}] must hold numbers; got dtype {log[name].dtype}.")
