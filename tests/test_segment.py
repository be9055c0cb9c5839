"""Segmentation end to end: articles, title apparatus, the outline of items, offsets and ids.

Markers and article lines on their own: tests/test_markers.py, tests/test_articles.py."""
from __future__ import annotations

from pipeline.model import Document
from pipeline.segment import segment


def make_doc(text: str, doc_id: str = "d") -> Document:
    return Document(doc_id=doc_id, source=f"{doc_id}.txt", sha256="0", encoding="utf-8", script="simplified",
                    raw_text=text, text_original=text, text=text)


def outline(text: str, article: int | None = None) -> list[tuple[str, int, str, str]]:
    """(path, level, marker, first characters of the text) of each item."""
    seg = segment(make_doc(text))
    return [(it.path, it.level, it.marker, it.text[:6]) for it in seg.items
            if article is None or it.article == article]


# -------------------------------------------------------------------------------------------------
# articles
# -------------------------------------------------------------------------------------------------
def test_articles_split_and_site_text_before_them_is_not_an_article():
    text = ("工会工作计划（2篇）\n工会工作计划 篇一\n一、指导思想\n坚持以人为本。\n"
            "工会工作计划 篇二\n1、组织职工学习。\n2、开展文体活动。\n")
    seg = segment(make_doc(text))
    assert [(a.index, a.title) for a in seg.articles] == [(1, "工会工作计划"), (2, "工会工作计划")]
    assert all("（2篇）" not in it.text for it in seg.items), "the page title became an item"
    assert [it.article for it in seg.items] == [1, 1, 2, 2]
    assert seg.articles[1].start == text.index("工会工作计划 篇二")


def test_a_file_without_article_markers_is_one_article_titled_by_its_first_line():
    seg = segment(make_doc("某某学校工会工作计划\n一、指导思想\n坚持以人为本。\n"))
    assert [(a.index, a.title) for a in seg.articles] == [(1, "某某学校工会工作计划")]
    assert [it.text for it in seg.items] == ["指导思想", "坚持以人为本。"]


def test_empty_document_has_no_articles():
    seg = segment(make_doc("  \n\n"))
    assert seg.articles == () and seg.items == ()


# -------------------------------------------------------------------------------------------------
# title apparatus and boilerplate
# -------------------------------------------------------------------------------------------------
def test_title_repeats_document_numbers_salutations_and_signatures_are_not_items():
    text = ("第一篇：2012工会工作要点\n林工发[2012]4号\n关于印发《林甸县总工会2012年\n工作要点》的通知\n"
            "各乡镇、系统（产业）、企业工会：\n现将《工作要点》印发给你们，请认真贯彻落实。\n林甸县总工会\n"
            "二0一二年一月三十一日\n一、加强工会组织建设\n1、加强基层工会组织建设。\n朝阳区卫生局工会 二〇一二年二月十日\n")
    texts = [it.text for it in segment(make_doc(text)).items]
    assert texts == ["现将《工作要点》印发给你们，请认真贯彻落实。", "加强工会组织建设", "加强基层工会组织建设。"]


def test_repeated_title_line_and_unit_line_before_it_are_title_lines():
    text = "第三篇：工会工作要点\n神木五中2017-2018学年第二学期\n工会工作要点\n一、指导思想\n以党的十九大精神为指导。\n"
    assert outline(text) == [("1", 1, "一、", "指导思想"), ("1.1", 2, "", "以党的十九大")]


def test_a_lone_subtitle_before_a_list_that_never_restarts_is_the_title():
    text = ("第五篇：社区工会\n洲头街社区卫生服务中心 如何加强中心职工思想文化建设？\n一、重视中心思想文化建设\n"
            "中心应当注重中心文化建设。\n二、丰富中心思想文化内涵\n大力加强医德医风建设。\n")
    assert [x[:3] for x in outline(text)] == [("1", 1, "一、"), ("1.1", 2, ""), ("2", 1, "二、"), ("2.1", 2, "")]


