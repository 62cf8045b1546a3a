"""`polyrank-sim world generate` and `polyrank-sim replay serve` from the real command line."""

from __future__ import annotations

import json
import urllib.request

from typer.testing import CliRunner

from polyrank.sim.cli import app
from polyrank.upstream.records import parse_gamma_event, parse_order_filled
from tests.replay_world import served_by_cli


def _post(url: str, query: str, variables: dict) -> dict:
    body = json.dumps({"query": query, "variables": variables}).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def test_generate_then_serve_with_faults_then_stop(tmp_path):
    world = tmp_path / "world"
    res = CliRunner().invoke(app, ["world", "generate", "--out", str(world), "--wallets", "60",
                                   "--markets", "12", "--seed", "4"])
    assert res.exit_code == 0, res.output
    assert "fills" in res.stdout and (world / "ledger" / "wallet_metrics.parquet").exists()
    with served_by_cli(world, tmp_path / "port", "--rate-limit", "3",
                       "--rate-window", "60") as base:
        with urllib.request.urlopen(f"{base}/events?limit=5&closed=true", timeout=30) as r:
            events = [parse_gamma_event(e) for e in json.loads(r.read())]
        assert events and all(e.closed for e in events)
        wallet = (world / "wallets.txt").read_text().split()[0]
        url = (f"{base}/api/public/project_cl6mb8i9h0003e201j6li0diw/subgraphs/"
               "orderbook-subgraph/0.0.1/gn")
        data = _post(url, "query($w: String!) { orderFilledEvents(first: 3, where: {maker: $w})"
                          " { id transactionHash timestamp orderHash maker taker makerAssetId "
                          "takerAssetId makerAmountFilled takerAmountFilled fee } }",
                     {"w": wallet})
        fills = [parse_order_filled(f) for f in data["data"]["orderFilledEvents"]]
        assert all(f.maker == wallet for f in fills)
        # the fourth request in the window is rate limited, with a Retry-After
        urllib.request.urlopen(f"{base}/tags", timeout=30).read()
        try:
            urllib.request.urlopen(f"{base}/tags", timeout=30)
            raise AssertionError("expected HTTP 429")
        except urllib.error.HTTPError as exc:
            assert exc.code == 429 and int(exc.headers["Retry-After"]) > 0


def test_serve_on_a_port_another_process_holds_says_so(tmp_path):
    """The replay on a held port exits 1 with the address and the reason, not a traceback."""
    import socket
    import subprocess
    import sys

    world = tmp_path / "world"
    assert CliRunner().invoke(app, ["world", "generate", "--out", str(world), "--wallets",
                                    "50", "--markets", "10"]).exit_code == 0
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        held = holder.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "polyrank.sim", "replay", "serve",
                               str(world), "--port", str(held)],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert f"the replay cannot listen on 127.0.0.1:{held}" in done.stderr, done.stderr
    assert "address already in use" in done.stderr and "Traceback" not in done.stderr
