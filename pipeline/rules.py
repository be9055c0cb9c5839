"""Text repair rules for scraped Chinese reports.

Each rule is ``rule(text, kit) -> list[Edit]``: it proposes replacements on the
text it is given and never touches anything else.  The applier in
``pipeline.ingest`` records each applied edit as a ``Repair``.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .ingest import Edit, Toolkit

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RE = re.compile(f"[{CJK}]")


def _edit(*args):
    from .ingest import Edit

    return Edit(*args)


# ----------------------------------------------------------------------------------
# fix_mojibake: ftfy, configured for Chinese
# ----------------------------------------------------------------------------------
# Characters that only appear when UTF-8 was decoded as Latin-1/cp1252 (ftfy's
# territory).  Lines without them are skipped: ftfy is the slowest step otherwise.
_FTFY_SUSPECT = re.compile(r"[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2026\u2030\u2039\u203a\u20ac\u2122\ufffd]|&[a-z]+;|\x1b")


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
    """Generic mojibake (UTF-8 read as Latin-1/cp1252, C1 controls, escapes) via ftfy."""
    import ftfy

    edits = []
    pos = 0
    for line in text.split("\n"):
        if _FTFY_SUSPECT.search(line):
            fixed, expl = ftfy.fix_and_explain(line, config=_ftfy_config())
            if fixed != line:
                a, b, rep = _trim(line, fixed)
                steps = ",".join(step for step, _ in (expl or []))
                edits.append(_edit(pos + a, pos + b, rep, 0.9, f"ftfy: {steps}"))
        pos += len(line) + 1
    return edits


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
    for m in _PINYIN_RE.finditer(text):
        ch, py = m.group(1), m.group(2)
        if py in readings(ch) or unicodedata.normalize("NFC", py) in readings(ch):
            edits.append(_edit(m.start(2) - 1, m.end(), "", 1.0, f"reading of {ch}"))
    return edits


# ----------------------------------------------------------------------------------
# restore_punctuation_marks: “ ” 《 》 · that became ?
# ----------------------------------------------------------------------------------
_TITLE_END = re.compile(r"(法|条例|條例|章程|意见|意見|通知|办法|辦法|规定|規定|决定|決定|纲要|綱要|报告|報告|计划|計劃|"
                        r"标准|標準|指南|制度|规划|規劃|方案|细则|細則|守则|守則|规范|規範|规程|規程|条款|條款|公约|公約|"
                        r"讲话|講話|报|報|杂志|雜誌|指引|准则|準則|手册|手冊|实施纲要|书|書|法典|宪法|憲法)$")
_TITLE_BEFORE = re.compile(r"(学习|學習|贯彻|貫徹|按照|根据|根據|依据|依據|执行|執行|落实|落實|制定|修订|修訂|印发|印發|"
                           r"转发|轉發|关于|關於|依照|遵守|参照|參照|实施|實施|颁布|頒佈|出台|通过|通過)$")
_QUESTION_END = re.compile(r"(吗|嗎|呢|么|麼|什么|什麼|怎么|怎麼|如何|为何|為何|何在|几|幾|多少|哪|谁|誰|否|没有|沒有|是不是)$")
_NO_PAIR_INSIDE = re.compile(r"[。！!；;？\n]")


def restore_punctuation_marks(text: str, kit: "Toolkit") -> list["Edit"]:
    """Turn pairs of ``?`` that enclose a short phrase back into “” or 《》.

    Evidence: the pages lost every mark of one class to ``?`` (a charset without
    them), so lost marks come in pairs around a short phrase with no sentence end
    inside, while a real question mark ends a sentence, usually after a question
    word.  《》 is chosen when the phrase names a document (ends in 法, 条例, 意见 …)
    or follows 学习/贯彻/按照 …; otherwise “”.
    """
    edits = []
    for line_start, line in _lines(text):
        qs = [i for i, c in enumerate(line) if c == "?"]
        if not qs:
            continue
        i = 0
        while i < len(qs) - 1:
            a, b = qs[i], qs[i + 1]
            inner = line[a + 1:b]
            if 0 < len(inner) <= 40 and not _NO_PAIR_INSIDE.search(inner) and CJK_RE.search(inner) \
                    and not _QUESTION_END.search(line[:a]) or (len(inner) > 0 and _looks_quoted(line, a, b)):
                title = bool(_TITLE_END.search(inner)) or bool(_TITLE_BEFORE.search(line[max(0, a - 4):a]))
                left, right = ("《", "》") if title else ("“", "”")
                note = "document title" if title else "paired ? around a phrase"
                edits.append(_edit(line_start + a, line_start + a + 1, left, 0.85, note))
                edits.append(_edit(line_start + b, line_start + b + 1, right, 0.85, note))
                i += 2
            else:
                i += 1
    return edits


def _looks_quoted(line: str, a: int, b: int) -> bool:
    inner = line[a + 1:b]
    return 0 < len(inner) <= 40 and not _NO_PAIR_INSIDE.search(inner) and bool(CJK_RE.search(inner)) \
        and b + 1 < len(line) and line[b + 1] in "、,，和与與及等的"


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
_INTRO_LINE = re.compile(r"^[^\n]*小[编編][^\n]*(供大家参考|供大家參考|欢迎参考|歡迎參考|希望[^\n]*有所[启啟]发|仅供参考|僅供參考|欢迎阅读|歡迎閱讀)[^\n]*$")
_TIMESTAMP_LINE = re.compile(r"^\s*(?:[发發]布[时時][间間][:：]\s*)?\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
_RELATED_HEAD = re.compile(r"^\s*【[^】\n]{1,40}】\s*相[关關]文章\s*$")
_RELATED_ITEM = re.compile(r"^\s*[^\n]{2,60}?(\d{2}-\d{2}|\d{4}-\d{2}-\d{2})\s*$")
_COUNTER_LINE = re.compile(r"^\s*\d{1,4}\s+\d{1,6}\s*$")


def strip_boilerplate(text: str, kit: "Toolkit") -> list["Edit"]:
    """Remove watermarks, 小编 intros, timestamps, related-article lists, page counters."""
    edits = []
    for kind, rx in _INLINE_BOILERPLATE:
        for m in rx.finditer(text):
            edits.append(_edit(m.start(), m.end(), "", 0.95, kind))
    lines = list(_lines(text))
    k = 0
    while k < len(lines):
        start, line = lines[k]
        kind = None
        if _INTRO_LINE.match(line):
            kind = "intro"
        elif _TIMESTAMP_LINE.match(line):
            kind = "timestamp"
        elif _COUNTER_LINE.match(line) and all(not ln.strip() for _, ln in lines[k + 1:]):
            kind = "page counter"
        if kind:
            edits.append(_edit(start, min(len(text), start + len(line) + 1), "", 0.95, kind))
            k += 1
            continue
        if _RELATED_HEAD.match(line):
            j = k + 1
            while j < len(lines) and (not lines[j][1].strip() or _RELATED_ITEM.match(lines[j][1])):
                j += 1
            end = lines[j][0] if j < len(lines) else len(text)
            # take the blank lines before the list too
            s = start
            while s > 0 and text[s - 1] == "\n" and s - 2 >= 0 and text[s - 2] == "\n":
                s -= 1
            edits.append(_edit(s, end, "", 0.95, "related-articles list"))
            k = j
            continue
        k += 1
    return _drop_overlaps(edits)


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


def join_hard_wraps(text: str, kit: "Toolkit") -> list["Edit"]:
    """Rejoin a sentence or title broken across lines; item lines stay lines.

    Evidence for a wrap (any one): the line break splits a word that jieba's
    dictionary knows (擴|大); the first line is long and has no sentence end;
    the second line is a short tail (≤ 4 characters) with no punctuation.
    """
    lines = list(_lines(text))
    edits = []
    words = kit.get("jieba_words", _jieba_words)
    for k in range(len(lines) - 1):
        start, line = lines[k]
        _, nxt = lines[k + 1]
        a, b = line.rstrip(), nxt.lstrip()
        if not a or not b or a[-1] in _TERMINAL or not CJK_RE.match(a[-1]):
            continue
        if ITEM_START.match(nxt) or _TIMESTAMP_LINE.match(nxt) or _RELATED_HEAD.match(nxt):
            continue
        if not (CJK_RE.match(b[0]) or b[0] in "“《0123456789,，、。；;"):
            continue
        spans_word = any(a[-i:] + b[:j] in words for i in (1, 2) for j in (1, 2) if len(a) >= i and len(b) >= j)
        long_line = len(a) >= 30 and not re.search(r"[。！？!?；;]", a[-1])
        short_tail = len(b) <= 4 and not re.search(r"[，,。、；;：:]", b)
        if b[0] in ",，、。；;" or spans_word and (len(a) >= 16 or short_tail) or long_line or short_tail:
            nl = start + len(line)
            edits.append(_edit(start + len(a), nl + 1 + (len(nxt) - len(b)), "", 0.8, "hard wrap"))
    return edits


def _jieba_words() -> frozenset[str]:
    """Two- to four-character words of jieba's shipped dictionary (no download)."""
    import os

    import jieba

    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    out = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            w = line.split(" ", 1)[0]
            if 2 <= len(w) <= 4:
                out.add(w)
    return frozenset(out)


