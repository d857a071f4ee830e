"""R8 multi-level commission, deals taken in the order of the monthly report.

Tiers apply to the rep's *cumulative* monthly revenue. A tier starts at a share of the
rep's personal target (``from``); its yuan boundary is ROUND(target × from, 0). A deal
that crosses a boundary is split: each slice earns its tier's rate, and each slice's
commission is ROUND(slice × rate, 2) — to the fen, half away from zero, as Excel's ROUND.
A deal's commission is the sum of its slices, so the trace adds up exactly.

Everything is integer arithmetic on fen (1 yuan = 100 fen) over numpy arrays — int64,
or Python ints where a product could pass int64's range —: no binary floats touch money,
and a million deals take one vectorised pass.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from salesplan.engine.deal import Deal
from salesplan.engine.params import CommissionTier
from salesplan.errors import InputError, Problem
from salesplan import money
from salesplan.money import round_div_half_away

RATE_SCALE = 1_000_000  # rates are held as integer parts-per-million


@dataclass(frozen=True)
class TierBand:
    number: int          # 1-based tier number
    start: Decimal       # attainment where the tier starts
    rate: Decimal


def rate_ppm(rate: Decimal) -> int:
    scaled = Decimal(rate) * RATE_SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"commission rate {rate} has more than 6 decimals")
    return int(scaled)


def round_div_half_away_array(numer, denom: int):
    """Element-wise numer / denom rounded half away from zero, integer-exact (numer may be negative).

    The vectorised form of :func:`salesplan.money.round_div_half_away` (numpy arrays)."""
    import numpy as np
    q = (np.abs(numer) * 2 + denom) // (2 * denom)
    return np.sign(numer) * q


class DealCommission(NamedTuple):
    """One deal's commission: the rep's revenue before and after it, in report order."""
    seq: int
    region: str
    rep: str
    amount_fen: int
    cum_before_fen: int
    cum_after_fen: int
    commission_fen: int


class Slice(NamedTuple):
    """The part of one deal that falls in one tier, and what it earns."""
    seq: int
    region: str
    rep: str
    tier: int                 # 1-based
    tier_from: str            # the tier's start as a share of target (Decimal text)
    tier_start_fen: int
    tier_end_fen: int         # -1: the top tier has no end
    base_fen: int
    rate: str                 # Decimal text
    commission_fen: int


class _Columns:
    """Records held as columns (one list per field): a million deals stay a handful of
    lists, not a million objects. Iterating gives the records; a column is an attribute."""

    ROW: type = tuple

    def __init__(self, **columns: list):
        if set(columns) != set(self.ROW._fields):
            raise TypeError(f"{type(self).__name__} needs the columns {self.ROW._fields}")
        self.__dict__.update(columns)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __len__(self) -> int:
        return len(self.seq)

    def __iter__(self):
        return map(self.ROW._make, zip(*(self.__dict__[f] for f in self.ROW._fields)))

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and self.__dict__ == other.__dict__

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {len(self)} rows>"


class Commissions(_Columns):
    """Commission per deal in report order (:class:`DealCommission` records)."""
    ROW = DealCommission


class Trace(_Columns):
    """The commission slices, by deal (report order) then tier (:class:`Slice` records)."""
    ROW = Slice


def boundary_fen(target_yuan: int, start: Decimal) -> int:
    """A tier's boundary for a target: ROUND(target × start, 0) in yuan, as fen (exact integer
    arithmetic). Commission slices and the gap's "to next tier" both start from it."""
    return round_div_half_away(int(target_yuan) * rate_ppm(start), RATE_SCALE) * 100


