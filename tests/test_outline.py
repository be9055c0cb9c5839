"""The outline: segments placed in a tree (build_outline), lost numbers (resolve_lost_numbers), paths.

The segments are built here line by line, so these tests do not depend on how
linebreaks cuts them; end to end: tests/test_segment.py."""
from __future__ import annotations

from pipeline.linebreaks import Segment
from pipeline.markers import Marker, parse_marker
from pipeline.outline import build_outline, outline_paths, resolve_lost_numbers

LOST_LINE = "、"   # a line starting with it stands for a marker lost in a merge (cut_segments' "lost" kind)


def make_segments(lines: list[str]) -> list[Segment]:
    """One segment per line of ``"\\n".join(lines)``, as cut_segments gives them."""
    out, pos = [], 0
    for ln in lines:
        if ln.startswith(LOST_LINE):
            out.append(Segment(pos, pos + 1, pos + len(ln), Marker("lost", 0, "、", 1), "lost", ln[1:]))
        else:
            mk = parse_marker(ln)
            skip = 0 if mk is None or mk.in_text else mk.length
            out.append(Segment(pos, pos + skip, pos + len(ln), mk, "marker" if mk else "para", ln[skip:]))
        pos += len(ln) + 1
    return out


def tree(lines: list[str], resets_before: tuple[int, ...] = ()) -> list[tuple[str, int, str, int, bool]]:
    """(path, level, style, number, heading) of each node; ``resets_before``: indexes of lines a title preceded."""
    segs = resolve_lost_numbers(make_segments(lines))
    nodes = build_outline(segs, [segs[i].start - 1 for i in resets_before])
    return [(p, n.level, n.style, n.number, n.heading) for p, n in zip(outline_paths(nodes), nodes)]


def paths(lines: list[str], resets_before: tuple[int, ...] = ()) -> list[str]:
    return [t[0] for t in tree(lines, resets_before)]


# -------------------------------------------------------------------------------------------------
# build_outline: marker styles make the levels
# -------------------------------------------------------------------------------------------------
def test_the_first_style_seen_is_level_one_and_a_new_style_opens_a_level_below():
    got = tree(["(一)组织建设", "1、发展会员。", "2、规范建家。", "(二)民主管理", "1、开好教代会。"])
    assert got == [("1", 1, "paren_cn", 1, True), ("1.1", 2, "ar", 1, True), ("1.2", 2, "ar", 2, True),
                   ("2", 1, "paren_cn", 2, True), ("2.1", 2, "ar", 1, True)]
    # the same styles the other way round: levels follow the order of appearance, not the style
    assert [t[:3] for t in tree(["1、工会经费", "(一)收缴经费。", "2、文体活动", "(一)组织比赛。"])] == [
        ("1", 1, "ar"), ("1.1", 2, "paren_cn"), ("2", 1, "ar"), ("2.1", 2, "paren_cn")]


def test_an_open_style_closes_the_levels_below_it():
    lines = ["一、组织建设", "(一)发展会员", "1、摸清底数。", "①建立台账。", "二、民主管理", "(一)开好教代会"]
    assert paths(lines) == ["1", "1.1", "1.1.1", "1.1.1.1", "2", "2.1"]


def test_numbering_that_continues_or_skips_across_sections_nests_under_each_section():
    lines = ["一、深入学习", "1、抓好理论学习。", "2、开展道德教育。", "二、齐心协力", "3、发扬民主。", "5、关心困难职工。",
             "三、丰富活动", "6、开展文体活动。"]
    assert [t[:4] for t in tree(lines)] == [
        ("1", 1, "cn", 1), ("1.1", 2, "ar", 1), ("1.2", 2, "ar", 2), ("2", 1, "cn", 2), ("2.1", 2, "ar", 3),
        ("2.2", 2, "ar", 5), ("3", 1, "cn", 3), ("3.1", 2, "ar", 6)]


