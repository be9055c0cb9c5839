"""Engines: run the per-document stages on a local process pool or a Dask cluster.

Both engines call the same function, ``DocumentProcessor.process_batch``, on the
same ``Task``s (the bytes of one file and its id) and return the same compact
``DocResult`` (table rows, not records), so their outputs are identical.  The
heavy parts (OpenCC tables, jieba's dictionary, the classifier) are built once
per worker process: by the pool's initializer for the local engine, and by a
cached per-process builder for Dask (``_processor_for``).

Files travel in batches (``batches``: consecutive files up to ``BATCH_BYTES``),
so the per-call costs (the classifier's, pickling, the pool's round trip) are
paid per batch, not per file.  Only a bounded window of batches is in flight at
any time (``2 × workers``), so neither the parent nor the workers hold more than
a few batches of documents at once.
"""
from __future__ import annotations

import importlib
import multiprocessing
import os
import pickle
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

from . import tables
from .config import Config
from .errors import UnionmineError
from .ingest import Toolkit, ingest_bytes
from .model import FileError

#: a document with no line break and more characters than this gets a warning
LONG_LINE_CHARS = 100_000
#: a tiny report with the usual damage (pinyin glued on, ? for quotes), so warming up loads every rule's tools
_WARM_UP = ("2023年機關工會工作計劃\n一、加強(qiáng)職工之家建設，實施?十二五?規劃，組織職工開展勞動競賽。\n"
            "二、做好困難職工幫扶和送溫暖工作。\n(一)走訪慰問社區(qū)困難職工。\n")
#: a document whose repaired text keeps less than this share of its decoded text gets a warning
LOST_SHARE = 0.5


@dataclass(frozen=True)
class Task:
    """One file for the per-document stages: its bytes travel with it (no shared disk needed)."""

    doc_id: str
    source: str
    sha256: str
    data: bytes


@dataclass
class DocResult:
    """Everything the corpus-level steps and the writers need from one file, as table rows."""

    doc_id: str
    source: str
    sha256: str
    n_bytes: int
    error: FileError | None = None
    document: dict | None = None
    #: the repairs.csv lines of this file (no header), rendered by the worker (``tables.repair_csv``):
    #: a million repair dicts cost the parent more to receive, spool and re-read than to write
    repairs_csv: str = ""
    articles: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    text: str | None = None
    #: compact material for corpus-level near-duplicate detection (see ``pipeline.run``)
    dedup: Any = None
    seconds: dict[str, float] = field(default_factory=dict)
    #: CPU time of the per-document stages (wall time minus waiting for a core)
    cpu_seconds: float = 0.0

    @property
    def warnings(self) -> str:
        return (self.document or {}).get("warnings", "")


def optional_stage(module: str, attr: str) -> Callable | None:
    """A stage function when its module exists in this checkout; None otherwise.

    Stages land one by one; until one exists the run goes on without it.
    """
    name = f"pipeline.{module}"
    try:
        mod = importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name == name:
            return None
        raise
    return getattr(mod, attr, None)


def load_classifier(config: Config) -> Any | None:
    """The trained classifier (trained from the shipped labels when none is saved); built in the parent once.

    None while there is no segmentation stage to give it items.
    """
    if optional_stage("segment", "segment") is None:
        return None
    load_or_train = optional_stage("classify", "load_or_train")
    return None if load_or_train is None else load_or_train(config)


