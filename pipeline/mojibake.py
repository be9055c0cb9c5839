"""Chinese mojibake families ftfy cannot fix.

* **UTF-8 read as GBK** ('古文码'): ``工会`` → ``宸ヤ細``.  The UTF-8 bytes of a line
  or sentence were paired as GBK; bytes the GBK decoder rejected became ``?`` (one
  byte each).  Such text is full of characters whose GBK bytes look like UTF-8
  (lead E3–EF with a continuation byte, or the reverse), which real Chinese text
  almost never strings together.
* **GBK read as Latin-1/cp1252** ('拼音码'): ``你好`` → ``ÄãºÃ``.  Runs of Latin-1
  letters with no Latin word in them.
* **锟斤拷**: a phrase went GBK → UTF-8 (with replacement) → GBK; every original
  byte is gone.  Unrecoverable: the run becomes marks, one per estimated character.
* **Big5/GBK confusion of a whole file**: traditional text stored as Big5 but read
  as GBK, or simplified GBK read as Big5.  Detected on the whole text (few common
  characters), re-decoded, and kept only if the result reads far better.

Every repair reverses the byte-level accident exactly; an unknown byte (a ``?``
the wrong decoder printed) is chosen among the values that decode, by the
character model of ``pipeline.lm``; a character that stays unknown becomes
``config.unrecoverable_mark``.  A stretch is rewritten only when the result has
Chinese in it and the model prefers it by a wide margin.
"""
from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from .lm import CJK_RE, OTHER_SCRIPT, DocLM, WordLM, models

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config
    from .ingest import Edit, Toolkit

RULE = "recover_chinese_mojibake"
GAIN_PER_CHAR = 2.0   # nats per output character the re-decoding must win by


# ----------------------------------------------------------------------------------
# Character sets (built once)
# ----------------------------------------------------------------------------------
def _utf8_like_chars(strong: bool | None = True) -> str:
    """GBK characters whose two bytes can both occur inside UTF-8 CJK text, with at
    least one of them a UTF-8 lead byte (E3–E9, EF)."""
    out = []
    leads = set(range(0xE3, 0xEA)) | {0xEF}
    wide = leads | {0xE2}
    cont = set(range(0x80, 0xC0))
    for b1 in range(0x81, 0xFF):
        for b2 in range(0x40, 0xFF):
            if strong is None:
                if not ((b1 in leads and b2 in cont) or (b1 in cont and b2 in leads)):
                    continue
            elif strong:
                # GBK/4 characters (lead E3-E9/EF, trail below A1): rare in real
                # text, half the pairs of a UTF-8 lead byte and its continuation
                if not (b1 in leads and b2 < 0xA1 and b2 in cont):
                    continue
            elif not ((b1 in wide and b2 in cont) or (b1 in cont and b2 in wide) or (b1 in cont and b2 in cont)):
                # a stretch also runs through the lead E2 of “ ” — … (和“ = E5 92 8C E2 80
                # 9C reads 鍜屸?滈: 屸 is 8C E2)
                continue
            try:
                c = bytes((b1, b2)).decode("gbk")
            except UnicodeDecodeError:
                continue
            out.append(c)
    return "".join(out)


def _cp1252_chars() -> str:
    out = [chr(i) for i in range(0x80, 0x100)]
    for b in range(0x80, 0xA0):
        try:
            out.append(bytes((b,)).decode("cp1252"))
        except UnicodeDecodeError:
            pass
    return "".join(sorted(set(out)))


class _Sets:
    def __init__(self) -> None:
        strong = _utf8_like_chars()
        self.utf8_like = set(strong)
        self.utf8_strong = re.compile(f"[{re.escape(strong)}]")
        self.utf8_mixed = set(_utf8_like_chars(strong=None))
        body = re.escape(_utf8_like_chars(strong=False))
        # a stretch of UTF-8-looking characters, '?' and the ASCII a line can carry
        # (a few ASCII characters in a row: numbers such as '22.8' stay inside it)
        self.utf8_run = re.compile(f"(?:[{body}?]|[ -~]{{1,6}}(?=[{body}?]))+")
        latin = _cp1252_chars()
        self.latin = set(latin)
        self.latin_run = re.compile(f"[{re.escape(latin)}](?:[{re.escape(latin)}]|[ -~](?=[{re.escape(latin)}]))+")
        self.byte_of = {}
        for b in range(0x80, 0x100):
            try:
                self.byte_of[bytes((b,)).decode("cp1252")] = b
            except UnicodeDecodeError:
                self.byte_of[chr(b)] = b
        for b in range(0x80, 0x100):
            self.byte_of.setdefault(chr(b), b)


