"""Write the analyst notebooks in notebooks/ (outputs stripped) from the cell sources below.

    python scripts/make_notebooks.py            # (re)write notebooks/*.ipynb
    python scripts/make_notebooks.py --check    # exit 1 when a committed notebook differs

The notebooks use only the public library API and run top to bottom on the bundled data;
``tests/test_notebooks.py`` executes them. Edit the cells here, not in Jupyter, and rerun.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "notebooks"

SETUP = '''\
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

# staffing's data-quality warnings (dropped log rows, calls while closed...) are shown on purpose
pd.set_option("display.width", 140)
DATA = next(p for p in (Path("data"), Path("../data")) if (p / "plan.toml").is_file())
TZ = "Asia/Jerusalem"'''

QUICKSTART = [
    ("md", """\
# Quick start: forecast, requirements, roster

The Anonymous Bank call centre (Israel), February 1999: forecast the first week of March per
15 minutes, turn the forecast into required agents with Erlang A, and build a weekly roster
with HiGHS. Runs top to bottom in well under a minute."""),
    ("code", SETUP),
    ("md", "## Data: the call log, aggregated to 15-minute intervals"),
    ("code", '''\
from staffing.config import PlanConfig
from staffing.io import read_call_log

plan = PlanConfig.from_toml(DATA / "plan.toml")   # site, goals, templates, rules of the plan
log = read_call_log(DATA / "anonymous_bank_feb1999_calls.csv", tz=TZ)
history = log.to_intervals("15min")
history[["calls", "answered", "abandoned", "aht_s"]].describe().round(1)'''),
    ("md", "## Forecast\n\nCandidate models are scored by a rolling-origin backtest; the best "
           "one forecasts the week, with an 80 % prediction band."),
    ("code", '''\
from staffing.forecast import forecast

# the plan's forecast options (data/plan.toml), so this is the week `staffing demo` plans
fc = forecast(history, start=plan.start, days=plan.days, open_hours=plan.open_hours,
              **plan.forecast.kwargs())
print("model:", fc.model)
fc.backtest[["mae", "wape", "skill_mae", "selected"]]'''),
    ("code", '''\
f = fc.frame.tz_convert(TZ)
fig, ax = plt.subplots(figsize=(12, 3.5))
ax.fill_between(f.index, f["calls_lower"], f["calls_upper"], step="post", alpha=0.3,
                label="80 % band")
ax.step(f.index, f["calls"], where="post", label="forecast")
ax.set_ylabel("calls per 15 min")
ax.legend()
ax.set_title(f"Forecast ({fc.model}), week of {plan.start}");'''),
    ("md", "## Requirements\n\nErlang A with the customers' mean patience fitted on the "
           "abandonments of the log; 80 % of calls answered within 20 s, 25 % shrinkage."),
    ("code", '''\
from staffing.erlang import fit_patience
from staffing.requirements import compute_requirements

obs = log.patience_observations()
patience = fit_patience(obs["wait_s"], obs["abandoned"])
goals = plan.service_goals(patience.mean_patience_s)
req = compute_requirements(fc.frame, goals, open_hours=plan.open_hours)
print(f"mean patience {patience.mean_patience_s:.0f} s; "
      f"{req['agents_required'].sum() / 4:,.0f} agent-hours required; "
      f"peak {req['agents_required'].max()} agents")
req[["calls", "aht_s", "agents_net", "agents_required", "service_level"]].loc[
    req["calls"] > 0].head()'''),
    ("md", "## Roster\n\nShift templates, breaks, days off and weekly hours come from "
           "`data/plan.toml`; HiGHS stops at a 1 % gap (a few seconds)."),
    ("code", '''\
from staffing.roster import SolverOptions, solve_roster

roster = solve_roster(req["agents_required"].astype(float), plan.roster,
                      SolverOptions(time_limit_s=300, mip_rel_gap=0.01, threads=2))
print(roster.status.value, f"cost {roster.cost:,.0f}, {roster.agent_hours:,.1f} paid agent-hours,"
      f" gap {roster.gap:.2%}")
print(roster.penalty_report())
roster.tours.head()'''),
    ("code", '''\
cov = roster.coverage.set_index("interval_start").tz_convert(TZ)
fig, ax = plt.subplots(figsize=(12, 3.5))
ax.step(cov.index, cov["required"], where="post", label="required")
ax.step(cov.index, cov["scheduled"], where="post", label="scheduled")
ax.set_ylabel("agents on the floor")
ax.legend()
ax.set_title("Required vs scheduled agents");'''),
    ("md", "## Predicted service of the roster"),
    ("code", '''\
from staffing.evaluate import evaluate
from staffing.report import staffing_matrix

ev = evaluate(fc.frame, roster.coverage.set_index("interval_start")["scheduled"], goals, tz=TZ)
print({k: round(v, 3) for k, v in ev.week.items()})
ev.days.round(3)'''),
    ("code", '''\
m = staffing_matrix(roster.coverage, tz=TZ)
fig, ax = plt.subplots(figsize=(12, 3))
lim = max(1, abs(m.to_numpy()).max())
im = ax.imshow(m.to_numpy(float), aspect="auto", cmap="RdBu", vmin=-lim, vmax=lim)
ax.set_yticks(range(len(m.index)), [str(d) for d in m.index])
ax.set_xticks(range(0, len(m.columns), 8), m.columns[::8])
fig.colorbar(im, label="scheduled - required")
ax.set_title("Over (+) / under (-) staffing");'''),
]

WHATIF = [
    ("md", """\
