"""``POST /v1/requirements``: forecast volume + goals -> agents per interval (synchronous)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Response

from api import convert
from api.deps import ApiKeyDep
from api.routers._common import ERRORS, StrictJSONRoute
from api.schemas import RequirementsCreate, RequirementsPublic

router = APIRouter(prefix="/v1/requirements", tags=["requirements"],
                   route_class=StrictJSONRoute)

COLUMNS = ("calls", "aht_s", "erlangs", "agents_net", "agents_required", "service_level",
           "asa_s", "occupancy", "abandon_rate")


@router.post("", response_model=RequirementsPublic, responses=ERRORS)
def create_requirements(body: RequirementsCreate, _: ApiKeyDep) -> Response:
    """Erlang C (or A with ``goals.patience_s``) staffing per interval: ``agents_net`` on the
    phone, ``agents_required`` on the floor (shrinkage and the open-hours floor applied), and
    the predicted service level, ASA and occupancy at ``agents_net``. Runs in milliseconds for
    a week of 15-minute intervals, so it answers synchronously (response:
    :class:`RequirementsPublic`)."""
    from staffing.requirements import compute_requirements

    goals = convert.goals(body.goals)
    frame = convert.history_frame(body.forecast, tz=body.tz, freq=body.freq, source="forecast",
                                  warn_gaps=False)
    if "aht_s" not in frame.columns:
        frame["aht_s"] = float("nan")
    req = compute_requirements(frame, goals, open_hours=convert.open_hours(body.open_hours),
                               freq=frame.attrs.get("freq"))
    hours = req.attrs["freq"].total_seconds() / 3600
    summary = {
        "intervals": len(req),
        "freq_min": req.attrs["freq"].total_seconds() / 60,
        "model": "erlang_a" if goals.uses_erlang_a else "erlang_c",
        "total_calls": float(req["calls"].sum()),
        "peak_agents_required": int(req["agents_required"].max()),
        "agent_hours_required": float(req["agents_required"].sum() * hours),
        "agent_hours_net": float(req["agents_net"].sum() * hours),
    }
    # Serialised directly (pandas' encoder): a week is 672 rows, and building then
    # re-validating 672 response models would dominate the request time.
    body_json = (f'{{"intervals":{convert.records_json(req, COLUMNS)},'
                 f'"summary":{json.dumps(summary)}}}')
    return Response(body_json, media_type="application/json")
