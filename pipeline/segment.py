"""Segmentation: a repaired document → articles (篇) → a tree of items.

The stage is a plain function, ``segment(doc) -> SegmentedDocument``; it reads
``doc.text`` in simplified script (``simplified_text``: the cues below are
simplified words, whatever script the run writes) and never touches the disk.
Articles and items are spans of ``doc.text``; ``text_original`` is the same span
of ``doc.text_original`` (the texts have equal length by construction).

How the outline is found, in the order the code runs:

1. **Articles.** A line ``第一篇：…``, ``…工作计划篇1``, ``…计划 篇一`` or
   ``【篇一】…`` opens an article; text before the first such line is the site's
   page title, not an article.  A file without markers is one article.
2. **Title apparatus.** The short lines after the article line that repeat the
   title, or carry a document number (``林工发[2012]4号``), an issuing body, a
   date, a notice title (``关于…的通知``) or a salutation (``各乡镇…：``), are
   part of the title, not items; so are signatures, dates, ``主题词``/``抄送``
   lines and a repeated title anywhere in the article.
3. **Lines → chunks.** A line that was cut mid-sentence by the scraper
   (``…示范点。计划确`` + ``定适合…``) is joined to the next one.
4. **Chunks → segments.** A chunk is cut where a marker was lost in a merge
   (``…认真进行总结。、明确…``), where a numbered list starts after a colon and a
   space (``…开展以下工作： 1.宣…``), where the next number of the chunk's own
   list follows a full stop (``1、…。2、…``), and between a heading and the
   paragraph glued after it with a space (``七、履行职能… 各基层工会要…``).
5. **Segments → tree.** Like an outline editor: the first marker style seen in
   an article is level 1, a new style opens a level below the current item, a
   style already open closes the levels below it.  Numbering may continue across
   sections, skip numbers or restart.  A short unnumbered line followed by a
   list starting at 1 is a heading over that list; an unnumbered paragraph goes
   under the nearest open heading.

Marker styles: ``一、`` (cn), ``(一)`` (paren_cn), ``1、``/``1.``/``1．``/``⒈`` (ar — the
separators are one style because reports mix them within one list), ``(1)``/``⑴``
(paren_ar), ``1)`` (ar_paren), ``一）`` (cn_paren), ``①`` (circled), ``Ⅱ、`` (roman),
``A.``/``a)`` (latin_upper/lower), ``第一条/章/节`` (chapter_*), ``第一，`` (ordinal),
``一是`` (shi), ``其一，`` (qi), ``五月份`` (month), ``上半年``/``上学期`` (period).
A run of numbers at a line start (``1、2月份…``, ``一、二季度…``) is not a marker.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Iterable, Optional, Sequence

from . import _callable_stage
from .config import Config
from .model import Article, Document, FileError, Item, SegmentedDocument
from .script import ScriptConverter

CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "一二三四五六七八九十"
_NUM_CN = f"[{_CN}]{{1,3}}"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
#: one-character forms of (1) and 1. (U+2474…, U+2488…), as word processors print them
_PAREN_CHARS = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
_STOP_CHARS = "⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛"
_SENT_END = "。！？；!?;"
_OPEN = "“《（(‘「【〔["
_CLOSE = "”》）)’」】〕]"

# --------------------------------------------------------------------------------------------------
# numbers and markers
# --------------------------------------------------------------------------------------------------


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
_LOST_STYLES = {"?paren": ("paren_cn", "paren_ar"), "?shi": ("shi",), "?sep": ("cn", "ar")}
_ROMAN = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ"
_MONTH_RE = re.compile(r"(正|元|十[一二]?|[一二三四五六七八九]|1[0-2]|[1-9])月(份)?(?:\s*[：:]\s*|\s+|$)")
_PERIOD_RE = re.compile(r"(上半年|下半年|全年|年初|年中|年底|年末|上学期|下学期|寒假|暑假|"
                        r"第[一二三四1-4]季度|[一二三四1-4]季度)(?:\s*[：:]\s*|\s*$)")


_RANGE_NEXT = re.compile(r"(\d{1,2}|[一二三四五六七八九十]{1,3})(?:、|月|季度|日|号|项|条|次|名|个|等|级|年级|届|期|批|类)")


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


# --------------------------------------------------------------------------------------------------
# lines and line kinds
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One non-empty line of ``doc.text``: offsets of its content without surrounding spaces."""

    start: int
    end: int
    text: str


def split_lines(text: str, start: int = 0, end: int | None = None) -> list[Line]:
    end = len(text) if end is None else end
    out = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        raw = text[pos:stop]
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            s = pos + lead
            out.append(Line(s, s + len(stripped), stripped))
        pos = stop + 1
    return out


_ARTICLE_RES = (
    re.compile(r"第([一二三四五六七八九十百\d]{1,4})篇\s*[：:、.．]?\s*(.*)"),
    re.compile(r"[【\[（(]?\s*篇\s*([一二三四五六七八九十\d]{1,3})\s*[】\]）)]?\s*[：:、]?\s*(.*)"),
    re.compile(r"(.{2,60}?)\s*[【\[（(]?\s*篇\s*([一二三四五六七八九十\d]{1,3})\s*[】\]）)]?"),
)


def parse_article_line(line: str) -> Optional[tuple[int, str]]:
    """``(number, title)`` when ``line`` opens an article (``第一篇：…``, ``…篇1``, ``【篇一】…``)."""
    if len(line) > 80:
        return None
    for i, rx in enumerate(_ARTICLE_RES):
        m = rx.fullmatch(line)
        if not m:
            continue
        if i < 2:
            return cn_to_int(m.group(1)), m.group(2).strip()
        return cn_to_int(m.group(2)), m.group(1).strip()
    return None