# What if? Three scenarios compared

Volume 10 % higher, a stricter 90/15 target, and shrinkage of 35 % against the base plan of
`data/plan.toml`. Every scenario is the base config plus named overrides; it carries a content
hash of all its inputs and results are cached by it. The forecast is computed once and
shared."""),
    ("code", SETUP),
    ("code", '''\
from staffing.config import PlanConfig
from staffing.scenario import Scenario, compare

base = PlanConfig.from_toml(DATA / "plan.toml")
fast = {"time_limit_s": 300}   # a guard: solves stop at the plan's 1 % gap in seconds
scenarios = [
    Scenario("base", base, fast),
    Scenario("volume +10%", base, {**fast, "volume_scale": 1.1}),
    Scenario("90/15", base, {**fast, "service_level": 0.9, "answer_s": 15}),
    Scenario("shrinkage 35%", base, {**fast, "shrinkage": 0.35}),
]
for s in scenarios:
    print(f"{s.name:14s} {s.hash[:12]}  {s.overrides}")'''),
    ("code", '''\
table = compare(scenarios)
table.set_index("scenario")[["required_agent_hours", "agent_hours", "cost", "headcount",
                             "service_level", "simulated_service_level", "asa_s",
                             "abandon_rate", "intervals_under_goal", "gap"]].round(3)'''),
    ("code", '''\
heads = [c for c in table.columns if c.startswith("headcount_")]
table.set_index("scenario")[heads]'''),
    ("code", '''\
fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 3.5))
t = table.set_index("scenario")
t["cost"].plot.bar(ax=a1, color="tab:blue", rot=0)
a1.set_ylabel("weekly wage cost (currency of cost_per_hour)")
a1.set_title("Roster cost")
sl = t[["service_level", "simulated_service_level"]].mul(100).rename(
    columns={"service_level": "predicted (Erlang)", "simulated_service_level": "simulated"})
sl.plot.bar(ax=a2, rot=0)
a2.axhline(80, color="grey", ls="--", lw=1, label="goal 80 %")
a2.set_ylim(0, 100)  # bars start at zero
a2.set_ylabel("% of calls answered within 20 s")
a2.legend(loc="lower right")
a2.set_title("Weekly service level: predicted vs simulated")
fig.tight_layout()'''),
    ("md", "Running the comparison again is served from the cache (same hashes):"),
    ("code", '''\
import time

t0 = time.perf_counter()
again = compare(scenarios)
print(f"{time.perf_counter() - t0:.3f} s, identical: {again.equals(table)}")'''),
]

CURVE = [
    ("md", """\
# Cost vs service

