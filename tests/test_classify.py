"""Classification: the dictionary baseline, the calibrated model, persistence and the CLI.

Training data here is synthetic (tests/data/classify_synthetic.csv, written from the
codebook's scope lines), never the coded samples.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from pipeline import io as uio
from pipeline.classify import (Classifier, DictionaryModel, WordTokenizer, build_jieba, classify_frame,
                               classify_items, load_or_train, read_labels, training_frame, training_hash)
from pipeline.config import Config
from pipeline.dictionary import DictionaryClassifier, normalize_text, read_cues
from pipeline.errors import ConfigError, InputFileError
from pipeline.model import LABELS, Item
from tests.conftest import ROOT

SYNTH = ROOT / "tests" / "data" / "classify_synthetic.csv"

# the codebook's worked examples (codebook.md, "Worked examples"), in their original script
CODEBOOK_EXAMPLES = [
    ("加强衛生局工會委員會建設……規范經費使用和審計制度", "organization"),
    ("完成任務指標……工資集體協商……集體合同簽訂", "rights"),
    ("深入開展主題教育……女職工素質提升大講堂", "culture"),
    ("暢通渠道，積極推進民主管理……職代會……院務公開", "rights"),
    ("搭建平臺，開展豐富多彩的文體活動", "culture"),
    ("認真開展送溫暖工作，建立幫扶機制……互助保險", "welfare"),
    ("開展民心工程，關心困難職工……五必訪", "welfare"),
    ("完善工會財務制度，加強工會經費審查工作", "organization"),
    ("業務工作量：診療人次73萬；出院病人2.4萬", "other"),
    ("做好關工委工作，確保青少年健康成長", "other"),
    ("組織“庆祝教师节”座談會，推薦表彰優秀教師", "culture"),
]


@pytest.fixture(scope="module")
def synth():
    return read_labels(SYNTH)


@pytest.fixture(scope="module")
def jieba_tk():
    return build_jieba()


@pytest.fixture(scope="module")
def model(synth, jieba_tk):
    return Classifier.train(synth, Config(), tokenizer=jieba_tk)


# ------------------------------------------------------------------------------
# dictionary
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("text,label", CODEBOOK_EXAMPLES)
def test_dictionary_codes_the_codebook_examples(text, label):
    r = DictionaryClassifier().score(text)
    assert r.primary_label == label, (text, r.scores)
    assert r.top_terms, "a cue-based decision must name its cues"


@pytest.mark.parametrize("text,label", [
    ("健全女职工委员会组织", "organization"),   # rule 1: the committee as an organisation
    ("落实女职工四期保护", "rights"),           # rule 1: special protection
    ("组织女职工妇科检查", "welfare"),          # rule 1: check-ups
    ("开展安全生产监督检查", "rights"),         # rule 2: supervising the employer
    ("举办职工安全培训", "culture"),            # rule 2: training workers
    ("开展模范职工之家创建", "organization"),   # rule 3: the campaign
    ("召开教代会，推进校务公开", "rights"),     # rule 6
    ("五月份", "other"),                        # no function named
    ("做好贫困生助学金的发放工作", "other"),     # serves students: the employer's business
    ("协助学校做好开学典礼活动", "other"),       # supporting the employer's work
    ("开展金秋助学，资助困难职工子女", "welfare"),  # aid for workers' children: the longer welfare cue wins
])
def test_dictionary_follows_the_decision_rules(text, label):
    assert DictionaryClassifier().score(text).primary_label == label


def test_longer_cue_wins_over_the_cue_inside_it():
    d = DictionaryClassifier()
    cues = [m.cue.cue for m in d.find(normalize_text("签订女职工专项集体合同"))]
    assert "专项集体合同" in cues and "集体合同" not in cues


def test_lead_clause_decides_a_mixed_item():
    r = DictionaryClassifier().score("开展送温暖活动，慰问困难职工；同时做好工会经费管理")
    assert r.primary_label == "welfare"
    assert r.scores["organization"] > 0


def test_normalize_text_folds_script_and_width():
    assert normalize_text("職代會 ，ＡＢＣ１") == "职代会,ABC1"


def test_bad_cue_table_names_file_line_and_fix(tmp_path):
    p = tmp_path / "cues.tsv"
    p.write_text("label\tcue\tweight\nwelfare\t送温暖\t3\nsports\t篮球\t2\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        read_cues(p)
    msg = str(e.value)
    assert f"{p}:3" in msg and "organization, rights" in msg and "fix or delete the line" in msg


def test_shipped_cue_table_is_valid_and_covers_every_label():
    cues = read_cues()
    assert {c.label for c in cues} == set(LABELS)
    assert len({c.cue for c in cues}) == len(cues), "a cue listed under two labels is ambiguous"


# ------------------------------------------------------------------------------
# tokenizer
# ------------------------------------------------------------------------------
def test_word_tokenizer_keeps_union_terms_and_drops_punctuation(jieba_tk):
    import jieba

    wt = WordTokenizer(tokenizer=jieba_tk)
    words = wt("召开职代会，推行工资集体协商。")
    assert "职代会" in words and "工资集体协商" in words
    assert "，" not in words and "。" not in words
    assert wt.tokenizer is not jieba.dt, "the global jieba tokenizer must not be used"


def test_word_tokenizer_pickles_without_jieba(jieba_tk):
    import pickle

    wt = WordTokenizer(tokenizer=jieba_tk)
    blob = pickle.dumps(wt)
    assert len(blob) < 20000, "the jieba dictionary must not be pickled into the model"
    assert "送温暖" in pickle.loads(blob)("开展送温暖活动")


# ------------------------------------------------------------------------------
# model
# ------------------------------------------------------------------------------
def test_model_predicts_codebook_labels_with_confidence_and_terms(model):
    out = model.predict(["春节前走访慰问困难职工家庭", "召开职工代表大会审议集体合同", "举办职工篮球比赛"],
                        ["", "", ""], ["a", "b", "c"])
    assert [o.primary_label for o in out] == ["welfare", "rights", "culture"]
    assert [o.item_id for o in out] == ["a", "b", "c"]
    for o in out:
        assert 0.0 < o.confidence <= 1.0
        assert o.top_terms and o.primary_label not in o.secondary_labels


def test_top_terms_come_from_the_text(model):
    (o,) = model.predict(["坚持五必访制度，探望生病住院职工"])
    assert o.primary_label == "welfare"
    assert any(t in "坚持五必访制度，探望生病住院职工" for t in o.top_terms), o.top_terms


def test_secondary_labels_follow_the_threshold(model):
    text = ["开展送温暖活动，同时召开职代会签订集体合同"]
    proba = model.predict_proba(text)[0]
    model = dataclasses.replace(model, secondary_mode="probability")
    low = dataclasses.replace(model, secondary_threshold=0.0).predict(text)[0]
    high = dataclasses.replace(model, secondary_threshold=1.01).predict(text)[0]
    assert set(low.secondary_labels) == set(LABELS) - {low.primary_label}
    assert high.secondary_labels == ()
    mid = float(sorted(proba)[-2])  # the runner-up's probability
    (o,) = dataclasses.replace(model, secondary_threshold=mid).predict(text)
    runner_up = model.classes[int(np.argsort(proba)[-2])]
    assert runner_up in o.secondary_labels
    assert abs(sum(proba) - 1.0) < 1e-6


def test_secondary_labels_by_default_are_functions_that_win_a_whole_clause(model):
    assert model.secondary_mode == "cues"
    (o,) = model.predict(["召开教代会，推进校务公开，签订集体合同；开展送温暖活动，慰问困难职工"])
    assert o.primary_label == "rights" and o.secondary_labels == ("welfare",), o
    (o,) = model.predict(["召开教代会，推进校务公开，签订集体合同，开展送温暖活动"])
    assert o.secondary_labels == (), "one clause only: a passing word is not a secondary label"
    (o,) = model.predict(["召开教代会推进校务公开；做好关工委工作确保青少年成长"])
    assert "other" not in o.secondary_labels, o


def test_clause_labels_from_the_whole_text_equal_scoring_each_clause():
    import re

    d = DictionaryClassifier()
    split = re.compile(r"[。；;！!？?]")
    text = normalize_text("召开教代会，推进校务公开；开展送温暖活动。做好关工委工作；短句；举办职工运动会：篮球赛")
    expected = [d.score(c).primary_label for c in split.split(text) if len(c) >= 4]
    assert d.clause_labels(text, split, 4) == expected == ["rights", "welfare", "other", "culture"], expected


def test_parent_text_changes_the_features(synth, jieba_tk):
    # generic leaves whose label only their parent heading reveals
    heads = {"welfare": "开展送温暖慰问困难职工", "culture": "举办职工运动会和文艺演出"}
    extra = pd.DataFrame([{"item_id": f"g{lab}{i}", "doc_id": "synA", "text": f"做好第{i}项具体工作",
                           "parent_text": head, "primary_label": lab}
                          for lab, head in heads.items() for i in range(6)])
    m = Classifier.train(pd.concat([synth, extra]), Config(), tokenizer=jieba_tk)
    a = m.predict_proba(["做好相关工作"], ["开展送温暖慰问困难职工"])[0]
    b = m.predict_proba(["做好相关工作"], ["举办职工运动会和文艺演出"])[0]
    assert a[m.classes.index("welfare")] > b[m.classes.index("welfare")]
    assert b[m.classes.index("culture")] > a[m.classes.index("culture")]


def test_training_is_deterministic_and_order_free(synth, jieba_tk, model):
    shuffled = synth.sample(frac=1.0, random_state=7)
    other = Classifier.train(shuffled, Config(), tokenizer=jieba_tk)
    texts = ["推行工资集体协商", "建立困难职工档案", "完成领导交办的其他工作"]
    assert other.training_hash == model.training_hash
    assert np.array_equal(other.predict_proba(texts), model.predict_proba(texts))


def test_training_hash_changes_with_a_label(synth):
    a = training_frame(synth)
    b = a.copy()
    b.loc[0, "primary_label"] = "other" if b.loc[0, "primary_label"] != "other" else "rights"
    assert training_hash(a) != training_hash(b)


def test_unknown_label_in_training_data_is_named(synth):
    bad = synth.copy()
    bad.loc[3, "primary_label"] = "sports"
    with pytest.raises(InputFileError) as e:
        training_frame(bad, "x.csv")
    assert "x.csv" in str(e.value) and "sports" in str(e.value) and "correct those rows" in str(e.value)


def test_rows_coded_na_are_not_trained_on(synth):
    extra = pd.DataFrame([{"item_id": "zz", "doc_id": "synA", "text": "某某单位工会工作计划", "parent_text": "",
                           "primary_label": "NA"}])
    assert len(training_frame(pd.concat([synth, extra]))) == len(training_frame(synth))


def test_save_and_load_round_trip(model, tmp_path):
    path = model.save(tmp_path / "m.joblib")
    loaded = Classifier.load(path)
    texts = ["开展劳动竞赛", "做好关工委工作"]
    assert loaded.training_hash == model.training_hash and loaded.codebook_version == "1"
    assert loaded.predict(texts) == model.predict(texts)


def test_model_of_another_codebook_version_is_refused(model, tmp_path):
    old = dataclasses.replace(model, codebook_version="0")
    old.save(tmp_path / "old.joblib")
    with pytest.raises(ConfigError) as e:
        Classifier.load(tmp_path / "old.joblib")
    assert "codebook version 0" in str(e.value) and "retrain" in str(e.value)


def test_missing_model_file_says_how_to_train(tmp_path):
    with pytest.raises(ConfigError) as e:
        Classifier.load(tmp_path / "none.joblib")
    assert "unionmine train" in str(e.value)


def test_load_or_train_caches_by_training_hash(tmp_path, jieba_tk):
    cfg = Config()
    m1 = load_or_train(cfg, labels_path=SYNTH, cache_dir=tmp_path, tokenizer=jieba_tk)
    files = list(tmp_path.glob("classifier-cb1-*.joblib"))
    assert len(files) == 1 and files[0].name.startswith("classifier-cb1-")
    stamp = files[0].stat().st_mtime_ns
    m2 = load_or_train(cfg.replace(secondary_threshold=0.2), labels_path=SYNTH, cache_dir=tmp_path)
    assert files[0].stat().st_mtime_ns == stamp, "a cached model must be reused, not retrained"
    assert m2.secondary_threshold == 0.2 and m2.training_hash == m1.training_hash


def test_load_or_train_saves_to_a_missing_model_path(tmp_path, jieba_tk):
    target = tmp_path / "models" / "c.joblib"
    load_or_train(Config(model_path=str(target)), labels_path=SYNTH, tokenizer=jieba_tk)
    assert target.is_file()


def test_classify_items_uses_the_parent_heading(model):
    head = Item("d:1:1", "d", 1, "1", 1, "一、", True, "关心职工生活，开展送温暖活动", "", None, 0, 10)
    leaf = Item("d:1:1.1", "d", 1, "1.1", 2, "1、", False, "做好相关工作", "", "d:1:1", 11, 20)
    out = classify_items([head, leaf], model)
    assert [o.item_id for o in out] == ["d:1:1", "d:1:1.1"]
    direct = model.predict(["做好相关工作"], ["关心职工生活，开展送温暖活动"])[0]
    assert out[1].confidence == direct.confidence


def test_dictionary_model_has_the_same_interface():
    out = DictionaryModel().predict(["坚持五必访"], None, ["x"])
    assert out[0].item_id == "x" and out[0].primary_label == "welfare" and out[0].model == "dictionary"


def test_classify_frame_keeps_rows_and_adds_columns(model):
    df = pd.DataFrame({"id": ["1", "2"], "text": ["推行工资集体协商", "举办运动会"]})
    out = classify_frame(df, model)
    assert list(out.columns[:2]) == ["id", "text"]
    assert {"primary_label", "secondary_labels", "confidence", "top_terms"} <= set(out.columns)
    assert set(out["primary_label"]) <= set(LABELS)


# ------------------------------------------------------------------------------
# CLI
# ------------------------------------------------------------------------------
def test_cli_classify_contract(tmp_path, monkeypatch, capsys):
    from pipeline.cli import main

    monkeypatch.setenv("UNIONMINE_CACHE", str(tmp_path / "cache"))
    items = tmp_path / "items.csv"
    uio.write_csv(items, pd.DataFrame({"text": ["开展送温暖活动", "召开职代会", "五月份"],
                                       "parent_text": ["", "", ""], "note": ["a", "b", "c"]}))
    out = tmp_path / "out.csv"
    assert main(["classify", str(items), "--out", str(out), "--labels", str(SYNTH)]) == 0
    df = uio.read_csv(out)
    assert list(df.columns[:3]) == ["text", "parent_text", "note"]
    assert list(df["note"]) == ["a", "b", "c"]
    assert set(df["primary_label"]) <= set(LABELS)
    assert df["primary_label"].tolist()[:2] == ["welfare", "rights"]
    assert all(0 < float(c) <= 1 for c in df["confidence"])
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "3 items classified" in capsys.readouterr().err


def test_cli_classify_without_text_column_says_what_to_do(tmp_path, capsys):
    from pipeline.cli import main

    items = tmp_path / "items.csv"
    uio.write_csv(items, pd.DataFrame({"content": ["开展送温暖活动"]}))
    assert main(["classify", str(items), "--out", str(tmp_path / "o.csv"), "--dictionary"]) == 2
    err = capsys.readouterr().err
    assert "a column 'text'" in err and "content" in err and "rename" in err


def test_cli_train_writes_a_model(tmp_path, capsys):
    from pipeline.cli import main

    target = tmp_path / "m.joblib"
    assert main(["train", "--labels", str(SYNTH), "--model", str(target)]) == 0
    assert Classifier.load(target).n_training == 60
    assert "trained on 60 items" in capsys.readouterr().err


def test_clause_mode_finds_a_function_that_fills_a_whole_clause(model):
    text = ["召开职工代表大会，签订集体合同；春节前开展送温暖活动，慰问困难职工"]
    clause = dataclasses.replace(model, secondary_mode="clauses", secondary_threshold=0.3).predict(text)[0]
    assert clause.primary_label in ("rights", "welfare")
    other = {"rights", "welfare"} - {clause.primary_label}
    assert set(clause.secondary_labels) == other


def test_classify_frame_of_no_rows_still_has_the_label_columns(model):
    out = classify_frame(pd.DataFrame({"text": []}, dtype=str), model)
    assert len(out) == 0
    assert {"primary_label", "secondary_labels", "confidence"} <= set(out.columns)


def test_fitted_model_uses_the_passed_jieba_and_shares_one_after_loading(model, jieba_tk):
    import pickle

    vecs = dict(model.pipeline.named_steps["features"].named_transformers_)
    words, parent = vecs["words"].tokenizer, vecs["parent"].transformer_.tokenizer
    assert words.tokenizer is jieba_tk and parent.tokenizer is jieba_tk, "the passed tokenizer must survive clone"
    loaded = pickle.loads(pickle.dumps(model))
    vecs = dict(loaded.pipeline.named_steps["features"].named_transformers_)
    assert vecs["words"].tokenizer.holder is vecs["parent"].transformer_.tokenizer.holder, "one jieba per process"


def test_parent_features_of_repeated_headings_equal_those_of_a_plain_vectorizer(model):
    """Deduplicated computes each distinct parent once; the rows must be those of the wrapped vectorizer."""
    parent = model.pipeline.named_steps["features"].named_transformers_["parent"]
    texts = ["加强工会自身建设", "", "加强工会自身建设", "开展送温暖活动", ""]
    assert (parent.transform(texts) != parent.transformer_.transform(texts)).nnz == 0


def test_dictionary_lookup_takes_the_longest_cue_at_each_position():
    d = DictionaryClassifier()
    text = normalize_text("召开职工代表大会审议集体合同草案，落实女职工四期保护")
    found = [(m.cue.cue, m.start) for m in d.find(text)]
    assert ("职工代表大会", text.find("职工")) in found, f"the longest cue must win over 职工…: {found}"
    assert ("集体合同", text.find("集体合同")) in found and ("四期保护", text.find("四期保护")) in found, found
    assert all(not (a != b and sa <= sb < sa + len(a)) for a, sa in found for b, sb in found), \
        f"cue matches must not overlap: {found}"


def test_top_terms_never_hold_the_list_separator(model):
    out = model.predict(["开展送温暖;慰问困难职工,做好帮扶", "召开职代会；推进厂务公开。"])
    for o in out:
        assert all(";" not in t and "；" not in t and " " not in t for t in o.top_terms), o.top_terms


def test_secondary_threshold_without_a_probability_mode_warns(tmp_path):
    """An ignored option gets a warning, not silence."""
    import pytest as _pytest

    from pipeline.cli_classify import _config

    class Args:
        secondary_threshold = 0.5
        secondary_mode = None
        config = None

    with _pytest.warns(UserWarning, match="--secondary-threshold is ignored with --secondary-mode cues"):
        _config(Args())
    Args.secondary_mode = "probability"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _config(Args()).secondary_mode == "probability"


@pytest.mark.parametrize("ngram_range", [(1, 3), (2, 3), (1, 1), (2, 2)])
def test_char_ngram_counting_equals_scikit_learns(synth, ngram_range):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from pipeline.classify import CharNgramTfidf

    train = synth["text"].tolist()
    kw = dict(analyzer="char", lowercase=False, ngram_range=ngram_range, sublinear_tf=True, min_df=2)
    plain, fast = TfidfVectorizer(**kw).fit(train), CharNgramTfidf(**kw).fit(train)
    rng = np.random.default_rng(0)
    alphabet = list("工会职工活动组织 \t\nab") + ["\U00020000", "\ud800"]
    odd = ["", "工", "  \t\n 工会  职工 ", "\U00020000工会", "\ud800工会", "工会" * 40]
    odd += ["".join(rng.choice(alphabet, size=rng.integers(0, 30))) for _ in range(300)]
    texts = train[::-1] + odd
    a, b = plain.transform(texts), fast.transform(texts)
    assert a.shape == b.shape
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data), "the numpy counting must give scikit-learn's matrix, bit for bit"


def test_char_ngram_vectorizer_pickles_without_its_index(synth):
    import pickle

    from pipeline.classify import CharNgramTfidf

    fast = CharNgramTfidf(analyzer="char", lowercase=False, ngram_range=(1, 3)).fit(synth["text"].tolist())
    before = fast.transform(["工会组织建设"]).toarray()
    assert "_packed" in fast.__dict__
    again = pickle.loads(pickle.dumps(fast))
    assert "_packed" not in again.__dict__
    assert np.array_equal(again.transform(["工会组织建设"]).toarray(), before)


@pytest.mark.parametrize("ngram_range", [(1, 2), (1, 1), (2, 2)])
def test_word_ngram_counting_equals_scikit_learns(synth, jieba_tk, ngram_range):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from pipeline.classify import WordNgramTfidf

    tok = WordTokenizer(tokenizer=jieba_tk)
    train = [normalize_text(t) for t in synth["text"]]
    kw = dict(tokenizer=tok, token_pattern=None, lowercase=False, ngram_range=ngram_range, sublinear_tf=True)
    plain, fast = TfidfVectorizer(**kw).fit(train), WordNgramTfidf(**kw).fit(train)
    texts = train[::-1] + ["", "。。", "工会", "abc def 工会 工会 工会", "職工之家建設", "送温暖送温暖"]
    a, b = plain.transform(texts), fast.transform(texts)
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data), "the numpy counting must give scikit-learn's matrix, bit for bit"
    assert fast.__dict__.get("_word_tables"), "the fast path was taken"


def test_word_ngram_vectorizer_falls_back_for_another_tokenizer(synth):
    from pipeline.classify import WordNgramTfidf

    vec = WordNgramTfidf(tokenizer=str.split, token_pattern=None, lowercase=False, ngram_range=(1, 2))
    vec.fit(["a b c", "b c d"])
    assert vec.transform(["a b c d"]).nnz == 7  # a b c d, a b, b c, c d
    assert "_word_tables" not in vec.__dict__
