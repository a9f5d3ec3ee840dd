"""``GET /v1/samples``: the bundled example plans as ready-to-send ``POST /v1/plans`` bodies,
and ``GET /v1/samples/{name}/files/{file}``: the example's plan TOML, agents CSV and contracts
TOML as files (the parts of ``POST /v1/agents``).

The web view's "bundled data" choice fetches one and posts it back (with the planner's
overrides), so it needs no server paths. Only the fixed names below are served; in an
installation without the source checkout's ``data/`` folder they answer 404.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field

import staffing
from api.schemas import PlanData
from staffing.io.export import jsonable

router = APIRouter(prefix="/v1/samples", tags=["samples"])

DATA_DIR = Path(staffing.__file__).resolve().parent.parent / "data"
SampleName = Literal["anonymous_bank"]
SampleFile = Literal["plan.toml", "agents.csv", "agents_contracts.toml"]
FILE_TYPES = {".toml": "application/toml", ".csv": "text/csv"}
AGENT_FILES = ("agents.csv", "agents_contracts.toml")  # named agents of the example
SAMPLES: dict[str, tuple[str, str, str]] = {
    # name: (plan TOML, data file, description)
    "anonymous_bank": ("plan.toml", "anonymous_bank_feb1999_calls.csv",
                       "Anonymous Bank (Israel) call log, February 1999; plan for Mon 1 Mar "
                       "1999 (data/plan.toml)"),
}


class SampleInfo(BaseModel):
    """A bundled example."""

    name: str
    description: str
    available: bool = Field(description="False when the data folder is not installed")
    agents: bool = Field(False, description="Named agents and contracts for POST /v1/agents "
                         "are bundled (files agents.csv, agents_contracts.toml)")


class SamplePlan(BaseModel):
    """A bundled example as a ``POST /v1/plans`` body (``config`` without ``data.path``)."""

    name: str
    description: str
    config: dict[str, Any]
    data: PlanData


def _available(name: str) -> bool:
    toml_name, data_name, _ = SAMPLES[name]
    return (DATA_DIR / toml_name).is_file() and (DATA_DIR / data_name).is_file()


@functools.lru_cache(maxsize=len(SAMPLES))
def _load(name: str) -> SamplePlan:
    toml_name, data_name, description = SAMPLES[name]
    cfg = tomllib.loads((DATA_DIR / toml_name).read_text(encoding="utf-8"))
    if isinstance(cfg.get("data"), dict):
        cfg["data"].pop("path", None)
    csv = (DATA_DIR / data_name).read_text(encoding="utf-8-sig")
    return SamplePlan(name=name, description=description, config=jsonable(cfg),
                      data=PlanData(filename=data_name, csv=csv))


@router.get("", response_model=list[SampleInfo])
def list_samples() -> list[SampleInfo]:
    """The bundled examples and whether their files are installed."""
    return [SampleInfo(name=n, description=d, available=_available(n),
                       agents=_available(n) and all((DATA_DIR / f).is_file() for f in AGENT_FILES))
            for n, (_, _, d) in SAMPLES.items()]


@router.get("/{name}", response_model=SamplePlan,
            responses={404: {"description": "Bundled data not installed"}})
def get_sample(name: SampleName) -> SamplePlan:
    """The plan TOML (as JSON) and data CSV of a bundled example, ready for
    ``POST /v1/plans``."""
    if not _available(name):
        raise HTTPException(404, f"bundled data for {name!r} is not installed (it ships with "
                                 "the source checkout's data/ folder)")
    return _load(name)


@router.get("/{name}/files/{file}", response_class=Response,
            responses={200: {"content": {"application/toml": {}, "text/csv": {}}},
                       404: {"description": "Bundled data not installed"}})
def get_sample_file(name: SampleName, file: SampleFile) -> Response:
    """One bundled file of an example, as it is on disk: ``plan.toml``, ``agents.csv``,
    ``agents_contracts.toml`` (e.g. the parts of ``POST /v1/agents``)."""
    path = DATA_DIR / (SAMPLES[name][0] if file == "plan.toml" else file)
    if not _available(name) or not path.is_file():
        raise HTTPException(404, f"bundled {file} of {name!r} is not installed (it ships with "
                                 "the source checkout's data/ folder)")
    return Response(path.read_bytes(), media_type=FILE_TYPES[path.suffix],
                    headers={"Content-Disposition": f'attachment; filename="{file}"'})
