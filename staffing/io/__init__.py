"""The file edge: history files, call logs, configs and exports.

This is the only place timestamps are parsed and localised.
"""

from staffing.io.calllog import CallLog, read_call_log
from staffing.io.history import (
    HISTORY_COLUMNS,
    find_gaps,
    history_queues,
    read_history,
    split_history,
    validate_history,
    warn_gaps,
    write_history,
)
from staffing.io.plandata import DataKind, PlanData, as_plan_data, read_plan_data

__all__ = [
    "HISTORY_COLUMNS",
    "CallLog",
    "DataKind",
    "PlanData",
    "as_plan_data",
    "find_gaps",
    "history_queues",
    "read_call_log",
    "read_history",
    "read_plan_data",
    "split_history",
    "validate_history",
    "warn_gaps",
    "write_history",
]
