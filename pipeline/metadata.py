"""Document and article metadata: year, sector, document type, organisation.

Each value comes with the evidence it was read from (``"title: 2012年"``,
``"signature: 朝阳区卫生局工会"``, ``"body: 教职工×12, 学校×5"``), so a reader can
check it; a value is ``unknown`` when there is no evidence.  Where the evidence
sits matters: the title and the signature speak for the article, the body only
by weight of repetition (a plan for 2012 cites 2011's results; a school plan
quotes the county federation).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable, Mapping

UNKNOWN = "unknown"
MIXED = "mixed"
FIELDS = ("year", "sector", "doc_type", "organization")

_CN_YEAR_DIGITS = {"〇": "0", "○": "0", "零": "0", "O": "0", "0": "0", "一": "1", "二": "2", "三": "3",
                   "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_YEAR_RE = re.compile(r"(?<![\d])((?:19|20)\d{2})(?:\s*[-—~至]\s*(?:19|20)?\d{2})?\s*(?:年|学年|年度)?")
_CN_YEAR_RE = re.compile(r"([一二][〇○零O0一二三四五六七八九]{3})\s*年")
_VAGUE_YEAR_RE = re.compile(r"(?:19|20)[xX×＊*_＿]{2}|[_＿]{2,}\s*年|二[〇○零]XX")

#: (sector, strong keywords) in priority order: the first sector whose keyword is in the title wins
SECTORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("health", ("医院", "卫生", "医疗", "卫健", "疾控", "医务", "医改", "院务", "患者", "医患")),
    ("university", ("大学", "高校", "学院", "高等学校")),
    ("school", ("学校", "中学", "小学", "幼儿园", "教育", "教师", "教职工", "教工", "学期", "校务", "师德",
                "校园", "学年")),
    ("township", ("乡镇", "镇工会", "乡工会")),
    ("community", ("社区", "街道")),
    ("government", ("机关", "政府", "党组", "局机关", "委机关")),
    ("enterprise", ("企业", "公司", "集团", "厂务", "车间", "生产经营")),
    ("union_federation", ("总工会",)),
)
#: (doc_type, keywords); the title decides, the body only through set phrases
DOC_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("key_points", ("工作要点", "要点")),
    ("plan", ("工作计划", "计划", "规划", "工作安排", "安排")),
    ("summary", ("工作总结", "总结", "回顾", "述职报告", "述职")),
    ("duties", ("职责", "制度", "细则", "条例", "章程", "规定", "守则")),
    ("opinions", ("意见", "通知", "决定", "办法", "方案", "倡议")),
    ("speech", ("讲话", "发言", "培训稿", "讲稿", "演讲", "材料", "报告", "稿")),
)
_ORG_RE = re.compile(r"((?:[\u4e00-\u9fff]{0,14}?)(?:省|市|区|县|局|校|学|院|中心|公司|集团|机关|街道|社区|镇|乡|厂|园"
                     r"|系统|委|部|处|所|站|行|中|教育|卫生|医院|学校|幼儿园|全国)(?:总|分|教育)?工会(?:委员会)?)")
#: years and site words in a title, which an organisation's name never spans (``2023年度市人民医院工会…``)
_NOT_IN_NAME = re.compile(r"(?:19|20)(?:\d{2}|[xX×]{2})(?:\s*[-—~至]\s*(?:19|20)?\d{2})?\s*(?:学年|年度|年)?|"
                          r"[一二][〇○零O0一二三四五六七八九]{3}\s*(?:学年|年度|年)|最新|精选|范文")
_PLACEHOLDER = re.compile(r"(?:[xX×＊*＿_]{2,}|某+)$")
_ORG_SIGN_RE = re.compile(r"^([\u4e00-\u9fff]{2,24}?(?:工会(?:委员会)?|委员会|办公室|中心|学校|医院|局|公司))"
                          r"(?:\s|$|[\d〇○零一二三四五六七八九]{2,4}\s*年)")


def _cn_year(s: str) -> str:
    return "".join(_CN_YEAR_DIGITS.get(c, "") for c in s)


#: full-width digits (``２０２３年``): ingestion keeps full-width characters, the patterns read ASCII
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def find_year(text: str) -> tuple[str, str] | None:
    """The first plausible year in ``text`` and the words it was read from (as written)."""
    best: tuple[int, str, str] | None = None
    ascii_ = text.translate(_FULL_WIDTH_DIGITS)    # same length: spans fit ``text``
    for m in _YEAR_RE.finditer(ascii_):
        y = int(m.group(1))
        if 1949 <= y <= 2035:
            best = (m.start(), str(y), text[m.start():m.end()].strip())
            break
    m2 = _CN_YEAR_RE.search(ascii_)
    if m2:
        y = _cn_year(m2.group(1))
        if len(y) == 4 and 1949 <= int(y) <= 2035 and (best is None or m2.start() < best[0]):
            best = (m2.start(), y, text[m2.start():m2.end()])
    return None if best is None else (best[1], best[2])


def year_of(title: str, head: str, tail: str, body: str) -> tuple[str, str]:
    for where, text in (("title", title), ("title lines", head), ("signature", tail)):
        found = find_year(text)
        if found:
            return found[0], f"{where}: {found[1]}"
        vague = _VAGUE_YEAR_RE.search(text)
        if vague:
            return UNKNOWN, f"{where}: {vague.group(0)} (year left blank)"
    found = find_year(body[:300])
    if found:
        return found[0], f"opening: {found[1]}"
    vague = _VAGUE_YEAR_RE.search(body[:300])
    if vague:
        return UNKNOWN, f"opening: {vague.group(0)} (year left blank)"
    return UNKNOWN, ""


#: programmes every union runs, whatever its sector: their 教育 and 医疗 name no school or hospital
_PROGRAMMES = re.compile(r"(?:职工|思想政治|思想|政治|法制|法治|安全|宣传|主题|警示|廉政|廉洁|爱国主义|党性|道德|素质|路线|形势)"
                         r"教育|教育(?:培训|实践|活动)|(?:职工)?医疗(?:互助|保障|救助|保险|补助)")


def sector_of(title: str, head: str, body: str, organization: str = "") -> tuple[str, str]:
    """The sector named by the organisation, the title or the title lines; else the body's clear majority."""
    title, head, body = (_PROGRAMMES.sub("|", t) for t in (title, head, body))
    org = "" if organization in ("", UNKNOWN) else organization
    for where, text in (("organization", org), ("title", title), ("title lines", head)):
        for sector, words in SECTORS:
            for w in words:
                if w in text:
                    return sector, f"{where}: {w}"
        if re.search(r"[一二三四五六七八九十\d]中(?:\d|$|学)", text):
            return "school", f"{where}: school name"
    scores = []
    for sector, words in SECTORS:
        counts = {w: body.count(w) for w in words}
        total = sum(counts.values())
        if total:
            scores.append((total, sector, counts))
    if not scores:
        return UNKNOWN, ""
    scores.sort(key=lambda x: -x[0])
    total, sector, counts = scores[0]
    if total < 3 or (len(scores) > 1 and scores[1][0] * 1.5 > total):
        return UNKNOWN, "body: no clear sector (" + ", ".join(f"{s}×{t}" for t, s, _ in scores[:3]) + ")"
    words = ", ".join(f"{w}×{c}" for w, c in sorted(counts.items(), key=lambda x: -x[1]) if c)
    return sector, f"body: {words}"


