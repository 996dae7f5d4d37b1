import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from toolkit import datasets
from toolkit.labels import (
    AgreementResult,
    annotator_agreement,
    find_conflicting_labels,
    find_suspect_labels,
    fleiss_kappa,
    majority_vote,
    plot_precision_at_k,
    precision_at_k,
)


def _random_annotations(seed, labels, n_items=60, annotators=("ann", "bob", "cy"),
                        skip=0.0):
    """Long-format annotations, shuffled, where each annotator may skip some items."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(labels, size=n_items)
    rows = []
    for name in annotators:
        noisy = np.where(rng.random(n_items) < 0.3, rng.choice(labels, size=n_items), truth)
        keep = rng.random(n_items) >= skip
        rows.append(pd.DataFrame({"item": np.arange(n_items)[keep], "annotator": name,
                                  "label": noisy[keep]}))
    return pd.concat(rows).sample(frac=1, random_state=seed).reset_index(drop=True)


# ----------------------------------------------------------------- Cohen's kappa (oracle)


@pytest.mark.parametrize("labels, skip", [
    ([0, 1], 0.0),
    (["closed", "downgraded", "stayed"], 0.0),
    ([0, 1, 2], 0.25),
], ids=["binary", "three-string-labels", "annotators-skip-items"])
def test_pairwise_kappa_matches_sklearn(labels, skip):
    annotations = _random_annotations(7, labels, skip=skip)
    result = annotator_agreement(annotations, item="item")
    for first in ("ann", "bob", "cy"):
        for second in ("ann", "bob", "cy"):
            if first == second:
                assert result.pairwise.loc[first, second] == 1.0
                continue
            a = annotations[annotations["annotator"] == first].set_index("item")["label"]
            b = annotations[annotations["annotator"] == second].set_index("item")["label"]
            common = a.index.intersection(b.index)
            expected = cohen_kappa_score(a[common], b[common])
            assert result.pairwise.loc[first, second] == pytest.approx(expected)


def test_pairwise_matrix_is_symmetric_and_mean_uses_each_pair_once():
    result = annotator_agreement(_random_annotations(3, [0, 1], annotators="abcd"), item="item")
    matrix = result.pairwise.to_numpy()
    np.testing.assert_allclose(matrix, matrix.T)
    upper = [matrix[i, j] for i in range(4) for j in range(i + 1, 4)]
    assert result.mean_pairwise_kappa == pytest.approx(np.mean(upper))


def test_kappa_of_an_annotator_who_always_says_the_same_is_nan_not_an_error():
    annotations = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3], "annotator": ["a", "b"] * 3,
                                "label": [0, 0, 0, 0, 0, 0]})
    result = annotator_agreement(annotations, item="item")
    assert np.isnan(result.pairwise.loc["a", "b"])
    assert np.isnan(result.fleiss_kappa)
    assert result.percent_agreement == 1.0


# ----------------------------------------------------------------- Fleiss' kappa (by hand)

# The worked example of Fleiss' kappa on Wikipedia: 10 items, 14 raters, 5 categories.
WIKIPEDIA = np.array([
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
])


def test_fleiss_kappa_matches_the_hand_worked_example():
    # By hand: P_i = (sum_j n_ij^2 - n) / (n (n - 1)) with n = 14 raters.
    # Item 1: (14^2 - 14) / 182 = 1.000; item 2: (4 + 36 + 16 + 4 - 14) / 182 = 46/182 = 0.253...
    sums_of_squares = [196, 60, 70, 94, 74, 98, 58, 46, 66, 66]
    p_i = [(s - 14) / 182 for s in sums_of_squares]
    assert p_i[1] == pytest.approx(0.253, abs=1e-3)
    p_bar = sum(p_i) / 10  # 0.378
    # p_j = column totals / 140 ratings: 20, 28, 39, 21, 32 -> .143 .200 .279 .150 .229
    p_j = [20 / 140, 28 / 140, 39 / 140, 21 / 140, 32 / 140]
    p_e = sum(p * p for p in p_j)  # 0.213
    hand = (p_bar - p_e) / (1 - p_e)
    assert p_bar == pytest.approx(0.378, abs=1e-3)
    assert p_e == pytest.approx(0.213, abs=1e-3)
    assert hand == pytest.approx(0.210, abs=1e-3)  # the published value
    assert fleiss_kappa(WIKIPEDIA) == pytest.approx(hand, abs=1e-12)


def test_annotator_agreement_gives_the_same_fleiss_kappa_from_long_format():
    rows = []
    for item, counts in enumerate(WIKIPEDIA):
        labels = np.repeat(np.arange(5), counts)
        rows += [{"item": item, "annotator": f"r{k}", "label": lab}
                 for k, lab in enumerate(labels)]
    result = annotator_agreement(pd.DataFrame(rows), item="item")
    assert result.fleiss_kappa == pytest.approx(fleiss_kappa(WIKIPEDIA))
    assert result.per_item["n_ratings"].eq(14).all()
    assert result.per_item.loc[0, "unanimous"]
    assert result.per_item.loc[3, "agreement"] == pytest.approx(9 / 14)


@pytest.mark.parametrize("table, expected", [
    ([[3, 0], [0, 3], [3, 0]], 1.0),
    ([[1, 1], [1, 1], [1, 1]], -1.0),
], ids=["perfect-agreement", "systematic-disagreement"])
def test_fleiss_kappa_extremes(table, expected):
    assert fleiss_kappa(table) == pytest.approx(expected)


def test_fleiss_kappa_ignores_items_with_one_rating():
    assert fleiss_kappa([[2, 0], [0, 2], [1, 0]]) == pytest.approx(fleiss_kappa([[2, 0], [0, 2]]))


@pytest.mark.parametrize("table, match", [
    ([], "non-empty 2-D"),
    ([[1, -1]], ">= 0"),
    ([[1, 0], [0, 1]], "at least two ratings"),
], ids=["empty", "negative", "single-ratings"])
def test_fleiss_kappa_rejects_bad_tables(table, match):
    with pytest.raises(ValueError, match=match):
        fleiss_kappa(table)


# ----------------------------------------------------------------- majority vote


def test_majority_vote_reports_ties_instead_of_hiding_them():
    annotations = pd.DataFrame({
        "item": ["x", "x", "x", "x", "y", "y", "y", "y"],
        "annotator": list("abcd") * 2,
        "label": [1, 1, 1, 0, 1, 1, 0, 0],
    })
    votes = majority_vote(annotations, item="item")
    assert votes.loc["x", "label"] == 1 and not votes.loc["x", "tie"]
    assert votes.loc["x", "agreement"] == 0.75
    assert pd.isna(votes.loc["y", "label"]) and votes.loc["y", "tie"]
    assert votes.loc["y", "tied_labels"] == "0, 1"
    assert str(votes["label"].dtype) == "Int64"


def test_majority_vote_with_string_labels():
    annotations = pd.DataFrame({"item": [1, 1, 1], "annotator": ["a", "b", "c"],
                                "label": ["stayed", "churned", "churned"]})
    votes = majority_vote(annotations, item="item")
    assert votes.loc[1, "label"] == "churned"
    assert votes.loc[1, "votes"] == 2


# ----------------------------------------------------------------- conflicting labels


# pandas 3 reads text as the "str" dtype; "str" is not a dtype name on pandas 2.
TEXT_DTYPES = ["object", "string", "category"] + (["str"] if pd.__version__ >= "3" else [])


@pytest.mark.parametrize("text_dtype", TEXT_DTYPES)
def test_conflicting_labels_treats_missing_values_as_equal(text_dtype):
    df = pd.DataFrame({
        "id": ["a", "b", "c", "d", "e"],
        "age": [30.0, 30.0, np.nan, np.nan, 41.0],
        "plan": pd.Categorical(["Basic", "Basic", "Pro", "Pro", "Pro"]),
        "note": pd.Series(["late", "late", None, None, "ok"], dtype=text_dtype),
        "churned": [1, 0, 0, 1, 1],
    })
    conflicts = find_conflicting_labels(df, ["age", "plan", "note"], "churned")
    assert conflicts.index.tolist() == [0, 1, 2, 3]
    assert conflicts["group"].tolist() == [0, 0, 1, 1]
    assert conflicts["n_rows"].eq(2).all()
    assert list(conflicts.columns[:2]) == ["group", "n_rows"]


def test_identical_rows_with_the_same_label_are_not_conflicts():
    df = pd.DataFrame({"x": [1, 1, 2], "y": [0, 0, 1]})
    conflicts = find_conflicting_labels(df, ["x"], "y")
    assert conflicts.empty
    assert list(conflicts.columns) == ["group", "n_rows", "x", "y"]


def test_an_identifier_in_features_hides_every_duplicate():
    df = pd.DataFrame({"id": ["a", "b"], "x": [1, 1], "y": [0, 1]})
    assert len(find_conflicting_labels(df, ["x"], "y")) == 2
    assert find_conflicting_labels(df, ["id", "x"], "y").empty


# ----------------------------------------------------------------- suspect labels


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)},
                     index=pd.RangeIndex(1000, 1400))
    y = (X["a"] + X["b"] > 0).astype(int).to_numpy().copy()
    flipped = X.index[(np.abs(X["a"] + X["b"]) > 1.5).to_numpy()][:15]
    y[X.index.get_indexer(flipped)] = 1 - y[X.index.get_indexer(flipped)]
    return X, y, flipped


def test_suspect_labels_recover_planted_flips(planted):
    X, y, flipped = planted
    ranked = find_suspect_labels(X, y, LogisticRegression())
    assert set(ranked.index[:15]) == set(flipped)
    assert ranked.loc[flipped, "suspect"].all()
    assert (ranked.loc[flipped, "predicted"] != ranked.loc[flipped, "given"]).all()
    assert list(ranked.columns) == ["given", "p_given", "label_quality", "predicted",
                                    "p_predicted", "suspect"]


def test_suspect_labels_keep_the_index_and_are_reproducible(planted):
    X, y, _ = planted
    first = find_suspect_labels(X, y, LogisticRegression(), seed=3)
    again = find_suspect_labels(X, y, LogisticRegression(), seed=3)
    pd.testing.assert_frame_equal(first, again)
    assert set(first.index) == set(X.index)
    assert first.loc[1000, "given"] == y[0]


def test_suspect_ranking_puts_suspects_first_then_lowest_quality(planted):
    X, y, _ = planted
    ranked = find_suspect_labels(X, y, LogisticRegression())
    n = int(ranked["suspect"].sum())
    assert ranked["suspect"].iloc[:n].all() and not ranked["suspect"].iloc[n:].any()
    assert ranked["label_quality"].iloc[:n].is_monotonic_increasing
    assert ranked["label_quality"].iloc[n:].is_monotonic_increasing


def test_suspect_labels_with_string_classes_and_numpy_input(planted):
    X, y, flipped = planted
    words = np.where(y == 1, "churned", "stayed")
    ranked = find_suspect_labels(X.to_numpy(), words, LogisticRegression())
    assert set(ranked["given"]) == {"churned", "stayed"}
    top = ranked.index[:15]
    assert set(X.index[top]) == set(flipped)


def test_suspect_labels_do_not_fit_the_estimator_in_place(planted):
    X, y, _ = planted
    model = LogisticRegression()
    find_suspect_labels(X, y, model)
    assert not hasattr(model, "coef_")


def test_precision_at_k_counts_the_top_rows():
    truth = pd.Series([True, False, False, True, False], index=list("abcde"))
    table = precision_at_k(pd.Index(["d", "a", "b", "c", "e"]), truth, k=[1, 2, 5])
    assert table["wrong"].tolist() == [1, 2, 2]
    assert table["precision"].tolist() == [1.0, 1.0, 0.4]
    assert table["lift"].tolist() == pytest.approx([2.5, 2.5, 1.0])


# ----------------------------------------------------------------- the case study


@pytest.fixture(scope="module")
def history():
    return datasets.load("history"), datasets.load("history_truth")


def test_case_study_duplicates_with_opposite_labels_are_found(history):
    df, truth = history
    features = [c for c in df.columns if c not in ("customer_id", "churned")]
    conflicts = find_conflicting_labels(df, features, "churned")
    assert conflicts["group"].nunique() == 30
    copies = truth.set_index("customer_id")["duplicate_of"]
    for _, group in conflicts.groupby("group"):
        ids = set(group["customer_id"])
        assert ids & set(copies.dropna().index)  # each group holds a planted copy...
        assert ids & set(copies.dropna())  # ...and the customer it copies


def test_case_study_agreement_rises_after_the_guideline():
    annotations = datasets.load("annotations")
    before = annotator_agreement(annotations[annotations["round"] == "before_guideline"])
    after = annotator_agreement(annotations[annotations["round"] == "after_guideline"])
    assert isinstance(before, AgreementResult)
    assert 0.4 < before.fleiss_kappa < 0.6
    assert after.fleiss_kappa > 0.85
    assert majority_vote(annotations[annotations["round"] == "before_guideline"])["tie"].sum() > 20


def test_case_study_suspects_beat_the_base_rate(history):
    df, truth = history
    numeric = ["age", "tenure_months", "monthly_charges", "data_usage_gb", "support_calls_90d"]
    flags = ["autopay", "paperless_billing", "family_plan"]
    categories = ["plan", "contract", "payment_method"]
    preprocess = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("flag", "passthrough", flags),
        ("cat", OneHotEncoder(handle_unknown="ignore"), categories),
    ])
    model = make_pipeline(preprocess, LogisticRegression(max_iter=1000))
    ranked = find_suspect_labels(df[numeric + flags + categories], df["churned"], model)
    table = precision_at_k(ranked, truth["label_is_wrong"], k=[100])
    assert table.loc[0, "lift"] > 4  # base rate 2.9 %: four times better than picking at random


# ----------------------------------------------------------------- bad input


GOOD = pd.DataFrame({"item": [1, 1, 2, 2], "annotator": ["a", "b", "a", "b"],
                     "x": [1.0, 1.0, 2.0, 2.0], "label": [0, 1, 1, 1]})


def _duplicate_columns():
    return pd.DataFrame([[1, 1, 0], [2, 2, 1]], columns=["x", "x", "label"])


def _call(kind, df, **kwargs):
    if kind == "conflicts":
        return find_conflicting_labels(df, kwargs.get("features", ["x"]),
                                       kwargs.get("label", "label"))
    if kind == "agreement":
        return annotator_agreement(df, item=kwargs.get("item", "item"),
                                   label=kwargs.get("label", "label"))
    return majority_vote(df, item=kwargs.get("item", "item"), label=kwargs.get("label", "label"))


@pytest.mark.parametrize("kind", ["conflicts", "agreement", "vote"])
@pytest.mark.parametrize("make_df, kwargs, match", [
    (lambda: GOOD.iloc[0:0], {}, "is empty"),
    (lambda: GOOD, {"label": "churn"}, r"\['churn'\] that are not in the data"),
    (lambda: GOOD.assign(label=[0, np.nan, 1, 1]), {}, "1 missing value"),
    (_duplicate_columns, {}, r"duplicate column names \['x'\]"),
], ids=["empty-frame", "unknown-column", "label-with-nan", "duplicate-column-names"])
def test_bad_frames_raise_a_clear_value_error(kind, make_df, kwargs, match):
    with pytest.raises(ValueError, match=match):
        _call(kind, make_df(), **kwargs)


@pytest.mark.parametrize("kind", ["conflicts", "agreement", "vote"])
def test_a_list_instead_of_a_frame_is_a_type_error(kind):
    with pytest.raises(TypeError, match="must be a pandas DataFrame; got list"):
        _call(kind, [[1, 2]])


def test_all_missing_feature_column_is_rejected():
    with pytest.raises(ValueError, match=r"\['x'\] contain only missing values"):
        find_conflicting_labels(GOOD.assign(x=np.nan), ["x"], "label")


@pytest.mark.parametrize("features, match", [
    ([], "features is empty"),
    (["x", "label"], "must not contain the label column 'label'"),
], ids=["no-features", "label-among-features"])
def test_conflicting_labels_rejects_bad_feature_lists(features, match):
    with pytest.raises(ValueError, match=match):
        find_conflicting_labels(GOOD, features, "label")


@pytest.mark.parametrize("function", [annotator_agreement, majority_vote],
                         ids=["agreement", "vote"])
def test_annotations_with_one_annotator_are_rejected(function):
    one = GOOD[GOOD["annotator"] == "a"]
    with pytest.raises(ValueError, match=r"only one annotator \('a'\).*at least two"):
        function(one, item="item")


def test_annotations_with_a_repeated_rating_are_rejected():
    twice = pd.concat([GOOD, GOOD.iloc[[0]]])
    with pytest.raises(ValueError, match=r"1 repeated \(item, annotator\) pair"):
        majority_vote(twice, item="item")


def test_annotations_with_all_missing_items_are_rejected():
    with pytest.raises(ValueError, match=r"\['item'\] contain only missing values"):
        annotator_agreement(GOOD.assign(item=np.nan), item="item")


X_OK = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3})
Y_OK = np.array([0, 1] * 10)


@pytest.mark.parametrize("X, y, estimator, kwargs, error, match", [
    (X_OK.iloc[0:0], Y_OK[:0], LogisticRegression(), {}, ValueError, "X is empty"),
    (X_OK, np.where(Y_OK == 1, np.nan, 0.0), LogisticRegression(), {}, ValueError,
     "y contains 10 missing"),
    (X_OK, np.zeros(20), LogisticRegression(), {}, ValueError, "at least 2 classes"),
    (X_OK.assign(c=np.nan), Y_OK, LogisticRegression(), {}, ValueError,
     r"\['c'\] contain only missing values"),
    (_duplicate_columns(), [0, 1], LogisticRegression(), {}, ValueError,
     "duplicate column names"),
    (X_OK, Y_OK[:10], LogisticRegression(), {}, ValueError, "same length"),
    (X_OK, Y_OK, LogisticRegression(), {"cv": 1}, ValueError, "cv must be at least 2"),
    (X_OK, Y_OK, LogisticRegression(), {"cv": 11}, ValueError, "each class needs at least cv=11"),
    (X_OK, Y_OK, LogisticRegression(), {"cv": 2.5}, TypeError, "cv must be an integer"),
    (X_OK, Y_OK, "logistic", {}, TypeError, "fit and predict_proba; got str"),
    ("X", Y_OK, LogisticRegression(), {}, TypeError, "X must be a DataFrame or a 2-D array"),
    (np.arange(20.0), Y_OK, LogisticRegression(), {}, ValueError, "2-D array; got shape"),
], ids=["empty-frame", "y-with-nan", "one-class", "all-missing-column",
        "duplicate-column-names", "length-mismatch", "cv-too-small", "cv-too-large",
        "cv-not-int", "not-an-estimator", "X-is-a-string", "X-is-1-D"])
def test_find_suspect_labels_rejects_bad_input(X, y, estimator, kwargs, error, match):
    with pytest.raises(error, match=match):
        find_suspect_labels(X, y, estimator, **kwargs)


def test_find_suspect_labels_accepts_a_dummy_baseline():
    ranked = find_suspect_labels(X_OK, Y_OK, DummyClassifier(strategy="prior"))
    assert not ranked["suspect"].any()  # a model that knows nothing suspects nothing


@pytest.mark.parametrize("ranking, is_wrong, k, error, match", [
    (["a"], [True], [1], TypeError, "is_wrong must be a boolean Series; got list"),
    (["z"], pd.Series([True], index=["a"]), [1], ValueError, "not in is_wrong's index"),
    (["a"], pd.Series([True], index=["a"]), [2], ValueError, "at most the ranking's length 1"),
    (["a"], pd.Series([True], index=["a"]), [0], ValueError, "k must be at least 1"),
    (["a"], pd.Series([np.nan], index=["a"]), [1], ValueError, "is_wrong contains 1 missing"),
], ids=["list-truth", "unknown-row", "k-too-large", "k-zero", "truth-with-nan"])
def test_precision_at_k_rejects_bad_input(ranking, is_wrong, k, error, match):
    with pytest.raises(error, match=match):
        precision_at_k(ranking, is_wrong, k=k)


def test_agreement_plot_returns_axes():
    import matplotlib.pyplot as plt

    result = annotator_agreement(_random_annotations(1, [0, 1]), item="item")
    ax = result.plot()
    assert ax.get_title().startswith("Pairwise Cohen")
    assert len(ax.texts) == 9
    assert ax.get_xlabel() == ax.get_ylabel() == "annotator"
    plt.close(ax.figure)


def test_precision_plot_labels_both_axes():
    import matplotlib.pyplot as plt

    truth = pd.Series([False, True, False, True, False, False, False, False])
    ax = plot_precision_at_k(precision_at_k([1, 3, 0, 2], truth, k=[2, 4]))
    assert ax.get_xlabel().startswith("flagged labels checked")
    assert ax.get_ylabel().startswith("precision")
    plt.close(ax.figure)


def test_labels_re_exports_suspect_labels():
    from toolkit import labels, suspect_labels

    assert set(suspect_labels.__all__) <= set(labels.__all__)
    for name in suspect_labels.__all__:
        assert getattr(labels, name) is getattr(suspect_labels, name)
