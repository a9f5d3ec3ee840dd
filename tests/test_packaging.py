"""Packaging: one version, the bundled data shipped inside the wheel, `py.typed`, and a CLI
that answers `--version` and `-h`."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import staffing
from staffing.cli import app
from staffing.io.bundled import BUNDLED_FILES, bundled_dir, bundled_path

from .conftest import ROOT

runner = CliRunner()


def test_one_version_source():
    """pyproject.toml takes the version from ``staffing.__version__`` (dynamic)."""
    assert importlib.metadata.version("staffing") == staffing.__version__
    text = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in text and "\nversion =" not in text.split("[tool.")[0]


def test_version_and_short_help():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"staffing {staffing.__version__}"
    for args in (["-h"], ["plan", "-h"], ["ingest", "-h"], ["erlang", "-h"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 0, args
        assert "Usage" in res.output and "Exit codes" in res.output, args


def test_bundled_files_resolve():
    for name in BUNDLED_FILES:
        assert bundled_path(name).is_file(), name
    assert (bundled_dir() / "plan.toml").read_bytes() == (ROOT / "data" / "plan.toml").read_bytes()
    assert (Path(staffing.__file__).parent / "py.typed").is_file()


@pytest.mark.slow
def test_wheel_ships_data_and_runs_outside_the_repo(tmp_path):
    """`pip install .` (here: the wheel it would install, unpacked into a fresh folder) has
    the demo data inside the package; from a folder outside the repo the installed copy finds
    it and `staffing --version` runs."""
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheels), str(ROOT)], capture_output=True, text=True, timeout=600,
        cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("staffing-*.whl")
    assert wheel.name.startswith(f"staffing-{staffing.__version__}-")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        for name in BUNDLED_FILES:
            assert f"staffing/data/{name}" in names, name
        assert "staffing/py.typed" in names
        site = tmp_path / "site"
        zf.extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = ("import staffing, staffing.io.bundled as b; from staffing.config import PlanConfig;"
            "c = PlanConfig.from_toml(b.bundled_path('plan.toml'));"
            "print(staffing.__file__); print(c.data_path); print(c.data_path.is_file())")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=elsewhere, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    where, data, exists = run.stdout.split()
    assert where.startswith(str(site)) and data.startswith(str(site / "staffing" / "data"))
    assert exists == "True"
    ver = subprocess.run([sys.executable, "-m", "staffing", "--version"],
                         capture_output=True, text=True, cwd=elsewhere, env=env, timeout=300)
    assert ver.returncode == 0 and ver.stdout.strip() == f"staffing {staffing.__version__}"
