"""Bytes to text: detect the encoding of one report and decode it, or say why not.

Chinese reports arrive as UTF-8 (with or without BOM), UTF-16 (sometimes with no
BOM), GB18030/GBK, or Big5.  We try the unambiguous evidence first (BOM, NUL
bytes, strict UTF-8) and ask charset-normalizer only for the legacy code pages,
restricted to the ones these reports use.  NUL bytes come before UTF-8 because
UTF-8, GB18030 and Big5 write a NUL byte only for U+0000, which no report holds,
while ASCII in UTF-16 leaves one in every pair (and ASCII in UTF-16 is valid
UTF-8): a file with a NUL byte is UTF-16 without a BOM if it reads as text in
UTF-16, else binary.  A file that mixes UTF-8 and GB18030 lines (pasted together
from two pages) is decoded line by line, with a warning.  CRLF/CR line ends
become LF, as Python's universal newlines do.  A file that decodes to nothing but
BOMs and whitespace is reported like an empty file.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from .errors import InputFileError

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LEGACY = ("gb18030", "big5")
_NEWLINES = re.compile(r"\r\n?")
#: a character that is not whitespace (U+3000 included), a BOM or a zero-width space
_VISIBLE = re.compile(r"[^\s\ufeff\u200b]")
#: the BOMs a file can start with (UTF-32-LE's starts with UTF-16-LE's)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)
_DETECTED = "text in UTF-8, GB18030, Big5 or UTF-16"
#: the bytes of control characters other than \t \n \r \f, as ``_control_ratio`` counts them
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
#: a text may hold one stray NUL byte per this many bytes (at least one); more is binary
STRAY_NUL_BYTES = 1000
_HEAD = 1024  # a binary file shows its control characters in its first KB
#: characters reports are written in: Latin (pinyin included), punctuation and symbols, CJK
_NOT_REPORT_CHAR = re.compile(
    "[^\u0000-\u024f\u2000-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


def decode(data: bytes, where: str = "<bytes>", encoding: str | None = None) -> Decoded:
    """Decode ``data`` (the contents of ``where``) to text with ``\\n`` line ends."""
    if not data:
        raise InputFileError(where, "a text report", "an empty file (0 bytes)",
                             "remove it from the folder or re-download it", kind="empty")
    decoded = _decode(data, where, encoding)
    if _VISIBLE.search(decoded.text) is None:
        raise _no_text(data, decoded.text, where)
    return decoded


def _decode(data: bytes, where: str, encoding: str | None) -> Decoded:
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as e:
            raise InputFileError(where, f"text in the encoding given ({encoding})", f"bytes it cannot decode ({e})",
                                 "drop --encoding to detect the encoding, or pass the right one",
                                 kind="undecodable") from None
        text = text.lstrip("\ufeff")
        _refuse_binary_text(text, where, f"text in the encoding given ({encoding})")
        return _finish(text, encoding, ())
    for bom, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                      (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                text = data.decode(name).lstrip("\ufeff")
            except UnicodeDecodeError:
                break
            warned: tuple[str, ...] = ()
            if name == "utf-8-sig" and 0 < (nuls := data.count(b"\x00")) <= max(1, len(data) // STRAY_NUL_BYTES):
                data, text, warned = data.replace(b"\x00", b""), text.replace("\x00", ""), (
                    f"{nuls} NUL byte(s) removed",)
            if name != "utf-8-sig":
                _refuse_binary_text(text, where)
            elif b"\x00" in data:
                raise _binary(where, nul=True)
            else:  # the BOM's bytes are no control bytes: no need to slice it off
                _refuse_binary_bytes(data, len(text), where)
            return _finish(text, name, warned)
    if b"\x00" in data:
        utf16 = _sniff_utf16(data)
        if utf16:
            return _finish(data.decode(utf16), utf16, ("UTF-16 without a byte-order mark",))
        nuls = data.count(b"\x00")
        if nuls <= max(1, len(data) // STRAY_NUL_BYTES):
            # a stray NUL in a text (a scraper's or a truncated write's): the report is
            # read without it, and the warning says so; binary data has many more
            got = _decode(data.replace(b"\x00", b""), where, None)
            return Decoded(got.text, got.encoding, (f"{nuls} NUL byte(s) removed", *got.warnings))
        raise _binary(where, nul=True)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        _refuse_binary_bytes(data, len(text), where)
        return _finish(text, "utf-8", ())
    mixed = _decode_mixed_lines(data)
    if mixed is not None:
        return _finish(mixed, "mixed:utf-8+gb18030",
                       ("lines in two encodings (UTF-8 and GB18030), decoded line by line",))
    name = _detect_legacy(data)
    if name is None:
        raise InputFileError(where, "text in UTF-8, GB18030, Big5 or UTF-16",
                             "bytes that none of them decodes", "pass --encoding NAME, or check that the file is text",
                             kind="undecodable")
    text = data.decode(name, errors="replace")
    warnings = ()
    bad = text.count("\ufffd")
    if bad:
        # left in the decoded text (raw_text), so the repairs replay from it; the rule
        # fix_mojibake turns each into config.unrecoverable_mark, with a row
        warnings = (f"{bad} undecodable byte sequence(s) in {name} became U+FFFD, marked by fix_mojibake",)
    if _control_ratio(text) > 0.05:
        raise _binary(where, nul=False)
    return _finish(text, name, warnings)


def _binary(where: str, nul: bool, expected: str = "") -> InputFileError:
    """The ``binary`` error: NUL bytes (never text, unless UTF-16), or mostly control characters."""
    if nul:
        expected, found = expected or _DETECTED, "binary data (NUL bytes)"
    else:
        expected, found = expected or "a text report", "mostly control characters (binary data?)"
    return InputFileError(where, expected, found, "check that the file is a text report", kind="binary")


def _refuse_binary_text(text: str, where: str, expected: str = "") -> None:
    """Binary data decoded by a BOM or a forced encoding: NUL characters, or over 5% control characters."""
    if "\x00" in text:
        raise _binary(where, True, expected)
    if _CONTROL.search(text, 0, _HEAD) and _control_ratio(text) > 0.05:
        raise _binary(where, False, expected)


def _refuse_binary_bytes(data: bytes, n_chars: int, where: str) -> None:
    """The same test on the bytes of UTF-8 (no NUL), where a control byte is a control character.

    Counted in full only when the first 1 KB holds a control byte: a report has
    none there, so valid UTF-8 pays for one small ``bytes.translate``.
    """
    head = data[:_HEAD]
    if len(head.translate(None, _CONTROL_BYTES)) == len(head):
        return
    n_control = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if n_control > 0.05 * n_chars:
        raise _binary(where, nul=False)


def _no_text(data: bytes, text: str, where: str) -> InputFileError:
    """A file of BOMs and whitespace (spaces, line ends, U+3000, zero-width spaces): an empty report."""
    if not text:  # decoding dropped the BOM(s) and nothing was left
        what = "only a byte-order mark"
    elif data.startswith(_BOMS):
        what = "only a byte-order mark and whitespace"
    else:
        what = "only whitespace"
    size = f"{len(data)} byte" + ("s" if len(data) > 1 else "")
    return InputFileError(where, "a text report", f"no text, {what} ({size})",
                          "remove it from the folder or re-download it", kind="empty")


def _finish(text: str, encoding: str, warnings: tuple[str, ...]) -> Decoded:
    if "\r" in text:
        text = _NEWLINES.sub("\n", text)
    return Decoded(text, encoding, warnings)


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM: ASCII and CJK both leave a clear byte pattern.

    ASCII in UTF-16-LE puts NUL at odd offsets (U+3000 and U+4E00 put one at an
    even offset), so the parity with more NULs is tried first; the other byte
    order is tried too, and a decode is taken only when it reads as a report
    (``_reads_as_report``).  UTF-8 or GB18030 with a stray NUL also decodes as
    UTF-16, into rare ideographs, Hangul and private-use characters, which that
    test refuses.
    """
    if len(data) % 2:
        return None
    even = data[0::2].count(0)
    odd = data[1::2].count(0)
    order = ("utf-16-le", "utf-16-be") if odd >= even else ("utf-16-be", "utf-16-le")
    for name in order:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if _reads_as_report(text):
            return name
    return None


