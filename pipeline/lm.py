"""A character bigram language model for choosing among candidate repairs.

Built from material that ships with the dependencies (jieba's ``dict.txt``: 349k
words with corpus frequencies) and from the document being repaired (its own
characters and character pairs, which carry its script, its names and its
punctuation habits).  Nothing downloads.

Both sources are keyed on a *normalised* character: fullwidth forms folded to
ASCII (the seed pages folded them) and traditional characters mapped to
simplified through OpenCC's character table, since jieba's dictionary is
simplified.  The document's own counts are also kept raw, so a traditional
report prefers its own script.

``CharLM.logp(prev, ch)`` interpolates document bigram, jieba bigram and
unigram estimates (Witten-Bell-style weights); ``DocLM`` adds one document's
counts to the shared base model.
"""
from __future__ import annotations

import functools
import math
import operator
import os
import re
from collections import Counter

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_FOLD = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20
#: weight of the document's own bigrams against jieba's (times a Witten-Bell weight)
DOC_WEIGHT = 0.6
#: weight of the document's own trigrams (0 = bigrams only)
TRI_WEIGHT = 0.5
#: Witten-Bell constant for jieba's frequency-weighted bigrams (counts are word frequencies)
JIEBA_K = 150.0
#: usual share of the common marks in Chinese prose (after the fold)
_PUNCT_PRIOR = {",": 0.05, "。": 0.03, "、": 0.01, ":": 0.004, ";": 0.003, "“": 0.006, "”": 0.006,
                "《": 0.002, "》": 0.002, "(": 0.002, ")": 0.002, "!": 0.001, "?": 0.001, "\n": 0.01}
#: clause marks: two in a row (。，) are a sign of a wrong reading
_CLAUSE = set("。，、；：！？,;:!?")
#: log-penalty of a character of the script a document does not write (the word model
#: and the whole-file re-decoding read both scripts alike)
OTHER_SCRIPT = -8.0


def _t2s_table() -> dict[str, str]:
    import opencc

    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    table: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            key, _, value = line.rstrip("\n").partition("\t")
            if len(key) == 1 and value:
                table[key] = value.split(" ")[0][:1] or key
    return table


def _jieba_dict_path() -> str:
    import jieba

    return os.path.join(os.path.dirname(jieba.__file__), "dict.txt")


