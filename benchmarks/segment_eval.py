"""Segmentation against the gold outlines, on the samples and on corrupted copies of them.

The five samples are the development set of the segmenter, so their score says
little about unseen reports.  This benchmark also re-damages the repaired
samples with the team's corruption generator (/work/shared/bench/corrupt.py,
called in place): hard wraps inside sentences, line breaks lost between items
(sometimes with the item number), site boilerplate, and the other families;
then repairs, segments and scores them against the same gold.  Gold items whose
text the repair could not restore cannot be located and count as missed.

    .venv/bin/python benchmarks/segment_eval.py [--seeds 0 1 2] [--families hardwrap boilerplate]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import Config  # noqa: E402
from pipeline.evaluate_segments import predicted_rows, read_gold, report, score_outline, total  # noqa: E402
from pipeline.ingest import Toolkit, ingest, ingest_bytes  # noqa: E402
from pipeline.segment import segment  # noqa: E402

BENCH = Path("/work/shared/bench")


def score_dir(texts: dict[str, bytes], gold_dir: Path, kit: Toolkit):
    scores = []
    for doc_id, data in sorted(texts.items()):
        seg = segment(ingest_bytes(data, doc_id, doc_id, kit))
        scores.append(score_outline(doc_id, seg.document.text, read_gold(gold_dir / f"{doc_id}.tsv"),
                                    predicted_rows(seg), len(seg.articles)))
    return scores


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gold", type=Path, default=ROOT / "tests" / "gold")
    ap.add_argument("--raw", type=Path, default=ROOT / "data" / "raw")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--families", nargs="+", default=None,
                    help="corruption families (default: two settings, hardwrap+boilerplate and all)")
    args = ap.parse_args(argv)
    kit = Toolkit(Config())
    golds = sorted(args.gold.glob("*.tsv"))
    if not golds:
        print(f"{args.gold}: no gold outlines", file=sys.stderr)
        return 2
    raw = {g.stem: (args.raw / f"{g.stem}.txt").read_bytes() for g in golds}
    print("== samples as they are")
    print(report(score_dir(raw, args.gold, kit)))
    settings = [args.families] if args.families else [["hardwrap", "boilerplate"], None]
    with tempfile.TemporaryDirectory() as tmp:
        clean = Path(tmp) / "clean"
        clean.mkdir()
        for g in golds:
            (clean / f"{g.stem}.txt").write_text(ingest(args.raw / f"{g.stem}.txt", kit=kit).text, encoding="utf-8")
        for fams in settings:
            totals = []
            for seed in args.seeds:
                out = Path(tmp) / f"c{seed}_{'-'.join(fams or ['all'])}"
                cmd = [sys.executable, str(BENCH / "corrupt.py"), "--in", str(clean), "--out", str(out),
                       "--seed", str(seed), "-q"] + (["--families", *fams] if fams else [])
                subprocess.run(cmd, check=True)
                texts = {g.stem: (out / f"{g.stem}.txt").read_bytes() for g in golds}
                t = total(score_dir(texts, args.gold, kit))
                totals.append(t)
                print(f"== corrupted ({', '.join(fams or ['all families'])}), seed {seed}: gold {t.n_gold} "
                      f"pred {t.n_pred} P {t.precision:.3f} R {t.recall:.3f} F1 {t.f1:.3f} "
                      f"level {t.level_accuracy:.3f} unlocated {len(t.unlocated)} articles {t.pred_articles}/"
                      f"{t.gold_articles}")
            mean = sum(t.f1 for t in totals) / len(totals)
            lvl = sum(t.level_accuracy for t in totals) / len(totals)
            print(f"   mean over {len(totals)} seeds: F1 {mean:.3f}, level accuracy {lvl:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
