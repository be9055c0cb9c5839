"""Throughput of ``unionmine run``: MB/s per stage and end to end, against bare jieba; peak RSS.

    .venv/bin/python benchmarks/throughput.py --mb 50          # the issue's default corpus size
    .venv/bin/python benchmarks/throughput.py --mb 10 --gbk off   # without the GBK recovery rule
    .venv/bin/python benchmarks/throughput.py --mb 5 --memory-files 100

1. Builds a corpus of about ``--mb`` MB by recombining and perturbing the sample
   reports in data/raw (random runs of lines from one to three reports, years,
   organisation names and numbers changed, lines dropped; one file in ten saved as
   GB18030), so that every file is new: no cache can serve it.
2. Bare ``jieba.lcut`` on the same texts, in this process: the unavoidable cost of
   tokenization, the yardstick.
3. The per-document stages in this process, one worker (``DocumentProcessor``,
   files in batches as the engine sends them): MB/s of ingest, segment,
   classify, rows; and each ingestion rule on the decoded texts.
4. ``unionmine run --no-cache`` end to end in a subprocess, with 1 worker and with
   all cores, timed by the wall clock; peak RSS of the process tree sampled from
   /proc (parent, largest worker, and the sum of all processes at one moment).
   The breakdown of the run's wall time comes from its run.json: start-up
   (interpreter and imports, until the run starts), hashing the inputs, loading
   the classifier, starting the engine (pool, warm-up), the per-document phase
   (the parent writes the tables and finds near-duplicates meanwhile), what is
   left of the tables after it, and the statistics.
5. ``--gbk off|on|both`` (default both): steps 3 and 4 with the rules of the
   default configuration, without ``recover_misaligned_gbk``, or both.
6. With ``--memory-files N``: end-to-end runs on N and on 4N small files, to show
   that the parent's peak memory does not grow with the number of files.

MB are megabytes (10^6 bytes) of input files.  Nothing here is a test: the figures
depend on the machine and on its load, which is printed alongside.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
PY = sys.executable

_ORG_CHARS = "东南西北中华新安康宁海山河江湖林城乡镇街道市区县第一二三四五六七八九十实验人民"
_UNITS = ("中学", "小学", "幼儿园", "医院", "卫生院", "街道办事处", "机关", "公司", "集团", "大学", "社区", "镇政府")


# ------------------------------------------------------------------------------
# the corpus
# ------------------------------------------------------------------------------
def _perturb(lines: list[str], rng: random.Random) -> list[str]:
    out = []
    for line in lines:
        if rng.random() < 0.08:
            continue  # a dropped line
        line = re.sub(r"(19|20)\d\d年", lambda m: f"{rng.randint(2005, 2024)}年", line)
        line = re.sub(r"(?<![\d、.．])\d{2,4}(?=[人名个次元万项])", lambda m: str(rng.randint(10, 9999)), line)
        out.append(line)
    org = "".join(rng.choice(_ORG_CHARS) for _ in range(rng.randint(2, 4))) + rng.choice(_UNITS) + "工会"
    out.insert(rng.randint(0, min(3, len(out))), org)
    out.append(f"{org}\n{rng.randint(2005, 2024)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日")
    return out


def build_corpus(folder: Path, mb: float, seed: int = 0, file_kb: tuple[int, int] = (15, 45),
                 n_files: int | None = None) -> list[Path]:
    """Files of ``file_kb`` KB until ``mb`` MB (or ``n_files`` files), each a new recombination of the samples."""
    rng = random.Random(seed)
    samples = [p.read_text(encoding="utf-8").splitlines() for p in sorted(RAW.glob("*.txt"))]
    folder.mkdir(parents=True, exist_ok=True)
    total, paths, i = 0, [], 0
    while (total < mb * 1e6) if n_files is None else (i < n_files):
        target = rng.randint(*file_kb) * 1000
        lines: list[str] = []
        size = 0
        while size < target:
            src = rng.choice(samples)
            a = rng.randrange(len(src))
            run = src[a:a + rng.randint(3, 12)]
            lines.extend(run)
            size += sum(len(x.encode("utf-8")) + 1 for x in run)
        text = "\n".join(_perturb(lines, rng)) + "\n"
        data = text.encode("gb18030", "replace") if rng.random() < 0.1 else text.encode("utf-8")
        path = folder / f"r{i:05d}.txt"
        path.write_bytes(data)
        paths.append(path)
        total += len(data)
        i += 1
    return paths


def _decoded_texts(paths: list[Path]) -> list[str]:
    from pipeline.decode import decode

    return [decode(p.read_bytes(), str(p)).text for p in paths]


# ------------------------------------------------------------------------------
# measurements in this process
# ------------------------------------------------------------------------------
def bare_jieba(texts: list[str], n_bytes: int) -> tuple[float, float]:
    """MB/s of bare ``jieba.lcut`` by the wall clock and per CPU-second (the latter suffers less from load)."""
    import jieba

    jieba.setLogLevel(60)
    jieba.lcut("工会预热")  # load the dictionary outside the timing
    t, c = time.perf_counter(), time.process_time()
    for text in texts:
        jieba.lcut(text)
    return n_bytes / 1e6 / (time.perf_counter() - t), n_bytes / 1e6 / (time.process_time() - c)


def _config(gbk: bool):
    from pipeline.config import DEFAULT_RULES, Config

    return Config(rules=DEFAULT_RULES if gbk else tuple(r for r in DEFAULT_RULES if r != GBK_RULE))


GBK_RULE = "recover_misaligned_gbk"


def stages_in_process(paths: list[Path], n_bytes: int, gbk: bool = True) -> dict[str, float]:
    from pipeline.classify import load_or_train
    from pipeline.engine import DocumentProcessor, Task, batches

    config = _config(gbk)
    proc = DocumentProcessor(config, load_or_train(config))
    proc.warm_up()
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    tasks = (Task(p.stem, str(p), "", p.read_bytes()) for p in paths)
    for batch in batches(tasks):  # as the engine sends them to a worker
        for res in proc.process_batch(batch):
            for k, v in res.seconds.items():
                seconds[k] = seconds.get(k, 0.0) + v
    seconds["all per-document stages"] = time.perf_counter() - t
    return {k: n_bytes / 1e6 / v for k, v in seconds.items() if v > 0}


def rules_in_process(texts: list[str], n_bytes: int, gbk: bool = True) -> dict[str, float]:
    from pipeline.ingest import Toolkit, ingest_bytes, rule_table

    config = _config(gbk)
    kit = Toolkit(config)
    ingest_bytes("工會工作計劃\n一、加強建設。\n".encode("utf-8"), "warm", "", kit)
    out = {}
    table = rule_table()
    for name in config.rules:
        fn = table[name]
        t = time.perf_counter()
        for text in texts:
            fn(text, kit)
        out[name] = n_bytes / 1e6 / (time.perf_counter() - t)
    t = time.perf_counter()
    for text in texts:
        kit.converter.convert(text)
    out["convert_script (OpenCC)"] = n_bytes / 1e6 / (time.perf_counter() - t)
    return out


# ------------------------------------------------------------------------------
# end to end in a subprocess, with the RSS of its process tree sampled
# ------------------------------------------------------------------------------
def _proc_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(d))
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(children.get(pid, []))
    return out


def _rss_kb(pid: int, field: str = "VmRSS") -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler(threading.Thread):
    """Peak RSS of a process, of its largest descendant, and of the whole tree at once (every 0.1 s)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.parent_kb = self.worker_kb = self.total_kb = 0

    def run(self) -> None:
        while not self.stop.is_set():
            pids = _proc_tree(self.pid)
            rss = {p: _rss_kb(p) for p in pids}
            self.parent_kb = max(self.parent_kb, _rss_kb(self.pid, "VmHWM"))
            others = [v for p, v in rss.items() if p != self.pid]
            if others:
                self.worker_kb = max(self.worker_kb, max(others))
            self.total_kb = max(self.total_kb, sum(rss.values()))
            self.stop.wait(0.1)


