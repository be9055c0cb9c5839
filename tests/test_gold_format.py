"""The hand-made gold segmentations (tests/gold/<doc_id>.tsv) are well formed and fit the text.

Checks, per sample file: the header; integer article and level fields; level equals
the number of path components; every parent is listed before its children and
sibling positions run 1, 2, 3 … in reading order (so the rows are the item tree in
preorder); an item with children is marked as a heading; and each row's marker +
text_start is found, in order, in the repaired simplified text that
``pipeline.ingest.ingest`` gives for the raw file.  The format is described in
tests/gold/README.md.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold"
RAW = ROOT / "data" / "raw"
HEADER = ["article", "path", "level", "marker", "is_heading", "text_start", "comment"]
TEXT_START_LEN = 10


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        assert header == HEADER, f"{path.name}: header should be {HEADER}, found {header}"
        rows = []
        for n, rec in enumerate(reader, start=2):
            assert len(rec) == len(HEADER), f"{path.name}:{n}: expected {len(HEADER)} tab-separated fields, found {len(rec)}: {rec}"
            rows.append(dict(zip(HEADER, rec), line=str(n)))
    return rows


def gold_files() -> list[Path]:
    return sorted(GOLD.glob("*.tsv"))


def test_one_gold_file_per_sample():
    raw = sorted(p.stem for p in RAW.glob("*.txt"))
    gold = sorted(p.stem for p in gold_files())
    assert gold == raw, f"gold files {gold} should match the sample files {raw} one to one"


@pytest.fixture(scope="module", params=[p.stem for p in sorted(RAW.glob("*.txt"))])
def gold(request):
    path = GOLD / f"{request.param}.tsv"
    assert path.exists(), f"no gold file for {request.param}: expected {path}"
    return request.param, read_rows(path)


def test_fields_and_paths_are_consistent(gold):
    doc_id, rows = gold
    assert rows, f"{doc_id}: the gold file has no items"
    seen: set[tuple[int, str]] = set()
    last_child: dict[tuple[int, str], int] = {}
    previous_article = 0
    for r in rows:
        where = f"{doc_id}.tsv line {r['line']}"
        assert r["article"].isdigit() and r["level"].isdigit(), f"{where}: article and level must be integers, found {r['article']!r}, {r['level']!r}"
        article, level = int(r["article"]), int(r["level"])
        assert article in (previous_article, previous_article + 1), (
            f"{where}: articles must be numbered 1, 2, 3 … in order; found {article} after {previous_article}")
        previous_article = article
        assert re.fullmatch(r"[1-9]\d*(\.[1-9]\d*)*", r["path"]), f"{where}: path should be dot-joined positions, found {r['path']!r}"
        parts = r["path"].split(".")
        assert level == len(parts), f"{where}: level {level} but path {r['path']} has {len(parts)} components"
        parent = ".".join(parts[:-1])
        if parent:
            assert (article, parent) in seen, f"{where}: parent {parent} of {r['path']} is not listed before it"
        expected = last_child.get((article, parent), 0) + 1
        assert int(parts[-1]) == expected, f"{where}: expected position {expected} under {parent or 'the article'}, found {r['path']}"
        last_child[(article, parent)] = expected
        seen.add((article, r["path"]))
        assert r["is_heading"] in ("0", "1"), f"{where}: is_heading should be 0 or 1, found {r['is_heading']!r}"
        ts = r["text_start"]
        assert len(ts) <= TEXT_START_LEN, f"{where}: text_start longer than {TEXT_START_LEN} characters: {ts!r}"
        assert ts == ts.strip(), f"{where}: text_start should not start or end with spaces: {ts!r}"
        assert ts or r["marker"], f"{where}: an item needs a marker or a text_start"
        assert r["marker"] == r["marker"].strip(), f"{where}: marker should be written without spaces: {r['marker']!r}"


def test_items_with_children_are_headings(gold):
    doc_id, rows = gold
    parents = {(r["article"], ".".join(r["path"].split(".")[:-1])) for r in rows}
    for r in rows:
        if (r["article"], r["path"]) in parents:
            assert r["is_heading"] == "1", f"{doc_id}.tsv line {r['line']}: item {r['path']} has children but is_heading is {r['is_heading']}"


@pytest.fixture(scope="module")
def texts(kit):
    from pipeline.ingest import ingest

    return {p.stem: ingest(p, kit=kit).text for p in sorted(RAW.glob("*.txt"))}


def test_text_starts_are_found_in_order(gold, texts):
    doc_id, rows = gold
    text = texts[doc_id]
    cursor = 0
    for r in rows:
        marker, ts = r["marker"], r["text_start"]
        pattern = re.escape(marker) + r"[ \t\u3000]*" + re.escape(ts) if marker else re.escape(ts)
        m = re.compile(pattern).search(text, cursor)
        assert m, (f"{doc_id}.tsv line {r['line']} (article {r['article']}, path {r['path']}): "
                   f"{marker + ts!r} not found in the repaired text after offset {cursor} "
                   f"(context there: {text[cursor:cursor + 30]!r}); the repair may have changed this text: "
                   "re-read it and update text_start")
        cursor = m.start() + 1


def test_gold_articles_are_all_present(gold):
    doc_id, rows = gold
    articles = sorted({int(r["article"]) for r in rows})
    assert articles == list(range(1, len(articles) + 1)), f"{doc_id}: article numbers should run 1…n, found {articles}"
