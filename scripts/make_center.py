"""Write the bundled synthetic voice + chat + email center's history.

Run: ``python scripts/make_center.py`` (writes data/center_history.csv; deterministic, see
:mod:`staffing.queues.synthetic`).
"""

from pathlib import Path

from staffing.io import write_history
from staffing.queues.synthetic import synthetic_center

DATA = Path(__file__).resolve().parent.parent / "data"

if __name__ == "__main__":
    write_history(synthetic_center(), DATA / "center_history.csv")
