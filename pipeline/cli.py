"""The ``unionmine`` command: a thin shell over the library.

Each command parses its options, calls one library function, writes the result
and turns our exceptions into a one-line message and a non-zero exit status.
Every command's help ends with a runnable example (checked by tests/test_cli.py).

Exit status: 0 all files processed; 1 some files failed (see errors.csv);
2 bad usage or configuration; 3 stopped at the first failure (--strict).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from .errors import UnionmineError

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_STRICT = 0, 1, 2, 3

COMMANDS: dict[str, Callable[[argparse._SubParsersAction], None]] = {}


def command(name: str):
    """Register a function that adds the ``name`` sub-command to the parser."""

    def deco(fn):
        COMMANDS[name] = fn
        return fn

    return deco


def _help(text: str, example: str) -> dict:
    return {"help": text.split("\n")[0], "description": text,
            "epilog": f"example:\n  {example}", "formatter_class": argparse.RawDescriptionHelpFormatter}


def _add_config_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", help="a TOML file with options (flags override it)")
    p.add_argument("--script", choices=["simplified", "traditional", "keep"], default=None,
                   help="target script (default: simplified); keep = no conversion")
    p.add_argument("--encoding", default=None, help="force the input encoding (default: detect per file)")


def _add_input_options(p: argparse.ArgumentParser) -> None:
    """Options every command that walks folders of reports shares."""
    _add_config_options(p)
    p.add_argument("--pattern", action="append", metavar="GLOB",
                   help="input file pattern inside folders (repeatable; default: *.txt)")


def exit_status(result) -> int:
    """One rule for every command: 3 stopped by --strict, 1 a file failed or a run-level
    problem occurred, else 0 (files skipped for not matching the patterns do not count)."""
    from .run import NOT_FAILURES

    if getattr(result, "stopped", False):
        return EXIT_STRICT
    failed = [e for e in result.errors if e.kind not in NOT_FAILURES]
    return EXIT_SOME_FAILED if failed or getattr(result, "run_errors", None) else EXIT_OK


def _config_from(args: argparse.Namespace, **more):
    from .config import load_config

    keys = ("script", "encoding", "workers", "engine", "scheduler", "strict", "keep_duplicates",
            "include_headings", "labels", "model_path", "plots")
    values = {k: getattr(args, k, None) for k in keys}
    if getattr(args, "pattern", None):
        values["patterns"] = tuple(args.pattern)
    if getattr(args, "no_cache", False):
        values["cache"] = False
    if getattr(args, "progress", None) is not None:
        values["progress"] = args.progress
    values.update(more)
    return load_config(getattr(args, "config", None), **values)


# ------------------------------------------------------------------------------
# repair
# ------------------------------------------------------------------------------
@command("repair")
def _add_repair(sub) -> None:
    p = sub.add_parser("repair", **_help(
        "Repair reports: decode, fix mojibake, restore marks, strip pinyin and boilerplate, rejoin wraps.\n\n"
        "Writes DIR/<input stem>.txt (UTF-8) for each input, DIR/repairs.csv, one row per change\n"
        "(doc_id, rule, start, end, before, after, …), replayable in order, and DIR/documents.csv\n"
        "(encoding read, warnings of decoding). Files that fail are listed in DIR/errors.csv.",
        "unionmine repair data/raw --out repaired --script keep"))
    p.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders (searched recursively)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created)")
    _add_input_options(p)
    p.set_defaults(func=_cmd_repair)


def _cmd_repair(args) -> int:
    from .run import repair_files

    config = _config_from(args)
    result = repair_files(args.paths, Path(args.out), config)
    print(result.summary(), file=sys.stderr)
    return exit_status(result)


# ------------------------------------------------------------------------------
# run
# ------------------------------------------------------------------------------
@command("run")
def _add_run(sub) -> None:
    p = sub.add_parser("run", **_help(
        "Run the whole pipeline on a folder: repair, segment, classify, statistics.\n\n"
        "Writes documents.csv, articles.csv, items.csv, repairs.csv, errors.csv, run.json,\n"
        "texts/ and stats/ under --out. Folders are searched recursively for --pattern (*.txt);\n"
        "other files are listed in errors.csv as 'skipped' (hidden files and folders, .name,\n"
        "are not searched). Nothing is written when the paths hold no report, the options are\n"
        "bad or --out is (or holds) an input folder (exit 2). Results are cached per file in\n"
        "OUT/.cache (content hash + configuration), so a second run only processes changed files.\n"
        "Options come from --config FILE (TOML, see unionmine.example.toml); flags override it.\n\n"
        "Exit status 0 when every file succeeded (skipped files do not count), 1 when some\n"
        "failed (listed in errors.csv), 2 bad usage or configuration, 3 when --strict stopped\n"
        "the run at the first failure. Docs: docs/run.md.",
        "unionmine run data/raw --out data/processed"))
    p.add_argument("paths", nargs="+", metavar="RAW_DIR", help="folders or files of reports")
    p.add_argument("--out", default="data/processed", metavar="DIR", help="output folder (default: data/processed)")
    _add_input_options(p)
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: number of cores; 1 = in this process)")
    p.add_argument("--engine", choices=["local", "dask"], default=None, help="local process pool or a Dask cluster")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default with --engine dask: a local cluster)")
    p.add_argument("--strict", action="store_true", default=None, help="stop at the first failed file (exit 3)")
    p.add_argument("--no-cache", action="store_true", help="process every file again, ignoring earlier results")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar (default: when stderr is a terminal)")
    p.add_argument("--keep-duplicates", action="store_true", default=None,
                   help="count near-duplicate articles and items in statistics")
    p.add_argument("--plots", action="store_true", default=None, help="also write figures to OUT/figures/")
    p.set_defaults(func=_cmd_run)


def _cmd_run(args) -> int:
    from .run import run_corpus

    config = _config_from(args)
    result = run_corpus(args.paths, Path(args.out), config)
    print(result.summary(), file=sys.stderr)
    return exit_status(result)


# ------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unionmine",
        description="Text mining for Chinese trade-union (工会) reports: repair damaged text, segment it into "
                    "articles and numbered items, classify each item's union function, and compare.",
        epilog="example:\n  unionmine run data/raw --out data/processed\n\n"
               "Run 'unionmine COMMAND --help' for the options of a command.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    from . import __version__

    parser.add_argument("--version", action="version", version=f"unionmine {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _load_command_modules()
    for name in sorted(COMMANDS):
        COMMANDS[name](sub)
    return parser


def _load_command_modules() -> None:
    """Commands defined next to their stage register themselves through ``command``."""
    import importlib

    for mod in ("pipeline.cli_segment", "pipeline.cli_classify", "pipeline.cli_stats"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name != mod:
                raise


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except UnionmineError as e:
        print(f"unionmine: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("unionmine: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
