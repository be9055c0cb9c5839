"""Decoding: each encoding the reports come in, and a clear error for what is not a report."""
from __future__ import annotations

import codecs

import pytest

from pipeline.decode import decode
from pipeline.errors import InputFileError

SIMP = "工会工作计划\n一、指导思想\n坚持以人为本，全心全意依靠职工办好企业。2012年完成任务。\n"
TRAD = "社區加強工會目標管理建設的若干意見\n為貫徹落實區委及街道黨工委員對維護農民工合法權益的重要批示精神，加快基層工會組織建設步伐。\n"


def test_utf8_without_bom():
    d = decode(SIMP.encode("utf-8"), "a.txt")
    assert (d.text, d.encoding, d.warnings) == (SIMP, "utf-8", ())


def test_utf8_with_bom_drops_the_bom():
    d = decode(codecs.BOM_UTF8 + SIMP.encode("utf-8"), "a.txt")
    assert d.text == SIMP and d.encoding == "utf-8-sig"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec):
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    d = decode(bom + SIMP.encode(codec), "a.txt")
    assert d.text == SIMP and d.encoding == "utf-16"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_sniffed_and_warned(codec):
    d = decode(SIMP.encode(codec), "a.txt")
    assert d.text == SIMP and d.encoding == codec
    assert d.warnings == ("UTF-16 without a byte-order mark",)


def test_gb18030():
    d = decode(SIMP.encode("gb18030"), "a.txt")
    assert d.text == SIMP and d.encoding == "gb18030"


def test_big5_traditional_text():
    d = decode(TRAD.encode("big5"), "a.txt")
    assert d.text == TRAD and d.encoding == "big5"


def test_crlf_and_cr_become_lf():
    d = decode("第一行\r\n第二行\r第三行".encode("utf-8"), "a.txt")
    assert d.text == "第一行\n第二行\n第三行"


def test_mixed_utf8_and_gb18030_lines_decode_line_by_line():
    data = "第一行是UTF-8。\n".encode("utf-8") + "第二行是GB18030。\n".encode("gb18030")
    d = decode(data, "a.txt")
    assert d.text == "第一行是UTF-8。\n第二行是GB18030。\n"
    assert d.encoding == "mixed:utf-8+gb18030"
    assert "decoded line by line" in d.warnings[0]


def test_empty_file_message():
    with pytest.raises(InputFileError) as e:
        decode(b"", "data/raw/empty.txt")
    assert e.value.kind == "empty"
    assert str(e.value) == ("data/raw/empty.txt: expected a text report; found an empty file (0 bytes); "
                            "remove it from the folder or re-download it")


def test_binary_file_message():
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4
    with pytest.raises(InputFileError) as e:
        decode(data, "scan.png")
    assert e.value.kind == "binary"
    assert str(e.value).startswith("scan.png: expected text in UTF-8, GB18030, Big5 or UTF-16; found binary data")
    assert "check that the file is a text report" in str(e.value)


def test_undecodable_bytes_message():
    data = b"\xff\x80\xfe\x81" * 200
    with pytest.raises(InputFileError) as e:
        decode(data, "odd.txt")
    assert e.value.kind == "undecodable"
    assert str(e.value) == ("odd.txt: expected text in UTF-8, GB18030, Big5 or UTF-16; found bytes that none of "
                            "them decodes; pass --encoding NAME, or check that the file is text")


def test_forced_wrong_encoding_message():
    with pytest.raises(InputFileError) as e:
        decode(SIMP.encode("gb18030"), "a.txt", encoding="utf-8")
    assert e.value.kind == "undecodable"
    msg = str(e.value)
    assert msg.startswith("a.txt: expected text in the encoding given (utf-8); found bytes it cannot decode")
    assert msg.endswith("drop --encoding to detect the encoding, or pass the right one")


def test_forced_encoding_is_used():
    d = decode(TRAD.encode("big5"), "a.txt", encoding="big5")
    assert d.text == TRAD and d.encoding == "big5"


def test_sample_reports_are_utf8(raw_files):
    for p in raw_files:
        assert decode(p.read_bytes(), p.name).encoding == "utf-8"


def test_gb18030_with_a_few_bad_bytes_decodes_with_a_warning():
    data = SIMP.encode("gb18030") + b"\xff\xff" + SIMP.encode("gb18030")
    d = decode(data, "a.txt")
    assert d.encoding == "gb18030"
    assert d.text.startswith(SIMP) and d.text.count("\ufffd") == 2
    assert d.warnings == ("2 undecodable byte sequence(s) in gb18030 became U+FFFD, marked by fix_mojibake",)


def test_big5_with_a_bad_byte_stays_big5():
    data = TRAD.encode("big5") + b"\xff" + TRAD.encode("big5")
    d = decode(data, "a.txt")
    assert d.encoding == "big5" and d.text.startswith(TRAD)


