"""``unionmine run``: tables, manifest, determinism across workers, the cache, atomic writes, config file."""
from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

import pipeline.run as run_mod
from pipeline.cli import main
from pipeline.config import Config, load_config
from pipeline.io import read_csv
from pipeline.run import run_corpus
from tests.conftest import RAW, ROOT

TABLES = ("documents.csv", "articles.csv", "items.csv", "repairs.csv", "errors.csv")


@pytest.fixture
def corpus(tmp_path):
    """The first 40 lines of two sample reports (short runs), written so the test may change them."""
    src = tmp_path / "raw"
    src.mkdir()
    for f in sorted(RAW.glob("*.txt"), key=lambda p: p.stat().st_size)[:2]:
        lines = f.read_bytes().split(b"\n")[:40]
        (src / f.name).write_bytes(b"\n".join(lines) + b"\n")
    return src


@pytest.fixture(autouse=True)
def frozen_code(monkeypatch):
    """The cache key includes a hash of the package's code; colleagues editing it mid-test must not matter."""
    monkeypatch.setattr("pipeline.cache.source_hash", lambda: "frozen-for-this-test")


@pytest.fixture
def no_stats(monkeypatch):
    """Statistics are tested in their own module; skipping them keeps these runs short."""
    monkeypatch.setattr(run_mod, "_statistics", lambda *a, **k: None)


def _manifest(out: Path) -> dict:
    return json.loads((out / "run.json").read_text(encoding="utf-8"))