class DocumentProcessor:
    """The per-document stages (ingest → segment → classify) with their tools built once."""

    def __init__(self, config: Config, classifier: Any = None):
        self.config = config
        self.kit = Toolkit(config)
        self.classifier = classifier
        self.segment = optional_stage("segment", "segment")
        self.simplified_text = optional_stage("segment", "simplified_text")
        self.simplified_items = optional_stage("segment", "simplified_items")

    def warm_up(self) -> None:
        """Build every lazy tool now (once per worker) by running the stages on a tiny report."""
        try:
            self.process(Task("warm-up", "warm-up", "", _WARM_UP.encode("utf-8")))
        except Exception:  # pragma: no cover - warming is best effort; real files report their own errors
            pass

    def process(self, task: Task) -> DocResult:
        return self.process_batch([task])[0]

    def process_batch(self, tasks: Sequence[Task]) -> list[DocResult]:
        """The stages on several files, their items classified in one call.

        scikit-learn pays a fixed cost per ``predict`` call (input checks, the
        column transformer, calibration): about 12 ms, as much as classifying a
        20 KB report.  One call per batch instead of one per file saved a third
        of the classify stage (benchmarks/throughput.py).  Predictions are row by
        row, so a batch labels each item exactly as a call on its own file would.
        """
        works = [self._ingest_and_segment(task) for task in tasks]
        self._classify_batch(works)
        for w in works:
            if w.res.error is None:
                cpu0, t = time.process_time(), time.perf_counter()
                w.stage = "rows"
                if self._guarded(w, lambda w=w: _fill_rows(w.res, w.doc, w.seg, w.labels, w.warnings, w.read)):
                    w.res.seconds["rows"] = time.perf_counter() - t
                w.cpu += time.process_time() - cpu0
            if w.res.error is not None:
                w.res.document = w.res.text = None
                w.res.repairs_csv, w.res.articles, w.res.items = "", [], []
                w.res.dedup = None
            w.res.cpu_seconds = w.cpu
        return [w.res for w in works]

    def _ingest_and_segment(self, task: Task) -> "_Work":
        w = _Work(task, DocResult(task.doc_id, task.source, task.sha256, len(task.data)))
        cpu0 = time.process_time()

        def stages() -> None:
            t = time.perf_counter()
            w.doc = ingest_bytes(task.data, task.doc_id, task.source, self.kit)
            w.res.seconds["ingest"] = time.perf_counter() - t
            w.warnings = list(w.doc.warnings) + input_warnings(w.doc)
            if self.segment is not None:
                w.stage = "segment"
                t = time.perf_counter()
                view = self._simplified(w.doc)
                w.seg = self.segment(w.doc, self.config, view=view)
                w.read = w.seg.items if view is w.doc.text else self.simplified_items(w.seg.items, view)
                w.res.seconds["segment"] = time.perf_counter() - t

        self._guarded(w, stages)
        w.cpu += time.process_time() - cpu0
        return w

    def _simplified(self, doc: Any) -> str:
        """The text the segmenter and the classifier read (``segment.simplified_text``).

        With the default target it is ``doc.text`` itself: this processor's converter
        made that text, and the same conversion would only make it again.
        """
        if self.kit.converter.target == "simplified" or self.simplified_text is None:
            return doc.text
        return self.simplified_text(doc, self.kit.converter)

    def _classify_batch(self, works: list["_Work"]) -> None:
        todo = [w for w in works if w.res.error is None and w.seg is not None and w.seg.items]
        if self.classifier is None or not todo:
            return
        ids = [it.item_id for w in todo for it in w.read]
        if len(todo) > 1 and len(set(ids)) == len(ids):
            cpu0, t = time.process_time(), time.perf_counter()
            try:
                labels = _classify_items(self.classifier, [it for w in todo for it in w.read])
            except Exception:  # one file's items broke the batch: classify file by file, so only it fails
                labels = None
            if labels is not None and len(labels) == len(ids):
                secs, cpu, n = time.perf_counter() - t, time.process_time() - cpu0, len(ids)
                pos = 0
                for w in todo:  # each file's share of the call, by its number of items
                    k = len(w.read)
                    w.labels = labels[pos:pos + k]
                    pos += k
                    w.res.seconds["classify"] = secs * k / n
                    w.cpu += cpu * k / n
                return
        for w in todo:
            cpu0, t = time.process_time(), time.perf_counter()
            w.stage = "classify"
            if self._guarded(w, lambda w=w: setattr(w, "labels", _classify_items(self.classifier, w.read))):
                w.res.seconds["classify"] = time.perf_counter() - t
            w.cpu += time.process_time() - cpu0

    @staticmethod
    def _guarded(w: "_Work", fn: Callable[[], Any]) -> bool:
        """Run stage ``w.stage`` of one file; a failure becomes that file's error (True when it succeeded)."""
        task = w.task
        try:
            fn()
            return True
        except UnionmineError as e:
            w.res.error = FileError(task.source, w.stage, getattr(e, "kind", "input"), str(e))
        except MemoryError:
            w.res.error = FileError(task.source, w.stage, "memory",
                                    f"{task.source}: expected a report that fits in memory; found {len(task.data)} "
                                    "bytes that exhausted it; split the file or run with fewer --workers")
        except Exception as e:  # a bug in a stage: reported for this file, the run goes on
            w.res.error = FileError(task.source, w.stage, "internal",
                                    f"{task.source}: expected the {w.stage} stage to succeed; found "
                                    f"{type(e).__name__}: {e}; please report this file to the unionmine developers")
        return False


