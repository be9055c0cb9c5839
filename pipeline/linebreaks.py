"""Line breaks the scraper got wrong: lines → chunks → segments, one segment per item.

A line cut mid-sentence (``…示范点。计划确`` + ``定适合…``) is joined to the one before.
A chunk is cut where a line break was lost: after a merged marker (``…总结。、明确…``),
before a numbered list after a colon and a space, before the next number of its list
after a full stop (``1、…。2、…``), and between a heading and the paragraph glued after
it with a space (``七、履行职能… 各基层工会要…``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .articles import parse_article_line
from .lines import SENT_END, Line, heading_like, short_heading
from .markers import Marker, parse_marker

_OPEN = "“《（(‘「【〔["
_CLOSE = "”》）)’」】〕]"


#: words that end in a particle's character but end a heading as well as a sentence
#: (二、民主参与 / 一、坚持正确方向 / 三、法律知识普及): after them a line is not the rest
_WORDS_ENDING_LIKE_PARTICLES = (
    "目的", "需要", "重要", "主要", "纲要", "摘要", "存在", "所在", "内在", "面对", "应对", "即将",
    "和谐", "平和", "缓和", "祥和", "参与", "普及", "转让", "礼让", "服从", "方向", "导向", "走向",
    "动向", "趋向", "意向", "去向", "取向", "倾向")


def _continues(prev: str, line: str) -> bool:
    """``line`` is the rest of ``prev``, cut mid-sentence by the scraper."""
    if parse_marker(line) or parse_article_line(line):
        return False
    if prev[-1] in _OPEN or prev[-1] in "、，,":
        return True
    # a line cannot begin with a bound particle, nor a heading or sentence end in a verb of intent
    # (after a full stop ``及时…``, ``与此同时…``, ``和往年相比…`` open a sentence)
    if (line[0] in "的得及之等和与" and not line.startswith("和谐") and prev[-1] not in SENT_END) \
            or (prev[-1] in "的要在对把将和与及让被从向使" and not prev.endswith(_WORDS_ENDING_LIKE_PARTICLES)):
        return True
    if line[0] in _CLOSE or line[0] in "，。、；：！？,;:":
        return True
    if len(line) > 2 and line[1] in "，、" and "\u4e00" <= line[0] <= "\u9fff" and len(prev) >= 10 \
            and "\u4e00" <= prev[-1] <= "\u9fff":
        return True
    if len(prev) >= 8 and re.search(f"[{SENT_END}]", prev) and re.match(r"[\u4e00-\u9fff\w]", prev[-1]) \
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


def join_wrapped_lines(lines: list[Line], text: str) -> list[tuple[int, int]]:
    """Lines → chunks ``(start, end)``: a line cut mid-sentence or a wrapped heading joins the one before."""
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
        if mk and mk.style in _LIST_STYLES and (mk.number == 1 or s[m.start() - 1] not in "：:"):
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


def heading_only_styles(lines: list[Line]) -> dict[str, tuple[int, int]]:
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
    stop = re.search(f"[{SENT_END}]", body)
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


def cut_segments(chunks: list[tuple[int, int]], text: str,
                 bare: dict[str, tuple[int, int]] | None = None) -> list[Segment]:
    """Chunks → segments, cut where line breaks were lost; ``bare``: ``heading_only_styles`` of the lines."""
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
