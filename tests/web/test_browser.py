"""The web view in a real browser (Debian's Chromium via Playwright) against a real
``staffing serve`` on loopback: the docs render offline, a one-day plan is started from the UI
and watched to completion, and the week, schedule and what-if pages show the API's numbers.

Solves are tiny (one day, a few seconds' limit); assertions compare the charts with the files
the API serves, never with timings. Every page records its requests (none may leave loopback)
and fails on any JavaScript error; screenshots are kept in ``out/test-artifacts/web``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import pytest

from tests.api.helpers import TZ, wait_for
from tests.web.conftest import API_KEY, ARTIFACTS, ROOT, Server, shot

DONE = ("done", "failed", "cancelled")
SOLVE_TIMEOUT_MS = 900_000  # generous: CI machines are shared; nothing asserts speed
# Solver limits far above what a one-day roster needs (HiGHS stops at the plan's 1 % gap in a
# few seconds): the limit only matters on an overloaded machine, where a short one would leave
# no roster at all.
LIMIT_S = "120"


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def ready(pg: Any, page: str) -> None:
    pg.wait_for_selector(f"#app[data-page='{page}'][data-ready='true']")


def open_page(pg: Any, server: Server, page: str, *, key: bool = False) -> None:
    """Go to ``#/page`` and wait until it has rendered; ``key`` types the API key into the
    header box as a planner would (kept for the session)."""
    pg.goto(f"{server.url}/#/{page}")
    ready(pg, page.split("/")[0])
    if key:
        pg.fill("#api-key", API_KEY)
        pg.dispatch_event("#api-key", "change")


def num(v: str) -> float | None:
    return float(v) if v not in ("", "nan") else None


def close(a: list[Any], b: list[Any], tol: float = 1e-9) -> bool:
    return len(a) == len(b) and all(
        (x is None and y is None) or (x is not None and y is not None and math.isclose(
            x, y, rel_tol=tol, abs_tol=tol)) for x, y in zip(a, b, strict=True))


def run_one_scenario(page: Any, server: Server) -> dict[str, Any]:
    """Keep the first preset scenario (volume +10%), run the what-if from the page, wait until
    it is done and shown; the job's result from the API."""
    page.locator("#scenario-rows tr").nth(1).locator("button").click()
    page.click("#run-scenarios")
    page.wait_for_selector("#wi-live[data-status='done']", timeout=SOLVE_TIMEOUT_MS)
    page.wait_for_selector("#compare-table")
    job_id = page.get_attribute("#wi-results", "data-job")
    with server.client() as c:
        return dict(c.get(f"/v1/scenarios/{job_id}").json()["result"])


@pytest.fixture(scope="module")
def plan_id(browser: Any, server: Server) -> str:
    """Start a one-day plan on the bundled data from the Plans page (API key typed into the
    header box) and wait until it is done."""
    pg = browser.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    open_page(pg, server, "plans", key=True)
    pg.fill("#days", "1")
    pg.fill("#time-limit", LIMIT_S)
    pg.fill("#replications", "2")
    pg.wait_for_function("document.querySelector('#start').value !== ''")
    pg.click("#start-plan")
    pg.wait_for_selector("#live[data-status='running'], #live[data-status='done']",
                         timeout=SOLVE_TIMEOUT_MS)
    pg.wait_for_selector("#live[data-status='done']", timeout=SOLVE_TIMEOUT_MS)
    job = pg.get_attribute("#live", "data-job")
    shot(pg, "plans")
    pg.close()
    assert not errors, errors
    assert job
    return job


