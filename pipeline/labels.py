"""Hand-coded labels: attach coded lines to segmenter items, and export items for coders.

Coders code *lines* of the repaired samples (``coding_primary.csv``: unit_id,
doc_id, text, primary, secondary, subcode, note); the classifier learns *items*
(the segmenter's units, text without its marker).  ``match_units`` joins the two
by normalised text within a document: markers, whitespace and punctuation are
dropped and widths folded, the item is located in the document's stream of
coded lines, and it takes the code of the line that covers most of it.  An item
that cannot be located exactly is matched by similarity (``difflib``) to the
closest line (or anchored on its first words), and marked so in ``match``.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from .dictionary import normalize_text
from .model import CODEBOOK_VERSION, LABELS

LABEL_COLUMNS = ["item_id", "doc_id", "article", "path", "is_heading", "text", "parent_text", "primary_label",
                 "secondary_labels", "subcode", "codebook_version", "coder", "unit_ids", "match", "duplicate_of"]

_NUM = "一二三四五六七八九十百零〇两"
#: item markers as printed at the start of a line (issue 4's list)
MARKER_RE = re.compile(
    rf"^\s*(?:第[{_NUM}\d]+[条章节篇部分]+|[(（]\s*[{_NUM}\d]+\s*[)）]|[{_NUM}]+\s*[、.．,，]|"
    rf"\d+\s*[、.．,，)）](?!\d)|[①-⑳]|[{_NUM}]是)\s*")
_KEEP = re.compile(r"[\w]", re.UNICODE)
FUZZY_MIN = 0.75
PREFIX_CHARS = 12


def strip_marker(text: str) -> str:
    return MARKER_RE.sub("", text or "", count=1)


def match_key(text: str) -> str:
    """Text reduced to what survives segmentation: no marker, spaces or punctuation, one width."""
    t = normalize_text(strip_marker(unicodedata.normalize("NFKC", text or "")))
    t = strip_marker(t)
    return "".join(c for c in t if _KEEP.match(c) and c != "_")


def _is_na(v) -> bool:
    return str(v).strip() in ("", "NA", "na", "N/A", "nan")


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    row: int


def match_units(items: pd.DataFrame, coding: pd.DataFrame, coder: str = "primary") -> pd.DataFrame:
    """Labels for segmenter items from coded lines (see the module docstring).

    ``items``: item_id, doc_id, text (and optionally parent_id, path, article,
    is_heading); ``coding``: unit_id, doc_id, text, primary, secondary, subcode.
    Returns ``LABEL_COLUMNS``; items whose lines are all ``NA`` (titles,
    boilerplate) get primary_label ``NA``; items not found get ``match = none``.
    """
    coding = coding.reset_index(drop=True)
    by_id = dict(zip(items["item_id"].astype(str), items["text"].astype(str)))
    rows = []
    for doc_id, doc_items in items.groupby("doc_id", sort=False):
        units = coding[coding["doc_id"] == doc_id]
        stream, spans = [], []
        pos = 0
        for i, t in zip(units.index, units["text"].astype(str)):
            k = match_key(t)
            spans.append(_Span(pos, pos + len(k), i))
            stream.append(k)
            pos += len(k)
        full = "".join(stream)
        cursor = 0
        for it in doc_items.itertuples(index=False):
            key = match_key(it.text)
            hit, how = None, "none"
            if key:
                s = full.find(key, cursor)
                if s < 0:
                    s = full.find(key)
                if s >= 0:
                    hit, how = (s, s + len(key)), "exact"
                    cursor = s + len(key)
                elif len(key) >= 2 * PREFIX_CHARS:
                    # the line was repaired differently later on: anchor on the item's first words
                    s = full.find(key[:PREFIX_CHARS], cursor)
                    if s < 0:
                        s = full.find(key[:PREFIX_CHARS])
                    if s >= 0:
                        hit, how = (s, s + len(key)), "prefix"
                        cursor = s + PREFIX_CHARS
            best_rows: list[tuple[int, int]] = []
            if hit:
                for sp in spans:
                    ov = min(sp.end, hit[1]) - max(sp.start, hit[0])
                    if ov > 0:
                        best_rows.append((ov, sp.row))
            elif key and spans:
                ratio, row = _closest(key, stream, spans)
                if ratio >= FUZZY_MIN:
                    best_rows, how = [(1, row)], f"fuzzy:{ratio:.2f}"
            coded = [(ov, r) for ov, r in best_rows if not _is_na(coding.at[r, "primary"])]
            parent = by_id.get(str(getattr(it, "parent_id", "") or ""), "")
            row = {"item_id": it.item_id, "doc_id": doc_id, "article": getattr(it, "article", ""),
                   "path": getattr(it, "path", ""), "is_heading": getattr(it, "is_heading", ""), "text": it.text,
                   "parent_text": parent, "codebook_version": CODEBOOK_VERSION, "coder": coder,
                   "unit_ids": ";".join(str(coding.at[r, "unit_id"]) for _, r in best_rows), "match": how,
                   "duplicate_of": getattr(it, "duplicate_of", "") or ""}
            if coded:
                _, r = max(coded, key=lambda t: (t[0], -t[1]))
                if "adjudicated" in coding.columns and bool(coding.at[r, "adjudicated"]):
                    row["coder"] = f"{coder}+adjudicated"
                primary = str(coding.at[r, "primary"]).strip()
                sec = [s for s in re.split(r"[;；,，\s]+", str(coding.at[r, "secondary"] or "")) if s in LABELS]
                row.update(primary_label=primary, secondary_labels=";".join(s for s in sec if s != primary),
                           subcode=str(coding.at[r, "subcode"] or "").strip())
            else:
                row.update(primary_label="NA" if best_rows else "", secondary_labels="", subcode="")
            rows.append(row)
    out = pd.DataFrame(rows, columns=LABEL_COLUMNS)
    return out


def apply_adjudication(coding: pd.DataFrame, adjudication: pd.DataFrame) -> pd.DataFrame:
    """The coding with disagreements resolved: adjudicated units take the adjudicated codes.

    ``adjudication``: unit_id, primary, secondary, subcode (plus rule and reason for the
    record).  Adjudicated rows get ``adjudicated = True``; unknown unit ids are an error.
    """
    from .errors import InputFileError

    out = coding.copy()
    out["adjudicated"] = False
    index = {u: i for i, u in zip(out.index, out["unit_id"].astype(str))}
    missing = [u for u in adjudication["unit_id"].astype(str) if u not in index]
    if missing:
        raise InputFileError("adjudication", "unit ids of the coding sheet", ", ".join(missing[:5]),
                             "check the unit_id column of the adjudication file")
    for row in adjudication.itertuples(index=False):
        i = index[str(row.unit_id)]
        for col in ("primary", "secondary", "subcode"):
            out.at[i, col] = str(getattr(row, col, "") or "")
        out.at[i, "adjudicated"] = True
    return out


def _closest(key: str, stream: list[str], spans: list[_Span]) -> tuple[float, int]:
    """The coded line most similar to ``key`` (difflib ratio), cheap bounds first."""
    best, row = 0.0, -1
    for j, sp in enumerate(spans):
        sm = difflib.SequenceMatcher(None, key, stream[j], autojunk=False)
        if sm.real_quick_ratio() <= best or sm.quick_ratio() <= best:
            continue
        r = sm.ratio()
        if r > best:
            best, row = r, sp.row
    return best, row


def match_summary(matched: pd.DataFrame) -> dict:
    """Counts for the report: items, exact/fuzzy/unmatched, labelled, NA."""
    how = matched["match"].str.split(":").str[0]
    return {"items": len(matched), "exact": int((how == "exact").sum()),
            "fuzzy": int(how.isin(["fuzzy", "prefix"]).sum()),
            "unmatched": int((how == "none").sum()),
            "labelled": int(matched["primary_label"].isin(LABELS).sum()),
            "not_items": int((matched["primary_label"] == "NA").sum())}


def items_frame(seg_docs: Sequence) -> pd.DataFrame:
    """item_id, doc_id, article, path, is_heading, text, parent_id, parent_text of segmented documents."""
    rows = []
    for sd in seg_docs:
        by_id = {it.item_id: it for it in sd.items}
        for it in sd.items:
            rows.append({"item_id": it.item_id, "doc_id": it.doc_id, "article": it.article, "path": it.path,
                         "is_heading": it.is_heading, "text": it.text, "parent_id": it.parent_id or "",
                         "parent_text": by_id[it.parent_id].text if it.parent_id in by_id else "",
                         "duplicate_of": it.duplicate_of or ""})
    return pd.DataFrame(rows, columns=["item_id", "doc_id", "article", "path", "is_heading", "text", "parent_id",
                                       "parent_text", "duplicate_of"])
