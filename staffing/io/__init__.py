"""The file edge: history files, call logs, configs and exports.

This is the only place timestamps are parsed and localised.
"""

from staffing.io.calllog import CallLog, read_call_log
from staffing.io.history import (
    HISTORY_COLUMNS,
    find_gaps,
    read_history,
    validate_history,
    write_history,
)

__all__ = [
    "HISTORY_COLUMNS",
    "CallLog",
    "find_gaps",
    "read_call_log",
    "read_history",
    "validate_history",
    "write_history",
]
