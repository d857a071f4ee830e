"""The month's memory: closed versions, reopen reasons, tamper evidence, diffs (docs/history.md).

Layers: :mod:`.schema` (tables) and :mod:`.store` (SQLite/PostgreSQL, Alembic
migrations) know nothing of workbooks; :mod:`.source` is the one adapter from a plan
workbook to a :class:`.snapshot.Snapshot`; :mod:`.diff` compares two snapshots.
"""
