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
    assert d.warnings == ("2 undecodable byte sequence(s) in gb18030 became U+FFFD",)


def test_big5_with_a_bad_byte_stays_big5():
    data = TRAD.encode("big5") + b"\xff" + TRAD.encode("big5")
    d = decode(data, "a.txt")
    assert d.encoding == "big5" and d.text.startswith(TRAD)