# -------------------------------------------------------------------------------------------------
# the outline
# -------------------------------------------------------------------------------------------------
def test_levels_follow_the_order_styles_appear_in_each_article():
    text = ("第一篇：甲\n(一)组织建设\n1、发展会员。\n2、规范建家。\n(二)民主管理\n1、开好教代会。\n"
            "第二篇：乙\n1、工会经费\n(一)收缴经费。\n(二)使用经费。\n2、文体活动\n(一)组织比赛。\n")
    seg = segment(make_doc(text))
    first = [(it.path, it.level, it.marker) for it in seg.items if it.article == 1]
    second = [(it.path, it.level, it.marker) for it in seg.items if it.article == 2]
    assert first == [("1", 1, "(一)"), ("1.1", 2, "1、"), ("1.2", 2, "2、"), ("2", 1, "(二)"), ("2.1", 2, "1、")]
    assert second == [("1", 1, "1、"), ("1.1", 2, "(一)"), ("1.2", 2, "(二)"), ("2", 1, "2、"), ("2.1", 2, "(一)")]


def test_numbering_that_continues_across_sections_is_nested_under_each_section():
    text = ("一、深入学习\n1、抓好理论学习。\n2、开展道德教育。\n二、齐心协力\n3、发扬民主。\n4、关心困难职工。\n"
            "三、丰富活动\n5、开展文体活动。\n")
    assert [x[:3] for x in outline(text)] == [
        ("1", 1, "一、"), ("1.1", 2, "1、"), ("1.2", 2, "2、"), ("2", 1, "二、"), ("2.1", 2, "3、"),
        ("2.2", 2, "4、"), ("3", 1, "三、"), ("3.1", 2, "5、")]


def test_gaps_and_mixed_separators_stay_one_list():
    text = "一、主席的职责\n1.领导工会工作。\n2、检查工作。\n4.做好总结。\n6.开好大会。\n二、组织委员的职责\n1.了解情况。\n"
    assert [x[:3] for x in outline(text)] == [
        ("1", 1, "一、"), ("1.1", 2, "1."), ("1.2", 2, "2、"), ("1.3", 2, "4."), ("1.4", 2, "6."),
        ("2", 1, "二、"), ("2.1", 2, "1.")]


def test_unnumbered_heading_lines_followed_by_a_numbered_run_head_that_run():
    text = ("工会干部职责\n工会主席职责\n1、认真执行方针。\n2、组织筹备大会。\n工会副主席职责\n1、完成准备工作。\n"
            "2、负责考核。\n工会组织委员职责\n1、负责组织建设。\n")
    assert [x[:3] for x in outline(text)] == [
        ("1", 1, ""), ("1.1", 2, "1、"), ("1.2", 2, "2、"), ("2", 1, ""), ("2.1", 2, "1、"), ("2.2", 2, "2、"),
        ("3", 1, ""), ("3.1", 2, "1、")]
    seg = segment(make_doc(text))
    assert [it.is_heading for it in seg.items if it.level == 1] == [True, True, True]
    assert seg.articles[0].title == "工会干部职责"


def test_a_marker_lost_in_a_merge_is_an_item_boundary_heading_the_restarted_list():
    text = ("为贯彻落实上级精神，制定本意见。\n重点工作任务\n1、抓好组建工作。\n2、加强规范化建设。\n"
            "5、评先树优。认真搞好评先树优工作，认真进行总结。、明确参加工会的各种措施及活动意见细则\n"
            "1、农民工都有依法参加工会的权利。\n2、以小组为单位建立委员会。\n")
    seg = segment(make_doc(text))
    got = [(it.path, it.level, it.marker, it.text[:4]) for it in seg.items]
    assert ("3", 1, "、", "明确参加") in got, got
    lost = next(it for it in seg.items if it.marker == "、")
    assert lost.is_heading and lost.text == "明确参加工会的各种措施及活动意见细则"
    assert [it.path for it in seg.items if it.parent_id == lost.item_id] == ["3.1", "3.2"]
    before = next(it for it in seg.items if it.text.startswith("评先树优"))
    assert before.text.endswith("认真进行总结。"), "the lost marker's text stayed in the item before it"