# ---- NUL bytes, UTF-16 without BOM, files with no text ------------------------------------------
BINARY_NUL = "expected text in UTF-8, GB18030, Big5 or UTF-16; found binary data (NUL bytes); " \
             "check that the file is a text report"


def test_a_file_of_nul_bytes_is_binary():
    with pytest.raises(InputFileError) as e:
        decode(bytes(1000), "zeros.txt")
    assert e.value.kind == "binary"
    assert str(e.value) == f"zeros.txt: {BINARY_NUL}"


@pytest.mark.parametrize("data,encoding", [
    (SIMP.encode("utf-8")[:19] + b"\x00" + SIMP.encode("utf-8")[19:], "utf-8"),  # even length: not UTF-16
    (SIMP.encode("utf-8") + b"\x00", "utf-8"),
    ((SIMP * 20).encode("gb18030") + b"\x00", "gb18030"),
], ids=["utf8_even", "utf8_odd", "gb18030"])
def test_one_stray_nul_in_a_text_is_removed_with_a_warning(data, encoding):
    got = decode(data, "a.txt")
    assert got.encoding == encoding and "\x00" not in got.text
    assert got.text.startswith(SIMP) and got.warnings[0] == "1 NUL byte(s) removed"


@pytest.mark.parametrize("data", [
    SIMP.encode("utf-8")[:19] + b"\x00" + SIMP.encode("utf-8")[19:40] + b"\x00" + SIMP.encode("utf-8")[40:],
    SIMP.encode("gb18030") + b"\x00\x00",
    b"PK\x03\x04\x14\x00\x06\x00" + SIMP.encode("utf-8"),  # a .docx renamed .txt
], ids=["utf8_two", "gb18030", "zip"])
def test_text_with_nul_bytes_is_binary_not_utf8_or_utf16(data):
    with pytest.raises(InputFileError) as e:
        decode(data, "a.txt")
    assert e.value.kind == "binary"
    assert str(e.value) == f"a.txt: {BINARY_NUL}"


def test_mostly_control_characters_without_nul_are_binary():
    data = bytes(range(1, 32)) * 40 + "工会".encode("utf-8")  # valid UTF-8, no NUL
    with pytest.raises(InputFileError) as e:
        decode(data, "a.txt")
    assert e.value.kind == "binary"
    assert str(e.value) == ("a.txt: expected a text report; found mostly control characters (binary data?); "
                            "check that the file is a text report")


@pytest.mark.parametrize("data,found", [
    (codecs.BOM_UTF8 + SIMP.encode("utf-8") + b"\x00\x00", "binary data (NUL bytes)"),
    (codecs.BOM_UTF16_LE + (SIMP + "\x00").encode("utf-16-le"), "binary data (NUL bytes)"),
    (codecs.BOM_UTF16_LE + bytes(range(1, 32)).decode("ascii").encode("utf-16-le") * 20, "mostly control"),
], ids=["utf8_bom_nul", "utf16_bom_nul", "utf16_bom_control"])
def test_binary_after_a_bom_is_binary(data, found):
    with pytest.raises(InputFileError) as e:
        decode(data, "a.txt")
    assert e.value.kind == "binary" and found in str(e.value)


def test_a_few_control_characters_stay_text():
    text = "工会\x1a工作\x0b计划\f\n" + SIMP * 3  # Ctrl-Z, VT, FF: old editors leave them
    assert decode(text.encode("utf-8"), "a.txt").text == text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", ["hello\n", "Annual plan of the trade union, 2012.\n" * 20, "x"],
                         ids=["hello", "english", "one_char"])
def test_ascii_utf16_without_bom_is_utf16_not_utf8(codec, text):
    d = decode(text.encode(codec), "a.txt")
    assert (d.text, d.encoding, d.warnings) == (text, codec, ("UTF-16 without a byte-order mark",))


def test_reviewer_sample_of_ascii_utf16le_without_bom():
    d = decode(b"h\0e\0l\0l\0o\0\n\0" * 10, "a.txt")
    assert (d.text, d.encoding) == ("hello\n" * 10, "utf-16-le")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_chinese_utf16_without_bom_with_ideographic_spaces(codec):
    text = "\u3000\u3000" + SIMP.replace("\n", "\n\u3000\u3000")  # U+3000 puts a NUL on the other parity
    d = decode(text.encode(codec), "a.txt")
    assert (d.text, d.encoding) == (text, codec)


