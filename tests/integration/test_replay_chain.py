"""The replay's Polygon JSON-RPC over real sockets: the world's fills and activities as the
exchange, ConditionalTokens and NegRiskAdapter logs, decoded here with eth_abi alone (never
polyrank.upstream), each in the block of its own timestamp; filters, provider limits, batches,
the clock and faults as a chain client meets them."""

from __future__ import annotations

import http.client
import itertools
import json
import urllib.error
import urllib.request
from collections import Counter, defaultdict

import pytest
from eth_abi import decode

from polyrank.sim.replay import FaultConfig, ReplayServer, ServiceLimits
from polyrank.sim.replay.chain import ChainLimits
from polyrank.sim.replay.clock import parse_time
from polyrank.sim.replay.loader import load_world
from polyrank.sim.world import WorldParams, generate_world
from tests.replay_world import gql, served_by_cli

V1_FILLED = "0xd0a08e8c493f9c94f29311604c9de1b4e8c8d4c06bd0c789af57f2d65bfec0f6"
V2_FILLED = "0xd543adfd945773f1a62f74f0ee55a5e3b9b1a28262980ba90b1a89f2ea84d8ee"
CTF = "0x4d97dcd97ec945f40cf65f87097ace5ea0476045"
ADAPTER = "0xd91e80cf2e7be2e162c6513ced06f1dd0da35296"
USDC_E = "0x2791bca1f2de4661ed88a30c99a7a9449aa84174"
PUSD = "0xc011a7e12a19f7b1f670d46f03b03f3342e82dfb"
WCOL = "0x3a3bd7bb9528e159577f7c2e685cc81a765002e2"
ZERO32 = "0x" + "00" * 32
T = parse_time("2026-04-10")


def sig(text: str) -> str:
    from Crypto.Hash import keccak

    return "0x" + keccak.new(digest_bits=256, data=text.encode()).hexdigest()


CTF_SPLIT = sig("PositionSplit(address,address,bytes32,bytes32,uint256[],uint256)")
CTF_MERGE = sig("PositionsMerge(address,address,bytes32,bytes32,uint256[],uint256)")
CTF_REDEEM = sig("PayoutRedemption(address,address,bytes32,bytes32,uint256[],uint256)")
NR_SPLIT = sig("PositionSplit(address,bytes32,uint256)")
NR_MERGE = sig("PositionsMerge(address,bytes32,uint256)")
NR_CONVERT = sig("PositionsConverted(address,bytes32,uint256,uint256)")
NR_REDEEM = sig("PayoutRedemption(address,bytes32,uint256[],uint256)")


def pad(address: str) -> str:
    return "0x" + "00" * 12 + address[2:].lower()


def unpad(topic: str) -> str:
    return "0x" + topic[-40:]


def data(log: dict, types: list[str]) -> tuple:
    return decode(types, bytes.fromhex(log["data"][2:]))


def post(url: str, body, headers: dict | None = None):
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200
        return json.loads(resp.read())


def call(url: str, method: str, *params) -> dict:
    return post(url, {"jsonrpc": "2.0", "id": 7, "method": method, "params": list(params)})


def logs(url: str, **crit) -> list[dict]:
    body = call(url, "eth_getLogs", crit)
    assert "error" not in body, body
    return body["result"]


def every_log(url: str, lo: int, hi: int, **crit) -> list[dict]:
    """All logs of blocks lo..hi, narrowing the range as the result-cap error suggests (how a
    chain client pages through a provider)."""
    out = []
    while lo <= hi:
        body = call(url, "eth_getLogs", {"fromBlock": hex(lo), "toBlock": hex(hi), **crit})
        if "error" in body:
            assert body["error"]["code"] == -32005, body
            msg = body["error"]["message"]
            a, b = msg[msg.index("[") + 1:msg.index("]")].split(", ")
            assert int(a, 16) == lo and lo <= int(b, 16) < hi
            body = call(url, "eth_getLogs", {"fromBlock": a.lower(), "toBlock": b.lower(),
                                              **crit})
            out += body["result"]
            lo = int(b, 16) + 1
        else:
            out += body["result"]
            break
    return out


