"""Helpers for the history tests: a plan with reps, a PostgreSQL server the tests start themselves."""
from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

REPS = {"华东区": ['{ name = "钱东一", new_hire = true, weight = 2 }', '{ name = "孙东二", weight = 1 }'],
        "华南区": ['{ name = "吴南一", new_hire = true }', '{ name = "郑南二" }'],
        "西南区": ['{ name = "冯西一" }'],
        "北方区": ['{ name = "褚北一" }', '{ name = "卫北二" }']}
HEADER = ["成交日期", "销售", "区域", "客户", "新客户", "产品线", "金额", "合同编号", "已盖章"]


def config_text(month: str) -> str:
    from salesplan.config.loader import default_config_text
    text = default_config_text()
    for region, reps in REPS.items():
        head = f'[[regions]]\nname = "{region}"\n'
        assert head in text
        text = text.replace(head, head + f"reps = [{', '.join(reps)}]\n", 1)
    return f'month = "{month}"\n' + "\n".join(l for l in text.splitlines() if not l.startswith("month ="))


def write_deals_csv(path: Path, month: str, rows: list[tuple]) -> Path:
    """rows: (day, rep, region, customer, new, product, amount text, contract)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for day, rep, region, customer, new, product, amount, contract in rows:
            w.writerow([f"{month}-{day:02d}", rep, region, customer, new, product, amount, contract, "是"])
    return path


def make_plan(d: Path, month: str, deals: list[tuple], name: str = "plan.xlsx", db: str | None = None) -> Path:
    """generate (config with reps) → deals import --into, through the CLI as a person runs it
    (``db``: with that history — its closed months of the year make the 年度累计 sheet)."""
    from salesplan.cli import main
    cfg = d / f"plan-{month}.toml"
    cfg.write_text(config_text(month), encoding="utf-8")
    plan = d / name
    hist = ["--db", db] if db else []
    assert main(["generate", "--config", str(cfg), "-o", str(plan), *hist]) == 0
    if deals:
        src = write_deals_csv(d / f"crm-{month}.csv", month, deals)
        assert main(["deals", "import", str(src), "--into", str(plan), *hist]) == 0
    return plan


# ----------------------------------------------------------------------------- PostgreSQL

def _pg_bin() -> Path | None:
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / "initdb").exists() and (base / "pg_ctl").exists():
            return base
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A throwaway PostgreSQL cluster in a temp dir on a loopback port, run as the ``postgres``
    user when we are root (postgres refuses to run as root)."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="salesplan-pg-"))
        self.port = _free_port()
        self.as_user = os.geteuid() == 0
        if self.as_user:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"

    def _run(self, *args: str) -> None:
        cmd = (["runuser", "-u", "postgres", "--"] if self.as_user else []) + list(args)
        subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=self.dir, timeout=120)

    def start(self) -> "PostgresServer":
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        return self

    def stop(self) -> None:
        import time
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            for _ in range(20):       # a server process still exiting may write a file while we remove
                shutil.rmtree(self.dir, ignore_errors=True)
                if not self.dir.exists():
                    break
                time.sleep(0.25)

    def create_db(self, name: str) -> str:
        self._run(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"


def start_postgres() -> PostgresServer:
    """The server, or a skip (a failure when CI=true: CI installs PostgreSQL)."""
    bindir = _pg_bin()
    if bindir is None:
        msg = "PostgreSQL (initdb, pg_ctl) is not installed: apt-get install -y postgresql"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        msg = "the psycopg driver is not installed: pip install -e '.[postgres]'"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return PostgresServer(bindir).start()


_PG: PostgresServer | None = None


@pytest.fixture(scope="session")
def pg_server(request):
    """One server for the whole session (shared by every history test module), stopped at its end."""
    global _PG
    if _PG is None:
        _PG = start_postgres()
        request.config.add_cleanup(_PG.stop)
    return _PG


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty history: a SQLite file, or a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "history.sqlite3")
    import uuid
    return request.getfixturevalue("pg_server").create_db("h" + uuid.uuid4().hex[:12])


def type_rep_inputs(plan: Path, values: dict[tuple[str, int, str], object]) -> None:
    """Type rep inputs into the master as a person does: {(region, slot, field): value}."""
    import openpyxl

    from salesplan.workbook_templates.inputs import read_registry
    from salesplan.xlsx.openpyxl_reader import OpenpyxlReader
    with OpenpyxlReader(plan) as rd:
        _, tables = read_registry(rd)
    wb = openpyxl.load_workbook(plan)
    for (region, slot, field), value in values.items():
        t = next(t for t in tables if t.kind == "reps" and tuple(t.key) == ("reps", region))
        wb[t.sheet].cell(row=t.first_row + slot, column=t.fields[field], value=value)
    wb.save(plan)
