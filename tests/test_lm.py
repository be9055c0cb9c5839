"""Tests for pipeline.lm: the character model and the word model used by the GBK recovery."""
from __future__ import annotations

import math

import pytest

from pipeline.lm import CharLM, DocLM, WordLM


@pytest.fixture(scope="module")
def words():
    return WordLM(CharLM())


def test_word_model_prefers_real_words_over_their_byte_neighbours(words):
    # pairs a misaligned run can confuse: the reading of dictionary words wins
    assert words.score("以“维护职工") > words.score("以“为护职工") + 3
    assert words.score("公开材料，迎接") > words.score("公开的力，迎接") + 3
    assert words.score("以我委和外经贸局为牵头单位") > words.score("以为灰瓮外境局危头单位") + 10


def test_word_model_reads_traditional_text_through_the_character_map(words):
    assert words.score("維護職工權益") == pytest.approx(words.score("维护职工权益"))


def test_word_model_scores_a_best_segmentation(words):
    # the score of a string is at least that of any one segmentation of it
    s = "工会组织"
    by_words = words.logp["工会"] + words.logp["组织"]
    assert words.score(s) >= by_words - 1e-9
    assert words.score("") == 0.0
    assert math.isfinite(words.score("□?§ abc 123"))


def test_word_model_expects_a_mark_where_a_line_ends(words):
    from pipeline import lm

    # the 。 that ends a line is what lines do; leaving it out costs (常化\n for 常化。\n)
    assert words.score("促进活动经常化。\n今年机关工会") > words.score("促进活动经常化\n今年机关工会") + 1
    # inside a line the same 。 is an ordinary token, dearer than at the line end
    assert words.score("经常化。\n") - words.score("经常化\n") > words.score("经常化。今年") - words.score("经常化今年")
    # a line break is a token with a price of its own, not free
    assert words.score("工会\n工作") == pytest.approx(
        words.score("工会") + words.score("工作") + lm.NEWLINE_COST + math.log(1 - lm.LINE_END_MARKED))
    assert lm.NEWLINE_COST < 0


def test_document_words_raise_their_own_probability(words):
    text = "职代会审议通过。职代会闭幕。" * 20
    own = words.doc_words(text, 0.5)
    assert own["职代会"] > words.logp["职代会"]
    assert words.score("召开职代会", own) > words.score("召开职代会")
    assert words.doc_words(text, 0.0) == {}


def test_doc_model_knows_its_own_pairs_and_its_script():
    base = CharLM()
    lm = DocLM(base, "職工代表大會審議通過。職工代表大會閉幕。" * 5)
    # the document's own pair beats the same pair read through jieba alone
    assert lm.logp("代", "表") > DocLM(base, "").logp("代", "表")
    # 会 in a document that writes 會 is probably the other script's twin
    assert lm.logp("大", "會") > lm.logp("大", "会") + 1.0
    # no trigram context in the document: the trigram model is the bigram model
    assert lm.logp3("甲", "乙", "丙") == lm.logp("乙", "丙")
    # asked again (from the caches), the same answers
    assert lm.logp("大", "會") == DocLM(base, "職工代表大會審議通過。職工代表大會閉幕。" * 5).logp("大", "會")


def test_doc_successors_are_the_documents_own_next_characters_most_frequent_first():
    base = CharLM()
    lm = DocLM(base, "《工会法》、《劳动法》和《女工工作条例》。條例》" + "条例规定" * 3)
    # normalised (條 reads as 条), counted over the whole document: 规 three times, 》 twice
    assert lm.successors("例")[:2] == ["规", "》"]
    assert lm.successors("條") == lm.successors("条")
    assert lm.successors("甲") == []


def test_models_are_cached_on_disk_and_a_broken_copy_is_rebuilt(tmp_path):
    from pipeline.lm import load_models

    chars, words = load_models(tmp_path)
    saved = list(tmp_path.glob("charlm-*.pickle"))
    assert len(saved) == 1, "the models are saved once, under a key of their sources"
    again_chars, again_words = load_models(tmp_path)
    assert again_chars.bi == chars.bi and again_words.logp == words.logp
    saved[0].write_bytes(b"not a pickle")
    rebuilt, _ = load_models(tmp_path)
    assert rebuilt.uni == chars.uni
    assert saved[0].read_bytes()[:1] != b"n", "the broken copy is replaced"


