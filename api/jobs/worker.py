"""Bounded worker pool: each running job in its own child process, never on the event loop.

``max_concurrent_solves`` threads take jobs in submission order; each runs its job in a child
process (:mod:`api.jobs.child`) and relays the child's progress to the store. A cancel (from
this server's ``DELETE`` at once, or one recorded in the database by another server within
``poll_s``) is passed to the child; a child that has not returned within ``cancel_grace_s``
(a build or presolve that does not poll) is ended, so cancel takes effect within a second at
any model size. A job that runs past its time limit plus ``job_overhead_s`` is stopped the same
way (the build counts against the limit).

A heartbeat thread refreshes this server's running jobs every ``heartbeat_s`` and fails running
jobs of servers whose heartbeat is older than ``orphan_after_s`` (they died); it also picks up
jobs queued on a server that died before it started them.

Restart policy (README): on a graceful shutdown running jobs are stopped and put back to
``queued``, so they run again after the next start; after a crash their heartbeat stops and
they are failed with :data:`api.jobs.store.RESTART_REASON` (by whichever server on the
database notices first: a job that crashed a server must not crash it again in a loop), and
queued jobs resume.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from typing import Any

from api.jobs.child import context, run_child, warm_up
from api.jobs.context import Outcome
from api.jobs.models import Job, JobStatus
from api.jobs.runners import INTERNAL
from api.jobs.store import JobStore

log = logging.getLogger("api.jobs")


@dataclass(frozen=True)
class PoolOptions:
    """Timing of the pool (seconds) and the per-job memory cap (MiB, None: none)."""

    heartbeat_s: float = 5.0
    orphan_after_s: float = 60.0
    cancel_grace_s: float = 0.7
    poll_s: float = 0.25
    job_overhead_s: float = 120.0
    max_job_memory_mb: int | None = None


@dataclass
class _Running:
    cancel: threading.Event = field(default_factory=threading.Event)
    user_cancel: bool = False


def budget_s(job: Job, overhead_s: float) -> float:
    """Wall seconds a job may run before the server stops it: its solves' time limits
    (one per scenario and curve point for scenario jobs, one per site for site batches) plus
    ``overhead_s``."""
    solves = 1
    if job.kind == "scenarios":
        req = job.request or {}
        solves = (len(req.get("scenarios", [])) + int(req.get("include_base", True))
                  + len(req.get("curve") or []))
    elif job.kind == "sites":  # one solve per site (more when a cluster runs them at once)
        solves = len((job.request or {}).get("sites", []))
    return job.time_limit_s * max(solves, 1) + overhead_s


class WorkerPool:
    """Runs queued jobs of a :class:`JobStore` in a bounded pool of job processes."""

    def __init__(self, store: JobStore, max_workers: int,
                 options: PoolOptions | None = None) -> None:
        self.store = store
        self.max_workers = max_workers
        self.options = options or PoolOptions()
        self._executor = ThreadPoolExecutor(max_workers=max_workers,
                                            thread_name_prefix="staffing-solve")
        self._lock = threading.Lock()
        self._running: dict[str, _Running] = {}
        self._futures: set[Future[None]] = set()
        self._submitted: set[str] = set()
        self._closing = False
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._heartbeat_loop, name="staffing-heartbeat",
                                      daemon=True)
        self._beat.start()
        self._warm = threading.Thread(target=self._warm_up, name="staffing-warmup",
                                      daemon=True)
        self._warm.start()

    def _warm_up(self) -> None:
        try:
            warm_up()
        except Exception:  # the first job will start the fork server itself
            log.exception("starting the job fork server failed")

    @property
    def running(self) -> int:
        """Jobs running in this process."""
        with self._lock:
            return len(self._running)

    def submit(self, job_id: str) -> None:
        """Queue a job id for execution."""
        if self._closing:
            return
        with self._lock:
            self._submitted.add(job_id)
        fut = self._executor.submit(self._run, job_id)
        with self._lock:
            self._futures.add(fut)
        fut.add_done_callback(self._forget)

    def _forget(self, fut: Future[None]) -> None:
        with self._lock:
            self._futures.discard(fut)

    def cancel(self, job_id: str) -> None:
        """Stop the job if it runs in this process."""
        with self._lock:
            run = self._running.get(job_id)
        if run is not None:
            run.user_cancel = True
            run.cancel.set()

    # ------------------------------------------------------------------ heartbeat
    def _heartbeat_loop(self) -> None:
        opts = self.options
        while not self._stop.wait(opts.heartbeat_s):
            try:
                self.store.heartbeat()
                self.store.fail_orphans(opts.orphan_after_s)
                for job_id in self.store.orphaned_queued(opts.orphan_after_s):
                    with self._lock:
                        known = job_id in self._submitted
                    if not known:  # queued on a server that died before running it
                        self.submit(job_id)
            except Exception:  # the database may be briefly unavailable
                log.exception("heartbeat failed")

    # ------------------------------------------------------------------ one job
    def _run(self, job_id: str) -> None:
        self._warm.join()  # jobs stay queued (cancelled at once) until the fork server is up
        if self._closing or not self.store.claim(job_id):
            return  # cancelled while queued, or taken by another server
        job = self.store.get(job_id)
        if job is None:  # pragma: no cover - deleted underneath
            return
        run = _Running()
        if job.cancel_requested:
            run.user_cancel = True
            run.cancel.set()
        with self._lock:
            self._running[job_id] = run
        try:
            outcome, last = self._supervise(job, run)
        except Exception:
            log.exception("job %s: supervising its process failed", job_id)
            outcome, last = Outcome(JobStatus.FAILED, error=(INTERNAL, None)), {}
        finally:
            with self._lock:
                self._running.pop(job_id, None)
        if outcome.status is JobStatus.CANCELLED and self._closing and not run.user_cancel:
            self.store.requeue(job_id)
            log.info("job %s interrupted by shutdown and re-queued", job_id)
            return
        try:
            self.store.finish(job_id, outcome.status, result=outcome.result, error=outcome.error,
                              artifacts=outcome.artifacts, notes=outcome.notes,
                              progress=last or None)
        except Exception:  # e.g. a result too large for the database column
            log.exception("storing the result of job %s failed", job_id)
            self.store.finish(job_id, JobStatus.FAILED, error=(INTERNAL, None))

    def _supervise(self, job: Job, run: _Running) -> tuple[Outcome, dict[str, Any]]:
        """Run ``job`` in a child process until it sends its outcome, relaying progress and
        cancels; end the process when it does not stop within the grace period."""
        opts = self.options
        mp = context()
        parent, child = mp.Pipe()
        proc = mp.Process(target=run_child, name=f"staffing-job-{job.id[:8]}", daemon=True,
                          args=(job.kind, job.request, job.id, job.time_limit_s, child,
                                opts.max_job_memory_mb))
        if run.cancel.is_set():
            return Outcome(JobStatus.CANCELLED), {}
        proc.start()
        child.close()
        t0 = time.monotonic()
        deadline = t0 + budget_s(job, opts.job_overhead_s)
        last: dict[str, Any] = {}
        notes: list[str] = []
        asked_at: float | None = None
        next_poll = t0 + opts.poll_s
        try:
            while True:
                if parent.poll(0.05):
                    try:
                        msg = parent.recv()
                    except (EOFError, OSError):
                        msg = None
                    if msg is None:
                        pass
                    elif msg[0] == "progress":
                        last = msg[1]
                        if self.store.set_progress(job.id, last):
                            run.user_cancel = True
                            run.cancel.set()
                        continue
                    else:
                        outcome: Outcome = msg[1]
                        outcome.notes = [*outcome.notes, *notes]
                        return outcome, msg[2] or last
                now = time.monotonic()
                if not proc.is_alive() and not parent.poll():
                    return self._died(proc.exitcode, asked_at, notes), last
                if now >= next_poll:
                    next_poll = now + opts.poll_s
                    if not run.cancel.is_set() and self.store.cancel_requested(job.id):
                        run.user_cancel = True
                        run.cancel.set()
                if now >= deadline and not run.cancel.is_set():
                    notes.append(f"stopped by the server after {now - t0:.0f} s: past the "
                                 f"job's time limit ({job.time_limit_s:g} s per solve) plus "
                                 f"{opts.job_overhead_s:g} s")
                    run.user_cancel = True
                    run.cancel.set()
                if run.cancel.is_set() and asked_at is None:
                    asked_at = now
                    log.info("job %s: cancel sent to its process", job.id)
                    with contextlib.suppress(BrokenPipeError, OSError):
                        parent.send("cancel")
                if asked_at is not None and now - asked_at >= opts.cancel_grace_s:
                    proc.kill()
                    proc.join(5)
                    log.info("job %s: process ended %.2f s after the cancel", job.id,
                             time.monotonic() - asked_at)
                    notes.append(f"the job's process did not stop within "
                                 f"{opts.cancel_grace_s:g} s of the cancel (model build or "
                                 f"presolve) and was ended; no result kept")
                    return Outcome(JobStatus.CANCELLED, notes=notes), last
        finally:
            parent.close()
            if proc.is_alive():
                proc.kill()
            proc.join(5)

    @staticmethod
    def _died(exitcode: int | None, asked_at: float | None, notes: list[str]) -> Outcome:
        if asked_at is not None:
            return Outcome(JobStatus.CANCELLED, notes=notes)
        log.error("job process ended unexpectedly (exit code %s)", exitcode)
        hint = " (killed: possibly out of memory)" if exitcode == -9 else ""
        return Outcome(JobStatus.FAILED, notes=notes, error=(
            f"the job's process ended unexpectedly, exit code {exitcode}{hint}", None))

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Stop taking jobs, stop running ones (they are re-queued) and wait up to
        ``timeout_s`` for the worker threads to store their state."""
        self._closing = True
        self._stop.set()
        with self._lock:
            runs = list(self._running.values())
            futures = list(self._futures)
        for run in runs:
            run.cancel.set()
        self._executor.shutdown(wait=False, cancel_futures=True)
        if futures:
            wait_futures(futures, timeout=timeout_s)
