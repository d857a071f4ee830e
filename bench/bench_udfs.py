"""Benchmark the Excel UDFs on 10,000-row blocks (Python side only).

    python bench/bench_udfs.py [--rows 10000] [--repeat 15] [--check]

Inputs are built the way xlwings hands a range to a UDF (lists of lists of
floats, None for empty cells), so the time covers our whole Python path:
argument validation, conversion, the engine and the result layout. Excel's own
transfer of the range over COM is excluded. Target: KPI_SCORE over 10,000 rows
under 50 ms (median). ``--check`` exits 1 when the target is missed.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta

import numpy as np

from salesplan.udfs import functions as F

KPI_TARGET_MS = 50.0


def median_ms(fn, repeat: int) -> float:
    fn()  # warm-up: config load, caches
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def inputs(rows: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    targets = [0.65, 50, 0.8, 1000, 0.3]
    actuals = (rng.uniform(0, 1.5, (rows, 5)) * np.array(targets)).round(4).tolist()
    for r in range(0, rows, 97):           # some empty cells, as in a real sheet
        actuals[r][r % 5] = None
    amounts = [[float(x)] for x in (rng.integers(1_000_00, 500_000_00, rows) / 100)]
    lists = [[round(a[0] * 1.05, 2)] for a in amounts]
    quotes = [[round(a[0], 2)] for a in amounts]
    first = [[bool(x)] for x in rng.integers(0, 2, rows)]
    big = [[float(x)] for x in rng.integers(0, 20_000_000, rows)]
    dates = [[date(2026, 1, 1) + timedelta(days=int(d))] for d in rng.integers(0, 365, rows)]
    weights = [[float(x)] for x in rng.integers(1, 100_000, rows)]
    return {
        "targets": [targets], "weights": [[0.15, 0.2, 0.25, 0.1, 0.05]],
        "scoring": [["threshold", "linear", "linear", "linear", "linear"]],
        "actuals": actuals, "amounts": amounts, "quotes": quotes, "lists": lists, "first": first,
        "big": big, "dates": dates, "split_weights": weights,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--check", action="store_true", help="exit 1 if KPI_SCORE misses its target")
    args = ap.parse_args(argv)
    x = inputs(args.rows)
    n = args.rows
    benches = [
        ("KPI_SCORE", lambda: F.KPI_SCORE(x["actuals"], x["targets"], x["weights"], x["scoring"])),
        ("TARGET_SPLIT", lambda: F.TARGET_SPLIT(3_000_000_000, x["split_weights"])),
        ("COMMISSION", lambda: F.COMMISSION(x["amounts"], 500_000_000)),
        ("COMMISSION_TRACE", lambda: F.COMMISSION_TRACE(x["amounts"], 500_000_000)),
        ("DISCOUNT_OK", lambda: F.DISCOUNT_OK(x["quotes"], x["lists"], x["first"])),
        ("AWARDS", lambda: F.AWARDS(x["big"], x["first"])),
        ("PHASE_OF", lambda: F.PHASE_OF(x["dates"])),
        ("SENSITIVE_PERIOD", lambda: F.SENSITIVE_PERIOD(x["dates"])),
    ]
    print(f"salesplan UDFs, {n:,} rows, median of {args.repeat} (Python side; Excel's transfer excluded)")
    kpi_ms = None
    for name, fn in benches:
        ms = median_ms(fn, args.repeat)
        note = ""
        if name == "KPI_SCORE":
            kpi_ms = ms
            note = f"  target < {KPI_TARGET_MS:.0f} ms: {'OK' if ms < KPI_TARGET_MS else 'MISSED'}"
        print(f"  {name:<18}{ms:9.2f} ms  ({ms * 1000 / n:6.2f} µs/row){note}")
    return 1 if args.check and kpi_ms is not None and kpi_ms >= KPI_TARGET_MS else 0


if __name__ == "__main__":
    sys.exit(main())
