"""bench/bench_capacity.py runs end to end (small sizes, no LibreOffice): the capacity
benchmark must not rot between the runs that measure docs/capacity.md."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_capacity_smoke(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_capacity.py"), "--deals", "40", "--regions", "2",
                           "--reps-per-region", "3", "--no-recalc", "--dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "capacity case: 40 deals, 2 regions × 3 reps" in proc.stdout
    assert "deals import --into (40 deals)" in proc.stdout
    assert (tmp_path / "plan-2026-12.xlsx").stat().st_size > 10_000
    # --check's comparison (here the stored values with themselves: every formula cell is read)
    from bench.bench_capacity import check

    assert "formula cells of 成交明细 and 个人奖金明细 equal" in check(tmp_path / "plan-2026-12.xlsx",
                                                                     tmp_path / "plan-2026-12.xlsx")
