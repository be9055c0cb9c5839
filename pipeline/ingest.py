"""Ingestion: bytes to repaired, script-unified text, every change recorded.

The order of the repairs (``config.DEFAULT_RULES``):

1. decode (``pipeline.decode``): encoding detection, BOM, line ends;
2. ``recover_chinese_mojibake``: UTF-8 read as GBK, GBK read as cp1252, 锟斤拷,
   whole-file Big5/GBK confusion (before ftfy, which would half-fix cp1252 runs);
3. ``fix_mojibake``: ftfy's generic fixes, configured for Chinese;
4. ``recover_misaligned_gbk``: chunk-misaligned GBK runs (``pipeline.gbk``);
5. ``strip_pinyin``: readings glued after characters, ``區(qū)``;
6. ``restore_punctuation_marks``: “” 《》 · that became ``?``;
7. ``strip_boilerplate``: watermarks, intros, timestamps, related-article lists;
8. ``join_hard_wraps``: sentences broken across lines;
9. ``widen_cjk_punctuation``: ASCII ,;:!? between Chinese characters → fullwidth;
10. ``tidy_whitespace``;
11. script conversion (``pipeline.script``), kept beside the original-script text.

Rules are plain functions ``rule(text, kit) -> list[Edit]`` in one name → function
table; ``apply_rules`` applies them, records a ``Repair`` only where the text
changed, and repeats the chain until nothing changes (idempotence).
"""
from __future__ import annotations

import operator
import os
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, NamedTuple, Sequence

from . import io as uio
from . import _callable_stage
from .config import Config
from .decode import decode
from .errors import ConfigError
from .model import Document, Repair
from .script import ScriptConverter


class Edit(NamedTuple):
    """A replacement proposed by a rule, on the text the rule was given."""

    start: int
    end: int
    replacement: str
    confidence: float = 1.0
    note: str = ""


Rule = Callable[[str, "Toolkit"], list[Edit]]


@dataclass
class Toolkit:
    """Converters and models the rules need, built once per process and passed in.

    Construction only stores settings; the heavy parts (OpenCC dictionaries, pinyin
    readings, the GBK language model) load on first use.
    """

    config: Config = field(default_factory=Config)

    def __post_init__(self) -> None:
        self._cache: dict[str, object] = {}

    def get(self, name: str, build: Callable[[], object]) -> object:
        if name not in self._cache:
            self._cache[name] = build()
        return self._cache[name]

    @property
    def converter(self) -> ScriptConverter:
        return self.get("converter", lambda: ScriptConverter(self.config.script))  # type: ignore[return-value]


def _rules() -> dict[str, Rule]:
    from . import gbk, mojibake, rules

    return {
        "fix_mojibake": rules.fix_mojibake,
        "recover_chinese_mojibake": mojibake.recover_chinese_mojibake,
        "recover_misaligned_gbk": gbk.recover_misaligned_gbk,
        "strip_pinyin": rules.strip_pinyin,
        "restore_punctuation_marks": rules.restore_punctuation_marks,
        "strip_boilerplate": rules.strip_boilerplate,
        "join_hard_wraps": rules.join_hard_wraps,
        "widen_cjk_punctuation": rules.widen_cjk_punctuation,
        "tidy_whitespace": rules.tidy_whitespace,
    }


def rule_table() -> dict[str, Rule]:
    """The name → function table of every repair rule."""
    return _rules()


_SPAN = operator.itemgetter(0, 1)  # an Edit's (start, end)


def apply_edits(text: str, rule: str, edits: Iterable[Edit], seq0: int = 0) -> tuple[str, list[Repair]]:
    """Apply one rule's non-overlapping edits; return the new text and its repairs.

    Offsets of each repair are on the text as it stood just before that repair
    (earlier repairs of the same rule already applied), so replaying in order works.
    """
    pieces: list[str] = []
    repairs: list[Repair] = []
    pos = 0
    shift = 0
    make = Repair.make
    for start, end, replacement, confidence, note in sorted(edits, key=_SPAN):
        if start < pos:
            continue  # overlaps an earlier edit of this rule: keep the first
        before = text[start:end]
        if before == replacement:
            continue
        pieces.append(text[pos:start])
        pieces.append(replacement)
        s = start + shift
        repairs.append(make(rule, s, s + len(before), s, s + len(replacement), before, replacement,
                            seq0 + len(repairs), confidence, note))
        shift += len(replacement) - len(before)
        pos = end
    if not repairs:
        return text, []
    pieces.append(text[pos:])
    return "".join(pieces), repairs


