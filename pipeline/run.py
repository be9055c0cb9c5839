"""Orchestration: many files through the stages, nothing lost, memory flat.

``run_corpus`` walks the inputs, sends each file that has no cached result to an
engine (``pipeline.engine``: the parent alone, a process pool, or Dask), and
keeps only a compact ledger entry per file (id, hash, status, counts, the
near-duplicate material).  Each file's full result goes to the result store
(``pipeline.cache``) as soon as it arrives; the tables are then streamed from the
store in doc_id order, so peak memory depends on the largest file, not on the
number of files, and the tables are byte-identical whatever the number of
workers.  Corpus-level steps (near-duplicates, statistics) run after.

Every input file ends up in documents.csv or errors.csv; one bad file never
stops a run unless ``strict``.
"""
from __future__ import annotations

import csv
import errno
import io
import os
import shutil
import stat
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import pandas as pd

from . import io as uio
from . import tables
from .cache import ResultStore, fingerprint
from .config import Config
from .engine import DocResult, Task, load_classifier, make_engine, optional_stage
from .errors import ConfigError, UnionmineError
from .ingest import Toolkit, ingest_bytes
from .manifest import Manifest
from .model import Document, FileError

#: error kinds that are not failures: the file was deliberately left out
NOT_FAILURES = ("skipped",)


@dataclass
class RunResult:
    """What a run did; ``frames`` holds the tables when no output folder was given."""

    documents: list[Document] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    #: problems of the run rather than of one file (no model, statistics failed); also in errors.csv
    run_errors: list[FileError] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False
    stopped_at: str = ""             # the file that stopped a --strict run
    n_ok: int = 0
    n_warned: int = 0
    n_items: int | None = None
    out: Path | None = None
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def failed(self) -> list[FileError]:
        return [e for e in self.errors if e.kind not in NOT_FAILURES]

    @property
    def skipped(self) -> list[FileError]:
        return [e for e in self.errors if e.kind in NOT_FAILURES]

    def summary(self) -> str:
        if self.documents and not (self.n_ok or self.n_warned):  # ingest_files / repair_files
            self.n_warned = sum(1 for d in self.documents if d.warnings)
            self.n_ok = len(self.documents) - self.n_warned
        n = self.n_ok + self.n_warned + len(self.failed) + len(self.skipped)
        text = (f"unionmine: {n} files: {self.n_ok} ok, {self.n_warned} with warnings, "
                f"{len(self.failed)} failed")
        if self.skipped:
            text += f", {len(self.skipped)} skipped (not matching the patterns)"
        if self.run_errors:
            text += f"; {len(self.run_errors)} run-level problem(s): " + "; ".join(
                f"{e.stage}: {e.kind}" for e in self.run_errors)
        if self.errors or self.run_errors:
            text += " (see errors.csv)"
        if self.n_items is not None:
            text += f"; {self.n_items} items"
        text += f"; {self.seconds:.1f} s"
        if self.stopped:
            text += "; stopped at the first failure (--strict)" + (f": {self.stopped_at}" if self.stopped_at else "")
        return text


# ------------------------------------------------------------------------------
# unionmine repair (ingestion only, in memory)
# ------------------------------------------------------------------------------
def _ingest_one(f: uio.InputFile, kit: Toolkit) -> Document | FileError:
    data = _too_large(f.path, _size(f.path), kit.config) or _read(f.path)
    if isinstance(data, FileError):
        return data
    try:
        return ingest_bytes(data, f.doc_id, str(f.path), kit)
    except UnionmineError as e:
        return FileError(str(f.path), "ingest", getattr(e, "kind", "input"), str(e))
    except Exception as e:  # a bug: report it for this file and go on
        return FileError(str(f.path), "ingest", "internal",
                         f"{f.path}: ingestion failed unexpectedly ({type(e).__name__}: {e}); "
                         "please report this file to the unionmine developers")


def ingest_files(paths: Sequence[str | os.PathLike[str]], config: Config, found=None) -> RunResult:
    """Ingest the reports under ``paths``; ``found``: what ``preflight`` discovered there."""
    t0 = time.perf_counter()
    inputs, skipped = found if found is not None else uio.discover(paths, config.patterns)
    result = RunResult()
    result.errors.extend(_skipped_errors(skipped))
    kit = Toolkit(config)
    for f in inputs:
        out = _ingest_one(f, kit)
        if isinstance(out, FileError):
            result.errors.append(out)
            if config.strict:
                result.stopped, result.stopped_at = True, out.file
                break
        else:
            result.documents.append(out)
    result.seconds = time.perf_counter() - t0
    return result


