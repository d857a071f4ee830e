"""The input registry: where every typed input lives, and how regeneration keeps them.

Inputs have stable keys — (sheet role, region, row key, field):

* rep tables:   ("reps", region)   rows keyed by the rep's name, fields name/new_hire/weight/
                kpi:<key>/coaching/churn;
* phase tables: ("phases", region) rows keyed by phase number, fields rev:<product>/
                new_customers/complaints/response_hours/satisfaction/inventory;
* scalars:      ("focus_target", region);
* deals:        ("deals",) rows in report order, the deal columns;
* quiz:         ("quiz",) rows keyed by (week, place), fields region/rep;
* referrals:    ("referrals",) rows in order, fields region/partner/level/amount/reference.

The writer records each table's position (sheet, header row, first row, rows, field →
column) in the hidden ``_salesplan`` sheet. Reading an existing workbook locates the
tables from that record and *checks the header labels*; if the labels moved (rows
inserted with protection off), the header row is searched for instead.
Regeneration merges the old values into the new layout keyed by region, rep/phase and
field — never by address alone — and reports what it kept. Inputs that have no place
in the new layout (a removed region, product or KPI) make the merge fail loudly
unless the caller accepts dropping them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from salesplan.engine.actuals.cells import present
from salesplan.engine.records import (DEAL_FIELDS, PHASE_SCALARS, QUIZ_FIELDS, REFERRAL_FIELDS, REP_FIELDS, DealRow,
                                    PhaseRow, QuizRow, ReferralRow, RegionInput, RepRow, WorkbookInputs)
from salesplan.errors import Problem, WorkbookError



@dataclass
class InputTable:
    kind: str                     # "reps" | "phases" | "deals" | "scalar" | "quiz" | "referrals"
    key: tuple                    # ("reps", region) ...
    sheet: str
    header_row: int
    first_row: int
    n_rows: int
    fields: dict[str, int]        # field -> column
    headers: dict[str, str] = field(default_factory=dict)   # field -> header label (for locating)

    def to_row(self) -> list:
        return [self.kind, json.dumps(list(self.key), ensure_ascii=False), self.sheet, self.header_row,
                self.first_row, self.n_rows, json.dumps(self.fields, ensure_ascii=False),
                json.dumps(self.headers, ensure_ascii=False)]

    @classmethod
    def from_row(cls, row: list) -> "InputTable":
        kind, key, sheet, hdr, first, n, fields, headers = row[:8]
        return cls(kind, tuple(json.loads(key)), sheet, int(hdr), int(first), int(n), json.loads(fields),
                   json.loads(headers or "{}"))


@dataclass
class InputRegistry:
    tables: list[InputTable] = field(default_factory=list)

    def add(self, t: InputTable) -> None:
        self.tables.append(t)

    def find(self, key: tuple) -> InputTable | None:
        return next((t for t in self.tables if t.key == key), None)


@dataclass
class MergeReport:
    kept: list[tuple[tuple, Any]] = field(default_factory=list)    # (stable key, value)
    dropped: list[tuple[tuple, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.kept)

    def summary(self) -> str:
        by: dict[str, int] = {}
        for k, _ in self.kept:
            label = k[1] if k[0] in ("reps", "phases", "focus_target") else k[0]
            by[label] = by.get(label, 0) + 1
        parts = ", ".join(f"{n}: {c}" for n, c in by.items())
        return f"kept {self.count} typed value(s)" + (f" ({parts})" if parts else "")


# ------------------------------------------------------------------------------ reading

def read_registry(reader) -> tuple[dict[str, str], list[InputTable]]:
    """(meta, tables) from the hidden _salesplan sheet of an existing workbook."""
    from salesplan.workbook_templates.labels import META_SHEET
    if META_SHEET not in reader.sheet_names():
        raise WorkbookError([Problem("workbook", reader.sheet_names(), "a salesplan workbook (hidden _salesplan sheet)",
                                     "not-salesplan")])
    rows = reader.read_used_range(META_SHEET)
    meta: dict[str, str] = {}
    tables = []
    for row in rows:
        if not row or row[0] is None:
            continue
        if row[0] == "meta":
            meta[str(row[1])] = "" if row[2] is None else str(row[2])
        elif row[0] in ("reps", "phases", "deals", "scalar", "quiz", "referrals"):
            tables.append(InputTable.from_row(list(row) + [None] * 8))
    return meta, tables


def _locate(grid: list[list], t: InputTable) -> int:
    """The first data row of ``t`` in ``grid`` (1-based), checking the header labels."""
    def matches(r: int) -> bool:
        if r < 1 or r > len(grid):
            return False
        row = grid[r - 1]
        for f, label in t.headers.items():
            c = t.fields.get(f)
            if c is None:
                continue
            v = row[c - 1] if c - 1 < len(row) else None
            if (v or "") != label:
                return False
        return True
    if not t.headers or matches(t.header_row):
        return t.first_row
    for r in range(1, len(grid) + 1):
        if matches(r):
            return r + (t.first_row - t.header_row)
    raise WorkbookError([Problem(f"{t.sheet}", "header row not found",
                                 f"the table headers {list(t.headers.values())[:4]}…", "layout")])


def read_inputs(reader) -> tuple[dict[str, str], WorkbookInputs]:
    """Every typed input of an existing workbook, as the input model."""
    meta, tables = read_registry(reader)
    grids: dict[str, list[list]] = {}
    columns: dict[str, set[int]] = {}          # a sheet's input columns (the headers are in them too)
    for t in tables:
        columns.setdefault(t.sheet, set()).update(t.fields.values())
    names = set(reader.sheet_names())
    out = WorkbookInputs()
    for t in tables:
        if t.sheet not in grids:
            grids[t.sheet] = _read_sheet(reader, t.sheet, columns[t.sheet]) if t.sheet in names else []
        g = grids[t.sheet]
        first = _locate(g, t)
        rows = [{f: _cell(g, first + i, c) for f, c in t.fields.items()} for i in range(t.n_rows)]
        _READERS[t.kind](out, t, rows)
    return meta, out


def _read_sheet(reader, sheet: str, columns: set[int]) -> list[list]:
    """The sheet's grid; only the input columns where the engine can skip the rest
    (a master's deal and region sheets are mostly formulas)."""
    read_columns = getattr(reader, "read_columns", None)
    return read_columns(sheet, columns) if read_columns is not None else reader.read_used_range(sheet)


def _cell(g: list[list], r: int, c: int):
    if r - 1 < len(g) and c - 1 < len(g[r - 1]):
        return g[r - 1][c - 1]
    return None


def _region(out: WorkbookInputs, t: InputTable) -> RegionInput:
    return out.regions.setdefault(t.key[1], RegionInput())


def _read_reps(out: WorkbookInputs, t: InputTable, rows: list[dict]) -> None:
    for vals in rows:
        _region(out, t).reps.append(RepRow(**{f: vals.get(f) for f in REP_FIELDS},
                                           kpi={f[4:]: v for f, v in vals.items() if f.startswith("kpi:")}))


def _read_phases(out: WorkbookInputs, t: InputTable, rows: list[dict]) -> None:
    for vals in rows:
        _region(out, t).phases.append(PhaseRow(revenue={f[4:]: v for f, v in vals.items() if f.startswith("rev:")},
                                               **{f: vals.get(f) for f in PHASE_SCALARS}))


def _read_scalar(out: WorkbookInputs, t: InputTable, rows: list[dict]) -> None:
    _region(out, t).focus_target = rows[0].get("value") if rows else None


def _rows_of(cls, fields, attr):
    def read(out: WorkbookInputs, t: InputTable, rows: list[dict]) -> None:
        getattr(out, attr).extend(cls(**{f: v for f, v in vals.items() if f in fields}) for vals in rows)
    return read


_READERS = {"reps": _read_reps, "phases": _read_phases, "scalar": _read_scalar,
            "deals": _rows_of(DealRow, DEAL_FIELDS, "deals"), "quiz": _rows_of(QuizRow, QUIZ_FIELDS, "quiz"),
            "referrals": _rows_of(ReferralRow, REFERRAL_FIELDS, "referrals")}


# ------------------------------------------------------------------------------ merging

_ROW_FIELDS = {RepRow: REP_FIELDS, PhaseRow: PHASE_SCALARS, DealRow: DEAL_FIELDS, QuizRow: ("region", "rep"),
               ReferralRow: REFERRAL_FIELDS}


def _has_data(row) -> bool:
    """A row holding at least one typed value (the spec's typed fields, KPI actuals, product revenue)."""
    fields = _ROW_FIELDS.get(type(row), ())
    extra = row.kpi.values() if isinstance(row, RepRow) else row.revenue.values() if isinstance(row, PhaseRow) else ()
    return any(present(getattr(row, f)) for f in fields) or any(present(v) for v in extra)


class _Merge:
    """One regeneration merge: what is kept, what is dropped, what cannot be placed."""

    def __init__(self, allow_drop: bool):
        self.allow_drop = allow_drop
        self.report = MergeReport()
        self.problems: list[Problem] = []

    def keep(self, key: tuple, v, prefill=None) -> None:
        """Report ``v`` as kept — unless the new layout pre-fills the same value (not typed by a person)."""
        if not _same(v, prefill):
            self.report.kept.append((key, v))

    def unplaceable(self, key: tuple, v, where: str, expected: str) -> None:
        """A typed value with no place in the new plan: dropped when allowed, else a problem."""
        if self.allow_drop:
            self.report.dropped.append((key, v))
        else:
            self.problems.append(Problem(where, v, expected, "unplaceable"))

    # ---------------------------------------------------------------- region tabs
    def region(self, region: str, new: RegionInput, prev: RegionInput, products, keys) -> RegionInput:
        focus = new.focus_target
        if present(prev.focus_target):
            focus = prev.focus_target
            self.keep(("focus_target", region), focus, new.focus_target)
        return RegionInput(self.reps(region, new, prev, keys), self.phases(region, new, prev, products), focus)

    def reps(self, region: str, new: RegionInput, prev: RegionInput, keys) -> list[RepRow]:
        """Typed rep rows keep their slots; config reps not yet typed fill free slots."""
        kept_rows = [(i, row) for i, row in enumerate(prev.reps) if _has_data(row)]
        kept_names = {str(row.name) for _, row in kept_rows if present(row.name)}
        n = max(len(new.reps), (max(i for i, _ in kept_rows) + 1) if kept_rows else 0)
        reps: list[RepRow | None] = [None] * n
        prefilled = {str(r.name): r for r in new.reps if present(r.name)}
        for i, row in kept_rows:
            reps[i] = self.rep(region, i, row, keys, prefilled.get(str(row.name)) if present(row.name) else None)
        free = [i for i in range(n) if reps[i] is None]
        for cfg_row in new.reps:
            if present(cfg_row.name) and str(cfg_row.name) not in kept_names:
                if free:
                    reps[free.pop(0)] = cfg_row
                else:
                    reps.append(cfg_row)
        return [r if r is not None else RepRow() for r in reps]

    def rep(self, region: str, i: int, row: RepRow, keys, prefill: RepRow | None = None) -> RepRow:
        kpi = {}
        for k, v in row.kpi.items():
            if not present(v):
                continue
            if k in keys:
                kpi[k] = v
            else:
                self.unplaceable(("reps", region, row.name, "kpi:" + k), v,
                                 f"{region}: rep {row.name!r} KPI {k!r}", "a KPI of the new plan (removed?)")
        who = row.name if present(row.name) else f"#{i + 1}"
        for f in REP_FIELDS:
            if present(getattr(row, f)):
                self.keep(("reps", region, who, f), getattr(row, f), getattr(prefill, f, None))
        for k, v in kpi.items():
            self.keep(("reps", region, who, "kpi:" + k), v)
        return RepRow(**{f: getattr(row, f) for f in REP_FIELDS}, kpi=kpi)

    def phases(self, region: str, new: RegionInput, prev: RegionInput, products) -> list[PhaseRow]:
        phases = [PhaseRow(dict(p.revenue), **{f: getattr(p, f) for f in PHASE_SCALARS}) for p in new.phases]
        for j, p in enumerate(prev.phases):
            if not _has_data(p):
                continue
            if j >= len(phases):
                self.problems.append(Problem(f"{region}: phase {j + 1}", "typed values", "a phase of the new plan",
                                             "unplaceable"))
                continue
            for prod, v in p.revenue.items():
                if not present(v):
                    continue
                if prod in products:
                    phases[j].revenue[prod] = v
                    self.keep(("phases", region, j + 1, "rev:" + prod), v)
                else:
                    self.unplaceable(("phases", region, j + 1, "rev:" + prod), v,
                                     f"{region}: phase {j + 1} product {prod!r}", "a product of the new plan (removed?)")
            for f in PHASE_SCALARS:
                if present(getattr(p, f)):
                    setattr(phases[j], f, getattr(p, f))
                    self.keep(("phases", region, j + 1, f), getattr(p, f))
        return phases

    def removed_regions(self, fresh: WorkbookInputs, old: WorkbookInputs) -> None:
        for region, prev in old.regions.items():
            if region not in fresh.regions and (any(_has_data(r) for r in prev.reps)
                                                or any(_has_data(p) for p in prev.phases)):
                self.unplaceable(("region", region), "typed values", f"region {region!r}",
                                 "a region of the new plan (removed?)")

    # ---------------------------------------------------------------- row lists
    def rows(self, table: str, fresh_rows: list, old_rows: list, cls, fields) -> list:
        """Deals and referrals: row order is the report order; every row up to the last typed one stays."""
        last = max((i for i, d in enumerate(old_rows) if _has_data(d)), default=-1)
        rows = list(old_rows[: last + 1])
        for i, d in enumerate(rows):
            for f in fields:
                if present(getattr(d, f)):
                    self.keep((table, i + 1, f), getattr(d, f))
        need = max(len(fresh_rows), len(rows) + (len(fresh_rows) if len(rows) >= len(fresh_rows) else 0))
        return rows + [cls() for _ in range(need - len(rows))]

    def quiz(self, fresh: list[QuizRow], old: list[QuizRow]) -> list[QuizRow]:
        """Quiz places keyed by (week, place)."""
        slot = {(_int(q.week), _int(q.place)): n for n, q in enumerate(fresh)}
        quiz = [QuizRow(q.week, q.place, q.region, q.rep) for q in fresh]
        for q in old:
            if not _has_data(q):
                continue
            n = slot.get((_int(q.week), _int(q.place)))
            if n is None:
                self.unplaceable(("quiz", q.week, q.place), q.rep, f"quiz week {q.week} place {q.place}",
                                 "a quiz week and place of the new plan")
                continue
            quiz[n].region, quiz[n].rep = q.region, q.rep
            for f in ("region", "rep"):
                if present(getattr(q, f)):
                    self.keep(("quiz", _int(q.week), _int(q.place), f), getattr(q, f))
        return quiz


def merge_inputs(fresh: WorkbookInputs, old: WorkbookInputs, *, products: list[str], kpi_keys: dict[str, list[str]],
                 allow_drop: bool = False) -> tuple[WorkbookInputs, MergeReport]:
    """Put every typed value of ``old`` into the layout of ``fresh`` (same month).

    Reps are keyed by name (a rep keeps its slot when it can; config reps not yet
    typed fill free slots); phases by number; products and KPIs by name/key.
    """
    mg = _Merge(allow_drop)
    regions = {}
    for region, new in fresh.regions.items():
        prev = old.regions.get(region)
        regions[region] = new if prev is None else mg.region(region, new, prev, products, kpi_keys[region])
    mg.removed_regions(fresh, old)
    out = WorkbookInputs(regions=regions,
                         deals=mg.rows("deals", fresh.deals, old.deals, DealRow, DEAL_FIELDS),
                         quiz=mg.quiz(fresh.quiz, old.quiz),
                         referrals=mg.rows("referrals", fresh.referrals, old.referrals, ReferralRow, REFERRAL_FIELDS))
    if mg.problems:
        raise WorkbookError(mg.problems, "regeneration would lose typed inputs (use allow_drop / --drop-removed)")
    return out, mg.report


def _same(v, prefill) -> bool:
    """A kept value equal to the new layout's pre-filled one (numbers by value, text by its words)."""
    if not present(prefill):
        return False
    if isinstance(v, (int, float, Decimal)) and isinstance(prefill, (int, float, Decimal)) \
            and not isinstance(v, bool) and not isinstance(prefill, bool):
        return Decimal(str(v)) == Decimal(str(prefill))
    return str(v).strip() == str(prefill).strip()


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return v
