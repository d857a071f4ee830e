"""The gate every writing command passes: is this month closed? (generate, consolidate,
deals import). Without a history nothing heavy is loaded: the store (and SQLAlchemy) is
imported only when there is one to ask."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from salesplan.history.location import existing_url


def closed_state(month: str, db: str | None = None) -> Any:
    """The month's latest close (a store Record) while it is closed, else None. A SQLite
    history that does not exist yet holds no closed month (and is not created by asking)."""
    url = existing_url(db)
    if url is None:
        return None
    from salesplan.history.store import Store
    with Store(url) as st:
        return st.state(month)


def refuse_if_closed(month: str | None, action: str, db: str | None = None, plan: Path | None = None,
                     meta: dict[str, str] | None = None) -> None:
    """HistoryError naming who closed the month when it is closed — or, given the ``plan``
    workbook, when it carries a 已结账 mark the store cannot account for (history/mark.py).
    No month (not a plan workbook): nothing to ask — the caller's own check names the file.
    ``meta``: the plan's salesplan meta when the caller has read it (``read_meta``; it is not
    read again)."""
    from salesplan.history.mark import unknown_mark, workbook_mark
    r = closed_state(month, db) if month else None
    if r is not None:
        from salesplan.history.store import HistoryError, already_closed
        raise HistoryError(f"cannot {action}: " + already_closed(r))
    mark = workbook_mark(plan, meta) if plan is not None and month else None
    if mark is None:
        return
    from salesplan.history.location import resolve_url
    from salesplan.history.store import HistoryError, Store
    url = existing_url(db)
    records = []
    if url is not None:
        with Store(url) as st:
            records = st.records(month)
    why = unknown_mark(Path(plan), mark, month, records, url or resolve_url(db))
    if why is not None:
        raise HistoryError(f"cannot {action}: {why}")
