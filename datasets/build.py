"""Build the case-study world: a fictional mobile operator, Nimbus Mobile, whose customers may churn.

Run ``python datasets/build.py`` from the repository root. It rewrites, byte for byte, the CSV
files committed next to it (a test checks this), so every number in the course can be traced
back to the rules below. Because we simulate the world, the truth is known: each customer's
real outcome, which labels are wrong, and when and how production data changes.

Files written (see ``datasets/README.md`` for the datasheets):

- ``history.csv``            labelled customers, one row per customer and snapshot month of 2024
- ``history_truth.csv``      the answer key: real outcome, guideline label, planted label problems
- ``annotations.csv``        300 customers labelled by four annotators, before and after a guideline
- ``production.csv``         monthly batches of 2025 customers, as the deployed model sees them
- ``production_labels.csv``  their churn labels, which arrive one month late
- ``events.csv``             the scripted production events: month, column, kind and size

The generator uses only numpy and pandas, with one seeded random generator per table so that a
change to one table does not reshuffle the others.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 2024
HERE = Path(__file__).resolve().parent

N_HISTORY = 5_000
N_DUPLICATES = 60  # CRM merge accidents: the same customer entered twice
N_PER_PRODUCTION_MONTH = 1_000
HISTORY_MONTHS = pd.period_range("2024-01", "2024-12", freq="M")
PRODUCTION_MONTHS = pd.period_range("2025-01", "2025-12", freq="M")

REGIONS = {"North": 0.25, "South": 0.20, "East": 0.20, "West": 0.20, "Central": 0.15}
PLANS = {"Basic": 0.35, "Standard": 0.33, "Premium": 0.21, "Unlimited": 0.11}
PLAN_PRICE = {"Basic": 15.0, "Standard": 25.0, "Premium": 40.0, "Unlimited": 55.0, "5G Max": 65.0}
PLAN_DATA_GB = {"Basic": 2.0, "Standard": 6.0, "Premium": 14.0, "Unlimited": 25.0, "5G Max": 35.0}
CONTRACTS = {"month-to-month": 0.50, "one-year": 0.30, "two-year": 0.20}
PAYMENTS = {"direct debit": 0.36, "card": 0.34, "bank transfer": 0.15, "e-wallet": 0.15}
BRANDS = ["Orion", "Vela", "Lyra", "Nova", "Pyxis", "Draco", "Hydra", "Corvus", "Lupus", "Ara"]
COMPLAINTS = {
    # topic: (text variants, extra log-odds of leaving)
    "billing": (["billing error on last invoice", "charged twice this month",
                 "bill higher than expected"], 0.9),
    "coverage": (["no signal at home", "calls drop in the evening", "weak coverage at work"], 0.7),
    "speed": (["slow data in the evening", "mobile data very slow", "video keeps buffering"], 0.4),
    "price": (["competitor offered a better price", "too expensive for what I use",
               "roaming charges too high"], 1.3),
    "service": (["waited an hour on the hotline", "shop staff were unhelpful",
                 "app keeps logging me out"], 0.5),
}

# The labelling team of the South region followed an older rule: a customer who moved to the
# free tier "stayed". Under the company's guideline they churned (they stopped paying).
NOISY_REGION = "South"

# Production events (month, column, kind, size), also written to events.csv.
GRADUAL_SHIFT_START = pd.Period("2025-03", freq="M")
GRADUAL_SHIFT_PER_MONTH = 0.10  # data usage grows 10 % per month, compounding
NEW_PLAN, NEW_PLAN_START, NEW_PLAN_SHARE = "5G Max", pd.Period("2025-05", freq="M"), 0.15
UNIT_BUG_MONTH = pd.Period("2025-07", freq="M")  # monthly_charges sent in cents for one month
CONCEPT_START = pd.Period("2025-09", freq="M")  # competitor offer to high-spending flexible customers
CONCEPT_EXTRA_LOGODDS = 2.0


def _choice(rng: np.random.Generator, options: dict[str, float], n: int) -> np.ndarray:
    keys = list(options)
    p = np.array([options[k] for k in keys])
    return rng.choice(keys, size=n, p=p / p.sum())


def _device_catalogue() -> list[str]:
    return [f"{brand} {letter}{number}" for brand in BRANDS for letter in "SXZ"
            for number in (3, 5, 7, 9)]


def simulate_customers(rng: np.random.Generator, months: pd.PeriodIndex, n: int,
                       first_id: int, *, production: bool = False) -> pd.DataFrame:
    """Simulate ``n`` customer snapshots spread over ``months``, with their hidden outcome."""
    month = np.sort(rng.choice(months.to_timestamp(), size=n))
    month_period = pd.PeriodIndex(month, freq="M")
    region = _choice(rng, REGIONS, n)
    plan = _choice(rng, PLANS, n)
    if production:
        started = month_period >= NEW_PLAN_START
        months_in = np.asarray((month_period - NEW_PLAN_START).map(lambda d: d.n)).clip(0)
        share = np.where(started, NEW_PLAN_SHARE + 0.02 * months_in, 0.0)
        plan = np.where(rng.random(n) < share, NEW_PLAN, plan)
    contract = _choice(rng, CONTRACTS, n)
    payment = _choice(rng, PAYMENTS, n)
    tenure = np.clip(rng.gamma(1.4, 16.0, n).round(), 1, 72).astype(int)
    tenure = np.where(contract == "two-year", np.maximum(tenure, 6), tenure)
    age = np.clip(rng.normal(43, 14, n) - 0.08 * (tenure - 20), 18, 88).round()
    family = rng.random(n) < 0.22
    autopay = rng.random(n) < np.where(np.isin(payment, ["direct debit", "card"]), 0.75, 0.25)
    paperless = rng.random(n) < np.clip(0.85 - 0.008 * (age - 18), 0.2, 0.95)
    base_price = pd.Series(plan).map(PLAN_PRICE).to_numpy()
    charges = (base_price + 10.0 * family + rng.normal(0, 3.5, n)).clip(5).round(2)
    base_gb = pd.Series(plan).map(PLAN_DATA_GB).to_numpy()
    usage = (base_gb * rng.lognormal(0.0, 0.7, n) * np.where(age < 30, 1.4, 1.0)).round(2)

    devices = _device_catalogue()
    weights = 1.0 / np.arange(1, len(devices) + 1) ** 1.1  # a few popular models, a long tail
    device_idx = rng.choice(len(devices), size=n, p=weights / weights.sum())
    device = np.array(devices)[device_idx]
    old_device = np.isin(np.array([d.split()[1][0] for d in device]), ["S"])  # S-series is old

    unhappy = rng.normal(0, 1, n)  # hidden satisfaction: drives calls, complaints and leaving
    calls = rng.poisson(np.exp(-0.4 + 0.55 * unhappy.clip(-2, 3)))
    complaint_topic = np.full(n, "", dtype=object)
    has_complaint = rng.random(n) < 1 / (1 + np.exp(-(-1.6 + 0.9 * unhappy)))
    topics = list(COMPLAINTS)
    complaint_topic[has_complaint] = rng.choice(topics, size=int(has_complaint.sum()))
    complaint_text = np.array([
        rng.choice(COMPLAINTS[t][0]) if t else "" for t in complaint_topic
    ], dtype=object)
    topic_effect = np.array([COMPLAINTS[t][1] if t else 0.0 for t in complaint_topic])

    logit = (
        -2.6
        + 0.5 * unhappy
        + 2.4 * (contract == "month-to-month")
        - 1.8 * (contract == "two-year")
        + 0.7 * calls
        - 0.07 * tenure
        + 0.05 * (charges - 30)
        - 0.9 * autopay
        + 0.8 * (payment == "e-wallet")
        + 0.8 * old_device
        - 0.6 * family
        + 2.0 * topic_effect
    )
    if production:
        offer = (month_period >= CONCEPT_START) & (contract == "month-to-month") & np.isin(
            plan, ["Premium", "Unlimited", NEW_PLAN])
        logit = logit + CONCEPT_EXTRA_LOGODDS * offer
    leaves = rng.random(n) < 1 / (1 + np.exp(-logit))
    # A leaver on a cheap plan often keeps the number on the free tier instead of closing.
    p_downgrade = np.where(np.isin(plan, ["Basic", "Standard"]), 0.65, 0.35)
    downgraded = leaves & (rng.random(n) < p_downgrade)
    outcome = np.where(~leaves, "stayed", np.where(downgraded, "downgraded", "closed"))

    signup = month - pd.to_timedelta(tenure * 30.44 + rng.integers(0, 28, n), unit="D")
    age = np.where(rng.random(n) < np.where(payment == "e-wallet", 0.15, 0.05), np.nan, age)

    return pd.DataFrame({
        "customer_id": [f"C{first_id + i:06d}" for i in range(n)],
        "month": pd.DatetimeIndex(month).strftime("%Y-%m-%d"),
        "signup_date": pd.DatetimeIndex(signup).strftime("%Y-%m-%d"),
        "age": age,
        "region": region,
        "plan": plan,
        "contract": contract,
        "payment_method": payment,
        "tenure_months": tenure,
        "monthly_charges": charges,
        "data_usage_gb": usage,
        "support_calls_90d": calls,
        "autopay": autopay,
        "paperless_billing": paperless,
        "family_plan": family,
        "device_model": device,
        "last_complaint": complaint_text,
        "outcome": outcome,
    })


def build_history(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """History table (as the company recorded it) and its answer key."""
    world = simulate_customers(rng, HISTORY_MONTHS, N_HISTORY - N_DUPLICATES, first_id=100_000)
    truth = world["outcome"].isin(["closed", "downgraded"]).astype(int)
    recorded = truth.copy()
    noisy = (world["region"] == NOISY_REGION) & (world["outcome"] == "downgraded")
    recorded[noisy] = 0

    # Leaky column: the exit survey is only sent after an account is closed.
    survey = np.where(world["outcome"] == "closed", rng.integers(1, 6, len(world)), np.nan)
    history = world.drop(columns="outcome").assign(exit_survey_score=survey, churned=recorded)
    key = pd.DataFrame({
        "customer_id": world["customer_id"],
        "outcome": world["outcome"],
        "churned_true": truth,
        "label_is_wrong": noisy.to_numpy(),
        "duplicate_of": "",
    })

    # Duplicates: copies of real rows under a new id; half of them carry the opposite label.
    source = rng.choice(len(history), size=N_DUPLICATES, replace=False)
    dup = history.iloc[source].copy()
    dup_key = key.iloc[source].copy()
    new_ids = [f"C{900_000 + i:06d}" for i in range(N_DUPLICATES)]
    flip = np.arange(N_DUPLICATES) % 2 == 1
    dup["churned"] = np.where(flip, 1 - dup["churned"], dup["churned"])
    dup_key["duplicate_of"] = dup["customer_id"].to_numpy()
    dup_key["label_is_wrong"] = (dup["churned"].to_numpy() != dup_key["churned_true"].to_numpy())
    dup["customer_id"] = new_ids
    dup_key["customer_id"] = new_ids

    history = pd.concat([history, dup]).sort_values(["month", "customer_id"], kind="stable")
    key = pd.concat([key, dup_key]).set_index("customer_id").loc[history["customer_id"]]
    return history.reset_index(drop=True), key.reset_index()


def build_annotations(rng: np.random.Generator, key: pd.DataFrame) -> pd.DataFrame:
    """Four annotators label 300 customers twice: with a vague brief, then with a guideline."""
    original = key[key["duplicate_of"] == ""]
    picks = []
    for outcome, n in {"downgraded": 100, "closed": 80, "stayed": 120}.items():
        ids = original.loc[original["outcome"] == outcome, "customer_id"].to_numpy()
        picks.append(rng.choice(ids, size=n, replace=False))
    items = original.set_index("customer_id").loc[np.sort(np.concatenate(picks))]

    # P(label "churned" | downgraded) each annotator believed in before the guideline.
    belief = {"amara": 0.9, "bruno": 0.1, "chen": 0.6, "dana": 0.3}
    rows = []
    for round_name, slip in [("before_guideline", 0.05), ("after_guideline", 0.02)]:
        for annotator, p_down in belief.items():
            if round_name == "after_guideline":
                p_down = 0.97  # the guideline: moving to the free tier counts as churn
            clear = items["churned_true"].to_numpy()
            label = np.where(rng.random(len(items)) < slip, 1 - clear, clear)
            down = items["outcome"].to_numpy() == "downgraded"
            label = np.where(down, (rng.random(len(items)) < p_down).astype(int), label)
            rows.append(pd.DataFrame({"customer_id": items.index, "annotator": annotator,
                                      "round": round_name, "label": label}))
    return pd.concat(rows, ignore_index=True)


def build_production(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly production batches with the scripted events, and their late-arriving labels."""
    world = simulate_customers(rng, PRODUCTION_MONTHS, N_PER_PRODUCTION_MONTH * 12,
                               first_id=200_000, production=True)
    period = pd.PeriodIndex(pd.to_datetime(world["month"]), freq="M")
    months_in = np.asarray((period - GRADUAL_SHIFT_START).map(lambda d: d.n)).clip(-1) + 1
    growth = (1 + GRADUAL_SHIFT_PER_MONTH) ** months_in
    world["data_usage_gb"] = (world["data_usage_gb"] * growth).round(2)
    bug = period == UNIT_BUG_MONTH
    world.loc[bug, "monthly_charges"] = (world.loc[bug, "monthly_charges"] * 100).round(0)

    labels = pd.DataFrame({
        "customer_id": world["customer_id"],
        "month": world["month"],
        "churned": world["outcome"].isin(["closed", "downgraded"]).astype(int),
        "label_available_from": (period + 1).to_timestamp().strftime("%Y-%m-%d"),
    })
    return world.drop(columns="outcome"), labels


