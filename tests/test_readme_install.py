"""The install a user does, then every README command.

A fresh virtual environment (no system packages, no extras) gets ``pip install .`` of
the repository's tracked files, and the ``salesplan`` it installs runs each command the
README's table lists, from an empty folder. A module only the test extra brings, a data
file missing from package-data or a command the README names but the CLI lacks fails
here. Needs PyPI (or pip's cache) for the dependencies; pip's cache makes a rerun fast.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

pytestmark = [pytest.mark.slow, pytest.mark.libreoffice]  # announce renders its PDF with LibreOffice


def _tracked_copy(dest: Path) -> Path:
    """The repository's tracked files (working-tree contents) in ``dest``: what a clone holds."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    for name in filter(None, files.decode("utf-8").split("\0")):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("fresh")
    env_dir = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    py = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    src = _tracked_copy(base / "src")
    # --no-compile: pip would byte-compile every file of pandas, numpy, … (half the install's
    # time); the commands below compile what they import, as a first run does anyway
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-compile", "--disable-pip-version-check",
                        str(src)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return env_dir


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


class Runner:
    def __init__(self, venv: Path, cwd: Path):
        self.exe = str(venv / ("Scripts/salesplan.exe" if os.name == "nt" else "bin/salesplan"))
        self.cwd = cwd
        self.commands: set[str] = set()

    def __call__(self, *args: str, ok: tuple[int, ...] = (0,), stream: str = "stdout") -> str:
        sub = args[1] if args[0] in ("addin", "deals") and len(args) > 1 and not args[1].startswith("-") else None
        self.commands.add(f"{args[0]} {sub}" if sub else args[0])     # as _readme_commands names them
        r = subprocess.run([self.exe, *args], cwd=self.cwd, env=_env(), capture_output=True, text=True,
                           timeout=300)
        assert r.returncode in ok, f"salesplan {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}"
        assert "Traceback" not in r.stderr, r.stderr
        return r.stderr if stream == "stderr" else r.stdout


def _readme_commands() -> set[str]:
    """`salesplan X [Y]` of the README's command table (Y when X has sub-actions)."""
    text = README.read_text("utf-8")
    table = text.split("## Commands", 1)[1].split("\n## ", 1)[0]
    out = set()
    for m in re.finditer(r"`salesplan ([a-z]+)(?: ([a-z]+))?", table):
        cmd, sub = m.groups()
        out.add(f"{cmd} {sub}" if cmd in ("addin", "deals") and sub else cmd)
    return out


def _crm_csv(path: Path, month: str) -> Path:
    rows = [["成交日期", "销售", "区域", "客户", "新客户", "产品线", "金额", "合同编号", "已盖章"],
            [f"{month}-03", "钱东一", "华东区", "甲公司", "是", "产品A", "120000", "HT-001", "是"],
            [f"{month}-04", "吴南一", "华南区", "乙公司", "否", "产品B", "5000", "HT-002", "否"]]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_readme_commands_after_a_plain_install(venv, tmp_path):
    py = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    where = subprocess.run([str(py), "-c", "import salesplan; print(salesplan.__file__)"], cwd=tmp_path,
                           env=_env(), capture_output=True, text=True, check=True).stdout
    assert str(venv) in where  # the installed copy, not the checkout

    run = Runner(venv, tmp_path)
    assert "generate" in run("--help")
    for cmd in ("reopen", "diff", "statement"):      # the commands the loop below does not run (each ~1 s)
        assert "usage:" in run(cmd, "--help")

    # Configuring a month
    (tmp_path / "plan.toml").write_text(run("config", "--print-default"), encoding="utf-8")
    assert "OK" in run("config", "--check", "plan.toml")
    assert "华东区" in run("plan", "--config", "plan.toml", "--month", "2027-01", "--format", "table")
    assert '"month": "2027-01"' in run("plan", "--month", "2027-01", "--format", "json")

    # The month's loop
    out = run("generate")  # the README's first line: next month, into the working folder
    assert list(tmp_path.glob("销售作战方案-*.xlsx")), out
    plan = "销售作战方案-2027-01.xlsx"
    run("generate", "--month", "2027-01", "-o", plan)
    crm = _crm_csv(tmp_path / "crm.csv", "2027-01")
    assert "HT-001" in run("deals", "import", str(crm), "--json")
    run("deals", "import", str(crm), "--into", plan)
    run("split", plan, "-o", "regions")
    assert len(list((tmp_path / "regions").glob("*.xlsx"))) == 4
    run("consolidate", plan, "regions")
    run("announce", plan, "-o", "announce")
    assert list((tmp_path / "announce").glob("*.pdf"))
    run("calendar", plan, "-o", "month.ics")
    assert (tmp_path / "month.ics").read_text("utf-8").startswith("BEGIN:VCALENDAR")
    run("deals", "template", "-o", "crm-template.csv")
    assert (tmp_path / "crm-template.csv").read_text("utf-8-sig").startswith("成交日期,")

    # What it takes (the default plan names no reps yet: the regions' gaps, a clear refusal for a rep)
    assert '"working_days_left"' in run("gap", plan, "--as-of", "2027-01-15", "--format", "json")
    assert "钱东一" in run("whatif", plan, "--deal", "钱东一=10000", ok=(2,), stream="stderr")
    assert "基准" in run("scenario", "--month", "2027-01", "--strategy", "B")
    run("announce", plan, "--gap", "-o", "announce")
    assert list((tmp_path / "announce").glob("冲刺-*"))

    # Closing the month: refused while a deal pays nobody (every reason listed), history stays empty
    db = str(tmp_path / "history.sqlite3")
    assert "cannot be closed" in run("close", plan, "--by", "财务", "--db", db, ok=(2,), stream="stderr")
    assert "no month closed" in run("history", "--db", db)

    # The add-in (built on any OS; install shown for Windows from here)
    run("addin", "build", "-o", "SalesPlan.xlam")
    assert (tmp_path / "SalesPlan.xlam").stat().st_size > 10_000
    assert "XLSTART" in run("addin", "install", "--dry-run", "--platform", "windows")

    assert _readme_commands() <= run.commands, _readme_commands() - run.commands
