"""A real uvicorn process on loopback: submit, poll to done, restart, read the result again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.jobs.store import RESTART_REASON
from tests.api.helpers import ROOT, tiny_roster_body, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m uvicorn api.main:app`` on 127.0.0.1 with the given environment."""

    def __init__(self, url: str, port: int, api_key: str, log: Path, **env: str) -> None:
        self.port = port
        self.env = {**os.environ, "STAFFING_DATABASE_URL": url,
                    "STAFFING_API_KEY": api_key, "STAFFING_MAX_SOLVE_S": "30",
                    # quick heartbeats so a dead server's jobs are noticed within seconds
                    "STAFFING_HEARTBEAT_S": "0.3", "STAFFING_ORPHAN_AFTER_S": "3", **env}
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> httpx.Client:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        deadline = time.monotonic() + 120  # generous: CI machines are shared and slow
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {self.log.read_text()}")
            try:
                if client.get("/healthz").status_code == 200:
                    return client
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("uvicorn did not start")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@pytest.fixture
def server(tmp_path):
    srv = Server(f"sqlite:///{tmp_path / 'jobs.db'}", free_port(), api_key="k3y",
                 log=tmp_path / "server.log")
    yield srv
    srv.stop()


def test_job_survives_restart(server: Server) -> None:
    client = server.start()
    assert client.post("/v1/roster-jobs", json=tiny_roster_body()).status_code == 401
    r = client.post("/v1/roster-jobs", json=tiny_roster_body(),
                    headers={"X-API-Key": "k3y"})
    assert r.status_code == 202, r.text
    url = r.headers["location"]
    done = wait_for(client.get, url, timeout=60)
    assert done["status"] == "done" and done["result"]["status"] == "optimal"
    shifts = client.get(f"{url}/shifts.csv").text
    client.close()
    server.stop()

    client = server.start()
    again = client.get(url).json()
    assert again["status"] == "done"
    assert again["result"] == done["result"]
    assert again["finished_at"] == done["finished_at"]
    assert client.get(f"{url}/shifts.csv").text == shifts
    client.close()


def test_crash_during_solve_fails_the_job(server: Server) -> None:
    from tests.api.helpers import hard_roster_body

    headers = {"X-API-Key": "k3y"}
    client = server.start()
    r = client.post("/v1/roster-jobs", json=hard_roster_body(), headers=headers)
    assert r.status_code == 202, r.text
    url = r.headers["location"]
    queued = client.post("/v1/roster-jobs", json=tiny_roster_body(), headers=headers)
    assert wait_for(client.get, url, ("running",))["status"] == "running"
    client.close()
    assert server.proc is not None
    server.proc.kill()  # SIGKILL: no graceful shutdown
    server.proc.wait()
    server.proc = None

    client = server.start()  # its heartbeat stopped: failed within orphan_after_s
    failed = wait_for(client.get, url, ("failed",), timeout=90)
    assert failed["status"] == "failed"
    assert failed["error"]["detail"] == RESTART_REASON
    resumed = wait_for(client.get, queued.headers["location"], timeout=60)
    assert resumed["status"] == "done"
    client.close()
