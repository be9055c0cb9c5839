"""Honest evaluation: cross-validation grouped by document, and coder agreement.

No document is on both sides of a split (``GroupKFold``), so near-identical
articles inside one report cannot leak from training into testing.  With k
documents there are at most k folds; with the five sample reports that is
leave-one-document-out, and the per-fold (per-document) macro-F1 is reported
beside the pooled figure so that its spread is visible.  The dictionary baseline
needs no training and is scored on exactly the same items; a majority-class
baseline shows what "always the commonest label" gets.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from .config import Config
from .errors import InputFileError
from .model import LABELS


@dataclass
class Scores:
    """Per-class and overall figures of one classifier on one set of items."""

    name: str
    per_class: pd.DataFrame          # label × precision, recall, f1, support
    macro_f1: float
    accuracy: float
    confusion: pd.DataFrame          # gold (rows) × predicted (columns)
    labels: tuple[str, ...]
    per_fold: list[dict] = field(default_factory=list)


@dataclass
class Evaluation:
    """Pooled out-of-fold predictions and the scores of each classifier."""

    n_items: int
    n_documents: int
    n_folds: int
    scores: dict[str, Scores]
    predictions: pd.DataFrame
    secondary: dict[str, dict] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One row per classifier: macro-F1, accuracy, per-fold min/max macro-F1."""
        rows = []
        for name, s in self.scores.items():
            folds = [f["macro_f1"] for f in s.per_fold]
            rows.append({"classifier": name, "macro_f1": round(s.macro_f1, 4), "accuracy": round(s.accuracy, 4),
                         "fold_macro_f1_min": round(min(folds), 4) if folds else np.nan,
                         "fold_macro_f1_max": round(max(folds), 4) if folds else np.nan,
                         "n_items": self.n_items, "n_folds": self.n_folds})
        return pd.DataFrame(rows)

    def side_by_side(self) -> pd.DataFrame:
        """Per-class P/R/F1 of every classifier in one table."""
        first = next(iter(self.scores.values()))
        parts = [first.per_class[["support"]]]
        for name, s in self.scores.items():
            if name == "majority":
                continue
            parts.append(s.per_class[["precision", "recall", "f1"]].rename(
                columns={"precision": f"{name}_P", "recall": f"{name}_R", "f1": f"{name}_F1"}))
        return pd.concat(parts, axis=1)

    def calibration(self, edges: Sequence[float] = (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)) -> pd.DataFrame:
        """Out-of-fold items binned by the model's confidence: count, mean confidence, accuracy."""
        p = self.predictions
        if "model_confidence" not in p.columns or not len(p):
            return pd.DataFrame()
        ok = (p["model"] == p["primary_label"]).astype(float)
        bins = pd.cut(p["model_confidence"].astype(float), list(edges), include_lowest=True)
        out = pd.DataFrame({"ok": ok, "conf": p["model_confidence"].astype(float), "bin": bins})
        table = out.groupby("bin", observed=True).agg(n_items=("ok", "size"), mean_confidence=("conf", "mean"),
                                                      accuracy=("ok", "mean")).reset_index()
        table["bin"] = table["bin"].astype(str)
        return table.rename(columns={"bin": "confidence"}).round(3)

    def report(self) -> str:
        """The text printed by ``unionmine evaluate``."""
        lines = [f"document-grouped cross-validation: {self.n_items} items, {self.n_documents} documents, "
                 f"{self.n_folds} folds (each fold holds out whole documents)", "",
                 self.summary().to_string(index=False), "",
                 "per class (P precision, R recall, F1; majority baseline omitted):",
                 self.side_by_side().round(3).to_string(), ""]
        for name, s in self.scores.items():
            lines += [f"confusion matrix, {name} (rows: coded label, columns: predicted):", s.confusion.to_string(), ""]
        cal = self.calibration()
        if len(cal):
            lines.append("model confidence against accuracy on held-out documents (calibration):")
            lines.append(cal.to_string(index=False))
            lines.append("")
        if self.secondary:
            lines.append("secondary labels, micro-averaged over (item, label) pairs:")
            lines.append(pd.DataFrame(self.secondary).T.to_string())
            lines.append("")
        if any(s.per_fold for s in self.scores.values()):
            lines.append("macro-F1 per held-out fold:")
            fold_rows = []
            for name, s in self.scores.items():
                for f in s.per_fold:
                    fold_rows.append({"classifier": name, **f})
            lines.append(pd.DataFrame(fold_rows).to_string(index=False))
        return "\n".join(lines)