def test_run_writes_every_table_texts_and_the_manifest(corpus, tmp_path, no_stats):
    out = tmp_path / "out"
    result = run_corpus([corpus], out, Config(workers=1))
    assert result.n_ok + result.n_warned == 2 and not result.failed
    for name in TABLES:
        assert (out / name).read_bytes().startswith("\ufeff".encode()), f"{name} should be UTF-8 with BOM"
    docs = read_csv(out / "documents.csv")
    assert list(docs["doc_id"]) == sorted(p.stem for p in corpus.glob("*.txt"))
    for doc_id in docs["doc_id"]:
        assert (out / "texts" / f"{doc_id}.txt").read_text(encoding="utf-8")
    m = _manifest(out)
    assert m["status"] == "complete"
    assert m["versions"]["unionmine"] and m["versions"]["jieba"] and m["versions"]["python"]
    assert m["config"]["workers"] == 1 and m["config"]["patterns"] == ["*.txt"]
    by_path = {i["path"]: i for i in m["inputs"]}
    for f in corpus.glob("*.txt"):
        entry = by_path[str(f)]
        assert entry["sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
        assert entry["n_bytes"] == f.stat().st_size and entry["status"] in ("ok", "warned")
    assert m["counts"]["files"] == 2 and m["counts"]["failed"] == 0
    assert m["stages"]["ingest"]["files"] == 2 and m["stages"]["ingest"]["seconds"] > 0
    assert m["errors"] == []


def test_tables_are_byte_identical_with_one_and_two_workers(corpus, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    run_corpus([corpus], one, Config(workers=1, cache=False))
    r2 = run_corpus([corpus], two, Config(workers=2, cache=False))
    assert _manifest(two)["engine"] == {"name": "local", "workers": 2, "scheduler": None}
    assert not r2.failed
    import multiprocessing

    # the pool did part of the statistics, then was shut down: no worker outlives the run
    assert "stop_engine" in _manifest(two)["stages"] and not multiprocessing.active_children()
    for name in TABLES:
        assert (one / name).read_bytes() == (two / name).read_bytes(), f"{name} differs between 1 and 2 workers"
    stats_one = sorted(p.relative_to(one) for p in (one / "stats").rglob("*") if p.is_file())
    stats_two = sorted(p.relative_to(two) for p in (two / "stats").rglob("*") if p.is_file())
    assert stats_one == stats_two
    for rel in stats_one:
        if rel.suffix == ".csv":
            assert (one / rel).read_bytes() == (two / rel).read_bytes(), f"{rel} differs"


def test_second_run_reuses_results_and_redoes_only_changed_files(corpus, tmp_path, no_stats):
    out = tmp_path / "out"
    run_corpus([corpus], out, Config(workers=1))
    first = {n: (out / n).read_bytes() for n in TABLES}
    assert _manifest(out)["cache"]["processed"] == 2

    run_corpus([corpus], out, Config(workers=1))
    m = _manifest(out)
    assert (m["cache"]["hits"], m["cache"]["processed"]) == (2, 0)
    assert all(i["cached"] for i in m["inputs"])
    assert {n: (out / n).read_bytes() for n in TABLES} == first

    changed = sorted(corpus.glob("*.txt"))[0]
    changed.write_bytes(changed.read_bytes() + "\n三、做好职工疗休养工作。\n".encode("utf-8"))
    run_corpus([corpus], out, Config(workers=1))
    m = _manifest(out)
    assert (m["cache"]["hits"], m["cache"]["processed"]) == (1, 1)
    assert [i["path"] for i in m["inputs"] if not i["cached"]] == [str(changed)]
    fresh = tmp_path / "fresh"
    run_corpus([corpus], fresh, Config(workers=1, cache=False))
    for name in TABLES:
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), f"cached {name} differs from a fresh run"
    assert not (fresh / ".cache").exists()
    assert "职工疗休养" in (out / "texts" / f"{changed.stem}.txt").read_text(encoding="utf-8")


def test_a_changed_option_is_not_served_from_the_cache(corpus, tmp_path, no_stats):
    out = tmp_path / "out"
    run_corpus([corpus], out, Config(workers=1))
    run_corpus([corpus], out, Config(workers=1, script="keep"))
    assert _manifest(out)["cache"]["hits"] == 0
    run_corpus([corpus], out, Config(workers=1, script="keep", strict=True))  # strict does not change results
    assert _manifest(out)["cache"]["hits"] == 2


def test_a_code_change_is_not_served_from_the_cache(corpus, tmp_path, no_stats, monkeypatch):
    out = tmp_path / "out"
    run_corpus([corpus], out, Config(workers=1))
    monkeypatch.setattr("pipeline.cache.source_hash", lambda: "a rule was edited")
    run_corpus([corpus], out, Config(workers=1))
    assert _manifest(out)["cache"]["hits"] == 0


def test_removed_file_leaves_no_trace_in_tables_texts_or_cache(corpus, tmp_path, no_stats):
    out = tmp_path / "out"
    run_corpus([corpus], out, Config(workers=1))
    gone = sorted(corpus.glob("*.txt"))[0]
    gone.unlink()
    run_corpus([corpus], out, Config(workers=1))
    assert list(read_csv(out / "documents.csv")["doc_id"]) == [p.stem for p in corpus.glob("*.txt")]
    assert not (out / "texts" / f"{gone.stem}.txt").exists()
    assert len(list((out / ".cache").rglob("*.pkl.z"))) == 1
    assert _manifest(out)["cache"]["pruned"] == 1


def test_output_folder_inside_the_input_folder_is_not_read_back(corpus, no_stats):
    out = corpus / "processed"
    run_corpus([corpus], out, Config(workers=1))
    result = run_corpus([corpus], out, Config(workers=1))
    assert result.n_ok + result.n_warned == 2 and not result.errors
    assert len(read_csv(out / "documents.csv")) == 2


def test_crash_while_writing_keeps_the_previous_tables_whole(corpus, tmp_path, monkeypatch, no_stats):
    out = tmp_path / "out"
    run_corpus([corpus], out, Config(workers=1))
    before = {n: (out / n).read_bytes() for n in TABLES}
    calls = {"n": 0}
    real_add = run_mod._CsvStream.add

    def add(self, rows):
        calls["n"] += 1
        if calls["n"] == 5:  # the second document: every table is half written
            raise OSError(28, "No space left on device")
        real_add(self, rows)

    monkeypatch.setattr(run_mod._CsvStream, "add", add)
    with pytest.raises(OSError, match="No space left"):
        run_corpus([corpus], out, Config(workers=1, cache=False))
    assert {n: (out / n).read_bytes() for n in TABLES} == before
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".spool-")]


def test_progress_bar_shows_bytes_and_files_and_summary_counts(corpus, tmp_path, capsys, no_stats):
    rc = main(["run", str(corpus), "--out", str(tmp_path / "out"), "--workers", "1", "--progress"])
    assert rc == 0
    err = capsys.readouterr().err
    assert "files 2/2" in err and re.search(r"\d+(\.\d+)?k?B/s", err)
    assert re.search(r"unionmine: 2 files: \d ok, \d with warnings, 0 failed; \d+ items; [\d.]+ s", err)


