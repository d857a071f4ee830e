"""Exact amount parsing: the case table, XLSX floats, and the vectorised fast path."""
from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan.deals.amounts import (
    AMOUNT_EXPECTED,
    AmountError,
    amounts_to_fen,
    fen_to_decimal,
    parse_amount,
    parse_amount_fen,
)

CASES = tomllib.loads((Path(__file__).parent / "cases" / "deal_amounts.toml").read_text(encoding="utf-8"))["case"]


@pytest.mark.parametrize("case", CASES, ids=[repr(c["input"]) for c in CASES])
def test_case_table(case):
    if "expected" in case:
        got = parse_amount(case["input"])
        assert isinstance(got, Decimal)
        assert str(got) == case["expected"]
        assert parse_amount_fen(case["input"]) == int(Decimal(case["expected"]) * 100)
    else:
        with pytest.raises(AmountError) as info:
            parse_amount(case["input"])
        assert info.value.code == case["error"]
        assert info.value.expected == AMOUNT_EXPECTED
        assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("case", CASES, ids=[repr(c["input"]) for c in CASES])
def test_vectorised_agrees_with_scalar(case):
    fen, errors = amounts_to_fen([case["input"]])
    if "expected" in case:
        assert errors == {}
        assert fen[0] == int(Decimal(case["expected"]) * 100)
    else:
        assert errors[0].code == case["error"]


@pytest.mark.parametrize("value, expected", [
    (38000, "38000.00"), (38000.0, "38000.00"), (12.34, "12.34"), (0.1, "0.10"),
    (0.30000000000000004, "0.30"),          # a computed cell: what Excel shows (15 digits)
    (1200000.5, "1200000.50"), (Decimal("5.5"), "5.50"), (np.int64(7), "7.00"),
])
def test_numbers_from_xlsx_cells(value, expected):
    assert str(parse_amount(value)) == expected


@pytest.mark.parametrize("value, code", [
    (12.345, "precision"), (-1.0, "negative"), (float("nan"), "amount"), (float("inf"), "amount"),
    (None, "blank"), (True, "amount"), ([1], "amount"), ("9" * 100, "amount"),
])
def test_bad_non_text_values(value, code):
    with pytest.raises(AmountError) as info:
        parse_amount(value)
    assert info.value.code == code


def test_fen_round_trip():
    assert fen_to_decimal(3800050) == Decimal("38000.50")
    assert fen_to_decimal(0) == Decimal("0.00")


def test_vectorised_mixed_column_reports_positions():
    values = ["38000", "1,200,000", "abc", 12.5, None, "120万", "", "5.5", "0.07"]
    fen, errors = amounts_to_fen(values)
    assert fen.dtype == np.int64
    assert list(fen) == [3800000, 120000000, 0, 1250, 0, 120000000, 0, 550, 7]
    assert sorted(errors) == [2, 4, 6]


def test_vectorised_big_column_is_exact():
    # Values whose float64 form is inexact (0.1, 0.07 …) must come out exact in fen.
    rng = np.random.default_rng(1)
    fen_true = rng.integers(0, 10**15, size=20_000, dtype=np.int64)
    texts = [f"{f // 100}.{f % 100:02d}" for f in fen_true]
    fen, errors = amounts_to_fen(texts)
    assert errors == {}
    assert np.array_equal(fen, fen_true)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**15 - 1), st.sampled_from(["plain", "comma", "yen", "fullwidth", "one"]))
def test_property_scalar_and_vector_agree(fen_value, style):
    yuan, cents = divmod(fen_value, 100)
    if style == "plain":
        text = f"{yuan}.{cents:02d}"
    elif style == "comma":
        text = f"{yuan:,}.{cents:02d}"
    elif style == "yen":
        text = f"¥{yuan:,}.{cents:02d}"
    elif style == "fullwidth":
        text = f"{yuan}.{cents:02d}".translate({ord(str(i)): 0xFF10 + i for i in range(10)})
    else:
        text = f"{yuan}.{cents // 10}" if cents % 10 == 0 else f"{yuan}.{cents:02d}"
    assert parse_amount_fen(text) == fen_value
    fen, errors = amounts_to_fen([text, text])
    assert errors == {} and list(fen) == [fen_value, fen_value]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_property_never_crashes_and_agrees(text):
    try:
        expected = parse_amount_fen(text)
    except AmountError:
        expected = None
    fen, errors = amounts_to_fen([text])
    if expected is None:
        assert 0 in errors
    else:
        assert errors == {} and fen[0] == expected
