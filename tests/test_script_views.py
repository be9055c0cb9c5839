"""Every target script reads a report alike: articles, items, metadata and labels of a run with
``script="traditional"`` or ``"keep"`` are those of the default run; only the written text keeps its script."""
from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import pytest

from pipeline.config import Config
from pipeline.engine import DocumentProcessor, Task
from pipeline.ingest import Toolkit, ingest
from pipeline.script import ScriptConverter
from pipeline.segment import segment, simplified_items, simplified_text

from .conftest import RAW

SAMPLES = sorted(p.stem for p in RAW.glob("*.txt"))
#: a traditional report whose every cue is a simplified word: 工作要點, 衛生, 工會, 加強 …
TRAD_REPORT = ("朝陽區衛生局工會2012年工作要點\n"
               "一、加強組織建設，發揮工會橋梁紐帶作用\n"
               "（一）健全基層工會組織，做好會員發展工作。\n"
               "（二）深入開展職工之家建設，鞏固建家成果。\n"
               "二、維護職工合法權益\n"
               "1、推進院務公開，落實職工代表大會制度。\n"
               "2、做好困難職工幫扶和送溫暖工作。\n"
               "三、豐富職工文化生活，組織開展文體活動和崗位技能培訓。\n"
               "朝陽區衛生局工會\n"
               "二〇一二年二月十日\n")


@pytest.fixture(scope="module")
def samples(kit):
    """Each sample as ingestion gives it for every target.

    The repairs do not depend on the target; only the conversion at the end does,
    so the other targets' documents are made from the default one as ``ingest``
    makes them (``test_the_documents_are_those_ingest_makes`` checks it on one).
    """
    to_trad = ScriptConverter("traditional")
    out = {}
    for stem in SAMPLES:
        doc = ingest(RAW / f"{stem}.txt", kit=kit)
        out[stem] = {"simplified": doc,
                     "traditional": dataclasses.replace(doc, text=to_trad.convert(doc.text_original)[0]),
                     "keep": dataclasses.replace(doc, text=doc.text_original)}
    return out


def _simplified_org(meta) -> dict:
    """The metadata with the organisation's name in simplified script (it is written as the report writes it)."""
    meta = dict(meta)
    for key in ("organization", "organization_evidence"):  # a document's evidence lists its articles' names
        if meta.get(key):
            meta[key] = ScriptConverter("simplified").simplify(meta[key])
    return meta


def _outline(seg):
    """Everything segmentation decides, without the text written in the target script."""
    arts = [(a.article_id, a.index, a.start, a.end, _simplified_org(a.metadata)) for a in seg.articles]
    items = [(it.item_id, it.path, it.level, it.marker, it.is_heading, it.parent_id, it.start, it.end,
              it.text_original) for it in seg.items]
    return arts, items, _simplified_org(seg.document.metadata)


def test_the_documents_are_those_ingest_makes(samples):
    doc = ingest(RAW / f"{SAMPLES[1]}.txt", kit=Toolkit(Config(script="traditional")))
    assert doc.text == samples[SAMPLES[1]]["traditional"].text
    assert doc.text_original == samples[SAMPLES[1]]["traditional"].text_original


@pytest.mark.parametrize("script", ["traditional", "keep"])
@pytest.mark.parametrize("stem", SAMPLES)
def test_every_script_segments_a_sample_as_the_default_run(samples, stem, script):
    default, doc = samples[stem]["simplified"], samples[stem][script]
    want, got = segment(default), segment(doc)
    assert _outline(got) == _outline(want)
    # the text written out keeps the script, offset for offset
    assert all(it.text == doc.text[it.start:it.end] for it in got.items)
    assert all(a.title in doc.text[a.start:a.end] for a in got.articles)
    to_simp = ScriptConverter("simplified")
    assert [to_simp.simplify(a.title) for a in got.articles] == [a.title for a in want.articles]


def test_a_traditional_health_plan_keeps_its_sector_type_and_organisation(samples):
    """The reviewer's case: 朝陽區衛生局工會2012年工作要點 was read as a school plan of unknown type."""
    got = segment(samples[SAMPLES[0]]["traditional"]).articles[0]
    assert got.title == "朝陽區衛生局工會2012年工作要點"
    meta = got.metadata
    assert (meta["sector"], meta["doc_type"], meta["year"]) == ("health", "key_points", "2012")
    assert meta["organization"] == "朝陽區衛生局工會"  # a name, as the report writes it
    assert meta["sector_evidence"] == "organization: 卫生" and meta["doc_type_evidence"] == "title: 工作要点"


