"""Files in and out: discovery with stable ids, BOM CSVs, CSVs read as written, atomic writes."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline import io as uio
from pipeline.errors import InputFileError


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


def test_no_file_gets_the_pooled_groups_name_as_its_id(tmp_path):
    # "(all)" is the pooled row of every shares table (stats.ALL): a file "(all).txt"
    # with that doc_id stopped the run's statistics (IndexError, 'statistics: internal')
    (tmp_path / "(all).txt").write_text("x", encoding="utf-8")
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    inputs, _ = uio.discover([tmp_path])
    assert [f.doc_id for f in inputs] == ["(all)~2", "a"]


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


def test_csv_rows_are_read_as_written(tmp_path):
    p = tmp_path / "items.csv"
    p.write_bytes('\ufeffid,text,note\n007,组织建设,NA\n\n008,"召开职代会, 审议报告\n第二行",null\n009,举办运动会\n'
                  .encode("utf-8"))
    table = uio.read_csv_rows(p, "an items CSV")
    assert list(table.frame.columns) == ["id", "text", "note"]  # the BOM is not part of the first name
    assert table.frame.values.tolist() == [["007", "组织建设", "NA"], ["008", "召开职代会, 审议报告\n第二行", "null"],
                                           ["009", "举办运动会", ""]]  # a short row is padded, a blank line skipped
    assert table.lines == [2, 4, 6] and table.renamed == {}


def test_csv_rows_in_another_encoding(tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_bytes("id,text\n1,召开职代会\n".encode("gb18030"))
    assert uio.read_csv_rows(p, encoding="gb18030").frame.values.tolist() == [["1", "召开职代会"]]
    with pytest.raises(InputFileError) as e:
        uio.read_csv_rows(p, "an items CSV")
    assert str(e.value).startswith(f"{p}: expected an items CSV (CSV, UTF-8); found bytes that are not UTF-8 at byte 10;")
    assert str(e.value).endswith("save it as CSV UTF-8 (Excel: 'CSV UTF-8')")
    with pytest.raises(InputFileError, match="pass --encoding with the file's encoding .gb18030 for Excel's 'CSV'"):
        uio.read_csv_rows(p, "an items CSV", encoding_option="--encoding")


def test_csv_input_columns_kept_apart_from_those_the_caller_adds(tmp_path):
    p = tmp_path / "labels.csv"
    p.write_text("text,model,primary_label,input_model\n召开职代会,old,rights,older\n", encoding="utf-8")
    table = uio.read_csv_rows(p, keep_apart=["primary_label", "secondary_labels", "model"])
    assert table.renamed == {"primary_label": "input_primary_label", "model": "input_input_model"}
    assert list(table.frame.columns) == ["text", "input_input_model", "input_primary_label", "input_model"]
    assert table.frame.values.tolist() == [["召开职代会", "old", "rights", "older"]]


@pytest.mark.parametrize("content, found, todo", [
    ("id,text\n1,a\n2,b,c\n3,d,e,f\n", "3 fields on line 3 (and 1 more rows)", "quote values that contain commas"),
    ('id,text\n1,"a\n', "a malformed row from line 2", 'close the quotes ("…") of that row'),
    ("\ufeff\n\n", "an empty file", "export the table again, with its header row"),
    ("id,text,id\n1,a,2\n", "'id' more than once", "rename the repeated columns"),
])
def test_csv_rows_that_cannot_be_read_are_errors_naming_the_file(tmp_path, content, found, todo):
    p = tmp_path / "bad.csv"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError) as e:
        uio.read_csv_rows(p, "a coding sheet")
    assert str(e.value).startswith(f"{p}: expected ") and f"; found {found}" in str(e.value)
    assert todo in str(e.value)


def test_csv_rows_from_a_folder_or_nowhere(tmp_path):
    with pytest.raises(InputFileError, match="found a folder; pass the CSV file itself"):
        uio.read_csv_rows(tmp_path, "a coding sheet")
    with pytest.raises(InputFileError, match="expected a coding sheet; found no such file; check the path"):
        uio.read_csv_rows(tmp_path / "nope.csv", "a coding sheet")
