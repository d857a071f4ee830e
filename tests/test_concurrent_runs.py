"""Runs on the same plan at once: real processes, started together.

Two ``consolidate`` runs, ``consolidate`` with ``deals import --into`` and with
``generate``: the plan's lock (``.<plan name>.lock``, salesplan.locking) makes one wait
for the other, so the master ends with both runs' values. A run that waits too long
stops with one line naming the holder and writes nothing; the lock of a killed run
never blocks the next.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from salesplan.workbook_templates.inputs import read_inputs
from salesplan.xlsx.openpyxl_reader import OpenpyxlReader
from test_save_faults import DEALS_CSV, MONTH, cli, cli_here, copy_plan, digest, set_input

HOLD = ("import sys, time\n"
        "from salesplan.locking import plan_lock\n"
        "with plan_lock(sys.argv[1], 'test-holder'):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(float(sys.argv[2])) if sys.argv[2] != 'stdin' else sys.stdin.readline()\n")


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    """plan.xlsx, its split records and two regional files, each with one typed value."""
    d = tmp_path_factory.mktemp("kit")
    assert cli_here("generate", "--month", MONTH, "-o", "plan.xlsx", cwd=d) == 0
    assert cli_here("split", "plan.xlsx", "-o", "regions", "--region", "华东区", "--region", "华南区", cwd=d) == 0
    set_input(d / "regions" / "plan.华东区.xlsx", d / "plan.xlsx", "华东区", ("phases", "华东区", 1, "complaints"), 7)
    set_input(d / "regions" / "plan.华南区.xlsx", d / "plan.xlsx", "华南区", ("phases", "华南区", 2, "complaints"), 8)
    (d / "deals.csv").write_text(DEALS_CSV, encoding="utf-8")
    return d


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "salesplan", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})


def finish(*procs: subprocess.Popen) -> list[tuple[int, str, str]]:
    outputs = [p.communicate(timeout=600) for p in procs]
    return [(p.returncode, *o) for p, o in zip(procs, outputs)]


def inputs_of(plan: Path):
    with OpenpyxlReader(plan) as rd:
        return read_inputs(rd)[1]


def complaints(plan: Path) -> tuple:
    regions = inputs_of(plan).regions
    return regions["华东区"].phases[0].complaints, regions["华南区"].phases[1].complaints


#: long enough for the other run to finish on a loaded machine: these tests show waiting, not refusing
PATIENT = {"SALESPLAN_LOCK_WAIT": "300"}


def test_two_consolidations_at_once_keep_both_values(kit, tmp_path):
    plan = copy_plan(kit, tmp_path)
    east = start("consolidate", str(plan), str(kit / "regions" / "plan.华东区.xlsx"), env=PATIENT)
    south = start("consolidate", str(plan), str(kit / "regions" / "plan.华南区.xlsx"), env=PATIENT)
    results = finish(east, south)
    for code, out, err in results:
        assert code == 0 and "master updated" in out, (code, out, err)
        assert "Traceback" not in err
    assert complaints(plan) == (7, 8)
    # and each region's split record now holds its merged value: re-running changes nothing
    before = digest(plan)
    again = cli("consolidate", str(plan), str(kit / "regions"))
    assert again.returncode == 0 and "master updated" not in again.stdout and digest(plan) == before


def test_consolidate_and_deals_import_at_once_keep_both(kit, tmp_path):
    plan = copy_plan(kit, tmp_path)
    merge = start("consolidate", str(plan), str(kit / "regions"), env=PATIENT)
    deals = start("deals", "import", str(kit / "deals.csv"), "--into", str(plan), env=PATIENT)
    for code, out, err in finish(merge, deals):
        assert code == 0, (code, out, err)
    assert complaints(plan) == (7, 8)
    assert {d.contract_id for d in inputs_of(plan).deals if d.contract_id} == {"HT-001", "HT-002"}


def test_consolidate_and_generate_at_once_keep_the_merged_values(kit, tmp_path):
    plan = copy_plan(kit, tmp_path)
    merge = start("consolidate", str(plan), str(kit / "regions"), env=PATIENT)
    gen = start("generate", "--month", MONTH, "-o", str(plan), env=PATIENT)
    for code, out, err in finish(merge, gen):
        assert code == 0, (code, out, err)
    assert complaints(plan) == (7, 8)


def _hold(plan: Path, seconds: float | str) -> subprocess.Popen:
    """A process holding the plan's lock for ``seconds`` (``"stdin"``: until its input is closed)."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(plan), str(seconds)], stdout=subprocess.PIPE,
                              stdin=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_run_that_waits_too_long_stops_naming_the_other_and_writes_nothing(kit, tmp_path):
    plan = copy_plan(kit, tmp_path)
    before = digest(plan)
    holder = _hold(plan, 120)
    try:
        r = cli("consolidate", str(plan), str(kit / "regions"), env={"SALESPLAN_LOCK_WAIT": "1"})
        assert r.returncode == 2, (r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
        error, = [line for line in r.stderr.splitlines() if line.startswith("salesplan: error:")]
        assert str(plan) in error and f"`salesplan test-holder` (process {holder.pid}" in error
        assert "Nothing was written" in error and digest(plan) == before
    finally:
        holder.kill()
        holder.wait()
    # the holder was killed: its lock is gone with it, the next run neither waits nor is refused
    r = cli("consolidate", str(plan), str(kit / "regions"), env={"SALESPLAN_LOCK_WAIT": "1"})
    assert r.returncode == 0 and "waiting" not in r.stderr, r.stderr
    assert complaints(plan) == (7, 8)


def test_a_run_waits_for_the_other_and_then_proceeds(kit, tmp_path):
    plan = copy_plan(kit, tmp_path)
    holder = _hold(plan, "stdin")
    deals = start("deals", "import", str(kit / "deals.csv"), "--into", str(plan), env=PATIENT)
    said = deals.stderr.readline()           # it says whom it waits for ...
    assert f"plan.xlsx is in use by `salesplan test-holder` (process {holder.pid}" in said, said
    assert "waiting up to 300 s" in said
    holder.stdin.close()                     # ... and lands the deals once the other run is done
    holder.wait()
    (code, out, err), = finish(deals)
    assert code == 0, err
    assert {d.contract_id for d in inputs_of(plan).deals if d.contract_id} == {"HT-001", "HT-002"}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_a_killed_consolidation_leaves_a_plan_the_next_run_merges(kit, tmp_path):
    """Killed while it holds the lock (and perhaps mid-save): the next run is not blocked,
    and the master is either the old one or the merged one — never a broken file."""
    plan = copy_plan(kit, tmp_path)
    victim = start("consolidate", str(plan), str(kit / "regions"))
    try:
        victim.wait(timeout=3)
    except subprocess.TimeoutExpired:
        victim.send_signal(signal.SIGKILL)
    victim.communicate()
    r = cli("consolidate", str(plan), str(kit / "regions"), env={"SALESPLAN_LOCK_WAIT": "5"})
    assert r.returncode == 0, r.stderr
    assert complaints(plan) == (7, 8)
