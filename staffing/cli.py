"""The `staffing` command (typer). The only module that prints or configures logging."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import typer
from rich.console import Console

from staffing.exceptions import InputError, StaffingError, StaffingWarning

app = typer.Typer(help="Contact-center workforce planning: forecast, requirements, rosters.",
                  no_args_is_help=True)
console = Console()
err = Console(stderr=True)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
BUNDLED_LOG = DATA_DIR / "anonymous_bank_feb1999_calls.csv"
BUNDLED_HISTORY = DATA_DIR / "anonymous_bank_15min.csv"


def _setup(verbose: int) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")

    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
        if issubclass(category, StaffingWarning):
            err.print(f"[yellow]warning[/]: {message}")
        else:
            logging.getLogger("py.warnings").debug("%s: %s", category.__name__, message)

    warnings.showwarning = show


def _fail(exc: Exception) -> None:
    err.print(f"[red]error[/]: {exc}")
    raise typer.Exit(code=2 if isinstance(exc, InputError) else 1)


@app.command()
def ingest(
    path: Path = typer.Argument(..., help="Call log (one row per call) or interval history CSV."),
    tz: str = typer.Option("Asia/Jerusalem", help="Site IANA time zone."),
    freq: str = typer.Option("15min", help="Interval length: 5/15/30/60min."),
    out: Path | None = typer.Option(None, help="Write the interval history CSV here."),
    verbose: int = typer.Option(0, "-v", count=True, help="More logging."),
) -> None:
    """Aggregate a call log to interval history and print a summary.

    Example: staffing ingest data/anonymous_bank_feb1999_calls.csv --freq 30min --out hist.csv
    """
    _setup(verbose)
    from staffing.io import read_call_log, write_history

    try:
        log = read_call_log(path, tz=tz)
        hist = log.to_intervals(freq)
    except StaffingError as exc:
        _fail(exc)
        return
    s = log.summary()
    console.print(f"calls {s['calls']}, served {s['served']}, abandoned {s['abandoned']}, "
                  f"mean handle {s['mean_handle_s']:.1f} s, dropped {s['dropped']}")
    console.print(f"{len(hist)} intervals of {freq} from {hist.index[0]} to {hist.index[-1]}")
    if out:
        write_history(hist, out)
        console.print(f"wrote {out}")




@app.command()
def demo(
    out: Path = typer.Option(Path("out/demo"), help="Output directory."),
    verbose: int = typer.Option(0, "-v", count=True, help="More logging."),
) -> None:
    """Run the main job on the bundled Anonymous Bank data.

    Example: staffing demo --out out/demo
    """
    _setup(verbose)
    from staffing.io import read_call_log, write_history

    log = read_call_log(BUNDLED_LOG, tz="Asia/Jerusalem")
    hist = log.to_intervals("15min")
    out.mkdir(parents=True, exist_ok=True)
    write_history(hist, out / "history_15min.csv")
    s = log.summary()
    console.print(f"Anonymous Bank Feb 1999: {s['calls']} calls, {s['served']} served, "
                  f"{s['abandoned']} abandoned; {len(hist)} quarter-hours -> {out}")
