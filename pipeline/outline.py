"""The outline: segments of an article placed in a tree of items, outline-editor style.

The first marker style seen in an article is level 1, a new style opens a level below
the current item, a style already open closes the levels below it.  Numbering may
continue across sections, skip numbers or restart.  A short unnumbered line followed
by a list starting at 1 is a heading over that list; an unnumbered paragraph goes
under the nearest open heading.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from .linebreaks import Segment
from .lines import SENT_END, heading_like, is_date_line, short_heading
from .markers import LOST_STYLES

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
                and re.search(f"[{SENT_END}]", nxt.text) and len(nxt.text) >= 2 * len(seg.text):
            stack.clear()          # ``主要做法`` over its paragraphs, in an article without numbers
            add(seg, "H", 0, None, True, True)
        else:
            parent = next((i for i in reversed(stack) if nodes[i].heading), None)
            add(seg, "para", 0, parent, False, False)
    return nodes


def resolve_lost_numbers(segs: list[Segment]) -> list[Segment]:
    """Give ``□、`` / ``(□)`` / ``□是`` (a number lost in repair) the style and number of the gap it fills.

    After ``二、`` … ``6、`` and before ``四、``, ``□、`` is ``三、``: the style whose last
    number before it and first number after it leave a gap of one wins (二 … 四;
    the 1、 list has no number after it); then a style open before it whose list
    goes on or has ended.  Where two styles leave a gap of one (``5、`` before and
    ``7、`` after, between ``二、`` and ``四、``), the one seen last wins: ``6、``.
    """
    def numbers(style: str, rng: Iterable[int]) -> Optional[int]:
        return next((segs[j].marker.number for j in rng if segs[j].kind == "marker" and segs[j].marker is not None
                     and segs[j].marker.style == style), None)

    for k, sg in enumerate(segs):
        mk = sg.marker
        if sg.kind != "marker" or mk is None or mk.style not in LOST_STYLES:
            continue
        best: tuple[int, int, str, int] | None = None
        for style in LOST_STYLES[mk.style]:
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
    return 2 <= len(t) <= 20 and not re.search(r"[，,。；;！!？?、（(“]", t.rstrip("：:")) and not is_date_line(t)


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


def outline_paths(nodes: list[_Node]) -> list[str]:
    paths = [""] * len(nodes)
    counts: dict[Optional[int], int] = {}
    for i, n in enumerate(nodes):
        counts[n.parent] = counts.get(n.parent, 0) + 1
        pos = str(counts[n.parent])
        paths[i] = pos if n.parent is None else f"{paths[n.parent]}.{pos}"
    return paths
