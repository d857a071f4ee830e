"""Benchmark: consolidate REAL regional files — generate → split → fill → consolidate.

    python -m bench.bench_consolidate_real [--regions 20] [--reps 100] [--repeat 5] [--dir DIR]

bench.bench_consolidate measures 500 small synthetic regional files (one rep table, an
info sheet) against a master held as a plain dict. This one measures what `salesplan
consolidate` reads on a real month: a plan of ``--regions`` regions with ``--reps`` rep
rows each (the default plan's rules and regions' settings, repeated) is generated with
``generate_workbook``, split with ``split_plan`` (every sheet of the plan, region only:
~14 sheets and ~6,900 formulas a file), and every input of every regional file is typed
through openpyxl as a manager would (rep names, new-hire flags, weights, every KPI
actual, coaching, churn, every phase's revenue by product and its service figures).
The master's values are the workflow's own ``MasterValues`` over the master's inputs
(read once, before the rounds, as ``workflow.consolidate`` reads them once).

Rows, measured round-robin in a fresh process (as bench.bench_consolidate):

* ``calamine raw``           python-calamine, every sheet of every regional file
* ``preflight + calamine``   the safe raw read
* ``consolidate``            ``consolidate_snapshots`` as ``workflow.consolidate`` calls
                             it: preflight, stamp, split record from its sidecar, every
                             check, the three-way merge against the master's values
* ``end to end``             ``workflow.consolidate(plan, files)`` on a fresh copy of the
                             plan each round: the above plus reading the master workbook
                             (``read_plan_book``: lxml, input sheets and columns only)
                             and regenerating it with the merged inputs (the writer). These
                             two cost what the master holds, whatever the number of files
                             — shown for scale; the target compares reading the regional
                             files with reading them raw.
"""
from __future__ import annotations

import argparse
import functools
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from decimal import Decimal
from pathlib import Path

from bench._common import work_dir
from bench.bench_consolidate import (
    calamine_raw, machine, measure_round_robin, peak_rss_in_child, peak_rss_rows, per_file, preflight_calamine,
    print_rows, print_target,
)

MONTH = "2026-12"


def plan_config(n_regions: int, reps: int):
    """The default plan with ``n_regions`` regions (the four's settings in turn, the
    company's revenue target shared out exactly) and ``reps`` rep rows a region tab."""
    from salesplan.config.loader import default_config_text, validate

    data = tomllib.loads(default_config_text(), parse_float=Decimal)   # as the loader reads it
    base = data["regions"]
    total = sum(r["revenue"] for r in base)
    share, extra = divmod(total, n_regions)
    regions = []
    for i in range(n_regions):
        r = dict(base[i % len(base)])
        r.update(name=f"测试{i + 1:02d}区", manager=f"经理{i + 1:02d}号", revenue=share + (1 if i < extra else 0))
        regions.append(r)
    data["regions"] = regions
    data["risks"]["green_channel_customer_region"] = regions[-1]["name"]
    data["risks"]["green_channel_via_region"] = regions[0]["name"]
    data["workbook"]["rep_rows"] = reps
    return validate(data, source="bench_consolidate_real", month=MONTH)


def typed_value(f, rng: random.Random, names) -> object:
    """What a manager types into input ``f`` (None: left as the split wrote it)."""
    table, field = f.key[0], f.key[-1]
    if table == "reps":
        if field == "name":
            return next(names)
        if field == "new_hire":
            return rng.choice(["是", "否", "否", "否"])
        if field == "weight":
            return rng.choice([1, 1, 1, 1.5, 2, 0.8])
        if field in ("coaching", "kpi:followups"):
            return rng.randint(0, 6 if field == "coaching" else 90)
        if field == "churn":
            return round(rng.uniform(0, 0.2), 4)
        if field.startswith("kpi:"):
            return round(rng.uniform(0.3, 0.95), 2) if f.kind == "percent" else round(rng.uniform(1, 900), 1)
    if table == "phases":
        if field.startswith("rev:"):
            return rng.randint(0, 60) * 1000 + rng.choice([0, 0, 500, 250])
        return {"new_customers": rng.randint(0, 8), "complaints": rng.randint(0, 3),
                "response_hours": round(rng.uniform(0.5, 4), 1), "satisfaction": rng.randint(80, 100),
                "inventory": round(rng.uniform(0.05, 0.45), 3)}.get(field)
    return None


