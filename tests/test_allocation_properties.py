"""Property tests: every allocation sums exactly, no part is a unit or more from its exact share."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan.engine.allocation import allocate_matrix, largest_remainder

weights = st.lists(st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False), min_size=1, max_size=12) \
    .filter(lambda ws: sum(ws) > 0)


@given(total=st.integers(min_value=-10**9, max_value=10**10), ws=weights)
def test_largest_remainder_is_exact_and_close(total, ws):
    parts = largest_remainder(total, ws)
    assert sum(parts) == total
    s = sum(Fraction(w) for w in ws)
    for part, w in zip(parts, ws):
        assert abs(part - total * Fraction(w) / s) < 1


@given(total=st.integers(min_value=0, max_value=10**7), n=st.integers(min_value=1, max_value=9))
def test_equal_weights_give_earlier_parts_the_extra_units(total, n):
    parts = largest_remainder(total, [Decimal(1)] * n)
    assert parts == sorted(parts, reverse=True)
    assert max(parts) - min(parts) <= 1


@settings(max_examples=300)
@given(rows=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=8),
       col_weights=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=8))
def test_matrix_rows_and_columns_are_exact(rows, col_weights):
    grand = sum(rows)
    cols = largest_remainder(grand, col_weights) if grand else [0] * len(col_weights)
    m = allocate_matrix(rows, cols)
    assert [sum(r) for r in m] == rows
    assert [sum(r[j] for r in m) for j in range(len(cols))] == cols
    if grand:
        for i, r in enumerate(rows):
            for j, c in enumerate(cols):
                assert abs(m[i][j] - Fraction(r * c, grand)) < 1


@settings(max_examples=300)
@given(rows=st.lists(st.integers(min_value=0, max_value=20), min_size=2, max_size=7),
       cols_seed=st.lists(st.integers(min_value=0, max_value=20), min_size=2, max_size=7))
def test_matrix_small_awkward_totals(rows, cols_seed):
    # Small totals force many fractional cells and exercise the augmenting-path repair.
    grand = sum(rows)
    if grand == 0 or sum(cols_seed) == 0:
        return
    cols = largest_remainder(grand, cols_seed)
    m = allocate_matrix(rows, cols)
    assert [sum(r) for r in m] == rows
    assert [sum(r[j] for r in m) for j in range(len(cols))] == cols
    assert all(v >= 0 for r in m for v in r)