@dataclass
class _Work:
    """One file on its way through ``process_batch``."""

    task: Task
    res: DocResult
    stage: str = "ingest"
    doc: Any = None
    seg: Any = None
    #: the items as the classifier and the near-duplicate search read them: in simplified script
    read: Any = None
    labels: list | None = None
    warnings: list[str] = field(default_factory=list)
    cpu: float = 0.0


def input_warnings(doc: Any) -> list[str]:
    """What the run notices about a document that no stage complains about."""
    out = []
    raw = doc.raw_text
    if len(raw) > LONG_LINE_CHARS and "\n" not in raw.strip():
        out.append(f"one line of {len(raw)} characters with no line breaks: articles and items may be missed; "
                   "check whether the file lost its line ends")
    n_raw = len(raw.strip())
    if n_raw >= 200 and len(doc.text.strip()) < LOST_SHARE * n_raw:
        removed: dict[str, int] = {}
        for r in doc.repairs:
            removed[r.rule] = removed.get(r.rule, 0) + max(0, len(r.before) - len(r.after))
        top = ", ".join(f"{k} {v}" for k, v in sorted(removed.items(), key=lambda kv: -kv[1])[:3] if v)
        out.append(f"the repairs removed {100 * (1 - len(doc.text.strip()) / n_raw):.0f}% of the text "
                   f"(characters removed by rule: {top or 'none'}); check this file's rows in repairs.csv")
    return out


def _classify_items(classifier: Any, items: Sequence[Any]) -> list:
    """Labels of ``items`` (of one or more files: each finds its parent among them by id)."""
    classify_items = optional_stage("classify", "classify_items")
    if classify_items is not None:
        return list(classify_items(items, classifier))
    by_id = {it.item_id: it for it in items}
    parents = [by_id[it.parent_id].text if it.parent_id in by_id else "" for it in items]
    return list(classifier.predict([it.text for it in items], parents, [it.item_id for it in items]))


def _fill_rows(res: DocResult, doc: Any, seg: Any, labels: list | None, warnings: list[str],
               read: Any = None) -> None:
    """The rows of one file; ``read``: its items in simplified script, for the near-duplicate search."""
    import dataclasses

    if seg is not None:  # the segmenter's document carries the metadata it found
        doc = dataclasses.replace(seg.document, warnings=tuple(warnings))
        seg = dataclasses.replace(seg, document=doc)
    else:
        doc = dataclasses.replace(doc, warnings=tuple(warnings))
    n_articles = len(seg.articles) if seg is not None else None
    n_items = len(seg.items) if seg is not None else None
    row_fn = getattr(tables, "segmented_document_row", None)
    res.document = row_fn(seg) if (row_fn and seg is not None) else tables.document_row(doc, n_articles, n_items)
    res.repairs_csv = tables.repair_csv(doc)
    res.text = doc.text
    if seg is None:
        return
    article_rows = getattr(tables, "article_rows", None)
    item_rows = getattr(tables, "item_rows", None)
    res.articles = article_rows(seg) if article_rows else [_article_columns(a) for a in seg.articles]
    rows = item_rows(seg) if item_rows else [dataclasses.asdict(it) for it in seg.items]
    label_rows = optional_stage("classify", "label_rows") or (lambda labs: [_label_columns(x) for x in labs])
    label_by_id = dict(zip((lab.item_id for lab in labels), label_rows(labels))) if labels else {}
    items = []
    for it, row in zip(seg.items, rows):
        row.update(label_by_id.get(it.item_id, {}))
        items.append(row)
    res.items = items
    signature = optional_stage("dedup", "signatures")
    if read is not None and read is not seg.items:
        seg = dataclasses.replace(seg, items=read)
    res.dedup = signature(seg, res.items) if signature else None


