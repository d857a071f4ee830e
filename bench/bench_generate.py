"""Benchmark: generate the plan workbook, next to openpyxl's write-only mode writing the same cells.

    python -m bench.bench_generate            # default plan + 50 regions × 100 reps + processes
    python -m bench.bench_generate --quick    # default plan only (+ processes)
    python -m bench.bench_generate --strict   # exit 1 when a target is missed

CPU time (``process_time``; the machine may be shared) — the median of ``--repeat`` runs —
of, in the same run:

* **generate**: ``compute_plan`` + ``build_models`` + ``write_built`` — the engine's actuals
  and every formula's stored value included;
* **openpyxl same cells**: openpyxl's write-only workbook (lxml) appending the very same
  cells (same sheets, rows and columns; each formula's text, each value), as openpyxl
  writes them — formulas without a value, since openpyxl cannot store one;
* **openpyxl plain values**: the same number of cells per row as plain numbers/short texts.

Then ``salesplan generate`` of the default plan and ``salesplan --help`` as processes
(CPU of the child, and wall). Targets: 50 × 100 generate ≤ 1.2× openpyxl same cells; the
default plan's ``salesplan generate`` < 0.6 s; ``salesplan --help`` < 0.3 s.
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LARGE_RATIO, PROCESS_GENERATE, PROCESS_HELP = 1.2, 0.6, 0.3


def big_config(n_regions: int = 50, n_reps: int = 100):
    from salesplan.config.loader import default_config_text, parse_config
    revenue = 3_000_000 * n_regions // 4
    per = revenue // n_regions
    lines = [default_config_text().split("[[regions]]")[0].replace("revenue = 3000000", f"revenue = {revenue}", 1)]
    for i in range(n_regions):
        amount = per + (revenue - per * n_regions if i == 0 else 0)
        reps = ", ".join(f'{{ name = "R{i}-{j}", new_hire = {"true" if j % 5 == 0 else "false"}, weight = {1 + j % 3} }}'
                         for j in range(n_reps))
        lines.append(f'[[regions]]\nname = "区域{i:02d}"\nmanager = "经理{i}"\nrevenue = {amount}\n'
                     f'focus_kpi = "重点{i}"\nfocus_weight = 0.0{1 + i % 5}\nfocus_target = 0.3\nreps = [{reps}]\n')
    rest = "[[kpis]]" + default_config_text().split("[[kpis]]", 1)[1]
    text = "\n".join(lines) + "\n" + rest
    text = text.replace("rep_rows = 12", f"rep_rows = {n_reps}")
    return parse_config(text, source="bench", month="2026-12")


def run_generate(cfg, path):
    from salesplan.engine.plan import compute_plan
    from salesplan.workbook_templates.writer import build_models, write_built
    built = build_models(compute_plan(cfg))
    write_built(built, path)
    return built


def same_cells(built):
    """[(sheet, [(row, [value or None per column])])]: what each model row holds, as openpyxl takes it."""
    out = []
    for m in built.models:
        rows = []
        for r in sorted(m.cells):
            cols = m.cells[r]
            line = [None] * max(cols)
            for c, (v, _style, _key, _text) in cols.items():
                line[c - 1] = v
            rows.append((r, line))
        out.append((m.name, rows))
    return out


def _openpyxl_write(sheets, path, row=lambda r, line: line):
    """openpyxl write-only, the sheets' rows at their row numbers, each row through ``row``."""
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        at = 1
        for r, line in rows:
            for _ in range(r - at):
                ws.append(())
            ws.append(row(r, line))
            at = r + 1
    wb.save(path)


def openpyxl_same_cells(sheets, path):
    _openpyxl_write(sheets, path)


def openpyxl_plain_values(sheets, path):
    def plain(r, line):
        n = sum(v is not None for v in line)
        return [(r * 31 + c) * 1.5 if c % 2 else f"t{c}" for c in range(n)]

    _openpyxl_write(sheets, path, plain)


