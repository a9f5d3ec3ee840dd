"""How big the named-agent model will be, without building it (a service refuses what it
cannot afford before a single Pyomo object exists).

The shift columns ``x[e, d, o]`` are counted exactly, with the availability, template-day and
contract-template filters of :func:`staffing.agents.schedule.schedule_agents`; the count and
break columns, the coverage rows and their non-zeros follow the same index arithmetic as
``schedule._coverage``. The contract rows (rest cliques, weekly minutes, run rules) are
estimated per shift column: each ``x`` appears in its day-work row, its count row, up to four
minutes rows and a few rest cliques (``RULE_NONZEROS_PER_SHIFT``). On the bundled week and the
two benchmark models the estimate is 1-5 % high in variables and 5-13 % high in non-zeros
(``tests/agents/test_size.py`` compares it with a real build).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from staffing.agents.domain import Agent
from staffing.agents.schedule import available_cells, option_grid
from staffing.roster import ShiftTemplate
from staffing.roster.size import ModelSize

__all__ = ["RULE_NONZEROS_PER_SHIFT", "estimate_agents_size"]

#: Non-zeros of the contract rules per shift column (day-work link, count row, weekly and
#: horizon minutes, rest cliques, runs and weekends), a slight over-estimate.
RULE_NONZEROS_PER_SHIFT = 8


def estimate_agents_size(index: pd.DatetimeIndex, templates: Sequence[ShiftTemplate],
                         agents: Sequence[Agent]) -> ModelSize:
    """Size of the named-agent MIP for a requirement on ``index`` (tz-aware, whole local
    days), ``templates`` and ``agents``."""
    local = [ts.date() for ts in index]
    dates: list[dt.date] = sorted(set(local))
    freq_min = max(int((index[1] - index[0]).total_seconds() // 60), 1) if len(index) > 1 \
        else 15
    opts = option_grid(templates)
    x = 0
    days_work = 0
    used: set[tuple[int, int]] = set()
    for a in agents:
        cells = available_cells(a, dates, opts, contract_templates=True)
        for d, c in enumerate(cells):
            x += len(c)
            days_work += len(c) > 1
            used.update((d, o) for o in c)
    count_cols = len(used)
    break_cols = 0
    cover_nz = 0
    for _d, o in used:
        op = opts[o]
        cover_nz += op.span_min // freq_min
        for br in op.template.breaks:
            k = len(range(br.earliest_offset_min, br.latest_offset_min + 1, freq_min))
            break_cols += k
            cover_nz += k * (1 + br.duration_min // freq_min)  # its sum row + coverage rows
    n = len(index)
    variables = x + days_work + count_cols + break_cols + 2 * n
    integer = x + count_cols + break_cols
    constraints = days_work + 2 * count_cols + n + len(agents) * len(dates) * 4
    nonzeros = x * RULE_NONZEROS_PER_SHIFT + 2 * count_cols + cover_nz + 2 * n
    return ModelSize(variables=variables, integer_variables=integer,
                     constraints=constraints, nonzeros=nonzeros)
