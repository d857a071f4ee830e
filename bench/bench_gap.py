"""Benchmark: `salesplan gap` — the command on a plan workbook, and the gap engine at 100,000 deals.

    python bench/bench_gap.py                   # 50 regions × 100 reps: a workbook at capacity; 100k deals in memory
    python bench/bench_gap.py --quick           # 4 regions × 10 reps, 1,000 deals (smoke)
    python bench/bench_gap.py --keep DIR        # keep (and reuse) the generated workbook

The target: `gap` on 5,000 reps and 100,000 deals in ≤ 1 s. A plan workbook holds at
most 5,000 deals and 2,500,000 deals × rep rows (docs/capacity.md): with 5,000 reps that is
500 deals, and a 100,000-deal workbook (120 MiB, its deals sheet 470 MB of XML) is refused by
the preflight every file passes. So two figures:

* the whole command as a process (`python -m salesplan.cli gap PLAN.xlsx --format json`,
  interpreter start-up included) on the largest workbook the product takes for the roster
  (``--deals``, default the capacity), with its steps in-process below it: reading the 设置
  sheet and the typed inputs (`read_plan_book`: the lxml engine, input columns only), the
  workbook semantics (targets, KPI scores), the gap engine, the JSON;
* the gap engine (`compute_gap` + the JSON) on the same plan with ``--engine-deals``
  (default 100,000) deals built in memory — target ≤ 1 s.
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


def capacity(n_reps_total: int) -> int:
    """The most deals a plan workbook of this roster holds (docs/capacity.md)."""
    from salesplan.config.limits import MAX_DEAL_REP_PAIRS, MAX_DEALS
    return min(MAX_DEALS, MAX_DEAL_REP_PAIRS // max(1, n_reps_total))


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
    out.append(("targets and KPI scores (region_tab_values)", time.perf_counter() - t0))
    t0 = time.perf_counter()
    result = g.compute_gap(src.plan, gi, date.fromisoformat(as_of))
    out.append(("gap engine (compute_gap)", time.perf_counter() - t0))
    t0 = time.perf_counter()
    json.dumps(g.gap_dict(src.plan, result), ensure_ascii=False)
    out.append(("JSON", time.perf_counter() - t0))
    return out


def engine_seconds(n_regions: int, n_reps: int, n_deals: int, as_of: str, repeat: int,
                   seed: int = 21) -> float:
    """Median seconds of compute_gap + its JSON for ``n_deals`` deals built in memory."""
    from bench.bench_generate import big_config
    from salesplan.engine import gap as g
    from salesplan.engine.deal import Deal
    from salesplan.engine.plan import compute_plan

    cfg = big_config(n_regions, n_reps)
    plan = compute_plan(cfg)
    rnd = random.Random(seed)
    roster = [(r.name, x.name) for r in cfg.regions for x in r.reps]
    first = cfg.month.first_day
    customers = n_deals // 3 + 1
    deals = tuple(Deal(i + 1, region, rep, rnd.randrange(1_000_00, 2_000_000_00), f"客户{rnd.randrange(customers)}",
                       rnd.random() < 0.1, first + timedelta(days=rnd.randrange(cfg.month.length)))
                  for i, (region, rep) in enumerate(rnd.choice(roster) for _ in range(n_deals)))
    gi = g.GapInputs(reps=tuple(g.RepInput(region, rep, 200_000 + 10_000 * (k % 7))
                                for k, (region, rep) in enumerate(roster)), deals=deals)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        json.dumps(g.gap_dict(plan, g.compute_gap(plan, gi, date.fromisoformat(as_of))), ensure_ascii=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", type=int, default=50)
    ap.add_argument("--reps", type=int, default=100, help="reps per region")
    ap.add_argument("--deals", type=int, help="deals in the workbook (default: the capacity for the roster)")
    ap.add_argument("--engine-deals", type=int, default=100_000, help="deals for the in-memory engine figure")
    ap.add_argument("--quick", action="store_true", help="4 regions × 10 reps, 1,000 deals")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="folder to keep (and reuse) the workbook in")
    args = ap.parse_args(argv)
    if args.quick:
        args.regions, args.reps, args.deals, args.engine_deals, args.repeat = 4, 10, 1_000, 1_000, 1
    most = capacity(args.regions * args.reps)
    if args.deals is None:
        args.deals = most
    if args.deals > most:
        ap.error(f"--deals {args.deals:,}: a plan workbook of {args.regions * args.reps:,} reps holds at most "
                 f"{most:,} deals (docs/capacity.md); --engine-deals times the engine at any size")
    from bench._common import work_dir
    as_of = "2026-12-15"           # mid-month of bench_generate.big_config's plan (December 2026)
    with work_dir(args.keep, "bench-gap-") as d:
        path = d / f"gap-{args.regions}x{args.reps}-{args.deals}.xlsx"
        if not path.exists():
            t0 = time.perf_counter()
            build(path, args.regions, args.reps, args.deals)
            print(f"built {path.name} ({path.stat().st_size / 2**20:.1f} MiB) in {time.perf_counter() - t0:.1f} s")
        seconds, n_reps, n_regions = process_seconds(path, as_of, args.repeat)
        print(f"{'salesplan gap (whole process)':<48} {seconds * 1000:>10.1f} ms   {n_reps:,} reps, "
              f"{n_regions} regions, {args.deals:,} deals (the workbook's capacity: {most:,})")
        for label, s in steps(path, as_of):
            print(f"  {label:<46} {s * 1000:>10.1f} ms")
    seconds = engine_seconds(args.regions, args.reps, args.engine_deals, as_of, args.repeat)
    print(f"{'gap engine + JSON, deals in memory':<48} {seconds * 1000:>10.1f} ms   {args.regions * args.reps:,} reps, "
          f"{args.engine_deals:,} deals   target ≤ {TARGET_S:g} s: {'met' if seconds <= TARGET_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
