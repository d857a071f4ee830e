"""The history store on SQLite and on a real PostgreSQL server: versions, reopen, the hash
chain, concurrent closes, migrations."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from history_helpers import db_url, make_plan, pg_server  # noqa: F401  (fixtures)

DEALS = [(5, "钱东一", "华东区", "客户甲", "是", "产品A", "300,000.00", "HT-001"),
         (6, "吴南一", "华南区", "新客乙", "是", "产品B", "120万", "HT-002"),
         (7, "钱东一", "华东区", "客户丙", "否", "产品A", "500,000", "HT-003")]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    from salesplan.history.source import read_workbook
    plan = make_plan(tmp_path_factory.mktemp("plan"), "2027-01", DEALS)
    r = read_workbook(plan)
    assert r.problems == []
    return r.snapshot


def test_close_stores_a_version_that_loads_back_identical(db_url, snapshot):
    from salesplan.history.store import open_store
    with open_store(db_url) as st:
        rec = st.close_month(snapshot, by="财务 Alice", note="first close")
        assert (rec.month, rec.version, rec.kind) == ("2027-01", 1, "close")
        back = st.load("2027-01")
        assert st.verify() == []
    for f in ("deals", "payouts", "statements", "config", "inputs", "targets", "payout_fen", "revenue_fen",
              "workbook_sha256"):
        assert getattr(back, f) == getattr(snapshot, f), f
    assert (back.version, back.closed_by, back.note) == (1, "财务 Alice", "first close")
    assert back.closed_at.endswith("Z")
    assert back.payout_fen == 9_920_000          # 2,280.00 + 7,640.00 (hand: see the trace lines)


def test_closed_month_refuses_a_second_close_until_reopened(db_url, snapshot):
    from salesplan.history.gate import refuse_if_closed
    from salesplan.history.store import HistoryError, open_store
    with open_store(db_url) as st:
        st.close_month(snapshot, by="A")
        with pytest.raises(HistoryError, match=r"2027-01 is closed \(version 1, by A"):
            st.close_month(snapshot, by="B")
        with pytest.raises(HistoryError, match="cannot consolidate"):
            refuse_if_closed("2027-01", "consolidate", db_url)
        refuse_if_closed("2027-02", "consolidate", db_url)          # another month is open
        with pytest.raises(HistoryError, match="must say why"):
            st.reopen("2027-01", by="B", reason="  ")
        st.reopen("2027-01", by="B", reason="HT-003 amount corrected by the CRM")
        assert st.state("2027-01") is None
        refuse_if_closed("2027-01", "consolidate", db_url)
        with pytest.raises(HistoryError, match="not closed"):
            st.reopen("2027-01", by="B", reason="again")
        rec = st.close_month(snapshot, by="C")
        assert rec.version == 2
        assert [(r.kind, r.version, r.actor) for r in st.records()] == [
            ("close", 1, "A"), ("reopen", 1, "B"), ("close", 2, "C")]
        assert st.verify() == []


def test_a_direct_edit_of_a_payout_is_caught_naming_the_record(db_url, snapshot):
    import sqlalchemy as sa

    from salesplan.history import schema as S
    from salesplan.history.store import open_store
    with open_store(db_url) as st:
        st.close_month(snapshot, by="A")
        st.reopen("2027-01", by="B", reason="fix")
        st.close_month(snapshot, by="C")
        with st.engine.begin() as conn:      # someone edits a payout line of version 1 in the database
            conn.execute(sa.update(S.payouts).where(S.payouts.c.seq == 1, S.payouts.c.pos == 0)
                         .values(amount_fen=S.payouts.c.amount_fen + 1))
        problems = st.verify()
    assert problems and problems[0].where == "record 1 (close 2027-01 version 1)"
    assert problems[0].code == "tampered"


def test_two_closes_at_once_one_wins_nothing_half_written(db_url, snapshot):
    from salesplan.history.store import HistoryError, Store, resolve_url
    url = resolve_url(db_url)
    Store(url).close()                         # migrate first, so both start from the same schema
    results: list = []
    barrier = threading.Barrier(2)

    def close(who: str) -> None:
        st = Store(url)
        try:
            barrier.wait()
            results.append(("ok", st.close_month(snapshot, by=who).version))
        except HistoryError as exc:
            results.append(("refused", str(exc)))
        finally:
            st.close()

    threads = [threading.Thread(target=close, args=(w,)) for w in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    refused = next(r[1] for r in results if r[0] == "refused")
    assert "2027-01 is closed (version 1" in refused
    with Store(url) as st:
        assert [(r.kind, r.version) for r in st.records()] == [("close", 1)]
        assert len(st.load("2027-01").deals) == len(snapshot.deals)
        assert st.verify() == []


def test_default_location_and_urls(monkeypatch, tmp_path):
    from salesplan.history.store import ENV, default_db_path, resolve_url
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "salesplan" / "history.sqlite3"
    assert resolve_url() == f"sqlite:///{tmp_path}/salesplan/history.sqlite3"
    monkeypatch.setenv(ENV, str(tmp_path / "team.db"))
    assert resolve_url() == f"sqlite:///{tmp_path}/team.db"
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def test_unreachable_server_is_a_clear_error():
    from salesplan.history.store import HistoryError, open_store
    with pytest.raises(HistoryError, match=r"history store postgresql\+psycopg://u:\*\*\*@127.0.0.1:9/x"):
        open_store("postgresql://u:secret@127.0.0.1:9/x")


def test_a_deleted_record_breaks_the_chain(db_url, snapshot):
    import sqlalchemy as sa

    from salesplan.history import schema as S
    from salesplan.history.store import open_store
    with open_store(db_url) as st:
        st.close_month(snapshot, by="A")
        st.reopen("2027-01", by="B", reason="why not")
        st.close_month(snapshot, by="C")
        with st.engine.begin() as conn:     # the reopen (and its reason) removed from the database
            conn.execute(sa.delete(S.ledger).where(S.ledger.c.seq == 2))
        problems = st.verify()
    assert [(p.where, p.code) for p in problems] == [("record 3 (close 2027-01 version 2)", "chain")]


def test_the_migrated_schema_is_schema_py(db_url, snapshot):
    """Alembic's migrations build exactly the tables salesplan/history/schema.py declares."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from salesplan.history.schema import metadata
    from salesplan.history.store import open_store
    with open_store(db_url) as st, st.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_a_store_of_the_first_schema_upgrades_keeping_every_version(db_url, snapshot):
    """A history written under revision 0001 (rows with a foreign key to the ledger) opens under
    the current schema with every row, hash and chain intact; closing and verifying still work."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from salesplan import history
    from salesplan.history.store import open_store
    with open_store(db_url) as st:
        st.close_month(snapshot, by="A")
        cfg = Config()
        cfg.set_main_option("script_location", str(Path(history.__file__).parent / "migrations"))
        with st.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0001")
            assert sa.inspect(conn).get_foreign_keys("deals")            # the first schema's key is back
    with open_store(db_url) as st:                                        # opening upgrades
        with st.engine.connect() as conn:
            assert sa.inspect(conn).get_foreign_keys("deals") == []
            assert sa.inspect(conn).get_foreign_keys("versions")         # one row per close keeps its key
        back = st.load("2027-01")
        assert (back.deals, back.payouts, back.statements) == (snapshot.deals, snapshot.payouts, snapshot.statements)
        st.reopen("2027-01", by="B", reason="after the upgrade")
        st.close_month(snapshot, by="C")
        assert st.verify() == []


def test_rows_added_in_the_database_for_no_version_are_named(db_url, snapshot):
    import sqlalchemy as sa

    from salesplan.history import schema as S
    from salesplan.history.store import open_store
    with open_store(db_url) as st:
        st.close_month(snapshot, by="A")
        row = dict(zip(S.DEAL_COLUMNS, snapshot.deals[0]))
        with st.engine.begin() as conn:
            conn.execute(sa.insert(S.deals).values(seq=99, **row))
        problems = st.verify()
    assert [(p.where, p.code) for p in problems] == [("table deals", "tampered")]
    assert "record(s) 99" in str(problems[0].value)


def test_year_to_date_probes_a_sqlite_history_without_sqlalchemy(tmp_path, snapshot):
    """Generating (or importing into) a month asks the history for its year's earlier closes; a
    SQLite history with none answers through the standard library — no SQLAlchemy start-up —
    and one with a close gives the 年度累计 document."""
    import subprocess
    import sys

    from salesplan.history.store import open_store
    from salesplan.history.ytd import for_month
    db = tmp_path / "history.sqlite3"
    with open_store(str(db)):
        pass                                       # an empty (migrated) history
    ask = ("import sys; from salesplan.history.ytd import for_month; doc = for_month(sys.argv[1], sys.argv[2]); "
           "print(doc is None, 'sqlalchemy' in sys.modules)")
    for month in ("2027-02", "2027-01", "2026-12"):
        r = subprocess.run([sys.executable, "-c", ask, month, str(db)], capture_output=True, text=True)
        assert r.stdout.split() == ["True", "False"], (month, r.stdout, r.stderr)
    with open_store(str(db)) as st:
        st.close_month(snapshot, by="财务")        # 2027-01 closed
    assert for_month("2027-02", str(db))["months"] == ["2027-01"]
    assert for_month("2027-01", str(db)) is None and for_month("2028-02", str(db)) is None
    r = subprocess.run([sys.executable, "-c", ask, "2027-02", str(db)], capture_output=True, text=True)
    assert r.stdout.split() == ["False", "True"], r.stdout + r.stderr


def test_the_year_to_date_probe_reads_the_ledger_as_the_schema_declares_it():
    import re

    from salesplan.history import schema as S
    from salesplan.history.ytd import LEDGER_CLOSE_PROBE
    table, *columns = re.fullmatch(r"SELECT 1 FROM (\w+) WHERE (\w+) = 'close' AND (\w+) BETWEEN \? AND \? LIMIT 1",
                                   LEDGER_CLOSE_PROBE).groups()
    assert table == S.ledger.name and all(c in S.ledger.c for c in columns)


def test_the_schema_head_is_alembics():
    """A store at SCHEMA_HEAD opens without loading Alembic: SCHEMA_HEAD must be the newest
    migration (add a migration, move the constant)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from salesplan import history
    from salesplan.history.store import SCHEMA_HEAD
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(history.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(cfg).get_current_head() == SCHEMA_HEAD


def test_a_current_store_opens_without_alembic(db_url, snapshot):
    """Every command that asks the history opens the store; at the newest schema that costs
    SQLAlchemy only (a store to upgrade still loads Alembic: the upgrade test above)."""
    import subprocess
    import sys

    from salesplan.history.store import open_store
    with open_store(db_url) as st:
        st.close_month(snapshot, by="财务")
    ask = ("import sys; from salesplan.history.store import open_store\n"
           "with open_store(sys.argv[1]) as st: print(st.state('2027-01').kind, 'alembic' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", ask, db_url], capture_output=True, text=True)
    assert r.stdout.split() == ["close", "False"], r.stdout + r.stderr