def test_docs_and_redoc_render_offline(page: Any, server: Server) -> None:
    page.goto(server.url + "/docs")
    page.wait_for_selector(".swagger-ui .opblock-summary-path", timeout=60_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/v1/plans" in [p.strip() for p in paths]
    shot(page, "docs")
    page.goto(server.url + "/redoc")
    page.wait_for_selector("[data-section-id]", timeout=60_000)
    assert "staffing" in page.locator("h1").first.inner_text()
    shot(page, "redoc")
    hosts = {r.split("/")[2] for r in page.watch.requests}
    assert hosts == {server.url.split("/")[2]}


def test_plans_page_lists_the_plan(page: Any, server: Server, plan_id: str) -> None:
    open_page(page, server, "plans")
    page.wait_for_selector("#jobs-table")
    text = page.inner_text("#jobs-table")
    assert "done" in text and "1999-03-01 (1 d)" in text
    with server.client() as c:
        job = c.get(f"/v1/plans/{plan_id}").json()
    cost = f"{job['result']['cost']:,.0f}"
    assert cost in text


def test_upload_a_plan_and_cancel_it(page: Any, server: Server, plan_id: str) -> None:
    """The upload path (call log + plan TOML as files) queues a real plan; Cancel stops it."""
    open_page(page, server, "plans", key=True)
    page.select_option("#source", "upload")
    assert page.is_hidden("#days") and page.is_visible("#data-file")
    page.set_input_files("#data-file", str(ROOT / "data" / "anonymous_bank_feb1999_calls.csv"))
    page.set_input_files("#toml-file", str(ROOT / "data" / "plan.toml"))
    page.click("#start-plan")
    page.wait_for_selector("#live[data-status='queued'], #live[data-status='running']")
    job = page.get_attribute("#live", "data-job")
    assert job and job != plan_id
    page.click("#cancel-plan")
    page.wait_for_selector("#live[data-status='cancelled'], #live[data-status='done']",
                           timeout=SOLVE_TIMEOUT_MS)
    with server.client() as c:
        state = c.get(f"/v1/plans/{job}").json()
        listed = c.get("/v1/jobs", params={"kind": "plan"}).json()
    # cancelled between stages; "done" only if the whole week finished before the click
    assert state["status"] == "cancelled" or state["result"]["plan"]["days"] == 7
    assert state["cancel_requested"] or state["status"] == "done"
    assert job in [j["id"] for j in listed["items"]]
    page.wait_for_function(f"document.querySelector('#jobs-table').innerText.includes"
                           f"('{state['status']}')")


def test_bad_plan_file_gets_the_field_named(page: Any, server: Server, tmp_path: Any) -> None:
    """A TOML with an impossible goal is refused by the API (422); the page says which key."""
    good = (ROOT / "data" / "plan.toml").read_text().replace('patience_s = "fit"',
                                                             "patience_s = 345")
    bad = good.replace("service_level = 0.8 ", "service_level = 1.5 ")
    assert "service_level = 1.5" in bad and "patience_s = 345" in bad
    (tmp_path / "bad.toml").write_text(bad)
    page.watch.allowed.append("status of 422")  # Chromium logs the refused request itself
    open_page(page, server, "plans", key=True)
    page.select_option("#source", "upload")
    page.set_input_files("#data-file", str(ROOT / "data" / "anonymous_bank_15min.csv"))
    page.set_input_files("#toml-file", str(tmp_path / "bad.toml"))
    page.click("#start-plan")
    page.wait_for_selector("#toast:not([hidden])")
    text = page.inner_text("#toast")
    assert text.startswith("422") and "goals.service_level" in text and "1.5" in text, text


def test_week_view_shows_the_api_numbers(page: Any, server: Server, plan_id: str) -> None:
    open_page(page, server, f"week/{plan_id}")
    with server.client() as c:
        fc = rows(c.get(f"/v1/plans/{plan_id}/files/forecast.csv").text)
        cov = rows(c.get(f"/v1/plans/{plan_id}/files/coverage.csv").text)
        svc = rows(c.get(f"/v1/plans/{plan_id}/files/service.csv").text)
    data = page.evaluate("""() => Object.fromEntries(
        ['week-calls', 'week-agents', 'week-service'].map(n => [n, staffingCharts[n].data]))""")
    assert len(cov) == 96  # one day of quarter-hours
    calls, lo, hi = data["week-calls"][1:4]
    assert close(calls, [num(r["calls"]) for r in fc])
    assert close(lo, [num(r["calls_lower"]) for r in fc])
    assert close(hi, [num(r["calls_upper"]) for r in fc])
    assert sum(c or 0 for c in calls) > 500  # a real weekday of the bank
    req, sch = data["week-agents"][1:3]
    assert req == [int(r["required"]) for r in cov]
    assert sch == [int(r["scheduled"]) for r in cov]
    assert max(req) >= 5
    pred, sim, goal = data["week-service"][1:4]
    # no calls, no service level: those intervals are empty in service.csv and gaps in the chart
    want = [num(r["predicted_sl"]) for r in svc]
    assert close(pred, [None if v is None else v * 100 for v in want], 1e-9)
    expect_sim = [None if num(r["simulated_sl"]) is None else num(r["simulated_sl"]) * 100
                  for r in svc]  # type: ignore[operator]
    assert close(sim, expect_sim, 1e-9)
    assert set(goal) == {80.0}
    # time axis in the site's zone (browser runs in New York) with the weekday
    labels = page.evaluate("""() => { const u = staffingCharts['week-agents'];
        const xs = u.data[0]; return u.axes[0].values(u, [xs[32], xs[40]], 0, 0, 0); }""")
    assert labels[0] == "Mon 08:00" and labels[1] == "10:00", labels
    # agent ticks are integers
    ticks = page.evaluate("""() => { const u = staffingCharts['week-agents'];
        return u.axes[1].values(u, [0, 2.5, 5], 1, 2.5, 2.5); }""")
    assert all("." not in t for t in ticks), ticks
    # heatmap cells are scheduled - required
    heat = page.evaluate("() => staffingCharts['week-heatmap'].values")
    assert heat[0] == [int(r["scheduled"]) - int(r["required"]) for r in cov]
    missed = sum(r["meets_goal"] == "False" for r in svc)
    assert page.get_attribute("#week-charts", "data-missed") == str(missed)
    with server.client() as c:
        days = rows(c.get(f"/v1/plans/{plan_id}/files/service_days.csv").text)
    assert [d["date"] for d in days] == ["1999-03-01", "week"]
    cells = page.locator("#day-table tbody tr").first.locator("td").all_inner_texts()
    assert cells[0] == "Mon 01 Mar"
    assert cells[5] == f"{float(days[0]['predicted_sl']) * 100:.1f} %"
    assert cells[6].startswith(f"{float(days[0]['simulated_sl']) * 100:.1f} % [")
    assert page.locator("#day-table tbody tr").count() == 1  # one day: no week row
    ms = page.get_attribute("#app", "data-ready-ms")  # navigation start -> drawn; recorded only
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "week-load.json").write_text(json.dumps({"plan_days": 1, "ready_ms": ms}))
    shot(page, "week")