def _reads_as_report(text: str) -> bool:
    """Few control characters, few characters outside the scripts of reports, common ideographs.

    The five sample reports score 0.53-0.61 on ``_common_share``; ideographs made of
    the wrong bytes are picked at random, where 500 of 21k characters are common
    (UTF-8 samples with a NUL, read as UTF-16: 0.004-0.014).
    """
    if _control_ratio(text) >= 0.02:
        return False
    if len(_NOT_REPORT_CHAR.findall(text)) > 0.05 * len(text):
        return False
    return CJK_RE.search(text) is None or _common_share(text) >= 0.3


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    n = sum(1 for c in text if (c < " " and c not in "\n\r\t\f") or c == "\x7f")
    return n / len(text)


def _decode_mixed_lines(data: bytes) -> str | None:
    """Decode a file whose lines are partly UTF-8, partly GB18030; None if not such a file."""
    lines = data.split(b"\n")
    out, n_utf8, n_gb = [], 0, 0
    for line in lines:
        try:
            s = line.decode("utf-8")
            if any(b >= 0x80 for b in line):
                n_utf8 += 1
        except UnicodeDecodeError:
            try:
                s = line.decode("gb18030")
                n_gb += 1
            except UnicodeDecodeError:
                return None
        out.append(s)
    if n_utf8 and n_gb:
        return "\n".join(out)
    return None


def _detect_legacy(data: bytes) -> str | None:
    """GB18030 or Big5: the one that decodes strictly; if both do, the more Chinese-looking."""
    ok = []
    for name in _LEGACY:
        try:
            ok.append((name, data.decode(name)))
        except UnicodeDecodeError:
            pass
    if len(ok) == 1:
        return ok[0][0]
    if len(ok) == 2:
        try:
            from charset_normalizer import from_bytes

            best = from_bytes(data, cp_isolation=list(_LEGACY)).best()
            if best is not None and best.encoding in ("gb18030", "big5"):
                return best.encoding
        except Exception:  # pragma: no cover - the detector is advisory here
            pass
        return max(ok, key=lambda nt: _common_share(nt[1]))[0]
    # neither decodes strictly (a few bad bytes): the code page whose text reads as Chinese,
    # with the fewest replacement characters
    scores = []
    for name in _LEGACY:
        text = data.decode(name, errors="replace")
        bad = text.count("\ufffd") / max(1, len(text))
        scores.append((_common_share(text) - 10 * bad, -bad, name))
    score, neg_bad, name = max(scores)
    return name if -neg_bad < 0.05 else None


# The 500 most frequent characters of modern Chinese prose cover ~80% of text; a
# wrong code page yields rare characters.  A short list is enough to rank two.
_COMMON = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
    "十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"
    "們這個來會為國發於說對時樣經過還點從當與關開門間問題實現進動學應該沒"
)


def _common_share(text: str) -> float:
    cjk = CJK_RE.findall(text)
    if not cjk:
        return 0.0
    return sum(1 for c in cjk if c in _COMMON) / len(cjk)
