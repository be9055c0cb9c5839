"""The transparent baseline: codebook cues looked up in an item's text.

Like quanteda's dictionary lookup, each label has a list of cue phrases
(``resources/codebook_cues.tsv``: label, cue, weight, sub-code, where in the
codebook it comes from).  An item's score for a label is the sum of the weights
of its cues found in the text; longer cues win over the shorter ones they
contain, which is how the codebook's decision rules are encoded (``女职工委员会``
is organization although ``女职工`` … ; ``安全培训`` is culture, ``安全生产监督``
rights).  Cues in the lead clause count double, because the codebook gives the
primary label to what the lead clause announces.  An item without cues is
``other``.  The cue list was written from the codebook alone, before any coded
sample was read, except the rows whose ``source`` says otherwise: the time
headings, and 13 ``other`` cues (students, patients, residents, children,
assisting the employer) added after reading the model's cross-validation errors.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from .errors import ConfigError
from .model import LABELS

RESOURCES = Path(__file__).resolve().parent / "resources"
CUES_PATH = RESOURCES / "codebook_cues.tsv"
USERDICT_PATH = RESOURCES / "userdict.txt"

#: the lead clause ends at the first of these (or after LEAD_CHARS characters)
_LEAD_END = re.compile(r"[。；;：:！!？?\n]")
LEAD_CHARS = 30
LEAD_FACTOR = 2.0


@dataclass(frozen=True)
class Cue:
    label: str
    cue: str
    weight: float
    subcode: str = ""
    source: str = ""


@dataclass(frozen=True)
class CueMatch:
    cue: Cue
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.cue.cue)


@dataclass(frozen=True)
class DictionaryResult:
    """Per-label scores of one text and the cues that produced them."""

    scores: dict[str, float]
    matches: tuple[CueMatch, ...]
    primary_label: str
    secondary_labels: tuple[str, ...]
    confidence: float

    @property
    def top_terms(self) -> tuple[str, ...]:
        return self.terms_for(self.primary_label)

    def terms_for(self, label: str) -> tuple[str, ...]:
        """The cues of ``label`` found, heaviest first (at most five)."""
        seen: dict[str, float] = {}
        for m in self.matches:
            if m.cue.label == label:
                seen[m.cue.cue] = seen.get(m.cue.cue, 0.0) + m.cue.weight
        return tuple(sorted(seen, key=lambda c: (-seen[c], c))[:5])


def read_cues(path: str | Path = CUES_PATH) -> tuple[Cue, ...]:
    """Read a cue table (TSV with a header: label, cue, weight[, subcode, source])."""
    path = Path(path)
    cues: list[Cue] = []
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    if not lines or not lines[0].startswith("label\tcue\tweight"):
        raise ConfigError(str(path), "a header 'label<TAB>cue<TAB>weight[<TAB>subcode<TAB>source]'",
                          repr(lines[0][:60]) if lines else "an empty file", "fix the first line of the cue table")
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        label = parts[0].strip()
        if label not in LABELS or len(parts) < 3:
            raise ConfigError(f"{path}:{n}", f"a label out of {', '.join(LABELS)}, a cue and a weight",
                              repr(line[:60]), "fix or delete the line")
        try:
            weight = float(parts[2])
        except ValueError:
            raise ConfigError(f"{path}:{n}", "a numeric weight", repr(parts[2]), "fix the weight column") from None
        cues.append(Cue(label, normalize_text(parts[1].strip()), weight,
                        parts[3].strip() if len(parts) > 3 else "", parts[4].strip() if len(parts) > 4 else ""))
    return tuple(cues)


def read_userdict_terms(path: str | Path = USERDICT_PATH) -> tuple[tuple[str, int | None, str | None], ...]:
    """The union terms for jieba (``word [freq] [tag]`` per line; ``#`` starts a comment line)."""
    out = []
    for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[2] if len(parts) > 2 else None
        out.append((parts[0], freq, tag))
    return tuple(out)


_T2S: dict[str, str] | None = None
_T2S_KEYS: frozenset[str] = frozenset()
MEMO_SIZE = 4096  # remembered scores per classifier (parent headings repeat for every child)


def _t2s_table() -> dict[str, str]:
    """OpenCC's traditional→simplified character table (first candidate), read once."""
    global _T2S, _T2S_KEYS
    if _T2S is None:
        import os

        import opencc

        table: dict[str, str] = {}
        path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                key, _, value = line.rstrip("\n").partition("\t")
                first = value.split(" ")[0] if value else ""
                if len(key) == 1 and len(first) == 1 and first != key:
                    table[key] = first
        _T2S, _T2S_KEYS = table, frozenset(table)
    return _T2S


def normalize_text(text: str) -> str:
    """The form both classifiers see: NFKC widths, simplified characters, no spaces.

    Items from the segmenter are simplified already; this makes a hand-made CSV in
    traditional script, or with ASCII punctuation, look the same to the models.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    table = _t2s_table()
    if not _T2S_KEYS.isdisjoint(text):
        text = "".join(table.get(c, c) for c in text)
    return re.sub(r"\s+", "", text)


class DictionaryClassifier:
    """Codebook-cue lookup: scores, primary and secondary labels, matched cues.

    ``secondary_share``: a label whose score is at least this share of the top
    score becomes a secondary label.  ``min_score``: below it the item is
    ``other`` (nothing of the four functions was found).
    """

    name = "dictionary"

    def __init__(self, cues: Sequence[Cue] | None = None, secondary_share: float = 0.5, min_score: float = 1.0):
        self.cues = tuple(cues) if cues is not None else read_cues()
        self.secondary_share = secondary_share
        self.min_score = min_score
        self._pattern = None

    def _index(self) -> dict[str, tuple[int, ...]]:
        """First character → the lengths of the cues starting with it, longest first."""
        if self._pattern is None:
            lengths: dict[str, set[int]] = {}
            for c in self.cues:
                if c.cue:
                    lengths.setdefault(c.cue[0], set()).add(len(c.cue))
            self._pattern = {ch: tuple(sorted(ls, reverse=True)) for ch, ls in lengths.items()}
            self._by_cue = {c.cue: c for c in self.cues}
        return self._pattern

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_pattern"] = None
        state.pop("_by_cue", None)
        state.pop("_memo", None)
        return state

    def find(self, text: str) -> tuple[CueMatch, ...]:
        """Non-overlapping cue matches, longest cue first at each position."""
        index = self._index()
        by_cue = self._by_cue
        found: list[CueMatch] = []
        # the longest cue starting at every position (a dictionary lookup per cue
        # length, only where a cue can start), so that a longer cue starting later
        # in an overlapping run still beats a shorter one starting earlier
        candidates = []
        for i, ch in enumerate(text):
            lens = index.get(ch)
            if lens:
                for n in lens:
                    if text[i:i + n] in by_cue:
                        candidates.append((i, text[i:i + n]))
                        break
        taken = [False] * len(text)
        for i, word in sorted(candidates, key=lambda t: (-len(t[1]), t[0])):
            if any(taken[i:i + len(word)]):
                continue
            for k in range(i, i + len(word)):
                taken[k] = True
            found.append(CueMatch(by_cue[word], i))
        return tuple(sorted(found, key=lambda m: m.start))

    def score(self, text: str) -> DictionaryResult:
        """Scores, labels and matched cues of one text (remembered for repeated texts)."""
        memo = self.__dict__.setdefault("_memo", {})
        hit = memo.get(text)
        if hit is None:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            hit = memo[text] = self._score(text)
        return hit

    def _score(self, text: str) -> DictionaryResult:
        text = normalize_text(text)
        matches = self.find(text)
        m = _LEAD_END.search(text)
        lead_end = min(m.start() if m else len(text), LEAD_CHARS)
        scores = {label: 0.0 for label in LABELS}
        first: dict[str, int] = {}
        for match in matches:
            w = match.cue.weight * (LEAD_FACTOR if match.start < lead_end else 1.0)
            scores[match.cue.label] += w
            first.setdefault(match.cue.label, match.start)
        total = sum(scores.values())
        best = max(scores.values())
        if best < self.min_score:
            return DictionaryResult(scores, matches, "other", (), 1.0 / (1.0 + total))
        primary = min((label for label in LABELS if scores[label] == best), key=lambda lab: first[lab])
        secondary = tuple(label for label in LABELS if label != primary and label != "other"
                          and scores[label] >= max(self.min_score, self.secondary_share * best))
        return DictionaryResult(scores, matches, primary, secondary, best / total if total else 0.0)

    def clause_labels(self, text: str, split: re.Pattern[str], min_chars: int) -> list[str]:
        """The primary label of each clause of ``text`` (split by ``split``, at least ``min_chars`` long).

        The same as ``score(clause).primary_label`` for every clause, but from the
        matches of the whole text (remembered by ``score``): no cue holds a
        clause separator, so a clause's cues are the text's cues inside it.
        """
        text = normalize_text(text)
        matches = self.score(text).matches  # in text order
        starts = [match.start for match in matches]
        out = []
        start = 0
        for m in [*split.finditer(text), None]:
            end = m.start() if m else len(text)
            a, b, start = start, end, (m.end() if m else end)
            if b - a < min_chars:
                continue
            lead = _LEAD_END.search(text, a, b)
            lead_end = min((lead.start() - a) if lead else b - a, LEAD_CHARS)
            scores = {label: 0.0 for label in LABELS}
            first: dict[str, int] = {}
            for match in matches[bisect.bisect_left(starts, a):bisect.bisect_left(starts, b)]:
                if a <= match.start < b:
                    scores[match.cue.label] += match.cue.weight * (LEAD_FACTOR if match.start - a < lead_end else 1.0)
                    first.setdefault(match.cue.label, match.start)
            best = max(scores.values())
            out.append("other" if best < self.min_score else
                       min((label for label in LABELS if scores[label] == best), key=lambda lab: first[lab]))
        return out

    def score_many(self, texts: Iterable[str]) -> list[DictionaryResult]:
        return [self.score(t) for t in texts]