# ----------------------------------------------------------------------------------
# widen_cjk_punctuation: the fullwidth policy
# ----------------------------------------------------------------------------------
_WIDE = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
_NARROW_AFTER_CJK = re.compile(f"(?<=[{CJK}”’》）」』])([,;:!?])(?![0-9A-Za-z/])")
_PAREN = re.compile(f"\\(([^()\\n]*[{CJK}][^()\\n]*)\\)")


def widen_cjk_punctuation(text: str, kit: "Toolkit") -> list["Edit"]:
    """ASCII , ; : ! ? after a Chinese character become ， ； ： ！ ？ ; (…) around Chinese become （…）.

    The policy: Chinese text uses fullwidth punctuation.  The sample pages had it
    folded to ASCII; ASCII inside Latin text, numbers (1,000; 10:30), URLs and the
    ``(1)`` / ``(一)`` item markers is left alone.
    """
    edits = [_edit(m.start(), m.end(), _WIDE[m.group(1)], 1.0, "fullwidth policy")
             for m in _NARROW_AFTER_CJK.finditer(text)]
    for m in _PAREN.finditer(text):
        inner = m.group(1)
        if re.fullmatch(r"[一二三四五六七八九十\d]+", inner):
            continue
        edits.append(_edit(m.start(), m.start() + 1, "（", 1.0, "fullwidth policy"))
        edits.append(_edit(m.end() - 1, m.end(), "）", 1.0, "fullwidth policy"))
    return edits


# ----------------------------------------------------------------------------------
# tidy_whitespace
# ----------------------------------------------------------------------------------
_TRAILING = re.compile(r"[ \t\u3000]+$", re.M)
_BLANKS = re.compile(r"\n{3,}")


def tidy_whitespace(text: str, kit: "Toolkit") -> list["Edit"]:
    """Trailing spaces, runs of blank lines, blank lines at the start and end."""
    edits = [_edit(m.start(), m.end(), "", 1.0, "trailing space") for m in _TRAILING.finditer(text)]
    edits += [_edit(m.start(), m.end(), "\n\n", 1.0, "blank lines") for m in _BLANKS.finditer(text)]
    lead = len(text) - len(text.lstrip("\n"))
    if lead and lead < len(text):
        edits.append(_edit(0, lead, "", 1.0, "leading blank lines"))
    trail = len(text) - len(text.rstrip("\n"))
    if trail > 1:
        edits.append(_edit(len(text) - trail + 1, len(text), "", 1.0, "trailing blank lines"))
    return _drop_overlaps(edits)
