"""Derive the bundled 15-minute interval history from the Anonymous Bank call log.

Run: ``python scripts/make_history.py`` (writes data/anonymous_bank_15min.csv).

Demand definition: the data set's published one, every call at its VRU entry (menu hang-ups
included in ``calls`` and ``abandoned``), so figures computed on this file stay comparable with
the literature; ``aht_s`` is talk time only. Plans made from the call log (``data/plan.toml``)
use calls that reached the agent queue instead (``[data] offered = "queue"``).
"""

from pathlib import Path

from staffing.io import read_call_log, write_history

DATA = Path(__file__).resolve().parent.parent / "data"

if __name__ == "__main__":
    log = read_call_log(DATA / "anonymous_bank_feb1999_calls.csv", tz="Asia/Jerusalem",
                        offered="system", wrap_s=0.0)
    hist = log.to_intervals("15min").drop(columns="menu_hangups")
    write_history(hist, DATA / "anonymous_bank_15min.csv")