def _article_columns(a: Any) -> dict:
    """articles.csv columns until ``tables.article_row`` exists: the record, metadata flattened."""
    meta = dict(a.metadata or {})
    row = {"article_id": a.article_id, "doc_id": a.doc_id, "article": a.index, "title": a.title,
           "start": a.start, "end": a.end}
    row.update({k: v for k, v in sorted(meta.items()) if isinstance(v, (str, int, float, bool))})
    row["duplicate_of"] = a.duplicate_of or ""
    return row


def _label_columns(lab: Any) -> dict:
    return {"primary_label": lab.primary_label, "secondary_labels": ";".join(lab.secondary_labels),
            "confidence": round(lab.confidence, 4), "top_terms": ";".join(lab.top_terms), "model": lab.model}


# ------------------------------------------------------------------------------
# per-process state: one processor per (config, classifier) in each worker
# ------------------------------------------------------------------------------
_PROCESSORS: dict[Any, DocumentProcessor] = {}
_LOCK = threading.Lock()


def _processor_for(config: Config, classifier: Any, key: Any) -> DocumentProcessor:
    """The processor of this process for ``key``, built (and warmed up) on first use; thread-safe."""
    with _LOCK:
        proc = _PROCESSORS.get(key)
        if proc is None:
            _one_thread_each()
            proc = DocumentProcessor(config, classifier)
            proc.warm_up()
            _freeze_tools()
            _PROCESSORS.clear()  # a worker serves one run configuration at a time
            _PROCESSORS[key] = proc
        return proc


def _freeze_tools() -> None:
    """Exempt everything built so far (models, dictionaries, tables) from the cyclic garbage collector.

    They live as long as the process; without this every full collection walks
    them again: 4.5% of the per-document time on the 2 MB benchmark corpus,
    1.3% after (measured with gc.callbacks).
    """
    import gc

    gc.collect()
    gc.freeze()


def _init_worker(config: Config, classifier_blob: bytes | None) -> None:
    classifier = pickle.loads(classifier_blob) if classifier_blob is not None else None
    _processor_for(config, classifier, "local")


