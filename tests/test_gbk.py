"""Tests for pipeline.gbk: chunk-misaligned GBK runs."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import gbk
from pipeline.ingest import Toolkit, apply_edits, apply_rules, replay

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
CASES = ROOT / "tests" / "cases" / "gbk_real.tsv"
BENCH = ROOT.parent / "shared" / "bench"


def _raw(prefix: str) -> str:
    path = next(RAW.glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8").replace("\r\n", "\n")


def _cases():
    with CASES.open(encoding="utf-8") as fh:
        return [pytest.param(r, id=f"{r['label']}:{r['input'][:8]}") for r in csv.DictReader(fh, delimiter="\t")]


@pytest.fixture(scope="module")
def kit():
    return Toolkit()


def _repair_in(doc: str, snippet: str, kit) -> str:
    """Apply the rule to the whole document (the model needs it); return the snippet's repair."""
    k = doc.find(snippet)
    assert k >= 0, f"snippet {snippet!r} not in the sample"
    end = k + len(snippet)
    edits = [e for e in gbk.recover_misaligned_gbk(doc, kit) if e.start < end and e.end > k]
    assert all(k <= e.start and e.end <= end for e in edits), "an edit reaches beyond the snippet"
    piece = doc[k:end]
    shifted = [e._replace(start=e.start - k, end=e.end - k) for e in edits]
    return apply_edits(piece, gbk.RULE, shifted)[0]


@pytest.mark.parametrize("case", _cases())
def test_cases_from_the_sample_reports(case, kit):
    got = _repair_in(_raw(case["file"]), case["input"], kit)
    assert got == case["expected"], f"{case['comment']}: {case['input']!r} became {got!r}"


def test_recovery_records_rule_confidence_and_note(kit):
    doc = _raw("000")
    edits = gbk.recover_misaligned_gbk(doc, kit)
    assert edits, "the sample 000 has misaligned runs"
    for e in edits:
        assert 0.0 <= e.confidence <= 1.0
        assert "run" in e.note and "nats" in e.note, e.note
        assert doc[e.start] == "?", f"a run starts at its orphan '?', not at {doc[e.start]!r}"


def test_unsure_characters_become_the_mark(kit):
    # 會 lost both its bytes to two dropped pairs: with the highest bar (any doubt) it is marked
    doc = _raw("000")
    strict = Toolkit(kit.config.replace(gbk_min_confidence=1.0, unrecoverable_mark="■"))
    got = _repair_in(doc, "組織建設?;鶎庸M織", strict)
    assert "■" in got and "基層" in got and got.endswith("織"), got
    edits = [e for e in gbk.recover_misaligned_gbk(doc, strict) if "■" in e.replacement]
    assert edits and "marked ■" in edits[0].note, [e.note for e in edits]


SYNTHETIC = "各基层工会要加强学习。机关工会要充分发挥作用，确保互助保障工作取得实效。"


def test_synthetic_runs_from_the_corruption_model(kit):
    """Damage clean sentences the way corrupt.py does and check the recovery."""
    text, clean = _synthetic(SYNTHETIC)
    new, _ = apply_edits(text, gbk.RULE, gbk.recover_misaligned_gbk(text, kit))
    assert new.endswith("\n" + clean + "\n"), new[-60:]


def test_a_narrow_search_first_and_the_wide_one_where_it_is_unsure(kit, monkeypatch):
    # the narrow search alone reads 确保互助学校障 here (its confidence 0.51); the
    # wide one is asked and reads 保障 (0.99).  Where the narrow one is sure, it is alone.
    efforts = []
    real = gbk._search_at
    monkeypatch.setattr(gbk, "_search_at", lambda *a: efforts.append(a[-1]) or real(*a))
    wide = (gbk.BEAM, gbk.PER_EXPANSION, gbk.DROP_EXPANSION, gbk.RESCORE)
    text, clean = _synthetic(SYNTHETIC)
    new, _ = apply_edits(text, gbk.RULE, gbk.recover_misaligned_gbk(text, kit))
    assert new.endswith("\n" + clean + "\n")
    assert gbk.NARROW in efforts and wide in efforts
    monkeypatch.setattr(gbk, "NARROW_SURE", 0.0)  # the narrow search's reading, always
    alone, _ = apply_edits(text, gbk.RULE, gbk.recover_misaligned_gbk(text, kit))
    assert not alone.endswith("\n" + clean + "\n")
    efforts.clear()
    monkeypatch.setattr(gbk, "NARROW_SURE", 0.9)
    doc = _raw("000")
    found = gbk.recover_runs(doc, kit)
    assert found and set(efforts) <= {gbk.NARROW, wide} and efforts.count(gbk.NARROW) >= len(found)
    assert efforts.count(wide) < len(found)  # most runs of the samples: the narrow search alone


