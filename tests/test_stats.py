"""pipeline.stats: every statistic against a hand-computed value and against scipy/statsmodels."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as ss

from pipeline import stats
from pipeline.errors import ConfigError


def synthetic_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """documents, articles, items as a run writes them (all strings, as read_csv returns).

    Counted by default (no headings, no duplicates): health = d1 (4) + d3 (3) items,
    school = d2 (4) items.  d1's second article is a near-duplicate of its first;
    d3:1:4 is a near-duplicate item; d1:1:1 is a heading.
    """
    documents = pd.DataFrame({"doc_id": ["d1", "d2", "d3"], "year": ["2012", "2013", "2013"],
                              "sector": ["health", "school", "health"], "doc_type": ["plan", "summary", "plan"]})
    articles = pd.DataFrame({
        "article_id": ["d1:1", "d1:2", "d2:1", "d3:1"], "doc_id": ["d1", "d1", "d2", "d3"],
        "article": ["1", "2", "1", "1"], "title": ["a", "a", "b", "c"],
        "year": ["2012", "2012", "2013", ""], "sector": ["health", "health", "school", ""],
        "doc_type": ["plan", "plan", "summary", "plan"], "duplicate_of": ["", "d1:1", "", ""]})
    rows = [
        ("d1:1:1", "d1", "1", "1", True, "一、加强工会组织建设", "organization", "", ""),
        ("d1:1:1.1", "d1", "1", "1.1", False, "发展会员，建立工会小组，发展会员", "organization", "", ""),
        ("d1:1:1.2", "d1", "1", "1.2", False, "规范工会经费审查制度", "organization", "", ""),
        ("d1:1:2", "d1", "1", "2", False, "开展送温暖活动，慰问困难职工", "welfare", "culture", ""),
        ("d1:1:3", "d1", "1", "3", False, "组织职工运动会和文艺演出", "culture", "", ""),
        ("d1:2:1", "d1", "2", "1", False, "发展会员，建立工会小组", "organization", "", "d1:1:1.1"),
        ("d2:1:1", "d2", "1", "1", False, "召开教代会，推进校务公开", "rights", "", ""),
        ("d2:1:2", "d2", "1", "2", False, "开展教师节庆祝活动，文艺演出", "culture", "", ""),
        ("d2:1:3", "d2", "1", "3", False, "慰问退休教师", "welfare", "", ""),
        ("d2:1:4", "d2", "1", "4", False, "慰问生病教师，送温暖", "welfare", "", ""),
        ("d3:1:1", "d3", "1", "1", False, "签订工资集体协商合同", "rights", "organization", ""),
        ("d3:1:2", "d3", "1", "2", False, "困难职工帮扶，送温暖", "welfare", "", ""),
        ("d3:1:3", "d3", "1", "3", False, "完成领导交办的其他工作", "other", "", ""),
        ("d3:1:4", "d3", "1", "4", False, "困难职工帮扶建档", "welfare", "", "d3:1:2"),
    ]
    items = pd.DataFrame(rows, columns=["item_id", "doc_id", "article", "path", "is_heading", "text",
                                        "primary_label", "secondary_labels", "duplicate_of"])
    items["is_heading"] = items["is_heading"].map(str)   # "True"/"False", as read back from CSV
    items["text_original"] = items["text"]
    items["level"] = items["path"].str.count(r"\.") + 1
    items["marker"] = ""
    items["parent_id"] = ""
    items["confidence"] = "0.9"
    return documents, articles, items


@pytest.fixture()
def frame():
    return stats.analysis_frame(*synthetic_tables())


def _share(tab, group, label, col="share"):
    return tab[(tab.group == group) & (tab.label == label)][col].item()


# --- counting rules ---------------------------------------------------------------
def test_groups_come_from_the_article_then_the_document(frame):
    assert frame.set_index("item_id").loc["d3:1:1", ["sector", "year", "article_id"]].tolist() == \
        ["health", "2013", "d3:1"]


def test_duplicates_and_headings_are_left_out_by_default(frame):
    assert sorted(frame.item_id) == sorted(["d1:1:1.1", "d1:1:1.2", "d1:1:2", "d1:1:3", "d2:1:1", "d2:1:2",
                                            "d2:1:3", "d2:1:4", "d3:1:1", "d3:1:2", "d3:1:3"])
    every = stats.analysis_frame(*synthetic_tables(), keep_duplicates=True, include_headings=True)
    assert len(every) == 14
    assert len(stats.analysis_frame(*synthetic_tables(), keep_duplicates=True)) == 13


def test_a_duplicated_text_is_counted_once():
    docs, arts, items = synthetic_tables()
    tab = stats.function_shares(stats.analysis_frame(docs, arts, items), "doc_id")
    assert _share(tab, "d1", "organization", "count") == 2  # d1:2:1 (duplicate article) not counted
    assert _share(tab, "d3", "welfare", "count") == 1       # d3:1:4 (duplicate item) not counted
    kept = stats.function_shares(stats.analysis_frame(docs, arts, items, keep_duplicates=True), "doc_id")
    assert _share(kept, "d1", "organization", "count") == 3
    assert _share(kept, "d3", "welfare", "count") == 2


# --- shares ---------------------------------------------------------------------------
def test_shares_by_sector_match_a_hand_count(frame):
    tab = stats.function_shares(frame, "sector")
    health = tab[tab.group == "health"].set_index("label")
    assert health["count"].to_dict() == {"organization": 2, "rights": 1, "welfare": 2, "culture": 1, "other": 1}
    assert (health["n_items"] == 7).all() and (health["n_documents"] == 2).all()
    assert health.loc["welfare", "share"] == pytest.approx(2 / 7)
    assert _share(tab, "school", "other", "count") == 0   # every label present, even at zero
    assert _share(tab, stats.ALL, "welfare", "count") == 4 and _share(tab, stats.ALL, "welfare", "n_items") == 11


@pytest.mark.parametrize("by", stats.GROUPINGS)
def test_primary_shares_sum_to_one_in_every_group(frame, by):
    tab = stats.function_shares(frame, by)
    sums = tab.groupby("group")["share"].sum()
    assert np.allclose(sums, 1.0), sums.to_dict()


def test_any_labels_count_secondary_labels_too(frame):
    tab = stats.function_shares(frame, "sector", labels="any")
    assert _share(tab, "health", "culture", "count") == 2          # d1:1:2 welfare;culture
    assert _share(tab, "health", "organization", "count") == 3     # d3:1:1 rights;organization
    assert _share(tab, "health", "welfare", "n_items") == 7        # the denominator stays items
    assert tab[tab.group == "health"]["share"].sum() == pytest.approx(9 / 7)


def test_wilson_interval_matches_the_hand_formula_and_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = stats.wilson_interval([3], [10])
    z = 1.959963984540054
    p, n = 0.3, 10
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert (lo[0], hi[0]) == pytest.approx((centre - half, centre + half))
    assert (lo[0], hi[0]) == pytest.approx((0.10779, 0.60322), abs=1e-5)
    assert (lo[0], hi[0]) == pytest.approx(proportion_confint(3, 10, method="wilson"))


def test_share_table_carries_wilson_intervals(frame):
    tab = stats.function_shares(frame, "sector")
    row = tab[(tab.group == "health") & (tab.label == "welfare")].iloc[0]
    lo, hi = stats.wilson_interval([2], [7])
    assert (row.ci_low, row.ci_high) == pytest.approx((lo[0], hi[0]))
    assert row.ci_method == "wilson"


def test_bootstrap_over_documents_is_seeded_and_brackets_the_share(frame):
    # the percentile bootstrap itself (by default it needs 50 documents; here 2 do)
    a = stats.function_shares(frame, "sector", ci="bootstrap", n_boot=500, seed=3, bootstrap_min_clusters=2)
    b = stats.function_shares(frame, "sector", ci="bootstrap", n_boot=500, seed=3, bootstrap_min_clusters=2)
    pd.testing.assert_frame_equal(a, b)
    has = a.ci_low.notna()
    assert ((a.ci_low <= a.share + 1e-12) & (a.share <= a.ci_high + 1e-12))[has].all()
    assert a.ci_method.iloc[0].startswith("bootstrap over documents")
    # one document in the group: resampling documents cannot vary the share, so no interval
    school = a[a.group == "school"]
    assert school.ci_low.isna().all() and school.ci_high.isna().all()


def test_bad_labels_option_says_what_to_pass(frame):
    with pytest.raises(ConfigError, match="pass labels='primary' or labels='any'"):
        stats.function_shares(frame, "sector", labels="secondary")
    with pytest.raises(ConfigError, match="pass --by sector"):
        stats.function_shares(frame, "province")


# --- chi-square -----------------------------------------------------------------------
HAND = pd.DataFrame([[10, 5], [3, 12]], index=pd.Index(["a", "b"], name="sector"), columns=["welfare", "rights"])


def test_chi_square_matches_the_hand_computation():
    res = stats.chi_square_from_table(HAND, grouping="sector", exact="never")
    # E = [[6.5, 8.5], [6.5, 8.5]]; X² = 3.5² (2/6.5 + 2/8.5)
    assert res.chi2 == pytest.approx(12.25 * (2 / 6.5 + 2 / 8.5))
    assert res.dof == 1
    assert res.cramers_v == pytest.approx(math.sqrt(res.chi2 / 30))
    assert res.expected.loc["a", "welfare"] == pytest.approx(6.5)
    assert res.residuals.loc["a", "welfare"] == pytest.approx(3.5 / math.sqrt(6.5))
    # adjusted residual: (O - E) / sqrt(E (1 - 15/30) (1 - 13/30))
    assert res.adjusted_residuals.loc["a", "welfare"] == pytest.approx(3.5 / math.sqrt(6.5 * 0.5 * 17 / 30))


def test_chi_square_agrees_with_scipy_and_statsmodels():
    from scipy.stats.contingency import association
    from statsmodels.stats.contingency_tables import Table

    obs = pd.DataFrame([[20, 15, 30, 12, 8], [25, 30, 10, 14, 9], [12, 22, 18, 25, 11]],
                       index=["x", "y", "z"], columns=list(stats.LABELS))
    res = stats.chi_square_from_table(obs)
    chi2, p, dof, exp = ss.chi2_contingency(obs.to_numpy(), correction=False)
    assert (res.chi2, res.p_value, res.dof) == pytest.approx((chi2, p, dof))
    assert res.cramers_v == pytest.approx(association(obs.to_numpy(), method="cramer"))
    assert np.allclose(res.adjusted_residuals.to_numpy(), Table(obs.to_numpy()).standardized_resids)
    assert not res.small_expected and res.warning == "" and math.isnan(res.p_value_exact)


def test_permutation_p_value_matches_the_exact_hypergeometric_tail():
    obs = np.array([[6, 1], [2, 5]])
    # exact: P(X² >= observed) over tables with these margins = hypergeometric tail in |a - E|
    n, r1, c1 = 14, 7, 8
    e = r1 * c1 / n
    hg = ss.hypergeom(n, c1, r1)
    exact = sum(hg.pmf(a) for a in range(0, 8) if abs(a - e) >= abs(6 - e) - 1e-12)
    mc = stats.permutation_p_value(obs, n_permutations=20000, seed=1)
    assert mc == pytest.approx(exact, abs=0.01)
    assert stats.permutation_p_value(obs, n_permutations=2000, seed=1) == \
        stats.permutation_p_value(obs, n_permutations=2000, seed=1)


def test_small_expected_counts_warn_and_give_an_exact_p_value(frame):
    with pytest.warns(UserWarning, match="Cochran"):
        res = stats.chi_square_test(frame, "sector", n_permutations=2000)
    assert res.small_expected and res.exact_method.startswith("monte_carlo")
    assert 0 < res.p_value_exact <= 1
    assert "read p_value_exact" in res.warning
    two = stats.chi_square_from_table(pd.DataFrame([[3, 1], [1, 3]]))
    assert two.exact_method == "fisher"
    assert two.p_value_exact == pytest.approx(ss.fisher_exact([[3, 1], [1, 3]])[1])


def test_chi_square_drops_empty_rows_and_columns_and_says_so():
    obs = HAND.assign(other=0)
    res = stats.chi_square_from_table(obs, grouping="sector", exact="never")
    assert res.dropped == ("label=other",) and res.chi2 == pytest.approx(12.25 * (2 / 6.5 + 2 / 8.5))
    one = stats.chi_square_from_table(HAND.iloc[:1], grouping="sector")
    assert math.isnan(one.chi2) and "needs at least 2 groups" in one.warning


def test_chi_square_cells_are_tidy(frame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stats.chi_square_test(frame, "sector", n_permutations=200)
    cells = res.cells()
    assert len(cells) == 2 * 5
    assert cells.observed.sum() == 11
    assert cells.expected.sum() == pytest.approx(11)
    assert set(res.summary()) >= {"chi2", "p_value", "cramers_v", "p_value_exact", "warning"}


# --- two groups --------------------------------------------------------------------
def test_compare_two_groups_by_hand(frame):
    from statsmodels.stats.multitest import multipletests

    tab = stats.compare_two_groups(frame, "sector", "health", "school").set_index("label")
    w = tab.loc["welfare"]
    assert (w.count_a, w.n_a, w.count_b, w.n_b) == (2, 7, 2, 4)
    assert w["diff"] == pytest.approx(2 / 7 - 2 / 4)
    assert w.p_value == pytest.approx(ss.fisher_exact([[2, 5], [2, 2]])[1])
    # Newcombe's hybrid score interval from the two Wilson intervals
    (l1,), (u1,) = stats.wilson_interval([2], [7])
    (l2,), (u2,) = stats.wilson_interval([2], [4])
    p1, p2 = 2 / 7, 2 / 4
    assert w.diff_ci_low == pytest.approx(p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2))
    assert w.diff_ci_high == pytest.approx(p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))
    assert np.allclose(tab.p_holm, multipletests(tab.p_value, method="holm")[1])


def test_compare_two_groups_rejects_an_unknown_group(frame):
    with pytest.raises(ConfigError, match="check the spelling"):
        stats.compare_two_groups(frame, "sector", "health", "mining")


def test_all_pairs(frame):
    tab = stats.compare_all_pairs(frame, "year")
    assert set(zip(tab.group_a, tab.group_b)) == {("2012", "2013")} and len(tab) == 5


# --- drill-down -----------------------------------------------------------------------
def test_items_behind_a_cell_are_the_ones_counted(frame):
    cell = stats.items_behind(frame, "sector", "health", "welfare")
    assert sorted(cell.item_id) == ["d1:1:2", "d3:1:2"]
    assert len(stats.items_behind(frame, "sector", stats.ALL, "welfare")) == 4
    assert sorted(stats.items_behind(frame, "sector", "health", "culture", labels="any").item_id) == \
        ["d1:1:2", "d1:1:3"]


def test_unlabelled_items_warn(frame):
    f = frame.copy()
    f.loc[0, "primary_label"] = ""
    with pytest.warns(UserWarning, match="no primary_label"):
        tab = stats.function_shares(f, "sector")
    assert tab[tab.group == stats.ALL]["n_items"].iloc[0] == 10


def test_random_tables_keep_both_margins_and_match_the_hypergeometric_law():
    rng = np.random.default_rng(0)
    rt, ct = np.array([7, 3, 5]), np.array([4, 6, 2, 3])
    tabs = stats.random_tables(rt, ct, 4000, rng)
    assert (tabs.sum(axis=2) == rt).all() and (tabs.sum(axis=1) == ct).all() and (tabs >= 0).all()
    # a single cell of a permutation table is hypergeometric: cell (0, 0) ~ H(N=15, K=4, n=7)
    assert tabs[:, 0, 0].mean() == pytest.approx(ss.hypergeom(15, 4, 7).mean(), abs=0.05)
    assert tabs[:, 2, 3].mean() == pytest.approx(5 * 3 / 15, abs=0.05)


def test_metadata_precedence_item_then_article_then_document():
    docs, arts, items = synthetic_tables()
    arts.loc[arts.article_id == "d2:1", "sector"] = "unknown"      # the segmenter's word for "none found"
    docs.loc[docs.doc_id == "d2", "sector"] = "university"
    items["year"] = ""
    items.loc[items.item_id == "d2:1:1", "year"] = "2020"          # an item's own value wins
    f = stats.analysis_frame(docs, arts, items).set_index("item_id")
    assert f.loc["d2:1:2", "sector"] == "university"
    assert f.loc["d2:1:1", "year"] == "2020" and f.loc["d2:1:2", "year"] == "2013"
    none = stats.analysis_frame(None, None, items.drop(columns="year")).set_index("item_id")
    assert set(none.sector) == {stats.UNKNOWN} and none.loc["d3:1:1", "article_id"] == "d3:1"


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(stats.LABELS),
                          st.integers(0, 3)), min_size=1, max_size=60))
def test_shares_and_counts_hold_for_any_labelling(rows):
    items = pd.DataFrame({"item_id": [f"i{k}" for k in range(len(rows))],
                          "doc_id": [f"{g}{d}" for g, _, d in rows], "article": "1",
                          "primary_label": [lab for _, lab, _ in rows], "sector": [g for g, _, _ in rows]})
    frame = stats.analysis_frame(None, None, items)
    tab = stats.function_shares(frame, "sector")
    assert np.allclose(tab.groupby("group")["share"].sum(), 1.0)
    assert tab[tab.group != stats.ALL]["count"].sum() == len(rows)
    assert ((tab.ci_low <= tab.share + 1e-12) & (tab.share <= tab.ci_high + 1e-12)).all()
    obs = stats.crosstab(frame, "sector")
    assert obs.to_numpy().sum() == len(rows)
    res = stats.chi_square_from_table(obs, exact="never")
    kept = obs.loc[obs.sum(axis=1) > 0, obs.sum(axis=0) > 0]
    if kept.shape[0] > 1 and kept.shape[1] > 1:
        assert res.chi2 == pytest.approx(ss.chi2_contingency(kept.to_numpy(), correction=False)[0])


def test_a_one_document_group_gets_no_bootstrap_interval(frame):
    # resampling a single document returns it every time: no interval, said so
    out = stats.function_shares(frame, "doc_id", ci="bootstrap", n_boot=200, seed=1)  # items inside a document
    assert out["ci_low"].notna().all()
    one = frame[frame["doc_id"] == frame["doc_id"].iloc[0]]
    rows = stats.function_shares(one, "sector", ci="bootstrap", n_boot=200, seed=1)
    assert rows["ci_low"].isna().all() and rows["ci_high"].isna().all()
    assert rows["ci_method"].str.startswith("none: one document").all()
    assert rows["share"].notna().all()


def test_inside_a_document_items_are_the_units_at_every_size_computed_at_once(frame):
    # doc_id / article_id groups: Korn-Graubard over items whatever their number (a
    # percentile bootstrap over one report's items adds only time: a run has
    # thousands); the vectorised formula is korn_graubard_interval group by group
    many = _documents([(12, 80), (3, 60), (0, 5), (5, 5), (2, 7)])
    out = stats.function_shares(many, "doc_id", ci="bootstrap")
    for g, sub in many.groupby("doc_id"):
        rows = out[out["group"] == g]
        per_c, per_n = stats.cluster_counts(stats.label_long(sub).assign(_g=g), "item_id", list(rows["label"]))
        lo, hi = stats.korn_graubard_interval(per_c, per_n)
        assert rows["ci_low"].to_numpy() == pytest.approx(lo, abs=1e-12)
        assert rows["ci_high"].to_numpy() == pytest.approx(hi, abs=1e-12)
        assert rows["ci_method"].str.startswith(f"korn-graubard over {len(sub)} items").all()
    assert out.loc[out["group"] == stats.ALL, "ci_method"].str.startswith("korn-graubard over 5 documents").all()


def test_a_one_item_document_gets_no_interval_over_items_and_no_error():
    # by doc_id the units inside a document are its items; a document of one item
    # (a one-line file) divided by k - 1 = 0 and stopped the run's statistics
    frame = _documents([(1, 1), (3, 10), (2, 8)])
    out = stats.function_shares(frame, "doc_id", ci="bootstrap")
    one = out[out["group"] == "health0"]
    assert one["ci_low"].isna().all() and one["ci_method"].str.startswith("none: one item").all()
    assert out.loc[out["group"] == "health1", "ci_low"].notna().all()
    lo, hi = stats.korn_graubard_interval(np.array([[1.0, 0.0]]), np.array([1.0]))
    assert np.isnan(lo).all() and np.isnan(hi).all()


def test_an_article_does_not_borrow_its_siblings_value_and_mixed_is_no_group():
    # a run's document value is what its articles share: lent to an article without
    # one, it would only be a sibling's guess; "mixed" (articles disagree) is no group
    docs, arts, items = synthetic_tables()
    arts.loc[arts.article_id == "d1:2", ["year", "duplicate_of"]] = ["", ""]   # d1's second article: no year
    docs.loc[docs.doc_id == "d1", "year"] = "2012"                              # the one d1's articles share
    docs.loc[docs.doc_id == "d2", "year"] = "mixed"
    arts.loc[arts.article_id == "d2:1", "year"] = ""
    f = stats.analysis_frame(docs, arts, items, keep_duplicates=True).set_index("item_id")
    assert f.loc["d1:2:1", "year"] == stats.UNKNOWN and f.loc["d1:1:2", "year"] == "2012"
    assert set(f.loc[f.doc_id == "d2", "year"]) == {stats.UNKNOWN}
    assert f.loc["d3:1:1", "year"] == "2013"  # d3's article has no year: the document's own value is used
    res = stats.chi_square_test(f.reset_index(), "year", warn=False)
    assert "mixed" not in res.observed.index


def test_the_cluster_permutation_p_value_sees_reports_not_items():
    # four articles of 30 items, each article all one function: item by item the two
    # groups differ beyond doubt, but with whole articles shuffled, one of the three
    # ways to split four articles into two pairs is as extreme as what was seen
    rows = []
    for art, (group, label) in enumerate([("a", "welfare"), ("a", "culture"), ("b", "welfare"),
                                          ("b", "rights")]):
        rows += [(f"d{art}:1:{k}", f"d{art}", "1", label, group) for k in range(30)]
    items = pd.DataFrame(rows, columns=["item_id", "doc_id", "article", "primary_label", "sector"])
    frame = stats.analysis_frame(None, None, items)
    res = stats.chi_square_test(frame, "sector", warn=False, cluster_permutations=3000)
    assert res.p_value < 1e-10
    assert 0.2 < res.p_value_cluster <= 1.0
    assert res.cluster_method.startswith("groups permuted among 4 articles")
    again = stats.chi_square_test(frame, "sector", warn=False, cluster_permutations=3000)
    assert again.p_value_cluster == res.p_value_cluster  # seeded
    assert np.isnan(stats.chi_square_test(frame, "article_id", warn=False).p_value_cluster)
    assert "p_value_cluster" in res.summary()


def test_an_untested_grouping_says_so_and_a_group_is_not_compared_with_itself(frame):
    one = frame[frame["sector"] == "health"]
    row = stats.chi_square_test(one, "sector", warn=False).summary()
    assert row["dof"] is None and row["small_expected"] is None and math.isnan(row["chi2"])
    with pytest.raises(ConfigError, match="two different groups"):
        stats.compare_two_groups(frame, "sector", "health", "health")


def test_a_bootstrap_does_not_claim_certainty_for_a_label_never_or_always_seen(frame):
    # every resample of a group without 'other' gives 0: the Wilson interval says what 0 of n allows
    boot = stats.function_shares(frame, "year", ci="bootstrap", n_boot=200, seed=1, bootstrap_min_clusters=2)
    zero = boot[(boot["count"] == 0) & (boot["n_documents"] > 1) & (boot["group"] != stats.ALL)]
    assert len(zero) and (zero["ci_high"] > 0).all()
    assert zero["ci_method"].str.startswith("wilson (count 0 or all: a bootstrap cannot vary it)").all()
    lo, hi = stats.wilson_interval([0], [int(zero.iloc[0]["n_items"])])
    assert zero.iloc[0]["ci_high"] == pytest.approx(hi[0])
    seen = boot[(boot["count"] > 0) & (boot["count"] < boot["n_items"]) & (boot["n_documents"] > 1)
                & (boot["group"] != stats.ALL)]
    assert len(seen) and seen["ci_method"].str.startswith("bootstrap over documents").all()
    # inside a document items are the units: Korn-Graubard, for a count of 0 too,
    # and no narrower there than Wilson
    out = stats.function_shares(frame, "doc_id", ci="bootstrap", n_boot=200, seed=1)
    zero = out[(out["count"] == 0) & (out["group"] != stats.ALL)]
    assert zero["ci_method"].str.startswith("korn-graubard over").all()
    assert zero["ci_method"].str.contains("count 0 or all").all()
    wilson_high = stats.wilson_interval(np.zeros(len(zero)), zero["n_items"].to_numpy())[1]
    assert (zero["ci_low"] == 0).all() and (zero["ci_high"].to_numpy() >= wilson_high).all()
    seen = out[(out["count"] > 0) & (out["count"] < out["n_items"]) & (out["group"] != stats.ALL)]
    assert seen["ci_method"].str.startswith("korn-graubard over").all()


# --- intervals for groups of few documents (benchmarks/ci_coverage.py measures them) -----------
def _documents(counts: list[tuple[int, int]], sector: str = "health") -> pd.DataFrame:
    """An analysis frame with one document per (welfare items, items): the rest are 'culture'."""
    rows = []
    for d, (y, n) in enumerate(counts):
        rows += [(f"{sector}{d}:1:{k}", f"{sector}{d}", "1", "welfare" if k < y else "culture", sector)
                 for k in range(n)]
    return stats.analysis_frame(None, None, pd.DataFrame(rows, columns=["item_id", "doc_id", "article",
                                                                        "primary_label", "sector"]))


def test_korn_graubard_interval_by_hand():
    # three documents: 10 of 50, 30 of 100, 5 of 40 items carry the label
    y, n = np.array([10.0, 30.0, 5.0]), np.array([50.0, 100.0, 40.0])
    p = 45 / 190
    v = 3 / 2 * ((y - p * n) ** 2).sum() / 190 ** 2                  # cluster-robust variance of the ratio
    n_eff = min(190, p * (1 - p) / v) * (ss.t.ppf(0.975, 189) / ss.t.ppf(0.975, 2)) ** 2
    x = p * n_eff
    lo, hi = stats.korn_graubard_interval(np.c_[y, n - y], n)
    assert (lo[0], hi[0]) == pytest.approx((ss.beta.ppf(0.025, x, n_eff - x + 1),
                                            ss.beta.ppf(0.975, x + 1, n_eff - x)))
    assert (lo[1], hi[1]) == pytest.approx((1 - hi[0], 1 - lo[0]))      # the complement's interval mirrors it
    # documents alike (v = 0): no fewer effective items than items, only the t correction
    lo, hi = stats.korn_graubard_interval(np.array([[10.0], [20.0]]), np.array([50.0, 100.0]))
    n_eff = 150 * (ss.t.ppf(0.975, 149) / ss.t.ppf(0.975, 1)) ** 2
    assert (lo[0], hi[0]) == pytest.approx((ss.beta.ppf(0.025, 0.2 * n_eff, 0.8 * n_eff + 1),
                                            ss.beta.ppf(0.975, 0.2 * n_eff + 1, 0.8 * n_eff)))


def test_three_documents_get_an_interval_wider_than_wilson_and_the_percentile_bootstrap():
    # 3 reports whose welfare shares differ (10%, 30%, 50%): 300 items, but only 3 reports' worth of evidence
    frame = _documents([(10, 100), (30, 100), (50, 100)])
    new = stats.function_shares(frame, "sector", ci="bootstrap", seed=0).set_index(["group", "label"])
    old = stats.function_shares(frame, "sector", ci="bootstrap", seed=0,
                                bootstrap_min_clusters=2).set_index(["group", "label"])
    wilson = stats.function_shares(frame, "sector").set_index(["group", "label"])
    row = new.loc[("health", "welfare")]
    width = row.ci_high - row.ci_low
    assert width >= 2 * (old.loc[("health", "welfare")].ci_high - old.loc[("health", "welfare")].ci_low)
    assert width >= 4 * (wilson.loc[("health", "welfare")].ci_high - wilson.loc[("health", "welfare")].ci_low)
    assert row.ci_low <= 0.1 and row.ci_high >= 0.5                  # every report's own share is inside
    assert row.ci_method == ("korn-graubard over 3 documents (t on 2 df; a percentile bootstrap under-covers "
                             "below 50)")
    lo, hi = stats.korn_graubard_interval(np.array([[10.0], [30.0], [50.0]]), np.full(3, 100.0))
    assert (row.ci_low, row.ci_high) == pytest.approx((lo[0], hi[0]))
    # count 0 in 3 reports: the reports show no spread, so all 300 items count, with t on 2 df:
    # Clopper-Pearson's 0-of-n* bound, well above Wilson's 0 of 300 (a rare label can be missed
    # by three reports)
    other = new.loc[("health", "other")]
    assert other.ci_method == ("korn-graubard over 3 documents (count 0 or all: no spread to measure, so every "
                               "item counts; t on 2 df)")
    n_star = 300 * (ss.t.ppf(0.975, 299) / ss.t.ppf(0.975, 2)) ** 2
    assert (other.ci_low, other.ci_high) == pytest.approx((0.0, 1 - 0.025 ** (1 / n_star)))
    assert other.ci_high > 4 * stats.wilson_interval([0], [300])[1][0]


def test_the_percentile_bootstrap_is_kept_from_fifty_documents():
    rng = np.random.default_rng(0)
    frame = _documents([(int(rng.integers(0, 20)), 20) for _ in range(50)])
    tab = stats.function_shares(frame, "sector", ci="bootstrap", n_boot=300, seed=0)
    welfare = tab[(tab.group == "health") & (tab.label == "welfare")].iloc[0]
    assert welfare.ci_method == "bootstrap over documents (B=300, seed=0)"
    few = stats.function_shares(frame, "sector", ci="bootstrap", n_boot=300, seed=0, bootstrap_min_clusters=51)
    welfare = few[(few.group == "health") & (few.label == "welfare")].iloc[0]
    assert welfare.ci_method.startswith("korn-graubard over 50 documents (t on 49 df")


def test_with_three_documents_the_intervals_cover_where_the_percentile_bootstrap_did_not():
    # the coverage benchmark in miniature (fixed seed): 400 groups of 3 reports of 20-200 items,
    # each report's share drawn from Beta(mean 0.3, intra-report correlation 0.1)
    rng = np.random.default_rng(20261203)
    mu, rho = 0.3, 0.1
    a, b = mu * (1 - rho) / rho, (1 - mu) * (1 - rho) / rho
    hit_kg = hit_pct = 0
    for _ in range(400):
        n = rng.integers(20, 201, size=3).astype(float)
        y = rng.binomial(n.astype(int), rng.beta(a, b, size=3)).astype(float)
        lo, hi = stats.korn_graubard_interval(y[:, None], n)
        hit_kg += lo[0] <= mu <= hi[0]
        lo, hi = stats.bootstrap_percentile_interval(y[:, None], n, 0.05, 400, rng)
        hit_pct += lo[0] <= mu <= hi[0]
    assert hit_kg / 400 >= 0.92
    assert hit_pct / 400 <= 0.85                                      # the reviewer's finding, still measurable


def test_a_rare_label_missed_by_two_reports_still_gets_an_honest_interval():
    # a label in 2% of items, very uneven between reports (correlation 0.15): two reports often
    # show none of it; Wilson's 0-of-n bound then excludes 2%, the Korn-Graubard bound (seeded)
    rng = np.random.default_rng(7)
    mu, rho = 0.02, 0.15
    a, b = mu * (1 - rho) / rho, (1 - mu) * (1 - rho) / rho
    zeros = hit_kg = hit_wilson = 0
    for _ in range(400):
        n = rng.integers(20, 201, size=2).astype(float)
        y = rng.binomial(n.astype(int), rng.beta(a, b, size=2)).astype(float)
        if y.sum() == 0:
            zeros += 1
            hit_kg += stats.korn_graubard_interval(y[:, None], n)[1][0] >= mu
            hit_wilson += stats.wilson_interval([0], [n.sum()])[1][0] >= mu
    assert zeros >= 100
    assert hit_kg / zeros >= 0.95 and hit_wilson / zeros <= 0.6


@pytest.mark.parametrize("ci", ["wilson", "bootstrap"])
@pytest.mark.parametrize("by", ["sector", "doc_id"])
def test_an_item_without_a_primary_label_is_left_out_with_its_secondary_labels(ci, by):
    # an item with no primary label is left out of the statistics (the warning says so):
    # its secondary labels were still counted, so with labels='any' a count could exceed
    # n_items, and the Korn-Graubard interval inside a document counted one item more than n
    rows = [{"item_id": f"d{d}:1:{i}", "doc_id": f"d{d}", "article": "1", "sector": "school",
             "primary_label": "welfare" if i else "", "secondary_labels": "rights" if i == 0 else ""}
            for d in range(3) for i in range(3)]
    frame = stats.analysis_frame(None, None, pd.DataFrame(rows))
    with pytest.warns(UserWarning, match="no primary_label"):
        tab = stats.function_shares(frame, by, labels="any", ci=ci)
    assert (tab[tab.label == "rights"]["count"] == 0).all()
    assert (tab[tab.label == "welfare"]["share"] == 1.0).all()
    assert (tab["n_items"] == np.where(tab.group == stats.ALL, 6, 6 if by == "sector" else 2)).all()
    if ci == "bootstrap" and by == "doc_id":
        inside = tab[tab.group != stats.ALL]
        assert inside["ci_method"].str.startswith("korn-graubard over 2 items").all()


@pytest.mark.parametrize("ci", ["wilson", "bootstrap"])
def test_a_group_named_like_the_pooled_one_is_refused_with_the_fix(ci):
    # a sector typed "(all)" by hand: the table's pooled row has that name; the table
    # came out of shape (IndexError / "All arrays must be of the same length")
    rows = [{"item_id": f"d{d}:1:{i}", "doc_id": f"d{d}", "article": "1", "primary_label": "welfare",
             "sector": stats.ALL if d < 2 else "school"} for d in range(4) for i in range(3)]
    frame = stats.analysis_frame(None, None, pd.DataFrame(rows))
    # refused even without the pooled row: the bootstrap reads a group "(all)" as the pool
    for include_all in (True, False):
        with pytest.raises(ConfigError, match=r"sector.*\(all\).*rename"):
            stats.function_shares(frame, "sector", ci=ci, include_all=include_all)


@pytest.mark.parametrize("by", ["sector", "doc_id"])
def test_a_group_without_counted_items_says_it_has_no_interval(by):
    # every item unlabelled (or a heading): the pooled row has no items; under the
    # bootstrap default its ci_method said "wilson", a method the run was not asked for
    items = pd.DataFrame({"item_id": ["a/a1/1"], "doc_id": ["a"], "article": ["1"], "primary_label": [""],
                          "sector": ["school"]})
    frame = stats.analysis_frame(None, None, items)
    with pytest.warns(UserWarning, match="no primary_label"):
        tab = stats.function_shares(frame, by, ci="bootstrap")
    assert list(tab["group"].unique()) == [stats.ALL] and (tab["n_items"] == 0).all()
    assert tab["ci_low"].isna().all() and tab["ci_high"].isna().all()
    assert tab["ci_method"].str.startswith("none: no items").all()


def test_korn_graubard_takes_one_labels_counts_as_a_vector():
    # one label's count per document, as a notebook passes it: IndexError before
    lo, hi = stats.korn_graubard_interval(np.array([1, 2, 3]), np.array([5, 5, 5]))
    lo2, hi2 = stats.korn_graubard_interval(np.array([[1], [2], [3]]), np.array([5, 5, 5]))
    assert lo.shape == (1,) and lo == pytest.approx(lo2) and hi == pytest.approx(hi2)