def _one_thread_each() -> None:
    """N worker processes on N cores: numpy/scikit-learn must not start N threads each on top."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except Exception:  # pragma: no cover - threadpoolctl comes with scikit-learn; without it, carry on
        pass


def _process_local(batch: list[Task]) -> list[DocResult]:
    return _PROCESSORS["local"].process_batch(batch)


def _process_dask(batch: list[Task], config: Config, classifier: Any, key: str) -> list[DocResult]:
    return _processor_for(config, classifier, key).process_batch(batch)


# ------------------------------------------------------------------------------
# batches: files travel to the workers a few at a time
# ------------------------------------------------------------------------------
#: a batch holds files up to about this many bytes (one bigger file travels alone) …
BATCH_BYTES = 256_000
#: … and at most this many files
BATCH_FILES = 32
#: with several workers, batches are small enough that each worker gets this many (the last ones balance the load)
BATCHES_PER_WORKER = 8


def batch_bytes(total_bytes: int | None, n_workers: int) -> int:
    """The batch size for a run of ``total_bytes`` on ``n_workers``.

    Big enough that the per-call costs (classifier call, pickling, the pool's
    round trip) are paid rarely, small enough that with several workers none
    sits idle at the end while another finishes a big batch.
    """
    if not total_bytes or n_workers <= 1:
        return BATCH_BYTES
    return max(16_000, min(BATCH_BYTES, total_bytes // (n_workers * BATCHES_PER_WORKER)))


def batches(tasks: Iterable[Task], max_bytes: int = BATCH_BYTES, max_files: int = BATCH_FILES) -> Iterator[list[Task]]:
    """Consecutive tasks grouped up to ``max_bytes`` / ``max_files`` (only one batch is held at a time)."""
    batch: list[Task] = []
    size = 0
    for task in tasks:
        if batch and (size + len(task.data) > max_bytes or len(batch) >= max_files):
            yield batch
            batch, size = [], 0
        batch.append(task)
        size += len(task.data)
    if batch:
        yield batch


# ------------------------------------------------------------------------------
# engines
# ------------------------------------------------------------------------------
class Engine:
    """Runs ``DocumentProcessor.process_batch`` over tasks; results come back as they finish."""

    name = "engine"
    n_workers = 1

    def map(self, tasks: Iterable[Task], total_bytes: int | None = None) -> Iterator[DocResult]:
        """One result per task; ``total_bytes`` (of all tasks, if known) sizes the batches."""
        raise NotImplementedError  # pragma: no cover - interface

    #: ``submit(fn, *args) -> Future`` on idle workers of this machine (the statistics stage uses
    #: them), or None where the work would only compete with this process (one worker) or runs elsewhere
    submit: Callable[..., Future] | None = None

    def close(self) -> None:
        pass

    def abort(self) -> None:
        """Stop at once, without waiting for the files in flight (a ``--strict`` run's first failure).

        After it the engine is closed; results still to come are lost, so call it
        only when they are not wanted.
        """
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class InProcessEngine(Engine):
    """One worker: the parent process itself (no pickling, easiest to debug)."""

    name = "local"

    def __init__(self, config: Config, classifier: Any = None):
        self.processor = DocumentProcessor(config, classifier)
        self.processor.warm_up()
        _freeze_tools()

    def map(self, tasks: Iterable[Task], total_bytes: int | None = None) -> Iterator[DocResult]:
        for batch in batches(tasks, batch_bytes(total_bytes, 1)):
            yield from self.processor.process_batch(batch)


#: how long ``LocalEngine.abort`` waits for a terminated worker to end before killing it
ABORT_SECONDS = 10


class LocalEngine(Engine):
    """A process pool; each worker builds its processor once in the pool initializer."""

    name = "local"

    def __init__(self, config: Config, classifier: Any = None, n_workers: int | None = None):
        self.n_workers = n_workers or config.n_workers
        self._config = config
        self._blob = pickle.dumps(classifier, protocol=pickle.HIGHEST_PROTOCOL) if classifier is not None else None
        self.pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.n_workers, mp_context=_mp_context(),
                                   initializer=_init_worker, initargs=(self._config, self._blob))

    def map(self, tasks: Iterable[Task], total_bytes: int | None = None) -> Iterator[DocResult]:
        """Batches through the pool; when a worker dies, the files it took down run again one at a time.

        A dying worker breaks the whole pool, so every file in flight is lost with
        it.  Each lost file runs once more, alone in a fresh pool: the innocent
        ones succeed, and the one that kills its worker again is reported as
        crashed without taking any other file down with it.
        """
        window = 2 * self.n_workers
        pending: dict[Future, list[Task]] = {}
        suspects: list[Task] = []
        alone: set[str] = set()
        it = batches(tasks, batch_bytes(total_bytes, self.n_workers))
        more = True
        try:
            while True:
                if suspects:
                    if not pending:
                        task = suspects.pop(0)
                        alone.add(task.doc_id)
                        pending[self._submit([task])] = [task]
                else:
                    more = more and _top_up(it, pending, window, self._submit, lambda batch: batch)
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                broken = False
                for fut in sorted(done, key=lambda f: pending[f][0].doc_id):
                    batch = pending.pop(fut)
                    exc = fut.exception()
                    if exc is None:
                        yield from fut.result()
                        continue
                    broken = broken or isinstance(exc, BrokenProcessPool)
                    for task in batch:
                        if isinstance(exc, BrokenProcessPool) and task.doc_id not in alone:
                            suspects.append(task)  # maybe an innocent bystander of a dying worker
                        else:
                            yield crashed(_Meta.of(task), exc)
                if broken:  # a worker died (killed, out of memory): a fresh pool
                    self.pool.shutdown(wait=False, cancel_futures=True)
                    self.pool = self._new_pool()
                    suspects += [task for batch in pending.values() for task in batch if task.doc_id not in alone]
                    pending.clear()
        finally:
            for fut in pending:
                fut.cancel()

    def _submit(self, batch: list[Task]) -> Future:
        return self.pool.submit(_process_local, batch)

    @property
    def submit(self) -> Callable[..., Future] | None:  # type: ignore[override]
        return self.pool.submit if self.n_workers > 1 else None

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        """Cancel the batches not started, end the busy workers mid-file, and return once they are gone.

        ``close`` lets each worker finish the batch it holds: a large damaged file
        (one line of a megabyte: half a minute) kept a ``--strict`` run waiting
        long after its first failure.  ``ProcessPoolExecutor`` has no way to stop
        a running call before Python 3.14 (``terminate_workers``), so this does
        what that does: shut the pool down without waiting, terminate its
        processes, then wait for them to end, so that none outlives the run.
        """
        pool = self.pool
        workers = list((pool._processes or {}).values())
        manager = pool._executor_manager_thread
        if hasattr(pool, "terminate_workers"):  # Python 3.14
            pool.terminate_workers()
        else:
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in workers:
                proc.terminate()  # one that already ended is skipped
        if manager is not None:  # it sees the workers end, fails what they held and reaps them
            manager.join(ABORT_SECONDS)
        for proc in workers:
            proc.join(ABORT_SECONDS)
            if proc.exitcode is None:  # pragma: no cover - a worker that ignored SIGTERM
                proc.kill()
                proc.join()


def _top_up(it: Iterator[Any], pending: dict, window: int, submit: Callable[[Any], Any],
            keep: Callable[[Any], Any]) -> bool:
    """Submit batches until ``window`` are in flight (memory stays flat); False once ``it`` is used up."""
    while len(pending) < window:
        batch = next(it, None)
        if batch is None:
            return False
        pending[submit(batch)] = keep(batch)
    return True


def _mp_context():
    """How workers start: fork when this process has no other thread, else forkserver (or spawn).

    Fork is fastest and gives the workers the very code the parent imported (the
    stages are already loaded), so one run never mixes two versions of a stage.
    Forking a process that runs threads can deadlock, so then a fork server (a
    clean process that preloaded the stages) starts them instead.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["pipeline.engine"])
        return ctx
    return multiprocessing.get_context("spawn")


