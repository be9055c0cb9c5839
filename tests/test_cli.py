"""Help is checked: every command has help ending in a runnable example and is in the README."""
from __future__ import annotations

import re

import pytest

from pipeline.cli import build_parser, main
from tests.conftest import ROOT


def _subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


def test_every_command_has_help_with_an_example():
    subs = _subcommands()
    assert {"repair", "run"} <= set(subs)
    for name, p in subs.items():
        text = p.format_help()
        assert p.description, f"unionmine {name} has no description"
        m = re.search(r"example:\n\s+(unionmine [^\n]+)\s*$", text)
        assert m, f"unionmine {name} --help does not end with an example"
        assert m.group(1).split()[1] == name.split()[0]


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in _subcommands():
        assert f"unionmine {name}" in readme, f"README.md does not document 'unionmine {name}'"


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: unionmine" in capsys.readouterr().out


def test_bad_option_value_is_a_short_message(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["repair", str(tmp_path), "--out", str(tmp_path / "o"), "--script", "cyrillic"])
    assert e.value.code == 2
    assert "invalid choice: 'cyrillic'" in capsys.readouterr().err


def test_bad_config_file_is_reported_not_raised(tmp_path, capsys):
    rc = main(["repair", str(tmp_path), "--out", str(tmp_path / "o"), "--config", str(tmp_path / "none.toml")])
    assert rc == 2
    err = capsys.readouterr().err
    assert err.startswith("unionmine: ") and "check the path given to --config" in err


def test_repair_and_segment_share_runs_exit_rule(tmp_path, raw_files):
    """A skipped non-report does not fail a command; a failed file does (status 1)."""
    import shutil

    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(raw_files[0], src / raw_files[0].name)
    (src / "notes.docx").write_bytes(b"PK")
    for cmd in ("repair", "segment"):
        assert main([cmd, str(src), "--out", str(tmp_path / cmd)]) == 0
    (src / "empty.txt").write_bytes(b"")
    assert main(["repair", str(src), "--out", str(tmp_path / "r2")]) == 1


def test_repair_refuses_a_file_over_max_file_mb_like_run(tmp_path, raw_files):
    from pipeline.io import read_csv

    cfg = tmp_path / "u.toml"
    cfg.write_text("max_file_mb = 0.001\n", encoding="utf-8")
    assert main(["repair", str(raw_files[0]), "--out", str(tmp_path / "o"), "--config", str(cfg)]) == 1
    err = read_csv(tmp_path / "o" / "errors.csv")
    assert list(err["kind"]) == ["too_large"] and "raise max_file_mb" in err["message"][0]
