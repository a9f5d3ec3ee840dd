"""Fixtures of the browser tests: a real ``staffing serve`` on loopback and Debian's headless
Chromium driven by Playwright for Python.

Skipped with a reason when Chromium or Playwright is missing locally; ``.ci/run`` installs
Chromium, so CI runs them. Nothing is downloaded: Playwright drives ``/usr/bin/chromium``.
Screenshots go to ``out/test-artifacts/web/`` (``STAFFING_WEB_ARTIFACTS`` overrides).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("STAFFING_CHROMIUM", "/usr/bin/chromium")
API_KEY = "web-test-key"
ARTIFACTS = Path(os.environ.get("STAFFING_WEB_ARTIFACTS", ROOT / "out" / "test-artifacts" / "web"))
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _staffing_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("staffing")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from staffing.cli import app; app()"]


@dataclass
class Server:
    """``staffing serve`` on 127.0.0.1 with its own job database and an API key."""

    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30,
                            headers={"X-API-Key": API_KEY})


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("web-server")
    port = _free_port()
    env = {**os.environ, "STAFFING_DATABASE_URL": f"sqlite:///{tmp / 'jobs.db'}",
           "STAFFING_API_KEY": API_KEY, "STAFFING_MAX_SOLVE_S": "300",
           "STAFFING_MAX_CONCURRENT_SOLVES": "1"}
    log = tmp / "server.log"
    proc = subprocess.Popen([*_staffing_cmd(), "serve", "--host", "127.0.0.1", "--port",
                             str(port)], cwd=tmp, env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"staffing serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"staffing serve did not start: {log.read_text()}")
        time.sleep(0.2)
    yield Server(url, proc, log)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:  # pragma: no cover
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright not installed (pip install -e '.[dev]')")
    profile = tempfile.mkdtemp(prefix="staffing-chromium-")
    with sync_api.sync_playwright() as pw:
        # a fresh user-data-dir per run: no state from earlier runs, nothing synced
        ctx = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000}, timezone_id="America/New_York",
            locale="en-US")
        yield ctx
        ctx.close()
    shutil.rmtree(profile, ignore_errors=True)


@dataclass
class Watch:
    """Every request the page made and every console error / page error it logged."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)  # substrings of expected console errors

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in self.allowed)]

    def off_loopback(self) -> list[str]:
        return [u for u in self.requests
                if urlsplit(u).scheme not in ("data", "blob", "about")
                and urlsplit(u).hostname not in LOOPBACK]


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """A fresh page whose requests are recorded (anything off loopback is also aborted) and
    whose JavaScript errors fail the test."""
    pg = browser.new_page()
    watch = Watch()
    pg.on("request", lambda r: watch.requests.append(r.url))
    pg.on("console", lambda m: watch.errors.append(f"console {m.type}: {m.text}")
          if m.type == "error" else None)
    pg.on("pageerror", lambda e: watch.errors.append(f"page error: {e}"))

    def guard(route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if host in LOOPBACK:
            route.continue_()
        else:
            route.abort()

    pg.route("**/*", guard)
    pg.set_default_timeout(30_000)
    pg.watch = watch  # type: ignore[attr-defined]
    yield pg
    pg.close()
    assert not watch.off_loopback(), f"requests left loopback: {watch.off_loopback()}"
    assert not watch.unexpected(), f"JavaScript errors: {watch.unexpected()}"


def shot(pg: Any, name: str) -> Path:
    """Save a full-page PNG screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path