#: how long ``--engine dask --scheduler ADDRESS`` waits for the scheduler to answer
DASK_CONNECT_SECONDS = 20


class DaskEngine(Engine):
    """The same per-document function on a Dask cluster (``dask.distributed``).

    ``scheduler`` is the address of a running scheduler (``tcp://host:8786``);
    None starts a ``LocalCluster`` of ``n_workers`` single-threaded processes.
    The file bytes travel with each task, so workers need no shared disk.
    """

    name = "dask"

    def __init__(self, config: Config, classifier: Any = None, scheduler: str | None = None,
                 n_workers: int | None = None):
        from distributed import Client, LocalCluster

        self._cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout=DASK_CONNECT_SECONDS)
            except (OSError, TimeoutError, ValueError) as e:
                from .errors import ConfigError

                raise ConfigError("scheduler", "a Dask scheduler that answers",
                                  f"none at {scheduler} within {DASK_CONNECT_SECONDS} s ({type(e).__name__}: {e})",
                                  "start one ('dask scheduler', then 'dask worker ADDRESS' on each machine) or "
                                  "fix the address; without --scheduler, --engine dask starts a local cluster") from None
        else:
            self._cluster = LocalCluster(n_workers=n_workers or config.n_workers, threads_per_worker=1,
                                         processes=True, dashboard_address=None)
            self.client = Client(self._cluster)
        info = self.client.scheduler_info()
        self.n_workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))
        self.config = config
        # one copy of the model per worker, resolved there; the key separates runs
        self._classifier = (self.client.scatter(classifier, broadcast=True, hash=False)
                            if classifier is not None else None)
        self._key = f"dask-{os.getpid()}-{id(self)}-{time.time_ns()}"
        self._in_flight: dict[Any, list[_Meta]] = {}

    def map(self, tasks: Iterable[Task], total_bytes: int | None = None) -> Iterator[DocResult]:
        from distributed import wait as dask_wait

        window = 2 * self.n_workers
        pending: dict[Any, list[_Meta]] = {}
        self._in_flight = pending
        it = batches(tasks, batch_bytes(total_bytes, self.n_workers))
        more = True
        try:
            while True:
                more = more and _top_up(it, pending, window, self._submit, lambda b: [_Meta.of(t) for t in b])
                if not pending:
                    return
                done = dask_wait(list(pending), return_when="FIRST_COMPLETED").done
                for fut in done:
                    metas = pending.pop(fut)
                    if fut.status == "finished":
                        yield from fut.result()
                    else:
                        exc = fut.exception()
                        for meta in metas:
                            yield crashed(meta, exc)
        finally:
            for fut in pending:
                fut.cancel()

    def _submit(self, batch: list[Task]):
        if len(batch) == 1 and len(batch[0].data) > 1_000_000:  # big files travel as data, not inside the graph
            task = batch[0]
            data = self.client.scatter(task.data, hash=False)
            return self.client.submit(_process_dask_big, _Meta.of(task), data, self.config,
                                      self._classifier, self._key, pure=False)
        return self.client.submit(_process_dask, batch, self.config, self._classifier, self._key, pure=False)

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def abort(self) -> None:
        """Cancel every task in flight, then close.

        Dask cannot stop a task that runs in a worker's thread.  A cluster started
        here (no ``--scheduler``) is closed with its workers: Dask gives a busy one
        4 s, then kills it.  The workers of a cluster at ``--scheduler`` belong to
        it and stay; a cancelled task already running there finishes its files
        in the background and its result is dropped.
        """
        if self._in_flight:
            self.client.cancel(list(self._in_flight), force=True)
        self._in_flight = {}
        self.close()


