"""List markers at the start of a line (``一、``, ``(1)``, ``①`` …): their style and number.

Marker styles: ``一、`` (cn), ``(一)`` (paren_cn), ``1、``/``1.``/``1．``/``⒈`` (ar — the
separators are one style because reports mix them within one list), ``(1)``/``⑴``
(paren_ar), ``1)`` (ar_paren), ``一）`` (cn_paren), ``①`` (circled), ``Ⅱ、`` (roman),
``A.``/``a)`` (latin_upper/lower), ``第一条/章/节`` (chapter_*), ``第一，`` (ordinal),
``一是`` (shi), ``其一，`` (qi), ``五月份`` (month), ``上半年``/``上学期`` (period).
A run of numbers at a line start (``1、2月份…``, ``一、二季度…``) is not a marker; a count word
after the next number (``三、四个坚持``, ``二、三项重点工作``) is a heading's own words.
A number lost in repair (``□、``, ``(□)``, ``□是``) gives a marker of style ``?sep``,
``?paren`` or ``?shi``; the outline gives it the number of the gap it fills.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "一二三四五六七八九十"
_NUM_CN = f"[{_CN}]{{1,3}}"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
#: one-character forms of (1) and 1. (U+2474…, U+2488…), as word processors print them
_PAREN_CHARS = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
_STOP_CHARS = "⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛"


def cn_to_int(s: str) -> int:
    """Chinese numerals up to 999 (``十二`` → 12, ``二十`` → 20); Arabic digits pass through."""
    if s.isdigit():
        return int(s)
    if s in ("正", "元"):
        return 1
    total, cur = 0, 0
    for ch in s:
        if ch == "百":
            total += (cur or 1) * 100
            cur = 0
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        else:
            cur = CN_DIGITS.get(ch, 0)
    return total + cur


@dataclass(frozen=True)
class Marker:
    """A list marker at the start of a line: its style, number and printed form."""

    style: str
    number: int
    printed: str
    #: characters from the marker's start to the item text (marker + spaces)
    length: int
    #: month/period headings: the marker is a word of the heading, kept in the text
    in_text: bool = False


_MARKER_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chapter", re.compile(r"第([一二三四五六七八九十百零〇\d]{1,4})([章节条部分])(?:[：:、.．]|\s)*")),
    ("paren_cn", re.compile(rf"[（(]\s*({_NUM_CN})\s*[)）][、.．，,]?\s*")),
    ("paren_ar", re.compile(r"[（(]\s*(\d{1,2})\s*[)）][、.．，,]?\s*")),
    ("shi", re.compile(rf"({_NUM_CN})是(?:[，,：:、]\s*|(?=[\u4e00-\u9fff“《]))")),
    ("qi", re.compile(rf"其({_NUM_CN})\s*[，,、：:]\s*")),
    ("cn", re.compile(rf"({_NUM_CN})\s*(?:、+|[.．，,](?!\d))\s*")),
    ("ar", re.compile(r"(\d{1,2})\s*(?:、+|[.．，,](?!\d))\s*")),
    ("ar_paren", re.compile(r"(\d{1,2})\s*[)）]\s*")),
    ("circled", re.compile(rf"([{_CIRCLED}])\s*")),
    ("paren_ar_char", re.compile(rf"([{_PAREN_CHARS}])[、.．，,]?\s*")),
    ("ar_char", re.compile(rf"([{_STOP_CHARS}])\s*")),
    ("ordinal", re.compile(rf"第({_NUM_CN})\s*[，,、：:]\s*")),
    ("cn_paren", re.compile(rf"({_NUM_CN})\s*[)）]\s*")),
    ("roman", re.compile(r"([ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ])\s*[、.．]?\s*")),
    ("latin", re.compile(r"([A-Za-z])\s*(?:[、．)）]|\.(?![A-Za-z0-9]))\s*(?=[\u4e00-\u9fff“《（(])")),
    # the number lost in repair (``LOST`` marks a character ingestion could not recover): ``□、`` ``(□)`` ``□是``
    ("?paren", re.compile(r"[（(]\s*□\s*[)）][、.．，,]?\s*(?=[\u4e00-\u9fff“《])")),
    ("?shi", re.compile(r"□是[，,：:、]?\s*(?=[\u4e00-\u9fff“《])")),
    ("?sep", re.compile(r"□\s*(?:、+|[.．](?!\d))\s*(?=[\u4e00-\u9fff“《])")),
)
#: ingestion's default ``config.unrecoverable_mark``; ``segment`` reads another mark as this one
LOST = "□"
#: the styles a marker with a lost number can have, by the form around it
LOST_STYLES = {"?paren": ("paren_cn", "paren_ar"), "?shi": ("shi",), "?sep": ("cn", "ar")}
_ROMAN = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ"
_MONTH_RE = re.compile(r"(正|元|十[一二]?|[一二三四五六七八九]|1[0-2]|[1-9])月(份)?(?:\s*[：:]\s*|\s+|$)")
_PERIOD_RE = re.compile(r"(上半年|下半年|全年|年初|年中|年底|年末|上学期|下学期|寒假|暑假|"
                        r"第[一二三四1-4]季度|[一二三四1-4]季度)(?:\s*[：:]\s*|\s*$)")


#: a number then what a run of numbers counts (months, quarters, prizes, grades, batches …); not a
#: count word (项 条 个 名 次 类): ``三、四个坚持`` is section 3's heading, "the four insistences"
_RANGE_NEXT = re.compile(r"(\d{1,2}|[一二三四五六七八九十]{1,3})(?:、|月|季度|日|号|等|级|年级|届|期|批)")


def _starts_range(rest: str, number: int) -> bool:
    """``1、2月份…``, ``一、二季度…``, ``一、二等奖``: the "marker" is the first of a run of numbers."""
    m = _RANGE_NEXT.match(rest)
    return bool(m) and cn_to_int(m.group(1)) == number + 1


def parse_marker(line: str) -> Optional[Marker]:
    """The list marker that opens ``line`` (already stripped on the left), or None."""
    if not line:
        return None
    for style, rx in _MARKER_RES:
        m = rx.match(line)
        if not m:
            continue
        if style == "chapter":
            return Marker(f"chapter_{m.group(2)}", cn_to_int(m.group(1)), m.group(0).strip(), m.end())
        if style == "circled":
            return Marker(style, _CIRCLED.index(m.group(1)) + 1, m.group(1), m.end())
        if style in ("paren_ar_char", "ar_char"):
            chars = _PAREN_CHARS if style == "paren_ar_char" else _STOP_CHARS
            return Marker(style[:-5], chars.index(m.group(1)) + 1, m.group(1), m.end())
        if style in ("cn", "ar", "ordinal") and "、" in m.group(0) and _starts_range(line[m.end():], cn_to_int(m.group(1))):
            return None
        if style == "roman":
            return Marker(style, _ROMAN.index(m.group(1)) + 1, m.group(0).strip(), m.end())
        if style.startswith("?"):
            return Marker(style, 0, m.group(0).strip(), m.end())
        if style == "latin":
            c = m.group(1)
            return Marker("latin_upper" if c.isupper() else "latin_lower", ord(c.lower()) - 96, m.group(0).strip(),
                          m.end())
        return Marker(style, cn_to_int(m.group(1)), m.group(0).strip(), m.end())
    m = _MONTH_RE.match(line)
    # ``4月 开展植树活动`` is an entry of a list of dates; ``四月：``, ``四月份 …`` head a month
    if m and (m.group(2) or (len(line) <= 12 and (m.end() == len(line) or re.search("[：:]", m.group(0))))):
        return Marker("month", cn_to_int(m.group(1)), m.group(0).strip(), 0, in_text=True)
    m = _PERIOD_RE.match(line)
    if m and len(line) <= 14:
        return Marker("period", 0, m.group(1), 0, in_text=True)
    return None
