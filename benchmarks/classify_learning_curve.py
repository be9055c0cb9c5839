"""Learning curve of the classifier over documents.

    .venv/bin/python benchmarks/classify_learning_curve.py [--labels data/labels/items_v1.csv]

For every held-out document and every combination of k of the other documents
(k = 1 … n−1), train on those k and score macro-F1 on the held-out one; prints
the mean (and range) per k.  Near-duplicate items are left out, as in
``unionmine evaluate``.
"""
from __future__ import annotations

import argparse
import itertools
import warnings

import numpy as np

from pipeline.classify import Classifier, build_jieba, read_labels, training_frame
from pipeline.evaluate import score


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--labels", default="data/labels/items_v1.csv")
    a = ap.parse_args()
    labels = read_labels(a.labels)
    if "duplicate_of" in labels.columns:
        labels = labels[labels["duplicate_of"].fillna("").astype(str).str.strip() == ""]
    df = training_frame(labels)
    docs = sorted(df["doc_id"].unique())
    tk = build_jieba()
    for k in range(1, len(docs)):
        f1 = []
        for held in docs:
            rest = [d for d in docs if d != held]
            test = df[df["doc_id"] == held]
            for combo in itertools.combinations(rest, k):
                train = df[df["doc_id"].isin(combo)]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model = Classifier.train(train, tokenizer=tk)
                pred = [o.primary_label for o in model.predict(test["text"].tolist(), test["parent_text"].tolist(),
                                                               explain=False)]
                f1.append(score(test["primary_label"].tolist(), pred).macro_f1)
        print(f"k={k} training documents: mean held-out macro-F1 {np.mean(f1):.3f} "
              f"(min {np.min(f1):.3f}, max {np.max(f1):.3f}, {len(f1)} runs)", flush=True)


if __name__ == "__main__":
    main()
