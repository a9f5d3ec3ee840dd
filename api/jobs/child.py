"""The job's own process: one child process per running job.

The worker thread of the server (:mod:`api.jobs.worker`) starts a child with
:func:`run_child` and talks to it over a pipe: the child sends ``("progress", dict)`` at most
twice a second and finally ``("outcome", Outcome)``; the server sends ``"cancel"``. Running the
build and the solve in a child means:

- a cancel takes effect at once even where HiGHS or Pyomo do not poll for it (model build,
  presolve): the server asks the child to stop, and ends the process when it has not returned
  within ``cancel_grace_s``;
- the memory of the model is returned to the system when the job ends (the process exits),
  and can be capped (``max_job_memory_mb``, an address-space limit on the child);
- a crash of the solver ends the job's process, not the server.

Children are forked from a fork server that has imported the library once
(``multiprocessing`` "forkserver" start method), so starting one costs milliseconds and is
safe in a threaded server.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import threading
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import Any

PRELOAD = ["api.jobs.child", "api.jobs.runners", "staffing.pipeline", "staffing.roster",
           "staffing.scenario", "staffing.io.export", "pyomo.environ", "highspy"]

_CONTEXT: Any = None
_LOCK = threading.Lock()


def context() -> Any:
    """The multiprocessing context of job processes (forkserver, library preloaded)."""
    global _CONTEXT
    with _LOCK:
        if _CONTEXT is None:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods
                                              else "spawn")
            if hasattr(ctx, "set_forkserver_preload"):
                ctx.set_forkserver_preload(PRELOAD)
            _CONTEXT = ctx
        return _CONTEXT


def _noop() -> None:
    """Target of the warm-up process."""


def warm_up() -> None:
    """Start the fork server now (it imports the library once, seconds on a busy machine),
    so the first job's process, and a cancel of it, do not wait for that."""
    proc = context().Process(target=_noop, name="staffing-job-warmup", daemon=True)
    proc.start()
    proc.join(120)


def _die_with_parent() -> None:
    """Linux: end this process when its parent (the fork server, which ends with the
    server) dies, so a killed server leaves no job running."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _limit_memory(max_mb: int | None) -> None:
    if not max_mb:
        return
    import resource

    limit = int(max_mb) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_child(kind: str, request: Mapping[str, Any], job_id: str, time_limit_s: float,
              conn: Connection, max_memory_mb: int | None = None) -> None:
    """Entry point of the job's process: run the job, report progress, send the outcome."""
    from api.jobs.context import JobContext
    from api.jobs.runners import execute

    cancel = threading.Event()
    send_lock = threading.Lock()

    def listen() -> None:
        try:
            while True:
                if conn.recv() == "cancel":
                    cancel.set()
        except (EOFError, OSError):  # the server went away: stop
            cancel.set()

    threading.Thread(target=listen, name="staffing-job-control", daemon=True).start()

    def sink(progress: dict[str, Any]) -> bool:
        with send_lock:
            conn.send(("progress", progress))
        return cancel.is_set()

    _die_with_parent()
    _limit_memory(max_memory_mb)
    ctx = JobContext(job_id, time_limit_s, cancel, sink)
    outcome = execute(kind, request, ctx)
    with send_lock:
        conn.send(("outcome", outcome, ctx.last))
    conn.close()
