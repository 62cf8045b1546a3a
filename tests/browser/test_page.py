"""The web page in a real browser: Debian's chromium, headless, driven by Playwright against
`polyrank serve` on loopback over a small world that `polyrank-sim demo` generates, loads and
computes. The world and the server run in subprocesses (chDB allows one data folder per
process). Every value the page shows is checked against what the API answers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
# small, but with ranked wallets in several categories and a few sports specialists
WORLD = ["--wallets", "300", "--markets", "200", "--seed", "7"]
TIMEOUT_MS = 15_000
# `polyrank-sim demo`: "web page and API on URL/"; `polyrank serve`: "serving STORE on URL"
SERVING = re.compile(r"(?:web page and API|serving .*?) on (http://127\.0\.0\.1:\d+)")

pytestmark = pytest.mark.slow

if not CHROMIUM.exists() or not CHROMIUM.is_file():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: `make test` installs it")
    pytest.skip(f"{CHROMIUM} is missing (make test installs it)", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

# per page, its API requests as sent and answered, for a wait that times out to show
NETWORK: dict[Page, list[str]] = {}


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("POLYRANK_")}


def _polyrank(*args: str) -> list[str]:
    """`polyrank ARGS`, or `polyrank-sim demo ARGS` (the simulator's command line)."""
    module = "polyrank.sim" if args[0] == "demo" else "polyrank"
    return [sys.executable, "-m", module, *args]


class Served:
    """A polyrank process serving the page and API on a loopback port it picked itself
    (`--port 0`), found in the line it prints once listening."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log
        with log.open("w") as out:
            self.proc = subprocess.Popen(_polyrank(*args, "--port", "0"), env=env or _env(),
                                         stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while not (found := SERVING.search(log.read_text())):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{args[0]} did not start serving:\n{log.read_text()}")
            time.sleep(0.1)
        self.url = found.group(1)

    def get(self, path: str, **params) -> dict:
        url = f"{self.url}{path}" + (f"?{urlencode(params)}" if params else "")
        with urllib.request.urlopen(url, timeout=30) as res:
            return json.load(res)

    def wait_ready(self, timeout_s: float = 180) -> None:
        """Until the first metrics run is there."""
        deadline = time.monotonic() + timeout_s
        while not self.get("/api/status")["runs"]:
            assert self.proc.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "no metrics run in time"
            time.sleep(0.5)

    def stop(self) -> None:
        # SIGTERM, not SIGINT: a process started in the background by a shell without job
        # control (as CI may) ignores SIGINT
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Served]:
    """`polyrank-sim demo` on a small world: the page and API are up from the start, while the
    pipeline loads (the first test watches that), and keep serving afterwards."""
    root = tmp_path_factory.mktemp("web")
    srv = Served(["demo", "--world", str(root / "world"), *WORLD,
                  "--store", f"chdb://{root / 'store'}", "--runtime-dir", str(root / "rt")],
                 root / "demo.log")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                      headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    # offline: a request to any other host fails the test
    outside: list[str] = []

    def guard(route):
        if route.request.url.startswith(("http://127.0.0.1:", "data:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    pg.route("**/*", guard)
    seen = NETWORK.setdefault(pg, [])

    def note(request, what: str) -> None:
        if "/api/" in request.url:
            seen.append(f"{time.strftime('%H:%M:%S')} {request.method} "
                        f"/{request.url.split('/', 3)[-1]} {what}")

    pg.on("request", lambda req: note(req, "sent"))
    pg.on("response", lambda res: note(
        res.request, f"-> {res.status} after {res.request.timing['responseStart']:.0f} ms"))
    pg.on("requestfailed", lambda req: note(req, f"failed: {req.failure}"))
    yield pg
    NETWORK.pop(pg, None)
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
    assert outside == [], f"the page asked another host: {outside}"


# ---- helpers -----------------------------------------------------------------------------

def wait_table(page: Page, table: str, expected: dict[str, str | int]) -> None:
    """Until the table (a CSS selector) shows the answer to a query with these parameters;
    on a timeout, the failure says what the page showed and which API requests it made."""
    want = {k: str(v) for k, v in expected.items()}
    try:
        page.wait_for_function(
            """([table, want]) => {
                const t = document.querySelector(table);
                if (!t || t.getAttribute('aria-busy') !== 'false') return false;
                const q = new URLSearchParams(t.dataset.query || '');
                return Object.entries(want).every(([k, v]) => q.get(k) === String(v));
            }""", arg=[table, want])
    except PlaywrightTimeout:
        shown = page.evaluate(
            """(table) => {
                const t = document.querySelector(table), e = document.querySelector('#error');
                return { busy: t && t.getAttribute('aria-busy'), query: t && t.dataset.query,
                         error: e && !e.hidden ? e.textContent : null };
            }""", table)
        requests = "\n  ".join(NETWORK.get(page, [])[-12:])
        raise AssertionError(
            f"{table} did not show {want} within {TIMEOUT_MS} ms: at {page.url} it shows "
            f"{shown}; the page's last API requests:\n  {requests}") from None


def wait_board(page: Page, **expected: str | int) -> None:
    """Until the leaderboard shows the answer to a query with these parameters."""
    wait_table(page, "#leaderboard", expected)


def dom_wallets(page: Page) -> list[str]:
    return page.locator("#leaderboard tbody tr[data-wallet]").evaluate_all(
        "rows => rows.map(r => r.dataset.wallet)")


def column_values(page: Page, index: int) -> list[float | None]:
    raw = page.locator(f"#leaderboard tbody tr td:nth-child({index})").evaluate_all(
        "cells => cells.map(c => c.dataset.value)")
    return [None if v == "" else float(v) for v in raw]


def metric_cell(metric: str, window: str) -> str:
    return f'#wallet-metrics tr[data-metric="{metric}"] td[data-window="{window}"]'


def board(server: Served, **params) -> dict:
    return server.get("/api/omega/leaderboard", limit=100, **params)


def column_index(page: Page, sort_key: str) -> int:
    keys = page.locator("#board-head th").evaluate_all(
        "ths => ths.map(th => th.dataset.sort || '')")
    return keys.index(sort_key) + 1


def data_of(page: Page, selector: str, key: str) -> list[str]:
    """`data-KEY` of every element matching `selector`, in document order."""
    return page.locator(selector).evaluate_all(
        "(els, key) => els.map(el => el.dataset[key])", key)


def sort_columns(page: Page) -> list[str]:
    return data_of(page, "#board-head th[data-sort]", "sort")


def category_counts(page: Page) -> dict[str, int]:
    """The ranked count each category tab shows (the "all" tab shows none)."""
    tabs = page.locator("#categories button[data-ranked]").evaluate_all(
        "els => els.map(el => [el.dataset.category, el.dataset.ranked, "
        "el.querySelector('small.count').textContent.trim()])")
    assert all(shown == ranked for _, ranked, shown in tabs), tabs
    return {cat: int(ranked) for cat, ranked, _ in tabs}


def usd(value: float) -> str:
    """As the page writes an amount of USDC."""
    return ("−$" if value < 0 else "$") + f"{abs(value):,.2f}"


# ---- the tests ---------------------------------------------------------------------------

def test_while_the_pipeline_loads_the_page_shows_its_stage_then_the_leaderboard(server,
                                                                              page):
    status = server.get("/api/status")
    assert not status["runs"], "the demo is still loading when the page first opens"
    page.goto(server.url + "/")
    expect(page.locator("#pipeline")).to_be_visible()
    expect(page.locator("#board")).to_be_hidden()
    stage = page.locator("#pipeline-stage").inner_text()
    assert stage in server.get("/api/meta")["stages"][:-1], stage
    # a pipeline runs: no advice to start one
    expect(page.locator("#pipeline-idle")).to_be_hidden()
    # the page polls /api/status and shows the leaderboard by itself once the run is there
    expect(page.locator("#leaderboard tbody tr[data-wallet]").first).to_be_visible(
        timeout=180_000)
    expect(page.locator("#pipeline")).to_be_hidden()
    wait_board(page, window="lifetime", category="all")
    assert dom_wallets(page) == [r["wallet"] for r in board(server)["rows"]]


def test_leaderboard_tabs_sort_min_bets_and_search(server, page):
    server.wait_ready()
    page.goto(server.url + "/")
    wait_board(page, window="lifetime", category="all", sort="omega_score")
    api = board(server)
    assert api["total"] > 20 and len(api["rows"]) > 20
    assert dom_wallets(page) == [r["wallet"] for r in api["rows"]]
    # the tabs and sortable columns are /api/meta's lists, the default window the last one
    # over the whole history
    meta = server.get("/api/meta")
    assert data_of(page, "#windows button", "window") == [w["name"] for w in meta["windows"]]
    assert [w["name"] for w in meta["windows"] if w["days"] is None][-1] == "lifetime"
    expect(page.locator('#windows button[data-window="lifetime"]')).to_have_class(
        re.compile(r"\bactive\b"))
    assert data_of(page, "#categories button", "category") == meta["categories"]
    assert sort_columns(page) == meta["sorts"]
    # each category tab counts the ranked wallets of the window shown
    lifetime_counts = {c["category"]: c["ranked"]
                       for c in server.get("/api/categories")["categories"]}
    assert category_counts(page) == {c: lifetime_counts.get(c, 0)
                                     for c in meta["categories"][1:]}
    # a closed-bets cell says what its second number is
    some_open = next(r for r in api["rows"] if r["bets_open"])
    expect(page.locator('#board-head th[data-sort="bets_closed"]')).to_have_text(
        re.compile(r"Closed bets"))
    bets_column = column_index(page, "bets_closed")
    bets_cell = page.locator(f'tr[data-wallet="{some_open["wallet"]}"] '
                             f"td:nth-child({bets_column})")
    expect(bets_cell).to_have_text(
        f"{some_open['bets_closed']} + {some_open['bets_open']} open")
    # the data's as-of time, as the API states it
    as_of = time.strftime("%Y-%m-%d %H:%M", time.gmtime(api["as_of"]))
    expect(page.locator("#asof")).to_contain_text(as_of)
    expect(page.locator("#asof")).to_contain_text(api["run_id"])
    expect(page.locator("#board-summary")).to_contain_text(f"{api['total']} ranked wallets")
    # specialist badges where the API names specialists
    special = {r["wallet"]: r["specialist_in"] for r in api["rows"] if r["specialist_in"]}
    assert special, "the world has specialists among the ranked wallets"
    for wallet, cats in special.items():
        badge = page.locator(f'tr[data-wallet="{wallet}"] .badge')
        expect(badge).to_have_count(len(cats))
        expect(badge.first).to_contain_text(cats[0])

    # category tab: a category with specialists, from /api/categories
    cats = server.get("/api/categories")["categories"]
    cat = max(cats, key=lambda c: (c["specialists"], c["ranked"]))["category"]
    page.click(f'#categories button[data-category="{cat}"]')
    wait_board(page, category=cat, window="lifetime")
    assert f"category={cat}" in page.url
    expect(page.locator(f'#categories button[data-category="{cat}"]')).to_have_class(
        re.compile(r"\bactive\b"))
    assert dom_wallets(page) == [r["wallet"] for r in board(server, category=cat)["rows"]]

    # window tab
    page.click('#windows button[data-window="180d"]')
    wait_board(page, category=cat, window="180d")
    assert "window=180d" in page.url
    api = board(server, category=cat, window="180d")
    assert dom_wallets(page) == [r["wallet"] for r in api["rows"]]
    assert dom_wallets(page) != [r["wallet"] for r in board(server, category=cat)["rows"]]
    # the category counts follow the window (they differ from the whole history's)
    counts = {c["category"]: c["ranked"]
              for c in server.get("/api/categories", window="180d")["categories"]}
    assert counts != lifetime_counts
    assert category_counts(page) == {c: counts.get(c, 0) for c in meta["categories"][1:]}
    # total P&L exists over the whole history only: no column, no sort by it elsewhere
    assert sort_columns(page) == [k for k in meta["sorts"] if k != "total_pnl"]
    page.goto(server.url + f"/?window=180d&category={cat}&sort=total_pnl")
    wait_board(page, category=cat, window="180d", sort="omega_score")
    expect(page.locator('#board-head th[data-sort="omega_score"]')).to_have_attribute(
        "aria-sort", "descending")

    # back to every category; sort by ROI (descending, then ascending on a second click)
    page.click('#categories button[data-category="all"]')
    wait_board(page, category="all", window="180d")
    page.click('#board-head th[data-sort="roi"] button')
    wait_board(page, sort="roi", order="desc", window="180d")
    assert "sort=roi" in page.url
    roi = column_values(page, column_index(page, "roi"))
    assert len(roi) > 5 and roi == sorted(roi, reverse=True)
    api = board(server, window="180d", sort="roi")
    assert roi == [r["roi"] for r in api["rows"]]
    expect(page.locator('#board-head th[data-sort="roi"]')).to_have_attribute(
        "aria-sort", "descending")
    page.click('#board-head th[data-sort="roi"] button')
    wait_board(page, sort="roi", order="asc")
    roi = column_values(page, column_index(page, "roi"))
    assert roi == sorted(roi) and roi == [
        r["roi"] for r in board(server, window="180d", sort="roi", order="asc")["rows"]]

    # a minimum number of closed bets instead of the ranked-only gate
    page.fill("#min-bets", "5")
    wait_board(page, min_bets=5, sort="roi", order="asc", window="180d")
    assert "min_bets=5" in page.url
    api = board(server, window="180d", sort="roi", order="asc", min_bets=5)
    assert api["total"] > board(server, window="180d")["total"]   # more than the ranked
    assert dom_wallets(page) == [r["wallet"] for r in api["rows"]]
    bets = column_values(page, column_index(page, "bets_closed"))
    assert bets and min(bets) >= 5
    expect(page.locator("#board-summary")).to_contain_text(
        f"{api['total']} wallets with ≥ 5 closed bets")

    # search by a fragment of an address
    target = api["rows"][3]["wallet"]
    fragment = target[9:17]
    page.fill("#search", fragment)
    wait_board(page, search=fragment, min_bets=5)
    assert f"search={fragment}" in page.url
    found = dom_wallets(page)
    assert target in found and all(fragment in w for w in found)
    assert found == [r["wallet"] for r in board(server, window="180d", sort="roi",
                                                order="asc", min_bets=5,
                                                search=fragment)["rows"]]
    expect(page.locator(f'tr[data-wallet="{target}"] mark')).to_have_text(fragment)


def test_wallet_page_metrics_positions_trades_and_chart(server, page):
    server.wait_ready()
    api = board(server)
    wallet = next(r for r in api["rows"] if r["specialist_in"])
    page.goto(server.url + "/")
    wait_board(page, category="all")
    link = f'tr[data-wallet="{wallet["wallet"]}"] a.addr'
    page.click(link)
    try:
        page.wait_for_url(f"**/wallet/{wallet['wallet']}")
    except PlaywrightTimeout:
        # (seen once under a loaded CI run: the click left the page at /; say what it showed)
        raise AssertionError(
            f"the click on {link} did not open the wallet page: at {page.url}, the link "
            f"{'is' if page.locator(link).count() else 'is no longer'} on the page; the "
            "page's last API requests:\n  " + "\n  ".join(NETWORK.get(page, [])[-12:])
        ) from None
    expect(page.locator("#wallet-address")).to_have_text(wallet["wallet"])

    info = server.get(f"/api/wallets/{wallet['wallet']}")
    life = next(m for m in info["metrics"]
                if m["window"] == "lifetime" and m["category"] == "all")
    score = page.locator(metric_cell("omega_score", "lifetime"))
    expect(score).to_have_text(f"{life['omega_score']:,.3f}")
    trades_cell = page.locator(metric_cell("trades", "lifetime"))
    expect(trades_cell).to_have_text(f"{life['trades']:,}")
    for cat in wallet["specialist_in"]:
        expect(page.locator("#wallet-badges .badge", has_text=cat)).to_have_count(1)
    # a category's metrics
    other = next(m["category"] for m in info["metrics"] if m["category"] != "all")
    page.click(f'#wallet-cats button[data-category="{other}"]')
    cat_life = next(m for m in info["metrics"]
                    if m["window"] == "lifetime" and m["category"] == other)
    expect(trades_cell).to_have_text(f"{cat_life['trades']:,}")

    # positions (open first; then closed) and recent trades, newest first
    opened = server.get(f"/api/wallets/{wallet['wallet']}/positions", state="open", limit=25)
    rows = page.locator("#positions tbody tr")
    expect(rows).to_have_count(max(1, len(opened["rows"])))
    page.click('#position-states button[data-state="closed"]')
    closed = server.get(f"/api/wallets/{wallet['wallet']}/positions", state="closed",
                        limit=25)
    assert closed["total"] > 0
    expect(page.locator("#positions-pager")).to_contain_text(f"of {closed['total']:,}")
    expect(rows).to_have_count(len(closed["rows"]))
    trades = server.get(f"/api/wallets/{wallet['wallet']}/trades", limit=25)
    assert trades["total"] == life["trades"] > 25   # every fill is before the as-of time
    expect(page.locator("#trades tbody tr")).to_have_count(len(trades["rows"]))
    first = time.strftime("%Y-%m-%d %H:%M", time.gmtime(trades["rows"][0]["ts"]))
    expect(page.locator("#trades tbody tr").first.locator("td").first).to_contain_text(first)

    # the cumulative P&L chart: the library holds every point, and the canvas shows the line
    points = server.get(f"/api/wallets/{wallet['wallet']}/pnl")["points"]
    assert len(points) > 2
    expect(page.locator("#pnl-chart canvas")).to_have_count(1)
    drawn = page.evaluate(
        """() => {
            const u = window.polyrank.chart;
            const c = document.querySelector('#pnl-chart canvas');
            const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let line = 0;   // pixels of the realized series' colour (#2563eb)
            for (let i = 0; i < px.length; i += 4) {
                if (px[i + 3] > 200 && Math.abs(px[i] - 0x25) < 40
                    && Math.abs(px[i + 1] - 0x63) < 40 && Math.abs(px[i + 2] - 0xeb) < 40) line++;
            }
            return {x: u.data[0].length, realized: u.data[1], width: c.width,
                    height: c.height, line};
        }""")
    assert drawn["x"] == len(points) and drawn["realized"] == [p["realized"] for p in points]
    assert drawn["width"] > 300 and drawn["height"] > 100
    assert drawn["line"] > 200, drawn["line"]
    # not hovering, the legend shows the latest day's values
    legend = page.locator("#pnl-chart .u-legend")
    expect(legend).to_contain_text(points[-1]["day"])
    expect(legend).to_contain_text(usd(points[-1]["realized"]))
    expect(legend).to_contain_text(usd(points[-1]["total"]))

    # the exchange era and each fee in its own unit (V1: a BUY pays shares, a SELL USDC)
    cells = page.locator("#trades tbody tr").evaluate_all(
        """rows => rows.map(r => { const td = r.querySelectorAll('td');
            return {fee: td[6].textContent, exchange: td[7].textContent,
                    era: td[7].title}; })""")
    assert len(cells) == len(trades["rows"])
    for cell, row in zip(cells, trades["rows"], strict=True):
        assert row["exchange_version"] == 1   # the world predates the V2 migration
        assert cell["exchange"] == "V1" and "CTF Exchange" in cell["era"], cell
        unit = " shares" if row["side"] == "BUY" else " USDC"
        assert cell["fee"].endswith(unit), (cell, row)
    assert {r["side"] for r in trades["rows"]} == {"BUY", "SELL"}

    expect(page.locator("#trades-pager")).to_contain_text(f"of {trades['total']:,}")
    page.click('#trades-pager button:has-text("Older")')
    older = server.get(f"/api/wallets/{wallet['wallet']}/trades", limit=25, offset=25)
    expect(page.locator("#trades-pager")).to_contain_text(f"26–{25 + len(older['rows'])} of")
    first = time.strftime("%Y-%m-%d %H:%M", time.gmtime(older["rows"][0]["ts"]))
    expect(page.locator("#trades tbody tr").first.locator("td").first).to_contain_text(first)

    # back to the leaderboard with the browser's history
    page.go_back()
    wait_board(page, category="all")
    assert dom_wallets(page) == [r["wallet"] for r in api["rows"]]

    # an address that is not one is told so, without asking the API: the banner alone
    page.goto(server.url + "/wallet/0x12zz")
    expect(page.locator("#error")).to_contain_text("is not a wallet address")
    expect(page.locator("#wallet")).to_be_hidden()
    expect(page.locator("#board")).to_be_hidden()


def test_a_v2_fill_shows_no_fee_rather_than_a_zero(server, page):
    """The world predates the V2 migration, so one trade of the real answer is rewritten as
    what the Data API gives for a V2 fill: no fee (stored as 0)."""
    server.wait_ready()
    wallet = board(server)["rows"][0]["wallet"]

    def as_v2(route):
        body = route.fetch().json()
        body["rows"][0].update(exchange_version=2, fee=0.0, fee_unit="USDC")
        route.fulfill(json=body)

    page.route(re.compile(r".*/api/wallets/0x[0-9a-f]{40}/trades.*"), as_v2)
    page.goto(f"{server.url}/wallet/{wallet}")
    first = page.locator("#trades tbody tr").first.locator("td")
    expect(first.nth(6)).to_have_text("n/a")
    expect(first.nth(6)).to_have_attribute("title", re.compile("Data API reports no fee"))
    expect(first.nth(7)).to_have_text("V2")
    expect(first.nth(7)).to_have_attribute("title", re.compile("Data API"))


def test_errors_show_the_banner_alone(server, page):
    server.wait_ready()
    # a well-formed address the store knows nothing of (404)
    missing = "0x" + "ab" * 20
    page.goto(f"{server.url}/wallet/{missing}")
    expect(page.locator("#error")).to_contain_text(f"no trades loaded and no metrics for "
                                                   f"wallet {missing}")
    for panel in ("#wallet", "#board", "#pipeline"):
        expect(page.locator(panel)).to_be_hidden()

    # a refused input: FastAPI's 422 carries `error` naming the parameter; the controls stay
    # to correct it, the stale rows go
    page.goto(server.url + "/")
    wait_board(page, window="lifetime")
    page.fill("#min-bets", "99999999999")
    expect(page.locator("#error")).to_contain_text("min_bets: Input should be less than")
    expect(page.locator("#min-bets")).to_be_visible()
    expect(page.locator("#board-results")).to_be_hidden()
    page.fill("#min-bets", "")
    wait_board(page, window="lifetime")
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#board-results")).to_be_visible()

    # the API down once the page runs: its banner, no panel under it
    page.route(re.compile(r".*/api/(?!meta).*"), lambda route: route.abort())
    page.click('#windows button[data-window="180d"]')
    expect(page.locator("#error")).to_contain_text("The API does not answer")
    for panel in ("#wallet", "#board", "#pipeline"):
        expect(page.locator(panel)).to_be_hidden()
    page.goto(f"{server.url}/wallet/{board(server)['rows'][0]['wallet']}")
    expect(page.locator("#error")).to_contain_text("The API does not answer")
    for panel in ("#wallet", "#board", "#pipeline"):
        expect(page.locator(panel)).to_be_hidden()


def test_before_any_metrics_run_the_page_shows_the_pipeline_stage(tmp_path, page):
    """An empty store with nothing loading: the page says what to run instead of promising a
    refresh, and keeps asking /api/status."""
    srv = Served(["serve", "--store", f"chdb://{tmp_path / 'empty'}"], tmp_path / "serve.log")
    try:
        status = srv.get("/api/status")
        assert status["runs"] == [] and status["stage"] == "empty"
        assert not (status["ingest"] or {}).get("alive")
        polls: list[str] = []
        page.on("request", lambda req: polls.append(req.url) if "/api/status" in req.url
                else None)
        page.goto(srv.url + "/")
        expect(page.locator("#pipeline")).to_be_visible()
        expect(page.locator("#pipeline-stage")).to_have_text(status["stage"])
        expect(page.locator("#board")).to_be_hidden()
        idle = page.locator("#pipeline-idle")
        expect(idle).to_be_visible()
        expect(idle).to_contain_text("polyrank pipeline --wallets FILE")
        expect(idle).to_contain_text("polyrank serve --pipeline --wallets FILE")
        expect(page.locator("#pipeline-wait")).to_be_hidden()
        # the steps are /api/meta's
        steps = [s["name"] for s in srv.get("/api/meta")["steps"]]
        expect(page.locator("#pipeline-steps li")).to_have_text(steps)
        # and it keeps polling
        deadline = time.monotonic() + 15
        while len(polls) < 3 and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert len(polls) >= 3, polls
        # a wallet with nothing loaded shows no empty panels under the pipeline's
        page.goto(srv.url + "/wallet/0x" + "ab" * 20)
        expect(idle).to_be_visible()
        expect(page.locator("#wallet")).to_be_hidden()
    finally:
        srv.stop()


def test_the_api_explorer_renders_offline(server, page):
    """/docs (Swagger UI from the package's vendored files) lists every API operation,
    asking no other host (the `page` fixture fails the test otherwise)."""
    page.goto(server.url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("polyrank")
    paths = sorted(server.get("/openapi.json")["paths"])
    shown = page.locator(".opblock-summary-path").all_inner_texts()
    assert sorted({p.replace("\u200b", "") for p in shown}) == paths


def test_wallet_page_shows_polymarkets_pnl_beside_ours(server, page):
    """The lifetime column reconciles: Realized P&L (all positions) = Polymarket's P&L + fees
    + resolved-but-unredeemed, the figures as the API gives them."""
    server.wait_ready()
    wallet = server.get("/api/omega/leaderboard", limit=1)["rows"][0]["wallet"]
    info = server.get(f"/api/wallets/{wallet}")
    life = next(m for m in info["metrics"]
                if m["window"] == "lifetime" and m["category"] == "all")
    assert life["realized_pnl_all"] == pytest.approx(
        life["pnl_polymarket"] + life["pnl_fee_effect"] + life["pnl_unredeemed"], abs=1e-6)
    page.goto(f"{server.url}/wallet/{wallet}")
    row = page.locator('#wallet-metrics tr[data-metric="pnl_polymarket"]')
    expect(row.locator('td[data-window="lifetime"]')).not_to_have_text("—")
    assert "Polymarket" in row.locator("th").inner_text()
    assert "redeemed" in (row.locator("th").get_attribute("title") or "")


def utc(ts: int) -> str:
    """As the page writes a time."""
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts)) + " UTC"


def test_the_page_stays_put_when_the_header_line_completes(server, page):
    """The header's line grows once /api/status answers (how long ago, loaded up to), after
    the board is shown: the board must not move under the pointer then. Before the line had a
    row of its own, it wrapped and pushed the board 36 px down, and a click aimed at a row's
    address landed beside it (a lost click in a loaded CI run)."""
    server.wait_ready()
    held = []
    # the status answer waits until the board is shown and measured
    page.route("**/api/status", lambda route: held.append(route))
    page.goto(server.url + "/")
    wait_board(page, window="lifetime", category="all")
    age = page.locator('#asof [data-part="age"]')
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert held, "the page did not ask /api/status for the header's line"
    expect(age).to_have_count(0)
    top = "() => document.querySelector('#leaderboard').getBoundingClientRect().top"
    before = page.evaluate(top)
    for route in held:
        route.continue_()
    expect(age).to_have_text(re.compile(r"^computed .+ ago$"))
    assert page.evaluate(top) == pytest.approx(before, abs=0.5)


def test_the_header_says_how_fresh_the_data_is(server, page):
    """data as of <the run's as-of> · computed <age> ago · wallets loaded up to <the least
    loaded_to>, from /api/status's freshness of the run shown."""
    server.wait_ready()
    fresh = server.get("/api/status")["freshness"]
    api = board(server)
    assert fresh["as_of"] == api["as_of"]
    page.goto(server.url + "/")
    wait_board(page, window="lifetime", category="all")
    asof = page.locator("#asof")
    expect(asof.locator('[data-part="as-of"]')).to_have_text(f"data as of {utc(api['as_of'])}")
    age = asof.locator('[data-part="age"]')
    expect(age).to_have_text(re.compile(r"^computed \d+ (s|min|h|days) ago$"))
    expect(age).to_have_attribute("title", f"finished {utc(fresh['finished_at'])}")
    loaded = asof.locator('[data-part="loaded-to"]')
    expect(loaded).to_have_text("wallets loaded up to: unknown" if fresh["loaded_to_min"] is None
                                else f"wallets loaded up to {utc(fresh['loaded_to_min'])}")
    expect(asof).to_contain_text(f"run {api['run_id']}")

    # wallets that know their cursor: the earliest of them (the demo's ingest may not record
    # it: the answer is rewritten with known values)
    known = {"loaded_to_min": api["as_of"] - 3 * 3600, "loaded_to_max": api["as_of"],
             "wallets_loaded_to": 12, "age_s": 7200}

    def with_cursors(route):
        body = route.fetch().json()
        body["freshness"].update(known)
        route.fulfill(json=body)

    page.route(re.compile(r".*/api/status$"), with_cursors)
    page.goto(server.url + "/")
    wait_board(page, window="lifetime", category="all")
    expect(loaded).to_have_text(f"wallets loaded up to {utc(known['loaded_to_min'])}")
    expect(loaded).to_have_attribute("title", re.compile(rf"of 12 wallets.*{utc(api['as_of'])}"))
    expect(age).to_have_text("computed 2 h ago")


def test_a_wallet_page_says_how_far_it_is_loaded_and_who_found_it(server, page):
    server.wait_ready()
    wallet = board(server)["rows"][0]["wallet"]
    loading = server.get(f"/api/wallets/{wallet}")["loading"]
    # the demo loads a wallet list: no discovery source
    assert loading["status"] == "done" and loading["discovered_by"] == []
    page.goto(f"{server.url}/wallet/{wallet}")
    box = page.locator("#wallet-loading")
    expect(box.locator('[data-part="loaded-to"]')).to_have_text(
        "loaded up to: unknown" if loading["loaded_to"] is None
        else f"loaded up to {utc(loading['loaded_to'])}")
    expect(box.locator('[data-part="status"]')).to_have_text(
        f" (done, last loaded {utc(loading['loaded_at'])})")
    expect(box.locator('[data-part="discovered-by"]')).to_have_text("from a wallet list")

    # a wallet discovery found, its cursor known (the answer rewritten)
    found = {"status": "done", "loaded_to": 1_776_000_000, "loaded_at": 1_776_100_000,
             "discovered_by": ["leaderboard", "tape"], "first_seen": 1_770_000_000,
             "last_seen": 1_775_000_000}

    def discovered(route):
        body = route.fetch().json()
        body["loading"] = found
        route.fulfill(json=body)

    page.route(re.compile(r".*/api/wallets/0x[0-9a-f]{40}$"), discovered)
    page.goto(f"{server.url}/wallet/{wallet}")
    expect(box).to_have_text(f"loaded up to {utc(found['loaded_to'])} (done, last loaded "
                             f"{utc(found['loaded_at'])}), discovered by leaderboard, tape "
                             "(seen 2026-02-02 → 2026-03-31)")
    expect(box).to_have_attribute("data-loaded-to", str(found["loaded_to"]))
    expect(box.locator('[data-part="discovered-by"]')).to_have_attribute(
        "title", f"first seen trading {utc(found['first_seen'])}, last seen "
                 f"{utc(found['last_seen'])}")


# ---- where the skilled money stands; skill, risk and behaviour -------------------------------

def wait_markets(page: Page, **expected: str | int) -> None:
    """Until the markets table shows the answer to a query with these parameters."""
    wait_table(page, "#markets-table", expected)


def per_share(value: float | None) -> str:
    """As the page writes a figure in dollars per share (+0.032)."""
    if value is None:
        return "—"
    return ("+" if value > 0 else "−" if value < 0 else "") + f"{abs(value):,.3f}"


def test_the_markets_list_and_a_markets_outcomes(server, page):
    server.wait_ready()
    api = server.get("/api/markets", limit=100)
    assert api["total"] > 3, "the demo world has open markets with skilled holders"
    page.goto(server.url + "/")
    wait_board(page, window="lifetime")
    page.click('#views a[data-view="markets"]')
    page.wait_for_url("**/markets")
    wait_markets(page, sort="skilled_holders", category="all")
    assert data_of(page, "#markets-table tbody tr[data-market]", "market") == [
        r["market_id"] for r in api["rows"]]
    expect(page.locator("#markets-summary")).to_contain_text(f"{api['total']} open markets")
    meta = server.get("/api/meta")
    assert sorted(data_of(page, "#markets-head th[data-sort]", "sort")) == sorted(
        meta["market_sorts"])
    # sorted by the gap between the current price and the skilled entry
    page.click('#markets-head th[data-sort="edge_gap"] button')
    wait_markets(page, sort="edge_gap", order="desc")
    assert "sort=edge_gap" in page.url
    by_gap = server.get("/api/markets", sort="edge_gap", limit=100)["rows"]
    assert data_of(page, "#markets-table tbody tr[data-market]", "market") == [
        r["market_id"] for r in by_gap]
    # one category
    cat = api["rows"][0]["category"]
    page.click(f'#markets-cats button[data-category="{cat}"]')
    wait_markets(page, sort="edge_gap", category=cat)
    in_cat = server.get("/api/markets", sort="edge_gap", category=cat, limit=100)["rows"]
    assert in_cat and data_of(page, "#markets-table tbody tr[data-market]", "market") == [
        r["market_id"] for r in in_cat]

    # a market's page: per outcome its current price and what each group holds
    top = in_cat[0]
    page.click(f'#markets-table tr[data-market="{top["market_id"]}"] a.market-link')
    page.wait_for_url(f"**/market/{top['market_id']}")
    market = server.get(f"/api/markets/{top['market_id']}")
    expect(page.locator("#market-question")).to_have_text(market["question"])
    expect(page.locator('#market-meta [data-part="category"]')).to_have_text(market["category"])
    assert len(market["outcomes"]) == 2
    for o in market["outcomes"]:
        i = o["outcome_index"]
        head = page.locator(f'#market-outcomes tr.outcome-head[data-outcome="{i}"]')
        expect(head).to_contain_text(o["outcome"])
        expect(head).to_contain_text(f"current price {o['price']:.4f}")
        for group in ("skilled", "skilled_category", "all"):
            row = page.locator(f'#market-outcomes tr[data-outcome="{i}"][data-group="{group}"]')
            cells = row.locator("td").evaluate_all("cs => cs.map(c => c.dataset.value)")
            want = o[group]
            assert [float(c) if c else None for c in cells[:5]] == [
                want["holders"], pytest.approx(want["shares"]),
                None if want["avg_entry"] is None else pytest.approx(want["avg_entry"]),
                pytest.approx(want["cost"]), pytest.approx(want["unrealized"])], (i, group)
    expect(page.locator('#market-outcomes tr[data-group="skilled_category"] th').first
           ).to_have_text(f"Skilled in {market['category']}")
    assert sum(o["skilled"]["holders"] for o in market["outcomes"]) > 0
    # the skilled holdings, largest first, each linked to its wallet page
    assert data_of(page, "#market-holders tbody tr[data-wallet]", "wallet") == [
        h["wallet"] for h in market["holders"]]
    first = market["holders"][0]
    page.click(f'#market-holders tr[data-wallet="{first["wallet"]}"] a.addr')
    page.wait_for_url(f"**/wallet/{first['wallet']}")
    expect(page.locator("#wallet-address")).to_have_text(first["wallet"])
    # the wallet's open positions: at their current price, linked back to the market
    held = page.locator(f'#positions tbody tr[data-token="{first["token_id"]}"]')
    expect(held).to_have_attribute("data-open", "1")
    expect(held.locator("td.price")).to_have_text(f"{first['price']:.4f}")
    expect(held.locator("a.market-link")).to_have_attribute("href",
                                                          f"/market/{market['market_id']}")
    page.go_back()
    expect(page.locator("#market-question")).to_have_text(market["question"])

    # a market the catalogue does not know: the banner alone
    page.goto(server.url + "/market/999999999")
    expect(page.locator("#error")).to_contain_text("no market with Gamma id")
    for panel in ("#market", "#markets", "#board", "#wallet"):
        expect(page.locator(panel)).to_be_hidden()


def test_the_wallet_page_explains_skill_risk_and_behaviour(server, page):
    server.wait_ready()
    row = board(server, skilled="true")["rows"][0]
    info = server.get(f"/api/wallets/{row['wallet']}")
    life = next(m for m in info["metrics"]
                if m["window"] == "lifetime" and m["category"] == "all")
    assert life["skilled"] == 1
    page.goto(f"{server.url}/wallet/{row['wallet']}")
    expect(page.locator('#wallet-badges [data-badge="skilled"]')).to_have_count(1)
    box = page.locator("#wallet-explain")
    figures = ["skilled", "edge", "edge_lb", "skill_z", "sharpe_daily", "max_drawdown",
               "market_maker", "high_frequency", "favourite_buyer"]
    assert data_of(page, "#wallet-explain [data-figure]", "figure") == figures
    for key in figures:
        sentence = box.locator(f'[data-figure="{key}"] dd').inner_text()
        assert len(sentence) > 60 and sentence.endswith("."), (key, sentence)
    # the words a reader deciding whom to copy needs, where they belong
    for key, words in [("edge", "price paid"), ("edge_lb", "luck"), ("skill_z", "luck"),
                       ("skilled", "luck"), ("max_drawdown", "peak"),
                       ("market_maker", "spread"), ("high_frequency", "automated"),
                       ("favourite_buyer", "0.90")]:
        expect(box.locator(f'[data-figure="{key}"] dd')).to_contain_text(words)
    expect(box.locator('[data-figure="skilled"] .value')).to_have_text("✓ skilled")
    expect(box.locator('[data-figure="edge_lb"] .value')).to_have_text(per_share(life["edge_lb"]))
    expect(box.locator('[data-figure="skill_z"] .value')).to_contain_text(
        f"{life['skill_z']:.2f}")
    # the metrics table's rows, per window, with the explanation as their title
    cell = page.locator(metric_cell("edge", "lifetime"))
    expect(cell).to_have_text(per_share(life["edge"]))
    title = page.locator('#wallet-metrics tr[data-metric="edge"] th').get_attribute("title")
    assert title == box.locator('[data-figure="edge"] dd').inner_text()
    # another category's lifetime figures
    other = next(m for m in info["metrics"]
                 if m["window"] == "lifetime" and m["category"] != "all")
    page.click(f'#wallet-cats button[data-category="{other["category"]}"]')
    expect(box.locator('[data-figure="edge_lb"] .value')).to_have_text(
        per_share(other["edge_lb"]))


def test_the_skill_toggles_change_the_boards_request(server, page):
    server.wait_ready()
    asked: list[str] = []
    page.on("request", lambda req: asked.append(req.url)
            if "/api/omega/leaderboard" in req.url else None)
    meta = server.get("/api/meta")
    page.goto(server.url + "/")
    wait_board(page, window="lifetime", category="all")
    everyone = board(server)
    assert data_of(page, "#hide-flags input", "flag") == meta["flags"]
    # behaviour badges where the API flags a wallet
    flagged = [(r["wallet"], f) for r in everyone["rows"] for f in meta["flags"] if r[f]]
    assert flagged, "the demo world has flagged ranked wallets"
    for wallet, flag in flagged:
        expect(page.locator(f'tr[data-wallet="{wallet}"] .flag[data-flag="{flag}"]')
               ).to_have_count(1)
    assert "skilled=" not in asked[-1] and "hide=" not in asked[-1]

    page.check("#skilled-only")
    wait_board(page, skilled="true")
    assert "skilled=true" in page.url and "skilled=true" in asked[-1]
    skilled = board(server, skilled="true")
    assert 0 < skilled["total"] < everyone["total"]
    assert dom_wallets(page) == [r["wallet"] for r in skilled["rows"]]
    expect(page.locator('#leaderboard tbody [data-badge="skilled"]')).to_have_count(
        len(skilled["rows"]))
    expect(page.locator("#board-summary")).to_contain_text(
        f"{skilled['total']} ranked wallets")
    expect(page.locator("#board-summary")).to_contain_text("skilled only")

    page.check('#hide-flags input[data-flag="market_maker"]')
    wait_board(page, skilled="true", hide="market_maker")
    assert "hide=market_maker" in asked[-1]
    page.check('#hide-flags input[data-flag="favourite_buyer"]')
    wait_board(page, skilled="true", hide="market_maker,favourite_buyer")
    hidden = board(server, skilled="true", hide="market_maker,favourite_buyer")
    assert dom_wallets(page) == [r["wallet"] for r in hidden["rows"]]
    expect(page.locator("#board-summary")).to_contain_text(
        "hiding market makers, favourite buyers")
    page.uncheck("#skilled-only")
    wait_board(page, hide="market_maker,favourite_buyer")
    assert "skilled=" not in asked[-1]
    unskilled = board(server, hide="market_maker,favourite_buyer")
    assert unskilled["total"] < everyone["total"]
    assert dom_wallets(page) == [r["wallet"] for r in unskilled["rows"]]
    # the state is in the URL: a reload keeps the toggles
    page.reload()
    wait_board(page, hide="market_maker,favourite_buyer")
    expect(page.locator('#hide-flags input[data-flag="favourite_buyer"]')).to_be_checked()
    expect(page.locator("#skilled-only")).not_to_be_checked()

    # the new sort columns
    page.click('#board-head th[data-sort="edge_lb"] button')
    wait_board(page, sort="edge_lb", hide="market_maker,favourite_buyer")
    values = column_values(page, column_index(page, "edge_lb"))
    want = board(server, sort="edge_lb", hide="market_maker,favourite_buyer")["rows"]
    assert values == [r["edge_lb"] for r in want]
