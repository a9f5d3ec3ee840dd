"""The Dask cluster a batch runs on: a ``LocalCluster`` by default, or an existing scheduler.

:func:`open_client` gives a connected :class:`distributed.Client` (and closes what it started):

* no address: a ``LocalCluster`` of ``workers`` processes (default: the machine's cores), one
  thread each (one HiGHS solve per core), on loopback, the dashboard on a free port when
  ``bokeh`` is installed (else off);
* ``tcp://host:8786`` (or ``tls://``, ``ws://``, ``inproc://``): that scheduler's workers.

Every worker gets :class:`WorkerSafety` (a worker plugin): BLAS/OpenMP thread pools held to one
thread (``threadpoolctl``; the environment variables too, for child processes) and `staffing`
warnings kept out of the worker's log (each task collects its own with
:func:`staffing.exceptions.collect_warnings`). A local scheduler retries a task whose worker
died once (``distributed.scheduler.allowed-failures = 1``), then reports it; an external
scheduler keeps its own setting.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import warnings
from collections.abc import Iterator
from typing import Any

from distributed import Client, LocalCluster, WorkerPlugin

from staffing.exceptions import InputError, StaffingWarning

__all__ = ["BLAS_VARS", "WorkerSafety", "check_address", "dashboard_link", "open_client"]

BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
"""Thread-count variables set to 1 on workers."""

_ADDRESS = re.compile(r"^(tcp|tls|ws|wss)://[A-Za-z0-9._\-\[\]:]+:\d{1,5}$|^inproc://\S+$")


class WorkerSafety(WorkerPlugin):
    """Per-process safety on a worker: one BLAS/OpenMP thread, `staffing` warnings not printed
    (they are collected per task). HiGHS is held to one thread per task by the task itself;
    its process-wide scheduler is released when the worker closes."""

    name = "staffing-worker-safety"
    idempotent = True

    def __init__(self) -> None:
        self._limits: Any = None

    def setup(self, worker: Any) -> None:  # noqa: ARG002 - the plugin interface
        from threadpoolctl import threadpool_limits

        for var in BLAS_VARS:
            os.environ[var] = "1"
        self._limits = threadpool_limits(limits=1)
        warnings.filterwarnings("ignore", category=StaffingWarning)

    def teardown(self, worker: Any) -> None:  # noqa: ARG002
        if self._limits is not None:
            self._limits.restore_original_limits()
        highspy = sys.modules.get("highspy")
        if highspy is not None:  # HiGHS's scheduler threads otherwise hold the exit ~4 s
            with contextlib.suppress(Exception):
                highspy.Highs.resetGlobalScheduler(True)


def check_address(address: str, *, field: str = "scheduler") -> str:
    """``address`` if it looks like a Dask scheduler address, else InputError naming
    ``field``."""
    if not isinstance(address, str) or not _ADDRESS.match(address.strip()):
        raise InputError(field, address, "a Dask scheduler address like tcp://host:8786")
    return address.strip()


_NO_DASHBOARD: set[str] = set()  # local clusters started here without the dashboard


def dashboard_link(client: Client) -> str | None:
    """The Dask dashboard URL, or None when the cluster has no dashboard."""
    if client.scheduler is not None and client.scheduler.address in _NO_DASHBOARD:
        return None
    try:
        info = client.scheduler_info()
    except Exception:  # noqa: BLE001 - an informative extra only
        return None
    if "dashboard" not in info.get("services", {}):
        return None
    return str(client.dashboard_link)


def _has_bokeh() -> bool:
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True


@contextlib.contextmanager
def open_client(scheduler: str | None = None, *, workers: int | None = None,
                dashboard: bool = True, connect_timeout_s: float = 10.0,
                field: str = "scheduler", processes: bool = True) -> Iterator[Client]:
    """A connected client: to ``scheduler`` or to a new local cluster of ``workers``
    single-threaded processes (default: the CPU count; ``processes=False``: threads of this
    process, which end with it); closed (and the local cluster shut down) on exit. Bad
    addresses and unreachable schedulers raise InputError naming ``field``."""
    import dask

    if scheduler is not None:
        if workers is not None:
            raise InputError("workers", workers, "no worker count with an existing scheduler "
                             "(its workers are started apart)")
        address = check_address(scheduler, field=field)
        try:
            client = Client(address, timeout=f"{connect_timeout_s}s")
        except (OSError, TimeoutError) as exc:
            raise InputError(field, address, f"a reachable Dask scheduler ({exc})") from exc
        try:
            client.register_plugin(WorkerSafety())
            yield client
        finally:
            client.close()
        return
    n = (os.cpu_count() or 1) if workers is None else workers
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 512:
        raise InputError("workers", workers, "a whole number of worker processes in [1, 512]")
    show = dashboard and _has_bokeh()
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        # without a dashboard the scheduler still serves health routes: on a free port
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                               host="127.0.0.1" if processes else None,  # inproc: none
                               dashboard_address="127.0.0.1:0",
                               scheduler_kwargs={"dashboard": show})
    if not show:
        _NO_DASHBOARD.add(cluster.scheduler_address)
    try:
        client = Client(cluster)
        try:
            client.register_plugin(WorkerSafety())
            yield client
        finally:
            client.close()
    finally:
        _NO_DASHBOARD.discard(cluster.scheduler_address)
        cluster.close()
