"""Bad input: every file gets a row in documents.csv or errors.csv, the run completes.

One folder holds every kind of bad file the issue lists; one run (in this
process, so that the read can be monkeypatched) is checked case by case, then the
invariant: each file found on disk appears in exactly one of the two tables.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline import io as uio
from pipeline.cli import main
from pipeline.config import Config
from pipeline.io import read_csv
from pipeline.run import run_corpus
from tests.conftest import RAW

SAMPLE = sorted(RAW.glob("*.txt"))[1]
CHINESE = "工会工作计划\n一、加强职工之家建设，组织职工开展劳动竞赛。\n二、做好困难职工帮扶和送温暖工作。\n"


def _make_bad_folder(root: Path) -> dict[str, Path]:
    """name of the case → its path; written the way such files arrive from scrapers."""
    sub = root / "sub" / "deeper"
    sub.mkdir(parents=True)
    f = {
        "empty": root / "empty.txt",
        "binary": root / "image.txt",
        "gbk": sub / "gbk.txt",
        "big5": root / "big5.txt",
        "mixed": root / "mixed.txt",
        "unknown": root / "unknown.txt",
        "utf16_nobom": root / "utf16.txt",
        "huge_single_line": root / "huge.txt",
        "long_single_line": root / "long_line.txt",
        "no_chinese": root / "english.txt",
        "unreadable": root / "locked.txt",
        "broken_link": root / "broken.txt",
        "dup_first": root / "copy_a.txt",
        "dup_second": sub / "copy_b.txt",
        "not_txt": root / "notes.docx",
        "not_txt2": sub / "README.md",
    }
    f["empty"].write_bytes(b"")
    f["binary"].write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    f["gbk"].write_bytes(CHINESE.encode("gb18030"))
    f["big5"].write_bytes("工會工作計劃\n一、加強職工之家建設，組織職工開展勞動競賽。\n".encode("big5"))
    f["mixed"].write_bytes(CHINESE.encode("utf-8") + "三、關心職工生活。\n".encode("gb18030"))
    f["unknown"].write_bytes(bytes([0x81, 0x20, 0xFF, 0xFE, 0x80]) * 200)
    f["utf16_nobom"].write_bytes(CHINESE.encode("utf-16-le"))
    line = SAMPLE.read_text(encoding="utf-8").replace("\n", "")
    big = (line * (20_000_000 // len(line.encode()) + 1)).encode("utf-8")[:20_000_000]
    f["huge_single_line"].write_bytes(big.decode("utf-8", "ignore").encode("utf-8"))
    f["long_single_line"].write_text(line * (120_000 // len(line) + 1), encoding="utf-8")
    f["no_chinese"].write_text("Annual plan of the trade union.\nNothing here is in Chinese.\n", encoding="utf-8")
    f["unreadable"].write_text(CHINESE, encoding="utf-8")
    os.symlink(root / "nowhere.txt", f["broken_link"])
    f["dup_first"].write_bytes(SAMPLE.read_bytes())
    f["dup_second"].write_bytes(SAMPLE.read_bytes())
    f["not_txt"].write_bytes(b"PK\x03\x04 a word file")
    f["not_txt2"].write_text("# notes\n", encoding="utf-8")
    return f


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    files = _make_bad_folder(root)
    out = root.parent / (root.name + "_out")
    locked = str(files["unreadable"])
    real_read = uio.read_bytes

    def read_bytes(path):  # tests run as root, where chmod 000 does not block reads: simulate it
        if str(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_read(path)

    mp = pytest.MonkeyPatch()
    mp.setattr(uio, "read_bytes", read_bytes)
    try:
        result = run_corpus([root], out, Config(workers=1, cache=False))
    finally:
        mp.undo()
    docs = read_csv(out / "documents.csv").set_index("source")
    errs = read_csv(out / "errors.csv")
    return files, result, docs, errs, root


def _error(errs, path: Path):
    rows = errs[errs["file"] == str(path)]
    assert len(rows) == 1, f"{path} should have exactly one row in errors.csv, found {len(rows)}"
    return rows.iloc[0]


@pytest.mark.parametrize("case,stage,kind,hint", [
    ("empty", "ingest", "empty", "remove it from the folder"),
    ("binary", "ingest", "binary", "check that the file is a text report"),
    ("unknown", "ingest", "undecodable", "pass --encoding"),
    ("huge_single_line", "read", "too_large", "split it into separate reports, or raise max_file_mb"),
    ("unreadable", "read", "unreadable", "check its permissions"),
    ("broken_link", "read", "broken_link", "fix or remove the link"),
    ("not_txt", "discover", "skipped", "pass --pattern"),
    ("not_txt2", "discover", "skipped", "pass --pattern"),
])
def test_failed_file_has_an_error_row_that_says_what_to_do(bad_run, case, stage, kind, hint):
    files, _, docs, errs, _ = bad_run
    row = _error(errs, files[case])
    assert (row["stage"], row["kind"]) == (stage, kind)
    assert row["message"].startswith(f"{files[case]}: expected ")
    assert hint in row["message"]
    assert str(files[case]) not in docs.index


@pytest.mark.parametrize("case,encoding,warning", [
    ("gbk", "gb18030", None),
    ("big5", "big5", None),
    ("mixed", "mixed:utf-8+gb18030", "lines in two encodings"),
    ("utf16_nobom", "utf-16-le", "UTF-16 without a byte-order mark"),
    ("no_chinese", "utf-8", "no Chinese characters found"),
    ("long_single_line", "utf-8", "with no line breaks"),
])
def test_odd_but_readable_file_is_processed_with_its_warning(bad_run, case, encoding, warning):
    files, _, docs, errs, _ = bad_run
    assert str(files[case]) in docs.index, f"{case} should be in documents.csv"
    row = docs.loc[str(files[case])]
    assert row["encoding"] == encoding
    if warning is None:
        assert row["warnings"] == ""
    else:
        assert warning in row["warnings"]
    assert str(files[case]) not in set(errs["file"])


def test_decoded_chinese_reaches_the_text_output(bad_run):
    files, result, docs, _, root = bad_run
    out = result.out
    gbk_id = docs.loc[str(files["gbk"]), "doc_id"]
    assert "职工之家" in (out / "texts" / f"{gbk_id}.txt").read_text(encoding="utf-8")


def test_same_bytes_twice_are_both_processed_and_the_second_is_marked(bad_run):
    files, result, docs, _, _ = bad_run
    first, second = docs.loc[str(files["dup_first"])], docs.loc[str(files["dup_second"])]
    assert first["warnings"] == ""
    assert second["warnings"] == (f"same bytes as {first['doc_id']} ({files['dup_first']}): "
                                  "a duplicate file, counted once in statistics")
    assert first["sha256"] == second["sha256"]
    items = read_csv(result.out / "items.csv")
    if len(items):  # segmentation present: items of the copy point at the first file's
        mine = items[items["doc_id"] == second["doc_id"]]
        theirs = items[items["doc_id"] == first["doc_id"]]
        assert len(mine) == len(theirs) > 0
        assert list(mine["duplicate_of"]) == list(theirs["item_id"])
        assert (theirs["duplicate_of"] == "").all() or not theirs["duplicate_of"].str.startswith(
            second["doc_id"]).any()


def test_every_file_on_disk_is_in_documents_or_errors_exactly_once(bad_run):
    files, result, docs, errs, root = bad_run
    on_disk = set()
    for dirpath, dirnames, filenames in os.walk(root):
        on_disk.update(str(Path(dirpath) / n) for n in filenames)
    assert on_disk == {str(p) for p in files.values()}
    in_docs, in_errs = set(docs.index), set(errs["file"])
    assert not (in_docs & in_errs), f"in both tables: {in_docs & in_errs}"
    missing = on_disk - in_docs - in_errs
    assert not missing, f"lost files: {missing}"


def test_the_run_completes_and_counts_each_outcome(bad_run):
    files, result, docs, errs, _ = bad_run
    assert not result.stopped
    assert len(result.failed) == 6  # empty, binary, unknown, huge, unreadable, broken link
    assert len(result.skipped) == 2
    assert result.n_ok + result.n_warned == len(docs) == 8
    summary = result.summary()
    assert f"16 files: {result.n_ok} ok, {result.n_warned} with warnings, 6 failed, 2 skipped" in summary


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: chmod 000 does not stop root from reading "
                                              "(the monkeypatched case above covers the message)")
def test_chmod_000_file_is_reported(tmp_path):
    (tmp_path / "in").mkdir()
    locked = tmp_path / "in" / "locked.txt"
    locked.write_text(CHINESE, encoding="utf-8")
    locked.chmod(0)
    try:
        rc = main(["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--workers", "1"])
    finally:
        locked.chmod(0o644)
    assert rc == 1
    assert _error(read_csv(tmp_path / "out" / "errors.csv"), locked)["kind"] == "unreadable"


def test_exit_status_1_when_some_files_failed_0_when_only_skipped(tmp_path, capsys):
    good = tmp_path / "good"
    good.mkdir()
    (good / "plan.txt").write_text(CHINESE, encoding="utf-8")
    (good / "notes.md").write_text("not a report", encoding="utf-8")
    assert main(["run", str(good), "--out", str(tmp_path / "o1"), "--workers", "1"]) in (0, 1)
    errs = read_csv(tmp_path / "o1" / "errors.csv")
    file_errors = errs[errs["file"].str.startswith(str(good))]
    assert list(file_errors["kind"]) == ["skipped"]
    (good / "empty.txt").write_bytes(b"")
    assert main(["run", str(good), "--out", str(tmp_path / "o2"), "--workers", "1"]) == 1
    assert "1 failed" in capsys.readouterr().err


def test_strict_stops_at_the_first_failure_with_exit_3(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a_empty.txt").write_bytes(b"")
    for name in ("b.txt", "c.txt"):
        (src / name).write_text(CHINESE, encoding="utf-8")
    rc = main(["run", str(src), "--out", str(tmp_path / "out"), "--workers", "1", "--strict"])
    assert rc == 3
    err = capsys.readouterr().err
    assert "stopped at the first failure (--strict)" in err
    errs = read_csv(tmp_path / "out" / "errors.csv")
    assert list(errs[errs["file"].str.startswith(str(src))]["kind"]) == ["empty"]
    assert not (tmp_path / "out" / "texts" / "b.txt").exists()