def blocks(url: str, numbers) -> dict[int, dict]:
    """eth_getBlockByNumber of each number, in batches of 1000 answered by id."""
    numbers, out = sorted(set(numbers)), {}
    for i in range(0, len(numbers), 1000):
        batch = [{"jsonrpc": "2.0", "id": n, "method": "eth_getBlockByNumber",
                  "params": [hex(n), False]} for n in numbers[i:i + 1000]]
        for answer in post(url, batch):
            out[answer["id"]] = answer["result"]
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("chain") / "world"
    generate_world(path, WorldParams(seed=11, wallets=120, markets=40, start="2026-01-01",
                                     end="2026-07-15"))
    return load_world(path)


@pytest.fixture(scope="module")
def server(world):
    with ReplayServer(world) as srv:
        yield srv


@pytest.fixture(scope="module")
def limited(world):
    limits = ServiceLimits(chain=ChainLimits(max_block_range=1000, max_results=20, max_batch=5))
    with ReplayServer(world, limits=limits) as srv:
        yield srv


@pytest.fixture(scope="module")
def chain_logs(server, world):
    """Every log of the chain, in the order served."""
    head = int(call(server.rpc_url, "eth_blockNumber")["result"], 16)
    got = every_log(server.rpc_url, 0, head)
    assert got
    return got


@pytest.fixture(scope="module")
def block_info(server, chain_logs):
    return blocks(server.rpc_url, (int(x["blockNumber"], 16) for x in chain_logs))


@pytest.fixture(scope="module")
def neg_conditions(world):
    return {m["condition_id"] for m in world.markets if m["neg_risk"]}


def by_tx(chain_logs) -> dict[str, list[dict]]:
    out = defaultdict(list)
    for x in chain_logs:
        out[x["transactionHash"]].append(x)
    return out


def test_topic0_constants():
    from polyrank.sim.replay.logs import EVENTS

    assert sig("OrderFilled(bytes32,address,address,uint256,uint256,uint256,uint256,uint256)"
               ) == V1_FILLED
    assert sig("OrderFilled(bytes32,address,address,uint8,uint256,uint256,uint256,uint256,"
               "bytes32,bytes32)") == V2_FILLED
    assert [e.topic0 for e in EVENTS] == [V1_FILLED, V2_FILLED, CTF_SPLIT, CTF_MERGE,
                                          CTF_REDEEM, NR_SPLIT, NR_MERGE, NR_CONVERT, NR_REDEEM]
    # the well-known ConditionalTokens topics
    assert CTF_SPLIT == "0x2e6bb91f8cbcda0c93623c54d0403a43514fabc40084ec96b6d5379a74786298"
    assert CTF_REDEEM == "0x2682012a4a4f1973119f1c9b90745d1bd91fa2bab387344f044cb3586864d18d"


def test_simple_methods(server, world):
    url = server.rpc_url
    assert server.rpc_url == server.url + "/rpc"
    assert call(url, "eth_chainId") == {"jsonrpc": "2.0", "id": 7, "result": "0x89"}
    head = int(call(url, "eth_blockNumber")["result"], 16)
    assert head == world.chain.head_block
    block = call(url, "eth_getBlockByNumber", "latest", False)["result"]
    assert int(block["number"], 16) == head
    assert int(block["timestamp"], 16) == world.meta["as_of_ts"]
    parent = call(url, "eth_getBlockByNumber", hex(head - 1), False)["result"]
    assert block["parentHash"] == parent["hash"] and block["hash"] != parent["hash"]
    assert call(url, "eth_getBlockByNumber", hex(head + 1), False)["result"] is None
    for tag in ("pending", "safe", "finalized"):
        assert call(url, "eth_getBlockByNumber", tag, False)["result"]["number"] == hex(head)
    assert call(url, "eth_getBlockByNumber", "earliest", False)["result"]["number"] == "0x0"
    # the Goldsky head is the same block
    meta = gql(server.subgraph_url("orderbook-subgraph"),
               "{ _meta { block { number hash timestamp } } }")["data"]["_meta"]["block"]
    assert (meta["number"], meta["hash"], meta["timestamp"]) == (
        head, block["hash"], world.meta["as_of_ts"])