def cpu(fn, *args, repeat: int):
    """(median CPU seconds, median wall seconds, last result) of ``repeat`` runs."""
    cpus, walls, out = [], [], None
    for _ in range(repeat):
        gc.collect()
        t, w = time.process_time(), time.perf_counter()
        out = fn(*args)
        cpus.append(time.process_time() - t)
        walls.append(time.perf_counter() - w)
    return statistics.median(cpus), statistics.median(walls), out


def child(cmd: list[str], cwd: Path, repeat: int, fresh: Path | None = None) -> tuple[float, float]:
    """(median CPU seconds of the child process, median wall seconds); ``fresh`` is removed before
    each run (a new workbook, not a regeneration of the last run's)."""
    cpus, walls = [], []
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}   # cached bytecode, as users run
    for _ in range(repeat):
        if fresh is not None:
            fresh.unlink(missing_ok=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        w = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - w)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(cpus), statistics.median(walls)


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} CPUs, Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}" \
        if hasattr(os, "getloadavg") else f"{model}, {os.cpu_count()} CPUs"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="default plan only")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)
    from salesplan.config import load_config
    print(machine())
    cases = [("default plan", load_config(None, month="2026-12"))]
    if not args.quick:
        cases.append(("50 regions × 100 reps", big_config()))
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for label, cfg in cases:
            # interleaved (generate, same cells, plain values) × repeat: drifting load hits all three alike
            built = run_generate(cfg, d / "gen.xlsx")
            sheets = same_cells(built)
            cells = sum(sum(v is not None for v in line) for _, rows in sheets for _, line in rows)
            formulas = sum(1 for m in built.models for _ in m.formula_keys())
            runs = [(cpu(run_generate, cfg, d / "gen.xlsx", repeat=1)[:2],
                     cpu(openpyxl_same_cells, sheets, d / "same.xlsx", repeat=1)[:2],
                     cpu(openpyxl_plain_values, sheets, d / "plain.xlsx", repeat=1)[:2]) for _ in range(args.repeat)]
            (t_gen, w_gen), (t_same, w_same), (t_plain, w_plain) = (
                tuple(statistics.median(r[k][x] for r in runs) for x in (0, 1)) for k in range(3))
            ratios = sorted(r[0][0] / r[1][0] for r in runs)
            ratio = t_gen / t_same
            print(f"{label:22s} cells {cells:>8,} (formulas {formulas:>7,}, all with stored values)  "
                  f"generate {t_gen:6.2f} s cpu ({w_gen:5.2f} wall)   openpyxl same cells {t_same:6.2f} s "
                  f"({w_same:5.2f} wall)  ratio {ratio:4.2f}×   openpyxl plain values {t_plain:6.2f} s "
                  f"({w_plain:5.2f} wall)  ratio {t_gen / t_plain:4.2f}×   per-run ratios "
                  + " ".join(f"{x:.2f}" for x in ratios))
            if label != "default plan" and ratio > LARGE_RATIO:
                ok = False
        root = Path(__file__).resolve().parent.parent
        c_gen, w_gen = child([sys.executable, "-m", "salesplan", "generate", "--month", "2026-12", "-o",
                              str(d / "process.xlsx")], d, args.repeat, fresh=d / "process.xlsx")
        c_imp, w_imp = child([sys.executable, "-c", "import salesplan.workbook_templates.writer"], root,
                             args.repeat)
        c_help, w_help = child([sys.executable, "-m", "salesplan", "--help"], root, args.repeat)
        print(f"process  salesplan generate (default plan) {c_gen:5.2f} s cpu ({w_gen:5.2f} wall), of which "
              f"importing the writer {c_imp:5.2f} s cpu ({w_imp:5.2f} wall)   "
              f"salesplan --help {c_help:5.2f} s cpu ({w_help:5.2f} wall)")
        ok = ok and c_gen < PROCESS_GENERATE and c_help < PROCESS_HELP
    print("targets met" if ok else f"TARGETS MISSED (50 × 100 ≤ {LARGE_RATIO}× openpyxl same cells; generate "
          f"process < {PROCESS_GENERATE} s; --help < {PROCESS_HELP} s)")
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
