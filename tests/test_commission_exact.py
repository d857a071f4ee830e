"""R8 commission is exact at any amount the workbook accepts: the engine's tier arithmetic
(numpy int64, or Python ints when a product could overflow int64) against a by-hand oracle
in Python fractions — each slice ROUND(base × rate) to the fen, half away from zero."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan.engine.commission import commission_for_amounts
from salesplan.engine.input_spec import MONEY_MAX
from salesplan.engine.params import CommissionTier

MAX_FEN = int(MONEY_MAX) * 100


def _round_half_away(x: Fraction) -> int:
    n = abs(x.numerator) * 2 + x.denominator
    q = n // (2 * x.denominator)
    return q if x >= 0 else -q


def by_hand(amounts: list[int], target_yuan: int, tiers: list[tuple[Fraction, Fraction]]) -> list[int]:
    bounds = [_round_half_away(Fraction(target_yuan) * start) * 100 for start, _ in tiers]
    out, before = [], 0
    for a in amounts:
        after, paid = before + a, 0
        for k, (_, rate) in enumerate(tiers):
            lo = max(before, bounds[k])
            hi = after if k + 1 == len(tiers) else min(after, bounds[k + 1])
            if hi > lo:
                paid += _round_half_away((hi - lo) * rate)
        out.append(paid)
        before = after
    return out


ppm = st.integers(0, 1_000_000).map(lambda p: Fraction(p, 1_000_000))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-MAX_FEN, MAX_FEN) | st.integers(0, 10**9), min_size=1, max_size=8),
       st.integers(0, int(MONEY_MAX)), st.lists(st.tuples(ppm, ppm), min_size=1, max_size=4))
def test_commission_is_exact_at_any_accepted_amount(amounts, target, raw_tiers):
    starts = sorted({s for s, _ in raw_tiers} | {Fraction(0)})
    tiers = [(s, raw_tiers[i % len(raw_tiers)][1]) for i, s in enumerate(starts)]
    engine_tiers = tuple(CommissionTier(Decimal(s.numerator) / Decimal(s.denominator),
                                        Decimal(r.numerator) / Decimal(r.denominator)) for s, r in tiers)
    assert commission_for_amounts(amounts, target, engine_tiers) == by_hand(amounts, target, tiers)


def test_a_hundred_billion_yuan_deal_at_95_percent():
    tiers = (CommissionTier(Decimal(0), Decimal("0.95")),)
    assert commission_for_amounts([MAX_FEN], 1000, tiers) == [MAX_FEN * 95 // 100]
