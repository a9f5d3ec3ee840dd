"""Speed of ``staffing.erlang.required_agents`` against pyworkforce's ErlangC.

Inputs: 15-minute intervals with a realistic day shape (calls 1..~120 per interval, AHT
120..420 s), goals 80 % answered in 20 s, max occupancy 0.85, shrinkage 30 %; the same
inputs go to ``pyworkforce.queuing.ErlangC(...).required_positions(...)`` (minutes as units,
one Python object per interval). Results are checked to agree interval by interval.

1. one week (672 intervals): both timed in full;
2. 1,000,000 intervals: staffing timed in full; pyworkforce timed on a 20,000-interval sample
   and extrapolated linearly (it is a per-interval Python loop, so linear is fair);
3. one interval at 20,000 erlangs (large sites, overflow check);
4. Erlang A (patience 180 s) on the week, for reference (pyworkforce has no Erlang A).

Run: ``.venv/bin/python benchmarks/bench_erlang.py`` (prints seconds and ratios).
"""

from __future__ import annotations

import math
import os
import platform
import time

import numpy as np

from staffing.erlang import required_agents

SL, ANSWER_S, MAX_OCC, SHRINK, INTERVAL_S = 0.8, 20.0, 0.85, 0.3, 900.0

try:
    from pyworkforce.queuing import ErlangC
except ImportError:  # pragma: no cover - optional peer
    ErlangC = None


def make_inputs(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    slot = np.arange(n) % 96
    shape = np.exp(-0.5 * ((slot - 44) / 14.0) ** 2)  # day peak around 11:00
    calls = np.maximum(rng.poisson(5 + 110 * shape), 1).astype(float)
    aht = rng.uniform(120.0, 420.0, n)
    return calls, aht


def ours(calls: np.ndarray, aht: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    t0 = time.perf_counter()
    net = required_agents(
        calls, aht, INTERVAL_S, service_level=SL, answer_s=ANSWER_S, max_occupancy=MAX_OCC
    )
    scheduled = np.ceil(net / (1 - SHRINK) - 1e-9).astype(int)
    return net, scheduled, time.perf_counter() - t0


def peer(calls: np.ndarray, aht: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    assert ErlangC is not None
    raw = np.empty(len(calls), dtype=int)
    pos = np.empty(len(calls), dtype=int)
    t0 = time.perf_counter()
    for i, (c, h) in enumerate(zip(calls, aht, strict=True)):
        r = ErlangC(
            transactions=c, aht=h / 60, asa=ANSWER_S / 60, interval=INTERVAL_S / 60,
            shrinkage=SHRINK,
        ).required_positions(service_level=SL, max_occupancy=MAX_OCC)
        raw[i], pos[i] = r["raw_positions"], r["positions"]
    return raw, pos, time.perf_counter() - t0


def main() -> None:
    print(f"# bench_erlang  python {platform.python_version()}  cores {os.cpu_count()}")
    have_peer = ErlangC is not None
    if not have_peer:
        print("pyworkforce not installed: peer timings skipped (pip install '.[bench]')")

    # warm-up (imports, scipy first call)
    ours(*make_inputs(100, seed=0))

    calls, aht = make_inputs(672)
    net, sched, t_ours = ours(calls, aht)
    print(f"week (672 intervals): staffing {t_ours:.4f} s")
    if have_peer:
        raw, pos, t_peer = peer(calls, aht)
        diff_net = int(np.count_nonzero(raw != net))
        diff_pos = int(np.count_nonzero(pos != sched))
        print(f"week (672 intervals): pyworkforce {t_peer:.4f} s  ratio {t_peer / t_ours:.1f}x")
        print(f"  disagreements: net {diff_net}, scheduled {diff_pos} of 672")
        if diff_pos:
            bad = pos != sched
            pairs = sorted({(int(n), int(p), int(q)) for n, p, q in zip(
                net[bad], sched[bad], pos[bad], strict=True)})
            print(
                "  scheduled (net -> staffing, pyworkforce): "
                + ", ".join(f"{n} -> {p}, {q}" for n, p, q in pairs)
                + "  (pyworkforce's ceil(n / (1 - 0.3)) rounds float noise up, e.g. "
                f"21 / 0.7 = {21 / (1 - 0.3)!r})"
            )

    calls, aht = make_inputs(1_000_000, seed=2)
    net, sched, t_ours = ours(calls, aht)
    print(f"1,000,000 intervals: staffing {t_ours:.3f} s")
    if have_peer:
        k = 20_000
        raw, pos, t_sample = peer(calls[:k], aht[:k])
        t_peer = t_sample * len(calls) / k
        mism = int(np.count_nonzero(raw != net[:k]))
        print(
            f"1,000,000 intervals: pyworkforce {t_peer:.1f} s (extrapolated from {k:,} intervals "
            f"in {t_sample:.2f} s)  ratio {t_peer / t_ours:.0f}x  disagreements {mism} of {k:,}"
        )

    big_calls = np.array([20_000 * INTERVAL_S / 180.0])
    net, _, t_ours = ours(big_calls, np.array([180.0]))
    print(f"20,000 erlangs, one interval: staffing {t_ours:.4f} s -> {int(net[0])} agents")
    if have_peer:
        raw, _, t_peer = peer(big_calls, np.array([180.0]))
        print(
            f"20,000 erlangs, one interval: pyworkforce {t_peer:.3f} s -> {int(raw[0])} agents  "
            f"ratio {t_peer / t_ours:.0f}x"
        )

    calls, aht = make_inputs(672)
    t0 = time.perf_counter()
    required_agents(calls, aht, INTERVAL_S, service_level=SL, answer_s=ANSWER_S, patience_s=180)
    t_a = time.perf_counter() - t0
    print(f"Erlang A week (672 intervals, patience 180 s): staffing {t_a:.4f} s")
    assert math.isfinite(t_a)


if __name__ == "__main__":
    main()