def test_month_headings_and_yishi_lists_form_levels_of_their_own():
    lines = ["二、工会主要工作安排", "(一)上学期", "九月份：", "1、制定工作计划；", "一是召开委员会。", "二是召开教代会。",
             "2、召开会议。", "十月份", "1、做好助学金工作。", "(二)下学期"]
    assert [t[:4] for t in tree(lines)] == [
        ("1", 1, "cn", 2), ("1.1", 2, "paren_cn", 1), ("1.1.1", 3, "month", 9), ("1.1.1.1", 4, "ar", 1),
        ("1.1.1.1.1", 5, "shi", 1), ("1.1.1.1.2", 5, "shi", 2), ("1.1.1.2", 4, "ar", 2), ("1.1.2", 3, "month", 10),
        ("1.1.2.1", 4, "ar", 1), ("1.2", 2, "paren_cn", 2)]


def test_nodes_know_their_parent_and_children():
    nodes = build_outline(make_segments(["一、组织建设", "1、发展会员。", "2、规范建家。", "二、民主管理"]))
    assert [n.parent for n in nodes] == [None, 0, 0, None]
    assert [n.children for n in nodes] == [[1, 2], [], [], []]
    assert nodes[1].seg.text == "发展会员。"


def test_an_empty_article_has_no_nodes():
    assert build_outline([]) == [] and outline_paths([]) == []


# -------------------------------------------------------------------------------------------------
# build_outline: unnumbered lines
# -------------------------------------------------------------------------------------------------
def test_a_short_unnumbered_line_before_a_list_starting_at_one_heads_that_list():
    lines = ["工会主席职责", "1、认真执行方针。", "2、组织筹备大会。", "工会副主席职责", "1、完成准备工作。", "注：",
             "1、91分以上为达标单位。"]
    assert tree(lines) == [("1", 1, "H", 0, True), ("1.1", 2, "ar", 1, True), ("1.2", 2, "ar", 2, True),
                           ("2", 1, "H", 0, True), ("2.1", 2, "ar", 1, True), ("3", 1, "H", 0, True),
                           ("3.1", 2, "ar", 1, True)]


def test_a_heading_inside_a_section_heads_the_list_under_that_section():
    lines = ["一、组织建设", "1、发展会员。", "基层工会建设", "1、规范建会。", "2、规范建家。", "二、民主管理"]
    assert [t[:3] for t in tree(lines)] == [("1", 1, "cn"), ("1.1", 2, "ar"), ("1.2", 2, "H"), ("1.2.1", 3, "ar"),
                                            ("1.2.2", 3, "ar"), ("2", 1, "cn")]


def test_a_preamble_is_top_level_and_a_paragraph_goes_under_the_nearest_open_heading():
    # (一)…(三) carry sentences and are not followed by their own paragraphs: the paragraph after (二)
    # belongs to the section 一、, not to (二)
    lines = ["2012年是关键之年，我们要抓学习、强素质。", "一、强基固本，加强工会自身建设", "(一)加强委员会建设。规范学习制度。",
             "(二)加强基层组织建设。重点抓好三个层面。", "各基层工会组织要通过三抓三增强达到目标。",
             "(三)加强干部队伍建设。落实培训制度。", "二、创新载体", "紧紧围绕中心工作开展活动。"]
    assert tree(lines) == [
        ("1", 1, "para", 0, False), ("2", 1, "cn", 1, True), ("2.1", 2, "paren_cn", 1, False),
        ("2.2", 2, "paren_cn", 2, False), ("2.3", 2, "para", 0, False), ("2.4", 2, "paren_cn", 3, False),
        ("3", 1, "cn", 2, True), ("3.1", 2, "para", 0, False)]


def test_paragraphs_after_items_of_a_style_mostly_followed_by_content_belong_to_them():
    # (二) carries a sentence, but its style's items are followed by their own paragraphs
    lines = ["(一)拓展了工会的覆盖面", "本年度共组建工会10个。", "(二)基本完成了账户开设任务，加强了财务管理",
             "本年度经费得到了保障。", "为加强管理，举办了培训。", "(三)广泛开展了慈善捐款", "教师慈善捐款已蔚然成风。"]
    assert paths(lines) == ["1", "1.1", "2", "2.1", "2.2", "3", "3.1"]
    assert tree(lines)[2][4] is True