#: a scratch dict for the document being repaired: rules may keep results there that
#: stay valid across the passes of the chain (``pipeline.gbk`` keeps its searches)
DOC_MEMO: ContextVar[dict | None] = ContextVar("unionmine_doc_memo", default=None)


def apply_rules(text: str, kit: Toolkit, names: Sequence[str] | None = None,
                max_passes: int = 3) -> tuple[str, list[Repair]]:
    """Run the rules in order, repeating the chain until the text stops changing."""
    token = DOC_MEMO.set({})
    try:
        return _apply_rules(text, kit, names, max_passes)
    finally:
        DOC_MEMO.reset(token)


def _apply_rules(text: str, kit: Toolkit, names: Sequence[str] | None, max_passes: int
                 ) -> tuple[str, list[Repair]]:
    table = _rules()
    names = kit.config.rules if names is None else names
    unknown = [n for n in names if n not in table]
    if unknown:
        raise ConfigError("rules", f"names from {', '.join(table)}", ", ".join(unknown),
                          "fix the rule names in unionmine.toml")
    repairs: list[Repair] = []
    for _ in range(max_passes):
        changed = False
        for name in names:
            new, reps = apply_edits(text, name, table[name](text, kit), len(repairs))
            if reps:
                text, changed = new, True
                repairs.extend(reps)
        if not changed:
            break
    return text, repairs


def replay(text: str, repairs: Iterable[Repair]) -> str:
    """Rebuild the repaired text from the decoded text and the repair records alone."""
    for r in sorted(repairs, key=lambda r: r.seq):
        if r.rule == "convert_script":
            continue
        if text[r.start:r.end] != r.before:
            raise ValueError(f"repair {r.seq} ({r.rule}) does not match the text at {r.start}:{r.end}")
        text = text[:r.start] + r.after + text[r.end:]
    return text


def repair_text(text: str, kit: Toolkit | None = None, doc_id: str = "text") -> Document:
    """Repair already-decoded text (a notebook convenience; empty text is fine here)."""
    kit = kit or Toolkit()
    return _repaired(text, "str", (), text.encode("utf-8"), doc_id, "", kit)


def ingest_bytes(data: bytes, doc_id: str, source: str = "", kit: Toolkit | None = None) -> Document:
    """The ingestion stage on the bytes of one file."""
    kit = kit or Toolkit()
    decoded = decode(data, source or doc_id, kit.config.encoding)
    return _repaired(decoded.text, decoded.encoding, decoded.warnings, data, doc_id, source, kit)


def _repaired(text: str, encoding: str, warnings: Sequence[str], data: bytes, doc_id: str, source: str,
              kit: Toolkit) -> Document:
    clean, repairs = apply_rules(text, kit)
    converter = kit.converter
    script = converter.detect(clean)
    warnings = list(warnings)
    if script == "none":
        warnings.append("no Chinese characters found: is this a union report?")
    converted, choices = converter.convert(clean)
    for ch in choices:
        if ch.after == ch.before:
            continue  # ambiguous, but kept as it was (覆 among 覆/复): no change, no row
        note = "OpenCC candidates " + "/".join(ch.alternatives) + f"; took {ch.after}"
        repairs.append(Repair.make("convert_script", ch.start, ch.start + 1, ch.start, ch.start + 1,
                                   ch.before, ch.after, len(repairs), 1.0 / len(ch.alternatives), note))
    return Document(
        doc_id=doc_id,
        source=source,
        sha256=uio.sha256_bytes(data),
        encoding=encoding,
        script=script,
        raw_text=text,
        text_original=clean,
        text=converted,
        repairs=tuple(repairs),
        warnings=tuple(warnings),
        n_bytes=len(data),
    )


def ingest(path: str | os.PathLike[str], config: Config | None = None, kit: Toolkit | None = None,
           doc_id: str | None = None) -> Document:
    """Read, decode and repair one report: ``pipeline.ingest("data/raw/x.txt")``."""
    p = Path(path)
    kit = kit or Toolkit(config or Config())
    return ingest_bytes(uio.read_bytes(p), doc_id or p.stem, str(p), kit)


# ``pipeline.ingest(path)`` / ``pipeline.segment(doc)`` keep working once this module is imported
_callable_stage(__name__)
