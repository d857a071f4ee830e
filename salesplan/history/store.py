"""The history store: closes, reopens and versions in SQLite or PostgreSQL.

Where it is: history/location.py (``--db``, ``SALESPLAN_DB``, a per-user SQLite file).
One history per person by default, whichever folder the workbooks are in; a team
shares one by pointing everybody at the same PostgreSQL URL. A plain path is taken
as a SQLite file.

Writers are serialised (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL transaction-level
advisory lock), so of two closes of the same month one wins and the other finds the
month closed; the unique constraints (ledger seq, kind+month+version) catch anything
that slips past. A close is one transaction: nothing half-written.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from salesplan.errors import Problem, SalesPlanError
from salesplan.history import schema as S
from salesplan.history.location import ENV, default_db_path, existing_url, resolve_url, sqlite_file  # noqa: F401
from salesplan.history.snapshot import Snapshot, chain_hash, content_hash, utc_now

CHILD_COLUMNS = {"deals": S.DEAL_COLUMNS, "payouts": S.PAYOUT_COLUMNS, "statements": S.STATEMENT_COLUMNS}
#: the newest migration (migrations/versions; a test holds it to Alembic's head): a store at it
#: opens without loading Alembic (~0.25 s of every command that asks the history)
SCHEMA_HEAD = "0002"
PG_LOCK = 0x5A1E5_1A7   # the advisory lock every writer takes (PostgreSQL)


class HistoryError(SalesPlanError):
    """The history refuses an operation (month closed, not closed, store unreachable, …)."""


@dataclass(frozen=True)
class Record:
    """One ledger line (a close or a reopen) with its version's totals when it is a close."""

    seq: int
    kind: str
    month: str
    version: int
    actor: str
    at_utc: str
    text: str
    sha256: str
    revenue_fen: int | None = None
    payout_fen: int | None = None
    workbook_sha256: str | None = None