def _sets(kit: "Toolkit") -> _Sets:
    return kit.get("mojibake_sets", _Sets)  # type: ignore[return-value]


# ----------------------------------------------------------------------------------
# Byte-level re-decoding with unknown bytes
# ----------------------------------------------------------------------------------
#: what a wrong decoder prints for a byte it rejects: ``?``, or U+FFFD (Python's
#: ``errors="replace"``, one per byte); fix_mojibake marks a U+FFFD left after this rule
_REJECTED = "?\ufffd"


def _to_bytes(s: str, codec: str) -> list[int] | None:
    """Bytes of ``s`` in ``codec``; ``?`` or U+FFFD is an unknown byte (-1)."""
    out: list[int] = []
    for ch in s:
        if ch in _REJECTED:
            out.append(-1)
            continue
        try:
            out.extend(ch.encode(codec))
        except UnicodeEncodeError:
            return None
    return out


def _gain(lm: DocLM, left: str, before: str, after: str, right: str) -> float:
    return (lm.score(left, after + right[:1]) - lm.score(left, before + right[:1]))


# ----------------------------------------------------------------------------------
# The families
# ----------------------------------------------------------------------------------
def _suspect(run: str, sets: _Sets) -> bool:
    """A stretch worth decoding: a GBK/4 tell-tale and three characters whose bytes
    pair a UTF-8 lead (E3-E9, EF) with a continuation byte, either way round."""
    return (sum(1 for c in run if c in sets.utf8_like) >= 1 and
            sum(1 for c in run if c in sets.utf8_mixed) >= 3)


def _good_windows(bs: list[int], spans: list[tuple[int, int]]) -> list[tuple[int, int, str, int]]:
    """Windows of source characters whose bytes decode as UTF-8 cleanly.

    ``spans`` gives each source character's byte range.  UTF-8 re-synchronises, so
    clean characters at the edges of a damaged stretch decode as U+FFFD and are
    cut off; a window is a run of source characters that starts and ends on a
    UTF-8 character boundary.  Returns (first char, end char, text, unknown bytes).
    """
    import codecs

    dec = codecs.getincrementaldecoder("utf-8")("replace")
    pieces: list[str] = []
    aligned: list[bool] = []
    for a, b in spans:
        pieces.append(dec.decode(bytes(x if x >= 0 else 0x3F for x in bs[a:b])))
        aligned.append(dec.getstate()[0] == b"")
    out: list[tuple[int, int, str, int]] = []
    start = 0
    buf: list[str] = []
    unknown = 0
    for k, piece in enumerate(pieces):
        has_unknown = any(x < 0 for x in bs[spans[k][0]:spans[k][1]])
        if "\ufffd" in piece and not has_unknown:
            # a bad stretch: close the window at the last aligned boundary
            if buf:
                out.append((start, k, "".join(buf), unknown))
            buf, unknown, start = [], 0, k + 1
            continue
        unknown += piece.count("\ufffd")
        buf.append(piece)
        if aligned[k] and buf:
            out.append((start, k + 1, "".join(buf), unknown))
    # keep, per start, the longest window
    best: dict[int, tuple[int, int, str, int]] = {}
    for w in out:
        if w[0] not in best or w[1] > best[w[0]][1]:
            best[w[0]] = w
    return list(best.values())


def _runs_on_lines_with(tell: re.Pattern, run_re: re.Pattern, text: str):
    """The matches of ``run_re`` on the lines of ``text`` where ``tell`` matches."""
    last_line = -1
    for t in tell.finditer(text):
        a = text.rfind("\n", 0, t.start()) + 1
        if a <= last_line:
            continue
        b = text.find("\n", t.end())
        b = len(text) if b < 0 else b
        last_line = b
        yield from run_re.finditer(text, a, b)


