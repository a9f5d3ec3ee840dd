"""``python -m staffing``: the `staffing` command."""

from staffing.cli import app

app(prog_name="staffing")
