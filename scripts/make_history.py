"""Derive the bundled 15-minute interval history from the Anonymous Bank call log.

Run: ``python scripts/make_history.py`` (writes data/anonymous_bank_15min.csv).

Demand definition: calls that reached the agent queue, counted at queue entry (menu hang-ups in
their own column, not in ``calls``); ``aht_s`` is talk time only (after-call work is a planning
setting, ``[data] wrap_s``).
"""

from pathlib import Path

from staffing.io import read_call_log, write_history

DATA = Path(__file__).resolve().parent.parent / "data"

if __name__ == "__main__":
    log = read_call_log(DATA / "anonymous_bank_feb1999_calls.csv", tz="Asia/Jerusalem",
                        offered="queue", wrap_s=0.0)
    hist = log.to_intervals("15min")
    write_history(hist, DATA / "anonymous_bank_15min.csv")