What does each extra point of service level cost? Sweep the service-level target, solve a
roster for each, and read the weekly cost against the predicted service level. Then look at the
marginal value of one more agent per interval from the LP relaxation's duals."""),
    ("code", SETUP),
    ("code", '''\
from staffing.config import PlanConfig
from staffing.scenario import Scenario, cost_service_curve, marginal_values, run_scenario

base = PlanConfig.from_toml(DATA / "plan.toml")
fast = {"time_limit_s": 300, "simulate": False}  # guard only: solves stop at the 1 % gap
curve = cost_service_curve(base, [0.7, 0.8, 0.9, 0.95], overrides=fast)
curve[["target", "status", "required_agent_hours", "agent_hours", "cost", "service_level",
       "gap", "cost_per_sl_point"]].round(3)'''),
    ("code", '''\
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(curve["service_level"] * 100, curve["cost"], marker="o")
for _, r in curve.iterrows():
    ax.annotate(f"target {r['target']:.0%}", (r["service_level"] * 100, r["cost"]),
                textcoords="offset points", xytext=(5, -12), fontsize=8)
ax.set_xlabel("predicted weekly service level (%)")
ax.set_ylabel("weekly wage cost (currency of cost_per_hour)")
ax.set_title("Cost vs service");'''),
    ("md", """\
Points are solved to a 1 % MIP gap, so neighbouring costs can be out of order by about that
much. `cost_per_sl_point` is the wage cost of one more percentage point of predicted service
level between successive points."""),
    ("md", """\
## Marginal value of one more agent

`marginal_cost` is the dual of each interval's coverage row in the roster's LP relaxation: the
change in the weekly objective if one more agent were required then. It lies between
`-over_per_agent_interval` (the interval is over-staffed anyway) and
`under_per_agent_interval` (the agent would go uncovered)."""),
    ("code", '''\
res = run_scenario(Scenario("base", base, fast), duals=True)
mv = marginal_values(res).set_index("interval_start").tz_convert(TZ)
mv[["required", "scheduled", "under", "over", "marginal_cost"]].loc[mv["required"] > 0].describe(
    ).round(2)'''),
    ("code", '''\
day = mv.loc[str(base.start)]
fig, ax = plt.subplots(figsize=(12, 3.5))
ax.step(day.index, day["required"], where="post", label="required")
ax.step(day.index, day["scheduled"], where="post", label="scheduled")
ax.set_ylabel("agents")
ax2 = ax.twinx()
ax2.bar(day.index, day["marginal_cost"], width=0.008, color="tab:red", alpha=0.4,
        label="marginal cost")
ax2.set_ylabel("marginal cost per agent-interval")
ax.legend(loc="upper left")
ax2.legend(loc="upper right")
ax.set_title(f"Coverage and marginal value of one more agent, {base.start}");'''),
]

REVIEW = [
    ("md", """\
# Review: how did last week really go against the plan?

The bank's real service in the last week of February 1999, beside a plan for that week made
from the first three weeks: forecast accuracy, scheduled vs staffed, and why each interval that
missed 80/20 missed it. Then the accuracy log and an intraday re-forecast at noon."""),
    ("code", SETUP),
    ("md", """\
## Demand definitions

Offered = calls that reached the agent queue (at queue entry); menu hang-ups are reported apart.
Handle time = talk + after-call work, estimated from the agents' idle gaps."""),
    ("code", '''\
from staffing.config import PlanConfig
from staffing.io import read_call_log

plan = PlanConfig.from_toml(DATA / "plan.toml")
log = read_call_log(DATA / "anonymous_bank_feb1999_calls.csv", tz=TZ, wrap_s="estimate")
{k: log.summary()[k] for k in ("calls", "reached_queue", "menu_hangups", "mean_talk_s",
                               "wrap_s", "mean_handle_s")}'''),
    ("md", "## A plan for the last week, from the first three weeks"),
    ("code", '''\
import datetime as dt

from staffing.forecast import forecast
from staffing.requirements import compute_requirements
from staffing.review import PlanInputs

start = dt.date(1999, 2, 22)
history = log.to_intervals("15min")
train = history[history.index < pd.Timestamp(start, tz=TZ)]
fc = forecast(train, start=start, days=7, open_hours=plan.open_hours,
              models=["seasonal_naive", "historical_average", "poisson_glm"])
goals = plan.service_goals(345.0)           # mean patience (s), as fitted by `staffing plan`
req = compute_requirements(fc.frame, goals, open_hours=plan.open_hours, freq="15min")
# the requirement as the schedule (staffing plan would solve a roster for it)
coverage = pd.DataFrame({"scheduled": req["agents_required"].astype(float)})
week_plan = PlanInputs(forecast=fc.frame, coverage=coverage)
print(fc.model, round(fc.frame["calls"].sum()), "calls forecast")'''),
    ("md", "## Review the week"),
    ("code", '''\
from staffing.review import review

result = review(log, goals=goals, plan=week_plan)
print(result.text())
result.days[["offered", "menu_hangups", "service_level", "predicted_sl", "asa_s",
             "abandon_rate", "aht_s", "forecast_aht_s", "wape", "bias", "agents_staffed",
             "occupancy"]].round(3)'''),
    ("code", '''\
result.misses["cause"].value_counts()'''),
    ("code", '''\
result.misses[["offered", "forecast_calls", "service_level", "cause", "cause_detail"]].head(8)'''),
    ("code", '''\
fig, ax = plt.subplots(figsize=(10, 3.5))
tod = result.time_of_day[result.time_of_day["offered"] > 20]
ax.bar(tod.index, tod["bias"])
ax.axhline(0, color="gray")
ax.set_xticks(tod.index[::4])
ax.tick_params(axis="x", rotation=90)
ax.set_ylabel("(forecast - actual) / actual")
ax.set_title("Forecast bias by time of day, last week");'''),
    ("md", "## Accuracy over time: one row per reviewed week"),
    ("code", '''\
import tempfile

from staffing.review import update_accuracy_log

acc_path = Path(tempfile.mkdtemp()) / "accuracy.csv"
acc = update_accuracy_log(acc_path, result)
acc[["week", "offered", "forecast_calls", "wape", "bias", "service_level", "predicted_sl"]]'''),
    ("md", "## Intraday: at noon on Tuesday, re-forecast the rest of the day"),
    ("code", '''\
from staffing.review.intraday import intraday

now = pd.Timestamp("1999-02-23 12:00", tz=TZ)
so_far = log.calls[log.calls["arrival"] < now]
import dataclasses

today = dataclasses.replace(log, calls=so_far).to_intervals("15min")
day = intraday(fc.frame, coverage["scheduled"], today, now, goals, open_hours=plan.open_hours)
print(day.text())
day.rest[["plan_calls", "calls", "scheduled", "agents_required", "service_level",
          "action"]].head(12)'''),
]

