"""Page load of the web view's week page for the bundled plan, in headless Chromium.

Starts ``staffing serve`` on loopback with a fresh job database, runs the bundled weekly plan
(``data/plan.toml``: 7 days, its own solver limit) through ``POST /v1/plans``, then loads
``/#/week/<id>`` in Debian's Chromium (Playwright) several times and prints the time from
navigation start until the page has fetched the plan's files and drawn every chart
(``performance.now()`` when the page marks itself ready). The first load is cold (fresh
browser profile), the others reuse the browser's cache of the static files. Aim: under 1 s on
loopback. Run: ``python benchmarks/bench_web.py`` (needs /usr/bin/chromium).
"""

from __future__ import annotations

import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CHROMIUM = os.environ.get("STAFFING_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOADS = 6


def main() -> None:
    if not Path(CHROMIUM).exists():
        print(f"skipped: no Chromium at {CHROMIUM}")
        return
    from playwright.sync_api import sync_playwright

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "STAFFING_DATABASE_URL": f"sqlite:///{tmp}/jobs.db"}
        exe = Path(sys.executable).with_name("staffing")
        proc = subprocess.Popen([str(exe), "serve", "--port", str(port)], env=env, cwd=tmp,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            client = httpx.Client(base_url=url, timeout=60)
            for _ in range(300):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            sample = client.get("/v1/samples/anonymous_bank").json()
            job = client.post("/v1/plans", json={"config": sample["config"],
                                                 "data": sample["data"]}).json()
            t0 = time.perf_counter()
            while (state := client.get(f"/v1/plans/{job['id']}").json())["status"] in (
                    "queued", "running"):
                time.sleep(1)
            rows = client.get(f"/v1/plans/{job['id']}/files/coverage.csv").text.count("\n") - 1
            print(f"bundled plan: {state['status']} in {time.perf_counter() - t0:.1f} s, "
                  f"{rows} intervals")
            times = []
            with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
                ctx = pw.chromium.launch_persistent_context(
                    profile, executable_path=CHROMIUM, headless=True, args=ARGS,
                    viewport={"width": 1400, "height": 1000})
                for _ in range(LOADS):
                    page = ctx.new_page()
                    page.goto(f"{url}/#/week/{job['id']}")
                    page.wait_for_selector("#app[data-ready='true']", timeout=60_000)
                    times.append(float(page.get_attribute("#app", "data-ready-ms") or "nan"))
                    page.close()
                ctx.close()
            print(f"week page, navigation start -> all charts drawn (ms): cold {times[0]:.0f}, "
                  f"warm median {statistics.median(times[1:]):.0f} "
                  f"(min {min(times[1:]):.0f}, max {max(times[1:]):.0f}, {LOADS - 1} loads)")
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
