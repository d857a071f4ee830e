"""个人奖金明细 (rep statements): deal lines grouped by rep (slot order, then report order),
one summary row per rep from the engine's statements, and the reconciliation block.

Formulas: :mod:`salesplan.workbook_templates.sheets.statements`.
"""
from __future__ import annotations

from salesplan.engine.actuals.basis import DealBasis
from salesplan.engine.actuals.cells import fen_to_yuan, later_duplicates, num, present, text
from salesplan.engine.actuals.deals import chain_values
from salesplan.engine.actuals.payouts import Payouts, statement_rows

__all__ = ["statement_lines", "statement_reps", "reconciliation", "line_order"]

_LINE_FIELDS = ("row", "region", "rep", "seq", "date", "customer", "amount", "cum_before", "cum_after",
                "commission", "award", "rule", "line_total", "running")
_REP_FIELDS = ("deal_count", "revenue", "commission", "first_awards", "retention", "quiz", "quiz_places",
               "champion_prize", "total", "inc_payout")
_TEAM_FIELDS = ("deal_count", "revenue", "commission", "first_awards", "retention", "quiz", "champion_prize",
                "total", "inc_payout")


def first_slot(slots) -> dict[tuple[str, str], int]:
    """(region, name) → its first incentives slot number, 1-based (as the sheet's INDEX finds it)."""
    out: dict[tuple[str, str], int] = {}
    for n, (r, _, row) in enumerate(slots):
        if present(row.name):
            out.setdefault((r, text(row.name)), n + 1)
    return out


def line_order(basis: DealBasis, slots) -> list[int]:
    """Paid deal rows in statement order: by the rep's first slot, then report order."""
    slot_of = first_slot(slots)
    return sorted(basis.rows, key=lambda x: (slot_of[basis.keys[x]], x))


def statement_lines(plan, inputs, basis: DealBasis, pay: Payouts, slots, out: dict) -> list[int]:
    """The deal lines; returns their order (deal rows)."""
    n_t = len(plan.config.commission.tiers)
    slot_of = first_slot(slots)
    order = line_order(basis, slots)
    chain_values(inputs, basis, slot_of, out)
    _slot_helpers(basis, slots, slot_of, out)
    prev_key, running = None, 0
    for k in range(len(basis.valid)):
        s = ("stmt", k)
        if k >= len(order):
            for f in _LINE_FIELDS + ("slot",):
                out[s + (f,)] = None
            for t in range(n_t):
                out[s + (f"slice:{t}",)], out[s + (f"tier:{t}",)] = None, None
            continue
        x = order[k]
        key = basis.keys[x]
        out[s + ("slot",)] = slot_of[key]
        line = _line(out, s, x, inputs.deals[x], basis, pay, n_t)
        running = (running if key == prev_key else 0) + line
        prev_key = key
        out[s + ("running",)] = running / 100
    return order


def _slot_helpers(basis: DealBasis, slots, slot_of: dict, out: dict) -> None:
    """Per incentives slot: its paid deals, the lines before it, the lines' search key, its last deal."""
    count: dict[int, int] = {}
    last: dict[int, int] = {}
    for x in basis.rows:
        s = slot_of[basis.keys[x]]
        count[s] = count.get(s, 0) + 1
        last[s] = x + 1
    off = 0
    for n, (r, i, _) in enumerate(slots):
        k = ("srep", r, i)
        c = count.get(n + 1, 0)
        out[k + ("cnt",)], out[k + ("off",)], out[k + ("skey",)] = c, off, off * 100_000 + n + 1
        out[k + ("last",)] = last.get(n + 1) if c else None
        off += c


def _line(out: dict, s: tuple, x: int, d, basis: DealBasis, pay: Payouts, n_t: int) -> int:
    """One deal line; returns its total in fen (commission + first-deal awards)."""
    out[s + ("row",)] = x + 1
    out[s + ("region",)], out[s + ("rep",)] = basis.keys[x]
    out[s + ("seq",)] = d.seq if present(d.seq) else None
    out[s + ("date",)] = num(d.date)
    out[s + ("customer",)] = text(d.customer)
    out[s + ("amount",)] = basis.fen[x] / 100
    out[s + ("cum_before",)] = out[("deal", x, "cum_before")] / 100
    out[s + ("cum_after",)] = out[("deal", x, "cum_after")] / 100
    for t in range(n_t):
        out[s + (f"slice:{t}",)] = pay.base.get((x, t), 0) / 100
        out[s + (f"tier:{t}",)] = pay.tier.get((x, t), 0) / 100
    comm = out[("deal", x, "commission_fen")]
    awards = pay.first_awards.get(x, {})
    award = awards.get("conquest", 0) + awards.get("breakthrough", 0)
    out[s + ("commission",)] = comm / 100
    out[s + ("award",)] = award / 100
    out[s + ("rule",)] = tuple(a for a in ("breakthrough", "conquest") if awards.get(a, 0) > 0)
    out[s + ("line_total",)] = (comm + award) / 100
    return comm + award


