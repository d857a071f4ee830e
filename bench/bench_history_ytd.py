"""年度累计 benchmark: generating a month with the history's year to date against without it.

The issue's target: the 年度累计 sheet adds ≤ 20 % to generation. Both rows in one run, on
the same plan (default 50 regions × 100 reps = 5,000 reps, December, so the sheet holds
eleven closed months of every rep plus the live month): CPU seconds (``process_time``; the
machine may be shared) of ``compute_plan`` + ``build_models`` + ``write_built``, the median
of ``--repeat`` runs, and their ratio. The year-to-date record is synthetic (the shape
``salesplan history --ytd`` gives); reading it from the store is ``history --ytd``'s cost,
timed on its own row.

    python -m bench.bench_history_ytd                      # 50 × 100 reps, 11 closed months
    python -m bench.bench_history_ytd --regions 4 --reps 12 --repeat 3
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.20


def ytd_doc(cfg, n_months: int) -> dict:
    months = [f"{cfg.month.year:04d}-{m:02d}" for m in range(1, n_months + 1)]

    def mo(k: int) -> dict:
        t, r = 200_000_00 + k % 7 * 10_000_00, 150_000_00 + k % 13 * 9_000_00
        return {"target_fen": t, "revenue_fen": r, "payout_fen": r // 25, "attainment": round(r / t, 6)}
    reps, regions = [], []
    for region in cfg.regions:
        for k, rep in enumerate(region.reps):
            reps.append({"region": region.name, "rep": rep.name, "months": {m: mo(k + i) for i, m in enumerate(months)}})
        regions.append({"region": region.name, "months": {m: mo(i) for i, m in enumerate(months)}})
    return {"year": cfg.month.year, "months": months, "versions": {m: 1 for m in months}, "reps": reps,
            "regions": regions}


def generate_cpu(cfg, path: Path, ytd) -> float:
    from salesplan.engine.plan import compute_plan
    from salesplan.workbook_templates.writer import build_models, write_built
    c = time.process_time()
    built = build_models(compute_plan(cfg), ytd=ytd)
    write_built(built, path)
    return time.process_time() - c


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", type=int, default=50)
    ap.add_argument("--reps", type=int, default=100, help="reps per region")
    ap.add_argument("--months", type=int, default=11, help="closed months in the sheet (before the plan month)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = ap.parse_args(argv)
    from bench.bench_generate import big_config, machine
    cfg = big_config(args.regions, args.reps)      # plan month 2026-12
    doc = ytd_doc(cfg, args.months)
    print(f"年度累计: {args.regions} regions × {args.reps} reps, {args.months} closed months; {machine()}")
    with tempfile.TemporaryDirectory(prefix="salesplan-bench-ytd-") as d:
        without, with_ = [], []
        for i in range(args.repeat):      # interleaved: a busy spell hits both rows alike
            without.append(generate_cpu(cfg, Path(d) / f"a{i}.xlsx", None))
            with_.append(generate_cpu(cfg, Path(d) / f"b{i}.xlsx", doc))
        a, b = statistics.median(without), statistics.median(with_)
        sizes = (os.path.getsize(Path(d) / "a0.xlsx"), os.path.getsize(Path(d) / "b0.xlsx"))
    ratio = b / a
    print(f"{'generate without 年度累计':<34}{a:>9.2f} s CPU  {sizes[0] / 2**20:>7.1f} MiB")
    print(f"{'generate with 年度累计':<34}{b:>9.2f} s CPU  {sizes[1] / 2**20:>7.1f} MiB")
    print(f"{'ratio (target ≤ {:.2f})'.format(TARGET):<34}{ratio:>9.3f}    {'ok' if ratio <= TARGET else 'MISSED'}")
    return 1 if args.strict and ratio > TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
