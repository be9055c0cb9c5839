"""Line breaks the scraper got wrong: lines → chunks (join_wrapped_lines) → segments (cut_segments).

End to end (the items these give): tests/test_segment.py."""
from __future__ import annotations

import pytest

from pipeline.linebreaks import cut_segments, heading_only_styles, join_wrapped_lines
from pipeline.lines import split_lines


def chunks(text: str) -> list[str]:
    """The text of each chunk ``join_wrapped_lines`` makes of ``text``'s lines."""
    return [text[a:b] for a, b in join_wrapped_lines(split_lines(text), text)]


def segments(text: str, bare: bool = True) -> list[tuple[str, str, str]]:
    """(kind, printed marker, text) of each segment of ``text``; ``bare``: pass ``heading_only_styles``."""
    lines = split_lines(text)
    found = cut_segments(join_wrapped_lines(lines, text), text, heading_only_styles(lines) if bare else None)
    return [(s.kind, s.marker.printed if s.marker else "", s.text) for s in found]


# -------------------------------------------------------------------------------------------------
# join_wrapped_lines: lines cut mid-sentence
# -------------------------------------------------------------------------------------------------
def test_a_line_cut_mid_word_after_a_full_stop_joins_the_line_before():
    text = "1、加强组织领导。成立领导小组。\n2、培育示范点。计划确\n定适合我社区的活动内容和形式。\n3、建立通报制度。\n"
    assert chunks(text) == ["1、加强组织领导。成立领导小组。", "2、培育示范点。计划确\n定适合我社区的活动内容和形式。",
                            "3、建立通报制度。"]


def test_join_wrapped_lines_gives_offsets_from_the_first_line_to_the_last():
    text = "  2、培育示范点。计划确\n定适合我社区的活动内容和形式。  \n3、建立通报制度。\n"
    assert join_wrapped_lines(split_lines(text), text) == [(2, text.index("  \n")), (text.index("3、"), len(text) - 1)]


@pytest.mark.parametrize("text", [
    "各基层工会要加强组织建设，\n积极发展会员。",                 # after a comma
    "主要工作有：组织学习、\n开展培训、走访慰问。",                # after an enumeration comma
    "按照《基层工会经费使用\n管理办法》管好用好工会经费。",        # inside an open title mark
    "开展“送温暖\n”活动，慰问困难职工。",                         # a line opening with a closing quote
    "我们组织教职工学习了工会法\n的有关内容。",                    # a line opening with a bound particle
    "要切实加强领导，把\n工会工作摆上重要议事日程。",              # a line ending in a preposition
    "全年计划在2023年\n1、2月份开展职工培训。",                    # a date cut after its year
    "组织教职工认真学习了《中华人民共和国工会法》和\n“职工之家”建设标准。",
])
def test_a_line_cut_mid_sentence_is_joined(text):
    assert chunks(text) == [text]


@pytest.mark.parametrize("text", [
    "一、主要做法\n组织教职工学习文件。\n及时做好困难职工慰问工作。",      # 及时 opens a sentence
    "组织教职工学习文件。\n与此同时，我们还开展了文体活动。",
    "组织教职工学习文件。\n和往年相比，会员人数增长明显。",
    "和谐\n和谐是职工之家的目标。",                                  # 和谐 is no bound particle
    "一、强基固本，加强工会自身建设\n(一)加强委员会建设。",           # a marker opens an item
    "一、加强组织建设。发展会员。\n第二篇：工会工作计划",               # an article line opens an article
    "2012年，卫生局工会委员会要在五个规范上下功夫，两委班子明显加强\n规范学习制度",   # a short heading
    "(一)拓展了工会的覆盖面\n本年度共组建工会10个。",
])
def test_lines_that_open_a_sentence_an_item_or_a_heading_are_not_joined(text):
    assert chunks(text) == text.split("\n")


@pytest.mark.parametrize("text", ["一、坚持正确方向\n以党的十九大精神为指导，团结带领职工建功立业。",
                                  "二、民主参与\n各基层工会要推进厂务公开。",
                                  "三、法律知识普及\n组织职工学习工会法。"])
def test_a_heading_ending_in_a_word_that_ends_like_a_particle_is_not_joined(text):
    # any line after one ending in 的要在对把将和与及让被从向使 was joined: '二、民主参与'
    # swallowed the paragraph under it
    assert chunks(text) == text.split("\n")


def test_a_line_ending_in_a_particle_is_still_joined():
    assert chunks("(一)加强对\n职工的思想教育") == ["(一)加强对\n职工的思想教育"]  # one chunk: joined