def _synthetic(clean: str) -> tuple[str, str]:
    """A sample report, then ``clean`` damaged as corrupt.py damages text."""
    corrupt = _corrupt_module()
    doc = _raw("004")
    enc = clean.encode("gb18030")
    # cut before every splitter pair, aligned or not, as the clause splitter did
    cuts = [i for i in range(len(enc) - 1) if (enc[i], enc[i + 1]) in corrupt.SPLIT_PAIRS]
    regions = corrupt.misaligned_decode(clean, cuts, lambda ci: corrupt.DECODERS["seed"])
    assert regions, "the sentence must contain a misaligned cut"
    damaged, pos = [], 0
    for a, b, s, _ in regions:
        damaged.append(clean[pos:a] + s)
        pos = b
    damaged.append(clean[pos:])
    return doc + "\n" + "".join(damaged) + "\n", clean


def _corrupt_module():
    if not (BENCH / "corrupt.py").exists():
        pytest.skip("../shared/bench/corrupt.py not available")
    sys.path.insert(0, str(BENCH))
    try:
        import corrupt  # type: ignore
    finally:
        sys.path.pop(0)
    return corrupt


def test_a_closing_bracket_lost_in_a_dropped_pair_is_put_back(kit):
    """例》 is C0 FD A1 B7: read one byte out of step, FD A1 is a pair the decoder
    drops, so 》 leaves no trace but the '?' of its trail at the cut before 、.
    Only the 《 the line opened tells that a character is missing there."""
    corrupt = _corrupt_module()
    clean = "认真组织学习《妇女儿童权益保护法》、《女工工作条例》、《妇女权益保障法》等法律法规。"
    k = len(clean[:clean.index("保护")].encode("gb18030")) + 1    # 保's trail A3 + 护's lead BB read as ；
    last = len(clean[:clean.index("条例》") + 3].encode("gb18030"))  # the aligned 、 after 条例》
    regions = corrupt.misaligned_decode(clean, [k, last], lambda ci: corrupt.DECODERS["seed"])
    (a, b, damaged, _), = regions
    line = clean[:a] + damaged + clean[b:]
    assert "例》" not in line and damaged.endswith("?"), line
    text = _raw("004") + "\n" + line + "\n"
    new, _ = apply_edits(text, gbk.RULE, gbk.recover_misaligned_gbk(text, kit))
    assert new.endswith("\n" + clean + "\n"), new[-60:]


@pytest.mark.parametrize("decoder", ["gb18030", pytest.param("seed", marks=pytest.mark.xfail(
    strict=True, reason="known miss: this decoder also swallows the line break, and 常化2023 "
                        "reads about as well as 常化。\\n2023 (docs/gbk.md, misses by cause)"))])
def test_a_sentence_end_hidden_by_a_dropped_pair_before_a_line_break(decoder, kit):
    """化。 is BB AF A1 A3: out of step, AF A1 is dropped and A3 before the line
    break prints '?', so 常化。 reads '?;?'; 常化 alone fits the bytes as well,
    and only the word model's line ends (a line ends with a mark) tell them apart."""
    corrupt = _corrupt_module()
    clean = "各单位要积极组织职工开展文体活动，促进活动经常化。\n2023年机关工会工作要点"
    k = len(clean[:clean.index("常化")].encode("gb18030")) + 1  # 常's trail A3 + 化's lead BB read as ；
    regions = corrupt.misaligned_decode(clean, [k], lambda ci: corrupt.DECODERS[decoder])
    (a, b, damaged, _), = regions
    assert damaged == "?;?", damaged
    line = clean[:a] + damaged + clean[b:]
    text = _raw("004") + "\n" + line + "\n"
    new, _ = apply_edits(text, gbk.RULE, gbk.recover_misaligned_gbk(text, kit))
    assert new.endswith("\n" + clean + "\n"), new[-50:]