def commission(deals: Sequence[Deal], rep_targets: Mapping[tuple[str, str], int],
               tiers: Sequence[CommissionTier], *,
               with_trace: bool = True) -> tuple[Commissions, Trace | None]:
    """Commission per deal (report order), and the per-slice trace (by deal, then tier).

    ``rep_targets``: (region, rep) -> personal target in yuan; a deal of any other rep is an
    input error. The tier arithmetic runs over numpy arrays (a million deals in one to two
    seconds); this is the engine's only use of numpy, imported when there are deals.
    """
    if not tiers:
        raise ValueError("no commission tiers configured")
    ordered = sorted(deals, key=_seq)
    if not ordered:
        return _no_commission(with_trace)
    import numpy as np

    seq, region, rep = [d.seq for d in ordered], [d.region for d in ordered], [d.rep for d in ordered]
    amounts = [d.amount_fen for d in ordered]
    # each deal's (region, rep) as a number, built from the names' numbers: a tuple per deal
    # would be a million objects for the garbage collector to walk
    region_no: dict[str, int] = {}
    rep_no: dict[str, int] = {}
    rep_ix = np.array([rep_no.setdefault(p, len(rep_no)) for p in rep], dtype=np.int64)
    region_ix = np.array([region_no.setdefault(r, len(region_no)) for r in region], dtype=np.int64)
    pairs, codes = np.unique(region_ix * len(rep_no) + rep_ix, return_inverse=True)
    regions, reps = list(region_no), list(rep_no)
    keys = [(regions[int(x) // len(reps)], reps[int(x) % len(reps)]) for x in pairs]
    if any(k not in rep_targets for k in keys):
        known = np.array([k in rep_targets for k in keys])
        _unknown_reps([ordered[i] for i in np.flatnonzero(~known[codes]).tolist()])
    targets = [int(rep_targets[k]) for k in keys]
    # each distinct target's boundaries (boundary_fen, the one formula), spread over the deals
    distinct = sorted(set(targets))
    table = [[boundary_fen(t, tier.start) for t in distinct] for tier in tiers]
    fen = _fen_dtype(amounts, table, tiers)
    place = {t: i for i, t in enumerate(distinct)}
    which = np.array([place[t] for t in targets], dtype=np.int64)[codes]
    bounds = [np.array(row, dtype=fen)[which] for row in table]
    amount = np.array(amounts, dtype=fen)
    cum_before = _cumulative_before(codes, amount)
    cum_after = cum_before + amount
    total = np.zeros(len(ordered), dtype=fen)
    pieces, bases = [], []
    for k, tier in enumerate(tiers):
        lo = np.maximum(cum_before, bounds[k])
        hi = cum_after if k + 1 == len(tiers) else np.minimum(cum_after, bounds[k + 1])
        base = np.maximum(hi - lo, 0)
        piece = round_div_half_away_array(base * rate_ppm(tier.rate), RATE_SCALE)
        total += piece
        pieces.append(piece)
        bases.append(base)
    per_deal = Commissions(seq=seq, region=region, rep=rep, amount_fen=amounts, cum_before_fen=cum_before.tolist(),
                           cum_after_fen=cum_after.tolist(), commission_fen=total.tolist())
    if not with_trace:
        return per_deal, None
    return per_deal, _trace(per_deal, tiers, bounds, bases, pieces)


def _fen_dtype(amounts: list[int], table: list[list[int]], tiers: Sequence[CommissionTier]):
    """int64 when every product of the tier arithmetic fits in it (any real month), else Python
    ints in object arrays: a ¥100 bn deal at a 95 % rate would overflow int64 silently."""
    import numpy as np
    # a slice is at most its deal (times a rate, doubled to round); sums and boundaries are compared
    biggest = max(map(abs, amounts))
    reach = sum(map(abs, amounts)) + max((abs(b) for row in table for b in row), default=0)
    top = max(rate_ppm(t.rate) for t in tiers)
    return np.int64 if 2 * biggest * top + RATE_SCALE < 2 ** 62 and reach < 2 ** 62 else object


def _cumulative_before(codes, amount):
    """Each deal's rep's revenue before it (report order), per rep ``codes``: a stable sort by
    rep, a running sum, minus the sum where that rep's run starts."""
    import numpy as np
    order = np.argsort(codes, kind="stable")
    a, c = amount[order], codes[order]
    run = np.cumsum(a) - a                                    # Σ of the sorted deals before each
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, len(c)]))  # each deal's run start
    out = np.empty_like(amount)
    out[order] = run - run[first]
    return out


def _no_commission(with_trace: bool) -> tuple[Commissions, Trace | None]:
    per_deal = Commissions(**{f: [] for f in DealCommission._fields})
    return per_deal, (Trace(**{f: [] for f in Slice._fields}) if with_trace else None)


def _seq(d: Deal) -> int:
    return d.seq


def _unknown_reps(missing: list[Deal]) -> None:
    problems = [Problem(f"deal #{int(d.seq)} ({d.region} / {d.rep})", d.rep,
                        "a rep with a personal target in that region", "unknown-rep") for d in missing]
    raise InputError(problems[:50] + ([Problem("…", f"{len(problems) - 50} more", "", "truncated")]
                                      if len(problems) > 50 else []), "commission")


def _trace(per_deal: Commissions, tiers: Sequence[CommissionTier], bounds, bases, pieces) -> Trace:
    """The slices with a base > 0, by deal (report order) then tier."""
    import numpy as np
    hit = [np.flatnonzero(b > 0) for b in bases]
    row = np.concatenate(hit)
    tier = np.concatenate([np.full(len(h), k) for k, h in enumerate(hit)])
    order = np.lexsort((tier, row))
    row, tier = row[order], tier[order]
    ends = bounds[1:] + [np.full(len(per_deal), -1, dtype=np.int64)]
    pick = lambda arrays: np.concatenate([a[h] for a, h in zip(arrays, hit)])[order].tolist()  # noqa: E731
    rows = row.tolist()
    froms, rates = [str(t.start) for t in tiers], [str(t.rate) for t in tiers]
    tiers_k = tier.tolist()
    return Trace(seq=[per_deal.seq[i] for i in rows], region=[per_deal.region[i] for i in rows],
                 rep=[per_deal.rep[i] for i in rows], tier=[k + 1 for k in tiers_k],
                 tier_from=[froms[k] for k in tiers_k], tier_start_fen=pick(bounds), tier_end_fen=pick(ends),
                 base_fen=pick(bases), rate=[rates[k] for k in tiers_k], commission_fen=pick(pieces))


def commission_for_amounts(amounts_fen: Sequence[int], target_yuan: int,
                           tiers: Sequence[CommissionTier]) -> list[int]:
    """One rep's deals in report order → commission per deal in fen (used by the UDFs)."""
    deals = [Deal(i, "", "", int(a)) for i, a in enumerate(amounts_fen, start=1)]
    per_deal, _ = commission(deals, {("", ""): target_yuan}, tiers, with_trace=False)
    return list(per_deal.commission_fen)


def fen_to_yuan(fen: int) -> Decimal:
    return money.fen_to_yuan(fen)
