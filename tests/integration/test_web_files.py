"""The web page's files are served by the API app, and the page loads nothing from another
host (no CDN): every script and stylesheet it names is under /static/ and answers 200."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from polyrank.api.app import create_app
from polyrank.results.choices import BOARD_CATEGORIES, SORTS, WINDOWS
from polyrank.stages import STAGES
from polyrank.web import STATIC, vendor_missing


def test_page_routes_and_static_files_are_served(store):
    http = TestClient(create_app(store))
    page = http.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<table id=\"leaderboard\"" in page.text
    wallet = http.get("/wallet/0x" + "ab" * 20)
    assert wallet.status_code == 200 and wallet.text == page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets, "the page names its scripts and stylesheets"
    for url in assets:
        assert url.startswith(("/", "data:")) and not url.startswith("//"), \
            f"{url} points at another host"
        if url.startswith("/static/"):
            res = http.get(url)
            assert res.status_code == 200 and res.content, url
    js = http.get("/static/app.js")
    assert "javascript" in js.headers["content-type"]
    scripts = [url.removeprefix("/static/") for url in assets
               if url.endswith(".js") and not url.startswith("/static/vendor/")]
    assert sorted(scripts) == sorted(p.name for p in STATIC.glob("*.js")), \
        "the page loads each of its scripts once"
    assert http.get("/static/../__init__.py").status_code == 404
    assert http.get("/api/status").status_code == 200   # the API is still there


def test_the_chart_library_is_vendored_by_the_build():
    assert vendor_missing() == [], "run `make assets` (npm ci in web/, copied to static/vendor)"
    lib = (STATIC / "vendor" / "uPlot.iife.min.js").read_text()
    assert "uPlot" in lib


def test_the_api_explorer_works_offline(store):
    """/docs is FastAPI's Swagger UI, but from the package's vendored files, not a CDN."""
    http = TestClient(create_app(store))
    docs = http.get("/docs")
    assert docs.status_code == 200 and "SwaggerUIBundle" in docs.text
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", docs.text)
    assert "/openapi.json" in urls and "/static/vendor/swagger-ui-bundle.js" in urls
    for url in urls:
        assert not re.match(r"^(https?:)?//", url), f"{url} points at another host"
        if url.startswith("/"):
            assert http.get(url).status_code == 200, url
    assert http.get("/redoc").status_code == 404   # ReDoc would need a CDN: not offered


# names a script may write: "all" is also a market's group of holders in /api/markets/ID
ALLOWED = {"markets.js": {"all"}}


@pytest.mark.parametrize("script", sorted(p.name for p in STATIC.glob("*.js")))
def test_the_page_writes_no_list_the_api_serves(script):
    """Windows, categories, sort keys and the pipeline's stages come from /api/meta. No window,
    category or stage name is a string in the page's scripts ("empty" is also the CSS class of
    an empty table's cell, so that stage is left out); sort keys may label a metric (keyed by
    its name), but never two in a row as a list of them."""
    code = re.sub(r"(^|\s)//.*$", "", (STATIC / script).read_text(), flags=re.MULTILINE)
    strings = set(re.findall(r'"([^"\n]*)"', code)) | set(re.findall(r"`([^`]*)`", code))
    names = {*WINDOWS, *BOARD_CATEGORIES, *STAGES} - {"empty"} - ALLOWED.get(script, set())
    assert sorted(names & strings) == []
    pairs = re.findall(r'"(\w+)",\s*"(\w+)"', code)
    assert [p for p in pairs if set(p) <= set(SORTS)] == []