_CARRIES = re.compile(r"(?:印发|转发|下发|发布)\s*《([^》]+)》")
#: how final a document is (``（征求意见稿）``, ``讨论稿``, ``（草稿）``): not its genre, though 稿 is a speech's word
_DRAFT = re.compile(r"[（(【]?\s*(?:征求意见|讨论|修改|修订|送审|审议|审定|草|初|定|终)稿\s*[）)】]?")


def doc_type_of(title: str, head: str, body: str) -> tuple[str, str]:
    """The genre word of the title (or title lines): the last one, as a Chinese title ends in its
    head noun (``…总结表彰大会上的讲话`` is a speech, ``关于…安排的通知`` a notice); a notice that
    carries a document (``关于印发《…工作要点》的通知``) has that document's type."""
    for where, text in (("title", title), ("title lines", head)):
        for line in text.splitlines() or [""]:
            carried = _CARRIES.search(line)
            # the carried document's type, else (no genre word in its title) the notice's own
            for part in ([carried.group(1)] if carried else []) + [line]:
                part = _DRAFT.sub(" ", part)
                found = [(part.rfind(w) + len(w), len(w), dtype, w) for dtype, words in DOC_TYPES for w in words
                         if w in part]
                if found:
                    _, _, dtype, w = max(found)
                    return dtype, f"{where}: {w}"
    opening = body[:400]
    for dtype, words in DOC_TYPES[:3]:
        if words[0] in opening:
            return dtype, f"opening: {words[0]}"
    return UNKNOWN, ""


