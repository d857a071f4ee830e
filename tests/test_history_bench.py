"""bench.bench_history runs (small sizes), SQLite and PostgreSQL rows side by side. No time is asserted."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from history_helpers import _pg_bin

ROOT = Path(__file__).parent.parent


def test_history_benchmark_runs(tmp_path):
    r = subprocess.run([sys.executable, "-m", "bench.bench_history", "--months", "3", "--reps", "40",
                        "--deals", "400", "--dir", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.splitlines()
    header = next(line for line in lines if line.startswith("measure"))
    assert "SQLite" in header and (("PostgreSQL" in header) or _pg_bin() is None), r.stdout
    for what in ("fill 2 months", "close one month", "diff two months", "history --verify"):
        row = next(line for line in lines if line.startswith(what))
        assert row.count(" s /") == header.count("SQLite") + header.count("PostgreSQL"), row
