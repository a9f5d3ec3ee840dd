"""``POST /v1/review`` (plan vs actual for a past period) and ``POST /v1/intraday`` (rest-of-day
re-forecast and roster risk). Both are synchronous (about a second for a week of calls) and take
``multipart/form-data``: the plan TOML (``config``; its ``[data] path`` is ignored), the actuals
CSV (``actuals``: a call log or an interval history) and the plan's ``forecast.csv`` /
``coverage.csv``. Instead of the plan's files a request may name a finished plan job
(``plan``: its id): its config, ``forecast.csv`` and ``coverage.csv`` (and, when no
``actuals`` part is sent, its data CSV: a plan made for a past week from a file that goes on
past it) are read from the job database. Uploaded files are written to a private temporary
directory only; nothing a request sends names a server path.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool

from api import convert
from api.deps import ApiKeyDep, SettingsDep, StoreDep
from api.jobs import service
from api.jobs.store import JobStore
from api.routers._common import ERRORS, read_upload
from staffing.exceptions import InputError
from staffing.io.export import jsonable

router = APIRouter(tags=["review"])

MAX_ROWS = 2000  # rows of a table in a response (a week of 15-minute intervals is 672)

_FILE = {"type": "string", "format": "binary"}
_PLAN = {"type": "string", "maxLength": 64,
         "description": "Id of a finished plan job: its config, forecast.csv and coverage.csv "
                        "(and its data CSV when no actuals part is sent) replace the parts"}
INTERVAL_COLUMNS = ("offered", "forecast_calls", "calls_lower", "calls_upper", "answered",
                    "abandoned", "service_level", "predicted_sl", "meets_goal", "aht_s",
                    "forecast_aht_s", "agents_staffed", "scheduled", "required", "planned_net",
                    "occupancy", "cause")
"""Per-interval columns of a review answer (those the review has: the plan's only with one)."""
REVIEW_SCHEMA = {
    "type": "object",
    "required": ["config", "actuals"],
    "description": "config and actuals are optional when plan names a finished plan job",
    "properties": {
        "plan": _PLAN,
        "config": {**_FILE, "description": "Plan TOML (data/plan.toml layout)"},
        "actuals": {**_FILE, "description": "Call log CSV (best) or interval history CSV"},
        "forecast": {**_FILE, "description": "The plan's forecast.csv (optional)"},
        "coverage": {**_FILE, "description": "The plan's coverage.csv (optional)"},
        "start": {"type": "string", "format": "date"},
        "days": {"type": "integer", "minimum": 1, "maximum": 366},
        "abandons": {"type": "string", "enum": ["counted", "short_excluded", "excluded"]},
        "short_abandon_s": {"type": "number", "minimum": 0, "maximum": 3600},
    },
}
INTRADAY_SCHEMA = {
    "type": "object",
    "required": ["config", "actuals", "forecast", "coverage", "now"],
    "description": "config, actuals, forecast and coverage are optional when plan names a "
                   "finished plan job",
    "properties": {
        "plan": _PLAN,
        "config": {**_FILE, "description": "Plan TOML (data/plan.toml layout)"},
        "actuals": {**_FILE, "description": "Today's call log or interval actuals CSV"},
        "forecast": {**_FILE, "description": "The plan's forecast.csv"},
        "coverage": {**_FILE, "description": "The plan's coverage.csv"},
        "now": {"type": "string", "description": "Local time, e.g. 1999-02-23T12:00"},
        "prior_calls": {"type": "number", "minimum": 0, "maximum": 100000},
    },
}


def _bad(name: str, msg: str) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": ("body", name), "msg": msg,
                                    "input": None}])


async def _form(request: Request, settings: Any, store: JobStore, files: tuple[str, ...],
                required: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, str]]:
    """The uploaded texts (``config`` parsed to a dict) and the plain fields; with a ``plan``
    field the plan job's config, files and data fill the parts that were not sent."""
    ctype = request.headers.get("content-type", "").lower()
    if not ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        raise _bad("body", "send multipart/form-data with the files as parts")
    form = await request.form(max_files=len(files), max_fields=12)
    plan_id = form.get("plan")
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k not in files}
    texts: dict[str, Any] = {}
    if isinstance(plan_id, str) and plan_id:
        texts = await run_in_threadpool(_from_plan_job, store, plan_id)
    for name in files:
        part = form.get(name)
        if part is None and (name not in required or name in texts):
            continue
        texts[name] = await read_upload(form, name, settings.max_body_bytes)
    if isinstance(texts.get("config"), str):
        try:
            texts["config"] = tomllib.loads(texts["config"])
        except tomllib.TOMLDecodeError as exc:
            raise _bad("config", f"invalid TOML: {exc}") from None
    return texts, fields


