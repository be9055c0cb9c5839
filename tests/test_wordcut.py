"""DagCutter cuts exactly as jieba's ``lcut(text, HMM=False)`` does."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.classify import JiebaHolder, WordTokenizer, build_jieba
from pipeline.wordcut import DagCutter


@pytest.fixture(scope="module")
def tk():
    return build_jieba()  # jieba's dictionary plus the union terms, as classification uses it


@pytest.fixture(scope="module")
def cutter(tk):
    return DagCutter(tk)


def test_every_line_of_the_samples(tk, cutter, raw_files, kit):
    from pipeline.ingest import ingest_bytes

    lines = []
    for p in raw_files:
        raw = p.read_bytes()
        lines += raw.decode("utf-8", "replace").splitlines()  # damaged: pinyin, mojibake, ASCII marks
        lines += ingest_bytes(raw, p.name, kit=kit).text.splitlines()  # repaired, as items are cut
    assert len(lines) > 500
    differ = [line for line in lines if cutter.lcut(line) != tk.lcut(line, HMM=False)]
    assert differ == []


CASES = [
    "", " ", "\r\n", "\n\n", "工会", "职代会", "送温暖活动", "工资集体协商制度",
    "2024年工会工作要点", "abc123工会", "COVID-19防控", "A", "1", "a b", "x.y_z%", "#1&2+3",
    "區(qū)域", "之年??偟乃悸肥牵壕o緊圍繞", "锟斤拷锟斤拷", "□□□", "，。；", "𠀀𠀁工会",
    "一、加强组织建设\n（一）深化基层工会组织建设。", "研究生命起源", "结婚的和尚未结婚的",
    "他来到了网易杭研大厦", "ＡＢＣ全角字母", "\t工会\u3000会员 ",
]


@pytest.mark.parametrize("text", CASES)
def test_corner_cases(tk, cutter, text):
    assert cutter.lcut(text) == tk.lcut(text, HMM=False)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("工会职代送温暖组织建设的了和一二三abcXYZ019 .-_%\n，。(（)）?区域会员")), max_size=40))
def test_random_text(tk, cutter, text):
    assert cutter.lcut(text) == tk.lcut(text, HMM=False)


def test_words_added_later_are_seen():
    tk = build_jieba(())
    cutter = DagCutter(tk)
    text = "推进厂务公开民主管理"
    before = cutter.lcut(text)
    tk.add_word("厂务公开民主管理", 100000)
    after = cutter.lcut(text)
    assert after == tk.lcut(text, HMM=False)
    assert after != before and "厂务公开民主管理" in after


def test_word_tokenizer_uses_the_cutter_and_drops_punctuation():
    holder = JiebaHolder()
    tok = WordTokenizer(holder=holder)
    assert holder._cutter is None
    words = tok("（一）深化职代会制度，推进工资集体协商。")
    assert holder._cutter is not None and holder._cutter.tokenizer is holder.get(), "the tokenizer cut with it"
    assert "职代会" in words and "工资集体协商" in words
    assert not set(words) & set("（），。")