def build_events() -> pd.DataFrame:
    """The production event log, machine-readable (the datasheet tells the same story)."""
    return pd.DataFrame([
        {"event": "usage_growth", "kind": "covariate_shift", "shape": "gradual",
         "column": "data_usage_gb", "start_month": "2025-03", "end_month": "2025-12",
         "detectable_in": "2025-04",
         "size": "x1.10 per month, compounding (x2.59 by 2025-12)",
         "description": "Customers stream more video: data usage grows every month."},
        {"event": "new_plan", "kind": "new_category", "shape": "sudden",
         "column": "plan", "start_month": "2025-05", "end_month": "2025-12",
         "detectable_in": "2025-05",
         "size": "15 % of customers in 2025-05, +2 points a month",
         "description": "Marketing launches the '5G Max' plan, which training never saw."},
        {"event": "cents_bug", "kind": "unit_change", "shape": "sudden",
         "column": "monthly_charges", "start_month": "2025-07", "end_month": "2025-07",
         "detectable_in": "2025-07",
         "size": "values x100 (cents instead of euros) for one month",
         "description": "A billing-export change sends charges in cents; fixed in August."},
        {"event": "competitor_offer", "kind": "concept_change", "shape": "sudden",
         "column": "churned", "start_month": "2025-09", "end_month": "2025-12",
         "detectable_in": "2025-10",
         "size": "+2.0 log-odds of leaving for month-to-month Premium, Unlimited and 5G Max",
         "description": "A competitor targets high-spending customers without a contract; "
                        "inputs look the same but more of them leave. Labels for 2025-09 "
                        "arrive in 2025-10."},
    ])


def build_all(out_dir: Path = HERE) -> dict[str, pd.DataFrame]:
    """Build every table and write it as CSV into ``out_dir``; return the tables."""
    seeds = np.random.SeedSequence(SEED).spawn(3)
    history, key = build_history(np.random.default_rng(seeds[0]))
    annotations = build_annotations(np.random.default_rng(seeds[1]), key)
    production, production_labels = build_production(np.random.default_rng(seeds[2]))
    tables = {
        "history": history,
        "history_truth": key,
        "annotations": annotations,
        "production": production,
        "production_labels": production_labels,
        "events": build_events(),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(out_dir / f"{name}.csv", index=False, lineterminator="\n",
                     float_format="%.6g")
    return tables


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE,
                        help="folder to write the CSV files into (default: datasets/)")
    args = parser.parse_args()
    for name, table in build_all(args.out).items():
        print(f"{name:18s} {len(table):6d} rows -> {args.out / (name + '.csv')}")