def end_to_end(corpus: Path, out: Path, workers: int, n_bytes: int, gbk: bool = True) -> dict:
    cmd = [PY, "-m", "pipeline.cli", "run", str(corpus), "--out", str(out), "--workers", str(workers),
           "--no-cache", "--no-progress"]
    if not gbk:
        toml = out.parent / "no-gbk.toml"
        rules = ", ".join(f'"{r}"' for r in _config(False).rules)
        toml.write_text(f"rules = [{rules}]\n", encoding="utf-8")
        cmd += ["--config", str(toml)]
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load0 = os.getloadavg()[0]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = RssSampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t
    sampler.stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the run and its (reaped) workers
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8")) if (out / "run.json").exists() else {}
    return {"workers": workers, "seconds": wall, "mb_per_s": n_bytes / 1e6 / wall, "rc": proc.returncode,
            "summary": stderr.strip().splitlines()[-1] if stderr.strip() else "",
            "parent_mb": sampler.parent_kb / 1024, "worker_mb": sampler.worker_kb / 1024,
            "total_mb": sampler.total_kb / 1024, "stages": manifest.get("stages", {}),
            "run_seconds": manifest.get("seconds", 0.0),
            "cpu_s": cpu, "load": (load0 + os.getloadavg()[0]) / 2}