def _utf8_read_as_gbk(text: str, kit: "Toolkit", lm_get) -> list[tuple[int, int, str, float, str]]:
    sets = _sets(kit)
    mark = kit.config.unrecoverable_mark
    out: list[tuple[int, int, str, float, str]] = []
    markers: list[tuple[int, str, int]] | None = None
    # cheap where nothing is wrong: a stretch needs a tell-tale character, and
    # stretches never cross a line, so only lines holding one are scanned
    for m in _runs_on_lines_with(sets.utf8_strong, sets.utf8_run, text):
        run = m.group()
        if not _suspect(run, sets):
            continue
        a0 = m.start()
        lm = lm_get()
        bs: list[int] = []
        spans: list[tuple[int, int]] = []
        for ch in run:
            b0 = len(bs)
            if ch == "?":
                bs.append(-1)
            else:
                try:
                    bs.extend(ch.encode("gbk"))
                except UnicodeEncodeError:
                    bs.append(0x3F)
            spans.append((b0, len(bs)))
        # unknown bytes ('?' printed for a byte GBK rejected): the value that decodes
        # and reads best; a list number also continues the document's numbering
        resolved = list(bs)
        if markers is None:
            markers = list_markers(text)
        expect = expected_numbers(markers, a0, m.end())
        line = text[text.rfind("\n", 0, a0) + 1:a0]
        i = 0
        while i < len(bs):
            if bs[i] == -1:
                j = i
                while j < len(bs) and bs[j] == -1:
                    j += 1
                _pick_bytes(resolved, i, j, "utf-8", lm, text[m.end():m.end() + 1] if j + 5 >= len(bs) else "",
                            printed_by_gbk=True, prefix=("\n" + line) if i <= 5 else "x", expect=expect)
                i = j
            else:
                i += 1
        for ws, we, dec, unknown in _good_windows(resolved, spans):
            if we - ws < 2:
                continue
            # keep the window's own stretch: strip ASCII it starts or ends with
            seg = run[ws:we]
            dec = dec.replace("\ufffd", mark)
            if len(CJK_RE.findall(dec)) < 2 or dec == seg:
                continue
            left = text[a0 + ws - 1] if a0 + ws else "\n"
            right = text[a0 + we:a0 + we + 1]
            g = _gain(lm, left, seg, dec, right)
            if g < GAIN_PER_CHAR * len(dec):
                continue
            note = "UTF-8 read as GBK" + (f"; {unknown} character(s) lost" if unknown else "")
            out.append((a0 + ws, a0 + we, dec, 0.95 if not unknown else 0.6, note))
    return out


# ----------------------------------------------------------------------------------
# List numbers: (二) and (五) differ in one byte
# ----------------------------------------------------------------------------------
#: nats for a list number that continues the document's own numbering; the character
#: model alone prefers the numbers a report writes most ((二) over (五)) by up to
#: about 6 nats, so 4 left some of them wrong
LIST_PRIOR = 8.0
_NUM = "一二三四五六七八九十"
#: list markers with a Chinese numeral, by style: '(二)' / '（二）', and '二、' at a line start
_MARKERS = (("paren", re.compile(f"[(（]([{_NUM}]{{1,3}})[)）]")),
            ("dun", re.compile(f"(?:^|\n)([{_NUM}]{{1,3}})、")))


def numeral_value(s: str) -> int | None:
    """1-99 from a Chinese numeral (五, 十二, 二十, 三十五); None if it is not one."""
    if not s or any(c not in _NUM for c in s):
        return None
    if "十" not in s:
        return _NUM.index(s) + 1 if len(s) == 1 else None
    tens, _, ones = s.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    t = _NUM.index(tens) + 1 if tens else 1
    return 10 * t + (_NUM.index(ones) + 1 if ones else 0)


def list_markers(text: str) -> list[tuple[int, str, int]]:
    """(offset, style, number) of every list marker with a Chinese numeral in ``text``."""
    out = []
    for style, rx in _MARKERS:
        for m in rx.finditer(text):
            v = numeral_value(m.group(1))
            if v is not None:
                out.append((m.start(1), style, v))
    out.sort()
    return out


def expected_numbers(markers: list[tuple[int, str, int]], a: int, b: int) -> dict[str, set[int]]:
    """The list numbers that would continue the document's numbering in ``[a, b)``:
    for each style, one more than the marker before and one less than the marker
    after (a list that restarts leaves both open; the character model chooses)."""
    exp: dict[str, set[int]] = {}
    for style in ("paren", "dun"):
        before = [v for (o, st, v) in markers if st == style and o < a]
        after = [v for (o, st, v) in markers if st == style and o >= b]
        got = set()
        if before:
            got.add(before[-1] + 1)
        if after and after[0] > 1:
            got.add(after[0] - 1)
        if got:
            exp[style] = got
    return exp