def test_the_introduction_of_a_restarted_list_leaves_the_section_before():
    lines = ["(一)拓展了覆盖面", "本年度组建工会10个。", "(二)完成了体检任务", "大部分学校组织了体检。",
             "教育工会2018年工作以科学发展观为指导，要求如下。", "(一)加强自身建设", "1.召开代表大会。"]
    assert [t[:4] for t in tree(lines)] == [
        ("1", 1, "paren_cn", 1), ("1.1", 2, "para", 0), ("2", 1, "paren_cn", 2), ("2.1", 2, "para", 0),
        ("3", 1, "para", 0), ("4", 1, "paren_cn", 1), ("4.1", 2, "ar", 1)]


def test_a_closing_paragraph_speaks_for_the_whole_article():
    lines = ["一、组织建设", "1、发展会员。", "加强会员管理。", "总之，我们将继续努力，把工会工作做得更好。",
             "同志们，让我们共同努力！"]
    assert paths(lines) == ["1", "1.1", "1.1.1", "2", "3"]


def test_in_an_article_without_numbers_a_bare_line_heads_the_paragraphs_after_it():
    lines = ["今年以来，我校工会在党支部领导下开展了大量工作。", "主要做法", "加强学习，提高素质。组织教职工学习文件。",
             "关心职工，办好实事。走访慰问困难职工。", "存在问题：", "工作创新不够，活动形式单一。", "总之，我们将继续努力。"]
    assert tree(lines) == [("1", 1, "para", 0, False), ("2", 1, "H", 0, True), ("2.1", 2, "para", 0, False),
                           ("2.2", 2, "para", 0, False), ("3", 1, "H", 0, True), ("3.1", 2, "para", 0, False),
                           ("4", 1, "para", 0, False)]


def test_short_entries_and_dates_of_an_unnumbered_list_stay_flat():
    assert paths(["工作目标", "业务收入达到2.2亿元", "药品收入占总收入比≤43%", "职工满意度达到90%以上"]) == ["1", "2", "3", "4"]
    # a date is no bare heading, even above a long paragraph
    assert paths(["2023年4月1日", "县总工会召开全委会，部署全年工作，要求各基层工会认真落实。"]) == ["1", "2"]


def test_in_a_numbered_article_a_bare_line_does_not_head_the_paragraphs_after_it():
    lines = ["一、组织建设", "主要做法", "加强学习，提高素质。组织教职工学习文件。"]
    assert tree(lines) == [("1", 1, "cn", 1, True), ("1.1", 2, "para", 0, False), ("1.2", 2, "para", 0, False)]


# -------------------------------------------------------------------------------------------------
# build_outline: markers lost in a merge, titles inside the article
# -------------------------------------------------------------------------------------------------
def test_a_lost_marker_before_a_restarted_list_heads_it_at_the_level_of_the_list_before():
    lines = ["重点工作任务", "1、抓好组建工作。", "2、加强规范化建设。", "5、评先树优。认真进行总结。",
             "、明确参加工会的各种措施及活动意见细则", "1、农民工都有依法参加工会的权利。", "2、以小组为单位建立委员会。"]
    assert [t[:3] for t in tree(lines)] == [("1", 1, "H"), ("1.1", 2, "ar"), ("1.2", 2, "ar"), ("1.3", 2, "ar"),
                                            ("2", 1, "H"), ("2.1", 2, "ar"), ("2.2", 2, "ar")]
    # with no heading open, the lost X、 outranks the list before it too
    assert paths(lines[3:]) == ["1", "2", "2.1", "2.2"]


def test_a_title_inside_the_article_restarts_the_outline():
    lines = ["一、学习", "1、组织学习。", "2、开展培训。", "(一)开展活动", "1、开展文体活动。"]
    assert paths(lines) == ["1", "1.1", "1.2", "1.2.1", "1.3"]
    assert paths(lines, resets_before=(3,)) == ["1", "1.1", "1.2", "2", "2.1"]


def test_a_title_followed_by_the_next_number_of_an_open_list_restarts_nothing():
    # a page header left between 2、 and 3、
    lines = ["一、学习", "1、组织学习。", "2、开展培训。", "3、走访慰问。", "二、活动"]
    assert paths(lines, resets_before=(3,)) == ["1", "1.1", "1.2", "1.3", "2"]


