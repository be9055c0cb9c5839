"""Classification throughput beside bare jieba, on the sample items, in one process.

    .venv/bin/python benchmarks/classify_speed.py [--repeat 4] [--labels data/labels/items_v1.csv]

Trains a model on the shipped labels (not timed), then times, on the unique
sample item texts replicated ``--repeat`` times (distinct copies, so no memo
helps the item texts; parent headings repeat as they do in real reports):
bare ``jieba.lcut`` (HMM on, jieba's default) and ``HMM=False``, the
``wordcut.DagCutter`` that classification uses instead (same tokens as
``HMM=False``), and ``Classifier.predict`` with and without top terms.  Prints MB/s (UTF-8 bytes
of the item texts) and the ratio to bare jieba.
"""
from __future__ import annotations

import argparse
import time
import warnings

from pipeline.classify import Classifier, build_jieba, read_labels, training_frame
from pipeline.wordcut import DagCutter


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--labels", default="data/labels/items_v1.csv")
    ap.add_argument("--repeat", type=int, default=4)
    ap.add_argument("--runs", type=int, default=2)
    a = ap.parse_args()
    labels = read_labels(a.labels)
    frame = training_frame(labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = Classifier.train(labels)
    base = frame.drop_duplicates("text")
    texts, parents = [], []
    for r in range(a.repeat):  # distinct copies: a marker keeps the memo from hiding the work
        texts += [f"{t}{'' if r == 0 else '（' + str(r) + '）'}" for t in base["text"]]
        parents += base["parent_text"].tolist()
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    import jieba
    jieba.setLogLevel(60)
    jieba.initialize()
    tk = build_jieba()
    cutter = DagCutter(tk)
    assert [cutter.lcut(t) for t in texts] == [tk.lcut(t, HMM=False) for t in texts]  # same tokens
    model.predict(texts[:50], parents[:50])  # warm-up: jieba dictionary of the model built
    for run in range(a.runs):
        res = {}
        t0 = time.perf_counter(); [jieba.lcut(t) for t in texts]; res["jieba.lcut"] = time.perf_counter() - t0
        t0 = time.perf_counter(); [tk.lcut(t, HMM=False) for t in texts]; res["lcut HMM=False"] = time.perf_counter() - t0
        t0 = time.perf_counter(); [cutter.lcut(t) for t in texts]; res["DagCutter (= HMM=False)"] = time.perf_counter() - t0
        t0 = time.perf_counter(); model.predict(texts, parents, explain=False); res["predict, no top_terms"] = time.perf_counter() - t0
        t0 = time.perf_counter(); model.predict(texts, parents); res["predict"] = time.perf_counter() - t0
        j = mb / res["jieba.lcut"]
        print(f"run {run + 1}: {len(texts)} items, {mb:.3f} MB")
        for k, v in res.items():
            print(f"  {k:24s} {mb / v:6.3f} MB/s  ({mb / v / j:.2f}× bare jieba.lcut)")


if __name__ == "__main__":
    main()
