"""The `staffing` command (typer). The only module that prints or configures logging.

Exit codes: 0 success; 2 bad input (the one-line reason names the field, e.g.
``goals.service_level``); 1 other errors; 3 the roster solve returned no roster (infeasible or
no solution within the time limit).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from staffing.exceptions import InputError, StaffingError, StaffingWarning

if TYPE_CHECKING:
    import pandas as pd

EXIT_CODES = ("Exit codes: 0 success; 1 other error; 2 bad input (one line naming the field, "
              "file or option); 3 the roster solve returned no roster (infeasible or no "
              "solution in the time limit).")

app = typer.Typer(help="Contact-center workforce planning: forecast, requirements, rosters.",
                  epilog=EXIT_CODES, no_args_is_help=True, rich_markup_mode="rich",
                  context_settings={"help_option_names": ["-h", "--help"]})
console = Console(soft_wrap=True)  # one-line answers stay one line in files and pipes
err = Console(stderr=True, soft_wrap=True)



def _bundled_plan() -> Path:
    """data/plan.toml of this install (inside the package when installed from a wheel)."""
    from staffing.io.bundled import bundled_path

    return bundled_path("plan.toml")

CONFIG_OPT = typer.Option(..., "--config", "-c", help="Plan TOML file (see data/plan.toml).")
VERBOSE_OPT = typer.Option(0, "-v", "--verbose", count=True, help="More logging (-v, -vv).")


def _version(value: bool) -> None:
    if value:
        from staffing import __version__

        console.print(f"staffing {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Contact-center workforce planning: forecast, requirements, rosters."""


def _setup(verbose: int) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)

    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
        if issubclass(category, StaffingWarning):
            err.print(f"[yellow]warning[/]: {message}", markup=True, highlight=False)
        else:
            logging.getLogger("py.warnings").debug("%s: %s", category.__name__, message)

    warnings.showwarning = show


def _fail(exc: Exception) -> NoReturn:
    text = " ".join(str(exc).split())  # one line
    err.print(f"[red]error[/]: {text}", markup=True, highlight=False)
    raise typer.Exit(code=2 if isinstance(exc, InputError | ValueError | FileNotFoundError)
                     else 1)


def _load(config: Path, *, start: str | None = None, days: int | None = None,
          simulate: bool | None = None) -> Any:
    from staffing.config import PlanConfig

    cfg = PlanConfig.from_toml(config)
    changes: dict[str, Any] = {}
    if start is not None:
        try:
            changes["start"] = dt.date.fromisoformat(start)
        except ValueError as exc:
            raise InputError("--start", start, "a date 'YYYY-MM-DD'") from exc
    if days is not None:
        if days < 1 or days > 28:
            raise InputError("--days", days, "1..28 days")
        changes["days"] = days
    if simulate is not None:
        changes["simulate"] = simulate
    return dataclasses.replace(cfg, **changes) if changes else cfg


class _RichProgress:
    """A rich Progress on stderr used as a context manager (subclasses fill ``progress``)."""

    progress: Progress

    def __enter__(self) -> Any:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)  # type: ignore[arg-type]


class _StageProgress(_RichProgress):
    """Rich progress display fed by pipeline.StageEvent callbacks."""

    def __init__(self, enabled: bool = True) -> None:
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                 TextColumn("[dim]{task.fields[detail]}"), TimeElapsedColumn(),
                                 console=err, transient=False, disable=not enabled)
        self.tasks: dict[str, Any] = {}

    def __call__(self, event: Any) -> None:
        task = self.tasks.get(event.stage)
        if task is None:
            task = self.progress.add_task(event.stage, total=1, detail="")
            self.tasks[event.stage] = task
        if event.kind == "done":
            self.progress.update(task, completed=1, detail=event.detail)
        else:
            self.progress.update(task, detail=event.detail)


def _print_written(paths: dict[str, Path], out: Path) -> None:
    console.print(f"wrote {len(paths)} files to {out}: " + ", ".join(sorted(paths)))


# --------------------------------------------------------------------------------- commands

@app.command()
def ingest(
    path: Path = typer.Argument(..., help="Call log (one row per call, CSV) or interval "
                                "history (interval_start, calls, ...; CSV or Parquet)."),
    tz: str | None = typer.Option(
        None, help="Site IANA time zone, e.g. Asia/Jerusalem (required: naive clock times in "
        "the file are local to it; offsets in the file are converted to it)."),
    freq: str = typer.Option("15min", help="Interval length: 5/10/15/20/30/60min (a history "
                             "is aggregated to it; it cannot be split finer)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the interval history "
                                    "here: .csv (ISO 8601 with offsets) or .parquet."),
    offered: str = typer.Option("queue", help="Demand definition: queue (calls that reached "
                                              "the agent queue) | system (every call)."),
    wrap_s: str = typer.Option("0", "--wrap-s", help="After-call work added to handle time: "
                                                     "seconds or 'estimate'."),
    verbose: int = VERBOSE_OPT,
) -> None:
    """Aggregate a call log (or re-aggregate an interval history) to interval history and
    print a summary.

    Example: staffing ingest data/anonymous_bank_feb1999_calls.csv --tz Asia/Jerusalem
             --freq 30min --out out/hist30.csv
    """
    _setup(verbose)
    from staffing.config import sniff_kind
    from staffing.io import read_call_log, read_history, write_history
    from staffing.io.history import resample_history

    try:
        wrap: float | str = wrap_s
        if wrap_s != "estimate":
            try:
                wrap = float(wrap_s)
            except ValueError as exc:
                raise InputError("--wrap-s", wrap_s, "seconds or 'estimate'") from exc
        if tz is None:
            raise InputError("--tz", None, "the site's IANA time zone, e.g. --tz "
                             "Asia/Jerusalem (naive timestamps are never guessed)")
        kind = sniff_kind(path, field="path")
        if kind == "call_log":
            log = read_call_log(path, tz=tz, offered=offered,  # type: ignore[arg-type]
                                wrap_s=wrap)  # type: ignore[arg-type]
            hist = log.to_intervals(freq)
            s = log.summary()
            lines = [f"call log: {s['calls']:,} calls, served {s['served']:,}, abandoned "
                     f"{s['abandoned']:,}, mean handle {s['mean_handle_s']:.1f} s, "
                     f"dropped {s['dropped']}",
                     f"offered = {s['offered']}: {s['reached_queue']} reached the agent queue, "
                     f"{s['menu_hangups']} menu hang-ups ({s['menu_hangup_share']:.1%}); "
                     f"talk {s['mean_talk_s']:.1f} s + wrap {s['wrap_s']:.1f} s"
                     + (f" (estimated from {log.wrap.gaps} agent idle gaps, median "
                        f"{log.wrap.median_s:.0f} s)" if log.wrap is not None else "")]
        else:
            hist = resample_history(read_history(path, tz=tz), freq)
            lines = [f"interval history: {hist['calls'].sum():,.0f} calls"]
    except (StaffingError, ValueError, OSError) as exc:
        _fail(exc)
    lines.append(f"{len(hist)} intervals of {freq} from {hist.index[0]:%Y-%m-%d %H:%M} to "
                 f"{hist.index[-1]:%Y-%m-%d %H:%M} ({tz})")
    for line in lines:
        console.print(line, highlight=False)
    if out:
        try:
            write_history(hist, out)
        except (StaffingError, ValueError, OSError) as exc:
            _fail(exc)
        console.print(f"wrote {out}", highlight=False)


@app.command()
def forecast(
    config: Path = CONFIG_OPT,
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Write forecast.csv and forecast.png here."),
    start: str | None = typer.Option(None, help="Override \\[plan] start (YYYY-MM-DD)."),
    days: int | None = typer.Option(None, help="Override \\[plan] days."),
    verbose: int = VERBOSE_OPT,
) -> None:
    """Forecast calls and handle time per interval for the planning week; print the backtest.

    Example: staffing forecast -c data/plan.toml --out out/fc
    """
    _setup(verbose)
    from staffing.io.export import write_csv
    from staffing.pipeline import load_data, run_forecast
    from staffing.report import plot_forecast

    try:
        cfg = _load(config, start=start, days=days)
        with console.status("forecasting"):
            data = load_data(cfg)
            fc = run_forecast(cfg, data.history)
    except (StaffingError, ValueError, OSError) as exc:
        _fail(exc)
    s = fc.summary()
    table = Table(title=f"backtest (selected: {fc.model})")
    for col in ("model", "mae", "wape", "folds"):
        table.add_column(col)
    for name, row in fc.backtest.iterrows():
        table.add_row(str(name), f"{row.get('mae', float('nan')):.3f}",
                      f"{row.get('wape', float('nan')):.1%}", str(row.get("folds", "")))
    console.print(table)
    console.print(f"{s['intervals']} intervals from {s['start']}: {s['total_calls']:,.0f} calls, "
                  f"peak {s['peak_calls']:.1f}, mean AHT {s['mean_aht_s']} s")
    if s.get("backtest_coverage") is not None:
        console.print(f"{fc.level:.0%} interval: backtest coverage {s['backtest_coverage']:.1%}")
    for check in fc.checks:
        if not check["ok"]:
            console.print(f"[yellow]warning:[/yellow] {check['message']}")
    if out:
        from staffing.forecast.plots import plot_forecast_check

        write_csv(fc.frame, out / "forecast.csv", index=True)
        plot_forecast(fc.frame, out / "forecast.png", history=data.history, level=fc.level,
                      tz=cfg.tz)
        plot_forecast_check(fc, out / "forecast_check.png", history=data.history, tz=cfg.tz)
        console.print(f"wrote {out / 'forecast.csv'}, {out / 'forecast.png'} and "
                      f"{out / 'forecast_check.png'}")