class Store:
    """An open history. Use :func:`open_store`; close it (or use ``with``)."""

    def __init__(self, url: str, *, create: bool = True):
        import sqlalchemy as sa
        from sqlalchemy import event

        self.url = url
        self.dialect = url.split(":", 1)[0].split("+")[0]
        f = sqlite_file(url)
        if f is not None:
            if not f.exists() and not create:
                raise HistoryError(f"no history at {f}")
            f.parent.mkdir(parents=True, exist_ok=True)
            self.engine = sa.create_engine(url, connect_args={"timeout": 60})

            @event.listens_for(self.engine, "connect")
            def _connect(dbapi_conn, _rec):
                dbapi_conn.isolation_level = None        # we say BEGIN ourselves (below)
                dbapi_conn.execute("PRAGMA foreign_keys=ON")

            @event.listens_for(self.engine, "begin")
            def _begin(conn):
                # IMMEDIATE: a writer takes the write lock before it reads the state it decides on
                conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            self.engine = sa.create_engine(url)
        try:
            self._migrate()
        except Exception as exc:   # unreachable server, wrong password, not a database …
            self.engine.dispose()
            raise HistoryError(f"history store {safe_url(url)}: {type(exc).__name__}: "
                               f"{str(exc).splitlines()[0] if str(exc) else ''}") from exc

    # ------------------------------------------------------------------ plumbing
    def _migrate(self) -> None:
        if self._revision() == SCHEMA_HEAD:
            return
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        head = ScriptDirectory.from_config(cfg).get_current_head()
        with self.engine.begin() as conn:
            self._lock(conn)
            if MigrationContext.configure(conn).get_current_revision() == head:
                return
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def _revision(self) -> str | None:
        """The store's schema revision as Alembic records it (None: none recorded yet)."""
        import sqlalchemy as sa
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    def _lock(self, conn) -> None:
        if self.dialect == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK})")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ reading
    def records(self, month: str | None = None) -> list[Record]:
        import sqlalchemy as sa
        L, V = S.ledger, S.versions
        q = (sa.select(L.c.seq, L.c.kind, L.c.month, L.c.version, L.c.actor, L.c.at_utc, L.c.text, L.c.sha256,
                       V.c.revenue_fen, V.c.payout_fen, V.c.workbook_sha256)
             .select_from(L.outerjoin(V, V.c.seq == L.c.seq)).order_by(L.c.seq))
        if month is not None:
            q = q.where(L.c.month == month)
        with self.engine.connect() as conn:
            return [Record(*r) for r in conn.execute(q)]

    def state(self, month: str, conn=None) -> Record | None:
        """The month's last close when it is closed now (no reopen after it), else None."""
        import sqlalchemy as sa
        L = S.ledger
        q = sa.select(*[L.c[c] for c in ("seq", "kind", "month", "version", "actor", "at_utc", "text", "sha256")]) \
            .where(L.c.month == month).order_by(L.c.seq.desc()).limit(1)
        if conn is None:
            with self.engine.connect() as c:
                row = c.execute(q).first()
        else:
            row = conn.execute(q).first()
        return Record(*row) if row is not None and row.kind == "close" else None

    def last_version(self, month: str, conn) -> int:
        import sqlalchemy as sa
        v = conn.execute(sa.select(sa.func.max(S.versions.c.version)).where(S.versions.c.month == month)).scalar()
        return int(v or 0)

    def load(self, month: str, version: int | None = None,
             parts: tuple[str, ...] = ("deals", "payouts", "statements")) -> Snapshot:
        """A stored version (default: the month's latest); ``parts`` limits which row sets are read."""
        import json

        import sqlalchemy as sa
        V = S.versions
        with self.engine.connect() as conn:
            if version is None:
                version = self.last_version(month, conn)
            row = conn.execute(sa.select(V).where(V.c.month == month, V.c.version == version)).mappings().first()
            if row is None:
                have = sorted({(r.month, r.version) for r in self.records(month) if r.kind == "close"})
                raise HistoryError(f"{month}@{version}: no such closed version"
                                   + (f" (stored: {', '.join(f'{m}@{v}' for m, v in have)})" if have
                                      else f" ({month} was never closed)"))
            seq = row["seq"]
            led = conn.execute(sa.select(S.ledger).where(S.ledger.c.seq == seq)).mappings().one()
            children = {name: self._children(conn, name, seq) for name in parts}
        return Snapshot(month, row["workbook_name"], row["workbook_sha256"], row["target_fen"], row["revenue_fen"],
                        row["payout_fen"], json.loads(row["config_json"]), json.loads(row["inputs_json"]),
                        json.loads(row["targets_json"]), **children, version=version, closed_by=led["actor"],
                        closed_at=led["at_utc"], note=led["text"])

    def _children(self, conn, name: str, seq: int) -> list[tuple]:
        """Every row of one child table of record ``seq``, in order, as the snapshot holds them.

        Read through the driver (no per-row SQLAlchemy processing: a month has ~10⁵ rows);
        SQLite returns booleans as 0/1, so those columns are turned back into bools."""
        cols = CHILD_COLUMNS[name]
        mark = "?" if self.dialect == "sqlite" else "%s"
        cur = conn.connection.driver_connection.cursor()
        try:
            cur.execute(f"SELECT {', '.join(quote(c) for c in cols)} FROM {name} WHERE seq = {mark} ORDER BY pos",
                        (seq,))
            rows = cur.fetchall()
        finally:
            cur.close()
        if name == "deals" and self.dialect == "sqlite":
            return [(a, b, c, d, e, f, g, h != 0, i, j, k != 0, m) for a, b, c, d, e, f, g, h, i, j, k, m in rows]
        return rows

    def _insert_children(self, conn, name: str, seq: int, rows: list[tuple]) -> None:
        """Bulk insert (PostgreSQL: COPY; SQLite: one executemany) — a close writes ~10⁵ rows."""
        if not rows:
            return
        cols = ("seq",) + CHILD_COLUMNS[name]
        if self.dialect == "postgresql":
            cur = conn.connection.driver_connection.cursor()
            with cur.copy(f"COPY {name} ({', '.join(quote(c) for c in cols)}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row((seq, *r))
            return
        mark = "?" if self.dialect == "sqlite" else "%s"
        conn.exec_driver_sql(f"INSERT INTO {name} ({', '.join(quote(c) for c in cols)}) "
                             f"VALUES ({', '.join([mark] * len(cols))})", [(seq, *r) for r in rows])

    # ------------------------------------------------------------------ writing
    def _append(self, conn, ledger_row: dict[str, Any], *content: Any) -> dict[str, Any]:
        """Insert the next ledger record (seq, hashes) for ``ledger_row`` and its ``content`` rows."""
        import sqlalchemy as sa
        L = S.ledger
        last = conn.execute(sa.select(L.c.seq, L.c.sha256).order_by(L.c.seq.desc()).limit(1)).first()
        seq, prev = (last.seq + 1, last.sha256) if last is not None else (1, "")
        ledger_row = dict(ledger_row, seq=seq)
        h = content_hash(ledger_row, *content)
        row = dict(ledger_row, content_sha256=h, prev_sha256=prev, sha256=chain_hash(prev, h))
        conn.execute(L.insert(), [row])
        return row

    def close_month(self, snap: Snapshot, *, by: str, note: str = "") -> Record:
        """Store ``snap`` as the month's next version. HistoryError when the month is closed."""
        from sqlalchemy.exc import IntegrityError, OperationalError
        try:
            with self.engine.begin() as conn:
                self._lock(conn)
                closed = self.state(snap.month, conn)
                if closed is not None:
                    raise HistoryError(already_closed(closed))
                version = self.last_version(snap.month, conn) + 1
                vrow = snap.version_row(version)
                led = self._append(conn, {"kind": "close", "month": snap.month, "version": version, "actor": by,
                                          "at_utc": utc_now(), "text": note},
                                   vrow, snap.deals, snap.payouts, snap.statements)
                seq = led["seq"]
                conn.execute(S.versions.insert(), [dict(vrow, seq=seq)])
                for name in CHILD_COLUMNS:
                    self._insert_children(conn, name, seq, getattr(snap, name))
        except (IntegrityError, OperationalError) as exc:   # a concurrent writer got there first
            now = self.state(snap.month)
            if now is not None:
                raise HistoryError(already_closed(now)) from exc
            raise HistoryError(f"closing {snap.month}: another change to the history was written at the same "
                               f"time; nothing was stored — run the close again ({type(exc).__name__})") from exc
        return Record(seq, "close", snap.month, version, by, led["at_utc"], note, led["sha256"], snap.revenue_fen,
                      snap.payout_fen, snap.workbook_sha256)

    def reopen(self, month: str, *, by: str, reason: str) -> Record:
        if not reason.strip():
            raise HistoryError("reopen: --reason must say why the month is reopened")
        with self.engine.begin() as conn:
            self._lock(conn)
            closed = self.state(month, conn)
            if closed is None:
                raise HistoryError(f"{month} is not closed; nothing to reopen")
            led = self._append(conn, {"kind": "reopen", "month": month, "version": closed.version, "actor": by,
                                      "at_utc": utc_now(), "text": reason})
        return Record(led["seq"], "reopen", month, closed.version, by, led["at_utc"], reason, led["sha256"])

    # ------------------------------------------------------------------ tamper evidence
    def verify(self) -> list[Problem]:
        """Recompute every record's content hash and the chain; the problems, first one first."""
        import sqlalchemy as sa
        problems: list[Problem] = []
        prev = ""
        with self.engine.connect() as conn:
            for led in conn.execute(sa.select(S.ledger).order_by(S.ledger.c.seq)).mappings():
                where = f"record {led['seq']} ({led['kind']} {led['month']} version {led['version']})"
                lrow = {c: led[c] for c in S.LEDGER_COLUMNS}
                if led["kind"] == "close":
                    v = conn.execute(sa.select(S.versions).where(S.versions.c.seq == led["seq"])).mappings().first()
                    if v is None:
                        problems.append(Problem(where, "its version row is missing", "the stored version", "missing"))
                        prev = led["sha256"]
                        continue
                    now = content_hash(lrow, {c: v[c] for c in S.VERSION_COLUMNS},
                                       *(self._children(conn, name, led["seq"]) for name in CHILD_COLUMNS))
                else:
                    now = content_hash(lrow)
                if now != led["content_sha256"]:
                    problems.append(Problem(where, f"content hash {now[:12]}…",
                                            f"{led['content_sha256'][:12]}… as stored when it was written "
                                            "(its content no longer matches)", "tampered"))
                elif led["prev_sha256"] != prev:
                    problems.append(Problem(where, f"previous-record hash {led['prev_sha256'][:12]}…",
                                            f"{prev[:12]}… (the record before it; the chain is broken)", "chain"))
                elif chain_hash(prev, now) != led["sha256"]:
                    problems.append(Problem(where, f"record hash {led['sha256'][:12]}…",
                                            f"{chain_hash(prev, now)[:12]}…", "chain"))
                prev = led["sha256"]
            problems += self._rows_of_no_record(conn)
        return problems

    def _rows_of_no_record(self, conn) -> list[Problem]:
        """Rows whose ``seq`` is no stored version (no foreign key keeps them out: schema.py)."""
        out = []
        for name in CHILD_COLUMNS:
            seqs = [r[0] for r in conn.exec_driver_sql(
                f"SELECT DISTINCT seq FROM {name} WHERE seq NOT IN (SELECT seq FROM versions) ORDER BY seq")]
            if seqs:
                out.append(Problem(f"table {name}", f"rows of record(s) {', '.join(map(str, seqs[:10]))}",
                                   "rows of a stored version only (added in the database)", "tampered"))
        return out


def quote(column: str) -> str:
    """A column name quoted for SQL ("row" is a keyword on PostgreSQL)."""
    return f'"{column}"'


def already_closed(r: Record) -> str:
    from salesplan.history.snapshot import shanghai_time
    return (f"{r.month} is closed (version {r.version}, by {r.actor} at {shanghai_time(r.at_utc)} Asia/Shanghai); "
            f"reopen it first: salesplan reopen {r.month} --by NAME --reason TEXT")


def safe_url(url: str) -> str:
    """The URL without its password (for messages)."""
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def open_store(db: str | None = None) -> Store:
    return Store(resolve_url(db))
