"""Benchmark of the GBK recovery: corrupt clean text, repair it, score it.

    .venv/bin/python benchmarks/gbk.py --clean DIR [--seeds 1 2 3] [--families gbk] [--rate R]

For each seed: ``../shared/bench/corrupt.py`` writes corrupted copies of the clean
``.txt`` files (with ground truth), ``unionmine repair … --script keep`` repairs
them, and ``../shared/bench/score_repair.py`` scores the repair.  Prints, per seed,
the overall CER after repair, the share of misaligned-GBK instances recovered
exactly (the clean span with six characters of clean context on each side found
in the repaired text) and the score_repair recovery line; then the totals (and the
same exact count for the utf8_gbk and gbk_latin1 families when there are any).
Throughput: ``--throughput FILE...`` times the ingestion of clean files with and
without ``recover_misaligned_gbk`` and ``recover_chinese_mojibake``.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench"
PY = sys.executable


def exact_recovery(truth: Path, repaired: Path, family: str) -> tuple[int, int, list[str]]:
    """Instances of ``family`` whose clean text, with clean context, is in the repair."""
    ok = tot = 0
    misses = []
    for jf in sorted(truth.glob("*.json")):
        if jf.name == "manifest.json":
            continue
        d = json.loads(jf.read_text(encoding="utf-8"))
        rep = (repaired / f"{jf.stem}.txt").read_text(encoding="utf-8")
        clean = d["clean"]
        for inst in d["instances"]:
            if inst["family"] != family:
                continue
            tot += 1
            a, b = inst["clean_start"], inst["clean_end"]
            want = clean[max(0, a - 6):a] + inst["clean_text"] + clean[b:b + 6]
            if want in rep:
                ok += 1
            else:
                misses.append(f"{jf.stem[:3]} {inst['variant']}: {inst['clean_text']!r} <- {inst['corrupted_text']!r}")
    return ok, tot, misses


def run_seed(clean: Path, seed: int, families: list[str], work: Path, show: bool, rate: float = 1.0) -> dict:
    out, rep = work / f"c{seed}", work / f"r{seed}"
    cmd = [PY, str(BENCH / "corrupt.py"), "--in", str(clean), "--out", str(out), "--seed", str(seed), "-q",
           "--rate", str(rate)]
    if families:
        cmd += ["--families", ",".join(families)]
    subprocess.run(cmd, check=True)
    t0 = time.perf_counter()
    subprocess.run([str(Path(PY).parent / "unionmine"), "repair", *sorted(map(str, out.glob("*.txt"))),
                    "--out", str(rep), "--script", "keep"], check=True, capture_output=True)
    secs = time.perf_counter() - t0
    score = subprocess.run([PY, str(BENCH / "score_repair.py"), "--truth", str(out), "--repaired", str(rep)],
                           check=True, capture_output=True, text=True).stdout
    last = score.strip().splitlines()[-1]
    m = re.search(r"CER=([\d.]+)", last)
    fam_lines = [ln for ln in score.splitlines() if re.match(r"^(gbk|utf8_gbk|gbk_latin1|kunkao|big5)\s", ln)]
    ok, tot, misses = exact_recovery(out, rep, "gbk")
    if show:
        for x in misses:
            print("   miss", x)
    # the other Chinese mojibake families, instance by instance as well
    other = {f: exact_recovery(out, rep, f)[:2] for f in ("utf8_gbk", "gbk_latin1")}
    return {"seed": seed, "cer": float(m.group(1)) if m else float("nan"), "gbk_ok": ok, "gbk_tot": tot,
            "score": last, "families": fam_lines, "secs": secs, "other": other}


def throughput(files: list[Path], repeat: int = 3) -> None:
    from pipeline.config import Config
    from pipeline.ingest import Toolkit, ingest_bytes

    data = [p.read_bytes() for p in files]
    mb = sum(len(d) for d in data) / 1e6
    full = Config(script="keep")
    without = full.replace(rules=tuple(r for r in full.rules
                                       if r not in ("recover_misaligned_gbk", "recover_chinese_mojibake")))
    for name, cfg in (("without GBK steps", without), ("with GBK steps", full)):
        kit = Toolkit(cfg)
        for d, p in zip(data, files):  # warm-up (lazy models)
            ingest_bytes(d, p.stem, kit=kit)
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            for d, p in zip(data, files):
                ingest_bytes(d, p.stem, kit=kit)
            best = min(best, time.perf_counter() - t0)
        print(f"{name:>20}: {mb / best:.3f} MB/s ({best:.3f} s for {mb:.3f} MB, best of {repeat})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clean", type=Path, help="folder of clean UTF-8 .txt files")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--families", nargs="*", default=["gbk"], help="corrupt.py families ('default' for its default)")
    ap.add_argument("--rate", type=float, default=1.0, help="corrupt.py --rate (damage multiplier)")
    ap.add_argument("--show-misses", action="store_true")
    ap.add_argument("--throughput", type=Path, nargs="*", help="clean files to time the ingestion on")
    a = ap.parse_args(argv)
    if a.throughput:
        throughput(a.throughput)
    if not a.clean:
        return 0
    fams = [] if a.families == ["default"] else a.families
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run_seed(a.clean, s, fams, Path(tmp), a.show_misses, a.rate) for s in a.seeds]
    print(f"families: {','.join(fams) or 'default'}")
    for r in rows:
        rate = r["gbk_ok"] / r["gbk_tot"] if r["gbk_tot"] else float("nan")
        print(f"seed {r['seed']}: CER={r['cer']:.4%} gbk exact {r['gbk_ok']}/{r['gbk_tot']} ({rate:.1%}) "
              f"repair {r['secs']:.1f}s | {r['score']}")
        for ln in r["families"]:
            print("    " + ln)
    ok = sum(r["gbk_ok"] for r in rows)
    tot = sum(r["gbk_tot"] for r in rows)
    print(f"total: mean CER={sum(r['cer'] for r in rows) / len(rows):.4%} "
          f"gbk exact {ok}/{tot} ({ok / max(1, tot):.1%})")
    for fam in ("utf8_gbk", "gbk_latin1"):
        fo = sum(r["other"][fam][0] for r in rows)
        ft = sum(r["other"][fam][1] for r in rows)
        if ft:
            print(f"       {fam} exact {fo}/{ft} ({fo / ft:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
