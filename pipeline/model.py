"""Records shared by every stage: frozen, typed, with offsets instead of copies.

``Document`` → ``Article`` → ``Item``, plus ``Repair`` and ``ItemLabel``.  Stages
never mutate a record; they return new ones (``dataclasses.replace``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

LABELS = ("organization", "rights", "welfare", "culture", "other")
CODEBOOK_VERSION = "1"


@dataclass(frozen=True)
class Repair:
    """One change made by one rule, replayable in order.

    ``start``/``end`` is the span replaced in the text as it stood just before
    this repair; ``out_start``/``out_end`` the span of ``after`` in the text just
    after it.  Replaying the repairs of a document in ``seq`` order on its decoded
    text rebuilds its clean text (see ``pipeline.ingest.replay``).
    """

    rule: str
    start: int
    end: int
    out_start: int
    out_end: int
    before: str
    after: str
    seq: int = 0
    confidence: float = 1.0
    note: str = ""

    @classmethod
    def make(cls, rule: str, start: int, end: int, out_start: int, out_end: int, before: str, after: str,
             seq: int = 0, confidence: float = 1.0, note: str = "") -> "Repair":
        """The same record as ``Repair(...)``, made without the frozen dataclass's ten ``__setattr__``
        calls: a run makes one per widened comma and stripped reading (1.5 million for 50 MB of the
        samples), and the constructor was a fifth of applying them."""
        r = object.__new__(cls)
        r.__dict__.update(rule=rule, start=start, end=end, out_start=out_start, out_end=out_end, before=before,
                          after=after, seq=seq, confidence=confidence, note=note)
        return r


@dataclass(frozen=True)
class Document:
    """One input file after ingestion.

    ``raw_text`` is the decoded input; ``text_original`` the repaired text in the
    document's own script; ``text`` the repaired text in the target script.
    ``text`` and ``text_original`` have the same length, character for character,
    so one offset serves both.
    """

    doc_id: str
    source: str
    sha256: str
    encoding: str
    script: str
    raw_text: str
    text_original: str
    text: str
    repairs: tuple[Repair, ...] = ()
    warnings: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    n_bytes: int = 0


@dataclass(frozen=True)
class Article:
    """A 篇 inside a document: a span of the clean text with its own title."""

    article_id: str
    doc_id: str
    index: int
    title: str
    start: int
    end: int
    metadata: Mapping[str, Any] = field(default_factory=dict)
    duplicate_of: Optional[str] = None


@dataclass(frozen=True)
class Item:
    """A numbered or unnumbered unit of an article, placed in its outline."""

    item_id: str
    doc_id: str
    article: int
    path: str
    level: int
    marker: str
    is_heading: bool
    text: str
    text_original: str
    parent_id: Optional[str]
    start: int
    end: int
    duplicate_of: Optional[str] = None


@dataclass(frozen=True)
class ItemLabel:
    """What the classifier says about one item."""

    item_id: str
    primary_label: str
    secondary_labels: tuple[str, ...]
    confidence: float
    top_terms: tuple[str, ...] = ()
    model: str = ""


@dataclass(frozen=True)
class SegmentedDocument:
    """A document with its articles and items (the output of ``segment``)."""

    document: Document
    articles: tuple[Article, ...]
    items: tuple[Item, ...]


@dataclass(frozen=True)
class FileError:
    """A file that could not be processed, for ``errors.csv``."""

    file: str
    stage: str
    kind: str
    message: str
