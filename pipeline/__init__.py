"""unionmine: text mining for Chinese trade-union (工会) reports.

The library API mirrors the command line, one call per stage::

    import pipeline
    doc = pipeline.ingest("data/raw/000_b15d1195fe800da6.txt")   # repair + script
    seg = pipeline.segment(doc)                                  # articles, items
    result = pipeline.run_corpus(["data/raw"])                   # the whole pipeline

Importing the package prints and logs nothing and loads no model.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Config": ("pipeline.config", "Config"),
    "load_config": ("pipeline.config", "load_config"),
    "ingest": ("pipeline.ingest", "ingest"),
    "ingest_bytes": ("pipeline.ingest", "ingest_bytes"),
    "repair_text": ("pipeline.ingest", "repair_text"),
    "Toolkit": ("pipeline.ingest", "Toolkit"),
    "segment": ("pipeline.segment", "segment"),
    "mark_duplicates": ("pipeline.dedup", "mark_duplicates"),
    "run_corpus": ("pipeline.run", "run_corpus"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))
