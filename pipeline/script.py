"""Script detection and conversion through the client's OpenCC port.

``ScriptConverter`` is built once (it loads OpenCC's dictionaries) and passed in.
It keeps the text's length, character for character, so an offset into the
simplified text is an offset into the original-script text too; where OpenCC's
phrase table would change the length we fall back to its character table for
that stretch.  Where OpenCC's character table lists several candidates (乾 →
干/乾, 著 → 着/著 …) the port silently takes the first; we report each such
choice so that it lands in the repair log.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")

_CONVERSIONS = {"simplified": "t2s", "traditional": "s2t"}


class CharMap:
    """A one-for-one character map applied to a whole text at once: ``str.translate`` at array speed.

    ``str.translate`` with a dict looks each character up as a Python object
    (about 60 ns a character): on the 2 MB benchmark corpus it was the largest
    single cost of ingestion, as the rules read simplified copies of every line.
    Here the text goes through UTF-32 into a table of every code point, so the
    result is exactly ``text.translate(mapping)`` (a map that is not one
    character for one character falls back to ``str.translate``).
    """

    def __init__(self, mapping: dict[int, str]):
        self.mapping = mapping
        self._exact = all(isinstance(v, str) and len(v) == 1 for v in mapping.values())
        table = np.arange(0x110000, dtype=np.uint32)
        if self._exact and mapping:
            table[list(mapping)] = [ord(v) for v in mapping.values()]
        self._table = table

    def translate(self, text: str) -> str:
        if not self._exact or text.isascii():
            return text.translate(self.mapping)
        return self._table[code_points(text)].tobytes().decode("utf-32-le", "surrogatepass")


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as a uint32 array (one per character, as Python counts them)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@dataclass(frozen=True)
class ScriptChoice:
    """A character OpenCC had several candidates for."""

    start: int
    before: str
    after: str
    alternatives: tuple[str, ...]


class ScriptConverter:
    """Detects the script of a text and converts it to ``target`` keeping offsets."""

    def __init__(self, target: str = "simplified"):
        self.target = target

    # built lazily so that constructing a converter stays cheap
    def _opencc(self, name: str):
        cache = self.__dict__.setdefault("_cc", {})
        if name not in cache:
            import opencc

            cache[name] = opencc.OpenCC(name)
        return cache[name]

    def _chars(self, name: str) -> dict[str, tuple[str, ...]]:
        cache = self.__dict__.setdefault("_tables", {})
        if name not in cache:
            import opencc

            fname = {"t2s": "TSCharacters.txt", "s2t": "STCharacters.txt"}[name]
            path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", fname)
            table: dict[str, tuple[str, ...]] = {}
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    key, _, value = line.rstrip("\n").partition("\t")
                    if key and value:
                        table[key] = tuple(value.split(" "))
            cache[name] = table
        return cache[name]

    def detect(self, text: str) -> str:
        """'traditional', 'simplified', 'mixed' or 'none' (no Chinese characters).

        Evidence: the share of characters that OpenCC's T→S table changes against
        the share its S→T table changes; characters common to both scripts count
        for neither.
        """
        cache = self.__dict__.setdefault("_detect", {})
        if not cache:
            t2s, s2t = self._chars("t2s"), self._chars("s2t")
            trad = {c for c, v in t2s.items() if len(c) == 1 and v[0] != c}
            simp = {c for c, v in s2t.items() if len(c) == 1 and v[0] != c} - trad
            for key, chars in (("trad", trad), ("simp", simp)):
                mask = np.zeros(0x110000, dtype=bool)
                mask[[ord(c) for c in chars]] = True
                cache[key] = mask
            cjk = np.zeros(0x110000, dtype=bool)
            for lo, hi in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FFFF)):
                cjk[lo:hi + 1] = True  # the ranges of CJK_RE
            cache["cjk"] = cjk
        codes = code_points(text)  # counting through boolean tables: array speed, no per-character Python
        n_trad = int(np.count_nonzero(cache["trad"][codes]))
        n_simp = int(np.count_nonzero(cache["simp"][codes]))
        n_cjk = int(np.count_nonzero(cache["cjk"][codes]))
        if n_cjk == 0:
            return "none"
        if n_trad + n_simp == 0:
            return "simplified"
        share = n_trad / (n_trad + n_simp)
        if share >= 0.8:
            return "traditional"
        if share <= 0.2:
            return "simplified"
        return "mixed"

    def _fast(self, name: str) -> tuple[dict[int, str], "re.Pattern[str]", frozenset[str]]:
        """The one-for-one character map, the phrases it gets wrong, and the ambiguous characters.

        OpenCC converts a phrase of its phrase table as one unit and every other
        character by its character table.  Where no phrase that converts otherwise
        than its characters occurs (258 of TSPhrases' entries do), OpenCC's output
        is the character map's, so ``str.translate`` gives it at C speed.
        """
        cache = self.__dict__.setdefault("_fastcache", {})
        if name not in cache:
            import opencc

            table = self._chars(name)
            cmap = {ord(k): v[0] for k, v in table.items() if len(k) == 1 and len(v[0]) == 1}
            ambiguous = frozenset(k for k, v in table.items() if len(v) > 1)
            fname = {"t2s": "TSPhrases.txt", "s2t": "STPhrases.txt"}[name]
            path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", fname)
            differing = set()
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    key, _, value = line.rstrip("\n").partition("\t")
                    target = value.split(" ")[0]
                    if key and target and key.translate(cmap) != target:
                        differing.add(key)
            rx = re.compile("|".join(re.escape(k) for k in sorted(differing, key=len, reverse=True)) or "(?!)")
            cache[name] = (cmap, rx, ambiguous)
        return cache[name]

    def convert(self, text: str) -> tuple[str, tuple[ScriptChoice, ...]]:
        """Convert to the target script; return the text and the ambiguous choices made.

        Runs of Chinese characters that hold one of the phrases the character map
        gets wrong go through OpenCC (phrases never cross punctuation or Latin
        text); everything else through the one-for-one character map.  Where OpenCC would change a run's length, the
        run is converted character by character, so offsets stay valid.
        """
        if self.target == "keep" or not text:
            return text, ()
        name = _CONVERSIONS[self.target]
        converted = self._convert(text, name)
        table = self._chars(name)
        choices = []
        for m in self._ambiguous_re(name, self._fast(name)[2]).finditer(text):
            i, c = m.start(), m.group()
            alts = table.get(c)
            if alts and len(alts) > 1:
                choices.append(ScriptChoice(i, c, converted[i], alts))
        return converted, tuple(choices)

    def simplify(self, text: str) -> str:
        """``text`` in simplified script whatever this converter's target, offset for offset.

        The same text as ``ScriptConverter("simplified").convert(text)[0]``, without
        the report of ambiguous choices.  The segmenter, the metadata and the
        classifier read a report through it whatever the target, since their cues
        are simplified words (``pipeline.segment.simplified_text``).
        """
        return self._convert(text, "t2s") if text else text

    def _convert(self, text: str, name: str) -> str:
        cmap, phrases, _ = self._fast(name)
        fast = self._charmap(name).translate(text)  # the whole text through the map at once
        if phrases.search(text) is None:
            return fast
        cc = None
        out: list[str] = []
        pos = 0
        for line in text.split("\n"):
            if not phrases.search(line):
                out.append(fast[pos:pos + len(line)])
            else:
                parts = []
                for run in _RUNS.findall(line):
                    conv = run.translate(cmap)
                    if phrases.search(run):
                        cc = cc or self._opencc(name)
                        phrased = cc.convert(run)
                        conv = phrased if len(phrased) == len(run) else conv
                    parts.append(conv)
                out.append("".join(parts))
            pos += len(line) + 1
        return "\n".join(out)

    def _charmap(self, name: str) -> CharMap:
        cache = self.__dict__.setdefault("_charmaps", {})
        if name not in cache:
            cache[name] = CharMap(self._fast(name)[0])
        return cache[name]

    def _ambiguous_re(self, name: str, ambiguous: frozenset[str]) -> "re.Pattern[str]":
        """One character class of the characters with several candidates (instead of a test per character)."""
        cache = self.__dict__.setdefault("_ambiguous", {})
        if name not in cache:
            singles = sorted(c for c in ambiguous if len(c) == 1)
            cache[name] = re.compile("[" + "".join(re.escape(c) for c in singles) + "]" if singles else "(?!)")
        return cache[name]


_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff·]+|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff·]+")
