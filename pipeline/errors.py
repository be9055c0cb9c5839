"""Exceptions whose messages say what to do.

Every message has four parts: the file or field, what was expected, what was
found, and the next step, e.g. ``report_07.txt: expected text in UTF-8, GB18030,
Big5 or UTF-16; found binary data (NUL bytes); check that the file is text``.
"""
from __future__ import annotations


class UnionmineError(Exception):
    """Base class: the CLI turns these into a one-line message and exit status 2."""

    kind = "error"

    def __init__(self, where: str, expected: str, found: str, hint: str):
        self.where, self.expected, self.found, self.hint = where, expected, found, hint
        super().__init__(f"{where}: expected {expected}; found {found}; {hint}")


class InputFileError(UnionmineError):
    """A file that cannot be read as a report (empty, binary, undecodable …)."""

    def __init__(self, where: str, expected: str, found: str, hint: str, kind: str = "input"):
        super().__init__(where, expected, found, hint)
        self.kind = kind


class ConfigError(UnionmineError):
    """A configuration field or command-line option with a bad value."""

    kind = "config"


class StageError(UnionmineError):
    """An unexpected failure inside one stage for one file (a bug, reported per file)."""

    kind = "internal"