def test_an_unwritable_cache_only_costs_time(tmp_path):
    from pipeline.lm import load_models

    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    chars, words = load_models(blocker / "cache")
    assert words.score("工会") < 0 and chars.uni


def test_a_document_knows_the_script_it_does_not_write():
    from pathlib import Path

    raw = Path(__file__).resolve().parents[1] / "data" / "raw"
    base = CharLM()
    simplified = DocLM(base, next(raw.glob("004_*.txt")).read_text(encoding="utf-8")).other_script()
    # 棧 (栈) is the reading the word model liked in '粮?!…' of a simplified report
    assert "棧" in simplified and "栈" not in simplified and "校" not in simplified
    # the traditional samples also write 范, 台 …: mixed, so nothing is penalised
    assert DocLM(base, next(raw.glob("002_*.txt")).read_text(encoding="utf-8")).other_script() == frozenset()
    assert DocLM(base, "工会").other_script() == frozenset(), "too short to tell"


def test_array_probabilities_are_the_scalar_ones_bit_for_bit():
    import numpy as np

    from pipeline.lm import CharArrays

    base = CharLM()
    text = "職工代表大會審議通過。職工代表大會閉幕，工会组织开展活动；" * 4 + "《工会法》、条例?,"
    lm = DocLM(base, text)
    chars = list("會会表大工组织。，；：、》?,;！甲乙丙丁審议議")
    (feats, rank) = lm.features(CharArrays(base, chars))
    assert rank.tolist() == [lm.p_uni(base.norm(c)) * (3.0 if c in lm.raw else 1.0) for c in chars]
    for prev in ["大", "會", "。", "，", "\n", "甲", "?"]:
        probs = lm.probs(prev, feats).tolist()
        # the same floating-point steps: the logs are equal, not only close
        assert [math.log(p) for p in probs] == [lm.logp(prev, c) for c in chars]
        for pp in ["代", "大", "\n"]:
            approx = lm.approx_logp3(pp, prev, feats, np.array(probs))
            assert approx == pytest.approx([lm.logp3(pp, prev, c) for c in chars], abs=1e-9)
    # a context the document has trigrams for is one the array path must not skip
    assert lm.has_trigrams("代", "表") and not lm.has_trigrams("甲", "乙")


def test_a_score_read_off_a_shared_tail_is_the_whole_score(words):
    # the GBK search scores hundreds of readings before the same text this way
    lines = ["促进活动经常化。\n今年机关工会要以维护职工合法权益为主线",
             "之年。總的思路是：緊緊圍繞\n組織建設。基層工會組織",
             "abc 123 □?§ 工会\n\n职代会，送温暖、工资集体协商》。\n"]
    for line in lines:
        for cut in range(len(line) + 1):
            head, text = line[:cut], line[cut:]
            for own in (None, words.doc_words(line * 3, 0.5)):
                tail = words.tail(text, own)
                assert words.score_with_tail(head, text, tail, own) == pytest.approx(words.score(line, own), abs=1e-9)


def test_pair_arrays_are_the_keys_of_key_whatever_the_characters():
    # built from the UTF-32 code points at once; the same integers as _key, sorted
    from pipeline.lm import _key, _pair_arrays

    for table in ({"工会": 3, "会议": 2, "\ud800x": 1, "ab": 4},
                  {"工会议": 1, "\U0010ffff会议": 2, "a\n?": 5},
                  {"会": 1, "a": 2},
                  {"ab": 1, "abc": 2},  # keys of two lengths: the per-key path
                  # lengths that add up to as many characters as keys as long as the first
                  {"ab": 1, "c": 2, "def": 3}, {"abc": 1, "d": 2, "ef": 3, "ghi": 4}):
        keys, counts = _pair_arrays(table)
        want = sorted((_key(k), v) for k, v in table.items())
        assert keys.tolist() == [k for k, _ in want] and counts.tolist() == [v for _, v in want]
    assert _pair_arrays({})[0].tolist() == []
