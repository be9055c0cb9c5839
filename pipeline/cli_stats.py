"""``unionmine stats``, ``export`` and ``plot``: thin commands over pipeline.stats/export/plot."""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from .cli import EXIT_OK, _config_from, _help, command

_GROUPS = ("sector", "year", "doc_type", "doc_id", "article_id")


def _add_input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--in", dest="in_dir", default="data/processed", metavar="DIR",
                   help="a run's output folder with documents.csv, articles.csv, items.csv (default: data/processed)")
    p.add_argument("--config", metavar="FILE", help="a TOML file with options (flags override it)")
    p.add_argument("--labels", choices=["primary", "any"], default=None,
                   help="count primary labels only (default) or primary and secondary labels")
    p.add_argument("--keep-duplicates", action="store_true", default=None,
                   help="count near-duplicate articles and items (default: once)")
    p.add_argument("--include-headings", action="store_true", default=None,
                   help="count heading items too (default: leaf items only)")


def _config(args, **more):
    return _config_from(args, **{k: v for k, v in more.items() if v is not None})


# ------------------------------------------------------------------------------
@command("stats")
def _add_stats(sub) -> None:
    p = sub.add_parser("stats", **_help(
        "Function shares per group with confidence intervals, and a chi-square test of difference.\n\n"
        "Prints one row per group: items counted, documents, then each label's share with its 95%\n"
        "interval (default --ci bootstrap: documents as the unit, items for --by doc_id|article_id;\n"
        "Korn-Graubard below 50 units, a bootstrap from 50, none for a group of one document;\n"
        "--ci wilson: the share of these reports' items, treating items as independent; the lines\n"
        "under the table and --out's ci_method say which), followed by the chi-square test of\n"
        "function × group (Cramér's V; exact/Monte-Carlo p-value when cells are small).\n"
        "--out FILE writes the full long table (CSV, UTF-8 with BOM). --compare A B compares two\n"
        "groups label by label (difference, Newcombe interval, Fisher p, Holm-adjusted p).",
        "unionmine stats --by sector --in data/processed"))
    p.add_argument("--by", choices=_GROUPS, default="sector", help="grouping (default: sector)")
    p.add_argument("--ci", choices=["wilson", "bootstrap"], default=None,
                   help="interval method (default: bootstrap, over documents: Korn-Graubard below 50 "
                        "documents, a document bootstrap from 50; wilson: these reports' items, "
                        "treating items as independent)")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two groups of --by label by label")
    p.add_argument("--out", metavar="FILE", help="write the table as CSV instead of printing it")
    _add_input_options(p)
    p.set_defaults(func=_cmd_stats)


def _cmd_stats(args) -> int:
    import pandas as pd

    from . import io as uio
    from . import stats
    from .export import STATS_ITEM_COLUMNS, load_outputs

    config = _config(args, ci_method=args.ci)
    o = load_outputs(args.in_dir, item_columns=STATS_ITEM_COLUMNS)
    frame = stats.analysis_frame(o.documents, o.articles, o.items, keep_duplicates=config.keep_duplicates,
                                 include_headings=config.include_headings)
    if args.compare:
        table = stats.compare_two_groups(frame, args.by, args.compare[0], args.compare[1], labels=config.labels)
    else:
        table = stats.function_shares(frame, args.by, labels=config.labels, ci=config.ci_method)
    if args.out:
        uio.write_csv(Path(args.out), table)
        print(f"unionmine: wrote {args.out} ({len(table)} rows)", file=sys.stderr)
        return EXIT_OK
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.max_rows", 500):
        if args.compare:
            print(table[["label", "count_a", "n_a", "share_a", "count_b", "n_b", "share_b", "diff", "diff_ci_low",
                         "diff_ci_high", "p_value", "p_holm"]].round(4).to_string(index=False))
        else:
            print(format_shares(table).to_string())
            print(format_methods(table))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                res = stats.chi_square_test(frame, args.by, labels=config.labels, warn=False)
            print()
            print(format_test(res))
    return EXIT_OK


def format_shares(table):
    """Wide view of a shares table: n, then 'share [low, high]' per label, in percent."""
    import pandas as pd

    def show(r) -> str:
        if not r.n_items:
            return ""
        if r.ci_low != r.ci_low:  # nan: no interval (one document under --ci bootstrap)
            return f"{r.share:6.1%} [none]"
        return f"{r.share:6.1%} [{r.ci_low:.0%}, {r.ci_high:.0%}]"

    cell = table.apply(show, axis=1)
    wide = table.assign(cell=cell).pivot_table(index="group", columns="label", values="cell", aggfunc="first")
    labels = list(dict.fromkeys(table["label"]))
    groups = list(dict.fromkeys(table["group"]))
    wide = wide.reindex(index=groups, columns=labels)
    n = table.groupby("group")["n_items"].first().reindex(groups)
    docs = table.groupby("group")["n_documents"].first().reindex(groups)
    return pd.concat([n.rename("n"), docs.rename("docs"), wide], axis=1)


