"""A version's rows (deals, payouts, statements) without a foreign key to the ledger.

Why: PostgreSQL checks a foreign key by a trigger per inserted row. A close writes ~275,000
rows (100,000 deals, their payout lines, 5,000 statements), and the checks made up more than
half of its time: 4.2–5.1 s → ~2 s without them. What ties the rows to their record
is its content hash (``history --verify`` names a record whose rows were changed, deleted or
added) and the one transaction that writes them; ``versions`` (one row per close) keeps its key.

SQLite cannot drop a constraint in place: the three tables are copied once (batch mode; its
foreign keys were never named, so they get a name from the naming convention to be dropped).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ROWS = ("deals", "payouts", "statements")
CONVENTION = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    bind = op.get_bind()
    for table in ROWS:
        if bind.dialect.name == "sqlite":
            with op.batch_alter_table(table, naming_convention=CONVENTION) as batch:
                batch.drop_constraint(f"fk_{table}_seq_ledger", type_="foreignkey")
        else:
            for fk in sa.inspect(bind).get_foreign_keys(table):
                op.drop_constraint(fk["name"], table, type_="foreignkey")


def downgrade() -> None:
    for table in ROWS:
        with op.batch_alter_table(table, naming_convention=CONVENTION) as batch:
            batch.create_foreign_key(f"fk_{table}_seq_ledger", "ledger", ["seq"], ["seq"])
