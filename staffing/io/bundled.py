"""The bundled Anonymous Bank data and example configs, wherever `staffing` is installed.

A wheel (``pip install .``) carries them as the package ``staffing.data`` (mapped from the
repository's ``data/`` folder in ``setup.py``); an editable install (``make install``) reads
them from ``data/`` beside the package. :func:`bundled_path` finds either.
"""

from __future__ import annotations

from pathlib import Path

from staffing.exceptions import StaffingError

__all__ = ["BUNDLED_FILES", "bundled_dir", "bundled_path"]

BUNDLED_FILES = ("anonymous_bank_feb1999_calls.csv", "anonymous_bank_15min.csv", "plan.toml",
                 "roster_example.toml", "scenarios.toml", "README.md",
                 "queues_bank.toml", "queues_center.toml", "center_history.csv")
"""Files every install has (``pyproject.toml`` ships ``data/*.csv|toml|md``)."""

_PACKAGE = Path(__file__).resolve().parent.parent


def bundled_dir() -> Path:
    """The folder holding the bundled files (installed ``staffing/data`` or the repo's
    ``data/``)."""
    for d in (_PACKAGE / "data", _PACKAGE.parent / "data"):
        if (d / "plan.toml").is_file():
            return d
    raise StaffingError(f"the bundled data is missing: neither {_PACKAGE / 'data'} nor "
                        f"{_PACKAGE.parent / 'data'} holds plan.toml (reinstall staffing)")


def bundled_path(name: str) -> Path:
    """Path of one bundled file, e.g. ``bundled_path("plan.toml")``."""
    p = bundled_dir() / name
    if not p.is_file():
        raise StaffingError(f"{name} is not a bundled file (have: {', '.join(BUNDLED_FILES)})")
    return p