def test_blocks_are_one_or_two_seconds_apart(server, world):
    busiest = Counter(world.fills.column("timestamp").to_pylist()).most_common(1)[0][0]
    start = world.chain.block_at(busiest) - 1500
    got = blocks(server.rpc_url, range(start, start + 3000))
    stamps = [int(got[n]["timestamp"], 16) for n in range(start, start + 3000)]
    gaps = Counter(b - a for a, b in itertools.pairwise(stamps))
    assert set(gaps) <= {1, 2} and gaps[2] > gaps[1] > 0
    assert all(got[n + 1]["parentHash"] == got[n]["hash"] for n in range(start, start + 2999))


def test_logs_are_in_chain_order(chain_logs, block_info):
    keys = [(int(x["blockNumber"], 16), int(x["logIndex"], 16)) for x in chain_logs]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    per_block = defaultdict(list)
    for x in chain_logs:
        per_block[int(x["blockNumber"], 16)].append(x)
    for number, rows in per_block.items():
        assert [int(x["logIndex"], 16) for x in rows] == list(range(len(rows)))
        txs = [x["transactionHash"] for x in rows]
        first = list(dict.fromkeys(txs))
        assert first == sorted(first)  # transactions ordered by hash, each contiguous
        assert [int(x["transactionIndex"], 16) for x in rows] == [first.index(t) for t in txs]
        assert block_info[number]["transactions"] == first
        assert {x["blockHash"] for x in rows} == {block_info[number]["hash"]}
    for x in chain_logs[:50]:
        assert x["removed"] is False and x["address"] == x["address"].lower()
        assert all(t == t.lower() and len(t) == 66 for t in x["topics"])


def test_every_fill_once_with_its_fields_and_timestamp(world, chain_logs, block_info):
    exchanges = {a.lower() for a in world.meta["exchanges"].values()}
    fills = [x for x in chain_logs if x["address"] in exchanges]
    rows = {(r["transaction_hash"], r["order_hash"]): r for r in world.fills.to_pylist()}
    assert len(fills) == len(rows) == world.fills.num_rows
    seen = set()
    versions = Counter()
    for x in fills:
        key = (x["transactionHash"], x["topics"][1])
        assert key in rows and key not in seen
        seen.add(key)
        r = rows[key]
        assert x["address"] == r["exchange"]
        assert unpad(x["topics"][2]) == r["maker"] and unpad(x["topics"][3]) == r["taker"]
        assert int(block_info[int(x["blockNumber"], 16)]["timestamp"], 16) == r["timestamp"]
        amounts = (r["maker_amount_filled"], r["taker_amount_filled"], r["fee"])
        if r["version"] == 1:
            assert x["topics"][0] == V1_FILLED
            assert data(x, ["uint256"] * 5) == (int(r["maker_asset_id"]),
                                                int(r["taker_asset_id"]), *amounts)
        else:
            assert x["topics"][0] == V2_FILLED
            got = data(x, ["uint8", "uint256", "uint256", "uint256", "uint256", "bytes32",
                           "bytes32"])
            assert got == (r["side"], int(r["token_id"]), *amounts, bytes(32), bytes(32))
        versions[r["version"]] += 1
    assert versions[1] and versions[2]
    # in a match, the maker orders' fills come first, the taker order's own fill last
    for txs in by_tx(fills).values():
        takers = [x["address"] == unpad(x["topics"][3]) for x in txs]
        assert takers == sorted(takers)


