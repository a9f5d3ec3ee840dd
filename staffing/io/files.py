"""Opening input files: one place that turns "not there", "a directory", "empty", "not text"
and "not CSV" into an :class:`~staffing.exceptions.InputError` naming the file.

Readers (history, call log, forecast/requirements/coverage CSVs) call :func:`read_csv_table`
instead of ``pandas.read_csv`` so a bad file is a one-line error, never a traceback.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd

from staffing.exceptions import InputError

__all__ = ["check_file", "check_text_file", "read_csv_table"]

_SNIFF_BYTES = 64 * 1024


def check_file(path: str | Path, what: str, *, field: str = "path") -> Path:
    """``path`` as a :class:`Path` if it is an existing, non-empty regular file.

    Raises :class:`InputError` naming ``field`` and the path otherwise; ``what`` says which
    file was expected (e.g. ``"call-log CSV file"``).
    """
    p = Path(path)
    if not p.exists():
        raise InputError(field, str(p), f"an existing {what}")
    if p.is_dir():
        raise InputError(field, str(p), f"a {what}, not a directory")
    if not p.is_file():
        raise InputError(field, str(p), f"a regular {what}")
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(field, str(p), f"a readable {what} ({exc.strerror})") from exc
    if size == 0:
        raise InputError(field, str(p), f"a {what} with a header and rows (the file is empty)")
    return p


def _check_text(p: Path, what: str, field: str) -> None:
    """Reject files that are not UTF-8 text (a binary file, a spreadsheet, a zip...)."""
    try:
        with p.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InputError(field, str(p), f"a readable {what} ({exc.strerror})") from exc
    if b"\x00" in head:
        raise InputError(field, str(p), f"a {what} (text), not a binary file")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the sniff boundary
            raise InputError(field, str(p), f"a UTF-8 text {what}, not a binary file "
                             f"(undecodable byte at offset {exc.start})") from exc


def check_text_file(path: str | Path, what: str, *, field: str = "path") -> Path:
    """:func:`check_file` plus: the start of the file is UTF-8 text (not a binary file)."""
    p = check_file(path, what, field=field)
    _check_text(p, what, field)
    return p


def read_csv_table(path: str | Path, what: str, *, field: str = "path",
                   require_rows: bool = True, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV file with pandas after :func:`check_text_file`.

    ``kwargs`` go to :func:`pandas.read_csv`. A file with a header but no rows is an error
    (unless ``require_rows`` is false: the caller reports it); so is one pandas cannot parse,
    named with pandas' reason.
    """
    p = check_text_file(path, what, field=field)
    try:
        frame = pd.read_csv(p, **kwargs)
    except pd.errors.EmptyDataError as exc:
        raise InputError(field, str(p), f"a {what} with a header line (found none)") from exc
    except (pd.errors.ParserError, csv.Error) as exc:
        reason = " ".join(str(exc).split())
        raise InputError(field, str(p), f"a well-formed {what} ({reason})") from exc
    except UnicodeDecodeError as exc:
        raise InputError(field, str(p), f"a UTF-8 text {what}") from exc
    except OSError as exc:
        raise InputError(field, str(p), f"a readable {what} ({exc.strerror})") from exc
    if require_rows and frame.empty:
        raise InputError(field, str(p), f"a {what} with at least one data row "
                         f"(found only the header {list(map(str, frame.columns))})")
    return frame
