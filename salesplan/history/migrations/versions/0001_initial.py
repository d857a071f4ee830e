"""The first history schema: ledger, versions, deals, payouts, statements.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _child(name: str, *cols: sa.Column) -> None:
    op.create_table(name,
                    sa.Column("seq", sa.Integer, sa.ForeignKey("ledger.seq"), primary_key=True, autoincrement=False),
                    sa.Column("pos", sa.Integer, primary_key=True, autoincrement=False), *cols)


def upgrade() -> None:
    op.create_table(
        "ledger",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at_utc", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("prev_sha256", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.UniqueConstraint("kind", "month", "version", name="uq_ledger_kind_month_version"),
        sa.UniqueConstraint("prev_sha256", name="uq_ledger_prev"),
    )
    op.create_table(
        "versions",
        sa.Column("seq", sa.Integer, sa.ForeignKey("ledger.seq"), primary_key=True, autoincrement=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("workbook_name", sa.Text, nullable=False),
        sa.Column("workbook_sha256", sa.String(64), nullable=False),
        sa.Column("target_fen", sa.BigInteger, nullable=False),
        sa.Column("revenue_fen", sa.BigInteger, nullable=False),
        sa.Column("payout_fen", sa.BigInteger, nullable=False),
        sa.Column("config_json", sa.Text, nullable=False),
        sa.Column("inputs_json", sa.Text, nullable=False),
        sa.Column("targets_json", sa.Text, nullable=False),
        sa.UniqueConstraint("month", "version", name="uq_versions_month_version"),
    )
    _child("deals",
           sa.Column("row", sa.Integer, nullable=False),
           sa.Column("contract_id", sa.Text, nullable=False),
           sa.Column("deal_date", sa.String(32), nullable=False),
           sa.Column("region", sa.Text, nullable=False),
           sa.Column("rep", sa.Text, nullable=False),
           sa.Column("customer", sa.Text, nullable=False),
           sa.Column("new_customer", sa.Boolean, nullable=False),
           sa.Column("product", sa.Text, nullable=False),
           sa.Column("amount_fen", sa.BigInteger, nullable=False),
           sa.Column("known", sa.Boolean, nullable=False),
           sa.Column("commission_fen", sa.BigInteger, nullable=False))
    _child("payouts",
           sa.Column("region", sa.Text, nullable=False),
           sa.Column("rep", sa.Text, nullable=False),
           sa.Column("kind", sa.String(16), nullable=False),
           sa.Column("deal_row", sa.Integer),
           sa.Column("contract_id", sa.Text),
           sa.Column("tier", sa.Integer),
           sa.Column("base_fen", sa.BigInteger),
           sa.Column("rate_ppm", sa.Integer),
           sa.Column("amount_fen", sa.BigInteger, nullable=False),
           sa.Column("rule", sa.Text, nullable=False))
    _child("statements",
           sa.Column("region", sa.Text, nullable=False),
           sa.Column("rep", sa.Text, nullable=False),
           sa.Column("target_fen", sa.BigInteger, nullable=False),
           sa.Column("deal_count", sa.Integer, nullable=False),
           *(sa.Column(c, sa.BigInteger, nullable=False) for c in (
               "revenue_fen", "commission_fen", "conquest_fen", "breakthrough_fen", "retention_fen", "quiz_fen",
               "champion_fen", "total_fen")),
           sa.Column("churn", sa.String(32)))


def downgrade() -> None:
    for name in ("statements", "payouts", "deals", "versions", "ledger"):
        op.drop_table(name)