def list_fit(txt: str, expect: dict[str, set[int]]) -> float:
    """``LIST_PRIOR`` if ``txt`` holds a list marker whose number continues the
    document's numbering (``expected_numbers``), else 0."""
    if not expect:
        return 0.0
    for style, rx in _MARKERS:
        want = expect.get(style)
        if not want:
            continue
        for m in rx.finditer(txt):
            if numeral_value(m.group(1)) in want:
                return LIST_PRIOR
    return 0.0


def _gbk_rejects(v: int, nxt: int | None) -> bool:
    """Whether a GBK decoder prints '?' for byte ``v`` followed by ``nxt``: 0x80 and
    0xFF never start a character, and a lead whose pair is invalid is dropped alone."""
    if v == 0x80 or v == 0xFF or nxt is None or nxt < 0:
        return True
    try:
        bytes((v, nxt)).decode("gbk")
    except UnicodeDecodeError:
        return True
    return False


def _pick_bytes(bs: list[int], i: int, j: int, codec: str, lm: DocLM, right: str = "",
                printed_by_gbk: bool = False, prefix: str = "", expect: dict[str, set[int]] | None = None) -> None:
    """Fill the unknown bytes ``bs[i:j]`` with the values that let their
    neighbourhood decode and read best (two at most are searched jointly).

    ``printed_by_gbk``: each unknown byte is one that a GBK decoder printed as '?',
    so it cannot have formed a valid GBK character with the byte after it (三 is
    E4 B8 89, and 89 E5 reads in GBK: a '?' there was 一's 80, not 三's 89).
    ``expect``: the list numbers that continue the document's numbering here
    (``expected_numbers``); a reading that makes such a marker gains ``LIST_PRIOR``
    (``prefix`` is the line before the window when the window starts the run)."""
    import itertools

    lo, hi = max(0, i - 5), min(len(bs), j + 5)
    n = min(j - i, 2)
    values = range(0x80, 0x100) if n == 1 else range(0x80, 0xC0)
    best, best_key = None, None
    after = bs[i + n] if i + n < len(bs) else None
    for combo in itertools.product(values, repeat=n):
        if printed_by_gbk and not all(_gbk_rejects(v, combo[k + 1] if k + 1 < n else after)
                                      for k, v in enumerate(combo)):
            continue
        fill = list(combo) + [0x3F] * (j - i - n)
        win = [x if x >= 0 else 0x3F for x in bs[lo:i]] + fill + [x if x >= 0 else 0x3F for x in bs[j:hi]]
        txt = bytes(win).decode(codec, "replace")
        bad = txt.count("\ufffd")
        if best_key is not None and bad > best_key[0]:
            continue
        key = (bad, -lm.score("\n", txt.replace("\ufffd", "") + right)
               - (list_fit(prefix + txt, expect) if expect else 0.0))
        if best_key is None or key < best_key:
            best, best_key = fill, key
    bs[i:j] = best if best is not None else [0x3F] * (j - i)


