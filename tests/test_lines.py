"""Lines and their kinds: headings, and the title apparatus that is never an item.

End to end (what the article keeps or drops): tests/test_segment.py."""
from __future__ import annotations

import pytest

from pipeline.lines import (Line, heading_like, is_address, is_apparatus, is_date_line, is_document_title, is_org_line,
                            is_salutation, short_heading, split_lines, title_matches)


# -------------------------------------------------------------------------------------------------
# split_lines
# -------------------------------------------------------------------------------------------------
def test_split_lines_drops_blank_lines_and_keeps_offsets_of_the_stripped_content():
    text = "  一、指导思想  \n\n\u3000坚持以人为本。\n \n"
    lines = split_lines(text)
    assert lines == [Line(2, 8, "一、指导思想"), Line(13, 20, "坚持以人为本。")]
    assert all(text[ln.start:ln.end] == ln.text for ln in lines)


def test_split_lines_strips_the_carriage_return_of_windows_line_ends():
    text = "一、指导思想\r\n坚持以人为本。\r\n"
    assert [(ln.start, ln.text) for ln in split_lines(text)] == [(0, "一、指导思想"), (8, "坚持以人为本。")]


def test_split_lines_reads_only_the_window_it_is_given():
    text = "工会工作计划\n一、指导思想\n坚持以人为本。\n"
    start = text.index("一、")
    lines = split_lines(text, start, text.index("坚持") + 2)
    assert [(ln.start, ln.end, ln.text) for ln in lines] == [(start, start + 6, "一、指导思想"), (14, 16, "坚持")]


def test_split_lines_of_an_empty_or_blank_text_is_empty():
    assert split_lines("") == [] and split_lines(" \n\u3000\n\t") == []


# -------------------------------------------------------------------------------------------------
# headings
# -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("t, expected", [
    ("指导思想", True),
    ("重点工作任务：", True),
    ("以人为本，服务职工。", True),                     # a sentence end only at the end
    ("  加强工会自身建设  ", True),
    ("加强学习。组织教职工学习文件。", False),         # a sentence end inside: a paragraph
    ("各基层工会要积极参与；认真落实", False),
    ("工" * 80, True),
    ("工" * 81, False),                                 # too long for a heading
])
def test_heading_like(t, expected):
    assert heading_like(t) is expected


@pytest.mark.parametrize("t, expected", [
    ("工会组织委员职责", True),
    ("注：", True),
    ("  主要做法  ", True),
    ("以人为本，服务职工", True),                        # a comma, but 20 characters or fewer
    ("工" * 25, True),                                  # no comma: up to 30 characters
    ("工" * 31, False),
    ("工" * 21 + "，" + "工" * 3, False),                # over 20 characters with a comma
    ("加强学习。", False),                              # a sentence end
    ("各基层工会要；", False),
    ("关心职工，", False),                              # a line that goes on
    ("统一、", False),
    ("", False),
])
def test_short_heading(t, expected):
    assert short_heading(t) is expected


# -------------------------------------------------------------------------------------------------
# dates, organisations, signatures
# -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("t", [
    "二0一二年一月三十一日",
    "2023年4月1日",
    "２０１２年３月１日",
    "二〇一二年二月",                                     # no day
    "朝阳区卫生局工会 二〇一二年二月十日",                # a signature line: the body, then the date
    "林甸县总工会二O一二年一月三十一日",
    "2012年3月印发",
    "发布时间：2023年4月2日",                             # the site's date labels
    "更新时间：2023年4月2日",
])
def test_is_date_line_takes_signature_and_issuing_dates(t):
    assert is_date_line(t)


@pytest.mark.parametrize("t", [
    "比赛时间：2023年5月10日",                  # a date after another label is content
    "报名截止日期：2023年5月1日",
    "2012年是关键之年，我们要抓学习、强素质。",  # a dated sentence
    "2023年5月10日召开职代会。",
    "2023年5月10日召开职代会",                  # words after the date
    "于2023年5月10日，召开职代会",
    "全年计划在2023年",                         # a year without a month
    "一、加强工会组织建设",
])
def test_is_date_line_leaves_dated_sentences_and_labelled_dates(t):
    assert not is_date_line(t)


def test_is_date_line_leaves_a_sentence_wrapped_after_its_date():
    # it took any 0-30 characters before a final date: the line was dropped from the items
    assert not is_date_line("运动会定于2023年5月10日")


@pytest.mark.parametrize("t, expected", [
    ("林甸县总工会", True),
    ("朝阳区卫生局工会", True),
    ("某某学校", True),
    ("某社区卫生服务中心 某某某", True),             # a signature: the body and a name
    ("某社区卫生服务中心 某某某某某某某", False),     # more than a name after the body
    ("林甸县总工会关于", False),                     # no organisation suffix at the end
    ("加强工会组织建设", False),
    ("各基层工会：", False),                         # punctuation: an addressee, not a signature
    ("一、县总工会", False),                         # a numbered item
    ("工" * 29 + "会", True),
    ("工" * 30 + "会", False),                        # too long
])
def test_is_org_line(t, expected):
    assert is_org_line(t) is expected


