"""Lines of a document and their kinds: headings, and the title apparatus that is never an item
(document numbers, dates, signatures, issuing bodies, salutations, titles)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from .markers import parse_marker

SENT_END = "。！？；!?;"


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


_DATE = r"[\d〇○零O０-９一二三四五六七八九十]{2,4}\s*年\s*[\d一二三四五六七八九十０-９]{1,2}\s*月(?:\s*[\d一二三四五六七八九十０-９]{1,3}\s*日)?"
_DATE_LINE = re.compile(rf"(?:.{{0,30}}?\s*)?{_DATE}\s*(?:印发|发布|制定|修订)?")
_DOC_NO = re.compile(r".{1,10}?[\[〔【（(?？]\s*\d{4}\s*[\]〕】）)?？]\s*第?\s*\d{1,4}\s*号")
_APPARATUS = re.compile(r"(?:主题词|抄送|抄报|签发|印发|附件\s*[\d一二三四五六七八九十]{0,3}|附)\s*[：:]")
_ORG_SUFFIX = re.compile(r"(?:工会|委员会|办公室|中心|学校|小学|中学|幼儿园|医院|局|公司|集团|厂|处|部|所|院|站|街道|社区)$")
_SALUTATION = re.compile(r"各[^。；！？]{1,90}[：:]")


def is_address(t: str) -> bool:
    """A speech's address: ``同志们：``, ``尊敬的各位代表们：``."""
    return len(t) <= 24 and bool(re.fullmatch(r"(?:尊敬的)?[^。；，]{0,16}(?:同志们|朋友们|老师们|同事们|代表们)[：:！!]", t))


def is_salutation(t: str) -> bool:
    """The addressees of a notice: ``各乡镇、系统（产业）、企业工会：``; or a speech's address."""
    if is_address(t):
        return True
    return bool(_SALUTATION.fullmatch(t)) and ("、" in t or "，" in t or len(t) <= 20)


_DOC_TITLE_END = re.compile(r"(?:细则|办法|要点|计划|规划|总结|意见|通知|方案|规定|制度|职责|安排|决定|条例|章程)$")


#: a title names its issuer, its year or its subject (``关于…``); a sub-heading is a task (``建立健全职代会制度``)
_TITLE_MARKS = re.compile(r"^关于|(?:19|20)\d{2}\s*年|[一二][〇○零O0一二三四五六七八九]{3}\s*年|工会|委员会|办公室|局|学校|医院|公司|中心")
_TASK_START = re.compile(r"(?:加强|建立|健全|完善|落实|推行|实行|坚持|执行|规范|严格|认真|做好|开展|推进|抓好|深化|提高|强化|"
                         r"实施|制定|修订|贯彻)")


def is_document_title(t: str) -> bool:
    """The title of an attached or embedded document: short, unpunctuated, ends in a document type,
    names an issuer, a year or a subject, and is no task (``林甸县总工会二O一二年目标管理考核细则``)."""
    return len(t) <= 40 and not re.search(r"[，,。；;！!：:？?]", t) and bool(_DOC_TITLE_END.search(t)) \
        and parse_marker(t) is None and bool(_TITLE_MARKS.search(t)) and not _TASK_START.match(t)


_DATE_LABEL = re.compile(r".{0,8}?(?:发布|印发|发文|成文|签发|更新|录入|上传|修订|制定)(?:时间|日期)?\s*[：:]\s*")


def is_date_line(t: str) -> bool:
    """A signature or issuing date (``朝阳区卫生局工会 二〇一二年二月十日``, ``发布时间：…``).

    A date after another label (``比赛时间：2023年5月10日``) is content of the item.
    """
    if len(t) > 40 or not _DATE_LINE.fullmatch(t) or re.search(f"[{SENT_END}，]", t):
        return False
    date = re.search(_DATE, t)
    before = t[:date.start()].rstrip() if date else ""
    if before and before[-1] in "于在至到从自为是将拟定截":
        return False  # 运动会定于2023年5月10日: a sentence hard-wrapped after its date
    label = re.match(r"[^：:]*[：:]\s*", t)
    return label is None or bool(_DATE_LABEL.fullmatch(label.group(0)))


def is_org_line(t: str) -> bool:
    """An issuing body or signature: ``林甸县总工会``, ``某社区卫生服务中心 某某某``."""
    if len(t) > 30 or re.search(r"[，。；：、！？,.;:]", t) or parse_marker(t):
        return False
    head = re.split(r"\s+", t)[0]
    return bool(_ORG_SUFFIX.search(head)) and (head == t or len(t) - len(head) <= 6)


def is_apparatus(t: str) -> bool:
    """Document number, date, signature and distribution lines: never items."""
    return (is_date_line(t) or bool(_DOC_NO.fullmatch(t))
            or (len(t) <= 100 and bool(_APPARATUS.match(t))))


def _norm_title(t: str) -> str:
    t = re.sub(r"^[\d一二三四五六七八九十]+[.．、]", "", t)
    t = re.sub(r"(19|20)[\dxX]{2}\s*年?|[一二][〇○零O0一二三四五六七八九]{3}\s*年|最新|范文|精选|\s|"
               r"[（(【\[]?篇[一二三四五六七八九十\d]+[】\])）]?", "", t)
    return re.sub(rf"[{SENT_END}：:，,、“”《》\"'（）()]", "", t)


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
    return len(t) <= 80 and not re.search(f"[{SENT_END}]", t[:-1])


def short_heading(t: str) -> bool:
    """An unnumbered line short enough to head a list (``工会组织委员职责``, ``注：``)."""
    t = t.strip()
    if not 0 < len(t) <= 30 or re.search(r"[。！!；;]", t) or t.endswith(("，", ",", "、")):
        return False
    return len(t) <= 20 or not re.search(r"[，,]", t)
