"""The ingestion stage: the applier, replay, the samples end to end, and properties of the whole chain."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.errors import ConfigError, InputFileError
from pipeline.ingest import Edit, Toolkit, apply_edits, apply_rules, ingest, ingest_bytes, repair_text, replay
from pipeline.model import Repair


@pytest.fixture(scope="module")
def kit_keep():
    return Toolkit(Config(script="keep"))


@pytest.fixture(scope="module")
def samples(raw_files, kit_keep):
    return [ingest(p, kit=kit_keep) for p in raw_files]


# ---- applier and replay ----------------------------------------------------------------------
def test_apply_edits_records_spans_on_the_text_as_it_stood():
    text, reps = apply_edits("ab?cd?ef", "r", [Edit(2, 3, "“"), Edit(5, 6, "”!")])
    assert text == "ab“cd”!ef"
    assert [(r.start, r.end, r.out_start, r.out_end, r.before, r.after) for r in reps] == \
        [(2, 3, 2, 3, "?", "“"), (5, 6, 5, 7, "?", "”!")]
    assert replay("ab?cd?ef", reps) == text


def test_apply_edits_skips_overlaps_and_no_ops():
    text, reps = apply_edits("abcdef", "r", [Edit(1, 3, "X"), Edit(2, 4, "Y"), Edit(4, 5, "e")])
    assert text == "aXdef" and len(reps) == 1


def test_replay_refuses_records_that_do_not_match():
    bad = Repair("strip_pinyin", 0, 2, 0, 0, "zz", "")
    with pytest.raises(ValueError, match=r"repair 0 \(strip_pinyin\) does not match the text at 0:2"):
        replay("abc", [bad])


def test_unknown_rule_names_say_what_to_do(kit_keep):
    with pytest.raises(ConfigError) as e:
        apply_rules("x", kit_keep, names=["strip_pinyin", "no_such_rule"])
    msg = str(e.value)
    assert msg.startswith("rules: expected names from fix_mojibake, ")
    assert "found no_such_rule" in msg and msg.endswith("fix the rule names in unionmine.toml")


def test_replay_rebuilds_every_sample_from_raw_text_and_repairs(samples):
    for doc in samples:
        assert doc.repairs, doc.doc_id
        assert replay(doc.raw_text, doc.repairs) == doc.text_original


def test_repairs_csv_spans_point_at_the_before_text(samples):
    for doc in samples:
        text = doc.raw_text
        for r in sorted(doc.repairs, key=lambda r: r.seq):
            assert text[r.start:r.end] == r.before
            text = text[:r.start] + r.after + text[r.end:]
            assert text[r.out_start:r.out_end] == r.after


# ---- the samples end to end -----------------------------------------------------------------
def test_samples_after_repair_have_no_pinyin_lost_quotes_or_boilerplate(samples):
    import re

    from pipeline.rules import readings

    for doc in samples:
        t = doc.text_original
        glued = [m for m in re.finditer(r"([\u4e00-\u9fff])\(([a-zāáǎàōóǒòēéěèīíǐìūúǔùǖǘǚǜü]{1,7})\)", t)
                 if m.group(2) in readings(m.group(1))]
        assert not glued, (doc.doc_id, [m.group() for m in glued[:5]])
        for pat in (r"\[本文[来來]源", r"原[创創]:", r"小[编編]", r"相[关關]文章", r"\[范文模版\]", r"</p>"):
            assert not re.search(pat, t), (doc.doc_id, pat)
        assert not re.search(r"\?[\u4e00-\u9fff]{1,12}\?", t), doc.doc_id


def test_simplified_target_keeps_offsets_of_the_original(raw_files):
    doc = ingest(raw_files[2], Config(script="simplified"))
    assert doc.script == "traditional"
    assert len(doc.text) == len(doc.text_original)
    assert "社区加强工会" in doc.text and "社區加強工會" in doc.text_original
    conv = [r for r in doc.repairs if r.rule == "convert_script"]
    assert all(doc.text[r.out_start] == r.after and doc.text_original[r.start] == r.before for r in conv)


def test_ingest_bytes_reports_an_empty_file_with_its_name():
    with pytest.raises(InputFileError, match=r"^data/raw/x\.txt: expected a text report; found an empty file"):
        ingest_bytes(b"", "x", "data/raw/x.txt")


def test_text_without_chinese_gets_a_warning(kit_keep):
    doc = repair_text("hello world", kit_keep)
    assert doc.script == "none"
    assert doc.warnings == ("no Chinese characters found: is this a union report?",)


# ---- properties -------------------------------------------------------------------------------
COMMON = "工会组织建设职工权益加强学习落实制度开展活动服务企业单位教育管理发展社会经济文化的是在和了有为"
sentence = st.text(alphabet=COMMON, min_size=2, max_size=20).map(lambda s: s + "。")
clean_line = st.lists(sentence, min_size=1, max_size=4).map("".join)
clean_text = st.lists(clean_line, min_size=1, max_size=8).map(lambda ls: "\n".join(ls) + "\n")

messy = st.text(alphabet=COMMON + "社區(qū)?“”《》,.;:!'\n ()（）、，。12345abcxyz小编相关文章【】-:", max_size=120)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(clean_text)
def test_clean_text_is_left_unchanged(kit_keep, text):
    assert repair_text(text, kit_keep).text_original == text


@SETTINGS
@given(messy)
def test_repair_is_idempotent(kit_keep, text):
    once = repair_text(text, kit_keep)
    twice = repair_text(once.text_original, kit_keep)
    assert twice.text_original == once.text_original
    assert replay(once.raw_text, once.repairs) == once.text_original


@SETTINGS
@given(st.binary(max_size=200))
def test_no_bytes_make_ingestion_raise_anything_but_input_errors(kit_keep, data):
    try:
        doc = ingest_bytes(data, "x", kit=kit_keep)
    except InputFileError as e:
        assert str(e).startswith("x: expected ")
    else:
        assert replay(doc.raw_text, doc.repairs) == doc.text_original


def test_repair_make_is_the_constructor():
    """Repair.make skips the frozen dataclass's setattr calls; the record must be the same in every way."""
    import dataclasses
    import pickle

    from pipeline.model import Repair

    args = ("widen_cjk_punctuation", 3, 4, 3, 4, ",", "，", 7, 1.0, "fullwidth policy")
    a, b = Repair(*args), Repair.make(*args)
    assert a == b and hash(a) == hash(b) and repr(a) == repr(b)
    assert dataclasses.replace(b, seq=8) == Repair(*args[:7], 8, *args[8:])
    assert pickle.loads(pickle.dumps(b)) == a
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.seq = 9
