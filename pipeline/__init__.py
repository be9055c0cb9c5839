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
from types import ModuleType
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


class _StageModule(ModuleType):
    """A stage's module that can be called as its stage function.

    ``pipeline.ingest`` and ``pipeline.segment`` name both a function (the API
    above) and a submodule; importing the submodule (which any use of the function
    does) makes the package attribute the module, so a second
    ``pipeline.ingest(path)`` called a module.  The module forwards the call.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(self, self.__name__.rpartition(".")[2])(*args, **kwargs)


def _callable_stage(module_name: str) -> None:
    """Make ``sys.modules[module_name]`` callable as its function of the same name."""
    import sys

    sys.modules[module_name].__class__ = _StageModule


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))