def test_splits_merges_conversions_once(world, chain_logs, block_info, neg_conditions):
    acts = [r for r in world.activity.to_pylist() if r["type"] in ("SPLIT", "MERGE",
                                                                    "CONVERSION")]
    txs = by_tx(chain_logs)
    kinds = Counter()
    for r in acts:
        got = txs[r["transaction_hash"]]
        assert {int(block_info[int(x["blockNumber"], 16)]["timestamp"], 16)
                for x in got} == {r["timestamp"]}
        collateral = USDC_E if r["timestamp"] < world.meta["migration_ts"] else PUSD
        if r["type"] == "CONVERSION":
            (x,) = got
            assert (x["address"], x["topics"]) == (ADAPTER, [
                NR_CONVERT, pad(r["wallet"]), r["condition_id"], f"0x{r['index_set']:064x}"])
            assert data(x, ["uint256"]) == (r["size"],)
            kinds["conversion"] += 1
            continue
        ctf_topic0, nr_topic0 = {"SPLIT": (CTF_SPLIT, NR_SPLIT),
                                 "MERGE": (CTF_MERGE, NR_MERGE)}[r["type"]]
        if r["condition_id"] in neg_conditions:
            inner, outer = got  # the adapter's call into ConditionalTokens comes first
            assert (inner["address"], inner["topics"]) == (CTF, [
                ctf_topic0, pad(ADAPTER), ZERO32, r["condition_id"]])
            assert data(inner, ["address", "uint256[]", "uint256"]) == (WCOL, (1, 2),
                                                                        r["size"])
            assert (outer["address"], outer["topics"]) == (ADAPTER, [
                nr_topic0, pad(r["wallet"]), r["condition_id"]])
            assert data(outer, ["uint256"]) == (r["size"],)
            kinds["neg"] += 1
        else:
            (x,) = got
            assert (x["address"], x["topics"]) == (CTF, [
                ctf_topic0, pad(r["wallet"]), ZERO32, r["condition_id"]])
            assert data(x, ["address", "uint256[]", "uint256"]) == (collateral, (1, 2),
                                                                    r["size"])
            kinds["plain", collateral] += 1
    assert kinds["conversion"] and kinds["neg"]
    assert kinds["plain", USDC_E] and kinds["plain", PUSD]
    act_txs = {r["transaction_hash"] for r in acts}
    n_logs = sum(1 for x in chain_logs if x["topics"][0] in (
        CTF_SPLIT, CTF_MERGE, NR_SPLIT, NR_MERGE, NR_CONVERT) and x["transactionHash"] in act_txs)
    assert n_logs == len(acts) + kinds["neg"]


def test_exchange_mints_and_merges_precede_their_maker_fill(world, chain_logs, neg_conditions):
    """A maker order on the taker's side holds the complementary token: the exchange splits
    (two buys) or merges (two sells) through ConditionalTokens — via the adapter on neg-risk
    markets — right before that maker's OrderFilled. A trap: the stakeholder is no wallet."""
    exchanges = {a.lower() for a in world.meta["exchanges"].values()}
    fills = {(r["transaction_hash"], r["order_hash"]): r for r in world.fills.to_pylist()}
    taker_side = {r["transaction_hash"]: r["side"] for r in fills.values()
                  if r["taker"] == r["exchange"]}
    seen = Counter()
    for tx, got in by_tx(chain_logs).items():
        if tx not in taker_side:
            continue
        internal = [x for x in got if x["address"] not in exchanges]
        expected = 0
        for k, x in enumerate(got):
            r = fills.get((tx, x["topics"][1])) if x["address"] in exchanges else None
            if r is None or r["taker"] == r["exchange"] or r["side"] != taker_side[tx]:
                continue
            buy = r["side"] == 0
            amount = r["taker_amount_filled"] if buy else r["maker_amount_filled"]
            if r["condition_id"] in neg_conditions:
                inner, outer = got[k - 2], got[k - 1]
                assert (inner["address"], inner["topics"]) == (CTF, [
                    CTF_SPLIT if buy else CTF_MERGE, pad(ADAPTER), ZERO32, r["condition_id"]])
                assert data(inner, ["address", "uint256[]", "uint256"]) == (WCOL, (1, 2), amount)
                assert (outer["address"], outer["topics"]) == (ADAPTER, [
                    NR_SPLIT if buy else NR_MERGE, pad(r["exchange"]), r["condition_id"]])
                assert data(outer, ["uint256"]) == (amount,)
                expected += 2
            else:
                x = got[k - 1]
                collateral = USDC_E if r["timestamp"] < world.meta["migration_ts"] else PUSD
                assert (x["address"], x["topics"]) == (CTF, [
                    CTF_SPLIT if buy else CTF_MERGE, pad(r["exchange"]), ZERO32,
                    r["condition_id"]])
                assert data(x, ["address", "uint256[]", "uint256"]) == (collateral, (1, 2),
                                                                        amount)
                expected += 1
            seen["neg" if r["condition_id"] in neg_conditions else "plain", buy] += 1
        assert len(internal) == expected
    assert all(seen[k, b] for k in ("neg", "plain") for b in (True, False)), seen