def _dictionary(path: str | None = None) -> list[tuple[str, int]]:
    """(word, frequency) of jieba's dictionary, words with a frequency only."""
    entries = []
    with open(path or _jieba_dict_path(), encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ")
            if len(parts) >= 2 and int(parts[1]):
                entries.append((parts[0], int(parts[1])))
    return entries


class CharLM:
    """Character unigram/bigram counts from jieba's dictionary (built once per process)."""

    def __init__(self, path: str | None = None, entries: list[tuple[str, int]] | None = None):
        self.t2s = _t2s_table()
        table = dict(_FOLD)
        table.update({ord(k): ord(v) for k, v in self.t2s.items()})
        self._table = table
        self._norms: dict[str, str] = {}
        uni: Counter[str] = Counter()
        bi: Counter[str] = Counter()
        out: Counter[str] = Counter()
        for word, freq in entries if entries is not None else _dictionary(path):
            w = word.translate(table)
            for c in w:
                uni[c] += freq
            for a, b in zip(w, w[1:]):
                bi[a + b] += freq
                out[a] += freq
        self.uni = uni
        self.bi = bi
        self.out = out
        # distinct successors per character (Witten-Bell weight)
        succ: Counter[str] = Counter(k[0] for k in bi)
        self.succ = succ
        self.total = sum(uni.values())
        self.vocab = len(uni)

    @functools.cached_property
    def traditional_only(self) -> frozenset[str]:
        """Traditional characters with a different simplified form (會, 棧 …)."""
        return frozenset(k for k, v in self.t2s.items() if v != k)

    @functools.cached_property
    def simplified_only(self) -> frozenset[str]:
        """Simplified forms that are not also traditional characters (会, 栈 …)."""
        return frozenset(v for k, v in self.t2s.items() if v != k and v not in self.t2s)

    def norm(self, c: str) -> str:
        n = self._norms.get(c)
        if n is None:
            n = c.translate(self._table)
            if len(c) == 1:
                self._norms[c] = n
        return n

    def p_uni(self, c: str) -> float:
        """jieba unigram of a normalised character, add-one smoothed."""
        return (self.uni.get(c, 0) + 0.5) / (self.total + self.vocab)

    def successors(self, p: str) -> list[str]:
        """Normalised characters that follow ``p`` inside jieba's words, most frequent first."""
        table = self.__dict__.get("_succ_lists")
        if table is None:
            table = self._succ_lists = _successor_lists(self.bi, 400)
        return table.get(self.norm(p), [])

    def common_chars(self, n: int) -> list[str]:
        return [c for c, _ in self.uni.most_common(n)]

    def bigram_array(self) -> tuple:
        """The bigram counts as sorted integer keys and their counts (``_key``), for
        looking up many pairs at once (``DocLM.probs``); built on first use."""
        return _arrays_of(self, "bi")


class CharArrays:
    """What the models know of a list of characters regardless of the document, as
    arrays (``DocLM.features`` adds the document's part): code points raw and
    normalised, CJK flags, jieba's unigram probability, the marks' prior share."""

    def __init__(self, base: CharLM, chars: list[str]):
        import numpy as np

        norms = [base.norm(c) for c in chars]
        n = len(chars)
        self.ords = np.fromiter((ord(c) for c in chars), dtype=np.int64, count=n)
        self.nords = np.fromiter((ord(c) for c in norms), dtype=np.int64, count=n)
        self.raw_cjk = np.fromiter((bool(CJK_RE.match(c)) for c in chars), dtype=bool, count=n)
        self.cjk = np.fromiter((bool(CJK_RE.match(c)) for c in norms), dtype=bool, count=n)
        self.pbase = np.fromiter((base.p_uni(c) for c in norms), dtype=np.float64, count=n)
        self.prior = np.fromiter((_PUNCT_PRIOR.get(c, 1e-4) for c in norms), dtype=np.float64, count=n)
        self.clause = np.fromiter((c in _CLAUSE for c in norms), dtype=bool, count=n)


#: bits of a code point in the integer key of a character pair (``pair_key``)
_CP_BITS = 21


def pair_keys(first: str, seconds):
    """Integer keys of the pairs (``first``, s) for the code points ``seconds``."""
    return (ord(first) << _CP_BITS) | seconds


def _key(chars: str) -> int:
    """The integer key of two or three characters (their code points side by side)."""
    k = 0
    for c in chars:
        k = (k << _CP_BITS) | ord(c)
    return k


def _pair_arrays(bigrams: dict[str, int]) -> tuple:
    """Sorted integer keys (``_key``) of characters, pairs or triples, and their counts."""
    import numpy as np

    n = len(bigrams)
    lengths = set(map(len, bigrams))
    if len(lengths) == 1 and 0 not in lengths:
        # every key of one length (the total length alone does not say so: 'ab', 'c',
        # 'def'): their code points at once (UTF-32), the same integers as ``_key``
        (width,) = lengths
        joined = "".join(bigrams)
        cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64).reshape(n, width)
        keys = cps[:, 0].copy()
        for col in range(1, width):
            keys = (keys << _CP_BITS) | cps[:, col]
    else:
        keys = np.fromiter((_key(k) for k in bigrams), dtype=np.int64, count=n)
    counts = np.fromiter(bigrams.values(), dtype=np.float64, count=len(bigrams))
    order = np.argsort(keys, kind="stable")
    return keys[order], counts[order]


def _arrays_of(model, name: str) -> tuple:
    """``_pair_arrays`` of the counts ``model.<name>``, built once and kept on the model."""
    attr = f"_{name}_array"
    got = model.__dict__.get(attr)
    if got is None:
        got = _pair_arrays(getattr(model, name))
        setattr(model, attr, got)
    return got


def _lookup(arrays: tuple, keys):
    """The counts of ``keys`` in ``arrays`` (``_pair_arrays``), 0 for absent keys."""
    import numpy as np

    table, counts = arrays
    if not len(table):
        return np.zeros(len(keys))
    at = np.searchsorted(table, keys)
    at[at == len(table)] = 0
    return np.where(table[at] == keys, counts[at], 0.0)


