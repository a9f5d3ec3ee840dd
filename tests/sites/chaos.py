"""Tasks that kill their worker process, for the worker-death tests (shipped to the workers
by value with cloudpickle, so the workers need not import the tests package)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def die_once(arg: tuple[str, Any]) -> Any:
    """Kill this worker process on the first attempt (a marker file tells), then plan."""
    from staffing.sites.task import plan_site

    marker, job = arg
    if not Path(marker).exists():
        Path(marker).write_text(str(os.getpid()))
        os._exit(1)
    return plan_site(job)


def always_die(arg: tuple[str, Any]) -> Any:
    """Kill the worker process every time (counting attempts in the marker file)."""
    marker, _job = arg
    p = Path(marker)
    p.write_text(p.read_text() + "x" if p.exists() else "x")
    os._exit(1)
