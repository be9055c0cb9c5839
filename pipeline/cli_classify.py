"""Commands of the classification stage: classify, label, train, evaluate.

Thin shells over ``pipeline.classify``, ``pipeline.labels`` and ``pipeline.evaluate``.
"""
from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import pandas as pd

from . import io as uio
from .cli import EXIT_OK, EXIT_USAGE, _add_config_options, _config_from, _help, command
from .errors import ConfigError, InputFileError


def _add_model_options(p, labels_required: bool = False) -> None:
    p.add_argument("--model", dest="model_path", default=None, metavar="PATH",
                   help="a model saved by 'unionmine train'; if there is no file at PATH, one is trained "
                        "from --labels and saved there (default: train from the labels once and cache it)")
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
        warnings.warn("--secondary-threshold is ignored with --secondary-mode cues (the default); "
                      "pass --secondary-mode probability or clauses to use it", UserWarning, stacklevel=2)
    return config


def _set_help(p, dest: str, text: str) -> None:
    """Reword a shared option's help where a command gives it another meaning."""
    for action in p._actions:
        if action.dest == dest:
            action.help = text


def _warn_ignored(args, command: str, why: dict[str, str]) -> None:
    """Warn for each shared option that was passed but means nothing to this command."""
    for dest, reason in why.items():
        if getattr(args, dest, None) is not None:
            warnings.warn(f"--{dest} is ignored by '{command}': {reason}", UserWarning, stacklevel=2)


_SCRIPT_IGNORED = "the model folds traditional and full-width characters itself, and rows are written back unchanged"


def _read_table(path: str, what: str, encoding: str | None = None) -> pd.DataFrame:
    return uio.read_csv_rows(path, what, encoding).frame