_DATE = r"[\d〇○零O０-９一二三四五六七八九十]{2,4}\s*年\s*[\d一二三四五六七八九十０-９]{1,2}\s*月(?:\s*[\d一二三四五六七八九十０-９]{1,3}\s*日)?"
_DATE_LINE = re.compile(rf"(?:.{{0,30}}?\s*)?{_DATE}\s*(?:印发|发布|制定|修订)?")
_DOC_NO = re.compile(r".{1,10}?[\[〔【（(?？]\s*\d{4}\s*[\]〕】）)?？]\s*第?\s*\d{1,4}\s*号")
_APPARATUS = re.compile(r"(?:主题词|抄送|抄报|签发|印发|附件|附)\s*[：:]")
_ORG_SUFFIX = re.compile(r"(?:工会|委员会|办公室|中心|学校|小学|中学|幼儿园|医院|局|公司|集团|厂|处|部|所|院|站|街道|社区)$")
_SALUTATION = re.compile(r"各[^。；！？]{1,90}[：:]")
_NOTICE_TITLE = re.compile(r"关于.{2,60}")


def _is_address(t: str) -> bool:
    """A speech's address: ``同志们：``, ``尊敬的各位代表们：``."""
    return len(t) <= 24 and bool(re.fullmatch(r"(?:尊敬的)?[^。；，]{0,16}(?:同志们|朋友们|老师们|同事们|代表们)[：:！!]", t))


def _is_salutation(t: str) -> bool:
    """The addressees of a notice: ``各乡镇、系统（产业）、企业工会：``; or a speech's address."""
    if _is_address(t):
        return True
    return bool(_SALUTATION.fullmatch(t)) and ("、" in t or "，" in t or len(t) <= 20)


_DOC_TITLE_END = re.compile(r"(?:细则|办法|要点|计划|规划|总结|意见|通知|方案|规定|制度|职责|安排|决定|条例|章程)$")


#: a title names its issuer, its year or its subject (``关于…``); a sub-heading is a task (``建立健全职代会制度``)
_TITLE_MARKS = re.compile(r"^关于|(?:19|20)\d{2}\s*年|[一二][〇○零O0一二三四五六七八九]{3}\s*年|工会|委员会|办公室|局|学校|医院|公司|中心")
_TASK_START = re.compile(r"(?:加强|建立|健全|完善|落实|推行|实行|坚持|执行|规范|严格|认真|做好|开展|推进|抓好|深化|提高|强化|"
                         r"实施|制定|修订|贯彻)")


def _is_document_title(t: str) -> bool:
    """The title of an attached or embedded document: short, unpunctuated, ends in a document type,
    names an issuer, a year or a subject, and is no task (``林甸县总工会二O一二年目标管理考核细则``)."""
    return len(t) <= 40 and not re.search(r"[，,。；;！!：:？?]", t) and bool(_DOC_TITLE_END.search(t)) \
        and parse_marker(t) is None and bool(_TITLE_MARKS.search(t)) and not _TASK_START.match(t)


_DATE_LABEL = re.compile(r".{0,8}?(?:发布|印发|发文|成文|签发|更新|录入|上传|修订|制定)(?:时间|日期)?\s*[：:]\s*")


def _is_date_line(t: str) -> bool:
    """A signature or issuing date (``朝阳区卫生局工会 二〇一二年二月十日``, ``发布时间：…``).

    A date after another label (``比赛时间：2023年5月10日``) is content of the item.
    """
    if len(t) > 40 or not _DATE_LINE.fullmatch(t) or re.search(f"[{_SENT_END}，]", t):
        return False
    label = re.match(r"[^：:]*[：:]\s*", t)
    return label is None or bool(_DATE_LABEL.fullmatch(label.group(0)))


def _is_org_line(t: str) -> bool:
    """An issuing body or signature: ``林甸县总工会``, ``某社区卫生服务中心 某某某``."""
    if len(t) > 30 or re.search(r"[，。；：、！？,.;:]", t) or parse_marker(t):
        return False
    head = re.split(r"\s+", t)[0]
    return bool(_ORG_SUFFIX.search(head)) and (head == t or len(t) - len(head) <= 6)


def is_apparatus(t: str) -> bool:
    """Document number, date, signature and distribution lines: never items."""
    return (_is_date_line(t) or bool(_DOC_NO.fullmatch(t))
            or (len(t) <= 100 and bool(_APPARATUS.match(t))))


def _norm_title(t: str) -> str:
    t = re.sub(r"^[\d一二三四五六七八九十]+[.．、]", "", t)
    t = re.sub(r"(19|20)[\dxX]{2}\s*年?|[一二][〇○零O0一二三四五六七八九]{3}\s*年|最新|范文|精选|\s|"
               r"[（(【\[]?篇[一二三四五六七八九十\d]+[】\])）]?", "", t)
    return re.sub(rf"[{_SENT_END}：:，,、“”《》\"'（）()]", "", t)


def title_matches(line: str, title: str) -> bool:
    """``line`` repeats the article title (maybe with an organisation or a year added)."""
    a, b = _norm_title(line), _norm_title(title)
    if len(a) < 4 or len(b) < 4:
        return bool(a) and a == b
    if a in b or b in a:
        return True
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.75


def heading_like(t: str) -> bool:
    """Text that reads as a heading: no sentence end inside it, not long."""
    t = t.strip()
    return len(t) <= 80 and not re.search(f"[{_SENT_END}]", t[:-1])


def short_heading(t: str) -> bool:
    """An unnumbered line short enough to head a list (``工会组织委员职责``, ``注：``)."""
    t = t.strip()
    if not 0 < len(t) <= 30 or re.search(r"[。！!；;]", t) or t.endswith(("，", ",", "、")):
        return False
    return len(t) <= 20 or not re.search(r"[，,]", t)