def build(d: Path, n_regions: int, reps: int) -> list[Path]:
    """generate → split → every input typed through openpyxl; the regional files."""
    import openpyxl

    from salesplan.regional.manifest import SplitManifest, sidecar_path
    from salesplan.regional.workflow import split_plan
    from salesplan.workbook_templates import generate_workbook

    t0 = time.perf_counter()
    plan = d / "plan.xlsx"
    generate_workbook(plan_config(n_regions, reps), plan)
    split = split_plan(plan, d / "plan.regions")
    print(f"  generated and split {len(split.files)} regions ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    rng = random.Random(20261231)
    names = (f"销售{i:05d}" for i in range(10**6))
    for region, path in split.files.items():
        m = SplitManifest.load(sidecar_path(plan, region))
        wb = openpyxl.load_workbook(path)
        for f in m.inputs:
            v = typed_value(f, rng, names)
            if v is not None:
                wb[f.sheet][f.cell] = v
        wb.save(path)
    print(f"  filled {len(split.files)} regional files ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return sorted(split.files.values())


@functools.lru_cache(maxsize=None)
def _master(plan: Path):
    """The master's config and typed inputs, read once per process (every row set shares them)."""
    from salesplan.workbook_templates.inputs import read_inputs
    from salesplan.workbook_templates.reader import read_config_from_workbook
    from salesplan.xlsx.openpyxl_reader import OpenpyxlReader

    with OpenpyxlReader(plan) as rd:
        return read_config_from_workbook(plan), read_inputs(rd)[1]


def row_functions(d: Path, files: list[Path]) -> dict[str, "callable"]:
    """The measured rows: cal, pc, con, e2e (the master's inputs read once, before any row)."""
    from salesplan.regional.core import consolidate_snapshots
    from salesplan.regional.manifest import SplitManifest, plan_version, sidecar_path
    from salesplan.regional.workflow import MasterValues, consolidate
    from salesplan.workbook_templates.context import LAYOUT_VERSION

    plan = d / "plan.xlsx"
    cfg, inputs = _master(plan)

    def run_consolidate():
        master = MasterValues(inputs)               # as workflow.consolidate builds it

        def find_manifest(stamp):
            p = sidecar_path(plan, stamp.region)
            if not p.is_file():
                return None
            m = SplitManifest.load(p)
            master.hint((f.key, f.slot) for f in m.inputs)
            return m

        return consolidate_snapshots(files, master_values=master, find_manifest=find_manifest,
                                     month=str(cfg.month), plan_version=plan_version(cfg),
                                     layout_version=str(LAYOUT_VERSION))

    def end_to_end():
        with tempfile.TemporaryDirectory(prefix="salesplan-bench-master-") as t:
            # a fresh copy of the master and its split records (copying: under 1% of the row)
            copy = Path(shutil.copy(plan, Path(t) / plan.name))
            shutil.copytree(d / "plan.splits", Path(t) / "plan.splits")
            return consolidate(copy, files)

    return {"cal": lambda: calamine_raw(files), "pc": lambda: preflight_calamine(files), "con": run_consolidate,
            "e2e": end_to_end}


def measure_and_report(d: Path, args: argparse.Namespace) -> None:
    files = sorted((d / "plan.regions").glob("*.xlsx"))
    fns = row_functions(d, files)
    for k in ("cal", "pc"):                      # warm the page cache and the imports
        fns[k]()
    ms = measure_round_robin(fns, args.repeat)
    rss = peak_rss_in_child(d, list(ms), "bench.bench_consolidate_real")
    for k, m in ms.items():
        m["rss"] = rss[k]
    cal, pc, con, e2e = ms["cal"], ms["pc"], ms["con"], ms["e2e"]
    size = sum(p.stat().st_size for p in files)
    from salesplan.workbook_templates.reader import read_config_from_workbook

    rep_rows = read_config_from_workbook(d / "plan.xlsx").workbook.rep_rows     # as built (a kept --dir may differ)
    print(f"\n{len(files)} real regional files (split from a plan of {len(files)} regions × {rep_rows} rep rows, "
          f"every input typed), {size / 2**20:.1f} MiB on disk; medians of {args.repeat} interleaved rounds, "
          f"measured in a fresh process; on {machine()}")
    print_rows(cal, pc, con, after=[("end to end (+ read and rewrite the master)", e2e)])
    print(f"\nconsolidation: {con['result'].report.summary()}")
    print(f"{per_file(cal, con, len(files))}; the master's read and rewrite: "
          f"{(e2e['wall'] - con['wall']) * 1000:.0f} ms a run, whatever the number of files")
    print_target(con, cal, pc)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--regions", type=int, default=20)
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", type=Path, help="keep the plan and regional files here (reused when present)")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)     # the child: measure DIR
    ap.add_argument("--rss-of", help=argparse.SUPPRESS)        # comma-separated row keys
    args = ap.parse_args(argv)
    if args.measure is not None:
        if args.rss_of is not None:          # each row once, in its own fork, after a warm-up on one file
            files = sorted((args.measure / "plan.regions").glob("*.xlsx"))
            one, every = row_functions(args.measure, files[:1]), row_functions(args.measure, files)
            print(json.dumps(peak_rss_rows(args.rss_of.split(","), lambda k: (one[k], every[k]))))
            return 0
        measure_and_report(args.measure, args)
        return 0
    with work_dir(args.dir, "salesplan-bench-real-") as d:
        if not (d / "plan.regions").is_dir() or not any((d / "plan.regions").glob("*.xlsx")):
            print(f"building a plan of {args.regions} regions × {args.reps} reps in {d} …", file=sys.stderr)
            build(d, args.regions, args.reps)
        sys.stdout.flush()
        r = subprocess.run([sys.executable, "-m", "bench.bench_consolidate_real", "--measure", str(d),
                            "--reps", str(args.reps), "--repeat", str(args.repeat)], cwd=Path(__file__).parent.parent)
        return r.returncode


if __name__ == "__main__":
    sys.exit(main())