def test_schedule_draws_every_shift(page: Any, server: Server, plan_id: str) -> None:
    open_page(page, server, f"schedule/{plan_id}")
    with server.client() as c:
        shifts = rows(c.get(f"/v1/plans/{plan_id}/files/shifts.csv").text)
        ics = c.get(f"/v1/plans/{plan_id}/files/shifts.ics")
    assert shifts and ics.status_code == 200
    assert page.locator(".g-shift").count() == len(shifts)
    breaks = sum(len([b for b in r["breaks"].split(";") if b]) for r in shifts)
    assert page.locator(".g-break").count() == breaks > 0
    agents = {r["agent"] for r in shifts}
    assert page.locator("#totals-table tbody tr").count() == len(agents)
    paid = sum(float(r["paid_hours"]) for r in shifts)
    assert f"{paid:.1f} paid hours" in page.inner_text("#agent-totals")
    shot(page, "schedule")
    template = shifts[0]["template"]
    page.select_option("#filter-template", template)
    want = sum(r["template"] == template for r in shifts)
    assert page.locator(".g-shift").count() == want
    assert page.locator(f".g-shift[data-template='{template}']").count() == want
    for name in ("shifts.csv", "plan.xlsx", "shifts.ics"):
        href = page.get_attribute(f".downloads a[download='{name}']", "href")
        assert href == f"/v1/plans/{plan_id}/files/{name}"
        with server.client() as c:
            assert c.get(href).status_code == 200


def test_whatif_compares_scenarios_and_curve(page: Any, server: Server, plan_id: str) -> None:
    open_page(page, server, "whatif", key=True)
    page.fill("#wi-days", "1")
    page.fill("#wi-time-limit", LIMIT_S)
    page.fill("#wi-curve", "0.7, 0.9")
    result = run_one_scenario(page, server)
    names = [r["scenario"] for r in result["scenarios"]]
    assert names == ["base", "volume +10%"]
    table = page.inner_text("#compare-table")
    assert all(n in table for n in names)
    bars = page.evaluate("() => staffingCharts['whatif-bars'].data")
    assert bars[1] == [r["cost"] for r in result["scenarios"]]
    pts = sorted((r["service_level"] * 100, r["cost"]) for r in result["curve"]
                 if r["service_level"] is not None and r["cost"] is not None)
    assert len(result["curve"]) == 2
    if pts:  # points whose solve found a roster are drawn (all of them unless overloaded)
        curve = page.evaluate("() => staffingCharts['whatif-curve'].data")
        assert close(curve[0], [p[0] for p in pts]) and close(curve[1], [p[1] for p in pts])
    shot(page, "whatif")