AGENTS = [
    ("md", """\
# Named agents: a week's schedule for the Anonymous Bank's 25 people

The bundled agents file (`data/agents.csv`: contracts, skills, availability, time off,
training days, wishes with weights) and contracts (`data/agents_contracts.toml`: weekly hours,
days, runs, weekends, 11 h rest, the Israeli Fri-Sat weekend, a team meeting and training)
scheduled against the first week of March 1999 with HiGHS, every person's hard rules exact and
the wishes as named penalties. Then the rules are re-checked from the shifts with plain pandas,
one agent falls sick and the week is re-planned with as few changes as possible. The same run
is `staffing agents ...` on the command line and `POST /v1/agents` over HTTP."""),
    ("code", SETUP),
    ("md", "## The people and their contracts"),
    ("code", '''\
from staffing.agents.read import read_agents, read_setup
from staffing.config import PlanConfig

plan = PlanConfig.from_toml(DATA / "plan.toml")        # site grid, shift templates, goals
setup = read_setup(DATA / "agents_contracts.toml")      # contracts, weekend, activities
templates = plan.roster.templates
people = read_agents(DATA / "agents.csv", setup.contracts, tuple(t.name for t in templates))
pd.DataFrame([{"agent": a.id, "name": a.name, "contract": a.contract.name,
               "skills": ";".join(a.skills), "seniority": a.seniority,
               "exceptions": "; ".join(f"{x.kind} {x.date}" for x in a.exceptions),
               "wish": ", ".join(str(d) for d in a.preferences.days_off_dates)
               or ", ".join("Mon Tue Wed Thu Fri Sat Sun".split()[d]
                            for d in a.preferences.days_off_weekdays)}
              for a in people]).head(10)'''),
    ("code", '''\
pd.DataFrame([vars(c) for c in setup.contracts.values()]).set_index("name")'''),
    ("md", """\
## The requirement: agents per 15 minutes for the week

A quick forecast (historical average of the four February weeks) turned into agents with
Erlang A at the plan's goal (80 % in 20 s, mean patience 345 s as `staffing plan` fits it)."""),
    ("code", '''\
from staffing.forecast import forecast
from staffing.io import read_history
from staffing.requirements import compute_requirements

history = read_history(DATA / "anonymous_bank_15min.csv", tz=TZ)
fc = forecast(history, start=plan.start, days=plan.days, open_hours=plan.open_hours,
              model="historical_average")
req = compute_requirements(fc.frame, plan.service_goals(345.0), open_hours=plan.open_hours,
                           freq="15min")
required = req["agents_required"].astype(float)
print(f"{required.sum() / 4:.0f} agent-hours required, peak {required.max():.0f} agents")'''),
    ("md", """\
## Schedule the 25 agents

One per-person MIP (a binary per person, day and shift option; coverage with aggregated
breaks). HiGHS stops at a proven 2 % gap: the bound is a lower bound on the best possible
schedule's penalty, so the schedule shown is within 2 % of the optimum."""),
    ("code", '''\
from staffing.agents.activities import place_activities
from staffing.agents.schedule import schedule_agents
from staffing.agents.solve import AgentSolverOptions

options = AgentSolverOptions(time_limit_s=120, mip_rel_gap=0.02)
result = schedule_agents(required, templates, people, penalties=setup.penalties,
                         options=options, weekend_days=setup.weekend_days)
# team meeting, training: placed by a MIP with the breaks (shifts fixed), never worse than
# the greedy placement it starts from; shown like breaks
result = place_activities(result, setup.activities, penalties=setup.penalties,
                          options=AgentSolverOptions(time_limit_s=30, mip_rel_gap=1e-4))
{k: result.summary()[k] for k in ("status", "objective", "bound", "gap", "agents", "shifts",
                                  "under_agent_intervals", "activities")}'''),
    ("code", '''\
from staffing.agents.export import schedule_grid

schedule_grid(result).head(8)'''),
    ("md", "## Per agent: hours, weekends, wishes granted, and the penalty report"),
    ("code", '''\
result.summary_frame().head(10)'''),
    ("code", '''\
print("\\n".join(result.penalty_report()))'''),
    ("code", '''\
cov = result.coverage.set_index("interval_start")
fig, ax = plt.subplots(figsize=(11, 3.5))
ax.step(cov.index, cov["required"], where="post", label="required", color="black")
ax.step(cov.index, cov["scheduled"], where="post", label="scheduled (off breaks)")
ax.set_ylabel("agents on the floor")
ax.set_title(f"25 named agents against the requirement, week of {plan.start} ({TZ})")
ax.legend(loc="upper right");'''),
    ("md", """\
## Every hard rule, re-checked from the shifts alone

Rest between any two shifts of a person, paid hours per week against the contract, at most one
shift a day, no shift on a day of time off or training, only the contract's templates."""),
    ("code", '''\
import numpy as np

s = result.shifts
by_id = {a.id: a for a in people}
checks = []
for agent, g in s.sort_values("start").groupby("agent"):
    c = by_id[agent].contract
    gaps = [(b - a).total_seconds() / 3600 for a, b in zip(g["end"][:-1], g["start"][1:])]
    off = {x.date for x in by_id[agent].exceptions}
    checks.append({"agent": agent, "min_rest_h": min(gaps, default=np.inf),
                   "rest_ok": min(gaps, default=np.inf) >= c.min_rest_hours,
                   "hours": g["paid_hours"].sum(),
                   "hours_ok": c.min_week_hours <= g["paid_hours"].sum()
                   <= (c.max_week_hours or 168),
                   "one_a_day": g["date"].is_unique,
                   "no_shift_on_exception": not set(g["date"]) & off,
                   "templates_ok": c.templates is None or set(g["template"]) <= set(c.templates)})
checks = pd.DataFrame(checks).set_index("agent")
assert checks.drop(columns=["min_rest_h", "hours"]).all().all()
checks.head()'''),
    ("md", """\
## Re-plan: A03 is sick on Wednesday

The published schedule becomes the reference: each agent-day that differs costs the `change`
penalty, so the re-plan moves as few other people as it can."""),
    ("code", '''\
import dataclasses
import datetime as dt

from staffing.agents.domain import DatedException

sick_day = dt.date(1999, 3, 3)
sick = [dataclasses.replace(a, exceptions=(*a.exceptions, DatedException(sick_day, "time_off")))
        if a.id == "A03" else a for a in people]
again = schedule_agents(required, templates, sick, penalties=setup.penalties, options=options,
                        weekend_days=setup.weekend_days, published=result.shifts)
print(again.summary()["status"], "gap", round(again.gap or 0, 4), "-",
      len(again.changes), "agent-days changed")
again.changes'''),
    ("md", "## The files a planner hands out"),
    ("code", '''\
import tempfile

from staffing.agents.export import write_agent_files

paths = write_agent_files(again, Path(tempfile.mkdtemp()) / "agents")
sorted(paths)'''),
]

NOTEBOOKS = {"quickstart.ipynb": QUICKSTART, "whatif.ipynb": WHATIF,
             "cost_vs_service.ipynb": CURVE, "review.ipynb": REVIEW,
             "agents.ipynb": AGENTS}


def build(cells: list[tuple[str, str]], stem: str) -> nbformat.NotebookNode:
    """A notebook without outputs, with stable cell ids."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, src) in enumerate(cells):
        cell = new_markdown_cell(src) if kind == "md" else new_code_cell(src)
        cell["id"] = f"{stem}-{i:02d}"
        nb.cells.append(cell)
    return nb


def render(name: str) -> str:
    """The notebook file's text."""
    return nbformat.writes(build(NOTEBOOKS[name], Path(name).stem), version=4) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or ``--check``) the notebooks; returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT, help="Output folder (default notebooks/).")
    ap.add_argument("--check", action="store_true", help="Compare instead of writing.")
    args = ap.parse_args(argv)
    stale = []
    for name in NOTEBOOKS:
        path = args.out / name
        text = render(name)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            args.out.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        sys.stderr.write(f"out of date: {', '.join(stale)} (run scripts/make_notebooks.py)\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
