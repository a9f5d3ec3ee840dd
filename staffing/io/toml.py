"""Reading TOML config files with uniform errors."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


def read_toml(path: str | Path, field: str = "config") -> dict[str, Any]:
    """Parse a TOML file; a missing, unreadable or malformed file raises ``InputError(field)``."""
    from staffing.exceptions import InputError

    p = Path(path)
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise InputError(field, str(p), "an existing TOML file") from exc
    except IsADirectoryError as exc:
        raise InputError(field, str(p), "a TOML file, not a directory") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(field, str(p), f"valid TOML ({exc})") from exc
