"""Text repair rules for scraped Chinese reports.

Each rule is ``rule(text, kit) -> list[Edit]``: it proposes replacements on the
text it is given and never touches anything else.  The applier in
``pipeline.ingest`` records each applied edit as a ``Repair``.
"""
from __future__ import annotations

import bisect
import html
import re
import threading
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .ingest import Edit, Toolkit

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RE = re.compile(f"[{CJK}]")


_EDIT = None


def _edit_class():
    global _EDIT
    if _EDIT is None:  # imported on first use: pipeline.ingest loads this module lazily too
        from .ingest import Edit

        _EDIT = Edit
    return _EDIT


def _edit(*args):
    return _edit_class()(*args)


# ----------------------------------------------------------------------------------
# fix_mojibake: ftfy, configured for Chinese
# ----------------------------------------------------------------------------------
# Characters that only appear when UTF-8 was decoded as Latin-1/cp1252 (ftfy's
# territory).  Lines without them are skipped: ftfy is the slowest step otherwise.
_FTFY_SUSPECT = re.compile(r"[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2026\u2030\u2039\u203a\u20ac\u2122\ufffd]|&[a-z]+;|\x1b")


# ... and of those, only lines where ftfy can find something to fix.  Bytes of UTF-8 read one by one
# come out as two or more such characters in a row (``å·¥ä¼š``), the first two different (a lead
# byte and a continuation byte); a lone one is a C1 control, U+FFFD, an escape or an entity.  A
# lone “ ” — …, a —— or ……, or a tone-marked reading, 區(qū), is no mojibake: ftfy changed none of
# the lines this skips among the samples, 100 corrupted copies of them and UTF-8 read as
# cp1252/Latin-1/cp1250 (three lines in four of those sent to it before).
_MOJI_CHAR = r"\u0080-\u024f\u02c6-\u02dd\u2013-\u2122\ufffd"
_FTFY_NEEDS = re.compile(f"[\u0080-\u009f\x1b\ufffd]|&[a-z]+;|([{_MOJI_CHAR}])(?!\\1)[{_MOJI_CHAR}]")
_READING = re.compile("[(（][a-zāáǎàōóǒòēéěèīíǐìūúǔùǖǘǚǜüêńňǹḿ]{1,7}[1-5]?[)）]")


@lru_cache(maxsize=1)
def _ftfy_config():
    import ftfy

    # No quote uncurling (Chinese uses curly quotes); no width fix (ftfy's own docs
    # say it is wrong for CJK: it would fold ，。 into ASCII); no NFC/NFKC (it would
    # rewrite CJK compatibility ideographs); HTML entities are the boilerplate rule's.
    return ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, fix_latin_ligatures=False,
                                normalization=None, fix_line_breaks=False, unescape_html=False,
                                explain=True)


def fix_mojibake(text: str, kit: "Toolkit") -> list["Edit"]:
    """Generic mojibake (UTF-8 read as Latin-1/cp1252, C1 controls, escapes) via ftfy;
    U+FFFD becomes ``config.unrecoverable_mark``.

    U+FFFD is a character already lost: the decoder's replacement for bytes it could
    not read (``decode`` leaves one per bad sequence of a GB18030 or Big5 file), one
    a page or an earlier tool wrote, or ftfy's own for a byte lost inside mojibake
    (``å·¥ä¼šç»„ç»�`` → ``工会组�``).  It is marked here, once for every source: after
    ftfy, which reads a U+FFFD inside mojibake as the lost byte, and on every pass
    of the chain, so one a later rule made is marked on the next.
    """
    import ftfy

    edits: list = []
    if not _FTFY_SUSPECT.search(text):
        return edits
    from .ingest import DOC_MEMO

    mark = kit.config.unrecoverable_mark
    doc_memo = DOC_MEMO.get()  # the chain's next pass sees most lines again: ftfy each line once per document
    seen = doc_memo.setdefault("fix_mojibake", {}) if doc_memo is not None else {}
    pos = 0
    for line in text.split("\n"):
        a = b = 0
        if _FTFY_SUSPECT.search(line) and _FTFY_NEEDS.search(_READING.sub("", line)):
            if line not in seen:
                seen[line] = ftfy.fix_and_explain(line, config=_ftfy_config())
            fixed, expl = seen[line]
            if fixed != line:
                a, b, rep = _trim(line, fixed)
                note = "ftfy: " + ",".join(step for step, _ in (expl or []))
                lost = rep.count("\ufffd")
                if lost:
                    rep = rep.replace("\ufffd", mark)
                    note += f"; {lost} character(s) lost (U+FFFD), unrecoverable, marked {mark}"
                edits.append(_edit(pos + a, pos + b, rep, 0.6 if lost else 0.9, note))
        for m in _FFFD_RUN.finditer(line):
            if a <= m.start() < b:
                continue  # inside ftfy's repair: marked there
            n = m.end() - m.start()
            cut = _cut_utf8_before(line, max(m.start() - 3, b), m.start(), b if b > a else -1)
            note = (f"U+FFFD: {n} character(s) lost to a decoder before this step; "
                    f"unrecoverable, marked {mark}")
            if cut < m.start():
                # ç» before the loss: the first bytes of a UTF-8 character read as cp1252,
                # the rest of it lost; part of the same lost character
                note += f"; with the cut UTF-8 bytes before it ({line[cut:m.start()]})"
            edits.append(_edit(pos + cut, pos + m.end(), mark * n, 0.0, note))
        pos += len(line) + 1
    return edits


_FFFD_RUN = re.compile("\ufffd+")


def _cut_utf8_before(line: str, lo: int, end: int, repaired_to: int = -1) -> int:
    """Where the first bytes of a UTF-8 character read as cp1252 start, just before
    ``end`` (a lost byte's U+FFFD) and not before ``lo``: ``ç»`` (E7 BB, two of the
    three bytes of 组).  ``end`` when there are none, or when a Latin letter comes
    before them (French ``ç»`` is text) other than the end of ftfy's repair
    (``repaired_to``: ``å·¥ä¼šç»`` → ``工会ç»``)."""
    for start in range(lo, end):
        frag = line[start:end]
        try:
            data = frag.encode("cp1252")
        except UnicodeEncodeError:
            continue
        # three- and four-byte leads only: Chinese is three bytes in UTF-8, and a
        # two-byte lead is also a Latin-1 sign a report writes (3×□)
        need = 3 if 0xE0 <= data[0] <= 0xEF else 4 if 0xF0 <= data[0] <= 0xF4 else 0
        if need and len(data) < need and all(0x80 <= x <= 0xBF for x in data[1:]) \
                and (start == repaired_to or not start
                     or not (line[start - 1].isascii() and line[start - 1].isalpha()
                             or "\u00c0" <= line[start - 1] <= "\u024f")):
            return start
    return end


