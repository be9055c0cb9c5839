"""Commands of the classification stage: classify, label, train, evaluate.

Thin shells over ``pipeline.classify``, ``pipeline.labels`` and ``pipeline.evaluate``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from . import io as uio
from .cli import EXIT_OK, EXIT_USAGE, _add_config_options, _config_from, _help, command
from .errors import ConfigError, InputFileError


def _add_model_options(p, labels_required: bool = False) -> None:
    p.add_argument("--model", dest="model_path", default=None, metavar="PATH",
                   help="a model saved by 'unionmine train' (default: train from the labels and cache it)")
    p.add_argument("--labels", dest="labels_file", required=labels_required, default=None, metavar="FILE",
                   help="labels CSV to train from (default: the shipped data/labels/items_v1.csv)")
    p.add_argument("--secondary-mode", choices=["cues", "probability", "clauses"], default=None,
                   help="how secondary labels are found: codebook cues winning a whole clause (default), "
                        "the item's calibrated probabilities, or the model's label of each clause")
    p.add_argument("--secondary-threshold", type=float, default=None, metavar="P",
                   help="with --secondary-mode probability|clauses: the probability from which another "
                        "label is secondary (default: 0.35)")


def _config(args):
    more = {}
    if getattr(args, "secondary_threshold", None) is not None:
        more["secondary_threshold"] = args.secondary_threshold
    if getattr(args, "secondary_mode", None) is not None:
        more["secondary_mode"] = args.secondary_mode
    config = _config_from(args, **more)
    if "secondary_threshold" in more and config.secondary_mode == "cues":
        import warnings

        warnings.warn("--secondary-threshold is ignored with --secondary-mode cues (the default); "
                      "pass --secondary-mode probability or clauses to use it", UserWarning, stacklevel=2)
    return config


def _read_table(path: str, what: str) -> pd.DataFrame:
    p = Path(path)
    if not p.is_file():
        raise InputFileError(str(p), what, "no such file", "check the path")
    try:
        return uio.read_csv(p)
    except (UnicodeDecodeError, pd.errors.ParserError) as e:
        raise InputFileError(str(p), f"{what} (CSV, UTF-8)", f"a file that cannot be read as CSV ({e})",
                             "save it as CSV UTF-8 (Excel: 'CSV UTF-8')") from None


def _classifier(args, config):
    from .classify import DictionaryModel, load_or_train

    if getattr(args, "dictionary", False):
        return DictionaryModel()
    return load_or_train(config, labels_path=args.labels_file)


# ------------------------------------------------------------------------------
@command("classify")
def _add_classify(sub) -> None:
    p = sub.add_parser("classify", **_help(
        "Tag items with their union function (codebook v1): organization, rights, welfare, culture, other.\n\n"
        "ITEMS.csv needs a 'text' column and may have 'parent_text' (the parent heading) and 'item_id'.\n"
        "OUT.csv repeats every input row and adds primary_label, secondary_labels (';'-separated),\n"
        "confidence (calibrated probability of the primary label), top_terms (';'-separated terms that\n"
        "pushed the decision) and model. Without --model, a model is trained from the shipped labels\n"
        "once and cached (docs/classify.md).",
        "unionmine classify items.csv --out items_labelled.csv"))
    p.add_argument("items", metavar="ITEMS.csv", help="CSV with a text column (UTF-8, BOM optional)")
    p.add_argument("--out", required=True, metavar="OUT.csv", help="output CSV (UTF-8 with BOM)")
    p.add_argument("--dictionary", action="store_true", help="use the codebook-cue dictionary instead of the model")
    _add_model_options(p)
    _add_config_options(p)
    p.set_defaults(func=_cmd_classify)


def _cmd_classify(args) -> int:
    from .classify import classify_frame

    config = _config(args)
    frame = _read_table(args.items, "an items CSV with a 'text' column")
    out = classify_frame(frame, _classifier(args, config), where=args.items)
    uio.write_csv(Path(args.out), out)
    counts = out["primary_label"].value_counts().to_dict()
    print(f"unionmine: {len(out)} items classified → {args.out} "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), file=sys.stderr)
    return EXIT_OK


# ------------------------------------------------------------------------------
@command("label")
def _add_label(sub) -> None:
    p = sub.add_parser("label", **_help(
        "Labelling workflow for coders.\n\n"
        "  export  items of reports (or of an items.csv) with suggested labels and empty columns to code\n"
        "  match   attach a coding sheet of lines (unit_id, doc_id, text, primary, …) to segmenter items,\n"
        "          writing the labels file used by train and evaluate",
        "unionmine label export data/raw --out data/labels/to_code.csv"))
    lsub = p.add_subparsers(dest="label_command", metavar="ACTION")
    e = lsub.add_parser("export", **_help(
        "Write items with suggested labels for coders.\n\n"
        "Columns: item_id, doc_id, article, path, is_heading, text, parent_text, suggested_label,\n"
        "suggested_secondary, suggested_confidence, suggested_terms, then empty primary_label,\n"
        "secondary_labels, subcode, coder, and codebook_version for the coder to fill.",
        "unionmine label export data/raw --out data/labels/to_code.csv"))
    e.add_argument("paths", nargs="*", metavar="PATH", help="report files or folders (repaired and segmented)")
    e.add_argument("--items", default=None, metavar="ITEMS.csv", help="use an items table instead of reports")
    e.add_argument("--out", required=True, metavar="FILE", help="output CSV (UTF-8 with BOM)")
    e.add_argument("--dictionary", action="store_true", help="suggest with the dictionary instead of the model")
    _add_model_options(e)
    _add_config_options(e)
    e.set_defaults(func=_cmd_label_export)
    m = lsub.add_parser("match", **_help(
        "Attach coded lines to segmenter items by normalised text (labels file for train/evaluate).",
        "unionmine label match data/raw --coding data/labels/coding_primary.csv --out data/labels/items_v1.csv"))
    m.add_argument("paths", nargs="*", metavar="PATH", help="the coded report files or folders")
    m.add_argument("--items", default=None, metavar="ITEMS.csv", help="use an items table instead of reports")
    m.add_argument("--coding", required=True, metavar="FILE", help="coding sheet: unit_id, doc_id, text, primary, …")
    m.add_argument("--coder", default="primary", help="coder name written into the labels file")
    m.add_argument("--adjudicated", default=None, metavar="FILE",
                   help="resolved disagreements (unit_id, primary, secondary, subcode, rule, reason) overriding the coding")
    m.add_argument("--out", required=True, metavar="FILE", help="labels CSV to write (UTF-8 with BOM)")
    _add_config_options(m)
    m.set_defaults(func=_cmd_label_match)
    p.set_defaults(func=lambda args: (p.print_help(), EXIT_USAGE)[1])


def _items(args, config) -> pd.DataFrame:
    from .labels import items_frame

    if args.items:
        frame = _read_table(args.items, "an items CSV (item_id, doc_id, text, …)")
        if "parent_text" not in frame.columns and "parent_id" in frame.columns:
            texts = dict(zip(frame["item_id"], frame["text"]))
            frame["parent_text"] = [texts.get(pid, "") for pid in frame["parent_id"]]
        return frame
    if not args.paths:
        raise ConfigError("PATH / --items", "report paths or an items table", "neither",
                          "pass report folders (e.g. data/raw) or --items items.csv")
    from .run import ingest_files
    from .segment import segment

    result = ingest_files(args.paths, config)
    for err in result.errors:
        print(f"unionmine: {err.message}", file=sys.stderr)
    return items_frame([segment(doc) for doc in result.documents])


def _cmd_label_export(args) -> int:
    from .classify import label_rows
    from .model import CODEBOOK_VERSION

    config = _config(args)
    items = _items(args, config)
    try:
        clf = _classifier(args, config)
    except InputFileError as e:
        if args.labels_file or args.model_path:
            raise
        from .classify import DictionaryModel

        print(f"unionmine: no labels to train a model ({e.found}); suggesting with the dictionary", file=sys.stderr)
        clf = DictionaryModel()
    labels = clf.predict(items["text"].astype(str).tolist(), items["parent_text"].astype(str).tolist(),
                         items["item_id"].astype(str).tolist())
    sug = pd.DataFrame(label_rows(labels), index=items.index).rename(columns={
        "primary_label": "suggested_label", "secondary_labels": "suggested_secondary",
        "confidence": "suggested_confidence", "top_terms": "suggested_terms", "model": "suggested_by"})
    keep = [c for c in ("item_id", "doc_id", "article", "path", "is_heading", "text", "parent_text")
            if c in items.columns]
    out = pd.concat([items[keep], sug], axis=1)
    for col in ("primary_label", "secondary_labels", "subcode", "coder"):
        out[col] = ""
    out["codebook_version"] = CODEBOOK_VERSION
    uio.write_csv(Path(args.out), out)
    print(f"unionmine: {len(out)} items with suggestions → {args.out}", file=sys.stderr)
    return EXIT_OK


def _cmd_label_match(args) -> int:
    from .labels import match_summary, match_units

    config = _config(args)
    items = _items(args, config)
    coding = _read_table(args.coding, "a coding sheet (unit_id, doc_id, text, primary, secondary, subcode)")
    if args.adjudicated:
        from .labels import apply_adjudication

        coding = apply_adjudication(coding, _read_table(args.adjudicated, "an adjudication table"))
    matched = match_units(items, coding, coder=args.coder)
    uio.write_csv(Path(args.out), matched)
    s = match_summary(matched)
    print(f"unionmine: {s['items']} items: {s['exact']} matched exactly, {s['fuzzy']} by similarity, "
          f"{s['unmatched']} unmatched; {s['labelled']} labelled, {s['not_items']} coded NA → {args.out}",
          file=sys.stderr)
    return EXIT_OK


# ------------------------------------------------------------------------------
@command("train")
def _add_train(sub) -> None:
    p = sub.add_parser("train", **_help(
        "Train the item classifier on a labels CSV and save it (joblib, with codebook version and data hash).",
        "unionmine train --labels data/labels/items_v1.csv --model models/classifier.joblib"))
    p.add_argument("--labels", dest="labels_file", required=True, metavar="FILE", help="labels CSV (text, primary_label, parent_text …)")
    p.add_argument("--model", dest="model_path", required=True, metavar="PATH", help="where to save the model")
    p.add_argument("--secondary-threshold", type=float, default=None, metavar="P",
                   help="default secondary threshold stored with the model (default: 0.35)")
    _add_config_options(p)
    p.set_defaults(func=_cmd_train)


def _cmd_train(args) -> int:
    from .classify import Classifier, read_labels

    config = _config(args)
    model = Classifier.train(read_labels(args.labels_file), config, where=args.labels_file)
    model.save(args.model_path)
    counts = ", ".join(f"{k} {v}" for k, v in model.meta["label_counts"].items())
    print(f"unionmine: trained on {model.n_training} items ({counts}); codebook v{model.codebook_version}, "
          f"data sha256 {model.training_hash[:12]} → {args.model_path}", file=sys.stderr)
    return EXIT_OK


# ------------------------------------------------------------------------------
@command("evaluate")
def _add_evaluate(sub) -> None:
    p = sub.add_parser("evaluate", **_help(
        "Cross-validate the model grouped by document, beside the dictionary baseline and the majority class.\n\n"
        "Prints macro-F1, per-class precision/recall/F1 and confusion matrices; --out DIR also writes\n"
        "summary.csv, per_class.csv, confusion_<classifier>.csv, folds.csv, calibration.csv and predictions.csv.\n"
        "With --first and --second (two coding sheets), also prints Cohen's kappa between coders.",
        "unionmine evaluate --labels data/labels/items_v1.csv"))
    p.add_argument("--labels", dest="labels_file", required=True, metavar="FILE", help="labels CSV with doc_id, text, primary_label")
    p.add_argument("--folds", type=int, default=5, help="maximum number of folds (default 5; at most one per document)")
    p.add_argument("--out", default=None, metavar="DIR", help="also write the tables here")
    p.add_argument("--keep-duplicates", action="store_true", default=None,
                   help="also score items marked duplicate_of (default: each text once)")
    p.add_argument("--nested", action="store_true",
                   help="also run nested CV over the model settings of classify.MODEL_GRID (slow: ~16x training)")
    p.add_argument("--first", default=None, metavar="FILE", help="first coding sheet (for kappa)")
    p.add_argument("--second", default=None, metavar="FILE", help="second, independent coding sheet (for kappa)")
    _add_config_options(p)
    p.set_defaults(func=_cmd_evaluate)


def _cmd_evaluate(args) -> int:
    from .classify import read_labels
    from .evaluate import agreement, evaluate

    config = _config(args)
    ev = evaluate(read_labels(args.labels_file), config, max_folds=args.folds, where=args.labels_file,
                  keep_duplicates=bool(args.keep_duplicates))
    print(ev.report())
    if args.nested:
        from .evaluate import nested_evaluate

        print()
        print(nested_evaluate(read_labels(args.labels_file), config=config, max_folds=args.folds,
                              where=args.labels_file, keep_duplicates=bool(args.keep_duplicates)).report())
    agree = None
    if args.first and args.second:
        agree = agreement(_read_table(args.first, "a coding sheet"), _read_table(args.second, "a coding sheet"))
        print("\ninter-coder agreement (primary label):")
        print(agree.report())
    if args.out:
        out = uio.ensure_dir(Path(args.out))
        uio.write_csv(out / "summary.csv", ev.summary())
        uio.write_csv(out / "per_class.csv", ev.side_by_side().reset_index())
        for name, s in ev.scores.items():
            uio.write_csv(out / f"confusion_{name}.csv", s.confusion.reset_index())
        uio.write_csv(out / "folds.csv", pd.DataFrame([{"classifier": n, **f} for n, s in ev.scores.items()
                                                       for f in s.per_fold]))
        uio.write_csv(out / "predictions.csv", ev.predictions)
        uio.write_csv(out / "calibration.csv", ev.calibration())
        if agree is not None:
            uio.write_csv(out / "agreement_disagreements.csv", agree.disagreements)
    return EXIT_OK