def test_month_and_period_headings_form_levels():
    text = ("二、工会主要工作安排\n(一)上学期\n九月份：\n1、制定工作计划；\n2、召开会议。\n十月份\n"
            "1、做好助学金工作。\n(二)下学期\n二月份：\n1、制定工作计划；\n")
    assert [x[:3] for x in outline(text)] == [
        ("1", 1, "二、"), ("1.1", 2, "(一)"), ("1.1.1", 3, "九月份："), ("1.1.1.1", 4, "1、"),
        ("1.1.1.2", 4, "2、"), ("1.1.2", 3, "十月份"), ("1.1.2.1", 4, "1、"), ("1.2", 2, "(二)"),
        ("1.2.1", 3, "二月份："), ("1.2.1.1", 4, "1、")]
    seg = segment(make_doc(text))
    month = seg.items[2]
    assert month.text == "九月份：" and month.is_heading, "a month heading keeps its words as its text"


def test_lines_beginning_with_yishi_form_a_list_but_inline_yishi_does_not():
    text = ("三、丰富活动内容\n8、运用多种形式，开展各项文体活动。\n一是积极参加运动会。\n二是组织外出考察活动。\n"
            "9、关心女职工，一是做好权益保障工作；二是开展健康检查。\n")
    assert [x[:3] for x in outline(text)] == [
        ("1", 1, "三、"), ("1.1", 2, "8、"), ("1.1.1", 3, "一是"), ("1.1.2", 3, "一是"[:0] + "二是"), ("1.2", 2, "9、")]


def test_unnumbered_paragraphs_go_under_the_current_heading_and_a_preamble_is_top_level():
    text = ("2012年是关键之年，我们要抓学习、强素质。\n一、强基固本，加强工会自身建设\n(一)加强委员会建设。规范学习制度。\n"
            "(二)加强基层组织建设。重点抓好三个层面。\n各基层工会组织要通过三抓三增强达到目标。\n(三)加强干部队伍建设。落实培训制度。\n"
            "二、创新载体\n紧紧围绕中心工作开展活动。\n")
    assert [x[:3] for x in outline(text)] == [
        ("1", 1, ""), ("2", 1, "一、"), ("2.1", 2, "(一)"), ("2.2", 2, "(二)"), ("2.3", 2, ""), ("2.4", 2, "(三)"),
        ("3", 1, "二、"), ("3.1", 2, "")]


def test_paragraphs_after_numbered_section_headings_with_a_sentence_belong_to_them():
    text = ("(一)拓展了工会的覆盖面\n本年度共组建工会10个。\n(二)基本完成了账户开设任务，加强了财务管理\n"
            "本年度经费得到了保障。\n为加强管理，举办了培训。\n(三)广泛开展了慈善捐款\n教师慈善捐款已蔚然成风。\n")
    assert [x[:2] for x in outline(text)] == [("1", 1), ("1.1", 2), ("2", 1), ("2.1", 2), ("2.2", 2), ("3", 1),
                                              ("3.1", 2)]


def test_a_restarted_list_after_an_introduction_keeps_its_level():
    text = ("(一)拓展了覆盖面\n本年度组建工会10个。\n(二)完成了体检任务\n大部分学校组织了体检。\n"
            "教育工会2018年工作以科学发展观为指导，要求如下。\n(一)加强自身建设\n1.召开代表大会。\n")
    got = outline(text)
    assert [x[:2] for x in got] == [("1", 1), ("1.1", 2), ("2", 1), ("2.1", 2), ("3", 1), ("4", 1), ("4.1", 2)]


def test_a_line_cut_mid_sentence_is_joined_to_the_item():
    text = "1、加强组织领导。成立领导小组。\n2、培育示范点。计划确\n定适合我社区的活动内容和形式。\n3、建立通报制度。\n"
    seg = segment(make_doc(text))
    assert [it.marker for it in seg.items] == ["1、", "2、", "3、"]
    assert seg.items[1].text == "培育示范点。计划确\n定适合我社区的活动内容和形式。"


def test_a_list_glued_after_a_colon_and_a_space_is_split():
    text = ("(三)明确工作职能\n社区联合工会主要针对不符合独立建会条件的小微企业和零散就业人员开展以下工作： 1.宣传引导，凝聚职工。\n"
            "2.摸清情况，掌握动态。\n")
    got = outline(text)
    assert [x[:3] for x in got] == [("1", 1, "(三)"), ("1.1", 2, ""), ("1.2", 2, "1."), ("1.3", 2, "2.")], got


