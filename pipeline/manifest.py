"""``OUT/run.json``: what ran, on what, with what, how long, and what failed.

The manifest records the package and dependency versions, the full
configuration, every input file (path, doc_id, sha256, size, status, whether
its result came from the cache), counts and timings per stage, and the errors.
Unlike the tables it is not byte-identical between runs: it holds timings and
the time of the run.
"""
from __future__ import annotations

import json
import platform
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from . import io as uio
from .config import Config
from .model import FileError

#: distributions whose versions shape the results (and the engines)
DEPENDENCIES = ("jieba", "scikit-learn", "pandas", "numpy", "scipy", "statsmodels", "opencc-python-reimplemented",
                "ftfy", "charset-normalizer", "pypinyin", "datasketch", "pyarrow", "joblib", "dask", "distributed",
                "tqdm")


def versions() -> dict[str, str]:
    """Installed versions of unionmine and its dependencies ("not installed" when absent)."""
    out = {"python": platform.python_version()}
    for name in ("unionmine", *DEPENDENCIES):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass
class StageStats:
    """Counts and time of one stage (per-document stages: summed over workers)."""

    files: int = 0
    failed: int = 0
    seconds: float = 0.0
    n_bytes: int = 0

    def as_dict(self) -> dict[str, Any]:
        d = {"files": self.files, "failed": self.failed, "seconds": round(self.seconds, 3)}
        if self.n_bytes and self.seconds > 0:
            d["mb_per_s"] = round(self.n_bytes / 1e6 / self.seconds, 3)
        return d


@dataclass
class Manifest:
    config: Config
    engine: str = "local"
    workers: int = 1
    started: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    inputs: list[dict[str, Any]] = field(default_factory=list)
    stages: dict[str, StageStats] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[FileError] = field(default_factory=list)
    seconds: float = 0.0
    status: str = "complete"
    cache: dict[str, Any] = field(default_factory=dict)
    #: CPU time of the per-document stages, summed over workers (compare with their wall time in ``stages``)
    worker_cpu_seconds: float = 0.0

    def stage(self, name: str) -> StageStats:
        return self.stages.setdefault(name, StageStats())

    def add_input(self, doc_id: str, path: str, sha256: str, n_bytes: int, status: str, cached: bool) -> None:
        self.inputs.append({"doc_id": doc_id, "path": path, "sha256": sha256, "n_bytes": n_bytes,
                            "status": status, "cached": cached})

    def as_dict(self) -> dict[str, Any]:
        return {
            "unionmine_run": 1,
            "started": self.started,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "versions": versions(),
            "platform": {"system": platform.system(), "machine": platform.machine(),
                         "executable": sys.executable},
            "engine": {"name": self.engine, "workers": self.workers, "scheduler": self.config.scheduler},
            "config": _jsonable(self.config.as_dict()),
            "counts": self.counts,
            "stages": {k: v.as_dict() for k, v in self.stages.items()},
            "worker_cpu_seconds": round(self.worker_cpu_seconds, 3),
            "cache": self.cache,
            "inputs": sorted(self.inputs, key=lambda d: (d["doc_id"] or "", d["path"])),
            "errors": [{"file": e.file, "stage": e.stage, "kind": e.kind, "message": e.message}
                       for e in self.errors],
        }

    def write(self, path: Path) -> None:
        text = json.dumps(self.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n"
        uio.write_bytes(Path(path), text.encode("utf-8"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _jsonable(v) for k, v in dict(value).items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def read_manifest(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
