"""What a running job sees and returns: :class:`JobContext` (limit, cancel event, progress
sink) and :class:`Outcome` (status, result, files, notes, error)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from api import convert
from api.jobs.models import JobStatus

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {".csv": CSV, ".json": "application/json", ".ics": "text/calendar",
               ".xlsx": XLSX, ".png": "image/png", ".parquet": "application/vnd.apache.parquet",
               ".zip": "application/zip", ".txt": "text/plain; charset=utf-8"}


def media_type(name: str) -> str:
    """MIME type of an output file name (by suffix)."""
    dot = name.rfind(".")
    return MEDIA_TYPES.get(name[dot:].lower() if dot >= 0 else "", "application/octet-stream")


SOLVER_KEYS = ("incumbent", "bound", "gap")


class Cancelled(Exception):
    """Raised at a plan stage boundary when the job was cancelled."""


@dataclass
class Outcome:
    """Result of running a job (picklable: it crosses from the job's process to the server)."""

    status: JobStatus
    result: dict[str, Any] | None = None
    artifacts: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: tuple[str, str | None] | None = None


@dataclass
class JobContext:
    """What a running job may use: limits, the cancel event and a progress sink."""

    job_id: str
    time_limit_s: float
    cancel: threading.Event
    sink: Callable[[dict[str, Any]], bool]  # store progress; True when cancel was requested
    started: float = field(default_factory=time.perf_counter)
    user_cancel: bool = False
    last: dict[str, Any] = field(default_factory=dict)
    _written: float = 0.0

    def report(self, progress: Mapping[str, Any], *, force: bool = False) -> None:
        """Keep the latest progress (solver numbers survive stage events that carry none);
        hand it to the sink at most twice a second."""
        last = self.last
        if "stage" in progress and progress["stage"] != last.get("stage"):
            last = {k: v for k, v in last.items() if k not in SOLVER_KEYS}  # a new stage
        merged = {**last, **{k: v for k, v in progress.items() if v is not None}}
        for key in ("detail", "stage"):
            if key in progress:
                merged[key] = progress[key]
        merged["elapsed_s"] = round(time.perf_counter() - self.started, 3)
        self.last = merged
        now = time.perf_counter()
        if not force and now - self._written < 0.5:
            return
        self._written = now
        if self.sink(self.last):  # cancel requested (possibly through another process)
            self.user_cancel = True
            self.cancel.set()

    def on_solve(self, p: Any) -> None:
        """``staffing.roster.SolveProgress`` callback."""
        self.report({"incumbent": convert.num(p.objective), "bound": convert.num(p.bound),
                     "gap": convert.num(p.gap)})
