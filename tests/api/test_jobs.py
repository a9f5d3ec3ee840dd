"""The job layer below the routers: runners registry, store transitions on SQLite and
PostgreSQL, schema upgrade, ownership."""

from __future__ import annotations

import ast
import datetime as dt
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, inspect, text, update

from api.jobs import Job, JobKind, JobStatus, JobStore
from api.jobs.context import XLSX
from api.jobs.models import utcnow
from api.jobs.store import RESTART_REASON
from tests.api.helpers import ROOT, tiny_roster_body


def test_a_fresh_process_knows_every_job_kind() -> None:
    code = ("from api.jobs.runners import RUNNERS\nfrom api.jobs import JobKind\n"
            "print(sorted(RUNNERS) == sorted(k.value for k in JobKind))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True)
    assert out.stdout.strip() == "True", out.stderr


def test_routers_do_not_import_each_other() -> None:
    routers = Path(ROOT / "api" / "routers")
    # shared helpers (_common, _job_routes) may be imported; one kind's router never
    names = {p.stem for p in routers.glob("*.py") if not p.stem.startswith("_")}
    for path in routers.glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not {f"api.routers.{n}" for n in names} & imported, path.name


def test_artifacts_of_every_media_type_are_stored(db_url: str) -> None:
    store = JobStore(db_url)
    try:
        job = store.create(JobKind.PLAN.value, {"x": 1}, 10)
        assert store.claim(job.id)
        assert store.finish(job.id, JobStatus.DONE, result={"ok": True},
                            artifacts={"plan.xlsx": (XLSX, b"PK\x03\x04"),
                                       "coverage.png": ("image/png", b"\x89PNG")})
        art = store.artifact(job.id, "plan.xlsx")
        assert art is not None and art.media_type == XLSX and art.content == b"PK\x03\x04"
        assert store.get(job.id).status == "done"
    finally:
        store.close()


def test_tables_of_an_older_release_are_upgraded(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:  # the 0.1.0 layout: media_type VARCHAR(64), no owner
        conn.execute(text("CREATE TABLE jobs (id VARCHAR(32) PRIMARY KEY, kind VARCHAR(16), "
                          "status VARCHAR(16), request JSON, time_limit_s FLOAT, "
                          "created_at TIMESTAMP, started_at TIMESTAMP, finished_at TIMESTAMP, "
                          "cancel_requested BOOLEAN, progress JSON, result JSON, "
                          "error_detail TEXT, error_field VARCHAR(200), notes JSON)"))
        conn.execute(text("CREATE TABLE artifacts (job_id VARCHAR(32) REFERENCES jobs(id) "
                          "ON DELETE CASCADE, name VARCHAR(64), media_type VARCHAR(64), "
                          "content BYTEA, PRIMARY KEY (job_id, name))"
                          .replace("BYTEA", "BYTEA" if db_url.startswith("postgresql")
                                   else "BLOB")))
    engine.dispose()
    test_artifacts_of_every_media_type_are_stored(db_url)
    cols = {c["name"] for c in inspect(create_engine(db_url)).get_columns("jobs")}
    assert {"owner", "heartbeat_at"} <= cols


def test_a_job_failed_as_orphan_cannot_be_finished_later(db_url: str) -> None:
    """A server whose heartbeat lapsed comes back: its late result is refused, the job keeps
    one state."""
    slow, other = JobStore(db_url, owner="slow"), JobStore(db_url, owner="other")
    try:
        job = slow.create("roster", tiny_roster_body(), 10)
        assert slow.claim(job.id)
        assert not other.claim(job.id)  # one owner
        assert other.fail_orphans(3600) == []  # heartbeat fresh: left alone
        assert other.fail_orphans(-1) == [job.id]  # "stale": failed
        assert slow.set_progress(job.id, {"gap": 0.1}) is True  # no longer ours: stop
        assert slow.finish(job.id, JobStatus.DONE, result={"late": True}) is False
        final = other.get(job.id)
        assert final.status == "failed" and final.error_detail == RESTART_REASON
        assert final.result is None
    finally:
        slow.close()
        other.close()


def test_queued_jobs_of_a_dead_server_are_adopted(db_url: str) -> None:
    dead, live = JobStore(db_url, owner="dead"), JobStore(db_url, owner="live")
    try:
        lost = dead.create("roster", tiny_roster_body(), 10)
        mine = live.create("roster", tiny_roster_body(), 10)
        assert live.orphaned_queued(60) == []  # both heartbeats fresh
        with live.session() as s:  # the dead server's last heartbeat was 2 minutes ago
            s.execute(update(Job).where(Job.id.in_([lost.id, mine.id])).values(
                heartbeat_at=utcnow() - dt.timedelta(seconds=120)))
        assert live.heartbeat() == 1  # refreshes its own queued job only
        assert live.orphaned_queued(60) == [lost.id]
        assert live.claim(lost.id) and live.get(lost.id).owner == "live"
        assert mine.id in live.queued_ids()
    finally:
        dead.close()
        live.close()
