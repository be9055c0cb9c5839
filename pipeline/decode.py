"""Bytes to text: detect the encoding of one report and decode it, or say why not.

Chinese reports arrive as UTF-8 (with or without BOM), UTF-16 (sometimes with no
BOM), GB18030/GBK, or Big5.  We try the unambiguous evidence first (BOM, strict
UTF-8, the NUL pattern of UTF-16) and ask charset-normalizer only for the legacy
code pages, restricted to the ones these reports use.  A file that mixes UTF-8
and GB18030 lines (pasted together from two pages) is decoded line by line, with
a warning.  CRLF/CR line ends become LF, as Python's universal newlines do.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from .errors import InputFileError

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LEGACY = ("gb18030", "big5")
_NEWLINES = re.compile(r"\r\n?")


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
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as e:
            raise InputFileError(where, f"text in the encoding given ({encoding})", f"bytes it cannot decode ({e})",
                                 "drop --encoding to detect the encoding, or pass the right one",
                                 kind="undecodable") from None
        return _finish(text.lstrip("\ufeff"), encoding, ())
    for bom, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                      (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return _finish(data.decode(name).lstrip("\ufeff"), name, ())
            except UnicodeDecodeError:
                break
    try:
        return _finish(data.decode("utf-8"), "utf-8", ())
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        utf16 = _sniff_utf16(data)
        if utf16:
            return _finish(data.decode(utf16), utf16, ("UTF-16 without a byte-order mark",))
        raise InputFileError(where, "text in UTF-8, GB18030, Big5 or UTF-16",
                             "binary data (NUL bytes)", "check that the file is a text report", kind="binary")
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
        warnings = (f"{bad} undecodable byte sequence(s) in {name} became U+FFFD",)
    if _control_ratio(text) > 0.05:
        raise InputFileError(where, "a text report", "mostly control characters (binary data?)",
                             "check that the file is a text report", kind="binary")
    return _finish(text, name, warnings)


def _finish(text: str, encoding: str, warnings: tuple[str, ...]) -> Decoded:
    if "\r" in text:
        text = _NEWLINES.sub("\n", text)
    return Decoded(text, encoding, warnings)


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM: ASCII and CJK both leave a clear byte pattern.

    ASCII in UTF-16-LE puts NUL at odd offsets; we also accept the decode when
    it yields mostly CJK and no unpaired surrogates.
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
        if _control_ratio(text) < 0.02:
            return name
    return None


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
