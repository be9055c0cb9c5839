"""Files in and out.  The only module (with ``cli``) that touches the disk.

Tables are written as UTF-8 with a BOM so that Excel opens Chinese text
correctly, with ``\\r\\n``-free ``\\n`` line ends, atomically (a temporary file in
the same folder, then ``os.replace``), so a crashed run never leaves half a table.
"""
from __future__ import annotations

import codecs
import csv
import fnmatch
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from .errors import InputFileError


@dataclass(frozen=True)
class InputFile:
    """A file found for a run: where it is and the id its outputs carry."""

    path: Path
    doc_id: str


def discover(paths: Sequence[str | os.PathLike[str]], patterns: Sequence[str] = ("*.txt",)) -> tuple[list[InputFile], list[tuple[str, str]]]:
    """Expand files and folders (recursively) into input files, sorted.

    Returns ``(inputs, skipped)``; ``skipped`` lists ``(path, reason)`` for entries
    in a folder that do not match ``patterns`` (so that every file is accounted for)
    and for paths that do not exist.
    """
    found: list[tuple[Path, Path | None]] = []
    skipped: list[tuple[str, str]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for sub in _walk(p, skipped):
                if any(fnmatch.fnmatch(sub.name, pat) for pat in patterns):
                    found.append((sub, p))
                else:
                    skipped.append((str(sub), "not matched by the input patterns " + ", ".join(patterns)))
        elif p.exists() or p.is_symlink():
            found.append((p, None))
        else:
            skipped.append((str(p), "no such file or folder"))
    return _assign_ids(found), skipped


def _walk(folder: Path, skipped: list[tuple[str, str]]) -> list[Path]:
    """The files under ``folder`` (not hidden, not in hidden folders; symbolic links to
    folders are not followed), sorted; a sub-folder that cannot be listed is added to
    ``skipped`` so that the files it hides are accounted for."""
    files: list[Path] = []

    def unreadable(e: OSError) -> None:
        skipped.append((str(e.filename or folder), f"unreadable folder ({e.strerror or e})"))

    for top, dirs, names in os.walk(folder, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(Path(top) / n for n in names if not n.startswith("."))
    return sorted(files)


#: ids no file gets: ``(all)`` names the pooled row of every shares table (``stats.ALL``)
_RESERVED_IDS = frozenset({"(all)"})


def _assign_ids(found: list[tuple[Path, Path | None]]) -> list[InputFile]:
    """doc_id = file stem; where two stems collide, the path relative to its root (with
    the root folder's name when that collides too), then ``~2``, ``~3`` … in the
    order of the full paths, so the ids do not depend on the order of the arguments;
    a stem ``(all)`` (the pooled group of the statistics) becomes ``(all)~2``."""
    stems: dict[str, int] = {}
    for path, _ in found:
        stems[path.stem] = stems.get(path.stem, 0) + 1
    rels: dict[str, int] = {}
    for path, root in found:
        if stems[path.stem] > 1:
            r = _rel_id(path, root, False)
            rels[r] = rels.get(r, 0) + 1
    out = []
    seen: set[str] = set(_RESERVED_IDS)
    for path, root in sorted(found, key=lambda f: str(f[0])):
        if stems[path.stem] == 1:
            doc_id = path.stem
        else:
            doc_id = _rel_id(path, root, False)
            if rels[doc_id] > 1 and root is not None:
                doc_id = _rel_id(path, root, True)
        base, n = doc_id, 2
        while doc_id in seen:
            doc_id, n = f"{base}~{n}", n + 1
        seen.add(doc_id)
        out.append(InputFile(path, doc_id))
    return sorted(out, key=lambda f: f.doc_id)


def _rel_id(path: Path, root: Path | None, with_root: bool) -> str:
    rel = path.relative_to(root) if root is not None else path
    if with_root and root is not None:
        rel = Path(root.resolve().name or "root") / rel
    return rel.with_suffix("").as_posix().replace("/", "__")


def read_bytes(path: Path) -> bytes:
    return Path(path).read_bytes()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _atomic_write(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are for sharing
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def default_cache_dir() -> Path:
    """Where models built on the fly live: $UNIONMINE_CACHE, else $XDG_CACHE_HOME/unionmine, else ~/.cache/unionmine."""
    env = os.environ.get("UNIONMINE_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "unionmine"


def write_text(path: Path, text: str) -> None:
    """UTF-8 text without BOM (repaired documents)."""
    _atomic_write(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    _atomic_write(path, data)


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """UTF-8 with BOM, ``\\n`` line ends, no index: opens correctly in Excel."""
    text = frame.to_csv(index=False, lineterminator="\n")
    _atomic_write(path, ("\ufeff" + text).encode("utf-8"))


def read_csv(path: Path, **kw) -> pd.DataFrame:
    """Read a table written by ``write_csv`` (the BOM is dropped; empty cells stay '')."""
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[], dtype=str, **kw)


@dataclass(frozen=True)
class CsvRows:
    """A CSV table read as written (``read_csv_rows``)."""

    #: every cell a string as written, the header's column names; no index column
    frame: pd.DataFrame
    #: the line (1-based) on which each row starts, for messages about a row
    lines: list[int] = field(default_factory=list)
    #: input columns renamed ``input_<name>`` so that columns the caller adds keep them: {name: new name}
    renamed: dict[str, str] = field(default_factory=dict)


def read_csv_rows(path: str | os.PathLike[str], what: str = "a CSV table", encoding: str | None = None, *,
                  encoding_option: str | None = None, keep_apart: Sequence[str] = ()) -> CsvRows:
    """Read a CSV made by people (Excel, a coder's sheet, an earlier output) with every cell as written.

    ``007`` stays ``007``; ``NA``, ``null`` and empty cells stay strings.  pandas
    reads a file whose first row has one field more than the header as having an
    index column, which silently moves every value one column to the left; so the
    rows are read with the csv module, and a row with more fields than the header
    is an error naming its line.  A shorter row is padded with empty cells; blank
    lines are skipped.

    ``what``: what the file should be, for messages ("an items CSV with a 'text'
    column"); ``encoding``: the file's encoding (default UTF-8; a BOM is dropped
    in any case); ``encoding_option``: how the caller lets the user set the
    encoding (``"--encoding"``), named when the bytes do not decode;
    ``keep_apart``: columns the caller will add to the table (a classifier's
    ``primary_label`` …): input columns of those names are renamed
    ``input_<name>`` (``input_input_<name>`` if that is taken, …) where they stand.

    Raises ``InputFileError`` naming the file, what was expected, what was found
    and what to do: a folder or a missing file, bytes that do not decode, a
    malformed or too long row, no header row, a column name used twice.
    """
    p = Path(path)
    if p.is_dir():
        raise InputFileError(str(p), what, "a folder", "pass the CSV file itself")
    if not p.is_file():
        raise InputFileError(str(p), what, "no such file", "check the path")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputFileError(str(p), what, f"an unreadable file ({e.strerror or e})", "check its permissions") from None
    codec = encoding or "utf-8"
    if codecs.lookup(codec).name == "utf-8":
        codec = "utf-8-sig"
    try:
        text = data.decode(codec).removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        hint = "save it as CSV UTF-8 (Excel: 'CSV UTF-8')"
        if encoding_option:
            hint = (f"pass {encoding_option} with the file's encoding (gb18030 for Excel's 'CSV' on Chinese "
                    "Windows), or " + hint)
        raise InputFileError(str(p), f"{what} (CSV, {encoding or 'UTF-8'})",
                             f"bytes that are not {encoding or 'UTF-8'} at byte {e.start}", hint) from None
    reader = csv.reader(StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    too_long: list[tuple[int, int]] = []
    line = 0
    try:
        for row in reader:
            start, line = line + 1, reader.line_num
            if not row:
                continue
            if header is None:
                header = row
            elif len(row) > len(header):
                too_long.append((start, len(row)))
            else:
                rows.append(row + [""] * (len(header) - len(row)))
                lines.append(start)
    except csv.Error as e:
        raise InputFileError(str(p), f"{what} (CSV)", f"a malformed row from line {line + 1} ({e})",
                             'close the quotes ("…") of that row, or save the file again from a spreadsheet'
                             ) from None
    if header is None:
        raise InputFileError(str(p), f"{what} (CSV with a header row)", "an empty file",
                             "export the table again, with its header row")
    if too_long:
        first, n = too_long[0]
        more = f" (and {len(too_long) - 1} more rows)" if len(too_long) > 1 else ""
        names = ", ".join(header[:6]) + (", …" if len(header) > 6 else "")
        raise InputFileError(str(p), f"{len(header)} fields per row, as in the header ({names})",
                             f"{n} fields on line {first}{more}",
                             'quote values that contain commas ("…") or remove the extra fields, then run again')
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise InputFileError(str(p), "distinct column names in the header",
                             f"{', '.join(repr(c) for c in repeated)} more than once", "rename the repeated columns")
    renamed = _names_kept_apart(header, keep_apart)
    columns = [renamed.get(c, c) for c in header]
    return CsvRows(pd.DataFrame(rows, columns=columns, dtype=str), lines, renamed)


def _names_kept_apart(header: list[str], keep_apart: Sequence[str]) -> dict[str, str]:
    """``input_<name>`` for each column of ``keep_apart`` in ``header`` (in ``keep_apart``'s order),
    prefixed again while the name is taken."""
    taken, names = set(header), {}
    for c in keep_apart:
        if c not in header:
            continue
        new = f"input_{c}"
        while new in taken:
            new = f"input_{new}"
        names[c] = new
        taken.add(new)
    return names


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    import io as _io

    buf = _io.BytesIO()
    frame.to_parquet(buf, index=False)
    _atomic_write(path, buf.getvalue())


def ensure_dir(path: Path) -> Path:
    Path(path).mkdir(parents=True, exist_ok=True)
    return Path(path)


def iter_lines(paths: Iterable[Path]) -> Iterable[str]:
    for p in paths:
        yield from Path(p).read_text(encoding="utf-8").splitlines()