def test_a_heading_glued_to_its_paragraph_with_a_space_is_split_when_its_siblings_are_bare_headings():
    text = ("一、畅通渠道，推进民主管理\n各基层工会要建立职代会制度。\n二、搭建平台，开展文体活动\n各基层工会要丰富职工生活。\n"
            "三、履行职能，努力建设温暖的“职工之家” 各基层工会要积极发挥桥梁纽带作用，努力为群众办实事。\n")
    got = outline(text)
    assert got[-2:] == [("3", 1, "三、", "履行职能，努"), ("3.1", 2, "", "各基层工会要")], got


def test_a_space_inside_a_list_items_sentence_is_not_a_line_break():
    text = ("1、抓好职业道德教育。组织学习。\n2、强化依法治校意识。促使树立大局意识。\n"
            "3、力争在学校党政的领导与支持下，组织好 “三八节”、“教师节”等纪念活动，增强凝聚力。\n")
    assert [x[0] for x in outline(text)] == ["1", "2", "3"]


# -------------------------------------------------------------------------------------------------
# records: offsets, ids, parents, metadata
# -------------------------------------------------------------------------------------------------
def _real_doc(raw_files, kit):
    from pipeline.ingest import ingest

    return [ingest(p, kit=kit) for p in raw_files]


def test_items_are_spans_of_both_texts_with_consistent_tree(raw_files, kit):
    for doc in _real_doc(raw_files, kit):
        seg = segment(doc)
        by_id = {it.item_id: it for it in seg.items}
        assert len(by_id) == len(seg.items), f"{doc.doc_id}: item ids are not unique"
        for it in seg.items:
            assert it.text == doc.text[it.start:it.end], f"{it.item_id}: text is not the span of doc.text"
            assert it.text_original == doc.text_original[it.start:it.end], f"{it.item_id}: text_original"
            assert it.item_id == f"{doc.doc_id}/a{it.article}/{it.path}"
            assert it.level == it.path.count(".") + 1
            if it.parent_id is not None:
                parent = by_id[it.parent_id]
                assert it.path.rsplit(".", 1)[0] == parent.path and parent.start < it.start
            assert it.text.strip(), f"{it.item_id}: empty item"
        art = {a.index: a for a in seg.articles}
        for it in seg.items:
            assert art[it.article].start <= it.start <= it.end <= art[it.article].end


def test_segment_is_pure_and_repeatable(raw_files, kit):
    doc = _real_doc(raw_files[:1], kit)[0]
    a, b = segment(doc), segment(doc)
    assert a == b
    assert doc.metadata == {}, "segment mutated its input"


def test_document_metadata_lands_where_document_row_reads_it():
    from pipeline.tables import document_row

    seg = segment(make_doc("第一篇：朝阳区卫生局工会2012年工作要点\n一、加强组织建设\n第二篇：卫生局工会2012年工作职责\n1、配合党委。\n"))
    row = document_row(seg.document, len(seg.articles), len(seg.items))
    assert (row["year"], row["sector"], row["organization"]) == ("2012", "health", "朝阳区卫生局工会")
    assert row["doc_type"] == "mixed" and seg.articles[0].metadata["doc_type"] == "key_points"


