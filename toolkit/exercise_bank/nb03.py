"""Exercises of notebook 03 (features by dtype)."""

from toolkit.exercises import Exercise, register

_KINDS = ("numeric", "boolean", "datetime", "categorical", "high_cardinality", "text",
          "identifier", "constant", "mostly_missing")


def _history():
    from toolkit.datasets import load

    return load("history")


def _filled_churn_share() -> float:
    history = _history()
    return float(history.loc[history["exit_survey_score"].notna(), "churned"].mean())


def _price_complaint_churn() -> float:
    history = _history()
    about_price = history["last_complaint"].str.contains("price|expensive", na=False)
    return float(history.loc[about_price, "churned"].mean())


def _price_mistakes() -> dict:
    history = _history()
    about_price = history["last_complaint"].str.contains("price|expensive", na=False)
    complained = history["last_complaint"].notna()
    return {
        float(history["churned"].mean()):
            "That is the churn rate of all customers; keep only those whose complaint "
            "mentions the price.",
        float(history.loc[complained, "churned"].mean()):
            "That is the churn rate of everyone who complained about anything; keep only "
            "the complaints that mention 'price' or 'expensive'.",
        float(about_price.mean()):
            "That is the share of customers who complained about the price; the question "
            "asks how many of *them* churned (the mean of `churned` among them).",
        float(history.loc[history["last_complaint"].str.contains("price", na=False),
                          "churned"].mean()):
            "Close, but 'too expensive for what I use' is a price complaint too: search for "
            "'price|expensive'.",
    }


register(Exercise(
    "3.1",
    "Which kind does infer_feature_types give to device_model?",
    expected="high_cardinality",
    kind="choice",
    options=_KINDS,
    mistakes={
        "categorical": "device_model is made of labels, yes, but 120 of them: one-hot would "
                       "add 120 columns, most for devices seen a handful of times. Look at "
                       "the `n_distinct` column and the limit in the `why` column.",
        "text": "Free text means sentences; a device name has two words ('Orion X7'). The "
                "free_text rule needs at least 3 words per value on average.",
        "identifier": "An identifier is distinct on (almost) every row. 120 devices shared "
                      "by 5,000 customers repeat a lot, so they carry information.",
    },
    hints=("Find the row of device_model in the table `types`.",
           "The `kind` column holds the answer; the `why` column says which limit it crossed."),
    explanation="120 distinct labels is above MAX_CATEGORIES (40): each device is replaced by "
                "its (cross-fitted) churn rate instead of getting a column of its own.",
))

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
    hints=("Keep the rows with `history['exit_survey_score'].notna()`.",
           "Then take the mean of `churned` over those rows: the mean of a 0/1 column is the "
           "share of 1s."),
    explanation="Almost every filled row is a churner: the survey is only sent after an "
                "account is closed, so the column is filled *because* of the outcome. At "
                "prediction time it does not exist yet.",
))

register(Exercise(
    "3.3",
    "What is the churn rate among customers whose last complaint mentions the price?",
    expected=_price_complaint_churn,
    tolerance=0.005,
    mistakes=_price_mistakes,
    hints=("`history['last_complaint'].str.contains('price|expensive', na=False)` is True "
           "for the complaints about price.",
           "Use it to select rows, then take the mean of `churned`."),
    explanation="About half of them leave, against one in five overall: a business feature "
                "worth having, and the bag of words finds the words 'price' and 'expensive' "
                "for you.",
))

register(Exercise(
    "3.4",
    "What does the fitted one-hot encoder output for a customer on the unseen plan "
    "'5G Max'?",
    expected="all zeros",
    kind="choice",
    options=("all zeros", "an error", "plan_infrequent_sklearn", "plan_Basic"),
    mistakes={
        "an error": "It would with scikit-learn's default handle_unknown='error'; "
                    "make_preprocessor sets handle_unknown='infrequent_if_exist' so serving "
                    "never crashes on a new level.",
        "plan_infrequent_sklearn": "Unseen levels go to the 'infrequent' column only if there "
                                   "is one: every plan in training covers more than 1 % of "
                                   "the rows, so no infrequent column was made for plan.",
        "plan_Basic": "The encoder has no way to know that 5G Max resembles any plan; it does "
                      "not guess.",
    },
    hints=("Look at the plan columns of the transformed production row above.",
           "Does `pre.get_feature_names_out()` contain a plan_infrequent_sklearn column?"),
    explanation="All plan columns are 0: the model sees 'none of the plans I know'. It does "
                "not crash, but it is not right either — a drift monitor should flag it.",
))
