"""``unionmine segment``: repair and segment reports, write the document, article and item tables."""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .cli import _add_input_options, _config_from, _help, command, exit_status
from .config import Config
from .model import FileError, SegmentedDocument


@dataclass
class SegmentResult:
    segmented: list[SegmentedDocument] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False

    def summary(self) -> str:
        n_art = sum(len(s.articles) for s in self.segmented)
        n_items = sum(len(s.items) for s in self.segmented)
        n_dup = sum(1 for s in self.segmented for it in s.items if it.duplicate_of)
        from .run import NOT_FAILURES

        failed = sum(1 for e in self.errors if e.kind not in NOT_FAILURES)
        skipped = len(self.errors) - failed
        return (f"unionmine: {len(self.segmented) + len(self.errors)} files: {len(self.segmented)} segmented, "
                f"{failed} failed" + (f", {skipped} skipped (not matching the patterns)" if skipped else "")
                + (" (errors.csv)" if self.errors else "") + f"; {n_art} articles, {n_items} items "
                f"({n_dup} near-duplicates); {self.seconds:.1f} s")


def segment_paths(paths: Sequence[str | os.PathLike[str]], out: Path | None = None,
                  config: Config | None = None) -> SegmentResult:
    """Repair, segment and de-duplicate report files; write the four tables under ``out`` if given."""
    from . import io as uio
    from . import tables
    from .dedup import mark_duplicates
    from .run import ingest_files
    from .segment import segment_documents

    from .run import preflight

    config = config or Config()
    t0 = time.perf_counter()
    ingested = ingest_files(paths, config, preflight(paths, None if out is None else Path(out), config))
    segmented, errors = segment_documents(ingested.documents, config)
    read = None
    if config.script != "simplified":  # compare items in simplified script, as unionmine run does
        import dataclasses

        from .script import ScriptConverter
        from .segment import simplified_items, simplified_text

        conv = ScriptConverter("simplified")
        read = [dataclasses.replace(s, items=simplified_items(s.items, simplified_text(s.document, conv)))
                for s in segmented]
    segmented = mark_duplicates(segmented, config, read)
    result = SegmentResult(segmented, list(ingested.errors) + errors, stopped=ingested.stopped)
    if out is not None:
        out = uio.ensure_dir(Path(out))
        uio.write_csv(out / "documents.csv", tables.frame(map(tables.segmented_document_row, segmented),
                                                          tables.DOCUMENT_COLUMNS))
        uio.write_csv(out / "articles.csv", tables.articles_frame(segmented))
        uio.write_csv(out / "items.csv", tables.items_frame(segmented))
        uio.write_csv(out / "errors.csv", tables.frame(map(tables.error_row, result.errors), tables.ERROR_COLUMNS))
    result.seconds = time.perf_counter() - t0
    return result


@command("segment")
def _add_segment(sub) -> None:
    p = sub.add_parser("segment", **_help(
        "Repair and segment reports into articles (篇) and a tree of numbered items.\n\n"
        "Writes DIR/documents.csv (with year, sector, doc_type, organization), DIR/articles.csv\n"
        "(title, metadata and its evidence, duplicate_of), DIR/items.csv (item_id, path, level,\n"
        "marker, is_heading, text, text_original, parent_id, duplicate_of, offsets) and\n"
        "DIR/errors.csv. A file that cannot be read or segmented is listed in errors.csv; the\n"
        "others are still written.",
        "unionmine segment data/raw --out segmented"))
    p.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders (searched recursively)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created)")
    _add_input_options(p)
    p.set_defaults(func=_cmd_segment)


def _cmd_segment(args) -> int:
    config = _config_from(args)
    result = segment_paths(args.paths, Path(args.out), config)
    print(result.summary(), file=sys.stderr)
    return exit_status(result)