def test_every_redemption_once(world, chain_logs, neg_conditions):
    groups = defaultdict(list)
    for r in world.activity.to_pylist():
        if r["type"] == "REDEEM":
            groups[r["transaction_hash"]].append(r)
    txs = by_tx(chain_logs)
    neg = 0
    for tx, rows in groups.items():
        got = txs[tx]
        wallet, cond = rows[0]["wallet"], rows[0]["condition_id"]
        payout = sum(r["usdc_size"] for r in rows)
        if cond in neg_conditions:
            inner, outer = got
            assert (inner["address"], inner["topics"]) == (CTF, [
                CTF_REDEEM, pad(ADAPTER), pad(WCOL), ZERO32])
            assert data(inner, ["bytes32", "uint256[]", "uint256"]) == (
                bytes.fromhex(cond[2:]), (1, 2), payout)
            amounts = [sum(r["size"] for r in rows if r["outcome_index"] == i) for i in (0, 1)]
            assert (outer["address"], outer["topics"]) == (ADAPTER, [
                NR_REDEEM, pad(wallet), cond])
            assert data(outer, ["uint256[]", "uint256"]) == (tuple(amounts), payout)
            neg += 1
        else:
            (x,) = got
            collateral = USDC_E if rows[0]["timestamp"] < world.meta["migration_ts"] else PUSD
            assert (x["address"], x["topics"]) == (CTF, [
                CTF_REDEEM, pad(wallet), pad(collateral), ZERO32])
            index_sets = tuple(sorted(1 << r["outcome_index"] for r in rows))
            assert data(x, ["bytes32", "uint256[]", "uint256"]) == (
                bytes.fromhex(cond[2:]), index_sets, payout)
    assert neg and len(groups) > neg
    assert sum(1 for x in chain_logs if x["topics"][0] in (CTF_REDEEM, NR_REDEEM)) == (
        len(groups) + neg)


def test_wallet_topic_filters(server, world, chain_logs):
    url, head = server.rpc_url, world.chain.head_block
    makers = Counter(r["maker"] for r in world.fills.to_pylist())
    (a, _), (b, _) = makers.most_common(2)
    exchanges = sorted({v.lower() for v in world.meta["exchanges"].values()})

    def expect(pred):
        return [x for x in chain_logs if pred(x)]

    fills_of_a = logs(url, fromBlock="0x0", toBlock="latest", address=exchanges,
                      topics=[[V1_FILLED, V2_FILLED], None, pad(a)])
    assert fills_of_a == expect(lambda x: x["address"] in exchanges
                                and x["topics"][2] == pad(a))
    assert len(fills_of_a) == makers[a]
    both = logs(url, fromBlock="0x0", topics=[None, None, [pad(a), pad(b)]],
                toBlock=hex(head))
    assert both == expect(lambda x: len(x["topics"]) > 2 and x["topics"][2] in (pad(a), pad(b)))
    # topics[1]: the wallet as stakeholder / redeemer (its activities), any contract
    acts = logs(url, fromBlock="0x0", topics=[None, pad(a)])
    assert acts == expect(lambda x: len(x["topics"]) > 1 and x["topics"][1] == pad(a))
    assert {x["address"] for x in acts} <= {CTF, ADAPTER}
    # an address list, a single address; positions beyond the list are wildcards
    v2 = [v for k, v in world.meta["exchanges"].items() if k.startswith("v2")]
    one = logs(url, fromBlock="0x0", address=v2[0].upper().replace("0X", "0x"),
               topics=[V2_FILLED])
    assert one == expect(lambda x: x["address"] == v2[0])
    assert logs(url, fromBlock="0x0", address=[ADAPTER], topics=[[NR_SPLIT, NR_MERGE]]) == (
        expect(lambda x: x["topics"][0] in (NR_SPLIT, NR_MERGE)))
    # a filter with more topic positions than the event has never matches it (as geth)
    assert logs(url, fromBlock="0x0", topics=[NR_SPLIT, None, None, None]) == []
    assert logs(url, fromBlock="0x0", topics=[None, None, None, "0x" + "11" * 32]) == []


