"""Benchmark: `salesplan gap` on a plan workbook of 5,000 reps and 100,000 deals.

    python bench/bench_gap.py                   # 50 regions × 100 reps, 100,000 deals
    python bench/bench_gap.py --quick           # 4 regions × 10 reps, 1,000 deals (smoke)
    python bench/bench_gap.py --keep DIR        # keep (and reuse) the generated workbook

The figure that counts is the whole command as a process (`python -m salesplan.cli gap
PLAN.xlsx --format json`, interpreter start-up included), target ≤ 1 s. Below it, the
same work in-process, step by step, shows where the time goes: reading the 设置 sheet
and the typed inputs (`read_plan_book`: the lxml engine, input columns only), the
workbook semantics (targets, KPI scores), the gap engine, the JSON.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_S = 1.0


def build(path: Path, n_regions: int, n_reps: int, n_deals: int, seed: int = 21) -> None:
    """A generated plan workbook (the real writer) with every rep named and ``n_deals`` typed deals."""
    from bench.bench_generate import big_config
    from salesplan.engine.actuals import NO, YES, DealRow, default_inputs
    from salesplan.engine.plan import compute_plan
    from salesplan.workbook_templates.writer import generate_workbook

    cfg = big_config(n_regions, n_reps)
    plan = compute_plan(cfg)
    inputs = default_inputs(plan, deal_rows=0)
    rnd = random.Random(seed)
    roster = [(r.name, x.name) for r in cfg.regions for x in r.reps]
    first = cfg.month.first_day
    inputs.deals = [DealRow(date=first + timedelta(days=rnd.randrange(cfg.month.length)), rep=rep, region=region,
                            customer=f"客户{rnd.randrange(n_deals // 3 + 1)}",
                            new_customer=YES if rnd.random() < 0.1 else NO,
                            amount=rnd.randrange(1_000_00, 2_000_000_00) / 100)
                    for region, rep in (rnd.choice(roster) for _ in range(n_deals))]
    generate_workbook(cfg, path, inputs=inputs, deal_rows=n_deals)


def as_of_for(path: Path) -> str:
    """Mid-month of the plan: bench_generate.big_config plans December 2026."""
    return "2026-12-15"


def process_seconds(path: Path, as_of: str, repeat: int) -> tuple[float, int, int]:
    """Median wall time of the whole command as a process; the rep and region counts it printed."""
    times, out = [], ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "salesplan.cli", "gap", str(path), "--as-of", as_of,
                            "--format", "json"], capture_output=True, text=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            raise SystemExit(f"salesplan gap failed ({r.returncode}): {r.stderr[-2000:]}")
        out = r.stdout
    data = json.loads(out)
    return statistics.median(times), len(data["reps"]), len(data["regions"])


def steps(path: Path, as_of: str) -> list[tuple[str, float]]:
    """The command's work in-process, timed step by step."""
    from salesplan.commands import _plan_source as ps
    from salesplan.engine import gap as g

    out = []
    t0 = time.perf_counter()
    src = ps.load(path)
    out.append(("read 设置 + typed inputs (read_plan_book)", time.perf_counter() - t0))
    t0 = time.perf_counter()
    gi = src.gap_inputs()
    out.append(("targets and KPI scores (compute_actuals)", time.perf_counter() - t0))
    t0 = time.perf_counter()
    result = g.compute_gap(src.plan, gi, date.fromisoformat(as_of))
    out.append(("gap engine (compute_gap)", time.perf_counter() - t0))
    t0 = time.perf_counter()
    json.dumps(g.gap_dict(src.plan, result), ensure_ascii=False)
    out.append(("JSON", time.perf_counter() - t0))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", type=int, default=50)
    ap.add_argument("--reps", type=int, default=100, help="reps per region")
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--quick", action="store_true", help="4 regions × 10 reps, 1,000 deals")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="folder to keep (and reuse) the workbook in")
    args = ap.parse_args(argv)
    if args.quick:
        args.regions, args.reps, args.deals, args.repeat = 4, 10, 1_000, 1
    from bench._common import work_dir
    with work_dir(args.keep, "bench-gap-") as d:
        path = d / f"gap-{args.regions}x{args.reps}-{args.deals}.xlsx"
        if not path.exists():
            t0 = time.perf_counter()
            build(path, args.regions, args.reps, args.deals)
            print(f"built {path.name} ({path.stat().st_size / 2**20:.1f} MiB) in {time.perf_counter() - t0:.1f} s")
        as_of = as_of_for(path)
        seconds, n_reps, n_regions = process_seconds(path, as_of, args.repeat)
        print(f"{'salesplan gap (whole process)':<48} {seconds * 1000:>10.1f} ms   {n_reps:,} reps, "
              f"{n_regions} regions, {args.deals:,} deals   target ≤ {TARGET_S:g} s: "
              f"{'met' if seconds <= TARGET_S else 'NOT met'}")
        for label, s in steps(path, as_of):
            print(f"  {label:<46} {s * 1000:>10.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
