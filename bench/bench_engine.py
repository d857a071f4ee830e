"""Benchmark the engine: plan computation at two sizes and commission over many deals.

    python -m bench.bench_engine            # full run (1,000,000 deals)
    python -m bench.bench_engine --quick    # smaller sizes, for CI smoke

Targets (issue 2): 1,000,000 deals of commission in under 3 s on a 2-core machine.
"""
from __future__ import annotations

import argparse
import copy
import random
import sys
import tomllib
from decimal import Decimal

from bench._common import measure, row
from salesplan.config import default_config_text, validate
from salesplan.engine.commission import commission
from salesplan.engine.deal import Deal
from salesplan.engine.plan import compute_plan


def sized_config(regions: int, reps_per_region: int):
    data = tomllib.loads(default_config_text(), parse_float=Decimal)
    base = data["regions"]
    revenue = data["targets"]["revenue"]
    share = [revenue // regions + (1 if i < revenue % regions else 0) for i in range(regions)]
    data["regions"] = []
    for i in range(regions):
        r = copy.deepcopy(base[i % len(base)])
        r["name"] = f"区域{i + 1:03d}"
        r["revenue"] = share[i]
        r["reps"] = [{"name": f"销售{i + 1:03d}-{j + 1:03d}", "new_hire": j % 5 == 0,
                      "weight": Decimal(1 + (j % 3)) / 2} for j in range(reps_per_region)]
        data["regions"].append(r)
    return validate(data, month="2026-12")


def deals_list(n: int, regions: int = 4, reps: int = 10, seed: int = 7) -> tuple[list[Deal], dict]:
    rng = random.Random(seed)
    region_names, rep_names = [f"R{i}" for i in range(regions)], [f"P{i}" for i in range(reps)]
    deals = [Deal(i, region_names[rng.randrange(regions)], rep_names[rng.randrange(reps)],
                  rng.randrange(100_00, 5_000_000_00)) for i in range(1, n + 1)]
    targets = {(r, p): 3_000_000 for r in region_names for p in rep_names}
    return deals, targets


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    args = ap.parse_args(argv)
    print(f"{'benchmark':<48} {'median':>13} {'peak':>13}")
    for regions, reps in ((4, 10), (50, 100)):
        cfg = sized_config(regions, reps)
        t, peak, plan = measure(lambda: compute_plan(cfg))
        print(row(f"plan: {regions} regions / {regions * reps} reps", t, peak))
    sizes = (10_000, 100_000) if args.quick else (10_000, 1_000_000)
    for n in sizes:
        deals, targets = deals_list(n)
        t, peak, (per_deal, trace) = measure(lambda: commission(deals, targets, cfg.commission.tiers), repeat=3)
        ok = sum(d.commission_fen for d in per_deal) == sum(s.commission_fen for s in trace)
        print(row(f"commission + trace: {n:,} deals", t, peak,
                  f"{n / t / 1e6:.2f} M deals/s; trace rows {len(trace):,}; totals reconcile: {ok}"))
        if n == 1_000_000 and t > 3.0:
            print("  ! above the 3 s target", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