# -------------------------------------------------------------------------------------------------
# resolve_lost_numbers
# -------------------------------------------------------------------------------------------------
def _resolved(lines: list[str]) -> list[tuple[str, int]]:
    return [(s.marker.style, s.marker.number) for s in resolve_lost_numbers(make_segments(lines)) if s.marker]


def test_a_lost_number_takes_the_style_and_number_of_the_gap_it_fills():
    lines = ["一、深入学习", "1、抓好理论学习。", "二、齐心协力", "5、开展民心工程。", "6、做好疗休养工作。", "□、丰富活动内容",
             "7、努力提高生活质量。", "四、强化自身建设"]
    assert _resolved(lines)[5] == ("cn", 3)           # the cn list leaves a gap of one, the ar list none
    assert _resolved(["1、加强学习。", "□、组织培训。", "3、开展活动。"])[1] == ("ar", 2)
    assert _resolved(["(一)拓展了覆盖面", "(二)完成了体检任务", "(□)广泛开展了慈善捐款", "(四)活动开展不多"])[2] == ("paren_cn", 3)
    assert _resolved(["一是积极参加运动会。", "二是组织外出考察。", "□是举办联欢会。"])[2] == ("shi", 3)


def test_a_lost_number_goes_on_a_list_that_has_ended_or_starts_one():
    assert _resolved(["一、加强学习", "二、组织培训", "□、开展活动"])[2] == ("cn", 3)
    assert _resolved(["(1)拓展了覆盖面", "(□)完成了体检任务", "(一)广泛开展了慈善捐款"])[1] == ("paren_ar", 2)
    assert _resolved(["□、加强学习", "二、组织培训"])[0] == ("cn", 1)
    assert _resolved(["□、加强学习", "2、组织培训"])[0] == ("ar", 1)
    assert _resolved(["□、加强学习"]) == [("cn", 1)]


def test_a_lost_number_does_not_repeat_the_number_after_it():
    # 1、 □、 2、: the ar list has no gap; □、 is the next section
    assert _resolved(["一、加强学习", "1、组织学习。", "□、组织培训", "2、开展活动。"])[2] == ("cn", 2)


def test_resolve_lost_numbers_keeps_the_printed_marker_and_other_segments():
    segs = make_segments(["一、深入学习", "我们组织了学习。", "□、丰富活动内容", "、明确参加工会的措施", "三、强化自身建设"])
    before = list(segs)
    out = resolve_lost_numbers(segs)
    assert out[2].marker == Marker("cn", 2, "□、", 2) and out[2].text == "丰富活动内容"
    assert [out[i] for i in (0, 1, 3, 4)] == [before[i] for i in (0, 1, 3, 4)]


def test_resolved_lost_numbers_place_the_section_in_the_outline():
    lines = ["一、深入学习", "1、抓好理论学习。", "二、齐心协力", "5、开展民心工程。", "6、做好疗休养工作。", "□、丰富活动内容",
             "7、努力提高生活质量。", "8、开展各项文体活动。", "一是积极参加运动会。", "□是举办联欢会。", "四、强化自身建设"]
    assert paths(lines) == ["1", "1.1", "2", "2.1", "2.2", "3", "3.1", "3.2", "3.2.1", "3.2.2", "4"]


# -------------------------------------------------------------------------------------------------
# outline_paths
# -------------------------------------------------------------------------------------------------
def test_outline_paths_number_children_within_each_parent():
    nodes = build_outline(make_segments(["前言部分，说明情况。", "一、学习", "1、组织学习。", "(1)学习文件。", "(2)学习法规。",
                                         "2、开展培训。", "二、活动"]))
    assert outline_paths(nodes) == ["1", "2", "2.1", "2.1.1", "2.1.2", "2.2", "3"]
    assert [n.level for n in nodes] == [1, 1, 2, 3, 3, 2, 1]


def test_outline_paths_count_positions_not_printed_numbers():
    # numbering that skips (1、2、4、6、) or continues across sections still gives positions
    nodes = build_outline(make_segments(["一、主席的职责", "1.领导工会工作。", "2、检查工作。", "4.做好总结。", "6.开好大会。",
                                         "二、组织委员的职责", "7.了解情况。"]))
    assert outline_paths(nodes) == ["1", "1.1", "1.2", "1.3", "1.4", "2", "2.1"]