def _trim(old: str, new: str) -> tuple[int, int, str]:
    """The smallest (start, end, replacement) that turns ``old`` into ``new``."""
    a = 0
    while a < len(old) and a < len(new) and old[a] == new[a]:
        a += 1
    b = 0
    while b < len(old) - a and b < len(new) - a and old[-1 - b] == new[-1 - b]:
        b += 1
    return a, len(old) - b, new[a:len(new) - b]


# ----------------------------------------------------------------------------------
# strip_pinyin: readings glued after characters, 社區(qū)加強(qiáng)
# ----------------------------------------------------------------------------------
_PY_LETTERS = "a-zāáǎàōóǒòēéěèīíǐìūúǔùǖǘǚǜüêńňǹḿ"
_PINYIN_RE = re.compile(f"([{CJK}])[(（]([{_PY_LETTERS}]{{1,7}}[1-5]?)[)）]")


@lru_cache(maxsize=65536)
def readings(ch: str) -> frozenset[str]:
    """Every pinyin reading pypinyin knows for ``ch``: tone-marked, tone-number and bare."""
    from pypinyin import Style, pinyin

    out: set[str] = set()
    for style in (Style.TONE, Style.TONE3, Style.NORMAL):
        for r in pinyin(ch, style=style, heteronym=True, errors="ignore")[:1]:
            out.update(x.replace("v", "ü") for x in r)
            out.update(r)
    return frozenset(out)


def strip_pinyin(text: str, kit: "Toolkit") -> list["Edit"]:
    """Remove ``(reading)`` only where it is a reading of the character before it.

    ``(xx)`` placeholders, ``(一)`` markers and real parenthesised words survive,
    because they are not a reading of the preceding character.
    """
    edits = []
    edit = _edit_class()
    for m in _PINYIN_RE.finditer(text):
        ch, py = m.group(1, 2)
        if _is_reading(ch, py):
            edits.append(edit(m.start(2) - 1, m.end(), "", 1.0, "reading of " + ch))
    return edits


@lru_cache(maxsize=65536)
def _is_reading(ch: str, py: str) -> bool:
    return py in readings(ch) or unicodedata.normalize("NFC", py) in readings(ch)


# ----------------------------------------------------------------------------------
# restore_punctuation_marks: “ ” ‘ ’ 《 》 〈 〉 〔 〕 · that became ?
# ----------------------------------------------------------------------------------
def _alt(words: str) -> str:
    return "|".join(sorted(words.split(), key=len, reverse=True))


# Cue words are simplified; they are matched on a simplified copy of each line
# (OpenCC's character table, one character for one, so offsets agree).
# a document, law or publication: what 《》 enclose
_TITLE_END = re.compile(f"(?:{_alt('法 条例 章程 意见 通知 办法 规定 决定 纲要 细则 规划 方案 报告 标准 指南 制度 守则 规范 规程 公约 讲话 杂志 报 指引 准则 手册 宪法 决议 批复 函 白皮书 工作要点 一书 计划 读本 丛书')})$")
_TITLE_START = re.compile(f"^(?:{_alt('关于 中华人民共和国 全国 中国 国务院 中共 中央')})")
_TITLE_BEFORE = re.compile(f"(?:{_alt('学习 贯彻 根据 依据 依照 执行 印发 转发 关于 颁布 修订 遵守 参照 举办 阅读 发布 出台 制定了 实施 按照 落实')})$")
_TITLE_STRONG_BEFORE = re.compile(f"(?:{_alt('学习 贯彻 根据 依据 依照 印发 转发 颁布 修订 遵守 参照 阅读 发布')})$")
_TITLE_AFTER = re.compile(f"^(?:的[^，,。]{{0,4}}(?:{_alt('通知 决定 意见 规定 要求 精神')})|{_alt('精神 讲座 一书 文件 有关规定 规定 第 等文件 要求 中')})")
_QUESTION_WORD = re.compile(r"[吗呢么谁哪]|什么|怎|如何|为何|为什|几|多少|是否|能否|可否|难道|是不是|有没有")
_CLAUSE_END = re.compile(r"[。！!；;？，,：:\n]")
_BAD_INNER = re.compile(r"[。！!；;？?\n]")
_PUNCT_EDGE = "，,、。；;：:！!）)》”’"
_NUMERAL = "一二三四五六七八九十"


def restore_punctuation_marks(text: str, kit: "Toolkit") -> list["Edit"]:
    """Turn the ``?`` that stand for lost marks back into “” ‘’ 《》 〈〉 〔〕 or ·.

    How the text broke: a page in a charset without these marks turned every mark
    of one class, inside a block, into ``?`` (000: ``實施?十二五?``; 002:
    ``根據?中華人民共和國工會法?``, ``京工發?2013?8號``).  So lost marks come in
    pairs around a short phrase with no sentence end inside, while a real question
    mark ends a clause that holds a question word (``該怎麼寫的呢?``) and stays.
    The class of a pair comes from what it encloses: a document name (ends in 法,
    条例, 意见 …, starts with 关于 …, follows 根据/贯彻 …) gets 《》, a year before
    a number (``?2013?8號``) 〔〕, anything else “”.  Nested marks (``?福建省實施?
    中華人民共和國工會法?辦法?``) get 〈〉 or ‘’ inside.  A lone ``?`` next to a
    surviving mark completes it; a lone ``?`` between two numerals (``三?八``) or
    two words is a middle dot.
    """
    edits: list = []
    if "?" not in text:
        return edits
    simp = _simplified(text, kit)
    for line_start, line in _lines(text):
        if "?" not in line:
            continue
        found = _balance(line, _restore_line(line, simp[line_start:line_start + len(line)]))
        for pos, mark, conf, note in found:
            edits.append(_edit(line_start + pos, line_start + pos + 1, mark, conf, note))
    return edits


def _t2s_map(kit: "Toolkit") -> dict[int, str]:
    """Traditional → simplified, one character for one (OpenCC's character table)."""
    table = kit.converter._chars("t2s")
    return {ord(k): v[0] for k, v in table.items() if len(k) == 1 and len(v[0]) == 1}


