"""Files in and out: discovery with stable ids, BOM CSVs, atomic writes."""
from __future__ import annotations

import pandas as pd

from pipeline import io as uio


def test_discover_recurses_sorts_and_reports_skipped(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "b" / "c.txt").write_text("x", encoding="utf-8")
    (tmp_path / "b" / "notes.docx").write_bytes(b"PK")
    inputs, skipped = uio.discover([tmp_path])
    assert [f.doc_id for f in inputs] == ["a", "c"]
    assert skipped == [(str(tmp_path / "b" / "notes.docx"), "not matched by the input patterns *.txt")]


def test_colliding_stems_get_path_ids(tmp_path):
    for d in ("x", "y"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "plan.txt").write_text("x", encoding="utf-8")
    inputs, _ = uio.discover([tmp_path])
    assert [f.doc_id for f in inputs] == ["x__plan", "y__plan"]


def test_csv_has_bom_and_round_trips(tmp_path):
    df = pd.DataFrame({"text": ["工会，“送温暖”", ""], "n": ["1", "2"]})
    p = tmp_path / "t.csv"
    uio.write_csv(p, df)
    assert p.read_bytes().startswith(b"\xef\xbb\xbf")
    back = uio.read_csv(p)
    pd.testing.assert_frame_equal(back, df)


def test_atomic_write_leaves_no_temp_files(tmp_path):
    uio.write_text(tmp_path / "out" / "a.txt", "工会")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.txt"]


def test_outputs_are_readable_by_others(tmp_path):
    import os
    import stat

    uio.write_csv(tmp_path / "t.csv", pd.DataFrame({"a": ["1"]}))
    mode = stat.S_IMODE(os.stat(tmp_path / "t.csv").st_mode)
    assert mode == 0o666 & ~uio._UMASK
