"""The analyst notebooks: committed without outputs, in sync with their generator, and
executed top to bottom on the bundled data (nbclient, kernel ``python3``).

Set ``STAFFING_SKIP_NOTEBOOKS=1`` to skip the execution (about a minute per notebook on 2
cores).
"""

from __future__ import annotations

import importlib.util
import os

import pytest

from .conftest import ROOT

NOTEBOOKS = ("quickstart.ipynb", "whatif.ipynb", "cost_vs_service.ipynb", "review.ipynb",
             "agents.ipynb")
DIR = ROOT / "notebooks"

nbformat = pytest.importorskip("nbformat")


def _generator():
    spec = importlib.util.spec_from_file_location("make_notebooks",
                                                  ROOT / "scripts" / "make_notebooks.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_without_outputs(name):
    nb = nbformat.read(DIR / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_blanket_warning_filters(name):
    """Data-quality warnings must reach the reader: no notebook silences every warning."""
    nb = nbformat.read(DIR / name, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for blanket in ('filterwarnings("ignore")', "filterwarnings('ignore')",
                    'simplefilter("ignore")', "simplefilter('ignore')"):
        assert blanket not in code, f"{name}: {blanket}"


def test_notebooks_match_their_generator(tmp_path):
    gen = _generator()
    for name in NOTEBOOKS:
        assert (DIR / name).read_text(encoding="utf-8") == gen.render(name), (
            f"{name} is out of date: run python scripts/make_notebooks.py")


@pytest.mark.slow
@pytest.mark.skipif(bool(os.environ.get("STAFFING_SKIP_NOTEBOOKS")),
                    reason="STAFFING_SKIP_NOTEBOOKS is set")
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(DIR / name, as_version=4)
    for cell in nb.cells:  # public API only: no private names of the library
        if cell.cell_type == "code":
            for line in cell.source.splitlines():
                if "staffing" in line and "import" in line:
                    assert " _" not in line and "._" not in line, line
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
