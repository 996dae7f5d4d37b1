"""Notebook 03's exercises: the right answers, every coded mistake.

Expected values are recomputed here independently of the bank (plain pandas / scikit-learn), so a
bank that computes the wrong thing fails.
"""

import pytest
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from toolkit import datasets
from toolkit.exercises import check, hint, reset_hints

IDS = ["3.1", "3.2", "3.3", "3.4", "3.5", "3.6"]


@pytest.fixture(scope="module")
def history():
    return datasets.load("history")


@pytest.mark.parametrize("exercise_id", IDS)
def test_last_hint_leaves_a_step(exercise_id):
    """The last hint names the tool but never holds a complete `answer = ...` line."""
    reset_hints()
    hints = [hint(exercise_id).message for _ in range(4)]
    assert "answer =" not in hints[-1]
    assert len(set(hints)) >= 2, "hints should be progressive"


@pytest.mark.parametrize("answer, expected_text", [
    ("high_cardinality", None),
    ("categorical", "but 120 of them"),
    ("text", "Free text means sentences"),
    ("identifier", "distinct on (almost) every row"),
    ("numeric", "not the best choice"),
], ids=["right", "categorical", "text", "identifier", "uncoded"])
def test_3_1(answer, expected_text):
    feedback = check("3.1", answer)
    if expected_text is None:
        assert feedback.correct and "120 distinct labels" in feedback.message
        assert "MAX_CATEGORIES (40)" in feedback.message
    else:
        assert not feedback.correct and expected_text in feedback.message


def test_3_2(history):
    filled = history["exit_survey_score"].notna()
    share = history.loc[filled, "churned"].mean()
    assert check("3.2", share).correct
    assert "churn rate of all customers" in check("3.2", history["churned"].mean()).message
    assert "share of rows that have a score" in check("3.2", filled.mean()).message
    assert "share that stayed" in check("3.2", 1 - share).message


def _money(history):
    complaints = history["last_complaint"].fillna("")
    return complaints.str.contains("price") | complaints.str.contains("expensive") | \
        complaints.str.contains("roaming")


def test_3_3_right_answer_and_the_teaser_computed_from_the_vocabulary(history):
    money = _money(history)
    feedback = check("3.3", history.loc[money, "churned"].mean())
    assert feedback.correct
    # Oracle: the 30 most common words, counted per row, of the train months' complaints.
    train = history[history["month"] < "2024-10-01"]
    counts = CountVectorizer(stop_words="english", binary=True).fit(train["last_complaint"].dropna())
    totals = counts.transform(train["last_complaint"].dropna()).sum(axis=0).A1
    words = counts.get_feature_names_out()
    ranked = sorted(zip(-totals, words, strict=True))[:30]
    vocabulary = {w for _, w in ranked}
    assert "roaming" in vocabulary and not {"price", "expensive"} & vocabulary
    assert "sees only 'roaming charges too high'" in feedback.message
    assert "'expensive'" in feedback.message and "'price'" in feedback.message
    assert "notebook 06" in feedback.message
    assert f"About {history.loc[money, 'churned'].mean():.0%} of them leave" in feedback.message


def test_3_3_price_and_expensive_alone_is_accepted_too(history):
    # The roaming complaints churn at the same rate: both selections are within tolerance.
    chosen = history["last_complaint"].str.contains("price|expensive", na=False)
    assert check("3.3", history.loc[chosen, "churned"].mean()).correct


def test_3_3_coded_mistakes(history):
    money = _money(history)
    complained = history["last_complaint"].notna()
    assert "all customers" in check("3.3", history["churned"].mean()).message
    assert "complained about anything" in check("3.3", history.loc[complained, "churned"]
                                                .mean()).message
    assert "of *them* churned" in check("3.3", money.mean()).message
    assert "how many customers" in check("3.3", int(money.sum())).message


@pytest.mark.parametrize("answer, expected_text", [
    ("all zeros", None),
    ("an error", "handle_unknown='error'"),
    ("plan_infrequent_sklearn", "above the 1% limit"),
    ("plan_Basic", "does not guess"),
], ids=["right", "error", "infrequent", "basic"])
def test_3_4(answer, expected_text, history):
    feedback = check("3.4", answer)
    if expected_text is None:
        assert feedback.correct
    else:
        assert not feedback.correct and expected_text in feedback.message
    if answer == "plan_infrequent_sklearn":
        train = history[history["month"] < "2024-10-01"]
        rarest = train["plan"].value_counts(normalize=True).min()
        assert f"covers {rarest:.0%} of the rows" in feedback.message


def _hand(numeric=None, encoder=None, columns=("monthly_charges", "plan", "autopay")):
    numeric = numeric if numeric is not None else StandardScaler()
    encoder = encoder if encoder is not None else OneHotEncoder(handle_unknown="ignore")
    parts = {"monthly_charges": ("number", numeric, ["monthly_charges"]),
             "plan": ("labels", encoder, ["plan"]),
             "autopay": ("yes_no", "passthrough", ["autopay"])}
    return ColumnTransformer([parts[c] for c in columns])


@pytest.mark.parametrize("answer, expected_text", [
    (_hand(), None),
    (_hand(encoder=OneHotEncoder(handle_unknown="infrequent_if_exist", sparse_output=False)),
     None),
    ("ColumnTransformer", "should be a ColumnTransformer; got str"),
    (_hand(columns=("monthly_charges", "plan")), "exactly once"),
    (_hand(encoder=OneHotEncoder()), "stops on the first customer of the new plan 'Student'"),
    (_hand(numeric="passthrough"), "comes out in euros, unscaled"),
    (_hand(encoder=OneHotEncoder(handle_unknown="ignore", drop="first")),
     "makes 5 columns; make_preprocessor makes 6"),
    (_hand(encoder=StandardScaler()), "Fitting it on"),
], ids=["right", "right-infrequent", "not-a-transformer", "column-left-out", "unknown-plan",
        "unscaled", "drop-first", "cannot-fit"])
def test_3_5(answer, expected_text):
    feedback = check("3.5", answer)
    if expected_text is None:
        assert feedback.correct
        assert "one-hot (rare & unseen -> infrequent)" in feedback.message
    else:
        assert not feedback.correct
        assert expected_text in feedback.message


def test_3_5_does_not_fit_the_learners_object():
    answer = _hand()
    check("3.5", answer)
    assert not hasattr(answer, "transformers_"), "the check must fit a clone"


@pytest.mark.parametrize("answer, expected_text", [
    (["island", "sex", "year"], None),
    (["year", "sex", "island"], None),
    (["island", "sex"], "`year` is stored as whole numbers"),
    (["island", "sex", "year", "species"], "species is the target"),
    (["island"], "Close: your list has 2 missing"),
], ids=["right", "any-order", "forgot-year", "with-target", "uncoded"])
def test_3_6(answer, expected_text):
    feedback = check("3.6", answer)
    if expected_text is None:
        assert feedback.correct and "island, sex, year" in feedback.message
    else:
        assert not feedback.correct and expected_text in feedback.message


def test_3_6_expected_answer_matches_an_independent_reading_of_the_penguins():
    penguins = datasets.load("penguins")
    # Oracle: labels with few levels, plus whole numbers with at most 5 values.
    labels = {c for c in penguins.columns if str(penguins[c].dtype) == "category"} - {"species"}
    codes = {c for c in penguins.select_dtypes("integer") if penguins[c].nunique() <= 5}
    assert check("3.6", sorted(labels | codes)).correct
