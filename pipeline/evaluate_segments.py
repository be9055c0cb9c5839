"""Score the segmenter against hand-made gold outlines (``tests/gold/<doc_id>.tsv``).

Gold format (tab-separated, UTF-8, one header line)::

    article  path  level  marker  is_heading  text_start

``text_start`` is the first 10 characters of the item's text after its marker,
in the repaired simplified text (``unionmine repair data/raw --out DIR``).
Gold items are found in the document's clean text by ``text_start``, searching
forward from the previous item (so repeated texts resolve in reading order);
predicted items carry their offsets.  A predicted item boundary counts as
correct when it lies within ``TOLERANCE`` characters of an unmatched gold
boundary (so that ``九月份：`` read as marker or as text is the same boundary).
Level accuracy is measured over the matched boundaries.

Run: ``python -m pipeline.evaluate_segments [--gold tests/gold] [--raw data/raw]``.
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

TOLERANCE = 8


@dataclass(frozen=True)
class OutlineRow:
    article: int
    path: str
    level: int
    marker: str
    is_heading: bool
    text_start: str


@dataclass
class Score:
    doc_id: str
    n_gold: int = 0
    n_pred: int = 0
    matched: int = 0
    level_ok: int = 0
    heading_ok: int = 0
    unlocated: list[str] = field(default_factory=list)
    gold_articles: int = 0
    pred_articles: int = 0
    missed: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)
    wrong_level: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def level_accuracy(self) -> float:
        return self.level_ok / self.matched if self.matched else 0.0


def _bool(s: str) -> bool:
    return s.strip().lower() in ("1", "true", "yes", "y", "t")


def read_gold(path: Path) -> list[OutlineRow]:
    """Rows of one gold file; a malformed line raises with its line number and what to fix."""
    rows = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        want = ["article", "path", "level", "marker", "is_heading", "text_start"]
        if header is None or [h.strip() for h in header[:6]] != want:
            raise ValueError(f"{path}: expected the header {' '.join(want)} (tab-separated); found {header!r}; "
                             "fix the first line of the gold file")
        for n, rec in enumerate(reader, start=2):
            if not rec or not "".join(rec).strip():
                continue
            rec = rec + [""] * (6 - len(rec))
            try:
                rows.append(OutlineRow(int(rec[0]), rec[1].strip(), int(rec[2]), rec[3].strip(), _bool(rec[4]),
                                       rec[5]))
            except ValueError:
                raise ValueError(f"{path}:{n}: expected integers in article and level; found {rec[:3]!r}; "
                                 "fix that line") from None
    return rows


def locate(text: str, rows: Sequence[OutlineRow]) -> list[int | None]:
    """Offset of each row's item in ``text``, searching forward in reading order."""
    out: list[int | None] = []
    cursor = 0
    for r in rows:
        start = r.text_start
        needle = start if len(start.strip()) >= 2 else r.marker + start
        if not needle.strip():
            out.append(None)
            continue
        pos = -1
        if r.marker and needle is start:  # marker and text together first: the text alone may recur earlier
            m = re.compile(re.escape(r.marker) + r"\s*(" + re.escape(start) + ")").search(text, cursor)
            if m:
                pos = m.start(1)
        if pos < 0:  # an unnumbered item starts a line (or follows a space): skip copies inside sentences
            m = re.compile(r"(?<![^\s])" + re.escape(needle)).search(text, cursor)
            if m:
                pos = m.start()
        for cand in (() if pos >= 0 else (needle, needle[:6], needle[:4])):
            if len(cand.strip()) >= 2:
                pos = text.find(cand, cursor)
                if pos >= 0:
                    break
        if pos < 0:
            pos = text.find(needle)
        if pos < 0:
            out.append(None)
            continue
        out.append(pos)
        cursor = pos + 1
    return out