# --------------------------------------------------------------------------------------------------
# articles
# --------------------------------------------------------------------------------------------------


@dataclass
class ArticleSpan:
    index: int
    title: str
    start: int
    end: int
    #: offset where the body starts (after the article line and its title apparatus)
    title_lines: list[Line] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


_GLUED_ARTICLE = re.compile(r"(?<=\S)\s*(?=第[一二三四五六七八九十\d]{1,3}篇\s*[：:])")
_LONG_ARTICLE = re.compile(r"(?=第[一二三四五六七八九十\d]{1,3}篇\s*[：:])")


def _split_glued_articles(lines: list[Line]) -> list[Line]:
    """``…智能型。第五篇：工会工作要点``: an article line that lost its line break.

    Taken only when it carries the next article number, so a sentence citing
    ``第二篇：`` of something else is left alone.  ``…促进活动经常化2023年机关工会工作计划篇2``
    (the full stop lost too) is split before a title seen on the page before.
    """
    out: list[Line] = []
    seen = 0
    titles: set[str] = set()     # the page's and the articles' titles so far
    todo = list(reversed(lines))
    while todo:
        ln = todo.pop()
        cut = _glued_titled_article(ln.text, seen + 1, titles)
        if cut is not None:
            head = ln.text[:cut].rstrip()
            out.append(Line(ln.start, ln.start + len(head), head))
            todo.append(Line(ln.start + cut, ln.end, ln.text[cut:]))
            continue
        parsed = parse_article_line(ln.text)
        if parsed:
            seen = parsed[0]
            titles.add(parsed[1])
            out.append(ln)
            continue
        if not seen:
            titles.add(_PAGE_COUNT.sub("", ln.text))
        found = None
        for m in (_LONG_ARTICLE.match(ln.text), *_GLUED_ARTICLE.finditer(ln.text)):
            if m is None:
                continue
            pieces = _split_glued_title(ln.text[m.end():])
            parsed = parse_article_line(pieces[0])
            if parsed and parsed[0] == seen + 1:
                found = (m, pieces, parsed[0])
                break
        if found is None:
            out.append(ln)
            continue
        m, pieces, seen = found
        head = ln.text[:m.start()].rstrip()
        if head:
            out.append(Line(ln.start, ln.start + len(head), head))
        pos = ln.start + m.end()
        for k, piece in enumerate(pieces):
            piece_line = Line(pos, pos + len(piece), piece)
            if k == len(pieces) - 1 and k > 0:
                todo.append(piece_line)     # the text after the title may hold the next article
            else:
                out.append(piece_line)
            pos += len(piece)
    return out


_PAGE_COUNT = re.compile(r"\s*[（(]?(?:通用|精选|合集)?\s*\d{1,3}\s*篇[）)]?$")
_ARTICLE_NUMBER_END = re.compile(r"\s*[【\[（(]?\s*篇\s*([一二三四五六七八九十\d]{1,3})\s*[】\]）)]?$")


def _glued_titled_article(text: str, number: int, titles: set[str]) -> Optional[int]:
    """``…促进活动经常化2023年机关工会工作计划篇2``: where an article line ``<title>篇N`` starts.

    The title must be one seen before on the page (the articles of a 范文 page
    often share it) and N the next article number.
    """
    m = _ARTICLE_NUMBER_END.search(text)
    if m is None or cn_to_int(m.group(1)) != number:
        return None
    head = text[:m.start()]
    for title in sorted((t for t in titles if len(t) >= 4), key=len, reverse=True):
        before = head[:-len(title)].strip() if head.endswith(title) else ""
        # the text before must read as the end of a paragraph, not as a prefix of the title (``最新…``)
        if before and (len(before) >= 10 or re.search(r"[，,。；;！!、：:]", before) or parse_marker(before)):
            return len(head) - len(title)
    return None


_TITLE_END = re.compile(r"第[一二三四五六七八九十\d]{1,3}篇\s*[：:]\s*(.{2,40}?(?:要点|计划|总结|意见|职责|制度|细则|办法|方案|"
                        r"通知|讲话|材料|培训稿|讲稿))")


def _split_glued_title(rest: str) -> list[str]:
    """``第五篇：工会工作要点2011年学校工会的…``: the article line, a glued title repeat, the text.

    The title is taken to end at its first document-type word (要点, 计划, 意见 …);
    without one, the whole rest is the article line.
    """
    if parse_article_line(rest) and not re.search(f"[，,{_SENT_END}]", rest):
        return [rest]
    m = _TITLE_END.match(rest)
    if not m:
        return [rest]
    title = m.group(1)
    pieces = [rest[:m.end()]]
    tail = rest[m.end():]
    while tail.startswith(title):          # the title repeated below itself
        pieces.append(title)
        tail = tail[len(title):]
    if tail:
        pieces.append(tail)
    return pieces


_TITLE_SPACE = re.compile(r"[^，,。；;！!：:？?\s][^，,。；;！!：:？?]{1,48}?[ \t\u3000]+(?=\S)")


#: without the space, a title ending in its document type (``工会工作计划一、指导思想…``)
_TITLE_GLUED = re.compile(r"[^，,。；;！!：:？?\s]{2,38}?(?:细则|办法|要点|计划|规划|总结|意见|通知|方案|规定|制度|职责|安排|决定|"
                          r"条例|章程)(?=[一1１（(第])")


def _split_title_from_list(line: Line) -> list[Line]:
    """``工会工作计划 一、加强学习。…二、…``: a file whose line breaks were lost starts with its
    title, a space and the first item; the title becomes a line of its own."""
    m = _TITLE_SPACE.match(line.text) or _TITLE_GLUED.match(line.text)
    if m is None or parse_marker(line.text) is not None:
        return [line]
    mk = parse_marker(line.text[m.end():m.end() + 40])
    if mk is None or mk.number != 1 or mk.in_text:
        return [line]
    head = line.text[:m.end()].rstrip()
    return [Line(line.start, line.start + len(head), head),
            Line(line.start + m.end(), line.end, line.text[m.end():])]


