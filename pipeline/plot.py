"""Figures of the statistics tables: function shares by group, chi-square residual heatmaps.

Chinese must render as Chinese, not as boxes.  ``find_cjk_font`` looks through
the fonts matplotlib knows for one that has Chinese glyphs (Noto Sans CJK,
Source Han, WenQuanYi, SimHei, Microsoft YaHei, PingFang …).  When there is none,
the figures use English label names and pinyin for Chinese group names, and one
warning tells the user how to install a font.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot state, no
backend switch), so they work the same in scripts, the CLI and notebooks.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from . import io as uio
from .model import LABELS

LABEL_ZH = {"organization": "组织建设", "rights": "维权", "welfare": "福利服务", "culture": "宣教文体", "other": "其他"}
LABEL_COLORS = {"organization": "#4C72B0", "rights": "#C44E52", "welfare": "#55A868", "culture": "#DD8452",
                "other": "#8C8C8C"}
#: preferred families, tried first; any other font with Chinese glyphs is accepted after them
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Sarasa Gothic SC", "Microsoft YaHei", "SimHei",
                "PingFang SC", "Heiti SC", "STHeiti", "Noto Serif CJK SC", "AR PL UMing CN", "AR PL UKai CN",
                "Droid Sans Fallback")
FONT_HINT = ("unionmine plot: no font with Chinese glyphs found, so figures use English labels and pinyin; "
             "install one (Debian/Ubuntu: sudo apt-get install fonts-noto-cjk; macOS/Windows have one) "
             "and delete ~/.cache/matplotlib")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_PROBE = "工会职工"


def _has_cjk_glyphs(path: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(path)
        return all(font.get_char_index(ord(ch)) for ch in _PROBE)
    except Exception:  # unreadable or collection fonts matplotlib cannot open
        return False


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager

    fonts = font_manager.fontManager.ttflist
    by_name = {f.name: f for f in fonts}
    for family in CJK_FAMILIES:
        if family in by_name and _has_cjk_glyphs(by_name[family].fname):
            return family
    for f in sorted(fonts, key=lambda f: (f.name, f.fname)):
        # matplotlib's own "Last Resort" font maps every character to a placeholder box
        if "last resort" in f.name.lower():
            continue
        if _has_cjk_glyphs(f.fname):
            return f.name
    return None


@dataclass(frozen=True)
class FigureText:
    """How labels and group names are written: Chinese with a CJK font, English/pinyin without."""

    font: str | None

    @classmethod
    def detect(cls, warn: bool = True) -> "FigureText":
        font = find_cjk_font()
        if font is None and warn:
            warnings.warn(FONT_HINT, stacklevel=3)
        return cls(font)

    def label(self, name: str) -> str:
        if self.font and name in LABEL_ZH:
            return f"{LABEL_ZH[name]} {name}"
        return name

    def group(self, name: str) -> str:
        name = str(name)
        if self.font or not _CJK.search(name):
            return name
        from pypinyin import lazy_pinyin

        return "".join(lazy_pinyin(name))

    def rc(self) -> dict:
        rc = {"svg.hashsalt": "unionmine", "svg.fonttype": "path", "axes.unicode_minus": False}
        if self.font:
            rc.update({"font.family": "sans-serif", "font.sans-serif": [self.font, "DejaVu Sans"]})
        return rc


def _label_list(frame: pd.DataFrame) -> list[str]:
    found = list(dict.fromkeys(frame["label"]))
    return [lab for lab in LABELS if lab in found] + sorted(set(found) - set(LABELS))


def plot_shares(shares: pd.DataFrame, text: FigureText | None = None, title: str | None = None):
    """Stacked horizontal bars: the share of each function in each group (a ``shares_by_*`` table)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    text = text or FigureText.detect()
    by = str(shares["grouping"].iloc[0]) if len(shares) else "group"
    groups = list(dict.fromkeys(shares["group"]))
    labels = _label_list(shares)
    wide = shares.pivot_table(index="group", columns="label", values="share", aggfunc="first").reindex(
        index=groups, columns=labels).fillna(0)
    n = shares.groupby("group")["n_items"].first().reindex(groups)
    with rc_context(text.rc()):
        fig = Figure(figsize=(9, 1.8 + 0.45 * len(groups)), layout="constrained")
        ax = fig.add_subplot()
        left = np.zeros(len(groups))
        ypos = np.arange(len(groups))[::-1]
        for lab in labels:
            vals = wide[lab].to_numpy()
            ax.barh(ypos, vals, left=left, color=LABEL_COLORS.get(lab, "#BBBBBB"), label=text.label(lab))
            for y, x0, v in zip(ypos, left, vals):
                if v >= 0.08:
                    ax.text(x0 + v / 2, y, f"{v:.0%}", ha="center", va="center", fontsize=8, color="white")
            left += vals
        ax.set_yticks(ypos, [f"{text.group(g)} (n={int(k)})" for g, k in zip(groups, n)])
        ax.set_xlim(0, max(1.0, float(left.max()) if len(left) else 1.0))
        ax.set_xlabel("share of items" + (" (any label: may exceed 1)" if (shares.get("labels") == "any").any() else ""))
        ax.set_title(title or f"Union functions by {by}")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    return fig


