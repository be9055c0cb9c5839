"""Repair benchmark: corrupt clean text with ../shared/bench, repair it, score it, time it.

    .venv/bin/python benchmarks/repair.py [--seeds 1,2,3] [--families quotes,pinyin] [--mb 0.5]

1. Clean text: the five sample reports in data/raw, repaired by the library with
   ``script="keep"`` (so the clean text is in each report's own script).
2. For each seed, ``corrupt.py`` (called from ../shared/bench by subprocess, never
   copied) corrupts that text once per corruption family alone, and once with all
   default families together.
3. The library repairs every corrupted file (``ingest_bytes``, ``script="keep"``) and
   ``score_repair.py`` scores the repair: character error rate (CER) before and after
   and the share of corruption instances recovered, per family.
4. Throughput (MB/s of UTF-8 input) of each ingestion step, each rule timed alone on
   one large corrupted text, and of the whole ingestion (decode + rules + OpenCC
   conversion to simplified).

It prints figures; it asserts nothing about them.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"
sys.path.insert(0, str(ROOT))

from pipeline.config import Config  # noqa: E402
from pipeline.decode import decode  # noqa: E402
from pipeline.ingest import Toolkit, apply_edits, ingest_bytes, rule_table  # noqa: E402
from pipeline.script import ScriptConverter  # noqa: E402

FAMILIES = ["quotes", "boilerplate", "hardwrap", "pinyin", "gbk", "utf8_gbk", "gbk_latin1", "kunkao", "big5"]


def build_clean(raw: Path, out: Path, kit: Toolkit) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for p in sorted(raw.glob("*.txt")):
        doc = ingest_bytes(p.read_bytes(), p.stem, str(p), kit)
        dest = out / p.name
        dest.write_text(doc.text_original, encoding="utf-8")
        files.append(dest)
    return files


def corrupt(clean: Path, out: Path, seed: int, families: str) -> None:
    cmd = [sys.executable, str(BENCH / "corrupt.py"), "--in", str(clean), "--out", str(out),
           "--seed", str(seed), "--families=" + families, "-q"]
    subprocess.run(cmd, check=True)


def repair_dir(corrupted: Path, out: Path, kit: Toolkit) -> float:
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for p in sorted(corrupted.glob("*.txt")):
        doc = ingest_bytes(p.read_bytes(), p.stem, str(p), kit)
        (out / p.name).write_text(doc.text_original, encoding="utf-8")
    return time.perf_counter() - t0


def score(truth: Path, repaired: Path) -> dict:
    res = truth / "score.json"
    subprocess.run([sys.executable, str(BENCH / "score_repair.py"), "--truth", str(truth),
                    "--repaired", str(repaired), "--json", str(res)], check=True, stdout=subprocess.DEVNULL)
    return json.loads(res.read_text(encoding="utf-8"))


def quality(clean: Path, work: Path, seeds: list[int], families: list[str], kit: Toolkit) -> None:
    runs = [(f, f) for f in families] + [("all (default)", "default")]
    print("\n== repair quality (corrupt.py -> unionmine -> score_repair.py), seeds", seeds)
    print(f"{'corruption':16s} {'instances':>9s} {'recovered':>9s} {'rate':>8s} {'CER in':>9s} {'CER out':>9s}")
    for label, fam in runs:
        n = rec = 0
        cer_in = cer_out = 0.0
        per_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for seed in seeds:
            truth = work / f"{fam}-{seed}"
            corrupt(clean, truth, seed, fam)
            repaired = work / f"{fam}-{seed}-repaired"
            repair_dir(truth, repaired, kit)
            s = score(truth, repaired)
            cer_in += s["input_cer"] / len(seeds)
            cer_out += s["cer"] / len(seeds)
            for name, d in s["families"].items():
                per_family[name][0] += d["instances"]
                per_family[name][1] += d["recovered"]
            n += sum(d["instances"] for d in s["families"].values())
            rec += sum(d["recovered"] for d in s["families"].values())
        rate = rec / n if n else float("nan")
        print(f"{label:16s} {n:9d} {rec:9d} {rate:8.1%} {cer_in:9.4%} {cer_out:9.4%}")
        if fam == "default":
            for name, (i, r) in sorted(per_family.items()):
                print(f"  {name:14s} {i:9d} {r:9d} {r / i if i else float('nan'):8.1%}")


def throughput(clean: Path, work: Path, mb: float, kit: Toolkit) -> None:
    truth = work / "speed"
    corrupt(clean, truth, 7, "default,-big5")
    one = "\n".join(p.read_text(encoding="utf-8") for p in sorted(truth.glob("*.txt")))
    reps = max(1, round(mb * 1e6 / len(one.encode("utf-8"))))
    text = "\n".join([one] * reps)
    data = text.encode("utf-8")
    size = len(data) / 1e6
    print(f"\n== throughput on {size:.2f} MB of corrupted text ({len(text)} characters)")
    print(f"{'step':28s} {'seconds':>8s} {'MB/s':>8s} {'share':>7s}")
    rows = []
    t0 = time.perf_counter()
    decoded = decode(data, "bench").text
    rows.append(("decode", time.perf_counter() - t0))
    current = decoded
    for name, rule in rule_table().items():
        t0 = time.perf_counter()
        edits = rule(current, kit)
        current, _ = apply_edits(current, name, edits)
        rows.append((name, time.perf_counter() - t0))
    conv = ScriptConverter("simplified")
    conv.convert("預熱")  # dictionaries load once per process, as in a run
    t0 = time.perf_counter()
    conv.detect(current)
    conv.convert(current)
    rows.append(("convert_script (OpenCC)", time.perf_counter() - t0))
    total = sum(t for _, t in rows)
    for name, t in rows:
        print(f"{name:28s} {t:8.3f} {size / t if t else float('inf'):8.2f} {t / total:7.1%}")
    print(f"{'sum of steps':28s} {total:8.3f} {size / total:8.2f}")
    # the whole ingestion, file by file, as a run does it (one pass of the chain may repeat)
    kit_s = Toolkit(Config(script="simplified"))
    files = sorted(truth.glob("*.txt"))
    nbytes = sum(p.stat().st_size for p in files) * reps
    t0 = time.perf_counter()
    for _ in range(reps):
        for p in files:
            ingest_bytes(p.read_bytes(), p.stem, str(p), kit_s)
    t = time.perf_counter() - t0
    print(f"{'whole ingestion (per file)':28s} {t:8.3f} {nbytes / 1e6 / t:8.2f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="1,2,3", help="corrupt.py seeds, comma separated (default 1,2,3)")
    ap.add_argument("--families", default=",".join(FAMILIES), help="families scored one by one")
    ap.add_argument("--mb", type=float, default=0.5, help="size of the throughput text in MB (default 0.5)")
    ap.add_argument("--no-quality", action="store_true", help="only the throughput table")
    ap.add_argument("--no-speed", action="store_true", help="only the quality table")
    a = ap.parse_args(argv)
    if not (BENCH / "corrupt.py").exists():
        ap.error(f"{BENCH}: expected corrupt.py and score_repair.py; found no such file; "
                 "check out the shared folder beside the repository")
    kit = Toolkit(Config(script="keep"))
    with tempfile.TemporaryDirectory(prefix="unionmine-bench-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        clean = work / "clean"
        files = build_clean(ROOT / "data" / "raw", clean, kit)
        print(f"clean text: {len(files)} repaired sample reports, "
              f"{sum(len(p.read_text(encoding='utf-8')) for p in files)} characters "
              f"({time.perf_counter() - t0:.1f} s)")
        if not a.no_quality:
            quality(clean, work, [int(s) for s in a.seeds.split(",") if s], [f for f in a.families.split(",") if f],
                    kit)
        if not a.no_speed:
            throughput(clean, work, a.mb, kit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
