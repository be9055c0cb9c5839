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


def test_item_whose_line_was_repaired_differently_is_anchored_on_its_first_words():
    coding = _coding([("d:1", "d", "4.评选劳动模范。5.协助行政，会同委员做好教工之间的纠纷调解工作；配合当?shù)孛裾部门,对侵犯教工利益的事调查处理",
                       "rights", "", ""),
                      ("d:2", "d", "6.举办运动会", "culture", "", "")])
    items = pd.DataFrame({"item_id": ["d:5"], "doc_id": "d",
                          "text": ["协助行政，会同委员做好教工之间的纠纷调解工作；配合当地民政部门，对侵犯教工利益的事调查处理"]})
    m = match_units(items, coding)
    assert m.loc[0, "match"] == "prefix" and m.loc[0, "primary_label"] == "rights"


def test_adjudication_overrides_the_coding_and_is_recorded():
    from pipeline.labels import apply_adjudication

    coding = _coding([("d:1", "d", "1、工会宣传委员职责", "culture", "", "culture.publicity"),
                      ("d:2", "d", "2、举办运动会", "culture", "", "")])
    adj = pd.DataFrame([{"unit_id": "d:1", "primary": "organization", "secondary": "", "subcode": "organization.cadres",
                         "rule": "委员分工", "reason": "duties heading"}])
    items = pd.DataFrame({"item_id": ["a", "b"], "doc_id": "d", "text": ["工会宣传委员职责", "举办运动会"]})
    m = match_units(items, apply_adjudication(coding, adj), coder="c1")
    assert list(m["primary_label"]) == ["organization", "culture"]
    assert list(m["coder"]) == ["c1+adjudicated", "c1"]
    assert m.loc[0, "subcode"] == "organization.cadres"


def test_adjudication_of_an_unknown_unit_is_named():
    from pipeline.errors import InputFileError
    from pipeline.labels import apply_adjudication

    with pytest.raises(InputFileError) as e:
        apply_adjudication(_coding([("d:1", "d", "x", "other", "", "")]),
                           pd.DataFrame([{"unit_id": "d:9", "primary": "rights"}]))
    assert "d:9" in str(e.value) and "check the unit_id column" in str(e.value)


def test_cli_label_match_and_export_with_an_items_table(tmp_path, capsys):
    from pipeline import io as uio
    from pipeline.cli import main

    items = tmp_path / "items.csv"
    uio.write_csv(items, pd.DataFrame({"item_id": ["d/1", "d/1.1"], "doc_id": "d", "parent_id": ["", "d/1"],
                                       "text": ["关心困难职工生活", "开展送温暖活动"]}))
    coding = tmp_path / "coding.csv"
    uio.write_csv(coding, _coding([("d:1", "d", "一、关心困难职工生活", "welfare", "", ""),
                                   ("d:2", "d", "1、开展送温暖活动", "welfare", "", "welfare.visits")]))
    out = tmp_path / "labels.csv"
    assert main(["label", "match", "--items", str(items), "--coding", str(coding), "--out", str(out)]) == 0
    m = uio.read_csv(out)
    assert list(m["primary_label"]) == ["welfare", "welfare"] and m.loc[1, "parent_text"] == "关心困难职工生活"
    assert "2 matched exactly" in capsys.readouterr().err
    exp = tmp_path / "to_code.csv"
    assert main(["label", "export", "--items", str(items), "--out", str(exp), "--dictionary"]) == 0
    e = uio.read_csv(exp)
    assert list(e["suggested_label"]) == ["welfare", "welfare"]
    assert {"primary_label", "secondary_labels", "subcode", "coder", "codebook_version"} <= set(e.columns)
    assert set(e["primary_label"]) == {""}, "the coder's columns start empty"
