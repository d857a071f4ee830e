"""NEXT_TIER_GAP and COMMISSION_IF are the gap engine and the commission engine, cell by cell."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan.config import load_default
from salesplan.engine.commission import commission_for_amounts
from salesplan.engine.gap import tier_position
from salesplan.udfs import functions as F

TIERS = load_default("2026-12").commission.tiers
amount_st = st.integers(0, 3_000_000_00).map(lambda fen: fen / 100)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), amount_st), min_size=1, max_size=20), st.integers(1, 3_000_000), amount_st)
def test_commission_if_is_commission_with_the_deal_appended(amounts, target, new):
    got = F.COMMISSION_IF([[a] for a in amounts], target, new)
    column = F.COMMISSION([[a] for a in amounts] + [[new]], target)
    last = column[-1][0] if isinstance(column, list) else column
    assert got == last
    fen = [round(a * 100) for a in amounts if a is not None]
    assert round(got * 100) == commission_for_amounts(fen + [round(new * 100)], target, TIERS)[-1]


@settings(max_examples=150, deadline=None)
@given(amount_st, st.integers(1, 3_000_000))
def test_next_tier_gap_is_the_engines_tier_position(revenue, target):
    got = F.NEXT_TIER_GAP(revenue, target)
    _, gap = tier_position(round(revenue * 100), target, TIERS)
    assert got == ("" if gap is None else gap / 100)
    if gap is not None:   # a deal of exactly the gap lands in the next tier: its last slice is at the next rate
        tier, _ = tier_position(round(revenue * 100), target, TIERS)
        after, _ = tier_position(round(revenue * 100) + gap, target, TIERS)
        assert after > tier