# -------------------------------------------------------------------------------------------------
# salutations and addresses
# -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("t, expected", [
    ("同志们：", True),
    ("尊敬的各位代表们：", True),
    ("老师们：", True),
    ("同志们！", True),
    ("各位领导、各位来宾、同志们：", True),
    ("同志们，让我们共同努力！", False),              # a closing sentence, not an address
    ("各基层工会：", False),                          # addressees of a notice, not of a speech
    ("在座的各位来宾、各位领导、各位代表、各位朋友们：", False),   # longer than 24 characters
])
def test_is_address(t, expected):
    assert is_address(t) is expected


@pytest.mark.parametrize("t, expected", [
    ("各乡镇、系统（产业）、企业工会：", True),
    ("各基层工会：", True),
    ("各单位：", True),
    ("同志们：", True),                               # a speech's address counts too
    ("各乡镇工会，县直各系统工会，各企业工会，各教育系统基层工会，各卫生系统基层工会：", True),
    ("各单位要认真学习贯彻落实本次会议的精神并做好以下工作：", False),   # over 20 characters, no list
    ("各单位于5月底前报名。", False),                # no colon
    ("各单位要高度重视。请于5月底前报名：", False),  # a sentence end inside
    ("现将有关事项通知如下：", False),
])
def test_is_salutation(t, expected):
    assert is_salutation(t) is expected


def test_is_salutation_cannot_tell_an_instruction_with_a_comma_from_addressees():
    # the position decides: drop_apparatus takes '各…：' as addressees only above the notice's text
    assert is_salutation("各基层工会要按照以下要求，认真做好组织工作：")


# -------------------------------------------------------------------------------------------------
# apparatus: document numbers, dates, distribution lines
# -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("t", [
    "林工发[2012]4号",
    "朝卫工发〔2023〕12号",
    "京工发〔2012〕第5号",
    "2023年4月1日",
    "主题词：工会 工作 要点",
    "抄送：县委办公室，县人大办公室",
    "抄报：市总工会",
    "签发：张三",
    "附件：林甸县总工会二O一二年目标管理考核细则",
    "附：考核细则",
])
def test_is_apparatus_takes_numbers_dates_and_distribution_lines(t):
    assert is_apparatus(t)


@pytest.mark.parametrize("t", [
    "一、加强工会组织建设",
    "现将《工作要点》印发给你们，请认真贯彻落实。",
    "附件是一份报名表",                                # 附件 without a colon is prose
    "比赛时间：2023年5月10日",
    "抄送：" + "县委办公室，" * 20,                    # over 100 characters: not a distribution line
])
def test_is_apparatus_leaves_content(t):
    assert not is_apparatus(t)


@pytest.mark.parametrize("t", ["附件1：劳动竞赛报名表", "附件一：林甸县总工会目标管理考核细则"])
def test_is_apparatus_takes_numbered_attachment_lines(t):
    # only '附件：' and '附：' were: numbered attachment lines stayed items of the last section
    assert is_apparatus(t)


# -------------------------------------------------------------------------------------------------
# document titles and title repeats
# -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("t", [
    "林甸县总工会二O一二年目标管理考核细则",
    "关于加强职工疗休养工作的意见",
    "学校工会工作计划",
    "2023年工会工作总结",
    "县总工会2023年工作要点",
])
def test_is_document_title_takes_titles_naming_an_issuer_a_year_or_a_subject(t):
    assert is_document_title(t)


@pytest.mark.parametrize("t", [
    "建立健全职代会制度",            # a task under a heading, not an attached document
    "完善学校工会财务制度",          # a task, though it names 学校 and 工会
    "工作计划",                      # no issuer, year or subject
    "一、工会工作计划",              # a numbered item
    "工会工作计划，特制定",          # punctuation
    "关于印发《林甸县总工会2012年",  # no document type at the end (a title cut by a wrap)
    "黑龙江省大庆市林甸县总工会关于进一步加强基层工会组织规范化建设和职工之家建设工作的实施方案",  # over 40
])
def test_is_document_title_leaves_tasks_items_and_sentences(t):
    assert not is_document_title(t)


@pytest.mark.parametrize("line, title", [
    ("工会工作要点", "工会工作要点"),
    ("2012工会工作要点", "工会工作要点"),                          # a year added
    ("朝阳区卫生局工会2012年工作要点", "工会工作要点"),            # an organisation added
    ("二〇一二年工会工作要点", "工会工作要点"),                    # a year in Chinese numerals
    ("最新学校工会工作计划范文", "学校工会工作计划"),              # the site's words
    ("2023年机关工会工作计划（篇一）", "机关工会工作计划"),
    ("1、学校工会工作计划", "学校工会工作计划"),                  # a list number before the title
    ("关于印发《林甸县总工会2012年工作要点》的通知", "2012工会工作要点"),
    ("学校工会工作计划", "学校工会2023年工作计划"),                # a year inside the title
])
def test_title_matches_a_repeated_title(line, title):
    assert title_matches(line, title)


@pytest.mark.parametrize("line, title", [
    ("一、指导思想", "工会工作计划"),
    ("工会工作计划", "学校工会工作总结"),
    ("神木五中2017-2018学年第二学期", "工会工作要点"),
    ("计划", "工作计划"),                   # under 4 characters: only the same words match
    ("2012年", "2013年"),                   # nothing left after the year: no match
])
def test_title_matches_leaves_other_lines(line, title):
    assert not title_matches(line, title)


def test_title_matches_short_titles_only_when_equal():
    assert title_matches("《计划》", "计划") and not title_matches("计划", "规划")
