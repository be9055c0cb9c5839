"""The segmenter against the hand-made gold outlines of the five samples (tests/gold/)."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.evaluate_segments import OutlineRow, evaluate, locate, read_gold, score_outline, total

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold"
RAW = ROOT / "data" / "raw"
TARGET_F1 = 0.97


def _gold_files():
    return sorted(GOLD.glob("*.tsv")) if GOLD.exists() else []


@pytest.mark.skipif(not _gold_files(), reason="tests/gold/*.tsv not written yet: no gold outlines to score against")
def test_item_boundary_f1_and_levels_against_gold():
    scores = evaluate(GOLD, RAW)
    t = total(scores)
    per_file = {s.doc_id: round(s.f1, 3) for s in scores}
    assert not t.unlocated, f"gold items not found in the repaired text: {t.unlocated[:5]}"
    assert t.f1 >= TARGET_F1, f"item-boundary F1 {t.f1:.3f} < {TARGET_F1} (per file: {per_file})"
    assert t.level_accuracy >= 0.9, f"level accuracy {t.level_accuracy:.3f} on matched items"
    assert [s.pred_articles for s in scores] == [s.gold_articles for s in scores], "article counts differ"


# the evaluator itself, on a small hand-checked example -----------------------------------------
TEXT = "一、指导思想\n以人为本。\n二、措施\n1、加强学习。\n2、关心职工。\n"


def _row(path, level, marker, start):
    return OutlineRow(1, path, level, marker, False, start)


def test_locate_finds_items_in_reading_order_and_prefers_line_starts():
    text = "一、甲乙\n各基层工会要学习。\n各基层工会要学习。\n"
    rows = [_row("1", 1, "一、", "甲乙"), _row("1.1", 2, "", "各基层工会要学习"), _row("1.2", 2, "", "各基层工会要学习")]
    assert locate(text, rows) == [2, 5, 15]


def test_score_counts_matches_misses_and_wrong_levels():
    gold = [_row("1", 1, "一、", "指导思想"), _row("1.1", 2, "", "以人为本。"), _row("2", 1, "二、", "措施"),
            _row("2.1", 2, "1、", "加强学习。"), _row("2.2", 2, "2、", "关心职工。")]
    pred = [(TEXT.index("指导思想"), _row("1", 1, "一、", "指导思想")),
            (TEXT.index("措施"), _row("2", 1, "二、", "措施")),
            (TEXT.index("加强学习"), _row("2.1", 1, "1、", "加强学习。")),      # wrong level
            (TEXT.index("关心职工"), _row("2.2", 2, "2、", "关心职工。")),
            (TEXT.index("学习。"), _row("2.3", 2, "", "学习。"))]   # spurious: its gold neighbour is taken
    sc = score_outline("x", TEXT, gold, pred, 1)
    assert (sc.n_gold, sc.n_pred) == (5, 5)
    assert sc.matched == 4, sc
    assert sc.level_ok == 3
    assert sc.missed == ["a1 1.1 L2 以人为本。"]
    assert round(sc.f1, 3) == 0.8


def test_read_gold_rejects_a_wrong_header(tmp_path):
    p = tmp_path / "x.tsv"
    p.write_text("article\tpath\tlevel\n1\t1\t1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected the header article path level marker is_heading text_start"):
        read_gold(p)