def test_range_and_result_caps(limited, world, chain_logs):
    url = limited.rpc_url
    blocks_of = sorted(int(x["blockNumber"], 16) for x in chain_logs)
    # the densest 1000-block window: more logs than the result cap
    best = max(range(len(blocks_of)), key=lambda i: sum(
        1 for n in blocks_of[i:i + 200] if n <= blocks_of[i] + 999))
    lo = blocks_of[best]
    too_wide = call(url, "eth_getLogs", {"fromBlock": hex(lo), "toBlock": hex(lo + 1000)})
    assert too_wide["error"] == {"code": -32005, "message": "block range is too large"}
    too_many = call(url, "eth_getLogs", {"fromBlock": hex(lo), "toBlock": hex(lo + 999)})
    message = too_many["error"]["message"]
    assert too_many["error"]["code"] == -32005
    assert message.startswith("query returned more than 20 results. Try with this block "
                              f"range [0x{lo:X}, 0x")
    fits = int(message[message.index(", ") + 2:message.index("]")], 16)
    got = logs(url, fromBlock=hex(lo), toBlock=hex(fits))
    expected = [x for x in chain_logs if lo <= int(x["blockNumber"], 16) <= lo + 999]
    assert got == [x for x in expected if int(x["blockNumber"], 16) <= fits]
    assert len(got) <= 20 < sum(1 for x in expected if int(x["blockNumber"], 16) <= fits + 1)
    # a wallet's fills, or one exchange's, over the same 1000 blocks fit
    fill = next(x for x in expected if x["topics"][0] in (V1_FILLED, V2_FILLED))
    mine = logs(url, fromBlock=hex(lo), toBlock=hex(lo + 999), topics=[None, None,
                                                                        fill["topics"][2]])
    assert fill in mine and mine == [x for x in expected if len(x["topics"]) > 2
                                     and x["topics"][2] == fill["topics"][2]]
    tape = [x for x in expected if x["address"] == fill["address"]]
    if len(tape) <= 20:
        assert logs(url, fromBlock=hex(lo), toBlock=hex(lo + 999), address=fill["address"],
                    topics=[fill["topics"][0]]) == tape


def test_batches_answer_by_id(server, limited):
    batch = [{"jsonrpc": "2.0", "id": "b", "method": "eth_blockNumber"},
             {"jsonrpc": "2.0", "id": 3, "method": "eth_chainId", "params": []},
             {"jsonrpc": "2.0", "id": 4, "method": "eth_nope", "params": []},
             {"jsonrpc": "2.0", "id": 5, "method": "eth_getLogs", "params": [
                 {"fromBlock": "0x01"}]},
             "junk"]
    answers = post(server.rpc_url, batch)
    assert [a["id"] for a in answers] == ["b", 3, 4, 5, None]
    assert answers[1]["result"] == "0x89" and answers[0]["result"].startswith("0x")
    assert answers[2]["error"] == {"code": -32601,
                                   "message": "the method eth_nope does not exist/is not available"}
    assert answers[3]["error"]["code"] == -32602
    assert "leading zero" in answers[3]["error"]["message"]
    assert answers[4]["error"]["code"] == -32600
    assert post(server.rpc_url, [])["error"]["code"] == -32600
    big = [{"jsonrpc": "2.0", "id": i, "method": "eth_chainId"} for i in range(6)]
    assert post(limited.rpc_url, big) == [
        {"jsonrpc": "2.0", "id": 0, "error": {"code": -32600, "message": "batch too large"}}]
    assert len(post(limited.rpc_url, big[:5])) == 5


