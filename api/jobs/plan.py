"""Plan jobs: the whole weekly pipeline (``staffing.pipeline.plan``) for a request.

The request's data is parsed in memory (``PlanConfig.from_dict(..., data=...)``: no file is
written). Submission (:func:`check_plan`) builds the ``PlanConfig`` (422 naming the request
path, e.g. ``config.goals.service_level``), which parses the data (422 naming the CSV line),
and estimates the roster model's size (422 over the server's caps), so a job that is accepted
can only fail for reasons the data cannot show up front.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from api import convert, schemas
from api.jobs.context import Cancelled, JobContext, Outcome, media_type
from api.jobs.models import JobStatus
from api.jobs.roster import config_field
from staffing.exceptions import InputError


def data_label(body: schemas.PlanCreate) -> str:
    """What the client calls its data: the uploaded file name, or ``history`` (rows)."""
    return body.data.filename if body.data is not None else "history"


def _csv_frame(text: str, label: str) -> pd.DataFrame:
    """The uploaded CSV as string columns (as the library's file readers read it)."""
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                          skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError) as exc:
        raise InputError("data.csv", "unparseable CSV", f"a CSV file ({exc})", label) from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw


def _kind(raw: pd.DataFrame, kind: str) -> str:
    if kind != "auto":
        return kind
    header = {c.lower() for c in raw.columns}
    if "interval_start" in header:
        return "history"
    if {"vru_entry", "q_time"} <= header or {"arrival", "wait_s"} <= header:
        return "call_log"
    raise InputError("config.data.kind", "auto",
                     "'call_log' or 'history' (the CSV header matches neither layout)")


def _site(cfg: Mapping[str, Any]) -> tuple[Any, Any]:
    site = cfg.get("site")
    site = site if isinstance(site, Mapping) else {}
    return site.get("tz"), site.get("interval")


def plan_data(body: schemas.PlanCreate, cfg: Mapping[str, Any]) -> Any:
    """The request's data as a library object, parsed in memory (no file is written): the
    ``history`` rows as a frame, a history CSV validated as an interval history, a call-log
    CSV as a ``CallLog``. Errors name the request (``history[5].calls``, ``data.csv`` with
    ``line N of <file name>``)."""
    from staffing.io import validate_history
    from staffing.io.calllog import parse_call_log

    if (body.history is None) == (body.data is None):
        raise InputError("history", None, "exactly one of 'history' (rows) or 'data' (CSV)")
    if body.history is not None:
        convert.check_years([r.interval_start for r in body.history], "history")
        return convert.rows_frame(body.history)
    assert body.data is not None
    label = data_label(body)
    raw = _csv_frame(body.data.csv, label)
    data_section = cfg.get("data", {})
    kind = _kind(raw, str(data_section.get("kind", "auto")))
    tz, freq = _site(cfg)
    if not isinstance(tz, str):
        return raw  # from_dict names the missing/invalid config.site.tz
    try:
        if kind == "call_log":
            return parse_call_log(raw, tz=tz, source=label)
        return validate_history(raw, tz=tz, freq=freq if isinstance(freq, str) else None,
                                source=label, warn_gaps=False)
    except InputError as exc:
        if exc.field == "tz":
            raise InputError("config.site.tz", exc.value, exc.expected) from exc
        raise data_error(exc, body) from exc


def plan_config(body: schemas.PlanCreate) -> Any:
    """The ``PlanConfig`` of a request with its data in memory (InputError named by the
    request path, e.g. ``config.goals.service_level``, ``data.csv.calls``)."""
    from staffing.config import PlanConfig

    cfg = dict(body.config)
    data_section = cfg.get("data", {})
    if not isinstance(data_section, Mapping):
        raise InputError("config.data", data_section,
                         "a table with at most 'kind', 'offered', 'wrap_s'")
    if "path" in data_section:
        raise InputError("config.data.path", data_section["path"],
                         "no server paths: send the data as 'history' rows or 'data.csv' text")
    data = plan_data(body, cfg)
    # the kind and the demand definitions ([data] offered, wrap_s) travel with the data
    cfg["data"] = {k: v for k, v in data_section.items() if k in ("kind", "offered", "wrap_s")}
    try:
        return PlanConfig.from_dict(cfg, data=data)
    except InputError as exc:
        if exc.field == "data" or exc.field.startswith("data.") or "line " in (exc.where or ""):
            raise data_error(exc, body) from exc
        fld = exc.field if exc.field.startswith("config") else f"config.{exc.field}"
        raise InputError(fld, exc.value, exc.expected, exc.where) from exc