def _from_plan_job(store: JobStore, job_id: str) -> dict[str, Any]:
    """Config (dict), forecast/coverage CSV texts and data CSV text of a finished plan job."""
    job, request = service.plan_job(store, job_id, done=True)
    out: dict[str, Any] = {"config": dict(request.get("config") or {})}
    for name in ("forecast", "coverage"):
        art = store.artifact(job.id, f"{name}.csv")
        if art is not None:
            out[name] = art.content.decode("utf-8-sig")
    data = request.get("data")
    if isinstance(data, dict) and data.get("csv"):
        out["actuals"] = str(data["csv"])
    elif request.get("history"):
        rows = request["history"]
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        out["actuals"] = buf.getvalue()
    return out


def _config(raw: dict[str, Any], actuals: Path) -> Any:
    from staffing.config import PlanConfig

    raw = dict(raw)
    data = raw.get("data", {})
    if not isinstance(data, dict):
        raise InputError("config.data", data, "a table")
    data = {k: v for k, v in data.items() if k != "path"}
    data.pop("kind", None)
    raw["data"] = {**data, "path": str(actuals)}
    try:
        return PlanConfig.from_dict(raw, base_dir=actuals.parent)
    except InputError as exc:
        fld = "actuals" if exc.field.startswith("data.path") else f"config.{exc.field}"
        raise InputError(fld, exc.value, exc.expected, exc.where) from exc


def _readable(run: Any, texts: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    """Run ``run`` with unreadable CSV uploads reported as 422 naming the part."""
    try:
        return run(texts, fields)  # type: ignore[no-any-return]
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError("actuals", "unreadable CSV", f"CSV files ({exc})") from exc


def _write(tmp: Path, texts: dict[str, Any]) -> dict[str, Path]:
    out = {}
    for name, text in texts.items():
        if name == "config":
            continue
        p = tmp / ("plan" if name in ("forecast", "coverage") else "") / f"{name}.csv"
        p.parent.mkdir(exist_ok=True)
        p.write_text(text, encoding="utf-8")
        out[name] = p
    return out


def _table(frame: pd.DataFrame, index_name: str) -> Any:
    f = frame.head(MAX_ROWS).copy()
    f.index = [i.isoformat() if hasattr(i, "isoformat") else str(i) for i in f.index]
    f.index.name = index_name
    return json.loads(f.reset_index().to_json(orient="records", date_format="iso",
                                              default_handler=str))


def _float(fields: dict[str, str], name: str, default: float, hi: float) -> float:
    if name not in fields:
        return default
    try:
        v = float(fields[name])
    except ValueError:
        raise InputError(name, fields[name], "a number") from None
    if not 0 <= v <= hi:
        raise InputError(name, v, f"a number in [0, {hi:g}]")
    return v


def _run_review(texts: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    from staffing.review import PlanInputs, ServiceDefinition, goals_for, load_actuals, review

    with tempfile.TemporaryDirectory(prefix="staffing-review-") as tmp:
        paths = _write(Path(tmp), texts)
        cfg = _config(texts["config"], paths["actuals"])
        data = load_actuals(cfg, paths["actuals"])
        goals = goals_for(cfg, data)
        start = None
        if "start" in fields:
            try:
                start = dt.date.fromisoformat(fields["start"])
            except ValueError:
                raise InputError("start", fields["start"], "a date 'YYYY-MM-DD'") from None
        days = None
        if "days" in fields:
            if not fields["days"].isdigit() or not 1 <= int(fields["days"]) <= 366:
                raise InputError("days", fields["days"], "a whole number of days in 1..366")
            days = int(fields["days"])
        definition = ServiceDefinition(
            answer_s=goals.answer_s, abandons=fields.get("abandons", "counted"),  # type: ignore[arg-type]
            short_abandon_s=_float(fields, "short_abandon_s", 5.0, 3600.0))
        plan = None
        if "forecast" in paths or "coverage" in paths:
            plan = PlanInputs.from_dir(Path(tmp) / "plan", tz=cfg.tz)
        res = review(data, goals=goals, definition=definition, plan=plan,
                     freq=cfg.freq if plan is None else None, start=start, days=days)
    misses = res.misses
    keep = [c for c in ("offered", "forecast_calls", "service_level", "predicted_sl", "aht_s",
                        "forecast_aht_s", "agents_staffed", "planned_net", "cause",
                        "cause_detail") if c in misses.columns]
    cols = [c for c in INTERVAL_COLUMNS if c in res.intervals.columns]
    return {"tz": cfg.tz, "summary": jsonable(res.summary()),
            "days": _table(res.days, "date"),
            "intervals": json.loads(convert.records_json(res.intervals.head(MAX_ROWS), cols)),
            "weeks": _table(res.weeks, "week"),
            "misses": _table(misses[keep], "interval_start"),
            "time_of_day": _table(res.time_of_day, "time") if len(res.time_of_day) else []}


@router.post("/v1/review", responses=ERRORS,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "multipart/form-data": {"schema": REVIEW_SCHEMA}}}})
async def create_review(request: Request, _: ApiKeyDep, settings: SettingsDep,
                        store: StoreDep) -> Response:
    """Actual service of a past period (offered with menu hang-ups apart, answered,
    abandoned, SL under the stated definition, ASA, AHT, occupancy, agents staffed) per day and
    week; with ``forecast``/``coverage`` the plan's accuracy (WAPE, bias, band coverage),
    scheduled vs staffed and the cause of each interval that missed the goal."""
    texts, fields = await _form(request, settings, store, ("config", "actuals", "forecast",
                                                           "coverage"), ("config", "actuals"))
    out = await run_in_threadpool(_readable, _run_review, texts, fields)
    return Response(json.dumps(out, allow_nan=False, default=str), media_type="application/json")


