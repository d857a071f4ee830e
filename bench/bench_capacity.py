"""Benchmark: the largest supported case (docs/capacity.md), end to end, as a user runs it.

    python bench/bench_capacity.py [--deals N] [--regions R] [--reps-per-region P] [--dir DIR] [--no-recalc] [--check]
    python bench/bench_capacity.py --recalc-only PLAN.xlsx

1. ``salesplan generate`` a plan of R regions × P reps (``--config`` written here);
2. a CRM CSV of N deals of that month, spread over those reps, written by code;
3. ``salesplan deals import CSV --into PLAN.xlsx`` — time and peak RSS of that process;
4. LibreOffice headless recalculation of the result (convert to xlsx with
   "always recalculate on load") — time, CPU time and peak RSS of soffice.

``--check`` then compares every formula cell of 成交明细 and 个人奖金明细 recalculated by
LibreOffice with the value the writer stored (the engine's); ``--recalc-only`` times
LibreOffice on a given workbook (one an earlier version wrote: the before/after figures).

Each step runs as its own process under a small wrapper that reads
``resource.getrusage(RUSAGE_CHILDREN)`` after it, so the figures are those of the command a
person runs (its child processes included). Defaults: the stated capacity
(salesplan.config.limits: MAX_DEALS deals with MAX_DEAL_REP_PAIRS / MAX_DEALS rep rows, as 20 regions × 25 reps).
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from salesplan.config.limits import MAX_DEALS  # noqa: E402

MONTH = "2026-12"
PRODUCTS = ["产品A", "产品B", "产品C", "行业解决方案"]
HEADER = ["成交日期", "销售", "区域", "客户", "新客户", "产品线", "金额", "合同编号", "已盖章"]


def region_names(n: int) -> list[tuple[str, str]]:
    base = [("华东区", "张明"), ("华南区", "李强"), ("西南区", "王芳"), ("北方区", "刘伟")]
    return base[:n] + [(f"区域{i:03d}", f"经理{i:03d}") for i in range(len(base), n)]


def plan_toml(regions: int, reps: int) -> str:
    """A plan of ``regions`` × ``reps`` (the rest of the keys: the built-in default)."""
    total = 10_000_000
    each = [total // regions + (1 if i < total % regions else 0) for i in range(regions)]
    out = [f'month = "{MONTH}"', f"[targets]\nrevenue = {total}"]
    for i, (name, manager) in enumerate(region_names(regions)):
        out.append(f'[[regions]]\nname = "{name}"\nmanager = "{manager}"\nrevenue = {each[i]}\n'
                   f'focus_kpi = "重点"\nfocus_weight = 0.05')
        out += [f'[[regions.reps]]\nname = "{name}销售{j:03d}"' for j in range(reps)]
    return "\n".join(out) + "\n"


def write_deals_csv(path: Path, n: int, regions: int, reps: int, seed: int = 18) -> None:
    rnd = random.Random(seed)
    names = region_names(regions)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(n):
            region = names[i % regions][0]
            rep = f"{region}销售{rnd.randrange(reps):03d}"
            fen = rnd.randrange(100_000, 50_000_000)
            w.writerow([f"{MONTH}-{1 + i % 28:02d}", rep, region, f"客户{i % 5000:05d}",
                        "是" if rnd.random() < 0.1 else "否", PRODUCTS[i % 4], f"{fen // 100}.{fen % 100:02d}",
                        f"HT-{i:07d}", "是"])


_WRAP = ("import resource, subprocess, sys, time\n"
         "t = time.perf_counter(); rc = subprocess.run(sys.argv[1:]).returncode\n"
         "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
         "print(rc, time.perf_counter() - t, u.ru_utime + u.ru_stime, u.ru_maxrss, file=sys.stderr)")


def run_measured(cmd: list[str], **kw) -> tuple[float, float, float]:
    """(seconds, CPU seconds, peak RSS MiB) of ``cmd`` and its descendants, measured by a fresh
    wrapper process (``ru_maxrss`` of RUSAGE_CHILDREN is a running maximum: a wrapper per step
    keeps one step's peak from hiding the next one's). The CPU seconds hardly depend on what
    else the machine runs; the wall-clock seconds do."""
    proc = subprocess.run([sys.executable, "-c", _WRAP, *map(str, cmd)], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, **kw)
    *output, last = proc.stderr.rstrip().splitlines() or [""]
    rc, seconds, cpu, rss_kib = last.split()
    if int(rc) != 0:
        raise SystemExit(f"{' '.join(map(str, cmd[:5]))} … failed ({rc}):\n" + "\n".join(output)[-2000:])
    return float(seconds), float(cpu), int(rss_kib) / 1024


def recalc(path: Path, work: Path) -> tuple[float, float, float]:
    sys.path.insert(0, str(ROOT / "tests"))
    from lo_recalc import make_profile, soffice_path  # the tests' always-recalculate profile

    exe = soffice_path()
    if exe is None:
        raise SystemExit("LibreOffice (soffice) is not installed: use --no-recalc")
    out = work / "recalc"
    out.mkdir(exist_ok=True)
    profile = make_profile(work / "lo-profile")
    measured = run_measured([exe, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                             "--convert-to", "xlsx", "--outdir", str(out), str(path)], timeout=3600)
    if not (out / path.name).exists():
        raise SystemExit("LibreOffice wrote no file")
    return measured


def check(plan: Path, recalculated: Path) -> str:
    """Every formula cell of the deals sheet and the rep statements: LibreOffice's value = the stored one."""
    import openpyxl

    from salesplan.workbook_templates.expect import same
    from salesplan.workbook_templates.labels import Labels

    L = Labels("zh")
    sheets = [L.sheet("deals"), L.sheet("statements")]
    formulas = openpyxl.load_workbook(plan, read_only=True)
    stored = openpyxl.load_workbook(plan, read_only=True, data_only=True)
    got = openpyxl.load_workbook(recalculated, read_only=True, data_only=True)
    n, bad = 0, []
    for name in sheets:
        for rf, rs, rg in zip(formulas[name].iter_rows(), stored[name].iter_rows(), got[name].iter_rows()):
            for cf, cs, cg in zip(rf, rs, rg):
                if isinstance(cf.value, str) and cf.value.startswith("="):
                    n += 1
                    if not same(cg.value, cs.value):
                        bad.append(f"{name}!{cf.coordinate}: LibreOffice {cg.value!r}, stored {cs.value!r}")
    if bad:
        raise SystemExit(f"{len(bad)} of {n} formula cells differ:\n" + "\n".join(bad[:20]))
    return f"check: {n:,} formula cells of {' and '.join(sheets)} equal the stored (engine) values"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deals", type=int, default=MAX_DEALS)
    ap.add_argument("--regions", type=int, default=20)
    ap.add_argument("--reps-per-region", type=int, default=25)
    ap.add_argument("--dir", type=Path, help="keep the files here (default: a temporary folder)")
    ap.add_argument("--no-recalc", action="store_true", help="skip the LibreOffice recalculation")
    ap.add_argument("--check", action="store_true", help="compare LibreOffice's values with the stored ones")
    ap.add_argument("--recalc-only", type=Path, metavar="PLAN.xlsx",
                    help="only time LibreOffice's recalculation of this workbook (e.g. one an earlier version wrote)")
    args = ap.parse_args(argv)
    if args.recalc_only:
        work = Path(tempfile.mkdtemp(prefix="salesplan-recalc-"))
        try:
            seconds, cpu, peak = recalc(args.recalc_only, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(f"LibreOffice recalculation of {args.recalc_only}: {seconds:.1f} s, {cpu:.1f} CPU s, {peak:.0f} MiB")
        return 0
    work = args.dir or Path(tempfile.mkdtemp(prefix="salesplan-capacity-"))
    work.mkdir(parents=True, exist_ok=True)
    exe = [sys.executable, "-m", "salesplan"]
    # run in the work folder: ``python -m`` puts the current folder first on sys.path, so a shell
    # standing in another checkout would otherwise measure that checkout's code
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        (work / "plan.toml").write_text(plan_toml(args.regions, args.reps_per_region), "utf-8")
        plan = work / f"plan-{MONTH}.xlsx"
        plan.unlink(missing_ok=True)
        csv_path = work / f"deals_{args.deals}.csv"
        write_deals_csv(csv_path, args.deals, args.regions, args.reps_per_region)
        rows = [("generate", *run_measured(exe + ["generate", "--config", str(work / "plan.toml"), "-o", str(plan)],
                                           env=env, cwd=work))]
        rows.append((f"deals import --into ({args.deals:,} deals)",
                     *run_measured(exe + ["deals", "import", str(csv_path), "--into", str(plan)], env=env,
                                   cwd=work)))
        if not args.no_recalc:
            rows.append(("LibreOffice recalculation", *recalc(plan, work)))
        print(f"capacity case: {args.deals:,} deals, {args.regions} regions × {args.reps_per_region} reps; "
              f"plan {plan.stat().st_size / 2**20:.1f} MiB")
        print(f"{'step':<40}{'seconds':>10}{'CPU s':>10}{'peak RSS MiB':>14}")
        for label, seconds, cpu, peak in rows:
            print(f"{label:<40}{seconds:>10.1f}{cpu:>10.1f}{peak:>14.0f}")
        if args.check and not args.no_recalc:
            print(check(plan, work / "recalc" / plan.name))
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
