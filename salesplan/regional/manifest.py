"""The split manifest: what a regional file was when it left the master.

Where it is stored — decided:

* **The sidecar JSON is the manifest** (``<plan folder>/<plan stem>.splits/<region>.json``):
  month, region, plan version, layout version, split id and time, the input layout
  (key → sheet/cell/validation), the **base snapshot** of the region's input values,
  the **formula fingerprints** (sheet → cell → hash of the formula text) and the
  **value fingerprints** of every other non-input cell. It stays with the master, so
  the base of the three-way merge is something the manager could not have edited, and
  it may be as large as it needs to be.
* **The regional file carries only a stamp**, as custom document properties
  (``salesplan.split.*``: month, region, plan version, layout version, split id, and the
  digest of the sidecar written at split time). Custom properties survive saving in
  Excel, LibreOffice and openpyxl (a customXml part does not survive LibreOffice), are
  visible in File › Properties, and hold only this region's own identifiers — no base
  snapshot of anything, nothing of any other region.

Consolidation reads the stamp, finds the sidecar by region, and refuses the file when
the split id differs (a file from an older split) or when the month / plan version no
longer match the master.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import os
import re
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from functools import partial
from itertools import chain, cycle, product, repeat
from operator import itemgetter
from typing import Any, Hashable, Iterable, Iterator, Mapping, NamedTuple

from salesplan.regional.values import canon, decode, encode, formula_hash, value_hash

def load_json(data: bytes) -> Any:
    return json.loads(data)

_decode_column_c = _unknown_addresses_c = None

__all__ = [
    "LAYOUT_VERSION_DEFAULT", "MANIFEST_FORMAT", "STAMP_PREFIX", "InputField", "Stamp", "SplitManifest",
    "plan_version", "sidecar_dir", "sidecar_path", "write_stamp", "read_stamp", "fingerprint_file",
    "key_to_json", "key_from_json", "new_split_id", "stamp_xlsx", "safe_name", "now_iso",
]

MANIFEST_FORMAT = "salesplan.split-manifest"
MANIFEST_VERSION = 3
LAYOUT_VERSION_DEFAULT = "1"
STAMP_PREFIX = "salesplan.split."
KINDS = ("number", "integer", "percent", "text", "bool", "date", "choice")


def key_to_json(key: Hashable) -> Any:
    return list(key) if isinstance(key, tuple) else key


def key_family(key: Hashable) -> Hashable:
    """A key's first two parts (a key that is no tuple: itself); see SplitManifest.key_families."""
    return key[:2] if type(key) is tuple else key


def key_from_json(obj: Any) -> Hashable:
    if type(obj) is not list:
        return obj
    key = tuple(obj)
    if list in map(type, key):               # a nested key (rare): convert its parts too
        return tuple(map(key_from_json, key))
    return key


def _dec(x: Any) -> Decimal | None:
    return None if x is None else Decimal(str(x))


class _InputFieldTuple(NamedTuple):
    key: Hashable
    sheet: str
    cell: str
    kind: str = "number"
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    choices: tuple[str, ...] = ()
    label: str = ""
    slot: int | None = None          # 0-based row of the input table (a fallback for finding the row)


class InputField(_InputFieldTuple):
    """One input cell: its stable key, where it is in the *regional* file, and its validation.

    A named tuple (immutable, compared and hashed by its fields): a split record holds
    one per input, and a consolidation run loads hundreds of records."""

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> "InputField":
        self = super().__new__(cls, *args, **kwargs)
        if self.kind not in KINDS:
            raise ValueError(f"input {self.key!r}: kind {self.kind!r} is not one of {KINDS}")
        return self

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"key": key_to_json(self.key), "sheet": self.sheet, "cell": self.cell, "kind": self.kind}
        if self.minimum is not None:
            d["min"] = str(self.minimum)
        if self.maximum is not None:
            d["max"] = str(self.maximum)
        if self.choices:
            d["choices"] = list(self.choices)
        if self.label:
            d["label"] = self.label
        if self.slot is not None:
            d["slot"] = self.slot
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "InputField":
        return cls(key_from_json(d["key"]), d["sheet"], d["cell"], d.get("kind", "number"),
                   _dec(d.get("min")), _dec(d.get("max")), tuple(d.get("choices", ())), d.get("label", ""),
                   d.get("slot"))

    def expected(self) -> str:
        what = {"number": "a number", "integer": "a whole number", "percent": "a percentage",
                "text": "text", "bool": "yes/no (是/否)", "date": "a date",
                "choice": "one of " + " / ".join(self.choices)}[self.kind]
        if self.minimum is not None and self.maximum is not None:
            what += f" between {self.minimum} and {self.maximum}"
        elif self.minimum is not None:
            what += f" ≥ {self.minimum}"
        elif self.maximum is not None:
            what += f" ≤ {self.maximum}"
        return what + ", or blank"


@dataclass(frozen=True)
class Stamp:
    month: str
    region: str
    plan_version: str
    layout_version: str
    split_id: str
    manifest_digest: str = ""

    _FIELDS = ("month", "region", "plan_version", "layout_version", "split_id", "manifest_digest")

    def properties(self) -> dict[str, str]:
        return {STAMP_PREFIX + f: getattr(self, f) for f in self._FIELDS}

    @classmethod
    def from_properties(cls, props: Mapping[str, Any]) -> "Stamp | None":
        if not all(STAMP_PREFIX + f in props for f in cls._FIELDS[:5]):
            return None
        return cls(*(str(props.get(STAMP_PREFIX + f, "")) for f in cls._FIELDS))


def new_split_id() -> str:
    return uuid.uuid4().hex


