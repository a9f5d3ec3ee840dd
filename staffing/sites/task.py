"""What runs on a worker: one site's plan -> a compact :class:`SiteSummary`.

:func:`plan_site` is the task the fan-out submits. It runs :func:`staffing.pipeline.plan` on
the site's config (data in memory, HiGHS held to one thread), collects the site's warnings
(:func:`staffing.exceptions.collect_warnings`, per task), writes the full outputs under
``<out_dir>/<site>/`` on the worker (``outputs="worker"``) or returns their bytes for the
client to write (``outputs="client"``), and returns a summary of a few KB. Bad data
(InputError) is a status with the reason, not an exception; any other exception propagates so
that Dask retries the task once and the client then reports it.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import resource
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from staffing.exceptions import InputError, collect_warnings

__all__ = ["OUTPUTS", "SUMMARY_COLUMNS", "SiteJob", "SiteSummary", "Outputs", "plan_site",
           "summary_table"]

Outputs = Literal["worker", "client", "none"]
OUTPUTS: tuple[str, ...] = ("worker", "client", "none")

MAX_NOTES = 20
"""Warnings kept per site in the summary (the full list is in the site's summary.json)."""


@dataclass(frozen=True)
class SiteJob:
    """One site to plan on a worker.

    ``config`` is a :class:`~staffing.config.PlanConfig` with its data in memory (it pickles);
    ``out_dir`` the batch's output folder (the site's files go to ``out_dir/<name>/``);
    ``outputs`` where they are written (``"worker"``: by the worker into ``out_dir``,
    ``"client"``: returned as bytes for the client to write, ``"none"``); ``plots`` writes
    the PNGs too; ``time_limit_s`` overrides ``[solver] time_limit_s``; ``keep_result``
    returns the full :class:`~staffing.pipeline.PlanResult` in :attr:`SiteSummary.result`
    (large: on demand only).
    """

    name: str
    config: Any  # staffing.config.PlanConfig
    out_dir: str | None = None
    outputs: Outputs = "worker"
    plots: bool = False
    time_limit_s: float | None = None
    keep_result: bool = False


@dataclass(frozen=True)
class SiteSummary:
    """The compact outcome of one site (pickled back from the worker; a few KB).

    Attributes
    ----------
    site:
        Site name (the TOML file's stem, or the generated name).
    status:
        The roster status (``optimal``, ``feasible``, ``infeasible``,
        ``time_limit_no_solution``, ``cancelled``, ``error``), or ``bad_input`` (the site's
        data or config was refused: see ``reason``), ``failed`` (an exception in the plan,
        after one retry), ``worker_died`` (the worker running it died twice) or
        ``cancelled`` (the batch was cancelled before it finished).
    agent_hours:
        Paid agent-hours of the roster (h).
    cost:
        Wages of the roster (currency).
    service_level:
        Predicted weekly service level (fraction), None without a roster.
    simulated_service_level:
        Simulated weekly service level (fraction), None when not simulated.
    gap:
        Relative MIP gap (fraction), None when the solver gave none.
    seconds:
        Wall seconds of the plan on the worker (s).
    reason:
        Why a site has no roster (the diagnosis or the error), else "".
    notes:
        Up to :data:`MAX_NOTES` warnings of the site.
    worker:
        Host and process id the site ran on.
    peak_rss_mb:
        The worker process's peak resident memory when the task ended (MiB).
    out:
        Folder with the site's files, when written.
    files:
        With ``outputs="client"``: file name -> bytes, for the client to write.
    result:
        The full plan result when asked for (``keep_result``), else None.
    """

    site: str
    status: str
    agent_hours: float | None = None
    cost: float | None = None
    service_level: float | None = None
    simulated_service_level: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    reason: str = ""
    notes: tuple[str, ...] = ()
    worker: str = ""
    peak_rss_mb: float | None = None
    out: str | None = None
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    result: Any = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when the site got a roster (``optimal`` or ``feasible``)."""
        return self.status in ("optimal", "feasible")

    def row(self) -> dict[str, Any]:
        """One row of :func:`summary_table` (the compact figures, no files or result)."""
        return {"site": self.site, "status": self.status, "agent_hours": self.agent_hours,
                "cost": self.cost, "service_level": self.service_level,
                "simulated_service_level": self.simulated_service_level, "gap": self.gap,
                "seconds": self.seconds, "reason": self.reason, "worker": self.worker,
                "peak_rss_mb": self.peak_rss_mb, "notes": len(self.notes), "out": self.out}


SUMMARY_COLUMNS = tuple(SiteSummary("", "").row())
"""Columns of the cross-site table, in order."""


def summary_table(summaries: list[SiteSummary]) -> pd.DataFrame:
    """The cross-site table: one row per site in the order given; columns
    :data:`SUMMARY_COLUMNS` (``site, status, agent_hours`` (h), ``cost`` (wages),
    ``service_level`` (predicted, fraction), ``simulated_service_level``, ``gap``,
    ``seconds`` (s), ``reason``, ``worker``, ``peak_rss_mb`` (MiB), ``notes`` (count),
    ``out``)."""
    return pd.DataFrame([s.row() for s in summaries], columns=list(SUMMARY_COLUMNS))


def _where() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, B on macOS
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def _finite(x: Any) -> float | None:
    import math

    return float(x) if x is not None and math.isfinite(float(x)) else None


def _one_thread(config: Any) -> Any:
    """The config with HiGHS on one thread (a worker runs one solve per core)."""
    return dataclasses.replace(config, solver=dataclasses.replace(config.solver, threads=1))


def plan_site(job: SiteJob) -> SiteSummary:
    """Plan one site on this process (the Dask task); see the module docs."""
    from staffing.pipeline import plan

    t0 = time.perf_counter()
    base = SiteSummary(job.name, "")
    try:
        with collect_warnings() as caught:
            result = plan(_one_thread(job.config), time_limit_s=job.time_limit_s)
            files, out = _write(job, result)
    except InputError as exc:
        gc.collect()
        return dataclasses.replace(base, status="bad_input", reason=" ".join(str(exc).split()),
                                   seconds=time.perf_counter() - t0, worker=_where(),
                                   peak_rss_mb=_peak_rss_mb())
    s = result.summary()
    ro = result.roster
    notes = [*result.notes, *caught]
    summary = dataclasses.replace(
        base, status=ro.status.value,
        agent_hours=_finite(s["agent_hours"]) if ro.has_roster else None,
        cost=_finite(s["cost"]) if ro.has_roster else None,
        service_level=_finite(s["service_level"]),
        simulated_service_level=_finite(s["simulated_service_level"]),
        gap=_finite(s["gap"]), seconds=time.perf_counter() - t0,
        reason="" if ro.has_roster else (ro.diagnosis or f"no roster ({ro.status.value})"),
        notes=tuple(dict.fromkeys(notes))[:MAX_NOTES], worker=_where(), out=out, files=files,
        result=result if job.keep_result else None)
    del result
    gc.collect()  # a worker runs many sites: give the model's memory back between tasks
    return dataclasses.replace(summary, peak_rss_mb=_peak_rss_mb())


def _write(job: SiteJob, result: Any) -> tuple[dict[str, bytes], str | None]:
    """Write the site's files: into ``out_dir/<site>`` (worker) or a temp dir whose files are
    returned as bytes (client)."""
    if job.outputs == "none" or job.out_dir is None or result.forecast is None:
        return {}, None
    if job.outputs == "worker":
        target = Path(job.out_dir) / job.name
        result.write(target, plots=job.plots)
        return {}, str(target)
    with tempfile.TemporaryDirectory(prefix="staffing-site-") as tmp:
        paths = result.write(tmp, plots=job.plots)
        files = {name: Path(p).read_bytes() for name, p in paths.items()}
    return files, str(Path(job.out_dir) / job.name)