def score(gold: Sequence[str], pred: Sequence[str], name: str = "model",
          labels: Sequence[str] | None = None) -> Scores:
    """Per-class precision/recall/F1 and macro-F1 over the labels present in ``gold``.

    Labels never coded (support 0) are left out of the macro average: an absent
    class would otherwise count as F1 = 0 and say nothing about the classifier.
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    gold, pred = list(gold), list(pred)
    if labels is None:
        labels = [lab for lab in LABELS if lab in set(gold)] + sorted(set(gold) - set(LABELS))
    labels = list(labels)
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    per_class = pd.DataFrame({"precision": p, "recall": r, "f1": f, "support": s}, index=labels)
    per_class.index.name = "label"
    cm_labels = labels + [lab for lab in LABELS if lab not in labels and lab in set(pred)]
    cm = pd.DataFrame(confusion_matrix(gold, pred, labels=cm_labels), index=cm_labels, columns=cm_labels)
    cm.index.name = "coded \\ predicted"
    return Scores(name, per_class, float(np.mean(f)) if len(f) else 0.0, float(accuracy_score(gold, pred)), cm,
                  tuple(labels))


def grouped_folds(groups: Sequence[str], max_folds: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    """Deterministic ``GroupKFold`` splits: min(max_folds, number of documents) folds."""
    from sklearn.model_selection import GroupKFold

    groups = np.asarray(list(groups))
    n_groups = len(set(groups))
    if n_groups < 2:
        raise InputFileError("labels: doc_id", "items from at least 2 documents for grouped cross-validation",
                             f"{n_groups} document(s)", "code items from more reports")
    k = min(max_folds, n_groups)
    return list(GroupKFold(n_splits=k).split(np.zeros(len(groups)), groups=groups))


def evaluate(labels: pd.DataFrame, config: Config | None = None, max_folds: int = 5,
             trainer: Callable | None = None, where: str = "labels", keep_duplicates: bool = False) -> Evaluation:
    """Model vs dictionary baseline vs majority class under document-grouped CV.

    Items marked as near-duplicates by the segmenter (``duplicate_of``) are left out
    unless ``keep_duplicates``, so that a text repeated by a 范文 site counts once.
    """
    from .classify import Classifier, DictionaryModel, training_frame

    config = config or Config()
    if not keep_duplicates and "duplicate_of" in labels.columns:
        labels = labels[labels["duplicate_of"].fillna("").astype(str).str.strip() == ""]
    df = training_frame(labels, where)
    if "doc_id" not in labels.columns or (df["doc_id"] == "").any():
        raise InputFileError(f"{where}: doc_id", "a document id on every labelled row", "missing ids",
                             "add the doc_id column (the labels file from 'unionmine label export' has it)")
    trainer = trainer or (lambda frame: Classifier.train(frame, config, where=where))
    folds = grouped_folds(df["doc_id"], max_folds)
    gold = df["primary_label"].to_numpy()
    pred_model = np.empty(len(df), dtype=object)
    sec_model = np.empty(len(df), dtype=object)
    pred_major = np.empty(len(df), dtype=object)
    conf_model = np.zeros(len(df))
    fold_of = np.zeros(len(df), dtype=int)
    for i, (train, test) in enumerate(folds):
        model = trainer(df.iloc[train])
        out = model.predict(df["text"].iloc[test].tolist(), df["parent_text"].iloc[test].tolist(), explain=False)
        pred_model[test] = [o.primary_label for o in out]
        sec_model[test] = [";".join(o.secondary_labels) for o in out]
        conf_model[test] = [o.confidence for o in out]
        pred_major[test] = df["primary_label"].iloc[train].value_counts().sort_index().idxmax()
        fold_of[test] = i
    dict_out = DictionaryModel().predict(df["text"].tolist(), df["parent_text"].tolist(), explain=False)
    pred_dict = np.array([o.primary_label for o in dict_out], dtype=object)

    scores: dict[str, Scores] = {}
    for name, pred in (("model", pred_model), ("dictionary", pred_dict), ("majority", pred_major)):
        s = score(gold, pred, name)
        for i in range(len(folds)):
            m = fold_of == i
            docs = sorted(set(df["doc_id"][m]))
            fs = score(gold[m], pred[m], name)
            s.per_fold.append({"fold": i, "documents": " ".join(docs), "n_items": int(m.sum()),
                               "macro_f1": round(fs.macro_f1, 4), "accuracy": round(fs.accuracy, 4)})
        scores[name] = s
    preds = df[["item_id", "doc_id", "text", "primary_label"]].copy()
    preds["fold"] = fold_of
    preds["model"] = pred_model
    preds["model_confidence"] = conf_model.round(4)
    preds["dictionary"] = pred_dict
    preds["model_secondary"] = sec_model
    preds["dictionary_secondary"] = [";".join(o.secondary_labels) for o in dict_out]
    secondary = {}
    if "secondary_labels" in df.columns:
        preds["secondary_labels"] = df["secondary_labels"].fillna("").astype(str).to_numpy()
        for name in ("model", "dictionary"):
            secondary[name] = secondary_scores(preds["secondary_labels"], preds[f"{name}_secondary"])
    return Evaluation(len(df), df["doc_id"].nunique(), len(folds), scores, preds, secondary)


def secondary_scores(gold: Sequence[str], pred: Sequence[str]) -> dict:
    """Micro precision/recall/F1 of ';'-separated secondary labels over (item, label) pairs."""
    tp = fp = fn = 0
    for g, p in zip(gold, pred):
        gs = {x for x in str(g).split(";") if x}
        ps = {x for x in str(p).split(";") if x}
        tp += len(gs & ps)
        fp += len(ps - gs)
        fn += len(gs - ps)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4), "coded_pairs": tp + fn,
            "predicted_pairs": tp + fp}


@dataclass
class NestedResult:
    """Honest figure for 'choose the settings, then train': selection inside each outer fold."""

    macro_f1: float
    accuracy: float
    chosen: list[dict]

    def report(self) -> str:
        rows = pd.DataFrame(self.chosen)
        return "\n".join([f"nested document-grouped CV (settings chosen on the training documents only): "
                          f"macro-F1 {self.macro_f1:.4f}, accuracy {self.accuracy:.4f}", rows.to_string(index=False)])


def nested_evaluate(labels: pd.DataFrame, grid: dict[str, dict] | None = None, config: Config | None = None,
                    max_folds: int = 5, where: str = "labels", keep_duplicates: bool = False,
                    tokenizer=None) -> NestedResult:
    """Outer folds hold out documents; inner grouped CV on the rest picks one setting of ``grid``."""
    from .classify import MODEL_GRID, Classifier, build_jieba, training_frame

    config = config or Config()
    grid = grid or MODEL_GRID
    if not keep_duplicates and "duplicate_of" in labels.columns:
        labels = labels[labels["duplicate_of"].fillna("").astype(str).str.strip() == ""]
    df = training_frame(labels, where)
    tk = tokenizer or build_jieba()

    def fit_predict(train: pd.DataFrame, test: pd.DataFrame, params: dict) -> list[str]:
        model = Classifier.train(train, config, tokenizer=tk, where=where, params=params)
        return [o.primary_label for o in model.predict(test["text"].tolist(), test["parent_text"].tolist(),
                                                       explain=False)]

    gold: list[str] = []
    pred: list[str] = []
    chosen = []
    for train_idx, test_idx in grouped_folds(df["doc_id"], max_folds):
        train, test = df.iloc[train_idx], df.iloc[test_idx]
        inner = {}
        for name, params in grid.items():
            g, p = [], []
            for itr, ite in grouped_folds(train["doc_id"], max_folds):
                p += fit_predict(train.iloc[itr], train.iloc[ite], params)
                g += train["primary_label"].iloc[ite].tolist()
            inner[name] = score(g, p).macro_f1
        best = max(inner, key=lambda k: (inner[k], -list(grid).index(k)))
        pred += fit_predict(train, test, grid[best])
        gold += test["primary_label"].tolist()
        chosen.append({"held_out": " ".join(sorted(set(test["doc_id"]))), "chosen": best,
                       **{f"inner_{k}": round(v, 4) for k, v in inner.items()}})
    s = score(gold, pred, "nested")
    return NestedResult(s.macro_f1, s.accuracy, chosen)


# ------------------------------------------------------------------------------
# agreement between coders
# ------------------------------------------------------------------------------
def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Cohen's kappa of two codings of the same units: (p_o − p_e) / (1 − p_e)."""
    a, b = list(a), list(b)
    if len(a) != len(b):
        raise InputFileError("codings", "two codings of the same units", f"{len(a)} and {len(b)} codes",
                             "align the two codings on unit_id first")
    if not a:
        return float("nan")
    cats = sorted(set(a) | set(b))
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    pa = {c: sum(x == c for x in a) / n for c in cats}
    pb = {c: sum(y == c for y in b) / n for c in cats}
    pe = sum(pa[c] * pb[c] for c in cats)
    return 1.0 if pe == 1.0 else (po - pe) / (1.0 - pe)


