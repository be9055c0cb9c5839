"""The statistics tables of a run, and writing them as CSV, Parquet or Excel.

``compute_tables(documents, articles, items, config)`` is the one call that
builds every table of ``OUT/stats/`` (the data dictionary is docs/stats.md);
``write_tables`` writes them (CSV as UTF-8 with BOM through ``pipeline.io``, and
Parquet), ``write_xlsx`` writes one workbook with a sheet per table, and
``write_run_outputs(out_dir, config)`` is what ``unionmine run`` calls after the
per-document stages.  Output is deterministic: same input and config, same bytes.
"""
from __future__ import annotations

import io as _io
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from . import io as uio
from . import keyness, stats
from .config import Config
from .errors import ConfigError

#: groupings with a chi-square test and pairwise comparisons (doc_id: test only)
TESTED = ("sector", "year", "doc_type", "doc_id")
PAIRWISE = ("sector", "year", "doc_type")
#: groupings of the function × group keyness / topic tables
TOPIC_GROUPS = ("sector", "year", "doc_type")
FORMATS = ("csv", "parquet", "xlsx")
#: columns read back as text even when they look like numbers (years as groups, ids)
TEXT_COLUMNS = frozenset({"grouping", "group", "group_a", "group_b", "label", "labels", "term", "method", "key",
                          "value", "example_item_id", "example_text", "ci_method", "exact_method", "dropped",
                          "warning"})


@dataclass(frozen=True)
class Outputs:
    """The tables of a run folder, as read back (all columns strings, empty cells '')."""

    documents: pd.DataFrame
    articles: pd.DataFrame | None
    items: pd.DataFrame
    folder: Path


#: the items columns the statistics read; the rest (text_original, offsets, top_terms …)
#: stays on disk, so the corpus-level step holds about half the text it used to
STATS_ITEM_COLUMNS = frozenset({"item_id", "doc_id", "article", "article_id", "sector", "year", "doc_type",
                                "is_heading", "duplicate_of", "text", "primary_label", "secondary_labels"})


def stats_item_columns(config: Config | None) -> frozenset[str]:
    """The items.csv columns the statistics read: with a run in traditional script (or
    kept), also ``text_original``, which the word tables read in simplified script."""
    if config is not None and config.script != "simplified":
        return STATS_ITEM_COLUMNS | {"text_original"}
    return STATS_ITEM_COLUMNS


def load_outputs(folder: str | Path = "data/processed", *, item_columns: Iterable[str] | None = None) -> Outputs:
    """documents.csv, articles.csv and items.csv of a run folder (articles may be absent).

    ``item_columns`` limits the items table to those columns (those it has); the
    statistics pass ``STATS_ITEM_COLUMNS``.  By default every column is read.
    """
    folder = Path(folder)
    items_path = folder / "items.csv"
    if not items_path.exists():
        raise ConfigError(str(items_path), "the items table of a run", "no such file",
                          f"run 'unionmine run data/raw --out {folder}' first, or pass --in with a run's folder")
    docs_path, arts_path = folder / "documents.csv", folder / "articles.csv"
    documents = uio.read_csv(docs_path) if docs_path.exists() else pd.DataFrame(columns=["doc_id"])
    articles = uio.read_csv(arts_path) if arts_path.exists() else None
    wanted = None if item_columns is None else frozenset(item_columns)
    items = uio.read_csv(items_path, usecols=None if wanted is None else (lambda c: c in wanted))
    return Outputs(documents, articles, items, folder)


def _overview(raw: pd.DataFrame, frame: pd.DataFrame, config: Config) -> pd.DataFrame:
    heading = stats._as_bool(raw["is_heading"]) if "is_heading" in raw.columns else pd.Series(False, raw.index)
    dup = pd.Series(False, raw.index)
    for col in ("duplicate_of", "article_duplicate_of"):
        if col in raw.columns:
            dup |= stats._text(raw[col]) != ""
    rows = [("documents", raw["doc_id"].nunique()), ("articles", raw["article_id"].nunique()),
            ("items", len(raw)), ("headings", int(heading.sum())), ("near_duplicates", int(dup.sum())),
            ("counted_items", len(frame)), ("counted_documents", frame["doc_id"].nunique() if len(frame) else 0),
            ("labels", config.labels), ("keep_duplicates", config.keep_duplicates),
            ("include_headings", config.include_headings), ("ci_method", config.ci_method),
            ("ci_level", 0.95)]
    return pd.DataFrame({"key": [k for k, _ in rows], "value": [str(v) for _, v in rows]})


