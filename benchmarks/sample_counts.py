"""Counts of the damage the ingestion rules target, on the sample reports before and after repair.

    .venv/bin/python benchmarks/sample_counts.py [data/raw]

Before = the decoded file; after = the repaired text in the report's own script
(``script="keep"``).  The patterns here are written independently of the rules
(no rule regex is imported), so the counts check the rules rather than echo them:

* pinyin: a Chinese character followed by ``(reading)`` where pypinyin lists the
  reading for that character; ``(latin)``: any parenthesised lower-case Latin word
  after a Chinese character (placeholders such as ``(xx)`` included);
* ``?`` for a mark: an ASCII ``?`` touching a Chinese character or a 、，。“”《》 on
  both sides, not doubled (``??`` is broken GBK) and not ending a clause that
  holds a question word; ``?`` total: every ASCII ``?`` (the rest are real
  questions or GBK damage left for the GBK rule); questions: ``?``/``？`` after a
  clause with a question word;
* boilerplate lines: lines holding a watermark, a 小编 intro, a bare timestamp,
  a 相关文章 heading or one of its dated items, a trailing page counter, a
  ``[范文模版]`` tag or an HTML remnant.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import Config  # noqa: E402
from pipeline.ingest import Toolkit, ingest  # noqa: E402

HAN = r"\u4e00-\u9fff"
PY = "a-zāáǎàōóǒòēéěèīíǐìūúǔùǖǘǚǜü"
GLUED = re.compile(f"([{HAN}])\\(([{PY}]{{1,7}})\\)")
QMARK_SIDE = f"[{HAN}、，,。“”《》]"
QUESTION = re.compile(r"[吗嗎呢么麼谁誰哪]|什[么麼]|怎|如何|為何|为何|几|幾|多少|是否|能否|难道|難道")
BOILER = [
    re.compile(r"\[本文[来來]源[于於]"), re.compile(r"原[创創][:：]\s*\w+\.\w+"), re.compile(r"小[编編].*(参考|參考|启发|啟發)"),
    re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?\s*$"), re.compile(r"相[关關]文章\s*$"),
    re.compile(r"\[范文模[版板]\]"), re.compile(r"</?p>|<br\s*/?>|&nbsp;"),
]
RELATED_ITEM = re.compile(r"^\s*\S.{0,40}\d{2}-\d{2}\s*$")
COUNTER = re.compile(r"^\s*\d{1,4}\s+\d{3,6}\s*$")


def pinyin_counts(text: str) -> tuple[int, int]:
    from pypinyin import Style, pinyin

    def reads(ch: str) -> set[str]:
        return {r for style in (Style.TONE, Style.NORMAL)
                for r in pinyin(ch, style=style, heteronym=True, errors="ignore")[0]} if ch else set()

    found = GLUED.findall(text)
    return sum(1 for ch, py in found if py in reads(ch)), len(found)


def qmark_counts(text: str) -> tuple[int, int, int]:
    quote_like = 0
    for m in re.finditer(r"\?", text):
        i = m.start()
        before, after = text[i - 1:i], text[i + 1:i + 2]
        if "?" in (before, after):
            continue
        clause = re.split(r"[。！!；;？?，,：:\n]", text[max(0, i - 40):i])[-1]
        if QUESTION.search(clause):
            continue
        if re.match(QMARK_SIDE, before) and re.match(QMARK_SIDE, after):
            quote_like += 1
    questions = 0
    for m in re.finditer(r"[?？]", text):
        clause = re.split(r"[。！!；;？?，,：:\n]", text[max(0, m.start() - 40):m.start()])[-1]
        questions += bool(QUESTION.search(clause))
    return quote_like, text.count("?"), questions


def boilerplate_lines(text: str) -> int:
    lines = text.split("\n")
    n = 0
    in_related = False
    last_content = max((i for i, ln in enumerate(lines) if ln.strip()), default=-1)
    for i, ln in enumerate(lines):
        if any(rx.search(ln) for rx in BOILER):
            n += 1
            in_related = bool(re.search(r"相[关關]文章\s*$", ln))
        elif in_related and RELATED_ITEM.match(ln):
            n += 1
        elif i == last_content and COUNTER.match(ln):
            n += 1
        elif ln.strip():
            in_related = False
    return n


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    folder = Path(args[0]) if args else ROOT / "data" / "raw"
    kit = Toolkit(Config(script="keep"))
    head = (f"{'report':22s} {'':6s} {'pinyin':>6s} {'(latin)':>7s} {'?-mark':>6s} {'? all':>5s} "
            f"{'questions':>9s} {'boilerplate':>11s}")
    print(head)
    totals = {"before": [0] * 6, "after": [0] * 6}
    for p in sorted(folder.glob("*.txt")):
        doc = ingest(p, kit=kit)
        for label, text in (("before", doc.raw_text), ("after", doc.text_original)):
            row = [*pinyin_counts(text), *qmark_counts(text), boilerplate_lines(text)]
            totals[label] = [a + b for a, b in zip(totals[label], row)]
            print(f"{p.stem[:22]:22s} {label:6s} {row[0]:6d} {row[1]:7d} {row[2]:6d} {row[3]:5d} {row[4]:9d} {row[5]:11d}")
    for label, row in totals.items():
        print(f"{'all five':22s} {label:6s} {row[0]:6d} {row[1]:7d} {row[2]:6d} {row[3]:5d} {row[4]:9d} {row[5]:11d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
