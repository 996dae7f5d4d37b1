"""Drift on purpose: take a frame, return a drifted copy; string the changes into a stream.

Each simulator returns a new frame and leaves its input untouched; randomness goes through
``seed``. :func:`simulate_stream` draws monthly batches from a reference and applies scripted
events (sudden, gradual or recurring) to them, returning the batches and the ground-truth event
log in the format of ``datasets.load("events")``, so that a monitor can be scored against it
(:func:`toolkit.monitoring.score_alerts`). The detectors are in :mod:`toolkit.drift`, which
also re-exports everything here.

>>> import pandas as pd
>>> shift_numeric(pd.DataFrame({"x": [1.0, 2.0]}), "x", scale=2, shift=1)["x"].tolist()
[3.0, 5.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit._columns import column_kind, is_number
from toolkit._validation import (
    _short,
    check_columns,
    check_dataframe,
    check_one_of,
    check_positive_int,
    check_probability,
    check_seed,
)

__all__ = [
    "EVENT_LOG_COLUMNS",
    "SIMULATORS",
    "add_new_category",
    "change_category_mix",
    "change_concept",
    "change_units",
    "inject_missing",
    "shift_numeric",
    "shift_prior",
    "simulate_stream",
]


# --- simulators -----------------------------------------------------------------------------------
def _start(df: Any, column: str, name: str = "column") -> pd.DataFrame:
    check_dataframe(df, "df")
    if not isinstance(column, str):
        raise TypeError(f"{name} must be a column name (str); got {_short(column)}.")
    check_columns(df, [column], name)
    return df.copy()


def _rng(seed: Any) -> np.random.Generator:
    """NumPy's generator for ``seed``, refused with a message naming it when numpy would not take it."""
    return np.random.default_rng(check_seed(seed))


def _pick(n: int, share: float, rng: np.random.Generator) -> np.ndarray:
    """A boolean mask choosing round(share * n) rows at random."""
    share = check_probability(share, "share")
    mask = np.zeros(n, dtype=bool)
    mask[rng.choice(n, size=round(share * n), replace=False)] = True
    return mask


def _numeric_column(df: pd.DataFrame, column: str) -> None:
    if not is_number(df[column]):
        raise TypeError(f"column {column!r} must hold numbers; got dtype {df[column].dtype!s}.")


