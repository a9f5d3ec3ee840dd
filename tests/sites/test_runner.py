"""Many sites on a real LocalCluster (2 worker processes on loopback): fan-out, compact
summaries, outputs per site, failure isolation (bad data, infeasible, worker death), cancel.
Tiny sites (one day, short solver limits); the assertions are on statuses and structure."""

from __future__ import annotations

import dataclasses
import pickle
import threading

import cloudpickle
import pandas as pd
import pytest

from staffing.exceptions import InputError
from staffing.sites import SiteJob, SiteSummary, fan_out, run_sites
from staffing.sites.task import SUMMARY_COLUMNS, plan_site
from tests.sites import chaos

cloudpickle.register_pickle_by_value(chaos)
pytestmark = pytest.mark.slow  # starts a cluster of worker processes


def _short_history(site):
    """The site with three days of history: the forecast refuses it (InputError) on the
    worker."""
    hist = site.data.history
    short = hist[hist.index >= hist.index[-1] - pd.Timedelta(days=3)]
    return dataclasses.replace(site, data=dataclasses.replace(site.data, history=short),
                               name=site.name + "-short")


def _uncoverable(site):
    """Open on Sunday with a floor no template can staff (mon-fri templates only)."""
    cfg = dict(site.config)
    cfg["open_hours"] = {**cfg["open_hours"], "sun": "08:00-18:00"}
    cfg["plan"] = {**cfg["plan"], "start": "2026-03-22", "days": 1}  # a Sunday
    return dataclasses.replace(site, config=cfg, name=site.name + "-sunday")


def test_sites_fan_out_with_one_bad_and_one_infeasible(client, tiny_sites, tmp_path):
    bank = next(s for s in tiny_sites if s.archetype == "weekday_bank")
    sites = [*tiny_sites[1:4], _short_history(tiny_sites[2]), _uncoverable(bank)]
    seen = []
    res = run_sites(sites, client=client, out_dir=tmp_path, outputs="worker",
                    progress=seen.append)
    by = {s.site: s for s in res.summaries}
    assert [s.site for s in res.summaries] == [s.name for s in sites]   # input order
    for s in sites[:3]:
        got = by[s.name]
        assert got.ok, got
        assert got.agent_hours > 0 and got.cost > 0 and 0 < got.service_level <= 1
        assert got.seconds > 0 and got.worker and got.peak_rss_mb > 0
        assert (tmp_path / s.name / "summary.json").is_file()
        assert (tmp_path / s.name / "shifts.csv").is_file()
    bad = by[sites[3].name]
    assert bad.status == "bad_input"
    assert bad.reason.startswith("history: ") and "at least 7 days" in bad.reason
    assert bad.agent_hours is None and not (tmp_path / bad.site).exists()
    inf = by[sites[4].name]
    assert inf.status == "infeasible" and inf.reason
    # the table: CSV on disk, one row per site, the columns
    table = pd.read_csv(tmp_path / "sites.csv")
    assert list(table.columns) == list(SUMMARY_COLUMNS)
    assert list(table["site"]) == [s.name for s in sites]
    assert set(table.loc[table["status"].eq("optimal") | table["status"].eq("feasible"),
                         "site"]) == {s.name for s in sites[:3]}
    # progress: ends with everything done, two failed; running never above the 2 workers
    assert seen[-1].done == seen[-1].total == 5 and seen[-1].failed == 2
    assert max(p.running for p in seen) <= 2
    assert res.workers == 2 and res.dashboard is None


def test_summary_is_compact_and_outputs_can_come_back_to_the_client(client, tiny_sites,
                                                                    tmp_path):
    res = run_sites(tiny_sites[:1], client=client, out_dir=tmp_path, outputs="client")
    s = res.summaries[0]
    assert s.ok and s.files == {}                      # written here, then dropped
    assert (tmp_path / s.site / "coverage.csv").is_file()
    assert len(pickle.dumps(dataclasses.replace(s, out=None))) < 8_000  # a few KB
    # on demand, the full plan result comes back too
    job = SiteJob(s.site, tiny_sites[0].plan_config(), outputs="none", keep_result=True)
    full = client.submit(plan_site, job, pure=False).result()
    assert full.result is not None and len(full.result.roster.shifts) > 0


