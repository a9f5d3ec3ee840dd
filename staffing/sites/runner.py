"""Many sites at once: one plan per site on a Dask cluster, a cross-site table back.

:func:`run_sites` takes site configs (generated :class:`~staffing.sites.generate.SiteSpec`,
``(name, PlanConfig)`` pairs, or plan TOML paths: :func:`load_sites` reads a glob), puts each
site's data in memory on the client (:meth:`PlanConfig.with_data`; no shared disk assumed),
fans the plans out with :func:`staffing.sites.fanout.fan_out`, biggest roster model first
(:func:`staffing.sites.cost.plan_cost`, so the long solves do not form the tail), and returns a
:class:`SitesResult` with one compact :class:`~staffing.sites.task.SiteSummary` per site, in
the order given. A site whose data cannot be read is reported (``bad_input``) without being
sent; the other sites run.
"""

from __future__ import annotations

import glob as globlib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from staffing.exceptions import InputError
from staffing.sites.cost import plan_cost
from staffing.sites.fanout import BatchInterrupted, BatchProgress, fan_out
from staffing.sites.task import OUTPUTS, Outputs, SiteJob, SiteSummary, plan_site, summary_table

__all__ = ["SiteInput", "SitesResult", "load_sites", "run_sites"]

SiteInput = Any  # SiteSpec | tuple[str, PlanConfig] | PlanConfig | str | Path


@dataclass(frozen=True)
class SitesResult:
    """The outcome of a many-site batch.

    ``summaries`` (one per site, input order), ``wall_s`` (s from submission to the last
    result), ``workers`` (worker processes of the cluster), ``dashboard`` (URL or None),
    ``interrupted`` (Ctrl-C cancelled the rest).
    """

    summaries: list[SiteSummary]
    wall_s: float
    workers: int
    dashboard: str | None = None
    interrupted: bool = False

    @property
    def table(self) -> pd.DataFrame:
        """The cross-site table (:func:`~staffing.sites.task.summary_table`)."""
        return summary_table(self.summaries)

    @property
    def failed(self) -> list[SiteSummary]:
        """Sites without a roster (any status but optimal/feasible)."""
        return [s for s in self.summaries if not s.ok]

    def write(self, out_dir: str | Path) -> Path:
        """Write the table as ``sites.csv`` into ``out_dir``; returns its path."""
        from staffing.io import export

        return export.write_csv(self.table, Path(out_dir) / "sites.csv")


def _name_of(cfg: Any) -> str:
    return Path(cfg.source).stem if getattr(cfg, "source", None) else "site"


