"""Bounded worker pool: solves run in threads, never on the event loop.

``max_concurrent_solves`` threads take jobs in submission order. HiGHS releases the GIL while
it solves, so the API keeps answering (and the solver reports progress) while jobs run.
Cancellation is a ``threading.Event`` per running job, polled by HiGHS's interrupt callback; a
cancel recorded in the database (e.g. by another process) is picked up at the next progress
write.

Restart policy (documented in the README): on a graceful shutdown running solves are
interrupted and put back to ``queued``, so they run again after the next start; after a crash
(process killed) jobs still marked ``running`` are failed on startup with "server restarted
during solve" (a solve that crashed the server must not crash it again in a loop), and queued
jobs resume.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures

from api.jobs.context import JobContext
from api.jobs.models import JobStatus
from api.jobs.runners import INTERNAL, execute
from api.jobs.store import JobStore

log = logging.getLogger("api.jobs")


class WorkerPool:
    """Runs queued jobs of a :class:`JobStore` in a bounded thread pool."""

    def __init__(self, store: JobStore, max_workers: int) -> None:
        self.store = store
        self.max_workers = max_workers
        self._executor = ThreadPoolExecutor(max_workers=max_workers,
                                            thread_name_prefix="staffing-solve")
        self._lock = threading.Lock()
        self._running: dict[str, JobContext] = {}
        self._futures: set[Future[None]] = set()
        self._closing = False

    @property
    def running(self) -> int:
        """Jobs running in this process."""
        with self._lock:
            return len(self._running)

    def submit(self, job_id: str) -> None:
        """Queue a job id for execution."""
        if self._closing:
            return
        fut = self._executor.submit(self._run, job_id)
        with self._lock:
            self._futures.add(fut)
        fut.add_done_callback(self._forget)

    def _forget(self, fut: Future[None]) -> None:
        with self._lock:
            self._futures.discard(fut)

    def cancel(self, job_id: str) -> None:
        """Interrupt the job if it runs in this process."""
        with self._lock:
            ctx = self._running.get(job_id)
        if ctx is not None:
            ctx.user_cancel = True
            ctx.cancel.set()

    def _run(self, job_id: str) -> None:
        if self._closing or not self.store.claim(job_id):
            return  # cancelled while queued, or taken by someone else
        job = self.store.get(job_id)
        if job is None:  # pragma: no cover - deleted underneath
            return
        ctx = JobContext(job_id, job.time_limit_s, threading.Event(),
                         lambda p: self.store.set_progress(job_id, p))
        with self._lock:
            self._running[job_id] = ctx
        try:
            if job.cancel_requested:
                ctx.user_cancel = True
                ctx.cancel.set()
            outcome = execute(job.kind, job.request, ctx)
        finally:
            with self._lock:
                self._running.pop(job_id, None)
        if outcome.status is JobStatus.CANCELLED and self._closing and not ctx.user_cancel:
            self.store.requeue(job_id)
            log.info("job %s interrupted by shutdown and re-queued", job_id)
            return
        try:
            self.store.finish(job_id, outcome.status, result=outcome.result, error=outcome.error,
                              artifacts=outcome.artifacts, notes=outcome.notes,
                              progress=ctx.last or None)
        except Exception:  # e.g. a result too large for the database column
            log.exception("storing the result of job %s failed", job_id)
            self.store.finish(job_id, JobStatus.FAILED, error=(INTERNAL, None))

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Stop taking jobs, interrupt running solves (they are re-queued) and wait up to
        ``timeout_s`` for the worker threads to store their state."""
        self._closing = True
        with self._lock:
            contexts = list(self._running.values())
            futures = list(self._futures)
        for ctx in contexts:
            ctx.cancel.set()
        self._executor.shutdown(wait=False, cancel_futures=True)
        if futures:
            wait_futures(futures, timeout=timeout_s)
