"""Fan a list of tasks out over a Dask cluster and collect them with failure isolation.

:func:`fan_out` submits one future per item (``retries=1``: an exception in a task is retried
once), collects them as they complete (:class:`distributed.as_completed`), reports progress
(done / running / failed) and turns every failure into an entry of its own instead of an
exception: a task that raised after its retry (``failed``), one whose worker died
(``worker_died``, :class:`distributed.KilledWorker`), one cancelled. Setting ``cancel`` or
pressing Ctrl-C cancels every future still pending (:meth:`distributed.Client.cancel`); Ctrl-C
then raises :class:`BatchInterrupted` carrying the entries so far. With ``priorities`` the
tasks are submitted biggest first and carry their priority to the scheduler (Dask runs higher
priorities first), so the longest tasks do not form the tail of the batch (longest processing
time first). Used by the many-site runner and by scenario sweeps on a cluster.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from distributed import Client, Future, KilledWorker, as_completed

from staffing.exceptions import InputError

__all__ = ["BatchInterrupted", "BatchProgress", "fan_out"]

R = TypeVar("R")


@dataclass(frozen=True)
class BatchProgress:
    """Progress of a batch: ``total`` tasks, ``done`` (finished, failed included), ``failed``,
    ``running`` (on a worker now), ``last`` (name of the task that just finished, if any) and
    ``elapsed_s`` (s since submission)."""

    total: int
    done: int
    failed: int
    running: int
    last: str | None = None
    elapsed_s: float = 0.0


class BatchInterrupted(KeyboardInterrupt, Generic[R]):
    """Ctrl-C during :func:`fan_out`: the pending futures were cancelled; ``results`` holds
    every entry (the unfinished ones marked cancelled)."""

    def __init__(self, results: list[R]) -> None:
        super().__init__("batch cancelled")
        self.results = results


def fan_out(
    client: Client,
    fn: Callable[[Any], R],
    items: Sequence[tuple[str, Any]],
    *,
    failure: Callable[[str, str, str], R],
    ok: Callable[[R], bool],
    progress: Callable[[BatchProgress], None] | None = None,
    cancel: threading.Event | None = None,
    poll_s: float = 0.2,
    prefix: str = "staffing",
    priorities: Sequence[float] | None = None,
) -> list[R]:
    """Run ``fn(payload)`` for every ``(name, payload)`` of ``items`` on ``client``'s workers.

    ``failure(name, status, reason)`` builds the entry of a task that did not return
    (``status`` one of ``failed``, ``worker_died``, ``cancelled``); ``ok(entry)`` says whether
    an entry counts as a success in the progress. Returns the entries in the order of
    ``items``. ``progress`` is called from this thread about every ``poll_s`` seconds and
    whenever tasks finish. ``priorities`` (one finite number per item, e.g. an estimate of
    its cost) orders the submission, largest first, and is passed to the scheduler as each
    task's ``priority``; without it the tasks go in the order of ``items``.
    """
    order = _order(len(items), priorities)
    t0 = time.perf_counter()
    token = uuid.uuid4().hex[:8]
    submitted: dict[int, Future] = {}
    index: dict[str, int] = {}
    for rank, i in enumerate(order):
        name, payload = items[i]
        key = f"{prefix}-{name}-{token}"
        index[key] = i
        # Dask runs the highest priority first: the first submitted gets the highest
        extra = {} if priorities is None else {"priority": len(order) - rank}
        submitted[i] = client.submit(fn, payload, key=key, retries=1, pure=False, **extra)
    futures = [submitted[i] for i in range(len(items))]
    names = [name for name, _ in items]
    slots = _slots(client)
    out: list[R | None] = [None] * len(futures)
    failed = 0
    pending = set(index)

    def report(last: str | None = None) -> None:
        if progress is None:
            return
        running = min(_running(client, pending), slots, len(pending))
        progress(BatchProgress(len(futures), len(futures) - len(pending), failed, running,
                               last, time.perf_counter() - t0))

    def cancel_rest(reason: str) -> None:
        rest = [f for f in futures if str(f.key) in pending]
        if rest:
            client.cancel(rest)
        for f in rest:
            i = index[str(f.key)]
            out[i] = failure(names[i], "cancelled", reason)
        pending.clear()

    ac = as_completed(futures)
    report()
    try:
        while not ac.is_empty():
            if cancel is not None and cancel.is_set():
                cancel_rest("cancelled before it finished")
                break
            if not ac.has_ready():
                time.sleep(poll_s)
                report()
                continue
            for f in ac.next_batch(block=False):
                i = index[str(f.key)]
                entry = _collect(f, names[i], failure)
                out[i] = entry
                pending.discard(str(f.key))
                f.release()
                if not ok(entry):
                    failed += 1
                report(names[i])
    except KeyboardInterrupt as exc:
        cancel_rest("cancelled (interrupted)")
        raise BatchInterrupted([e for e in out if e is not None]) from exc
    report()
    return [e for e in out if e is not None]


def _order(n: int, priorities: Sequence[float] | None) -> list[int]:
    """Submission order: the items' order, or by priority, highest first (ties keep the
    items' order)."""
    if priorities is None:
        return list(range(n))
    if len(priorities) != n:
        raise InputError("priorities", len(priorities), f"one number per task ({n})")
    for p in priorities:
        if not isinstance(p, (int, float)) or isinstance(p, bool) or not math.isfinite(p):
            raise InputError("priorities", p, "a finite number per task")
    return sorted(range(n), key=lambda i: -float(priorities[i]))


def _collect(f: Future, name: str, failure: Callable[[str, str, str], R]) -> R:
    if f.status == "finished":
        return f.result()  # type: ignore[no-any-return]
    if f.status == "cancelled":
        return failure(name, "cancelled", "cancelled before it finished")
    exc = f.exception()
    if isinstance(exc, KilledWorker):
        return failure(name, "worker_died",
                       "the worker running it died; retried once, then given up")
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return failure(name, "failed", f"{text} (after one retry)")


def _slots(client: Client) -> int:
    """Threads of the cluster's workers (tasks that can run at once)."""
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:  # noqa: BLE001 - progress is informative only
        return 1


def _running(client: Client, pending: set[str]) -> int:
    """Tasks of this batch assigned to a worker right now (asks the scheduler; a worker's
    queue counts too, hence the cap at the thread count by the caller)."""
    if not pending:
        return 0
    try:
        processing = client.processing()
    except Exception:  # noqa: BLE001 - progress is informative only
        return 0
    return sum(1 for keys in processing.values() for k in keys if k in pending)