def _successor_lists(bigrams: dict[str, int], limit: int | None = None) -> dict[str, list[str]]:
    """For each first character of ``bigrams``, the second characters, most frequent first
    (ties: the later character first), at most ``limit`` of them."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for k, v in bigrams.items():
        groups.setdefault(k[0], []).append((v, k[1]))
    return {a: [c for _, c in sorted(lst, reverse=True)[:limit]] for a, lst in groups.items()}


class DocLM:
    """The base model plus one document's own counts."""

    def __init__(self, base: CharLM, text: str):
        self.base = base
        seq = text.translate(base._table)
        self.uni = Counter(seq)
        self.raw = Counter(text)
        pairs = list(map(operator.add, seq, seq[1:]))
        self.bi = Counter(pairs)
        self.out = Counter(seq[:-1])
        self.succ = Counter(k[0] for k in self.bi)
        self.tri = Counter(map(operator.add, pairs, seq[2:]))
        self.out2 = Counter(pairs[:len(seq) - 2])
        self.succ2 = Counter(k[:2] for k in self.tri)
        self.n = max(1, len(seq))
        self._cache: dict[str, float] = {}
        self._cache3: dict[str, float] = {}
        self._has3: dict[str, bool] = {}
        self._ctx: dict[str, tuple] = {}     # per previous character
        self._char: dict[str, tuple] = {}    # per candidate character

    def successors(self, p: str) -> list[str]:
        """Normalised characters that follow ``p`` in this document, most frequent first."""
        table = self.__dict__.get("_succ_lists")
        if table is None:
            table = self._succ_lists = _successor_lists(self.bi)
        return table.get(self.base.norm(p), [])

    def other_script(self) -> frozenset[str]:
        """The characters of the script this document does not write: traditional-only
        forms when at most 5% of its characters are of that kind, simplified-only
        ones likewise; nothing when it is mixed (the traditional samples also write
        范, 台 …) or too short to tell."""
        got = self.__dict__.get("_other")
        if got is None:
            base, raw = self.base, self.raw
            cjk = sum(k for c, k in raw.items() if CJK_RE.match(c))
            got = frozenset()
            if cjk >= 200:
                trad = sum(k for c, k in raw.items() if c in base.traditional_only)
                simp = sum(k for c, k in raw.items() if c in base.simplified_only)
                if trad <= 0.05 * cjk < simp:
                    got = base.traditional_only
                elif simp <= 0.05 * cjk < trad:
                    got = base.simplified_only
            self._other = got
        return got

    def p_uni(self, c: str) -> float:
        base = self.base
        pb = base.p_uni(c)
        pd = self.uni.get(c, 0) / self.n
        if not CJK_RE.match(c):
            # punctuation, digits, '?', newline: only the document knows them; the
            # common marks get their usual share when it is silent
            return 0.7 * pd + 0.3 * _PUNCT_PRIOR.get(c, 1e-4) + 1e-7
        return 0.5 * pb + 0.5 * pd + 1e-8

    def _context(self, prev: str) -> tuple:
        """What ``logp`` needs of the previous character (kept per character)."""
        ctx = self._ctx.get(prev)
        if ctx is None:
            base = self.base
            p = base.norm(prev)
            od = self.out.get(p, 0)
            lam_d = od / (od + 2.0 * self.succ.get(p, 0)) if od else 0.0
            ob = base.out.get(p, 0)
            lam_b = ob / (ob + JIEBA_K * base.succ.get(p, 0)) if ob else 0.0
            ctx = (p, od, lam_d, ob, lam_b, p in _CLAUSE)
            self._ctx[prev] = ctx
        return ctx

    def _char_info(self, ch: str) -> tuple:
        """What ``logp`` needs of the predicted character (kept per character)."""
        cc = self._char.get(ch)
        if cc is None:
            c = self.base.norm(ch)
            # script: a character the document never uses, whose normalised form it
            # does use, is probably the other script's twin (会 in a 會 document)
            twin = ch not in self.raw and bool(CJK_RE.match(ch)) and bool(self.uni.get(c, 0))
            cc = (c, self.p_uni(c), c in _CLAUSE, twin)
            self._char[ch] = cc
        return cc

    def logp(self, prev: str, ch: str) -> float:
        """log P(ch | prev) on raw characters."""
        key = prev + ch
        r = self._cache.get(key)
        if r is not None:
            return r
        base = self.base
        ctx = self._ctx.get(prev)
        if ctx is None:
            ctx = self._context(prev)
        p, od, lam_d, ob, lam_b, p_clause = ctx
        cc = self._char.get(ch)
        if cc is None:
            cc = self._char_info(ch)
        c, pu, c_clause, twin = cc
        pd = self.bi.get(p + c, 0) / od if od else 0.0
        pb = base.bi.get(p + c, 0) / ob if ob else 0.0
        # the document first, jieba's word-internal pairs next, unigram last
        pbi = lam_b * pb + (1 - lam_b) * pu
        if c_clause and p_clause:
            # two marks in a row: only pairs the document itself uses (。” ，“ …)
            prob = (self.bi.get(p + c, 0) + 0.01) / (od + 1.0) * pu
        else:
            prob = lam_d * DOC_WEIGHT * pd + (1 - lam_d * DOC_WEIGHT) * pbi
        if twin:
            prob *= 0.2
        r = math.log(prob)
        self._cache[key] = r
        return r

    def has_trigrams(self, pp: str, prev: str) -> bool:
        """Whether ``logp3(pp, prev, ·)`` differs from ``logp(prev, ·)``: the document
        has trigrams after the two characters (when not, what comes before ``prev``
        does not matter, and the GBK search ranks candidates once for all of it)."""
        key = pp + prev
        got = self._has3.get(key)
        if got is None:
            base = self.base
            got = self._has3[key] = bool(TRI_WEIGHT) and bool(self.out2.get(base.norm(pp) + base.norm(prev), 0))
        return got

    def features(self, static: "CharArrays") -> tuple:
        """What ``logp`` needs of each character of ``static``, as arrays for
        ``probs`` (normalised code points, unigram probabilities, clause-mark and
        twin flags), and a static rank of each (how common it is, here and in
        general: ``p_uni``, times 3 when the document uses it), by which the GBK
        search preselects candidates; the same numbers as the scalar methods."""
        import numpy as np

        counts = _lookup(self.unigram_array(), static.nords)
        pd = counts / self.n
        pu = np.where(static.cjk, 0.5 * static.pbase + 0.5 * pd + 1e-8, 0.7 * pd + 0.3 * static.prior + 1e-7)
        raw = self.raw_array()
        at = np.searchsorted(raw, static.ords)
        at[at == len(raw)] = 0
        in_raw = raw[at] == static.ords
        twin = ~in_raw & static.raw_cjk & (counts > 0)
        rank = pu * np.where(in_raw, 3.0, 1.0)
        return (static.nords, pu, static.clause, twin), rank

    def unigram_array(self) -> tuple:
        """The document's normalised character counts as sorted code points and counts."""
        return _arrays_of(self, "uni")

    def raw_array(self):
        """The code points the document uses (raw), sorted."""
        got = self.__dict__.get("_raw_array")
        if got is None:
            import numpy as np

            got = self._raw_array = np.sort(np.fromiter((ord(c) for c in self.raw), dtype=np.int64,
                                                        count=len(self.raw)))
        return got

    def probs(self, prev: str, feats: tuple):
        """``exp(logp(prev, ch))`` for the characters whose ``features`` are ``feats``,
        computed at once with the same floating-point steps as ``logp`` (so the same
        numbers): the GBK search ranks dozens to hundreds of candidates per context."""
        import numpy as np

        p, od, lam_d, ob, lam_b, p_clause = self._context(prev)
        nords, pu, c_clause, twin = feats
        keys = pair_keys(p, nords)
        dcount = _lookup(self.bigram_array(), keys) if od else None
        pd = dcount / od if od else 0.0
        pb = _lookup(self.base.bigram_array(), keys) / ob if ob else 0.0
        pbi = lam_b * pb + (1 - lam_b) * pu
        prob = lam_d * DOC_WEIGHT * pd + (1 - lam_d * DOC_WEIGHT) * pbi
        if p_clause and c_clause.any():
            counts = dcount if dcount is not None else np.zeros(len(nords))
            prob = np.where(c_clause, (counts + 0.01) / (od + 1.0) * pu, prob)
        if twin.any():
            prob = np.where(twin, prob * 0.2, prob)
        return np.broadcast_to(prob, nords.shape)

    def approx_logp3(self, pp: str, prev: str, feats: tuple, prob):
        """``logp3(pp, prev, ch)`` for the characters of ``feats`` given their
        ``probs(prev, feats)``, to within rounding (the log and exp of ``logp3`` are
        skipped): for shortlisting many candidates, whose exact scores follow."""
        import numpy as np

        base = self.base
        ctx = base.norm(pp) + base.norm(prev)
        o2 = self.out2.get(ctx, 0) if TRI_WEIGHT else 0
        if not o2:
            return np.log(prob)
        lam = TRI_WEIGHT * o2 / (o2 + self.succ2.get(ctx, 0))
        p3 = _lookup(_arrays_of(self, "tri"), (ord(ctx[0]) << 2 * _CP_BITS) | (ord(ctx[1]) << _CP_BITS) | feats[0]) / o2
        return np.log(lam * p3 + (1 - lam) * prob)

    def bigram_array(self) -> tuple:
        """The document's bigram counts as sorted keys (``CharLM.bigram_array``)."""
        return _arrays_of(self, "bi")

    def logp3(self, pp: str, prev: str, ch: str) -> float:
        """log P(ch | pp prev): the document's own trigrams over ``logp``."""
        return self.logp3_many(pp, prev, (ch,))[0]

    def logp3_many(self, pp: str, prev: str, chars) -> list[float]:
        """``logp3(pp, prev, ch)`` for each ``ch``: the context is worked out once (the
        GBK search scores a few dozen candidates after the same two characters)."""
        cache3 = self._cache3
        pre = pp + prev
        base = self.base
        ctx = base.norm(pp) + base.norm(prev)
        o2 = self.out2.get(ctx, 0) if TRI_WEIGHT else 0
        lam = TRI_WEIGHT * o2 / (o2 + self.succ2.get(ctx, 0)) if o2 else 0.0
        out = []
        for ch in chars:
            key = pre + ch
            r = cache3.get(key)
            if r is None:
                if not o2:
                    r = self.logp(prev, ch)
                else:
                    p3 = self.tri.get(ctx + base.norm(ch), 0) / o2
                    r = math.log(lam * p3 + (1 - lam) * math.exp(self.logp(prev, ch)))
                cache3[key] = r
            out.append(r)
        return out

    def score(self, prev: str, text: str) -> float:
        s = 0.0
        for ch in text:
            s += self.logp(prev, ch)
            prev = ch
        return s