# ------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=50.0, help="corpus size in MB (default 50)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="'all workers' (default: cores)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--memory-files", type=int, default=0, metavar="N",
                    help="also run on N and 4N small files and report the peak RSS of each")
    ap.add_argument("--skip-stages", action="store_true", help="only the end-to-end runs")
    ap.add_argument("--gbk", choices=("off", "on", "both"), default="both",
                    help=f"with the default rules (on), without {GBK_RULE} (off), or both (default)")
    args = ap.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start "
          "(other engineers share these cores: figures are lower bounds)")
    with tempfile.TemporaryDirectory(prefix="unionmine-bench-") as tmp:
        tmp = Path(tmp)
        if args.mb <= 0:  # --mb 0: only the memory runs
            return _memory_runs(tmp, args)
        corpus = tmp / "corpus"
        paths = build_corpus(corpus, args.mb, args.seed)
        n_bytes = sum(p.stat().st_size for p in paths)
        print(f"corpus: {len(paths)} files, {n_bytes / 1e6:.2f} MB (seed {args.seed})\n")
        texts = _decoded_texts(paths)
        jieba_mbs, jieba_cpu = bare_jieba(texts, n_bytes)
        print(f"{'bare jieba.lcut (same texts, this process)':46s} {jieba_mbs:8.3f} MB/s   1.00x  "
              f"({jieba_cpu:.3f} MB per CPU-second)")
        settings = {"off": [False], "on": [True], "both": [False, True]}[args.gbk]
        if not args.skip_stages:
            for gbk in settings:
                print(f"\n-- in this process, {'with' if gbk else 'without'} {GBK_RULE} --")
                for name, mbs in stages_in_process(paths, n_bytes, gbk).items():
                    print(f"{'stage ' + name + ' (1 worker)':46s} {mbs:8.3f} MB/s   {mbs / jieba_mbs:5.2f}x")
                for name, mbs in rules_in_process(texts, n_bytes, gbk).items():
                    print(f"{'  ingest rule ' + name:46s} {mbs:8.3f} MB/s   {mbs / jieba_mbs:5.2f}x")
        del texts
        for gbk in settings:
            print(f"\n-- end to end, {'with' if gbk else 'without'} {GBK_RULE} --")
            runs = {}
            for w in sorted({1, args.workers}):
                r = runs[w] = end_to_end(corpus, tmp / f"out{w}{'g' if gbk else ''}", w, n_bytes, gbk)
                _print_run(r, w, n_bytes, jieba_mbs)
            if 1 in runs and args.workers in runs and args.workers != 1:
                print(f"speed-up {args.workers} workers / 1 worker: "
                      f"{runs[args.workers]['mb_per_s'] / runs[1]['mb_per_s']:.2f}x (target 1.7x with 2)")
            print(f"end-to-end 1 worker / bare jieba: {runs[1]['mb_per_s'] / jieba_mbs:.2f}x (target 0.6x); "
                  f"per CPU-second: {n_bytes / 1e6 / runs[1]['cpu_s'] / jieba_cpu:.2f}x")
        if args.memory_files:
            _memory_runs(tmp, args)
        print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    return 0