def statement_reps(inputs, basis: DealBasis, pay: Payouts, slots, order: list[int], out: dict) -> None:
    """One summary row per rep slot (the engine's statement; later slots of a repeated name show 0)."""
    st = statement_rows(pay)
    later = later_duplicates(slots)
    count: dict[tuple[str, str], int] = {}
    for x in order:
        count[basis.keys[x]] = count.get(basis.keys[x], 0) + 1
    for r, i, row in slots:
        s = ("srep", r, i)
        if (r, i) in later:      # paid on the name's first slot
            for f in _REP_FIELDS:
                out[s + (f,)] = 0
            out[s + ("churn",)], out[s + ("check",)] = num(row.churn), "✓"
        elif not present(row.name):
            for f in _REP_FIELDS + ("churn", "check"):
                out[s + (f,)] = None
        else:
            key = (r, text(row.name))
            _rep(out, s, st[key], count.get(key, 0), row, inputs, key, out[("inc", r, i, "payout_fen")])


def _rep(out: dict, s: tuple, srow, n_deals: int, row, inputs, key, inc_payout_fen: int) -> None:
    fen = {c: int(srow[c]) for c in ("revenue_fen", "commission_fen", "conquest_fen", "breakthrough_fen",
                                     "retention_fen", "quiz_fen", "champion_fen", "total_fen")}
    out[s + ("deal_count",)] = n_deals
    out[s + ("revenue",)] = fen["revenue_fen"] / 100
    out[s + ("commission",)] = fen["commission_fen"] / 100
    out[s + ("first_awards",)] = (fen["conquest_fen"] + fen["breakthrough_fen"]) / 100
    out[s + ("retention",)] = fen["retention_fen"] / 100
    out[s + ("churn",)] = num(row.churn)
    out[s + ("quiz",)] = fen["quiz_fen"] / 100
    out[s + ("quiz_places",)] = sum(1 for q in inputs.quiz if present(q.rep) and (text(q.region), text(q.rep)) == key)
    out[s + ("champion_prize",)] = fen["champion_fen"] / 100
    out[s + ("total",)] = fen["total_fen"] / 100
    out[s + ("inc_payout",)] = inc_payout_fen / 100
    out[s + ("check",)] = "✓" if fen["total_fen"] == inc_payout_fen else "✗"


def reconciliation(pay: Payouts, slots, out: dict) -> None:
    """Team totals of the statements and the reconciliation block (Σ statements = trace + awards)."""
    named = [(r, i) for r, i, row in slots if present(row.name)]
    for f in _TEAM_FIELDS:
        vals = [out[("srep", r, i, f)] for r, i in named]
        out[("stmt_team", f)] = sum(vals) if f == "deal_count" else fen_to_yuan(vals)
    t = pay.bonus.totals
    # (a duplicated name — flagged R3 — is paid on its first slot only, so Σ rows = the engine's statements)
    stmt_sum = sum(round(out[("srep", r, i, "total")] * 100) for r, i in named)
    inc_sum = sum(out[("inc", r, i, "payout_fen")] for r, i in named)
    out[("recon", "statements")] = stmt_sum / 100
    out[("recon", "incentives")] = inc_sum / 100
    out[("recon", "trace")] = t["trace_fen"] / 100
    out[("recon", "awards")] = t["awards_fen"] / 100
    out[("recon", "trace_plus_awards")] = (t["trace_fen"] + t["awards_fen"]) / 100
    ok = stmt_sum == t["trace_fen"] + t["awards_fen"] == inc_sum
    out[("recon", "check")] = "recon_ok" if ok else "recon_bad"
    out[("recon", "referral")] = t["referral_fen"] / 100
    out[("recon", "payout")] = t["payout_fen"] / 100
