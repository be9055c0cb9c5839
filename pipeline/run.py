"""Orchestration: many files through the stages, nothing lost.

Every input file ends up in the outputs or in ``errors.csv``; one bad file never
stops a run (unless ``strict``).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from . import io as uio
from . import tables
from .config import Config
from .errors import UnionmineError
from .ingest import Toolkit, ingest_bytes
from .model import Document, FileError


@dataclass
class RunResult:
    documents: list[Document] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False

    def summary(self) -> str:
        warned = sum(1 for d in self.documents if d.warnings)
        return (f"unionmine: {len(self.documents) + len(self.errors)} files: {len(self.documents) - warned} ok, "
                f"{warned} with warnings, {len(self.errors)} failed (errors.csv); {self.seconds:.1f} s")


def _ingest_one(f: uio.InputFile, kit: Toolkit) -> Document | FileError:
    try:
        data = uio.read_bytes(f.path)
    except FileNotFoundError:
        return FileError(str(f.path), "read", "missing",
                         f"{f.path}: expected a readable file; found nothing there (a broken link?); "
                         "fix or remove the link")
    except OSError as e:
        return FileError(str(f.path), "read", "unreadable",
                         f"{f.path}: expected a readable file; found {e.strerror}; check its permissions")
    try:
        return ingest_bytes(data, f.doc_id, str(f.path), kit)
    except UnionmineError as e:
        return FileError(str(f.path), "ingest", getattr(e, "kind", "input"), str(e))
    except Exception as e:  # a bug: report it for this file and go on
        return FileError(str(f.path), "ingest", "internal",
                         f"{f.path}: ingestion failed unexpectedly ({type(e).__name__}: {e}); "
                         "please report this file to the unionmine developers")


def ingest_files(paths: Sequence[str | os.PathLike[str]], config: Config) -> RunResult:
    t0 = time.perf_counter()
    inputs, skipped = uio.discover(paths, config.patterns)
    result = RunResult()
    for path, reason in skipped:
        result.errors.append(FileError(path, "discover", "skipped", f"{path}: {reason}; rename it or pass --pattern"))
    kit = Toolkit(config)
    for f in inputs:
        out = _ingest_one(f, kit)
        if isinstance(out, FileError):
            result.errors.append(out)
            if config.strict:
                result.stopped = True
                break
        else:
            result.documents.append(out)
    result.seconds = time.perf_counter() - t0
    return result


def repair_files(paths: Sequence[str | os.PathLike[str]], out: Path, config: Config) -> RunResult:
    """``unionmine repair``: repaired texts, repairs.csv and errors.csv under ``out``."""
    result = ingest_files(paths, config)
    uio.ensure_dir(out)
    for doc in result.documents:
        uio.write_text(out / f"{doc.doc_id}.txt", doc.text)
    uio.write_csv(out / "repairs.csv", tables.repairs_frame(result.documents))
    uio.write_csv(out / "errors.csv", tables.frame(map(tables.error_row, result.errors), tables.ERROR_COLUMNS))
    return result


def run_corpus(paths: Sequence[str | os.PathLike[str]], out: Path | None = None,
               config: Config | None = None) -> RunResult:
    """``unionmine run``: the whole pipeline; writes its tables when ``out`` is given."""
    config = config or Config()
    result = ingest_files(paths, config)
    if out is not None:
        out = uio.ensure_dir(Path(out))
        for doc in result.documents:
            uio.write_text(out / "texts" / f"{doc.doc_id}.txt", doc.text)
        uio.write_csv(out / "documents.csv",
                      tables.frame(map(tables.document_row, result.documents), tables.DOCUMENT_COLUMNS))
        uio.write_csv(out / "repairs.csv", tables.repairs_frame(result.documents))
        uio.write_csv(out / "errors.csv", tables.frame(map(tables.error_row, result.errors), tables.ERROR_COLUMNS))
    return result