#: longest dictionary word the word model looks up (longer words are rare and add little)
WORD_MAXLEN = 8
#: log-probability of one token that is not a dictionary word, by character (after
#: the fold): the common marks as often as they stand between words in reports
_TOKEN_PRIOR = {",": 0.06, "。": 0.03, "、": 0.015, ":": 0.005, ";": 0.004, "“": 0.008, "”": 0.008,
                "《": 0.003, "》": 0.003, "(": 0.003, ")": 0.003, "!": 0.001, "?": 0.0005,
                " ": 0.002, "〔": 0.0005, "〕": 0.0005, "—": 0.001, "…": 0.001,
                "·": 0.0005, "‘": 0.001, "’": 0.001}
_DIGIT_PRIOR = 0.004
#: log-probability of a line break as a token (report lines run to some 20-40 words)
NEWLINE_COST = -3.0
#: a plain unigram charges the 。 that ends a line like any other 。 (log 0.03), so a
#: reading that leaves the mark out (常化\n for 常化。\n) would win; lines of reports
#: end with a mark about 4 times in 5, so the mark before a line break costs
#: log 0.8 and a bare line break log 0.2 more
LINE_END_MARKED = 0.8
_LINE_ENDS = frozenset("。！？；：”…!?;:\n")
_MARKED_LINE_END = math.log(LINE_END_MARKED)
_BARE_LINE_END = math.log(1 - LINE_END_MARKED)
_OTHER_PRIOR = 1e-5


