"""History store benchmark: close one month and diff two months, SQLite and PostgreSQL side by side.

Fills the history with ``--months`` synthetic closed months of ``--reps`` reps and ``--deals``
deals each (shaped like a real close: deals in report order, one commission line per deal
and tier slice, award lines, one statement per rep), then times closing the next month
(target ≤ 5 s at 5,000 reps / 100,000 deals) and diffing it with the month before (loaded
from the store; target ≤ 2 s), and ``history --verify`` over everything. PostgreSQL is a
throwaway server started like the tests start theirs (skipped when it is not installed),
or ``--pg URL``.

    python -m bench.bench_history                       # 36 months × 5,000 reps × 100,000 deals
    python -m bench.bench_history --months 3 --reps 50 --deals 500
    python -m bench.bench_history --dir D --pg URL --keep   # fill once, then time again (filled months reused)
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

from bench._common import work_dir

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ("华东区", "华南区", "西南区", "北方区")
TARGETS = {"close": 5.0, "diff": 2.0}


def month_name(i: int) -> str:
    return f"{2025 + i // 12}-{i % 12 + 1:02d}"


def synthetic(i: int, reps: int, n_deals: int):
    """One month's snapshot (deterministic per month)."""
    from salesplan.history.snapshot import Snapshot
    rnd = random.Random(i)
    names = [(REGIONS[k % 4], f"销售{k:05d}") for k in range(reps)]
    target = {n: 200_000_00 + (k % 7) * 10_000_00 for k, n in enumerate(names)}
    deals, payouts = [], []
    cum: dict[tuple[str, str], int] = {}
    comm: dict[tuple[str, str], int] = {}
    for j in range(n_deals):
        who = names[rnd.randrange(reps)]
        amount = rnd.randrange(1_000_00, 50_000_00)
        before = cum.get(who, 0)
        cum[who] = before + amount
        c1 = amount * 2 // 100
        c2 = amount // 100 if before + amount > target[who] * 8 // 10 else 0
        contract = f"HT-{month_name(i)}-{j:06d}"
        deals.append((j, j + 1, contract, f"{month_name(i)}-{j % 28 + 1:02d}", who[0], who[1], f"客户{j % 9973}",
                      j % 11 == 0, "产品A", amount, True, c1 + c2))
        payouts.append((len(payouts), who[0], who[1], "commission", j + 1, contract, 1, amount, 20_000, c1,
                        "R8 提成 第1档"))
        if c2:
            payouts.append((len(payouts), who[0], who[1], "commission", j + 1, contract, 2, amount // 2, 40_000,
                            c2, "R8 提成 第2档"))
        comm[who] = comm.get(who, 0) + c1 + c2
    statements = []
    for k, who in enumerate(names):
        ret = 2_500_00 if k % 3 == 0 else 0
        if ret:
            payouts.append((len(payouts), who[0], who[1], "retention", None, None, None, None, None, ret,
                            "R8 客户留存奖"))
        statements.append((k, who[0], who[1], target[who], 0, cum.get(who, 0), comm.get(who, 0), 0, 0, ret, 0, 0,
                           comm.get(who, 0) + ret, "0.05" if ret else None))
    payout = sum(s[12] for s in statements)
    return Snapshot(month_name(i), f"plan-{month_name(i)}.xlsx", f"{i:064x}", sum(target.values()),
                    sum(cum.values()), payout, {"month": month_name(i)}, {"regions": {}},
                    {"regions": {r: 1 for r in REGIONS}, "reps": {f"{r}/{n}": target[(r, n)] for r, n in names}},
                    deals, payouts, statements)


class Clock:
    """Wall and CPU seconds of a block (the CPU column tells a busy machine from a slow close)."""

    def __enter__(self):
        self.w, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.w, time.process_time() - self.c


