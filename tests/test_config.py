"""Config: one frozen object, documented defaults, TOML + overrides, deprecations."""
from __future__ import annotations

import dataclasses

import pytest

from pipeline.config import Config, load_config
from pipeline.errors import ConfigError


def test_defaults_suit_chinese_reports():
    c = Config()
    assert c.script == "simplified"
    assert c.unrecoverable_mark == "□"
    assert c.rules[0] == "recover_chinese_mojibake" and "fix_mojibake" in c.rules and "recover_misaligned_gbk" in c.rules


def test_default_intervals_treat_documents_as_the_unit():
    # items of one report are alike: Wilson on items covered 31-82% for a sector's share
    # (benchmarks/ci_coverage.py, docs/stats.md); "wilson" stays available
    assert Config().ci_method == "bootstrap"
    assert load_config(ci_method="wilson").ci_method == "wilson"
    with pytest.raises(ConfigError, match="ci_method: expected wilson or bootstrap; found 'wald'"):
        Config(ci_method="wald")


def test_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Config().script = "keep"  # type: ignore[misc]


def test_bad_value_message_names_field_and_fix():
    with pytest.raises(ConfigError) as e:
        Config(script="cyrillic")
    msg = str(e.value)
    assert msg.startswith("script: expected one of simplified, traditional, keep; found 'cyrillic'")
    assert "--script" in msg


def test_toml_then_overrides(tmp_path):
    p = tmp_path / "u.toml"
    p.write_text('[ingest]\nscript = "keep"\n[run]\nworkers = 3\npatterns = ["*.txt", "*.text"]\n', encoding="utf-8")
    c = load_config(p, workers=None, strict=True)
    assert c.script == "keep" and c.workers == 3 and c.strict is True
    assert c.patterns == ("*.txt", "*.text")


def test_unknown_field_is_an_error_with_hint(tmp_path):
    p = tmp_path / "u.toml"
    p.write_text("scrpit = 'keep'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown name; check the spelling"):
        load_config(p)


def test_renamed_field_warns_and_still_works():
    with pytest.warns(DeprecationWarning, match="'target_script' is now 'script'"):
        c = Config().replace(target_script="keep")
    assert c.script == "keep"


def test_missing_config_file_message(tmp_path):
    with pytest.raises(ConfigError, match="no such file; check the path given to --config"):
        load_config(tmp_path / "nope.toml")


def test_lists_are_accepted_in_python_and_kept_as_tuples():
    # a notebook writes Config(rules=[...]); it raised "expected a list of text; found [...] (list)"
    rules = [r for r in Config().rules if r != "recover_misaligned_gbk"]
    c = Config(rules=rules, patterns=["*.txt", "*.text"])
    assert c.rules == tuple(rules) and c.patterns == ("*.txt", "*.text")
    assert c == Config(rules=tuple(rules), patterns=("*.txt", "*.text"))
    with pytest.raises(ConfigError, match="rules: expected a list of text"):
        Config(rules=["fix_mojibake", 3])


@pytest.mark.parametrize("mark", ["", "?", "[?]", "\ufffd", "\n"])
def test_a_mark_the_rules_would_read_again_is_refused(mark):
    # with '?' the mark put for a lost character was read by restore_punctuation_marks
    # as a lost quotation mark ('工会\ufffd组织?建设' -> '工会“组织”建设', 0.85); '' dropped it
    with pytest.raises(ConfigError, match="unrecoverable_mark: expected text without"):
        Config(unrecoverable_mark=mark)
    assert Config(unrecoverable_mark="〓").unrecoverable_mark == "〓"
    assert Config(unrecoverable_mark="<缺>").unrecoverable_mark == "<缺>"
