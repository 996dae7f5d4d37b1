"""Exercises of notebook 03 (features by dtype).

Every value a feedback message quotes is computed from the shipped data or from the fitted
preprocessing, so the messages stay true when the data or the toolkit change.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from toolkit.exercises import Exercise, register
from toolkit.quizzes import Quiz, register_quiz

_KINDS = ("numeric", "boolean", "datetime", "categorical", "high_cardinality", "text",
          "identifier", "constant", "mostly_missing")
#: The split notebook 03 uses: train on January to September 2024.
TRAIN_BEFORE = "2024-10-01"
#: The three columns of Exercise 3.5, one per kind.
HAND_COLUMNS = ["monthly_charges", "plan", "autopay"]
#: The plan that marketing launches in the notebook, unseen in training.
NEW_PLAN = "Student"
#: The complaints about money, as a learner finds them in `value_counts()`.
MONEY_WORDS = "price|expensive|roaming"


@lru_cache(maxsize=1)
def _history():
    from toolkit.datasets import load

    return load("history")


def _train():
    history = _history()
    return history[history["month"] < TRAIN_BEFORE]


def _types():
    from toolkit.features import infer_feature_types

    return infer_feature_types(_train(), target="churned").set_index("column")


# --- 3.1 ---------------------------------------------------------------------------------

def _device_explanation() -> str:
    from toolkit.features import MAX_CATEGORIES

    n_devices = int(_types().loc["device_model", "n_distinct"])
    return (f"{n_devices} distinct labels is above MAX_CATEGORIES ({MAX_CATEGORIES}): each "
            "device is replaced by its (cross-fitted) churn rate instead of getting a column "
            "of its own.")


register(Exercise(
    "3.1",
    "Which kind does infer_feature_types give to device_model?",
    expected=lambda: _types().loc["device_model", "kind"],
    kind="choice",
    options=_KINDS,
    mistakes=lambda: {
        "categorical": f"device_model is made of labels, yes, but "
                       f"{int(_types().loc['device_model', 'n_distinct'])} of them: one-hot would "
                       "add that many columns, most for devices seen a handful of times. Look at "
                       "the `n_distinct` column and the limit in the `why` column.",
        "text": "Free text means sentences; a device name has two words ('Orion X7'). The "
                "free_text rule needs several words per value on average.",
        "identifier": "An identifier is distinct on (almost) every row. The devices are shared "
                      "by many customers and repeat a lot, so they carry information.",
    },
    hints=("Find the row of device_model in the table `types`.",
           "Compare its `n_distinct` with `features.MAX_CATEGORIES`, then read the `kind` and "
           "`why` columns."),
    explanation=_device_explanation,
))


# --- 3.2 ---------------------------------------------------------------------------------

def _filled_churn_share() -> float:
    history = _history()
    return float(history.loc[history["exit_survey_score"].notna(), "churned"].mean())


register(Exercise(
    "3.2",
    "Among rows where exit_survey_score is filled, what share have churned = 1?",
    expected=_filled_churn_share,
    tolerance=0.005,
    mistakes=lambda: {
        float(_history()["churned"].mean()):
            "That is the churn rate of all customers; keep only the rows where "
            "exit_survey_score is not missing.",
        float(_history()["exit_survey_score"].notna().mean()):
            "That is the share of rows that have a score; the question is about the label "
            "of those rows.",
        1 - _filled_churn_share():
            "That is the share that stayed; churned = 1 means they left.",
    },
    hints=("Build a True/False mask of the rows where the survey is filled: pandas has a "
           "method that says which values are *not* missing.",
           "Select those rows, then take the mean of `churned`: the mean of a 0/1 column is "
           "the share of 1s."),
    explanation="Almost every filled row is a churner: the survey is only sent after an "
                "account is closed, so the column is filled *because* of the outcome. At "
                "prediction time it does not exist yet.",
    activity="do",
))


# --- 3.3 ---------------------------------------------------------------------------------

def _churn_where(pattern: str) -> float:
    history = _history()
    chosen = history["last_complaint"].str.contains(pattern, na=False)
    return float(history.loc[chosen, "churned"].mean())


def _words(texts) -> list[str]:
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(stop_words="english").fit(list(texts)).get_feature_names_out().tolist()


def _vocabulary() -> list[str]:
    """The words the fitted preprocessing keeps from last_complaint (fitted on the train months)."""
    from toolkit.features import BagOfWords

    bag = BagOfWords().fit(_train()[["last_complaint"]])
    return [name.removeprefix("last_complaint_") for name in bag.get_feature_names_out()]


def _money_complaints() -> list[str]:
    complaints = _history()["last_complaint"].dropna().unique()
    return sorted(c for c in complaints if any(w in c for w in MONEY_WORDS.split("|")))


def _price_teaser() -> str:
    vocabulary = set(_vocabulary())
    seen = [c for c in _money_complaints() if vocabulary & set(_words([c]))]
    unseen = [c for c in _money_complaints() if c not in seen]
    unseen_words = sorted(set(_words(unseen)))
    overall = float(_history()["churned"].mean())
    return (f"About {_churn_where(MONEY_WORDS):.0%} of them leave, against {overall:.0%} overall: "
            "a business feature worth having. But look at what the model can read. The bag of "
            f"words keeps the {len(vocabulary)} most common words, and of the money complaints "
            f"it sees only {' and '.join(repr(c) for c in seen) or 'none'}: "
            f"{', '.join(repr(w) for w in unseen_words)} are not in its vocabulary, so "
            f"{' and '.join(repr(c) for c in unseen)} look like no complaint at all. A strong "
            "signal the model cannot see: keep it in mind for notebook 06.")


def _price_mistakes() -> dict:
    history = _history()
    complained = history["last_complaint"].notna()
    about_money = history["last_complaint"].str.contains(MONEY_WORDS, na=False)
    return {
        float(history["churned"].mean()):
            "That is the churn rate of all customers; keep only those whose complaint "
            "is about money.",
        float(history.loc[complained, "churned"].mean()):
            "That is the churn rate of everyone who complained about anything; keep only "
            "the complaints about money.",
        float(about_money.mean()):
            "That is the share of customers who complained about money; the question "
            "asks how many of *them* churned (the mean of `churned` among them).",
        float(about_money.sum()):
            "That is how many customers complained about money; the question asks for the "
            "share of them who churned.",
    }


register(Exercise(
    "3.3",
    "What is the churn rate among customers whose last complaint is about money (price, "
    "cost, charges)?",
    expected=lambda: _churn_where(MONEY_WORDS),
    tolerance=0.01,
    mistakes=_price_mistakes,
    hints=("`history['last_complaint'].value_counts()` lists every complaint: read them and "
           "pick those about money.",
           "`.str.contains('word1|word2', na=False)` is True where the text holds any of the "
           "words; `na=False` treats customers without a complaint as False.",
           "Use that mask to select rows, then take the share of churners among them."),
    explanation=_price_teaser,
    activity="do",
))


# --- 3.4 ---------------------------------------------------------------------------------

def _rare_share() -> float:
    from toolkit.features import RARE_LEVEL_SHARE

    return RARE_LEVEL_SHARE


register(Exercise(
    "3.4",
    "What does the fitted one-hot encoder output for a customer on the unseen plan "
    "'Student'?",
    expected="all zeros",
    kind="choice",
    options=("all zeros", "an error", "plan_infrequent_sklearn", "plan_Basic"),
    mistakes=lambda: {
        "an error": "It would with scikit-learn's default handle_unknown='error'; "
                    "make_preprocessor's one-hot step (RareLevelOneHot) behaves like "
                    "handle_unknown='infrequent_if_exist', so serving never crashes on a new "
                    "level.",
        "plan_infrequent_sklearn": "Unseen levels go to the 'infrequent' column only if there "
                                   "is one: the rarest plan in training covers "
                                   f"{_train()['plan'].value_counts(normalize=True).min():.0%} "
                                   "of the rows, above the "
                                   f"{_rare_share():.0%} limit, so no infrequent column was "
                                   "made for plan.",
        "plan_Basic": "The encoder has no way to know that Student resembles any plan; it does "
                      "not guess.",
    },
    hints=("Look at the plan columns of the transformed Student customers above.",
           "Is there a `plan_infrequent_sklearn` among `preprocessor.get_feature_names_out()`?"),
    explanation="All plan columns are 0: the model sees 'none of the plans I know'. It does "
                "not crash, but it is not right either: a drift monitor should flag it.",
))


# --- 3.5: a ColumnTransformer by hand ----------------------------------------------------

def _dense(matrix) -> np.ndarray:
    return np.asarray(matrix.toarray() if hasattr(matrix, "toarray") else matrix, dtype=float)


def _reference():
    """make_preprocessor on the same three columns, fitted on the train months."""
    from toolkit.features import make_preprocessor

    train = _train()
    reference = make_preprocessor(train[HAND_COLUMNS]).fit(train[HAND_COLUMNS], train["churned"])
    return reference


def _new_plan_rows():
    """Customers of the test months moved onto a plan training never saw."""
    history = _history()
    test = history[history["month"] >= TRAIN_BEFORE]
    return test[HAND_COLUMNS].head(20).assign(plan=NEW_PLAN)


def _check_hand_built(answer) -> str | None:
    from sklearn.base import clone
    from sklearn.compose import ColumnTransformer

    if not isinstance(answer, ColumnTransformer):
        return (f"The answer should be a ColumnTransformer; got {type(answer).__name__}. "
                "Build it with `ColumnTransformer([(name, transformer, [columns]), ...])`.")
    listed = sorted(str(c) for _, _, cols in answer.transformers for c in np.atleast_1d(cols)
                    if isinstance(c, str))
    if listed != sorted(HAND_COLUMNS):
        return (f"Your transformers name the columns {listed!r}; list each of "
                f"{sorted(HAND_COLUMNS)!r} exactly once (a column left out is dropped by "
                "`remainder='drop'`, the default).")
    train = _train()
    try:
        fitted = clone(answer).fit(train[HAND_COLUMNS], train["churned"])
        mine = _dense(fitted.transform(train[HAND_COLUMNS]))
    except Exception as error:  # the learner's transformer may fail in many ways
        return f"Fitting it on `train[{HAND_COLUMNS!r}]` fails: {type(error).__name__}: {error}"
    reference = _reference()
    want = _dense(reference.transform(train[HAND_COLUMNS]))
    if mine.shape[1] != want.shape[1]:
        return (f"Your transformer makes {mine.shape[1]} columns; make_preprocessor makes "
                f"{want.shape[1]} ({', '.join(reference.get_feature_names_out())}): one per "
                "plan, the charges, and autopay as 0/1.")
    charges = want[:, list(reference.get_feature_names_out()).index("monthly_charges")]
    if not any(np.allclose(charges, mine[:, j]) for j in range(mine.shape[1])):
        raw = train["monthly_charges"].to_numpy()
        if any(np.allclose(raw, mine[:, j]) for j in range(mine.shape[1])):
            return ("monthly_charges comes out in euros, unscaled: add a StandardScaler, as "
                    "make_preprocessor does, so a model that penalises large weights treats "
                    "every column alike.")
        return "monthly_charges differs from make_preprocessor's: scale it with StandardScaler."
    try:
        fitted.transform(_new_plan_rows())
    except Exception:
        return (f"It fits, but it stops on the first customer of the new plan {NEW_PLAN!r}, "
                "which training never saw: tell the OneHotEncoder what to do with unknown levels "
                "(`handle_unknown=...`).")
    return None


def _hand_built_explanation() -> str:
    from toolkit.features import describe_preprocessor

    steps = describe_preprocessor(_reference())
    chosen = "; ".join(f"{row.column}: {row.steps}" for row in steps.itertuples())
    return (f"Same columns and values as make_preprocessor, which chose {chosen}. It adds what "
            "you would otherwise have to remember: a was-missing flag for numbers with gaps, "
            "rare levels grouped as 'infrequent', unseen levels handled, and the column lists "
            "of a wide table written for you from the kinds.")


register(Exercise(
    "3.5",
    "Write the ColumnTransformer for monthly_charges, plan and autopay by hand.",
    kind="custom",
    validate=_check_hand_built,
    hints=("One `(name, transformer, [column])` triple per column: a scaler for the number, an "
           "encoder for the labels, and `'passthrough'` for the yes/no column.",
           "`StandardScaler()` and `OneHotEncoder(handle_unknown=...)` come from "
           "`sklearn.preprocessing`; which value of `handle_unknown` lets Student through?",
           "`ColumnTransformer([('number', StandardScaler(), ['monthly_charges']), ...])`: "
           "add the two other triples."),
    explanation=_hand_built_explanation,
    activity="do",
))


# --- 3.6: the same rules on real data ----------------------------------------------------

def _penguin_types():
    from toolkit.datasets import load
    from toolkit.features import infer_feature_types

    return infer_feature_types(load("penguins"), target="species").set_index("column")


def _penguin_categorical() -> frozenset[str]:
    types = _penguin_types()
    return frozenset(types.index[types["kind"] == "categorical"])


def _penguin_mistakes() -> dict:
    types = _penguin_types()
    categorical = _penguin_categorical()
    codes = types.index[(types["rule"] == "integer_codes") & (types["kind"] == "categorical")]
    mistakes = {}
    for column in codes:
        mistakes[categorical - {column}] = (
            f"`{column}` is stored as whole numbers, yet it is categorical: "
            f"{types.loc[column, 'why']}. Read its `why`.")
    mistakes[categorical | {types.index[types["kind"] == "target"][0]}] = (
        "species is the target you named: it is set aside, not encoded.")
    return mistakes


register(Exercise(
    "3.6",
    "Run infer_feature_types on the penguins (target 'species'): which columns are "
    "categorical?",
    expected=_penguin_categorical,
    kind="set",
    mistakes=_penguin_mistakes,
    hints=("`datasets.load('penguins')` gives the table; pass `target='species'`.",
           "Keep the rows of the result whose `kind` is `'categorical'`, and read their `why`: "
           "one of them is not stored as text."),
    explanation=lambda: (
        "The same ordered rules work on real data they were not written for: "
        f"{', '.join(sorted(_penguin_categorical()))} get one column per level. Note the whole "
        "numbers read as codes rather than amounts: for a study year (a few field seasons, no "
        "trend to extrapolate) that is defensible; if you wanted a trend, you would set its "
        "kind to 'numeric' in the table before calling make_preprocessor."),
    activity="do",
))


register_quiz(Quiz(
    "3.q1",
    "A colleague adds a column `retention_call_outcome`, and the ROC AUC on the test months "
    "jumps by ten points. The test months played no part in training. What do you ask first?",
    options={"a": "Nothing: the test months are untouched, so the gain is real.",
             "b": "Would we know this value at prediction time, before the customer decides?",
             "c": "Is its ROC AUC alone under `features.LEAKAGE_SCORE`? Then it is safe.",
             "d": "Does the model overfit? Add regularisation and see if the gain survives."},
    correct="b",
    feedback={
        "a": "The test months were labelled and recorded the same way as the training months: "
             "if the column is filled because of the outcome there too, the test set repeats "
             "the leak instead of exposing it.",
        "b": "Right: a call about retention happens once a customer is already leaving. A "
             "column that only exists after the outcome makes the test score brilliant and "
             "vanishes in production.",
        "c": "The exit survey scored below `LEAKAGE_SCORE` on its own and was still a leak: "
             "how a column is filled gives it away, not only how well it predicts.",
        "d": "Regularisation tames a model that learns noise. A leaky column is no noise: it "
             "is the answer itself, and every model will use it, regularised or not.",
    },
))