class WordLM:
    """Word unigram model from jieba's dictionary: the log-probability of a string is
    that of its best segmentation into dictionary words (jieba's own model).

    A character bigram sees only pairs inside words and backs off to unigrams across
    them; the word model scores whole words (``维护`` against ``为护``, ``之于``
    against ``众``), which is what tells close readings of a damaged run apart.
    Characters are normalised as in ``CharLM`` (fold, traditional to simplified).
    """

    def __init__(self, base: CharLM, path: str | None = None, entries: list[tuple[str, int]] | None = None):
        self.base = base
        freq: Counter[str] = Counter()
        table = base._table
        for word, f in entries if entries is not None else _dictionary(path):
            if len(word) <= WORD_MAXLEN:
                freq[word.translate(table)] += f
        total = sum(freq.values())
        self.logp = {w: math.log(f / total) for w, f in freq.items()}
        self.prefixes = {w[:k] for w in self.logp for k in range(1, len(w))}
        self.unknown = math.log(0.5 / total)
        self._single: dict[str, float] = {}

    def single(self, c: str) -> float:
        """log P of one character as a token of its own."""
        v = self.logp.get(c)
        if v is not None:
            return v
        v = self._single.get(c)
        if v is None:
            if CJK_RE.match(c):
                v = self.unknown
            elif c == "\n":
                v = NEWLINE_COST
            elif c.isdigit():
                v = math.log(_DIGIT_PRIOR)
            else:
                v = math.log(_TOKEN_PRIOR.get(c, _OTHER_PRIOR))
            self._single[c] = v
        return v

    def doc_words(self, text: str, weight: float) -> dict[str, float]:
        """Log-probabilities of the dictionary words that ``text`` uses, mixed with
        their share of it (a cache model: a report repeats its own words)."""
        if weight <= 0:
            return {}
        s = self.base.norm(text)
        counts: Counter[str] = Counter()
        logp, pre = self.logp, self.prefixes
        for i in range(len(s)):
            for j in range(i + 2, min(len(s), i + WORD_MAXLEN) + 1):
                w = s[i:j]
                if w in logp:
                    counts[w] += 1
                if w not in pre:
                    break
        tokens = max(1.0, len(s) / 1.6)  # about 1.6 characters per word in reports
        return {w: math.log((1 - weight) * math.exp(logp[w]) + weight * k / tokens)
                for w, k in counts.items()}

    def score(self, text: str, own: dict[str, float] | None = None) -> float:
        """log P of the best segmentation of ``text`` (raw characters); ``own``
        overrides the log-probabilities of some words (``doc_words``)."""
        return self._forward(self.base.norm(text), own)[-1]

    def tail(self, text: str, own: dict[str, float] | None = None) -> list[float]:
        """For ``score_with_tail``: the best log-probability of ``text[j:]`` for each
        ``j`` >= 1, tokens starting at ``j`` (``text`` is what follows some head)."""
        s = self.base.norm(text)
        n = len(s)
        logp, pre = self.logp, self.prefixes
        if own:
            logp = _Overlay(own, logp)
        g = [-math.inf] * (n + 1)
        g[n] = 0.0
        singles = self._singles(s, 0, n)
        for i in range(n - 1, 0, -1):
            v = singles[i] + g[i + 1]
            for j in range(i + 2, min(n, i + WORD_MAXLEN) + 1):
                w = s[i:j]
                lw = logp.get(w)
                if lw is not None and lw + g[j] > v:
                    v = lw + g[j]
                if w not in pre:
                    break
            g[i] = v
        return g

    def score_with_tail(self, head: str, text: str, tail: list[float],
                        own: dict[str, float] | None = None) -> float:
        """``score(head + text)`` where ``tail = tail(text)``: the head and the first
        ``WORD_MAXLEN`` characters of ``text`` are segmented, the rest is read off
        ``tail`` (every segmentation has a token boundary among those characters).
        The GBK search scores hundreds of readings of a run before the same text;
        equal to ``score`` up to the order of the additions."""
        n = len(text)
        if n <= WORD_MAXLEN:
            return self.score(head + text, own)
        h = len(head)
        best = self._forward(self.base.norm(head + text[:WORD_MAXLEN + 1]), own, h + WORD_MAXLEN)
        return max(best[h + j] + tail[j] for j in range(1, WORD_MAXLEN + 1))

    def _singles(self, s: str, lo: int, hi: int) -> list[float]:
        """log P of each of ``s[lo:hi]`` as a token of its own, where it stands in ``s``
        (the one place of the line-end rule, for ``_forward`` and ``tail``)."""
        single = self.single
        out = []
        for i in range(lo, hi):
            c = s[i]
            if c == "\n" and i and s[i - 1] not in _LINE_ENDS:
                out.append(NEWLINE_COST + _BARE_LINE_END)  # a line that ends without a mark (a heading)
            elif c in _LINE_ENDS and s[i + 1:i + 2] == "\n" and c != "\n":
                out.append(_MARKED_LINE_END)               # the mark that ends a line: expected there
            else:
                out.append(single(c))
        return out

    def _forward(self, s: str, own: dict[str, float] | None, upto: int | None = None) -> list[float]:
        """The best log-probability of ``s[:j]`` for each ``j`` (up to ``upto``)."""
        n = len(s)
        stop = n if upto is None else upto
        best = [0.0] + [-math.inf] * n
        logp, pre = self.logp, self.prefixes
        if own:
            logp = _Overlay(own, logp)
        singles = self._singles(s, 0, stop)
        for i in range(stop):
            b = best[i]
            v = b + singles[i]
            if v > best[i + 1]:
                best[i + 1] = v
            for j in range(i + 2, min(n, i + WORD_MAXLEN) + 1):
                w = s[i:j]
                lw = logp.get(w)
                if lw is not None and b + lw > best[j]:
                    best[j] = b + lw
                if w not in pre:
                    break
        return best


