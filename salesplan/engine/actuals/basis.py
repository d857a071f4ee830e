"""The deals sheet as every other sheet sees it: which rows count, their fen, whose they are."""
from __future__ import annotations

from dataclasses import dataclass

from salesplan.engine.actuals.cells import as_date, num, present, rep_slots, text, to_fen, yes
from salesplan.engine.deal import Deal


@dataclass(frozen=True)
class DealBasis:
    """Per deal row (report order): validity, amount in fen, (region, rep) key, on the roster."""

    valid: tuple[bool, ...]          # rep, region and a numeric amount typed
    fen: tuple[int, ...]             # ROUND(amount×100) (0 when not numeric)
    keys: tuple[tuple[str, str], ...]
    known: tuple[bool, ...]          # valid and the (region, rep) is a named slot of a region tab
    rep_keys: frozenset[tuple[str, str]]

    @property
    def rows(self) -> list[int]:
        """Rows that earn commission (known), in report order."""
        return [i for i, k in enumerate(self.known) if k]

    def revenue_fen(self) -> dict[tuple[str, str], int]:
        """Σ fen of valid deals per (region, rep) — the region tab's revenue column (×100)."""
        out: dict[tuple[str, str], int] = {}
        for ok, key, f in zip(self.valid, self.keys, self.fen):
            if ok:
                out[key] = out.get(key, 0) + f
        return out


def counts(d) -> bool:
    """A deal row counts when its rep, region and a numeric amount are typed."""
    return present(d.rep) and present(d.region) and num(d.amount) is not None


def counted_deals(deals) -> tuple[Deal, ...]:
    """The deal rows that count, as the engine's deals (seq = the row's index: report order)."""
    return tuple(Deal(i, text(d.region), text(d.rep), to_fen(d.amount), text(d.customer), yes(d.new_customer),
                      as_date(d.date)) for i, d in enumerate(deals) if counts(d))


def deal_basis(plan, inputs) -> DealBasis:
    deals = inputs.deals
    valid = tuple(counts(d) for d in deals)
    keys = tuple((text(d.region), text(d.rep)) for d in deals)
    rep_keys = frozenset((r, text(row.name)) for r, _, row in rep_slots(plan, inputs) if present(row.name))
    known = tuple(ok and k in rep_keys for ok, k in zip(valid, keys))
    return DealBasis(valid, tuple(to_fen(d.amount) for d in deals), keys, known, rep_keys)
