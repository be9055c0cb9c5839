"""Engines: run the per-document stages on a local process pool or a Dask cluster.

Both engines call the same function, ``DocumentProcessor.process``, on the same
``Task`` (the bytes of one file and its id) and return the same compact
``DocResult`` (table rows, not records), so their outputs are identical.  The
heavy parts (OpenCC tables, jieba's dictionary, the classifier) are built once
per worker process: by the pool's initializer for the local engine, and by a
cached per-process builder for Dask (``_processor_for``).

Only a bounded window of tasks is in flight at any time (``2 × workers``), so
neither the parent nor the workers hold more than a few documents at once.
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
    repairs: list[dict] = field(default_factory=list)
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

    def warm_up(self) -> None:
        """Build every lazy tool now (once per worker) by running the stages on a tiny report."""
        try:
            self.process(Task("warm-up", "warm-up", "", _WARM_UP.encode("utf-8")))
        except Exception:  # pragma: no cover - warming is best effort; real files report their own errors
            pass

    def process(self, task: Task) -> DocResult:
        res = DocResult(task.doc_id, task.source, task.sha256, len(task.data))
        cpu0 = time.process_time()
        stage = "ingest"
        try:
            t = time.perf_counter()
            doc = ingest_bytes(task.data, task.doc_id, task.source, self.kit)
            res.seconds["ingest"] = time.perf_counter() - t
            warnings = list(doc.warnings) + input_warnings(doc)
            seg = None
            if self.segment is not None:
                stage = "segment"
                t = time.perf_counter()
                seg = self.segment(doc, self.config)
                res.seconds["segment"] = time.perf_counter() - t
            labels = None
            if seg is not None and self.classifier is not None and seg.items:
                stage = "classify"
                t = time.perf_counter()
                labels = _classify(self.classifier, seg)
                res.seconds["classify"] = time.perf_counter() - t
            stage = "rows"
            _fill_rows(res, doc, seg, labels, warnings)
        except UnionmineError as e:
            res.error = FileError(task.source, stage, getattr(e, "kind", "input"), str(e))
        except MemoryError:
            res.error = FileError(task.source, stage, "memory",
                                  f"{task.source}: expected a report that fits in memory; found {len(task.data)} "
                                  "bytes that exhausted it; split the file or run with fewer --workers")
        except Exception as e:  # a bug in a stage: reported for this file, the run goes on
            res.error = FileError(task.source, stage, "internal",
                                  f"{task.source}: expected the {stage} stage to succeed; found "
                                  f"{type(e).__name__}: {e}; please report this file to the unionmine developers")
        if res.error is not None:
            res.document = res.text = None
            res.repairs, res.articles, res.items = [], [], []
        res.cpu_seconds = time.process_time() - cpu0
        return res


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


def _classify(classifier: Any, seg: Any) -> list:
    classify_items = optional_stage("classify", "classify_items")
    if classify_items is not None:
        return list(classify_items(seg.items, classifier))
    by_id = {it.item_id: it for it in seg.items}
    parents = [by_id[it.parent_id].text if it.parent_id in by_id else "" for it in seg.items]
    return list(classifier.predict([it.text for it in seg.items], parents, [it.item_id for it in seg.items]))


def _fill_rows(res: DocResult, doc: Any, seg: Any, labels: list | None, warnings: list[str]) -> None:
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
    res.repairs = tables.repair_rows(doc)
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
            _PROCESSORS.clear()  # a worker serves one run configuration at a time
            _PROCESSORS[key] = proc
        return proc


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


def _process_local(task: Task) -> DocResult:
    return _PROCESSORS["local"].process(task)


def _process_dask(task: Task, config: Config, classifier: Any, key: str) -> DocResult:
    return _processor_for(config, classifier, key).process(task)


# ------------------------------------------------------------------------------
# engines
# ------------------------------------------------------------------------------
class Engine:
    """Runs ``DocumentProcessor.process`` over tasks; results come back as they finish."""

    name = "engine"
    n_workers = 1

    def map(self, tasks: Iterable[Task]) -> Iterator[DocResult]:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass

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

    def map(self, tasks: Iterable[Task]) -> Iterator[DocResult]:
        for task in tasks:
            yield self.processor.process(task)


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

    def map(self, tasks: Iterable[Task]) -> Iterator[DocResult]:
        window = 2 * self.n_workers
        pending: dict[Future, Task] = {}
        retried: set[str] = set()
        it = iter(tasks)
        more = True
        try:
            while True:
                more = more and _top_up(it, pending, window, self._submit, lambda task: task)
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                broken: list[Task] = []
                for fut in sorted(done, key=lambda f: pending[f].doc_id):
                    task = pending.pop(fut)
                    exc = fut.exception()
                    if exc is None:
                        yield fut.result()
                    elif isinstance(exc, BrokenProcessPool) and task.doc_id not in retried:
                        broken.append(task)  # maybe an innocent bystander of a dying worker: retry once
                    else:
                        yield crashed(_Meta.of(task), exc)
                if broken:  # a worker died (killed, out of memory): a fresh pool, every lost task once more
                    self.pool.shutdown(wait=False, cancel_futures=True)
                    self.pool = self._new_pool()
                    broken += list(pending.values())
                    pending.clear()
                    for task in broken:
                        retried.add(task.doc_id)
                        pending[self._submit(task)] = task
        finally:
            for fut in pending:
                fut.cancel()

    def _submit(self, task: Task) -> Future:
        return self.pool.submit(_process_local, task)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _top_up(it: Iterator[Task], pending: dict, window: int, submit: Callable[[Task], Any],
            keep: Callable[[Task], Any]) -> bool:
    """Submit tasks until ``window`` are in flight (memory stays flat); False once ``it`` is used up."""
    while len(pending) < window:
        task = next(it, None)
        if task is None:
            return False
        pending[submit(task)] = keep(task)
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
            self.client = Client(scheduler)
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

    def map(self, tasks: Iterable[Task]) -> Iterator[DocResult]:
        from distributed import wait as dask_wait

        window = 2 * self.n_workers
        pending: dict[Any, Task] = {}
        it = iter(tasks)
        more = True
        try:
            while True:
                more = more and _top_up(it, pending, window, self._submit, _Meta.of)
                if not pending:
                    return
                done = dask_wait(list(pending), return_when="FIRST_COMPLETED").done
                for fut in done:
                    meta = pending.pop(fut)
                    if fut.status == "finished":
                        yield fut.result()
                    else:
                        yield crashed(meta, fut.exception())
        finally:
            for fut in pending:
                fut.cancel()

    def _submit(self, task: Task):
        if len(task.data) > 1_000_000:  # big files travel as data, not inside the task graph
            data = self.client.scatter(task.data, hash=False)
            return self.client.submit(_process_dask_big, _Meta.of(task), data, self.config,
                                      self._classifier, self._key, pure=False)
        return self.client.submit(_process_dask, task, self.config, self._classifier, self._key, pure=False)

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def _process_dask_big(meta: "_Meta", data: bytes, config: Config, classifier: Any, key: str) -> DocResult:
    return _process_dask(Task(meta.doc_id, meta.source, meta.sha256, data), config, classifier, key)


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