# -------------------------------------------------------------------------------------------------
# join_wrapped_lines: a numbered heading hard-wrapped above its list
# -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("heading", [
    "(一)加强师德\n建设，提高教职工的政治思想素质",
    "(二)常规工作常抓不懈，努力提高\n工会工作的品位",
    "一、加强师德\n建设",
])
def test_a_numbered_heading_wrapped_right_above_its_list_is_one_chunk(heading):
    text = heading + "\n1、抓好职业道德教育。\n2、强化法律意识。"
    assert chunks(text) == [heading, "1、抓好职业道德教育。", "2、强化法律意识。"]


@pytest.mark.parametrize("text", [
    "(一)加强师德\n建设，提高教职工的政治思想素质\n(二)强化法律意识。",   # not above a list: a sibling follows
    "(一)加强师德\n建设，提高教职工的政治思想素质\n2、强化法律意识。",    # not the first item of a list
    "1、加强师德\n建设\n1、抓好职业道德教育。",                          # the "list" has the heading's style
    "(一)加强师德建设。\n提高素质\n1、抓好职业道德教育。",               # the heading is a sentence
    "(一)加强师德\n建设，提高素质：\n1、抓好职业道德教育。",             # the line introduces the list
    "(一)加强师德\n建设。\n1、抓好职业道德教育。",                       # the line is a sentence
    "(一)加强师德建设，提高教职工的政治思想素质和职业道德水平\n努力办好人民满意的教育事业争做新时代党和人民满意的好老师\n"
    "1、抓好职业道德教育。",                                            # together over 50 characters
])
def test_a_line_after_a_numbered_heading_that_is_no_wrap_of_it_is_not_joined(text):
    assert chunks(text) == text.split("\n")


# -------------------------------------------------------------------------------------------------
# cut_segments: line breaks lost
# -------------------------------------------------------------------------------------------------
def test_a_marker_lost_in_a_merge_cuts_a_lost_segment():
    text = "5、评先树优。认真搞好评先树优工作，认真进行总结。、明确参加工会的各种措施及活动意见细则\n1、农民工都有依法参加工会的权利。\n"
    assert segments(text) == [("marker", "5、", "评先树优。认真搞好评先树优工作，认真进行总结。"),
                              ("lost", "、", "明确参加工会的各种措施及活动意见细则"),
                              ("marker", "1、", "农民工都有依法参加工会的权利。")]
    lost = cut_segments(join_wrapped_lines(split_lines(text), text), text)[1]
    assert (lost.start, lost.text_start) == (text.index("、明确"), text.index("明确"))
    assert lost.marker is not None and lost.marker.style == "lost"


def test_a_numbered_list_after_a_colon_and_a_space_is_cut():
    text = "社区联合工会主要针对小微企业开展以下工作： 1.宣传引导，凝聚职工。\n2.摸清情况，掌握动态。\n"
    assert segments(text) == [("para", "", "社区联合工会主要针对小微企业开展以下工作："),
                              ("marker", "1.", "宣传引导，凝聚职工。"), ("marker", "2.", "摸清情况，掌握动态。")]


def test_after_a_colon_only_a_list_starting_at_one_is_cut_after_a_full_stop_any_number():
    assert segments("开展以下工作： 2.宣传引导，凝聚职工。\n") == [("para", "", "开展以下工作： 2.宣传引导，凝聚职工。")]
    assert segments("开展以下工作；\u30002.宣传引导，凝聚职工。\n") == [("para", "", "开展以下工作；"),
                                                                 ("marker", "2.", "宣传引导，凝聚职工。")]


def test_a_halfwidth_colon_cuts_like_a_fullwidth_one():
    # '会员: 12，其中…' gave an item '12，' that the same line with '：' did not
    assert segments("本年度新发展会员: 12，其中女职工5人。\n") == [("para", "", "本年度新发展会员: 12，其中女职工5人。")]


def test_the_next_number_of_the_list_glued_after_a_full_stop_is_cut_but_not_a_skipped_one():
    assert segments("1、发展会员。\n2、规范建家。3、推荐干部参加培训。\n") == [
        ("marker", "1、", "发展会员。"), ("marker", "2、", "规范建家。"), ("marker", "3、", "推荐干部参加培训。")]
    assert segments("1、发展会员。\n2、规范建家。5、推荐干部参加培训。\n")[-1] == (
        "marker", "2、", "规范建家。5、推荐干部参加培训。")


def test_a_first_chinese_number_after_a_full_stop_opens_a_list():
    assert segments("主要任务。一、组织学习。\n二、开展活动。\n") == [
        ("para", "", "主要任务。"), ("marker", "一、", "组织学习。"), ("marker", "二、", "开展活动。")]


def test_a_list_glued_to_a_bare_heading_is_cut_from_it():
    assert segments("工会组织委员职责1、在主席的领导下，负责组织建设。2、负责会员发展。\n") == [
        ("para", "", "工会组织委员职责"), ("marker", "1、", "在主席的领导下，负责组织建设。"),
        ("marker", "2、", "负责会员发展。")]
    assert segments("(一)关心职工1、走访困难职工。2、慰问退休职工。\n") == [
        ("marker", "(一)", "关心职工"), ("marker", "1、", "走访困难职工。"), ("marker", "2、", "慰问退休职工。")]


