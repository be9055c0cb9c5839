"""Engines: the same per-document function in this process, a process pool, or Dask; same results."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

import pipeline.run as run_mod
from pipeline.config import Config
from pipeline.engine import (DocResult, DocumentProcessor, InProcessEngine, LocalEngine, Task, _process_local,
                             make_engine)
from pipeline.run import run_corpus

REPORT = ("2023年机关工会工作计划\n一、加强职工之家建设，组织职工开展劳动竞赛。\n"
          "二、做好困难职工帮扶和送温暖工作。\n（一）走访慰问困难职工。\n（二）开展金秋助学活动。\n")


def _task(doc_id: str, text: str | bytes) -> Task:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return Task(doc_id, f"{doc_id}.txt", hashlib.sha256(data).hexdigest(), data)


def _tasks() -> list[Task]:
    return [_task(f"doc{i}", REPORT.replace("2023", str(2010 + i))) for i in range(4)] + [_task("empty", b"")]


def _comparable(r: DocResult):
    return (r.doc_id, r.error, r.document, r.repairs_csv, r.articles, r.items, r.text)


def test_processor_turns_bytes_into_rows():
    res = DocumentProcessor(Config()).process(_task("plan", REPORT))
    assert res.error is None
    assert res.document["doc_id"] == "plan" and res.document["encoding"] == "utf-8"
    assert "职工之家" in res.text
    assert res.seconds["ingest"] > 0
    if res.items:  # segmentation present
        assert all(row["doc_id"] == "plan" for row in res.items)
        assert res.document["n_items"] == len(res.items)


def test_processor_reports_a_bad_file_as_an_error_not_an_exception():
    res = DocumentProcessor(Config()).process(_task("empty", b""))
    assert res.document is None and res.items == [] and res.text is None
    assert (res.error.file, res.error.stage, res.error.kind) == ("empty.txt", "ingest", "empty")
    assert res.error.message == ("empty.txt: expected a text report; found an empty file (0 bytes); "
                                 "remove it from the folder or re-download it")


def test_processor_reports_a_stage_bug_for_that_file_only(monkeypatch):
    proc = DocumentProcessor(Config())

    def broken(doc, config, view=None):
        raise KeyError("marker")

    proc.segment = broken
    res = proc.process(_task("plan", REPORT))
    assert (res.error.stage, res.error.kind) == ("segment", "internal")
    assert res.error.message.startswith("plan.txt: expected the segment stage to succeed; found KeyError")
    assert "please report this file" in res.error.message


def test_pool_of_two_gives_the_same_results_as_this_process():
    tasks = _tasks()
    with InProcessEngine(Config()) as eng:
        here = sorted(map(_comparable, eng.map(tasks)))
    with LocalEngine(Config(), n_workers=2) as eng:
        pooled = sorted(map(_comparable, eng.map(tasks)))
    assert pooled == here
    assert [r[0] for r in pooled] == ["doc0", "doc1", "doc2", "doc3", "empty"]


def test_a_batch_gives_each_file_the_rows_it_gets_alone():
    from pipeline.classify import load_or_train

    proc = DocumentProcessor(Config(), load_or_train(Config()))
    tasks = _tasks() + [_task("plan", REPORT.replace("工作计划", "工作总结"))]
    alone = [proc.process(t) for t in tasks]
    together = proc.process_batch(tasks)
    assert [_comparable(r) for r in together] == [_comparable(r) for r in alone]
    assert all(row["primary_label"] for r in together if r.error is None for row in r.items)
    assert together[-2].error.kind == "empty" and together[-2].items == []


def test_a_file_that_breaks_the_batched_classifier_fails_alone():
    class Picky:  # a classifier with a bug that one file's items trigger
        def predict(self, texts, parents, ids):
            if any("金秋助学" in t for t in texts):
                raise ValueError("cannot label 金秋助学")
            from pipeline.model import ItemLabel

            return [ItemLabel(i, "other", (), 0.5) for i in ids]

    proc = DocumentProcessor(Config(), Picky())
    proc.segment = __import__("pipeline.segment", fromlist=["segment"]).segment
    import pipeline.engine as engine_mod

    orig = engine_mod.optional_stage
    engine_mod.optional_stage = lambda m, a: None if (m, a) == ("classify", "classify_items") else orig(m, a)
    try:
        results = proc.process_batch([_task("a", REPORT.replace("（二）开展金秋助学活动。\n", "")),
                                      _task("b", REPORT), _task("c", REPORT.replace("金秋助学", "文体"))])
    finally:
        engine_mod.optional_stage = orig
    assert [r.error is None for r in results] == [True, False, True]
    err = results[1].error
    assert (err.file, err.stage, err.kind) == ("b.txt", "classify", "internal")
    assert err.message.startswith("b.txt: expected the classify stage to succeed; found ValueError: cannot label")
    assert {row["primary_label"] for row in results[0].items} == {"other"}


def test_batches_hold_consecutive_files_up_to_a_size():
    from pipeline.engine import batch_bytes, batches

    tasks = [_task(f"d{i}", b"x" * n) for i, n in enumerate([100, 100, 250, 40, 40, 500, 10])]
    groups = [[t.doc_id for t in b] for b in batches(tasks, max_bytes=300, max_files=3)]
    assert groups == [["d0", "d1"], ["d2", "d3"], ["d4"], ["d5"], ["d6"]]
    assert [len(b) for b in batches(tasks, max_bytes=10**6, max_files=3)] == [3, 3, 1]
    # one worker: big batches; two: at least 8 batches each on a small corpus, never below 16 KB
    assert batch_bytes(2_000_000, 1) == batch_bytes(None, 2) == 256_000
    assert batch_bytes(2_000_000, 2) == 125_000 and batch_bytes(50_000, 2) == 16_000


def test_make_engine_picks_this_process_for_one_worker_and_a_pool_for_more():
    with make_engine(Config(workers=1)) as eng:
        assert isinstance(eng, InProcessEngine)
    with make_engine(Config(), n_workers=2) as eng:
        assert isinstance(eng, LocalEngine) and eng.n_workers == 2


def _die_on_poison(batch: list[Task]) -> list[DocResult]:
    if any(task.doc_id == "poison" for task in batch):
        os._exit(1)  # a worker killed mid-file (out of memory, segfault in a C library)
    return _process_local(batch)


class _PoisonedEngine(LocalEngine):
    def _submit(self, batch):
        return self.pool.submit(_die_on_poison, batch)


@pytest.mark.parametrize("per_file", [False, True], ids=["one batch", "a batch per file"])
def test_a_dying_worker_costs_only_its_own_file(per_file, monkeypatch):
    if per_file:  # batches of at most 1 byte: every file travels alone
        monkeypatch.setattr("pipeline.engine.batch_bytes", lambda total, n: 1)
    tasks = _tasks()[:3] + [_task("poison", REPORT)]
    with _PoisonedEngine(Config(), n_workers=2) as eng:
        results = {r.doc_id: r for r in eng.map(tasks)}
    assert set(results) == {"doc0", "doc1", "doc2", "poison"}
    assert all(results[d].error is None for d in ("doc0", "doc1", "doc2"))
    err = results["poison"].error
    assert (err.stage, err.kind) == ("worker", "crashed")
    assert err.message.startswith("poison.txt: expected a worker to process the file; found BrokenProcessPool")
    assert "--workers 1" in err.message


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                       dashboard_address=None)
    yield cluster
    cluster.close()


def test_dask_engine_writes_the_same_tables_as_the_local_engine(tmp_path, dask_cluster, monkeypatch):
    monkeypatch.setattr(run_mod, "_statistics", lambda *a, **k: None)
    src = tmp_path / "raw"
    src.mkdir()
    for t in _tasks():
        (src / f"{t.doc_id}.txt").write_bytes(t.data)
    local, dask = tmp_path / "local", tmp_path / "dask"
    r1 = run_corpus([src], local, Config(workers=1, cache=False))
    r2 = run_corpus([src], dask, Config(engine="dask", scheduler=dask_cluster.scheduler_address, cache=False))
    assert (r1.n_ok, len(r1.failed)) == (r2.n_ok, len(r2.failed)) == (4, 1)
    for name in ("documents.csv", "articles.csv", "items.csv", "repairs.csv", "errors.csv"):
        assert (local / name).read_bytes() == (dask / name).read_bytes(), f"{name} differs between engines"
    import json

    assert json.loads((dask / "run.json").read_text(encoding="utf-8"))["engine"]["name"] == "dask"


def _which_processor(batch: list[Task]) -> tuple[int, int]:
    from pipeline import engine

    engine._PROCESSORS["local"].process_batch(batch)
    return os.getpid(), id(engine._PROCESSORS["local"])


class _ReportingEngine(LocalEngine):
    def _submit(self, batch):
        return self.pool.submit(_which_processor, batch)


def test_each_worker_builds_its_tools_once_not_once_per_document():
    eng = _ReportingEngine(Config(), n_workers=2)
    try:
        futures = [eng._submit([t]) for t in _tasks()[:4] * 3]
        seen = [f.result() for f in futures]
    finally:
        eng.close()
    by_pid: dict[int, set[int]] = {}
    for pid, proc_id in seen:
        by_pid.setdefault(pid, set()).add(proc_id)
    assert 1 <= len(by_pid) <= 2
    assert all(len(ids) == 1 for ids in by_pid.values()), "a worker rebuilt its processor"


def test_a_model_that_cannot_load_is_a_run_level_error(tmp_path, monkeypatch):
    from pipeline.cli import main
    from pipeline.errors import InputFileError
    from pipeline.io import read_csv

    def no_labels(config):
        raise InputFileError("data/labels/items_v1.csv", "a labels CSV", "no such file",
                             "check the path", kind="labels")

    monkeypatch.setattr(run_mod, "load_classifier", no_labels)
    monkeypatch.setattr(run_mod, "_statistics", lambda *a, **k: None)
    src = tmp_path / "raw"
    src.mkdir()
    (src / "plan.txt").write_text(REPORT, encoding="utf-8")
    assert main(["run", str(src), "--out", str(tmp_path / "out"), "--workers", "1"]) == 1
    errs = read_csv(tmp_path / "out" / "errors.csv")
    assert list(errs["kind"]) == ["no_model"] and list(errs["stage"]) == ["classify"]
    assert errs["message"][0].endswith("until then items.csv has no labels and there are no statistics")
    assert len(read_csv(tmp_path / "out" / "documents.csv")) == 1


# ------------------------------------------------------------------------------
# stopping at once (--strict): real slow input, and notes the workers leave behind
# ------------------------------------------------------------------------------
def long_line_report(tag: str, n_bytes: int = 900_000) -> bytes:
    """A large damaged report: the samples run together on one line, as in a file that lost its line ends.

    Ingesting one line this long keeps a worker busy for many seconds (8 to 13 s at
    600 KB, measured alone), so such files are still in flight when a small file
    fails, and outlast the 4 s Dask gives a busy worker when its cluster closes.
    Under 1 MB, so the Dask engine sends it inside the task, as the test's engine does.
    """
    from tests.conftest import RAW

    text = tag + "".join(p.read_text(encoding="utf-8").replace("\n", "") for p in sorted(RAW.glob("*.txt")))
    data = (text * (n_bytes // len(text.encode("utf-8")) + 1)).encode("utf-8")[:n_bytes]
    return data.decode("utf-8", "ignore").encode("utf-8")


def _note(folder: str, batch: list[Task], what: str) -> None:
    for task in batch:
        Path(folder, f"{task.doc_id}.{what}").write_text(str(os.getpid()))


def _process_and_note(batch: list[Task], folder: str) -> list[DocResult]:
    """``_process_local``, leaving ``<doc_id>.started`` (holding the worker's pid) and then ``<doc_id>.done``."""
    _note(folder, batch, "started")
    out = _process_local(batch)
    _note(folder, batch, "done")
    return out


def _process_dask_and_note(batch: list[Task], config: Config, classifier, key: str, folder: str) -> list[DocResult]:
    from pipeline.engine import _process_dask

    _note(folder, batch, "started")
    out = _process_dask(batch, config, classifier, key)
    _note(folder, batch, "done")
    return out


class NotingEngine(LocalEngine):
    """The process pool, its workers leaving notes in ``notes`` (a folder) of the files they start and finish."""

    notes: Path

    def _submit(self, batch):
        return self.pool.submit(_process_and_note, batch, str(self.notes))


def noting_engine(notes: Path):
    """A ``make_engine`` whose engines (the pool or Dask) leave notes in ``notes``."""
    from pipeline.engine import DaskEngine

    class NotingDaskEngine(DaskEngine):
        def _submit(self, batch):
            return self.client.submit(_process_dask_and_note, batch, self.config, self._classifier, self._key,
                                      str(notes), pure=False)

    def make(config: Config, classifier=None, n_workers=None):
        if config.engine == "dask":
            return NotingDaskEngine(config, classifier, config.scheduler, n_workers)
        eng = NotingEngine(config, classifier, n_workers)
        eng.notes = notes
        return eng

    return make


def notes_of(folder: Path) -> tuple[set[str], set[str], set[int]]:
    """The files started, the files finished, and the pids of the workers that started one."""
    started = {p.stem for p in folder.glob("*.started")}
    done = {p.stem for p in folder.glob("*.done")}
    pids = {int(t) for p in folder.glob("*.started") if (t := p.read_text())}
    return started, done, pids


def descendants() -> set[int]:
    """This process's descendants, apart from multiprocessing's fork server and resource tracker
    (helpers that live as long as this process; they do no work of a run)."""
    import psutil

    out = set()
    for child in psutil.Process().children(recursive=True):
        try:
            cmd = " ".join(child.cmdline())
        except psutil.ZombieProcess:  # ended but not reaped: still left behind
            out.add(child.pid)
            continue
        except psutil.NoSuchProcess:
            continue
        if "forkserver" not in cmd and "resource_tracker" not in cmd:
            out.add(child.pid)
    return out


def test_abort_ends_the_busy_workers_mid_file_and_returns_once_they_are_gone(tmp_path):
    import time

    import psutil

    tasks = [_task("a_empty", b"")] + [_task(f"{c}_long", long_line_report(c)) for c in "bcd"]
    longs = {"b_long", "c_long", "d_long"}
    before = descendants()
    eng = NotingEngine(Config(), n_workers=2)
    eng.notes = tmp_path
    results = eng.map(tasks, sum(len(t.data) for t in tasks))
    try:
        first = next(results)  # the empty file's failure: the long files are still to come
        for _ in range(1200):  # make sure a worker is busy with a long file (at most 2 minutes)
            if notes_of(tmp_path)[0] & longs:
                break
            time.sleep(0.1)
    finally:
        results.close()
        eng.abort()
    assert (first.doc_id, first.error.kind) == ("a_empty", "empty")
    started, done, pids = notes_of(tmp_path)
    assert started & longs, "no long file was in flight: nothing to stop"
    assert not done & longs, f"abort waited for {sorted(done & longs)} to finish"
    assert pids and not [p for p in pids if psutil.pid_exists(p)], "a worker outlived abort()"
    assert descendants() - before == set()
