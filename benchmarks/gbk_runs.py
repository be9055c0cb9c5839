"""List every run the GBK detectors repair in reports, and what it became.

    .venv/bin/python benchmarks/gbk_runs.py data/raw/*.txt

Runs the whole ingestion (so the runs are seen in the order the rule chain meets
them) and prints, per file, each repair of ``recover_misaligned_gbk`` and
``recover_chinese_mojibake``: the text before, the text after, the confidence and
the note.  Used for the list in docs/gbk.md.
"""
from __future__ import annotations

import sys
from pathlib import Path

from pipeline.config import Config
from pipeline.ingest import Toolkit, ingest

RULES = ("recover_misaligned_gbk", "recover_chinese_mojibake")


def main(paths: list[str]) -> int:
    kit = Toolkit(Config(script="keep"))
    total = 0
    for p in paths:
        doc = ingest(p, kit=kit)
        reps = [r for r in doc.repairs if r.rule in RULES]
        print(f"## {Path(p).name}: {len(reps)} run(s)")
        for r in reps:
            total += 1
            print(f"- `{r.before}` → `{r.after}` ({r.rule}, confidence {r.confidence:.2f})")
    print(f"total: {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
