"""pipeline.keyness: both measures by hand and against scipy, tokens, topic tables, NMF."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from pipeline import keyness, stats
from pipeline.errors import ConfigError
from tests.test_stats import synthetic_tables


@pytest.fixture(scope="module")
def tokenizer():
    return keyness.build_tokenizer()


TARGET = {"送温暖": 10, "职代会": 2, "运动会": 0}
REFERENCE = {"送温暖": 5, "职代会": 8, "运动会": 5}


def test_log_odds_with_dirichlet_prior_by_hand():
    tab = keyness.log_odds_dirichlet(TARGET, REFERENCE, prior_size=10).set_index("term")
    # background counts 15, 10, 5 of 30 -> alpha = 5, 10/3, 5/3 (a0 = 10); n_t = 12, n_r = 18
    a = 5.0
    lt = math.log((10 + a) / (12 + 10 - 10 - a))
    lr = math.log((5 + a) / (18 + 10 - 5 - a))
    var = 1 / (10 + a) + 1 / (12 + 10 - 10 - a) + 1 / (5 + a) + 1 / (18 + 10 - 5 - a)
    assert tab.loc["送温暖", "log_odds"] == pytest.approx(lt - lr)
    assert tab.loc["送温暖", "log_odds"] == pytest.approx(1.3499, abs=1e-4)   # log(15/7) - log(10/18)
    assert tab.loc["送温暖", "z"] == pytest.approx((lt - lr) / math.sqrt(var))
    assert tab.loc["运动会", "z"] < 0 < tab.loc["送温暖", "z"]


def test_log_odds_is_antisymmetric():
    ab = keyness.log_odds_dirichlet(TARGET, REFERENCE).set_index("term")
    ba = keyness.log_odds_dirichlet(REFERENCE, TARGET).set_index("term")
    assert np.allclose(ab["z"], -ba.loc[ab.index, "z"])


def test_a_larger_prior_shrinks_the_log_odds():
    weak = keyness.log_odds_dirichlet(TARGET, REFERENCE, prior_size=1).set_index("term")
    strong = keyness.log_odds_dirichlet(TARGET, REFERENCE, prior_size=1000).set_index("term")
    assert abs(strong.loc["送温暖", "log_odds"]) < abs(weak.loc["送温暖", "log_odds"])


def test_chi2_keyness_matches_scipy_with_yates_and_is_signed():
    tab = keyness.chi2_keyness(TARGET, REFERENCE).set_index("term")
    n_t, n_r = sum(TARGET.values()), sum(REFERENCE.values())
    for term in TARGET:
        a, b = TARGET[term], REFERENCE[term]
        chi2, p, _, exp = chi2_contingency([[a, b], [n_t - a, n_r - b]], correction=True)
        sign = 1 if a > exp[0][0] else -1
        assert tab.loc[term, "chi2"] == pytest.approx(sign * chi2), term
        assert tab.loc[term, "p"] == pytest.approx(p), term
    # by hand for 送温暖: a=10 b=5 c=2 d=13, N=30: 30 (|130-10| - 15)^2 / (15 * 15 * 12 * 18)
    assert tab.loc["送温暖", "chi2"] == pytest.approx(30 * 105 ** 2 / (15 * 15 * 12 * 18))


def test_stop_words_file_holds_the_boilerplate_and_is_editable(tmp_path):
    words = keyness.load_stopwords()
    assert {"工作", "加强", "开展", "进一步", "我们"} <= words
    custom = tmp_path / "stop.txt"
    custom.write_text("# mine\n送温暖  慰问 # trailing comment\n", encoding="utf-8")
    assert keyness.load_stopwords(custom) == {"送温暖", "慰问"}
    with pytest.raises(ConfigError, match="check the path"):
        keyness.load_stopwords(tmp_path / "none.txt")


def test_tokenize_drops_stop_words_single_characters_and_numbers(tokenizer):
    toks = keyness.tokenize(["进一步加强工会工作，开展送温暖活动2012年，召开职代会。"], tokenizer,
                            keyness.load_stopwords())[0]
    assert "送温暖" in toks and "职代会" in toks          # union terms from the user dictionary stay whole
    assert not {"进一步", "加强", "工作", "开展", "，", "2012", "年"} & set(toks)
    assert all(len(t) >= 2 for t in toks)


def test_tokenizer_is_not_jiebas_global_one(tokenizer):
    import jieba

    assert isinstance(tokenizer, jieba.Tokenizer) and tokenizer is not jieba.dt


def test_keyness_table_ranks_the_distinctive_words(tokenizer):
    texts = ["送温暖 慰问 困难职工"] * 5 + ["职代会 集体合同 工资集体协商"] * 5 + ["送温暖 职代会"]
    groups = ["welfare"] * 5 + ["rights"] * 6
    toks = keyness.tokenize(texts, tokenizer)
    tab = keyness.keyness_table(toks, groups, grouping="label", top_n=3)
    top = tab[tab.group == "welfare"].sort_values("rank").term.tolist()
    assert top[0] in {"送温暖", "慰问", "困难职工"} and "职代会" not in top
    assert (tab.z > 0).all() and list(tab.columns) == keyness.KEYNESS_COLUMNS


@pytest.fixture(scope="module")
def counted(tokenizer):
    frame = stats.label_long(stats.analysis_frame(*synthetic_tables()))
    return frame, keyness.tokenize(frame.text, tokenizer, keyness.load_stopwords())


def test_topic_table_per_function(counted):
    frame, toks = counted
    tab = keyness.topic_table(frame, toks, top_n=5, min_count=1)
    assert set(tab.method) == {"keyness", "tfidf"} and list(tab.columns) == keyness.TOPIC_COLUMNS
    welfare = tab[(tab.label == "welfare") & (tab.method == "keyness")]
    assert "送温暖" in set(welfare.term)
    row = welfare[welfare.term == "送温暖"].iloc[0]
    assert row.freq == 3 and row.n_items == 3 and row.n_reference == 0   # d1:1:2, d2:1:4, d3:1:2
    assert row.example_item_id in set(frame[frame.label == "welfare"].item_id)
    assert "送温暖" in row.example_text


def test_topic_table_per_function_and_group(counted):
    frame, toks = counted
    tab = keyness.topic_table(frame, toks, by="sector", top_n=5, min_count=1)
    assert set(tab.grouping) == {"sector"}
    assert set(zip(tab.label, tab.group)) <= set(zip(frame.label, frame.sector))
    # within welfare, school items are compared with health items only
    school = tab[(tab.label == "welfare") & (tab.group == "school") & (tab.method == "keyness")]
    assert "教师" in set(school.term) or "退休" in set(school.term)


def test_nmf_topics_are_deterministic(tokenizer):
    texts = (["送温暖 慰问 困难职工 帮扶"] * 4 + ["体检 疗休养 职工体检"] * 4)
    frame = pd.DataFrame({"item_id": [f"i{k}" for k in range(8)], "label": "welfare", "text": texts})
    toks = keyness.tokenize(texts, tokenizer)
    a = keyness.nmf_topics(frame, toks, 2, seed=0)
    b = keyness.nmf_topics(frame, toks, 2, seed=0)
    pd.testing.assert_frame_equal(a, b)
    firsts = set(a[a["rank"] == 1].term)
    assert len(firsts) == 2 and sorted(a.groupby("topic").n_items.first()) == [4, 4]