def compute_tables(documents: pd.DataFrame | None, articles: pd.DataFrame | None, items: pd.DataFrame,
                   config: Config | None = None, *, tokenizer=None, submit=None) -> dict[str, pd.DataFrame]:
    """Every statistics table, by name (the file stem under ``stats/``), in a fixed order.

    ``submit(fn, *args)`` (e.g. a process pool's ``submit``), if given, runs the chi-square tests and
    the keyness and topic tables in other processes while this one computes the shares and pairwise
    comparisons: ``unionmine run`` hands over its idle workers (with two, the stage took 4.3 s instead
    of 6.6 s on the 50 MB benchmark corpus).  The tables are the same either way (fixed seeds, same code).
    """
    config = config or Config()
    raw = stats.attach_groups(documents, articles, items)
    frame = stats.select_items(raw, keep_duplicates=config.keep_duplicates,
                               include_headings=config.include_headings)
    out: dict[str, pd.DataFrame] = {"overview": _overview(raw, frame, config)}
    if "primary_label" not in frame.columns:
        warnings.warn("items: expected a primary_label column; found none, so only stats/overview is written; "
                      "classify the items first ('unionmine run' does)", stacklevel=2)
        return out
    tests = _start(submit, _test_tables, frame, config)
    words = _start(submit if tokenizer is None else None, _word_tables, frame, config, tokenizer)
    labels = config.labels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # small cells are reported in chisq_tests.warning instead
        for by in stats.GROUPINGS:
            out[f"shares_by_{by}"] = stats.function_shares(frame, by, labels=labels, ci=config.ci_method)
    pairs = [stats.compare_all_pairs(frame, by, labels=labels) for by in PAIRWISE]
    out.update(_finish(tests, _test_tables, frame, config))
    out["pairwise"] = pd.concat([p for p in pairs if len(p)] or pairs[:1], ignore_index=True)
    out.update(_finish(words, _word_tables, frame, config, tokenizer))
    return out


def _test_tables(frame: pd.DataFrame, config: Config) -> dict[str, pd.DataFrame]:
    """chisq_tests and chisq_cells."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tests = [stats.chi_square_test(frame, by, labels=config.labels, warn=False) for by in TESTED]
    cells = [t.cells() for t in tests]
    return {"chisq_tests": pd.DataFrame([t.summary() for t in tests]),
            "chisq_cells": pd.concat([c for c in cells if len(c)] or cells[:1], ignore_index=True)}


def _simplified(frame: pd.DataFrame) -> list[str] | pd.Series:
    """The item texts in simplified script: words are counted alike whatever script a run
    wrote (``--script traditional`` or ``keep``; 活動 and 活动 are one word), and
    jieba's dictionary is simplified.  A simplified corpus is returned as it is;
    otherwise ``text_original`` (the report's own script) converted to simplified,
    which is the ``text`` of a default run exactly."""
    from .script import ScriptConverter

    texts = frame["text"]
    conv = ScriptConverter("simplified")
    values = texts.astype(str).tolist()
    # the script of the corpus from items spread over it: all of them would join a
    # string as large as the corpus (50 MB at the benchmark's size) for one word
    sample = values[::max(1, len(values) // 5000)]
    if conv.detect("\n".join(sample)) in ("simplified", "none"):
        return texts
    if "text_original" in frame.columns:
        values = frame["text_original"].astype(str).tolist()
    return [conv.simplify(t) for t in values]


def _word_tables(frame: pd.DataFrame, config: Config, tokenizer=None) -> dict[str, pd.DataFrame]:
    """The keyness and topic tables (jieba words of every counted item)."""
    out: dict[str, pd.DataFrame] = {}
    tk = tokenizer or keyness.build_tokenizer()
    stop = keyness.load_stopwords(config.stopwords)
    long = stats.label_long(frame, config.labels)
    tokens_by_item = dict(zip(frame["item_id"], keyness.tokenize(_simplified(frame), tk, stop)))
    long_tokens = [tokens_by_item[i] for i in long["item_id"]]
    item_tokens = [tokens_by_item[i] for i in frame["item_id"]]
    n = config.top_terms
    out["keyness_by_function"] = keyness.keyness_table(long_tokens, long["label"], grouping="label", top_n=n)
    for by in TOPIC_GROUPS:
        out[f"keyness_by_{by}"] = keyness.keyness_table(item_tokens, frame[by], grouping=by, top_n=n)
    out["topics_by_function"] = keyness.topic_table(long, long_tokens, top_n=n)
    for by in TOPIC_GROUPS:
        out[f"topics_by_function_{by}"] = keyness.topic_table(long, long_tokens, by=by, top_n=n)
    if config.nmf_topics > 0:
        out["nmf_topics"] = keyness.nmf_topics(long, long_tokens, config.nmf_topics, top_n=n)
    return out


def _start(submit, fn, *args):
    """``fn(*args)`` handed to ``submit`` (a future), or None to compute it here when asked."""
    if submit is None:
        return None
    try:
        return submit(_recorded, fn, *args)
    except Exception:  # a pool that cannot take work (closed, broken): compute it here
        return None


def _recorded(fn, *args):
    """``fn(*args)`` in another process, and the warnings it raised there (to raise them here)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args)
    return out, [(str(w.message), w.category) for w in caught]