def format_methods(table) -> str:
    """Which method gave the intervals of which groups: ci_method without its detail in brackets."""
    method = table["ci_method"].astype(str)
    kind = method.str.split(" (", n=1, regex=False).str[0]
    kind = kind.where(~method.str.startswith("wilson (count 0 or all"), "wilson, for a count of 0 or all")
    lines = [f"  {k}: {', '.join(dict.fromkeys(rows['group']))}"
             for k, rows in table.assign(_kind=kind).groupby("_kind", sort=False)]
    return "intervals (95%; column ci_method with --out):\n" + "\n".join(lines)


def format_test(res) -> str:
    if res.chi2 != res.chi2:  # nan
        return f"chi-square: not computed ({res.warning})"
    text = (f"chi-square test of function × {res.grouping}: X² = {res.chi2:.2f}, df = {res.dof}, "
            f"p = {res.p_value:.3g}, Cramér's V = {res.cramers_v:.3f}, n = {res.n}")
    if res.exact_method:
        text += f"; exact p ({res.exact_method}) = {res.p_value_exact:.3g}"
    if res.dropped:
        text += f"\nleft out: {', '.join(res.dropped)}"
    if res.warning:
        text += f"\nwarning: {res.warning}"
    return text


# ------------------------------------------------------------------------------
@command("export")
def _add_export(sub) -> None:
    p = sub.add_parser("export", **_help(
        "Compute every statistics table of a run and write them in one format.\n\n"
        "csv and parquet: one file per table (see docs/stats.md) in --out (default: DIR/stats);\n"
        "xlsx: one workbook with a sheet per table (default: DIR/stats/unionmine_stats.xlsx).\n"
        "CSV files are UTF-8 with BOM so that Excel shows Chinese correctly.",
        "unionmine export --format xlsx --in data/processed"))
    p.add_argument("--format", choices=["csv", "parquet", "xlsx"], default="csv", help="output format (default: csv)")
    p.add_argument("--out", metavar="PATH", help="output folder (csv, parquet) or .xlsx file")
    _add_input_options(p)
    p.set_defaults(func=_cmd_export)


def _cmd_export(args) -> int:
    from .errors import ConfigError
    from .export import export_tables

    if args.out and args.format == "xlsx" and Path(args.out).suffix.lower() not in (".xlsx", ""):
        raise ConfigError("--out", "a workbook name ending in .xlsx (or a folder)", args.out,
                          "name the file book.xlsx, or pass --format csv for CSV tables")
    if args.out and args.format != "xlsx" and Path(args.out).suffix.lower() in (".xlsx", ".csv", ".parquet"):
        raise ConfigError("--out", f"a folder for the {args.format} tables", args.out,
                          "give a folder name, or pass --format xlsx for one workbook")
    written = export_tables(args.in_dir, args.out, args.format, _config(args))
    where = written[0].parent if written else args.out
    print(f"unionmine: wrote {len(written)} file(s) to {where}", file=sys.stderr)
    return EXIT_OK


# ------------------------------------------------------------------------------
@command("plot")
def _add_plot(sub) -> None:
    p = sub.add_parser("plot", **_help(
        "Draw the standard figures of a run as PNG and SVG.\n\n"
        "shares_by_sector/year/doc_type (stacked bars), shares_over_years (lines with 95% CIs;\n"
        "none for a year of one report, under the default ci_method), residuals_<grouping>\n"
        "(heatmaps of chi-square adjusted residuals; the p in the title treats items as\n"
        "independent, see p_value_cluster in stats/chisq_tests.csv). Chinese labels need a\n"
        "CJK font; without one the figures use English and pinyin and a hint says what to install.",
        "unionmine plot --in data/processed"))
    p.add_argument("--out", metavar="DIR", help="output folder (default: DIR/figures)")
    _add_input_options(p)
    p.set_defaults(func=_cmd_plot)


def _cmd_plot(args) -> int:
    from .export import STATS_ITEM_COLUMNS, compute_tables, load_outputs
    from .plot import FONT_HINT, FigureText, write_figures

    o = load_outputs(args.in_dir, item_columns=STATS_ITEM_COLUMNS)
    tables = compute_tables(o.documents, o.articles, o.items, _config(args))
    text = FigureText.detect(warn=False)
    if text.font is None:
        print(FONT_HINT, file=sys.stderr)
    out = Path(args.out) if args.out else Path(args.in_dir) / "figures"
    written = write_figures(tables, out, text=text)
    print(f"unionmine: wrote {len(written)} figure file(s) to {out}", file=sys.stderr)
    return EXIT_OK