@pytest.mark.parametrize("script", ["simplified", "traditional", "keep"])
def test_the_view_is_the_default_text(samples, script):
    conv = Toolkit(Config(script=script)).converter
    for stem in SAMPLES:
        doc, default = samples[stem][script], samples[stem]["simplified"]
        view = simplified_text(doc, conv)
        assert view == default.text and len(view) == len(doc.text)
        if doc.text == default.text:
            assert view is doc.text  # nothing copied when the text is simplified already


def test_simplified_items_read_the_view_and_keep_everything_else(samples):
    doc = samples[SAMPLES[0]]["traditional"]
    seg = segment(doc)
    read = simplified_items(seg.items, simplified_text(doc))
    assert [it.text for it in read] == [it.text for it in segment(samples[SAMPLES[0]]["simplified"]).items]
    assert [dataclasses.replace(it, text="") for it in read] == [dataclasses.replace(it, text="") for it in seg.items]
    default = samples[SAMPLES[0]]["simplified"]
    assert simplified_items(segment(default).items, default.text) == segment(default).items


@pytest.fixture(scope="module")
def classifier():
    from pipeline.classify import load_or_train

    return load_or_train(Config())


@pytest.mark.parametrize("script", ["traditional", "keep"])
def test_a_run_in_any_script_labels_and_describes_items_as_the_default_run(classifier, script):
    data = TRAD_REPORT.encode("utf-8")
    task = Task("plan", "plan.txt", hashlib.sha256(data).hexdigest(), data)
    want = DocumentProcessor(Config(), classifier).process(task)
    got = DocumentProcessor(Config(script=script), classifier).process(task)
    assert got.error is None and want.error is None
    assert got.text.startswith("朝陽區衛生局工會") and want.text.startswith("朝阳区卫生局工会")  # as asked
    assert want.document["doc_type"] == "key_points" and want.document["sector"] == "health"
    for key in ("n_articles", "n_items", "year", "sector", "doc_type"):
        assert got.document[key] == want.document[key], key
    to_simp = ScriptConverter("simplified")
    assert to_simp.simplify(got.document["organization"]) == want.document["organization"]
    assert [to_simp.simplify(r["organization"]) for r in got.articles] == [r["organization"] for r in want.articles]
    text_columns = {"text", "title", "organization"}
    strip = lambda rows: [{k: v for k, v in r.items() if k not in text_columns} for r in rows]  # noqa: E731
    assert strip(got.articles) == strip(want.articles)
    assert strip(got.items) == strip(want.items)  # ids, outline, offsets, text_original, labels, top terms
    assert [r["text"] for r in got.items] != [r["text"] for r in want.items]
    assert got.dedup.item_ids == want.dedup.item_ids and np.array_equal(got.dedup.items, want.dedup.items)


def test_word_tables_count_words_alike_in_either_script():
    # a traditional run's statistics read the simplified form of the report's own text
    import pandas as pd

    from pipeline.config import Config
    from pipeline.export import _word_tables, stats_item_columns

    simp = ["组织职工开展劳动竞赛活动", "做好困难职工帮扶和送温暖工作", "开展读书学习活动", "维护职工合法权益"] * 3
    trad = ["組織職工開展勞動競賽活動", "做好困難職工幫扶和送溫暖工作", "開展讀書學習活動", "維護職工合法權益"] * 3
    base = pd.DataFrame({"item_id": [f"d/a1/{i}" for i in range(12)], "doc_id": "d", "article": 1,
                         "article_id": "d/a1", "sector": "school", "year": "2020", "doc_type": "plan",
                         "is_heading": False, "duplicate_of": "", "primary_label": ["organization", "welfare",
                                                                                     "culture", "rights"] * 3,
                         "secondary_labels": ""})
    a = _word_tables(base.assign(text=simp, text_original=trad), Config())
    b = _word_tables(base.assign(text=trad, text_original=trad), Config(script="traditional"))
    for name in a:
        cols = [c for c in a[name].columns if c != "example_text"]
        pd.testing.assert_frame_equal(a[name][cols], b[name][cols])
    assert "text_original" in stats_item_columns(Config(script="keep"))
    assert "text_original" not in stats_item_columns(Config())