@pytest.fixture(scope="module")
def past_plan_id(server: Server) -> str:
    """A one-day plan for Mon 22 Feb 1999 (the bank's last bundled week, forecast from the
    weeks before) started through the API: the plan a review looks back at."""
    with server.client() as c:
        sample = c.get("/v1/samples/anonymous_bank").json()
        cfg = sample["config"]
        cfg["plan"] = {**cfg["plan"], "start": "1999-02-22", "days": 1}
        cfg["solver"] = {**cfg["solver"], "time_limit_s": float(LIMIT_S)}
        cfg["simulation"] = {**cfg["simulation"], "enabled": False}
        job = c.post("/v1/plans", json={"config": cfg, "data": sample["data"]})
        assert job.status_code == 202, job.text
        state = wait_for(c.get, f"/v1/plans/{job.json()['id']}", DONE,
                         timeout=SOLVE_TIMEOUT_MS / 1000)
    assert state["status"] == "done", state
    return str(state["id"])


def test_review_page_shows_actual_vs_plan(page: Any, server: Server,
                                          past_plan_id: str) -> None:
    """Review of the Monday plan against the bundled call log (the plan's own data): the
    charts, the day table and the missed intervals are the API's numbers; then the intraday
    re-forecast at noon."""
    open_page(page, server, f"review/{past_plan_id}", key=True)
    assert page.input_value("#rv-plan") == past_plan_id
    assert page.input_value("#rv-actuals-source") == "plan"
    page.click("#run-review")
    page.wait_for_selector("#rv-results[data-ready='true']", timeout=120_000)
    with server.client() as c:
        body = c.post("/v1/review", data={"plan": past_plan_id}).json()
        noon = c.post("/v1/intraday", data={"plan": past_plan_id, "now": "1999-02-22T12:00",
                                            "prior_calls": "100"}).json()
    ivs = body["intervals"]
    assert len(ivs) == 96 and body["tz"] == "Asia/Jerusalem"
    day = body["days"][0]
    assert day["date"] == "1999-02-22" and sum(r["offered"] for r in ivs) == day["offered"]
    assert day["offered"] > 1000  # a real Monday of the bank
    data = page.evaluate("""() => Object.fromEntries(['review-calls', 'review-agents',
        'review-service'].map(n => [n, staffingCharts[n].data]))""")

    def col(k: str, f: Any = lambda v: v) -> list[Any]:
        return [None if r[k] is None else f(r[k]) for r in ivs]

    calls = data["review-calls"]
    assert calls[1] == col("offered") and close(calls[2], col("forecast_calls"))
    assert close(calls[3], col("calls_lower")) and close(calls[4], col("calls_upper"))
    agents = data["review-agents"]
    assert agents[1] == col("scheduled") and close(agents[2], col("planned_net"))
    assert close(agents[3], col("agents_staffed"))
    svc = data["review-service"]
    assert close(svc[1], col("service_level", lambda v: v * 100))
    assert close(svc[2], [r["predicted_sl"] * 100 if r["forecast_calls"] else None
                          for r in ivs])  # nothing promised where no call is forecast
    missed = [r for r in ivs if r["meets_goal"] is False]
    assert missed and len(missed) == len(body["misses"]) == body["summary"]["intervals_missed"]
    assert page.get_attribute("#rv-charts", "data-missed") == str(len(missed))
    assert page.locator("#rv-miss-table tbody tr").count() == len(missed)
    first = page.locator("#rv-miss-table tbody tr").first.locator("td").all_inner_texts()
    assert first[0] == "Mon " + missed[0]["interval_start"][11:16]  # local time, New York browser
    assert first[-2] == missed[0]["cause"]
    cells = page.locator("#rv-day-table tbody tr").first.locator("td").all_inner_texts()
    assert cells[:5] == ["Mon 22 Feb", f"{day['offered']:.0f}", f"{day['forecast_calls']:.0f}",
                         f"{day['wape'] * 100:.1f} %", f"{day['bias'] * 100:.1f} %"]
    assert cells[5:7] == [f"{day['service_level'] * 100:.1f} %",
                          f"{day['predicted_sl'] * 100:.1f} %"]
    assert body["summary"]["definition"] in page.inner_text("#rv-definition")
    shot(page, "review")
    # intraday: the rest of Monday from the calls seen by noon
    page.fill("#rv-now", "1999-02-22T12:00")
    page.click("#run-intraday")
    page.wait_for_selector("#rv-intraday[data-ready='true']", timeout=120_000)
    rest = noon["intervals"]
    assert rest[0]["interval_start"].startswith("1999-02-22T12:00")
    chart = page.evaluate("() => staffingCharts['review-intraday'].data")
    assert close(chart[1], [r["plan_calls"] for r in rest])
    assert close(chart[2], [r["calls"] for r in rest])
    assert close(chart[4], [None if r["service_level"] is None else r["service_level"] * 100
                            for r in rest])
    acting = [r for r in rest if r["at_risk"] or r["action"]]
    assert page.locator("#rv-intraday-table tbody tr").count() == len(acting)
    assert noon["summary"]["observed_calls"] > 0
    assert f"{noon['summary']['observed_calls']:.0f}" in page.inner_text("#rv-intraday .kpis")
    shot(page, "review-intraday")


