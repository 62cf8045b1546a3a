"""The Gamma market catalogue (gamma-api.polymarket.com) served from a world (docs/protocols.md §2).

    GET /markets  /markets/{id}  /markets/slug/{slug}
    GET /events   /events/{id}   /events/slug/{slug}
    GET /tags

Shapes follow the real captures in tests/fixtures/gamma: ids are numeric strings;
`outcomes`, `outcomePrices`, `clobTokenIds` are JSON-encoded strings; `closedTime` is
"2026-03-19 23:20:15+00"; `umaResolutionStatus` is absent while unresolved; market `volume` is
a string while event `volume` is a number; markets carry their parent `events[]`, events their
`markets[]` and `tags[]`. See docs/replay.md for which list semantics are verified.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from aiohttp import web

DEFAULT_MAX_LIMIT = 100
DEFAULT_MAX_OFFSET = 2000


@dataclass(frozen=True)
class GammaLimits:
    max_limit: int = DEFAULT_MAX_LIMIT
    max_offset: int | None = DEFAULT_MAX_OFFSET
    markets_default_closed: bool | None = False  # /markets hides closed markets by default
    events_default_closed: bool | None = None  # /events: no implicit filter


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def iso(ts: int | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pg_time(ts: int | None) -> str | None:
    """Gamma's `closedTime` format: "2026-03-19 23:20:15+00"."""
    if ts is None:
        return None
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d %H:%M:%S+00")


def _event_base(e: dict, volume: float) -> dict:
    out = {
        "id": str(e["id"]),
        "ticker": e["slug"],
        "slug": e["slug"],
        "title": e["title"],
        "description": "",
        "startDate": iso(e.get("start_ts")),
        "creationDate": iso(e.get("start_ts")),
        "endDate": iso(e.get("end_ts")),
        "active": True,
        "closed": bool(e.get("closed")),
        "archived": False,
        "new": False,
        "featured": False,
        "restricted": True,
        "volume": volume,
        "createdAt": iso(e.get("start_ts")),
        "negRisk": bool(e.get("neg_risk")),
        "enableNegRisk": bool(e.get("neg_risk")),
    }
    if e.get("neg_risk_market_id"):
        out["negRiskMarketID"] = e["neg_risk_market_id"]
    return out


def _market(m: dict, event_base: dict | None) -> dict:
    closed = bool(m.get("closed"))
    out: dict[str, Any] = {
        "id": str(m["id"]),
        "question": m["question"],
        "conditionId": m["condition_id"],
        "slug": m["slug"],
        "resolutionSource": "",
        "endDate": iso(m.get("end_ts")),
        "startDate": iso(m.get("start_ts")),
        "description": "",
        "outcomes": json.dumps(list(m["outcomes"])),
        "outcomePrices": json.dumps([str(p) for p in m["outcome_prices"]]),
        "volume": repr(float(m.get("volume_usdc") or 0.0)),
        "active": True,
        "closed": closed,
        "archived": False,
        "createdAt": iso(m.get("start_ts")),
        "questionID": m.get("question_id") or "",
        "enableOrderBook": True,
        "endDateIso": (iso(m.get("end_ts")) or "")[:10] or None,
        "startDateIso": (iso(m.get("start_ts")) or "")[:10] or None,
        "volumeNum": float(m.get("volume_usdc") or 0.0),
        "clobTokenIds": json.dumps([str(t) for t in m["token_ids"]]),
        "acceptingOrders": not closed,
        "negRisk": bool(m.get("neg_risk")),
        "umaResolutionStatuses": "[\"proposed\"]" if m.get("uma_resolution_status") else "[]",
        "feesEnabled": bool(m.get("fee_rate_bps")),
    }
    if closed and m.get("closed_ts") is not None:
        out["closedTime"] = pg_time(m["closed_ts"])
    if m.get("uma_resolution_status"):
        out["umaResolutionStatus"] = m["uma_resolution_status"]
    if m.get("neg_risk_market_id"):
        out["negRiskMarketID"] = m["neg_risk_market_id"]
    else:
        out["negRiskRequestID"] = ""
    if event_base is not None:
        out["events"] = [event_base]
    return out


@dataclass
class _Item:
    """A market or event with its JSON object and the attributes lists filter on."""

    obj: dict
    id: int
    slug: str
    closed: bool
    tag_ids: frozenset[str]
    tag_slugs: frozenset[str]
    condition_id: str = ""
    token_ids: frozenset[str] = frozenset()
    question_id: str = ""
    end_ts: int | None = None
    start_ts: int | None = None
    uma: str | None = None


