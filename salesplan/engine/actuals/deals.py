"""成交明细 (deals): per deal row the fen, roster check, cumulative revenue, tier slices,
commission, first-deal awards and R9 flags — all from the engine's :class:`Payouts`.

Formulas: :mod:`salesplan.workbook_templates.sheets.deals`.
"""
from __future__ import annotations

from salesplan.engine.actuals.basis import DealBasis
from salesplan.engine.actuals.cells import NO, YES, text, yes
from salesplan.engine.actuals.payouts import Payouts

__all__ = ["deal_values", "cumulative_before", "chain_values", "SLOT_FAR"]

SLOT_FAR = 100_000     # the slot column of a deal whose rep is not on the roster (> any slot number)

_FIELDS = ("known", "target", "cum_before", "cum_after", "commission", "first_new", "breakthrough", "conquest",
           "report_flag", "support_flag", "discount_flag", "green_flag")
_FLAGS = {"report_flag": "report_large_order", "support_flag": "support_priority",
          "discount_flag": "discount_below_floor", "green_flag": "green_channel"}


def cumulative_before(basis: DealBasis) -> list[int]:
    """Σ fen of the earlier valid deals of the same (region, rep): the sheet's 累计(前) column.

    For a paid deal this is the commission engine's ``cum_before_fen``; the sheet also
    shows it for deals of names not on the roster, which the engine never sees.
    """
    running: dict[tuple[str, str], int] = {}
    out = []
    for ok, key, f in zip(basis.valid, basis.keys, basis.fen):
        before = running.get(key, 0)
        out.append(before)
        if ok:
            running[key] = before + f
    return out


def deal_values(plan, basis: DealBasis, pay: Payouts, targets: dict, out: dict) -> None:
    n_tiers = len(plan.config.commission.tiers)
    before = cumulative_before(basis)
    for i in range(len(basis.valid)):
        k = ("deal", i)
        out[k + ("fen",)] = basis.fen[i]
        if not basis.valid[i]:
            for f in _FIELDS:
                out[k + (f,)] = None
            for t in range(n_tiers):
                out[k + (f"tier:{t}",)] = None
            out[k + ("unknown_flag",)] = False
            continue
        known = basis.known[i]
        out[k + ("known",)] = YES if known else NO
        out[k + ("target",)] = targets.get(basis.keys[i], 0)
        out[k + ("cum_before",)] = before[i]
        out[k + ("cum_after",)] = before[i] + basis.fen[i]
        for t in range(n_tiers):
            out[k + (f"tier:{t}",)] = pay.tier.get((i, t), 0) / 100
        commission = int(pay.by_row[i].commission_fen) if known else 0
        out[k + ("commission",)] = commission / 100
        out[k + ("commission_fen",)] = commission
        out[k + ("first_new",)] = YES if i in pay.first_new else NO
        awards = pay.first_awards.get(i, {})
        out[k + ("breakthrough",)] = awards.get("breakthrough", 0) / 100
        out[k + ("conquest",)] = awards.get("conquest", 0) / 100
        codes = pay.flags.get(i, frozenset())
        for f, code in _FLAGS.items():
            out[k + (f,)] = code in codes
        out[k + ("unknown_flag",)] = not known


def chain_values(inputs, basis: DealBasis, slot_of: dict[tuple[str, str], int], out: dict) -> None:
    """The deals sheet's hidden helpers: per row the rep's first incentives slot (SLOT_FAR when not
    on the roster), the slots bottom-up (mirror), the position (1-based) of the rep's previous paid
    deal (0: none) and a new customer's key ("|" + customer)."""
    n = len(basis.valid)
    slot = [None if not ok else slot_of.get(key, SLOT_FAR) for ok, key in zip(basis.valid, basis.keys)]
    last: dict[int, int] = {}
    for i in range(n):
        k = ("deal", i)
        out[k + ("slot",)] = slot[i]
        out[k + ("mirror",)] = slot[n - 1 - i]
        if basis.known[i]:
            out[k + ("prev",)] = last.get(slot[i], 0)
            last[slot[i]] = i + 1
        else:
            out[k + ("prev",)] = None
        d = inputs.deals[i]
        out[k + ("newkey",)] = "|" + text(d.customer) if basis.valid[i] and yes(d.new_customer) else None
