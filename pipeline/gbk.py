"""Recovery of chunk-misaligned GBK runs.

How the text broke: the page's GB18030 bytes were cut into chunks by a byte-level
clause splitter that looked for the byte pairs of ！，；？、 (A3A1 A3AC A3BB A3BF A1A2)
at every offset.  When such a pair began on the *trail* byte of a character
(。常保專祝 end in A3), the cut split the character: its lead byte became an
orphan ``?`` and the next chunk decoded one byte out of step, pairing each
character's trail byte with the next one's lead byte, until a trail byte below
0x80, an ASCII byte, an unmapped pair or another cut put it back in step.
Fullwidth forms were then folded to ASCII.  ``之年??偟乃悸肥牵壕o緊圍繞`` is
``之年。總的思路是：緊緊圍繞``: ``?`` is the orphan lead of 。 (A1), ``?`` is A3
(from 。) + BF (the lead of 總) read as ？, ``偟`` is 總's trail + 的's lead …, and
``o`` (0x6F) is the trail of 緊 that put the decoder back in step.

Decoders differ on pairs they cannot map: some drop both bytes silently (two
characters lose a byte each, with no trace in the text), some print ``?`` for the
lead and resume on the trail (which re-aligns), and a lead before an ASCII byte
gives ``?`` that may swallow the ASCII byte (a newline, or the ``(`` of a pinyin
annotation).  A variant starts not at a cut but at a ``(pinyin)`` that an
annotator reading the bytes out of step inserted *inside* a character:
``當?shù)孛裾`` is ``當地民政``.

Recovery re-encodes the run, and a beam search over the original characters
(byte by byte, with the dropped pairs and unknown bytes as hidden choices)
scores every candidate with a character bigram model (``pipeline.lm``) built
from jieba's dictionary and the document itself; the best readings it finishes
are rescored with jieba's word model (``lm.WordLM``), which knows whole words.  A run is replaced only when
the recovery explains the text much better than the text as it stands; a
character the search cannot pin down becomes ``config.unrecoverable_mark``.

The detector costs one regular-expression scan of the text: a run always starts
with ``?`` followed by a folded splitter mark (``!,;?、``) or by ``pinyin)``.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from .lm import CJK_RE, OTHER_SCRIPT, CharArrays, DocLM, WordLM, models

if TYPE_CHECKING:  # pragma: no cover
    from .ingest import Edit, Toolkit

RULE = "recover_misaligned_gbk"

_PY = "a-zāáǎàōóǒòēéěèīíǐìūúǔùǖǘǚǜüêńňǹḿ"
#: where a run can start: an orphan ``?`` then a folded splitter mark, or ``?`` then
#: the rest of an inserted ``(pinyin)``.  Not ``?、``: the character after it would
#: lead with A2 (ⅰ ① ⒈ …), while ``》?、?《`` (lost quotation marks) is common.
START_RE = re.compile(f"\\?(?:[!,;?！，；？]|\\(?[{_PY}]{{1,7}}\\))")
_ANNOTATION_BEFORE = re.compile(f"\\([{_PY}]{{1,7}}\\)$")
#: an HTML end tag without its '<' (the '?' before it swallowed the byte)
_TAG_REST = re.compile(r"/[a-zA-Z]{1,6}>")
_PINYIN_AFTER = re.compile(f"\\(?([{_PY}]{{1,7}})\\)")

#: byte pairs the splitter cut before: ！ ， ； ？ 、
SPLIT_PAIRS = {(0xA3, 0xA1), (0xA3, 0xAC), (0xA3, 0xBB), (0xA3, 0xBF), (0xA1, 0xA2)}

MAX_RUN = 80          # characters searched after a start
BEAM = 24             # live hypotheses kept per step
PER_EXPANSION = 12    # candidates kept per hidden byte choice
PRESELECT = 48       # candidates (by how common they are) scored in context
POOL_PRESELECT = 50   # the same when both bytes of a character are unknown
DOC_SUCCESSORS = 20   # characters that follow the previous one in the document, also scored
DROP_EXPANSION = 8    # candidates kept for a character that lost its trail to a dropped pair
MAX_DROPS = 3         # dropped pairs in a row
# a dropped pair adds a character the text does not show; its bigram cost (about
# -5 nats for real text) is the price of every reading with more characters, so
# the drop move gets that back, less its own prior
DROP_PENALTY = 1.5 + math.log(0.3)
NEWLINE_PENALTY = math.log(0.5)
ASCII_EATEN = 0.6     # share of decoders that swallow the ASCII byte after a lead (the seed pages')
READING_MISFIT = -10.0  # a '?(reading)' end whose character cannot have that reading
# candidates for a character whose trail a final '?' hides: ranked by what precedes
# them only, so enough of them that what follows (维 before 护) can decide
FINISH_EXPANSION = 24
TERMINAL_EXPANSION = 4  # the same for a character whose trail is the ASCII byte that ends a run
#: the longest ranking any caller asks of ``Searcher._best``
TOP = max(PER_EXPANSION, DROP_EXPANSION, FINISH_EXPANSION, TERMINAL_EXPANSION)
VECTOR_MIN = 24       # candidates from which the ranking is computed on arrays
PRUNE = 20.0          # give up a reading this many nats worse than the text as it stands
#: stop following a reading when, even if it re-aligned at once, it would end this
#: many nats below the best finished one (both read the rest of the line as it
#: stands): what keeps the search going after a run has ended is out-of-step
#: readings of clean text, which fall behind the as-is text only slowly
STOP = PRUNE
MARGIN = 6.0          # nats the recovery must beat the text as it stands by
RESCORE = 200         # best distinct readings rescored with the word model
#: (beam, per expansion, drop expansion, rescore) of the narrow search tried first,
#: and the confidence from which its reading is kept (``_recover_at``)
NARROW: tuple[int, int, int, int] | None = (8, 6, 4, 60)
NARROW_SURE = 0.9
WORD_WEIGHT = 1.0     # weight of the word model's log-probability beside the character model's
LEFT_WORDS = 8        # characters of left context the word model sees
DOC_WORDS = 0.5       # weight of the document's own word shares in the word model
UNPAIRED = -6.0       # nats per bracket or quotation mark a reading leaves unpaired on its line


# ----------------------------------------------------------------------------------
# Byte tables
# ----------------------------------------------------------------------------------
class Tables:
    """GB18030 two-byte code tables: what each byte pair decodes to, and which drop."""

    def __init__(self) -> None:
        dec: list[str | None] = [None] * 65536
        drop = bytearray(65536)
        q1 = bytearray(65536)
        for b1 in range(0x81, 0xFF):
            for b2 in range(0x40, 0xFF):
                if b2 == 0x7F:
                    continue
                k = (b1 << 8) | b2
                pair = bytes((b1, b2))
                try:
                    c = pair.decode("gb18030")
                    if "\ue000" <= c <= "\uf8ff" or len(c) != 1:
                        c = None
                except UnicodeDecodeError:
                    c = None
                dec[k] = c
                if c is None:
                    drop[k] = 1
                try:
                    pair.decode("gbk")
                except UnicodeDecodeError:
                    q1[k] = 1
        self.dec = dec
        self.drop = drop
        self.q1 = q1
        self.by_trail: list[list[tuple[int, str]]] = [[] for _ in range(256)]
        self.by_lead: list[list[tuple[int, str]]] = [[] for _ in range(256)]
        for k, c in enumerate(dec):
            if c is not None:
                self.by_trail[k & 0xFF].append((k >> 8, c))
                self.by_lead[k >> 8].append((k & 0xFF, c))
        # trail bytes that, read as a lead, can start a dropped pair
        self.drop_t = {t for t in range(0x81, 0xFF) if any(drop[(t << 8) | l] for l in range(0x81, 0xFF))}

    def token_pairs(self, ch: str) -> list[tuple[int, int]]:
        """The byte pairs an observed character can stand for in a misaligned run."""
        out = []
        for c in {ch, _unfold(ch)}:
            try:
                b = c.encode("gb18030")
            except UnicodeEncodeError:
                continue
            if len(b) == 2 and 0x81 <= b[1] <= 0xFE:
                out.append((b[0], b[1]))
        return out


def _unfold(ch: str) -> str:
    o = ord(ch)
    if 0x21 <= o <= 0x7E:
        return chr(o + 0xFEE0)
    if ch == " ":
        return "\u3000"
    return ch


def _build_tables() -> Tables:
    return Tables()


# ----------------------------------------------------------------------------------
# The search
# ----------------------------------------------------------------------------------
_USUAL_MARKS = set("。，、；：！？“”‘’《》（）—…·")


@functools.lru_cache(maxsize=None)
def _symbol_penalty(c: str) -> float:
    """Kana, Greek, Cyrillic, pinyin letters, box drawing: GBK has them, reports rarely."""
    if CJK_RE.match(c) or c in _USUAL_MARKS:
        return 0.0
    return -6.0


class Hyp(NamedTuple):
    score: float
    out: str            # recovered characters so far
    kind: str           # pending lead: 'L' known, 'any', 'drop' (after a dropped pair), 'phantom'
    val: object         # the lead byte, the dropped trail byte, or (prev trail, readings)
    drops: int
    unknown: tuple      # indices in ``out`` of characters chosen among several
    note: str


@dataclass
class Found:
    start: int
    end: int
    replacement: str
    confidence: float
    note: str


class Searcher:
    """The search over one document's runs: its models, and what it has computed."""

    def __init__(self, tables: Tables, lm: DocLM, common: list[tuple[int, int, str]], readings,
                 words: WordLM, own_words: dict[str, float], sets: dict | None = None,
                 static: dict | None = None):
        self.t = tables
        self.lm = lm
        self.common = common
        self.readings = readings
        self.words = words                     # the word model that rescores finished readings
        self.own_words = own_words             # the document's own words in it (``WordLM.doc_words``)
        self._sets = {} if sets is None else sets        # candidate sets by key (for the process)
        self._static = {} if static is None else static  # their arrays (``_static_arrays``)
        self._memo: dict[tuple, list] = {}     # ranked candidates by (set, context)
        self._feats: dict[tuple, tuple] = {}   # (features, rank, order by rank) of sets, by key
        self.eol = False                       # a newline follows the observed stretch
        self.beam, self.per_expansion, self.drop_expansion = BEAM, PER_EXPANSION, DROP_EXPANSION

    # -- candidate characters for a pending lead and a trail -----------------------
    def _lead_ok(self, kind: str, val, lead: int) -> bool:
        if kind == "L":
            return lead == val
        if kind == "any":
            return True
        if kind == "drop":
            return bool(self.t.drop[(val << 8) | lead])
        if kind == "phantom":
            ptrail, py = val
            c = self.t.dec[(ptrail << 8) | lead]
            return c is not None and bool(self.readings(c) & py)
        return False

    @staticmethod
    def _state(h: Hyp) -> tuple:
        """What the candidates for ``h``'s pending character depend on."""
        if h.kind == "phantom":
            return (h.kind, h.val[0], frozenset(h.val[1]))  # type: ignore[index]
        return (h.kind, h.val)

    def with_trail(self, h: Hyp, trail: int) -> tuple[tuple, list[tuple[str, bool]]]:
        """Characters (lead from ``h``, ``trail``); the flag says the lead was a choice.

        Returns (key, candidates): the key names the candidate set for ``_best``."""
        key = ("T", self._state(h), trail)
        got = self._sets.get(key)
        if got is None:
            t = self.t
            if h.kind == "L":
                c = t.dec[(h.val << 8) | trail] if 0x81 <= h.val <= 0xFE else None  # type: ignore[operator]
                got = [(c, False)] if c else []
            else:
                got = [(c, True) for (l, c) in t.by_trail[trail] if self._lead_ok(h.kind, h.val, l)]
            self._sets[key] = got
        return key, got

    def with_unknown_trail(self, h: Hyp, pred: str) -> tuple[tuple, list[tuple[str, int]]]:
        """Characters whose trail byte is unknown; returns (key, [(char, trail)]).

        ``pred`` limits the trail: 'drop' (it can start a dropped pair) or 'high'
        (a byte >= 0x80, printed as '?').
        """
        key = ("U", self._state(h), pred)
        got = self._sets.get(key)
        if got is None:
            t = self.t
            ok = t.drop_t.__contains__ if pred == "drop" else (lambda tr: tr >= 0x80)
            if h.kind == "L":
                got = [(c, tr) for (tr, c) in t.by_lead[h.val] if ok(tr)] if 0x81 <= h.val <= 0xFE else []  # type: ignore[operator]
            else:
                leads = {l for l in range(0x81, 0xFF) if self._lead_ok(h.kind, h.val, l)}
                got = [(c, b2) for (b1, b2, c) in self.common if b1 in leads and ok(b2)]
            self._sets[key] = got
        return key, got

    def _best(self, h: Hyp, cset: tuple[tuple, list], k: int | None = None):
        """The ``k`` best candidates of the set ``cset`` after ``h``'s text, scored in
        context.  The ranking depends only on the set and the two characters before
        it (only on the last one where the document has no trigram after both), so
        it is computed once per document for each such triple (or pair)."""
        prev = h.out[-1] if h.out else self.left
        pp = h.out[-2] if len(h.out) >= 2 else (self.left if h.out else self.left2)
        memo_key = (cset[0], pp if self.lm.has_trigrams(pp, prev) else None, prev)
        scored = self._memo.get(memo_key)
        if scored is None:
            scored = self._rank_in_context(h.kind, cset, pp, prev)
            self._memo[memo_key] = scored
        return scored[:self.per_expansion if k is None else k]

    def _rank_in_context(self, kind: str, cset: tuple[tuple, list], pp: str, prev: str) -> list:
        lm = self.lm
        key, cands = cset
        limit = PRESELECT if kind == "L" else POOL_PRESELECT
        if len(cands) < VECTOR_MIN:
            logps = lm.logp3_many(pp, prev, [c[0] for c in cands])
            scored = [(lp + _symbol_penalty(c[0]), c) for lp, c in zip(logps, cands)]
            scored.sort(key=lambda x: -x[0])
            return scored
        static, pen, by_norm = self._static_arrays(key, cands)
        got = self._feats.get(key)
        if got is None:
            feats, rank = lm.features(static)
            got = self._feats[key] = (feats, rank, None)
        feats, rank, order = got
        keep: list[int] | range = range(len(cands))
        if len(cands) > limit:
            # the most common candidates, plus those that follow ``prev`` in jieba's words
            if order is None:
                import numpy as np

                # (a stable sort on the negated rank: the order of sorted(key=-rank))
                order = np.argsort(-rank, kind="stable")[:limit].tolist()
                self._feats[key] = (feats, rank, order)
            keep = order[:limit]
            seen = {cands[i][0] for i in keep}
            # (and those that follow it in the document: 例》 in a report that cites 《…条例》)
            for i in [*self._base_followers(key, by_norm, prev),
                      *(i for sc in lm.successors(prev)[:DOC_SUCCESSORS] for i in by_norm.get(sc, ()))]:
                if cands[i][0] not in seen:
                    keep.append(i)
                    seen.add(cands[i][0])
        return self._rank_vector(cands, keep, pp, prev, feats, pen)

    def _base_followers(self, key: tuple, by_norm: dict, prev: str) -> list[int]:
        """Indices in the set ``key`` of the characters that follow ``prev`` in jieba's
        words, most frequent first (the same for every document: kept for the process)."""
        skey = ("S", key, self.lm.base.norm(prev))
        got = self._static.get(skey)
        if got is None:
            got = self._static[skey] = [i for sc in self.lm.base.successors(prev)[:200]
                                        for i in by_norm.get(sc, ())]
        return got

    def _static_arrays(self, key: tuple, cands: list) -> tuple:
        """A candidate set's arrays that do not depend on the document (kept for the
        process): ``lm.CharArrays``, symbol penalties, indices by normalised form."""
        got = self._static.get(key)
        if got is None:
            import numpy as np

            chars = [c[0] for c in cands]
            by_norm: dict[str, list[int]] = {}
            for i, c in enumerate(chars):
                by_norm.setdefault(self.lm.base.norm(c), []).append(i)
            got = self._static[key] = (CharArrays(self.lm.base, chars),
                                       np.array([_symbol_penalty(c) for c in chars]), by_norm)
        return got

    def _rank_vector(self, cands: list, keep, pp: str, prev: str, feats: tuple, pen) -> list:
        """The ranking of ``keep``: the bigram probabilities at once
        (``DocLM.probs``), a shortlist of the best by an approximate score, then
        the exact scores of the shortlist, sorted as the scalar path sorts them
        (so the same list, cut at ``TOP``)."""
        import numpy as np

        lm = self.lm
        if len(keep) != len(cands):
            at = np.asarray(keep)
            feats = tuple(a[at] for a in feats)
            pen = pen[at]
        prob = lm.probs(prev, feats)
        tri = lm.has_trigrams(pp, prev)
        approx = (lm.approx_logp3(pp, prev, feats, prob) if tri else np.log(prob)) + pen
        if len(approx) > TOP:
            # every candidate that the exact scores could put in the top TOP
            cut = np.partition(approx, len(approx) - TOP)[len(approx) - TOP] - 1e-6
            short = np.flatnonzero(approx >= cut).tolist()
        else:
            short = range(len(approx))
        pens = pen.tolist()
        if tri:
            logps = lm.logp3_many(pp, prev, [cands[keep[j]][0] for j in short])
        else:
            probs = prob.tolist()
            logps = [math.log(probs[j]) for j in short]
        scored = [(lp + pens[j], cands[keep[j]]) for lp, j in zip(logps, short)]
        scored.sort(key=lambda x: -x[0])
        return scored[:TOP]

    # -- the beam ------------------------------------------------------------------
    def run(self, left: str, start: Hyp, obs: str, suffix_after, prefix=None,
            left2: str = "\n") -> list[tuple[float, Hyp, int, str]]:
        """Search the recovery of ``obs`` (the text after the start marker).

        Returns finished hypotheses as (total score, hyp, tokens consumed, inserted
        ASCII), the total including the observed text that follows up to the horizon.
        """
        self.left = left
        self.left2 = left2
        t = self.t
        live = [start]
        done: list[tuple[float, Hyp, int, str]] = []
        for i, ch in enumerate(obs):
            if not live:
                break
            if ch == "\n":
                break
            nxt: list[Hyp] = []
            # epsilon moves: dropped pairs before this token
            pre = list(live)
            frontier = list(live)
            for _ in range(MAX_DROPS):
                new = []
                for h in frontier:
                    new.extend(self._drop(h))
                new.sort(key=lambda h: -h.score)
                new = new[:self.beam]
                pre.extend(new)
                frontier = new
                if not frontier:
                    break
            pairs = t.token_pairs(ch)
            if i == 0 and ch == "?" and start.note == "cut" and obs[1:2] == "、":
                # the trail A3 was a chunk of its own (cuts before A3A1 and A1A2):
                # the character ending in A3 is all that is left to find
                for lp, (c, _) in self._best(start, self.with_trail(start, 0xA3)):
                    hh = Hyp(lp, c, "L", None, 0, (0,), "one-byte chunk")
                    done.append((hh.score + suffix_after(1, c), hh, 1, ""))
            for h in pre:
                # the token is a misaligned pair (trail of one character, lead of the next)
                for a, b in pairs:
                    if h.kind == "any" and h.note == "cut" and not h.out and (a, b) not in SPLIT_PAIRS:
                        continue
                    for lp, (c, chosen) in self._best(h, self.with_trail(h, a)):
                        unk = h.unknown + ((len(h.out),) if chosen else ())
                        nxt.append(Hyp(h.score + lp, h.out + c, "L", b, 0, unk, h.note))
                if not h.out and h.note == "cut":
                    continue  # a run needs its first splitter pair
                # terminators: the run ends here and the text re-aligns
                o = ord(ch)
                if 0x40 <= o <= 0x7E:
                    for lp, (c, chosen) in self._best(h, self.with_trail(h, o), TERMINAL_EXPANSION):
                        unk = h.unknown + ((len(h.out),) if chosen else ())
                        hh = Hyp(h.score + lp, h.out + c, "L", None, 0, unk, h.note)
                        done.append((hh.score + suffix_after(i + 1, hh.out[-1]), hh, i + 1, ""))
                if ch == "\u20ac":
                    for lp, (c, chosen) in self._best(h, self.with_trail(h, 0x80), TERMINAL_EXPANSION):
                        unk = h.unknown + ((len(h.out),) if chosen else ())
                        hh = Hyp(h.score + lp, h.out + c, "L", None, 0, unk, h.note)
                        done.append((hh.score + suffix_after(i + 1, hh.out[-1]), hh, i + 1, ""))
                if ch == "?":
                    self._finish_q(h, i, obs, suffix_after, done)
            nxt.sort(key=lambda h: -h.score)
            live = nxt[:self.beam]
            if STOP and done and live:
                best_done = max(d[0] for d in done)
                live = [h for h in live
                        if h.score + suffix_after(i + 1, h.out[-1] if h.out else self.left) >= best_done - STOP]
            if prefix is not None and live and live[0].score < prefix[i + 1] - PRUNE:
                break  # the out-of-step reading explains the text far worse than the text
        # the text ended (or a line ended) while out of step: the last trail is lost
        return done

    def _finish_q(self, h: Hyp, i: int, obs: str, suffix_after, done) -> None:
        """``?`` ends the run: the trail byte of the last character is unknown.

        Why the decoder printed ``?`` tells what that byte can be: before ``(pinyin)``
        the ``(`` was swallowed and the character has that reading; before a Chinese
        character the pair (trail, next lead) was probably unmapped (the ``gbk``
        decoder resumes on the next lead); at a sentence end a newline may be lost.
        """
        rest = obs[i + 1:]
        if not rest and self.eol:
            rest = "\n"  # the line (and the observed stretch) ends after this '?'
        m = _PINYIN_AFTER.match(rest)
        swallowed_paren = bool(m) and not rest.startswith("(")
        nl = -1
        if rest[:1] and ord(rest[0]) >= 0x80:
            pairs = self.t.token_pairs(rest[0])
            nl = pairs[0][0] if pairs else -1
        cands = self.with_unknown_trail(h, "high")
        misfit = 0.0
        if swallowed_paren:
            fkey = ("F", cands[0], m.group(1))
            fit = self._sets.get(fkey)
            if fit is None:
                fit = [x for x in cands[1] if m.group(1) in self.readings(x[0])]
                self._sets[fkey] = fit
            if fit:
                cands = (fkey, fit)
            else:
                # no character here has the reading that follows: the reading
                # belongs to a character this hypothesis lost (a dropped pair)
                misfit = READING_MISFIT
        q1 = self.t.q1
        for lp, (c, tr) in self._best(h, cands, FINISH_EXPANSION):
            unk = h.unknown + (len(h.out),)
            out = h.out + c
            options = [("", 0.0)]
            if swallowed_paren:
                options = [("(", 0.0)]
            elif _TAG_REST.match(rest):
                options = [("<", 0.0)]  # '/p>' after the '?': it swallowed the '<' of a tag
            elif rest[:1] in ("", "\n") or rest[0] in "！，；？、" or ord(rest[0]) < 0x80:
                # a cut before an aligned splitter mark, the end of the line, or a
                # lead before a visible ASCII byte: nothing is missing
                if c in "。！？!?；;：:”" and rest[:1] != "":
                    if ASCII_EATEN and rest[0] not in "\n！，；？、":
                        # a visible ASCII byte after the '?': decoders that keep it
                        # (about 0.4) show nothing lost; the commonest one swallows
                        # the byte after a lead, here most likely a line end
                        options = [("", math.log(1 - ASCII_EATEN)), ("\n", math.log(ASCII_EATEN))]
                    else:
                        options.append(("\n", NEWLINE_PENALTY))
            elif nl >= 0x81 and q1[(tr << 8) | nl]:
                lp += 1.5  # gbk decoder: '?' for the lead, decoding resumed on the next lead
            else:
                # otherwise the '?' swallowed an ASCII byte: a line end, most often
                options = [("\n", 0.0), ("", math.log(0.05))]
            for ins, bonus in options:
                hh = Hyp(h.score + lp + bonus + misfit, out, "L", None, 0, unk, h.note)
                if ins == "\n":
                    total = hh.score + self.lm.logp(c, "\n") + suffix_after(i + 1, "\n")
                elif ins == "(":
                    # the reading goes (strip_pinyin); judge c by what follows it
                    total = hh.score + suffix_after(i + 1 + m.end(), c)
                else:
                    total = hh.score + suffix_after(i + 1, c)
                done.append((total, hh, i + 1, ins))

    def _drop(self, h: Hyp) -> list[Hyp]:
        """A pair that the decoder dropped: the pending character gets an unknown
        trail ``t`` and the next character an unknown lead ``l`` with (t, l) unmapped."""
        if h.drops >= MAX_DROPS or (not h.out and h.note == "cut"):
            return []
        cands = self.with_unknown_trail(h, "drop")
        res = []
        for lp, (c, tr) in self._best(h, cands, self.drop_expansion):
            unk = h.unknown + (len(h.out),)
            res.append(Hyp(h.score + lp + DROP_PENALTY, h.out + c, "drop", tr, h.drops + 1, unk, h.note))
        return res


