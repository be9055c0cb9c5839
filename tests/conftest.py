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


# Property tests draw the same examples on every run (CI has no example database,
# and a random failure that a rerun hides helps nobody); a failure found while
# developing is pinned as an explicit @example.
from hypothesis import settings as _hsettings  # noqa: E402

_hsettings.register_profile("unionmine", derandomize=True, print_blob=True)
_hsettings.load_profile("unionmine")
