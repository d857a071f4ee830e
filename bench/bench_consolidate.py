"""Benchmark: consolidate 500 regional files of 100 reps each vs a raw read of the same files.

    python -m bench.bench_consolidate [--files 500] [--reps 100] [--repeat 5] [--dir DIR] [--in-process]

The files are small synthetic region workbooks (bench.synthetic) written
once with openpyxl (inline strings, as ``split``'s openpyxl output has them) and stamped
like ``split`` does, each with its split record in a sidecar JSON; every rep has its
KPI actuals, coaching and churn filled in, and the split-time base has them blank, so
consolidation applies ~6 changes per rep (the realistic month-end case).

Rows (same run, same files, warm page cache):

* ``calamine raw``            python-calamine, every sheet to Python lists (values only)
* ``preflight + calamine``    what a *safe* raw read costs here: calamine may only see
                              preflighted files (salesplan.xlsx.preflight)
* ``xlsxread raw``            our reader, every sheet decoded: values + formulas + styles
* ``consolidate``             one process: preflight → stamp → the sidecar split record
                              loaded → every cell checked (formulas, locked cells,
                              validation) → three-way merge

The files are written first; the rows are then measured in a fresh process (the
writer's heap — 500 workbooks written with openpyxl — made consolidation run ~20%
slower after it; ``--in-process`` measures there anyway). The master's values are the
records' bases under keys built apart from the records consolidation loads (no key or
string object shared: each lookup compares the stored key's text, the harder case).
Every consolidation round reads the split records from disk again. The rows are measured
round-robin so that load from other processes falls on all of them alike. Reported: the
median wall time and the median CPU time (``time.process_time``) of ``--repeat`` rounds
and the ratio of the medians, each round's own ratio of consolidation to calamine, and
the ratio of each row's fastest round (timeit's rule: other processes only add time, so
the fastest round is the least disturbed). Peak memory twice: Python's (tracemalloc,
during one more run of each: it does not see what calamine's Rust or lxml's C allocate)
and the growth of the peak resident set (each row run once in a fresh process after a
two-file warm-up: VmHWM after it minus the RSS before it — every allocator's memory, so
0 for a reader that frees each file before the next; Linux only, else n/a). The
header names the CPU: the ratio moves from machine to machine.

"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from bench._common import work_dir
from salesplan.xlsx.preflight import preflight_xlsx
from salesplan.regional.core import consolidate_snapshots
from salesplan.regional.manifest import SplitManifest
from bench.synthetic import region_names, rep_name, write_region_file
from salesplan.xlsx.lxml_reader import XlsxFile

MONTH, VERSION = "2025-07", "vbench"
FILLED = ("kpi:retention", "kpi:followups", "kpi:reads", "coaching", "churn", "new_hire")


def build(d: Path, n_files: int, n_reps: int) -> tuple[list[Path], dict]:
    rnd = random.Random(6)
    files, manifests = [], {}
    t0 = time.perf_counter()
    for i in range(n_files):
        region, manager = region_names(i)
        values = {}
        for j in range(n_reps):
            k = ("reps", region, j + 1)
            values[k + ("weight",)] = 1
            values[k + ("kpi:retention",)] = rnd.randrange(0, 60)
            values[k + ("kpi:followups",)] = rnd.randrange(0, 80)
            values[k + ("kpi:reads",)] = round(rnd.uniform(0, 3000), 1)
            values[k + ("coaching",)] = rnd.randrange(0, 5)
            values[k + ("churn",)] = rnd.randrange(0, 200) / 1000
            values[k + ("new_hire",)] = rnd.choice(["是", "否"])
        path = d / f"plan.{region}.xlsx"
        m = write_region_file(path, region, manager, n_reps, month=MONTH, plan_version=VERSION, values=values,
                              reps=[rep_name(i, j) for j in range(n_reps)])
        for f in m.inputs:                       # at split time these were blank
            if len(f.key) == 4 and f.key[3] in FILLED:
                m.base[f.key] = None
        m.save(d / "sidecars" / f"{region}.json")    # the split record, as `split` leaves it
        manifests[region] = m
        files.append(path)
        if (i + 1) % 50 == 0:
            print(f"  wrote {i + 1}/{n_files} files ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return files, manifests


def calamine_raw(files: list[Path]) -> int:
    from python_calamine import CalamineWorkbook

    n = 0
    for p in files:
        wb = CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            n += len(wb.get_sheet_by_name(name).to_python())
        wb.close()
    return n


def preflight_calamine(files: list[Path]) -> int:
    for p in files:
        preflight_xlsx(p)
    return calamine_raw(files)


def xlsxread_raw(files: list[Path]) -> int:
    n = 0
    for p in files:
        with XlsxFile(p, preflight=False) as x:
            for s in x.sheet_names:
                n += len(x.read_sheet(s))
    return n


def measure_round_robin(fns: dict[str, "callable"], repeat: int) -> dict[str, dict]:
    """Each function ``repeat`` times, interleaved; median wall and CPU seconds, peak MiB."""
    wall: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    result: dict[str, object] = {}
    for _ in range(repeat):
        for k, fn in fns.items():
            result.pop(k, None)         # the previous round's result is not kept alive during this one
            gc.collect()
            c0, t0 = time.process_time(), time.perf_counter()
            result[k] = fn()
            wall[k].append(time.perf_counter() - t0)
            cpu[k].append(time.process_time() - c0)
    out = {}
    for k, fn in fns.items():
        gc.collect()
        tracemalloc.start()
        fn()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out[k] = {"wall": statistics.median(wall[k]), "cpu": statistics.median(cpu[k]), "walls": wall[k],
                  "peak": peak / 2**20, "result": result[k]}
    return out


def row(label: str, m: dict, extra: str = "") -> str:
    rss = "n/a" if m.get("rss") is None else f"{m['rss']:.1f} MiB"
    return (f"{label:<42} {m['wall'] * 1000:>9.0f} ms {m['cpu'] * 1000:>9.0f} ms {m['peak']:>8.1f} MiB "
            f"{rss:>12}  {extra}")


def master_of(d: Path) -> dict:
    """The master's values for the run: every split record's base, its keys rebuilt with
    string objects of their own — shared with nothing consolidation loads, so every lookup
    compares the stored key's text (a source of values kept apart from the records)."""
    def fresh(x):
        return "".join(list(x)) if type(x) is str else x

    master = {}
    for p in sorted((d / "sidecars").glob("*.json")):
        for k, v in SplitManifest.load(p).base.items():
            master[tuple(map(fresh, k)) if type(k) is tuple else k] = v
    return master


