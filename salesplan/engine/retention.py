"""R8 customer retention: a rep's annual natural churn from the deals of the twelve months
before the plan month (when the history holds them), else the typed input.

The rule (assumption — the plan says "annual natural churn of the rep's customers ≤ 8 %"
without a formula): the window is the twelve months before the plan month; the rep's
customers are those with a deal of the rep in its first six months; a customer has
churned when nobody on the team sold to them in its last six months (natural churn: a
customer who moved to another rep is not lost). churn = churned / customers, a Decimal
rounded half away from zero to 4 places (0.0833 = 8.33 %); a rep without a customer in the
first six months has no churn from the history (the typed value stays). Customers are
matched by name, NFKC-normalised, case-folded, spaces trimmed.

Pure: the deals come in as plain rows; the history layer only supplies them.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

WINDOW = 12
PLACES = Decimal("0.0001")


def window(month: str) -> list[str]:
    """The twelve months before ``month`` (YYYY-MM), oldest first."""
    y, m = int(month[:4]), int(month[5:7])
    out = []
    for k in range(WINDOW, 0, -1):
        n = y * 12 + (m - 1) - k
        out.append(f"{n // 12:04d}-{n % 12 + 1:02d}")
    return out


def customer_key(name) -> str:
    return unicodedata.normalize("NFKC", str(name or "")).strip().casefold()


def annual_churn(month: str, deals: Mapping[str, Iterable[tuple[str, str, str]]]
                 ) -> dict[tuple[str, str], Decimal] | None:
    """{(region, rep): churn} from ``deals`` = {YYYY-MM: [(region, rep, customer), ...]}, or None
    unless every month of the window is there (then the typed churn is used as is)."""
    months = window(month)
    if any(mo not in deals for mo in months):
        return None
    first: dict[tuple[str, str], set[str]] = {}
    for mo in months[:6]:
        for region, rep, customer in deals[mo]:
            key = customer_key(customer)
            if key and rep:
                first.setdefault((region, rep), set()).add(key)
    later = {customer_key(c) for mo in months[6:] for _r, _p, c in deals[mo]} - {""}
    return {rr: (Decimal(len(cs - later)) / Decimal(len(cs))).quantize(PLACES, ROUND_HALF_UP)
            for rr, cs in first.items()}


def churn_inputs(typed: Mapping[tuple[str, str], object], history: Mapping[tuple[str, str], Decimal] | None
                 ) -> dict[tuple[str, str], object]:
    """The churn each rep's retention award uses: the history's where it has one, else the typed value."""
    if not history:
        return dict(typed)
    return {rr: history.get(rr, v) for rr, v in typed.items()}


def apply_churn(inputs, history: Mapping[tuple[str, str], Decimal] | None) -> list[tuple[str, str, object, Decimal]]:
    """Put the history's churn into the reps' churn inputs (named reps it has a figure for);
    returns (region, rep, typed, history) for every typed value it replaced with a different one."""
    from salesplan.engine.actuals.cells import num, present, text
    changed: list[tuple[str, str, object, Decimal]] = []
    if not history:
        return changed
    for region, ri in inputs.regions.items():
        for row in ri.reps:
            if not present(row.name):
                continue
            v = history.get((region, text(row.name)))
            if v is None:
                continue
            typed = num(row.churn)
            if typed is not None and Decimal(str(typed)).quantize(PLACES, ROUND_HALF_UP) != v:
                changed.append((region, text(row.name), row.churn, v))
            row.churn = float(v)
    return changed