def _with_parent_text(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Add ``parent_text`` from ``parent_id`` where a table (such as a run's items.csv) has
    ``item_id`` and ``parent_id`` but no ``parent_text``: the run classifies each item with
    its parent heading's text as context, and so must a second classification of it."""
    if "parent_text" in frame.columns or not {"item_id", "parent_id", "text"} <= set(frame.columns):
        return frame
    texts = dict(zip(frame["item_id"], frame["text"]))
    pids = frame["parent_id"].tolist()
    found = sum(1 for pid in pids if pid and pid in texts)
    missing = sum(1 for pid in pids if pid and pid not in texts)
    note = f"; {missing} parent_id not in the file, those items get no heading" if missing else ""
    print(f"unionmine: {where} has no parent_text column; took the parent heading of {found} items from "
          f"the text of the row whose item_id is their parent_id{note}", file=sys.stderr)
    return frame.assign(parent_text=[texts.get(pid, "") if pid else "" for pid in pids])


def _output_file(out: str) -> Path:
    """Check --out before any work: a file name, in a folder that exists or can be made, writable."""
    p = Path(out)
    if p.is_dir():
        raise ConfigError("--out", "a CSV file name", f"{out}, a folder",
                          f"name a file, e.g. --out {p / 'items_labelled.csv'}")
    folder = p.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise ConfigError("--out", f"a path inside a folder ({out})", f"{folder}, a file", "choose another path")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError("--out", f"a folder you can write to ({out})", f"{folder}, not writable",
                          "choose another folder, or check its permissions")
    return p


def _write_table(path: Path, frame: pd.DataFrame) -> None:
    try:
        uio.write_csv(path, frame)
    except OSError as e:
        raise ConfigError("--out", f"a file that can be written ({path})",
                          f"an error writing it ({e.strerror or type(e).__name__})",
                          "choose another folder, or check its permissions") from None


def _label_blank_texts(frame: pd.DataFrame, out: pd.DataFrame, lines: list[int]) -> pd.DataFrame:
    """Items without text get ``other`` at confidence 0 with no terms, and a warning: the
    model has nothing to read, and its prior for an empty text (``other`` at 0.46)
    would look like a decision."""
    blank = frame["text"].str.strip().eq("").to_numpy()
    if not blank.any():
        return out
    out = out.copy()
    out.loc[blank, ["primary_label", "secondary_labels", "confidence", "top_terms"]] = ["other", "", 0.0, ""]
    at = [str(lines[i]) for i in blank.nonzero()[0]]
    shown = ", ".join(at[:5]) + (", …" if len(at) > 5 else "")
    items = "1 item has" if len(at) == 1 else f"{len(at)} items have"
    print(f"unionmine: {items} no text (line {shown}); labelled other with confidence 0", file=sys.stderr)
    return out


def _classifier(args, config):
    from .classify import SHIPPED_LABELS, DictionaryModel, load_or_train

    if getattr(args, "dictionary", False):
        return DictionaryModel()
    if config.model_path:
        target = Path(config.model_path)
        if target.is_dir():
            raise ConfigError("--model", "a model file written by 'unionmine train'", f"{target}, a folder",
                              f"name a file, e.g. --model {target / 'classifier.joblib'}")
        if not target.is_file():
            labels = args.labels_file or f"the shipped labels ({SHIPPED_LABELS})"
            print(f"unionmine: no model at {target}; training one from {labels} and saving it there",
                  file=sys.stderr)
    return load_or_train(config, labels_path=args.labels_file)


# ------------------------------------------------------------------------------
@command("classify")
def _add_classify(sub) -> None:
    p = sub.add_parser("classify", **_help(
        "Tag items with their union function (codebook v1): organization, rights, welfare, culture, other.\n\n"
        "ITEMS.csv needs a 'text' column and may have 'parent_text' (the parent heading) and 'item_id'.\n"
        "OUT.csv repeats every input row and adds primary_label, secondary_labels (';'-separated),\n"
        "confidence (calibrated probability of the primary label), top_terms (';'-separated terms that\n"
        "pushed the decision) and model. Every cell is read as text and written back as it was.\n"
        "Input columns of those names (a labels file's primary_label …) are kept, renamed input_<name>.\n"
        "Without parent_text but with item_id and parent_id (a run's items.csv), each item's parent text\n"
        "is taken from the row its parent_id names. Items with empty text get other at confidence 0.\n"
        "Without --model, a model is trained from the shipped labels once and cached; with --model PATH\n"
        "and no file there, one is trained and saved at PATH (docs/classify.md).",
        "unionmine classify items.csv --out items_labelled.csv"))
    p.add_argument("items", metavar="ITEMS.csv", help="CSV with a text column (UTF-8, BOM optional; see --encoding)")
    p.add_argument("--out", required=True, metavar="OUT.csv", help="output CSV (UTF-8 with BOM)")
    p.add_argument("--dictionary", action="store_true", help="use the codebook-cue dictionary instead of the model")
    _add_model_options(p)
    _add_config_options(p)
    _set_help(p, "encoding", "encoding of ITEMS.csv, e.g. gb18030 for Excel's 'CSV' on Chinese Windows "
                             "(default: UTF-8, BOM optional); OUT.csv is always UTF-8")
    _set_help(p, "script", "ignored by classify (the model reads either script; rows are written unchanged)")
    p.set_defaults(func=_cmd_classify)


def _cmd_classify(args) -> int:
    from .classify import classify_frame

    config = _config(args)
    _warn_ignored(args, "classify", {"script": _SCRIPT_IGNORED})
    out_path = _output_file(args.out)
    from .classify import LABEL_OUTPUT_COLUMNS

    table = uio.read_csv_rows(args.items, "an items CSV with a 'text' column", args.encoding,
                              encoding_option="--encoding", keep_apart=LABEL_OUTPUT_COLUMNS)
    frame, lines = table.frame, table.lines
    if table.renamed:  # the input's own labels (a labels file's coded primary_label, a run's confidence …)
        print(f"unionmine: {args.items} already has {', '.join(table.renamed)}; kept as "
              f"{', '.join(table.renamed.values())}", file=sys.stderr)
    out = classify_frame(_with_parent_text(frame, args.items), _classifier(args, config), where=args.items)
    if "parent_text" not in frame.columns:  # derived from parent_id: context, not output
        out = out.drop(columns="parent_text", errors="ignore")
    out = _label_blank_texts(frame, out, lines)
    _write_table(out_path, out)
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
        return _with_parent_text(_read_table(args.items, "an items CSV (item_id, doc_id, text, …)"), args.items)
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
    _set_help(p, "encoding", "ignored by train (the labels CSV is read as UTF-8, BOM optional)")
    _set_help(p, "script", "ignored by train (the model folds either script itself)")
    p.set_defaults(func=_cmd_train)


def _cmd_train(args) -> int:
    from .classify import Classifier, read_labels

    config = _config(args)
    _warn_ignored(args, "train", {"encoding": "the labels CSV is read as UTF-8", "script": _SCRIPT_IGNORED})
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
    _set_help(p, "encoding", "ignored by evaluate (CSV files are read as UTF-8, BOM optional)")
    _set_help(p, "script", "ignored by evaluate (the model folds either script itself)")
    p.set_defaults(func=_cmd_evaluate)


def _cmd_evaluate(args) -> int:
    from .classify import read_labels
    from .evaluate import agreement, evaluate

    config = _config(args)
    _warn_ignored(args, "evaluate", {"encoding": "CSV files are read as UTF-8", "script": _SCRIPT_IGNORED})
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