def _price_str(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


class LastPrices:
    """Each token's last trade price at or before a time, from the fills (price = USDC /
    shares of the fill), by binary search over the fills sorted by (token, timestamp)."""

    def __init__(self, fills: pa.Table | None) -> None:
        if fills is None or not fills.num_rows:
            self.tokens: dict[str, tuple[int, int]] = {}
            self.ts = np.empty(0, np.int64)
            self.price = np.empty(0, np.float64)
            return
        side = fills.column("side").to_numpy()
        maker = fills.column("maker_amount_filled").to_numpy().astype(np.float64)
        taker = fills.column("taker_amount_filled").to_numpy().astype(np.float64)
        shares, usdc = np.where(side == 0, taker, maker), np.where(side == 0, maker, taker)
        enc = pc.dictionary_encode(fills.column("token_id").cast(pa.string())).combine_chunks()
        codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        ts = fills.column("timestamp").to_numpy().astype(np.int64)
        order = np.lexsort((ts, codes))
        codes, self.ts = codes[order], ts[order]
        with np.errstate(divide="ignore", invalid="ignore"):
            self.price = np.where(shares > 0, usdc / np.where(shares > 0, shares, 1), 0.0)[order]
        bounds = np.searchsorted(codes, np.arange(len(enc.dictionary) + 1), "left")
        self.tokens = {tok: (int(bounds[i]), int(bounds[i + 1]))
                       for i, tok in enumerate(enc.dictionary.to_pylist())}

    def at(self, token: str, t: int) -> float | None:
        a, b = self.tokens.get(str(token), (0, 0))
        k = a + int(np.searchsorted(self.ts[a:b], t, "right"))
        return float(self.price[k - 1]) if k > a else None

    def outcome_prices(self, token_ids: list, t: int) -> list[str]:
        """As the world writes an open market's prices: each token's last price, else the
        complement of the other's, else an even split."""
        last = [self.at(tok, t) for tok in token_ids]
        if len(last) != 2:
            return [_price_str(p if p is not None else 1 / len(last)) for p in last]
        yes = last[0] if last[0] is not None else (1 - last[1] if last[1] is not None else 0.5)
        no = last[1] if last[1] is not None else 1 - yes
        return [_price_str(yes), _price_str(no)]


def _resolved_by(m: dict, at: int) -> bool:
    return bool(m.get("closed")) and m.get("closed_ts") is not None and int(m["closed_ts"]) <= at


def _retagged_after(e: dict, at: int) -> bool:
    """Whether the event's tags changed after `at` (it then still carries `tags_before`)."""
    return e.get("retag_ts") is not None and int(e["retag_ts"]) > at


def _market_at(m: dict, at: int, prices: LastPrices) -> dict:
    """A market as Gamma showed it at `at`: open, unresolved, priced by its trades, until its
    resolution time."""
    if _resolved_by(m, at):
        return m
    return {**m, "closed": False, "closed_ts": None, "uma_resolution_status": None,
            "outcome_prices": prices.outcome_prices(m["token_ids"], at)}


class Catalogue:
    """The world's events, markets and tags, rendered once at load; `at(T)` renders the
    catalogue as of T (a few versions cached)."""

    def __init__(self, events: list[dict], markets: list[dict],
                 fills: pa.Table | None = None, *, _prices: LastPrices | None = None) -> None:
        self._world = (events, markets)
        self._prices = _prices
        self._fills = fills
        self._views: dict[int, Catalogue] = {}
        self._lock = threading.Lock()
        by_event: dict[str, list[dict]] = {}
        for m in markets:
            by_event.setdefault(str(m["event_id"]), []).append(m)
        self.markets: list[_Item] = []
        self.events: list[_Item] = []
        tags: dict[str, dict] = {}
        for e in events:
            ev_markets = by_event.get(str(e["id"]), [])
            base = _event_base(e, sum(float(m.get("volume_usdc") or 0) for m in ev_markets))
            tag_objs = [{"id": str(t["id"]), "label": t["label"], "slug": t["slug"]}
                        for t in e.get("tags") or []]
            for t in tag_objs:
                tags.setdefault(t["id"], t)
            tag_ids = frozenset(t["id"] for t in tag_objs)
            tag_slugs = frozenset(t["slug"] for t in tag_objs)
            event_obj = dict(base, markets=[_market(m, None) for m in ev_markets], tags=tag_objs)
            self.events.append(_Item(event_obj, int(e["id"]), e["slug"], bool(e.get("closed")),
                                     tag_ids, tag_slugs, end_ts=e.get("end_ts"),
                                     start_ts=e.get("start_ts")))
            for m in ev_markets:
                self.markets.append(_Item(
                    _market(m, base), int(m["id"]), m["slug"], bool(m.get("closed")), tag_ids,
                    tag_slugs, condition_id=m["condition_id"].lower(),
                    token_ids=frozenset(str(t) for t in m["token_ids"]),
                    question_id=(m.get("question_id") or "").lower(), end_ts=m.get("end_ts"),
                    start_ts=m.get("start_ts"), uma=m.get("uma_resolution_status")))
        self.markets.sort(key=lambda i: i.id)
        self.events.sort(key=lambda i: i.id)
        self.tags = sorted(tags.values(), key=lambda t: int(t["id"]) if t["id"].isdigit() else 0)
        self.market_by_id = {str(i.id): i.obj for i in self.markets}
        self.market_by_slug = {i.slug: i.obj for i in self.markets}
        self.event_by_id = {str(i.id): i.obj for i in self.events}
        self.event_by_slug = {i.slug: i.obj for i in self.events}

    def at(self, t: int | None) -> Catalogue:
        """The catalogue as of `t` (None: the whole world): events and markets starting after
        t absent; markets resolved after t open; events closed only when all their markets
        are resolved by t; events re-tagged after t with their former tags (`tags_before`,
        which their markets' tag filters follow too)."""
        if t is None:
            return self
        with self._lock:
            view = self._views.get(t)
            if view is not None:
                return view
            if self._prices is None:
                self._prices = LastPrices(self._fills)
                self._fills = None
            events, markets = self._world
            shown = [_market_at(m, t, self._prices) for m in markets
                     if m.get("start_ts") is None or int(m["start_ts"]) <= t]
            by_event: dict[str, list[dict]] = {}
            for m in markets:
                by_event.setdefault(str(m["event_id"]), []).append(m)
            shown_events = []
            for e in events:
                if e.get("start_ts") is not None and int(e["start_ts"]) > t:
                    continue
                closed = bool(e.get("closed")) and all(
                    _resolved_by(m, t) for m in by_event.get(str(e["id"]), []))
                changed: dict[str, Any] = {}
                if closed != bool(e.get("closed")):
                    changed["closed"] = closed
                if _retagged_after(e, t):
                    changed["tags"] = e.get("tags_before") or []
                shown_events.append({**e, **changed} if changed else e)
            view = Catalogue(shown_events, shown, _prices=self._prices)
            if len(self._views) >= 4:
                self._views.pop(next(iter(self._views)))
            self._views[t] = view
            return view


# --------------------------------------------------------------------------- query params


def _bool(query, name: str) -> bool | None:
    raw = query.get(name)
    if raw is None:
        return None
    low = raw.strip().lower()
    if low in ("true", "1"):
        return True
    if low in ("false", "0"):
        return False
    raise BadRequest(422, f"invalid boolean for '{name}': {raw!r}")


def _int(query, name: str, default: int | None) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(422, f"invalid integer for '{name}': {raw!r}") from None
    if value < 0:
        raise BadRequest(422, f"'{name}' must be >= 0")
    return value


def _time(query, name: str) -> int | None:
    raw = query.get(name)
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.strip())  # the replay's own reading, not the client's
    except ValueError:
        raise BadRequest(422, f"invalid date for '{name}': {raw!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return int(parsed.timestamp())
    except (OverflowError, ValueError):
        raise BadRequest(422, f"invalid date for '{name}': {raw!r}") from None


_ORDER_KEYS: dict[str, Callable[[_Item], Any]] = {
    "id": lambda i: i.id,
    "slug": lambda i: i.slug,
    "volume": lambda i: float(i.obj.get("volume") or 0),
    "volumeNum": lambda i: float(i.obj.get("volume") or 0),
    "endDate": lambda i: i.end_ts or 0,
    "startDate": lambda i: i.start_ts or 0,
    "createdAt": lambda i: i.start_ts or 0,
    "closedTime": lambda i: i.obj.get("closedTime") or "",
}


def select(items: list[_Item], query, *, default_closed: bool | None,
           limits: GammaLimits, kind: str) -> list[dict]:
    """Apply Gamma list parameters. Array parameters repeat (`id=1&id=2`)."""
    ids = {int(v) for v in query.getall("id", []) if v.strip().isdigit()}
    if query.getall("id", []) and not ids:
        raise BadRequest(422, "invalid value for 'id'")
    slugs = set(query.getall("slug", []))
    closed = _bool(query, "closed")
    closed = default_closed if closed is None else closed
    active, archived = _bool(query, "active"), _bool(query, "archived")
    tag_ids = set(query.getall("tag_id", []))
    tag_slug = query.get("tag_slug")
    conds = {c.lower() for c in query.getall("condition_ids", [])}
    tokens = set(query.getall("clob_token_ids", []))
    qids = {q.lower() for q in query.getall("question_ids", [])}
    uma = query.get("uma_resolution_status")
    end_min, end_max = _time(query, "end_date_min"), _time(query, "end_date_max")
    start_min, start_max = _time(query, "start_date_min"), _time(query, "start_date_max")
    limit = _int(query, "limit", limits.max_limit)
    offset = _int(query, "offset", 0)
    if limits.max_offset is not None and offset > limits.max_offset:
        raise BadRequest(422, f"offset must be at most {limits.max_offset}")
    limit = min(limit, limits.max_limit)
    order = query.get("order")
    ascending = _bool(query, "ascending")

    def keep(i: _Item) -> bool:
        obj = i.obj
        return not (
            (ids and i.id not in ids)
            or (slugs and i.slug not in slugs)
            or (closed is not None and i.closed != closed)
            or (active is not None and obj.get("active") != active)
            or (archived is not None and obj.get("archived") != archived)
            or (tag_ids and not (i.tag_ids & tag_ids))
            or (tag_slug and tag_slug not in i.tag_slugs)
            or (conds and i.condition_id not in conds)
            or (tokens and not (i.token_ids & tokens))
            or (qids and i.question_id not in qids)
            or (uma and i.uma != uma)
            or (end_min is not None and (i.end_ts or 0) < end_min)
            or (end_max is not None and (i.end_ts or 0) > end_max)
            or (start_min is not None and (i.start_ts or 0) < start_min)
            or (start_max is not None and (i.start_ts or 0) > start_max)
        )

    chosen = [i for i in items if keep(i)]
    if order:
        keys = [k.strip() for k in order.split(",") if k.strip()]
        unknown = [k for k in keys if k not in _ORDER_KEYS]
        if unknown:
            raise BadRequest(422, f"invalid order field(s) for {kind}: {', '.join(unknown)}")
        chosen.sort(key=lambda i: tuple(_ORDER_KEYS[k](i) for k in keys),
                    reverse=ascending is False)
    return [i.obj for i in chosen[offset:offset + limit]]


def routes(catalogue: Catalogue, limits: GammaLimits,
           now: Callable[[], int | None] | None = None) -> list[web.RouteDef]:
    """Gamma's routes; `now` is the replay clock (the catalogue is served as of its T)."""
    now = now or (lambda: None)

    class _Current:  # the catalogue as of the clock, looked up per request
        def __getattr__(self, name: str):
            return getattr(catalogue.at(now()), name)

    cat: Any = _Current()

    def guard(fn):
        async def handler(request: web.Request) -> web.Response:
            try:
                return web.json_response(fn(request), dumps=_dumps)
            except BadRequest as e:
                return web.json_response({"type": "validation error", "error": str(e)},
                                         status=e.status)
        return handler

    def one(table: str, key: str, what: str):
        def fn(request: web.Request):
            obj = getattr(cat, table).get(request.match_info[key])
            if obj is None:
                raise web.HTTPNotFound(text=json.dumps({"type": "not found error",
                                                        "error": f"{what} not found"}),
                                       content_type="application/json")
            return obj
        return fn

    markets = guard(lambda r: select(cat.markets, r.query, kind="markets", limits=limits,
                                     default_closed=limits.markets_default_closed))
    events = guard(lambda r: select(cat.events, r.query, kind="events", limits=limits,
                                    default_closed=limits.events_default_closed))

    def tags_fn(request: web.Request):
        limit = min(_int(request.query, "limit", limits.max_limit), limits.max_limit)
        offset = _int(request.query, "offset", 0)
        return cat.tags[offset:offset + limit]

    return [
        web.get("/markets", markets, name="gamma.markets"),
        web.get("/markets/slug/{slug}", guard(one("market_by_slug", "slug", "market")),
                name="gamma.market-slug"),
        web.get("/markets/{id}", guard(one("market_by_id", "id", "market")),
                name="gamma.market"),
        web.get("/events", events, name="gamma.events"),
        web.get("/events/slug/{slug}", guard(one("event_by_slug", "slug", "event")),
                name="gamma.event-slug"),
        web.get("/events/{id}", guard(one("event_by_id", "id", "event")),
                name="gamma.event"),
        web.get("/tags", guard(tags_fn), name="gamma.tags"),
    ]


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))