def _as_pairs(sites: Iterable[SiteInput]) -> list[tuple[str, Any]]:
    from staffing.config import PlanConfig
    from staffing.sites.generate import SiteSpec

    pairs: list[tuple[str, Any]] = []
    for k, s in enumerate(sites):
        if isinstance(s, SiteSpec):
            pairs.append((s.name, s.plan_config()))
        elif isinstance(s, PlanConfig):
            pairs.append((_name_of(s), s))
        elif isinstance(s, str | Path):
            pairs.append((Path(s).stem, load_site(Path(s))))
        elif isinstance(s, tuple) and len(s) == 2 and isinstance(s[1], PlanConfig):
            pairs.append((str(s[0]), s[1]))
        else:
            raise InputError(f"sites[{k}]", type(s).__name__,
                             "a SiteSpec, a PlanConfig, a (name, PlanConfig) pair or a path")
    names = [n for n, _ in pairs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError("sites", dup, "distinct site names (TOML file stems)")
    return pairs


def load_site(path: Path) -> Any:
    """A site's :class:`~staffing.config.PlanConfig` from its TOML; errors name the file."""
    from staffing.config import PlanConfig

    try:
        return PlanConfig.from_toml(path)
    except InputError as exc:
        where = f"{path.name}" + (f" ({exc.where})" if exc.where else "")
        raise InputError(exc.field, exc.value, exc.expected, where=where) from exc


def load_sites(pattern: str) -> list[tuple[str, Any]]:
    """``(name, PlanConfig)`` per TOML file matching ``pattern`` (a glob such as
    ``"sites/*.toml"``), sorted by path; the name is the file's stem. A pattern matching no
    file, or a file that is not a valid plan TOML, raises InputError (naming ``--sites``, or
    the file and the TOML key)."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise InputError("--sites", pattern, "a glob of site TOML files like 'sites/*.toml'")
    paths = sorted(Path(p) for p in globlib.glob(pattern) if Path(p).is_file())
    if not paths:
        raise InputError("--sites", pattern, "a glob matching at least one site TOML file")
    return _as_pairs(paths)


def _in_memory(name: str, cfg: Any) -> Any:
    """The config with its data read here and carried in memory (a SiteSummary when the data
    cannot be read)."""
    from staffing.sites.sweep import in_memory

    try:
        return in_memory(cfg)
    except (InputError, OSError) as exc:
        return SiteSummary(name, "bad_input", reason=" ".join(str(exc).split()))


def run_sites(
    sites: Sequence[SiteInput] | Iterable[SiteInput],
    *,
    out_dir: str | Path | None = None,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    outputs: Outputs | None = None,
    plots: bool = False,
    time_limit_s: float | None = None,
    keep_results: bool = False,
    progress: Callable[[BatchProgress], None] | None = None,
    cancel: threading.Event | None = None,
    on_client: Callable[[Any], None] | None = None,
    biggest_first: bool = True,
) -> SitesResult:
    """Plan every site on a Dask cluster; see the module docs.

    Parameters
    ----------
    sites:
        SiteSpecs, ``(name, PlanConfig)`` pairs, PlanConfigs or TOML paths.
    out_dir:
        Batch folder: each site's files go to ``out_dir/<site>/`` and the table to
        ``out_dir/sites.csv``; None writes nothing.
    client, scheduler, workers:
        A connected :class:`distributed.Client`; else an existing scheduler's address
        (``tcp://host:8786``); else a new ``LocalCluster`` of ``workers`` processes (default:
        the CPU count).
    outputs:
        ``"worker"`` (workers write into ``out_dir``: a local cluster or a shared disk),
        ``"client"`` (workers send the files back, written here) or ``"none"``; default
        ``"worker"`` on a local cluster, ``"client"`` with a scheduler address or client.
    plots, time_limit_s, keep_results:
        Write the PNGs; override every site's solver time limit (s); return each full
        :class:`~staffing.pipeline.PlanResult` in ``SiteSummary.result``.
    progress, cancel:
        Called with :class:`~staffing.sites.fanout.BatchProgress`; set ``cancel`` to stop
        (the unfinished sites come back ``cancelled``).
    on_client:
        Called with the client once connected (e.g. to show the dashboard link).
    biggest_first:
        Submit the sites by estimated cost, biggest first (:func:`~staffing.sites.cost.
        plan_cost`: shortens the tail of a batch); False keeps the given order.
    """
    from staffing.sites.cluster import dashboard_link, open_client

    if outputs is None:
        outputs = "worker" if client is None and scheduler is None else "client"
    if outputs not in OUTPUTS:
        raise InputError("outputs", outputs, f"one of {list(OUTPUTS)}")
    pairs = _as_pairs(sites)
    if not pairs:
        raise InputError("sites", [], "at least one site")
    prepared = [(n, _in_memory(n, c)) for n, c in pairs]
    out = str(Path(out_dir).resolve()) if out_dir is not None else None
    jobs = [(n, SiteJob(n, c, out, outputs, plots, time_limit_s, keep_results))
            for n, c in prepared if not isinstance(c, SiteSummary)]

    def failure(name: str, status: str, reason: str) -> SiteSummary:
        return SiteSummary(name, status, reason=reason)

    def run(cl: Any) -> SitesResult:
        if on_client is not None:
            on_client(cl)
        t0 = time.perf_counter()
        interrupted = False
        try:
            done = fan_out(cl, plan_site, jobs, failure=failure, ok=lambda s: s.ok,
                           progress=progress, cancel=cancel, prefix="site",
                           priorities=[plan_cost(job.config) for _, job in jobs]
                           if biggest_first else None)
        except BatchInterrupted as exc:
            done, interrupted = list(exc.results), True
        by_name = {s.site: s for s in done}
        summaries = [by_name.get(n, c) if not isinstance(c, SiteSummary) else c
                     for n, c in prepared]
        summaries = [s if isinstance(s, SiteSummary) else failure(n, "cancelled", "not run")
                     for (n, _), s in zip(prepared, summaries, strict=True)]
        if out is not None:
            summaries = [_write_returned(s, Path(out)) for s in summaries]
        res = SitesResult(summaries, time.perf_counter() - t0, len(cl.nthreads()),
                          dashboard_link(cl), interrupted)
        if out is not None:
            res.write(out)
        return res

    if client is not None:
        return run(client)
    with open_client(scheduler, workers=workers) as cl:
        return run(cl)


def _write_returned(s: SiteSummary, out: Path) -> SiteSummary:
    """Write the files a worker sent back (``outputs="client"``) under ``out/<site>/``."""
    if not s.files:
        return s
    target = out / s.site
    for name, blob in s.files.items():
        p = target / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(blob)
    return replace(s, files={}, out=str(target))