# ----------------------------------------------------------------------------------
# The rule
# ----------------------------------------------------------------------------------
def _common(kit: "Toolkit") -> list[tuple[int, int, str]]:
    lm = models(kit)[0]
    twins: dict[str, set[str]] = {}
    for k, v in lm.t2s.items():
        twins.setdefault(v, set()).add(k)
    out = []
    seen = set()
    for c in lm.common_chars(3000) + [c for c in "。，、；：？！“”（）《》"]:
        if c in seen:
            continue
        seen.add(c)
        for form in {c} | twins.get(c, set()):
            try:
                b = form.encode("gb18030")
            except UnicodeEncodeError:
                continue
            if len(b) == 2:
                out.append((b[0], b[1], form))
    return out


_OPEN = {"《": "》", "“": "”", "（": "）", "(": ")", "〔": "〕", "【": "】", "‘": "’"}
_CLOSE = {v: k for k, v in _OPEN.items()}


def unpaired_marks(line: str) -> int:
    """How many brackets and quotation marks of ``line`` have no partner (a 《 never
    closed, a 〕 never opened).  Which readings of a run close what the line opened
    is what the character and word models cannot see (条例》、 against 条例、)."""
    depth = dict.fromkeys(_OPEN, 0)
    bad = 0
    for c in line:
        if c in _OPEN:
            depth[c] += 1
        elif c in _CLOSE:
            o = _CLOSE[c]
            if depth[o]:
                depth[o] -= 1
            else:
                bad += 1
    return bad + sum(depth.values())


