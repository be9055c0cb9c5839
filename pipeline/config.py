"""One frozen configuration object with documented defaults.

CLI flags, the TOML file (``unionmine.toml``) and notebook keyword arguments all
map onto the fields of ``Config``.  Renamed fields keep working for a while
through ``_RENAMED`` with a ``DeprecationWarning``.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError

#: Ingestion rules in the order they run (see ``pipeline.ingest.RULES``).
DEFAULT_RULES: tuple[str, ...] = (
    # before ftfy: ftfy half-"fixes" GBK-read-as-cp1252 text (ÄãºÃ) beyond recovery;
    # runs that are UTF-8 read as cp1252 are left to ftfy
    "recover_chinese_mojibake",  # UTF-8-as-GBK, GBK-as-cp1252, 锟斤拷, Big5/GBK (issue: GBK recovery)
    "fix_mojibake",          # ftfy, configured for Chinese
    "recover_misaligned_gbk",    # chunk-misaligned GBK runs (issue: GBK recovery)
    "strip_pinyin",
    "restore_punctuation_marks",
    "strip_boilerplate",
    "join_hard_wraps",
    "widen_cjk_punctuation",
    "tidy_whitespace",
)

_RENAMED: dict[str, str] = {"target_script": "script"}


@dataclass(frozen=True)
class Config:
    """Every option of unionmine, with defaults that suit Chinese union reports."""

    # --- ingestion -----------------------------------------------------------
    #: target script: "simplified" (default), "traditional", or "keep" (no conversion)
    script: str = "simplified"
    #: force an input encoding (e.g. "gb18030"); None = detect per file
    encoding: str | None = None
    #: repair rules to run, in order; drop a name to switch a rule off
    rules: tuple[str, ...] = DEFAULT_RULES
    #: mark put where a character cannot be recovered with confidence
    unrecoverable_mark: str = "□"
    #: minimum confidence for a GBK-recovery to be applied instead of marked
    gbk_min_confidence: float = 0.5
    # --- segmentation ----------------------------------------------------------
    #: Jaccard similarity (MinHash estimate) above which two articles/items are near-duplicates
    duplicate_threshold: float = 0.8
    # --- classification --------------------------------------------------------
    #: path of a trained model (joblib); None = train from the shipped labels
    model_path: str | None = None
    #: probability above which a non-primary label becomes a secondary label
    secondary_threshold: float = 0.35
    #: how secondary labels are found: "cues" (codebook cues winning a whole clause),
    #: "probability" (calibrated probability >= secondary_threshold) or "clauses"
    #: (the model's label of each clause, p >= secondary_threshold)
    secondary_mode: str = "cues"
    # --- statistics --------------------------------------------------------------
    #: count near-duplicate articles/items in statistics (default: once)
    keep_duplicates: bool = False
    #: include heading items in statistics (default: leaves only)
    include_headings: bool = False
    #: "primary" or "any" (primary + secondary labels)
    labels: str = "primary"
    #: confidence intervals of shares: "bootstrap" (documents as the unit: Korn-Graubard below
    #: 50 documents, a document bootstrap from 50; 92-100% coverage in benchmarks/ci_coverage.py)
    #: or "wilson" (the share of these reports' items, treating items as independent: 31-82%
    #: coverage for a sector's, year's or type's share, as items of one report are alike)
    ci_method: str = "bootstrap"
    #: stop-word file for keyness/topic tables; None = pipeline/resources/stopwords.txt
    stopwords: str | None = None
    #: terms per group in keyness and topic tables
    top_terms: int = 20
    #: NMF topics per function in stats/nmf_topics (0 = none)
    nmf_topics: int = 0
    # --- running -----------------------------------------------------------------
    #: glob patterns of input files inside a folder
    patterns: tuple[str, ...] = ("*.txt",)
    #: worker processes; 0 = number of cores
    workers: int = 0
    #: "local" (process pool) or "dask"
    engine: str = "local"
    #: Dask scheduler address (with engine="dask"); None = a LocalCluster
    scheduler: str | None = None
    #: reuse per-file results from an earlier run (keyed by content hash + config)
    cache: bool = True
    #: stop at the first failed file
    strict: bool = False
    #: show a progress bar (None = only when stderr is a terminal)
    progress: bool | None = None
    #: write figures (PNG/SVG) with ``run``
    plots: bool = False
    #: files larger than this (MB) are reported in errors.csv, not processed (a worker needs ~50x the size)
    max_file_mb: float = 10.0
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            # Config(rules=[...]) in a notebook: a list is as good as a tuple (kept as
            # a tuple, so that configurations compare alike)
            if str(f.type) == "tuple[str, ...]" and isinstance(getattr(self, f.name), list):
                object.__setattr__(self, f.name, tuple(getattr(self, f.name)))
        _check_types(self)
        if self.script not in ("simplified", "traditional", "keep"):
            raise ConfigError("script", "one of simplified, traditional, keep",
                              repr(self.script), "pass --script simplified|traditional|keep")
        if self.engine not in ("local", "dask"):
            raise ConfigError("engine", "local or dask", repr(self.engine), "pass --engine local|dask")
        if self.secondary_mode not in ("cues", "probability", "clauses"):
            raise ConfigError("secondary_mode", "one of cues, probability, clauses", repr(self.secondary_mode),
                              "pass --secondary-mode cues|probability|clauses")
        if self.labels not in ("primary", "any"):
            raise ConfigError("labels", "primary or any", repr(self.labels), "pass --labels primary|any")
        if self.workers < 0:
            raise ConfigError("workers", "a number >= 0", repr(self.workers), "pass --workers N (0 = all cores)")
        if not self.max_file_mb > 0:
            raise ConfigError("max_file_mb", "a number > 0", repr(self.max_file_mb),
                              "set max_file_mb in unionmine.toml to the largest file size (MB) to process")
        if not 0.0 < self.duplicate_threshold <= 1.0:
            raise ConfigError("duplicate_threshold", "a number in (0, 1]", repr(self.duplicate_threshold),
                              "set duplicate_threshold between 0 and 1")
        for name in ("gbk_min_confidence", "secondary_threshold"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(name, "a number in [0, 1]", repr(getattr(self, name)), f"set {name} between 0 and 1")
        if not self.unrecoverable_mark or any(c in self.unrecoverable_mark for c in "?\ufffd\n"):
            # '?' is what the later rules and passes read as a lost mark or byte (a lost
            # character came out as “ at 0.85 with mark '?'); '' dropped the character
            raise ConfigError("unrecoverable_mark", "text without ?, U+FFFD or a line break",
                              repr(self.unrecoverable_mark), "set unrecoverable_mark to a symbol such as □ or 〓")
        if self.ci_method not in ("wilson", "bootstrap"):
            raise ConfigError("ci_method", "wilson or bootstrap", repr(self.ci_method),
                              "set ci_method = \"wilson\" or \"bootstrap\" in unionmine.toml")
        if self.top_terms < 1 or self.nmf_topics < 0:
            raise ConfigError("top_terms / nmf_topics", "top_terms >= 1 and nmf_topics >= 0",
                              f"{self.top_terms} / {self.nmf_topics}", "fix the numbers in unionmine.toml")
        if self.encoding is not None:
            import codecs

            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise ConfigError("encoding", "an encoding Python knows (gb18030, big5, utf-8, utf-16 …)",
                                  repr(self.encoding), "check the name given to --encoding") from None
        if not self.patterns:
            raise ConfigError("patterns", "at least one file pattern", "none", "pass --pattern '*.txt'")

    def check_paths(self) -> None:
        """What ``__post_init__`` cannot check without the repair rules or the disk:
        rule names and the stop-word file.  Commands call it before they touch any
        output, so a typo stops the run at once (exit 2), not after every file."""
        from .ingest import rule_table

        known = rule_table()
        bad = [r for r in self.rules if r not in known]
        if bad:
            raise ConfigError("rules", f"names among {', '.join(known)}", ", ".join(map(repr, bad)),
                              "fix the rules list in unionmine.toml (drop a name to switch a rule off)")
        if self.stopwords is not None and not Path(self.stopwords).is_file():
            raise ConfigError("stopwords", "a stop-word file (one word per line)",
                              f"no file at {self.stopwords}", "check the path, or remove the option for the default list")
        if self.model_path is not None and Path(self.model_path).is_dir():
            raise ConfigError("model_path", "a model file (joblib)", f"a folder at {self.model_path}",
                              "give the path of a file, e.g. models/unionmine.joblib")

    @property
    def n_workers(self) -> int:
        return self.workers or (os.cpu_count() or 1)

    def replace(self, **changes: Any) -> "Config":
        """A copy with ``changes``; unknown names raise, renamed ones warn."""
        return dataclasses.replace(self, **_normalize(changes))

    def fingerprint_fields(self) -> dict[str, Any]:
        """The fields that change per-file results (the cache key)."""
        keep = ("script", "encoding", "rules", "unrecoverable_mark", "gbk_min_confidence",
                "duplicate_threshold")
        return {k: getattr(self, k) for k in keep}

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


#: the Python types each field accepts, from its annotation (the module's annotations are strings)
_TYPES = {"str": (str,), "str | None": (str, type(None)), "int": (int,), "float": (int, float),
          "bool": (bool,), "bool | None": (bool, type(None)), "tuple[str, ...]": (tuple,)}
_TYPE_WORDS = {"str": "text", "int": "a whole number", "float": "a number", "bool": "true or false",
               "tuple[str, ...]": "a list of text"}


def _check_types(config: "Config") -> None:
    """Every field holds a value of its declared type (``workers = "two"`` in a TOML
    file must stop the run with a message, not a traceback deep inside it)."""
    for f in dataclasses.fields(config):
        accepted = _TYPES.get(str(f.type))
        if accepted is None:
            continue
        value = getattr(config, f.name)
        ok = isinstance(value, accepted) and not (isinstance(value, bool) and bool not in accepted)
        if ok and isinstance(value, tuple):
            ok = all(isinstance(v, str) for v in value)
        if not ok:
            base = str(f.type).split(" |")[0]
            expected = _TYPE_WORDS.get(base, base) + (" or nothing" if "None" in str(f.type) else "")
            raise ConfigError(f.name, expected, f"{value!r} ({type(value).__name__})",
                              f"fix {f.name} in unionmine.toml or the command-line flag")


def _normalize(changes: Mapping[str, Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(Config)}
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key in _RENAMED:
            warnings.warn(f"config field {key!r} is now {_RENAMED[key]!r}; the old name will be removed",
                          DeprecationWarning, stacklevel=3)
            key = _RENAMED[key]
        if key not in names:
            raise ConfigError(f"config field {key!r}", f"one of {', '.join(sorted(names))}",
                              "an unknown name", "check the spelling in unionmine.toml or the keyword")
        if isinstance(value, list):
            value = tuple(value)
        out[key] = value
    return out


def load_config(path: str | os.PathLike[str] | None = None, **overrides: Any) -> Config:
    """Read a TOML file (all tables are flattened: ``[ingest] script = …``) then apply overrides.

    Overrides whose value is None are ignored, so unset CLI flags keep the file's value.
    """
    values: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(str(p), "a TOML configuration file", "no such file",
                              "check the path given to --config") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(str(p), "valid TOML", f"a syntax error ({e})", "fix the file") from None
        for k, v in data.items():
            if isinstance(v, dict):
                values.update(v)
            else:
                values[k] = v
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Config(**_normalize(values))
