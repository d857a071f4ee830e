"""The retention award's data from the history: the customers of the deals of the twelve
closed months before a plan month (latest version of each). The rule itself is the
engine's (salesplan/engine/retention.py)."""
from __future__ import annotations

from decimal import Decimal


def window_deals(store, month: str) -> dict[str, list[tuple[str, str, str]]]:
    """{YYYY-MM: [(region, rep, customer)]} of the window's months that are closed (now or before a reopen)."""
    import sqlalchemy as sa

    from salesplan.engine.retention import window
    from salesplan.history import schema as S
    months = window(month)
    latest: dict[str, int] = {}
    for r in store.records():
        if r.kind == "close" and r.month in months:
            latest[r.month] = max(latest.get(r.month, 0), r.version)
    out: dict[str, list[tuple[str, str, str]]] = {mo: [] for mo in latest}
    if not latest:
        return out
    V, D = S.versions, S.deals
    q = (sa.select(V.c.month, V.c.version, D.c.region, D.c.rep, D.c.customer)
         .select_from(D.join(V, V.c.seq == D.c.seq)).where(V.c.month.in_(list(latest))).order_by(V.c.month, D.c.pos))
    with store.engine.connect() as conn:
        for mo, version, region, rep, customer in conn.execute(q):
            if version == latest[mo]:
                out[mo].append((region, rep, customer))
    return out


def history_churn(month: str, db: str | None = None) -> dict[tuple[str, str], Decimal] | None:
    """Each rep's annual churn for ``month`` from the history, or None when it does not hold the
    twelve months before (a SQLite history that does not exist is not created)."""
    from salesplan.engine.retention import annual_churn
    from salesplan.history.location import existing_url
    url = existing_url(db)
    if url is None:
        return None
    from salesplan.history.store import Store
    with Store(url) as st:
        return annual_churn(month, window_deals(st, month))
