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

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")

_CONVERSIONS = {"simplified": "t2s", "traditional": "s2t"}


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
        t2s, s2t = self._chars("t2s"), self._chars("s2t")
        n_trad = n_simp = n_cjk = 0
        for c in text:
            if c in t2s and t2s[c][0] != c:
                n_trad += 1
            elif c in s2t and s2t[c][0] != c:
                n_simp += 1
        n_cjk = len(CJK_RE.findall(text))
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

    def convert(self, text: str) -> tuple[str, tuple[ScriptChoice, ...]]:
        """Convert to the target script; return the text and the ambiguous choices made."""
        if self.target == "keep" or not text:
            return text, ()
        name = _CONVERSIONS[self.target]
        cc = self._opencc(name)
        table = self._chars(name)
        out: list[str] = []
        for line in text.split("\n"):
            conv = cc.convert(line)
            if len(conv) != len(line):
                conv = "".join(table.get(c, (c,))[0] if len(table.get(c, (c,))[0]) == 1 else c for c in line)
            out.append(conv)
        converted = "\n".join(out)
        choices = []
        for i, (a, b) in enumerate(zip(text, converted)):
            alts = table.get(a)
            if alts and len(alts) > 1:
                choices.append(ScriptChoice(i, a, b, alts))
        return converted, tuple(choices)