def test_a_number_glued_after_a_heading_continues_the_list_of_the_lines_before():
    text = "1、发展会员。\n2、规范建家。\n3、推荐干部。\n二、齐心协力，增强凝聚力4、充分发扬民主。\n"
    assert segments(text)[-2:] == [("marker", "二、", "齐心协力，增强凝聚力"), ("marker", "4、", "充分发扬民主。")]
    # on its own, 4、 is no next number: the words before it are the heading's
    assert segments("二、齐心协力，增强凝聚力4、充分发扬民主。\n") == [("marker", "二、", "齐心协力，增强凝聚力4、充分发扬民主。")]


@pytest.mark.parametrize("text", [
    "1、坚持统一、规范管理，共有3、4个单位参加。按照第1、2条执行。",   # numbers in prose
    "按照统一、规范的要求开展工作。",                                  # 统一、规范 is no cn marker
    "建立健全各项制度。二、开展活动。",                                # 二、 is no next number of a list
])
def test_numbers_in_prose_are_not_cut(text):
    assert len(segments(text)) == 1


def test_line_breaks_turned_into_spaces_separate_the_items_of_one_line():
    text = ("工会工作计划 一、指导思想 以人为本，服务职工。二、主要任务 （一）加强学习 1、组织学习。2、开展培训。"
            "（二）关心职工 1、走访困难职工。三、保障措施 加强领导，落实责任。")
    assert [(k, m) for k, m, _ in segments(text)] == [
        ("para", ""), ("marker", "一、"), ("marker", "二、"), ("marker", "（一）"), ("marker", "1、"), ("marker", "2、"),
        ("marker", "（二）"), ("marker", "1、"), ("marker", "三、")]


def test_segment_offsets_leave_out_the_marker_and_trailing_spaces():
    text = "  1、加强学习。  \n\n2、开展活动。\n"
    found = cut_segments(join_wrapped_lines(split_lines(text), text), text)
    assert [(s.start, s.text_start, s.end, s.text) for s in found] == [(2, 4, 9, "加强学习。"), (13, 15, 20, "开展活动。")]


def test_a_month_heading_keeps_its_words_as_its_text():
    assert segments("九月份：\n1、制定工作计划；\n") == [("marker", "九月份：", "九月份："), ("marker", "1、", "制定工作计划；")]


# -------------------------------------------------------------------------------------------------
# a heading glued to its paragraph with a space; heading_only_styles
# -------------------------------------------------------------------------------------------------
SECTIONS = ("一、畅通渠道，推进民主管理\n各基层工会要建立职代会制度。\n二、搭建平台，开展文体活动\n各基层工会要丰富职工生活。\n"
            "三、履行职能，努力建设温暖的“职工之家” 各基层工会要积极发挥桥梁纽带作用，努力为群众办实事。\n")


def test_a_heading_glued_to_its_paragraph_with_a_space_is_cut_when_its_siblings_are_bare_headings():
    assert segments(SECTIONS)[-2:] == [("marker", "三、", "履行职能，努力建设温暖的“职工之家”"),
                                       ("para", "", "各基层工会要积极发挥桥梁纽带作用，努力为群众办实事。")]


def test_without_bare_siblings_a_space_after_a_heading_is_no_line_break():
    last = SECTIONS.split("\n")[4]
    assert segments(SECTIONS, bare=False)[-1] == ("marker", "三、", last[2:])
    assert segments(last) == [("marker", "三、", last[2:])]


def test_a_space_inside_a_list_items_sentence_is_no_line_break():
    text = ("1、抓好职业道德教育。组织学习。\n2、强化依法治校意识。促使树立大局意识。\n"
            "3、力争在学校党政的领导与支持下，组织好 “三八节”、“教师节”等纪念活动，增强凝聚力。\n")
    assert [m for _, m, _ in segments(text)] == ["1、", "2、", "3、"]


def test_heading_only_styles_counts_bare_headings_and_lines_per_style():
    assert heading_only_styles(split_lines(SECTIONS)) == {"cn": (3, 3)}
    text = ("一、加强学习\n组织学习。\n二、开展活动\n(一)文体活动\n(二)组织职工参加劳动竞赛。提高职工技能水平。\n"
            "1、在主席的领导下，负责组织建设工作，认真做好会员发展工作和会员登记工作，建立会员档案，做好会员统计工作。\n")
    assert heading_only_styles(split_lines(text)) == {"cn": (2, 2), "paren_cn": (1, 2), "ar": (0, 1)}


def test_heading_only_styles_skips_month_headings_and_paragraphs():
    assert heading_only_styles(split_lines("九月份：\n组织学习。\n1、制定计划\n")) == {"ar": (1, 1)}
    assert heading_only_styles([]) == {}