def _simplified(text: str, kit: "Toolkit") -> str:
    """``text`` through ``_t2s_map``, the whole text at once; offsets agree (one character for one).

    Three rules read a simplified copy, mostly of the same text (a pass where no
    rule changes anything): the last copy is kept.
    """
    box = kit.get("t2s_memo", _Box)
    last, simp = box.value  # type: ignore[attr-defined]  # one tuple: threads sharing a kit read a consistent pair
    if last is not text and last != text:
        from .script import CharMap

        charmap = kit.get("t2s_charmap", lambda: CharMap(_t2s_map(kit)))
        simp = charmap.translate(text)  # type: ignore[attr-defined]
        box.value = (text, simp)  # type: ignore[attr-defined]
    return simp


class _Box:
    value: tuple[str, str] = ("", "")


def _restore_line(line: str, simp: str) -> list[tuple[int, str, float, str]]:
    """The marks to put back on one line; ``simp`` is the line in simplified characters."""
    out: list[tuple[int, str, float, str]] = []
    used: set[int] = set()
    for m in re.finditer(r"\?(\d{4})\?(?=\d{1,4}[号號])", line):
        out += [(m.start(), "〔", 0.9, "document number"), (m.end() - 1, "〕", 0.9, "document number")]
        used.update((m.start(), m.end() - 1))
    for m in re.finditer(f"(?<=[{_NUMERAL}])\\?(?=[{_NUMERAL}])", line):
        if m.start() not in used:
            out.append((m.start(), "·", 0.7, "dot between numerals"))
            used.add(m.start())
    qs = [i for i, c in enumerate(line) if c == "?" and i not in used and not _ascii_context(line, i)]
    qs = [i for i in qs if not _real_question(simp, i)]
    k = 0
    while k < len(qs):
        a = qs[k]
        rest = qs[k + 1:]
        if len(rest) >= 3 and _nested(simp, a, *rest[:3]):
            b, c, d = rest[:3]
            title = _title_score(simp, a, d) >= 2 or bool(_TITLE_END.search(simp[b + 1:c]))
            outer, inner = (("《", "》"), ("〈", "〉")) if title else (("“", "”"), ("‘", "’"))
            note = "nested document titles" if title else "nested quotation"
            out += [(a, outer[0], 0.8, note), (b, inner[0], 0.8, note), (c, inner[1], 0.8, note),
                    (d, outer[1], 0.8, note)]
            k += 4
            continue
        if rest and _pair_ok(line, a, rest[0]):
            b = rest[0]
            title = _title_score(simp, a, b) >= 2
            left, right = ("《", "》") if title else ("“", "”")
            if _inside(line, a, "“", "”"):
                left, right = ("〈", "〉") if title else ("‘", "’")
            elif title and _opened(line, a, "《", "》"):
                # 《福建省實施?中華人民共和國工會法?辦法?: a title inside a surviving
                # 《 whose 》 was lost too
                left, right = ("〈", "〉")
            note = "document title" if title else "paired ? around a phrase"
            out += [(a, left, 0.85, note), (b, right, 0.85, note)]
            k += 2
            continue
        lone = _lone_mark(line, a)
        if lone:
            # a middle dot between two words is right in the samples' one case
            # (京卡·互助服务卡) and wrong wherever the '?' was a lost quotation or
            # title mark whose partner was lost too: as likely wrong as right
            out.append((a, lone[0], 0.5 if lone[0] == "·" else 0.7, lone[1]))
        k += 1
    return out


_PAIR = {"“": "”", "《": "》", "‘": "’", "〈": "〉", "〔": "〕", "（": "）", "(": ")", "【": "】", "「": "」"}
_OPENER_OF = {c: o for o, c in _PAIR.items()}
_KINDS = set(_PAIR) | set(_OPENER_OF)
# a restored mark may turn into its partner or into the other class of its level
_SWAPS = {**{m: "“”《》" for m in "“”《》"}, **{m: "‘’〈〉" for m in "‘’〈〉"}}
#: confidence of a mark turned (direction or class) so that the line's marks pair up
BALANCED = 0.7
#: confidence of a restored mark left without a partner: no choice pairs the line up
UNPAIRED = 0.2


def _balance(line: str, found: list[tuple[int, str, float, str]]) -> list[tuple[int, str, float, str]]:
    """The restored marks, turned where that pairs up the line's brackets and quotation marks.

    Each ``?`` is restored on local evidence (what it encloses, the nearest
    surviving mark), which can open a “ that nothing closes (``“我健康?的意識，印發了
    ?關於…意見》``: ”…《, not “…”).  Among the choices that turn restored marks
    into their partner or into the other class of their level (“”《》, ‘’〈〉), the one
    leaving the fewest marks without a partner on the line (pairs nest, never
    cross) wins, and among those the one that turns the fewest.  A turned mark gets
    confidence ``BALANCED``; a restored mark still without a partner (no choice
    pairs up the whole line) ``UNPAIRED``.
    """
    restored = {pos: mark for pos, mark, _, _ in found}
    if not any(m in _SWAPS for m in restored.values()):
        return found
    seq: list[tuple[int, str]] = []  # (position, options: the first is the mark as it stands)
    for i, c in enumerate(line):
        m = restored.get(i, c)
        if m in _SWAPS and i in restored:
            seq.append((i, m + _SWAPS[m].replace(m, "")))
        elif m in _KINDS:
            seq.append((i, m))
    # states: the stack of open marks -> (marks without a partner so far, turned, choices)
    states: dict[tuple[str, ...], tuple[int, int, tuple[str, ...]]] = {(): (0, 0, ())}
    for _, options in seq:
        nxt: dict[tuple[str, ...], tuple[int, int, tuple[str, ...]]] = {}
        for stack, (bad, turned, picks) in states.items():
            for j, m in enumerate(options):
                new_stack, b = _close(stack, m)
                cand = (bad + b, turned + (j > 0), picks + (m,))
                if new_stack not in nxt or cand[:2] < nxt[new_stack][:2]:
                    nxt[new_stack] = cand
        # a beam: lines hold a few dozen marks at most
        states = dict(sorted(nxt.items(), key=lambda kv: (kv[1][0] + len(kv[0]), kv[1][1]))[:64])
    best = min(states.items(), key=lambda kv: (kv[1][0] + len(kv[0]), kv[1][1]))
    picks = dict(zip((i for i, _ in seq), best[1][2]))
    alone = _unpartnered([(i, picks[i]) for i, _ in seq])
    out = []
    for pos, mark, conf, note in found:
        new = picks.get(pos, mark)
        if new != mark:
            conf, note = min(conf, BALANCED), f"{note}; {mark} turned {new} to pair up the line's marks"
        if pos in alone:
            conf, note = min(conf, UNPAIRED), f"{note}; no partner on its line: no choice pairs up the line"
        out.append((pos, new, conf, note))
    return out


