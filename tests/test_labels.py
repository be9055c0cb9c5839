"""Matching coded lines to segmenter items."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.labels import match_key, match_summary, match_units, strip_marker


@pytest.mark.parametrize("line,rest", [
    ("一、强基固本", "强基固本"), ("(一)加强建设", "加强建设"), ("（二）完成任务", "完成任务"),
    ("1、配合机关", "配合机关"), ("12．做好", "做好"), ("(3)开展", "开展"), ("③开展", "开展"),
    ("第一条 工会", "工会"), ("一是加强", "加强"), ("2012年工作要点", "2012年工作要点"),
    ("1.5万元经费", "1.5万元经费"),
])
def test_strip_marker(line, rest):
    assert strip_marker(line) == rest


def test_match_key_ignores_marker_space_punctuation_width_and_script():
    assert match_key("（一）加強工會 建設，規範經費。") == match_key("加强工会建设,规范经费")


def _coding(rows):
    return pd.DataFrame(rows, columns=["unit_id", "doc_id", "text", "primary", "secondary", "subcode"])


def test_items_take_the_code_of_the_line_covering_them():
    coding = _coding([
        ("d:1", "d", "某单位工会工作计划", "NA", "", ""),
        ("d:2", "d", "一、关心职工生活", "welfare", "", "welfare.visits"),
        ("d:3", "d", "1、开展送温暖活动。2、召开职代会，推进院务公开", "welfare", "rights", ""),
        ("d:4", "d", "3、举办运动会", "culture", "", "culture.recreation"),
    ])
    items = pd.DataFrame({"item_id": ["d:t", "d:1", "d:1.1", "d:1.2", "d:1.3"], "doc_id": "d",
                          "text": ["某单位工会工作计划", "关心职工生活", "开展送温暖活动。",
                                   "召开职代会，推进院务公开", "举办运动会"],
                          "parent_id": ["", "", "d:1", "d:1", "d:1"]})
    m = match_units(items, coding, coder="A")
    assert list(m["primary_label"]) == ["NA", "welfare", "welfare", "welfare", "culture"]
    assert m.loc[2, "secondary_labels"] == "rights"
    assert m.loc[4, "subcode"] == "culture.recreation"
    assert m.loc[3, "parent_text"] == "关心职工生活"
    assert set(m["coder"]) == {"A"} and set(m["codebook_version"]) == {"1"}
    assert match_summary(m)["labelled"] == 4 and match_summary(m)["not_items"] == 1


def test_item_with_changed_characters_matches_by_similarity():
    coding = _coding([("d:1", "d", "1、加强工会经费审查？;鶎工作", "organization", "", ""),
                      ("d:2", "d", "2、举办运动会", "culture", "", "")])
    items = pd.DataFrame({"item_id": ["d:1"], "doc_id": "d", "text": ["加强工会经费审查基层工作"]})
    m = match_units(items, coding)
    assert m.loc[0, "primary_label"] == "organization"
    assert m.loc[0, "match"].startswith("fuzzy:")


def test_unrelated_item_is_left_unmatched():
    coding = _coding([("d:1", "d", "1、举办运动会", "culture", "", "")])
    items = pd.DataFrame({"item_id": ["d:9"], "doc_id": "d", "text": ["完全不同的一段文字内容"]})
    m = match_units(items, coding)
    assert m.loc[0, "match"] == "none" and m.loc[0, "primary_label"] == ""
