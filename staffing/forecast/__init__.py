"""Forecast offered calls and handle time per interval (``staffing.forecast``).

``forecast(history, days=7)`` scores every registered model by a rolling-origin backtest on the
history itself, refits the best on all data and returns a :class:`ForecastResult` with
``calls, calls_lower, calls_upper, aht_s`` per interval of the target grid. Models live in
:mod:`staffing.forecast.models` (``seasonal_naive``, ``historical_average``, ``poisson_glm``,
``holt_winters``, ``ensemble``); add one with :func:`register_model`.
"""

from staffing.forecast import daylevel as _daylevel  # noqa: F401  (registers its models)
from staffing.forecast.calendar import CalendarConfig
from staffing.forecast.core import forecast
from staffing.forecast.models import (
    MODELS,
    ForecastModel,
    ModelError,
    available_models,
    register_model,
)
from staffing.forecast.result import BacktestConfig, ForecastResult, SpecialDays
from staffing.forecast.sanity import ForecastSanityWarning, SanityConfig
from staffing.forecast.selection import COMBOS

__all__ = [
    "MODELS",
    "COMBOS",
    "BacktestConfig",
    "CalendarConfig",
    "ForecastSanityWarning",
    "ForecastModel",
    "ForecastResult",
    "ModelError",
    "SanityConfig",
    "SpecialDays",
    "available_models",
    "forecast",
    "register_model",
]