def test_whatif_on_an_earlier_plan_and_an_upload(page: Any, server: Server,
                                                 past_plan_id: str, tmp_path: Any) -> None:
    """What-if based on an earlier plan job (its config and data, sent as its id) and on an
    uploaded plan TOML checked server-side (a bad key is a 422 naming it)."""
    bad = (ROOT / "data" / "plan.toml").read_text().replace(
        'patience_s = "fit"', "patience_s = 345").replace("service_level = 0.8 ",
                                                          "service_level = 1.5 ")
    assert "patience_s = 345" in bad and "service_level = 1.5" in bad
    (tmp_path / "bad.toml").write_text(bad)
    page.watch.allowed.append("status of 422")  # Chromium logs the refused request itself
    open_page(page, server, "whatif", key=True)
    page.select_option("#wi-base", "upload")
    assert page.is_hidden("#wi-days") and page.is_visible("#wi-toml")
    page.set_input_files("#wi-toml", str(tmp_path / "bad.toml"))
    page.set_input_files("#wi-data", str(ROOT / "data" / "anonymous_bank_15min.csv"))
    page.click("#run-scenarios")
    page.wait_for_selector("#toast:not([hidden])")
    text = page.inner_text("#toast")
    assert text.startswith("422") and "goals.service_level" in text, text
    page.select_option("#wi-base", f"plan:{past_plan_id}")
    page.fill("#wi-curve", "")
    result = run_one_scenario(page, server)
    with server.client() as c:
        fc = rows(c.get(f"/v1/plans/{past_plan_id}/files/forecast.csv").text)
    assert [r["scenario"] for r in result["scenarios"]] == ["base", "volume +10%"]
    # the base is that plan: Mon 22 Feb's forecast, same data and config
    base_calls = sum(float(r["calls"]) for r in fc)
    assert result["scenarios"][0]["calls"] == pytest.approx(base_calls, rel=1e-6)
    assert result["scenarios"][1]["calls"] == pytest.approx(1.1 * base_calls, rel=1e-6)
    bars = page.evaluate("() => staffingCharts['whatif-bars'].data")
    assert bars[1] == [r["cost"] for r in result["scenarios"]]
    assert "volume +10%" in page.inner_text("#compare-table")
    shot(page, "whatif-plan-base")