def run_backend(label: str, url: str, args) -> dict[str, tuple[float, float]]:
    from salesplan.history.diff import DIFF_PARTS, diff
    from salesplan.history.store import Store, resolve_url
    st = Store(resolve_url(url))
    out: dict[str, tuple[float, float]] = {}
    parts = DIFF_PARTS                   # what `salesplan diff` reads
    try:
        closed = {r.month for r in st.records() if r.kind == "close"}
        with Clock() as c:
            for i in range(args.months - 1):
                if month_name(i) not in closed:       # a kept store (--dir, --pg) is filled once
                    st.close_month(synthetic(i, args.reps, args.deals), by="bench")
        out["fill"] = (c.wall, c.cpu)
        snap = synthetic(args.months - 1, args.reps, args.deals)
        if st.state(snap.month) is not None:          # timed before: reopen, the timed close is the next version
            st.reopen(snap.month, by="bench", reason="timed again")
        with Clock() as c:
            st.close_month(snap, by="bench", note="timed")
        out["close"] = (c.wall, c.cpu)
        with Clock() as c:
            with Clock() as load:
                a, b = st.load(month_name(args.months - 2), parts=parts), st.load(month_name(args.months - 1), parts=parts)
            with Clock() as compare:
                doc = diff(a, b)
        out["diff"] = (c.wall, c.cpu)
        out["diff load"], out["diff compare"] = (load.wall, load.cpu), (compare.wall, compare.cpu)
        assert len(doc["deals"]["added"]) == args.deals
        if not args.no_verify:
            with Clock() as c:
                problems = st.verify()
            out["verify"] = (c.wall, c.cpu)
            assert problems == [], problems[:3]
    finally:
        st.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--reps", type=int, default=5_000)
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--pg", metavar="URL", help="an existing PostgreSQL database (default: start a throwaway one)")
    ap.add_argument("--no-pg", action="store_true", help="SQLite only")
    ap.add_argument("--dir", type=Path, help="keep the SQLite file here")
    ap.add_argument("--keep", action="store_true",
                    help="keep --dir's SQLite file: its closed months are not filled again (fill once, time again "
                         "on a quiet machine; --pg's database is always reused so)")
    ap.add_argument("--no-verify", action="store_true", help="skip timing history --verify over every month")
    args = ap.parse_args(argv)
    if args.months < 2:
        ap.error("--months must be at least 2 (the diff needs two)")
    print(f"history: {args.months} months × {args.reps:,} reps × {args.deals:,} deals; "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    results: dict[str, dict[str, float]] = {}
    with work_dir(args.dir, "salesplan-bench-history-") as d:
        db = d / "history.sqlite3"
        if args.dir is None or not args.keep:
            db.unlink(missing_ok=True)
        results["SQLite"] = run_backend("SQLite", str(db), args)
    if not args.no_pg:
        server = None
        url = args.pg
        if url is None:
            sys.path.insert(0, str(ROOT / "tests"))
            from history_helpers import PostgresServer, _pg_bin
            bindir = _pg_bin()
            if bindir is None:
                print("PostgreSQL: not installed (apt-get install postgresql); row skipped")
            else:
                server = PostgresServer(bindir).start()
                url = server.create_db("bench")
        try:
            if url:
                results["PostgreSQL"] = run_backend("PostgreSQL", url, args)
        finally:
            if server is not None:
                server.stop()
    backends = list(results)
    print(f"{'measure (wall s / CPU s of this process)':<42}" + "".join(f"{b:>22}" for b in backends) + "   target")
    for key, what in (("fill", f"fill {args.months - 1} months"), ("close", "close one month"),
                      ("diff", "diff two months (load + compare)"), ("diff load", "  of which: load both"),
                      ("diff compare", "  of which: compare"), ("verify", "history --verify (all)")):
        if all(key in results[b] for b in backends):
            target = f"≤ {TARGETS[key]:.0f} s" if key in TARGETS else ""
            print(f"{what:<42}" + "".join(f"{results[b][key][0]:>11.2f} s /{results[b][key][1]:>6.2f} s"
                                          for b in backends) + f"   {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