class _Overlay(dict):
    """A dict of overrides that falls back to a base dict (for ``WordLM.score``)."""

    def __init__(self, own: dict[str, float], base: dict[str, float]):
        super().__init__(own)
        self._base = base

    def get(self, key, default=None):  # type: ignore[override]
        v = dict.get(self, key)
        return self._base.get(key, default) if v is None else v


def _models_key() -> str:
    """What the models are built from: jieba's dictionary, OpenCC's character table,
    this module and the Python version (pickles are read back by the same code)."""
    import hashlib
    import sys

    import opencc

    h = hashlib.sha256()
    for path in (_jieba_dict_path(), os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt"),
                 __file__):
        with open(path, "rb") as fh:
            h.update(fh.read())
    h.update(f"{sys.version_info[0]}.{sys.version_info[1]}".encode())
    return h.hexdigest()[:16]


def load_models(cache_dir: str | os.PathLike[str] | None = None) -> tuple[CharLM, WordLM]:
    """The character and word models, read from the cache folder when it holds a copy
    built from the same sources (0.2 s), else built (about 1.5 s) and saved there.

    The cache folder is ``$UNIONMINE_CACHE`` (see ``io.default_cache_dir``); an
    unreadable copy is rebuilt, and a cache that cannot be written is only a
    slower start, never an error.
    """
    import pickle
    from pathlib import Path

    from .io import default_cache_dir, write_bytes

    target = Path(cache_dir) if cache_dir else default_cache_dir()
    target = target / f"charlm-{_models_key()}.pickle"
    if target.is_file():
        try:
            with open(target, "rb") as fh:
                chars, words = pickle.load(fh)
            if isinstance(chars, CharLM) and isinstance(words, WordLM):
                return chars, words
        except Exception:  # noqa: BLE001 - a stale or broken copy: build it again below
            pass
    entries = _dictionary()
    chars = CharLM(entries=entries)
    words = WordLM(chars, entries=entries)
    try:
        write_bytes(target, pickle.dumps((chars, words), protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass
    return chars, words


def models(kit) -> tuple[CharLM, WordLM]:
    """The process's character and word models, through ``kit``'s lazy cache
    (``Toolkit.get``): loaded once per process, by whichever rule needs them first."""
    return kit.get("lm_models", load_models)