def row_functions(d: Path, files: list[Path], master: dict) -> dict[str, "callable"]:
    """The measured rows, by key: cal, pc, raw, con, man."""
    sidecars = d / "sidecars"

    def find_manifest(stamp) -> SplitManifest | None:
        # as `salesplan consolidate` does: each file's split record is read from its sidecar
        p = sidecars / f"{stamp.region}.json"
        return SplitManifest.load(p) if p.is_file() else None

    def run_consolidate():
        return consolidate_snapshots(files, master_values=master, find_manifest=find_manifest,
                                     month=MONTH, plan_version=VERSION, layout_version="1")

    return {"cal": lambda: calamine_raw(files), "pc": lambda: preflight_calamine(files),
            "raw": lambda: xlsxread_raw(files), "con": run_consolidate,
            # what consolidation takes from a record: the identity, the inputs and the base
            "man": lambda: sum(len(SplitManifest.load(p).input_keys()) for p in sorted(sidecars.glob("*.json")))}


def _status_kib(field: str) -> int | None:
    """A field of /proc/self/status in KiB (VmRSS, VmHWM), None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def peak_rss_of(fn: "callable") -> float | None:
    """MiB the process's resident set grew to above where it stood before ``fn`` ran:
    Rust's, C's and Python's memory alike (tracemalloc sees only Python's — calamine's
    arrays are invisible to it). The high-water mark is reset first (Linux's
    /proc/self/clear_refs "5"); None where that cannot be done."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return None
    before = _status_kib("VmRSS")
    fn()
    hwm = _status_kib("VmHWM")
    return None if before is None or hwm is None else max(hwm - before, 0) / 1024