def shift_numeric(df: pd.DataFrame, column: str, *, shift: float = 0.0, scale: float = 1.0,
                  share: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """Return a copy where ``column`` becomes ``value * scale + shift`` (a covariate shift).

    Parameters
    ----------
    df : pandas.DataFrame
        The data; it is not modified.
    column : str
        A numeric column.
    shift : float, default=0.0
        Added to every affected value, in the column's units.
    scale : float, default=1.0
        Multiplies every affected value first.
    share : float, default=1.0
        Share of rows affected, chosen at random.
    seed : int, default=0
        Seed for choosing the rows.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> shift_numeric(pd.DataFrame({"x": [1.0, 2.0]}), "x", shift=10)["x"].tolist()
    [11.0, 12.0]
    """
    out = _start(df, column)
    _numeric_column(out, column)
    mask = _pick(len(out), share, _rng(seed))
    values = out[column].to_numpy(dtype=float, na_value=np.nan, copy=True)
    values[mask] = values[mask] * scale + shift
    out[column] = values
    return out


def change_units(df: pd.DataFrame, column: str, factor: float = 100.0, *, share: float = 1.0,
                 seed: int = 0) -> pd.DataFrame:
    """Return a copy where ``column`` is multiplied by ``factor`` (metres sent as centimetres, ...).

    A pipeline bug rather than a change in the world: the values are right, the unit is not.

    Examples
    --------
    >>> import pandas as pd
    >>> change_units(pd.DataFrame({"price": [9.5, 12.0]}), "price")["price"].tolist()
    [950.0, 1200.0]
    """
    return shift_numeric(df, column, scale=factor, share=share, seed=seed)


def inject_missing(df: pd.DataFrame, column: str, share: float = 0.3, *,
                   seed: int = 0) -> pd.DataFrame:
    """Return a copy where a random ``share`` of ``column``'s values are missing.

    Examples
    --------
    >>> import pandas as pd
    >>> out = inject_missing(pd.DataFrame({"x": [1.0, 2, 3, 4]}), "x", share=0.5)
    >>> int(out["x"].isna().sum())
    2
    """
    out = _start(df, column)
    mask = _pick(len(out), share, _rng(seed))
    series = out[column]
    if series.dtype == bool:  # numpy booleans cannot be missing: use pandas' nullable booleans
        series = series.astype("boolean")
    out[column] = series.mask(mask)
    return out


def add_new_category(df: pd.DataFrame, column: str, level: str = "new", share: float = 0.15, *,
                     seed: int = 0) -> pd.DataFrame:
    """Return a copy where a random ``share`` of rows get a ``level`` the reference never had.

    Examples
    --------
    >>> import pandas as pd
    >>> out = add_new_category(pd.DataFrame({"plan": ["a", "b"] * 5}), "plan", "c", share=0.2)
    >>> out["plan"].value_counts().sort_index().tolist()
    [4, 4, 2]
    """
    out = _start(df, column)
    mask = _pick(len(out), share, _rng(seed))
    series = out[column]
    if isinstance(series.dtype, pd.CategoricalDtype):
        if level not in series.cat.categories:
            series = series.cat.add_categories([level])
        series = series.copy()
        series[mask] = level
    else:
        # Text keeps its dtype; numbers, dates and booleans cannot hold a new label (numpy's
        # bool would even read "new" as True), so they become plain objects.
        text = column_kind(series) == "text"
        series = series.astype(object).where(~mask, level).astype(series.dtype if text
                                                                  else object)
    out[column] = series
    return out


def _resample(df: pd.DataFrame, groups: pd.Series, shares: Mapping[Any, float],
              rng: np.random.Generator) -> pd.DataFrame:
    """Draw len(df) rows so that each group gets its share (rows drawn with replacement)."""
    levels = list(shares)
    counts = rng.multinomial(len(df), np.array([shares[lv] for lv in levels], dtype=float))
    parts = []
    for level, count in zip(levels, counts, strict=True):
        # nullable columns compare missing values as <NA>: those rows are in no level
        rows = np.flatnonzero((groups == level).fillna(False).to_numpy(dtype=bool))
        if count:
            parts.append(rows[rng.integers(0, len(rows), size=count)])
    order = rng.permutation(np.concatenate(parts))
    return df.iloc[order].reset_index(drop=True)


def change_category_mix(df: pd.DataFrame, column: str, weights: Mapping[Any, float], *,
                        seed: int = 0) -> pd.DataFrame:
    """Return rows resampled so that ``column``'s levels have new shares (the mix changes).

    Rows are drawn with replacement within each level, so everything else about the customers
    of a level stays as it was. Levels not in ``weights`` share what is left, in their old
    proportions.

    Parameters
    ----------
    df : pandas.DataFrame
        The data; it is not modified.
    column : str
        A column of labels.
    weights : dict
        New share of some levels, e.g. ``{"premium": 0.5}``; the shares must sum to at most 1.
    seed : int, default=0
        Seed of the resampling.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"plan": ["basic"] * 80 + ["premium"] * 20})
    >>> out = change_category_mix(df, "plan", {"premium": 0.5})
    >>> round(float((out["plan"] == "premium").mean()), 1)
    0.5
    """
    out = _start(df, column)
    old = out[column].value_counts(normalize=True)
    old = old[old > 0]
    if not isinstance(weights, Mapping) or not weights:
        raise TypeError(f"weights must be a non-empty dict of level -> share; got {_short(weights)}.")
    unknown = [lv for lv in weights if lv not in old.index]
    if unknown:
        raise ValueError(f"weights names level(s) {unknown!r} that {column!r} does not hold; "
                         f"it holds {old.index.tolist()!r}. Use add_new_category for new ones.")
    total = float(sum(weights.values()))
    if total > 1 + 1e-9 or min(weights.values()) < 0:
        raise ValueError(f"weights must be shares between 0 and 1 summing to at most 1; got {weights!r}.")
    rest = old.drop(list(weights))
    shares = dict(weights)
    if len(rest):
        shares.update((rest / rest.sum() * (1 - total)).to_dict())
    return _resample(out, out[column], shares, _rng(seed))


def _binary_target(df: pd.DataFrame, target: str) -> np.ndarray:
    values = df[target]
    if values.isna().any() or not set(pd.unique(values)) <= {0, 1}:
        raise ValueError(f"target {target!r} must hold only 0 and 1; got "
                         f"{sorted(map(repr, pd.unique(values)))[:5]}.")
    return values.to_numpy(dtype=int)


def shift_prior(df: pd.DataFrame, target: str, rate: float, *, seed: int = 0) -> pd.DataFrame:
    """Return rows resampled so that the share of ``target == 1`` is ``rate`` (prior shift).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": range(100), "y": [1] * 20 + [0] * 80})
    >>> round(float(shift_prior(df, "y", 0.5)["y"].mean()), 1)
    0.5
    """
    out = _start(df, target, "target")
    y = _binary_target(out, target)
    rate = check_probability(rate, "rate")
    if y.min() == y.max():
        raise ValueError(f"target {target!r} holds one class only; shift_prior needs both.")
    return _resample(out, pd.Series(y), {1: rate, 0: 1 - rate}, _rng(seed))


def change_concept(df: pd.DataFrame, target: str, where: Callable[[pd.DataFrame], Any] | str,
                   rate: float, *, seed: int = 0) -> pd.DataFrame:
    """Return a copy where the rows matching ``where`` are relabelled: 1 with probability ``rate``.

    The inputs stay exactly the same; only who has the outcome changes (a concept change), so
    no test on the inputs can see it.

    Parameters
    ----------
    df : pandas.DataFrame
        The data with its label; it is not modified.
    target : str
        The 0/1 label column.
    where : callable or str
        Which rows: a function of the frame returning a boolean mask, or a
        ``DataFrame.query`` string such as ``"region == 'North'"``.
    rate : float
        New probability of ``1`` in those rows.
    seed : int, default=0
        Seed of the new labels.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"plan": ["a", "b"] * 50, "y": [0] * 100})
    >>> out = change_concept(df, "y", "plan == 'b'", rate=1.0)
    >>> out.groupby("plan")["y"].mean().tolist()
    [0.0, 1.0]
    """
    out = _start(df, target, "target")
    _binary_target(out, target)
    rate = check_probability(rate, "rate")
    if isinstance(where, str):
        try:
            mask = out.eval(where)
        except Exception as error:  # pandas raises SyntaxError, NameError, UndefinedVariableError...
            raise ValueError(f"where must be a query on df's columns such as \"tenure < 6\"; "
                             f"{where!r} failed: {error}") from None
    elif callable(where):
        mask = where(out)
    else:
        raise TypeError(f"where must be a query string or a function; got {_short(where)}.")
    try:
        selected = np.asarray(mask, dtype=bool)
    except (TypeError, ValueError):
        selected = None
    if selected is None or selected.shape != (len(out),):
        raise ValueError(f"where must select rows: one True/False per row of df ({len(out)}); got "
                         f"{_short(mask)}.")
    mask = selected
    rng = _rng(seed)
    y = out[target].to_numpy(dtype=int).copy()
    y[mask] = (rng.random(int(mask.sum())) < rate).astype(int)
    out[target] = y
    return out


#: Event kinds :func:`simulate_stream` knows, and the simulator behind each.
SIMULATORS = {
    "covariate_shift": shift_numeric,
    "category_mix": change_category_mix,
    "new_category": add_new_category,
    "unit_change": change_units,
    "missing_spike": inject_missing,
    "prior_shift": shift_prior,
    "concept_change": change_concept,
}
_SHAPES = ("sudden", "gradual", "recurring")
EVENT_LOG_COLUMNS = ["event", "kind", "shape", "column", "start_month", "end_month",
                     "detectable_in", "size", "description"]


def _event_strength(event: Mapping, t: int) -> float:
    """Share of the batch's rows the event touches at batch ``t`` (0 when inactive)."""
    start, end = event["start"], event.get("end", None)
    end = math.inf if end is None else end
    if not start <= t <= end:
        return 0.0
    if event["shape"] == "gradual":
        last = end if end != math.inf else start + 4
        return min(1.0, (t - start + 1) / (last - start + 1))
    if event["shape"] == "recurring":
        return 1.0 if ((t - start) // event.get("period", 1)) % 2 == 0 else 0.0
    return 1.0


def _check_event(event: Any, i: int, reference: pd.DataFrame) -> dict:
    if not isinstance(event, Mapping):
        raise TypeError(f"events[{i}] must be a dict; got {_short(event)}.")
    needed = {"kind", "column", "start"}
    if needed - set(event):
        raise ValueError(f"events[{i}] lacks key(s) {sorted(needed - set(event))!r}; "
                         "each event needs kind, column and start (a batch number).")
    check_one_of(event["kind"], f"events[{i}]['kind']", SIMULATORS)
    check_one_of(event.get("shape", "sudden"), f"events[{i}]['shape']", _SHAPES)
    check_columns(reference, [event["column"]], f"events[{i}]['column']")
    return {"event": f"event_{i}", "shape": "sudden", "params": {}, **event}


def simulate_stream(reference: pd.DataFrame, n_batches: int, events: Sequence[Mapping] = (), *,
                    batch_size: int = 1_000, start_month: str = "2025-01",
                    seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw monthly batches from ``reference`` and apply scripted events to them.

    Each batch is a random sample of the reference (so, without events, nothing changes but
    chance). An event is a dict with ``kind`` (a key of :data:`SIMULATORS`), ``column``,
    ``start`` and optionally ``end`` (batch numbers, from 0), ``shape``, ``params`` (keyword
    arguments of the simulator), ``event`` (a name) and ``period`` (for recurring events):

    * ``"sudden"``: every row of the batches from ``start`` to ``end``;
    * ``"gradual"``: a growing share of rows, from ``1 / (end - start + 1)`` to all of them at
      ``end`` (the old and new worlds mix, the new one winning);
    * ``"recurring"``: ``period`` batches on, ``period`` batches off, from ``start`` to ``end``.

    Parameters
    ----------
    reference : pandas.DataFrame
        Where the batches are drawn from.
    n_batches : int
        Number of batches (months).
    events : list of dict
        The scripted events.
    batch_size : int, default=1000
        Rows per batch.
    start_month : str, default="2025-01"
        The month of batch 0.
    seed : int, default=0
        Seed of the sampling and of the events.

    Returns
    -------
    batches : pandas.DataFrame
        The batches, one after the other, with ``batch`` (number) and ``month`` columns.
    event_log : pandas.DataFrame
        One row per event in the format of ``datasets.load("events")``; ``detectable_in`` is
        the start month (the first month a perfect detector could see it).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ref = pd.DataFrame({"x": np.random.default_rng(0).normal(size=500)})
    >>> batches, log = simulate_stream(ref, 3, [{"kind": "unit_change", "column": "x",
    ...                                            "start": 2, "params": {"factor": 100}}],
    ...                                batch_size=100)
    >>> batches.groupby("batch")["x"].std().round(-1).tolist()
    [0.0, 0.0, 100.0]
    >>> log[["kind", "start_month", "end_month"]]
              kind start_month end_month
    0  unit_change     2025-03   2025-03
    """
    check_dataframe(reference, "reference")
    n_batches = check_positive_int(n_batches, "n_batches")
    batch_size = check_positive_int(batch_size, "batch_size")
    seed = check_seed(seed)
    if isinstance(events, Mapping) or not isinstance(events, Sequence):
        raise TypeError(f"events must be a list of dicts; got {_short(events)}.")
    checked = [_check_event(e, i, reference) for i, e in enumerate(events)]
    try:
        months = pd.period_range(start_month, periods=n_batches, freq="M")
    except (ValueError, TypeError):  # pandas' DateParseError is a ValueError naming no argument
        raise ValueError(f"start_month must be a month such as '2025-01'; got {start_month!r}.") from None
    rng = _rng(seed)
    batches = []
    for t in range(n_batches):
        batch = reference.iloc[rng.integers(0, len(reference), batch_size)].reset_index(drop=True)
        for k, event in enumerate(checked):
            strength = _event_strength(event, t)
            if strength == 0:
                continue
            simulator = SIMULATORS[event["kind"]]
            mask = _pick(len(batch), strength, rng)
            hit = simulator(batch[mask].reset_index(drop=True), event["column"], **event["params"],
                            seed=(seed + 1000 * t + k) % 2**32)
            batch = hit if mask.all() else pd.concat([batch[~mask], hit], ignore_index=True)
        batch = batch.sample(frac=1.0, random_state=int(rng.integers(2**31))).reset_index(drop=True)
        batch["batch"] = t
        batch["month"] = months[t].to_timestamp()
        batches.append(batch)
    log = []
    for event in checked:
        end = n_batches - 1 if event.get("end") is None else min(event["end"], n_batches - 1)
        log.append({"event": event["event"], "kind": event["kind"], "shape": event["shape"],
                    "column": event["column"], "start_month": str(months[event["start"]]),
                    "end_month": str(months[end]), "detectable_in": str(months[event["start"]]),
                    "size": repr(event["params"]),
                    "description": f"simulated with {SIMULATORS[event['kind']].__name__}"})
    return pd.concat(batches, ignore_index=True), pd.DataFrame(log, columns=EVENT_LOG_COLUMNS)