def test_agents_page_schedules_named_people(page: Any, server: Server, tmp_path: Any) -> None:
    """Named agents from uploaded files (three of the bundled agents with the bundled plan and
    contracts, a two-day requirement): one row per person with the API's shifts, breaks and
    activities, the skill filter, per-agent totals = agent_summary.csv, the penalty report and
    the downloads."""
    from tests.api.test_agents import agents_csv, requirements_csv

    (tmp_path / "agents.csv").write_text(agents_csv())
    (tmp_path / "requirements.csv").write_text(requirements_csv(days=2))
    open_page(page, server, "agents", key=True)
    page.select_option("#ag-people-source", "upload")
    page.select_option("#ag-req-source", "upload")
    page.set_input_files("#ag-config", str(ROOT / "data" / "plan.toml"))
    page.set_input_files("#ag-contracts", str(ROOT / "data" / "agents_contracts.toml"))
    page.set_input_files("#ag-agents", str(tmp_path / "agents.csv"))
    page.set_input_files("#ag-req", str(tmp_path / "requirements.csv"))
    page.click("#start-agents")
    page.wait_for_selector("#ag-live[data-status='done']", timeout=SOLVE_TIMEOUT_MS)
    job_id = page.get_attribute("#ag-live", "data-job")
    page.click("#ag-open")
    page.wait_for_selector("#ag-summary-table")
    ready(page, "agents")
    with server.client() as c:
        job = c.get(f"/v1/agents/{job_id}").json()
        shifts = rows(c.get(job["links"]["agent_shifts.csv"]).text)
        summary = rows(c.get(job["links"]["agent_summary.csv"]).text)
        for name in ("agent_schedule.xlsx", "agent_calendars.zip", "penalties.txt"):
            href = page.get_attribute(f".downloads a[download='{name}']", "href")
            assert href == job["links"][name] and c.get(href).status_code == 200
    assert job["result"]["status"] in ("optimal", "feasible") and job["result"]["tz"] == TZ
    assert shifts and {r["agent"] for r in shifts} <= {"A01", "A15", "A16"}
    assert page.locator("#ag-gantt .g-shift").count() == len(shifts)

    def count(col: str) -> int:
        return sum(len([b for b in r[col].split(";") if b.strip()]) for r in shifts)

    assert page.locator("#ag-gantt .g-break").count() == count("breaks") > 0
    assert page.locator("#ag-gantt .g-act").count() == count("activities")
    labels = page.locator("#ag-gantt .g-row[data-agent] .g-label").all_inner_texts()
    assert sorted(labels) == sorted({f"{r['agent']} {r['name']}" for r in shifts})
    first = shifts[0]  # its tooltip names the local start time in the site's zone
    title = page.locator(f"#ag-gantt .g-row[data-agent='{first['agent']}'] .g-shift").first \
        .get_attribute("title")
    assert f"{first['start'][11:16]}-{first['end'][11:16]}" in title, title
    cells = [page.locator("#ag-summary-table tbody tr").nth(i).locator("td").all_inner_texts()
             for i in range(len(summary))]
    assert [c[0] for c in cells] == [r["agent"] for r in summary]
    assert [c[5] for c in cells] == [f"{float(r['paid_hours']):.1f}" for r in summary]
    assert page.locator("#ag-penalties li").all_inner_texts() == job["result"]["penalties"]
    # skill filter: only A01 (voice;internet) answers internet calls
    page.select_option("#ag-filter-skill", "internet")
    want = [r for r in shifts if "internet" in r["skills"].split(";")]
    assert page.locator("#ag-gantt .g-shift").count() == len(want) > 0
    assert page.locator("#ag-summary-table tbody tr").count() == 1
    shot(page, "agents")


def test_week_view_of_a_multi_queue_plan(page: Any, server: Server) -> None:
    """A multi-queue plan (voice, chat, email; one day of the bundled synthetic center): the
    week view has a queue selector and draws each queue's rows of queue_intervals.csv."""
    from tests.api.test_queues_plans import _body, center_config

    with server.client() as c:
        r = c.post("/v1/plans", json=_body(center_config()))
        assert r.status_code == 202, r.text
        job = wait_for(c.get, r.headers["Location"], DONE, timeout=SOLVE_TIMEOUT_MS / 1000)
        assert job["status"] == "done", job
        ivs = rows(c.get(f"/v1/plans/{job['id']}/files/queue_intervals.csv").text)
    open_page(page, server, f"week/{job['id']}")
    queues = page.locator("#queue-select option").all_inner_texts()
    assert queues == [q["queue"] for q in job["result"]["queues"]] == ["voice", "chat", "email"]
    for q in ("voice", "chat"):
        page.select_option("#queue-select", q)
        page.wait_for_selector(f"#week-charts[data-queue='{q}']")
        mine = [r for r in ivs if r["queue"] == q]
        data = page.evaluate("""() => ['queue-calls', 'queue-agents', 'queue-service']
            .map(n => staffingCharts[n].data)""")
        assert close(data[0][1], [num(r["calls"]) for r in mine])
        assert close(data[1][1], [num(r["required"]) for r in mine])
        assert close(data[1][2], [num(r["allocated"]) for r in mine])
        want = [None if num(r["predicted_sl"]) is None else num(r["predicted_sl"]) * 100  # type: ignore[operator]
                for r in mine]
        assert close(data[2][1], want)
    assert page.locator("#queue-table tbody tr").count() == 3
    shot(page, "week-queues")
