"""Save faults on real files: a full disk, a file-size limit, a read-only folder, killed runs.

A full disk is a real small tmpfs (mounted when the tests run as root: skipped
elsewhere, a failure under CI=true when it cannot be mounted) filled up to a few
kilobytes; EFBIG comes from a real ``RLIMIT_FSIZE`` on the command's process (any user).
Every command runs as its own process, so what Python prints at exit is seen too.
The rule: one clean error line naming the file, exit 2, no stack, the old files
byte-identical, no temp file left behind; split and consolidate change all their
files or none.
"""
from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from contextlib import chdir, contextmanager
from pathlib import Path

import openpyxl
import pytest

from salesplan.regional.manifest import SplitManifest, sidecar_path
from salesplan.workbook_templates.save import FileSet, SaveError, remove_stale, temp_name

MONTH = "2026-12"
DEALS_CSV = ("成交日期,销售,区域,客户,新客户,产品线,金额,合同编号,已盖章\n"
             "2026-12-01,钱东一,华东区,甲公司,是,产品A,12000,HT-001,是\n"
             "2026-12-02,吴南一,华南区,乙公司,否,产品B,5000,HT-002,是\n")


def cli(*args: str, cwd: Path | None = None, fsize: int | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``salesplan ARGS`` as its own process (``fsize``: RLIMIT_FSIZE in bytes, SIGXFSZ ignored → EFBIG)."""
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    return subprocess.run([sys.executable, "-m", "salesplan", *args], cwd=cwd, capture_output=True, text=True,
                          preexec_fn=limit if fsize is not None else None, env={**os.environ, **(env or {})},
                          timeout=600)


def cli_here(*args: str, cwd: Path) -> int:
    """``salesplan ARGS`` in this process (a fixture's setup: the commands under test run as processes)."""
    from salesplan.cli import main
    with chdir(cwd):
        return main(list(args))


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def digests(folder: Path) -> dict[str, str]:
    return {p.name: digest(p) for p in sorted(folder.iterdir()) if p.is_file()} if folder.exists() else {}


def temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".tmp" in p.name)


def assert_one_clean_error(r: subprocess.CompletedProcess, name: str, reason: str) -> str:
    err = r.stderr
    assert r.returncode == 2, (r.returncode, r.stdout, err)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    errors = [line for line in err.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, err
    assert errors[0].startswith("salesplan: error: cannot save") and name in errors[0] and reason in errors[0], err
    return errors[0]


def _fail_or_skip(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the full-disk tests: {why}")
    pytest.skip(why)


@contextmanager
def small_disk(path: Path, size: str = "3m"):
    """A real tmpfs of ``size`` mounted at ``path`` (root only)."""
    path.mkdir(parents=True, exist_ok=True)
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        _fail_or_skip("mounting a small tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True,
                       text=True)
    if r.returncode != 0:
        _fail_or_skip(f"cannot mount a tmpfs: {r.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill(disk: Path, leave_kb: int) -> None:
    """Fill ``disk`` until about ``leave_kb`` kilobytes are free."""
    st = os.statvfs(disk)
    n = st.f_bavail * st.f_frsize - leave_kb * 1024
    with open(disk / "filler.bin", "ab") as fh:
        while n > 0:
            chunk = min(n, 1 << 20)
            try:
                fh.write(b"\0" * chunk)
                fh.flush()
            except OSError:
                break
            n -= chunk


def set_input(regional: Path, plan: Path, region: str, key: tuple, value) -> None:
    """Type ``value`` into the regional file's cell for ``key`` (as a manager would, with openpyxl)."""
    m = SplitManifest.load(sidecar_path(plan, region))
    cell = next(f.cell for f in m.inputs if f.key == key)
    wb = openpyxl.load_workbook(regional)
    wb[region][cell] = value
    wb.save(regional)


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    """plan.xlsx, its split records (plan.splits) and regional files with typed values (regions/)."""
    d = tmp_path_factory.mktemp("kit")
    assert cli_here("generate", "--month", MONTH, "-o", "plan.xlsx", cwd=d) == 0
    assert cli_here("split", "plan.xlsx", "-o", "regions", cwd=d) == 0
    for i, region in enumerate(("华东区", "华南区")):
        f = d / "regions" / f"plan.{region}.xlsx"
        set_input(f, d / "plan.xlsx", region, ("phases", region, 1, "complaints"), 7 + i)
    (d / "deals.csv").write_text(DEALS_CSV, encoding="utf-8")
    return d


def copy_plan(kit: Path, to: Path) -> Path:
    to.mkdir(parents=True, exist_ok=True)
    shutil.copy2(kit / "plan.xlsx", to / "plan.xlsx")
    shutil.copytree(kit / "plan.splits", to / "plan.splits")
    return to / "plan.xlsx"


# ----------------------------------------------------------------------------- a full disk

@pytest.mark.parametrize("leave_kb", [8, 120, 240])
def test_generate_on_a_full_disk_is_one_line_and_keeps_the_file(kit, tmp_path, leave_kb):
    with small_disk(tmp_path / "disk") as disk:
        plan = copy_plan(kit, disk)
        before = digest(plan)
        fill(disk, leave_kb)
        r = cli("generate", "--month", MONTH, "-o", str(plan))
        assert_one_clean_error(r, str(plan), "the disk is full")
        assert digest(plan) == before and temps(disk) == []


@pytest.mark.parametrize("leave_kb", [8, 200])
def test_deals_into_on_a_full_disk_is_one_line_and_keeps_the_file(kit, tmp_path, leave_kb):
    with small_disk(tmp_path / "disk") as disk:
        plan = copy_plan(kit, disk)
        before = digest(plan)
        fill(disk, leave_kb)
        r = cli("deals", "import", str(kit / "deals.csv"), "--into", str(plan))
        assert_one_clean_error(r, str(plan), "the disk is full")
        assert digest(plan) == before and temps(disk) == []


@pytest.mark.parametrize("leave_kb", [8, 200, 300])
def test_consolidate_on_a_full_disk_changes_neither_master_nor_records(kit, tmp_path, leave_kb):
    with small_disk(tmp_path / "disk") as disk:
        plan = copy_plan(kit, disk)
        before, records = digest(plan), digests(disk / "plan.splits")
        fill(disk, leave_kb)
        r = cli("consolidate", str(plan), str(kit / "regions"))
        line = assert_one_clean_error(r, "", "the disk is full")
        assert "nothing was changed" in line
        assert digest(plan) == before and digests(disk / "plan.splits") == records and temps(disk) == []
    # with room, the same run merges (the files were fine)
    plan = copy_plan(kit, tmp_path / "roomy")
    r = cli("consolidate", str(plan), str(kit / "regions"))
    assert r.returncode == 0 and "master updated" in r.stdout, r.stdout + r.stderr


@pytest.mark.parametrize("existing", [False, True])
def test_split_on_a_full_disk_writes_nothing(kit, tmp_path, existing):
    with small_disk(tmp_path / "disk") as disk:
        plan = copy_plan(kit, disk)
        out = disk / "regions"
        if existing:       # an earlier split's files and records are there: they stay as they were
            shutil.copytree(kit / "regions", out)
        else:              # the first split: no folder and no record is left behind
            shutil.rmtree(disk / "plan.splits")
        files, records = digests(out), digests(disk / "plan.splits")
        fill(disk, 300)    # room for a region or two, not for all four and their records
        r = cli("split", str(plan), "-o", str(out))
        line = assert_one_clean_error(r, "", "the disk is full")
        assert "nothing was written" in line
        assert out.exists() == existing and digests(out) == files
        assert (disk / "plan.splits").exists() == existing and digests(disk / "plan.splits") == records
        assert temps(disk) == []


# ----------------------------------------------------------------------------- a file-size limit (EFBIG)

@pytest.mark.parametrize("command", ["generate", "deals"])
def test_a_file_size_limit_is_one_line_and_keeps_the_file(kit, tmp_path, command):
    plan = copy_plan(kit, tmp_path)
    before = digest(plan)
    args = (["generate", "--month", MONTH, "-o", str(plan)] if command == "generate"
            else ["deals", "import", str(kit / "deals.csv"), "--into", str(plan)])
    r = cli(*args, fsize=150_000)
    assert_one_clean_error(r, str(plan), "larger than this disk")
    assert digest(plan) == before and temps(tmp_path) == []


def test_consolidate_under_a_file_size_limit_changes_nothing(kit, tmp_path):
    plan = copy_plan(kit, tmp_path)
    before, records = digest(plan), digests(tmp_path / "plan.splits")
    r = cli("consolidate", str(plan), str(kit / "regions"), fsize=150_000)
    assert "nothing was changed" in assert_one_clean_error(r, "", "larger than this disk")
    assert digest(plan) == before and digests(tmp_path / "plan.splits") == records and temps(tmp_path) == []


# ----------------------------------------------------------------------------- an unwritable records folder

@contextmanager
def read_only(folder: Path, disk: Path):
    """Make ``folder`` unwritable for real: a read-only tmpfs holding its files (root), else chmod."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        keep = disk.parent / "keep"
        shutil.copytree(folder, keep)
        with small_disk(folder):
            for p in keep.iterdir():
                shutil.copy2(p, folder / p.name)
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
            yield
    else:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(mode)


def test_unwritable_split_records_leave_the_master_unchanged(kit, tmp_path):
    plan = copy_plan(kit, tmp_path / "w")
    before, records = digest(plan), digests(plan.parent / "plan.splits")
    with read_only(plan.parent / "plan.splits", tmp_path / "w"):
        r = cli("consolidate", str(plan), str(kit / "regions"))
        line = assert_one_clean_error(r, "plan.splits", "")
        assert "nothing was changed" in line
        assert digests(plan.parent / "plan.splits") == records
    assert digest(plan) == before and temps(plan.parent) == []


# ----------------------------------------------------------------------------- replacing files together

def test_a_failed_swap_puts_every_old_file_back(tmp_path):
    a, b, master = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "plan.xlsx"
    a.write_text("old a")
    master.write_bytes(b"old master")
    b.mkdir()                        # a folder where b's new record must go: the swap of b fails for real
    (b / "x").write_text("in the way")
    files = FileSet()
    files.stage(a, b"new a")
    files.stage(b, b"new b")
    files.backup(master)
    new = tmp_path / "new.xlsx"              # the writer's atomic save, between staging and the swap
    new.write_bytes(b"new master")
    os.replace(new, master)
    with pytest.raises(SaveError) as e:
        files.commit()
    assert "b.json" in str(e.value)
    assert a.read_text() == "old a" and master.read_bytes() == b"old master" and b.is_dir()
    assert temps(tmp_path) == []


def test_a_swap_adds_new_files_and_keeps_no_backup(tmp_path):
    a, new = tmp_path / "a.json", tmp_path / "new.json"
    a.write_text("old")
    files = FileSet()
    files.stage(a, b"new")
    files.stage(new, lambda p: p.write_text("fresh"))
    files.commit()
    assert a.read_text() == "new" and new.read_text() == "fresh" and temps(tmp_path) == []


# ----------------------------------------------------------------------------- temps of killed runs

def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _temp(folder: Path, owner: str | None, age_s: float, stem: str = "plan") -> Path:
    _temp.n = getattr(_temp, "n", 0) + 1
    name = f".{stem}.{owner + '.' if owner else ''}ab12cd{_temp.n:02d}.tmp.xlsx"
    p = folder / name
    p.write_bytes(b"")
    t = time.time() - age_s
    os.utime(p, (t, t))
    return p


def test_stale_temps_are_removed_and_a_running_saves_are_kept(tmp_path):
    prefix, _ = temp_name(tmp_path / "plan.xlsx")
    host = prefix.split(".")[2].split("-")[1]
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = _temp(tmp_path, f"{_dead_pid()}-{host}", 5)                  # its process is gone: removed
        legacy_old = _temp(tmp_path, None, 3600)                            # no owner, an hour old: removed
        legacy_new = _temp(tmp_path, None, 5)                               # no owner, fresh: perhaps running
        running = _temp(tmp_path, f"{live.pid}-{host}", 3600)               # its process runs: kept
        other_host_old = _temp(tmp_path, "123-ffffff", 3600)                # another machine, an hour old
        other_host_new = _temp(tmp_path, "123-ffffff", 5)                   # another machine, fresh
        other_stem = _temp(tmp_path, None, 3600, stem="plan.华东区")         # another file's temp: not ours
        removed = remove_stale(tmp_path, "plan")
        assert sorted(removed) == sorted([dead, legacy_old, other_host_old])
        assert all(p.exists() for p in (legacy_new, running, other_host_new, other_stem))
    finally:
        live.kill()
        live.wait()


def test_the_next_save_cleans_a_killed_runs_temp(kit, tmp_path):
    plan = copy_plan(kit, tmp_path)
    prefix, _ = temp_name(plan)
    host = prefix.split(".")[2].split("-")[1]
    left = _temp(tmp_path, f"{_dead_pid()}-{host}", 1)
    r = cli("generate", "--month", MONTH, "-o", str(plan))
    assert r.returncode == 0, r.stderr
    assert not left.exists() and temps(tmp_path) == []


def test_a_failed_save_closes_only_its_own_writers(tmp_path):
    """The quiet clean-up of a failed save leaves another workbook being written in the
    same process (a long-lived add-in host) alone: that one still saves whole."""
    from salesplan.workbook_templates.save import atomic_write

    other = openpyxl.Workbook(write_only=True)
    sheet = other.create_sheet("still writing")
    sheet.append(["row", 1])

    def failing_write(tmp: Path) -> None:
        wb = openpyxl.Workbook(write_only=True)
        wb.create_sheet("doomed").append(["x"])
        wb.save(tmp)
        raise OSError(28, "No space left on device")

    target = tmp_path / "plan.xlsx"
    with pytest.raises(SaveError, match="the disk is full"):
        atomic_write(target, failing_write)
    assert not target.exists() and temps(tmp_path) == []
    sheet.append(["row", 2])
    other.save(tmp_path / "other.xlsx")
    assert [r for r in openpyxl.load_workbook(tmp_path / "other.xlsx")["still writing"].values] == [("row", 1),
                                                                                                    ("row", 2)]
