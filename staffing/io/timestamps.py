"""Timestamp parsing and localisation rules shared by every reader.

ISO 8601 with an offset is converted to the site zone; naive timestamps are localised only
when an explicit ``tz`` is given, never silently.
"""

from __future__ import annotations

import pandas as pd

from staffing.exceptions import InputError
from staffing.grid import parse_tz


def _where(source: str, pos: int) -> str:
    # Data row ``pos`` (0-based) is on line pos + 2 of a CSV with a header line.
    return f"line {pos + 2} of {source}"


def parse_timestamps(
    values: pd.Series, *, tz: str | None, field: str, source: str
) -> pd.DatetimeIndex:
    """Parse a column of timestamps into a tz-aware index in ``tz``.

    Parameters
    ----------
    values:
        Strings (ISO 8601) or datetimes.
    tz:
        Site IANA zone. Required for naive timestamps; aware ones are converted to it.
    field, source:
        Column and file name used in error messages.
    """
    if tz is not None:
        tz = parse_tz(tz)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        idx = pd.DatetimeIndex(values)
        return idx.tz_convert(tz) if tz else idx
    if pd.api.types.is_datetime64_dtype(values.dtype):
        parsed = pd.Series(pd.DatetimeIndex(values))
        naive = True
    else:
        text = values.astype("string").str.strip()
        has_offset = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True, na=False)
        if has_offset.any() and not has_offset.all():
            pos = int((~has_offset).to_numpy().argmax())
            raise InputError(
                field, values.iloc[pos], "every timestamp with a UTC offset, or none",
                _where(source, pos),
            )
        naive = not bool(has_offset.any())
        parsed = pd.to_datetime(text, errors="coerce", utc=not naive, format="ISO8601")
        bad = parsed.isna()
        if bad.any():
            pos = int(bad.to_numpy().argmax())
            raise InputError(
                field, values.iloc[pos], "an ISO 8601 timestamp like 2024-03-04T08:15:00+02:00",
                _where(source, pos),
            )
    if naive:
        if tz is None:
            raise InputError(
                "tz", None,
                f"an explicit site time zone: {field} in {source} has no UTC offset",
            )
        try:
            idx = pd.DatetimeIndex(parsed).tz_localize(tz, ambiguous="raise", nonexistent="raise")
        except Exception as exc:  # pytz/zoneinfo raise several types for DST problems
            raise InputError(
                field, str(exc), f"naive local times that exist exactly once in {tz}; "
                "use ISO 8601 with offsets around DST changes", source,
            ) from exc
        return idx
    idx = pd.DatetimeIndex(parsed)
    if tz is None:
        raise InputError("tz", None, "the site's IANA time zone to convert offsets into")
    return idx.tz_convert(tz)
