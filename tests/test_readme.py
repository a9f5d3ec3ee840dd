"""The README's command lines: every `staffing ...` command parses (options and subcommands
exist), and every `$ staffing ...` example prints what the README shows under it."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from staffing.cli import app

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
runner = CliRunner()


def _blocks(text: str) -> list[list[str]]:
    """Lines of the ```bash blocks."""
    return [b.splitlines() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def _joined(lines: list[str]) -> list[tuple[str, int]]:
    """Logical lines (backslash continuations joined) with the index of their last line."""
    out, buf = [], ""
    for i, line in enumerate(lines):
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        out.append((buf + line, i))
        buf = ""
    return out


def _args(command: str) -> list[str]:
    """``staffing a b  # comment`` -> ``["a", "b"]``."""
    parts = shlex.split(command, comments=True)
    assert parts[0] == "staffing", command
    return parts[1:]


def commands() -> list[str]:
    """Every `staffing` command line of the README (examples with `$` included)."""
    found = []
    for block in _blocks(README):
        for line, _ in _joined(block):
            text = line.strip().removeprefix("$ ")
            if text.startswith("staffing ") or text == "staffing":
                found.append(text)
    return found


def examples() -> list[tuple[str, str]]:
    """``(command, expected output)`` for each `$ staffing` line followed by its output."""
    found = []
    for block in _blocks(README):
        for line, last in _joined(block):
            if not line.startswith("$ staffing"):
                continue
            output = []
            for ln in block[last + 1:]:
                if ln.startswith("$ "):
                    break
                output.append(ln)
            if output:
                found.append((line.removeprefix("$ "), "\n".join(output)))
    return found


def test_the_readme_has_examples():
    assert len(commands()) >= 15
    names = [c for c, _ in examples()]
    assert any(" evaluate " in c and "--at" in c for c in names)
    assert any(c.startswith("staffing erlang") for c in names)


@pytest.mark.parametrize("command", commands())
def test_readme_command_parses(command):
    """The subcommand and every option exist (``--help`` after them: click parses the options
    first and fails on an unknown one)."""
    args = _args(command)
    res = runner.invoke(app, [*args, "--help"])
    assert res.exit_code == 0, (command, res.output)
    assert "Usage" in res.output


@pytest.mark.slow
def test_readme_examples_print_what_the_readme_shows(tmp_path, monkeypatch):
    """Runs the README's `$ staffing` examples from a folder holding `data/` (after
    `staffing demo --out out/demo` where an example reads out/demo) and compares the output
    with the README's, whitespace-normalised."""
    (tmp_path / "data").symlink_to(ROOT / "data", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    todo = examples()
    assert any("out/demo" in c for c, _ in todo)
    # `staffing demo --out out/demo` (= make demo); the limit only guards: the bundled plan
    # stops at its 1 % gap, so the roster (and every figure below) is the same on any machine
    res = runner.invoke(app, ["demo", "--out", "out/demo", "--time-limit", "600"])
    assert res.exit_code == 0, res.output
    for text in ("forecast:", "backtest MAE", "agent-hours", "cost", "gap", "predicted",
                 "simulated", "service level per day", "Tue 02 Mar", "week"):
        assert text in res.stdout, text  # the summary and the per-day table the README names
    for name in ("summary.json", "heatmap.png", "plan.xlsx", "shifts.ics", "coverage.parquet"):
        assert (tmp_path / "out" / "demo" / name).is_file(), name
    for command, expected in todo:
        res = runner.invoke(app, _args(command))
        assert res.exit_code == 0, (command, res.output)
        got = " ".join(res.stdout.split())
        assert got == " ".join(expected.split()), f"{command}\nREADME: {expected}\ngot:    {got}"
    assert Path(os.getcwd()) == tmp_path
