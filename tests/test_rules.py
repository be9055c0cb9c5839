"""Repair rules: the case files (real, synthetic, negative, known failures) and one contract per rule."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.ingest import Toolkit, apply_edits, apply_rules, ingest, replay, rule_table
from pipeline.rules import _cn_number, _cn_numeral, readings

CASES = Path(__file__).parent / "cases"


def _unescape(s: str) -> str:
    return s.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")


def _load(group: str):
    with open(CASES / f"repair_{group}.tsv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    marks = [pytest.mark.xfail(strict=True, reason="known failure")] if group == "known_failure" else []
    return [pytest.param(r["label"], _unescape(r["input"]), _unescape(r["expected"]),
                         id=f"{group}:{r['label']}:{r['comment'][:40]}", marks=marks) for r in rows]


CASE_PARAMS = [p for g in ("real", "synthetic", "negative", "known_failure") for p in _load(g)]


@pytest.fixture(scope="module")
def kit_keep():
    return Toolkit(Config(script="keep"))


@pytest.mark.parametrize("rule,text,expected", CASE_PARAMS)
def test_case(rule, text, expected, kit_keep):
    out, repairs = apply_rules(text, kit_keep, names=[rule])
    assert out == expected
    assert replay(text, repairs) == out
    assert all(r.rule == rule for r in repairs)


def test_case_files_cover_every_group_and_rule():
    for group in ("real", "synthetic", "negative", "known_failure"):
        assert _load(group), group
    labels = {p.values[0] for p in CASE_PARAMS}
    mine = {"restore_punctuation_marks", "strip_pinyin", "strip_boilerplate", "join_hard_wraps",
            "widen_cjk_punctuation", "tidy_whitespace"}
    assert mine <= labels


# ---- contract: every rule in the table ----------------------------------------------------
CLEAN_SNIPPETS = [
    "朝阳区卫生局工会2012年工作要点\n2012年是实施“十二五”、落实新医改的关键之年。\n",
    "一、强基固本，加强工会自身建设\n（一）加强卫生局工会委员会建设。规范学习制度。\n",
    "根据《中华人民共和国工会法》、《中国工会章程》和有关规定，结合实际。\n",
    "工会工作计划怎么写呢？下面是一篇范文。\n\n业务收入达到2.2亿元\n",
    "社區加強工會目標管理建設的若干意見\n為貫徹落實區委的重要批示精神，加快基層工會組織建設步伐。\n",
]


@pytest.fixture(scope="module")
def repaired_samples(raw_files, kit_keep):
    return [ingest(p, kit=kit_keep) for p in raw_files]


def _rule_ids():
    return list(rule_table())


def _effective(text, name, kit):
    new, reps = apply_edits(text, name, rule_table()[name](text, kit))
    return new, reps


@pytest.mark.parametrize("name", _rule_ids())
def test_rule_leaves_clean_text_alone(name, kit_keep):
    for text in CLEAN_SNIPPETS:
        new, reps = _effective(text, name, kit_keep)
        assert new == text, f"{name} changed clean text: {[(r.before, r.after) for r in reps]}"


@pytest.mark.parametrize("name", _rule_ids())
def test_rule_leaves_repaired_samples_alone(name, repaired_samples, kit_keep):
    for doc in repaired_samples:
        new, reps = _effective(doc.text_original, name, kit_keep)
        assert not reps, f"{name} still changes {doc.doc_id}: {[(r.before, r.after) for r in reps[:5]]}"


@pytest.mark.parametrize("name", _rule_ids())
def test_rule_is_idempotent_and_replays(name, repaired_samples, kit_keep):
    inputs = [p.values[1] for p in CASE_PARAMS] + [d.raw_text for d in repaired_samples]
    for text in inputs:
        once, reps = _effective(text, name, kit_keep)
        assert replay(text, reps) == once
        twice, reps2 = _effective(once, name, kit_keep)
        if name != "join_hard_wraps":  # a joined line may be joined again with the next: covered by apply_rules
            assert twice == once, f"{name} not idempotent on {text[:30]!r}"


# ---- unit tests on real snippets ------------------------------------------------------------
def test_readings_cover_tone_marks_numbers_and_bare_forms():
    r = readings("區")
    assert {"qū", "qu1", "qu", "ōu"} <= r


def test_strip_pinyin_records_the_character(kit_keep):
    out, reps = apply_rules("目標(biāo)管理", kit_keep, names=["strip_pinyin"])
    assert out == "目標管理"
    assert reps[0].before == "(biāo)" and reps[0].note == "reading of 標"


def test_restore_marks_titles_and_slogans_from_sample_000(kit_keep):
    text = "根據《朝陽區工會考核指標》規定時限和?兩批、兩證、三章、一戶?要求完善建會手續"
    out, reps = apply_rules(text, kit_keep, names=["restore_punctuation_marks"])
    assert "“兩批、兩證、三章、一戶”" in out
    assert all(r.note == "paired ? around a phrase" for r in reps)


def test_a_lone_question_mark_between_words_is_a_middle_dot_at_even_odds(kit_keep):
    # right in the samples (京卡·互助服务卡), wrong where a lost “ or 《 had lost its
    # partner too: the row says it is a guess
    out, reps = apply_rules("为会员办理京卡?互助服务卡。", kit_keep, names=["restore_punctuation_marks"])
    assert out == "为会员办理京卡·互助服务卡。"
    assert [(r.after, r.confidence) for r in reps] == [("·", 0.5)]
    out, reps = apply_rules("纪念三?八妇女节。", kit_keep, names=["restore_punctuation_marks"])
    assert [(r.after, r.confidence) for r in reps] == [("·", 0.7)]


def test_restore_marks_leave_broken_gbk_question_marks(kit_keep):
    text = "的關鍵之年??偟乃悸肥牵壕o緊圍繞"
    out, _ = apply_rules(text, kit_keep, names=["restore_punctuation_marks"])
    assert out == text


def test_boilerplate_intro_in_traditional_script(kit_keep):
    text = "工會工作要點\n下面是小編幫家人們找到的工會工作要點,歡迎參考,希望對大家有所啟發。\n一、指導思想\n"
    out, reps = apply_rules(text, kit_keep, names=["strip_boilerplate"])
    assert out == "工會工作要點\n一、指導思想\n"
    assert reps[0].note == "intro"


def test_timestamp_inside_the_text_stays(kit_keep):
    text = "\n".join(["第一段。"] * 8 + ["2012-03-05", "開會日期如上。"] + ["第二段。"] * 8)
    out, _ = apply_rules(text, kit_keep, names=["strip_boilerplate"])
    assert "2012-03-05" in out


def test_widen_leaves_item_markers_and_latin(kit_keep):
    text = "(一)加強學習\nsee (a, b): ok\n(工會)組織"
    out, _ = apply_rules(text, kit_keep, names=["widen_cjk_punctuation"])
    assert out == "(一)加強學習\nsee (a, b): ok\n（工會）組織"


@pytest.mark.parametrize("s,n", [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("7", 7)])
def test_chinese_numerals_round_trip(s, n):
    assert _cn_number(s) == n
    if not s.isdigit():
        assert _cn_numeral(n) == s


def test_intro_in_a_file_without_line_breaks_removes_only_its_sentence(kit):
    """A run-on file (lost line ends) must not be emptied because its one line holds the intro."""
    from pipeline.ingest import apply_rules

    body = "一、加强工会组织建设，做好会员发展工作。" * 30
    text = "以下是小编为您推荐的工会工作计划，供大家参考。" + body
    out, reps = apply_rules(text, kit, ["strip_boilerplate"])
    assert out == body
    assert [r.note for r in reps] == ["intro"]


def test_new_jieba_tokenizers_cut_like_a_fresh_one_and_do_not_share_added_words():
    import jieba

    from pipeline.rules import new_jieba_tokenizer

    fresh = jieba.Tokenizer()
    fresh.initialize()
    a, b = new_jieba_tokenizer(), new_jieba_tokenizer()
    text = "加强职工之家建设，开展金秋助学和送温暖活动。"
    assert a.lcut(text) == fresh.lcut(text) and a.lcut(text, HMM=False) == fresh.lcut(text, HMM=False)
    a.add_word("职工之家建设", 10 ** 6)
    assert "职工之家建设" in a.lcut(text)
    assert "职工之家建设" not in b.lcut(text), "a word added to one tokenizer leaked into another"
    assert new_jieba_tokenizer().lcut(text) == fresh.lcut(text)


def test_a_cutting_only_tokenizer_shares_the_dictionary_and_a_private_one_does_not():
    from pipeline.rules import new_jieba_tokenizer

    shared_a, shared_b = new_jieba_tokenizer(private=False), new_jieba_tokenizer(private=False)
    private = new_jieba_tokenizer()
    assert shared_a.FREQ is shared_b.FREQ
    assert private.FREQ is not shared_a.FREQ and private.FREQ == shared_a.FREQ
    text = "加强职工之家建设"
    assert shared_a.lcut(text) == private.lcut(text)


def test_fix_mojibake_sends_ftfy_only_lines_it_can_fix(monkeypatch):
    """Readings (區(qū)) and lone “ ” — … are no mojibake: those lines skip ftfy; real mojibake next to them is fixed."""
    import ftfy

    from pipeline.rules import fix_mojibake

    seen: list[str] = []
    real = ftfy.fix_and_explain

    def spy(line, *a, **kw):
        seen.append(line)
        return real(line, *a, **kw)

    monkeypatch.setattr(ftfy, "fix_and_explain", spy)
    kit = Toolkit(Config())
    quiet = "社區(qū)工會“職工之家”建設——推進……\n開展“送溫暖”活動（xx）"
    assert fix_mojibake(quiet, kit) == [] and seen == []
    broken = "社區(qū)“" + "工会".encode("utf-8").decode("cp1252") + "”建設\n" + "a\x93b\x94"
    edits = fix_mojibake(broken, kit)
    assert len(seen) == 2, "both lines hold something ftfy fixes"
    fixed = apply_edits(broken, "fix_mojibake", edits)[0]
    assert fixed == "社區(qū)“工会”建設\na“b”"


def test_html_entities_left_by_the_page_become_their_characters():
    from pipeline import rules
    from pipeline.ingest import Toolkit

    text = "工会&amp;职代会&ldquo;送温暖&rdquo;活动&#12290;&nbsp;完成。A&B公司&未知;"
    edits = rules.strip_boilerplate(text, Toolkit())
    got = {text[e.start:e.end]: e.replacement for e in edits}
    assert got == {"&amp;": "&", "&ldquo;": "“", "&rdquo;": "”", "&#12290;": "。", "&nbsp;": ""}
    assert all(e.note.startswith(("html entity", "html")) for e in edits)


# ---- U+FFFD: a lost character becomes the configured mark, with a row ---------------------------
def test_undecodable_bytes_become_the_mark_with_a_repair_row():
    """decode leaves U+FFFD for a GB18030 sequence it cannot read (and a UTF-8 page may
    carry one): it used to stay in the text, unmarked and unrecorded."""
    from pipeline.ingest import ingest_bytes

    kit = Toolkit(Config(script="keep", unrecoverable_mark="〓"))
    simp = "工会工作计划\n坚持以人为本，全心全意依靠职工办好企业。2012年完成任务。\n"
    doc = ingest_bytes(simp.encode("gb18030") + b"\xff\xff" + simp.encode("gb18030"), "bad", kit=kit)
    assert doc.raw_text.count("\ufffd") == 2
    assert "\ufffd" not in doc.text_original and doc.text_original.count("〓") == 2
    rows = [r for r in doc.repairs if "\ufffd" in r.before]
    assert [(r.rule, r.after, r.confidence) for r in rows] == [("fix_mojibake", "〓〓", 0.0)]
    assert "2 character(s) lost" in rows[0].note and "unrecoverable, marked 〓" in rows[0].note
    assert replay(doc.raw_text, doc.repairs) == doc.text_original
    utf8 = ingest_bytes("工会\ufffd组织建设。\n".encode("utf-8"), "page", kit=kit)
    assert utf8.text_original == "工会〓组织建设。\n"


def test_a_replacement_character_from_ftfy_becomes_the_mark():
    """ftfy replaces a byte lost inside mojibake with U+FFFD (工会� for å·¥ä¼šç�„)."""
    kit = Toolkit(Config(script="keep", unrecoverable_mark="〓"))
    text = "工会工作。\nå·¥ä¼šç\ufffd„\n第二行。"
    out, reps = apply_rules(text, kit, names=["fix_mojibake"])
    assert out == "工会工作。\n工会〓\n第二行。"
    assert len(reps) == 1 and reps[0].confidence == 0.6
    assert reps[0].note.startswith("ftfy: ") and "1 character(s) lost (U+FFFD)" in reps[0].note


# ---- restore_punctuation_marks: marks that pair up -------------------------------------------
def test_restored_marks_pair_up_where_a_balanced_choice_exists(kit_keep):
    """The two ? were paired as one quotation (“…”), leaving the surviving “ and 》 without
    a partner; ” closing the surviving “ and 《 opening the title pair the line up."""
    from pipeline.gbk import unpaired_marks

    text = "强化“我运动、我快乐、我健康?的意识，印发了?关于开展学校教职工趣味运动的指导意见》（永教工〔2017〕9号），要求"
    out, reps = apply_rules(text, kit_keep, names=["restore_punctuation_marks"])
    assert out == text.replace("健康?", "健康”").replace("了?", "了《")
    assert unpaired_marks(out) == 0
    assert all("to pair up the line's marks" in r.note for r in reps)


def test_a_restored_mark_without_any_partner_has_a_low_confidence(kit_keep):
    """Whatever the last ? becomes, one mark of the line has no partner (the quotation
    goes on on the next line): that mark says so and is not trusted like the others."""
    text = "(一)主題：“組織起來，切實維權?。?"
    out, reps = apply_rules(text, kit_keep, names=["restore_punctuation_marks"])
    assert out == "(一)主題：“組織起來，切實維權”。”"
    first, last = reps
    assert first.confidence == 0.7 and "no partner" not in first.note
    assert last.confidence <= 0.2 and "no partner on its line: no choice pairs up the line" in last.note


# ---- join_hard_wraps and strip_boilerplate: the confidence follows the evidence ---------------
def test_hard_wrap_confidence_follows_the_evidence(kit_keep):
    """A word of jieba's dictionary across the break (扩|大) is strong evidence, a clause
    before the break alone is weak, and a next line that starts like an item (其次)
    weaker still: they were all 0.8."""
    text = ("一、加强基层工会组织建设\n工会要巩固党的阶级基础，努力扩\n大党的群众基础，做好各项工作。\n"
            "工会组织要不断探索新的工作方法，认真开展\n职工之家建设活动。\n"
            "二、其他\n各单位要认真组织学习，积极参加\n其次是做好送温暖工作。\n")
    out, reps = apply_rules(text, kit_keep, names=["join_hard_wraps"])
    assert "努力扩大党" in out and "认真开展职工" in out
    word, clause, listlike = reps
    assert word.note == "hard wrap: word across the break, a clause before it" and word.confidence >= 0.9
    assert clause.note == "hard wrap: a clause before it" and clause.confidence < 0.7
    assert "starts like an item" in listlike.note and listlike.confidence < clause.confidence


def test_hard_wraps_at_the_documents_wrap_width_are_trusted_more(raw_files, kit_keep):
    """Text wrapped at a fixed width: every line that is that long and stops mid-sentence
    is a wrap, so a weak piece of evidence there counts for more."""
    clean = ingest(next(p for p in raw_files if p.name.startswith("001")), kit=kit_keep).text_original[:3000]
    wrapped = "\n".join(ln[i:i + 30] for ln in clean.split("\n") for i in range(0, max(len(ln), 1), 30))
    reps = _effective(wrapped, "join_hard_wraps", kit_keep)[1]
    joins = [r for r in reps if r.note.startswith("hard wrap")]
    assert joins and all("as long as the document's wrapped lines (30)" in r.note for r in joins)
    weak = [r for r in joins if r.note.startswith("hard wrap: a clause before it;")]
    assert weak and all(r.confidence > 0.8 for r in weak)
    assert not [r for r in _effective(clean, "join_hard_wraps", kit_keep)[1]]


def test_boilerplate_confidence_follows_the_evidence(kit_keep):
    """A site's own watermark is certain; a bare date line at the bottom may be the
    report's own date, a publication time with its clock is the page's: all were 0.95."""
    body = "\n".join(["加强工会组织建设，做好会员发展工作。"] * 8)
    text = ("发布时间：2024-01-13 10:11:44\n" + body + "[本文来源于那一世范文网-www,找范文请到那一世范文网]\n"
            + body + "\n2012-03-05\n")
    out, reps = apply_rules(text, kit_keep, names=["strip_boilerplate"])
    assert "2012-03-05" not in out and "本文来源" not in out and "发布时间" not in out
    conf = {r.note: r.confidence for r in reps}
    assert conf["watermark"] == 0.99 and conf["timestamp"] == 0.95 and conf["date line"] == 0.8, conf


def test_an_entity_for_a_lost_character_becomes_the_mark_on_any_pass():
    """&#65533; (&#xFFFD;) stands for a character already lost.
    The entity rule wrote U+FFFD, for fix_mojibake to mark on the next pass; an entity
    met on the chain's last pass (&amp;amp;#65533;: one level unescaped per pass) left
    U+FFFD in the text, unmarked."""
    kit = Toolkit(Config(script="keep", unrecoverable_mark="〓"))
    for text in ("工会&#65533;组织", "工会&amp;#65533;组织", "工会&amp;amp;#65533;组织", "工会&#xFFFD;组织"):
        out, reps = apply_rules(text, kit)
        assert out == "工会〓组织", (text, out)
        assert replay(text, reps) == out
        row = [r for r in reps if r.after == "〓"]
        assert len(row) == 1 and row[0].confidence == 0.0 and "lost" in row[0].note, row


def test_a_heading_whose_number_was_lost_is_not_joined_to_its_text(kit):
    # □、 (a number ingestion could not recover) is a marker to segmentation; the
    # hard-wrap rule joined '□、指导思想' to the paragraph under it ('a clause before
    # it': the 、 of the marker)
    from pipeline.ingest import repair_text

    text = "工会工作计划\n□、指导思想\n认真贯彻上级精神，做好工作。\n二、主要任务\n"
    assert repair_text(text).text == text
    assert repair_text(text.replace("□、", "一、")).text == text.replace("□、", "一、")
    wrapped = "工会工作计划\n□、指导思想\n认真贯彻上级精神，做好\n工作。\n"
    assert repair_text(wrapped).text == text.replace("\n二、主要任务\n", "\n")


def test_the_cut_bytes_of_a_lost_utf8_character_go_with_its_mark():
    # 组 is E7 BB 84 in UTF-8; read as cp1252 with its last byte lost it is ç» then
    # U+FFFD: the fragment is part of the lost character, not text to keep
    from pipeline.ingest import repair_text

    assert repair_text("工会的å·¥ä¼šç»\ufffd\ufffd\ufffd建设工作").text == "工会的工会□□□建设工作"
    assert repair_text("å·¥ä¼šç»„ç»\ufffd建设").text == "工会组□建设"
    doc = repair_text("加强ç»\ufffd建设")
    assert doc.text == "加强□建设" and "cut UTF-8 bytes before it (ç»)" in doc.repairs[-1].note
    # Latin text and Latin-1 signs before a lost character stay
    assert repair_text("garçon»\ufffd x").text == "garçon»□ x"
    assert repair_text("面积3×\ufffd米").text.startswith("面积3×□")