def peak_rss_in_child(d: Path, keys: list[str], module: str = "bench.bench_consolidate") -> dict[str, float | None]:
    """peak_rss_of each row's function, measured in a fresh process: ``python -m MODULE
    --measure D --rss-of K1,K2,…`` imports once, then runs every row in its own fork
    (:func:`peak_rss_rows`), so no row sees another's heap; prints ``{key: MiB}``."""
    r = subprocess.run([sys.executable, "-m", module, "--measure", str(d), "--rss-of", ",".join(keys)],
                       cwd=Path(__file__).parent.parent, capture_output=True, text=True)
    try:
        got = json.loads(r.stdout.strip().splitlines()[-1]) if r.returncode == 0 else {}
    except (ValueError, IndexError):
        got = {}
    return {k: got.get(k) for k in keys}


def peak_rss_rows(keys: list[str], prepare) -> dict[str, float | None]:
    """For each key, in a fork of this process: ``warm, fn = prepare(key)``, ``warm()`` (imports
    and first-use tables count as the baseline), then :func:`peak_rss_of` ``fn``. None where
    the platform cannot fork or measure."""
    if not hasattr(os, "fork"):
        return {k: None for k in keys}
    out: dict[str, float | None] = {}
    for key in keys:
        rd, wr = os.pipe()
        pid = os.fork()
        if pid == 0:                       # the row's own process: nothing else ran in it
            os.close(rd)
            text = "n/a"
            try:
                warm, fn = prepare(key)
                warm()
                gc.collect()
                peak = peak_rss_of(fn)
                text = "n/a" if peak is None else f"{peak:.3f}"
            finally:
                os.write(wr, text.encode())
                os._exit(0)
        os.close(wr)
        with os.fdopen(rd, "rb") as fh:
            text = fh.read().decode()
        os.waitpid(pid, 0)
        out[key] = None if text in ("", "n/a") else float(text)
    return out


def machine() -> str:
    """The CPU and Python the numbers were measured on (they move from machine to machine)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def x(a: dict, b: dict) -> str:
    """Row a's medians as multiples of row b's (wall and CPU)."""
    return f"{a['wall'] / b['wall']:.2f}× wall, {a['cpu'] / b['cpu']:.2f}× CPU"


def verdict(a: dict, b: dict) -> str:
    return "met" if a["wall"] <= 2 * b["wall"] else "NOT met"


def rounds(a: dict, b: dict) -> str:
    # each round's own ratio: a machine whose speed drifts between rounds moves both alike
    rs = sorted(p / q for p, q in zip(a["walls"], b["walls"]))
    return f"per round {' '.join(f'{v:.2f}' for v in rs)} (median {statistics.median(rs):.2f})"


def best(a: dict, b: dict) -> str:
    # each row's fastest round: the least disturbed run of it (timeit's rule — other
    # processes only ever add time), so the ratio of the two is the machine's own
    r = min(a["walls"]) / min(b["walls"])
    return f"{'met' if r <= 2 else 'NOT met'} ({r:.2f}×: {min(a['walls']) * 1000:.0f} ms vs {min(b['walls']) * 1000:.0f} ms)"


def print_rows(cal: dict, pc: dict, con: dict, before: list[tuple[str, dict]] = (),
               after: list[tuple[str, dict]] = ()) -> None:
    """The table: calamine, the safe read, ``before``, consolidation (and its ratio to the
    safe read), ``after`` — each row with its ratio to calamine."""
    print(f"{'':<42} {'wall':>12} {'CPU':>12} {'Python peak':>12} {'RSS growth':>12}")
    print(row("calamine raw (values only)", cal))
    print(row("preflight + calamine (safe raw read)", pc, f"{x(pc, cal)} calamine"))
    for label, m in before:
        print(row(label, m, f"{x(m, cal)} calamine"))
    print(row("consolidate (preflight+read+check+merge)", con, f"{x(con, cal)} calamine"))
    print(f"{'':<42} {'':>12} {'':>12} {'':>12}  {x(con, pc)} the safe raw read")
    for label, m in after:
        print(row(label, m, f"{x(m, cal)} calamine"))


def per_file(cal: dict, con: dict, n: int) -> str:
    return (f"per file: calamine {cal['wall'] / n * 1000:.2f} ms, "
            f"consolidate {con['wall'] / n * 1000:.2f} ms (wall)")


def print_target(con: dict, cal: dict, pc: dict) -> None:
    """The issue's target, consolidation ≤ 2× the raw read, judged four ways."""
    print("\ntarget consolidate ≤ 2× the raw read (wall):")
    print(f"  one process vs calamine:               {verdict(con, cal)} ({x(con, cal)})")
    print(f"  one process vs preflight + calamine:   {verdict(con, pc)} ({x(con, pc)})")
    print(f"  wall ratio to calamine, {rounds(con, cal)}")
    print(f"  fastest rounds, vs calamine:           {best(con, cal)}")
    print(f"  fastest rounds, vs preflight+calamine: {best(con, pc)}")


