"""The activity subgraph (Goldsky, `activity-subgraph/0.0.4`): a set of wallets' splits, merges,
redemptions and neg-risk conversions, as `WalletActivity` records for the store's `activities`
table (docs/protocols.md §1.11). Paged like fills: `<who>_in` the wallets, an exact `id_gt`
cursor.

Only the V1 era is asked for (before the exchange migration): the subgraph is no longer
maintained, and the V2 era's activity comes from the Data API. A conversion is stored as one
row: `condition_id` = its neg-risk market id, `index_set` = the converted questions (bit i =
question i), `question_count` = the event's question count at the time."""

from __future__ import annotations

import re
from collections.abc import Sequence

from polyrank.errors import UpstreamDataError
from polyrank.upstream.activity import WalletActivity
from polyrank.upstream.http import Http
from polyrank.upstream.retry import FailureStreak

PAGE = 1000
SOURCE = "activity_subgraph"
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_HASH = re.compile(r"^0x[0-9a-fA-F]{64}")
_BYTES32 = re.compile(r"^0x[0-9a-fA-F]{64}$")
_UINT = re.compile(r"^[0-9]{1,40}$")
_UINT256 = re.compile(r"^[0-9]{1,78}$")  # a bit set over up to 256 questions


#: kind -> (entity list, the wallet's field, fields asked for)
ENTITIES: dict[str, tuple[str, str, str]] = {
    "split": ("splits", "stakeholder", "id timestamp stakeholder condition amount"),
    "merge": ("merges", "stakeholder", "id timestamp stakeholder condition amount"),
    "redeem": ("redemptions", "redeemer", "id timestamp redeemer condition payout"),
    "conversion": ("negRiskConversions", "stakeholder",
                   "id timestamp stakeholder negRiskMarketId amount indexSet questionCount"),
}
MAX_QUESTIONS = 65535  # activities.question_count is a UInt16


def query(kinds: Sequence[str]) -> str:
    """One request for several kinds at once (GraphQL admits several root fields), each with
    its own id cursor `$after_<kind>`."""
    params = "".join(f", $after_{kind}: ID!" for kind in kinds)
    fields = "\n".join(
        f"""  {ENTITIES[kind][0]}(first: $first, orderBy: id, orderDirection: asc,
           where: {{{ENTITIES[kind][1]}_in: $wallets, id_gt: $after_{kind},
                   timestamp_gte: $since, timestamp_lt: $until}}) {{
    {ENTITIES[kind][2]}
  }}""" for kind in kinds)
    return (f"query Activity($wallets: [String!], $since: BigInt!, $until: BigInt!, "
            f"$first: Int!{params}) {{\n{fields}\n}}")


def parse_activity(kind: str, row: object) -> WalletActivity:
    """One entity of the activity subgraph; UpstreamDataError naming the field otherwise."""
    if not isinstance(row, dict):
        raise UpstreamDataError(f"{kind}: a row is not an object: {row!r}")
    _, who, _ = ENTITIES[kind]

    def text(name: str, pattern: re.Pattern[str]) -> str:
        value = row.get(name)
        if not isinstance(value, str) or not pattern.match(value):
            raise UpstreamDataError(f"{kind} {row.get('id')!r}: malformed {name} {value!r}")
        return value

    entity_id = text("id", _HASH)
    amount = int(text("amount", _UINT)) if kind != "redeem" else 0
    usdc = int(text("payout", _UINT)) if kind == "redeem" else 0
    index_set = questions = 0
    if kind == "conversion":
        condition = text("negRiskMarketId", _BYTES32).lower()
        index_set = int(text("indexSet", _UINT256))
        questions = row.get("questionCount")  # an Int: a JSON number
        if (isinstance(questions, bool) or not isinstance(questions, int)
                or not 0 < questions <= MAX_QUESTIONS or index_set >> 256):
            raise UpstreamDataError(f"{kind} {row.get('id')!r}: malformed questionCount "
                                    f"{questions!r} or indexSet {row.get('indexSet')!r}")
    else:
        condition = text("condition", _HASH).lower()
    return WalletActivity(id=f"{entity_id}:{kind}", wallet=text(who, _ADDRESS).lower(),
                          kind=kind, timestamp=int(text("timestamp", _UINT)),
                          condition_id=condition, amount=amount, usdc=usdc,
                          tx_hash=entity_id[:66].lower(), index_set=index_set, source=SOURCE,
                          exchange_version=1, question_count=questions)


class ActivitySubgraph:
    """Fetchers over one activity-subgraph endpoint."""

    def __init__(self, http: Http, url: str, *, page: int = PAGE) -> None:
        self.http, self.url, self.page = http, url, page

    async def fetch(self, wallets: Sequence[str], since: int, until: int,
                    streak: FailureStreak) -> list[WalletActivity]:
        """Every split, merge, redemption and conversion of the wallets with since <=
        timestamp < until, by kind, then in id order. The kinds share requests: a page asks
        every kind whose listing is not finished yet."""
        found: dict[str, list[WalletActivity]] = {kind: [] for kind in ENTITIES}
        after = dict.fromkeys(ENTITIES, "")
        open_kinds = list(ENTITIES)
        while open_kinds:
            data = await self.http.graphql(
                self.url, query(open_kinds),
                {"wallets": [w.lower() for w in wallets], "since": str(since),
                 "until": str(until), "first": self.page,
                 **{f"after_{kind}": after[kind] for kind in open_kinds}}, streak=streak)
            still_open = []
            for kind in open_kinds:
                entity = ENTITIES[kind][0]
                rows = data.get(entity)
                if not isinstance(rows, list):
                    raise UpstreamDataError(f"{self.url}: {entity} is not a list", url=self.url)
                found[kind].extend(parse_activity(kind, row) for row in rows)
                if len(rows) >= self.page:
                    after[kind] = rows[-1]["id"]
                    still_open.append(kind)
            open_kinds = still_open
        return [act for kind in ENTITIES for act in found[kind]]
