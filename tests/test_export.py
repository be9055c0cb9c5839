"""pipeline.export and the stats/export/plot commands: tables, round trips, determinism."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from pipeline import export, io as uio
from pipeline.cli import main
from pipeline.config import Config
from tests.test_stats import synthetic_tables


@pytest.fixture(scope="module")
def tables():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return export.compute_tables(*synthetic_tables(), Config(nmf_topics=1, top_terms=5))


@pytest.fixture()
def run_dir(tmp_path):
    docs, arts, items = synthetic_tables()
    for name, t in (("documents", docs), ("articles", arts), ("items", items)):
        uio.write_csv(tmp_path / f"{name}.csv", t)
    return tmp_path


def test_every_table_is_there(tables):
    expected = {"overview", "chisq_tests", "chisq_cells", "pairwise", "keyness_by_function", "topics_by_function",
                "nmf_topics"}
    expected |= {f"shares_by_{by}" for by in ("doc_id", "article_id", "sector", "year", "doc_type")}
    expected |= {f"keyness_by_{by}" for by in ("sector", "year", "doc_type")}
    expected |= {f"topics_by_function_{by}" for by in ("sector", "year", "doc_type")}
    assert set(tables) == expected
    ov = dict(zip(tables["overview"].key, tables["overview"].value))
    assert (ov["items"], ov["headings"], ov["near_duplicates"], ov["counted_items"]) == ("14", "1", "2", "11")


def test_chisq_tests_leave_unknown_groups_out_and_report_small_cells(tables):
    t = tables["chisq_tests"].set_index("grouping")
    assert list(t.index) == ["sector", "year", "doc_type", "doc_id"]
    assert t.loc["sector", "n"] == 11 and bool(t.loc["sector", "small_expected"])
    assert "Cochran" in t.loc["sector", "warning"] and 0 < t.loc["sector", "p_value_exact"] <= 1


def test_shares_by_sector_in_the_tables_sum_to_one(tables):
    s = tables["shares_by_sector"]
    assert np.allclose(s.groupby("group")["share"].sum(), 1)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_tables_round_trip(tables, tmp_path, fmt):
    export.write_tables(tables, tmp_path, formats=(fmt,))
    for name, table in tables.items():
        back = export.read_table(tmp_path / f"{name}.{fmt}")
        expect = table.copy()
        if fmt == "csv":   # CSV cannot tell an empty cell from a missing number: compare on that footing
            for c in expect.columns:
                if not (pd.api.types.is_numeric_dtype(expect[c]) or pd.api.types.is_bool_dtype(expect[c])):
                    expect[c] = expect[c].astype(object).where(expect[c].notna(), "")
                    if (expect[c] == "").all():
                        back[c] = back[c].astype(object).where(back[c].notna(), "")
        pd.testing.assert_frame_equal(back.reset_index(drop=True), expect.reset_index(drop=True),
                                      check_dtype=False, obj=name)


def test_csv_has_a_bom_and_reads_back_as_chinese(tables, tmp_path):
    export.write_tables(tables, tmp_path, formats=("csv",))
    raw = (tmp_path / "topics_by_function.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "送温暖" in raw.decode("utf-8-sig")


def test_xlsx_round_trips_and_is_byte_stable(tables, tmp_path):
    a = export.write_xlsx(tables, tmp_path / "a.xlsx").read_bytes()
    b = export.write_xlsx(tables, tmp_path / "b.xlsx").read_bytes()
    assert a == b
    sheets = pd.read_excel(tmp_path / "a.xlsx", sheet_name=None)
    assert set(sheets) == {n[:31] for n in tables}
    back = sheets["shares_by_sector"]
    pd.testing.assert_frame_equal(back, tables["shares_by_sector"], check_dtype=False)


def test_writing_twice_gives_the_same_bytes_and_removes_stale_tables(tables, tmp_path):
    export.write_tables(tables, tmp_path / "a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "old_table.csv").write_text("x\n", encoding="utf-8")
    export.write_tables(tables, tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for n in names:
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes(), n


def test_without_labels_only_the_overview_is_written():
    docs, arts, items = synthetic_tables()
    with pytest.warns(UserWarning, match="classify the items first"):
        out = export.compute_tables(docs, arts, items.drop(columns=["primary_label", "secondary_labels"]))
    assert list(out) == ["overview"]


def test_write_run_outputs_is_what_run_calls(run_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        written = export.write_run_outputs(run_dir, Config())
    assert (run_dir / "stats" / "shares_by_sector.csv") in written
    assert (run_dir / "stats" / "shares_by_sector.parquet").exists()


def test_load_outputs_says_what_to_run(tmp_path):
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="run 'unionmine run data/raw"):
        export.load_outputs(tmp_path)


# --- commands ------------------------------------------------------------------------
def test_stats_command_prints_shares_and_the_test(run_dir, capsys):
    assert main(["stats", "--by", "sector", "--in", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "health" in out and "school" in out and "28.6% [" in out   # welfare in health: 2/7
    assert "chi-square test of function × sector" in out and "Cramér's V" in out


def test_stats_command_says_which_method_gave_each_interval(run_dir, capsys):
    assert main(["stats", "--by", "sector", "--ci", "bootstrap", "--in", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "korn-graubard over 2 documents: health" in out      # 2 reports: too few for a percentile bootstrap
    assert "none: one document: school" in out and "[none]" in out and "nan%" not in out
    assert main(["stats", "--by", "sector", "--in", str(run_dir)]) == 0   # bootstrap is the default
    assert capsys.readouterr().out == out
    assert main(["stats", "--by", "sector", "--ci", "wilson", "--in", str(run_dir)]) == 0
    assert "  wilson: health, school, (all)" in capsys.readouterr().out


def test_stats_command_options(run_dir, capsys):
    out_file = run_dir / "s.csv"
    assert main(["stats", "--by", "year", "--in", str(run_dir), "--keep-duplicates", "--include-headings",
                 "--labels", "any", "--out", str(out_file)]) == 0
    t = uio.read_csv(out_file)
    assert set(t.labels) == {"any"} and t[t.group == "(all)"].n_items.iloc[0] == "14"
    assert main(["stats", "--by", "sector", "--in", str(run_dir), "--compare", "health", "school"]) == 0
    assert "p_holm" in capsys.readouterr().out


def test_stats_command_reports_a_missing_folder(tmp_path, capsys):
    assert main(["stats", "--in", str(tmp_path / "nope")]) == 2
    assert "unionmine run" in capsys.readouterr().err


@pytest.mark.parametrize("fmt,name", [("csv", "stats/chisq_tests.csv"), ("parquet", "stats/chisq_tests.parquet"),
                                      ("xlsx", "stats/unionmine_stats.xlsx")])
def test_export_command(run_dir, fmt, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["export", "--format", fmt, "--in", str(run_dir)]) == 0
    assert (run_dir / name).exists()


def test_plot_command(run_dir, capsys):
    assert main(["plot", "--in", str(run_dir)]) == 0
    assert (run_dir / "figures" / "shares_by_sector.png").exists()
    assert (run_dir / "figures" / "residuals_sector.svg").exists()


def test_statistics_read_only_the_columns_they_use(run_dir):
    # extra columns a run writes (a second copy of the text, scores …) stay on disk
    items = uio.read_csv(run_dir / "items.csv")
    items["text_original"] = items["text"] + "（原文）"
    items["top_terms"] = "工会;职工"
    uio.write_csv(run_dir / "items.csv", items)
    full = export.load_outputs(run_dir)
    lean = export.load_outputs(run_dir, item_columns=export.STATS_ITEM_COLUMNS)
    assert "text_original" in full.items.columns and "text_original" not in lean.items.columns
    assert set(lean.items.columns) <= export.STATS_ITEM_COLUMNS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = export.compute_tables(full.documents, full.articles, full.items, Config(nmf_topics=1, top_terms=5))
        b = export.compute_tables(lean.documents, lean.articles, lean.items, Config(nmf_topics=1, top_terms=5))
    assert list(a) == list(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def test_tables_computed_in_other_processes_are_the_same(tables):
    """``unionmine run`` hands its idle workers part of the statistics: same tables, same order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    sent = []
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        def submit(fn, *args):
            sent.append(args[0].__name__)
            return pool.submit(fn, *args)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            remote = export.compute_tables(*synthetic_tables(), Config(nmf_topics=1, top_terms=5), submit=submit)
    assert sent == ["_test_tables", "_word_tables"], "the tests and the word tables go to the pool"
    assert list(remote) == list(tables)
    for name in tables:
        pd.testing.assert_frame_equal(remote[name], tables[name], check_exact=True, obj=name)


def test_warnings_raised_in_another_process_are_raised_here():
    class Done:
        def __init__(self, value):
            self.value = value

        def result(self):
            return self.value

    def submit(fn, *args):
        return Done(fn(*args))  # what a pool would return, computed here

    def warns(x):
        warnings.warn(f"items: {x} item(s) have no primary_label", UserWarning)
        return {"t": x}

    fut = export._start(submit, warns, 3)
    with pytest.warns(UserWarning, match="3 item"):
        assert export._finish(fut, warns, 3) == {"t": 3}

    def broken(fn, *args):
        raise RuntimeError("pool closed")

    assert export._start(broken, warns, 1) is None  # computed here instead