def test_data_read_errors_are_reported_without_running(client, tiny_sites, tmp_path):
    from staffing.sites.generate import write_sites

    paths = write_sites(tiny_sites[:2], tmp_path / "in")
    (tmp_path / "in" / f"{tiny_sites[1].name}_history.csv").write_text("interval_start,calls\n"
                                                                        "yesterday,3\n")
    res = run_sites(paths, client=client, outputs="none")
    assert res.summaries[0].ok
    bad = res.summaries[1]
    assert bad.status == "bad_input" and "interval_start" in bad.reason and not bad.worker


def test_a_killed_worker_is_retried_once(client, tiny_sites, tmp_path):
    job = SiteJob(tiny_sites[0].name, tiny_sites[0].plan_config(), outputs="none")
    marker = tmp_path / "died"
    out = fan_out(client, chaos.die_once, [("a", (str(marker), job))],
                  failure=lambda n, st, r: SiteSummary(n, st, reason=r), ok=lambda s: s.ok)
    assert marker.exists()            # the first attempt killed its worker ...
    assert out[0].ok                  # ... and the retry planned the site
    client.wait_for_workers(2, timeout=120)


def test_a_worker_dying_twice_is_reported_and_others_finish(client, tiny_sites, tmp_path):
    job = SiteJob(tiny_sites[0].name, tiny_sites[0].plan_config(), outputs="none")
    marker = tmp_path / "attempts"
    out = fan_out(client, chaos.always_die, [("dies", (str(marker), job))],
                  failure=lambda n, st, r: SiteSummary(n, st, reason=r), ok=lambda s: s.ok)
    assert out[0].status == "worker_died" and "retried once" in out[0].reason
    assert marker.read_text() == "xx"  # one retry, then given up
    ok = fan_out(client, plan_site, [("after", job)],
                 failure=lambda n, st, r: SiteSummary(n, st, reason=r), ok=lambda s: s.ok)
    assert ok[0].ok                    # the cluster recovered its workers
    client.wait_for_workers(2, timeout=120)


def _nap(seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds


def test_cancel_stops_the_rest(client):
    stop = threading.Event()

    def on_progress(p):
        if p.done >= 1:
            stop.set()

    items = [("quick", 0.0), *[(f"slow{i}", 2.0) for i in range(4)]]
    out = fan_out(client, _nap, items, failure=lambda n, st, r: (n, st), ok=lambda e: True,
                  progress=on_progress, cancel=stop)
    statuses = [e if isinstance(e, tuple) else ("done", "ok") for e in out]
    assert out[0] == 0.0
    assert sum(1 for e in statuses if e[1] == "cancelled") >= 2


def test_exceptions_in_a_task_are_retried_then_reported(client):
    def boom(x):
        raise RuntimeError(f"boom {x}")

    out = fan_out(client, boom, [("x", 1)], failure=lambda n, st, r: (n, st, r),
                  ok=lambda e: False)
    assert out[0][1] == "failed" and "RuntimeError: boom 1" in out[0][2]


def test_bad_inputs_name_the_field(tiny_sites):
    with pytest.raises(InputError) as e:
        run_sites([tiny_sites[0], tiny_sites[0]], scheduler="tcp://127.0.0.1:1")
    assert e.value.field == "sites"               # duplicate names, before connecting
    with pytest.raises(InputError) as e:
        run_sites(tiny_sites[:1], scheduler="not-an-address")
    assert e.value.field == "scheduler"
    with pytest.raises(InputError) as e:
        run_sites(tiny_sites[:1], workers=0)
    assert e.value.field == "workers"
    with pytest.raises(InputError) as e:
        run_sites([42])
    assert e.value.field == "sites[0]"