def repair_files(paths: Sequence[str | os.PathLike[str]], out: Path, config: Config) -> RunResult:
    """``unionmine repair``: repaired texts, repairs.csv and errors.csv under ``out``."""
    result = ingest_files(paths, config, preflight(paths, Path(out), config))
    uio.ensure_dir(out)
    for doc in result.documents:
        uio.write_text(out / f"{doc.doc_id}.txt", doc.text)
    uio.write_csv(out / "repairs.csv", tables.repairs_frame(result.documents))
    # the encoding each file was read in and what decoding noticed (dropped NULs,
    # undecodable bytes, lines in two encodings): the part of the trail before repairs.csv
    uio.write_csv(out / "documents.csv", tables.frame(map(tables.document_row, result.documents),
                                                      tables.DOCUMENT_COLUMNS))
    uio.write_csv(out / "errors.csv", tables.frame(map(tables.error_row, result.errors), tables.ERROR_COLUMNS))
    return result


# ------------------------------------------------------------------------------
# reading and discovery
# ------------------------------------------------------------------------------
def _read(path: Path) -> bytes | FileError:
    """The bytes of one input, or the error that tells the user what to do about it."""
    p = Path(path)
    try:
        mode = p.stat().st_mode
        if not stat.S_ISREG(mode):
            what = ("a folder" if stat.S_ISDIR(mode) else "a named pipe" if stat.S_ISFIFO(mode)
                    else "a socket" if stat.S_ISSOCK(mode) else "a device")
            return FileError(str(p), "read", "not_a_file",
                             f"{p}: expected a regular file; found {what}; move it out of the input folder "
                             "or rename it so that the input patterns skip it")
        return uio.read_bytes(p)
    except FileNotFoundError:
        if p.is_symlink():
            return FileError(str(p), "read", "broken_link",
                             f"{p}: expected a readable file; found a symbolic link to "
                             f"{os.readlink(p)}, which does not exist; fix or remove the link")
        return FileError(str(p), "read", "missing",
                         f"{p}: expected a readable file; found nothing there (moved or deleted during the run?); "
                         "check the path and run again")
    except PermissionError as e:
        return FileError(str(p), "read", "unreadable",
                         f"{p}: expected a readable file; found {e.strerror or 'permission denied'}; "
                         "check its permissions (chmod u+r) or run as a user who may read it")
    except IsADirectoryError:
        return FileError(str(p), "read", "not_a_file",
                         f"{p}: expected a file; found a folder; rename it so that the input patterns skip it")
    except OSError as e:
        if e.errno == errno.ELOOP:
            return FileError(str(p), "read", "broken_link",
                             f"{p}: expected a readable file; found a symbolic link that leads back to itself "
                             "(a loop); fix or remove the link")
        return FileError(str(p), "read", "unreadable",
                         f"{p}: expected a readable file; found {e.strerror or e}; check the disk and the file")


def _too_large(path: Path, size: int, config: Config) -> FileError | None:
    if size <= config.max_file_mb * 1e6:
        return None
    return FileError(str(path), "read", "too_large",
                     f"{path}: expected a report of at most {config.max_file_mb:g} MB (max_file_mb); found "
                     f"{size / 1e6:.1f} MB; split it into separate reports, or raise max_file_mb in the "
                     "configuration file (a worker needs about 50 times the file size in memory)")


def _skipped_errors(skipped: list[tuple[str, str]]) -> list[FileError]:
    out = []
    for path, reason in skipped:
        if reason.startswith("no such file"):
            out.append(FileError(path, "discover", "missing",
                                 f"{path}: expected a file or folder of reports; found {reason}; check the path"))
        elif reason.startswith("unreadable folder"):
            out.append(FileError(path, "discover", "unreadable",
                                 f"{path}: expected a folder the run may list; found {reason}; the reports in it "
                                 "were not read: check its permissions (chmod u+rx) and run again"))
        else:
            out.append(FileError(path, "discover", "skipped",
                                 f"{path}: expected a report matching the input patterns; found a file {reason}; "
                                 "rename it or pass --pattern if it is a report"))
    return out


def _inside(path: Path, folder: Path) -> bool:
    try:
        Path(path).resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symbolic-link loop
        return False


