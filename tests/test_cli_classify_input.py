"""``unionmine classify`` on awkward inputs: ragged or empty CSVs, clashing label columns,
a run's items.csv (parent_id, no parent_text), bad --out and --model paths, empty texts
and a GBK-encoded file. Run in-process, on synthetic items (never the coded samples).
"""
from __future__ import annotations

import os

import pandas as pd
import pytest

from pipeline import io as uio
from pipeline.classify import Classifier, classify_items, label_rows, read_labels
from pipeline.cli import main
from pipeline.config import Config
from pipeline.model import LABELS, Item
from tests.conftest import ROOT

SYNTH = ROOT / "tests" / "data" / "classify_synthetic.csv"


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("UNIONMINE_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """A model whose labels depend on the parent heading (generic leaves under telling headings)."""
    heads = {"welfare": "开展送温暖慰问困难职工", "culture": "举办职工运动会和文艺演出"}
    extra = pd.DataFrame([{"item_id": f"g{lab}{i}", "doc_id": "synA", "text": f"做好第{i}项具体工作",
                           "parent_text": head, "primary_label": lab}
                          for lab, head in heads.items() for i in range(6)])
    path = tmp_path_factory.mktemp("model") / "classifier.joblib"
    Classifier.train(pd.concat([read_labels(SYNTH), extra]), Config()).save(path)
    return path


def _write(path, text: str, encoding: str = "utf-8") -> str:
    path.write_bytes(text.encode(encoding))
    return str(path)


def _help(capsys, monkeypatch, command: str) -> str:
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit):
        main([command, "--help"])
    return " ".join(capsys.readouterr().out.split())


# ------------------------------------------------------------------------------
# 1. every cell as written; a row with too many fields is an error
# ------------------------------------------------------------------------------
def test_row_with_too_many_fields_names_the_file_and_line(tmp_path, capsys):
    items = _write(tmp_path / "ragged.csv", "id,text\n007,组织建设工作,extra\n008,NA\n")
    out = tmp_path / "o.csv"
    assert main(["classify", items, "--out", str(out), "--dictionary"]) == 2
    err = capsys.readouterr().err
    assert "ragged.csv" in err and "2 fields per row" in err and "3 fields on line 2" in err
    assert "quote values that contain commas" in err
    assert not out.exists()


def test_later_long_rows_are_counted(tmp_path, capsys):
    items = _write(tmp_path / "ragged.csv", "id,text\n1,a\n2,b,c\n3,d\n4,e,f,g\n")
    assert main(["classify", items, "--out", str(tmp_path / "o.csv"), "--dictionary"]) == 2
    assert "3 fields on line 3 (and 1 more rows)" in capsys.readouterr().err


def test_cells_are_repeated_as_written(tmp_path):
    items = _write(tmp_path / "items.csv", 'id,text,note\n007,组织建设工作,NA\n008,NA,\n009,"召开职代会, 审议报告",null\n010,举办运动会\n')
    out = tmp_path / "o.csv"
    assert main(["classify", items, "--out", str(out), "--dictionary"]) == 0
    raw = out.read_text(encoding="utf-8-sig").splitlines()
    assert raw[0].startswith("id,text,note,primary_label,")
    assert raw[1].startswith("007,组织建设工作,NA,") and raw[2].startswith("008,NA,,")
    assert raw[3].startswith('009,"召开职代会, 审议报告",null,') and raw[4].startswith("010,举办运动会,,")


def test_unclosed_quote_names_the_line(tmp_path, capsys):
    items = _write(tmp_path / "q.csv", 'id,text\n1,组织建设\n2,"没有结束的引号\n3,x\n')
    assert main(["classify", items, "--out", str(tmp_path / "o.csv"), "--dictionary"]) == 2
    err = capsys.readouterr().err
    assert "q.csv" in err and "line 3" in err and "close the quotes" in err


# ------------------------------------------------------------------------------
# 2. label columns already in the input are kept
# ------------------------------------------------------------------------------
def test_coded_labels_in_the_input_are_kept_as_input_columns(tmp_path, capsys):
    items = tmp_path / "labels.csv"
    uio.write_csv(items, pd.DataFrame({"item_id": ["a", "b"], "text": ["开展送温暖活动", "召开职代会"],
                                       "primary_label": ["other", "culture"], "secondary_labels": ["rights", ""],
                                       "coder": ["c1", "c1"]}))
    out = tmp_path / "o.csv"
    assert main(["classify", str(items), "--out", str(out), "--dictionary"]) == 0
    df = uio.read_csv(out)
    assert list(df.columns) == ["item_id", "text", "input_primary_label", "input_secondary_labels", "coder",
                                "primary_label", "secondary_labels", "confidence", "top_terms", "model"]
    assert list(df["input_primary_label"]) == ["other", "culture"]
    assert list(df["input_secondary_labels"]) == ["rights", ""]
    assert list(df["primary_label"]) == ["welfare", "rights"]
    err = capsys.readouterr().err
    assert "already has primary_label, secondary_labels" in err and "input_primary_label" in err


def test_a_taken_input_name_is_not_overwritten(tmp_path):
    items = tmp_path / "x.csv"
    uio.write_csv(items, pd.DataFrame({"text": ["召开职代会"], "model": ["old"], "input_model": ["older"]}))
    out = tmp_path / "o.csv"
    assert main(["classify", str(items), "--out", str(out), "--dictionary"]) == 0
    df = uio.read_csv(out)
    assert (df["input_model"][0], df["input_input_model"][0], df["model"][0]) == ("older", "old", "dictionary")


# ------------------------------------------------------------------------------
# 3. messages and exit 2 instead of tracebacks
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("content", ["", "\ufeff", "\n\n"])
def test_empty_csv_is_a_message(tmp_path, capsys, content):
    items = _write(tmp_path / "empty.csv", content)
    assert main(["classify", items, "--out", str(tmp_path / "o.csv"), "--dictionary"]) == 2
    err = capsys.readouterr().err
    assert "empty.csv" in err and "an empty file" in err and "header row" in err


def test_out_naming_a_folder_is_a_message(tmp_path, capsys):
    items = _write(tmp_path / "items.csv", "text\n召开职代会\n")
    assert main(["classify", items, "--out", str(tmp_path), "--dictionary"]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "a folder" in err and "items_labelled.csv" in err


def test_out_inside_a_file_is_a_message(tmp_path, capsys):
    items = _write(tmp_path / "items.csv", "text\n召开职代会\n")
    assert main(["classify", items, "--out", str(tmp_path / "items.csv" / "o.csv"), "--dictionary"]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "items.csv, a file" in err and "choose another path" in err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permissions do not bind root")
def test_out_in_a_read_only_folder_is_a_message(tmp_path, capsys):
    items = _write(tmp_path / "items.csv", "text\n召开职代会\n")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        assert main(["classify", items, "--out", str(ro / "o.csv"), "--dictionary"]) == 2
    finally:
        ro.chmod(0o700)
    assert "not writable" in capsys.readouterr().err


def test_out_in_a_folder_without_write_permission_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    items = _write(tmp_path / "items.csv", "text\n召开职代会\n")
    assert main(["classify", items, "--out", str(tmp_path / "o.csv"), "--model", str(tmp_path / "m.joblib")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path}, not writable" in err and "check its permissions" in err
    assert not (tmp_path / "m.joblib").exists()


def test_failed_write_is_a_message(tmp_path, capsys, monkeypatch):
    def refuse(path, frame):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(uio, "write_csv", refuse)
    items = _write(tmp_path / "items.csv", "text\n召开职代会\n")
    assert main(["classify", items, "--out", str(tmp_path / "o.csv"), "--dictionary"]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "Permission denied" in err and "check its permissions" in err


# ------------------------------------------------------------------------------
# 4. a run's items.csv: parent headings from parent_id
# ------------------------------------------------------------------------------
def test_reclassifying_a_runs_items_reproduces_its_labels(tmp_path, capsys, model_file):
    heads = ["开展送温暖慰问困难职工", "举办职工运动会和文艺演出"]
    items = [Item(f"d/a1/{i + 1}", "d", 1, f"{i + 1}", 1, "", True, h, h, None, 0, 1) for i, h in enumerate(heads)]
    items += [Item(f"d/a1/{i + 1}.{j}", "d", 1, f"{i + 1}.{j}", 2, "", False, t, t, f"d/a1/{i + 1}", 0, 1)
              for i in range(2) for j, t in enumerate(["做好相关工作", "认真完成各项任务"], 1)]
    items.append(Item("d/a1/9", "d", 1, "9", 1, "", False, "做好相关工作", "做好相关工作", "elsewhere", 0, 1))
    run = classify_items(items, Classifier.load(model_file))  # what 'unionmine run' writes to items.csv
    path = tmp_path / "items.csv"
    uio.write_csv(path, pd.DataFrame({"item_id": [it.item_id for it in items], "text": [it.text for it in items],
                                      "parent_id": [it.parent_id or "" for it in items]}))
    out = tmp_path / "o.csv"
    assert main(["classify", str(path), "--out", str(out), "--model", str(model_file)]) == 0
    df = uio.read_csv(out)
    assert list(df.columns) == ["item_id", "text", "parent_id", "primary_label", "secondary_labels", "confidence",
                                "top_terms", "model"]
    assert list(df["primary_label"]) == [r.primary_label for r in run]
    assert [float(c) for c in df["confidence"]] == [r.confidence for r in run]
    assert list(df["top_terms"]) == [";".join(r.top_terms) for r in run]
    # the headings decide: the same leaf text gets different labels under different parents
    assert df["primary_label"][2] == "welfare" and df["primary_label"][4] == "culture"
    err = capsys.readouterr().err
    assert "no parent_text column" in err and "parent heading of 4 items" in err
    assert "1 parent_id not in the file" in err


def test_reclassified_run_output_keeps_the_runs_labels_beside_the_new_ones(tmp_path, model_file):
    items = [Item("d/a1/1", "d", 1, "1", 1, "", True, "举办职工运动会和文艺演出", "", None, 0, 1),
             Item("d/a1/1.1", "d", 1, "1.1", 2, "", False, "做好相关工作", "", "d/a1/1", 0, 1)]
    run = classify_items(items, Classifier.load(model_file))
    path = tmp_path / "items.csv"
    uio.write_csv(path, pd.concat([pd.DataFrame({"item_id": [it.item_id for it in items],
                                                 "text": [it.text for it in items],
                                                 "parent_id": [it.parent_id or "" for it in items]}),
                                   pd.DataFrame(label_rows(run))], axis=1))
    out = tmp_path / "o.csv"
    assert main(["classify", str(path), "--out", str(out), "--model", str(model_file)]) == 0
    df = uio.read_csv(out)
    for col in ("primary_label", "secondary_labels", "confidence", "top_terms", "model"):
        assert list(df[col]) == list(df[f"input_{col}"]), col


def test_given_parent_text_wins_over_parent_id(tmp_path, model_file):
    path = tmp_path / "items.csv"
    uio.write_csv(path, pd.DataFrame({"item_id": ["h", "x"], "text": ["开展送温暖慰问困难职工", "做好相关工作"],
                                      "parent_id": ["", "h"], "parent_text": ["", "举办职工运动会和文艺演出"]}))
    out = tmp_path / "o.csv"
    assert main(["classify", str(path), "--out", str(out), "--model", str(model_file)]) == 0
    assert uio.read_csv(out)["primary_label"][1] == "culture"


# ------------------------------------------------------------------------------
# 5. --model PATH with no file there
# ------------------------------------------------------------------------------
def test_missing_model_file_is_trained_and_said_so(tmp_path, capsys):
    items = _write(tmp_path / "items.csv", "text\n召开职代会\n")
    target = tmp_path / "models" / "m.joblib"
    argv = ["classify", items, "--out", str(tmp_path / "o.csv"), "--model", str(target), "--labels", str(SYNTH)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert f"no model at {target}; training one from {SYNTH} and saving it there" in err
    assert target.is_file()
    assert main(argv) == 0
    assert "no model at" not in capsys.readouterr().err


def test_missing_model_without_labels_names_the_shipped_labels(tmp_path, capsys, monkeypatch):
    import pipeline.classify as classify

    monkeypatch.setattr(classify, "load_or_train", lambda config, labels_path=None: classify.DictionaryModel())
    items = _write(tmp_path / "items.csv", "text\n召开职代会\n")
    target = tmp_path / "m.joblib"
    assert main(["classify", items, "--out", str(tmp_path / "o.csv"), "--model", str(target)]) == 0
    assert f"no model at {target}; training one from the shipped labels" in capsys.readouterr().err


def test_model_naming_a_folder_is_a_message(tmp_path, capsys):
    items = _write(tmp_path / "items.csv", "text\n召开职代会\n")
    assert main(["classify", items, "--out", str(tmp_path / "o.csv"), "--model", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--model" in err and "a folder" in err and "classifier.joblib" in err


def test_help_says_a_missing_model_is_trained_and_saved(capsys, monkeypatch):
    assert "if there is no file at PATH, one is trained from --labels and saved there" in \
        _help(capsys, monkeypatch, "classify")


# ------------------------------------------------------------------------------
# 6. empty texts
# ------------------------------------------------------------------------------
def test_empty_text_is_other_at_confidence_zero_with_a_warning(tmp_path, capsys, model_file):
    items = _write(tmp_path / "items.csv", "id,text\n1,召开职代会\n2,\n3,\u3000 \n4\n")
    out = tmp_path / "o.csv"
    assert main(["classify", items, "--out", str(out), "--model", str(model_file)]) == 0
    df = uio.read_csv(out)
    assert list(df["primary_label"]) == ["rights", "other", "other", "other"]
    assert float(df["confidence"][0]) > 0.5
    assert [float(c) for c in df["confidence"][1:]] == [0.0, 0.0, 0.0]
    assert list(df["secondary_labels"][1:]) == list(df["top_terms"][1:]) == ["", "", ""]
    assert set(df["primary_label"]) <= set(LABELS) and set(df["model"]) == {"model"}
    assert "3 items have no text (line 3, 4, 5); labelled other with confidence 0" in capsys.readouterr().err


# ------------------------------------------------------------------------------
# --encoding and --script
# ------------------------------------------------------------------------------
def test_encoding_reads_a_gbk_csv(tmp_path, capsys):
    items = _write(tmp_path / "gbk.csv", "id,text\n1,召开职代会\n2,开展送温暖活动\n", "gbk")
    out = tmp_path / "o.csv"
    assert main(["classify", items, "--out", str(out), "--dictionary"]) == 2
    err = capsys.readouterr().err
    assert "gbk.csv" in err and "not UTF-8" in err and "--encoding" in err
    assert main(["classify", items, "--out", str(out), "--dictionary", "--encoding", "gbk"]) == 0
    df = uio.read_csv(out)
    assert list(df["text"]) == ["召开职代会", "开展送温暖活动"] and list(df["primary_label"]) == ["rights", "welfare"]


def test_classify_help_says_what_encoding_and_script_do(capsys, monkeypatch):
    text = _help(capsys, monkeypatch, "classify")
    assert "--encoding ENCODING encoding of ITEMS.csv" in text
    assert "--script {simplified,traditional,keep} ignored by classify" in text


def test_script_is_ignored_with_a_warning(tmp_path):
    items = _write(tmp_path / "items.csv", "text\n召開職代會\n")
    out = tmp_path / "o.csv"
    with pytest.warns(UserWarning, match="--script is ignored by 'classify'"):
        assert main(["classify", items, "--out", str(out), "--dictionary", "--script", "keep"]) == 0
    assert uio.read_csv(out)["text"][0] == "召開職代會"


def test_train_warns_that_encoding_and_script_are_ignored(tmp_path, capsys, monkeypatch):
    with pytest.warns(UserWarning, match="--encoding is ignored by 'train'"):
        assert main(["train", "--labels", str(SYNTH), "--model", str(tmp_path / "m.joblib"), "--encoding", "gbk"]) == 0
    assert "ignored by train" in _help(capsys, monkeypatch, "train")
    assert "ignored by evaluate" in _help(capsys, monkeypatch, "evaluate")
