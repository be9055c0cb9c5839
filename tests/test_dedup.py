"""Near-duplicates: MinHash signatures, LSH candidates, the earliest copy as duplicate_of."""
from __future__ import annotations

import numpy as np

from pipeline.config import Config
from pipeline.dedup import (duplicates_from_signatures, mark_duplicates, minhash, shingle_hashes,
                            signatures)
from pipeline.segment import segment
from tests.test_segment import make_doc

BASE = ("为贯彻落实区委及街道党工委员对维护农民工合法权益的重要批示及指示精神，加快基层工会组织建设，"
        "切实维护进城务工人员的合法权益，结合我社区实际，就加强工会目标管理建设提出如下意见。")


def test_signatures_are_deterministic_and_content_only():
    a, b = minhash(BASE), minhash(BASE)
    assert a is not None and a.dtype == np.uint32 and a.shape == (128,)
    assert np.array_equal(a, b)
    assert np.array_equal(minhash("工会，组织！"), minhash("工会组织")), "punctuation should not matter"
    assert minhash("，。 ") is None
    assert shingle_hashes("工会").size == 1, "a text shorter than a shingle is one shingle"


def test_similarity_estimate_tracks_jaccard():
    near = BASE.replace("加快", "加速")
    far = "开展丰富多彩的文体活动，丰富职工业余文化生活，增强职工队伍的凝聚力和向心力，组织职工参加运动会。"
    same = lambda x, y: float(np.mean(minhash(x) == minhash(y)))  # noqa: E731
    assert same(BASE, near) > 0.8
    assert same(BASE, far) < 0.2


def test_mark_duplicates_points_later_copies_at_the_earliest():
    text1 = f"第一篇：意见\n{BASE}\n一、组织建设\n1、抓好组建工作。\n第二篇：意见\n{BASE}\n一、组织建设\n1、抓好组建工作。\n"
    other = "学校工会工作计划\n一、开展文体活动，组织职工参加运动会和书画展览，丰富业余生活。\n"
    segs = mark_duplicates([segment(make_doc(other, "b")), segment(make_doc(text1, "a"))])
    a = next(s for s in segs if s.document.doc_id == "a")
    assert [x.duplicate_of for x in a.articles] == [None, "a/a1"]
    dup = {it.item_id: it.duplicate_of for it in a.items}
    assert dup["a/a2/1"] == "a/a1/1" and dup["a/a2/2"] == "a/a1/2" and dup["a/a1/1"] is None
    b = next(s for s in segs if s.document.doc_id == "b")
    assert all(it.duplicate_of is None for it in b.items)


def test_a_task_an_article_repeats_is_not_a_duplicate_but_a_copy_in_another_article_is():
    # a monthly plan repeats its tasks every month: the author's, counted each time;
    # the same task in another article (a copied plan) is a duplicate
    task = "及时做好学校各项慰问工作，走访生病住院和家庭困难的教职工，送去组织的关怀。"
    plan = f"学校工会工作计划\n一、九月\n1、{task}\n二、十月\n1、{task}\n三、十一月\n1、{task}\n"
    other = f"学校工会工作要点\n一、工作要求\n1、{task}\n"
    segs = mark_duplicates([segment(make_doc(plan, "a")), segment(make_doc(other, "b"))])
    a, b = segs
    repeats = [it for it in a.items if it.text.startswith("及时做好")]
    assert len(repeats) == 3 and all(it.duplicate_of is None for it in repeats)
    copy = next(it for it in b.items if it.text.startswith("及时做好"))
    assert copy.duplicate_of == repeats[0].item_id


def test_an_article_shown_twice_without_a_pian_line_counts_once():
    # a scraped page that repeats its article with no 第二篇 between the copies: one
    # article holds both, and since items are compared across articles only, every
    # item of the second copy was counted again
    art = ("学校工会工作计划\n一、指导思想\n以习近平新时代中国特色社会主义思想为指导，认真贯彻落实上级工会的各项部署。\n"
           "二、主要工作\n1、加强教职工思想政治教育，组织学习。\n2、做好困难教职工帮扶工作，及时走访慰问。\n"
           "3、开展丰富多彩的文体活动，增强凝聚力。\n")
    (seg,) = mark_duplicates([segment(make_doc(art + art, "a"))])
    assert len(seg.articles) == 1
    leaves = [it for it in seg.items if not it.is_heading]
    assert len(leaves) == 8
    assert [it.duplicate_of for it in leaves[:4]] == [None] * 4
    assert [it.duplicate_of for it in leaves[4:]] == [it.item_id for it in leaves[:4]]


