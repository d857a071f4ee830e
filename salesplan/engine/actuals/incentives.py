"""激励 (incentives) and 竞赛与推荐 (quiz places, partner referrals).

Each named slot shows the engine's statement of its rep (paid on the name's first slot;
a repeated name — flagged R3 — shows 0), the champion decided by ``awards.champion``
and the sheet's ranking helpers. Formulas: :mod:`salesplan.workbook_templates.sheets.incentives`
and :mod:`salesplan.workbook_templates.sheets.awards_inputs`.
"""
from __future__ import annotations

from bisect import bisect_left

from salesplan.engine.actuals.basis import DealBasis
from salesplan.engine.actuals.cells import BLANK_DATE, fen_to_yuan, later_duplicates, num, present, text
from salesplan.engine.actuals.payouts import Payouts, statement_rows

__all__ = ["awards_inputs_values", "incentive_values", "ranking_key", "PAY_FIELDS"]

PAY_FIELDS = ("deal_count", "commission", "conquest", "breakthrough", "retention", "quiz", "champion_prize", "payout")
_STATEMENT = {"conquest": "conquest_fen", "breakthrough": "breakthrough_fen", "retention": "retention_fen",
              "quiz": "quiz_fen", "champion_prize": "champion_fen"}


def awards_inputs_values(plan, inputs, basis: DealBasis, pay: Payouts, out: dict) -> None:
    """The award of each quiz place and partner referral row."""
    q_award = {(a.region, a.rep, a.basis): a.amount_fen for a in pay.bonus.awards if a.award == "quiz"}
    for s, (q, ok) in enumerate(zip(inputs.quiz, pay.quiz_ok)):
        k = ("quiz", s)
        if not present(q.rep):
            out[k + ("award",)], out[k + ("unknown_flag",)] = None, False
            continue
        key = (text(q.region), text(q.rep))
        amt = q_award.get(key + (f"week {int(q.week)}: place {int(q.place)}",), 0) if ok else 0
        out[k + ("award",)] = amt / 100
        out[k + ("unknown_flag",)] = key not in basis.rep_keys
    paid = iter([a for a in pay.bonus.awards if a.award == "referral"])
    rates = plan.config.awards.referral_rates
    for s, (x, ok) in enumerate(zip(inputs.referrals, pay.referral_ok)):
        k = ("ref", s)
        if not ok:
            out[k + ("rate",)], out[k + ("award",)] = None, None
            continue
        out[k + ("rate",)] = float(rates[int(num(x.level)) - 1])
        out[k + ("award",)] = next(paid).amount_fen / 100


def _zero_row(out: dict, k: tuple, n_tiers: int, kpi) -> None:
    """A later slot of a repeated name: paid on the first slot, this one shows 0."""
    for f in PAY_FIELDS + ("payout_fen", "h_rev", "h_date"):
        out[k + (f,)] = 0
    for t in range(n_tiers):
        out[k + (f"tier:{t}",)] = 0
    out[k + ("champion",)] = False
    out[k + ("h_kpi",)] = kpi
    out[k + ("h_row",)] = None


def _blank_row(out: dict, k: tuple, n_tiers: int) -> None:
    for f in PAY_FIELDS + ("champion", "better"):
        out[k + (f,)] = None
    for t in range(n_tiers):
        out[k + (f"tier:{t}",)] = None
    out[k + ("h_rev",)], out[k + ("h_kpi",)], out[k + ("h_row",)], out[k + ("h_date",)] = 0, 0, None, 0


def _paid_row(out: dict, k: tuple, srow, mine: list[int], inputs, basis: DealBasis, pay: Payouts,
              n_tiers: int) -> None:
    out[k + ("deal_count",)] = len(mine)
    for t in range(n_tiers):
        out[k + (f"tier:{t}",)] = sum(pay.tier.get((x, t), 0) for x in mine) / 100
    out[k + ("commission",)] = int(srow["commission_fen"]) / 100
    for f, col in _STATEMENT.items():
        out[k + (f,)] = int(srow[col]) / 100
    out[k + ("payout",)] = int(srow["total_fen"]) / 100
    out[k + ("payout_fen",)] = int(srow["total_fen"])
    # tie-break helpers as the sheet computes them
    out[k + ("h_rev",)] = sum(basis.fen[x] for x in mine)
    last = max(mine) if mine else None
    out[k + ("h_row",)] = last  # deal row index (the writer maps it to a sheet row)
    date = num(inputs.deals[last].date) if last is not None else None
    out[k + ("h_date",)] = (BLANK_DATE if date is None else date) if last is not None else 0


def ranking_key(out: dict, k: tuple, tiebreak) -> tuple:
    """Sort key of a champion candidate, best first: revenue, the configured tie-breaks, report order.

    The same order as :func:`salesplan.engine.awards.champion` (its rank 1 is the champion);
    the sheet's ``better`` column counts the candidates ahead of each rep in it.
    """
    key: list = [-out[k + ("h_rev",)]]
    for rule in tiebreak:
        if rule == "kpi_score":
            key.append(-out[k + ("h_kpi",)])
        elif rule == "earliest_total_date":
            key.append(out[k + ("h_date",)])
    return tuple(key) + (out[k + ("h_row",)] or 0,)


def incentive_values(plan, inputs, basis: DealBasis, pay: Payouts, slots, out: dict) -> None:
    n_tiers = len(plan.config.commission.tiers)
    st = statement_rows(pay)
    later = later_duplicates(slots)
    champ = pay.bonus.champion
    rows_of: dict[tuple[str, str], list[int]] = {}
    for x in basis.rows:
        rows_of.setdefault(basis.keys[x], []).append(x)
    for r, i, row in slots:
        k = ("inc", r, i)
        if (r, i) in later:
            _zero_row(out, k, n_tiers, out[("rep", r, i, "kpi_score")])
        elif not present(row.name):
            _blank_row(out, k, n_tiers)
        else:
            key = (r, text(row.name))
            _paid_row(out, k, st[key], rows_of.get(key, []), inputs, basis, pay, n_tiers)
            out[k + ("h_kpi",)] = out[("rep", r, i, "kpi_score")]
            out[k + ("champion",)] = champ is not None and (champ.region, champ.rep) == key
    tiebreak = plan.config.awards.champion_tiebreak
    named = [("inc", r, i) for r, i, row in slots if present(row.name)]
    cands = sorted(ranking_key(out, k, tiebreak) for k in named if out[k + ("deal_count",)])
    for k in named:
        mine = ranking_key(out, k, tiebreak)
        out[k + ("better",)] = bisect_left(cands, mine)      # candidates ranked ahead (cands sorted)
    for f in PAY_FIELDS + tuple(f"tier:{t}" for t in range(n_tiers)):
        vals = [out[k + (f,)] for k in named]
        out[("team", f)] = sum(vals) if f == "deal_count" else fen_to_yuan(vals)