def candidate_starts(text: str) -> list[int]:
    """Offsets of every ``?`` that could start a misaligned run (the cheap detector)."""
    if "?" not in text:
        return []
    return [m.start() for m in START_RE.finditer(text)]


def _clean_parts(text: str, starts: list[int]) -> str:
    """The document without the stretches after each candidate start (the model must
    not learn the damage it is meant to recognise)."""
    parts, pos = [], 0
    for s in starts:
        if s < pos:
            continue
        parts.append(text[pos:s])
        end = text.find("\n", s)
        end = len(text) if end < 0 else min(end, s + 40)
        parts.append("\n")
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def recover_runs(text: str, kit: "Toolkit") -> list[Found]:
    """Find and recover the misaligned runs of ``text``.

    The rule chain repeats until the text stops changing, so the same run is met
    again on later passes; the outcome of each search is kept for the document
    (``ingest.DOC_MEMO``), keyed by the run's surroundings, and not searched again.
    """
    starts = candidate_starts(text)
    if not starts:
        return []
    from .ingest import DOC_MEMO

    memo = DOC_MEMO.get()
    if memo is None:
        memo = {}
    keys = {s: (RULE, _window(text, s)) for s in starts}
    searcher: Searcher | None = None
    mark = kit.config.unrecoverable_mark
    min_conf = kit.config.gbk_min_confidence
    found: list[Found] = []
    last_end = 0
    for s in starts:
        if s < last_end:
            continue
        if keys[s] in memo:
            got = memo[keys[s]]
            f = None if got is None else Found(s, s + got[0], *got[1:])
        else:
            if searcher is None:
                searcher = _searcher(text, starts, kit)
            f = _recover_at(text, s, searcher, mark, min_conf)
            memo[keys[s]] = None if f is None else (f.end - f.start, f.replacement, f.confidence, f.note)
        if f is not None:
            found.append(f)
            last_end = f.end
    return found