@app.command()
def requirements(
    config: Path = CONFIG_OPT,
    forecast_csv: Path | None = typer.Option(
        None, "--forecast", help="Use this forecast.csv (interval_start, calls, aht_s) instead "
        "of forecasting."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write requirements.csv here."),
    at: list[str] = typer.Option(
        [], "--at", help="Local time of an interval to answer for, e.g. '1999-03-02 10:00' "
        "(repeatable): one line with its calls, AHT and agents."),
    verbose: int = VERBOSE_OPT,
) -> None:
    """Required agents per interval (Erlang C, or A with patience) from the forecast and goals.

    Examples: staffing requirements -c data/plan.toml --out out/req
              staffing requirements -c data/plan.toml --forecast out/fc/forecast.csv
              staffing requirements -c data/plan.toml --at "1999-03-02 10:00"
    """
    _setup(verbose)
    from staffing.io.export import read_interval_csv, write_requirements_csv
    from staffing.pipeline import (
        fit_patience_from,
        load_data,
        run_forecast,
        run_requirements,
    )

    try:
        cfg = _load(config)
        with console.status("computing requirements"):
            data = load_data(cfg) if forecast_csv is None or cfg.patience_s == "fit" else None
            if forecast_csv is not None:
                frame = read_interval_csv(forecast_csv, tz=cfg.tz, required=("calls", "aht_s"),
                                          what="forecast", field="--forecast")
            else:
                assert data is not None
                frame = run_forecast(cfg, data.history).frame
            patience = fit_patience_from(data) if cfg.patience_s == "fit" else None
            goals, req = run_requirements(
                cfg, frame, patience.mean_patience_s if patience is not None else None)
        moments = [_interval_at(t, req.index, cfg.tz, cfg.freq) for t in at]
    except (StaffingError, ValueError, OSError) as exc:
        _fail(exc)
    mode = f"Erlang A (patience {goals.patience_s:.0f} s)" if goals.uses_erlang_a else "Erlang C"
    if moments:
        import pandas as pd

        shut = (cfg.open_hours.min_staff(pd.DatetimeIndex(moments)) < 0
                if cfg.open_hours is not None else [False] * len(moments))
        for ts, closed in zip(moments, shut, strict=True):
            r = req.loc[ts]
            when = f"{ts:%a %Y-%m-%d %H:%M}"
            if closed and r["calls"] <= 0:
                console.print(f"{when}: closed (open hours): no calls forecast, 0 agents",
                              highlight=False)
                continue
            line = (f"{when}: {r['calls']:.1f} calls, AHT {r['aht_s']:.0f} s -> "
                    f"{int(r['agents_net'])} agents on the phone, {int(r['agents_required'])} "
                    f"scheduled ({mode.replace(' (', ', ').rstrip(')')})")
            if r["calls"] > 0:
                line += f"; predicted SL {r['service_level']:.1%}, ASA {r['asa_s']:.1f} s"
            console.print(line, highlight=False)
    else:
        hours = cfg.freq.total_seconds() / 3600
        console.print(f"{mode}: {req['agents_required'].sum() * hours:,.1f} agent-hours "
                      f"required (scheduled, after {goals.shrinkage:.0%} shrinkage; "
                      f"{req['agents_net'].sum() * hours:,.1f} on the phone), peak "
                      f"{int(req['agents_required'].max())} agents, "
                      f"{req['calls'].sum():,.0f} calls", highlight=False)
    if out:
        path = write_requirements_csv(req, out / "requirements.csv")
        console.print(f"wrote {path}")


@app.command()
def roster(
    config: Path = CONFIG_OPT,
    requirements_csv: Path | None = typer.Option(
        None, "--requirements", help="Roster against this requirements.csv instead of "
        "forecasting (needs interval_start, agents_required)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output directory."),
    time_limit: float | None = typer.Option(None, "--time-limit",
                                            help="Override \\[solver] time_limit_s (seconds)."),
    verbose: int = VERBOSE_OPT,
) -> None:
    """Solve the weekly roster (HiGHS) and write shifts.csv, coverage.csv (with the predicted
    service level), tours.csv, shifts.ics and summary.json.

    Example: staffing roster -c data/plan.toml --requirements out/req/requirements.csv -o out/r
    """
    _setup(verbose)
    from staffing.io import export
    from staffing.io.export import read_requirements_csv
    from staffing.pipeline import coverage_frame, plan
    from staffing.report import format_summary

    try:
        cfg = _load(config)
        req = (read_requirements_csv(requirements_csv, tz=cfg.tz)
               if requirements_csv is not None else None)
        with _StageProgress() as prog:
            planned = plan(cfg, requirements=req, simulate=False, progress=prog,
                           time_limit_s=time_limit)
        result, ev = planned.roster, planned.evaluation
    except (StaffingError, ValueError, OSError) as exc:
        _fail(exc)
    s = result.summary()
    console.print(format_summary({"roster": s}), highlight=False)
    if result.penalties:
        console.print(result.penalty_report())
    if ev is not None:
        console.print(format_summary({"evaluation": ev.summary()}), highlight=False)
        s["service_level"] = ev.week["service_level"]
    paths = {}
    if not result.shifts.empty:
        paths["shifts.csv"] = export.write_shifts_csv(result.shifts, out / "shifts.csv")
        paths["tours.csv"] = export.write_csv(result.tours, out / "tours.csv")
        paths["shifts.ics"] = export.write_ics(result.shifts, out / "shifts.ics")
        paths["coverage.csv"] = export.write_coverage_csv(coverage_frame(result, ev),
                                                          out / "coverage.csv")
    paths["summary.json"] = export.write_summary_json(s, out / "summary.json")
    _print_written(paths, out)
    if not result.has_roster:
        err.print(f"[red]error[/]: no roster: {s['status']} {s.get('diagnosis') or ''}".strip())
        raise typer.Exit(code=3)


def _run_plan(cfg: Any, out: Path, *, time_limit: float | None, plots: bool,
              title: str, days_table: bool = False) -> None:
    import pandas as pd

    from staffing.pipeline import plan

    t0 = time.perf_counter()
    with _StageProgress() as prog:
        result = plan(cfg, progress=prog, time_limit_s=time_limit)
    paths = result.write(out, plots=plots)
    console.print(f"[bold]{title}[/] ({time.perf_counter() - t0:.1f} s)")
    console.print(result.text(), highlight=False)
    if days_table:
        cmp = result.service_comparison()
        if len(cmp):
            table = Table(title="service level per day: Erlang prediction vs simulation")
            for col in ("day", "calls", "predicted", "simulated [95% CI]"):
                table.add_column(col, justify="right")
            for day, row in cmp.iterrows():
                label = day if day == "week" else f"{pd.Timestamp(day):%a %d %b}"
                sim = (f"{row['simulated_sl']:.1%} [{row['simulated_sl_low']:.1%}, "
                       f"{row['simulated_sl_high']:.1%}]" if "simulated_sl" in row else "-")
                table.add_row(label, f"{row['calls']:,.0f}", f"{row['predicted_sl']:.1%}", sim)
            console.print(table)
    _print_written(paths, out)
    if not result.roster.has_roster:
        err.print(f"[red]error[/]: no roster: {result.roster.status.value} "
                  f"{result.roster.diagnosis or ''}".strip())
        raise typer.Exit(code=3)


@app.command("agents")
def agents_cmd(
    config: Path = CONFIG_OPT,
    agents_csv: Path = typer.Option(..., "--agents", help="Agents CSV, one row per person "
                                    "(see data/agents.csv)."),
    contracts: Path = typer.Option(..., "--contracts", help="Contracts TOML "
                                   "(see data/agents_contracts.toml)."),
    requirements_csv: Path | None = typer.Option(
        None, "--requirements", help="Schedule against this requirements.csv (1-6 weeks) "
        "instead of forecasting the plan's week. With a 'skill' (or 'queue') column, one row "
        "per interval and skill: a requirement per skill that only agents with the skill "
        "count towards (e.g. the requirements.csv of 'staffing queues')."),
    previous: Path | None = typer.Option(
        None, "--previous", help="Published shifts before the horizon (agent_shifts.csv): "
        "rest and consecutive-day rules continue across the boundary."),
    published: Path | None = typer.Option(
        None, "--published", help="Re-plan: the published schedule of this horizon; changes "
        "are penalised and listed in agent_changes.csv."),
    cyclic: bool = typer.Option(False, "--cyclic", help="Plan a rotation: the horizon's last "
                                "day is followed by its first (not with --previous)."),
    activities: str = typer.Option(
        "optimise", "--activities", help="How [[activities]] are placed with the shifts "
        "fixed: 'optimise' (a MIP re-placing breaks and activities together, warm-started "
        "from the greedy and never worse than it; a quarter of the time limit) or 'greedy'."),
    out: Path = typer.Option(..., "--out", "-o", help="Output directory."),
    time_limit: float | None = typer.Option(None, "--time-limit",
                                            help="Override \\[solver] time_limit_s (seconds)."),
    verbose: int = VERBOSE_OPT,
) -> None:
    """Schedule named agents (contracts, availability, time off, wishes) with HiGHS and write
    agent_shifts.csv, agent_schedule.xlsx, one ICS per agent (+ zip), agent_summary.csv and
    penalties.txt.

    Example: staffing agents -c data/plan.toml --agents data/agents.csv
             --contracts data/agents_contracts.toml -o out/agents
    """
    _setup(verbose)
    import pandas as pd

    from staffing.agents.activities import METHODS, place_activities
    from staffing.agents.export import write_agent_files
    from staffing.agents.read import read_agents, read_published, read_setup
    from staffing.agents.schedule import schedule_agents
    from staffing.agents.skill_cover import pivot_skills, skill_column
    from staffing.agents.solve import AgentSolverOptions
    from staffing.io.export import read_interval_csv
    from staffing.pipeline import load_data, run_forecast
    from staffing.pipeline import run_requirements as _req

    try:
        if activities not in METHODS:
            raise InputError("--activities", activities, "'optimise' or 'greedy'")
        cfg = _load(config)
        setup = read_setup(contracts)
        tpls = cfg.roster.templates
        people = read_agents(agents_csv, setup.contracts, tuple(t.name for t in tpls))
        if requirements_csv is not None:
            req = read_interval_csv(requirements_csv, tz=cfg.tz, required=("agents_required",),
                                    what="requirements", field="--requirements")
            col = skill_column([str(c) for c in req.columns], field="--requirements")
            # one row per interval and skill (queue): a requirement per skill
            required: Any = req["agents_required"].astype(float) if col is None else \
                pivot_skills(pd.DatetimeIndex(req.index), req[col].astype(str).tolist(),
                             req["agents_required"].to_numpy(dtype=float),
                             field=f"--requirements.{col}", source=requirements_csv.name)
        else:
            with console.status("forecasting the plan's requirements"):
                data = load_data(cfg)
                fc = run_forecast(cfg, data.history)
                goals = cfg.service_goals(None)
                _goals, req = _req(cfg, fc.frame, goals.patience_s)
            required = req["agents_required"].astype(float)
        prev = read_published(previous, cfg.tz, field="previous") if previous is not None \
            else None
        pub = read_published(published, cfg.tz) if published is not None else None
        opts = AgentSolverOptions(
            time_limit_s=float(time_limit if time_limit is not None
                               else cfg.solver.time_limit_s),
            mip_rel_gap=float(cfg.solver.mip_rel_gap))
        with console.status(f"scheduling {len(people)} agents"):
            result = schedule_agents(required, tpls, people,
                                     penalties=setup.penalties, options=opts, previous=prev,
                                     published=pub, weekend_days=setup.weekend_days,
                                     cyclic=cyclic)
        if setup.activities:
            with console.status("placing activities"):
                result = place_activities(
                    result, setup.activities, method=activities, penalties=setup.penalties,
                    options=AgentSolverOptions(time_limit_s=max(0.25 * opts.time_limit_s, 5.0),
                                               mip_rel_gap=1e-4))
        paths = write_agent_files(result, out)
    except (StaffingError, ValueError, OSError) as exc:
        _fail(exc)
    s = result.summary()
    gap = "n/a" if s["gap"] is None else f"{s['gap']:.2%}"
    console.print(f"agents: {s['status']}, objective {s['objective']}, bound {s['bound']}, "
                  f"gap {gap}, {s['shifts']} shifts for {s['agents']} agents over "
                  f"{s['days']} days (build {s['build_s']:.1f} s, solve {s['solve_s']:.1f} s)",
                  highlight=False)
    for line in result.penalty_report():
        console.print(line, highlight=False)
    if len(result.changes):
        console.print(f"{len(result.changes)} agent-days changed (agent_changes.csv)")
    for name, p in paths.items():
        console.print(f"wrote {name}: {p}", highlight=False)
    if result.status.value not in ("optimal", "feasible"):
        raise typer.Exit(3)


@app.command("plan")
def plan_cmd(
    config: Path | None = typer.Option(None, "--config", "-c",
                                       help="Plan TOML file (see data/plan.toml)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output directory."),
    time_limit: float | None = typer.Option(None, "--time-limit",
                                            help="Override \\[solver] time_limit_s (seconds)."),
    start: str | None = typer.Option(None, help="Override \\[plan] start (YYYY-MM-DD)."),
    simulate: bool | None = typer.Option(None, "--simulate/--no-simulate",
                                         help="Override \\[simulation] enabled."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write the PNG plots."),
    sites: str | None = typer.Option(
        None, "--sites", help="Plan many sites on a Dask cluster instead of --config: a glob "
        "of site TOMLs, e.g. 'sites/*.toml'; outputs in --out/<site>/, the table in "
        "--out/sites.csv."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="With --sites: an existing Dask scheduler "
        "(tcp://host:8786); default: a local cluster."),
    workers: int | None = typer.Option(
        None, "--workers", help="With --sites: worker processes of the local cluster "
        "(default: the CPU count)."),
    verbose: int = VERBOSE_OPT,
) -> None:
    """Run the whole weekly plan: history -> forecast -> requirements -> roster -> evaluation
    -> simulation, and write every output into --out.

    Outputs: forecast.csv, requirements.csv, shifts.csv, coverage.csv, tours.csv,
    summary.json, plan.xlsx, shifts.ics, forecast.png, coverage.png, heatmap.png,
    service.png.

    With --sites, one plan per site TOML runs on a Dask cluster (one solver thread per
    worker); a site that fails is reported with its reason while the others finish, and the
    cross-site table (site, status, agent-hours, wages, predicted SL, gap, seconds) is printed
    and written to --out/sites.csv. Exit code 3 when a site got no roster.

    Example: staffing plan --config data/plan.toml --out out/plan --time-limit 20

    Example: staffing plan --sites 'sites/*.toml' --out out/sites --workers 2
    """
    _setup(verbose)
    if sites is not None:
        if verbose < 2:  # Dask's own INFO lines (scheduler, nanny, workers) only with -vv
            import os

            os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
        _plan_sites(sites, out, config=config, scheduler=scheduler, workers=workers,
                    time_limit=time_limit, plots=plots, start=start, simulate=simulate)
        return
    try:
        if config is None:
            raise InputError("--config", None, "a plan TOML file (or --sites 'GLOB')")
        if scheduler is not None or workers is not None:
            raise InputError("--scheduler" if scheduler is not None else "--workers",
                             scheduler or workers, "--sites with it (one plan runs here)")
        cfg = _load(config, start=start, simulate=simulate)
        _run_plan(cfg, out, time_limit=time_limit, plots=plots, title=f"plan {cfg.start}",
                  days_table=True)
    except (StaffingError, ValueError, OSError) as exc:
        _fail(exc)


@app.command("evaluate")
def evaluate_cmd(
    config: Path = CONFIG_OPT,
    coverage_csv: Path = typer.Option(..., "--coverage",
                                      help="coverage.csv with interval_start, scheduled."),
    requirements_csv: Path = typer.Option(
        ..., "--requirements", help="requirements.csv (or forecast.csv) with calls, aht_s."),
    simulate: bool = typer.Option(True, "--simulate/--no-simulate",
                                  help="Also simulate (\\[simulation] settings)."),
    misses: int = typer.Option(10, help="List up to this many intervals that miss the goal."),
    at: list[str] = typer.Option(
        [], "--at", help="Local time of an interval to answer for, e.g. '1999-03-02 10:00' "
        "(repeatable): will the roster meet the goal then?"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write evaluation.csv (per "
                                    "interval), days.csv and misses.csv here."),
    verbose: int = VERBOSE_OPT,
) -> None:
    """Predict (Erlang C/A) and simulate the service of an existing roster's coverage.

    Example: staffing evaluate -c data/plan.toml --coverage out/plan/coverage.csv
             --requirements out/plan/requirements.csv --at "1999-03-02 10:00"
    """
    _setup(verbose)
    from staffing.evaluate import evaluate
    from staffing.io.export import read_coverage_csv, read_interval_csv
    from staffing.pipeline import fit_patience_from, load_data, run_simulation
    from staffing.report import format_summary

    try:
        cfg = _load(config)
        need_data = cfg.patience_s == "fit" or (
            simulate and cfg.simulation.handle_times == "empirical")
        data = load_data(cfg) if need_data else None
        pat = fit_patience_from(data) if cfg.patience_s == "fit" else None
        goals = cfg.service_goals(pat.mean_patience_s if pat is not None else None)
        frame = read_interval_csv(requirements_csv, tz=cfg.tz, required=("calls", "aht_s"),
                                  what="requirements", field="--requirements")
        cov = read_coverage_csv(coverage_csv, tz=cfg.tz, field="--coverage")
        ev = evaluate(frame, cov["scheduled"].astype(float), goals, tz=cfg.tz)
        sim = (run_simulation(cfg, goals, frame, ev, data.handle_s if data else None)
               if simulate else None)
        moments = [_interval_at(t, ev.intervals.index, cfg.tz, cfg.freq) for t in at]
    except (StaffingError, ValueError, OSError) as exc:
        _fail(exc)
    if moments:  # the question was about these intervals: one line each, nothing else
        import pandas as pd

        shut = (cfg.open_hours.min_staff(pd.DatetimeIndex(moments)) < 0
                if cfg.open_hours is not None else [False] * len(moments))
        for ts, closed in zip(moments, shut, strict=True):
            console.print(_answer_at(ts, ev.intervals.loc[ts], goals,
                                     sim.intervals.loc[ts] if sim is not None else None,
                                     closed=bool(closed)), highlight=False)
    else:
        console.print(format_summary({"evaluation": ev.summary(),
                                      "simulation": sim.summary() if sim else None}),
                      highlight=False)
    if len(ev.misses) and misses > 0 and not moments:
        table = Table(title=f"intervals missing the goal ({len(ev.misses)})")
        for col in ("interval (local)", "calls", "on the phone", "service level", "reason"):
            table.add_column(col)
        for ts, row in ev.misses.head(misses).iterrows():
            table.add_row(f"{ts:%a %Y-%m-%d %H:%M}", f"{row['calls']:.1f}",
                          f"{row['agents_on_phone']:.2f}",
                          f"{row['service_level']:.1%}", str(row["reason"]))
        console.print(table)
    if out is not None:
        from staffing.io.export import write_csv

        paths = {"evaluation.csv": write_csv(ev.intervals, out / "evaluation.csv", index=True),
                 "days.csv": write_csv(ev.days, out / "days.csv", index=True),
                 "misses.csv": write_csv(ev.misses, out / "misses.csv", index=True)}
        if sim is not None:
            paths["simulation.csv"] = write_csv(sim.intervals, out / "simulation.csv", index=True)
            paths["simulation_days.csv"] = write_csv(sim.days, out / "simulation_days.csv",
                                                     index=True)
        _print_written(paths, out)


def _interval_at(text: str, index: pd.DatetimeIndex, tz: str, freq: pd.Timedelta
                 ) -> pd.Timestamp:
    """The interval of ``index`` containing the local time ``text`` (InputError otherwise)."""
    import pandas as pd

    try:
        ts = pd.Timestamp(text)
    except ValueError as exc:
        raise InputError("--at", text, "a local time like '1999-03-02 10:00'") from exc
    try:
        ts = ts.tz_convert(tz) if ts.tzinfo else ts.tz_localize(tz, ambiguous="raise")
    except Exception as exc:  # nonexistent or ambiguous around a DST change
        raise InputError("--at", text, f"a time that exists once in {tz}") from exc
    pos = index.searchsorted(ts, side="right") - 1
    if pos < 0 or ts >= index[pos] + freq:
        raise InputError("--at", text, f"a time between {index[0]:%Y-%m-%d %H:%M} and "
                         f"{(index[-1] + freq):%Y-%m-%d %H:%M} (the evaluated week)")
    return index[pos]


def _answer_at(ts: pd.Timestamp, row: pd.Series, goals: Any, sim: pd.Series | None, *,
               closed: bool = False) -> str:
    """One line: the goal, the prediction and (if simulated) the simulation for one interval;
    a closed interval (open hours) or one without calls says so instead of a service level."""
    import pandas as pd

    goal = (f"{goals.service_level:.0%}/{goals.answer_s:g}s"
            if goals.service_level is not None else "the goals")
    when = f"{ts:%a %Y-%m-%d %H:%M}"
    if closed and row["calls"] <= 0:
        return f"{when}: closed (open hours): no calls forecast, {row['scheduled']:g} scheduled"
    if row["calls"] <= 0:
        return f"{when}: no calls forecast (nothing to answer), {row['scheduled']:g} scheduled"
    verdict = "meets" if bool(row["meets_goal"]) else "MISSES"
    text = (f"{ts:%a %Y-%m-%d %H:%M}: {verdict} {goal}: {row['calls']:.1f} calls, "
            f"{row['scheduled']:g} scheduled ({row['agents_on_phone']:.2f} on the phone), "
            f"predicted SL {row['service_level']:.1%}, ASA {row['asa_s']:.1f} s")
    if "abandon_rate" in row and pd.notna(row["abandon_rate"]):
        text += f", abandon {row['abandon_rate']:.1%}"
    if sim is not None and pd.notna(sim.get("service_level")):
        text += (f"; simulated SL {sim['service_level']:.1%} "
                 f"[{sim['service_level_low']:.1%}, {sim['service_level_high']:.1%}]")
    return text


_WHATIF_ROWS = (
    ("status", "status", "{}"), ("calls", "calls", "{:,.0f}"), ("aht_s", "AHT (s)", "{:.1f}"),
    ("required_agent_hours", "required agent-h", "{:,.1f}"),
    ("agent_hours", "paid agent-h", "{:,.1f}"), ("cost", "cost (wages)", "{:,.0f}"),
    ("penalties", "penalties", "{:,.0f}"),
    ("overflow_fees", "overflow fees", "{:,.0f}"),
    ("objective", "objective (cost+pen.)", "{:,.0f}"),
    ("headcount", "headcount", "{}"), ("service_level", "SL predicted", "{:.1%}"),
    ("simulated_service_level", "SL simulated", "{:.1%}"), ("asa_s", "ASA (s)", "{:.1f}"),
    ("abandon_rate", "abandoned", "{:.1%}"), ("intervals_under_goal", "intervals < goal", "{}"),
    ("gap", "MIP gap", "{:.2%}"),
)


def _cell(value: Any, fmt: str) -> str:
    try:
        if value is None or (isinstance(value, float) and value != value):
            return "-"
        return fmt.format(value)
    except (TypeError, ValueError):
        return str(value)


@app.command()
def whatif(
    config: Path | None = typer.Option(None, "--config", "-c",
                                       help="Base plan TOML (default: the scenarios file's "
                                            "'config', else data/plan.toml)."),
    scenario: list[str] = typer.Option(
        [], "--scenario", "-s",
        help="'name:key=value,...' e.g. 'volume+10%:volume_scale=1.1' (repeatable)."),
    scenarios_file: Path | None = typer.Option(None, "--scenarios",
                                               help="Scenarios TOML (see data/scenarios.toml)."),
    base: bool = typer.Option(True, "--base/--no-base",
                              help="Add the unchanged base plan as scenario 'base'."),
    curve: str | None = typer.Option(None, "--curve",
                                     help="Also sweep service-level targets, e.g. "
                                          "'0.7,0.8,0.9': cost-vs-service curve."),
    time_limit: float | None = typer.Option(None, "--time-limit",
                                            help="Solver time limit per scenario (s)."),
    simulate: bool | None = typer.Option(None, "--simulate/--no-simulate",
                                         help="Override \\[simulation] enabled."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Write compare.csv, scenarios.json (and curve.csv)."),
    plans: bool = typer.Option(False, "--plans", help="Also write each scenario's plan "
                               "outputs into --out/<scenario>/."),
    cache_dir: Path | None = typer.Option(None, "--cache-dir",
                                          help="Keep results by content hash in this folder."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Run the scenarios (and curve points) on this Dask "
        "scheduler (tcp://host:8786), one task each."),
    workers: int | None = typer.Option(
        None, "--workers", help="Run them on a local Dask cluster of this many worker "
        "processes."),
    extension: bool = typer.Option(
        False, "--extension", help="Compare base hours, the hours extended in-house by "
        r"\[overflow] hours, and that extension outsourced to the \[overflow] partner (wages, "
        "fees, weekly and per-day service); writes extension.csv, extension_days.csv."),
    verbose: int = VERBOSE_OPT,
) -> None:
    """Compare what-if scenarios of a weekly plan: volume, AHT, goals, shrinkage, hours,
    templates, headcount caps, an overflow partner. One column per scenario; forecasts are
    shared.

    Overrides: volume_scale, volume_by_day, aht_scale, aht_delta_s, service_level, answer_s,
    asa_s, max_occupancy, abandon_rate, patience_s, shrinkage, concurrency, max_agents,
    open_hours, min_staff, templates, max_headcount, rules (e.g.
    rules.consecutive_days_off=1), overflow (a partner table, or false: none), time_limit_s,
    mip_rel_gap, threads, simulate.

    --extension (with a config holding [overflow]): extended in-house hours vs outsourcing,
    e.g. staffing whatif -c data/overflow.toml --extension --time-limit 60

    The table shows the wage cost, the penalties (under/over-staffing, rules) and their sum,
    the objective the solver minimised, beside the intervals under goal: compare scenarios on
    all of them, not on cost alone.

    With --workers N or --scheduler ADDRESS the scenarios and the curve's points run as
    tasks on a Dask cluster (as `staffing plan --sites`); a failed scenario is a row with its
    status.

    Example: staffing whatif -c data/plan.toml -s 'volume+10%:volume_scale=1.1'
             -s '90/15:service_level=0.9,answer_s=15' --time-limit 20
    """
    _setup(verbose)
    if (scheduler is not None or workers is not None) and verbose < 2:
        import os

        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    import json
    import re

    from staffing.config import PlanConfig
    from staffing.pipeline import StageEvent
    from staffing.scenario import (
        Scenario,
        ScenarioCache,
        compare,
        cost_service_curve,
        load_scenarios,
        parse_scenario_spec,
        run_scenario,
    )

    try:
        common: dict[str, Any] = {}
        if time_limit is not None:
            common["time_limit_s"] = time_limit
        if simulate is not None:
            common["simulate"] = simulate
        if config is None and scenarios_file is None:
            config = _bundled_plan()
        base_cfg = PlanConfig.from_toml(config) if config is not None else None
        items: list[Scenario] = []
        if scenarios_file is not None:
            items = load_scenarios(scenarios_file, base=base_cfg)
            base_cfg = items[0].base
        assert base_cfg is not None
        if extension:
            from staffing.scenario.extension import extension_scenarios

            items.extend(extension_scenarios(base_cfg))
        for spec in scenario:
            name, ov = parse_scenario_spec(spec)
            items.append(Scenario(name, base_cfg, ov))
        if base and not extension and not any(s.name == "base" or not s.overrides
                                              for s in items):
            items.insert(0, Scenario("base", base_cfg))
        if not items:
            raise InputError("--scenario", None, "at least one scenario (or --base)")
        items = [s.with_overrides(**{**s.overrides, **common}) if common else s for s in items]
        names = [s.name for s in items]
        if len(set(names)) != len(names):
            raise InputError("--scenario", names, "distinct scenario names")
        cache = ScenarioCache(cache_dir) if cache_dir is not None else True
        targets: list[float] | None = None
        if curve is not None:
            try:
                targets = [float(x) for x in curve.split(",") if x.strip()]
            except ValueError as exc:
                raise InputError("--curve", curve, "service levels like '0.7,0.8,0.9'") from exc
        t0 = time.perf_counter()
        results: list[Any] = []
        if scheduler is not None or workers is not None:
            table, summaries, failed, curve_table = _whatif_on_cluster(
                items, base_cfg, targets, common, scheduler=scheduler, workers=workers,
                plans=plans, cache_dir=cache_dir)
        else:
            with _StageProgress() as prog:
                for sc in items:
                    t1 = time.perf_counter()

                    def show(e: Any, name: str = sc.name, t1: float = t1) -> None:
                        prog(StageEvent(name, "progress", time.perf_counter() - t1,
                                        f"{e.stage} {e.detail}".strip()))

                    res = run_scenario(sc, cache=cache, progress=show)
                    prog(StageEvent(sc.name, "done", time.perf_counter() - t1,
                                    f"{res.roster.status.value}, cost {res.roster.cost:,.0f}"))
                    results.append(res)
            table = compare(results)
            summaries = [r.summary() for r in results]
            failed = [r.name for r in results if not r.roster.has_roster]
            curve_table = None
            if targets is not None:
                curve_table = cost_service_curve(base_cfg, targets, overrides=common,
                                                 cache=cache)
    except (StaffingError, ValueError, OSError) as exc:
        _fail(exc)

    view = Table(title=f"what-if ({time.perf_counter() - t0:.1f} s)")
    view.add_column("")
    for name in table["scenario"]:
        view.add_column(str(name), justify="right")
    rows = list(_WHATIF_ROWS)
    at = next(i for i, r in enumerate(rows) if r[0] == "headcount") + 1
    rows[at:at] = [(c, f"  {c.removeprefix('headcount_')}", "{}")
                   for c in table.columns if c.startswith("headcount_")]
    fees = table["overflow_fees"].fillna(0.0) if "overflow_fees" in table else 0.0
    shown = table.assign(penalties=table["objective"] - table["cost"] - fees)
    rows = [r for r in rows if r[0] in shown.columns]  # overflow rows only with a partner
    if "overflow_fees" in shown.columns:
        rows = [(c, "objective (cost+pen.+fees)", f) if c == "objective" else (c, lbl, f)
                for c, lbl, f in rows]
    for col, label, fmt in rows:
        view.add_row(label, *[_cell(v, fmt) for v in shown[col]])
    console.print(view)
    if curve_table is not None:
        ct = Table(title="cost vs service")
        for c in ("SL target", "cost", "paid agent-h", "SL predicted", "gap", "cost / SL point"):
            ct.add_column(c, justify="right")
        for _, r in curve_table.iterrows():
            ct.add_row(_cell(r["target"], "{:.0%}"), _cell(r["cost"], "{:,.0f}"),
                       _cell(r["agent_hours"], "{:,.1f}"), _cell(r["service_level"], "{:.1%}"),
                       _cell(r["gap"], "{:.2%}"), _cell(r["cost_per_sl_point"], "{:,.0f}"))
        console.print(ct)
    ext_table = ext_days = None
    if extension and results:
        from staffing.scenario.extension import NAMES, extension_days, extension_table

        ext_results = [r for r in results if r.name in NAMES]
        ext_table, ext_days = extension_table(ext_results), extension_days(ext_results)
        et = Table(title="extended in-house hours vs outsourcing the extension")
        for c in ("", "calls", "lost calls", "wages", "fees", "wages + fees", "SL week",
                  "SL of all calls", "intervals < goal"):
            et.add_column(c, justify="right")
        for _, r in ext_table.iterrows():
            et.add_row(str(r["scenario"]), _cell(r["calls"], "{:,.0f}"),
                       _cell(r["lost_calls"], "{:,.0f}"), _cell(r["wages"], "{:,.0f}"),
                       _cell(r["overflow_fees"], "{:,.0f}"), _cell(r["total_cost"], "{:,.0f}"),
                       _cell(r["service_level"], "{:.1%}"),
                       _cell(r["service_level_all_calls"], "{:.1%}"),
                       _cell(r["intervals_under_goal"], "{}"))
        console.print(et)
        dt_ = Table(title="predicted service level per day")
        dt_.add_column("day")
        for n in ext_results:
            dt_.add_column(n.name, justify="right")
        for day, r in ext_days.iterrows():
            dt_.add_row(f"{pd_day(day)}", *[_cell(r.get(n.name), "{:.1%}")
                                             for n in ext_results])
        console.print(dt_)
    if out is not None:
        from staffing.io import export

        out.mkdir(parents=True, exist_ok=True)
        written = {"compare.csv": out / "compare.csv", "scenarios.json": out / "scenarios.json"}
        export.write_csv(table, written["compare.csv"])
        written["scenarios.json"].write_text(
            json.dumps(summaries, indent=2, default=str), encoding="utf-8")
        if curve_table is not None:
            written["curve.csv"] = out / "curve.csv"
            export.write_csv(curve_table, written["curve.csv"])
        if ext_table is not None and ext_days is not None:
            written["extension.csv"] = out / "extension.csv"
            export.write_csv(ext_table, written["extension.csv"])
            written["extension_days.csv"] = out / "extension_days.csv"
            export.write_csv(ext_days, written["extension_days.csv"], index=True)
        if plans:
            for r in results:
                slug = re.sub(r"[^A-Za-z0-9._-]+", "_", r.name).strip("_") or r.hash[:12]
                r.plan.write(out / slug, plots=False)
                written[f"{slug}/"] = out / slug
        _print_written(written, out)
    if failed:
        err.print(f"[red]error[/]: no roster for {', '.join(failed)}")
        raise typer.Exit(code=3)


def pd_day(day: Any) -> str:
    """'Mon 01 Mar' for a date (the per-day tables' label)."""
    import datetime as _dt

    return day.strftime("%a %d %b") if isinstance(day, _dt.date) else str(day)


def _parse_sl(text: str) -> tuple[float, float]:
    """'80/20' (or '0.8/20', '80%/20s') -> (0.8, 20.0)."""
    try:
        level, answer = text.replace("%", "").replace("s", "").split("/")
        sl = float(level)
        sl = sl / 100 if sl > 1 else sl
        return sl, float(answer)
    except ValueError as exc:
        raise InputError("--sl", text, "a goal like '80/20' (80 % answered within 20 s)") from exc


@app.command()
def erlang(
    calls: float = typer.Option(..., "--calls", help="Calls offered in the interval."),
    aht: float = typer.Option(..., "--aht", help="Average handle time (s): talk + wrap-up."),
    interval: str = typer.Option("30min", "--interval",
                                 help="Interval length: 5/10/15/20/30/60min."),
    sl: str = typer.Option("80/20", "--sl", help="Service-level goal 'percent/seconds'."),
    asa: float | None = typer.Option(None, "--asa", help="Also: mean speed of answer (s)."),
    max_occupancy: float | None = typer.Option(None, "--max-occupancy",
                                               help="Also: occupancy at most (fraction)."),
    patience: float | None = typer.Option(None, "--patience",
                                          help="Mean patience (s): Erlang A instead of C."),
    abandon: float | None = typer.Option(None, "--abandon",
                                         help="Also: abandon rate at most (fraction, Erlang "
                                         "A)."),
    shrinkage: float = typer.Option(0.0, "--shrinkage",
                                    help="Fraction of paid time off the phone (0..1)."),
) -> None:
    """Quick Erlang calculator: agents needed for one interval, on one line.

    Example: staffing erlang --calls 100 --aht 180 --interval 30min --sl 80/20
    """
    import pandas as pd

    from staffing.grid import parse_freq
    from staffing.requirements import ServiceGoals, compute_requirements

    try:
        step = parse_freq(interval)
        level, answer_s = _parse_sl(sl)
        goals = ServiceGoals(service_level=level, answer_s=answer_s, asa_s=asa,
                             max_occupancy=max_occupancy, abandon_rate=abandon,
                             patience_s=patience, shrinkage=shrinkage)
        idx = pd.DatetimeIndex([pd.Timestamp("2000-01-03", tz="UTC")], name="interval_start")
        row = compute_requirements(pd.DataFrame({"calls": [calls], "aht_s": [aht]}, index=idx),
                                   goals, freq=step).iloc[0]
    except (StaffingError, ValueError) as exc:
        _fail(exc)
    model = f"Erlang A, patience {patience:g} s" if patience is not None else "Erlang C"
    minutes = int(step.total_seconds() // 60)
    text = (f"{calls:g} calls in {minutes} min, AHT {aht:g} s, goal {level:.0%}/{answer_s:g}s "
            f"({model}): {int(row['agents_net'])} agents on the phone, SL "
            f"{row['service_level']:.1%}, ASA {row['asa_s']:.1f} s, occupancy "
            f"{row['occupancy']:.1%}")
    if "abandon_rate" in row and pd.notna(row["abandon_rate"]):
        text += f", abandon {row['abandon_rate']:.1%}"
    if shrinkage > 0:
        text += f"; {int(row['agents_required'])} scheduled at {shrinkage:.0%} shrinkage"
    console.print(text, highlight=False)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="TCP port."),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
    verbose: int = VERBOSE_OPT,
) -> None:
    """Start the HTTP API (api.main:app) with uvicorn, the web view at / and the docs at
    /docs and /redoc (all offline); OpenAPI at /openapi.json.

    Example: staffing serve --port 8000
    """
    _setup(verbose)
    try:
        import importlib

        import uvicorn

        importlib.import_module("api.main")  # fail early with a clear message
    except ImportError as exc:
        _fail(StaffingError(f"cannot start the API: {exc}"))
    uvicorn.run("api.main:app", host=host, port=port, reload=reload,
                log_level="debug" if verbose > 1 else "info")


@app.command()
def demo(
    out: Path = typer.Option(Path("out/demo"), "--out", "-o", help="Output directory."),
    time_limit: float | None = typer.Option(
        None, "--time-limit", help="Override the solver time limit of data/plan.toml (s)."),
    verbose: int = VERBOSE_OPT,
) -> None:
    """Full weekly plan on the bundled Anonymous Bank data (data/plan.toml) into --out,
    with a short summary: forecast model and backtest error, agent-hours, cost, gap,
    predicted and simulated weekly service level.

    Example: staffing demo --out out/demo
    """
    _setup(verbose)
    try:
        cfg = _load(_bundled_plan())
        _run_plan(cfg, out, time_limit=time_limit, plots=True,
                  title=f"Anonymous Bank: weekly plan from {cfg.start}", days_table=True)
    except (StaffingError, ValueError, OSError) as exc:
        _fail(exc)


# ------------------------------------------------------------------ review (issue 15)

@app.command("review")
def review_cmd(
    config: Path = CONFIG_OPT,
    actuals: Path | None = typer.Option(
        None, "--actuals", help="Call log or interval history of the period (default: the "
                                "config's \\[data] path)."),
    plan_dir: Path | None = typer.Option(
        None, "--plan", help="Output directory of the plan that covered the period "
                             "(forecast.csv, coverage.csv)."),
    start: str | None = typer.Option(None, help="First local day (default: the plan's)."),
    days: int | None = typer.Option(None, help="Days reviewed (default: the plan's, else all)."),
    abandons: str = typer.Option("counted", help="SL denominator: counted | short_excluded | "
                                                 "excluded."),
    short_abandon_s: float = typer.Option(5.0, "--short-abandon-s",
                                          help="Abandons within this many seconds are short."),
    accuracy_log: Path | None = typer.Option(
        None, "--accuracy-log", help="CSV of forecast accuracy per week to update (and plot)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the report here."),
    misses: int = typer.Option(10, help="Missed intervals to list."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write review.png."),
    verbose: int = VERBOSE_OPT,
) -> None:
    """How did a past period really go, and against the plan? Actual offered (menu hang-ups
    apart), answered, abandoned, SL, ASA, AHT, occupancy and agents staffed per interval, day
    and week; with --plan the forecast accuracy (WAPE, bias, band coverage), scheduled vs
    staffed and the cause of every interval that missed the goal.

    Example: staffing review -c data/plan.toml --plan out/plan --out out/review
    """
    _setup(verbose)
    from staffing.review import (
        PlanInputs,
        ServiceDefinition,
        goals_for,
        load_actuals,
        review,
        update_accuracy_log,
    )

    try:
        cfg = _load(config)
        first = None
        if start is not None:
            try:
                first = dt.date.fromisoformat(start)
            except ValueError as exc:
                raise InputError("--start", start, "a date 'YYYY-MM-DD'") from exc
        if days is not None and not 1 <= days <= 366:
            raise InputError("--days", days, "1..366 days")
        data = load_actuals(cfg, actuals)
        goals = goals_for(cfg, data)
        definition = ServiceDefinition(answer_s=goals.answer_s, abandons=abandons,  # type: ignore[arg-type]
                                       short_abandon_s=short_abandon_s)
        plan_in = PlanInputs.from_dir(plan_dir, tz=cfg.tz) if plan_dir is not None else None
        result = review(data, goals=goals, definition=definition, plan=plan_in,
                        freq=cfg.freq if plan_in is None else None, start=first, days=days)
        log_frame = update_accuracy_log(accuracy_log, result) if accuracy_log else None
    except (StaffingError, ValueError, OSError) as exc:
        _fail(exc)
    console.print(result.text(), highlight=False)
    table = Table(title="per day")
    cols = [("offered", "{:,.0f}"), ("menu_hangups", "{:,.0f}"), ("service_level", "{:.1%}"),
            ("asa_s", "{:.1f}"), ("abandon_rate", "{:.1%}"), ("aht_s", "{:.0f}"),
            ("agents_staffed", "{:.2f}"), ("occupancy", "{:.1%}")]
    if result.has_plan and "forecast_calls" in result.days:
        cols += [("forecast_calls", "{:,.0f}"), ("wape", "{:.1%}"), ("bias", "{:+.1%}")]
    if "predicted_sl" in result.days:
        cols += [("predicted_sl", "{:.1%}"), ("share_met", "{:.0%}")]
    table.add_column("day")
    for c, _ in cols:
        table.add_column(c, justify="right")
    import pandas as pd

    for day, row in result.days.iterrows():
        table.add_row(f"{pd.Timestamp(day):%a %d %b}",  # type: ignore[arg-type]
                      *[_cell(row.get(c), f) for c, f in cols])
    console.print(table)
    if misses > 0 and "cause" in result.misses.columns and len(result.misses):
        mt = Table(title=f"intervals that missed the goal ({len(result.misses)}), first {misses}")
        for c in ("interval (local)", "cause", "numbers"):
            mt.add_column(c)
        for ts, row in result.misses.head(misses).iterrows():
            mt.add_row(f"{ts:%a %d %b %H:%M}", str(row["cause"]), str(row["cause_detail"]))
        console.print(mt)
    if out is not None:
        paths = result.write(out, plots=plots)
        if log_frame is not None and plots and len(log_frame):
            from staffing.review.plots import plot_accuracy_log

            paths["accuracy.png"] = plot_accuracy_log(log_frame, out / "accuracy.png")
        _print_written(paths, out)
    if log_frame is not None:
        console.print(f"accuracy log {accuracy_log}: {len(log_frame)} weeks")


@app.command("intraday")
def intraday_cmd(
    config: Path = CONFIG_OPT,
    plan_dir: Path = typer.Option(..., "--plan", help="Output directory of today's plan "
                                                      "(forecast.csv, coverage.csv)."),
    now: str = typer.Option(..., "--now", help="Local time of the cut-off, e.g. "
                                               "'1999-02-23 12:00'."),
    actuals: Path | None = typer.Option(
        None, "--actuals", help="Today's call log or interval actuals (default: the config's "
                                "\\[data] path); only what arrived before --now is used."),
    prior_calls: float | None = typer.Option(
        None, "--prior-calls", help="Shrinkage toward the plan, in calls (default 100)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write intraday.csv and "
                                                              "summary.json here."),
    show: int = typer.Option(12, help="Rest-of-day intervals to list."),
    verbose: int = VERBOSE_OPT,
) -> None:
    """Re-forecast the rest of today from the actuals so far and re-check the roster: the
    plan's profile scaled by observed/expected calls (shrunk toward the plan), predicted SL for
    the rest of the day, intervals at risk with agents short (overtime, move a break) or spare
    (voluntary time off).

    Example: staffing intraday -c data/plan.toml --plan out/plan --now '1999-03-02 12:00'
    """
    _setup(verbose)
    import dataclasses as dc

    import pandas as pd

    from staffing.io import CallLog
    from staffing.review import PlanInputs, goals_for, load_actuals
    from staffing.review.intraday import PRIOR_CALLS, intraday

    try:
        cfg = _load(config)
        try:
            ts = pd.Timestamp(now)
        except ValueError as exc:
            raise InputError("--now", now, "a local time like '1999-03-02 12:00'") from exc
        ts = ts.tz_convert(cfg.tz) if ts.tzinfo else ts.tz_localize(cfg.tz)
        data = load_actuals(cfg, actuals)
        goals = goals_for(cfg, data)
        plan_in = PlanInputs.from_dir(plan_dir, tz=cfg.tz)
        if plan_in.forecast is None or plan_in.coverage is None:
            raise InputError("--plan", str(plan_dir), "a plan directory with forecast.csv and "
                             "coverage.csv")
        if isinstance(data, CallLog):
            data = dc.replace(data, calls=data.calls[data.calls["arrival"] < ts])
            frame = data.to_intervals(cfg.freq)
        else:
            frame = data
        res = intraday(plan_in.forecast, plan_in.coverage["scheduled"], frame, ts, goals,
                       tz=cfg.tz, open_hours=cfg.open_hours,
                       prior_calls=PRIOR_CALLS if prior_calls is None else prior_calls)
    except (StaffingError, ValueError, OSError) as exc:
        _fail(exc)
    console.print(res.text(), highlight=False)
    rest = res.rest
    rest = rest[(rest["calls"] > 0) | (rest["scheduled"] > 0)]
    table = Table(title=f"rest of day (first {show} intervals; * = at risk)")
    for col in ("interval", "plan calls", "re-forecast", "scheduled", "required", "SL plan",
                "SL now", "action"):
        table.add_column(col, justify="left" if col in ("interval", "action") else "right")
    for t, row in rest.head(show).iterrows():
        table.add_row(f"{t:%H:%M}" + (" *" if row["at_risk"] else ""),
                      f"{row['plan_calls']:.1f}", f"{row['calls']:.1f}",
                      f"{row['scheduled']:.0f}", f"{row['agents_required']:.0f}",
                      f"{row['plan_sl']:.1%}", f"{row['service_level']:.1%}", str(row["action"]))
    console.print(table)
    if len(res.at_risk):
        console.print("at risk: " + ", ".join(
            f"{t:%H:%M} ({r['action']})" for t, r in res.at_risk.iterrows()), highlight=False)
    if out is not None:
        from staffing.io.export import write_csv, write_summary_json

        paths = {"intraday.csv": write_csv(res.intervals, out / "intraday.csv", index=True),
                 "summary.json": write_summary_json(res.summary(), out / "summary.json")}
        _print_written(paths, out)


# ------------------------------------------------------------------ many sites (issue 17)

sites_app = typer.Typer(help="Many sites at once: synthetic sites for trials and benchmarks.",
                        no_args_is_help=True, epilog=EXIT_CODES,
                        context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(sites_app, name="sites")


class _BatchProgress(_RichProgress):
    """Rich progress bar of a many-site batch: done / running / failed."""

    def __init__(self, title: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn

        self.progress = Progress(TextColumn(title), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[detail]}"), TimeElapsedColumn(),
                                 console=err, transient=False)
        self.task: Any = None

    def __call__(self, p: Any) -> None:
        detail = f"running {p.running}, failed {p.failed}"
        if self.task is None:
            self.task = self.progress.add_task("sites", total=p.total, detail=detail)
        self.progress.update(self.task, completed=p.done, detail=detail)


def _sites_table(table: pd.DataFrame, title: str) -> Table:
    view = Table(title=title)
    cols = (("site", "site", "{}"), ("status", "status", "{}"),
            ("agent_hours", "agent-h", "{:,.1f}"), ("cost", "wages", "{:,.0f}"),
            ("service_level", "pred. SL", "{:.1%}"), ("gap", "gap", "{:.2%}"),
            ("seconds", "s", "{:.1f}"))
    for _, label, _fmt in cols:
        view.add_column(label, justify="left" if label in ("site", "status") else "right")
    for _, row in table.iterrows():
        view.add_row(*[_cell(row[c], fmt) for c, _, fmt in cols])
    return view


def _plan_sites(pattern: str, out: Path, *, config: Path | None, scheduler: str | None,
                workers: int | None, time_limit: float | None, plots: bool,
                start: str | None, simulate: bool | None) -> None:
    """`staffing plan --sites GLOB`: every site on a Dask cluster, the table at the end."""
    from staffing.sites import load_sites, run_sites
    from staffing.sites.cluster import check_address, open_client

    try:
        if config is not None:
            raise InputError("--config", str(config), "either --config or --sites, not both")
        if start is not None:
            raise InputError("--start", start, "no --start with --sites (each site TOML has "
                             "its own [plan] start)")
        if scheduler is not None:
            check_address(scheduler, field="--scheduler")
        if workers is not None and scheduler is not None:
            raise InputError("--workers", workers, "no --workers with --scheduler (the "
                             "scheduler's workers are started apart)")
        if workers is not None and not 1 <= workers <= 512:
            raise InputError("--workers", workers, "a number of worker processes in [1, 512]")
        if time_limit is not None and not time_limit > 0:
            raise InputError("--time-limit", time_limit, "a positive number of seconds")
        pairs = load_sites(pattern)
        if simulate is not None:
            pairs = [(n, dataclasses.replace(c, simulate=simulate)) for n, c in pairs]
        err.print(f"{len(pairs)} sites from {pattern}", highlight=False)

        def show_link(client: Any) -> None:
            from staffing.sites.cluster import dashboard_link

            n = len(client.nthreads())
            link = dashboard_link(client)
            err.print(f"cluster: {n} workers at {client.scheduler.address}"
                      + (f", dashboard {link}" if link else ""), highlight=False)

        t0 = time.perf_counter()
        with open_client(scheduler, workers=workers, field="--scheduler") as client, \
                _BatchProgress("sites") as prog:
            # a local cluster shares this disk; a remote one sends the files back
            res = run_sites(pairs, out_dir=out, client=client, plots=plots,
                            outputs="worker" if scheduler is None else "client",
                            time_limit_s=time_limit, progress=prog, on_client=show_link)
    except (StaffingError, ValueError, OSError) as exc:
        _fail(exc)
    table = res.table
    console.print(_sites_table(table, f"{len(table)} sites ({time.perf_counter() - t0:.1f} s, "
                                      f"{res.workers} workers)"))
    for s in res.failed:
        err.print(f"[red]{s.site}[/]: {s.status}: {s.reason}", highlight=False)
    console.print(f"wrote {out / 'sites.csv'} and one folder per site in {out}",
                  highlight=False)
    if res.interrupted:
        err.print("[red]cancelled[/]: the unfinished sites were cancelled")
        raise typer.Exit(code=130)
    if res.failed:
        raise typer.Exit(code=3)


def _whatif_on_cluster(items: list[Any], base_cfg: Any, targets: list[float] | None,
                       common: dict[str, Any], *, scheduler: str | None, workers: int | None,
                       plans: bool, cache_dir: Path | None
                       ) -> tuple[pd.DataFrame, list[Any], list[str], pd.DataFrame | None]:
    """`staffing whatif --workers/--scheduler`: scenarios and curve points as Dask tasks."""
    from staffing.scenario import Scenario, cost_service_curve
    from staffing.scenario.comparison import comparison_table
    from staffing.sites.cluster import check_address, open_client
    from staffing.sites.sweep import cluster_runner, in_memory, run_scenarios_on

    if plans:
        raise InputError("--plans", True, "no --plans with --workers/--scheduler (the "
                         "compare table and scenarios.json come back)")
    if cache_dir is not None:
        raise InputError("--cache-dir", str(cache_dir), "no --cache-dir with "
                         "--workers/--scheduler (each worker keeps its own cache)")
    if scheduler is not None:
        check_address(scheduler, field="--scheduler")
        if workers is not None:
            raise InputError("--workers", workers, "no --workers with --scheduler")
    if workers is not None and not 1 <= workers <= 512:
        raise InputError("--workers", workers, "a number of worker processes in [1, 512]")
    loaded: dict[int, Any] = {id(base_cfg): in_memory(base_cfg)}  # data travels with tasks
    for s in items:
        if id(s.base) not in loaded:
            loaded[id(s.base)] = in_memory(s.base)
    mem = loaded[id(base_cfg)]
    moved = [Scenario(s.name, loaded[id(s.base)], s.overrides) for s in items]
    with open_client(scheduler, workers=workers, field="--scheduler") as client, \
            _BatchProgress("scenarios") as prog:
        rows = run_scenarios_on(client, moved, progress=prog)
        curve_table = (cost_service_curve(mem, targets, overrides=common,
                                          run=cluster_runner(client))
                       if targets is not None else None)
    table = comparison_table([r.row() for r in rows])
    for r in rows:
        if not r.ok:
            err.print(f"[red]{r.name}[/]: {r.status}: {r.reason}", highlight=False)
    return table, [r.summary or {"name": r.name, "status": r.status, "reason": r.reason}
                   for r in rows], [r.name for r in rows if not r.ok], curve_table


@sites_app.command("generate")
def sites_generate(
    n: int = typer.Argument(..., help="Number of sites (1..10,000)."),
    out: Path = typer.Argument(..., help="Folder for <site>.toml and <site>_history.csv."),
    seed: int = typer.Option(0, help="Random seed (same seed, same sites)."),
    days: int = typer.Option(7, help="Days each site plans."),
    start: str | None = typer.Option(None, help="First planning day (YYYY-MM-DD; default "
                                     "Mon 2026-03-23, a week with a DST change)."),
    time_limit: float = typer.Option(20.0, "--time-limit", help="Each site's solver time "
                                     "limit (s)."),
    verbose: int = VERBOSE_OPT,
) -> None:
    """Write N realistic synthetic sites (sizes 5-150 agents, weekday / 7-day / 24/7 /
    Sunday-Thursday hours, IANA zones with DST changes, templates per kind of site) as plan
    TOMLs with their interval histories, for `staffing plan --sites`.

    Example: staffing sites generate 6 sites && staffing plan --sites 'sites/*.toml' --out out/sites
    """
    _setup(verbose)
    from staffing.sites.generate import DEFAULT_START, generate_sites, write_sites

    try:
        first = DEFAULT_START
        if start is not None:
            try:
                first = dt.date.fromisoformat(start)
            except ValueError as exc:
                raise InputError("--start", start, "a date 'YYYY-MM-DD'") from exc
        specs = generate_sites(n, seed=seed, start=first, days=days, time_limit_s=time_limit)
        paths = write_sites(specs, out)
    except (StaffingError, ValueError, OSError) as exc:
        _fail(exc)
    for spec in specs:
        console.print(f"{spec.name}: {spec.archetype}, ~{spec.agents} agents, "
                      f"{spec.config['site']['tz']}, {spec.config['site']['interval']}",
                      highlight=False)
    console.print(f"wrote {len(paths)} site TOMLs (+ histories) to {out}", highlight=False)


@app.command("queues")
def queues_cmd(
    config: Path = typer.Option(..., "--config", "-c",
                                help="Multi-queue plan TOML with [[queues]] (see "
                                     "data/queues_bank.toml, data/queues_center.toml)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output directory."),
    time_limit: float | None = typer.Option(None, "--time-limit",
                                            help="Override \\[solver] time_limit_s (seconds)."),
    simulate: bool | None = typer.Option(None, "--simulate/--no-simulate",
                                         help="Override \\[simulation] enabled."),
    cross_train: list[str] | None = typer.Option(
        None, "--cross-train",
        help="What-if GROUP:QUEUE:AGENTS, e.g. new:retail:5 (up to 5 people of group 'new' "
             "also serve 'retail'); repeatable; compared with the base plan."),
    verbose: int = VERBOSE_OPT,
) -> None:
    """Plan several queues (voice, chat, email) with skill groups: per-queue forecast and
    requirements, one skills roster, per-queue predicted and simulated service, email backlog
    and deadline compliance.

    Outputs: requirements.csv (per interval and queue), queues.csv (per queue), queue_intervals.csv,
    combined.csv, shifts.csv, tours.csv, groups.csv, allocation.csv, email_<queue>.csv,
    summary.json; with --cross-train a compare.csv and one folder per variant.

    Example: staffing queues -c data/queues_bank.toml -o out/bank --cross-train new:retail:5
    """
    _setup(verbose)
    try:
        from staffing.queues import MultiQueueConfig
        from staffing.queues.plan import plan_queues

        cfg = MultiQueueConfig.from_toml(config)
        t0 = time.perf_counter()
        if not cross_train:
            with err.status("planning the queues"):
                res = plan_queues(cfg, simulate=simulate, time_limit_s=time_limit)
            paths = res.write(out)
            console.print(f"[bold]queues[/] ({time.perf_counter() - t0:.1f} s)")
            console.print(res.text(), highlight=False)
            _print_written(paths, out)
            has = res.roster.has_roster
            status, diagnosis = res.roster.status.value, res.roster.diagnosis
        else:
            from staffing.io.export import safe_frame
            from staffing.queues.whatif import compare_groups, parse_cross_train
            from staffing.queues.whatif import cross_train as train

            variants = {"base": cfg.groups}
            groups = cfg.groups
            names = [q.name for q in cfg.queues]
            for spec in cross_train:
                g, q, n = parse_cross_train(spec)
                groups = train(groups, g, q, n, names)
                variants[f"cross-train {n} {g} for {q}"] = groups
            with err.status("planning the variants"):
                table, results = compare_groups(cfg, variants, simulate=simulate,
                                                time_limit_s=time_limit)
            out.mkdir(parents=True, exist_ok=True)
            safe_frame(table).to_csv(out / "compare.csv", index=False, float_format="%.6g")
            for k, (name, r) in enumerate(results.items()):
                r.write(out / f"variant{k}")
                console.print(f"[bold]{name}[/] (variant{k}/)")
                console.print(r.text(), highlight=False)
            console.print(f"wrote compare.csv and {len(results)} variant folders to {out} "
                          f"({time.perf_counter() - t0:.1f} s)")
            has = all(r.roster.has_roster for r in results.values())
            bad = next((r for r in results.values() if not r.roster.has_roster), None)
            status = bad.roster.status.value if bad else ""
            diagnosis = bad.roster.diagnosis if bad else None
    except (StaffingError, ValueError, OSError) as exc:
        _fail(exc)
    if not has:
        err.print(f"[red]error[/]: no roster: {status} {diagnosis or ''}".strip())
        raise typer.Exit(code=3)


@app.command("skills")
def skills_cmd(
    log: Path | None = typer.Argument(None, help="Call log with an agent column (server); "
                                      "default: the config's [data] path."),
    config: Path | None = typer.Option(None, "--config", "-c",
                                       help="Multi-queue TOML: map call types to its queues."),
    column: str = typer.Option("type", help="The call-type column."),
    tz: str | None = typer.Option(None, help="Zone of the log (default: the config's)."),
    min_calls: int = typer.Option(10, help="Served calls of a type that make it a skill."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write skills.csv and "
                                    "skill_sets.csv here."),
    verbose: int = VERBOSE_OPT,
) -> None:
    """Each agent's observed skills and handle times per call type, from a call log with an
    agent column (the Anonymous Bank's server).

    Example: staffing skills -c data/queues_bank.toml
    """
    _setup(verbose)
    try:
        from staffing.io import read_call_log
        from staffing.io.export import safe_frame
        from staffing.queues.skills import observed_skills, skill_sets

        mapping = None
        wrap: Any = 0.0
        if config is not None:
            from staffing.queues import MultiQueueConfig

            cfg = MultiQueueConfig.from_toml(config)
            tz = tz or cfg.grid.tz
            wrap = cfg.base.wrap_s
            if log is None:
                log = cfg.base.data_path
            if cfg.split_by == column:
                mapping = {q.name: list(q.values) for q in cfg.queues if q.path is None}
        if log is None:
            raise InputError("log", None, "a call log path (or --config with [data] path)")
        if tz is None:
            raise InputError("--tz", None, "the log's IANA zone (or --config)")
        calls = read_call_log(log, tz=tz, wrap_s=wrap)
        skills = observed_skills(calls, column, min_calls=min_calls)
        sets = skill_sets(skills, column, mapping)
    except (StaffingError, ValueError, OSError) as exc:
        _fail(exc)
    table = Table(title=f"observed skills (>= {min_calls} served calls of a {column})")
    for col in ("agent", "skills", "calls"):
        table.add_column(col, justify="left" if col != "calls" else "right")
    for row in sets.itertuples():
        table.add_row(str(row.agent), str(row.skills), f"{row.calls:,}")
    console.print(table)
    counts = sets["skills"].value_counts()
    console.print("skill sets: " + "; ".join(f"{k} {v}" for k, v in counts.items()),
                  highlight=False)
    ht = skills[skills["skilled"]].groupby(column)["handle_s"].agg(["min", "median", "max"])
    console.print("handle time per type across agents (s): " + "; ".join(
        f"{k} {r['min']:.0f}-{r['max']:.0f} (median {r['median']:.0f})"
        for k, r in ht.iterrows()), highlight=False)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        safe_frame(skills).to_csv(out / "skills.csv", index=False, float_format="%.6g")
        safe_frame(sets).to_csv(out / "skill_sets.csv", index=False)
        console.print(f"wrote skills.csv, skill_sets.csv to {out}")


# every command's --help ends with the exit codes
for _command in app.registered_commands:
    _command.epilog = _command.epilog or EXIT_CODES
