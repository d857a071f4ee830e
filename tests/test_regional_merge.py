"""Three-way merge and exact value comparison (tables of cases + properties)."""
from __future__ import annotations

from functools import partial

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan.regional import merge as merge_module
from salesplan.regional.merge import NOT_SENT, Change, merge_aligned, three_way_merge
from salesplan.regional.values import canon, decode, encode, formula_hash, normalize_formula, value_hash

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
    assert (value_hash(a) == value_hash(b)) is same


@pytest.mark.parametrize("v", [None, 1, 1.5, True, False, "是", Decimal("12345678901234567890.5")])
def test_encode_round_trip(v):
    assert decode(encode(v)) == canon(v)


@pytest.mark.parametrize("impl", ["c", "c-distinct", "python"])
@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, st.tuples(values, values, st.one_of(values, st.just(NOT_SENT))), max_size=20))
def test_merge_aligned_is_three_way_merge(impl, table):
    """Consolidation's one-pass merge over aligned lists gives the same buckets, changes,
    updates and new base as three_way_merge (NOT_SENT = a key the file did not send) —
    in C (_cellscan) and in Python alike."""
    if impl.startswith("c") and merge_module._merge_aligned_c is None:
        pytest.skip("the C helpers were not built")
    ks = list(table)
    base = {k: v[0] for k, v in table.items()}
    master = {k: v[1] for k, v in table.items()}
    regional = {k: v[2] for k, v in table.items() if v[2] is not NOT_SENT}
    ref = three_way_merge(base, master, regional)
    asked = []

    def master_of(k):
        asked.append(k)
        return master[k]

    run = {"c": merge_aligned, "c-distinct": partial(merge_aligned, distinct_keys=True),
           "python": merge_module._merge_aligned_py}[impl]
    got = run(ks, [v[0] for v in table.values()], master_of, [v[2] for v in table.values()])
    assert type(got.applied) is list and all(type(c) is Change for c in got.applied + got.conflicts)
    # the master is asked only about what the file changed (sent, and not equal to the base)
    assert asked == [k for k in ks if k not in set(ref.kept)]
    assert got.kept == len(ref.kept)
    assert got.not_sent == sum(v[2] is NOT_SENT for v in table.values())
    assert (got.applied, got.converged, got.conflicts) == (ref.applied, ref.converged, ref.conflicts)
    assert got.applied_values == ref.updates
    # read as a dict would be, in order, lazily or not (c-distinct: from the changes)
    assert list(got.applied_values.items()) == list(ref.updates.items())
    assert list(got.applied_values) == list(ref.updates) and len(got.applied_values) == len(ref.updates)
    assert bool(got.applied_values) == bool(ref.updates)
    assert all(k in got.applied_values and got.applied_values[k] == v for k, v in ref.updates.items())
    # (a manifest's base is canonical already; three_way_merge canonicalises it on the way)
    assert {**{k: canon(v) for k, v in base.items()}, **got.moved} == ref.new_base
    # the new base aligned with the keys: the old one where nothing moved (None: none did)
    if got.moved:
        assert got.new_base == [got.moved[k] if k in got.moved else v[0] for k, v in table.items()]
    else:
        assert got.new_base is None


@pytest.mark.parametrize("a,b,same", [
    ("=SUM(A1:A3)", "SUM(A1:A3)", True),
    ("=sum( a1:a3 )", "SUM(A1:A3)", True),
    ("_xlfn.IFS(A1>0,1)", "IFS(A1>0,1)", True),
    ('IF(A1="x y",1,0)', 'IF(A1="X Y",1,0)', False),      # string literals are exact
    ("SUM(A1:A3)", "SUM(A1:A4)", False),
    ("A1:B2 B1:C2", "A1:B2,B1:C2", False),                 # intersection is not union
])
def test_formula_normalisation(a, b, same):
    assert (formula_hash(a) == formula_hash(b)) is same, (normalize_formula(a), normalize_formula(b))


def _reference_merge(base, master, regional):
    """The merge as first written (no shortcuts): the optimised one must agree with it."""
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
    if same_keys:                                # the fast path: one key set
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
    for c in res.applied + res.converged + res.conflicts:     # built by the fast constructor
        same = Change(c.key, c.base, c.master, c.regional)
        assert c == same and repr(c) == repr(same) and type(c) is Change


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.tuples(st.sampled_from("ABC"), st.integers(0, 4)), st.integers(0, 9),
                                max_size=5), max_size=6))
def test_run_updates_are_the_files_values_later_files_winning(files):
    """A run's applied values kept file by file read like one dict updated file after file:
    the same items (each key once, its latest value), length, lookups and membership —
    whether or not files share keys (consolidation says when they may: a shared family)."""
    from salesplan.regional.core import RunUpdates
    from salesplan.regional.manifest import key_family

    run, want, seen_families = RunUpdates(), {}, set()
    for values in files:
        families = {key_family(k) for k in values}
        run.add(dict(values), may_overlap=not families.isdisjoint(seen_families))
        if values:
            seen_families |= families
        want.update(values)
    assert dict(run.items()) == want and run == want and len(run) == len(want)
    assert sorted(run, key=repr) == sorted(want, key=repr)          # each key once
    assert len(list(run.items())) == len(want)
    for k, v in want.items():
        assert k in run and run[k] == v and run.get(k) == v
    assert ("Z", 0) not in run and run.get(("Z", 0)) is None


def test_applied_values_of_repeated_keys_read_like_a_dict():
    """Changes whose keys repeat (not a record's distinct keys): the later one wins, as in
    a dict, whether or not the mapping was told its keys are distinct-free."""
    from salesplan.regional.merge import AppliedValues

    changes = [Change(("a",), None, None, 1), Change(("b",), None, None, 2), Change(("a",), None, None, 3)]
    got = AppliedValues(changes, distinct=False)
    assert dict(got) == {("a",): 3, ("b",): 2} and list(got) == [("a",), ("b",)] and len(got) == 2
    assert list(got.items()) == [(("a",), 3), (("b",), 2)] and got[("a",)] == 3 and ("c",) not in got
    lazy = AppliedValues(changes[:2], distinct=True)
    assert list(lazy.items()) == [(("a",), 1), (("b",), 2)] and lazy._table is None     # nothing built
    assert lazy.get(("b",)) == 2 and lazy._table is not None and list(lazy) == [("a",), ("b",)]
    assert repr(lazy) == "AppliedValues({('a',): 1, ('b',): 2})" and not AppliedValues([], True)