def test_bad_requests(server):
    url = server.rpc_url
    req = urllib.request.Request(url, data=b"{not json", headers={
        "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert json.loads(resp.read())["error"]["code"] == -32700
    for crit, words in (({"address": "0x1234"}, "hex string has length 4, want 40"),
                        ({"topics": ["0x12"]}, "want 64 for common.Hash"),
                        ({"topics": [None] * 5}, "exceed max topics"),
                        ({"fromBlock": "12"}, "without 0x prefix"),
                        ({"fromBlock": "0x5", "toBlock": "0x4"}, "invalid block range params"),
                        ({"blockHash": ZERO32}, "blockHash")):
        err = call(url, "eth_getLogs", crit)["error"]
        assert err["code"] == -32602 and words in err["message"], (crit, err)
    assert call(url, "eth_getBlockByNumber", "latest")["error"]["code"] == -32602
    assert call(url, "eth_getLogs", {"fromBlock": "latest", "toBlock": "0x1"})["result"] == []


def test_clock_hides_later_blocks_and_logs(world):
    with ReplayServer(world, clock=T) as srv:
        url = srv.rpc_url
        head = int(call(url, "eth_blockNumber")["result"], 16)
        assert head == world.chain.block_at(T)
        assert int(call(url, "eth_getBlockByNumber", "latest", False)["result"]["timestamp"],
                   16) <= T
        assert call(url, "eth_getBlockByNumber", hex(head + 1), False)["result"] is None
        makers = Counter(r["maker"] for r in world.fills.to_pylist())
        wallet = makers.most_common(1)[0][0]
        early = sum(1 for r in world.fills.to_pylist()
                    if r["maker"] == wallet and r["timestamp"] <= T)
        late = world.chain.block_at(T + 90 * 86400)
        got = logs(url, fromBlock="0x0", toBlock=hex(late), topics=[None, None, pad(wallet)])
        assert len(got) == early < makers[wallet]
        assert max(int(x["blockNumber"], 16) for x in got) <= head
        assert logs(url, fromBlock=hex(head + 1), toBlock=hex(late)) == []
        srv.set_clock(T + 90 * 86400)
        assert int(call(url, "eth_blockNumber")["result"], 16) == late
        more = logs(url, fromBlock="0x0", toBlock=hex(late), topics=[None, None, pad(wallet)])
        assert len(more) > early and more[:early] == got


def outcome(url: str, body: bytes) -> str:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as e:
        return f"http_{e.code}"
    except http.client.IncompleteRead:
        return "truncated"
    except (http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError):
        return "dropped"
    try:
        decoded = json.loads(raw)
    except ValueError:
        return "malformed"
    entries = decoded if isinstance(decoded, list) else [decoded]
    if all(e.get("error", {}).get("message") == "request timed out" for e in entries):
        assert {e["error"]["code"] for e in entries} == {-32000}
        return "timeout"
    return "ok"


def test_faults_apply_to_rpc(world):
    faults = FaultConfig(fault_seed=5, error_rate=0.15, timeout_rate=0.15, malformed_rate=0.1,
                         truncate_rate=0.1, drop_rate=0.05)
    single = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs",
                         "params": [{"fromBlock": "latest"}]}).encode()
    batch = json.dumps([{"jsonrpc": "2.0", "id": i, "method": "eth_chainId"}
                        for i in range(3)]).encode()
    with ReplayServer(world, faults=faults) as srv:
        seen = Counter(outcome(srv.rpc_url, single if i % 2 else batch) for i in range(300))
        stats = srv.stats()
    assert seen["ok"] > 100 and seen["timeout"] > 10 and seen["malformed"] > 5
    assert seen["truncated"] > 5 and seen["dropped"] > 3
    assert sum(v for k, v in seen.items() if k.startswith("http_5")) > 20
    assert stats["by_path"] == {"rpc:eth_getLogs": 150, "rpc:batch": 150}
    assert stats["faults"]["query_timeout"] == seen["timeout"]
    # the methods the handler answered (batch entries counted one by one)
    served_batches = stats["rpc_methods"]["eth_chainId"] // 3
    assert stats["rpc_methods"]["eth_chainId"] % 3 == 0 and 0 < served_batches < 150
    with ReplayServer(world, faults=FaultConfig(rate_limit=2, rate_window_s=60)) as srv:
        assert [outcome(srv.rpc_url, single) for _ in range(3)] == ["ok", "ok", "http_429"]


def test_cli_serves_rpc_with_limits(world, tmp_path):
    with served_by_cli(world.path, tmp_path / "port", "--rpc-max-block-range", "1000",
                       "--rpc-max-results", "1", "--rpc-max-batch", "2") as base:
        url = base + "/rpc"
        head = int(call(url, "eth_blockNumber")["result"], 16)
        assert call(url, "eth_getLogs", {"fromBlock": hex(head - 1000)})["error"][
            "message"] == "block range is too large"
        assert call(url, "eth_getLogs", {"fromBlock": hex(head - 999)})["error"][
            "message"].startswith("query returned more than 1 results.")
        assert post(url, [{"jsonrpc": "2.0", "id": i, "method": "eth_chainId"}
                          for i in range(3)])[0]["error"]["message"] == "batch too large"
