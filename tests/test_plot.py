"""pipeline.plot: Chinese labels with a CJK font, English/pinyin without, byte-stable files."""
from __future__ import annotations

import re
import warnings

import pytest

from pipeline import export, plot
from pipeline.config import Config
from tests.test_stats import synthetic_tables

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def tables():
    docs, arts, items = synthetic_tables()
    arts = arts.assign(sector=arts.sector.replace({"health": "卫生", "school": "学校"}))
    docs = docs.assign(sector=docs.sector.replace({"health": "卫生", "school": "学校"}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return export.compute_tables(docs, arts, items, Config(top_terms=3))


def _texts(fig) -> list[str]:
    out = []
    for ax in fig.axes:
        out += [t.get_text() for t in ax.get_yticklabels() + ax.get_xticklabels() + ax.texts]
        out.append(ax.get_title())
        if ax.get_legend():
            out += [t.get_text() for t in ax.get_legend().get_texts()]
    return out


def test_without_a_cjk_font_labels_are_english_and_pinyin(tables):
    text = plot.FigureText(None)
    assert text.label("welfare") == "welfare" and text.group("卫生") == "weisheng" and text.group("2012") == "2012"
    figs = plot.make_figures(tables, text)
    assert {"shares_by_sector", "shares_by_year", "shares_over_years", "residuals_sector"} <= set(figs)
    for name, fig in figs.items():
        shown = " ".join(_texts(fig))
        assert not CJK.search(shown), (name, shown)
    assert "weisheng" in " ".join(_texts(figs["shares_by_sector"]))


def test_with_a_cjk_font_labels_are_chinese(tables):
    text = plot.FigureText("Noto Sans CJK SC")
    assert text.label("welfare") == "福利服务 welfare" and text.group("卫生") == "卫生"
    assert text.rc()["font.sans-serif"][0] == "Noto Sans CJK SC"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the font may be missing here: only the labels are checked
        fig = plot.plot_shares(tables["shares_by_sector"], text)
    shown = " ".join(_texts(fig))
    assert "卫生" in shown and "福利服务" in shown


def test_missing_font_gives_one_clear_hint(monkeypatch):
    monkeypatch.setattr(plot, "find_cjk_font", lambda: None)
    with pytest.warns(UserWarning, match="apt-get install fonts-noto-cjk"):
        assert plot.FigureText.detect().font is None


@pytest.mark.skipif(plot.find_cjk_font() is None, reason="no CJK font installed (fc-list shows none)")
def test_an_installed_cjk_font_is_found_and_has_glyphs():
    from matplotlib import font_manager

    name = plot.find_cjk_font()
    path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
    assert plot._has_cjk_glyphs(path)


def test_no_font_without_chinese_glyphs_is_taken_for_one():
    from matplotlib import font_manager

    dejavu = font_manager.findfont("DejaVu Sans")
    assert not plot._has_cjk_glyphs(dejavu)


def test_residual_heatmap_title_carries_the_test(tables):
    row = tables["chisq_tests"].set_index("grouping").loc["sector"].to_dict()
    row["grouping"] = "sector"
    fig = plot.plot_residuals(tables["chisq_cells"].query("grouping == 'sector'"), row, plot.FigureText(None))
    title = fig.axes[0].get_title()
    assert "function × sector" in title and "V=" in title
    assert f"p={row['p_value_exact']:.3g}" in title     # small cells: the exact p-value is shown


def test_figures_are_written_and_byte_stable(tables, tmp_path):
    text = plot.FigureText(None)
    a = plot.write_figures(tables, tmp_path / "a", text=text)
    b = plot.write_figures(tables, tmp_path / "b", text=text)
    assert len(a) == len(b) >= 8
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    png = next(p for p in a if p.suffix == ".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_matplotlibs_last_resort_font_is_not_taken_for_a_cjk_font():
    # it "has" a glyph for every character, but each one is a placeholder box
    name = plot.find_cjk_font()
    assert name is None or "last resort" not in name.lower()
