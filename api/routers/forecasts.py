"""``POST /v1/forecasts``: history (JSON rows or an uploaded CSV) -> interval forecast."""

from __future__ import annotations

import io
from typing import Any

import anyio.to_thread
import pandas as pd
from fastapi import APIRouter, Request

from api import convert
from api.deps import ApiKeyDep, SettingsDep
from api.routers._common import (
    ERRORS,
    StrictJSONRoute,
    is_multipart,
    json_body,
    read_upload,
    validate,
)
from api.schemas import ForecastCreate, ForecastInterval, ForecastParams, ForecastPublic
from staffing.exceptions import InputError

router = APIRouter(prefix="/v1/forecasts", tags=["forecasts"], route_class=StrictJSONRoute)

MULTIPART_SCHEMA = {
    "type": "object",
    "required": ["tz", "history"],
    "properties": {
        "history": {"type": "string", "format": "binary",
                    "description": "History CSV: interval_start, calls[, aht_s, abandoned]"},
        "tz": {"type": "string", "minLength": 1, "maxLength": 64},
        "freq": {"type": "string", "maxLength": 16},
        "start": {"type": "string", "format": "date"},
        "days": {"type": "integer", "minimum": 1, "maximum": 28},
        "level": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "model": {"type": "string", "maxLength": 40},
    },
}


def _limiter(request: Request) -> anyio.CapacityLimiter:
    """Forecasts are CPU-heavy (backtests): at most ``max_concurrent_forecasts`` at once."""
    return request.app.state.forecast_limiter


def _run(history: pd.DataFrame, params: ForecastCreate | ForecastParams) -> ForecastPublic:
    from staffing.forecast import forecast

    kwargs: dict[str, Any] = {"start": params.start, "days": params.days,
                              "level": params.level, "model": params.model}
    if isinstance(params, ForecastCreate):
        kwargs["models"] = params.models
        kwargs["open_hours"] = convert.open_hours(params.open_hours)
    res = forecast(history, **kwargs)
    rows = [ForecastInterval.model_validate(r) for r in convert.frame_rows(
        res.frame, ("calls", "calls_lower", "calls_upper", "aht_s"))]
    return ForecastPublic(model=res.model, summary=res.summary(), intervals=rows,
                          notes=list(res.notes))


def _from_json(body: ForecastCreate) -> ForecastPublic:
    hist = convert.history_frame(body.history, tz=body.tz, freq=body.freq, source="history",
                                 warn_gaps=False)
    return _run(hist, body)


def _from_csv(text: str, params: ForecastParams) -> ForecastPublic:
    from staffing.io import validate_history

    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                          skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError) as exc:
        raise InputError("history", "unparseable CSV", f"a CSV file ({exc})") from exc
    hist = validate_history(raw, tz=params.tz, freq=params.freq, source="history.csv",
                            warn_gaps=False)
    return _run(hist, params)


@router.post(
    "",
    response_model=ForecastPublic,
    responses=ERRORS,
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/ForecastCreate"}},
        "multipart/form-data": {"schema": MULTIPART_SCHEMA},
    }}},
)
async def create_forecast(request: Request, _: ApiKeyDep, settings: SettingsDep) -> ForecastPublic:
    """Forecast offered calls (with a prediction interval) and AHT per interval.

    Send either JSON (:class:`ForecastCreate`: ``tz``, ``history`` rows, ``days``...) or
    ``multipart/form-data`` with the history CSV in the ``history`` file part and ``tz``,
    ``days``, ``start``, ``level``, ``freq``, ``model`` as form fields. The model is chosen by
    a rolling-origin backtest on the history (at least 7 days are needed). At most
    ``STAFFING_MAX_CONCURRENT_FORECASTS`` forecasts are computed at once; others wait.
    """
    if is_multipart(request):
        form = await request.form(max_files=2, max_fields=20)
        text = await read_upload(form, "history", settings.max_body_bytes)
        fields = {k: v for k, v in form.items() if isinstance(v, str) and k != "history"}
        params = validate(ForecastParams, fields)
        return await anyio.to_thread.run_sync(_from_csv, text, params, limiter=_limiter(request))
    body = validate(ForecastCreate, await json_body(request))
    return await anyio.to_thread.run_sync(_from_json, body, limiter=_limiter(request))