@pytest.mark.parametrize("data,found", [
    (codecs.BOM_UTF8, "only a byte-order mark (3 bytes)"),
    (codecs.BOM_UTF16_LE, "only a byte-order mark (2 bytes)"),
    (codecs.BOM_UTF16_BE, "only a byte-order mark (2 bytes)"),
    (codecs.BOM_UTF32_LE, "only a byte-order mark (4 bytes)"),
    (codecs.BOM_UTF32_BE, "only a byte-order mark (4 bytes)"),
    (codecs.BOM_UTF8 * 2, "only a byte-order mark (6 bytes)"),
    (b" ", "only whitespace (1 byte)"),
    (b"\n\n\r\n \t \n", "only whitespace (8 bytes)"),
    ("\u3000\u3000\n\u3000".encode("utf-8"), "only whitespace (10 bytes)"),
    ("\u3000\u3000\n".encode("gb18030"), "only whitespace (5 bytes)"),
    ("\u3000 \n".encode("utf-16-le"), "only whitespace (6 bytes)"),
    (codecs.BOM_UTF8 + "\r\n\u3000 \n".encode("utf-8"), "only a byte-order mark and whitespace (10 bytes)"),
    (codecs.BOM_UTF16_LE + " \n".encode("utf-16-le"), "only a byte-order mark and whitespace (6 bytes)"),
    ("\u200b\ufeff \n".encode("utf-8"), "only whitespace (8 bytes)"),
], ids=["bom8", "bom16le", "bom16be", "bom32le", "bom32be", "bom8_twice", "space", "newlines", "ideographic_spaces", "gb18030_spaces",
        "utf16_spaces", "bom8_and_spaces", "bom16_and_spaces", "zero_width"])
def test_a_file_with_no_text_is_reported_like_an_empty_file(data, found):
    with pytest.raises(InputFileError) as e:
        decode(data, "data/raw/blank.txt")
    assert e.value.kind == "empty"
    assert str(e.value) == (f"data/raw/blank.txt: expected a text report; found no text, {found}; "
                            "remove it from the folder or re-download it")


def test_no_text_with_a_forced_encoding_is_empty_too():
    with pytest.raises(InputFileError) as e:
        decode("\u3000\n".encode("gb18030"), "a.txt", encoding="gb18030")
    assert e.value.kind == "empty"


def test_nul_bytes_with_a_forced_encoding_are_binary():
    with pytest.raises(InputFileError) as e:
        decode(bytes(1000), "zeros.txt", encoding="utf-8")
    assert e.value.kind == "binary"
    assert str(e.value) == ("zeros.txt: expected text in the encoding given (utf-8); found binary data (NUL bytes); "
                            "check that the file is a text report")


def test_utf16_with_a_forced_encoding_still_works():
    d = decode("hello\n".encode("utf-16-le"), "a.txt", encoding="utf-16-le")
    assert d.text == "hello\n"


def test_run_reports_nul_and_blank_files_and_reads_ascii_utf16(tmp_path):
    """The reviewer's case end to end: one run, each file in documents.csv or errors.csv, no NUL in the outputs."""
    from pipeline.config import Config
    from pipeline.io import read_csv
    from pipeline.run import run_corpus

    src = tmp_path / "in"
    src.mkdir()
    (src / "zeros.txt").write_bytes(bytes(1000))
    (src / "bom_only.txt").write_bytes(codecs.BOM_UTF8)
    (src / "blank.txt").write_bytes(" \n\u3000\u3000\n\n".encode("utf-8"))
    (src / "utf16.txt").write_bytes(b"h\0e\0l\0l\0o\0\n\0" * 10)
    (src / "plan.txt").write_bytes(SIMP.encode("utf-8"))
    out = tmp_path / "out"
    run_corpus([src], out, Config(workers=1, cache=False))
    errs = read_csv(out / "errors.csv").set_index("file")
    docs = read_csv(out / "documents.csv").set_index("source")
    assert errs.loc[str(src / "zeros.txt"), "kind"] == "binary"
    assert errs.loc[str(src / "bom_only.txt"), "kind"] == "empty"
    assert errs.loc[str(src / "blank.txt"), "kind"] == "empty"
    assert "found no text, only whitespace" in errs.loc[str(src / "blank.txt"), "message"]
    assert docs.loc[str(src / "utf16.txt"), "encoding"] == "utf-16-le"
    assert docs.loc[str(src / "plan.txt"), "encoding"] == "utf-8"
    assert sorted(docs.index) == [str(src / "plan.txt"), str(src / "utf16.txt")]
    texts = list((out / "texts").glob("*.txt"))
    assert len(texts) == 2
    for p in [*out.glob("*.csv"), *texts]:
        assert b"\x00" not in p.read_bytes(), p


def test_a_stray_nul_after_a_utf8_bom_is_removed_too():
    got = decode(codecs.BOM_UTF8 + SIMP.encode("utf-8") + b"\x00", "a.txt")
    assert got.text == SIMP and got.warnings == ("1 NUL byte(s) removed",)
