"""Records to table rows: the columns of documents.csv, repairs.csv, errors.csv.

Column order here is the order in the files; the README's data dictionary
documents each column.
"""
from __future__ import annotations

import csv
import io
import math
import operator
from typing import Any, Iterable

import pandas as pd

from .model import Article, Document, FileError, Item, Repair, SegmentedDocument

DOCUMENT_COLUMNS = ["doc_id", "source", "sha256", "n_bytes", "encoding", "script", "n_chars", "n_repairs",
                    "n_articles", "n_items", "year", "sector", "doc_type", "organization", "warnings"]
REPAIR_COLUMNS = ["doc_id", "seq", "rule", "start", "end", "out_start", "out_end", "before", "after",
                  "confidence", "note"]
ERROR_COLUMNS = ["file", "stage", "kind", "message"]
#: articles.csv (segmentation; see docs/segment.md)
ARTICLE_COLUMNS = ["article_id", "doc_id", "article", "title", "start", "end", "n_items",
                   "year", "year_evidence", "sector", "sector_evidence", "doc_type", "doc_type_evidence",
                   "organization", "organization_evidence", "duplicate_of"]
#: items.csv (segmentation; see docs/segment.md)
ITEM_COLUMNS = ["item_id", "doc_id", "article", "article_id", "path", "level", "marker", "is_heading", "text",
                "text_original", "parent_id", "duplicate_of", "start", "end"]


def repair_rows(doc: Document) -> list[dict]:
    return [{"doc_id": doc.doc_id, "seq": r.seq, "rule": r.rule, "start": r.start, "end": r.end,
             "out_start": r.out_start, "out_end": r.out_end, "before": r.before, "after": r.after,
             "confidence": round(r.confidence, 4), "note": r.note} for r in doc.repairs]


_PLAIN = frozenset({str, int, bool, type(None)})  # written by the csv module as pandas writes them


def csv_values(rows: list[dict], columns: list[str]) -> list:
    """The rows as lists of cells in ``columns`` order, each cell as ``io.write_csv`` (pandas) writes it.

    Fast path: every row has every column and every value is a plain str, int, bool, None or
    non-NaN float, checked a column at a time in C (``itemgetter``, ``map``); otherwise ``csv_cell``
    value by value (a million repair rows: 0.7 s instead of 1.2 s).
    """
    if len(columns) >= 2:
        try:
            values = list(map(operator.itemgetter(*columns), rows))
        except KeyError:
            values = None
        if values is not None and all(_plain(col) for col in zip(*values)):
            return values
    return [[csv_cell(row.get(c)) for c in columns] for row in rows]


def _plain(column: tuple) -> bool:
    kinds = set(map(type, column))
    if kinds <= _PLAIN:
        return True
    if kinds <= {float, int}:
        return not any(map(math.isnan, column))
    return False


def csv_cell(value: Any) -> Any:
    """A table value as ``io.write_csv`` (pandas) writes it: missing and NaN empty, numpy scalars as Python's."""
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return value
    if value is None:
        return ""
    if kind is float:
        return "" if value != value else value
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict)):  # a numpy scalar
        return csv_cell(value.item())
    return value


def csv_text(rows: list[dict], columns: list[str]) -> str:
    """``rows`` as the lines of a CSV in ``columns`` order, no header, exactly as the run's table writer writes them."""
    if not rows:
        return ""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(csv_values(rows, columns))
    return buf.getvalue()


def repair_csv(doc: Document) -> str:
    """A document's repairs.csv lines (no header): rendered where the document is processed, so that a
    million repair rows cross from the workers to the writer as one string per file, not as dicts."""
    return csv_text(repair_rows(doc), REPAIR_COLUMNS)


def document_row(doc: Document, n_articles: int | None = None, n_items: int | None = None) -> dict:
    meta = doc.metadata or {}
    return {"doc_id": doc.doc_id, "source": doc.source, "sha256": doc.sha256, "n_bytes": doc.n_bytes,
            "encoding": doc.encoding, "script": doc.script, "n_chars": len(doc.text),
            "n_repairs": sum(1 for r in doc.repairs if r.rule != "convert_script"),
            "n_articles": "" if n_articles is None else n_articles, "n_items": "" if n_items is None else n_items,
            "year": meta.get("year", ""), "sector": meta.get("sector", ""), "doc_type": meta.get("doc_type", ""),
            "organization": meta.get("organization", ""), "warnings": "; ".join(doc.warnings)}


def error_row(err: FileError) -> dict:
    return {"file": err.file, "stage": err.stage, "kind": err.kind, "message": err.message}


def article_row(a: Article, n_items: int | None = None) -> dict:
    meta = a.metadata or {}
    row = {"article_id": a.article_id, "doc_id": a.doc_id, "article": a.index, "title": a.title,
           "start": a.start, "end": a.end, "n_items": "" if n_items is None else n_items,
           "duplicate_of": a.duplicate_of or ""}
    for f in ("year", "sector", "doc_type", "organization"):
        row[f] = meta.get(f, "")
        row[f"{f}_evidence"] = meta.get(f"{f}_evidence", "")
    return row


def item_row(it: Item) -> dict:
    return {"item_id": it.item_id, "doc_id": it.doc_id, "article": it.article,
            "article_id": f"{it.doc_id}/a{it.article}", "path": it.path, "level": it.level, "marker": it.marker,
            "is_heading": it.is_heading, "text": it.text, "text_original": it.text_original,
            "parent_id": it.parent_id or "", "duplicate_of": it.duplicate_of or "", "start": it.start, "end": it.end}


def segmented_document_row(seg: SegmentedDocument) -> dict:
    return document_row(seg.document, len(seg.articles), len(seg.items))


def article_rows(seg: SegmentedDocument) -> list[dict]:
    counts: dict[int, int] = {}
    for it in seg.items:
        counts[it.article] = counts.get(it.article, 0) + 1
    return [article_row(a, counts.get(a.index, 0)) for a in seg.articles]


def item_rows(seg: SegmentedDocument) -> list[dict]:
    return [item_row(it) for it in seg.items]


def frame(rows: Iterable[dict], columns: list[str]) -> pd.DataFrame:
    rows = list(rows)
    df = pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    extra = [c for c in df.columns if c not in columns]
    return df[columns + extra]


def repairs_frame(docs: Iterable[Document]) -> pd.DataFrame:
    return frame((row for d in docs for row in repair_rows(d)), REPAIR_COLUMNS)


def articles_frame(segs: Iterable[SegmentedDocument]) -> pd.DataFrame:
    return frame((row for s in segs for row in article_rows(s)), ARTICLE_COLUMNS)


def items_frame(segs: Iterable[SegmentedDocument]) -> pd.DataFrame:
    return frame((row for s in segs for row in item_rows(s)), ITEM_COLUMNS)
