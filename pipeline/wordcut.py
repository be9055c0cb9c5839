"""jieba's dictionary segmentation (``Tokenizer.lcut(text, HMM=False)``) in one pass.

Classification cuts every item into words with jieba, HMM off, and that cut was
the largest single cost of a run (about a third of the per-document time).
jieba does it in three steps per block of Han characters and letters: a
directed graph of every dictionary word starting at each position
(``get_DAG``), the most probable route through it from right to left
(``calc``: the log frequency of each word, less the log of the total, plus the
best route after it; ``max`` over ``(score, end)`` tuples), then the words of
that route, with single letters and digits glued back together.

``DagCutter`` runs the same algorithm on jieba's own dictionary (the
``FREQ`` and ``total`` of the ``jieba.Tokenizer`` it is given, user words
included), with the same floating-point sums in the same order and the same
tie-break (the longer word), so the tokens are identical
(``tests/test_wordcut.py`` checks every line of the sample reports and the
corner cases).  It is faster because it builds the graph and the route in one
loop and looks each fragment up once, in a table of log probabilities made when
it is built, instead of a dictionary look-up, a second look-up and a ``log``
per edge.  It only replaces the HMM-off cut; anything else goes to jieba.

If words are added to the tokenizer later (``add_word`` changes the total), the
table is rebuilt on the next call; ``del_word`` (frequency 0, total unchanged)
after the first cut is not seen: make a new cutter.  The table costs about
38 MB per process (RSS before and after building it, twice), on top of jieba's
dictionary.
"""
from __future__ import annotations

from math import log

import jieba

# jieba's own block, skip and letter patterns (default mode, not cut_all)
_RE_HAN = jieba.re_han_default
_RE_SKIP = jieba.re_skip_default
_RE_ENG = jieba.re_eng


class DagCutter:
    """``lcut(text)`` equal to ``tokenizer.lcut(text, HMM=False)``, faster."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self._stamp = None
        self._logp: dict[str, float | None] = {}
        self._unknown = 0.0

    def _table(self) -> dict[str, float | None]:
        tk = self.tokenizer
        tk.check_initialized()
        stamp = (id(tk.FREQ), tk.total, len(tk.FREQ))
        if stamp != self._stamp:
            logtotal = log(tk.total)
            # a word: log(freq) - log(total), as jieba's calc computes it; a prefix only: None
            self._logp = {w: (log(f) - logtotal if f else None) for w, f in tk.FREQ.items()}
            self._unknown = log(1) - logtotal  # jieba: log(FREQ.get(w) or 1) - logtotal
            self._stamp = stamp
        return self._logp

    def _block(self, s: str, logp: dict) -> list[str]:
        get = logp.get
        missing = logp  # sentinel: never a value of the table
        n = len(s)
        score = [0.0] * (n + 1)
        end = [0] * (n + 1)
        for k in range(n - 1, -1, -1):
            best = None
            best_end = k + 1
            i = k + 1
            w = get(s[k], missing)
            while w is not missing:  # s[k:i] is a word or the prefix of one
                if w is not None:
                    v = w + score[i]
                    if best is None or v >= best:  # ties: the later end, as max over (score, end)
                        best, best_end = v, i
                if i >= n:
                    break
                i += 1
                w = get(s[k:i], missing)
            if best is None:  # no word starts here: the character alone
                best, best_end = self._unknown + score[k + 1], k + 1
            score[k] = best
            end[k] = best_end
        out: list[str] = []
        x, buf = 0, ""
        while x < n:
            y = end[x]
            word = s[x:y]
            if y - x == 1 and _RE_ENG.match(word):
                buf += word
            else:
                if buf:
                    out.append(buf)
                    buf = ""
                out.append(word)
            x = y
        if buf:
            out.append(buf)
        return out

    def lcut(self, text: str) -> list[str]:
        logp = self._table()
        out: list[str] = []
        for blk in _RE_HAN.split(text):
            if not blk:
                continue
            if _RE_HAN.match(blk):
                out.extend(self._block(blk, logp))
            else:
                for x in _RE_SKIP.split(blk):
                    if _RE_SKIP.match(x):
                        out.append(x)
                    else:
                        out.extend(x)
        return out
