"""What a job runs, by kind, and how its exceptions become an :class:`Outcome`.

Every kind is registered here statically (a fresh worker process knows all of them).
A runner gets the stored request (JSON) and a :class:`JobContext` and returns an
:class:`Outcome`; :func:`execute` maps domain errors to a failed job naming the field.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from api.jobs.agents import run_agents
from api.jobs.context import Cancelled, JobContext, Outcome
from api.jobs.models import JobKind, JobStatus
from api.jobs.plan import run_plan
from api.jobs.roster import run_roster
from api.jobs.scenarios import run_scenarios
from api.jobs.sites import run_site_batch
from staffing.exceptions import InputError, StaffingError

log = logging.getLogger("api.jobs")

INTERNAL = "internal error while running the job (details are in the server log)"

Runner = Callable[[Mapping[str, Any], JobContext], Outcome]

RUNNERS: dict[str, Runner] = {
    JobKind.ROSTER.value: run_roster,
    JobKind.PLAN.value: run_plan,
    JobKind.SCENARIOS.value: run_scenarios,
    JobKind.AGENTS.value: run_agents,
    JobKind.SITES.value: run_site_batch,
}


def execute(kind: str, request: Mapping[str, Any], ctx: JobContext) -> Outcome:
    """Run a job of ``kind``; never raises (errors become a failed :class:`Outcome`)."""
    try:
        return RUNNERS[kind](request, ctx)
    except Cancelled:
        return Outcome(JobStatus.CANCELLED)
    except InputError as exc:
        return Outcome(JobStatus.FAILED, error=(str(exc), exc.field))
    except StaffingError as exc:
        return Outcome(JobStatus.FAILED, error=(str(exc), None))
    except MemoryError:
        log.exception("job %s ran out of memory", ctx.job_id)
        return Outcome(JobStatus.FAILED, error=("the job ran out of memory", None))
    except Exception:
        log.exception("job %s failed", ctx.job_id)
        return Outcome(JobStatus.FAILED, error=(INTERNAL, None))