def _utf8_prefix(data: bytes) -> bool:
    """``data`` is UTF-8 with two or more characters of three bytes (CJK): what a
    run read from UTF-8 looks like before its cut-off last character."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return sum(1 for c in text if ord(c) >= 0x800) >= 2


def _gbk_read_as_cp1252(text: str, kit: "Toolkit", lm_get) -> list[tuple[int, int, str, float, str]]:
    sets = _sets(kit)
    mark = kit.config.unrecoverable_mark
    out = []
    for m in sets.latin_run.finditer(text):
        run = m.group()
        if sum(1 for c in run if c in sets.latin) < 4:
            continue
        bs = [sets.byte_of.get(c, ord(c)) if ord(c) >= 0x80 else ord(c) for c in run]
        if any(x > 0xFF for x in bs):
            continue
        try:
            bytes(bs).decode("utf-8")
            continue  # UTF-8 read as cp1252: ftfy's case (fix_mojibake)
        except UnicodeDecodeError as e:
            if e.reason == "unexpected end of data" and _utf8_prefix(bytes(bs)[:e.start]):
                # UTF-8 read as cp1252 whose last character lost bytes (å·¥ä¼šç» then
                # U+FFFD): ftfy's too, not GBK (宸ヤ細缁 at 0.95 before)
                continue
        end = m.end()
        nxt = text[end:end + 1]
        if nxt and "@" <= nxt <= "~" and bytes(bs).decode("gbk", "replace").endswith("\ufffd"):
            # the last character's trail byte is ASCII (則 = 84 74 = „t)
            bs.append(ord(nxt))
            run += nxt
            end += 1
        raw = bytes(bs).decode("gbk", "replace")
        bad = raw.count("\ufffd")
        dec = raw.replace("\ufffd", mark)
        if len(CJK_RE.findall(dec)) < 2 or bad > 0.15 * len(dec):
            continue
        lm = lm_get()
        left = text[m.start() - 1] if m.start() else "\n"
        g = _gain(lm, left, run, dec, text[end:end + 1])
        if g < GAIN_PER_CHAR * len(dec):
            continue
        out.append((m.start(), end, dec, 0.95 if not bad else 0.6,
                    "GBK read as cp1252" + (f"; {bad} byte(s) lost" if bad else "")))
    return out


#: characters of 锟斤拷 mojibake per lost character: 2.44–2.46 on stretches of the
#: traditional samples (000, 002, 003) put through corrupt.py's round trip, survivors
#: apart (two invalid bytes give two U+FFFD, six bytes, 锟斤拷; one gives three bytes
#: that pair with the next); it was 2 over whole stretches, survivors included
KUNKAO_PER_CHARACTER = 2.5
# 锟斤拷 with what survived in between (byte pairs that happened to be valid UTF-8)
_KUNKAO = re.compile(r"(?:锟斤拷|斤拷|锟斤|锟)(?:[^\n锟拷]{0,2}?(?:锟斤拷|斤拷|锟斤|锟|拷))*\??")


def _kunkao(text: str, kit: "Toolkit") -> list[tuple[int, int, str, float, str]]:
    if "锟" not in text and "斤拷" not in text:
        return []
    mark = kit.config.unrecoverable_mark
    out = []
    for m in _KUNKAO.finditer(text):
        run = m.group()
        if len(run) < 2 or "锟" not in run:
            continue
        # a character between the runs whose GBK bytes are a valid UTF-8 pair went through
        # the round trip unchanged: it is the original (困锟斤拷职锟斤拷 is 困难职工), kept
        pieces, n = [], 0
        for part in _SURVIVOR.split(run):
            if not part:
                continue
            if _SURVIVOR.fullmatch(part):
                pieces.append(part)
            else:
                k = max(1, round(len(part) / KUNKAO_PER_CHARACTER))
                pieces.append(mark * k)
                n += k
        kept = sum(len(p) for p in _SURVIVOR.findall(run))
        out.append((m.start(), m.end(), "".join(pieces), 0.0,
                    f"锟斤拷: the original {n} character(s) were replaced before this text was made; unrecoverable"
                    + (f"; {kept} character(s) between the runs kept (they survive the round trip)" if kept else "")))
    return out


#: runs of the characters whose GBK bytes are valid UTF-8 (lead C2–DF, trail 80–BF):
#: they come through GBK → UTF-8 (replace) → GBK unchanged (锟斤拷 themselves do not)
_SURVIVOR = re.compile("([" + re.escape("".join(
    bytes((lead, trail)).decode("gbk", "ignore") for lead in range(0xC2, 0xE0) for trail in range(0x80, 0xC0)
)) + "]+)")


_COMMON = set("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
              "十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反"
              "們這個來會為國發於說對時樣經過還點從當與關開門間問題實現進動學應該沒織職權組設議黨紀辦")


_CJK_RUN = re.compile(CJK_RE.pattern + "+")
_COMMON_RUN = re.compile("[" + "".join(sorted(c for c in _COMMON if CJK_RE.match(c))) + "]+")


def _common_share(text: str) -> float:
    """Share of the Chinese characters of ``text`` that are among the most common
    ones.  This runs on every clean document, so it counts by deleting runs (two
    substitutions in C) instead of listing characters."""
    n = len(text) - len(_CJK_RUN.sub("", text))
    if n < 50:
        return 1.0
    return (len(text) - len(_COMMON_RUN.sub("", text))) / n


def _whole_file(text: str, kit: "Toolkit", lm_get) -> list[tuple[int, int, str, float, str]]:
    """Big5 read as GBK, or GBK read as Big5, over the whole text."""
    share = _common_share(text[:4000])  # a wrong code page garbles the whole file
    if share >= 0.2:
        return []
    share = _common_share(text)
    best = None
    for src, dst, name in (("gbk", "big5", "Big5 read as GBK"), ("big5", "gbk", "GBK read as Big5")):
        bs = _to_bytes(text, src)
        if bs is None:
            continue
        base = lm_get().base
        sure: list[str] = []
        guesses: dict[int, float] = {}
        starts: list[int] = []
        dec, bad = _redecode_fast(bs, dst, "\ufffd", src, DocLM(base, ""), sure, guesses=guesses, starts=starts)
        if _common_share(dec[:4000]) > 0.3:
            # second pass: the counts of what the first reading was sure of settle
            # the ambiguous bytes
            guesses, starts = {}, []
            dec, bad = _redecode_fast(bs, dst, "\ufffd", src, DocLM(base, "".join(sure)), words=models(kit)[1],
                                      guesses=guesses, starts=starts)
        s2 = _common_share(dec)
        if s2 > max(0.3, 2 * share) and (best is None or s2 > best[0]):
            best = (s2, dec, guesses, starts, src, name)
    if best is None:
        return []
    s2, dec, guesses, starts, src, name = best
    head = f"whole file: {name} (common-character share {share:.2f} -> {s2:.2f})"
    return _whole_file_edits(text, src, "big5" if src == "gbk" else "gbk", dec, guesses, starts, kit.config, head)


#: the share of the edits holding one character chosen for a lost byte that came
#: out right (marks apart), by the posterior of the choice (the lower bound of its
#: bin), for each right codec.  Measured in sample: the five sample reports made
#: into Big5 read as GBK (000, 002, 003: 8.4k such edits; the share per file in
#: the comment) and into GBK read as Big5 (001, 004: 78 such edits, most edits
#: there hold several choices); docs/gbk.md.  The posterior is overconfident on
#: traditional text below 0.99.
GUESS_RIGHT = {
    "big5": ((0.99, 0.99), (0.9, 0.84), (0.7, 0.69), (0.5, 0.29), (0.0, 0.2)),  # 0.74-0.91, 0.66-0.75, 0.15-0.62
    "gbk": ((0.99, 0.99), (0.9, 0.95), (0.7, 0.82), (0.5, 0.5), (0.0, 0.5)),
}
#: the share of the stretches read straight from their bytes (no lost byte) that
#: came out right, measured the same way (0.970 and 0.994 of 6548 and 681 edits)
REVERSED_RIGHT = {"big5": 0.97, "gbk": 0.99}


def _guess_right(codec: str, posterior: float) -> float:
    return next(right for lo, right in GUESS_RIGHT[codec] if posterior >= lo)


def _whole_file_edits(text: str, src: str, dst: str, dec: str, guesses: dict[int, float], starts: list[int],
                      config: "Config", head: str) -> list[tuple[int, int, str, float, str]]:
    """The whole-file re-decoding as one edit per stretch of the evidence's kind.

    A byte the wrong decoder printed as ``?`` is gone; the character chosen for it
    is a guess (about one character in four of traditional text, one in thirty of
    simplified).  Stretches read straight from their bytes become one edit per
    line; each guess is an edit of its own (the source characters its bytes came
    from), confidence the measured share of right guesses at its posterior
    (``GUESS_RIGHT``).  A guess below ``config.gbk_min_confidence`` and a byte
    that decodes to nothing become ``config.unrecoverable_mark``, confidence 0.
    """
    mark, floor = config.unrecoverable_mark, config.gbk_min_confidence
    owner: list[int] = []  # the source character each byte came from ('?' is one byte)
    for k, ch in enumerate(text):
        owner.extend([k] * (1 if ch in _REJECTED else len(ch.encode(src))))
    # cut the output where a source character starts: units of output characters
    # whose bytes came from whole source characters
    cuts = [k for k in range(len(dec)) if k == 0 or owner[starts[k] - 1] != owner[starts[k]]] + [len(dec)]
    out: list[tuple[int, int, str, float, str]] = []
    run: list[int] = []  # units of the pending exact stretch

    def src_at(k: int) -> int:
        return owner[starts[k]] if k < len(dec) else len(text)

    def flush() -> None:
        if run:
            a, b = src_at(cuts[run[0]]), src_at(cuts[run[-1] + 1])
            out.append((a, b, dec[cuts[run[0]]:cuts[run[-1] + 1]], REVERSED_RIGHT[dst],
                        head + ": read from its bytes, none lost"))
            run.clear()

    for u in range(len(cuts) - 1):
        a, b = cuts[u], cuts[u + 1]
        chosen = [k for k in range(a, b) if k in guesses]
        lost = [k for k in range(a, b) if dec[k] == "\ufffd"]
        if dec[a:b] == "\n":
            flush()
            continue
        if not chosen and not lost:
            run.append(u)
            continue
        flush()
        marked = lost + [k for k in chosen if guesses[k] < floor]
        kept = [k for k in chosen if guesses[k] >= floor]
        rep = "".join(mark if k in marked else dec[k] for k in range(a, b))
        if len(marked) == b - a:
            conf = 0.0  # nothing recovered, only flagged
        else:  # the characters shown: the choices kept, else those read from their bytes
            conf = math.prod(_guess_right(dst, guesses[k]) for k in kept) if kept else REVERSED_RIGHT[dst]
        parts = [f"{dec[k]} chosen for a lost byte (posterior {guesses[k]:.2f})" for k in kept]
        parts += [f"{mark} for a lost byte (best guess {dec[k]}, posterior {guesses[k]:.2f} < {floor})"
                  for k in chosen if k in marked]
        parts += [f"{mark}: bytes that decode to nothing"] * (1 if lost else 0)
        out.append((src_at(a), src_at(b), rep, round(conf, 3), head + ": " + "; ".join(parts)))
    flush()
    return out


#: log-penalty of a symbol (fullwidth digit, box drawing …) the document never writes
RARE_SYMBOL = -6.0
#: weight of the word model when a lost byte is chosen in a whole-file re-decoding
WORDS_WEIGHT = 0.3
_USUAL_MARKS = frozenset("，。、；：？！“”‘’《》（）")


def _redecode_fast(bs: list[int], codec: str, mark: str, src: str, lm: DocLM,
                   masked: list[str] | None = None, words: WordLM | None = None,
                   guesses: dict[int, float] | None = None, starts: list[int] | None = None) -> tuple[str, int]:
    """Whole-file re-decoding.  An unknown byte is a lead that the wrong decoder
    (``src``) rejected together with the byte after it: its value is one for which
    that pair is valid in ``codec`` and invalid in ``src``; the candidate that reads
    best between its neighbours wins (，。、： hide this way in Big5 row A1)."""
    cands: dict[int, list[str]] = {}

    def options(t: int) -> list[str]:
        if t not in cands:
            res = []
            for v in range(0x81, 0xFF):
                pair = bytes((v, t))
                try:
                    c = pair.decode(codec)
                except UnicodeDecodeError:
                    continue
                try:
                    pair.decode(src)
                    continue  # the wrong decoder would have read it: not what happened
                except UnicodeDecodeError:
                    res.append(c)
            cands[t] = res
        return cands[t]

    both: dict[int, list[str]] = {}

    def rejected(a: int, b: int) -> bool:
        try:
            bytes((a, b)).decode(src)
            return False
        except UnicodeDecodeError:
            return True

    def pairs_before(t: int) -> list[str]:
        if t not in both:
            res = []
            for v1 in range(0x81, 0xFF):
                for v2 in range(0x40, 0xFF):
                    if not rejected(v1, v2) or not rejected(v2, t):
                        continue
                    try:
                        res.append(bytes((v1, v2)).decode(codec))
                    except UnicodeDecodeError:
                        pass
            both[t] = res
        return both[t]

    def token(i: int) -> tuple[str, int]:
        b = bs[i]
        if 0 <= b < 0x80:
            return chr(b), i + 1
        if b < 0 or i + 1 >= len(bs) or bs[i + 1] < 0:
            return "\ufffd", i + 1
        try:
            return bytes((b, bs[i + 1])).decode(codec), i + 2
        except UnicodeDecodeError:
            return "\ufffd", i + 1

    other_script = lm.other_script()

    def fit(prev: str, c: str, nxt: str, i: int = -1) -> float:
        pen = OTHER_SCRIPT if c in other_script else 0.0
        if c not in lm.raw and not CJK_RE.match(c) and c not in _USUAL_MARKS:
            pen += RARE_SYMBOL  # a fullwidth digit or a symbol the document never writes
        if words is not None and i >= 0:
            # the words the character would form with its neighbours
            left = "".join(out[-3:])
            pen += WORDS_WEIGHT * words.score(left + c + ahead(i))
        return lm.logp(prev, c) + lm.logp(c, nxt) + pen

    def ahead(i: int) -> str:
        got, k = [], i
        while len(got) < 3 and k < n:
            if bs[k] < 0:
                break
            ch, k = token(k)
            got.append(ch)
        return "".join(got)

    out: list[str] = []
    chosen: dict[int, float] = {}  # output index of each character chosen for a lost byte -> its posterior
    at: list[int] = []  # the first byte of each output character
    i = 0
    n = len(bs)
    while i < n:
        at.append(i)  # every pass of the loop puts out one character
        if bs[i] == -1 and i + 1 < n and bs[i + 1] >= 0:
            opts = options(bs[i + 1])
            if opts:
                prev = out[-1] if out else "\n"
                nxt = token(i + 2)[0] if i + 2 < n else "\n"
                best, post = _pick(opts, lambda c: fit(prev, c, nxt, i + 2))
                out.append(best)
                chosen[len(out) - 1] = post
                i += 2
                continue
        if bs[i] == -1 and i + 2 < n and bs[i + 1] == -1 and bs[i + 2] >= 0:
            # a whole character lost: both its bytes were rejected as leads
            opts = pairs_before(bs[i + 2])
            if opts:
                prev = out[-1] if out else "\n"
                nxt = token(i + 2)[0]
                best, post = _pick(opts, lambda c: fit(prev, c, nxt, i + 2))
                out.append(best)
                chosen[len(out) - 1] = post
                i += 2
                continue
        if bs[i] >= 0x80 and i + 1 < n and bs[i + 1] == -1:
            # the unknown byte is this character's trail (the wrong decoder saw it as
            # a lead and rejected it together with the byte after it)
            after = bs[i + 2] if i + 2 < n else -1
            opts = []
            for v in range(0x40, 0xFF):
                try:
                    c = bytes((bs[i], v)).decode(codec)
                except UnicodeDecodeError:
                    continue
                if after >= 0:
                    try:
                        bytes((v, after)).decode(src)
                        continue
                    except UnicodeDecodeError:
                        pass
                opts.append(c)
            if opts:
                prev = out[-1] if out else "\n"
                nxt = token(i + 2)[0] if i + 2 < n else "\n"
                best, post = _pick(opts, lambda c: fit(prev, c, nxt, i + 2))
                out.append(best)
                chosen[len(out) - 1] = post
                i += 2
                continue
        c, i = token(i)
        out.append(c)
    if masked is not None:
        masked.extend("\n" if k in chosen else c for k, c in enumerate(out))
    if guesses is not None:
        guesses.update(chosen)
    if starts is not None:
        starts.extend(at)
    text = "".join(out)
    return text.replace("\ufffd", mark), text.count("\ufffd")


def _pick(opts: list[str], score) -> tuple[str, float]:
    """The best of ``opts`` by ``score`` (log-probabilities; the first on a tie, as
    ``max``) and its posterior: its share of the probability mass of all of them."""
    scores = [score(c) for c in opts]
    top = max(scores)
    k = scores.index(top)
    return opts[k], 1.0 / sum(math.exp(s - top) for s in scores)


def recover_chinese_mojibake(text: str, kit: "Toolkit") -> list["Edit"]:
    """UTF-8 read as GBK, GBK read as cp1252, 锟斤拷, whole-file Big5/GBK confusion."""
    from .ingest import Edit

    lm_box: list[DocLM] = []

    def lm_get() -> DocLM:
        # the document's own counts, without the stretches under suspicion (the model
        # must not learn the damage it is judging)
        if not lm_box:
            sets = _sets(kit)
            def cut(m: re.Match) -> str:
                return "\n" if _suspect(m.group(), sets) else m.group()

            clean = sets.latin_run.sub("\n", sets.utf8_run.sub(cut, text))
            lm_box.append(DocLM(models(kit)[0], clean))
        return lm_box[0]

    whole = _whole_file(text, kit, lm_get)
    if whole:
        return [Edit(*w) for w in whole]
    found = _utf8_read_as_gbk(text, kit, lm_get) + _gbk_read_as_cp1252(text, kit, lm_get) + _kunkao(text, kit)
    found.sort()
    edits, end = [], -1
    for a, b, rep, conf, note in found:
        if a < end:
            continue
        edits.append(Edit(a, b, rep, conf, note))
        end = b
    return edits
