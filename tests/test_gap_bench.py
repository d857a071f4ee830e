"""bench/bench_gap.py still runs (tiny size); it reports numbers, nothing here asserts a time."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_gap_benchmark_runs():
    r = subprocess.run([sys.executable, "-m", "bench.bench_gap", "--regions", "2", "--reps", "3", "--deals", "50",
                        "--engine-deals", "500", "--repeat", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "salesplan gap (whole process)" in r.stdout and "6 reps, 2 regions, 50 deals" in r.stdout
    assert "gap engine (compute_gap)" in r.stdout and " ms" in r.stdout
    assert "gap engine + JSON, deals in memory" in r.stdout and "6 reps, 500 deals" in r.stdout


def test_a_workbook_beyond_capacity_is_refused_before_building():
    r = subprocess.run([sys.executable, "-m", "bench.bench_gap", "--regions", "50", "--reps", "100", "--deals", "501"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "holds at most 500 deals" in r.stderr, r.stderr[-2000:]
