from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def kit():
    from pipeline.ingest import Toolkit

    return Toolkit()


@pytest.fixture(scope="session")
def raw_files():
    return sorted(RAW.glob("*.txt"))
