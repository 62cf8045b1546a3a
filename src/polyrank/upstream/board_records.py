"""Pure parsers of the Data API's discovery listings: the official leaderboard's rows
(`/v1/leaderboard`) and the top holders of a market (`/holders`). Only the wallet is required
of a row; the rest is read leniently (docs/protocols.md §3.5). The field readers are the
ones `records.py` uses for every other payload."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from polyrank.errors import UpstreamDataError
from polyrank.upstream.records import (
    _address,
    _asset_id,
    _decimal,
    _int_field,
    _require,
)


@dataclass(frozen=True, slots=True)
class BoardEntry:
    """One row of the official leaderboard (`/v1/leaderboard`). Only the wallet is required;
    the rest is read leniently (absent -> None or "")."""

    rank: int | None
    wallet: str
    user_name: str
    vol: Decimal | None
    pnl: Decimal | None
    x_username: str
    verified: bool


@dataclass(frozen=True, slots=True)
class Holder:
    """One holder of one outcome token (`/holders`)."""

    token_id: str
    wallet: str
    amount: Decimal | None  # shares
    outcome_index: int | None
    name: str
    pseudonym: str

    @property
    def label(self) -> str:
        """What Polymarket shows for the wallet: its name, else its pseudonym."""
        return self.name or self.pseudonym


def _lenient_str(obj: dict, key: str, what: str) -> str:
    raw = obj.get(key)
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise UpstreamDataError(f"{what}: field `{key}` must be a string, got {raw!r}")
    return raw.strip()


def _opt_decimal(obj: dict, key: str, what: str) -> Decimal | None:
    raw = obj.get(key)
    return None if raw is None or raw == "" else _decimal(raw, key, what)


def parse_board_entry(obj: Any) -> BoardEntry:
    """A `/v1/leaderboard` row: `rank` (a number or a numeric string), `proxyWallet`,
    `userName`, `vol`, `pnl`, `profileImage`, `xUsername`, `verifiedBadge`; extra fields are
    ignored."""
    what = "leaderboard row"
    wallet = _address(obj, "proxyWallet", what)
    what = f"leaderboard row of {wallet}"
    rank = obj.get("rank")
    if rank is not None:
        rank = _int_field(obj, "rank", what, minimum=1)
    verified = obj.get("verifiedBadge")
    return BoardEntry(
        rank=rank, wallet=wallet, user_name=_lenient_str(obj, "userName", what),
        vol=_opt_decimal(obj, "vol", what), pnl=_opt_decimal(obj, "pnl", what),
        x_username=_lenient_str(obj, "xUsername", what), verified=verified is True)


def parse_holders(body: Any) -> list[Holder]:
    """A `/holders` answer: a list of `{token, holders: [{proxyWallet, amount, outcomeIndex,
    name, pseudonym, ...}]}`, one per outcome token; extra fields are ignored."""
    what = "holders answer"
    if not isinstance(body, list):
        raise UpstreamDataError(f"{what}: expected a list of tokens, got {type(body).__name__}")
    out: list[Holder] = []
    for group in body:
        token = _asset_id(group, "token", f"{what} entry")
        holders = _require(group, "holders", f"{what} of token {token}")
        if not isinstance(holders, list):
            raise UpstreamDataError(f"{what} of token {token}: `holders` must be a list")
        for obj in holders:
            where = f"holder of token {token}"
            wallet = _address(obj, "proxyWallet", where)
            index = obj.get("outcomeIndex")
            if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
                raise UpstreamDataError(f"{where}: field `outcomeIndex` must be an integer")
            out.append(Holder(token_id=token, wallet=wallet,
                              amount=_opt_decimal(obj, "amount", where), outcome_index=index,
                              name=_lenient_str(obj, "name", where),
                              pseudonym=_lenient_str(obj, "pseudonym", where)))
    return out