def plot_shares_over_time(shares: pd.DataFrame, text: FigureText | None = None):
    """Lines with 95 % intervals: each function's share per year (a ``shares_by_year`` table)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    text = text or FigureText.detect()
    known = shares[shares["group"].astype(str).str.fullmatch(r"\d{4}")]
    years = sorted(known["group"].astype(str).unique())
    with rc_context(text.rc()):
        fig = Figure(figsize=(8, 4.5), layout="constrained")
        ax = fig.add_subplot()
        labels = _label_list(shares)
        for k, lab in enumerate(labels):
            sub = known[known["label"] == lab]
            sub = sub.set_index(sub["group"].astype(str)).reindex(years)
            # real years on the axis (gaps show), each function nudged a little so the intervals do not overlap
            x = np.array([int(y) for y in years], float) + 0.08 * (k - (len(labels) - 1) / 2)
            y = sub["share"].to_numpy(float)
            err = np.clip(np.vstack([y - sub["ci_low"].to_numpy(float), sub["ci_high"].to_numpy(float) - y]), 0, None)
            ax.errorbar(x, y, yerr=err, marker="o", capsize=3, color=LABEL_COLORS.get(lab, "#BBBBBB"),
                        label=text.label(lab))
        if years:
            ax.set_xticks([int(y) for y in years], years)
        ax.set_ylim(0, 1)
        ax.set_ylabel("share of items (95% CI)")
        ax.set_title("Union functions by year" + ("" if years else " (no known years)"))
        ax.legend(fontsize=8, frameon=False)
    return fig


def plot_residuals(cells: pd.DataFrame, test: Mapping | None = None, text: FigureText | None = None):
    """Heatmap of adjusted residuals (group × function) of one chi-square test; |r| > 2 stands out."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    text = text or FigureText.detect()
    by = str(cells["grouping"].iloc[0]) if len(cells) else "group"
    groups = list(dict.fromkeys(cells["group"]))
    labels = _label_list(cells) if len(cells) else []
    wide = cells.pivot_table(index="group", columns="label", values="adjusted_residual",
                             aggfunc="first").reindex(index=groups, columns=labels)
    vals = wide.to_numpy(float)
    lim = max(3.0, float(np.nanmax(np.abs(vals))) if vals.size and np.isfinite(vals).any() else 3.0)
    with rc_context(text.rc()):
        fig = Figure(figsize=(1.6 + 1.3 * max(len(labels), 1), 1.6 + 0.45 * max(len(groups), 1)),
                     layout="constrained")
        ax = fig.add_subplot()
        im = ax.imshow(vals if vals.size else np.zeros((1, 1)), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
        for i in range(len(groups)):
            for j in range(len(labels)):
                v = vals[i, j]
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=8,
                            color="white" if abs(v) > lim * 0.6 else "black")
        ax.set_xticks(np.arange(len(labels)), [text.label(lab) for lab in labels], rotation=30, ha="right")
        ax.set_yticks(np.arange(len(groups)), [text.group(g) for g in groups])
        title = f"Adjusted residuals, function × {by}"
        if test is not None and np.isfinite(float(test.get("chi2", np.nan))):
            p = test.get("p_value_exact") if str(test.get("exact_method", "")) else test.get("p_value")
            title += f"\nχ²={float(test['chi2']):.1f}, df={int(test['dof'])}, p={float(p):.3g}, V={float(test['cramers_v']):.2f}"
        ax.set_title(title, fontsize=10)
        fig.colorbar(im, ax=ax, label="adjusted residual")
    return fig


def make_figures(tables: Mapping[str, pd.DataFrame], text: FigureText | None = None) -> dict:
    """The standard figures from ``compute_tables`` output, by file stem."""
    text = text or FigureText.detect()
    figs = {}
    for by in ("sector", "year", "doc_type"):
        t = tables.get(f"shares_by_{by}")
        if t is not None and len(t):
            figs[f"shares_by_{by}"] = plot_shares(t, text)
    if "shares_by_year" in tables and len(tables["shares_by_year"]):
        figs["shares_over_years"] = plot_shares_over_time(tables["shares_by_year"], text)
    cells, tests = tables.get("chisq_cells"), tables.get("chisq_tests")
    if cells is not None and len(cells):
        for by in dict.fromkeys(cells["grouping"]):
            row = None
            if tests is not None and (tests["grouping"] == by).any():
                row = tests[tests["grouping"] == by].iloc[0].to_dict()
            figs[f"residuals_{by}"] = plot_residuals(cells[cells["grouping"] == by], row, text)
    return figs


def write_figures(tables: Mapping[str, pd.DataFrame], folder: str | Path,
                  formats: Iterable[str] = ("png", "svg"), text: FigureText | None = None) -> list[Path]:
    """Every standard figure as ``folder/NAME.png`` and ``.svg`` (byte-stable for the same tables)."""
    import io

    from matplotlib import rc_context

    text = text or FigureText.detect()
    folder = uio.ensure_dir(Path(folder))
    written = []
    for name, fig in make_figures(tables, text).items():
        for fmt in formats:
            buf = io.BytesIO()
            meta = {"Date": None} if fmt == "svg" else {"Software": None} if fmt == "png" else {}
            with rc_context(text.rc()):
                fig.savefig(buf, format=fmt, dpi=150, metadata=meta)
            uio.write_bytes(folder / f"{name}.{fmt}", buf.getvalue())
            written.append(folder / f"{name}.{fmt}")
    return written