def find_articles(text: str) -> list[ArticleSpan]:
    """Article spans of ``text``; one article when there are no article markers."""
    lines = _split_glued_articles(split_lines(text))
    opens = [(i, parsed) for i, ln in enumerate(lines) if (parsed := parse_article_line(ln.text))]
    if not opens:
        if not lines:
            return []
        lines = _split_title_from_list(lines[0]) + lines[1:]
        first = lines[0].text
        title = first if (len(first) <= 50 and not re.search(r"[，,。；;！!]", first)
                          and not parse_marker(first)) else ""
        span = ArticleSpan(1, title, lines[0].start, lines[-1].end, [], lines)
        if title:
            span.title_lines, span.lines = [lines[0]], lines[1:]
        return [span]
    spans = []
    for k, (i, (_, title)) in enumerate(opens):
        j = opens[k + 1][0] if k + 1 < len(opens) else len(lines)
        body = lines[i + 1:j]
        spans.append(ArticleSpan(k + 1, title, lines[i].start, (body[-1] if body else lines[i]).end,
                                 [lines[i]], body))
    return spans


def _split_title_apparatus(span: ArticleSpan) -> None:
    """Move the title apparatus at the top of the article from ``lines`` to ``title_lines``."""
    lines = span.lines
    head: list[int] = []
    last_title = -1
    open_quote = False
    for i, ln in enumerate(lines):
        t = ln.text
        if parse_marker(t) and not open_quote:
            break
        title_like = bool(span.title) and len(t) <= 60 and not re.search(r"[，,。；;！？]", t) and \
            title_matches(t, span.title)
        apparatus = (is_apparatus(t) or _is_org_line(t) or _is_salutation(t)
                     or (bool(_NOTICE_TITLE.fullmatch(t)) and heading_like(t) and len(t) <= 60) or open_quote)
        if not (title_like or apparatus or (len(t) <= 45 and not re.search(r"[，,。；;！!]|[？?].", t))):
            break
        head.append(i)
        if title_like or apparatus:
            last_title = i
        open_quote = t.count("《") > t.count("》")
        if not span.title and i == 0 and heading_like(t) and len(t) <= 50:
            span.title, last_title = t, i
    keep = last_title + 1
    # one leftover short line right before a top-level list that never restarts: the real title
    if head and keep == len(head) - 1 and len(head) < len(lines):
        nxt = parse_marker(lines[len(head)].text)
        if nxt and nxt.number == 1 and not _restarts(lines[len(head):], nxt.style):
            keep = len(head)
            if not span.title:
                span.title = lines[head[-1]].text
    span.title_lines = span.title_lines + lines[:keep]
    span.lines = lines[keep:]


def _restarts(lines: list[Line], style: str) -> bool:
    seen = 0
    for ln in lines:
        m = parse_marker(ln.text)
        if m and m.style == style:
            if seen and m.number <= 1:
                return True
            seen += 1
    return False


def _drop_apparatus(span: ArticleSpan) -> tuple[list[Line], list[int]]:
    """Body lines without signatures, dates, document numbers and titles; and where titles were.

    A title inside the article (the title repeated above the text it heads, or the
    title of an attached document such as ``…目标管理考核细则``) starts a new outline:
    the offsets of those titles are returned so that the outline restarts at level 1.
    A title line found twice or more in the body is a page header or watermark: it is
    dropped and restarts nothing; so is one followed by the next number of an open list.
    """
    lines = span.lines
    keep: list[Line] = []
    resets: list[int] = []
    n = len(lines)

    def repeats_title(t: str) -> bool:
        return bool(span.title) and len(t) <= 40 and not re.search(r"[，,。；;！!：:]", t) and title_matches(t, span.title)

    # the same title line twice or more in the body: a page header or watermark, not a new start
    texts = [ln.text for ln in lines if not parse_marker(ln.text) and repeats_title(ln.text)]
    watermarks = {t for t in texts if texts.count(t) >= 2}
    for i, ln in enumerate(lines):
        t = ln.text
        if parse_marker(t):
            keep.append(ln)
            continue
        nxt = lines[i + 1].text if i + 1 < n else ""
        # addressees (``各乡镇…工会：``) head a notice's text; further down ``各单位于5月底前报名：`` is content
        opening = not keep or bool(resets and resets[-1] > keep[-1].start)
        if is_apparatus(t) or t in watermarks or (_is_salutation(t) and (opening or _is_address(t))):
            continue
        if _is_org_line(t) and (i == n - 1 or _is_date_line(nxt) or all(
                is_apparatus(x.text) or _is_org_line(x.text) for x in lines[i + 1:])):
            continue
        nxt_mk = parse_marker(nxt)
        if repeats_title(t) or (_is_document_title(t) and not (nxt_mk and nxt_mk.number == 1)):
            resets.append(ln.start)
            continue
        keep.append(ln)
    return keep, resets


# --------------------------------------------------------------------------------------------------
# chunks and segments
# --------------------------------------------------------------------------------------------------


