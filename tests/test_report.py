"""PNG plots read the way planners read them: weekday and zone on time axes, integer agent
ticks, visible under-staffing, service level in percent (as the legend's goal)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from staffing.report import (
    coverage_figure,
    forecast_figure,
    heatmap_figure,
    plot_coverage,
    service_figure,
)

TZ = "Asia/Jerusalem"


def coverage(days: int = 1) -> pd.DataFrame:
    idx = pd.date_range("1999-03-01", periods=96 * days, freq="15min", tz=TZ)
    hours = idx.hour + idx.minute / 60
    required = np.where((hours >= 8) & (hours < 20), 4 + 3 * np.sin((hours - 8) / 12 * np.pi),
                        0).round().astype(int)
    scheduled = required.copy()
    scheduled[40] -= 2   # one isolated short interval (10:00): must stay visible
    scheduled[60:62] += 1
    return pd.DataFrame({"interval_start": idx, "required": required, "scheduled": scheduled})


def labels(fig: Figure, axis: str = "x", which: str = "major") -> list[str]:
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    ticks = (ax.xaxis if axis == "x" else ax.yaxis).get_ticklabels(minor=which == "minor")
    return [t.get_text() for t in ticks if t.get_text()]


def test_time_axis_is_in_the_site_zone_with_weekdays() -> None:
    cov = coverage()
    utc = cov.assign(interval_start=cov["interval_start"].dt.tz_convert("UTC"))
    fig = coverage_figure(utc, tz=TZ)  # UTC data, drawn in the site's zone
    text = labels(fig)
    assert "Mon 08:00" in text and "Mon 12:00" in text, text
    assert fig.axes[0].get_xlabel() == "local time (Asia/Jerusalem, UTC+02:00)"


def test_week_axis_labels_each_local_day() -> None:
    fig = coverage_figure(coverage(days=7))
    text = labels(fig)
    assert text[:3] == ["Mon 01 Mar", "Tue 02 Mar", "Wed 03 Mar"], text
    assert "Sun 07 Mar" in text


def test_agent_ticks_are_integers() -> None:
    fig = coverage_figure(coverage(), tz=TZ)
    values = fig.axes[0].get_yticks()
    assert len(values) >= 3 and np.allclose(values, np.round(values))


def test_under_staffing_is_drawn_for_every_short_interval() -> None:
    cov = coverage()
    fig = coverage_figure(cov, tz=TZ)
    red = to_rgba("tab:red")[:3]
    bars = [p for p in fig.axes[0].patches if to_rgba(p.get_facecolor())[:3] == red]
    under = int((cov["scheduled"] < cov["required"]).sum())
    assert under == 1 and len(bars) == under
    bar = bars[0]
    assert bar.get_height() == 2 and bar.get_width() == pytest.approx(15 / 1440)
    assert bar.get_alpha() >= 0.5  # not a faint wash


def test_service_axis_is_in_percent() -> None:
    cov = coverage()
    pred = pd.DataFrame({"calls": 10.0, "service_level": np.linspace(0.5, 1, len(cov))},
                        index=pd.DatetimeIndex(cov["interval_start"]))
    fig = service_figure(pred, goal=0.8, tz=TZ)
    assert all(t.endswith("%") for t in labels(fig, "y")), labels(fig, "y")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "goal 80%" in legend


def test_forecast_and_heatmap_name_the_zone(tmp_path) -> None:
    cov = coverage(days=2)
    fc = pd.DataFrame({"calls": cov["required"] * 3.0}).set_index(
        pd.DatetimeIndex(cov["interval_start"]))
    fig = forecast_figure(fc, tz=TZ)
    assert "Asia/Jerusalem" in fig.axes[0].get_xlabel()
    assert labels(fig)[0].startswith("Mon ")
    heat = heatmap_figure(cov, tz=TZ)
    assert [t.get_text() for t in heat.axes[0].get_yticklabels()] == ["Mon 01 Mar", "Tue 02 Mar"]
    assert "Asia/Jerusalem" in heat.axes[0].get_xlabel()
    bar_ticks = heat.axes[1].get_yticks()
    assert np.allclose(bar_ticks, np.round(bar_ticks))
    assert plot_coverage(cov, tmp_path / "c.png", tz=TZ).stat().st_size > 0
