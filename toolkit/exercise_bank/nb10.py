"""Exercises and the quiz of notebook 10 (the capstone on the Palmer penguins).

Expected answers are computed from the shipped data with the same steps as the notebook, so a
change to the data or to a toolkit function shows up here, not as a silently wrong answer.
"""

from functools import lru_cache

from toolkit.exercises import Exercise, register
from toolkit.quizzes import Quiz, register_quiz

#: The columns that describe where and when a bird was measured, not the bird.
SITE_AND_SEASON = ("island", "year")
#: The team's rule of thumb (the "older system"): heavier birds are male.
RULE = "body_mass_g >= 4000"


@lru_cache(maxsize=1)
def _capstone():
    """The notebook's data: known islands, Dream's first season, their features and labels."""
    from toolkit.datasets import load

    penguins = load("penguins").dropna(subset=["sex"])
    penguins = penguins.assign(male=(penguins["sex"] == "male").astype(int))
    known, dream = penguins[penguins["island"] != "Dream"], penguins[penguins["island"] == "Dream"]
    X = known.drop(columns=["sex", "male", *SITE_AND_SEASON])
    X["species"] = X["species"].cat.remove_unused_categories()
    return known, dream, X, known["male"]


def _rule_accuracy() -> float:
    from toolkit.baselines import RuleClassifier

    known, _, X, y = _capstone()
    return float((RuleClassifier(RULE).fit(X, y).predict(X) == y).mean())


def _drifted() -> list[str]:
    from toolkit.drift import drift_report

    _, dream, X, _ = _capstone()
    report = drift_report(X, dream.loc[dream["year"] == 2007, list(X.columns)])
    return report.table.loc[report.table["drifted"], "column"].tolist()


def _season_answers():
    """The deployed model's decisions on Dream's first season, without a registry."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from toolkit.features import make_preprocessor

    _, dream, X, y = _capstone()
    model = make_pipeline(make_preprocessor(X), LogisticRegression(tol=1e-10, max_iter=5000)).fit(X, y)
    season = dream[dream["year"] == 2007]
    return season, model.predict(season[X.columns].assign(
        species=season["species"].astype(str).where(season["species"].isin(X["species"].cat.categories))))


def _weakest_species() -> str:
    from toolkit.error_analysis import error_slices

    season, decisions = _season_answers()
    slices = error_slices(season, season["male"], decisions, by="species", min_size=10)
    return str(slices.sort_values("error_rate").iloc[-1]["species"])


@lru_cache(maxsize=1)
def _gate():
    """Notebook 10's champion/challenger test: v1 against v2 (refitted with Dream 2007) on
    Dream's later seasons, the decisions computed as the service computes them."""
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from toolkit.baselines import compare_to_baseline
    from toolkit.features import make_preprocessor

    _, dream, X, y = _capstone()
    season, later = dream[dream["year"] == 2007], dream[dream["year"] > 2007]
    X2 = pd.concat([X, season[X.columns]])
    X2["species"] = X2["species"].astype("category")
    y2 = pd.concat([y, season["male"]])

    def fit(features, labels):
        model = make_pipeline(make_preprocessor(features), LogisticRegression(tol=1e-10, max_iter=5000))
        return model.fit(features, labels)

    seen = later["species"].astype(str).where(later["species"].isin(X["species"].cat.categories))
    champion = fit(X, y).predict(later[X.columns].assign(species=seen))
    challenger = fit(X2, y2).predict(later[X.columns].assign(species=later["species"].astype(str)))
    return compare_to_baseline(later["male"], challenger, champion, metric="accuracy")


def _gate_verdict() -> str:
    return "promote" if _gate().ci_low > 0 else "shadow"


def _unseen_species() -> str:
    _, dream, X, _ = _capstone()
    return sorted(set(dream["species"].astype(str)) - set(X["species"].astype(str)))[0]


register(Exercise(
    "10.1",
    "Which ML metric fits the penguin-sexing scope?",
    expected="accuracy",
    kind="choice",
    options=("accuracy", "recall", "precision"),
    activity="decide",
    mistakes={
        "recall": "Recall counts only the males found. Here a female called male costs as much "
                  "as a male called female, so both errors must count equally.",
        "precision": "Precision counts only the birds called male. Both kinds of error cost the "
                     "same here, and neither class is rare.",
    },
    hints=("Is one sex rare? Compare the share of males with 0.5.",
           "Notebook 01's warning is about a rare class and unequal costs. Does either hold here?"),
    explanation="Males and females come in nearly equal numbers and both errors cost the same, "
                "so accuracy says what the team needs: the share of birds sexed right. It was "
                "misleading in the churn project because churners were rare.",
))

register(Exercise(
    "10.2",
    f"What is the accuracy of the rule {RULE!r} on the known islands?",
    expected=_rule_accuracy,
    tolerance=0.005,
    activity="do",
    mistakes=lambda: {0.5: "About 0.5 is what a coin, or always answering the more common sex, "
                           "scores here. Compute the rule's: (rule.predict(X) == y).mean().",
                      1 - _rule_accuracy(): "That is the rule's error rate; accuracy is the share "
                                            "it gets right."},
    hints=('`rule = baselines.RuleClassifier("body_mass_g >= 4000").fit(X, y)`',
           "`(rule.predict(X) == y).mean()` is the share of birds the rule gets right."),
    explanation=lambda: f"The rule is right for {_rule_accuracy():.1%} of the known birds: better "
                        "than a coin, because males are heavier within each species, but a heavy "
                        "female of a big species and a light male of a small one fool it.",
))