_GENERIC_ORG = re.compile(r"(?:[市县区省我本某]|最新|精选|范文)*(?:机关|委机关|局机关|医院|学校|学院|大学|中学|小学|幼儿园|社区|乡镇|"
                          r"街道|卫生局|教育局|局|校|院|公司|集团|企业|工厂|厂|单位|教育|机关单位|基层|中心)?(?:总|分|教育)?工会(?:委员会)?")


def organization_of(title: str, head: str, tail: str) -> tuple[str, str]:
    """The organisation named in the title, signature or issuing line; a bare type
    (``机关工会``, ``医院工会``) names no organisation and is reported as unknown."""
    generic = placeholder = ""
    for where, text in (("title", title), ("title lines", head)):
        t = _NOT_IN_NAME.sub(" ", text.translate(_FULL_WIDTH_DIGITS))
        m = _ORG_RE.search(t)
        if m and not re.search(r"加强|推进|关于|建设|开展|做好|如何|进一步", m.group(1)):
            if _PLACEHOLDER.search(t[:m.start()]) or m.group(1).startswith("某"):
                generic = generic or f"{where}: {t[:m.end()].split()[-1]} (a placeholder, not a name)"
                continue
            if _GENERIC_ORG.fullmatch(m.group(1)):
                generic = generic or f"{where}: {m.group(1)} (a type, not a name)"
                continue
            return m.group(1), f"{where}: {m.group(1)}"
    for where, lines, longest in (("signature", reversed(tail.splitlines()), 40), ("title lines", head.splitlines(), 30)):
        for line in (x.strip() for x in lines):
            m = _ORG_SIGN_RE.match(line)
            if not m or len(line) > longest:
                continue
            if m.group(1).startswith(("某", "XX", "xx", "××")):   # the title lines may still name it
                placeholder = placeholder or f"{where}: {line} (a placeholder, not a name)"
                continue
            if _GENERIC_ORG.fullmatch(m.group(1)):
                generic = generic or f"{where}: {m.group(1)} (a type, not a name)"
                continue
            return m.group(1), f"{where}: {line}"
    return UNKNOWN, placeholder or generic


def article_metadata(title: str, head: str, body: str, tail: str) -> dict[str, str]:
    """year, sector, doc_type, organization of one article, each with ``<field>_evidence``."""
    out: dict[str, str] = {}
    out["year"], out["year_evidence"] = year_of(title, head, tail, body)
    out["organization"], out["organization_evidence"] = organization_of(title, head, tail)
    out["sector"], out["sector_evidence"] = sector_of(title, head, body, out["organization"])
    out["doc_type"], out["doc_type_evidence"] = doc_type_of(title, head, body)
    return out


def document_metadata(articles: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """A document's value of each field: the articles' shared value, ``mixed`` when they differ.

    The evidence lists the value of each article (``a1=health; a2=school``) so that
    ``mixed`` can be unpacked; per-article values are in articles.csv.
    """
    metas = list(articles)
    out: dict[str, str] = {}
    for f in FIELDS:
        values = [m.get(f, UNKNOWN) for m in metas]
        known = [v for v in values if v and v != UNKNOWN]
        distinct = list(dict.fromkeys(known))
        if not distinct:
            out[f], out[f"{f}_evidence"] = UNKNOWN, ""
            continue
        if len(distinct) == 1:
            out[f] = distinct[0]
        else:
            out[f] = MIXED
        if len(metas) == 1:
            out[f"{f}_evidence"] = metas[0].get(f"{f}_evidence", "")
        else:
            counts = Counter(known)
            out[f"{f}_evidence"] = "; ".join(f"a{i + 1}={v}" for i, v in enumerate(values)) + \
                (f" (most common: {counts.most_common(1)[0][0]})" if len(distinct) > 1 else "")
    return out