#: the run's wall time, in the order it is spent (run.json "stages"); the per-document stages follow
_WALL = ("hash_inputs", "classifier_load", "start_engine", "documents_wall", "stop_engine", "finish_tables",
         "statistics")
_PER_DOC = ("ingest", "segment", "classify", "rows")


def _print_run(r: dict, w: int, n_bytes: int, jieba_mbs: float) -> None:
    print(f"{'end to end, ' + str(w) + ' worker(s)':46s} {r['mb_per_s']:8.3f} MB/s   "
          f"{r['mb_per_s'] / jieba_mbs:5.2f}x  ({r['seconds']:.1f} s, exit {r['rc']}; peak RSS parent "
          f"{r['parent_mb']:.0f} MB, largest worker {r['worker_mb']:.0f} MB, all at once "
          f"{r['total_mb']:.0f} MB)")
    print(f"  CPU {r['cpu_s']:.1f} s over {r['seconds']:.1f} s wall: {r['cpu_s'] / r['seconds']:.2f} cores busy "
          f"(of {w}); load average around the run {r['load']:.1f}; "
          f"{n_bytes / 1e6 / r['cpu_s']:.3f} MB per CPU-second")
    stages = r["stages"]
    wall = {name: stages[name]["seconds"] for name in _WALL if name in stages}
    startup = r["seconds"] - r["run_seconds"]
    parts = [f"start-up {startup:.2f}"] + [f"{k} {v:.2f}" for k, v in wall.items()]
    rest = r["run_seconds"] - sum(wall.values())
    print(f"  wall (s): {', '.join(parts)}, other {rest:.2f}")
    if "dedup" in stages and "write" in stages:  # mostly during documents_wall, the rest in finish_tables
        print(f"  corpus near-duplicates {stages['dedup']['seconds']:.2f} s and table writing "
              f"{stages['write']['seconds']:.2f} s in the parent, while the workers run")
    per_doc = {k: stages[k]["seconds"] for k in _PER_DOC if k in stages}
    if per_doc:
        print("  per-document stages, summed over workers (s): "
              + ", ".join(f"{k} {v:.2f} ({n_bytes / 1e6 / v:.3f} MB/s)" for k, v in per_doc.items() if v > 0))
    print(f"  {r['summary']}")


def _memory_runs(tmp: Path, args) -> int:
    """Peak RSS of one-worker runs on N and 4N small files: it should not grow with N."""
    print()
    for n in (args.memory_files, 4 * args.memory_files):
        small = tmp / f"small{n}"
        sp = build_corpus(small, 0, args.seed + n, file_kb=(2, 4), n_files=n)
        nb = sum(p.stat().st_size for p in sp)
        r = end_to_end(small, tmp / f"mout{n}", 1, nb)
        print(f"{len(sp):5d} files ({nb / 1e6:.2f} MB), 1 worker: peak RSS {r['parent_mb']:.0f} MB "
              f"({r['seconds']:.1f} s, exit {r['rc']}; {r['summary']})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
