"""Near-duplicate articles and items across a corpus: MinHash on character shingles + LSH.

范文 sites copy text between pages and within a page (one sample holds the same
article twice, once with its markers lost).  Statistics count each text once
by default, so every article and item whose character 4-shingles overlap an
earlier one's by Jaccard similarity ≥ ``config.duplicate_threshold`` gets
``duplicate_of`` = the id of the earliest such text (documents in ``doc_id``
order, then articles and items in reading order).  Items are compared across
articles, and inside an article only with their place in the outline: a task an
article repeats under another heading (a monthly plan's tasks, month after month)
is the author's, not a copy; an item under the same heading as its earlier twin,
or under a copy of that heading (an article shown twice with no 篇 line between
the copies), is a copy.

Technique: MinHash signatures (Broder 1997) of the shingle sets, indexed with
datasketch's ``MinHashLSH`` (banding) to find candidates without comparing all
pairs; a candidate is accepted when the signatures agree on at least the
threshold share of positions (the MinHash estimate of Jaccard similarity).
Shingle hashing and the permutations are vectorised with numpy and seeded, so
signatures are deterministic across processes (Python's ``hash`` is not).

Two ways in:

* ``mark_duplicates(segmented, config)``: in memory, for a list of documents;
* ``signatures(seg)`` per document (in workers), then
  ``duplicates_from_signatures([(doc_id, sig), …], config)`` once (the run engine
  ships only the compact signatures between processes).
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from .config import Config
from .model import SegmentedDocument

SHINGLE = 4
NUM_PERM = 128
SEED = 20240501
_CHUNK = 4096
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _params(num_perm: int = NUM_PERM, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.Generator(np.random.PCG64(seed))
    a = rng.integers(1, 2 ** 63, size=num_perm, dtype=np.uint64) | np.uint64(1)   # odd multipliers
    b = rng.integers(0, 2 ** 63, size=num_perm, dtype=np.uint64)
    return a, b


_A, _B = _params()


def normalize(text: str) -> str:
    """Characters that carry content: punctuation, spaces and markers' dots drop out."""
    return re.sub(r"[\W_]+", "", text)


def shingle_hashes(text: str, k: int = SHINGLE) -> np.ndarray:
    """64-bit hashes of the distinct character k-shingles of ``text`` (the whole text if shorter)."""
    norm = normalize(text)
    if not norm:
        return np.zeros(0, dtype=np.uint64)
    cp = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    k = min(k, len(cp))
    n = len(cp) - k + 1
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * np.uint64(0x100000001B3) + cp[j:j + n]
        # splitmix64 finaliser: spreads the polynomial hash over all bits
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return np.unique(h)


def minhash(text: str) -> np.ndarray | None:
    """The MinHash signature (``NUM_PERM`` uint32 values) of ``text``; None when it has no content."""
    h = shingle_hashes(text)
    if h.size == 0:
        return None
    sig = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(0, h.size, _CHUNK):
            part = h[i:i + _CHUNK]
            vals = (np.outer(_A, part) + _B[:, None]) >> np.uint64(32)    # multiply-shift hashing
            sig = np.minimum(sig, vals.min(axis=1))
    return sig.astype(np.uint32)


