"""Records to table rows: the columns of documents.csv, repairs.csv, errors.csv.

Column order here is the order in the files; the README's data dictionary
documents each column.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from .model import Document, FileError, Repair

DOCUMENT_COLUMNS = ["doc_id", "source", "sha256", "n_bytes", "encoding", "script", "n_chars", "n_repairs",
                    "n_articles", "n_items", "year", "sector", "doc_type", "organization", "warnings"]
REPAIR_COLUMNS = ["doc_id", "seq", "rule", "start", "end", "out_start", "out_end", "before", "after",
                  "confidence", "note"]
ERROR_COLUMNS = ["file", "stage", "kind", "message"]


def repair_rows(doc: Document) -> list[dict]:
    return [{"doc_id": doc.doc_id, "seq": r.seq, "rule": r.rule, "start": r.start, "end": r.end,
             "out_start": r.out_start, "out_end": r.out_end, "before": r.before, "after": r.after,
             "confidence": round(r.confidence, 4), "note": r.note} for r in doc.repairs]


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


def frame(rows: Iterable[dict], columns: list[str]) -> pd.DataFrame:
    rows = list(rows)
    df = pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    extra = [c for c in df.columns if c not in columns]
    return df[columns + extra]


def repairs_frame(docs: Iterable[Document]) -> pd.DataFrame:
    return frame((row for d in docs for row in repair_rows(d)), REPAIR_COLUMNS)
