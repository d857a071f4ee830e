"""The benchmarks still run (small sizes). They report numbers; nothing here asserts a time."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

# what each benchmark must report (a row carrying a time); bench_consolidate's rows are checked below
EXPECTED_ROWS = {
    "bench.bench_engine": ["plan: 4 regions / 40 reps", "plan: 50 regions / 5000 reps",
                           "commission + trace: 10,000 deals", "commission + trace: 100,000 deals"],
    "bench.bench_udfs": ["KPI_SCORE", "TARGET_SPLIT", "COMMISSION ", "COMMISSION_TRACE", "DISCOUNT_OK", "AWARDS",
                         "PHASE_OF", "SENSITIVE_PERIOD"],
    "bench.bench_generate": ["default plan"],
}


@pytest.mark.parametrize("args", [
    ["bench.bench_engine", "--quick"],
    ["bench.bench_udfs", "--rows", "1000", "--repeat", "1"],
    ["bench.bench_generate", "--quick", "--repeat", "1"],
    ["bench.bench_consolidate", "--files", "20", "--reps", "10", "--repeat", "1"],
    ["bench.bench_consolidate", "--files", "5", "--reps", "5", "--repeat", "1", "--in-process"],
    ["bench.bench_consolidate_real", "--regions", "2", "--reps", "3", "--repeat", "1"],
])
def test_benchmark_runs(args):
    r = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    measured = [line for line in r.stdout.splitlines() if re.search(r"\d ms|\d s cpu", line)]
    for needle in EXPECTED_ROWS.get(args[0], ()):              # every measured row is there, with a time
        assert any(needle in line for line in measured), (needle, r.stdout)
    if args[0] == "bench.bench_engine":
        assert r.stdout.count("totals reconcile: True") == 2, r.stdout
    if args[0].startswith("bench.bench_consolidate"):
        assert "per round" in r.stdout and "target consolidate" in r.stdout and "fastest rounds" in r.stdout
        assert "RSS growth" in r.stdout and " CPUs, Python " in r.stdout
        if sys.platform.startswith("linux"):    # every row's resident-set growth measured, none n/a
            rows = [line for line in r.stdout.splitlines() if " ms " in line and "MiB" in line]
            want = 4 if args[0].endswith("_real") else 5
            assert len(rows) == want and all(line.count("MiB") == 2 for line in rows), r.stdout
    if args[0] == "bench.bench_consolidate_real":       # every file merged, every typed input applied
        assert "files read: 2 (2 merged, 0 excluded)" in r.stdout and "errors: 0; conflicts: 0" in r.stdout


def test_deals_import_benchmark_runs(tmp_path):
    """bench.bench_deals_import, small: the raw read and the import of the same CSV and XLSX."""
    r = subprocess.run([sys.executable, "-m", "bench.bench_deals_import", "--rows", "2000", "--xlsx-rows", "300",
                        "--dir", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    measured = {tuple(line.split()[:2]) for line in r.stdout.splitlines() if line.startswith("deals_")}
    assert measured == {("deals_2000.csv", "raw-csv"), ("deals_2000.csv", "import"), ("deals_300.xlsx", "raw-xlsx"),
                        ("deals_300.xlsx", "preflight"), ("deals_300.xlsx", "import")}, r.stdout
