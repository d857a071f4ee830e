"""Instructions, not seconds: consolidation vs a calamine read, counted by valgrind.

    python -m bench.instructions_consolidate [--files 100] [--reps 100] [--dir DIR]

Wall time on a shared machine moves ±20% from run to run, which hides a 5% change.
Instruction counts (valgrind's callgrind, counting only the measured step) are exact
and repeatable, so a change can be judged before and after on the same files. They are
not time — Python runs fewer instructions per cycle than calamine's Rust — so the ratio
here is lower than the wall-time ratio of bench.bench_consolidate.

``--cache`` adds callgrind's cache simulation (several times slower): first-level
instruction and data cache misses and last-level misses per file, and callgrind's
cycle estimate (instructions + 10 × first-level misses + 100 × last-level misses). The
misses are where the wall-time ratio parts from the instruction ratio: consolidation
runs much more varied code than calamine's one tight loop (instruction-cache misses)
and touches big tables (the master's values, the verdict memos) — still an
underestimate, since branch mispredictions are not simulated.

Needs ``valgrind`` (``apt-get install valgrind``). Each step runs in its own process
under callgrind with instrumentation off until the step starts (``callgrind_control
-i on``), so imports and building the files are not counted. The files are those of
bench.bench_consolidate (same generator, records read from disk, cold memos).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench._common import work_dir
from bench.bench_consolidate import MONTH, VERSION, build


def _instrument(on: bool) -> None:
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())],
                   capture_output=True, check=False)


def _step(what: str, d: Path) -> None:
    """One measured step, run inside valgrind (the child side of main)."""
    files = sorted(d.glob("plan.*.xlsx"))
    if what == "calamine":
        from python_calamine import CalamineWorkbook

        _instrument(True)
        for p in files:
            wb = CalamineWorkbook.from_path(str(p))
            for name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python()
            wb.close()
        _instrument(False)
        return
    from salesplan.regional.checks import clear_caches
    from salesplan.regional.core import consolidate_snapshots
    from salesplan.regional.manifest import SplitManifest

    sidecars = d / "sidecars"
    master = {k: v for p in sorted(sidecars.glob("*.json")) for k, v in SplitManifest.load(p).base.items()}
    clear_caches()
    _instrument(True)
    consolidate_snapshots(files, master_values=master, month=MONTH, plan_version=VERSION, layout_version="1",
                          find_manifest=lambda s: SplitManifest.load(sidecars / f"{s.region}.json"))
    _instrument(False)


# callgrind's event order with --cache-sim=yes
_EVENTS = ("Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw")


def count(what: str, d: Path, cache: bool = False) -> dict[str, int]:
    """Callgrind's totals for one step: ``Ir`` (instructions), and with ``cache`` the
    simulated cache misses (``I1mr``, ``D1mr``, ``D1mw``, ``ILmr``, ``DLmr``, ``DLmw``)."""
    out = Path(tempfile.mkdtemp(prefix="salesplan-callgrind-")) / "out"
    try:
        r = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                            *(["--cache-sim=yes"] if cache else []),
                            sys.executable, "-m", "bench.instructions_consolidate", "--step", what, "--dir", str(d)],
                           capture_output=True, text=True, cwd=Path(__file__).parent.parent)
        m = re.search(r"Collected : ([\d ]+)", r.stderr)
        if r.returncode != 0 or m is None:
            raise RuntimeError(f"valgrind run of {what} failed:\n{r.stderr[-2000:]}")
        return dict(zip(_EVENTS if cache else ("Ir",), map(int, m.group(1).split())))
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)


def cycle_estimate(c: dict[str, int]) -> int:
    """Callgrind's cycle estimate: Ir + 10 × first-level misses + 100 × last-level misses."""
    return (c["Ir"] + 10 * (c["I1mr"] + c["D1mr"] + c["D1mw"])
            + 100 * (c["ILmr"] + c["DLmr"] + c["DLmw"]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--dir", type=Path, help="files already built by a previous run (kept), or where to keep them")
    ap.add_argument("--cache", action="store_true", help="simulate the caches too (misses, cycle estimate)")
    ap.add_argument("--step", choices=("calamine", "consolidate"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.step:
        _step(args.step, args.dir)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    with work_dir(args.dir, "salesplan-bench-instructions-") as d:
        files = sorted(d.glob("plan.*.xlsx"))
        if not files:
            files, _ = build(d, args.files, args.reps)
        n = len(files)
        cal, con = count("calamine", d, args.cache), count("consolidate", d, args.cache)
        print(f"{n} files; instructions per file (callgrind, the step alone):")
        print(f"  calamine raw read   {cal['Ir'] / n / 1e6:8.1f} M")
        print(f"  consolidate         {con['Ir'] / n / 1e6:8.1f} M   {con['Ir'] / cal['Ir']:.2f}× calamine")
        if args.cache:
            print("per file: L1 instruction misses, L1 data misses, last-level misses, cycle estimate")
            for label, c in (("calamine raw read", cal), ("consolidate", con)):
                print(f"  {label:<18} {c['I1mr'] / n / 1e3:8.1f} k {(c['D1mr'] + c['D1mw']) / n / 1e3:8.1f} k "
                      f"{(c['ILmr'] + c['DLmr'] + c['DLmw']) / n / 1e3:8.1f} k {cycle_estimate(c) / n / 1e6:8.1f} M")
            print(f"  cycle estimate ratio: {cycle_estimate(con) / cycle_estimate(cal):.2f}× calamine")
        return 0


if __name__ == "__main__":
    sys.exit(main())
