"""Articles: article lines and article spans."""
from __future__ import annotations

import pytest

from pipeline.articles import find_articles, parse_article_line


def _real_doc(raw_files, kit):
    from pipeline.ingest import ingest

    return [ingest(p, kit=kit) for p in raw_files]


@pytest.mark.parametrize("line, number, title", [
    ("第一篇：朝阳区卫生局工会2012年工作要点", 1, "朝阳区卫生局工会2012年工作要点"),
    ("第四篇:2012工会工作要点", 4, "2012工会工作要点"),
    ("2023年机关工会工作计划篇1", 1, "2023年机关工会工作计划"),
    ("2022年医院工会工作计划 篇一", 1, "2022年医院工会工作计划"),
    ("【篇二】学校工会工作总结", 2, "学校工会工作总结"),
])
def test_article_lines(line, number, title):
    assert parse_article_line(line) == (number, title)


@pytest.mark.parametrize("line", ["2023年机关工会工作计划6篇", "工会工作计划（5篇）", "一、指导思想"])
def test_page_titles_counting_articles_do_not_open_one(line):
    assert parse_article_line(line) is None


def test_find_articles_on_sample_files_counts(raw_files, kit):
    counts = {d.doc_id: len(find_articles(d.text)) for d in _real_doc(raw_files, kit)}
    assert sorted(counts.values()) == [5, 5, 5, 5, 6], counts