def test_no_progress_bar_when_not_asked_and_not_a_terminal(corpus, tmp_path, capsys, no_stats):
    main(["run", str(corpus), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert "files 2/2" not in capsys.readouterr().err


def test_library_run_without_out_returns_the_tables(corpus, no_stats):
    result = run_corpus([corpus], config=Config(workers=1))
    assert set(result.frames) >= {"documents", "items", "errors"}
    assert len(result.frames["documents"]) == 2


def test_example_config_documents_every_option_at_its_default():
    path = ROOT / "unionmine.example.toml"
    text = path.read_text(encoding="utf-8")
    for f in fields(Config):
        if f.name == "extra":
            continue
        assert re.search(rf"^#? ?{f.name} = ", text, re.M), f"unionmine.example.toml does not document {f.name}"
    from pipeline.config import DEFAULT_RULES

    for rule in DEFAULT_RULES:
        assert f'"{rule}"' in text, f"unionmine.example.toml does not list the rule {rule}"
    tomllib.loads(text)
    assert load_config(path) == Config()
    assert load_config(path, workers=3, script=None).workers == 3  # a flag overrides, an unset flag does not


def test_config_file_options_reach_the_run(corpus, tmp_path, no_stats):
    cfg = tmp_path / "unionmine.toml"
    cfg.write_text('[run]\npatterns = ["*.report"]\nworkers = 1\n', encoding="utf-8")
    (corpus / "extra.report").write_text("一、加强职工之家建设。\n", encoding="utf-8")
    rc = main(["run", str(corpus), "--out", str(tmp_path / "out"), "--config", str(cfg)])
    assert rc == 0
    assert list(read_csv(tmp_path / "out" / "documents.csv")["doc_id"]) == ["extra"]
    errs = read_csv(tmp_path / "out" / "errors.csv")
    assert set(errs["kind"]) == {"skipped"} and len(errs) == 2


def _near_duplicate_corpus(tmp_path: Path) -> Path:
    """Five reports: two near-copies of one sample, one of another, and a same-bytes copy."""
    src = tmp_path / "dups"
    src.mkdir()
    a, b = sorted(RAW.glob("*.txt"), key=lambda p: p.stat().st_size)[:2]
    la, lb = a.read_bytes().split(b"\n")[:40], b.read_bytes().split(b"\n")[:40]
    (src / "r1.txt").write_bytes(b"\n".join(la) + b"\n")
    (src / "r2.txt").write_bytes(b"\n".join(lb) + b"\n")
    (src / "r3.txt").write_bytes(b"\n".join(la[:30] + lb[30:]) + b"\n")
    (src / "r4.txt").write_bytes(b"\n".join(lb[5:]) + b"\n")
    (src / "r5.txt").write_bytes((src / "r1.txt").read_bytes())
    return src


def test_tables_written_during_the_run_are_those_written_at_the_end(tmp_path, monkeypatch, no_stats):
    src = _near_duplicate_corpus(tmp_path)
    during = tmp_path / "during"
    run_corpus([src], during, Config(workers=2, cache=False))
    items = read_csv(during / "items.csv")
    assert (items["duplicate_of"] != "").sum() > 0, "the corpus should hold near-duplicates"

    real_advance = run_mod._TableWriter.advance
    at_end = tmp_path / "at_end"
    with monkeypatch.context() as m:
        m.setattr(run_mod._TableWriter, "advance", lambda self, fresh=None: None)  # nothing before the end
        writer_finish = run_mod._TableWriter.finish

        def finish(self):
            real_advance(self)  # every document at once, after the engine
            return writer_finish(self)

        m.setattr(run_mod._TableWriter, "finish", finish)
        run_corpus([src], at_end, Config(workers=1, cache=False))
    for name in TABLES:
        assert (during / name).read_bytes() == (at_end / name).read_bytes(), f"{name} differs"


def test_a_failing_duplicate_search_leaves_tables_without_near_duplicate_marks(tmp_path, monkeypatch, no_stats):
    src = _near_duplicate_corpus(tmp_path)

    class Broken:
        def __init__(self, config):
            self.n = 0

        def add(self, sig):
            self.n += 1
            if self.n == 3:
                raise MemoryError("LSH index")
            return {}

    monkeypatch.setattr("pipeline.dedup.CorpusDuplicates", Broken)
    out = tmp_path / "out"
    result = run_corpus([src], out, Config(workers=1, cache=False))
    items = read_csv(out / "items.csv")
    first_items = set(read_csv(out / "items.csv").query("doc_id == 'r1'")["item_id"])
    assert set(items.loc[items["duplicate_of"] != "", "duplicate_of"]) <= first_items  # same-bytes marks only
    assert len(read_csv(out / "documents.csv")) == 5
    (err,) = result.run_errors
    assert (err.stage, err.kind) == ("dedup", "internal")
    assert err.message.startswith("near-duplicates: expected the corpus-wide duplicate search to succeed; "
                                  "found MemoryError: LSH index; duplicate_of is empty except for same-bytes files")
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]



def test_table_cells_are_written_as_pandas_writes_them(tmp_path):
    """The streamed tables use the csv module directly; values must come out as pandas' to_csv wrote them:
    minimal quoting, missing and NaN empty, numpy scalars as plain numbers, unknown keys dropped."""
    import numpy as np

    from pipeline.run import _CsvStream

    rows = [{"a": "x,y", "b": 1, "c": 0.25, "d": True, "e": None},
            {"a": 'say "hi"\nthere', "b": np.int64(7), "c": np.float64(0.5), "d": False, "e": float("nan")},
            {"a": "", "b": "", "c": "", "d": "", "f": "not a column"}]
    out = tmp_path / "t.csv"
    stream = _CsvStream(out, ["a", "b", "c", "d", "e"])
    stream.add(rows)
    stream.close()
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the BOM"
    assert text[1:].split("\n") == ["a,b,c,d,e", '"x,y",1,0.25,True,', '"say ""hi""', 'there",7,0.5,False,',
                                   ",,,,", ""]


def test_fast_and_careful_cell_paths_agree():
    from pipeline.tables import csv_cell as _cell, csv_values as _values

    cols = ["a", "b", "c"]
    plain = [{"a": "x", "b": 1, "c": 0.5}, {"a": None, "b": True, "c": 2}]
    assert _values(plain, cols) == [("x", 1, 0.5), (None, True, 2)]
    nan = [{"a": "x", "b": 1, "c": float("nan")}]
    assert _values(nan, cols) == [["x", 1, ""]], "a NaN is written empty, as pandas writes it"
    missing = [{"a": "x", "c": 1.5}]
    assert _values(missing, cols) == [["x", "", 1.5]]
    assert [[_cell(v) for v in row] for row in _values(plain, cols)] == [["x", 1, 0.5], ["", True, 2]]


def test_repair_lines_rendered_by_the_worker_are_the_rows_the_writer_would_write(tmp_path, raw_files, kit):
    """Workers send repairs.csv lines as one string per file (``DocResult.repairs_csv``): the same bytes
    as writing the row dicts, and ``add_text`` keeps its place after rows still buffered."""
    from pipeline import tables
    from pipeline.ingest import ingest_bytes
    from pipeline.run import _CsvStream

    docs = [ingest_bytes(p.read_bytes(), p.name, kit=kit) for p in raw_files[:3]]
    assert sum(len(d.repairs) for d in docs) > 100
    as_rows, mixed = tmp_path / "rows.csv", tmp_path / "mixed.csv"
    a = _CsvStream(as_rows, list(tables.REPAIR_COLUMNS))
    b = _CsvStream(mixed, list(tables.REPAIR_COLUMNS))
    for i, d in enumerate(docs):
        a.add(tables.repair_rows(d))
        if i == 1:
            b.add(tables.repair_rows(d))
        else:
            b.add_text(tables.repair_csv(d))
    a.close()
    b.close()
    assert mixed.read_bytes() == as_rows.read_bytes()
    assert as_rows.read_bytes().count(b"\n") > 100


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_strict_with_two_workers_stops_without_finishing_the_files_in_flight(engine, tmp_path, monkeypatch, capsys):
    """An empty file fails at once while large damaged files (one long line each) keep both workers
    busy: the run stops there (exit 3), ends its workers mid-file, and leaves only errors.csv and
    run.json, which name the failed file and say the run stopped."""
    import psutil

    from tests.test_engine import descendants, long_line_report, notes_of, noting_engine

    if engine == "dask":
        pytest.importorskip("distributed")
    src, out, notes = tmp_path / "raw", tmp_path / "out", tmp_path / "notes"
    src.mkdir()
    notes.mkdir()
    (src / "a_empty.txt").write_bytes(b"")
    longs = {"b_long", "c_long", "d_long"}
    for doc_id in sorted(longs):
        (src / f"{doc_id}.txt").write_bytes(long_line_report(doc_id))
    monkeypatch.setattr(run_mod, "make_engine", noting_engine(notes))  # the engines, leaving notes of their work
    before = descendants()
    rc = main(["run", str(src), "--out", str(out), "--workers", "2", "--engine", engine, "--strict"])
    assert rc == 3
    assert f"stopped at the first failure (--strict): {src / 'a_empty.txt'}" in capsys.readouterr().err
    errors = read_csv(out / "errors.csv")
    assert list(zip(errors["file"], errors["stage"], errors["kind"])) == [(str(src / "a_empty.txt"), "ingest", "empty")]
    m = _manifest(out)
    assert m["status"] == "stopped" and m["engine"]["name"] == engine
    assert [(e["file"], e["kind"]) for e in m["errors"]] == [(str(src / "a_empty.txt"), "empty")]
    assert m["counts"]["failed"] == 1 and m["counts"]["ok"] == m["counts"]["warned"] == 0
    assert [i["doc_id"] for i in m["inputs"]] == ["a_empty"] and m["cache"]["processed"] == 1  # the others were not
    # nothing but those two (and the cache): no table, no text, no temporary file
    assert sorted(p.name for p in out.iterdir() if p.name != ".cache") == ["errors.csv", "run.json"]
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    _, done, pids = notes_of(notes)
    assert not done & longs, f"the run waited for {sorted(done & longs)} to finish"
    assert not [p for p in pids if psutil.pid_exists(p)], "a worker outlived the run"
    assert descendants() - before == set()


def test_strict_stop_on_a_file_gone_since_hashing_does_not_finish_the_files_in_flight(tmp_path, monkeypatch, capsys):
    """A file deleted while the run works is found when its bytes are read for the workers, after the
    large files before it went out: the run stops there too, without waiting for them."""
    import psutil

    from tests.test_engine import descendants, long_line_report, notes_of, noting_engine

    src, out, notes = tmp_path / "raw", tmp_path / "out", tmp_path / "notes"
    src.mkdir()
    notes.mkdir()
    longs = {"a_long", "b_long"}
    for doc_id in sorted(longs):
        (src / f"{doc_id}.txt").write_bytes(long_line_report(doc_id))
    gone = src / "c_gone.txt"
    gone.write_text("工会工作计划\n一、加强职工之家建设。\n", encoding="utf-8")
    reads: dict[str, int] = {}
    real_read = run_mod._read

    def read_then_delete(path):  # deleted after it was hashed, before the workers get it
        reads[str(path)] = reads.get(str(path), 0) + 1
        if str(path) == str(gone) and reads[str(path)] == 2:
            gone.unlink()
        return real_read(path)

    monkeypatch.setattr(run_mod, "_read", read_then_delete)
    monkeypatch.setattr(run_mod, "make_engine", noting_engine(notes))
    before = descendants()
    assert main(["run", str(src), "--out", str(out), "--workers", "2", "--strict"]) == 3
    assert f"stopped at the first failure (--strict): {gone}" in capsys.readouterr().err
    errors = read_csv(out / "errors.csv")
    assert list(zip(errors["file"], errors["stage"], errors["kind"])) == [(str(gone), "read", "missing")]
    assert _manifest(out)["status"] == "stopped"
    assert sorted(p.name for p in out.iterdir() if p.name != ".cache") == ["errors.csv", "run.json"]
    _, done, pids = notes_of(notes)
    assert not done & longs, f"the run waited for {sorted(done & longs)} to finish"
    assert not [p for p in pids if psutil.pid_exists(p)], "a worker outlived the run"
    assert descendants() - before == set()