def _continues(prev: str, line: str) -> bool:
    """``line`` is the rest of ``prev``, cut mid-sentence by the scraper."""
    if parse_marker(line) or parse_article_line(line):
        return False
    if prev[-1] in _OPEN or prev[-1] in "、，,":
        return True
    # a line cannot begin with a bound particle, nor a heading or sentence end in a verb of intent
    # (after a full stop ``及时…``, ``与此同时…``, ``和往年相比…`` open a sentence)
    if (line[0] in "的得及之等和与" and not line.startswith("和谐") and prev[-1] not in _SENT_END) \
            or prev[-1] in "的要在对把将和与及让被从向使":
        return True
    if line[0] in _CLOSE or line[0] in "，。、；：！？,;:":
        return True
    if len(line) > 2 and line[1] in "，、" and "\u4e00" <= line[0] <= "\u9fff" and len(prev) >= 10 \
            and "\u4e00" <= prev[-1] <= "\u9fff":
        return True
    if len(prev) >= 8 and re.search(f"[{_SENT_END}]", prev) and re.match(r"[\u4e00-\u9fff\w]", prev[-1]) \
            and not short_heading(line):
        body = prev
        m = parse_marker(prev)
        if m:
            body = prev[m.length:]
        return not heading_like(body)
    if prev.count("“") > prev.count("”") or prev.count("《") > prev.count("》"):
        return True
    # a date cut after its year: ``…在2023年`` + ``1、2月份开展…``
    return bool(re.search(r"[\d〇○零一二三四五六七八九]年$", prev) and _MONTHS_AHEAD.match(line))


_MONTHS_AHEAD = re.compile(r"[\d一二三四五六七八九十]{1,2}(?:\s*、\s*[\d一二三四五六七八九十]{1,2})*\s*月")


@dataclass
class Segment:
    """A stretch of ``doc.text`` that becomes one item."""

    start: int          # where the marker (or the text) starts
    text_start: int     # where the item text starts
    end: int
    marker: Optional[Marker]
    kind: str           # "marker" | "lost" | "para"
    text: str = ""


def _chunks(lines: list[Line], text: str) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    prev = ""
    for i, ln in enumerate(lines):
        nxt = lines[i + 1].text if i + 1 < len(lines) else ""
        if out and prev and (_continues(prev, ln.text) or _wrapped_heading(prev, ln.text, nxt)):
            out[-1][1] = ln.end
            prev = text[out[-1][0]:out[-1][1]]
            continue
        out.append([ln.start, ln.end])
        prev = ln.text
    return [(a, b) for a, b in out]


def _wrapped_heading(prev: str, line: str, nxt: str) -> bool:
    """``(一)加强师德`` / ``建设，提高教职工的政治思想素质`` / ``1、…``: a numbered heading cut by a
    hard wrap right above its list.  An unnumbered short line between a bare numbered
    heading and the first item of its list is the rest of that heading."""
    mk, first = parse_marker(prev), parse_marker(nxt)
    if mk is None or mk.in_text or first is None or first.number != 1 or first.style == mk.style:
        return False
    body = prev[mk.length:]
    return ("\n" not in prev and not re.search(r"[。；;！!？?：:]", body) and not parse_marker(line)
            and short_heading(line) and not line.endswith(("：", ":")) and len(body) + len(line) <= 50)


_LOST_MARKER = re.compile(r"(?<=[。；;！？])\s*、(?=[\u4e00-\u9fff“《])")
_LIST_AFTER_COLON = re.compile(r"(?<=[：:。；])[ \t\u3000]+(?=\S)")
_GLUED = re.compile(r"(?<=[。；;！？!?\u4e00-\u9fff”）) \t\u3000])(?=[\d（(一二三四五六七八九十①-⑳⑴-⒇⒈-⒛])")
_LIST_STYLES = ("ar", "cn", "paren_cn", "paren_ar", "circled")


def _cut_points(s: str, lead: Optional[Marker], last: dict[str, int]) -> list[tuple[int, str]]:
    """Offsets inside chunk text ``s`` where a new segment starts, with the reason.

    ``last`` holds the last number seen of each marker style in the article so
    far: a marker glued to the text before it (a lost line break) is only taken
    when it is the next number of its list, or the first number of a list glued
    to a bare heading (``工会组织委员职责1、在主席的领导下…``).
    """
    cuts: list[tuple[int, str]] = []
    for m in _LOST_MARKER.finditer(s):
        cuts.append((m.end() - 1, "lost"))
    for m in _LIST_AFTER_COLON.finditer(s):
        mk = parse_marker(s[m.end():m.end() + 40])
        if mk and mk.style in _LIST_STYLES and (mk.number == 1 or s[m.start() - 1] != "："):
            cuts.append((m.end(), "marker"))
    expect = dict(last)
    if lead is not None:
        expect[lead.style] = lead.number
    seg_start = lead.length if lead is not None else 0
    cur = lead          # the marker of the segment the next cut would end
    taken = {c for c, _ in cuts}
    for m in _GLUED.finditer(s):
        pos = m.start()
        if pos <= seg_start or pos in taken:
            continue
        mk = parse_marker(s[pos:pos + 40])   # a window: slicing to the end is quadratic on long lines
        if mk is None or mk.style not in _LIST_STYLES or len(s) - pos < mk.length + 4:
            continue
        after = s[pos + mk.length]
        if not ("\u4e00" <= after <= "\u9fff" or after in "“《"):
            continue
        nxt = mk.number == expect.get(mk.style, 0) + 1
        if s[pos - 1] in " \t\u3000":   # a line break turned into a space (``主要任务 （一）加强学习 1、…``)
            ok = nxt or mk.number == 1
        elif s[pos - 1] in "。；;！？!?":
            first = mk.number == 1 and mk.style in ("cn", "paren_cn") and mk.style not in expect
            ok = (nxt and mk.number >= 2) or first
        else:   # glued to a word: only after a bare heading, never a cn marker (统一、规范 is prose)
            before = s[seg_start:pos]
            bare = 0 < len(before) <= 40 and not re.search(r"[。；;！？!?：:]", before)
            # (a list restarting at 1 under a heading cut from this chunk: ``（二）关心职工1、走访…``)
            ok = mk.style != "cn" and bare and (nxt or (mk.number == 1 and (cur is None or cur.style != mk.style)))
        if ok:
            cuts.append((pos, "marker"))
            expect[mk.style] = mk.number
            seg_start = pos + mk.length
            cur = mk
    return sorted(set(cuts))