def data_error(exc: InputError, body: schemas.PlanCreate) -> InputError:
    """A data error named by the request: ``history[5].calls`` for JSON rows, ``data.csv``
    with ``line N`` of the uploaded file for CSV text (never the server's temp path)."""
    if body.history is not None:
        located = convert.located(InputError(exc.field, exc.value, exc.expected,
                                             _rows_where(exc.where)))
        if located.field != exc.field:
            return located
        return InputError(f"history.{exc.field}", exc.value, exc.expected, None)
    where = exc.where or ""
    m = re.search(r"line \d+", where)
    label = data_label(body)
    return InputError(f"data.csv.{exc.field}", exc.value, exc.expected,
                      f"{m.group(0)} of {label}" if m else label)


def _rows_where(where: str | None) -> str | None:
    m = re.search(r"line (\d+)", where or "")
    return f"line {m.group(1)} of history" if m else None


def check_plan(body: schemas.PlanCreate, *, max_variables: int | None,
               max_nonzeros: int | None) -> Any:
    """Validate a plan request now: config, data rows, roster model size. Returns the
    ``PlanConfig`` (data in memory); a config with ``[[queues]]`` is a multi-queue plan
    (:mod:`api.jobs.queues`)."""
    from api.jobs.queues import check_queues, is_queues_request

    if is_queues_request(body):
        return check_queues(body, max_variables=max_variables, max_nonzeros=max_nonzeros)
    cfg = plan_config(body)
    check_plan_size(cfg, max_variables=max_variables, max_nonzeros=max_nonzeros)
    return cfg


def check_plan_size(cfg: Any, *, max_variables: int | None, max_nonzeros: int | None,
                    field: str = "config.templates") -> None:
    """Refuse a plan whose roster model would exceed the caps (estimated, not built)."""
    import pandas as pd

    from staffing.roster.build import make_horizon
    from staffing.roster.size import estimate_size

    idx = cfg.index
    try:
        horizon = make_horizon(pd.Series(0.0, index=idx), cfg.roster)
        size = estimate_size(horizon, cfg.roster)
    except InputError as exc:
        raise config_field(exc) from exc
    if getattr(cfg, "overflow", None) is not None:  # the partner's level binaries
        from staffing.overflow import estimate_size as overflow_size

        extra = overflow_size(cfg.overflow, idx, service=cfg.solver.objective == "service")
        if extra.nonzeros > size.nonzeros or extra.variables > size.variables:
            field = "config.overflow.share_step"
        size = size + extra
    size.check(max_variables=max_variables, max_nonzeros=max_nonzeros, field=field)


def run_plan(request: Mapping[str, Any], ctx: JobContext) -> Outcome:
    """Run ``staffing.pipeline.plan`` and keep its output files (plots included)."""
    from staffing.io.export import jsonable
    from staffing.pipeline import plan
    from staffing.roster import RosterStatus

    body = schemas.PlanCreate.model_validate(request)
    from api.jobs.queues import is_queues_request, run_queues

    if is_queues_request(body):
        return run_queues(request, ctx)

    def on_stage(ev: Any) -> None:
        solver_event = ev.stage == "roster" and ev.kind == "progress"
        if ctx.cancel.is_set() and not solver_event:
            raise Cancelled
        info: dict[str, Any] = {"stage": ev.stage, "detail": f"{ev.kind} {ev.detail}".strip()}
        if ev.solver is not None:
            info.update(incumbent=convert.num(ev.solver.objective),
                        bound=convert.num(ev.solver.bound), gap=convert.num(ev.solver.gap))
        ctx.report(info, force=ev.kind != "progress")

    cfg = plan_config(body)  # the data's notes (dropped rows...) come back in result.notes
    try:
        result = plan(cfg, progress=on_stage, time_limit_s=ctx.time_limit_s, cancel=ctx.cancel)
    except Cancelled:
        return Outcome(JobStatus.CANCELLED, notes=["cancelled between plan stages"])
    except InputError as exc:
        if exc.field.startswith("data") or "line " in (exc.where or ""):
            raise data_error(exc, body) from exc
        raise
    with tempfile.TemporaryDirectory(prefix="staffing-plan-") as tmp:
        work = Path(tmp)
        paths = result.write(work / "out", plots=True)
        artifacts = {name: (media_type(name), Path(p).read_bytes())
                     for name, p in paths.items()}
        summary = jsonable(result.summary())
        summary["timings"] = jsonable(result.timings)
        if isinstance(summary.get("plan"), dict):
            summary["plan"]["data"] = data_label(body)
            summary["plan"]["config"] = None
        # no server path may reach the client (the output folder is a temp dir)
        text = json.dumps(summary, indent=2).replace(f"{work}/", "").replace(str(work), "")
        notes = [n.replace(f"{work}/", "").replace(str(work), "") for n in result.notes]
    artifacts["summary.json"] = ("application/json", text.encode())
    status = (JobStatus.CANCELLED if result.roster.status is RosterStatus.CANCELLED
              else JobStatus.DONE)
    return Outcome(status, result=json.loads(text), artifacts=artifacts, notes=notes)
