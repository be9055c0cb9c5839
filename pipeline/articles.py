"""Articles (篇) of a document: where each starts, its title, and its title apparatus.

A line ``第一篇：…``, ``…工作计划篇1``, ``…计划 篇一`` or ``【篇一】…`` opens an article;
text before the first such line is the site's page title, not an article.  A file
without markers is one article.  The lines at the top of an article that repeat the
title or carry a document number, an issuing body, a date, a notice title or a
salutation are its title lines; signatures, dates and titles further down are dropped
from the body (a title inside the article restarts the outline).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .lines import (SENT_END, Line, heading_like, is_address, is_apparatus, is_date_line, is_document_title,
                    is_org_line, is_salutation, split_lines, title_matches)
from .markers import cn_to_int, parse_marker

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
    if parse_article_line(rest) and not re.search(f"[，,{SENT_END}]", rest):
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


_NOTICE_TITLE = re.compile(r"关于.{2,60}")


def split_title_apparatus(span: ArticleSpan) -> None:
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
        apparatus = (is_apparatus(t) or is_org_line(t) or is_salutation(t)
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


def drop_apparatus(span: ArticleSpan) -> tuple[list[Line], list[int]]:
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
        if is_apparatus(t) or t in watermarks or (is_salutation(t) and (opening or is_address(t))):
            continue
        if is_org_line(t) and (i == n - 1 or is_date_line(nxt) or all(
                is_apparatus(x.text) or is_org_line(x.text) for x in lines[i + 1:])):
            continue
        nxt_mk = parse_marker(nxt)
        if repeats_title(t) or (is_document_title(t) and not (nxt_mk and nxt_mk.number == 1)):
            resets.append(ln.start)
            continue
        keep.append(ln)
    return keep, resets
