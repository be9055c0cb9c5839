"""Segmentation: a repaired document → articles (篇) → a tree of items.

The stage is a plain function, ``segment(doc) -> SegmentedDocument``; it reads
``doc.text`` in simplified script (``simplified_text``: the cues below are
simplified words, whatever script the run writes) and never touches the disk.
Articles and items are spans of ``doc.text``; ``text_original`` is the same span
of ``doc.text_original`` (the texts have equal length by construction).

How the outline is found, in the order the code runs (module in brackets):

1. **Articles** (``articles``). A line ``第一篇：…``, ``…工作计划篇1``, ``…计划 篇一`` or
   ``【篇一】…`` opens an article; text before the first such line is the site's
   page title, not an article.  A file without markers is one article.
2. **Title apparatus** (``articles``, line kinds in ``lines``). The short lines after
   the article line that repeat the title, or carry a document number
   (``林工发[2012]4号``), an issuing body, a date, a notice title (``关于…的通知``) or
   a salutation (``各乡镇…：``), are part of the title, not items; so are signatures,
   dates, ``主题词``/``抄送`` lines and a repeated title anywhere in the article.
3. **Lines → chunks** (``linebreaks``). A line that was cut mid-sentence by the scraper
   (``…示范点。计划确`` + ``定适合…``) is joined to the next one.
4. **Chunks → segments** (``linebreaks``). A chunk is cut where a marker was lost in a
   merge (``…认真进行总结。、明确…``), where a numbered list starts after a colon and a
   space (``…开展以下工作： 1.宣…``), where the next number of the chunk's own
   list follows a full stop (``1、…。2、…``), and between a heading and the
   paragraph glued after it with a space (``七、履行职能… 各基层工会要…``).
5. **Segments → tree** (``outline``). Like an outline editor: the first marker style
   seen in an article is level 1, a new style opens a level below the current item, a
   style already open closes the levels below it.  Numbering may continue across
   sections, skip numbers or restart.  A short unnumbered line followed by a
   list starting at 1 is a heading over that list; an unnumbered paragraph goes
   under the nearest open heading.

Marker styles (``一、``, ``(1)``, ``①``, ``一是``, ``五月份`` …) are listed in ``markers``.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, Sequence

from . import _callable_stage
from .articles import ArticleSpan, drop_apparatus, find_articles, split_title_apparatus
from .articles import parse_article_line  # noqa: F401 - imported from here before the split (re-exported)
from .config import Config
from .linebreaks import cut_segments, heading_only_styles, join_wrapped_lines
from .markers import LOST
from .markers import cn_to_int, parse_marker  # noqa: F401 - imported from here before the split (re-exported)
from .model import Article, Document, FileError, Item, SegmentedDocument
from .outline import build_outline, outline_paths, resolve_lost_numbers
from .script import ScriptConverter


def article_items(doc: Document, span: ArticleSpan, view: str | None = None) -> list[Item]:
    """The items of one article of ``doc``; ``view``: the text ``span`` was found in (``simplified_text``)."""
    view = doc.text if view is None else view
    lines, resets = drop_apparatus(span)
    chunks = join_wrapped_lines(lines, view)
    segs = [s for s in cut_segments(chunks, view, heading_only_styles(lines)) if s.end > s.start]
    nodes = build_outline(resolve_lost_numbers(segs), resets)
    paths = outline_paths(nodes)
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
        split_title_apparatus(span)
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
