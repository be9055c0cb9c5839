"""Bad usage stops a run before it writes anything; odd entries in a folder are
reported, not fatal (a reviewer's list of ways a run went wrong)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import Config
from pipeline.errors import ConfigError
from pipeline.io import discover, read_csv
from pipeline.run import run_corpus
from tests.conftest import RAW

CHINESE = "工会工作计划\n一、加强职工之家建设，组织职工开展劳动竞赛。\n二、做好困难职工帮扶和送温暖工作。\n"


def _folder(root: Path, n: int = 2) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (root / f"plan{i}.txt").write_text(CHINESE.replace("计划", f"计划{i}"), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("pre")
    src = _folder(root / "in")
    out = root / "out"
    assert main(["run", str(src), "--out", str(out), "--workers", "1"]) == 0
    return src, out


def _snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".cache" not in p.parts}


@pytest.mark.parametrize("args,found", [
    (["{root}/no_such_folder"], "nothing at that path"),
    (["{root}/empty_folder"], "an empty folder"),
    (["{root}/only_docx"], "none (1 other file(s))"),
    (["{root}/in", "--encoding", "bogus"], "'bogus'"),
    (["{root}/in", "--config", "{root}/bad.toml"], "'high' (str)"),
    (["{root}/in", "--config", "{root}/bad_rule.toml"], "'no_such_rule'"),
])
def test_bad_usage_exits_2_and_leaves_the_earlier_outputs_alone(earlier_run, args, found, capsys):
    src, out = earlier_run
    root = src.parent
    (root / "empty_folder").mkdir(exist_ok=True)
    (root / "only_docx").mkdir(exist_ok=True)
    (root / "only_docx" / "plan.docx").write_bytes(b"PK\x03\x04")
    (root / "bad.toml").write_text('duplicate_threshold = "high"\n', encoding="utf-8")
    (root / "bad_rule.toml").write_text('rules = ["no_such_rule"]\n', encoding="utf-8")
    before = _snapshot(out)
    capsys.readouterr()
    rc = main(["run", *[a.format(root=root) for a in args], "--out", str(out), "--workers", "1"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert found in err and "Traceback" not in err
    assert _snapshot(out) == before  # the tables of the earlier run are untouched


def test_out_must_not_be_or_hold_an_input_folder_nor_be_a_file(tmp_path, capsys):
    src = _folder(tmp_path / "in")
    for out in (src, tmp_path):
        assert main(["run", str(src), "--out", str(out), "--workers", "1"]) == 2
        assert "apart from the input folders" in capsys.readouterr().err
    assert not (src / "documents.csv").exists()
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    assert main(["run", str(src), "--out", str(afile), "--workers", "1"]) == 2
    assert "found a file" in capsys.readouterr().err
    with pytest.raises(ConfigError):
        run_corpus([src], src, Config(workers=1))


def test_a_loop_of_links_and_a_named_pipe_are_reported_and_the_run_completes(tmp_path):
    src = _folder(tmp_path / "in")
    os.symlink("loop2.txt", src / "loop1.txt")
    os.symlink("loop1.txt", src / "loop2.txt")
    os.mkfifo(src / "pipe.txt")  # reading it would wait forever
    result = run_corpus([src], tmp_path / "out", Config(workers=1, cache=False))
    errs = read_csv(tmp_path / "out" / "errors.csv").set_index("file")
    assert errs.loc[str(src / "loop1.txt"), "kind"] == "broken_link"
    assert "loop" in errs.loc[str(src / "loop2.txt"), "message"]
    assert errs.loc[str(src / "pipe.txt"), "kind"] == "not_a_file"
    assert "named pipe" in errs.loc[str(src / "pipe.txt"), "message"]
    assert result.n_ok == 2
    assert len(read_csv(tmp_path / "out" / "documents.csv")) == 2


def test_files_in_a_folder_that_cannot_be_listed_are_accounted_for(tmp_path, monkeypatch):
    src = _folder(tmp_path / "in")
    locked = src / "locked"
    locked.mkdir()
    (locked / "inner.txt").write_text(CHINESE, encoding="utf-8")
    real = os.scandir

    def scandir(path="."):  # tests run as root, where chmod 000 does not stop listing: simulate it
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    run_corpus([src], tmp_path / "out", Config(workers=1, cache=False))
    errs = read_csv(tmp_path / "out" / "errors.csv").set_index("file")
    assert errs.loc[str(locked), "kind"] == "unreadable"
    assert "were not read" in errs.loc[str(locked), "message"]


def test_doc_ids_do_not_depend_on_the_order_of_the_arguments(tmp_path):
    for name in ("dA", "dB"):
        _folder(tmp_path / name, 1)
        (tmp_path / name / "plan0.txt").rename(tmp_path / name / "r.txt")
    ab = {f.doc_id: f.path for f in discover([tmp_path / "dA", tmp_path / "dB"])[0]}
    ba = {f.doc_id: f.path for f in discover([tmp_path / "dB", tmp_path / "dA"])[0]}
    assert ab == ba
    assert ab["dA__r"] == tmp_path / "dA" / "r.txt"


def test_a_strict_stop_names_the_file(tmp_path, capsys):
    src = _folder(tmp_path / "in")
    (src / "a_empty.txt").write_bytes(b"")
    assert main(["run", str(src), "--out", str(tmp_path / "out"), "--workers", "1", "--strict"]) == 3
    assert f"stopped at the first failure (--strict): {src / 'a_empty.txt'}" in capsys.readouterr().err


def test_an_unreachable_dask_scheduler_is_a_message(tmp_path, capsys, monkeypatch):
    pytest.importorskip("distributed")
    from pipeline import engine

    monkeypatch.setattr(engine, "DASK_CONNECT_SECONDS", 1)
    src = _folder(tmp_path / "in")
    rc = main(["run", str(src), "--out", str(tmp_path / "out"), "--engine", "dask",
               "--scheduler", "tcp://127.0.0.1:1", "--no-cache"])
    err = capsys.readouterr().err
    assert rc == 2 and "a Dask scheduler that answers" in err and "Traceback" not in err


def test_the_samples_still_run(tmp_path):
    assert run_corpus([RAW], tmp_path / "out", Config(workers=1, cache=False)).n_ok >= 4


def test_export_refuses_a_file_name_that_does_not_match_the_format(earlier_run, tmp_path, capsys):
    _, out = earlier_run
    assert main(["export", "--format", "xlsx", "--in", str(out), "--out", str(tmp_path / "book.csv")]) == 2
    assert "ending in .xlsx" in capsys.readouterr().err
    assert main(["export", "--format", "csv", "--in", str(out), "--out", str(tmp_path / "book.xlsx")]) == 2
    assert not (tmp_path / "book.csv").exists() and not (tmp_path / "book.xlsx").exists()