@dataclass
class Agreement:
    n_units: int
    n_both_items: int
    item_agreement: float      # share of units both call item / not item alike
    observed: float            # share of primary labels equal (units both coded as items)
    kappa: float
    confusion: pd.DataFrame
    disagreements: pd.DataFrame

    def report(self) -> str:
        return "\n".join([
            f"units coded by both: {self.n_units}; coded as items by both: {self.n_both_items}",
            f"item / not-item agreement: {self.item_agreement:.3f}",
            f"primary label: observed agreement {self.observed:.3f}, Cohen's kappa {self.kappa:.3f}", "",
            "primary (rows) × second (columns):", self.confusion.to_string()])


def _na(v: str) -> bool:
    return str(v).strip() in ("", "NA", "na", "N/A")


def agreement(first: pd.DataFrame, second: pd.DataFrame, key: str = "unit_id",
              column: str = "primary") -> Agreement:
    """Kappa on the primary label of the units both coders coded as items."""
    for name, frame in (("first coding", first), ("second coding", second)):
        for col in (key, column):
            if col not in frame.columns:
                raise InputFileError(name, f"a column '{col}'", f"columns {', '.join(map(str, frame.columns))}",
                                     "use the coding sheet layout (unit_id, doc_id, text, primary, …)")
    m = first[[key, column]].merge(second[[key, column]], on=key, suffixes=("_1", "_2"))
    a, b = m[f"{column}_1"].astype(str).str.strip(), m[f"{column}_2"].astype(str).str.strip()
    is_a, is_b = ~a.map(_na), ~b.map(_na)
    both = is_a & is_b
    item_agree = float((is_a == is_b).mean()) if len(m) else float("nan")
    aa, bb = a[both].tolist(), b[both].tolist()
    cats = [lab for lab in LABELS if lab in set(aa) | set(bb)]
    cm = pd.crosstab(pd.Categorical(aa, categories=cats), pd.Categorical(bb, categories=cats),
                     rownames=["primary"], colnames=["second"], dropna=False)
    dis = m[both & (a != b)]
    return Agreement(len(m), int(both.sum()), item_agree,
                     float(np.mean([x == y for x, y in zip(aa, bb)])) if aa else float("nan"),
                     cohen_kappa(aa, bb), cm, dis)
