"""The notebooks run top to bottom on a fresh run over data/raw, and are stored without outputs."""
from __future__ import annotations

import importlib
import os

import pytest

from tests.conftest import RAW, ROOT

NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01_explore_outputs.ipynb", "02_code_and_train.ipynb"]
#: the stages the notebooks need, beyond this module's own (stats, keyness, export, plot)
NEEDED = ("pipeline.segment", "pipeline.classify", "pipeline.evaluate", "pipeline.run")


def _missing_stages() -> list[str]:
    missing = []
    for mod in NEEDED:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name != mod:
                raise
            missing.append(mod)
    return missing


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs(name):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{name} has no code"
    for c in code:
        assert not c.outputs and c.execution_count is None, f"{name}: clear the outputs before committing"
    source = "\n".join(c.source for c in code)
    assert "from pipeline import" in source, f"{name} should import from the package"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    missing = _missing_stages()
    if missing:
        pytest.skip(f"the notebooks need stages that are not importable yet: {', '.join(missing)}")
    from pipeline.config import Config
    from pipeline.run import run_corpus

    out = tmp_path_factory.mktemp("run")
    run_corpus([str(RAW)], out, Config(workers=1, progress=False))
    items = out / "items.csv"
    if not items.exists():
        pytest.skip("unionmine run wrote no items.csv (segmentation not wired into run yet)")
    header = items.read_text(encoding="utf-8-sig").splitlines()[0]
    if "primary_label" not in header.split(","):
        pytest.skip("unionmine run wrote items.csv without primary_label (classification not wired in yet)")
    assert (out / "stats" / "shares_by_sector.csv").exists(), "run did not write stats/ (write_run_outputs)"
    return out


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name, run_dir, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("UNIONMINE_OUT", str(run_dir))
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()   # raises CellExecutionError, with the cell and the traceback, on the first failure
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    if name.startswith("01"):
        assert len(images) >= 3, "01 should show the sector and year charts and the residual heatmap"