def _run_intraday(texts: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    from staffing.io import CallLog
    from staffing.review import PlanInputs, goals_for, load_actuals
    from staffing.review.intraday import PRIOR_CALLS, intraday

    with tempfile.TemporaryDirectory(prefix="staffing-intraday-") as tmp:
        paths = _write(Path(tmp), texts)
        cfg = _config(texts["config"], paths["actuals"])
        data = load_actuals(cfg, paths["actuals"])
        goals = goals_for(cfg, data)
        plan = PlanInputs.from_dir(Path(tmp) / "plan", tz=cfg.tz)
    if plan.forecast is None or plan.coverage is None:
        raise InputError("forecast", None, "the plan's forecast.csv and coverage.csv")
    try:
        now = pd.Timestamp(fields.get("now", ""))
    except ValueError:
        raise InputError("now", fields.get("now"), "a local time like 1999-02-23T12:00") \
            from None
    if pd.isna(now):
        raise InputError("now", fields.get("now"), "a local time like 1999-02-23T12:00")
    actuals = data.to_intervals(cfg.freq) if isinstance(data, CallLog) else data
    if isinstance(data, CallLog):  # only what was known at `now`
        cut = now.tz_convert(cfg.tz) if now.tzinfo else now.tz_localize(cfg.tz)
        keep = data.calls["arrival"] < cut
        from dataclasses import replace

        actuals = replace(data, calls=data.calls[keep]).to_intervals(cfg.freq)
    res = intraday(plan.forecast, plan.coverage["scheduled"], actuals, now, goals, tz=cfg.tz,
                   open_hours=cfg.open_hours,
                   prior_calls=_float(fields, "prior_calls", PRIOR_CALLS, 100000.0))
    cols = ["plan_calls", "actual_calls", "calls", "aht_s", "scheduled", "plan_sl",
            "service_level", "agents_required", "agents_short", "at_risk", "action"]
    rest = res.rest[cols]
    return {"tz": cfg.tz, "summary": jsonable(res.summary()),
            "intervals": json.loads(convert.records_json(rest, cols)),
            "at_risk": [r["interval_start"] for r in json.loads(
                convert.records_json(res.at_risk[["calls"]], ["calls"]))]}


@router.post("/v1/intraday", responses=ERRORS,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "multipart/form-data": {"schema": INTRADAY_SCHEMA}}}})
async def create_intraday(request: Request, _: ApiKeyDep, settings: SettingsDep,
                          store: StoreDep) -> Response:
    """Re-forecast the rest of ``now``'s day from the actuals so far (the plan's profile scaled
    by observed/expected calls, shrunk toward the plan), the roster's predicted service for the
    rest of the day and the intervals at risk with agents short or spare."""
    texts, fields = await _form(request, settings, store, ("config", "actuals", "forecast",
                                                           "coverage"),
                                ("config", "actuals", "forecast", "coverage"))
    out = await run_in_threadpool(_readable, _run_intraday, texts, fields)
    return Response(json.dumps(out, allow_nan=False, default=str), media_type="application/json")
