"""Measure what happened: actual service, plan vs actual, intraday re-forecasting."""

from staffing.review.hours_check import check_open_hours, uncovered_hours

__all__ = ["check_open_hours", "uncovered_hours"]
