"""List markers: style, number and printed form; numbers that are not markers."""
from __future__ import annotations

import pytest

from pipeline.markers import cn_to_int, parse_marker


@pytest.mark.parametrize("line, style, number, printed", [
    ("一、指导思想", "cn", 1, "一、"),
    ("十二、加强", "cn", 12, "十二、"),
    ("(一)加强", "paren_cn", 1, "(一)"),
    ("（三）重点", "paren_cn", 3, "（三）"),
    ("(四)、制定措施", "paren_cn", 4, "(四)、"),
    ("1、配合", "ar", 1, "1、"),
    ("2.继续", "ar", 2, "2."),
    ("3．协助", "ar", 3, "3．"),
    ("2、、以小组为单位", "ar", 2, "2、、"),
    ("(1)根据", "paren_ar", 1, "(1)"),
    ("②做好", "circled", 2, "②"),
    ("第三条 会员", "chapter_条", 3, "第三条"),
    ("一是积极参加", "shi", 1, "一是"),
    ("二是，根据", "shi", 2, "二是，"),
    ("九月份：", "month", 9, "九月份："),
    ("第二，要加强", "ordinal", 2, "第二，"),
    ("三）做好", "cn_paren", 3, "三）"),
    ("Ⅱ、组织", "roman", 2, "Ⅱ、"),
    ("B.开展活动", "latin_upper", 2, "B."),
    ("上学期", "period", 0, "上学期"),
    # stress cases from a scraped corpus (review of 2026-12-03)
    ("⑴走访困难职工", "paren_ar", 1, "⑴"),       # U+2474: one character, as a word processor prints (1)
    ("⒉开展培训", "ar", 2, "⒉"),                 # U+2489: digit full stop
    ("其一，加强学习", "qi", 1, "其一，"),
    ("其三、关心职工", "qi", 3, "其三、"),
])
def test_parse_marker_reads_style_number_and_printed_form(line, style, number, printed):
    m = parse_marker(line)
    assert m is not None, f"no marker found in {line!r}"
    assert (m.style, m.number, m.printed) == (style, number, printed)


@pytest.mark.parametrize("line", ["2017年县教育工会", "1.5倍", "业务收入达到2.2亿元", "十破十立", "一方面要主动",
                                  "五一国际劳动节期间", "3月，我们组织了", "第一次会议", "A级单位", "QQ群"])
def test_parse_marker_ignores_numbers_that_are_not_markers(line):
    assert parse_marker(line) is None, f"{line!r} read as a marker"


def test_cn_to_int():
    assert [cn_to_int(s) for s in ("一", "十", "十二", "二十", "二十三", "12")] == [1, 10, 12, 20, 23, 12]




@pytest.mark.parametrize("line", ["1、2月份开展职工培训，3、4月份开展劳动竞赛。", "一、二季度完成建会工作。",
                                  "三、四季度开展劳动竞赛。", "1、2、3月完成建档。", "一、二等奖各一名。",
                                  "第一、二季度完成建会工作。", "第一、二批试点单位要按时完成。"])
def test_a_range_of_numbers_at_a_line_start_is_not_a_marker(line):
    assert parse_marker(line) is None, f"{line!r} read as a marker"


@pytest.mark.parametrize("line, number, text", [("二、三项重点工作", 2, "三项重点工作"), ("三、四个坚持", 3, "四个坚持"),
                                                ("2、3条措施", 2, "3条措施"), ("四、五类人员的帮扶", 4, "五类人员的帮扶")])
def test_a_heading_that_opens_with_a_count_is_a_marker(line, number, text):
    # 三、四个坚持 is section 3, "the four insistences": a count (项 条 个 名 次 类) after the
    # next number is the heading's own words, not a run of numbers like 1、2月份 or 一、二季度
    m = parse_marker(line)
    assert m is not None and m.number == number and line[m.length:] == text


def test_sections_whose_headings_open_with_a_count_stay_at_the_top_level():
    from pipeline.ingest import repair_text
    from pipeline.segment import segment

    text = ("工会工作计划\n一、指导思想\n以习近平新时代中国特色社会主义思想为指导，认真贯彻落实上级工会的部署。\n"
            "二、三项重点工作\n1、加强教职工思想政治教育。\n2、做好困难教职工帮扶工作。\n3、开展文体活动。\n"
            "三、四个坚持\n1、坚持以人为本。\n2、坚持依法办事。\n四、工作要求\n各基层工会要认真落实。\n")
    top = [(it.path, it.marker) for it in segment(repair_text(text, doc_id="h")).items if it.level == 1]
    assert top == [("1", "一、"), ("2", "二、"), ("3", "三、"), ("4", "四、")]
