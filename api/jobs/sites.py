"""Site-batch jobs: many sites planned at once (``staffing.sites.run_sites``).

Each site of the request is a plan (``config`` + data, as ``POST /v1/plans``), parsed in memory
at submission (422 naming ``sites[i]...``) and size-checked. The job fans the sites out over the
Dask scheduler of the server's ``STAFFING_DASK_SCHEDULER`` setting (stored in the job's request
by the server at submission, never by the client), or without one over an in-process Dask
worker of the job's own process (the sites one after another; ending the job's process ends
them). A site that fails is a row with its status and reason; the others finish. The result is
the cross-site table (``sites.csv``) and the sites' summaries (``sites.json``).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from typing import Any

from api.jobs.context import CSV, JobContext, Outcome
from api.jobs.models import JobStatus
from api.jobs.plan import check_plan_size, plan_config
from api.schemas import SiteBatchCreate
from staffing.exceptions import InputError
from staffing.io.export import safe_frame

CLUSTER_KEY = "cluster"
"""Request key the server sets to its Dask scheduler address (clients cannot: extra keys
are refused by the schema)."""

PUBLIC_COLUMNS = ("site", "status", "agent_hours", "cost", "service_level",
                  "simulated_service_level", "gap", "seconds", "reason", "notes")
"""Columns of the table a client gets (no worker host names, no server paths)."""


def site_configs(body: SiteBatchCreate) -> list[tuple[str, Any]]:
    """``(name, PlanConfig)`` per site, data in memory; errors name ``sites[i]....``."""
    out = []
    for i, site in enumerate(body.sites):
        try:
            out.append((site.name, plan_config(site)))
        except InputError as exc:
            raise InputError(f"sites[{i}].{exc.field}", exc.value, exc.expected,
                             exc.where) from exc
    return out


def check_site_batch(body: SiteBatchCreate, *, max_variables: int | None,
                     max_nonzeros: int | None) -> None:
    """Validate now: every site's plan and data, and each roster model's size."""
    for i, (_, cfg) in enumerate(site_configs(body)):
        check_plan_size(cfg, max_variables=max_variables, max_nonzeros=max_nonzeros,
                        field=f"sites[{i}].config.templates")


def run_site_batch(request: Mapping[str, Any], ctx: JobContext) -> Outcome:
    """Run a stored site-batch request; the cross-site table as the result."""
    from staffing.io.export import jsonable
    from staffing.sites import run_sites
    from staffing.sites.cluster import open_client

    req = dict(request)
    scheduler = req.pop(CLUSTER_KEY, None)
    body = SiteBatchCreate.model_validate(req)
    pairs = site_configs(body)

    def on_progress(p: Any) -> None:
        ctx.report({"stage": f"sites {p.done}/{p.total}",
                    "detail": f"running {p.running}, failed {p.failed}"},
                   force=p.last is not None)

    opened = (open_client(scheduler) if scheduler is not None
              else open_client(workers=1, processes=False, dashboard=False))
    with tempfile.TemporaryDirectory(prefix="staffing-sites-") as tmp, opened as client:
        res = run_sites(pairs, client=client, out_dir=tmp, outputs="none",
                        time_limit_s=ctx.time_limit_s, progress=on_progress,
                        cancel=ctx.cancel)
    table = res.table[list(PUBLIC_COLUMNS)]
    rows = jsonable(table.to_dict(orient="records"))
    summaries = [{**row, "notes": list(s.notes)} for row, s in zip(rows, res.summaries,
                                                                    strict=True)]
    result = {"sites": rows, "failed": len(res.failed), "workers": res.workers}
    artifacts = {
        "sites.csv": (CSV, safe_frame(table).to_csv(index=False).encode()),
        "sites.json": ("application/json", json.dumps(summaries, indent=1).encode()),
    }
    notes = [f"{s.site}: {s.status}: {s.reason}" for s in res.failed]
    status = JobStatus.CANCELLED if ctx.cancel.is_set() else JobStatus.DONE
    return Outcome(status, result=result, artifacts=artifacts, notes=notes)