def measure_and_report(d: Path, files: list[Path], master: dict, args: argparse.Namespace) -> None:
    size = sum(p.stat().st_size for p in files)
    for fn in (calamine_raw, preflight_calamine, xlsxread_raw):    # warm the page cache
        fn(files[:5])
    fns = row_functions(d, files, master)
    ms = measure_round_robin(fns, args.repeat)
    rss = peak_rss_in_child(d, list(fns))
    cal, pc, raw, con, man = ms["cal"], ms["pc"], ms["raw"], ms["con"], ms["man"]
    r = con["result"].report

    for k, m in ms.items():
        m["rss"] = rss[k]
    where = "in the process that wrote the files" if args.in_process else "in a fresh process"
    print(f"\n{len(files)} files × {args.reps} reps, {size / 2**20:.1f} MiB on disk; "
          f"{cal['result']:,} calamine rows, {raw['result']:,} stored cells; "
          f"medians of {args.repeat} interleaved rounds, measured {where}; on {machine()}")
    print_rows(cal, pc, con, [("xlsxread raw (values+formulas+styles)", raw)],
               [("the split records alone (sidecar → keys, base)", man)])
    print(f"\nconsolidation: {r.summary()}")
    print(per_file(cal, con, len(files)))

    print_target(con, cal, pc)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=500)
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", type=Path, help="keep the generated files here (default: a temp dir, removed)")
    ap.add_argument("--in-process", action="store_true",
                    help="measure in the process that wrote the files (its heap holds what writing left)")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)   # the child: measure the files of DIR
    ap.add_argument("--rss-of", help=argparse.SUPPRESS)        # comma-separated row keys
    args = ap.parse_args(argv)
    if args.measure is not None:
        files = sorted(args.measure.glob("plan.*.xlsx"))
        if args.rss_of is not None:        # the child of peak_rss_in_child: each row once, in its own fork
            master = master_of(args.measure)
            print(json.dumps(peak_rss_rows(args.rss_of.split(","), lambda k: (
                row_functions(args.measure, files[:2], master)[k], row_functions(args.measure, files, master)[k]))))
            return 0
        measure_and_report(args.measure, files, master_of(args.measure), args)
        return 0
    with work_dir(args.dir, "salesplan-bench-consolidate-") as d:
        print(f"writing {args.files} regional files × {args.reps} reps into {d} …", file=sys.stderr)
        files, manifests = build(d, args.files, args.reps)
        if args.in_process:
            measure_and_report(d, files, master_of(d), args)
            return 0
        del manifests
        sys.stdout.flush()
        # measured in a fresh process: writing 500 workbooks with openpyxl leaves a heap of
        # freed and half-used memory that slows what runs after it (consolidation ~20%,
        # its many small objects scattered), so the numbers would depend on the generator
        r = subprocess.run([sys.executable, "-m", "bench.bench_consolidate", "--measure", str(d),
                            "--reps", str(args.reps), "--repeat", str(args.repeat)],
                           cwd=Path(__file__).parent.parent)
        return r.returncode


if __name__ == "__main__":
    sys.exit(main())
