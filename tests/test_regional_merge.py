"""Three-way merge and exact value comparison (tables of cases + properties)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan.regional.merge import Change, three_way_merge
from salesplan.regional.values import canon, decode, encode, normalize_formula, same as same_value

K = ("reps", "华东区", "张三", "weight")

# base, master, regional -> bucket, merged
CASES = [
    (1, 1, 1, "kept", 1),
    (1, 2, 1, "kept", 2),             # master changed, manager did not: master's value stays
    (1, 1, 3, "applied", 3),          # manager changed: taken
    (None, None, 5, "applied", 5),    # manager filled a blank
    (5, 5, None, "applied", None),    # manager cleared a value
    (5, 5, "", "applied", None),      # "" is blank
    (1, 2, 2, "converged", 2),        # both made the same change
    (1, 2, 3, "conflicts", 2),        # both changed differently: master keeps, listed
    (None, 2, 3, "conflicts", 2),
    (1, 1.0, 1, "kept", 1),           # 1 == 1.0
    (0.1, 0.1, 0.1000000000000000055511151231257827, "kept", 0.1),   # the same double
    (1, 1, True, "applied", True),    # a checkbox is not the number one
    ("是", "是", "是 ", "applied", "是 "),   # strings exact: a trailing space is a keystroke
    (None, None, "  ", "kept", None),  # whitespace-only is blank
]


@pytest.mark.parametrize("b,m,r,bucket,merged", CASES)
def test_three_way_cases(b, m, r, bucket, merged):
    res = three_way_merge({K: b}, {K: m}, {K: r})
    buckets = {"kept": [k for k in res.kept], "applied": [c.key for c in res.applied],
               "converged": [c.key for c in res.converged], "conflicts": [c.key for c in res.conflicts]}
    assert buckets[bucket] == [K], buckets
    assert sum(len(v) for v in buckets.values()) == 1
    assert res.merged[K] == canon(merged) and type(res.merged[K]) is type(canon(merged))
    if bucket == "conflicts":
        c = res.conflicts[0]
        assert (c.base, c.master, c.regional) == (canon(b), canon(m), canon(r))


def test_missing_regional_key_is_not_sent():
    res = three_way_merge({K: 1}, {K: 2}, {})
    assert res.kept == [K] and res.merged[K] == 2


def test_rerun_applies_nothing_and_resend_applies_only_new_changes():
    base = {("a",): 1, ("b",): 1, ("c",): 1}
    master = {("a",): 1, ("b",): 1, ("c",): 9}
    regional = {("a",): 2, ("b",): 1, ("c",): 5}
    first = three_way_merge(base, master, regional)
    assert first.updates == {("a",): Decimal(2)} and [c.key for c in first.conflicts] == [("c",)]
    second = three_way_merge(first.new_base, first.merged, regional)
    assert second.applied == [] and [c.key for c in second.conflicts] == [("c",)]
    assert second.merged == first.merged
    # the manager keeps editing and sends the file again: only the newer change is applied
    regional2 = dict(regional, **{}) | {("a",): 3}
    third = three_way_merge(second.new_base, second.merged, regional2)
    assert third.updates == {("a",): Decimal(3)} and not [c for c in third.conflicts if c.key == ("a",)]


values = st.one_of(st.none(), st.integers(-10**6, 10**6), st.sampled_from(["", "是", "否", "张三", " x"]),
                   st.floats(allow_nan=False, allow_infinity=False, width=64), st.booleans())
keys = st.tuples(st.sampled_from(["reps", "phases"]), st.sampled_from(["华东区", "华南区"]), st.integers(1, 5),
                 st.sampled_from(["weight", "name"]))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, st.tuples(values, values, values), max_size=20))
def test_merge_properties(table):
    base = {k: v[0] for k, v in table.items()}
    master = {k: v[1] for k, v in table.items()}
    regional = {k: v[2] for k, v in table.items()}
    res = three_way_merge(base, master, regional)
    assert len(res.kept) + len(res.applied) + len(res.converged) + len(res.conflicts) == len(table)
    for c in res.conflicts:                      # never silently overwritten
        assert res.merged[c.key] == canon(master[c.key])
    for c in res.applied:                        # a manager's change survives
        assert res.merged[c.key] == canon(regional[c.key])
    again = three_way_merge(res.new_base, res.merged, regional)
    assert again.applied == [] and again.merged == res.merged        # idempotent
    assert {c.key for c in again.conflicts} == {c.key for c in res.conflicts}


@pytest.mark.parametrize("a,b,same", [
    (1, 1.0, True), (1, Decimal("1.00"), True), (0.1 + 0.2, 0.3, False), (True, 1, False),
    (None, "", True), (None, " \t", True), ("a", "a ", False), (dt.date(2025, 7, 1), 45839, True),
    (dt.datetime(2025, 7, 1, 12), 45839.5, True), (12345678901234567890, 12345678901234567891, False),
])
def test_canon_equality(a, b, same):
    assert (canon(a) == canon(b) and isinstance(canon(a), bool) == isinstance(canon(b), bool)) is same
    assert same_value(a, b) is same


@pytest.mark.parametrize("v", [None, 1, 1.5, True, False, "是", Decimal("12345678901234567890.5")])
def test_encode_round_trip(v):
    assert decode(encode(v)) == canon(v)


@pytest.mark.parametrize("a,b,same", [
    ("=SUM(A1:A3)", "SUM(A1:A3)", True),
    ("=sum( a1:a3 )", "SUM(A1:A3)", True),
    ("_xlfn.IFS(A1>0,1)", "IFS(A1>0,1)", True),
    ('IF(A1="x y",1,0)', 'IF(A1="X Y",1,0)', False),      # string literals are exact
    ("SUM(A1:A3)", "SUM(A1:A4)", False),
    ("A1:B2 B1:C2", "A1:B2,B1:C2", False),                 # intersection is not union
    ("IF($A$3=TRUE(),1,0)", "IF(A3=TRUE,1,0)", True),       # LibreOffice's spellings, the same meaning
    ("'华东区'!$B$2", "'华东区'!B2", True),
    ('IF(A1="$A$1",1,0)', 'IF(A1="A1",1,0)', False),       # ... but never inside a string
])
def test_formula_normalisation(a, b, same):
    assert (normalize_formula(a) == normalize_formula(b)) is same, (normalize_formula(a), normalize_formula(b))


def _reference_merge(base, master, regional):
    """The merge written out case by case, for the property test to compare with."""
    absent = object()

    def same(a, b):
        return a == b and (a is None) == (b is None) and isinstance(a, bool) == isinstance(b, bool)

    out = {"merged": {}, "kept": [], "applied": [], "converged": [], "conflicts": [], "new_base": {}}
    for key in dict.fromkeys([*base, *master, *regional]):
        b, m = canon(base.get(key)), canon(master.get(key))
        r_raw = regional.get(key, absent)
        nb = b
        if r_raw is absent:
            out["merged"][key] = m
            out["kept"].append(key)
        else:
            r = canon(r_raw)
            if same(r, b):
                out["merged"][key] = m
                out["kept"].append(key)
            elif same(m, b):
                out["merged"][key], nb = r, r
                out["applied"].append((key, b, m, r))
            elif same(m, r):
                out["merged"][key], nb = m, r
                out["converged"].append((key, b, m, r))
            else:
                out["merged"][key] = m
                out["conflicts"].append((key, b, m, r))
        if key in base or nb is not None:
            out["new_base"][key] = nb
    return out


def _typed(d):
    return {k: (type(v), v) for k, v in d.items()}


more_values = st.one_of(values, st.decimals(allow_nan=False, allow_infinity=False, places=3),
                        st.sampled_from([Decimal(1), Decimal("1.0"), 1, 1.0, True, False, 0, "", None]))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, more_values, max_size=12), st.dictionaries(keys, more_values, max_size=12),
       st.dictionaries(keys, more_values, max_size=12), st.booleans())
def test_merge_agrees_with_the_reference(base, master, regional, same_keys):
    if same_keys:                                # one key set, as consolidation merges
        ks = list(base)
        master = {k: master.get(k) for k in ks}
        regional = {k: regional[k] for k in ks if k in regional}
    res = three_way_merge(base, master, regional)
    ref = _reference_merge(base, master, regional)
    assert list(res.merged) == list(ref["merged"]) and _typed(res.merged) == _typed(ref["merged"])
    assert res.kept == ref["kept"]
    for bucket in ("applied", "converged", "conflicts"):
        assert [(c.key, c.base, c.master, c.regional) for c in getattr(res, bucket)] == ref[bucket]
        assert [tuple(map(type, (c.base, c.master, c.regional))) for c in getattr(res, bucket)] == \
               [tuple(map(type, x[1:])) for x in ref[bucket]]
    assert list(res.new_base) == list(ref["new_base"]) and _typed(res.new_base) == _typed(ref["new_base"])
    assert all(type(c) is Change for c in res.applied + res.converged + res.conflicts)