def _heading_only_styles(lines: list[Line]) -> dict[str, tuple[int, int]]:
    """Per marker style: (lines that are a bare heading, lines) in an article."""
    out: dict[str, tuple[int, int]] = {}
    for ln in lines:
        mk = parse_marker(ln.text)
        if mk and not mk.in_text:
            bare = heading_like(ln.text[mk.length:]) and len(ln.text) - mk.length <= 50
            h, n = out.get(mk.style, (0, 0))
            out[mk.style] = (h + bare, n + 1)
    return out


def _heading_body_cut(s: str, mk: Marker, bare: tuple[int, int]) -> Optional[int]:
    """``七、履行职能… 各基层工会要…``: offset of the body glued after a heading with a space.

    Only where the other lines of the same marker style are bare headings: a space
    inside a list item's sentence (``组织好 “三八节”…``) is not a line break.
    """
    body = s[mk.length:]
    own = heading_like(body) and len(body) <= 50
    h, n = bare[0] - own, bare[1] - 1     # the other lines of this style
    if n < 1 or h * 2 < n:
        return None
    stop = re.search(f"[{_SENT_END}]", body)
    limit = stop.start() if stop else len(body)
    spaces = [m.start() for m in re.finditer(r"[ \t\u3000]+", body[:min(limit, 46)])]
    spaces = [p for p in spaces if p >= 4]
    if not spaces:
        return None
    cut = spaces[-1]
    head, rest = body[:cut], body[cut:].strip()
    if len(rest) < 15 or (not stop and len(rest) < 40):
        return None
    if head.count("“") != head.count("”") or head.count("《") != head.count("》"):
        return None
    return mk.length + cut + (len(body[cut:]) - len(body[cut:].lstrip()))


def _segments(chunks: list[tuple[int, int]], text: str,
              bare: dict[str, tuple[int, int]] | None = None) -> list[Segment]:
    bare = bare or {}
    segs: list[Segment] = []
    last: dict[str, int] = {}
    for a, b in chunks:
        s = text[a:b]
        lead = parse_marker(s)
        bounds = [(0, "marker" if lead else "para")] + _cut_points(s, lead, last)
        for k, (off, kind) in enumerate(bounds):
            stop = bounds[k + 1][0] if k + 1 < len(bounds) else len(s)
            piece = s[off:stop]
            trail = len(piece) - len(piece.rstrip())
            seg_end = a + stop - trail
            if kind == "lost":
                lead_ws = len(piece[1:]) - len(piece[1:].lstrip())
                segs.append(Segment(a + off, a + off + 1 + lead_ws, seg_end,
                                    Marker("lost", 0, "、", 1 + lead_ws), "lost"))
                continue
            mk = parse_marker(piece) if kind == "marker" else None
            if mk is None:
                segs.append(Segment(a + off, a + off, seg_end, None, "para"))
                continue
            last[mk.style] = mk.number
            tstart = a + off + (0 if mk.in_text else mk.length)
            body_cut = None if mk.in_text else _heading_body_cut(piece.rstrip(), mk, bare.get(mk.style, (0, 0)))
            if body_cut is not None:
                segs.append(Segment(a + off, tstart, a + off + len(piece[:body_cut].rstrip()), mk, "marker"))
                segs.append(Segment(a + off + body_cut, a + off + body_cut, seg_end, None, "para"))
            else:
                segs.append(Segment(a + off, tstart, max(seg_end, tstart), mk, "marker"))
    for sg in segs:
        sg.text = text[sg.text_start:sg.end]
    return segs


# --------------------------------------------------------------------------------------------------
# the outline
# --------------------------------------------------------------------------------------------------


@dataclass
class _Node:
    seg: Segment
    style: str
    number: int
    parent: Optional[int]
    heading: bool
    children: list[int] = field(default_factory=list)
    level: int = 1


_CLOSING = re.compile(r"(?:综上所述|总之|总而言之|总的来说|同志们|在今后的工作中|在新的一年里)")


def build_outline(segs: list[Segment], resets: Sequence[int] = ()) -> list[_Node]:
    """Place segments in a tree, outline-editor style (see the module docstring).

    ``resets``: offsets of titles inside the article; the outline starts afresh after each.
    """
    nodes: list[_Node] = []
    stack: list[int] = []          # open nodes: markers and headings
    parenting = _parenting_styles(segs)
    pending = sorted(resets)

    def styles() -> list[str]:
        return [nodes[i].style for i in stack]

    def pop_to(style: str) -> None:
        while stack and nodes[stack[-1]].style != style:
            stack.pop()
        if stack:
            stack.pop()

    def add(seg: Segment, style: str, number: int, parent: Optional[int], heading: bool, push: bool) -> None:
        node = _Node(seg, style, number, parent, heading)
        node.level = 1 if parent is None else nodes[parent].level + 1
        nodes.append(node)
        if parent is not None:
            nodes[parent].children.append(len(nodes) - 1)
        if push:
            stack.append(len(nodes) - 1)

    def top() -> Optional[int]:
        return stack[-1] if stack else None

    numbered = any(sg.kind != "para" for sg in segs)

    for k, seg in enumerate(segs):
        reset = False
        while pending and pending[0] <= seg.start:
            pending.pop(0)
            reset = True
        if reset and not _continues_open_list(nodes, stack, seg):
            stack.clear()
        nxt = segs[k + 1] if k + 1 < len(segs) else None
        nxt_mk = nxt.marker if nxt is not None and nxt.kind == "marker" else None
        run_start = nxt_mk is not None and (nxt_mk.number == 1 or nxt_mk.style not in styles())
        if seg.kind == "marker":
            mk = seg.marker
            assert mk is not None
            if mk.style in styles():
                pop_to(mk.style)
            add(seg, mk.style, mk.number, top(), mk.in_text or heading_like(seg.text) or mk.style in parenting, True)
        elif run_start and (seg.kind == "lost" or short_heading(seg.text)):
            assert nxt_mk is not None
            if "H" in styles():
                pop_to("H")
            elif nxt_mk.style in styles():
                pop_to(nxt_mk.style)
                if seg.kind == "lost" and stack:
                    stack.pop()   # a lost X、 outranks the list that follows it
            add(seg, "H", 0, top(), True, True)
        elif nxt_mk is not None and nxt_mk.number == 1 and nxt_mk.style in styles() and \
                nodes[_last_of(nodes, stack, nxt_mk.style)].number > 1:
            pop_to(nxt_mk.style)   # the introduction of a restarted list
            add(seg, "para", 0, top(), False, False)
        elif _CLOSING.match(seg.text):
            stack.clear()          # a closing paragraph speaks for the whole article
            add(seg, "para", 0, None, False, False)
        elif not numbered and nxt is not None and _bare_heading(seg.text) and nxt.kind == "para" \
                and re.search(f"[{_SENT_END}]", nxt.text) and len(nxt.text) >= 2 * len(seg.text):
            stack.clear()          # ``主要做法`` over its paragraphs, in an article without numbers
            add(seg, "H", 0, None, True, True)
        else:
            parent = next((i for i in reversed(stack) if nodes[i].heading), None)
            add(seg, "para", 0, parent, False, False)
    return nodes