# ------------------------------------------------------------------------------
# the ledger: what the parent remembers about each file
# ------------------------------------------------------------------------------
@dataclass
class Entry:
    doc_id: str
    source: str
    n_bytes: int
    sha256: str = ""
    key: str = ""
    status: str = "pending"          # ok | warned | failed
    cached: bool = False
    same_as: str | None = None       # doc_id of an earlier file with the same bytes
    n_articles: int = 0
    n_items: int = 0
    has_dedup: bool = False


class _Progress:
    """tqdm over bytes (MB, elapsed, rate) with a files counter; silent unless asked or on a terminal."""

    def __init__(self, total_bytes: int, n_files: int, enabled: bool | None):
        show = sys.stderr.isatty() if enabled is None else enabled
        self.bar = None
        self.n_files = n_files
        self.done = 0
        if show:
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread alongside worker processes
            self.bar = tqdm(total=total_bytes, unit="B", unit_scale=True, unit_divisor=1024, desc="unionmine",
                            file=sys.stderr, dynamic_ncols=True, smoothing=0.1)
            self.bar.set_postfix_str(f"files 0/{n_files}")

    def update(self, n_bytes: int) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(n_bytes)
            self.bar.set_postfix_str(f"files {self.done}/{self.n_files}", refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ------------------------------------------------------------------------------
# unionmine run
# ------------------------------------------------------------------------------
def preflight(paths: Sequence[str | os.PathLike[str]], out: Path | None,
              config: Config) -> tuple[list[uio.InputFile], list[tuple[str, str]]]:
    """What must hold before a command writes anything: the configuration's names
    and files, an output folder apart from the inputs that can be written, and at
    least one report to read.  Raises ``ConfigError`` (exit 2) with nothing
    touched, so a mistyped path never replaces an earlier run's tables with empty
    ones.  Returns ``uio.discover``'s files and skipped entries."""
    config.check_paths()
    given = ", ".join(map(str, paths)) or "(no path)"
    if out is not None:
        if out.exists() and not out.is_dir():
            raise ConfigError(str(out), "an output folder", "a file", "choose another --out; nothing was written")
        for raw in paths:
            p = Path(raw)
            if p.is_dir() and _inside(p, out):
                raise ConfigError(str(out), "an output folder apart from the input folders",
                                  f"the input folder {p} inside it (or the same folder)",
                                  "choose an --out outside the inputs, e.g. data/processed; nothing was written")
    if not any(Path(p).exists() or Path(p).is_symlink() for p in paths):
        raise ConfigError(given, "folders or files of reports", "nothing at that path",
                          "check the path (a typo?); nothing was written")
    inputs, skipped = uio.discover(paths, config.patterns)
    if out is not None:  # never read our own outputs back
        inputs = [f for f in inputs if not _inside(f.path, out)]
        skipped = [(p, r) for p, r in skipped if not _inside(Path(p), out)]
    if not inputs and not any(not r.startswith(("no such", "not matched")) for _, r in skipped):
        others = sum(1 for _, r in skipped if r.startswith("not matched"))
        raise ConfigError(given, f"report files matching {', '.join(config.patterns)}",
                          f"none ({others} other file(s))" if others else "an empty folder",
                          "check the folder, or pass --pattern GLOB for other names; nothing was written")
    if out is not None:
        try:
            uio.ensure_dir(out)
            with tempfile.TemporaryFile(dir=out):
                pass
        except OSError as e:
            raise ConfigError(str(out), "an output folder the run may write", e.strerror or str(e),
                              "fix its permissions or choose another --out; nothing was written") from None
    return inputs, skipped


def run_corpus(paths: Sequence[str | os.PathLike[str]], out: Path | str | None = None,
               config: Config | None = None, *, n_workers: int | None = None) -> RunResult:
    """``unionmine run``: the whole pipeline; writes its tables under ``out``.

    Without ``out`` the tables are built in a temporary folder and returned in
    ``result.frames`` (a notebook convenience).  Bad usage (``preflight``) raises
    ``ConfigError`` before anything is written.
    """
    config = config or Config()
    t0 = time.perf_counter()
    found = preflight(paths, None if out is None else Path(out), config)
    tmp_out = None
    if out is None:
        tmp_out = Path(tempfile.mkdtemp(prefix="unionmine-"))
        out_dir = tmp_out
    else:
        out_dir = uio.ensure_dir(Path(out))
    try:
        result = _run(found, out_dir, config, n_workers, t0)
        if tmp_out is not None:
            result.frames = {p.stem: uio.read_csv(p) for p in sorted(tmp_out.glob("*.csv"))}
            result.out = None
        return result
    finally:
        if tmp_out is not None:
            shutil.rmtree(tmp_out, ignore_errors=True)


def _run(found, out_dir: Path, config: Config, n_workers: int | None, t0: float) -> RunResult:
    manifest = Manifest(config)
    result = RunResult(out=out_dir)
    inputs, skipped = found  # outputs under out_dir already left out (``preflight``)
    for err in _skipped_errors(skipped):
        result.errors.append(err)
        manifest.add_input("", err.file, "", 0, err.kind, False)

    t = time.perf_counter()
    try:
        classifier = load_classifier(config)
    except UnionmineError as e:  # no model and no labels to train one: items stay unlabelled, the run goes on
        classifier = None
        result.run_errors.append(FileError(e.where, "classify", "no_model",
                                           f"{e}; until then items.csv has no labels and there are no statistics"))
    except Exception as e:  # a model that cannot be loaded (e.g. saved by another version): same, with the cause
        classifier = None
        where = config.model_path or "the classifier"
        result.run_errors.append(FileError(
            where, "classify", "no_model",
            f"{where}: expected a classifier that loads; found {type(e).__name__}: {e}; delete the cached model "
            "(~/.cache/unionmine) or retrain with 'unionmine train'; until then items.csv has no labels and "
            "there are no statistics"))
    if classifier is not None:
        manifest.stage("classifier_load").seconds += time.perf_counter() - t
    store = ResultStore.for_run(out_dir, fingerprint(config, classifier), config.cache)
    manifest.cache = {"enabled": bool(config.cache), "folder": str(store.root) if config.cache else None}
    ledger: list[Entry] = []
    writer: _TableWriter | None = None
    first_by_sha: dict[str, str] = {}
    to_process: list[Entry] = []
    total = sum(_size(f.path) for f in inputs)
    progress = _Progress(total, len(inputs), config.progress)
    engine = None
    engine_kept = False  # a pool kept for the statistics stage, closed at the end
    try:
        # 1. hash every file (streaming), take cached results, note same-bytes files
        t = time.perf_counter()
        for f in inputs:
            entry = Entry(f.doc_id, str(f.path), 0)
            ledger.append(entry)
            size = _size(f.path)
            data = _too_large(f.path, size, config) or _read(f.path)
            if isinstance(data, FileError):
                if _fail(entry, data, result, manifest, progress, config):
                    break
                continue
            entry.n_bytes, entry.sha256 = len(data), uio.sha256_bytes(data)
            entry.key = store.key(entry.sha256, entry.doc_id)
            entry.same_as = first_by_sha.setdefault(entry.sha256, entry.doc_id)
            if entry.same_as == entry.doc_id:
                entry.same_as = None
            del data
            cached = store.get(entry.key) if config.cache else None
            if cached is not None:
                entry.cached = True
                _take(entry, cached, out_dir, result, manifest)
                progress.update(entry.n_bytes)
                if config.strict and entry.status == "failed":
                    result.stopped, result.stopped_at = True, entry.source
                    break
            else:
                to_process.append(entry)
        manifest.stage("hash_inputs").seconds += time.perf_counter() - t
        if not result.stopped:
            writer = _TableWriter(ledger, store, out_dir, config)
            writer.advance()

        # 2. the per-document stages on the engine, results streamed to the store (and on into the
        #    tables as soon as every document before them is done)
        if to_process and not result.stopped:
            n = min(n_workers or config.n_workers, len(to_process))
            t = time.perf_counter()
            engine = make_engine(config, classifier, n)
            manifest.stage("start_engine").seconds += time.perf_counter() - t
            manifest.engine, manifest.workers = engine.name, engine.n_workers
            by_id = {e.doc_id: e for e in to_process}
            warmed = False
            t = time.perf_counter()
            todo_bytes = sum(e.n_bytes for e in to_process)
            results = engine.map(_tasks(to_process, by_id, store, result, manifest, progress, config), todo_bytes)
            try:
                for res in results:
                    entry = by_id[res.doc_id]
                    if not (res.error is not None and res.error.kind == "crashed"):
                        store.put(entry.key, res)
                    _take(entry, res, out_dir, result, manifest)
                    progress.update(entry.n_bytes)
                    if config.strict and entry.status == "failed":
                        result.stopped, result.stopped_at = True, entry.source
                        break
                    if writer is not None:
                        writer.advance(res)
                    if not warmed and engine.n_workers > 1:  # the parent waits on the workers: prepare meanwhile
                        warmed = _warm_statistics(jieba_here=engine.submit is None)
            except _Stopped:  # a file failed to read again (--strict): the files in flight are not wanted
                pass
            finally:
                results.close()  # the batches not started are cancelled (``_stop`` ends the running ones)
            if config.strict and any(e.status == "failed" for e in to_process):
                result.stopped = True
                result.stopped_at = result.stopped_at or next(e.source for e in to_process if e.status == "failed")
            manifest.stage("documents_wall").seconds += time.perf_counter() - t
            engine_kept = engine.submit is not None and not result.stopped
    except BaseException:  # no half-written table, no spool left behind
        if writer is not None:
            writer.abort()
        store.close()
        if engine is not None:  # interrupted or failed: the files in flight are not wanted either
            engine_kept = False
            _stop(engine, manifest, at_once=True)
            engine = None
        raise
    finally:
        progress.close()
        if engine is not None and not engine_kept:
            # a --strict stop ends the workers mid-file instead of waiting for what they hold
            _stop(engine, manifest, at_once=result.stopped)

    try:
        manifest.counts = _counts(ledger, result)
        if not result.stopped and writer is not None:
            t = time.perf_counter()
            result.n_items = writer.finish()
            if writer.error is not None:  # the tables were written again, without near-duplicate marks
                e = writer.error
                result.run_errors.append(FileError(
                    "near-duplicates", "dedup", "internal",
                    f"near-duplicates: expected the corpus-wide duplicate search to succeed; found "
                    f"{type(e).__name__}: {e}; duplicate_of is empty except for same-bytes files, please report this"))
            _prune_texts(out_dir, ledger)
            manifest.stage("dedup").seconds += writer.dedup_seconds
            manifest.stage("write").seconds += writer.write_seconds
            manifest.stage("finish_tables").seconds += time.perf_counter() - t
            t = time.perf_counter()
            _statistics(out_dir, config, result, manifest, classifier is not None,
                        engine.submit if engine_kept else None)
            if engine_kept:
                engine_kept = False
                _stop(engine, manifest)
            if config.cache and not store.temporary:
                manifest.cache["pruned"] = store.prune(e.key for e in ledger if e.key)
            manifest.counts["items"] = result.n_items
        else:
            if writer is not None:
                writer.abort()
            manifest.status = "stopped"
        manifest.cache.update({"hits": sum(e.cached for e in ledger),
                               # not those a --strict stop left unprocessed (still pending)
                               "processed": sum(1 for e in ledger if e.key and not e.cached and e.status != "pending")})
        result.errors.sort(key=lambda e: (e.file, e.stage))
        all_errors = result.errors + result.run_errors
        uio.write_csv(out_dir / "errors.csv", tables.frame(map(tables.error_row, all_errors), tables.ERROR_COLUMNS))
        result.seconds = time.perf_counter() - t0
        manifest.seconds = result.seconds
        manifest.errors = all_errors
        manifest.write(out_dir / "run.json")
    finally:
        if engine_kept:  # something failed before the statistics were done
            _stop(engine, manifest)
        if writer is not None:
            writer.abort()  # a no-op once the tables are closed
        store.close()
    return result


def _stop(engine, manifest: Manifest, at_once: bool = False) -> None:
    """Close the engine; ``at_once``: without waiting for the files in flight (``Engine.abort``)."""
    t = time.perf_counter()
    engine.abort() if at_once else engine.close()
    manifest.stage("stop_engine").seconds += time.perf_counter() - t


def _size(path: Path) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def _tasks(entries: list[Entry], by_id: dict[str, Entry], store: ResultStore, result: RunResult,
           manifest: Manifest, progress: _Progress, config: Config) -> Iterator[Task]:
    """Read each file again as the engine asks for it (only a window of files is ever in memory)."""
    for entry in entries:
        if result.stopped:
            return
        data = _read(Path(entry.source))
        if isinstance(data, FileError):  # gone or locked since it was hashed
            if _fail(entry, data, result, manifest, progress, config):
                raise _Stopped(entry.source)  # out through the engine, which would wait for its batches
            continue
        sha = uio.sha256_bytes(data)
        if sha != entry.sha256:  # changed since it was hashed: key the new bytes
            entry.sha256, entry.n_bytes, entry.key = sha, len(data), store.key(sha, entry.doc_id)
        yield Task(entry.doc_id, entry.source, sha, data)


class _Stopped(Exception):
    """A ``--strict`` stop found while reading the inputs for the engine."""


def _fail(entry: Entry, err: FileError, result: RunResult, manifest: Manifest,
          progress: "_Progress | None" = None, config: Config | None = None) -> bool:
    """Record a failed file; True when the run must stop here (``--strict``)."""
    entry.status = "failed"
    result.errors.append(err)
    manifest.stage(err.stage).failed += 1
    manifest.add_input(entry.doc_id, entry.source, entry.sha256, entry.n_bytes, "failed", entry.cached)
    if progress is not None:
        progress.update(0)
    if config is not None and config.strict:
        result.stopped, result.stopped_at = True, entry.source
        return True
    return False


def _take(entry: Entry, res: DocResult, out_dir: Path, result: RunResult, manifest: Manifest) -> None:
    """Book one file's result into the ledger, the manifest and texts/; keep nothing big."""
    for stage, secs in (res.seconds.items() if not entry.cached else ()):
        st = manifest.stage(stage)
        st.files += 1
        st.seconds += secs
        st.n_bytes += entry.n_bytes
    if not entry.cached:
        manifest.worker_cpu_seconds += getattr(res, "cpu_seconds", 0.0)
    if res.error is not None:
        err = res.error
        if err.file != entry.source:  # a cached result of the same bytes under another path
            err = FileError(entry.source, err.stage, err.kind, err.message.replace(err.file, entry.source))
        _fail(entry, err, result, manifest)
        return
    warned = bool(res.warnings) or entry.same_as is not None
    entry.status = "warned" if warned else "ok"
    if warned:
        result.n_warned += 1
    else:
        result.n_ok += 1
    entry.n_articles, entry.n_items = len(res.articles), len(res.items)
    entry.has_dedup = res.dedup is not None
    if res.text is not None:
        _write_text_if_changed(out_dir / "texts" / f"{entry.doc_id}.txt", res.text)
    manifest.add_input(entry.doc_id, entry.source, entry.sha256, entry.n_bytes, entry.status, entry.cached)


def _write_text_if_changed(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except OSError:
        pass
    uio.write_bytes(path, data)


def _prune_texts(out_dir: Path, ledger: list[Entry]) -> None:
    """Remove texts/ of documents no longer in the corpus (or failed now)."""
    keep = {e.doc_id for e in ledger if e.status in ("ok", "warned")}
    folder = out_dir / "texts"
    if folder.is_dir():
        for p in folder.glob("*.txt"):
            if p.stem not in keep:
                p.unlink(missing_ok=True)


def _counts(ledger: list[Entry], result: RunResult) -> dict[str, int]:
    return {"files": len(ledger) + len(result.skipped), "ok": result.n_ok, "warned": result.n_warned,
            "failed": len(result.failed), "skipped": len(result.skipped),
            "cached": sum(e.cached for e in ledger), "bytes": sum(e.n_bytes for e in ledger),
            "articles": sum(e.n_articles for e in ledger), "items": sum(e.n_items for e in ledger)}


# ------------------------------------------------------------------------------
# corpus-level steps
# ------------------------------------------------------------------------------
class _CsvStream:
    """A CSV written chunk by chunk in the format of ``io.write_csv``, replaced atomically on success."""

    def __init__(self, path: Path, columns: list[str] | None):
        self.path = Path(path)
        self.columns = columns
        self.rows: list[dict] = []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.chmod(self.tmp, 0o666 & ~_umask())
        self.fh = os.fdopen(fd, "wb")
        self.fh.write("\ufeff".encode("utf-8"))
        self.header_written = False
        self.n = 0

    def add(self, rows: list[dict]) -> None:
        self.rows.extend(rows)
        self.n += len(rows)
        if len(self.rows) >= 5000:
            self.flush()

    def add_text(self, text: str) -> None:
        """Lines already rendered by ``tables.csv_text`` (same columns), after the rows added before them."""
        if text:
            self.flush()
            self.fh.write(text.encode("utf-8"))

    def flush(self) -> None:
        if self.columns is None:
            if not self.rows:
                return
            self.columns = list(self.rows[0])
        if self.rows or not self.header_written:
            # the csv module, as pandas' to_csv uses it (minimal quoting, "\n"), without building a
            # DataFrame first: repairs.csv has a row per widened comma, and this was half the writing
            buf = io.StringIO()
            if not self.header_written:
                csv.writer(buf, lineterminator="\n").writerow(self.columns)
            buf.write(tables.csv_text(self.rows, self.columns))
            self.fh.write(buf.getvalue().encode("utf-8"))
            self.header_written = True
        self.rows = []

    def close(self) -> None:
        self.flush()
        if self.columns is None:  # no rows at all and no declared columns
            self.columns = []
            self.flush()
        self.fh.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self.fh.close()
        Path(self.tmp).unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _columns(name: str) -> list[str] | None:
    cols = getattr(tables, name, None)
    return list(cols) if cols is not None else None


def _item_columns() -> list[str] | None:
    cols = _columns("ITEM_COLUMNS")
    if cols is None:
        return None
    for extra in (_columns("LABEL_COLUMNS") or ["primary_label", "secondary_labels", "confidence", "top_terms",
                                                "model"]):
        if extra not in cols:
            cols.append(extra)
    return cols


class _TableWriter:
    """The tables, written in doc_id order while the engine is still at work.

    A document's rows go out as soon as every document before it (in doc_id
    order) is done, and its near-duplicates are decided then, in that same
    order (``dedup.CorpusDuplicates``), so the tables are those of writing
    everything at the end.  With two workers on two cores the parent's share of
    the work (dedup, CSV) runs beside the workers instead of after them; with
    one, the result just made is written without reading it back from the spool.
    If the duplicate search fails, the tables are written again at the end
    without near-duplicate marks, as before.
    """

    def __init__(self, ledger: list[Entry], store: ResultStore, out_dir: Path, config: Config):
        self.order = sorted(ledger, key=lambda e: e.doc_id)
        self.by_id = {e.doc_id: e for e in ledger}
        self.ledger, self.store, self.out_dir, self.config = ledger, store, out_dir, config
        self.pos = 0
        self.n_items = 0
        self.dedup_seconds = self.write_seconds = 0.0
        self.error: Exception | None = None
        CorpusDuplicates = optional_stage("dedup", "CorpusDuplicates")
        self.index = CorpusDuplicates(config) if CorpusDuplicates is not None else None
        self.streams: dict[str, _CsvStream] | None = _table_streams(out_dir)

    def advance(self, fresh: DocResult | None = None) -> None:
        """Write every document whose turn has come; ``fresh`` is a result just made (not re-read)."""
        while self.pos < len(self.order):
            entry = self.order[self.pos]
            if entry.status == "pending" or (entry.same_as is not None
                                             and self.by_id[entry.same_as].status == "pending"):
                return  # its turn has not come (or the file it copies is not done yet)
            self.pos += 1
            if entry.status not in ("ok", "warned") or self.streams is None:
                continue
            res = fresh if fresh is not None and fresh.doc_id == entry.doc_id else self.store.load(entry.key)
            dup_map: dict[str, str] = {}
            if self.index is not None and entry.has_dedup:
                t = time.perf_counter()
                try:
                    dup_map = self.index.add(res.dedup)
                except Exception as e:  # rewrite everything at the end, without near-duplicate marks
                    self.error = e
                    self.abort()
                    continue
                finally:
                    self.dedup_seconds += time.perf_counter() - t
            t = time.perf_counter()
            self.n_items += _add_rows(self.streams, entry, res, self.by_id, self.store, dup_map)
            self.write_seconds += time.perf_counter() - t

    def finish(self) -> int:
        """Write what is left and close the tables (replacing the old ones); returns the item count."""
        self.advance()
        t = time.perf_counter()
        try:
            if self.streams is None:  # the duplicate search failed: everything again, without its marks
                return _write_tables(self.ledger, self.store, self.out_dir, {})
            for st in self.streams.values():
                st.close()
            self.streams = None
            return self.n_items
        finally:
            self.write_seconds += time.perf_counter() - t

    def abort(self) -> None:
        if self.streams is not None:
            for st in self.streams.values():
                st.abort()
            self.streams = None


def _table_streams(out_dir: Path) -> dict[str, "_CsvStream"]:
    return {
        "documents": _CsvStream(out_dir / "documents.csv", list(tables.DOCUMENT_COLUMNS)),
        "repairs": _CsvStream(out_dir / "repairs.csv", list(tables.REPAIR_COLUMNS)),
        "articles": _CsvStream(out_dir / "articles.csv", _columns("ARTICLE_COLUMNS")),
        "items": _CsvStream(out_dir / "items.csv", _item_columns()),
    }


def _add_rows(streams: dict[str, "_CsvStream"], entry: Entry, res: DocResult, by_id: dict[str, Entry],
              store: ResultStore, dup_map: dict[str, str]) -> int:
    """One document's rows into the tables; returns its number of items."""
    doc = dict(res.document or {})
    doc["source"] = entry.source  # a cached result may come from the same bytes elsewhere
    articles, items = res.articles, res.items
    if entry.same_as is not None:
        first = by_id.get(entry.same_as)
        if first is not None and first.status not in ("ok", "warned"):
            first = None
        note = (f"same bytes as {entry.same_as} ({first.source if first else 'an earlier file'}): "
                "a duplicate file, counted once in statistics")
        doc["warnings"] = "; ".join(w for w in (doc.get("warnings", ""), note) if w)
        if "duplicate_of" in tables.DOCUMENT_COLUMNS:
            doc["duplicate_of"] = entry.same_as
        if first is not None:
            articles, items = _mark_same_as(store.load(first.key), articles, items)
    if dup_map:
        articles = [_dup(r, "article_id", dup_map) for r in articles]
        items = [_dup(r, "item_id", dup_map) for r in items]
    streams["documents"].add([doc])
    streams["repairs"].add_text(res.repairs_csv)
    streams["articles"].add(articles)
    streams["items"].add(items)
    return len(items)


def _write_tables(ledger: list[Entry], store: ResultStore, out_dir: Path, dup_map: dict[str, str]) -> int:
    """Stream every result from the store into the tables, in doc_id order; returns the item count."""
    ok = sorted((e for e in ledger if e.status in ("ok", "warned")), key=lambda e: e.doc_id)
    by_id = {e.doc_id: e for e in ok}
    streams = _table_streams(out_dir)
    n_items = 0
    try:
        for entry in ok:
            n_items += _add_rows(streams, entry, store.load(entry.key), by_id, store, dup_map)
        for s in streams.values():
            s.close()
    except BaseException:
        for s in streams.values():
            s.abort()
        raise
    return n_items


def _dup(row: dict, id_col: str, dup_map: dict[str, str]) -> dict:
    rid = row.get(id_col)
    if rid in dup_map and not row.get("duplicate_of"):
        row = dict(row, duplicate_of=dup_map[rid])
    return row


def _mark_same_as(first: DocResult, articles: list[dict], items: list[dict]) -> tuple[list[dict], list[dict]]:
    """Articles and items of a same-bytes file point at the first file's, position by position."""
    def mark(rows, first_rows, id_col):
        out = []
        for i, r in enumerate(rows):
            if i < len(first_rows) and id_col in r and not r.get("duplicate_of"):
                r = dict(r, duplicate_of=first_rows[i][id_col])
            out.append(r)
        return out

    return mark(articles, first.articles, "article_id"), mark(items, first.items, "item_id")


def _warm_statistics(jieba_here: bool = True) -> bool:
    """Load what the statistics stage needs (statsmodels, scipy.stats, jieba's dictionary: about 1.5 s)
    while the workers run, instead of after them.  jieba's dictionary (0.6 s, 80 MB) only when the
    keyness tables will be computed in this process, not by the pool's workers."""
    import importlib

    for name in ("statsmodels.stats.proportion", "statsmodels.stats.multitest", "scipy.stats", "pipeline.export"):
        try:
            importlib.import_module(name)
        except ImportError:  # the stage reports it itself
            pass
    try:
        from .rules import new_jieba_tokenizer

        if jieba_here:
            new_jieba_tokenizer()  # reads jieba's dictionary once for this process
    except Exception:  # pragma: no cover - the statistics stage reports its own problems
        pass
    return True


def _statistics(out_dir: Path, config: Config, result: RunResult, manifest: Manifest, labelled: bool,
                submit=None) -> None:
    """The statistics stage on the written tables (when it exists in this checkout); ``submit``: the
    engine's idle workers, which compute part of it (``export.compute_tables``)."""
    write_stats = optional_stage("export", "write_run_outputs")
    if write_stats is None or not result.n_items or not labelled:
        return
    t = time.perf_counter()
    try:
        write_stats(out_dir, config, submit=submit)
    except Exception as e:  # statistics failing must not lose the tables already written
        result.run_errors.append(FileError(str(out_dir / "stats"), "statistics", "internal",
                                       f"{out_dir / 'stats'}: expected the statistics tables; found "
                                       f"{type(e).__name__}: {e}; the other tables are complete, please report this"))
    manifest.stage("statistics").seconds += time.perf_counter() - t
