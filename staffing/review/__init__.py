"""Measure what happened: actual service, plan vs actual, accuracy over time, intraday.

- :func:`review` (``staffing review``): a past period's actual service per interval, day and
  week under stated definitions (:class:`ServiceDefinition`), beside the plan that covered it
  (:class:`PlanInputs`) with forecast accuracy and the attributed cause of every missed
  interval;
- :func:`update_accuracy_log`: forecast accuracy per week in a CSV file, plotted;
- :func:`check_open_hours`: do the configured open hours cover the hours with calls?
"""

from staffing.review.accuracy import accuracy_rows, read_accuracy_log, update_accuracy_log
from staffing.review.actuals import ServiceDefinition, actuals_from_log, aggregate
from staffing.review.hours_check import check_open_hours, uncovered_hours
from staffing.review.review import (
    PlanInputs,
    ReviewResult,
    actuals_from_history,
    goals_for,
    load_actuals,
    review,
)

__all__ = [
    "PlanInputs",
    "ReviewResult",
    "ServiceDefinition",
    "accuracy_rows",
    "actuals_from_history",
    "actuals_from_log",
    "aggregate",
    "check_open_hours",
    "goals_for",
    "load_actuals",
    "read_accuracy_log",
    "review",
    "uncovered_hours",
    "update_accuracy_log",
]
