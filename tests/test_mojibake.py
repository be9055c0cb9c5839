"""Tests for pipeline.mojibake: the Chinese mojibake families ftfy cannot fix."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import mojibake
from pipeline.ingest import Toolkit, apply_edits, apply_rules, replay

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


def _raw(prefix: str) -> str:
    return next(RAW.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def kit():
    return Toolkit()


def _fix(text: str, kit) -> tuple[str, list]:
    return apply_edits(text, mojibake.RULE, mojibake.recover_chinese_mojibake(text, kit))


CONTEXT = _raw("004")
SENTENCE = "1、工会组织建设要坚持经常化、制度化，积极开展各项活动。"


def _cp1252(b: bytes) -> str:
    out = []
    for x in b:
        try:
            out.append(bytes((x,)).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(x))
    return "".join(out)


def test_utf8_read_as_gbk_is_recovered(kit):
    damaged = SENTENCE.encode("utf-8").decode("gbk", "replace").replace("\ufffd", "?")
    assert damaged != SENTENCE
    new, reps = _fix(CONTEXT + "\n" + damaged + "\n下一行", kit)
    assert new.endswith("\n" + SENTENCE + "\n下一行"), new[-60:]
    assert reps[-1].note.startswith("UTF-8 read as GBK"), reps[-1].note


@pytest.mark.parametrize("line", [
    # ASCII digits inside the stretch ('1銆?91鍒…': 、 is E3 80 81, the '?' its 81)
    "1、91分以上为工会规范化建设达标单位，95分以上为达标标兵单位。",
    # curly quotes: 和“ is E5 92 8C E2 80 9C, read 鍜屸?滈 (屸 = 8C E2)
    "积极开展职业道德建设和“双爱双评”活动，组织职工开展丰富多采的文体活动。",
])
def test_utf8_read_as_gbk_through_digits_and_quotes(line, kit):
    damaged = line.encode("utf-8").decode("gbk", "replace").replace("\ufffd", "?")
    new, reps = _fix(CONTEXT + "\n" + damaged + "\n下一行", kit)
    assert new.endswith("\n" + line + "\n下一行"), new[-70:]


def test_a_question_mark_from_gbk_is_a_byte_gbk_rejects(kit):
    # 一 is E4 B8 80 and 三 E4 B8 89: 89 E5 would have read as a GBK character, so
    # the '?' in 涓?骞 can only be 一's 80
    line = "对成立一年仍未建立工会组织的民办幼儿园，暂缓资质登记和年检。"
    damaged = line.encode("utf-8").decode("gbk", "replace").replace("\ufffd", "?")
    new, _ = _fix(CONTEXT + "\n" + damaged + "\n", kit)
    assert "成立一年" in new[-40:], new[-40:]
    assert mojibake._gbk_rejects(0x80, 0xE5) and not mojibake._gbk_rejects(0x89, 0xE5)


def test_gbk_read_as_cp1252_is_recovered(kit):
    damaged = _cp1252(SENTENCE.encode("gbk"))
    new, reps = _fix(CONTEXT + "\n" + damaged + "\n", kit)
    assert new.endswith("\n" + SENTENCE + "\n"), new[-60:]
    assert "GBK read as cp1252" in reps[-1].note


def test_utf8_read_as_cp1252_is_left_to_ftfy(kit):
    damaged = "工会组织".encode("utf-8").decode("cp1252", "replace")
    edits = [e for e in mojibake.recover_chinese_mojibake(damaged + "。", kit)]
    assert edits == [], "UTF-8 read as cp1252 is fix_mojibake's (ftfy's) case"


def test_kunkao_runs_are_flagged_not_invented(kit):
    src = "促进发展"
    damaged = src.encode("gbk").decode("utf-8", "replace").encode("utf-8").decode("gbk", "replace")
    assert "锟" in damaged
    text = "我们要" + damaged + "。"
    edits = mojibake.recover_chinese_mojibake(text, kit)
    assert len(edits) == 1 and edits[0].confidence == 0.0
    assert set(edits[0].replacement) == {kit.config.unrecoverable_mark}
    assert "unrecoverable" in edits[0].note


def test_a_character_that_survives_between_kunkao_runs_is_kept(kit):
    # 职's GBK bytes (D6 B0) are valid UTF-8: it comes through the round trip as itself,
    # between the 锟斤拷 of 难 and of 工; it was swallowed with them
    src = "难职工"
    damaged = src.encode("gbk").decode("utf-8", "replace").encode("utf-8").decode("gbk", "replace")
    assert damaged == "锟斤拷职锟斤拷"
    edits = mojibake.recover_chinese_mojibake("帮扶困" + damaged + "。", kit)
    mark = kit.config.unrecoverable_mark
    assert len(edits) == 1 and edits[0].replacement == f"{mark}职{mark}", edits
    assert "1 character(s) between the runs kept" in edits[0].note


def test_whole_file_big5_read_as_gbk(kit):
    clean = _raw("000")[:3000]
    damaged = clean.encode("big5", "replace").decode("gbk", "replace").replace("\ufffd", "?")
    new, reps = _fix(damaged, kit)
    assert reps and all(r.note.startswith("whole file: Big5 read as GBK") for r in reps), reps[:1]
    import difflib

    same = difflib.SequenceMatcher(None, new, clean, autojunk=False).ratio()
    assert same > 0.8, f"only {same:.0%} of the text came back"


def test_whole_file_gbk_read_as_big5(kit):
    clean = _raw("001")[:3000]
    damaged = clean.encode("gbk", "replace").decode("big5", "replace").replace("\ufffd", "?")
    new, reps = _fix(damaged, kit)
    assert reps and reps[0].note.startswith("whole file: GBK read as Big5"), reps[:1]
    # the lost bytes are filled with the document's own script and symbols: a
    # simplified report gets no traditional-only forms and no fullwidth digits
    from pipeline.lm import CharLM

    t2s = CharLM().t2s
    invented = {c for c in set(new) - set(clean) if (c in t2s and t2s[c] != c) or "０" <= c <= "９"}
    assert not invented, f"characters of the other script or fullwidth digits: {sorted(invented)}"


def _rows_right(clean: str, new: str, reps, mark: str) -> list[bool]:
    """Whether each repair's output is the clean text at its place (a mark is not wrong:
    it says the character is lost); lines match one for one."""
    import difflib

    wrong, pos = set(), 0
    for a, b in zip(clean.split("\n"), new.split("\n"), strict=True):
        for op, i1, i2, _, _ in difflib.SequenceMatcher(None, b, a, autojunk=False).get_opcodes():
            if op != "equal":
                wrong.update(k for k in range(pos + i1, pos + max(i2, i1 + 1)) if k >= len(new) or new[k] != mark)
        pos += len(b) + 1
    return [not any(k in wrong for k in range(r.out_start, max(r.out_end, r.out_start + 1))) for r in reps]


@pytest.mark.parametrize("prefix, right, wrong", [("000", "big5", "gbk"), ("001", "gbk", "big5")])
def test_whole_file_confidence_is_the_share_of_right_repairs(prefix, right, wrong, kit):
    """A whole-file re-decoding leaves guesses behind (about 6% of traditional text
    wrong): it was one row at 0.9.  Each guess is now a row of its own whose
    confidence is the measured share of right guesses, so the confidences of the
    rows predict how many are right, and the sure ones are right."""
    clean = _raw(prefix)[:3000].encode(right, "replace").decode(right)
    damaged = clean.encode(right).decode(wrong, "replace").replace("\ufffd", "?")
    new, reps = _fix(damaged, kit)
    ok = _rows_right(clean, new, reps, kit.config.unrecoverable_mark)
    shown = [(r.confidence, o) for r, o in zip(reps, ok) if r.confidence > 0]  # marks say they are lost
    mean_conf = sum(c for c, _ in shown) / len(shown)
    share_right = sum(o for _, o in shown) / len(shown)
    assert abs(mean_conf - share_right) < 0.05, (mean_conf, share_right)
    sure = [o for c, o in shown if c >= 0.95]
    assert sure and sum(sure) / len(sure) >= 0.95
    assert any(0 < c < 0.9 for c, _ in shown) or prefix == "001", "no guess was doubted"


def test_whole_file_read_with_replacement_characters_is_recovered(kit):
    """A wrong decoder with errors="replace" prints U+FFFD, not ?, for each byte it
    rejects: the re-decoding could not encode U+FFFD and gave up, and once
    fix_mojibake had marked them it would have read the marks as text."""
    clean = _raw("000")[:1500]
    damaged = clean.encode("big5", "replace").decode("gbk", "replace")
    assert "\ufffd" in damaged
    new, reps = apply_rules(damaged, kit)
    assert reps[0].rule == mojibake.RULE and reps[0].note.startswith("whole file: Big5 read as GBK")
    assert "\ufffd" not in new
    as_question_marks = _fix(damaged.replace("\ufffd", "?"), kit)[0]
    assert _fix(damaged, kit)[0] == as_question_marks


def test_whole_file_guesses_below_the_floor_become_the_mark():
    from pipeline.config import Config

    clean = _raw("000")[:1500]
    damaged = clean.encode("big5", "replace").decode("gbk", "replace").replace("\ufffd", "?")
    marked = _fix(damaged, Toolkit(Config(gbk_min_confidence=0.5)))[1]
    low = [r for r in marked if "< 0.5)" in r.note]
    assert low and all(r.after == "□" and r.confidence == 0.0 for r in low if len(r.after) == 1), low[:3]
    assert "best guess" in low[0].note
    kept = _fix(damaged, Toolkit(Config(gbk_min_confidence=0.0)))[1]
    assert not [r for r in kept if "best guess" in r.note]


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_sample_reports_have_no_such_mojibake(prefix, kit):
    assert mojibake.recover_chinese_mojibake(_raw(prefix), kit) == []


LINES = [ln for p in ("001", "004", "000") for ln in _raw(p).split("\n") if len(ln) > 5]


@settings(max_examples=40, deadline=None)
@given(lines=st.lists(st.sampled_from(LINES), min_size=1, max_size=6),
       extra=st.sampled_from(["", "Hello World café naïve", "é", "“引号”", "?", "锟", "斤拷", "©2012 Ａ"]))
def test_clean_text_is_untouched(lines, extra, kit):
    text = "\n".join(lines) + extra
    assert mojibake.recover_chinese_mojibake(text, kit) == []


def test_repairs_replay_through_the_chain(kit):
    damaged = SENTENCE.encode("utf-8").decode("gbk", "replace").replace("\ufffd", "?")
    text = CONTEXT[:2000] + "\n" + damaged + "\n"
    new, reps = apply_rules(text, kit)
    assert replay(text, reps) == new
    assert any(r.rule == mojibake.RULE for r in reps)


def test_numeral_value_reads_chinese_list_numbers():
    assert [mojibake.numeral_value(s) for s in ("一", "五", "十", "十二", "二十", "三十五", "九十九")] == \
        [1, 5, 10, 12, 20, 35, 99]
    assert [mojibake.numeral_value(s) for s in ("", "二二", "十十", "二十三十", "百")] == [None] * 5


def test_expected_numbers_continue_the_documents_numbering():
    text = "(一)甲\n(二)乙\nXXXX\n(四)丁\n三、总\n"
    marks = mojibake.list_markers(text)
    assert [(s, v) for _, s, v in marks] == [("paren", 1), ("paren", 2), ("paren", 4), ("dun", 3)]
    gap = text.index("XXXX")
    assert mojibake.expected_numbers(marks, gap, gap + 4) == {"paren": {3}, "dun": {2}}
    # a list that restarts: both the continuation and the number before the next marker
    text2 = "(一)甲\n(二)乙\nXXXX\n(二)丁\n"
    gap2 = text2.index("XXXX")
    assert mojibake.expected_numbers(mojibake.list_markers(text2), gap2, gap2 + 4) == {"paren": {1, 3}}


@pytest.mark.parametrize("number, before, after", [("五", "四", "六"), ("二", "一", "三")])
def test_a_list_number_lost_to_gbk_continues_the_numbering(number, before, after, kit):
    # (二) and (五) are E4 BA 8C and E4 BA 94: read as GBK both become '(浜?)', the
    # '?' being the byte GBK rejected; only the document's numbering tells them apart
    line = f"({number})启动了教职工疗休养工作、完成了职工体检任务"
    damaged = line.encode("utf-8").decode("gbk", "replace").replace("\ufffd", "?")
    assert damaged.startswith("(浜?)"), damaged
    text = (CONTEXT + f"\n({before})加强工会组织建设，健全工会组织。\n" + damaged +
            f"\n({after})做好女职工工作，维护女职工权益。\n")
    new, reps = _fix(text, kit)
    assert "\n" + line + "\n" in new, [r.after for r in reps if r.after.startswith("(")]


@pytest.mark.parametrize("prefix", ["000", "001", "004"])
def test_common_share_counts_what_a_plain_count_counts(prefix):
    from pipeline.lm import CJK_RE

    text = _raw(prefix)
    for s in (text[:4000], text.encode("gbk", "replace").decode("big5", "replace")[:4000]):
        cjk = CJK_RE.findall(s)
        want = sum(1 for c in cjk if c in mojibake._COMMON) / len(cjk)
        assert mojibake._common_share(s) == pytest.approx(want, abs=1e-12)
    assert mojibake._common_share("的工会" * 16) == 1.0  # under 50 Chinese characters: no verdict


def test_utf8_read_as_cp1252_with_a_lost_last_character_is_not_read_as_gbk():
    # å·¥ä¼šç» then U+FFFD: UTF-8 (工会 + the first bytes of 组) whose last bytes were
    # lost; read as GBK it gave 宸ヤ細缁 at confidence 0.95
    from pipeline.ingest import repair_text

    doc = repair_text("工会的å·¥ä¼šç»\ufffd\ufffd\ufffd建设工作")
    assert not any(r.rule == "recover_chinese_mojibake" for r in doc.repairs)
    assert "宸" not in doc.text and doc.text.startswith("工会的工会")
    doc = repair_text("ÄãºÃ£¬ÎÒÊÇ¹¤»á")  # GBK read as cp1252 is still read back
    assert doc.text == "你好，我是工会"
