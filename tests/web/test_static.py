"""The web view's files and the offline docs pages, without a browser (TestClient)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

from api.main import create_app  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.web import STATIC_DIR  # noqa: E402

OWN = [p for p in STATIC_DIR.rglob("*") if p.is_file() and "vendor" not in p.parts]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'jobs.db'}")
    with TestClient(create_app(settings)) as c:
        yield c


def local_refs(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"'#]+)["']""", html)


def test_index_is_served_with_a_same_origin_policy(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    for ref in local_refs(r.text):
        assert ref.startswith("/"), ref  # nothing from elsewhere
        assert client.get(ref).status_code == 200, ref


def test_docs_pages_point_at_vendored_files(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        refs = local_refs(html) + re.findall(r"""url: ['"]([^'"]+)['"]""", html)
        assert refs, page
        assert not [u for u in refs if "://" in u], (page, refs)
        assert "fonts.googleapis" not in html and "cdn.jsdelivr" not in html
        for ref in refs:
            assert client.get(ref).status_code == 200, (page, ref)
    assert client.get("/docs/oauth2-redirect").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/" not in spec["paths"] and "/docs" not in spec["paths"]
    assert "/v1/jobs" in spec["paths"] and "/v1/samples/{name}" in spec["paths"]


def test_own_scripts_load_nothing_from_elsewhere() -> None:
    assert any(p.suffix == ".js" for p in OWN)
    for p in OWN:
        if p.suffix in (".js", ".css", ".html"):
            text = p.read_text(encoding="utf-8")
            assert not re.search(r"https?://", text.replace("http://www.w3.org", "")), p


def test_vendored_libraries_carry_their_licences() -> None:
    vendor = STATIC_DIR / "vendor"
    for lib in ("uplot", "swagger-ui", "redoc"):
        assert (vendor / lib / "LICENSE").is_file(), lib
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    for pkg in ("uplot", "swagger-ui-dist", "redoc"):
        assert f"`{pkg}`" in readme
    assert "cdn.redoc.ly" not in (vendor / "redoc" / "redoc.standalone.js").read_text(
        encoding="utf-8")


def test_static_files_cannot_escape_the_package(client: TestClient) -> None:
    for path in ("/static/../__init__.py", "/static/%2e%2e/__init__.py",
                 "/static/..%2f..%2fpyproject.toml"):
        assert client.get(path).status_code == 404, path
