"""Year to date from the history: per rep and region, month by month revenue, target,
attainment and payout of the latest closed version of each month, and the year's totals.

This is the data of the 年度累计 sheet (the workbook writer lays it out) and of
``salesplan history --ytd YEAR``.
"""
from __future__ import annotations

from typing import Any


def ytd(store, year: int, through: str | None = None) -> dict[str, Any]:
    """The year's closed months (up to ``through``, a YYYY-MM, inclusive) as a JSON-ready document."""
    import sqlalchemy as sa

    from salesplan.history import schema as S

    latest: dict[str, int] = {}
    for r in store.records():
        if r.kind == "close" and r.month.startswith(f"{year:04d}-") and (through is None or r.month <= through):
            latest[r.month] = max(latest.get(r.month, 0), r.version)
    months = sorted(latest)
    V, T = S.versions, S.statements
    reps: dict[tuple[str, str], dict[str, Any]] = {}
    if months:
        q = (sa.select(V.c.month, V.c.version, T.c.region, T.c.rep, T.c.target_fen, T.c.revenue_fen, T.c.total_fen)
             .select_from(T.join(V, V.c.seq == T.c.seq)).where(V.c.month.in_(months)).order_by(V.c.month, T.c.pos))
        with store.engine.connect() as conn:
            for month, version, region, rep, target, revenue, payout in conn.execute(q):
                if version != latest[month]:
                    continue
                row = reps.setdefault((region, rep), {"region": region, "rep": rep, "months": {}})
                row["months"][month] = {"target_fen": target, "revenue_fen": revenue, "payout_fen": payout,
                                        "attainment": round(revenue / target, 6) if target else None}
    regions: dict[str, dict[str, Any]] = {}
    for row in reps.values():
        _total(row)
        reg = regions.setdefault(row["region"], {"region": row["region"], "months": {}})
        for m, v in row["months"].items():
            acc = reg["months"].setdefault(m, {"target_fen": 0, "revenue_fen": 0, "payout_fen": 0})
            for k in ("target_fen", "revenue_fen", "payout_fen"):
                acc[k] += v[k]
    for reg in regions.values():
        for v in reg["months"].values():
            v["attainment"] = round(v["revenue_fen"] / v["target_fen"], 6) if v["target_fen"] else None
        _total(reg)
    return {"year": year, "months": months, "versions": latest, "reps": list(reps.values()),
            "regions": list(regions.values())}


def _total(row: dict[str, Any]) -> None:
    t = {k: sum(v[k] for v in row["months"].values()) for k in ("target_fen", "revenue_fen", "payout_fen")}
    t["attainment"] = round(t["revenue_fen"] / t["target_fen"], 6) if t["target_fen"] else None
    row["ytd"] = t


def render_table(doc: dict[str, Any]) -> str:
    from salesplan.history.diff import yuan
    months = doc["months"]
    out = [f"年度累计 {doc['year']}: " + (", ".join(f"{m}@{doc['versions'][m]}" for m in months) or "no closed month")]
    for title, rows, name in (("Regions", doc["regions"], lambda r: r["region"]),
                              ("Reps", doc["reps"], lambda r: f"{r['region']} {r['rep']}")):
        out += ["", f"{title}:" + "".join(f"{m:>16}" for m in months) + f"{'YTD payout':>18}{'YTD attain.':>13}"]
        for r in rows:
            cells = "".join(f"{yuan(r['months'][m]['payout_fen']) if m in r['months'] else '—':>16}" for m in months)
            att = r["ytd"]["attainment"]
            out.append(f"  {name(r):<20}{cells}{yuan(r['ytd']['payout_fen']):>18}"
                       f"{'—' if att is None else f'{att:.1%}':>13}")
    return "\n".join(out) + "\n"


def for_month(month: str, db: str | None = None) -> dict[str, Any] | None:
    """The year-to-date document the 年度累计 sheet of ``month``'s workbook shows: the closed
    months of its year before it. None without a history or without such a month (then the
    workbook has no 年度累计 sheet). A SQLite history that does not exist is not created."""
    from salesplan.history.location import existing_url, sqlite_file
    if not month:
        return None
    url = existing_url(db)
    if url is None:
        return None
    year, mo = int(month[:4]), int(month[5:7])
    if mo == 1:
        return None
    first, last = f"{year:04d}-01", f"{year:04d}-{mo - 1:02d}"
    f = sqlite_file(url)
    if f is not None and not _sqlite_has_close(f, first, last):
        return None
    from salesplan.history.store import Store
    with Store(url) as st:
        doc = ytd(st, year, through=f"{year:04d}-{mo - 1:02d}")
    return doc if doc["months"] else None


#: the probe below reads schema.ledger's kind and month (a test holds it to the schema)
LEDGER_CLOSE_PROBE = "SELECT 1 FROM ledger WHERE kind = 'close' AND month BETWEEN ? AND ? LIMIT 1"


def _sqlite_has_close(path, first: str, last: str) -> bool:
    """Whether a SQLite history holds a close of a month in [first, last], read with the
    standard library: a generate, import or consolidation of a month with no closed month
    before it in its year then costs no SQLAlchemy start-up (~0.5 s). Anything unexpected
    (an unreadable or older file) answers True: the store then opens, migrates and says
    what is wrong."""
    import sqlite3
    try:
        con = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=10)
        try:
            return con.execute(LEDGER_CLOSE_PROBE, (first, last)).fetchone() is not None
        finally:
            con.close()
    except sqlite3.Error:
        return True
