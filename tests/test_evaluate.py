"""Evaluation: document-grouped CV, per-class scores, kappa between coders."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline import io as uio
from pipeline.classify import read_labels
from pipeline.errors import InputFileError
from pipeline.evaluate import agreement, cohen_kappa, evaluate, grouped_folds, score
from tests.conftest import ROOT

SYNTH = ROOT / "tests" / "data" / "classify_synthetic.csv"


def test_kappa_matches_the_textbook_value():
    # 50 units: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → p_o = .7, p_e = .5 → kappa = .4
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_kappa_agrees_with_scikit_learn():
    from sklearn.metrics import cohen_kappa_score

    a = ["rights", "welfare", "other", "culture", "rights", "organization", "culture", "welfare"]
    b = ["rights", "welfare", "culture", "culture", "other", "organization", "culture", "rights"]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))
    assert cohen_kappa(a, a) == 1.0


def test_kappa_of_unaligned_codings_says_what_to_do():
    with pytest.raises(InputFileError) as e:
        cohen_kappa(["a"], ["a", "b"])
    assert "1 and 2 codes" in str(e.value) and "align the two codings on unit_id" in str(e.value)


def test_score_leaves_uncoded_labels_out_of_the_macro_average():
    s = score(["rights", "rights", "welfare"], ["rights", "welfare", "welfare"])
    assert list(s.per_class.index) == ["rights", "welfare"]
    assert s.macro_f1 == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert s.confusion.loc["rights", "welfare"] == 1 and s.confusion.loc["welfare", "welfare"] == 1


def test_grouped_folds_never_split_a_document():
    groups = ["a"] * 4 + ["b"] * 3 + ["c"] * 5 + ["d"] * 2 + ["e"] * 1 + ["f"] * 3
    folds = grouped_folds(groups, max_folds=5)
    assert len(folds) == 5
    seen = []
    for train, test in folds:
        assert not {groups[i] for i in train} & {groups[i] for i in test}
        seen += list(test)
    assert sorted(seen) == list(range(len(groups)))
    assert len(grouped_folds(groups[:7], max_folds=5)) == 2, "two documents give two folds"


def test_grouped_folds_need_two_documents():
    with pytest.raises(InputFileError) as e:
        grouped_folds(["a", "a", "a"])
    assert "1 document(s)" in str(e.value) and "code items from more reports" in str(e.value)


@pytest.fixture(scope="module")
def evaluation():
    return evaluate(read_labels(SYNTH), max_folds=5)


def test_evaluate_scores_model_and_baselines_on_the_same_items(evaluation):
    assert evaluation.n_folds == 3 and evaluation.n_documents == 3 and evaluation.n_items == 60
    assert set(evaluation.scores) == {"model", "dictionary", "majority"}
    p = evaluation.predictions
    assert p["item_id"].is_unique and len(p) == 60
    for fold, part in p.groupby("fold"):
        assert part["doc_id"].nunique() == 1, "with three documents each fold holds out one document"
    assert evaluation.scores["majority"].macro_f1 < 0.2
    assert evaluation.scores["model"].confusion.to_numpy().sum() == 60


def test_evaluation_report_shows_figures_side_by_side(evaluation):
    text = evaluation.report()
    assert "3 folds" in text and "confusion matrix, model" in text and "confusion matrix, dictionary" in text
    assert "model_F1" in text and "dictionary_F1" in text
    summary = evaluation.summary()
    assert list(summary["classifier"]) == ["model", "dictionary", "majority"]


def test_evaluate_requires_document_ids():
    df = read_labels(SYNTH).drop(columns=["doc_id"])
    with pytest.raises(InputFileError) as e:
        evaluate(df)
    assert "doc_id" in str(e.value) and "add the doc_id column" in str(e.value)


def test_agreement_uses_units_both_coders_call_items():
    first = pd.DataFrame({"unit_id": list("abcdef"), "primary": ["NA", "rights", "welfare", "culture", "other", "rights"]})
    second = pd.DataFrame({"unit_id": list("abcdeg"), "primary": ["NA", "rights", "welfare", "rights", "NA", "x"]})
    ag = agreement(first, second)
    assert ag.n_units == 5 and ag.n_both_items == 3
    assert ag.item_agreement == pytest.approx(4 / 5)
    assert ag.observed == pytest.approx(2 / 3)
    assert ag.kappa == pytest.approx(cohen_kappa(["rights", "welfare", "culture"], ["rights", "welfare", "rights"]))
    assert list(ag.disagreements["unit_id"]) == ["d"]


def test_cli_evaluate_prints_and_writes_tables(tmp_path, capsys):
    from pipeline.cli import main

    first = tmp_path / "c1.csv"
    second = tmp_path / "c2.csv"
    uio.write_csv(first, pd.DataFrame({"unit_id": ["a", "b", "c"], "primary": ["rights", "welfare", "other"]}))
    uio.write_csv(second, pd.DataFrame({"unit_id": ["a", "b", "c"], "primary": ["rights", "culture", "other"]}))
    rc = main(["evaluate", "--labels", str(SYNTH), "--out", str(tmp_path / "ev"), "--first", str(first),
               "--second", str(second)])
    assert rc == 0
    out = capsys.readouterr().out
    assert "document-grouped cross-validation: 60 items, 3 documents, 3 folds" in out
    assert "Cohen's kappa" in out
    for name in ("summary", "per_class", "confusion_model", "confusion_dictionary", "folds", "predictions",
                 "calibration"):
        assert (tmp_path / "ev" / f"{name}.csv").is_file(), name


def test_secondary_scores_count_item_label_pairs():
    from pipeline.evaluate import secondary_scores

    s = secondary_scores(["rights", "", "culture;welfare"], ["rights;culture", "", "welfare"])
    assert (s["precision"], s["recall"]) == (pytest.approx(2 / 3, abs=1e-4), pytest.approx(2 / 3, abs=1e-4))
    assert s["coded_pairs"] == 3 and s["predicted_pairs"] == 3


def test_calibration_table_counts_every_item_once(evaluation):
    cal = evaluation.calibration()
    assert cal["n_items"].sum() == evaluation.n_items
    assert ((cal["accuracy"] >= 0) & (cal["accuracy"] <= 1)).all()
    assert "calibration" in evaluation.report()


def test_nested_evaluation_chooses_inside_each_outer_fold():
    from pipeline.evaluate import nested_evaluate

    grid = {"default": {}, "C_1": {"clf__estimator__C": 1.0}}
    res = nested_evaluate(read_labels(SYNTH), grid=grid, max_folds=3)
    assert len(res.chosen) == 3
    for row in res.chosen:
        assert row["chosen"] in grid and row["held_out"].startswith("syn")
        assert {"inner_default", "inner_C_1"} <= set(row)
    assert 0.0 <= res.macro_f1 <= 1.0 and "nested document-grouped CV" in res.report()