def _close(stack: tuple[str, ...], m: str) -> tuple[tuple[str, ...], int]:
    """The stack of open marks after ``m``, and how many marks that leaves without a
    partner: a closing mark closes the innermost open one of its kind, and the marks
    opened inside it since stay unpaired (pairs do not cross: 《…“…》…” is two
    marks without a partner)."""
    if m in _PAIR:
        return stack + (m,), 0
    o = _OPENER_OF[m]
    if o not in stack:
        return stack, 1
    k = len(stack) - 1 - stack[::-1].index(o)
    return stack[:k], len(stack) - 1 - k


def _unpartnered(marks: list[tuple[int, str]]) -> set[int]:
    """Positions of the marks without a partner, as ``_close`` pairs them."""
    stack: list[tuple[int, str]] = []
    alone = set()
    for i, m in marks:
        if m in _PAIR:
            stack.append((i, m))
            continue
        o = _OPENER_OF[m]
        ks = [k for k, (_, x) in enumerate(stack) if x == o]
        if not ks:
            alone.add(i)
            continue
        alone.update(j for j, _ in stack[ks[-1] + 1:])
        del stack[ks[-1]:]
    return alone | {i for i, _ in stack}


def _ascii_context(line: str, i: int) -> bool:
    """A ``?`` inside Latin text or a URL query (``index.php?id=3``) is not ours."""
    before = line[i - 1] if i else ""
    after = line[i + 1] if i + 1 < len(line) else ""
    return (before.isascii() and before.isalnum() and after.isascii() and after.isalnum()) or after == "="


def _real_question(line: str, i: int) -> bool:
    """A question mark that ends a clause holding a question word."""
    if i + 1 < len(line) and line[i + 1] in "的之和与及、，,":
        return False  # “哪里有职工，哪里就必须建立工会组织”的原则: a closing mark
    ends = [m.end() for m in _CLAUSE_END.finditer(line, 0, i)]
    clause = line[ends[-1] if ends else 0:i]
    return bool(_QUESTION_WORD.search(clause))


def _pair_ok(line: str, a: int, b: int) -> bool:
    inner = line[a + 1:b]
    if not 0 < len(inner) <= 60 or _BAD_INNER.search(inner):
        return False
    if inner[0] in _PUNCT_EDGE or inner[-1] in "，,、(（":
        return False
    if any(c in inner for c in "“”《》"):
        return False  # a surviving mark inside: the pairing is off by one
    if not (CJK_RE.search(inner) or re.search(r"\d", inner)):
        return False
    # 壕o緊: misdecoded GBK bytes, not a quoted phrase
    return not re.search(f"[{CJK}][A-Za-z]{{1,2}}[{CJK}]", inner)


def _nested(line: str, a: int, b: int, c: int, d: int) -> bool:
    """?X?Y?Z? read as “X‘Y’Z” (or 《X〈Y〉Z》) rather than “X”Y“Z”."""
    x, y, z = line[a + 1:b], line[b + 1:c], line[c + 1:d]
    if not x or not y or not z or any(_BAD_INNER.search(s) for s in (x, y, z)) or d - a > 90:
        return False
    if any(m in s for s in (x, y, z) for m in "“”《》"):
        return False  # a surviving mark inside: the ? there completes it (以?学习为本”、?终身学习?)
    if not _pair_ok(line, b, c):
        return False
    if z[0] in "，,、；;" or x[-1] in "、，,":
        return True
    # 《福建省實施〈中華人民共和國工會法〉辦法》
    return bool(_TITLE_BEFORE.search(x)) and bool(_TITLE_END.search(y)) and len(z) <= 8 \
        and bool(_TITLE_END.search(z))


def _title_score(line: str, a: int, b: int) -> int:
    """Evidence that line[a+1:b] names a document, law or publication."""
    inner = line[a + 1:b]
    before, after = line[max(0, a - 4):a], line[b + 1:b + 6]
    score = 0
    if _TITLE_END.search(inner):
        score += 2
    if _TITLE_START.search(inner):
        score += 1
    if _TITLE_STRONG_BEFORE.search(before):
        score += 1
    elif _TITLE_BEFORE.search(before) and len(inner) >= 6:
        score += 1
    if _TITLE_AFTER.search(after):
        score += 1
    if len(inner) <= 4 and not _TITLE_END.search(inner):
        score -= 1
    if re.search("[，,]", inner):
        score -= 2  # titles hardly ever hold a comma; slogans do
    elif "、" in inner and len(inner) <= 12:
        score -= 1
    return score


def _inside(line: str, i: int, left: str, right: str) -> bool:
    """Whether position i lies inside a surviving left…right pair of the line."""
    o = line.rfind(left, 0, i)
    return o >= 0 and line.rfind(right, o, i) < 0 and line.find(right, i) >= 0


def _opened(line: str, i: int, left: str, right: str) -> bool:
    """Whether a surviving ``left`` before position i is still open there."""
    o = line.rfind(left, 0, i)
    return o >= 0 and line.rfind(right, o, i) < 0


def _lone_mark(line: str, i: int) -> tuple[str, str] | None:
    """A ``?`` without a partner: the other half of a surviving mark, or a middle dot."""
    marks = "“”《》"
    before = line[i - 1] if i else ""
    after = line[i + 1] if i + 1 < len(line) else ""
    if before == "?" or after == "?":
        return None  # '??': a broken GBK character
    left = next((c for c in reversed(line[:i]) if c in marks), "")
    right = next((c for c in line[i + 1:] if c in marks), "")
    if right in ("”", "》") and left != ("“" if right == "”" else "《"):
        return ("“" if right == "”" else "《"), "opens a surviving mark"
    if left in ("“", "《") and right != ("”" if left == "“" else "》"):
        return ("”" if left == "“" else "》"), "closes a surviving mark"
    if CJK_RE.match(before) and CJK_RE.match(after) and line.count("?") == 1:
        return "·", "lone ? between two words"
    return None


def _lines(text: str):
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


