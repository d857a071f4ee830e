"""The history store's tables (SQLAlchemy Core). Alembic migrations create them.

Money is integer fen (BIGINT); times are UTC ISO-8601 text (``…Z``) so SQLite and
PostgreSQL store, return and hash exactly the same characters. Every table a close
writes hangs off one ``ledger`` record; a record's content hash covers its row and
every child row, and its ``sha256`` chains it to the record before it. The row tables
(deals, payouts, statements) carry their record's ``seq`` without a foreign key: PostgreSQL
checks one by a trigger per row, more than half of a 275,000-row close (migration 0002);
the content hash and the one writing transaction tie them to their record.
"""
from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, ForeignKey, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)

metadata = MetaData()

# One line per event, in order: a close (kind "close") or a reopen (kind "reopen").
# seq is assigned max+1 inside the writing transaction: the primary key makes the chain
# linear (two writers cannot both append record n), and (kind, month, version) makes
# "close 2027-01 version 2" happen once.
ledger = Table(
    "ledger", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(8), nullable=False),
    Column("month", String(7), nullable=False),
    Column("version", Integer, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at_utc", String(32), nullable=False),
    Column("text", Text, nullable=False),            # the close's note or the reopen's reason
    Column("content_sha256", String(64), nullable=False),
    Column("prev_sha256", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),
    UniqueConstraint("kind", "month", "version", name="uq_ledger_kind_month_version"),
    UniqueConstraint("prev_sha256", name="uq_ledger_prev"),
)

versions = Table(
    "versions", metadata,
    Column("seq", Integer, ForeignKey("ledger.seq"), primary_key=True, autoincrement=False),
    Column("month", String(7), nullable=False),
    Column("version", Integer, nullable=False),
    Column("workbook_name", Text, nullable=False),
    Column("workbook_sha256", String(64), nullable=False),
    Column("target_fen", BigInteger, nullable=False),
    Column("revenue_fen", BigInteger, nullable=False),
    Column("payout_fen", BigInteger, nullable=False),
    Column("config_json", Text, nullable=False),
    Column("inputs_json", Text, nullable=False),
    Column("targets_json", Text, nullable=False),
    UniqueConstraint("month", "version", name="uq_versions_month_version"),
)

DEAL_COLUMNS = ("pos", "row", "contract_id", "deal_date", "region", "rep", "customer", "new_customer", "product",
                "amount_fen", "known", "commission_fen")
deals = Table(
    "deals", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),   # the close's ledger record (no FK: below)
    Column("pos", Integer, primary_key=True, autoincrement=False),   # report order
    Column("row", Integer, nullable=False),                          # 1-based row of the deals table
    Column("contract_id", Text, nullable=False),
    Column("deal_date", String(32), nullable=False),
    Column("region", Text, nullable=False),
    Column("rep", Text, nullable=False),
    Column("customer", Text, nullable=False),
    Column("new_customer", Boolean, nullable=False),
    Column("product", Text, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("known", Boolean, nullable=False),
    Column("commission_fen", BigInteger, nullable=False),
)

PAYOUT_COLUMNS = ("pos", "region", "rep", "kind", "deal_row", "contract_id", "tier", "base_fen", "rate_ppm",
                  "amount_fen", "rule")
payouts = Table(
    "payouts", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),   # the close's ledger record (no FK: below)
    Column("pos", Integer, primary_key=True, autoincrement=False),
    Column("region", Text, nullable=False),
    Column("rep", Text, nullable=False),          # the partner, for a referral line
    Column("kind", String(16), nullable=False),   # commission | conquest | breakthrough | retention | quiz | champion | referral
    Column("deal_row", Integer),
    Column("contract_id", Text),
    Column("tier", Integer),                      # 1-based commission tier
    Column("base_fen", BigInteger),               # the slice of the deal that falls in the tier
    Column("rate_ppm", Integer),
    Column("amount_fen", BigInteger, nullable=False),
    Column("rule", Text, nullable=False),
)

STATEMENT_COLUMNS = ("pos", "region", "rep", "target_fen", "deal_count", "revenue_fen", "commission_fen",
                     "conquest_fen", "breakthrough_fen", "retention_fen", "quiz_fen", "champion_fen", "total_fen",
                     "churn")
statements = Table(
    "statements", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),   # the close's ledger record (no FK: below)
    Column("pos", Integer, primary_key=True, autoincrement=False),
    Column("region", Text, nullable=False),
    Column("rep", Text, nullable=False),
    Column("target_fen", BigInteger, nullable=False),
    Column("deal_count", Integer, nullable=False),
    *(Column(c, BigInteger, nullable=False) for c in STATEMENT_COLUMNS[5:13]),
    Column("churn", String(32)),                  # as typed, exact decimal text
)

VERSION_COLUMNS = ("month", "version", "workbook_name", "workbook_sha256", "target_fen", "revenue_fen", "payout_fen",
                   "config_json", "inputs_json", "targets_json")
LEDGER_COLUMNS = ("seq", "kind", "month", "version", "actor", "at_utc", "text")
