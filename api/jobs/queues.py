"""Multi-queue plan jobs: a plan request whose config has ``[[queues]]`` runs
:func:`staffing.queues.plan.plan_queues` (per-queue forecast and requirements, the skills
roster, per-queue predicted and simulated service).

The data comes with the request as CSV text (a call log split by ``[data] split_by``, or an
interval history with a ``queue`` column); a queue's own ``path`` is refused (no server
paths). Submission builds the config and estimates the skills model's size (422 over the
server's caps) without building it.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from api import schemas
from api.jobs.context import JobContext, Outcome, media_type
from api.jobs.models import JobStatus
from staffing.exceptions import InputError


def is_queues_request(body: schemas.PlanCreate) -> bool:
    """True when the plan config has ``[[queues]]``."""
    return "queues" in body.config


def queues_config(body: schemas.PlanCreate) -> Any:
    """The :class:`~staffing.queues.MultiQueueConfig` of a request, data in memory (errors
    named by the request path, e.g. ``config.queues.chat.concurrency``)."""
    from api.jobs.plan import data_error, plan_data
    from staffing.queues import MultiQueueConfig

    cfg = dict(body.config)
    data_section = cfg.get("data", {})
    if not isinstance(data_section, Mapping):
        raise InputError("config.data", data_section,
                         "a table with at most 'kind', 'offered', 'wrap_s', 'split_by'")
    if "path" in data_section:
        raise InputError("config.data.path", data_section["path"],
                         "no server paths: send the data as 'data.csv' text")
    queues = cfg.get("queues")
    if isinstance(queues, list):
        for i, q in enumerate(queues):
            if isinstance(q, Mapping) and "path" in q:
                raise InputError(f"config.queues[{i}].path", q["path"],
                                 "no server paths: one data CSV split by [data] split_by")
    if body.data is None:
        raise InputError("data", None, "the data as CSV text (a call log, or an interval "
                         "history with a queue column)")
    data = plan_data(body, cfg)
    cfg["data"] = {k: v for k, v in data_section.items()
                   if k in ("kind", "offered", "wrap_s", "split_by")}
    try:
        return MultiQueueConfig.from_dict(cfg, data=data)
    except InputError as exc:
        if exc.field == "data" or "line " in (exc.where or ""):
            raise data_error(exc, body) from exc
        fld = exc.field if exc.field.startswith("config") else f"config.{exc.field}"
        raise InputError(fld, exc.value, exc.expected, exc.where) from exc


def check_queues(body: schemas.PlanCreate, *, max_variables: int | None,
                 max_nonzeros: int | None) -> Any:
    """Validate a multi-queue request now (config, data, model size estimate)."""
    from staffing.queues.roster import estimate_skills_size

    cfg = queues_config(body)
    base = cfg.base
    try:
        size = estimate_skills_size(base.index, cfg.groups, base.roster, len(cfg.queues))
    except InputError as exc:
        raise InputError(f"config.{exc.field}", exc.value, exc.expected, exc.where) from exc
    size.check(max_variables=max_variables, max_nonzeros=max_nonzeros,
               field="config.groups")
    return cfg


def run_queues(request: Mapping[str, Any], ctx: JobContext) -> Outcome:
    """Run the multi-queue plan and keep its files."""
    from staffing.io.export import jsonable
    from staffing.queues.plan import plan_queues
    from staffing.roster import RosterStatus

    body = schemas.PlanCreate.model_validate(request)
    cfg = queues_config(body)
    ctx.report({"stage": "queues", "detail": "forecast, requirements, skills roster"},
               force=True)

    def on_solver(p: Any) -> None:
        ctx.report({"stage": "roster", "detail": "progress",
                    "incumbent": p.objective, "bound": p.bound, "gap": p.gap})

    result = plan_queues(cfg, time_limit_s=ctx.time_limit_s, cancel=ctx.cancel,
                         progress=on_solver)
    with tempfile.TemporaryDirectory(prefix="staffing-queues-") as tmp:
        work = Path(tmp)
        paths = result.write(work / "out")
        artifacts = {name: (media_type(name), Path(p).read_bytes())
                     for name, p in paths.items() if not name.startswith("email_")}
        text = json.dumps(jsonable(result.summary()), indent=2)
        text = text.replace(f"{work}/", "").replace(str(work), "")
        notes = [n.replace(f"{work}/", "").replace(str(work), "") for n in result.notes]
    artifacts["summary.json"] = ("application/json", text.encode())
    result_json = json.loads(text)
    result_json["tz"] = str(cfg.base.tz)  # the site's zone, for local times in the web view
    status = (JobStatus.CANCELLED if result.roster.status is RosterStatus.CANCELLED
              else JobStatus.DONE)
    return Outcome(status, result=result_json, artifacts=artifacts, notes=notes)