def _finalize(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, as in ``shingle_hashes`` (in place)."""
    with np.errstate(over="ignore"):
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return h


def _min_by_owner(h: np.ndarray, owner: np.ndarray, n_owners: int) -> np.ndarray:
    """Per owner, the MinHash of its shingle hashes ``h`` (``owner`` non-decreasing); uint64, max where none."""
    sig = np.full((n_owners, NUM_PERM), np.iinfo(np.uint32).max, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(0, h.size, _CHUNK):
            part, who = h[i:i + _CHUNK], owner[i:i + _CHUNK]
            vals = (np.outer(_A, part) + _B[:, None]) >> np.uint64(32)    # multiply-shift hashing
            starts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])  # runs of one owner in this chunk
            rows = who[starts]
            sig[rows] = np.minimum(sig[rows], np.minimum.reduceat(vals, starts, axis=1).T)
    return sig


def _window_hashes(norms: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The shingle hashes of every window inside each text (all ``SHINGLE`` long), and the text of each."""
    lens = np.array([len(n) for n in norms], dtype=np.int64)
    cp = np.frombuffer("".join(norms).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(cp) - SHINGLE + 1
    h = np.zeros(max(n, 0), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(SHINGLE):
            h = h * np.uint64(0x100000001B3) + cp[j:j + n]
    counts = lens - SHINGLE + 1                       # windows inside each text
    first = np.cumsum(counts) - counts                # where each text's windows start among the kept ones
    offsets = np.cumsum(lens) - lens                  # where each text starts in the joined string
    h = h[np.repeat(offsets - first, counts) + np.arange(int(counts.sum()))]
    return _finalize(h), np.repeat(np.arange(len(norms)), counts)


def minhashes(texts: Sequence[str]) -> list[np.ndarray | None]:
    """``[minhash(t) for t in texts]``, with the numpy work done for all texts at once.

    One document has hundreds of items; hashing them one by one spent most of its
    time in numpy's per-call overhead.  Here the normalized texts are joined,
    hashed in one rolling pass, and only the windows inside one text are kept;
    the minimum per text is then taken over its own windows (a minimum does not
    care that ``shingle_hashes`` removes repeats), so every signature is
    exactly ``minhash``'s.
    """
    return _minhashes([normalize(t) for t in texts], texts)


def _minhashes(norms: list[str], texts: Sequence[str]) -> list[np.ndarray | None]:
    out: list[np.ndarray | None] = [None] * len(norms)
    full = [i for i, n in enumerate(norms) if len(n) >= SHINGLE]
    for i, n in enumerate(norms):
        if 0 < len(n) < SHINGLE:  # shorter than a shingle: the whole text is its one shingle
            out[i] = minhash(texts[i])
    if full:
        h, owner = _window_hashes([norms[i] for i in full])
        sig32 = _min_by_owner(h, owner, len(full)).astype(np.uint32)
        for k, i in enumerate(full):
            out[i] = sig32[k]
    return out


def article_minhashes(texts: Sequence[str], groups: Sequence[Sequence[int]]
                      ) -> tuple[list[np.ndarray | None], list[np.ndarray | None]]:
    """``minhashes(texts)`` and, per group, ``minhash("\\n".join(texts[i] for i in group))``.

    An article is its items joined: its windows are those inside its items plus
    the few that cross from one item into the next.  So an article's signature
    is the minimum of its items' signatures (those at least a shingle long) and
    of the crossing windows': the items' windows are hashed once, not twice.
    """
    norms = [normalize(t) for t in texts]
    items = _minhashes(norms, texts)
    arts: list[np.ndarray | None] = [None] * len(groups)
    cross: list[str] = []
    cross_owner: list[int] = []
    for g, members in enumerate(groups):
        joined = "".join(norms[i] for i in members)
        if not joined:
            continue
        if len(joined) < SHINGLE:
            arts[g] = minhash("\n".join(texts[i] for i in members))
            continue
        starts: set[int] = set()
        pos = 0
        for i in members[:-1]:  # each boundary between two items: the windows that cross it
            pos += len(norms[i])
            if 0 < pos < len(joined):
                starts.update(range(max(0, pos - SHINGLE + 1), min(pos, len(joined) - SHINGLE + 1)))
        for p in sorted(starts):
            cross.append(joined[p:p + SHINGLE])
            cross_owner.append(g)
        inside = [items[i] for i in members if len(norms[i]) >= SHINGLE]
        arts[g] = np.minimum.reduce(inside).astype(np.uint64) if inside else \
            np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint64)
    if cross:
        h, _ = _window_hashes(cross)  # each crossing window is a text of exactly one shingle
        owner = np.asarray(cross_owner)
        with_cross = sorted(set(cross_owner))
        sig = _min_by_owner(h, np.searchsorted(with_cross, owner), len(with_cross))
        for k, g in enumerate(with_cross):
            arts[g] = np.minimum(arts[g], sig[k])
    return items, [a.astype(np.uint32) if a is not None else None for a in arts]


@dataclass(frozen=True)
class Signatures:
    """Compact per-document material for corpus-level duplicate detection (picklable)."""

    article_ids: tuple[str, ...]
    articles: np.ndarray        # (n_articles, NUM_PERM) uint32
    item_ids: tuple[str, ...]
    items: np.ndarray           # (n_items, NUM_PERM) uint32


def _stack(pairs: list[tuple[str, np.ndarray]]) -> tuple[tuple[str, ...], np.ndarray]:
    if not pairs:
        return (), np.zeros((0, NUM_PERM), dtype=np.uint32)
    return tuple(p[0] for p in pairs), np.vstack([p[1] for p in pairs])


def signatures(seg: SegmentedDocument, item_rows: Sequence[dict] | None = None) -> Signatures:
    """MinHash signatures of the articles (their items' text) and items of one document.

    ``item_rows`` (the engine passes its table rows) is accepted and not needed.
    """
    members: dict[int, list[int]] = {}
    for i, it in enumerate(seg.items):   # an article's content is its items: titles and signatures do not count
        members.setdefault(it.article, []).append(i)
    item_sigs, art_sigs = article_minhashes([it.text for it in seg.items],
                                            [members.get(a.index, []) for a in seg.articles])
    arts = [(a.article_id, s) for a, s in zip(seg.articles, art_sigs) if s is not None]
    items = [(it.item_id, s) for it, s in zip(seg.items, item_sigs) if s is not None]
    a_ids, a_sig = _stack(arts)
    i_ids, i_sig = _stack(items)
    return Signatures(a_ids, a_sig, i_ids, i_sig)


class FirstDuplicates:
    """Each text fed in (in reading order) → the earliest earlier text whose signature agrees on ≥ ``threshold``.

    Candidates come from LSH banding with datasketch's parameters for this
    threshold (``MinHashLSH``: ``b`` bands of ``r`` positions; two signatures are
    candidates when one band is equal).  The bands are looked up as bytes in one
    dict per band, as ``MinHashLSH`` does, without building a ``MinHash`` object
    per text (that took half of this step).  The earliest candidate that agrees
    enough wins.  Texts can be fed in several calls (a document at a time): the
    answers are those of one call with everything, as long as the texts of one
    ``group`` (an article's items) come in one call.
    """

    def __init__(self, threshold: float, group: Callable[[str], str] | None = None,
                 ranges: list[tuple[int, int]] | None = None):
        from datasketch import MinHashLSH

        self.threshold = threshold
        # (datasketch works the bands out by integration: ``ranges`` reuses another index's)
        self.ranges = ranges or MinHashLSH(threshold=threshold, num_perm=NUM_PERM).hashranges
        self.tables: list[dict[bytes, list[int]]] = [{} for _ in self.ranges]
        self.kept: list[np.ndarray] = []     # signatures of the kept (not duplicate) texts
        self.kept_ids: list[str] = []
        #: texts of the same group (an item's article) are never duplicates of each other
        self.group = group
        self.kept_groups: list[str | None] = []

    def add(self, ids: Sequence[str], sigs: np.ndarray) -> dict[str, str]:
        sigs = np.ascontiguousarray(sigs, dtype=np.uint32)
        bands = []
        for lo, hi in self.ranges:
            band = np.ascontiguousarray(sigs[:, lo:hi])
            bands.append(band.view(np.dtype((np.void, band.shape[1] * band.itemsize))).ravel().tolist())
        out: dict[str, str] = {}
        copies = self._copies_in_group(ids, sigs) if self.group else {}
        for n, id_ in enumerate(ids):
            cands: set[int] = set()
            for table, keys in zip(self.tables, bands):
                hit = table.get(keys[n])
                if hit:
                    cands.update(hit)
            sig = sigs[n]
            g = self.group(id_) if self.group else None
            best = next((j for j in sorted(cands) if (g is None or self.kept_groups[j] != g)
                         and float(np.mean(self.kept[j] == sig)) >= self.threshold), None)
            if best is not None:
                out[id_] = self.kept_ids[best]
                continue
            if id_ in copies:  # a copy of a text earlier in its group: the earliest that text points at
                out[id_] = out.get(copies[id_], copies[id_])
                continue
            for table, keys in zip(self.tables, bands):
                table.setdefault(keys[n], []).append(len(self.kept))
            self.kept.append(sig)
            self.kept_ids.append(id_)
            self.kept_groups.append(g)
        return out

    def _copies_in_group(self, ids: Sequence[str], sigs: np.ndarray) -> dict[str, str]:
        """Items that copy an earlier item of their own article together with its place in the
        outline: ``{id: the earlier id}``.

        A monthly plan repeats a task under each month (``九月/及时做好慰问工作``,
        ``十月/及时做好慰问工作``): the author's, counted each time, and the months differ.
        A report that shows its article twice without a 篇 line between the copies has
        one article holding both: there an item's parent is its original's parent, or a
        copy of it (``主要工作/1、…`` under the second ``主要工作``), and it is a copy.
        Items of one article come in one call (``CorpusDuplicates`` feeds a document).
        """
        members: dict[str, list[int]] = {}
        for n, id_ in enumerate(ids):
            members.setdefault(self.group(id_), []).append(n)
        out: dict[str, str] = {}
        for idx in members.values():
            if len(idx) < 2:
                continue
            local = [ids[n] for n in idx]
            # each item's earliest near-identical item in the article (this index, one article)
            twin = FirstDuplicates(self.threshold, ranges=self.ranges).add(local, sigs[idx])
            at = {id_: t for t, id_ in enumerate(local)}
            earliest = [at.get(twin.get(id_)) for id_ in local]
            path_at = {id_.rsplit("/", 1)[-1]: t for t, id_ in enumerate(local)}
            parent = [path_at.get(id_.rsplit("/", 1)[-1].rpartition(".")[0]) for id_ in local]
            for t, s in enumerate(earliest):
                if s is not None and (parent[t] == parent[s]
                                      or (parent[t] is not None and parent[s] is not None
                                          and earliest[parent[t]] == parent[s])):
                    out[local[t]] = local[s]
        return out


def item_article(item_id: str) -> str:
    """The ``article_id`` of an item: its ``item_id`` is ``{article_id}/{path}``."""
    return item_id.rsplit("/", 1)[0]


def _first_duplicates(ids: Sequence[str], sigs: np.ndarray, threshold: float) -> dict[str, str]:
    return FirstDuplicates(threshold).add(ids, sigs)


class CorpusDuplicates:
    """``duplicates_from_signatures`` a document at a time: feed documents in doc_id order.

    Articles are compared with articles and items with items, each in reading
    order, so a document's answers are known as soon as the documents before it
    are in: the run writes its rows while later documents are still processed.
    """

    def __init__(self, config: Config | None = None):
        threshold = (config or Config()).duplicate_threshold
        self.articles = FirstDuplicates(threshold)
        # a task an article repeats (a monthly plan's 及时做好慰问工作 in every month)
        # is the author's, not a copy: items are compared across articles only
        self.items = FirstDuplicates(threshold, group=item_article)

    def add(self, sig: Signatures | None) -> dict[str, str]:
        if sig is None:
            return {}
        out = self.articles.add(sig.article_ids, sig.articles) if len(sig.article_ids) else {}
        if len(sig.item_ids):
            out.update(self.items.add(sig.item_ids, sig.items))
        return out


def duplicates_from_signatures(material: Iterable[tuple[str, Signatures]], config: Config | None = None
                               ) -> dict[str, str]:
    """``{article_or_item_id: id of the earliest near-duplicate}`` over a corpus."""
    index = CorpusDuplicates(config)
    out: dict[str, str] = {}
    for _, sig in sorted(((d, s) for d, s in material if s is not None), key=lambda x: x[0]):
        out.update(index.add(sig))
    return out


def mark_duplicates(segmented: list[SegmentedDocument], config: Config | None = None,
                    read: list[SegmentedDocument] | None = None) -> list[SegmentedDocument]:
    """The documents with ``duplicate_of`` set on near-duplicate articles and items;
    ``read``: the same documents as the comparison should read them (their items in
    simplified script, ``segment.simplified_items``), by default ``segmented``."""
    dup = duplicates_from_signatures([(s.document.doc_id, signatures(s)) for s in (read or segmented)], config)
    out = []
    for s in segmented:
        arts = tuple(dataclasses.replace(a, duplicate_of=dup.get(a.article_id)) for a in s.articles)
        items = tuple(dataclasses.replace(it, duplicate_of=dup.get(it.item_id)) for it in s.items)
        out.append(dataclasses.replace(s, articles=arts, items=items))
    return out