def test_unpaired_marks_counts_what_a_line_leaves_open_or_never_opened():
    assert gbk.unpaired_marks("学习《女工工作条例》、《妇女权益保障法》") == 0
    assert gbk.unpaired_marks("学习《女工工作条例、《妇女权益保障法》") == 1
    assert gbk.unpaired_marks("浙总工财字。2018〕1号") == 1
    assert gbk.unpaired_marks("“三八”（céng)") == 2  # a fullwidth （ is not closed by an ASCII )
    assert gbk.unpaired_marks("》《") == 2


# ----------------------------------------------------------------------------------
# Precision: clean text is never touched
# ----------------------------------------------------------------------------------
def _clean_lines():
    lines = []
    for prefix in ("001", "004"):
        for ln in _raw(prefix).split("\n"):
            if len(ln) >= 8 and "?" not in ln:
                lines.append(ln)
    return lines


CLEAN_LINES = _clean_lines()
CONTEXT = _raw("004")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(picks=st.lists(st.sampled_from(CLEAN_LINES), min_size=1, max_size=4),
       marks=st.lists(st.sampled_from(["?", "?,", "?!", "?;", "??", "?、", "吗?", "(?)", "?(注)", "123?", "張?"]),
                      min_size=1, max_size=4),
       data=st.data())
def test_clean_text_with_real_question_marks_is_untouched(picks, marks, data, kit):
    parts = []
    for line in picks:
        k = data.draw(st.integers(0, len(line)))
        m = marks[len(parts) % len(marks)]
        parts.append(line[:k] + m + line[k:])
    text = CONTEXT + "\n" + "\n".join(parts)
    edits = [e for e in gbk.recover_misaligned_gbk(text, kit) if e.start > len(CONTEXT)]
    assert edits == [], [(text[e.start:e.end], e.replacement) for e in edits]


@settings(max_examples=30, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("工会组织建设职工权益的一是在不了有和人这中大为上?,;!、。：0123456789 ab\n")),
               max_size=80))
def test_never_raises_and_is_idempotent(text, kit):
    edits = gbk.recover_misaligned_gbk(text, kit)
    new, _ = apply_edits(text, gbk.RULE, edits)
    again = gbk.recover_misaligned_gbk(new, kit)
    assert apply_edits(new, gbk.RULE, again)[0] == new


def test_clean_sample_reports_are_untouched(kit):
    for prefix in ("001", "004"):
        doc = _raw(prefix)
        assert gbk.recover_misaligned_gbk(doc, kit) == [], prefix


def test_detector_is_one_scan_on_clean_text():
    assert gbk.candidate_starts("工会组织建设，积极开展活动。" * 100) == []
    assert gbk.candidate_starts("之年??偟乃悸") == [2]
    assert gbk.candidate_starts("當?shù)孛裾") == [1]


def test_repairs_replay_through_the_whole_chain(kit):
    doc = _raw("003")
    new, reps = apply_rules(doc, kit)
    assert replay(doc, reps) == new
    assert any(r.rule == gbk.RULE for r in reps)
    assert "?,F" not in new and "當地民政、司法部門" in new


def test_the_array_ranking_is_the_scalar_ranking(kit):
    # the search ranks big candidate sets on arrays, then rescores a shortlist
    # exactly: the same list as scoring every candidate one by one
    doc = _raw("001")
    searcher = gbk._searcher(doc, gbk.candidate_starts(doc), kit)
    lm = searcher.lm
    start = gbk.Hyp(0.0, "", "any", None, 0, (), "cut")
    for trail in (0xA3, 0xB9, 0xD4):
        key, cands = searcher.with_trail(start, trail)
        static, pen, _ = searcher._static_arrays(key, cands)
        feats, _ = lm.features(static)
        for pp, prev in [("工", "會"), ("組", "織"), ("\n", "。"), ("甲", "乙")]:
            got = searcher._rank_vector(cands, range(len(cands)), pp, prev, feats, pen)
            want = sorted(((lp + gbk._symbol_penalty(c[0]), c) for lp, c in
                           zip((lm.logp3(pp, prev, c[0]) for c in cands), cands)), key=lambda x: -x[0])
            assert got == want[:gbk.TOP]
    assert any(lm.has_trigrams(pp, prev) for pp, prev in [("工", "會"), ("組", "織")])