register(Exercise(
    "10.3",
    "Which columns of X would not carry over to a new island and later seasons?",
    expected=SITE_AND_SEASON,
    kind="set",
    activity="decide",
    mistakes={
        ("island",): "Right about `island`; `year` also says when, not what the bird is, and "
                     "next season's year is one the model never saw.",
        ("year",): "Right about `year`; `island` also says where, and the model will be used "
                   "on an island it has never seen.",
        ("island", "year", "species"): "`species` is a property of the bird and is known in "
                                       "the field: keep it. Only where and when do not carry over.",
        ("species",): "`species` describes the bird itself. Which columns describe where and when "
                      "it was measured?",
    },
    hints=("Which columns describe the bird, and which the circumstances of measuring it?",
           "Two columns: one says where, one says when."),
    explanation="`island` and `year` describe where and when a bird was measured. A model that "
                "learned them would learn the known islands' quirks, which cannot help on Dream "
                "or in a later season.",
))

register(Exercise(
    "10.4",
    "Which columns does the drift report flag on Dream's first season?",
    expected=_drifted,
    kind="set",
    activity="do",
    mistakes=lambda: {("species",): "`species` drifted, but so did some measurements: read the "
                                    "`drifted` column of `report.table` for every row.",
                      tuple(_capstone()[2].columns): "Not every column drifted: keep only the rows "
                                                     "whose `drifted` is True."},
    hints=("`report = drift.drift_report(X, season[X.columns])`, then look at `report.table`.",
           '`report.table.loc[report.table["drifted"], "column"].tolist()`'),
    explanation=lambda: f"The new island holds a species the known islands lack "
                        f"({_unseen_species()}), so the species mix and the measurements tied to "
                        "body size move together: a real change, found before any label.",
))

register(Exercise(
    "10.5",
    "Should the team record the model's answers for the unseen species as they are?",
    expected="no",
    kind="choice",
    options=("yes", "no"),
    activity="decide",
    mistakes={"yes": "The model never saw this species: its answers are guesses from other "
                     "species' measurements, and nobody knows yet how good they are. Keep "
                     "the blood test for those birds until labels show the model's accuracy."},
    hints=("What did the model learn about this species in training?",
           "Notebook 07: a warning means a person should look before acting."),
    explanation="Right: the warning says the model is outside what it learned. Record its "
                "answers only beside a blood test, until labels from the new site show whether "
                "they can be trusted.",
))

register(Exercise(
    "10.6",
    "Which species has the highest error rate on Dream's first season?",
    expected=_weakest_species,
    kind="choice",
    options=("Adelie", "Chinstrap", "Gentoo"),
    activity="do",
    mistakes={"Gentoo": "No Gentoo lives on Dream: the slices show only the species present.",
              "Adelie": "Adelie penguins are on the known islands too, and the model does better "
                        "on them. Sort the slices by `error_rate`."},
    hints=('`error_analysis.error_slices(season, season["male"], answers["decision"], '
           'by="species", min_size=10)`',
           "Sort the result by `error_rate` and read the last row."),
    explanation="The errors gather on the species the model never saw: the drift report's "
                "warning came true once the labels arrived.",
))

register(Exercise(
    "10.7",
    "Promote the challenger, keep it in shadow, or archive it?",
    expected=_gate_verdict,
    kind="choice",
    options=("promote", "shadow", "archive"),
    activity="decide",
    mistakes=lambda: {
        "promote": f"The challenger scored higher, but the interval of the gain starts at "
                   f"{_gate().ci_low:+.3f} and McNemar's p is {_gate().p_value:.3f}: on "
                   f"{_gate().n_test} birds the gain cannot be told from luck. The rule was "
                   "written so as not to promote on luck.",
        "shadow": "The whole interval of the gain lies above zero: by the rule, the challenger "
                  "is clearly better and replaces the champion.",
        "archive": "Nothing shows the challenger is worse: its point estimate is higher. "
                   "Archiving throws away the only model that has seen the new species.",
    },
    hints=("Is the lower end of the interval above zero?",
           "Not clearly better is not worse: what keeps collecting evidence at no risk?"),
    explanation=lambda: (
        "Right: the challenger is not clearly better yet (interval "
        f"[{_gate().ci_low:+.3f}, {_gate().ci_high:+.3f}]), so it stays in shadow, scoring every "
        "bird at no risk, until enough labelled birds decide."
        if _gate_verdict() == "shadow" else
        "Right: the whole interval of the gain lies above zero, so the challenger replaces the "
        "champion."),
))

register(Exercise(
    "10.8",
    "Which phase of the lifecycle comes next?",
    expected="data",
    kind="choice",
    options=("scoping", "data", "modeling", "deployment"),
    activity="decide",
    mistakes={
        "scoping": "The question and the metric still hold; nothing about them went wrong.",
        "modeling": "A cleverer model cannot learn a species from a handful of birds; what is "
                    "missing is labelled birds of that species.",
        "deployment": "The deployment worked: it warned, logged and kept the challenger in "
                      "shadow. What it lacks is evidence.",
    },
    hints=("What was too small to decide Exercise 10.7?",),
    explanation="Back to the data: label more birds of the new species at the new site, then "
                "retrain and test again. Monitoring sent the loop back to data collection.",
))

register_quiz(Quiz(
    "10.q1",
    "The drift report flags several measurements on the new island. Does that show the model is "
    "wrong there?",
    options={"a": "Yes: drifted inputs mean wrong answers.",
             "b": "Not by itself: the inputs changed; only labels show whether the accuracy did.",
             "c": "No: drift only matters for category columns."},
    correct="b",
    feedback={
        "a": "Inputs can move without hurting the model (birds a little heavier, a boundary that "
             "still holds), and a model can fail with no input drift at all (concept drift).",
        "b": "Right: drift is a warning to look, and a reason to collect labels. Here the labels "
             "then showed where the model failed.",
        "c": "Numbers drift too: a shift in a measurement is drift, whatever the column's kind.",
    },
))