def score_outline(doc_id: str, text: str, gold: Sequence[OutlineRow], pred: Sequence[tuple[int, OutlineRow]],
                  n_pred_articles: int) -> Score:
    """Compare gold rows (located in ``text``) with predicted ``(offset, row)`` pairs."""
    sc = Score(doc_id, n_gold=len(gold), n_pred=len(pred))
    sc.gold_articles = len({g.article for g in gold})
    sc.pred_articles = n_pred_articles
    g_off = locate(text, gold)
    gold_pos = sorted((o, i) for i, o in enumerate(g_off) if o is not None)
    sc.unlocated = [f"a{g.article} {g.path} {g.marker}{g.text_start}" for g, o in zip(gold, g_off) if o is None]
    pred_pos = sorted((o, i) for i, (o, _) in enumerate(pred))
    used: set[int] = set()
    matched_gold: set[int] = set()
    j0 = 0
    for po, pi in pred_pos:
        while j0 < len(gold_pos) and gold_pos[j0][0] < po - TOLERANCE:
            j0 += 1
        best = None
        for j in range(j0, len(gold_pos)):
            go, gi = gold_pos[j]
            if go > po + TOLERANCE:
                break
            if gi in matched_gold:
                continue
            if best is None or abs(go - po) < abs(gold_pos[best][0] - po):
                best = j
        p = pred[pi][1]
        if best is None:
            sc.spurious.append(f"a{p.article} {p.path} L{p.level} {p.marker}{p.text_start}")
            continue
        gi = gold_pos[best][1]
        matched_gold.add(gi)
        used.add(pi)
        sc.matched += 1
        g = gold[gi]
        if g.level == p.level:
            sc.level_ok += 1
        else:
            sc.wrong_level.append(f"a{g.article} {g.path} {g.marker}{g.text_start}: gold L{g.level}, got L{p.level}")
        sc.heading_ok += g.is_heading == p.is_heading
    sc.missed = [f"a{g.article} {g.path} L{g.level} {g.marker}{g.text_start}"
                 for i, g in enumerate(gold) if i not in matched_gold]
    return sc


def predicted_rows(seg) -> list[tuple[int, OutlineRow]]:
    """``(offset, row)`` of every item of a ``SegmentedDocument``, in the gold format."""
    return [(it.start, OutlineRow(it.article, it.path, it.level, it.marker, it.is_heading, it.text[:10]))
            for it in seg.items]


def evaluate(gold_dir: Path, raw_dir: Path, config=None) -> list[Score]:
    """Score every ``<doc_id>.tsv`` in ``gold_dir`` against the segmentation of ``raw_dir/<doc_id>.txt``."""
    from .config import Config
    from .ingest import Toolkit, ingest
    from .segment import segment

    kit = Toolkit(config or Config())
    scores = []
    for gpath in sorted(Path(gold_dir).glob("*.tsv")):
        raw = Path(raw_dir) / f"{gpath.stem}.txt"
        if not raw.exists():
            raise FileNotFoundError(f"{gpath}: expected the report {raw} next to its gold outline; found no such "
                                    "file; name the gold file after the report's doc_id")
        seg = segment(ingest(raw, kit=kit), kit.config)
        scores.append(score_outline(gpath.stem, seg.document.text, read_gold(gpath), predicted_rows(seg),
                                    len(seg.articles)))
    return scores


def total(scores: Sequence[Score]) -> Score:
    t = Score("ALL")
    for s in scores:
        t.n_gold += s.n_gold
        t.n_pred += s.n_pred
        t.matched += s.matched
        t.level_ok += s.level_ok
        t.heading_ok += s.heading_ok
        t.gold_articles += s.gold_articles
        t.pred_articles += s.pred_articles
        t.unlocated += s.unlocated
    return t


def report(scores: Sequence[Score], details: bool = False) -> str:
    lines = [f"{'doc_id':<24} {'gold':>5} {'pred':>5} {'match':>5} {'P':>6} {'R':>6} {'F1':>6} {'level':>6} "
             f"{'heading':>7} {'art_gold':>8} {'art_pred':>8} {'unloc':>5}"]
    for s in list(scores) + [total(scores)]:
        lines.append(f"{s.doc_id:<24} {s.n_gold:>5} {s.n_pred:>5} {s.matched:>5} {s.precision:>6.3f} "
                     f"{s.recall:>6.3f} {s.f1:>6.3f} {s.level_accuracy:>6.3f} "
                     f"{(s.heading_ok / s.matched if s.matched else 0):>7.3f} {s.gold_articles:>8} "
                     f"{s.pred_articles:>8} {len(s.unlocated):>5}")
    if details:
        for s in scores:
            for name in ("unlocated", "missed", "spurious", "wrong_level"):
                for x in getattr(s, name):
                    lines.append(f"  {s.doc_id} {name}: {x}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.evaluate_segments",
                                 description="Item-boundary precision/recall/F1 and level accuracy against gold.")
    ap.add_argument("--gold", default="tests/gold", help="folder of <doc_id>.tsv gold outlines")
    ap.add_argument("--raw", default="data/raw", help="folder of the reports")
    ap.add_argument("--details", action="store_true", help="list missed, spurious and wrongly levelled items")
    args = ap.parse_args(argv)
    if not list(Path(args.gold).glob("*.tsv")):
        print(f"{args.gold}: expected gold outlines <doc_id>.tsv; found none; write them first", file=sys.stderr)
        return 2
    print(report(evaluate(Path(args.gold), Path(args.raw)), args.details))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
