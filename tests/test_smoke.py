"""The foundation: the package imports quietly, the CLI runs end to end on the samples."""
from __future__ import annotations

import subprocess
import sys

from pipeline.cli import main
from pipeline.io import read_csv


def test_import_prints_nothing():
    out = subprocess.run([sys.executable, "-c", "import pipeline"], capture_output=True, text=True)
    assert out.stdout == "" and out.stderr == ""


def test_repair_cli_writes_texts_and_repairs(tmp_path, raw_files):
    rc = main(["repair", *map(str, raw_files), "--out", str(tmp_path), "--script", "keep"])
    assert rc == 0
    for f in raw_files:
        assert (tmp_path / f"{f.stem}.txt").read_text(encoding="utf-8")
    rep = read_csv(tmp_path / "repairs.csv")
    assert {"doc_id", "rule", "start", "end", "before", "after"} <= set(rep.columns)
    assert set(rep["doc_id"]) == {f.stem for f in raw_files}
    docs = read_csv(tmp_path / "documents.csv")  # the encoding and decoding warnings: the trail before repairs
    assert set(docs["doc_id"]) == {f.stem for f in raw_files} and (docs["encoding"] != "").all()
    assert "convert_script" not in set(rep["rule"])  # --script keep: no conversion


def test_the_stage_functions_can_be_called_again_once_their_modules_are_imported():
    # importing pipeline.ingest (which the first call does) made the package attribute
    # the submodule, and a second pipeline.ingest(path) called a module
    import pipeline
    from tests.conftest import RAW

    path = sorted(RAW.glob("*.txt"))[1]
    first, second = pipeline.ingest(path), pipeline.ingest(path)
    assert first.text == second.text
    assert len(pipeline.segment(first).items) == len(pipeline.segment(second).items) > 0
    from pipeline.ingest import replay

    assert replay(second.raw_text, second.repairs) == second.text_original
