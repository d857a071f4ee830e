"""Benchmark: import 1,000,000 CRM deals vs a raw read of the same file, same run.

    python bench/bench_deals_import.py [--rows 1000000] [--xlsx-rows 100000] [--dir /tmp/bench]

Each measurement runs in a fresh child process, so peak memory (max RSS, from
``resource.getrusage``) belongs to that measurement alone. The raw baseline is the
fastest reader available here: pandas' C CSV parser reading every column as text
(pyarrow is not installed); for XLSX, python-calamine's ``to_python``.
Rows are realistic: mostly plain amounts, 5% formatted (``1,200,000``, ``120万``,
``¥38,000.00``), 2% unstamped, a few duplicate contract numbers.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import time
from pathlib import Path

HEADER = ["成交日期", "销售", "区域", "客户", "新客户", "产品线", "金额", "合同编号", "已盖章", "报价", "目录价", "首次报价"]
REGIONS = [("华东区", "张明"), ("华南区", "李强"), ("西南区", "王芳"), ("北方区", "刘伟")]
PRODUCTS = ["产品A", "产品B", "产品C", "行业解决方案"]


def make_rows(n: int, seed: int = 6):
    rnd = random.Random(seed)
    for i in range(n):
        region, rep = REGIONS[i % 4]
        fen = rnd.randrange(100_000, 500_000_000)
        r = rnd.random()
        if r < 0.02:
            amount = f"{fen // 100:,}"
        elif r < 0.04:
            amount = f"¥{fen // 100:,}.{fen % 100:02d}"
        elif r < 0.05:
            amount = f"{fen // 1_000_000}万"
        else:
            amount = f"{fen // 100}.{fen % 100:02d}"
        cid = f"HT-{i:07d}" if rnd.random() > 0.001 else f"HT-{max(i - 1, 0):07d}"
        yield [f"2024-05-{1 + i % 28:02d}", rep, region, f"客户{i % 50_000}", "是" if r > 0.9 else "否",
               PRODUCTS[i % 4], amount, cid, "否" if rnd.random() < 0.02 else "是", "", "", ""]


def write_csv(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(make_rows(n))


def write_xlsx(path: Path, n: int) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("成交明细")
    ws.append(HEADER)
    for row in make_rows(n):
        ws.append(row)
    wb.save(path)


CHILD = {
    "raw-csv": "import pandas as pd; df = pd.read_csv(PATH, dtype=str, keep_default_na=False, na_filter=False); n = len(df)",
    "raw-xlsx": "import python_calamine as pc; rows = pc.load_workbook(PATH).get_sheet_by_index(0).to_python(); n = len(rows) - 1",
    "import": "from salesplan.deals.reader import import_deals; r = import_deals(PATH); n = r.report.imported",
    "preflight": "from salesplan.xlsx.preflight import preflight_xlsx; preflight_xlsx(PATH); n = 0",
}


def measure(kind: str, path: Path) -> dict:
    code = (
        "import json, resource, sys, time\n"
        f"PATH = {str(path)!r}\n"
        "t = time.perf_counter()\n"
        f"{CHILD[kind]}\n"
        "dt = time.perf_counter() - t\n"
        # the XLSX import reads in a child process (salesplan.xlsx.calamine_reader): the peak is
        # the larger of this process and that child
        "rss = max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
        "print(json.dumps({'seconds': dt, 'max_rss_mib': rss / 1024, 'rows': n}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--xlsx-rows", type=int, default=100_000, help="0 to skip the XLSX run")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/salesplan-bench"))
    args = ap.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    runs = [("csv", args.dir / f"deals_{args.rows}.csv", args.rows, write_csv, ["raw-csv", "import"])]
    if args.xlsx_rows:
        runs.append(("xlsx", args.dir / f"deals_{args.xlsx_rows}.xlsx", args.xlsx_rows, write_xlsx,
                     ["raw-xlsx", "preflight", "import"]))
    print(f"{'file':<28}{'measurement':<12}{'rows':>10}{'seconds':>10}{'peak MiB':>10}")
    for label, path, n, writer, kinds in runs:
        if not path.exists():
            t = time.perf_counter()
            writer(path, n)
            print(f"(wrote {path.name}: {path.stat().st_size / 2**20:.0f} MiB in {time.perf_counter() - t:.0f}s)")
        for kind in kinds:
            m = measure(kind, path)
            print(f"{path.name:<28}{kind:<12}{m['rows']:>10,}{m['seconds']:>10.2f}{m['max_rss_mib']:>10.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