# ----------------------------------------------------------------------------------
# strip_boilerplate: site furniture
# ----------------------------------------------------------------------------------
_INLINE_BOILERPLATE = [
    ("watermark", re.compile(r"\[本文[来來]源[于於][^\[\]\n]{0,80}\]")),
    ("watermark", re.compile(r"[（(\[【]?原[创創][:：]\s*[A-Za-z0-9.\-]+\.(?:cn|com|net|org)[)）\]】]?")),
    ("tag", re.compile(r"\[范文模[版板]\]")),
    ("html", re.compile(r"</?p>|<br\s*/?>|&nbsp;")),
    ("stray", re.compile(f"(?<=[{CJK}])[.'](?=[{CJK}])")),
]
_ENTITY = re.compile(r"&(?:[A-Za-z]{2,8}|#[0-9]{2,6}|#[xX][0-9A-Fa-f]{2,5});")
# matched on a simplified copy of the line (see _t2s_map)
_INTRO_LINE = re.compile(r"^[^\n]*小编[^\n]*(供大家参考|欢迎参考|希望[^\n]*有所启发|仅供参考|欢迎阅读|欢迎借鉴|希望[^\n]*帮助)[^\n]*$")
_INTRO_SENTENCE = re.compile(r"[^。！？!?\n]*小编[^。！？!?\n]*(供大家参考|欢迎参考|希望[^\n。]*有所启发|仅供参考|欢迎阅读|欢迎借鉴|希望[^\n。]*帮助)[^。！？!?\n]*[。！？!?]?")
#: an intro longer than this is not a line of its own but a file that lost its line breaks
_INTRO_MAX_LINE = 300
_TIMESTAMP_LINE = re.compile(r"^\s*(?:(?:发布|更新)?时间[:：]\s*)?\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
_RELATED_HEAD = re.compile(r"^\s*【[^】\n]{1,40}】\s*相关(?:文章|推荐|阅读)\s*$")
_RELATED_ITEM = re.compile(r"^\s*[^\n]{2,60}?(\d{2}-\d{2}|\d{4}-\d{2}-\d{2})\s*$")
_COUNTER_LINE = re.compile(r"^\s*\d{1,4}\s+\d{1,6}\s*$")
_SENT_END = "。!?！？;；"
#: confidence by kind: a site's own pattern (it names the site, its editor, its markup,
#: its related-articles list) no report writes, against a heuristic that report text
#: can match: a bare date line (the report's own date?), two numbers on the last line,
#: the title repeated as a sentence, a . or ' between two characters.  Every removal
#: on the boilerplate benchmark was right (docs/ingest.md), so these rank, not measure
BOILERPLATE_CONFIDENCE = {
    "watermark": 0.99, "tag": 0.99, "html": 0.99, "html entity": 0.99, "related-articles list": 0.99,
    "intro": 0.97, "timestamp": 0.95,
    "stray": 0.9, "page counter": 0.85, "date line": 0.8, "keyword stuffing": 0.8,
}
_CLOCK = re.compile(r"\d:\d{2}|时间")


def strip_boilerplate(text: str, kit: "Toolkit") -> list["Edit"]:
    """Remove site furniture: it is not the report's text, and it is logged, not lost.

    Scraped 范文 pages carry it in both scripts: watermarks (``[本文來源于那一世
    范文網…]``, ``原創:004km.cn``), ``以下是…小编…供大家参考`` intros, the page's
    publication timestamp, a ``【…】相关文章`` list with dates, a trailing page
    counter (``122 18732``), keyword stuffing (the title repeated as a sentence),
    stray ``.``/``'`` between characters, ``</p>`` remnants and ``[范文模版]`` tags.
    Whole lines go with the blank lines around them, leaving the document's own
    paragraph separator.  A site's own pattern is trusted more than a heuristic
    that report text can match (``BOILERPLATE_CONFIDENCE``).
    """
    edits = []
    for kind, rx in _INLINE_BOILERPLATE:
        for m in rx.finditer(text):
            edits.append(_edit(m.start(), m.end(), "", BOILERPLATE_CONFIDENCE[kind], kind))
    if "&" in text:  # other HTML entities of the page's source: the character they stand for
        for m in _ENTITY.finditer(text):
            char = html.unescape(m.group())
            if char == "\ufffd":
                # &#65533; (or &#0;, &#xD800; …, which HTML reads so): a character lost before the
                # page was written; marked here, as fix_mojibake marks U+FFFD (which would
                # come only on the next pass, none after the chain's last)
                mark = kit.config.unrecoverable_mark
                edits.append(_edit(m.start(), m.end(), mark, 0.0,
                                   f"html entity {m.group()}: U+FFFD, a character lost before this step; "
                                   f"unrecoverable, marked {mark}"))
            elif char != m.group() and m.group() != "&nbsp;":
                edits.append(_edit(m.start(), m.end(), char, BOILERPLATE_CONFIDENCE["html entity"],
                                   f"html entity {m.group()}"))
    edits += _keyword_stuffing(text)
    simp = _simplified(text, kit)
    lines = [(s, simp[s:s + len(ln)]) for s, ln in _lines(text)]
    kinds: dict[int, str] = {}
    k = 0
    while k < len(lines):
        line = lines[k][1]
        if _INTRO_LINE.match(line) and len(line) <= _INTRO_MAX_LINE:
            kinds[k] = "intro"
        elif _INTRO_LINE.match(line):
            m = _INTRO_SENTENCE.search(line)  # only the intro sentence of a run-on line
            if m:
                edits.append(_edit(lines[k][0] + m.start(), lines[k][0] + m.end(), "",
                                   BOILERPLATE_CONFIDENCE["intro"], "intro"))
        elif _TIMESTAMP_LINE.match(line) and _near_edge(lines, k):
            # a time of day or a 发布时间 label is the page's; a bare date may be the report's
            kinds[k] = "timestamp" if _CLOCK.search(line) else "date line"
        elif _COUNTER_LINE.match(line) and all(not ln.strip() for _, ln in lines[k + 1:]):
            kinds[k] = "page counter"
        elif _RELATED_HEAD.match(line):
            j = k + 1
            while j < len(lines) and (not lines[j][1].strip() or _RELATED_ITEM.match(lines[j][1])
                                      or _COUNTER_LINE.match(lines[j][1])):
                j += 1
            for i in range(k, j):
                kinds[i] = "related-articles list"
            k = j
            continue
        k += 1
    edits += _drop_lines(text, lines, kinds)
    return _drop_overlaps(edits)


def _near_edge(lines: list, k: int) -> bool:
    """A date line is page furniture only in the page header or footer (first/last 5 lines)."""
    content = [i for i, (_, ln) in enumerate(lines) if ln.strip()]
    return k in content[:5] or k in content[-5:]


def _drop_lines(text: str, lines: list, kinds: dict[int, str]) -> list:
    """Edits removing the marked lines and the blank lines around them."""
    if not kinds:
        return []
    blank = [not ln.strip() for _, ln in lines]
    content = [i for i in range(len(lines)) if not blank[i] and i not in kinds]
    spaced = sum(1 for i in content if i + 1 < len(lines) and blank[i + 1])
    sep = "\n" if content and spaced > len(content) / 2 else ""
    edits = []
    k = 0
    while k < len(lines):
        if k not in kinds:
            k += 1
            continue
        a = k
        while a > 0 and blank[a - 1]:
            a -= 1
        b = k
        while b + 1 < len(lines) and (blank[b + 1] or b + 1 in kinds):
            b += 1
        start = lines[a][0]
        end = lines[b + 1][0] if b + 1 < len(lines) else len(text)
        first, last = a == 0, b + 1 >= len(lines)
        rep = "" if first or last else sep
        group = list(dict.fromkeys(kinds[i] for i in range(a, b + 1) if i in kinds))
        if last and start > 0:
            start -= 1  # the line end before the furniture goes with it…
            rep = "\n"  # …and one comes back
        edits.append(_edit(start, end, rep, min(BOILERPLATE_CONFIDENCE[g] for g in group), "+".join(group)))
        k = b + 1
    return edits


def _keyword_stuffing(text: str) -> list:
    """The title (its first 12 characters) repeated as a sentence of its own."""
    first = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
    title = re.sub(r"^第[一二三四五六七八九十]+篇[:：]", "", first[:20]) or first[:20]
    kw = title[:12]
    if len(kw) < 4:
        return []
    edits = []
    pat = re.compile(f"(?<=[{_SENT_END}])(?:工作[计計][划劃]《{re.escape(kw)}》|{re.escape(kw)})[。.]")
    for m in pat.finditer(text):
        edits.append(_edit(m.start(), m.end(), "", BOILERPLATE_CONFIDENCE["keyword stuffing"], "keyword stuffing"))
    return edits


def _drop_overlaps(edits: list) -> list:
    out, end = [], -1
    for e in sorted(edits, key=lambda e: (e.start, -(e.end - e.start))):
        if e.start >= end or e.start == e.end == end:
            out.append(e)
            end = max(end, e.end)
    return out


# ----------------------------------------------------------------------------------
# join_hard_wraps
# ----------------------------------------------------------------------------------
ITEM_START = re.compile(
    r"^\s*(第[一二三四五六七八九十百零〇\d]+[篇章节節条條部分]|[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十]+[)）]|"
    r"\d{1,3}[、.．](?!\d)|[(（]\d{1,3}[)）]|[①-⑳]|[一二三四五六七八九十]是|[上下]半年|[一二三四五六七八九十]+月份?)"
)
_TERMINAL = set("。！？!?；;：:…”’」』》)）]】")
_OPENERS = {"《": "》", "“": "”", "（": "）", "(": ")", "【": "】", "〈": "〉", "「": "」"}
_FUNCTION_END = set("的和与及或在对把将为被从向以于是等了并而且所其之")
_LINE_START_PUNCT = set("，,、。；;：:！!？?）)》”’」』】")


def join_hard_wraps(text: str, kit: "Toolkit") -> list["Edit"]:
    """Rejoin a sentence or title broken across lines; put back lost item breaks.

    A wrap is a line that stops mid-sentence.  Evidence (any one): the next line
    starts with punctuation; the line leaves a 《 or “ open; it holds a sentence
    end before its last clause (body text, not a heading); a word of jieba's
    dictionary spans the break (``擴|大``, matched in simplified characters); it
    ends in a function word (的, 和, 对 …); the next line is a short tail.  A line
    that starts an item (一、, (一), 1、 …) stays a line, and a heading line (an
    item marker, no sentence end) takes stronger evidence.  The confidence is the
    measured share of right joins for the strongest evidence (``WRAP_RIGHT``), more
    at the document's wrap width, less when the next line starts like an item.

    The reverse damage, ``…總結。2、明確…`` (the break before an item lost), is
    repaired where the numbering makes it clear: the glued marker continues the
    sequence of the item lines around it.  When the number went with the break
    (``…總結。、明確…``) and the neighbours are 1、 and 3、, ``2、`` comes back.
    """
    lines = list(_lines(text))
    edits = []
    tok = kit.get("jieba", _jieba_tokenizer)
    simp = _simplified(text, kit)
    width = _wrap_width(lines)
    mark = kit.config.unrecoverable_mark
    for k in range(len(lines) - 1):
        start, line = lines[k]
        nxt_start, nxt = lines[k + 1]
        a, b = line.rstrip(), nxt.lstrip()
        if not a or not b or a[-1] in _TERMINAL or not (CJK_RE.match(a[-1]) or a[-1] in "，、,"):
            continue
        if ITEM_START.match(nxt) or _lost_number(b, mark) or _TIMESTAMP_LINE.match(nxt) or _RELATED_HEAD.match(nxt):
            continue
        if not (CJK_RE.match(b[0]) or b[0] in "“《0123456789" or b[0] in _LINE_START_PUNCT):
            continue
        b0 = nxt_start + len(nxt) - len(b)
        sb = simp[b0:b0 + len(b)]
        ev = _wrap_evidence(simp[start:start + len(a)], sb, tok, _lost_number(a.lstrip(), mark))
        if ev:
            conf, note = _wrap_confidence(ev, len(a), width, _LISTLIKE.match(sb) is not None)
            nl = start + len(line)
            edits.append(_edit(start + len(a), nl + 1 + (len(nxt) - len(b)), "", conf, note))
    return edits + _item_breaks(text, lines)


#: the share of the joins that were right, by the strongest evidence present: the
#: hardwrap family of ../shared/bench (wraps at random places) on the five repaired
#: samples, seeds 1-5, then the samples wrapped at 30 and 40 characters (docs/ingest.md)
WRAP_RIGHT = {
    "next line starts with punctuation": 0.95,  # the benchmark puts none there; 248/248 at fixed widths
    "line ends in a comma": 0.95,               # none; 158/158
    "mark left open": 0.95,                     # 11/11; 105/105
    "word across the break": 0.95,              # 81/81; 884/884
    "short tail": 0.8,                          # 2/2; 27/27
    "sentence end earlier on the line": 0.8,    # 23/29; 305/305
    "ends in a function word": 0.8,             # 1/1; 71/71
    "a clause before it": 0.65,                 # 8/12; 271/271
}
#: a line that starts like an item without an item marker (其次, 第二，, ●)
_LISTLIKE = re.compile(r"(?:第[一二三四五六七八九十]+[，,、：:]|[一二三四五六七八九十]要|首先|其次|再次|最后|另外|[●■◆★※•▲])")


def _wrap_width(lines: list) -> int | None:
    """The width a document was wrapped at: most lines of 20 characters or more that end
    without a sentence end are that long (within one character); None if they are not."""
    lens = [len(ln.rstrip()) for _, ln in lines
            if len(ln.rstrip()) >= 20 and ln.rstrip()[-1] not in _TERMINAL]
    if len(lens) < 3:
        return None
    width = max(set(lens), key=lambda n: (sum(abs(m - n) <= 1 for m in lens), n))
    near = sum(abs(m - width) <= 1 for m in lens)
    return width if near >= 3 and near >= 0.5 * len(lens) else None


def _wrap_confidence(ev: list[str], length: int, width: int | None, listlike: bool) -> tuple[float, str]:
    """The confidence of a join: the strongest evidence's share of right joins; a line at
    the document's wrap width halves the doubt, a next line that starts like an item
    doubles it."""
    conf = max(WRAP_RIGHT[e] for e in ev)
    note = "hard wrap: " + ", ".join(ev)
    if width is not None and abs(length - width) <= 1:
        conf = 1 - (1 - conf) / 2
        note += f"; the line is as long as the document's wrapped lines ({width})"
    if listlike:
        conf = 1 - 2 * (1 - conf)
        note += "; the next line starts like an item"
    return round(conf, 3), note


def _lost_number(line: str, mark: str) -> bool:
    """``line`` (stripped on the left) opens with a marker whose number ingestion could
    not recover (``□、``, ``(□)``, ``□是`` with ``mark``), as segmentation reads it."""
    from .markers import LOST, LOST_STYLES, parse_marker

    if mark not in line[:4]:
        return False
    m = parse_marker(line.replace(mark, LOST) if mark != LOST else line)
    return m is not None and m.style in LOST_STYLES


def _wrap_evidence(a: str, b: str, tok, lost_number: bool = False) -> list[str]:
    """The evidence that the break between lines ``a`` and ``b`` is a hard wrap; empty
    if it is not one.  Any one item is enough, except that a heading (an item marker,
    ``lost_number`` one too, no sentence end) is not joined for ending in a function
    word or holding a clause."""
    heading = (bool(ITEM_START.match(a)) or lost_number
               or bool(re.match(r"^第[一二三四五六七八九十\d]+篇", a)))
    label = bool(re.search(r"[:：]", a))  # 主題詞: …, 抄送: … lines end without punctuation
    found = (
        ("next line starts with punctuation", b[0] in _LINE_START_PUNCT),
        ("line ends in a comma", a[-1] in "，、,"),
        ("mark left open", any(a.count(o) > a.count(c) and c in b for o, c in _OPENERS.items())),
        ("word across the break", _spans_word(a, b, tok)),
        ("short tail", len(b) <= 4 and not re.search(r"[，,、；;：:]", b)),
        ("sentence end earlier on the line", bool(re.search(r"[。！？；;]", a))),
        ("ends in a function word", a[-1] in _FUNCTION_END and not heading),
        ("a clause before it", bool(re.search(r"[，,、]", a)) and not label and not heading),
    )
    return [name for name, present in found if present]


# item markers glued after a sentence end: '…總結。2、明確…', '…工作。 (三)加強…'
_MARKER_ALT = r"(\d{1,2}[、.．](?!\d)|[一二三四五六七八九十]{1,3}、|[(（](?:\d{1,2}|[一二三四五六七八九十]{1,3})[)）])"
# after a sentence end (space optional), or after a heading's last character and a space; the
# character before is matched, not looked behind at (a third faster; no marker ends in one of them)
_GLUED_ITEM = re.compile(f"(?:[。；;！!？?：:]( ?)|[{CJK}]( )){_MARKER_ALT}")
_LOST_NUMBER = re.compile(r"(?<=[。；;！!？?])、")
_MARKER = re.compile(r"^\s*(?:(\d{1,2})([、.．])(?!\d)|([一二三四五六七八九十]{1,3})(、)|([(（])(\d{1,2}|[一二三四五六七八九十]{1,3})([)）]))")


_CN_DIGITS = {c: i + 1 for i, c in enumerate("一二三四五六七八九")}


def _cn_number(s: str) -> int | None:
    """一 … 九十九 as an int (the numerals of item markers)."""
    digits = _CN_DIGITS
    if s.isdigit():
        return int(s)
    if s == "十":
        return 10
    if "十" in s:
        tens, _, ones = s.partition("十")
        t = digits.get(tens, 1 if tens == "" else None)
        o = digits.get(ones, 0 if ones == "" else None)
        return None if t is None or o is None else 10 * t + o
    return digits.get(s) if len(s) == 1 else None


def _cn_numeral(n: int) -> str:
    d = "一二三四五六七八九"
    if n < 10:
        return d[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else d[tens - 1]) + "十" + (d[ones - 1] if ones else "")


def _marker_style(m: re.Match) -> tuple[tuple[str, str, str], int] | None:
    """((open, numeral kind, close), value) of a marker match."""
    if m.group(1):
        return ("", "digit", m.group(2)), int(m.group(1))
    if m.group(3):
        v = _cn_number(m.group(3))
        return (("", "cn", "、"), v) if v else None
    kind = "digit" if m.group(6).isdigit() else "cn"
    v = _cn_number(m.group(6))
    return ((m.group(5), kind, m.group(7)), v) if v else None


def _render(style: tuple[str, str, str], v: int) -> str:
    return style[0] + (str(v) if style[1] == "digit" else _cn_numeral(v)) + style[2]


def _item_breaks(text: str, lines: list) -> list:
    """Put back line breaks lost before numbered items, where the numbering proves it."""
    seq: list[tuple[int, tuple, int, str]] = []  # (position, style, value, origin)
    for start, line in lines:
        m = _MARKER.match(line)
        st = _marker_style(m) if m else None
        if st:
            seq.append((start, st[0], st[1], "line"))
    glued = []
    for m in _GLUED_ITEM.finditer(text):
        mm = _MARKER.match(m.group(3))
        st = _marker_style(mm) if mm else None
        if st:
            sp = 1 if m.group(1) is not None else 2
            glued.append((m.start(3), st[0], st[1], "glued", m.start(sp), m.end(sp)))
            seq.append((m.start(3), st[0], st[1], "glued"))
    seq.sort(key=lambda x: x[0])
    edits = []
    if glued:
        by_style: dict[tuple, list] = {}  # the markers of each style, in text order
        where: dict[tuple, int] = {}      # (style, position) -> its index there (the first)
        for x in seq:
            same = by_style.setdefault(x[1], [])
            where.setdefault((x[1], x[0]), len(same))
            same.append(x)
        for pos, style, v, _, s0, s1 in glued:
            same, i = by_style[style], where[(style, pos)]
            prev_ok = i > 0 and same[i - 1][2] == v - 1
            next_ok = i + 1 < len(same) and same[i + 1][2] == v + 1
            # right in 14 of 14 and 19 of 19 (the hardwrap benchmark, seeds 1-5)
            if prev_ok and next_ok:
                edits.append(_edit(s0, s1, "\n", 0.95, "lost item break: the numbering goes on before and after"))
            elif prev_ok or next_ok:
                which = "before" if prev_ok else "after"
                edits.append(_edit(s0, s1, "\n", 0.9, f"lost item break: the numbering goes on {which} only"))
    positions = [x[0] for x in seq]
    for m in _LOST_NUMBER.finditer(text):
        before = seq[:bisect.bisect_left(positions, m.start())]
        after = seq[bisect.bisect_right(positions, m.start()):]
        if not before or not after:
            continue
        p, q = before[-1], next((x for x in after if x[1] == before[-1][1]), None)
        if q is not None and q[2] == p[2] + 2 and not any(x[1] == p[1] for x in after if x[0] < q[0]):
            edits.append(_edit(m.start(), m.end(), "\n" + _render(p[1], p[2] + 1), 0.7,
                               "lost item break and number"))
    return edits


def _spans_word(a: str, b: str, tok) -> bool:
    """Whether jieba's segmentation of the text around the break puts a word across it."""
    left, right = a[-4:], b[:4]
    if not (CJK_RE.match(left[-1]) and CJK_RE.match(right[0])):
        return False
    pos = 0
    for w in tok.lcut(left + right, HMM=False):
        pos += len(w)
        if pos == len(left):
            return False
        if pos > len(left):
            return len(w) >= 2
    return False


def _jieba_tokenizer():
    """A jieba tokenizer with its shipped dictionary (built once per Toolkit, no download); it only cuts."""
    return new_jieba_tokenizer(private=False)


_BASE_DICT: list = []
_BASE_LOCK = threading.Lock()


def new_jieba_tokenizer(private: bool = True):
    """A fresh ``jieba.Tokenizer`` with the shipped dictionary, initialized, never jieba's global one.

    ``initialize()`` reads jieba's dictionary cache (0.4 s) every time; a worker
    needed it twice and the statistics a third time.  The dictionary (word →
    frequency, and the total) is read once per process.  A ``private`` tokenizer
    gets its own copy, so adding words to it (``add_word``) changes no other; one
    that only cuts (``private=False``) shares the process's (the dictionary takes
    79 MB of RSS, a private copy another 14 MB: the words themselves are shared).
    """
    import logging

    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    with _BASE_LOCK:
        if not _BASE_DICT:
            base = jieba.Tokenizer()
            base.initialize()
            _BASE_DICT.append((base.FREQ, base.total))
        freq, total = _BASE_DICT[0]
    tok = jieba.Tokenizer()
    tok.FREQ, tok.total, tok.initialized = (dict(freq) if private else freq), total, True
    return tok


# ----------------------------------------------------------------------------------
# widen_cjk_punctuation: the fullwidth policy
# ----------------------------------------------------------------------------------
_WIDE = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
_NARROW_AFTER_CJK = re.compile(f"(?<=[{CJK}”’》）」』)])([,;:!?])(?![0-9A-Za-z/])")
_PAREN = re.compile(f"\\(([^()\\n]*[{CJK}][^()\\n]*)\\)")


def widen_cjk_punctuation(text: str, kit: "Toolkit") -> list["Edit"]:
    """ASCII , ; : ! ? after a Chinese character become ， ； ： ！ ？ ; (…) around Chinese become （…）.

    The policy: Chinese text uses fullwidth punctuation.  The sample pages had it
    folded to ASCII; ASCII inside Latin text, numbers (1,000; 10:30), URLs and the
    ``(1)`` / ``(一)`` item markers is left alone.
    """
    edits = []
    closing = set()
    for m in _PAREN.finditer(text):
        inner = m.group(1)
        if re.fullmatch(r"[一二三四五六七八九十\d]+", inner):
            continue
        edits.append(_edit(m.start(), m.start() + 1, "（", 1.0, "fullwidth policy"))
        edits.append(_edit(m.end() - 1, m.end(), "）", 1.0, "fullwidth policy"))
        closing.add(m.end() - 1)
    for m in _NARROW_AFTER_CJK.finditer(text):
        if text[m.start() - 1] == ")" and m.start() - 1 not in closing:
            continue
        edits.append(_edit(m.start(), m.end(), _WIDE[m.group(1)], 1.0, "fullwidth policy"))
    return edits


# ----------------------------------------------------------------------------------
# tidy_whitespace
# ----------------------------------------------------------------------------------
_TRAILING = re.compile(r"[ \t\u3000]+$", re.M)
_BLANKS = re.compile(r"\n{3,}")


def tidy_whitespace(text: str, kit: "Toolkit") -> list["Edit"]:
    """Trailing spaces, runs of blank lines, blank lines at the start and end."""
    edits = [_edit(m.start(), m.end(), "", 1.0, "trailing space") for m in _TRAILING.finditer(text)]
    body_end = len(text.rstrip("\n")) + 1  # the run of line ends at the very end is handled below
    edits += [_edit(m.start(), m.end(), "\n\n", 1.0, "blank lines") for m in _BLANKS.finditer(text, 0, body_end)]
    lead = len(text) - len(text.lstrip("\n"))
    if lead and lead < len(text):
        edits.append(_edit(0, lead, "", 1.0, "leading blank lines"))
    trail = len(text) - len(text.rstrip("\n"))
    if trail > 1:
        edits.append(_edit(len(text) - trail + 1, len(text), "", 1.0, "trailing blank lines"))
    return _drop_overlaps(edits)