def _window(text: str, s: int) -> str:
    """What a search at ``s`` reads: some left context and the rest of the line."""
    end = text.find("\n", s)
    end = len(text) if end < 0 else end + 1
    return text[max(0, s - 24):min(end, s + MAX_RUN + 16)]


def _searcher(text: str, starts: list[int], kit: "Toolkit") -> Searcher:
    from .rules import readings

    tables: Tables = kit.get("gbk_tables", _build_tables)  # type: ignore[assignment]
    chars, words = models(kit)
    common = kit.get("gbk_common", lambda: _common(kit))
    clean = _clean_parts(text, starts)
    return Searcher(tables, DocLM(chars, clean), common, readings,  # type: ignore[arg-type]
                    words, words.doc_words(clean, DOC_WORDS), kit.get("gbk_sets", dict),
                    kit.get("gbk_set_arrays", dict))


def _recover_at(text: str, s: int, searcher: Searcher, mark: str, min_conf: float) -> Found | None:
    """The recovery of the run at ``s``: a narrow search first (``NARROW``), kept when
    it is sure (confidence >= ``NARROW_SURE``, no character marked); otherwise the
    wide one decides."""
    if NARROW:
        f = _search_at(text, s, searcher, mark, min_conf, NARROW)
        if f is not None and f.confidence >= NARROW_SURE and mark not in f.replacement:
            return f
    return _search_at(text, s, searcher, mark, min_conf, (BEAM, PER_EXPANSION, DROP_EXPANSION, RESCORE))


