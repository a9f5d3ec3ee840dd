"""The synthetic site generator: deterministic, varied, valid plans, files round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.config import PlanConfig
from staffing.exceptions import InputError
from staffing.sites.generate import ARCHETYPES, generate_sites, write_sites


def test_same_seed_same_sites_other_seed_other_sites():
    a = generate_sites(3, seed=7, days=1)
    b = generate_sites(3, seed=7, days=1)
    c = generate_sites(3, seed=8, days=1)
    for x, y in zip(a, b, strict=True):
        assert x.name == y.name and x.config == y.config
        pd.testing.assert_frame_equal(x.data.history, y.data.history)
    assert any(not x.data.history["calls"].equals(z.data.history["calls"])
               for x, z in zip(a, c, strict=True))
    # site k depends on (seed, k) only: a longer batch starts with the same sites
    longer = generate_sites(5, seed=7, days=1)
    assert longer[1].data.digest() == a[1].data.digest()


def test_sites_are_varied_and_valid():
    sites = generate_sites(12, seed=0)
    assert {s.archetype for s in sites} == set(ARCHETYPES)
    sizes = [s.agents for s in sites]
    assert min(sizes) >= 5 and max(sizes) <= 150 and max(sizes) / min(sizes) > 4
    zones = {s.config["site"]["tz"] for s in sites}
    assert len(zones) >= 6
    assert {s.config["site"]["interval"] for s in sites} <= {"15min", "30min"}
    always_open = [s for s in sites if s.archetype == "support_24_7"]
    assert always_open[0].config["open_hours"]["sun"] == "00:00-24:00"
    for s in sites:
        cfg = s.plan_config()             # every generated config validates
        assert cfg.data is not None and cfg.data_path is None
        hist = cfg.data.history
        assert hist.index.tz is not None and (hist["calls"] >= 0).all()
        # calls arrive only in open hours, at the level the size asks for
        assert hist["calls"].sum() > 0


def test_a_planning_week_with_a_dst_change():
    sites = generate_sites(12, seed=0)
    changes = []
    for s in sites:
        cfg = s.plan_config()
        per_day = pd.Series(1, index=cfg.index.tz_convert(cfg.tz)).groupby(
            cfg.index.tz_convert(cfg.tz).date).size()
        if per_day.nunique() > 1:
            changes.append(cfg.tz)
    # the default week (Mon 23 - Sun 29 March 2026) holds the EU and Israeli changes
    assert {"Europe/Berlin", "Asia/Jerusalem"} & set(changes)
    assert "Asia/Kolkata" not in changes


def test_weekday_only_site_has_zero_rows_for_its_closed_weekend():
    bank = next(s for s in generate_sites(4, seed=0) if s.archetype == "weekday_bank")
    hist = bank.data.history
    local = hist.index.tz_convert(bank.config["site"]["tz"])
    weekend = hist[np.isin(local.day_of_week, [5, 6])]
    assert len(weekend) > 0 and weekend["calls"].eq(0).all()


def test_write_sites_round_trip(tmp_path):
    sites = generate_sites(2, seed=1, days=1)
    paths = write_sites(sites, tmp_path)
    assert [p.name for p in paths] == [f"{s.name}.toml" for s in sites]
    for s, p in zip(sites, paths, strict=True):
        cfg = PlanConfig.from_toml(p)
        assert cfg.tz == s.config["site"]["tz"] and cfg.days == 1
        loaded = cfg.load_data().history
        assert loaded["calls"].sum() == pytest.approx(s.data.history["calls"].sum())
        assert len(loaded) == len(s.data.history)


@pytest.mark.parametrize(("kw", "field"), [({"n": 0}, "n"), ({"n": 2.5}, "n"),
                                           ({"n": 2, "weeks": 3}, "weeks"),
                                           ({"n": 2, "min_agents": 0}, "min_agents")])
def test_bad_arguments_name_the_field(kw, field):
    with pytest.raises(InputError) as e:
        generate_sites(**kw)
    assert e.value.field == field
