"""Script detection and conversion: OpenCC's output, the same length, every ambiguous choice reported."""
from __future__ import annotations

import pytest

from pipeline.script import ScriptConverter

TRAD = "社區加強工會目標管理建設的若干意見。為貫徹落實區委的重要批示精神，加快基層工會組織建設步伐。"
SIMP = "社区加强工会目标管理建设的若干意见。为贯彻落实区委的重要批示精神，加快基层工会组织建设步伐。"


@pytest.fixture(scope="module")
def conv():
    return ScriptConverter("simplified")


@pytest.mark.parametrize("text,script", [
    (TRAD, "traditional"), (SIMP, "simplified"), ("2012 ok!", "none"),
    ("工会工作计划", "simplified"), (TRAD[:20] + SIMP[:20], "mixed"),
])
def test_detect(conv, text, script):
    assert conv.detect(text) == script


def test_convert_traditional_to_simplified(conv):
    out, _ = conv.convert(TRAD)
    assert out == SIMP


def test_convert_keeps_length_and_reports_choices(conv):
    text = "乾隆年間,他著書立說。頭髮乾了。"
    out, choices = conv.convert(text)
    assert len(out) == len(text)
    assert out == "乾隆年间,他著书立说。头发干了。"  # OpenCC's phrase table: 乾隆 stays, 乾了 → 干了
    picked = {(c.start, c.before, c.after) for c in choices}
    assert (0, "乾", "乾") in picked and (13, "乾", "干") in picked
    assert all(len(c.alternatives) > 1 for c in choices)


def test_length_changing_phrase_falls_back_to_characters(conv):
    # whatever OpenCC's phrase table does, offsets must stay valid
    text = "這裏的後臺和瞭解,以及於是乎。\n第二行"
    out, _ = conv.convert(text)
    assert len(out) == len(text) and out.index("\n") == text.index("\n")


def test_keep_returns_the_text_unchanged():
    text = TRAD
    assert ScriptConverter("keep").convert(text) == (text, ())


def test_simplified_to_traditional():
    out, _ = ScriptConverter("traditional").convert("工会组织建设")
    assert out == "工會組織建設"


@pytest.mark.parametrize("target", ["simplified", "traditional", "keep"])
def test_simplify_is_the_default_conversion_whatever_the_target(conv, target):
    """The view the segmenter and the classifier read: T→S by every converter, offsets kept."""
    for text in (TRAD, SIMP, "乾隆年間,他著書立說。頭髮乾了。", "這裏的後臺和瞭解,以及於是乎。\n第二行", ""):
        got = ScriptConverter(target).simplify(text)
        assert got == conv.convert(text)[0] and len(got) == len(text)


def test_fast_path_matches_opencc_on_the_samples(conv, raw_files):
    """The one-for-one map plus OpenCC on phrase-sensitive runs gives OpenCC's own output."""
    import opencc

    from pipeline.decode import decode

    cc = opencc.OpenCC("t2s")
    for p in raw_files:
        text = decode(p.read_bytes()).text
        out, _ = conv.convert(text)
        assert len(out) == len(text)
        for line, got in zip(text.split("\n"), out.split("\n")):
            ref = cc.convert(line)
            if len(ref) == len(line):
                assert got == ref, line[:40]


def test_constructing_a_converter_loads_nothing():
    c = ScriptConverter("simplified")
    assert vars(c) == {"target": "simplified"}
    c.detect("工會")
    assert "_tables" in vars(c)


# ------------------------------------------------------------------------------
# the array-speed character map and detection give exactly the per-character results
# ------------------------------------------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pipeline.script import CharMap  # noqa: E402

# traditional and simplified characters, characters OpenCC maps beyond the BMP (㑮 → 𫝈), Ext-B, a lone surrogate
_ALPHABET = st.sampled_from(list(TRAD + SIMP + "㑮㒓𠉂𪠟乾著?\n 　abc\x00é\U0002a6a5") + ["\ud800"])


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.text(_ALPHABET, max_size=60))
def test_charmap_is_str_translate(text):
    conv = ScriptConverter("simplified")
    mapping = conv._fast("t2s")[0]
    assert CharMap(mapping).translate(text) == text.translate(mapping)


def test_charmap_with_a_deleting_map_falls_back_to_str_translate():
    assert CharMap({ord("區"): None}).translate("社區工會") == "社工會"


def _detect_by_characters(conv, text):
    """The per-character definition of ``detect`` (the shares of T→S and S→T characters)."""
    t2s, s2t = conv._chars("t2s"), conv._chars("s2t")
    trad = {c for c, v in t2s.items() if len(c) == 1 and v[0] != c}
    simp = {c for c, v in s2t.items() if len(c) == 1 and v[0] != c} - trad
    n_t, n_s = sum(c in trad for c in text), sum(c in simp for c in text)
    if not any("\u3400" <= c <= "\u4dbf" or "\u4e00" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"
               or "\U00020000" <= c <= "\U0002ffff" for c in text):
        return "none"
    if n_t + n_s == 0:
        return "simplified"
    share = n_t / (n_t + n_s)
    return "traditional" if share >= 0.8 else "simplified" if share <= 0.2 else "mixed"


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.text(_ALPHABET, max_size=60))
def test_detect_counts_like_the_per_character_definition(text):
    conv = ScriptConverter("simplified")
    assert conv.detect(text) == _detect_by_characters(conv, text)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.text(_ALPHABET, max_size=60))
def test_every_ambiguous_character_is_reported_once(text):
    conv = ScriptConverter("simplified")
    table = conv._chars("t2s")
    out, choices = conv.convert(text)
    expected = [i for i, c in enumerate(text) if len(table.get(c, ())) > 1]
    assert [ch.start for ch in choices] == expected
    assert all(ch.after == out[ch.start] for ch in choices)