def test_threshold_comes_from_the_config():
    t1 = BASE
    t2 = BASE[:60] + "，并提出具体的工作措施和考核办法，确保各项任务落到实处。"
    segs = [segment(make_doc(t1, "a")), segment(make_doc(t2, "b"))]
    strict = mark_duplicates(segs, Config(duplicate_threshold=0.95))
    loose = mark_duplicates(segs, Config(duplicate_threshold=0.3))
    assert strict[1].items[0].duplicate_of is None
    assert loose[1].items[0].duplicate_of == "a/a1/1"


def test_worker_signatures_give_the_same_answer_as_mark_duplicates():
    segs = [segment(make_doc(f"{BASE}\n二、措施\n", "a")), segment(make_doc(f"{BASE}\n三、保障\n", "b"))]
    via_sig = duplicates_from_signatures([(s.document.doc_id, signatures(s)) for s in reversed(segs)])
    marked = mark_duplicates(segs)
    from_marked = {x.item_id: x.duplicate_of for s in marked for x in s.items if x.duplicate_of}
    from_marked.update({x.article_id: x.duplicate_of for s in marked for x in s.articles if x.duplicate_of})
    assert via_sig == from_marked and via_sig["b/a1/1"] == "a/a1/1"


def test_minhashes_of_many_texts_are_each_texts_minhash():
    from pipeline.dedup import _CHUNK, minhashes

    long = "职工之家建设" * (_CHUNK // 3)  # longer than one chunk of windows: a text split across chunks
    texts = ["", "。，", "工会", "工会工作", "一、加强职工之家建设，组织劳动竞赛。", long, "abc_1", "工会工作",
             "（一）走访慰问困难职工", long[:-7] + "送温暖"]
    got = minhashes(texts)
    for text, sig in zip(texts, got):
        want = minhash(text)
        assert (sig is None) == (want is None), text[:10]
        if want is not None:
            assert np.array_equal(sig, want), f"signature of {text[:10]!r} differs"
    assert minhashes([]) == []


def _first_duplicates_with_datasketch(ids, sigs, threshold):
    """The reference: datasketch's MinHashLSH queried text by text (what _first_duplicates replaces)."""
    from datasketch import MinHash, MinHashLSH

    from pipeline.dedup import NUM_PERM

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    perms = (np.ones(NUM_PERM, dtype=np.uint64), np.zeros(NUM_PERM, dtype=np.uint64))
    order, kept, out = {}, [], {}
    for id_, sig in zip(ids, sigs):
        mh = MinHash(num_perm=NUM_PERM, hashvalues=sig.astype(np.uint64), permutations=perms, scheme="affine32")
        best = None
        for cand in lsh.query(mh):
            j = order[cand]
            if float(np.mean(kept[j] == sig)) >= threshold and (best is None or j < order[best]):
                best = cand
        if best is not None:
            out[id_] = best
            continue
        order[id_] = len(kept)
        kept.append(sig)
        lsh.insert(id_, mh)
    return out


def test_banding_finds_the_same_first_duplicates_as_datasketch():
    from pipeline.dedup import NUM_PERM, _first_duplicates

    rng = np.random.default_rng(7)
    base = rng.integers(0, 2 ** 32, size=(60, NUM_PERM), dtype=np.uint64).astype(np.uint32)
    rows = []
    for i in range(400):  # copies of the 60 bases with 0–40 positions changed: around every threshold
        sig = base[rng.integers(60)].copy()
        k = int(rng.integers(0, 41))
        sig[rng.choice(NUM_PERM, size=k, replace=False)] = rng.integers(0, 2 ** 32, size=k, dtype=np.uint64)
        rows.append(sig)
    sigs = np.vstack(rows)
    ids = [f"d{i:03d}" for i in range(len(rows))]
    for threshold in (0.5, 0.8, 0.9):
        got = _first_duplicates(ids, sigs, threshold)
        assert got == _first_duplicates_with_datasketch(ids, sigs, threshold), f"threshold {threshold}"
        assert got, "the test data should hold near-duplicates"


def test_article_signatures_from_item_windows_are_the_joined_texts_minhash():
    from pipeline.dedup import article_minhashes

    texts = ["一、加强职工之家建设", "工会", "（一）走访", "。", "慰问困难职工和劳模", "ab", "c", "d", "送温暖"]
    groups = [[0, 1, 2], [3], [4, 5, 6, 7], [1, 5], [], [6, 7], [8], [2, 3, 1]]
    items, arts = article_minhashes(texts, groups)
    for text, sig in zip(texts, items):
        want = minhash(text)
        assert (sig is None) == (want is None) and (want is None or np.array_equal(sig, want))
    for group, sig in zip(groups, arts):
        want = minhash("\n".join(texts[i] for i in group))
        assert (sig is None) == (want is None), group
        if want is not None:
            assert np.array_equal(sig, want), f"article of items {group} differs"
