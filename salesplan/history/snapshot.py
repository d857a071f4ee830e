"""A month as the history keeps it: one immutable version, and its content hash.

A :class:`Snapshot` is what a close stores and what ``diff`` compares: the
configuration, every input, the targets, the deals in report order, each payout line
with its trace (deal, tier slice, rate, award rule) and the per-rep statements. Rows
are plain tuples in the column order of :mod:`salesplan.history.schema`, holding only
``str``/``int``/``bool``/``None`` — so the hash computed before an insert equals the
hash recomputed from what the database returns, on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

from salesplan.history.schema import DEAL_COLUMNS, LEDGER_COLUMNS, PAYOUT_COLUMNS, STATEMENT_COLUMNS, VERSION_COLUMNS

# China has kept UTC+8 without daylight saving since 1991: a fixed offset is exact.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


def jsonable(v: Any) -> Any:
    """Config/inputs objects as plain JSON values (Decimal and dates as exact text)."""
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: jsonable(getattr(v, f.name)) for f in dataclasses.fields(v)}
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        return int(v) if v.is_integer() and abs(v) < 2 ** 53 else repr(v)
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, Enum):
        return jsonable(v.value)
    return str(v)


def canonical_json(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def shanghai_time(at_utc: str) -> str:
    """A stored UTC time as Asia/Shanghai wall time (what the team reads)."""
    t = datetime.strptime(at_utc, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return t.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Snapshot:
    """One month's closed (or about to be closed, or read from a workbook) content."""

    month: str
    workbook_name: str
    workbook_sha256: str
    target_fen: int
    revenue_fen: int
    payout_fen: int
    config: dict[str, Any]
    inputs: dict[str, Any]
    targets: dict[str, Any]              # {"regions": {region: fen}, "reps": {"region/rep": fen}}
    deals: list[tuple] = field(default_factory=list)        # DEAL_COLUMNS
    payouts: list[tuple] = field(default_factory=list)      # PAYOUT_COLUMNS
    statements: list[tuple] = field(default_factory=list)   # STATEMENT_COLUMNS
    version: int | None = None           # set when read from the store
    closed_by: str | None = None
    closed_at: str | None = None
    note: str | None = None

    def version_row(self, version: int) -> dict[str, Any]:
        return {"month": self.month, "version": version, "workbook_name": self.workbook_name,
                "workbook_sha256": self.workbook_sha256, "target_fen": self.target_fen,
                "revenue_fen": self.revenue_fen, "payout_fen": self.payout_fen,
                "config_json": canonical_json(self.config), "inputs_json": canonical_json(self.inputs),
                "targets_json": canonical_json(self.targets)}

    def label(self) -> str:
        return f"{self.month}@{self.version}" if self.version else f"{self.month} ({self.workbook_name})"

    def deal_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(DEAL_COLUMNS, d)) for d in self.deals]

    def statement_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(STATEMENT_COLUMNS, s)) for s in self.statements]

    def payout_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(PAYOUT_COLUMNS, p)) for p in self.payouts]


def content_hash(ledger_row: dict[str, Any], version_row: dict[str, Any] | None = None,
                 deals: list[tuple] = (), payouts: list[tuple] = (), statements: list[tuple] = ()) -> str:
    """SHA-256 of one record: its ledger fields, its version row and every child row, in order.

    Each table is serialised by one ``json.dumps`` of its row list (tuples and lists give the
    same text), which keeps a 100,000-deal month well under a second."""
    h = hashlib.sha256()
    h.update(canonical_json([ledger_row[c] for c in LEDGER_COLUMNS]).encode())
    if version_row is not None:
        h.update(b"\nversion\n" + canonical_json([version_row[c] for c in VERSION_COLUMNS]).encode())
        for name, rows in (("deals", deals), ("payouts", payouts), ("statements", statements)):
            h.update(f"\n{name}\n".encode())
            h.update(json.dumps(rows if isinstance(rows, list) else list(rows), ensure_ascii=False,
                                separators=(",", ":")).encode())
    return h.hexdigest()


def chain_hash(prev_sha256: str, content_sha256: str) -> str:
    return hashlib.sha256(f"{prev_sha256}:{content_sha256}".encode()).hexdigest()