def _process_dask_big(meta: "_Meta", data: bytes, config: Config, classifier: Any, key: str) -> list[DocResult]:
    return _process_dask([Task(meta.doc_id, meta.source, meta.sha256, data)], config, classifier, key)


@dataclass(frozen=True)
class _Meta:
    """A task without its bytes: what is needed to report a crash."""

    doc_id: str
    source: str
    sha256: str
    n_bytes: int

    @classmethod
    def of(cls, task: Task) -> "_Meta":
        return cls(task.doc_id, task.source, task.sha256, len(task.data))


def crashed(meta: _Meta, exc: BaseException | None) -> DocResult:
    """The result for a file whose worker died or raised outside the stages."""
    what = f"{type(exc).__name__}: {exc}" if exc is not None else "a lost task"
    return DocResult(meta.doc_id, meta.source, meta.sha256, meta.n_bytes,
                     error=FileError(meta.source, "worker", "crashed",
                                     f"{meta.source}: expected a worker to process the file; found {what}; "
                                     "run again with --workers 1 to see whether this file is the cause"))


def make_engine(config: Config, classifier: Any = None, n_workers: int | None = None) -> Engine:
    """The engine ``config`` asks for: Dask, a process pool, or the parent process alone (1 worker)."""
    n = n_workers or config.n_workers
    if config.engine == "dask":
        return DaskEngine(config, classifier, config.scheduler, n)
    if n <= 1:
        return InProcessEngine(config, classifier)
    return LocalEngine(config, classifier, n)


def engine_names() -> Sequence[str]:
    return ("local", "dask")
