"""The split record's storage (format 3): input runs — grids for tables, columns for the
rest — load back exactly the inputs saved, in order, whatever their shape; formats 1
and 2 are still read; a damaged record is refused with a ValueError, never misread."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan.regional.manifest import (InputColumn, InputField, SplitManifest, _columns_to_json,
                                         _distinct_keys, _inputs_of_runs, _keys_of_runs, _runs_from_json,
                                         _runs_to_json, key_family)
from bench.synthetic import region_names, write_region_file

_FIELDS = [("name", "text", None, None, (), "姓名"), ("weight", "number", Decimal(0), Decimal(100), (), "权重"),
           ("mode", "choice", None, None, ("冲刺", "稳守"), "模式"), ("n", "integer", Decimal(0), None, (), "")]


@st.composite
def input_lists(draw) -> list[InputField]:
    """Tables (rows × fields, as the registry writes them) with random damage, and loose inputs."""
    out: list[InputField] = []
    for t in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):                                  # a table
            fields = draw(st.lists(st.sampled_from(_FIELDS), min_size=1, max_size=4, unique_by=lambda f: f[0]))
            n_rows = draw(st.integers(1, 5))
            row0, slot0 = draw(st.integers(1, 40)), draw(st.one_of(st.none(), st.integers(0, 3)))
            sheet = draw(st.sampled_from(["华东", "华北", "S"]))
            whos = draw(st.lists(st.one_of(st.integers(1, 9), st.text("张李#1", min_size=1, max_size=3)),
                                 min_size=n_rows, max_size=n_rows))
            for r in range(n_rows):
                for k, (name, kind, lo, hi, ch, label) in enumerate(fields):
                    cell = f"{'BCDEFGH'[k]}{row0 + r}"
                    slot = None if slot0 is None else slot0 + r
                    key: object = ("reps", sheet, whos[r], name)
                    damage = draw(st.sampled_from([None] * 12 + ["cell$", "lower", "slot", "key", "nested", "bool",
                                                                "kind", "sheet", "short"]))
                    if damage == "cell$":
                        cell = "$" + cell
                    elif damage == "lower":
                        cell = cell.lower()
                    elif damage == "slot":
                        slot = 99
                    elif damage == "key":
                        key = f"{sheet}:{r}:{name}"
                    elif damage == "nested":
                        key = ("reps", sheet, (r, "x"), name)
                    elif damage == "bool":
                        key = ("reps", sheet, True, name)
                    elif damage == "kind":
                        kind, lo, hi, ch = "percent", None, Decimal(1), ()
                    elif damage == "sheet":
                        sheet = sheet + "2"
                    elif damage == "short":
                        key = (name,)
                    out.append(InputField(key, sheet, cell, kind, lo, hi, ch, label, slot))
        else:                                                    # a loose input
            out.append(InputField(("focus_target", f"r{t}"), "S", draw(st.sampled_from(["C3", "$C$3", "c3"])),
                                  "number", Decimal("0.5"), None, (), "重点"))
    return out


@settings(max_examples=300, deadline=None)
@given(input_lists())
def test_runs_load_back_the_same_inputs_in_order(fs):
    runs = _runs_to_json(fs)
    loaded = _runs_from_json(json.loads(json.dumps(runs, ensure_ascii=False)))
    back = _inputs_of_runs(loaded, _keys_of_runs(loaded))
    assert list(map(repr, back)) == list(map(repr, fs))         # equal, and of the same types (1 is not True)
    keys = _keys_of_runs(loaded)
    assert _distinct_keys(loaded, keys) == (len(set(keys)) == len(keys))     # decided without hashing, mostly
    # every input is in exactly one run; a grid has two rows or more
    assert sum(len(r["grid"]["rows"]) * len(r["grid"]["fields"]) if "grid" in r else len(r["columns"]["key"])
               for r in runs) == len(fs)
    assert all(len(r["grid"]["rows"]) >= 2 for r in runs if "grid" in r)


@settings(max_examples=200, deadline=None)
@given(input_lists())
def test_a_loaded_record_checks_what_its_inputs_say(fs):
    """A record loaded from runs builds its InputFields only when asked; until then its
    keys, check layout (cells, keys, fields per sheet) and lookup tables are those of the
    inputs themselves, and it saves back unchanged."""
    m = SplitManifest("id", "2025-07", "R", "v", "1", "t", "", "", fs,
                      {f.key: Decimal(i) if i % 3 else None for i, f in enumerate(fs)},
                      {"S": {"A1": "h"}}, {"华东": {"A2": "h"}})
    back = SplitManifest.from_json(json.loads(json.dumps(m.to_json(), ensure_ascii=False)))
    assert "_inputs" not in back.__dict__ or not any("grid" in r for r in m.to_json()["inputs"])
    assert back.input_keys() == m.input_keys()
    assert back.key_families() == m.key_families() == {key_family(k) for k in m.input_keys()}
    assert list(map(repr, back.input_slots())) == [repr((f.key, f.slot)) for f in fs]
    lazy, full = back.input_layout(), m.input_layout()
    assert list(lazy) == list(full)
    for sheet, (cells, keys, fields) in full.items():
        lcells, lkeys, lfields = lazy[sheet]
        assert (lcells, lkeys) == (cells, keys)
        own = [f.at(k, c) if type(f) is InputColumn else f._replace(slot=None, cell=c)
               for f, k, c in zip(lfields, lkeys, lcells)]
        want = [f._replace(slot=None, cell=c) for f, c in zip(fields, cells)]
        assert list(map(repr, own)) == list(map(repr, want))
    for sheet, (cells, keys, fields) in lazy.items():     # the checks' memo keys cover every field
        assert {id(f) for f in fields} <= {id(f) for f in back.layout_fields(sheet)}
    assert back.index().known == m.index().known and back.index().sheets == m.index().sheets
    # where each checked input's value goes (its key's place in input_keys), and the base there
    keys = back.input_keys()
    for sheet, (cells, lkeys, _) in lazy.items():
        assert [keys[p] for p in back.layout_positions(sheet)] == lkeys
        assert back.layout_positions(sheet) == m.layout_positions(sheet)
    assert back.base_aligned() == m.base_aligned() == [m.base[k] for k in keys]
    # cells the split wrote nothing into, from a sheet's stored cells (a dict) or a list
    known = back.index().known
    for sheet in back.index().sheets:
        present = dict.fromkeys(sorted(known[sheet])[:3] + ["ZZ99", "A1", "C3"])
        want = set(present) - known[sheet]
        assert back.index().unknown_cells(sheet, present) == want == m.index().unknown_cells(sheet, list(present))
    assert back.to_json() == m.to_json()
    # a moved base (as consolidation sets it) is the record's base, and saves and loads back
    moved = [Decimal(-i) for i in range(len(keys))]
    again = SplitManifest.from_json(json.loads(json.dumps(m.to_json(), ensure_ascii=False)))
    again.set_base_aligned(moved)
    assert again.base == {**m.base, **dict(zip(keys, moved))}
    assert SplitManifest.from_json(json.loads(json.dumps(again.to_json()))).base_aligned() == moved
    assert list(map(repr, back.inputs)) == list(map(repr, fs)) and back.index().inputs == m.index().inputs


def test_a_region_record_is_one_grid_and_small(tmp_path):
    region, manager = region_names(0)
    m = write_region_file(tmp_path / "r.xlsx", region, manager, 100)
    runs = _runs_to_json(m.inputs)
    assert [next(iter(r)) for r in runs] == ["grid", "columns"]       # 100 reps × 8 fields, the focus target
    assert len(runs[0]["grid"]["rows"]) == 100
    m.save(tmp_path / "m.json")
    v2 = dict(m.to_json(), format_version=2, inputs=_columns_to_json(m.inputs))
    size3 = (tmp_path / "m.json").stat().st_size
    size2 = len(json.dumps(v2, ensure_ascii=False, separators=(",", ":")).encode())
    assert size3 * 3 < size2
    back = SplitManifest.load(tmp_path / "m.json")
    # the grid's shared key parts are interned: two loads hold the very same strings, so a
    # key is found in another table (the master's) without comparing any text
    again = SplitManifest.load(tmp_path / "m.json")
    for k1, k2 in zip(back.input_keys()[:800], again.input_keys()[:800]):
        assert all(a is b for a, b in zip(k1, k2) if type(a) is str)
    old = SplitManifest.from_json(json.loads(json.dumps(v2, ensure_ascii=False)))
    for x in (back, old):
        assert x.inputs == m.inputs and x.base == m.base and x.to_json() == m.to_json()


def test_records_of_one_split_share_their_layout_lists(tmp_path):
    """Two regions' records with the same table geometry share the input cells and
    positions (built once); each still has its own keys and fields, and the shared lists
    equal what a cold build gives."""
    from salesplan.regional.checks import clear_caches

    recs = []
    for i in (0, 1):
        region, manager = region_names(i)
        write_region_file(tmp_path / f"r{i}.xlsx", region, manager, 30).save(tmp_path / f"m{i}.json")
        recs.append(SplitManifest.load(tmp_path / f"m{i}.json"))
    (s0, (c0, k0, f0)), = recs[0].input_layout().items()
    (s1, (c1, k1, f1)), = recs[1].input_layout().items()
    assert s0 != s1 and c0 is c1 and recs[0].layout_positions(s0) is recs[1].layout_positions(s1)
    assert k0 != k1 and k0 == [f.key for f in recs[0].inputs] and k1 == [f.key for f in recs[1].inputs]
    assert recs[0].layout_positions(s0) == list(range(len(k0))) and f0[0].sheet == s0 and f1[0].sheet == s1
    clear_caches()
    cold = SplitManifest.load(tmp_path / "m1.json")
    assert cold.input_layout() == recs[1].input_layout() and cold.input_layout()[s1][0] is not c1
    assert cold.layout_positions(s1) == recs[1].layout_positions(s1)


@pytest.mark.parametrize("damage", [
    lambda r: r.__setitem__("inputs", {"key": []}),
    lambda r: r["inputs"].append({"table": 1}),
    lambda r: r["inputs"][0]["grid"].__setitem__("first_row", 0),
    lambda r: r["inputs"][0]["grid"].__setitem__("rows", [["nested"], 2]),
    lambda r: r["inputs"][0]["grid"]["fields"][0].__setitem__(2, "money"),
    lambda r: r["inputs"][0]["grid"]["fields"][0].__setitem__(1, "B1"),
    lambda r: r["inputs"][0]["grid"]["fields"].append(["x", "Q"]),
    lambda r: r["base"].pop(),
], ids=["not-runs", "unknown-run", "row-0", "nested-row-id", "bad-kind", "bad-column", "short-field", "base-short"])
def test_a_damaged_record_is_refused(tmp_path, damage):
    region, manager = region_names(0)
    m = write_region_file(tmp_path / "r.xlsx", region, manager, 3)
    d = json.loads(json.dumps(m.to_json(), ensure_ascii=False))
    damage(d)
    with pytest.raises(ValueError):
        SplitManifest.from_json(d)