def test_the_preselection_is_the_most_common_candidates_then_the_followers(kit):
    # big sets are cut to the PRESELECT most common candidates (a stable sort on
    # the rank), then the characters that follow the previous one in jieba's words
    # and in the document, in that order, each once
    doc = _raw("001")
    searcher = gbk._searcher(doc, gbk.candidate_starts(doc), kit)
    lm = searcher.lm
    start = gbk.Hyp(0.0, "", "any", None, 0, (), "cut")
    kept = []
    real = searcher._rank_vector
    searcher._rank_vector = lambda cands, keep, *a: kept.append(list(keep)) or real(cands, keep, *a)
    for trail in (0xA3, 0xB9, 0xD4):
        key, cands = searcher.with_trail(start, trail)
        assert len(cands) > gbk.POOL_PRESELECT
        for prev in ("會", "織", "。"):
            searcher._rank_in_context("any", (key, cands), "\n", prev)
            _, rank = lm.features(searcher._static_arrays(key, cands)[0])
            rank = rank.tolist()
            want = sorted(range(len(cands)), key=lambda i: -rank[i])[:gbk.POOL_PRESELECT]
            seen = {cands[i][0] for i in want}
            for sc in [*lm.base.successors(prev)[:200], *lm.successors(prev)[:gbk.DOC_SUCCESSORS]]:
                for i, c in enumerate(cands):
                    if lm.base.norm(c[0]) == sc and c[0] not in seen:
                        want.append(i)
                        seen.add(c[0])
            assert kept[-1] == want


def test_readings_far_behind_a_finished_one_are_given_up(kit, monkeypatch):
    # out-of-step readings after a run has ended are dropped once they cannot
    # catch up with the best finished reading: fewer expansions, same repairs
    from pipeline.ingest import DOC_MEMO

    doc = _raw("003")

    def search():
        calls = []
        best = gbk.Searcher._best
        monkeypatch.setattr(gbk.Searcher, "_best", lambda self, *a, **k: calls.append(1) or best(self, *a, **k))
        token = DOC_MEMO.set({})
        try:
            found = gbk.recover_runs(doc, kit)
        finally:
            DOC_MEMO.reset(token)
        return [(f.start, f.end, f.replacement, f.confidence) for f in found], len(calls)

    fast, n_fast = search()
    monkeypatch.setattr(gbk, "STOP", 0.0)
    slow, n_slow = search()
    assert fast and fast == slow
    assert n_fast < 0.9 * n_slow, (n_fast, n_slow)


def test_a_reading_unsure_as_a_whole_shows_its_guesses_as_the_mark(kit):
    # a file of the throughput benchmark's corpus (samples recombined): the run before
    # 基層工會 reads at confidence 0.48, below gbk_min_confidence, while its readings
    # agree on 工 and 會; those guesses are marks too, not only the one they disagree on
    doc = (ROOT / "tests" / "cases" / "gbk_unsure_run.txt").read_text(encoding="utf-8")
    mark = kit.config.unrecoverable_mark
    unsure = [e for e in gbk.recover_misaligned_gbk(doc, kit) if e.confidence < kit.config.gbk_min_confidence]
    assert len(unsure) == 1 and unsure[0].replacement.endswith("將開"), unsure
    assert unsure[0].replacement.count(mark) >= 3  # the disagreement alone marked one
    guesses = gbk.recover_misaligned_gbk(doc, Toolkit(kit.config.replace(gbk_min_confidence=0.4)))
    free = [e for e in guesses if e.start == unsure[0].start][0]
    assert free.replacement.count(mark) < unsure[0].replacement.count(mark)
    assert all(a == b or a == mark for a, b in zip(unsure[0].replacement, free.replacement))
