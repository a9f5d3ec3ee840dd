"""Many sites and scenarios at once, on a Dask cluster (``dask.distributed``).

* :mod:`~staffing.sites.generate`: N realistic synthetic sites from a seed (sizes, opening
  hours incl. 24/7, IANA zones with DST changes, templates), in memory or as TOML + CSV files.
* :mod:`~staffing.sites.runner`: :func:`run_sites` plans every site on a cluster and returns
  the cross-site table; :func:`load_sites` reads a glob of site TOMLs.
* :mod:`~staffing.sites.cluster`: a ``LocalCluster`` or an existing scheduler, with per-worker
  safety (one BLAS thread, warnings collected per task).
* :mod:`~staffing.sites.fanout`: the futures, retries, failure isolation and cancel.
* :mod:`~staffing.sites.task`: what a worker runs (:func:`plan_site`) and its compact
  :class:`SiteSummary`.
* :mod:`~staffing.sites.sweep`: what-if scenarios on the same cluster.
"""

from staffing.sites.fanout import BatchInterrupted, BatchProgress, fan_out
from staffing.sites.generate import SiteSpec, generate_sites, write_sites
from staffing.sites.runner import SitesResult, load_sites, run_sites
from staffing.sites.task import SiteJob, SiteSummary, plan_site, summary_table

__all__ = ["BatchInterrupted", "BatchProgress", "SiteJob", "SiteSpec", "SiteSummary",
           "SitesResult", "fan_out", "generate_sites", "load_sites", "plan_site",
           "run_sites", "summary_table", "write_sites"]