# -------------------------------------------------------------------------------------------------
# the command
# -------------------------------------------------------------------------------------------------
def test_segment_command_writes_four_tables_and_survives_a_bad_file(tmp_path):
    from pipeline.cli import main
    from pipeline.io import read_csv
    from pipeline.tables import ARTICLE_COLUMNS, ITEM_COLUMNS

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "good.txt").write_text("第一篇：学校工会工作计划\n一、指导思想\n坚持以人为本。\n第二篇：学校工会工作计划\n"
                                  "一、指导思想\n坚持以人为本。\n", encoding="utf-8")
    (raw / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    status = main(["segment", str(raw), "--out", str(out)])
    assert status == 1, "a failed file must give exit status 1"
    for name in ("documents.csv", "articles.csv", "items.csv", "errors.csv"):
        assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf"), f"{name} lacks the UTF-8 BOM"
    items, arts = read_csv(out / "items.csv"), read_csv(out / "articles.csv")
    assert list(items.columns) == ITEM_COLUMNS and list(arts.columns) == ARTICLE_COLUMNS
    assert items["item_id"].tolist() == ["good/a1/1", "good/a1/1.1", "good/a2/1", "good/a2/1.1"]
    assert items["duplicate_of"].tolist() == ["", "", "good/a1/1", "good/a1/1.1"]
    assert arts["duplicate_of"].tolist() == ["", "good/a1"] and arts["sector"].tolist() == ["school", "school"]
    docs, errs = read_csv(out / "documents.csv"), read_csv(out / "errors.csv")
    assert docs["doc_id"].tolist() == ["good"] and docs["n_items"].tolist() == ["4"]
    assert len(errs) == 1 and errs["file"].iloc[0].endswith("empty.txt")


def test_article_lines_glued_to_the_text_before_them_still_open_articles():
    text = ("第一篇：工会工作要点\n一、加强组织建设\n1、发展会员。\n2、规范建家。2009年11月27日第二篇：工会工作计划"
            "工会工作计划为做好今年工作，特制定本计划。一、加强学习\n第三篇：他人的第二篇：不算\n")
    seg = segment(make_doc(text))
    assert [a.title for a in seg.articles] == ["工会工作要点", "工会工作计划", "他人的第二篇：不算"]
    a2 = [(it.marker, it.text[:6]) for it in seg.items if it.article == 2]
    assert a2 == [("", "为做好今年工"), ("一、", "加强学习")], "the glued title repeat should not be an item"


def test_markers_glued_by_lost_line_breaks_continue_their_list():
    text = ("一、组织建设\n1、发展会员。\n2、规范建家。3、推荐干部参加培训。\n二、齐心协力，增强凝聚力4、充分发扬民主。\n"
            "工会组织委员职责1、在主席的领导下，负责组织建设。\n")
    got = [(it.path, it.marker, it.text[:4]) for it in segment(make_doc(text)).items]
    assert ("1.3", "3、", "推荐干部") in got and ("2", "二、", "齐心协力") in got and ("2.1", "4、", "充分发扬") in got, got
    assert ("2.2", "", "工会组织") in got and ("2.2.1", "1、", "在主席的") in got, got


def test_prose_with_numbers_is_not_split():
    text = "1、坚持统一、规范管理，共有3、4个单位参加。按照第1、2条执行。\n"
    assert [it.marker for it in segment(make_doc(text)).items] == ["1、"]


def test_regulations_nest_articles_under_chapters_and_clauses_under_articles():
    text = ("某公司工会章程\n第一章 总则\n第一条 本会是职工自愿结合的工人阶级群众组织。\n第二条 本会的基本职责是维护职工合法权益。\n"
            "第二章 会员\n第三条 会员享有以下权利：\n（一）选举权；\n（二）监督权。\n第四条 会员应履行义务。\n")
    assert [x[:3] for x in outline(text)] == [
        ("1", 1, "第一章"), ("1.1", 2, "第一条"), ("1.2", 2, "第二条"), ("2", 1, "第二章"), ("2.1", 2, "第三条"),
        ("2.1.1", 3, "（一）"), ("2.1.2", 3, "（二）"), ("2.2", 2, "第四条")]
    seg = segment(make_doc(text))
    assert seg.articles[0].metadata["doc_type"] == "duties" and seg.articles[0].metadata["sector"] == "enterprise"


def test_a_speech_with_ordinal_points():
    text = ("在工会工作会议上的讲话\n同志们：\n今天我们召开会议，部署全年工作。\n第一，要加强组织建设。\n"
            "第二，要做好维权工作。\n同志们，让我们共同努力！\n")
    got = [x[:3] for x in outline(text)]
    assert got == [("1", 1, ""), ("2", 1, "第一，"), ("3", 1, "第二，"), ("4", 1, "")], got
    assert outline(text)[0][3] == "今天我们召开", "the address 同志们： is not an item"


# -------------------------------------------------------------------------------------------------
# stress cases from a scraped corpus (review of 2026-12-03)
# -------------------------------------------------------------------------------------------------
def test_one_character_parenthesised_numbers_are_items_not_paragraphs_under_the_item_before():
    text = "一、学习\n(1)组织学习。\n(2)开展培训。\n二、活动\n⑴走访困难职工。\n⑵慰问退休职工。\n"
    assert [x[:3] for x in outline(text)] == [
        ("1", 1, "一、"), ("1.1", 2, "(1)"), ("1.2", 2, "(2)"), ("2", 1, "二、"), ("2.1", 2, "⑴"), ("2.2", 2, "⑵")]


def test_a_range_of_months_wrapped_to_a_line_start_stays_in_its_paragraph():
    text = "一、学习\n全年计划在2023年\n1、2月份开展职工培训。\n二、活动\n"
    seg = segment(make_doc(text))
    assert [(it.path, it.marker) for it in seg.items] == [("1", "一、"), ("1.1", ""), ("2", "二、")]
    assert seg.items[1].text == "全年计划在2023年\n1、2月份开展职工培训。"


def test_a_title_repeated_inside_a_list_does_not_restart_the_outline():
    # a page header or watermark left by the scraper between 2、 and 3、
    text = ("工会工作计划\n一、学习\n1、组织学习。\n2、开展培训。\n工会工作计划\n3、走访慰问。\n4、开展活动。\n"
            "二、活动\n1、开展文体活动。\n")
    assert [x[:3] for x in outline(text)] == [
        ("1", 1, "一、"), ("1.1", 2, "1、"), ("1.2", 2, "2、"), ("1.3", 2, "3、"), ("1.4", 2, "4、"),
        ("2", 1, "二、"), ("2.1", 2, "1、")]


def test_a_title_repeated_as_a_watermark_is_dropped_without_moving_paragraphs():
    text = ("工会工作计划\n一、指导思想\n工会工作计划\n以人为本，服务职工。\n二、主要任务\n工会工作计划\n"
            "加强学习，提高素质。\n")
    assert [x[:3] for x in outline(text)] == [("1", 1, "一、"), ("1.1", 2, ""), ("2", 1, "二、"), ("2.1", 2, "")]


def test_a_labelled_date_in_the_body_is_content_not_a_signature_date():
    text = ("关于举办职工运动会的通知\n为丰富职工生活，决定举办运动会。\n一、时间地点\n比赛时间：2023年5月10日\n"
            "比赛地点：体育馆\n二、参赛对象\n全体职工。\n县总工会\n2023年4月1日\n发布时间：2023年4月2日\n")
    texts = [it.text for it in segment(make_doc(text)).items]
    assert "比赛时间：2023年5月10日" in texts, texts
    assert not any("2023年4月" in t for t in texts), "the signature date or the site's date became an item"


def test_a_list_of_dates_is_a_flat_list_of_entries():
    text = "工作安排\n3月5日 召开职代会\n3月8日 开展妇女节活动\n4月 开展植树活动\n5月1日 慰问劳模\n"
    got = [x[:2] for x in outline(text)]
    assert got == [("1", 1), ("2", 1), ("3", 1), ("4", 1)], got


def test_a_document_on_one_line_keeps_its_title_and_its_list():
    text = "工会工作计划 一、加强学习。组织教职工学习。二、关心职工。走访慰问困难职工。三、开展活动。组织文体活动。"
    seg = segment(make_doc(text))
    assert [a.title for a in seg.articles] == ["工会工作计划"]
    assert [(it.path, it.marker, it.text[:4]) for it in seg.items] == [
        ("1", "一、", "加强学习"), ("2", "二、", "关心职工"), ("3", "三、", "开展活动")]
    assert seg.items[-1].end == len(text)


def test_paragraphs_opening_with_ji_yu_he_after_a_full_stop_are_not_joined():
    # 及时/与此同时/和往年 open sentences; only a line cut mid-sentence begins with a bound particle
    text = ("一、主要做法\n组织教职工学习文件。\n及时做好困难职工慰问工作。\n与此同时，我们还开展了文体活动。\n"
            "和往年相比，会员人数增长明显。\n二、问题\n我们组织教职工学习了工会法\n的有关内容。\n")
    got = [(it.path, it.text) for it in segment(make_doc(text)).items]
    assert [p for p, _ in got] == ["1", "1.1", "1.2", "1.3", "1.4", "2", "2.1"], got
    assert got[-1][1] == "我们组织教职工学习了工会法\n的有关内容。"


def test_line_breaks_turned_into_spaces_still_separate_numbered_items():
    text = ("工会工作计划 一、指导思想 以人为本，服务职工。二、主要任务 （一）加强学习 1、组织学习。2、开展培训。"
            "（二）关心职工 1、走访困难职工。三、保障措施 加强领导，落实责任。")
    got = [(it.path, it.marker, it.text[:4]) for it in segment(make_doc(text)).items]
    assert got == [("1", "一、", "指导思想"), ("2", "二、", "主要任务"), ("2.1", "（一）", "加强学习"),
                   ("2.1.1", "1、", "组织学习"), ("2.1.2", "2、", "开展培训"), ("2.2", "（二）", "关心职工"),
                   ("2.2.1", "1、", "走访困难"), ("3", "三、", "保障措施")], got


def test_a_marker_whose_number_was_lost_in_repair_takes_the_place_of_the_missing_number():
    # ingestion marks a character it cannot recover with □; 三 is lost this way in Big5-read GBK
    text = ("一、深入学习\n1、抓好理论学习。\n二、齐心协力\n5、开展民心工程。\n6、做好疗休养工作。\n□、丰富活动内容\n"
            "7、努力提高生活质量。\n8、开展各项文体活动。\n一是积极参加运动会。\n二是组织外出考察。\n□是举办联欢会。\n"
            "四、强化自身建设\n9、建立学习制度。\n")
    got = [x[:3] for x in outline(text)]
    assert got == [("1", 1, "一、"), ("1.1", 2, "1、"), ("2", 1, "二、"), ("2.1", 2, "5、"), ("2.2", 2, "6、"),
                   ("3", 1, "□、"), ("3.1", 2, "7、"), ("3.2", 2, "8、"), ("3.2.1", 3, "一是"), ("3.2.2", 3, "二是"),
                   ("3.2.3", 3, "□是"), ("4", 1, "四、"), ("4.1", 2, "9、")], got
    text = ("(一)拓展了覆盖面\n本年度组建工会10个。\n(二)完成了体检任务\n大部分学校组织了体检。\n(□)广泛开展了慈善捐款\n"
            "教师慈善捐款已蔚然成风。\n(四)活动开展不多\n本年度开展活动不多。\n")
    assert [x[:3] for x in outline(text)] == [
        ("1", 1, "(一)"), ("1.1", 2, ""), ("2", 1, "(二)"), ("2.1", 2, ""), ("3", 1, "(□)"), ("3.1", 2, ""),
        ("4", 1, "(四)"), ("4.1", 2, "")]


def test_a_lost_number_is_read_with_the_configured_mark():
    from pipeline.config import Config

    text = "一、学习\n1、组织学习。\n二、活动\n1、开展活动。\n■、保障\n1、加强领导。\n"
    seg = segment(make_doc(text), Config(unrecoverable_mark="■"))
    assert [(it.path, it.level) for it in seg.items] == [("1", 1), ("1.1", 2), ("2", 1), ("2.1", 2), ("3", 1),
                                                         ("3.1", 2)]
    assert seg.items[4].text == "保障"


def test_an_article_line_titled_like_the_others_glued_to_the_text_before_it_opens_its_article():
    # the lost line break also took the full stop: '…促进活动经常化2023年机关工会工作计划篇2'
    text = ("2023年机关工会工作计划6篇\n2023年机关工会工作计划篇1\n1、建立学习制度。\n2、坚持每半年召开一次会议，促进活动经常化"
            "2023年机关工会工作计划篇2\n一、深入学习\n1、配合机关党组织抓好学习。\n")
    seg = segment(make_doc(text))
    assert [(a.index, a.title) for a in seg.articles] == [(1, "2023年机关工会工作计划"), (2, "2023年机关工会工作计划")]
    assert [(it.article, it.path, it.marker) for it in seg.items] == [
        (1, "1", "1、"), (1, "2", "2、"), (2, "1", "一、"), (2, "1.1", "1、")]
    assert seg.items[1].text.endswith("促进活动经常化")


def test_a_document_on_one_line_without_spaces_keeps_its_title_and_its_outline():
    text = ("工会工作计划一、指导思想以人为本，服务职工。二、主要任务（一）加强学习1、组织学习。2、开展培训。"
            "（二）关心职工1、走访困难职工。三、保障措施加强领导，落实责任。")
    seg = segment(make_doc(text))
    assert [a.title for a in seg.articles] == ["工会工作计划"]
    got = [(it.path, it.marker) for it in seg.items]
    assert got == [("1", "一、"), ("2", "二、"), ("2.1", "（一）"), ("2.1.1", "1、"), ("2.1.2", "2、"),
                   ("2.2", "（二）"), ("2.2.1", "1、"), ("3", "三、")], got


def test_a_numbered_heading_wrapped_before_its_list_is_one_item():
    # a hard wrap inside the heading; the rest of it used to head the list one level down
    text = ("二、工作思路和措施\n(一)加强师德\n建设，提高教职工的政治思想素质\n1、抓好职业道德教育。\n2、强化法律意识。\n"
            "(二)常规工作常抓不懈，努力提高\n工会工作的品位\n1、开展文体活动。\n")
    got = [(it.path, it.marker, it.text) for it in segment(make_doc(text)).items]
    assert [g[:2] for g in got] == [("1", "二、"), ("1.1", "(一)"), ("1.1.1", "1、"), ("1.1.2", "2、"), ("1.2", "(二)"),
                                    ("1.2.1", "1、")], got
    assert got[1][2] == "加强师德\n建设，提高教职工的政治思想素质"


def test_unnumbered_headings_in_an_article_without_numbering_head_their_paragraphs():
    # counted as content items before, the headings went into the statistics
    text = ("工会工作总结\n今年以来，我校工会在党支部领导下开展了大量工作。\n主要做法\n加强学习，提高素质。组织教职工学习文件。\n"
            "关心职工，办好实事。走访慰问困难职工。\n存在问题\n工作创新不够，活动形式单一。\n总之，我们将继续努力。\n")
    seg = segment(make_doc(text))
    got = [(it.path, it.level, it.is_heading, it.text[:4]) for it in seg.items]
    assert got == [("1", 1, False, "今年以来"), ("2", 1, True, "主要做法"), ("2.1", 2, False, "加强学习"),
                   ("2.2", 2, False, "关心职工"), ("3", 1, True, "存在问题"), ("3.1", 2, False, "工作创新"),
                   ("4", 1, False, "总之，我")], got


def test_short_entries_of_an_unnumbered_list_stay_items():
    text = "工作目标\n业务收入达到2.2亿元\n药品收入占总收入比≤43%\n职工满意度达到90%以上\n"
    seg = segment(make_doc(text))
    assert [(it.level, it.is_heading) for it in seg.items] == [(1, False)] * 3


def test_a_sentence_addressing_units_inside_the_body_is_kept():
    # '各…：' is the addressee line of a notice only above its text; below, it is an instruction
    text = ("关于做好2023年职工疗休养工作的通知\n各基层工会：\n为做好疗休养工作，现将有关事项通知如下。\n一、工作要求\n"
            "各基层工会要按照以下要求，认真做好组织工作：\n1、严格确定对象。\n二、时间安排\n各单位于5月底前报名：\n")
    texts = [it.text for it in segment(make_doc(text)).items]
    assert "各基层工会要按照以下要求，认真做好组织工作：" in texts and "各单位于5月底前报名：" in texts, texts
    assert "各基层工会：" not in texts


def test_an_unnumbered_heading_ending_in_zhidu_is_not_an_attached_documents_title():
    # '建立健全职代会制度' was dropped as the title of an attached document and restarted the outline
    text = ("工会工作要点\n一、加强制度建设\n建立健全职代会制度\n各单位要按期召开职代会，审议重大事项。\n二、关心职工\n"
            "走访慰问困难职工。\n林甸县总工会二O一二年目标管理考核细则\n注：\n1、91分以上为达标单位。\n")
    got = [(it.path, it.text[:6]) for it in segment(make_doc(text)).items]
    assert ("1.1", "建立健全职代") in got and ("1.2", "各单位要按期") in got, got
    assert not any(t.startswith("林甸县总工会") for _, t in got), "an attachment's title is not an item"