def _finish(future, fn, *args):
    if future is not None:
        try:
            out, caught = future.result()
        except Exception:  # the other process failed or died: the same computation here reports the cause
            pass
        else:
            for message, category in caught:
                warnings.warn(message, category, stacklevel=3)
            return out
    return fn(*args)


# ------------------------------------------------------------------------------
# writing
# ------------------------------------------------------------------------------
def write_tables(tables: Mapping[str, pd.DataFrame], folder: str | Path,
                 formats: Iterable[str] = ("csv", "parquet")) -> list[Path]:
    """Each table as ``folder/NAME.csv`` and/or ``folder/NAME.parquet``; stale tables are removed."""
    formats = tuple(formats)
    for f in formats:
        if f not in ("csv", "parquet"):
            raise ConfigError("format", "csv or parquet (xlsx: write_xlsx)", repr(f), "pass --format csv|parquet|xlsx")
    folder = uio.ensure_dir(Path(folder))
    written = []
    for name, table in tables.items():
        if "csv" in formats:
            uio.write_csv(folder / f"{name}.csv", table)
            written.append(folder / f"{name}.csv")
        if "parquet" in formats:
            uio.write_parquet(folder / f"{name}.parquet", table)
            written.append(folder / f"{name}.parquet")
    for ext in formats:
        for stale in folder.glob(f"*.{ext}"):
            if stale.stem not in tables:
                stale.unlink()
    return written


def xlsx_bytes(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """One workbook, a sheet per table (names cut to Excel's 31 characters), byte-stable."""
    import datetime as dt

    buf = _io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, table in tables.items():
            table.to_excel(writer, sheet_name=name[:31], index=False)
        fixed = dt.datetime(2000, 1, 1)
        writer.book.properties.created = fixed
        writer.book.properties.modified = fixed
    # zip entries carry the time of writing: rewrite them with a fixed one
    src = zipfile.ZipFile(_io.BytesIO(buf.getvalue()))
    out = _io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed_info = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed_info.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the time of saving
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            dst.writestr(fixed_info, data)
    return out.getvalue()


def write_xlsx(tables: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    path = Path(path)
    uio.write_bytes(path, xlsx_bytes(tables))
    return path


def read_table(path: str | Path) -> pd.DataFrame:
    """A stats table read back from CSV or Parquet (CSV: numbers typed, empty text cells '')."""
    path = Path(path)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    head = pd.read_csv(path, encoding="utf-8-sig", nrows=0).columns
    df = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""],
                     dtype={c: str for c in head if c in TEXT_COLUMNS})
    for c in df.columns:
        if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])):
            df[c] = df[c].astype(object).where(df[c].notna(), "")
    return df


def export_tables(in_dir: str | Path, out: str | Path | None = None, fmt: str = "csv",
                  config: Config | None = None) -> list[Path]:
    """``unionmine export``: compute the tables of a run folder and write them in one format."""
    if fmt not in FORMATS:
        raise ConfigError("--format", "csv, parquet or xlsx", repr(fmt), "pass --format csv|parquet|xlsx")
    o = load_outputs(in_dir, item_columns=stats_item_columns(config))
    tables = compute_tables(o.documents, o.articles, o.items, config)
    if fmt == "xlsx":
        target = Path(out) if out is not None else o.folder / "stats" / "unionmine_stats.xlsx"
        if target.suffix != ".xlsx":
            target = target / "unionmine_stats.xlsx"
        return [write_xlsx(tables, target)]
    return write_tables(tables, Path(out) if out is not None else o.folder / "stats", formats=(fmt,))


def write_run_outputs(out_dir: str | Path, config: Config | None = None, submit=None) -> list[Path]:
    """What ``unionmine run`` calls: OUT/stats/*.csv and *.parquet, and OUT/figures/ with ``plots``.

    ``submit``: see ``compute_tables``."""
    config = config or Config()
    o = load_outputs(out_dir, item_columns=stats_item_columns(config))
    tables = compute_tables(o.documents, o.articles, o.items, config, submit=submit)
    written = write_tables(tables, Path(out_dir) / "stats")
    if config.plots:
        from .plot import write_figures

        written += write_figures(tables, Path(out_dir) / "figures")
    return written
