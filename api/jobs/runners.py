"""What a job runs: the library calls for roster and plan jobs (no mocks, no shortcuts).

A runner gets the stored request (JSON) and a :class:`JobContext` (time limit, cancel event,
progress sink) and returns an :class:`Outcome`; the worker persists it. Domain errors propagate
(``InputError`` -> failed job naming the field).
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api import convert, schemas
from api.jobs.models import JobStatus
from staffing.exceptions import InputError

CSV = "text/csv; charset=utf-8"
MEDIA_TYPES = {".csv": CSV, ".json": "application/json", ".ics": "text/calendar",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class Cancelled(Exception):
    """Raised at a plan stage boundary when the job was cancelled."""


@dataclass
class Outcome:
    """Result of running a job."""

    status: JobStatus
    result: dict[str, Any] | None = None
    artifacts: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: tuple[str, str | None] | None = None


@dataclass
class JobContext:
    """What a running job may use: limits, the cancel event and a progress sink."""

    job_id: str
    time_limit_s: float
    cancel: threading.Event
    sink: Callable[[dict[str, Any]], bool]  # store progress; True when cancel was requested
    started: float = field(default_factory=time.perf_counter)
    user_cancel: bool = False
    last: dict[str, Any] = field(default_factory=dict)
    _written: float = 0.0

    def report(self, progress: Mapping[str, Any], *, force: bool = False) -> None:
        """Keep the latest progress; write it to the store at most twice a second."""
        self.last = {**dict(progress),
                     "elapsed_s": round(time.perf_counter() - self.started, 3)}
        now = time.perf_counter()
        if not force and now - self._written < 0.5:
            return
        self._written = now
        if self.sink(self.last):  # cancel requested (possibly through another process)
            self.user_cancel = True
            self.cancel.set()

    def on_solve(self, p: Any) -> None:
        """``staffing.roster.SolveProgress`` callback."""
        self.report({"incumbent": convert.num(p.objective), "bound": convert.num(p.bound),
                     "gap": convert.num(p.gap)})


# ----------------------------------------------------------------------------- roster
_CONFIG_SECTIONS = ("templates", "rules", "penalties", "open_hours")


def config_field(exc: InputError) -> InputError:
    """Roster config errors named by their request path (``config.templates.day...``)."""
    if exc.field.split(".")[0].split("[")[0] in _CONFIG_SECTIONS:
        return InputError(f"config.{exc.field}", exc.value, exc.expected, exc.where)
    return exc


def build_roster_inputs(body: schemas.RosterJobCreate, time_limit_s: float, *,
                        check_model: bool = False) -> tuple[Any, ...]:
    """(required series, RosterConfig, SolverOptions), validated; raises InputError.
    ``check_model`` also builds the model once (grid alignment of the templates etc.)."""
    from staffing.roster import RosterConfig, SolverOptions
    from staffing.roster.build import build_model, make_horizon

    required = convert.required_series(body.required, body.tz)
    try:
        config = RosterConfig.from_dict(convert.roster_config_dict(body.config))
        options = SolverOptions(time_limit_s=float(time_limit_s),
                                mip_rel_gap=body.solver.mip_rel_gap,
                                threads=body.solver.threads)
        horizon = make_horizon(required, config)  # whole local days, one grid
        if check_model:
            build_model(horizon, config)  # templates on the grid, rules consistent
    except InputError as exc:
        raise config_field(exc) from exc
    return required, config, options


def roster_artifacts(res: Any) -> dict[str, tuple[str, bytes]]:
    """``coverage.csv``, ``shifts.csv`` and ``tours.csv`` of a roster result."""
    from staffing.io import export
    from staffing.pipeline import coverage_frame

    out = {
        "coverage.csv": (CSV, convert.csv_bytes(export.write_coverage_csv,
                                                coverage_frame(res, None))),
        "shifts.csv": (CSV, convert.csv_bytes(export.write_shifts_csv, res.shifts)),
    }
    if len(res.tours.columns):
        out["tours.csv"] = (CSV, convert.csv_bytes(export.write_csv, res.tours))
    return out


def run_roster(request: Mapping[str, Any], ctx: JobContext) -> Outcome:
    """Solve a roster job with ``staffing.roster.solve_roster``."""
    from staffing.roster import RosterStatus, solve_roster

    body = schemas.RosterJobCreate.model_validate(request)
    required, config, options = build_roster_inputs(body, ctx.time_limit_s)
    ctx.report({"detail": "building model"}, force=True)
    try:
        res = solve_roster(required, config, options, progress=ctx.on_solve, cancel=ctx.cancel)
    except InputError as exc:
        raise config_field(exc) from exc
    summary = res.summary()
    ctx.report({"incumbent": summary["objective"], "bound": summary["bound"],
                "gap": summary["gap"], "detail": res.status.value}, force=True)
    notes = list(res.notes)
    if res.status is RosterStatus.ERROR:
        return Outcome(JobStatus.FAILED, result=summary, notes=notes,
                       error=(f"solver error ({res.solver_status})", None))
    status = JobStatus.CANCELLED if res.status is RosterStatus.CANCELLED else JobStatus.DONE
    return Outcome(status, result=summary, artifacts=roster_artifacts(res), notes=notes)


# ----------------------------------------------------------------------------- plan


def _safe_name(name: str) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(name).name)[:80].lstrip(".") or "data"
    return base if base.lower().endswith(".csv") else base + ".csv"


def plan_config(body: schemas.PlanCreate, workdir: Path) -> Any:
    """Write the plan's data into ``workdir`` and build the ``PlanConfig`` (InputError named
    by the request path, e.g. ``config.goals.service_level``)."""
    from staffing.config import PlanConfig

    cfg = dict(body.config)
    data_section = cfg.get("data", {})
    if not isinstance(data_section, Mapping):
        raise InputError("config.data", data_section, "a table with at most 'kind'")
    if "path" in data_section:
        raise InputError("config.data.path", data_section["path"],
                         "no server paths: send the data as 'history' rows or 'data.csv' text")
    if (body.history is None) == (body.data is None):
        raise InputError("history", None, "exactly one of 'history' (rows) or 'data' (CSV)")
    if body.history is not None:
        frame = convert.rows_frame(body.history)
        path = workdir / "history.csv"
        frame.to_csv(path, index=False)
        kind = "history"
    else:
        assert body.data is not None
        path = workdir / _safe_name(body.data.filename)
        path.write_text(body.data.csv, encoding="utf-8")
        kind = data_section.get("kind", "auto")
    cfg["data"] = {"path": str(path), "kind": kind}
    try:
        return PlanConfig.from_dict(cfg, base_dir=workdir)
    except InputError as exc:
        fld = exc.field if exc.field.startswith("config") else f"config.{exc.field}"
        if exc.field.startswith("data.path"):
            fld = "history" if body.history is not None else "data.csv"
        raise InputError(fld, exc.value, exc.expected, exc.where) from exc


def run_plan(request: Mapping[str, Any], ctx: JobContext) -> Outcome:
    """Run ``staffing.pipeline.plan`` and keep its output files."""
    from staffing.io.export import jsonable
    from staffing.pipeline import plan

    body = schemas.PlanCreate.model_validate(request)

    def on_stage(ev: Any) -> None:
        solver_event = ev.stage == "roster" and ev.kind == "progress"
        if ctx.cancel.is_set() and not solver_event:
            raise Cancelled
        info: dict[str, Any] = {"stage": ev.stage, "detail": f"{ev.kind} {ev.detail}".strip()}
        if ev.solver is not None:
            info.update(incumbent=convert.num(ev.solver.objective),
                        bound=convert.num(ev.solver.bound), gap=convert.num(ev.solver.gap))
        ctx.report(info, force=ev.kind != "progress")

    with tempfile.TemporaryDirectory(prefix="staffing-plan-") as tmp:
        work = Path(tmp)
        cfg = plan_config(body, work)
        try:
            result = plan(cfg, progress=on_stage, time_limit_s=ctx.time_limit_s,
                          cancel=ctx.cancel)
        except Cancelled:
            return Outcome(JobStatus.CANCELLED, notes=["cancelled between plan stages"])
        paths = result.write(work / "out", plots=False)
        artifacts = {name: (MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream"),
                            Path(p).read_bytes()) for name, p in paths.items()}
    summary = jsonable(result.summary())
    summary["timings"] = jsonable(result.timings)
    if isinstance(summary.get("plan"), dict) and "data" in summary["plan"]:
        # the server's temporary path says nothing to the client (and should not leak)
        summary["plan"]["data"] = body.data.filename if body.data else "history"
    from staffing.roster import RosterStatus

    status = (JobStatus.CANCELLED if result.roster.status is RosterStatus.CANCELLED
              else JobStatus.DONE)
    return Outcome(status, result=summary, artifacts=artifacts, notes=list(result.notes))


RUNNERS: dict[str, Callable[[Mapping[str, Any], JobContext], Outcome]] = {
    "roster": run_roster,
    "plan": run_plan,
}