def _search_at(text: str, s: int, searcher: Searcher, mark: str, min_conf: float,
               effort: tuple[int, int, int, int]) -> Found | None:
    searcher.beam, searcher.per_expansion, searcher.drop_expansion, rescore = effort
    lm = searcher.lm
    # the character before the run; a reading glued after it (職責(zé)) is skipped
    ann = _ANNOTATION_BEFORE.search(text, max(0, s - 12), s)
    left_end = ann.start() if ann else s
    left = text[left_end - 1] if left_end > 0 else "\n"
    line_end = text.find("\n", s)
    if line_end < 0:
        line_end = len(text)
    rest_m = _PINYIN_AFTER.match(text, s + 1)
    if rest_m:
        # pinyin-insert: '?' is the lead of the character the reading was put inside;
        # the reading belongs to the phantom (previous trail + that lead)
        try:
            pb = left.encode("gb18030")
        except UnicodeEncodeError:
            return None
        if len(pb) != 2 or not CJK_RE.match(left):
            return None
        py = frozenset({rest_m.group(1)})
        start = Hyp(0.0, "", "phantom", (pb[1], py), 0, (), "pinyin-insert")
        obs_from = rest_m.end()
    else:
        start = Hyp(0.0, "", "any", None, 0, (), "cut")
        obs_from = s + 1
    horizon = min(line_end, obs_from + MAX_RUN)
    obs = text[obs_from:horizon]
    if not obs:
        return None
    # log-prob of the observed text from each position to the horizon
    inner = [0.0] * (len(obs) + 1)
    for j in range(len(obs) - 2, -1, -1):
        inner[j] = inner[j + 1] + lm.logp(obs[j], obs[j + 1])

    def suffix_after(j: int, prev: str) -> float:
        # the text from obs[j] on, as it stands, after ``prev``
        if j >= len(obs):
            return lm.logp(prev, "\n") if horizon == line_end else 0.0
        return lm.logp(prev, obs[j]) + inner[j] + (lm.logp(obs[-1], "\n") if horizon == line_end else 0.0)

    # log-prob of the observed text up to each position (for pruning)
    prefix = [0.0] * (len(obs) + 1)
    acc = lm.logp(left, text[s]) + lm.score(text[s], text[s + 1:obs_from])
    prev = text[obs_from - 1]
    for j, ch in enumerate(obs):
        acc += lm.logp(prev, ch)
        prev = ch
        prefix[j + 1] = acc
    searcher.eol = horizon == line_end < len(text)
    done = searcher.run(left, start, obs, suffix_after, prefix, text[left_end - 2] if left_end > 1 else "\n")
    if not done:
        return None
    base = lm.logp(left, text[s]) + lm.score(text[s], text[s + 1:obs_from]) + \
        lm.logp(text[obs_from - 1], obs[0]) + inner[0] + (lm.logp(obs[-1], "\n") if horizon == line_end else 0.0)
    done.sort(key=lambda d: -d[0])
    if done[0][0] - base < MARGIN:
        return None
    # distinct outcomes, their best character-model totals, then the word model
    # over the same stretch (left context, the reading, the rest of the horizon)
    outcomes: dict[tuple, float] = {}
    hyps: dict[tuple, Hyp] = {}
    for tot, h, n, i2 in done:
        key = (h.out, n, i2)
        if tot > outcomes.get(key, -1e18):
            outcomes[key] = tot
            hyps[key] = h
    words, own = searcher.words, searcher.own_words
    ctx = text[max(0, left_end - LEFT_WORDS):left_end]
    top = sorted(outcomes, key=lambda k: -outcomes[k])[:rescore]
    other = searcher.lm.other_script()  # the word model reads both scripts alike
    line_left = text[text.rfind("\n", 0, left_end) + 1:left_end]
    eol = "\n" if horizon == line_end < len(text) else ""  # the word model sees the line end
    tails: dict[int, list[float]] = {}  # the word model over the text after each reading's end
    for k in top:
        if k[1] not in tails:
            tails[k[1]] = words.tail(obs[k[1]:] + eol, own)
    outcomes = {k: outcomes[k] + WORD_WEIGHT * words.score_with_tail(ctx + k[0] + k[2], obs[k[1]:] + eol,
                                                                     tails[k[1]], own)
                + OTHER_SCRIPT * sum(1 for c in k[0] if c in other)
                + UNPAIRED * unpaired_marks(line_left + k[0] + k[2] + obs[k[1]:]) for k in top}
    key = max(outcomes, key=lambda k: outcomes[k])
    best, consumed, ins = hyps[key], key[1], key[2]
    best_total = done[0][0]
    weak = best.note == "one-byte chunk"  # '??、' is all there is to go on
    mx = outcomes[key]
    z = sum(math.exp(v - mx) for v in outcomes.values())
    conf = 1.0 / z
    if weak and (conf < 0.95 or best_total - base < 3 * MARGIN):
        return None
    # per-character agreement among outcomes of the same shape
    out = list(best.out)
    marked = []
    for k in best.unknown:
        agree = sum(math.exp(v - mx) for (o, n, i2), v in outcomes.items()
                    if len(o) > k and o[k] == best.out[k]) / z
        if agree < min_conf or conf < min_conf:
            # unsure of this character, or of the reading as a whole: then the
            # characters the search chose are guesses, shown as the mark
            marked.append(out[k])
            out[k] = mark
    end = obs_from + consumed
    replacement = "".join(out) + ins
    note = f"{best.note} run {text[s:end]!r}: gain {best_total - base:.1f} nats"
    if marked:
        note += f"; {len(marked)} character(s) unsure ({''.join(marked)}) marked {mark}"
    return Found(s, end, replacement, round(conf, 3), note)


def recover_misaligned_gbk(text: str, kit: "Toolkit") -> list["Edit"]:
    """Replace each chunk-misaligned GBK run by its recovery (see the module docstring)."""
    from .ingest import Edit

    return [Edit(f.start, f.end, f.replacement, f.confidence, f.note) for f in recover_runs(text, kit)]