def _resolve_lost_numbers(segs: list[Segment]) -> list[Segment]:
    """Give ``□、`` / ``(□)`` / ``□是`` (a number lost in repair) the style and number of the gap it fills.

    Between ``二、`` and ``四、`` with ``5、`` before and ``7、`` after, ``□、`` is ``三、``:
    the style whose last number before it and first number after it leave a gap
    of one wins; then a style open before it whose list goes on or has ended.
    """
    def numbers(style: str, rng: Iterable[int]) -> Optional[int]:
        return next((segs[j].marker.number for j in rng if segs[j].kind == "marker" and segs[j].marker is not None
                     and segs[j].marker.style == style), None)

    for k, sg in enumerate(segs):
        mk = sg.marker
        if sg.kind != "marker" or mk is None or mk.style not in _LOST_STYLES:
            continue
        best: tuple[int, int, str, int] | None = None
        for style in _LOST_STYLES[mk.style]:
            prev = numbers(style, range(k - 1, -1, -1))
            nxt = numbers(style, range(k + 1, len(segs)))
            last = next((j for j in range(k - 1, -1, -1) if segs[j].marker is not None
                         and segs[j].marker.style == style), -1)
            if prev is not None and nxt == prev + 2:
                score = 3
            elif prev is not None and (nxt is None or nxt > prev + 2):
                score = 2
            elif prev is None and nxt == 2:
                score = 1
            else:
                score = 0
            number = prev + 1 if prev is not None else (nxt - 1 if nxt else 1)
            cand = (score, last, style, number)
            if best is None or cand[:2] > best[:2]:
                best = cand
        assert best is not None
        segs[k] = dataclasses.replace(sg, marker=dataclasses.replace(mk, style=best[2], number=best[3]))
    return segs


def _bare_heading(t: str) -> bool:
    """A short unpunctuated line (``主要做法``, ``存在问题：``): a heading when paragraphs follow it."""
    t = t.strip()
    return 2 <= len(t) <= 20 and not re.search(r"[，,。；;！!？?、（(“]", t.rstrip("：:")) and not _is_date_line(t)


def _parenting_styles(segs: list[Segment]) -> set[str]:
    """Marker styles whose items are mostly followed by their own content in this article.

    Then a paragraph after such an item belongs to it even when the item's first
    line carries a sentence (``(二)基本完成了…任务，加强了…`` + paragraphs).
    """
    seen: dict[str, list[int]] = {}
    for k, seg in enumerate(segs):
        if seg.kind != "marker" or seg.marker is None:
            continue
        nxt = segs[k + 1] if k + 1 < len(segs) else None
        followed = nxt is not None and (nxt.kind == "para" or (nxt.marker is not None and nxt.kind == "marker"
                                                                and nxt.marker.style != seg.marker.style
                                                                and nxt.marker.number == 1))
        seen.setdefault(seg.marker.style, []).append(int(followed))
    return {st for st, v in seen.items() if len(v) >= 2 and sum(v) * 2 >= len(v)}


def _continues_open_list(nodes: list[_Node], stack: list[int], seg: Segment) -> bool:
    """``seg`` takes the next number of a list still open (``2、`` … title line … ``3、``): the
    title line was a page header left in the text, not the start of an embedded document."""
    mk = seg.marker
    if seg.kind != "marker" or mk is None or mk.in_text or mk.number < 2:
        return False
    open_ = [i for i in stack if nodes[i].style == mk.style]
    return bool(open_) and nodes[open_[-1]].number + 1 == mk.number


def _last_of(nodes: list[_Node], stack: list[int], style: str) -> int:
    return next(i for i in reversed(stack) if nodes[i].style == style)


def _paths(nodes: list[_Node]) -> list[str]:
    paths = [""] * len(nodes)
    counts: dict[Optional[int], int] = {}
    for i, n in enumerate(nodes):
        counts[n.parent] = counts.get(n.parent, 0) + 1
        pos = str(counts[n.parent])
        paths[i] = pos if n.parent is None else f"{paths[n.parent]}.{pos}"
    return paths


# --------------------------------------------------------------------------------------------------
# the stage
# --------------------------------------------------------------------------------------------------