def plan_version(config: Any) -> str:
    """A short, stable hash of the director's plan configuration.

    Excluded: ``source`` (a path) and what regional managers type — each region's
    ``focus_target`` and ``reps`` — so merging a manager's inputs never changes the
    plan version the other regions' files were split under.
    """
    if dataclasses.is_dataclass(config) and hasattr(config, "regions"):
        config = dataclasses.replace(config, regions=tuple(
            dataclasses.replace(r, **{k: v for k, v in (("focus_target", None), ("reps", ()))
                                      if hasattr(r, k)}) for r in config.regions))
    def norm(x: Any) -> Any:
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            return {f.name: norm(getattr(x, f.name)) for f in dataclasses.fields(x) if f.name != "source"}
        if isinstance(x, Mapping):
            return {str(k): norm(v) for k, v in sorted(x.items(), key=lambda kv: str(kv[0]))}
        if isinstance(x, (list, tuple)):
            return [norm(v) for v in x]
        if isinstance(x, (bool, int, str)) or x is None:
            return x
        return str(x)

    text = json.dumps(norm(config), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "v" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_name(text: str) -> str:
    return _UNSAFE.sub("_", text).strip(" .") or "_"


def sidecar_dir(plan_path: str | os.PathLike) -> Path:
    p = Path(plan_path)
    return p.parent / f"{p.stem}.splits"


def sidecar_path(plan_path: str | os.PathLike, region: str) -> Path:
    return sidecar_dir(plan_path) / f"{safe_name(region)}.json"


@dataclass
class SplitManifest:
    split_id: str
    month: str
    region: str
    plan_version: str
    layout_version: str
    split_time: str
    master: str
    regional_file: str
    inputs: list[InputField]
    base: dict[Hashable, Any]                         # key -> canonical value
    formulas: dict[str, dict[str, str]]               # sheet -> cell -> formula hash
    cells: dict[str, dict[str, str]]                  # sheet -> cell -> value hash (non-input, non-formula)
    unlocked: dict[str, list[str]] = field(default_factory=dict)   # non-input cells left unlocked
    sheets: list[str] = field(default_factory=list)   # the regional workbook's sheets, in order
    history: list[dict[str, Any]] = field(default_factory=list)
    digest: str = ""                                  # of the split-time content; set by seal()

    def stamp(self) -> Stamp:
        return Stamp(self.month, self.region, self.plan_version, self.layout_version, self.split_id, self.digest)

    def index(self) -> "ManifestIndex":
        """Lookup tables for checking a file (built once, cached)."""
        idx = self.__dict__.get("_index")
        if idx is None:
            idx = ManifestIndex(self)
            self.__dict__["_index"] = idx
        return idx

    def drop_lookups(self) -> None:
        """Forget the lookup tables built for checking a file (a run keeps every merged
        region's record until it is saved; the tables would double its memory)."""
        for name in ("_index", "_input_layout", "_layout_fields", "_layout_positions", "_layout_cover"):
            self.__dict__.pop(name, None)

    # The inputs are held as runs: the list given to the constructor (one run), or, for
    # a record loaded from format 3, its grids and columns, whose InputFields are built
    # only when ``inputs`` is read. Keys, cells and the check plan come from the runs.
    def _get_inputs(self) -> list[InputField]:
        d = self.__dict__
        fs = d.get("_inputs")
        if fs is None:
            fs = d["_inputs"] = _inputs_of_runs(d["_runs"], self._all_keys())
            d["_runs"] = [fs]                   # (a caller may change the list in place)
        return fs

    def _set_inputs(self, fs: list[InputField]) -> None:
        self._set_runs([fs])
        self.__dict__["_inputs"] = fs

    def _set_runs(self, runs: list["list[InputField] | _GridRun"]) -> None:
        d = self.__dict__
        if "_base_col" in d:
            self._get_base()                    # (the column is aligned with the old inputs)
        for name in ("_inputs", "_every_key", "_input_keys", "_index", "_input_layout", "_layout_fields",
                     "_layout_positions", "_layout_cover"):
            d.pop(name, None)
        d["_runs"] = runs

    def _input_count(self) -> int:
        return sum(map(len, self.__dict__["_runs"]))

    def _all_keys(self) -> list[Hashable]:
        """Every input's key in registry order, repeats included (built once, cached)."""
        cached = self.__dict__.get("_every_key")
        n = self._input_count()
        if cached is None or cached[0] != n:
            cached = self.__dict__["_every_key"] = (n, _keys_of_runs(self.__dict__["_runs"]))
        return cached[1]

    def input_keys(self) -> list[Hashable]:
        """The inputs' distinct keys in registry order (built once, cached)."""
        cached = self.__dict__.get("_input_keys")
        n = self._input_count()
        if cached is None or cached[0] != n:
            cached = self.__dict__["_input_keys"] = (n, list(dict.fromkeys(self._all_keys())))
        return cached[1]

    def input_layout(self) -> dict[str, tuple[list[str], list[Hashable], list[InputField]]]:
        """sheet → (cells, keys, fields) of its inputs in registry order, cells normalised
        (``"B5"``), one entry per cell (a repeated cell: the later input, as in a dict).
        A grid's fields are its :class:`InputColumn`\\ s, one per field repeated for every
        row (:meth:`InputColumn.at` gives the row's own field). Built once, cached."""
        cached = self.__dict__.get("_input_layout")
        if cached is not None and cached[0] == self._input_count():
            return cached[1]
        keys = self._all_keys()
        # sheet -> its runs' (cells, keys, fields, the grid if its cells are distinct, first key's index)
        pieces: dict[str, list[tuple[list[str], list[Hashable], list[InputField], _GridRun | None, int]]] = {}
        distinct: dict[str, list[InputField]] = {}      # sheet -> its field objects, each once
        at = 0
        for r in self.__dict__["_runs"]:
            n = len(r)
            rk = keys[at:at + n]
            at += n
            if type(r) is _GridRun:
                cols = r.columns()
                # a grid's cells are distinct (one per row × column) unless two fields share a column
                fcols = [f[1] for f in r.fields]
                pieces.setdefault(r.sheet, []).append((r.cells(), rk, cols * len(r.rows),
                                                       r if len(set(fcols)) == len(fcols) else None, at - n))
                distinct.setdefault(r.sheet, []).extend(cols)
                continue
            sheets, cells = list(map(_SHEET, r)), _normal_cells(list(map(_CELL, r)))
            if len(set(sheets)) == 1:           # the usual run: one sheet
                pieces.setdefault(sheets[0], []).append((cells, rk, r, None, at - n))
                distinct.setdefault(sheets[0], []).extend(r)
            else:
                for sheet, cell, key, f in zip(sheets, cells, rk, r):
                    pieces.setdefault(sheet, []).append(([cell], [key], [f], None, -1))
                    distinct.setdefault(sheet, []).append(f)
        out: dict[str, tuple[list[str], list[Hashable], list[InputField]]] = {}
        positions: dict[str, list[int]] = {}
        # sheet -> (its grids' cell sets, shared by a layout's records; the other input cells)
        cover: dict[str, tuple[list[frozenset[str]], list[str]]] = {
            sheet: ([p[3].cell_set() for p in ps if p[3] is not None],
                    list(chain.from_iterable(p[0] for p in ps if p[3] is None))) for sheet, ps in pieces.items()}
        distinct_keys = self.input_keys() is keys
        for sheet, ps in pieces.items():
            # the sheet's cells and positions depend on its pieces' geometry alone, which
            # every region of a split shares: built once, the lists shared (nobody changes them)
            cells, distinct_cells, pos = _sheet_geometry(ps, distinct_keys)
            if len(ps) == 1 and ps[0][3] is not None:
                # one grid on the sheet (a region tab): its lists as they are
                out[sheet] = ps[0][:3]
                if pos is not None:
                    positions[sheet] = pos
                continue
            ks = list(chain.from_iterable(p[1] for p in ps))
            fs = list(chain.from_iterable(p[2] for p in ps))
            if not distinct_cells:                  # a cell registered twice: the later input
                by_cell = dict(zip(cells, zip(ks, fs)))
                cells, ks, fs = list(by_cell), [k for k, _ in by_cell.values()], [f for _, f in by_cell.values()]
            elif pos is not None:
                positions[sheet] = pos
            out[sheet] = (cells, ks, fs)
        if len(positions) < len(out):
            # where each sheet's input keys are among input_keys() (a key's first place)
            where: dict[Hashable, int] = {}
            for i, k in enumerate(self.input_keys()):
                where.setdefault(k, i)
            for sheet, (_, ks, _) in out.items():
                if sheet not in positions:
                    positions[sheet] = list(map(where.__getitem__, ks))
        self.__dict__["_input_layout"] = (self._input_count(), out)
        self.__dict__["_layout_fields"] = distinct
        self.__dict__["_layout_positions"] = positions
        self.__dict__["_layout_cover"] = cover
        return out

    def layout_positions(self, sheet: str) -> list[int]:
        """For each input of :meth:`input_layout`'s ``sheet``, the index of its key in
        :meth:`input_keys` (where the checks put its value and find its base)."""
        self.input_layout()
        return self.__dict__["_layout_positions"].get(sheet, [])

    def layout_fields(self, sheet: str) -> list[InputField]:
        """The field objects of :meth:`input_layout` for ``sheet``, each listed once or a few
        times (a grid's columns, the loose inputs' own fields): what the checks key their
        verdict memos on, without walking every input."""
        self.input_layout()
        return self.__dict__["_layout_fields"].get(sheet, [])

    def key_families(self) -> frozenset[Hashable]:
        """The families of the inputs' keys (a key's first two parts; a key that is no
        tuple is its own family): two records can share a key only if they share a family
        — one family per table of a region, so a run checks overlaps in a handful of
        steps instead of one lookup per key."""
        fams: set[Hashable] = set()
        for r in self.__dict__["_runs"]:
            if type(r) is _GridRun and len(r.prefix) >= 2:
                fams.add(r.prefix[:2])
            else:
                fams.update(map(key_family, r.keys() if type(r) is _GridRun else map(_KEY, r)))
        return frozenset(fams)

    def input_slots(self) -> Iterator[tuple[Hashable, int | None]]:
        """(key, slot) of every input in registry order, without building the InputFields."""
        runs = self.__dict__["_runs"]
        slots = chain.from_iterable(r.slots() if type(r) is _GridRun else map(_SLOT, r) for r in runs)
        return zip(self._all_keys(), slots)

    # The base: a dict (key -> canonical value), or — for a loaded record, until someone
    # reads ``base`` — the record's column aligned with the inputs, so a clean consolidation
    # hashes no key to find a base value (see base_aligned / set_base_aligned).
    def _get_base(self) -> dict[Hashable, Any]:
        d = self.__dict__
        b = d.get("_base")
        if b is None:
            col, other = d.pop("_base_col"), d.pop("_other_base")
            b = dict(zip(self._all_keys(), col))
            b.update(other)
            d["_base"] = b
        return b

    def _set_base(self, base: dict[Hashable, Any]) -> None:
        d = self.__dict__
        d.pop("_base_col", None)
        d.pop("_other_base", None)
        d["_base"] = base

    def base_aligned(self) -> list[Any]:
        """The base value of each of :meth:`input_keys` (a list the caller must not change)."""
        d = self.__dict__
        col = d.get("_base_col")
        keys = self.input_keys()
        if col is not None and keys is self._all_keys():      # distinct keys: the column itself
            return col
        return list(map(self._get_base().get, keys))

    def set_base_aligned(self, values: list[Any]) -> None:
        """Set the base of each of :meth:`input_keys` (``values`` aligned with them)."""
        d = self.__dict__
        keys = self.input_keys()
        if len(values) != len(keys):
            raise ValueError("set_base_aligned: one value per input key")
        if "_base_col" in d and keys is self._all_keys():
            d["_base_col"] = values
        else:
            self._set_base({**self._get_base(), **dict(zip(keys, values))})

    def input_by_key(self) -> dict[Hashable, InputField]:
        return {f.key: f for f in self.inputs}

    def _meta(self) -> dict[str, Any]:
        """Everything of the split-time content but the inputs."""
        return {
            "split_id": self.split_id, "month": self.month, "region": self.region,
            "plan_version": self.plan_version, "layout_version": self.layout_version,
            "split_time": self.split_time, "master": self.master, "regional_file": self.regional_file,
            "sheets": self.sheets, "formulas": self.formulas, "cells": self.cells, "unlocked": self.unlocked,
        }

    def _content(self) -> dict[str, Any]:
        """The split-time content the seal covers (one object per input, as in format 1)."""
        return dict(self._meta(), inputs=[dict(f.to_json(), base=encode(self.base.get(f.key))) for f in self.inputs])

    def seal(self) -> str:
        """Fix the digest of the split-time content (before the stamp is written)."""
        text = json.dumps(self._content(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        self.digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
        return self.digest

    def to_json(self) -> dict[str, Any]:
        """The sidecar's content (format 3: the inputs stored as runs — a table's rows ×
        fields as one grid, anything else column by column — so that a record of hundreds
        of inputs is ~4× smaller than in format 2 and parses that much faster)."""
        d: dict[str, Any] = {"format": MANIFEST_FORMAT, "format_version": MANIFEST_VERSION, "digest": self.digest}
        d.update(self._meta())
        d["inputs"] = [x for r in self.__dict__["_runs"]
                       for x in ([r.to_json()] if type(r) is _GridRun else _runs_to_json(r))]
        # the current base (moves after each consolidation; see merge.MergeResult.new_base),
        # aligned with the inputs; keys that are no input (none, normally) listed apart
        all_keys = self._all_keys()
        keys = set(all_keys)
        d["base"] = [encode(self.base.get(k)) for k in all_keys]
        d["other_base"] = [[key_to_json(k), encode(v)] for k, v in self.base.items() if k not in keys]
        d["history"] = self.history
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "SplitManifest":
        if d.get("format") != MANIFEST_FORMAT:
            raise ValueError("not a salesplan split manifest")
        version = int(d.get("format_version", 0))
        if version > MANIFEST_VERSION:
            raise ValueError(f"manifest format {d.get('format_version')} is newer than this salesplan")
        if version >= 2:
            # format 3: runs (grids and columns; a grid's InputFields are built only when
            # asked for); format 2: one set of columns
            runs = _runs_from_json(d["inputs"]) if version >= 3 else [_columns_from_json(d["inputs"])]
            m = cls(d["split_id"], d["month"], d["region"], d["plan_version"], d["layout_version"],
                    d["split_time"], d.get("master", ""), d.get("regional_file", ""), [], {},
                    {s: dict(c) for s, c in d.get("formulas", {}).items()},
                    {s: dict(c) for s, c in d.get("cells", {}).items()},
                    {s: list(c) for s, c in d.get("unlocked", {}).items()},
                    list(d.get("sheets", [])), list(d.get("history", [])), d.get("digest", ""))
            m._set_runs(runs)
            keys = m._all_keys()
            col, other, distinct = _base_from_json(d, runs, keys)
            if distinct:
                # (the usual record) the distinct keys without hashing them again, and the
                # base kept as its column until someone reads ``base``
                m.__dict__["_input_keys"] = (len(keys), keys)
                m.__dict__.pop("_base", None)
                m.__dict__["_base_col"], m.__dict__["_other_base"] = col, other
            else:
                base = dict(zip(keys, col))
                base.update(other)
                m.base = base
            return m
        else:
            inputs = [InputField.from_json(x) for x in d["inputs"]]
            base = {f.key: decode(x.get("base")) for f, x in zip(inputs, d["inputs"])}
            if "current_base" in d:
                # the inputs' own key objects, so later lookups hit on identity first
                same = {f.key: f.key for f in inputs}
                base = {(k := key_from_json(jk), same.get(k, k))[1]: decode(v) for jk, v in d["current_base"]}
        return cls(d["split_id"], d["month"], d["region"], d["plan_version"], d["layout_version"],
                   d["split_time"], d.get("master", ""), d.get("regional_file", ""), inputs, base,
                   {s: dict(c) for s, c in d.get("formulas", {}).items()},
                   {s: dict(c) for s, c in d.get("cells", {}).items()},
                   {s: list(c) for s, c in d.get("unlocked", {}).items()},
                   list(d.get("sheets", [])), list(d.get("history", [])), d.get("digest", ""))

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # compact: a region's record is read back once per consolidated file
        text = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"), sort_keys=False)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "SplitManifest":
        # bytes: json decodes UTF-8 itself, without the text layer's newline translation
        return cls.from_json(load_json(Path(path).read_bytes()))


def _columns_to_json(fs: list[InputField]) -> dict[str, list[Any]]:
    """Inputs column by column (format 2's ``inputs``, format 3's ``columns`` run)."""
    return {
        "key": [key_to_json(f.key) for f in fs], "sheet": [f.sheet for f in fs], "cell": [f.cell for f in fs],
        "kind": [f.kind for f in fs],
        "min": [None if f.minimum is None else str(f.minimum) for f in fs],
        "max": [None if f.maximum is None else str(f.maximum) for f in fs],
        "choices": [list(f.choices) if f.choices else None for f in fs], "label": [f.label for f in fs],
        "slot": [f.slot for f in fs],
    }


def _columns_from_json(cols: Mapping[str, Any]) -> list[InputField]:
    names = ("key", "sheet", "cell", "kind", "min", "max", "choices", "label", "slot")
    n = len(cols["key"])
    if any(len(cols.get(c, ())) != n for c in names):
        raise ValueError("split record: input columns of different lengths")
    bad = set(cols["kind"]) - set(KINDS)
    if bad:
        raise ValueError(f"split record: input kind {sorted(bad)[0]!r} is not one of {KINDS}")
    # built straight from the columns (kinds checked above): no per-input Python frame
    keys = _keys_from_json(cols["key"])
    # equal bounds become one Decimal object (its hash is computed once, not per input);
    # a blank bound (None) is no key of ``bounds``, so .get gives None
    bounds = {x: Decimal(str(x)) for x in {*cols["min"], *cols["max"]} if x is not None}
    make = partial(tuple.__new__, InputField)
    return list(map(make, zip(
        keys, cols["sheet"], cols["cell"], cols["kind"], map(bounds.get, cols["min"]), map(bounds.get, cols["max"]),
        [tuple(x) if x else () for x in cols["choices"]], [x or "" for x in cols["label"]], cols["slot"])))


def _base_from_json(d: Mapping[str, Any], runs: list["list[InputField] | _GridRun"],
                    keys: list[Hashable]) -> tuple[list[Any], list[tuple[Hashable, Any]], bool]:
    """(the base column aligned with ``keys``, decoded; the ``other_base`` pairs; whether
    ``keys`` are all distinct)."""
    col = d["base"]
    if type(col) is not list or len(col) != len(keys):
        raise ValueError("split record: base and inputs of different lengths")
    other = [(key_from_json(k), decode(v)) for k, v in d.get("other_base", ())]
    return _decode_column(col), other, _distinct_keys(runs, keys)


_SHEET_GEOMETRY: dict[tuple[Any, ...], tuple[list[str], bool, list[int] | None]] = {}


def _sheet_geometry(pieces: list[tuple[list[str], list[Hashable], list[InputField], "_GridRun | None", int]],
                    distinct_keys: bool) -> tuple[list[str], bool, list[int] | None]:
    """(the sheet's input cells, in order; whether they are all distinct; each input's
    index among the record's input keys, or None when those are not simply the pieces'
    places) for a sheet's pieces (see input_layout). They depend only on the pieces'
    geometry — a grid's columns, first row and rows, a loose piece's cells, where each
    starts among the keys — so the records of one split share one result (a cache of the
    last 64 geometries, emptied by checks.clear_caches)."""
    geometry = (distinct_keys, tuple((p[3].geometry() if p[3] is not None else tuple(p[0]), p[4], len(p[1]))
                                     for p in pieces))
    got = _SHEET_GEOMETRY.get(geometry)
    if got is None:
        if len(pieces) == 1 and pieces[0][3] is not None:
            cells, distinct = pieces[0][0], True
        else:
            cells, distinct = list(chain.from_iterable(p[0] for p in pieces)), _distinct_cells(pieces)
        pos = list(chain.from_iterable(range(p[4], p[4] + len(p[1])) for p in pieces)) \
            if distinct and distinct_keys and all(p[4] >= 0 for p in pieces) else None
        if len(_SHEET_GEOMETRY) >= 64:
            _SHEET_GEOMETRY.clear()
        got = _SHEET_GEOMETRY[geometry] = (cells, distinct, pos)
    return got


def _distinct_cells(pieces: list[tuple[list[str], list[Hashable], list[Any], "_GridRun | None", int]]) -> bool:
    """Whether the cells of a sheet's pieces (see input_layout) are all distinct: one
    grid's (distinct by construction) and a few loose cells outside it, or by a set."""
    grids = [p[3] for p in pieces if p[3] is not None]
    if len(grids) <= 1:
        loose = [c for p in pieces if p[3] is None for c in p[0]]
        if len(set(loose)) == len(loose) and (not grids or grids[0].cell_set().isdisjoint(loose)):
            return True
    cells = [c for p in pieces for c in p[0]]
    return len(set(cells)) == len(cells)


def _distinct_keys(runs: list["list[InputField] | _GridRun"], keys: list[Hashable]) -> bool:
    """Whether ``keys`` (those of ``runs``) are all distinct. Grids alone decide without
    hashing a key: a grid's keys are distinct when its row ids and field names are, and
    two grids' keys never meet when their prefixes differ."""
    grids = [r for r in runs if type(r) is _GridRun]
    prefixes = [g.prefix for g in grids]
    if len(set(prefixes)) == len(prefixes) and all(g.distinct_keys() for g in grids):
        # the loose inputs' keys (a few): distinct among themselves and in no grid
        loose = [f[0] for r in runs if type(r) is not _GridRun for f in r]
        if len(set(loose)) == len(loose) and not any(g.has_key(k) for g in grids for k in loose):
            return True
    return len(set(keys)) == len(keys)


def _decode_column(col: list[Any]) -> list[Any]:
    """``list(map(decode, col))``, the usual shapes inline: blank (None), text, and
    numbers (``{"n": "1"}``; equal ones become one Decimal object)."""
    if _decode_column_c is not None and type(col) is list:
        return _decode_column_c(col, decode)
    return _decode_column_py(col)


def _decode_column_py(col: list[Any]) -> list[Any]:
    """:func:`_decode_column` in Python (the C helper in _cellscan does the same)."""
    numbers: dict[str, Decimal] = {}
    out: list[Any] = []
    append = out.append
    for v in col:
        if v is None:
            append(None)
        elif type(v) is str:
            append(v if v.strip() else None)          # canon(): blank text is None
        elif type(v) is dict and len(v) == 1 and type(v.get("n")) is str:
            n = numbers.get(v["n"])
            if n is None:
                n = numbers[v["n"]] = decode(v)
            append(n)
        else:
            append(decode(v))
    return out


# --- format 3: the inputs as runs ---------------------------------------------------------
# A table's inputs — rows × fields, key = prefix + (row id, field), cell = the field's
# column + (first row + n), slot = first slot + n (or none), validation per field — are
# stored as one grid: the prefix, the row ids and one spec per field. Everything else (and
# a table of one row) is stored column by column, as in format 2. The runs keep the
# registry order, so the inputs load back equal and in order.

_GRID_CELL = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_SCALARS = (str, int)                   # key parts a grid holds as they are (not bool, not nested)


def _grid_parts(f: InputField) -> tuple[tuple[Any, ...], Any, Any, str, int] | None:
    """(prefix, row id, field, column, row) of an input a grid can hold, else None."""
    key = f.key
    if type(key) is not tuple or len(key) < 2 or not all(type(x) in _SCALARS for x in key):
        return None
    m = _GRID_CELL.fullmatch(f.cell)
    if m is None or (f.slot is not None and type(f.slot) is not int) or type(f.sheet) is not str:
        return None
    return key[:-2], key[-2], key[-1], m.group(1), int(m.group(2))


def _spec(f: InputField) -> tuple[Any, ...]:
    return (f.kind, f.minimum, f.maximum, f.choices, f.label)


def _grid_at(fs: list[InputField], i: int) -> tuple[dict[str, Any] | None, int]:
    """(the grid of two rows or more starting at ``fs[i]``, the index after it), or
    (None, the index after what is stored column by column instead: the would-be first
    row — so that saving stays linear in the number of inputs, whatever their layout)."""
    first = _grid_parts(fs[i])
    if first is None:
        return None, i + 1
    prefix, who, _, _, row0 = first
    sheet, slot0 = fs[i].sheet, fs[i].slot
    fields: list[tuple[Any, str, tuple[Any, ...]]] = []       # (field, column, spec) of the first row
    names: set[Any] = set()
    j = i
    while j < len(fs):
        g = _grid_parts(fs[j])
        if (g is None or g[0] != prefix or g[1] != who or g[4] != row0 or fs[j].sheet != sheet
                or fs[j].slot != slot0 or g[2] in names):
            break
        names.add(g[2])
        fields.append((g[2], g[3], _spec(fs[j])))
        j += 1
    width = len(fields)
    rows = [who]
    while j + width <= len(fs):                                # the next rows, laid out alike
        r = len(rows)
        slot = None if slot0 is None else slot0 + r
        block = fs[j:j + width]
        parts = [_grid_parts(f) for f in block]
        if any(g is None for g in parts):
            break
        row_who = parts[0][1]
        if not all(g[0] == prefix and g[1] == row_who and g[2] == name and g[3] == col and g[4] == row0 + r
                   and f.sheet == sheet and f.slot == slot and _spec(f) == spec
                   for g, f, (name, col, spec) in zip(parts, block, fields)):
            break
        rows.append(row_who)
        j += width
    if len(rows) < 2:
        return None, j
    return {"grid": {
        "sheet": sheet, "prefix": list(prefix), "first_row": row0, "first_slot": slot0, "rows": rows,
        "fields": [[name, col, kind, None if lo is None else str(lo), None if hi is None else str(hi),
                    list(ch) if ch else None, label] for name, col, (kind, lo, hi, ch, label) in fields],
    }}, j


def _runs_to_json(fs: list[InputField]) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    loose: list[InputField] = []
    i = 0
    while i < len(fs):
        grid, j = _grid_at(fs, i)
        if grid is None:
            loose.extend(fs[i:j])
        else:
            if loose:
                runs.append({"columns": _columns_to_json(loose)})
                loose = []
            runs.append(grid)
        i = j
    if loose:
        runs.append({"columns": _columns_to_json(loose)})
    return runs


def _runs_from_json(runs: Any) -> list["list[InputField] | _GridRun"]:
    """The runs of a format-3 record: a list of inputs for a ``columns`` run, a
    :class:`_GridRun` (inputs not built yet) for a ``grid``."""
    if type(runs) is not list:
        raise ValueError("split record: inputs are no list of runs")
    out: list[list[InputField] | _GridRun] = []
    for run in runs:
        if type(run) is dict and "columns" in run:
            out.append(_columns_from_json(run["columns"]))
        elif type(run) is dict and "grid" in run:
            out.append(_grid_from_json(run["grid"]))
        else:
            raise ValueError(f"split record: an input run that is no grid and no columns: {str(run)[:80]!r}")
    return out


def _keys_of_runs(runs: list["list[InputField] | _GridRun"]) -> list[Hashable]:
    """Every input's key, in registry order."""
    return list(chain.from_iterable(r.keys() if type(r) is _GridRun else map(_KEY, r) for r in runs))


def _inputs_of_runs(runs: list["list[InputField] | _GridRun"], keys: list[Hashable]) -> list[InputField]:
    out: list[InputField] = []
    at = 0
    for r in runs:
        n = len(r)
        out.extend(r.inputs(keys[at:at + n]) if type(r) is _GridRun else r)
        at += n
    return out


class InputColumn(InputField):
    """A grid field's validation without its row: ``key`` and ``cell`` are None. A check
    plan holds one per field for all the grid's rows; :meth:`at` gives the row's own
    :class:`InputField` when a cell needs judging in full."""

    __slots__ = ()

    def at(self, key: Hashable, cell: str, slot: int | None = None) -> InputField:
        return tuple.__new__(InputField, (key, self.sheet, cell, self.kind, self.minimum, self.maximum,
                                          self.choices, self.label, slot))


_GRID_CELLS: dict[tuple[tuple[str, ...], int, int], list[str]] = {}   # (columns, first row, rows) -> cells
_GRID_CELL_SETS: dict[int, tuple[list[str], frozenset[str]]] = {}     # id(cells) -> (cells, as a set)


class _GridRun:
    """A format-3 grid as loaded: its inputs (one :class:`InputField` each) are built only
    when something asks for them; checking and merging a file need only its keys, cells
    and one :class:`InputColumn` per field."""

    __slots__ = ("sheet", "prefix", "rows", "first_row", "first_slot", "fields")

    def __init__(self, sheet: str, prefix: tuple[Any, ...], rows: list[Any], first_row: int,
                 first_slot: int | None, fields: list[tuple[Any, ...]]):
        self.sheet, self.prefix, self.rows = sheet, prefix, rows
        self.first_row, self.first_slot, self.fields = first_row, first_slot, fields

    def __len__(self) -> int:
        return len(self.rows) * len(self.fields)

    def keys(self) -> list[tuple[Any, ...]]:
        """prefix + (row id, field) of each input, rows × fields (built in C by product)."""
        return list(product(*[(x,) for x in self.prefix], self.rows, [f[0] for f in self.fields]))

    def has_key(self, key: Hashable) -> bool:
        """Whether ``key`` is one of the grid's keys."""
        n = len(self.prefix)
        return (type(key) is tuple and len(key) == n + 2 and key[:n] == self.prefix
                and key[n] in set(self.rows) and key[n + 1] in {f[0] for f in self.fields})

    def cell_set(self) -> frozenset[str]:
        """:meth:`cells` as a set (shared by the records of one layout, like the list)."""
        cells = self.cells()
        got = _GRID_CELL_SETS.get(id(cells))
        if got is None or got[0] is not cells:
            if len(_GRID_CELL_SETS) >= 64:
                _GRID_CELL_SETS.clear()
            got = _GRID_CELL_SETS[id(cells)] = (cells, frozenset(cells))
        return got[1]

    def distinct_keys(self) -> bool:
        """Whether the grid's keys are all distinct (its row ids and field names are)."""
        names = [f[0] for f in self.fields]
        return len(set(self.rows)) == len(self.rows) and len(set(names)) == len(names)

    def geometry(self) -> tuple[tuple[str, ...], int, int]:
        """(the fields' columns, the first row, the number of rows): what places the cells."""
        return tuple(f[1] for f in self.fields), self.first_row, len(self.rows)

    def cells(self) -> list[str]:
        """Each input's cell, rows × fields (a shared list: do not change it)."""
        geometry = self.geometry()
        cols = geometry[0]
        cells = _GRID_CELLS.get(geometry)
        if cells is None:
            # every region of a split has the same table layout: its cells are built once
            if len(_GRID_CELLS) >= 64:
                _GRID_CELLS.clear()
            cells = _GRID_CELLS[geometry] = [
                c + r for r in map(str, range(self.first_row, self.first_row + len(self.rows))) for c in cols]
        return cells

    def slots(self) -> Iterator[int | None]:
        """Each input's slot (its table row), rows × fields."""
        width = len(self.fields)
        if self.first_slot is None:
            return repeat(None, len(self))
        return chain.from_iterable(repeat(s, width) for s in range(self.first_slot, self.first_slot + len(self.rows)))

    def columns(self) -> list[InputColumn]:
        return [tuple.__new__(InputColumn, (None, self.sheet, None, kind, lo, hi, ch, label, None))
                for _, _, kind, lo, hi, ch, label in self.fields]

    def inputs(self, keys: list[Hashable]) -> list[InputField]:
        """The grid's inputs, with ``keys`` (those of :meth:`keys`, so they are the same objects)."""
        return [col.at(key, cell, slot)
                for key, cell, col, slot in zip(keys, self.cells(), cycle(self.columns()), self.slots())]

    def to_json(self) -> dict[str, Any]:
        return {"grid": {
            "sheet": self.sheet, "prefix": list(self.prefix), "first_row": self.first_row,
            "first_slot": self.first_slot, "rows": list(self.rows),
            "fields": [[name, col, kind, None if lo is None else str(lo), None if hi is None else str(hi),
                        list(ch) if ch else None, label] for name, col, kind, lo, hi, ch, label in self.fields]}}


def _grid_from_json(g: Mapping[str, Any]) -> _GridRun:
    sheet, prefix, rows, row0, slot0 = g["sheet"], g["prefix"], g["rows"], g["first_row"], g["first_slot"]
    scalars = set(_SCALARS)
    if (type(sheet) is not str or type(prefix) is not list or not set(map(type, prefix)) <= scalars
            or type(rows) is not list or not set(map(type, rows)) <= scalars
            or type(row0) is not int or row0 < 1 or (slot0 is not None and type(slot0) is not int)):
        raise ValueError("split record: a malformed input grid")
    fields = []
    for x in g["fields"]:
        name, col, kind, lo, hi, ch, label = x
        if type(name) not in scalars or type(col) is not str or not col.isalpha() or kind not in KINDS:
            raise ValueError(f"split record: a malformed input grid field {x!r}")
        fields.append((_intern(name), col, kind, _dec(lo), _dec(hi), tuple(ch) if ch else (), label or ""))
    # the key parts every input of the grid shares, interned: a key then equals the same
    # key of another record, or of the master, by identity of its parts (a lookup in the
    # master's table compares no text)
    return _GridRun(sheet, tuple(map(_intern, prefix)), rows, row0, slot0, fields)


def _intern(x: Any) -> Any:
    return sys.intern(x) if type(x) is str else x


def _keys_from_json(col: list[Any]) -> list[Hashable]:
    """``map(key_from_json, col)``, in one step for the usual column of flat lists."""
    if set(map(type, col)) == {list} and list not in set(map(type, chain.from_iterable(col))):
        return list(map(tuple, col))
    return list(map(key_from_json, col))


_KEY = itemgetter(0)       # of an InputField
_SHEET = itemgetter(1)
_CELL = itemgetter(2)
_SLOT = itemgetter(8)


class ManifestIndex:
    """Lookup tables for checking a file: the sheets, each sheet's unlocked non-input cells
    and every cell the split knows (inputs, formulas, fixed values); ``inputs`` (sheet →
    cell → :class:`InputField`) is built on first use — the fast checks need only
    :meth:`SplitManifest.input_layout`."""

    def __init__(self, m: SplitManifest):
        self._m = m
        self.sheets: list[str] = m.sheets or sorted(set(m.formulas) | set(m.cells) | set(m.input_layout()))
        self.unlocked = {s: frozenset(v) for s, v in m.unlocked.items()}

    def unknown_cells(self, sheet: str, present: Iterable[str]) -> set[str]:
        """The cells of ``present`` that the split wrote nothing into (usually none)."""
        m = self._m
        m.input_layout()
        grids, loose = m.__dict__["_layout_cover"].get(sheet, ((), ()))
        formulas, fixed = m.formulas.get(sheet, {}), m.cells.get(sheet, {})
        if _unknown_addresses_c is not None and type(present) is dict and type(formulas) is dict \
                and type(fixed) is dict:
            # in C, in one pass over the present cells (usually every one is known)
            return set(_unknown_addresses_c(present, (*grids, frozenset(loose), formulas, fixed)))
        # a grid's cells are a set already (shared by the layout's records): the first
        # difference makes a set of the few cells left, not of every cell present
        out = set(present) if not grids else (present.keys() if isinstance(present, Mapping)
                                              else set(present)) - grids[0]
        for g in grids[1:]:
            out.difference_update(g)
        out.difference_update(loose)
        out.difference_update(formulas)
        out.difference_update(fixed)
        return out

    @property
    def known(self) -> dict[str, frozenset[str]]:
        """sheet → every cell the split wrote: inputs, formulas, fixed values."""
        layout = self._m.input_layout()
        return {s: frozenset(layout[s][0] if s in layout else ()) | frozenset(self._m.formulas.get(s, {}))
                | frozenset(self._m.cells.get(s, {})) for s in self.sheets}

    @property
    def inputs(self) -> dict[str, dict[str, InputField]]:
        got = self.__dict__.get("_inputs")
        if got is None:
            m = self._m
            fields = m.inputs
            cells = _normal_cells(list(map(_CELL, fields)))
            got = self.__dict__["_inputs"] = {}
            for cell, f in zip(cells, fields):
                got.setdefault(f.sheet, {})[cell] = f
        return got


SplitManifest.inputs = property(SplitManifest._get_inputs, SplitManifest._set_inputs,  # type: ignore[assignment]
                                doc="Every input (InputField), in registry order.")
SplitManifest.base = property(SplitManifest._get_base, SplitManifest._set_base,  # type: ignore[assignment]
                              doc="key -> canonical value at the split (moved by each consolidation).")


def _normal_cells(cells: list[str]) -> list[str]:
    """``"$B$5"`` / ``"b5"`` → ``"B5"`` (checked in one step: usually all are normal already)."""
    joined = "".join(cells)
    if "$" in joined or not joined.isupper():
        return [c.replace("$", "").upper() for c in cells]
    return cells


def write_stamp(workbook: Any, stamp: Stamp) -> None:
    """Put the stamp into an openpyxl workbook's custom document properties (replacing old ones)."""
    from openpyxl.packaging.custom import StringProperty

    props = workbook.custom_doc_props
    for name in list(props.names):
        if name.startswith(STAMP_PREFIX):
            del props[name]
    for name, value in stamp.properties().items():
        props.append(StringProperty(name=name, value=value))


def read_stamp(xfile: Any) -> Stamp | None:
    """The stamp of an opened :class:`~salesplan.xlsx.lxml_reader.XlsxFile` (None when absent)."""
    return Stamp.from_properties(xfile.custom_properties)


def fingerprint_file(xfile: Any, inputs: Iterable[InputField]) -> tuple[
        dict[Hashable, Any], dict[str, dict[str, str]], dict[str, dict[str, str]], dict[str, list[str]]]:
    """(input values, formula hashes, other cells' value hashes, unlocked non-input cells) of a file."""
    by_sheet: dict[str, dict[str, InputField]] = {}
    for f in inputs:
        by_sheet.setdefault(f.sheet, {})[f.cell.replace("$", "").upper()] = f
    values: dict[Hashable, Any] = {}
    formulas: dict[str, dict[str, str]] = {}
    cells: dict[str, dict[str, str]] = {}
    unlocked: dict[str, list[str]] = {}
    for sheet in xfile.sheet_names:
        inp = by_sheet.get(sheet, {})
        fs: dict[str, str] = {}
        vs: dict[str, str] = {}
        ul: list[str] = []
        for addr, c in xfile.iter_cells(sheet):
            f = inp.get(addr)
            if f is not None:
                values[f.key] = canon(c.value) if c.formula is None else None
                continue
            if c.formula is not None:
                fs[addr] = formula_hash(c.formula)
            elif canon(c.value) is not None:
                vs[addr] = value_hash(c.value)
            if not xfile.is_locked(c.style) and (c.formula is not None or canon(c.value) is not None):
                ul.append(addr)
        formulas[sheet], cells[sheet] = fs, vs
        if ul:
            unlocked[sheet] = ul
    for f in inputs:
        values.setdefault(f.key, None)
    return values, formulas, cells, unlocked


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


_CT_CUSTOM = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def _xml_escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"))


def stamp_xlsx(path: str | os.PathLike, stamp: Stamp) -> None:
    """Write ``stamp`` into the custom document properties of an .xlsx on disk.

    Rewrites the zip entry by entry (no openpyxl round trip, so nothing else in the
    file changes): ``docProps/custom.xml`` gets the ``salesplan.*`` properties (other
    custom properties are kept), and ``[Content_Types].xml`` / ``_rels/.rels`` get
    their entries when the part is new. Atomic: written to a temp file, then replaced.
    """
    import zipfile

    from lxml import etree

    path = Path(path)
    ns_c = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
    ns_vt = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
    ns_rel = "http://schemas.openxmlformats.org/package/2006/relationships"
    ns_ct = "http://schemas.openxmlformats.org/package/2006/content-types"
    rel_custom = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    with zipfile.ZipFile(path) as zin:
        names = zin.namelist()
        custom_name = "docProps/custom.xml"
        rels = etree.fromstring(zin.read("_rels/.rels"), parser)
        for rel in rels.iter("{%s}Relationship" % ns_rel):
            if rel.get("Type") == rel_custom:
                custom_name = (rel.get("Target") or custom_name).lstrip("/")
                break
        else:
            ids = {rel.get("Id") for rel in rels}
            n = 1
            while f"rId{n}" in ids:
                n += 1
            etree.SubElement(rels, "{%s}Relationship" % ns_rel, Id=f"rId{n}", Type=rel_custom,
                             Target=custom_name)
        ct = etree.fromstring(zin.read("[Content_Types].xml"), parser)
        if not any(o.get("PartName") == "/" + custom_name for o in ct.iter("{%s}Override" % ns_ct)):
            etree.SubElement(ct, "{%s}Override" % ns_ct, PartName="/" + custom_name, ContentType=_CT_CUSTOM)
        kept: list[tuple[str, bytes]] = []
        if custom_name in names:
            old = etree.fromstring(zin.read(custom_name), parser)
            for prop in old.iter("{%s}property" % ns_c):
                if not (prop.get("name") or "").startswith(STAMP_PREFIX):
                    kept.append((prop.get("name") or "", etree.tostring(prop[0]) if len(prop) else b""))
        body = []
        pid = 2
        for name, vt in kept:
            body.append(f'<property fmtid="{_FMTID}" pid="{pid}" name="{_xml_escape(name)}">'.encode() + vt
                        + b"</property>")
            pid += 1
        for name, value in stamp.properties().items():
            body.append((f'<property fmtid="{_FMTID}" pid="{pid}" name="{_xml_escape(name)}">'
                         f'<vt:lpwstr>{_xml_escape(value)}</vt:lpwstr></property>').encode())
            pid += 1
        custom = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  + f'<Properties xmlns="{ns_c}" xmlns:vt="{ns_vt}">'.encode() + b"".join(body) + b"</Properties>")
        fd, tmp = tempfile.mkstemp(prefix=path.stem, suffix=".xlsx.tmp", dir=path.parent)
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
                for info in zin.infolist():
                    if info.filename == custom_name:
                        continue
                    if info.filename == "_rels/.rels":
                        data = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
                    elif info.filename == "[Content_Types].xml":
                        data = etree.tostring(ct, xml_declaration=True, encoding="UTF-8", standalone=True)
                    else:
                        data = zin.read(info)
                    zout.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                zout.writestr(custom_name, custom)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    os.replace(tmp, path)