def article_items(doc: Document, span: ArticleSpan, view: str | None = None) -> list[Item]:
    """The items of one article of ``doc``; ``view``: the text ``span`` was found in (``simplified_text``)."""
    view = doc.text if view is None else view
    lines, resets = _drop_apparatus(span)
    segs = [s for s in _segments(_chunks(lines, view), view, _heading_only_styles(lines)) if s.end > s.start]
    nodes = build_outline(_resolve_lost_numbers(segs), resets)
    paths = _paths(nodes)
    base = f"{doc.doc_id}/a{span.index}"
    items = []
    for i, n in enumerate(nodes):
        s = n.seg
        marker = "" if s.marker is None else (s.marker.printed if s.kind != "lost" else "、")
        items.append(Item(
            item_id=f"{base}/{paths[i]}", doc_id=doc.doc_id, article=span.index, path=paths[i], level=n.level,
            marker=marker, is_heading=bool(n.children),
            text=doc.text[s.text_start:s.end], text_original=doc.text_original[s.text_start:s.end],
            parent_id=None if n.parent is None else f"{base}/{paths[n.parent]}",
            start=s.text_start, end=s.end))
    return items


def simplified_text(doc: Document, converter: ScriptConverter | None = None) -> str:
    """What segmentation, metadata and classification read: ``doc.text`` in simplified script.

    Their cues are simplified words (``工作要点``, ``卫生``, ``总工会``, ``第一条``).
    Read on ``doc.text`` of a run with ``script="traditional"`` they missed: 22 of
    the samples' 26 articles got no document type (1 by default), 26 no
    organisation (22), and the outlines 646 items (638).  The view is
    ``doc.text_original`` converted to simplified: exactly the ``text`` of a run
    with the default target, and as long as ``doc.text``, so one offset serves the
    three texts and every target script finds the same articles, items, metadata
    and labels; only the text written out keeps the chosen script.  ``doc.text``
    itself is returned when it is that text already.

    ``converter``: any ``ScriptConverter`` (its T→S tables are used whatever its
    target; pass ``Toolkit.converter`` to reuse the tables ingestion loaded); one
    is built for this call when None.
    """
    source = doc.text_original if len(doc.text_original) == len(doc.text) else doc.text  # a hand-made record
    view = (converter or ScriptConverter("simplified")).simplify(source)
    return doc.text if view == doc.text else view


def simplified_items(items: Sequence[Item], view: str) -> tuple[Item, ...]:
    """``items`` with their ``text`` taken from ``view`` (``simplified_text``), for the classifier
    and the near-duplicate search, which read simplified text like the segmenter."""
    return tuple(it if it.text == view[it.start:it.end] else dataclasses.replace(it, text=view[it.start:it.end])
                 for it in items)


def _written(title: str, start: int, view: str, text: str) -> str:
    """A title found in ``view`` as ``text`` writes it (a title is a stretch of a line of its article)."""
    if view is text or not title:
        return title
    at = view.find(title, start)
    return text[at:at + len(title)] if at >= 0 else title


def segment(doc: Document, config: Config | None = None, view: str | None = None) -> SegmentedDocument:
    """Articles and items of one repaired document, with document and article metadata.

    ``config`` is accepted for symmetry with the other stages; segmentation has no
    options yet (near-duplicates are marked corpus-wide by ``pipeline.dedup``).
    ``view``: ``simplified_text(doc)``, worked out here when None.  Items, titles
    and the organisation's name are written in the script of ``doc.text``; markers,
    the other metadata and the evidence in simplified script, as a run with the
    default target writes them (so runs in either script group alike).
    """
    from .metadata import article_metadata, document_metadata

    view = simplified_text(doc) if view is None else view
    mark = (config or Config()).unrecoverable_mark
    if mark != LOST and len(mark) == 1 and mark in view:   # the patterns know the default mark
        view = view.replace(mark, LOST)
    spans = find_articles(view)
    articles: list[Article] = []
    items: list[Item] = []
    for span in spans:
        _split_title_apparatus(span)
        its = article_items(doc, span, view)
        head = "\n".join(ln.text for ln in span.title_lines)
        tail = "\n".join(ln.text for ln in span.lines[-4:])
        meta = article_metadata(span.title, head, view[span.start:span.end], tail)
        org = meta.get("organization", "")
        if view is not doc.text and org and org != "unknown":  # a name, written as the report writes it
            meta["organization"] = _written(org, span.start, view, doc.text)
        articles.append(Article(f"{doc.doc_id}/a{span.index}", doc.doc_id, span.index,
                                _written(span.title, span.start, view, doc.text), span.start, span.end, meta))
        items.extend(its)
    meta = dict(doc.metadata or {})
    meta.update(document_metadata([a.metadata for a in articles]))
    return SegmentedDocument(dataclasses.replace(doc, metadata=meta), tuple(articles), tuple(items))


def segment_documents(docs: Iterable[Document], config: Config | None = None
                      ) -> tuple[list[SegmentedDocument], list[FileError]]:
    """``segment`` over many documents; a document that fails becomes a ``FileError``."""
    out: list[SegmentedDocument] = []
    errors: list[FileError] = []
    converter = ScriptConverter("simplified")  # its tables load once for all the documents
    for doc in docs:
        try:
            out.append(segment(doc, config, simplified_text(doc, converter)))
        except Exception as e:  # a bug for this file: report it and go on
            errors.append(FileError(doc.source or doc.doc_id, "segment", "internal",
                                    f"{doc.source or doc.doc_id}: expected the segment stage to succeed; found "
                                    f"{type(e).__name__}: {e}; please report this file to the unionmine developers"))
    return out, errors


# ``pipeline.ingest(path)`` / ``pipeline.segment(doc)`` keep working once this module is imported
_callable_stage(__name__)
