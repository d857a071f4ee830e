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
from typing import Any

from salesplan.engine.actuals import (DealRow, PhaseRow, QuizRow, ReferralRow, RegionInput, RepRow, WorkbookInputs,
                                      present)
from salesplan.errors import Problem, WorkbookError

DEAL_FIELDS = ("seq", "date", "rep", "region", "customer", "new_customer", "product", "amount", "contract_id",
               "quote", "list_price", "first_quote", "customer_region")
REFERRAL_FIELDS = ("region", "partner", "level", "amount", "reference")
PHASE_SCALARS = ("new_customers", "complaints", "response_hours", "satisfaction", "inventory")


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
    """Every typed input of an existing workbook, as the engine's inputs model."""
    meta, tables = read_registry(reader)
    grids: dict[str, list[list]] = {}
    out = WorkbookInputs()

    def grid(sheet):
        if sheet not in grids:
            grids[sheet] = reader.read_used_range(sheet) if sheet in reader.sheet_names() else []
        return grids[sheet]

    def cell(g, r, c):
        if r - 1 < len(g) and c - 1 < len(g[r - 1]):
            return g[r - 1][c - 1]
        return None

    for t in tables:
        g = grid(t.sheet)
        first = _locate(g, t)
        if t.kind == "reps":
            region = t.key[1]
            ri = out.regions.setdefault(region, RegionInput())
            for i in range(t.n_rows):
                r = first + i
                vals = {f: cell(g, r, c) for f, c in t.fields.items()}
                ri.reps.append(RepRow(name=vals.get("name"), new_hire=vals.get("new_hire"), weight=vals.get("weight"),
                                      kpi={f[4:]: v for f, v in vals.items() if f.startswith("kpi:")},
                                      coaching=vals.get("coaching"), churn=vals.get("churn")))
        elif t.kind == "phases":
            region = t.key[1]
            ri = out.regions.setdefault(region, RegionInput())
            for i in range(t.n_rows):
                r = first + i
                vals = {f: cell(g, r, c) for f, c in t.fields.items()}
                ri.phases.append(PhaseRow(revenue={f[4:]: v for f, v in vals.items() if f.startswith("rev:")},
                                          **{f: vals.get(f) for f in PHASE_SCALARS}))
        elif t.kind == "scalar":
            region = t.key[1]
            ri = out.regions.setdefault(region, RegionInput())
            ri.focus_target = cell(g, first, t.fields["value"])
        elif t.kind == "deals":
            for i in range(t.n_rows):
                r = first + i
                out.deals.append(DealRow(**{f: cell(g, r, c) for f, c in t.fields.items() if f in DEAL_FIELDS}))
        elif t.kind == "quiz":
            for i in range(t.n_rows):
                r = first + i
                out.quiz.append(QuizRow(**{f: cell(g, r, c) for f, c in t.fields.items()
                                           if f in ("week", "place", "region", "rep")}))
        elif t.kind == "referrals":
            for i in range(t.n_rows):
                r = first + i
                out.referrals.append(ReferralRow(**{f: cell(g, r, c) for f, c in t.fields.items()
                                                    if f in REFERRAL_FIELDS}))
    return meta, out


# ------------------------------------------------------------------------------ merging

def _has_data(row) -> bool:
    if isinstance(row, RepRow):
        return any(present(v) for v in (row.name, row.new_hire, row.weight, row.coaching, row.churn)) or \
            any(present(v) for v in row.kpi.values())
    if isinstance(row, PhaseRow):
        return any(present(v) for v in row.revenue.values()) or any(present(getattr(row, f)) for f in PHASE_SCALARS)
    if isinstance(row, DealRow):
        return any(present(getattr(row, f)) for f in DEAL_FIELDS)
    if isinstance(row, QuizRow):
        return present(row.region) or present(row.rep)
    if isinstance(row, ReferralRow):
        return any(present(getattr(row, f)) for f in REFERRAL_FIELDS)
    return False


def merge_inputs(fresh: WorkbookInputs, old: WorkbookInputs, *, products: list[str], kpi_keys: dict[str, list[str]],
                 allow_drop: bool = False) -> tuple[WorkbookInputs, MergeReport]:
    """Put every typed value of ``old`` into the layout of ``fresh`` (same month).

    Reps are keyed by name (a rep keeps its slot when it can; config reps not yet
    typed fill free slots); phases by number; products and KPIs by name/key.
    """
    report = MergeReport()
    problems: list[Problem] = []
    out = WorkbookInputs(regions={}, deals=list(fresh.deals), quiz=list(fresh.quiz), referrals=list(fresh.referrals))
    for region, new in fresh.regions.items():
        prev = old.regions.get(region)
        if prev is None:
            out.regions[region] = new
            continue
        keys = kpi_keys[region]
        # --- reps
        kept_rows = [(i, row) for i, row in enumerate(prev.reps) if _has_data(row)]
        kept_names = {str(row.name) for _, row in kept_rows if present(row.name)}
        n = max(len(new.reps), (max(i for i, _ in kept_rows) + 1) if kept_rows else 0)
        reps: list[RepRow | None] = [None] * n
        for i, row in kept_rows:
            clean_kpi = {}
            for k, v in row.kpi.items():
                if not present(v):
                    continue
                if k in keys:
                    clean_kpi[k] = v
                else:
                    (report.dropped if allow_drop else problems).append(
                        ((("reps", region, row.name, "kpi:" + k), v) if allow_drop else
                         Problem(f"{region}: rep {row.name!r} KPI {k!r}", v, "a KPI of the new plan (removed?)",
                                 "unplaceable")))
            reps[i] = RepRow(row.name, row.new_hire, row.weight, clean_kpi, row.coaching, row.churn)
            who = row.name if present(row.name) else f"#{i + 1}"
            for f in ("name", "new_hire", "weight", "coaching", "churn"):
                v = getattr(row, f)
                if present(v):
                    report.kept.append((("reps", region, who, f), v))
            for k, v in clean_kpi.items():
                report.kept.append((("reps", region, who, "kpi:" + k), v))
        free = [i for i in range(n) if reps[i] is None]
        for cfg_row in new.reps:
            if present(cfg_row.name) and str(cfg_row.name) not in kept_names:
                if free:
                    reps[free.pop(0)] = cfg_row
                else:
                    reps.append(cfg_row)
        reps = [r if r is not None else RepRow() for r in reps]
        # --- phases
        phases = [PhaseRow(dict(p.revenue), **{f: getattr(p, f) for f in PHASE_SCALARS}) for p in new.phases]
        for j, p in enumerate(prev.phases):
            if not _has_data(p):
                continue
            if j >= len(phases):
                problems.append(Problem(f"{region}: phase {j + 1}", "typed values", "a phase of the new plan",
                                        "unplaceable"))
                continue
            for prod, v in p.revenue.items():
                if not present(v):
                    continue
                if prod in products:
                    phases[j].revenue[prod] = v
                    report.kept.append((("phases", region, j + 1, "rev:" + prod), v))
                elif allow_drop:
                    report.dropped.append((("phases", region, j + 1, "rev:" + prod), v))
                else:
                    problems.append(Problem(f"{region}: phase {j + 1} product {prod!r}", v,
                                            "a product of the new plan (removed?)", "unplaceable"))
            for f in PHASE_SCALARS:
                v = getattr(p, f)
                if present(v):
                    setattr(phases[j], f, v)
                    report.kept.append((("phases", region, j + 1, f), v))
        focus = new.focus_target
        if present(prev.focus_target):
            focus = prev.focus_target
            report.kept.append((("focus_target", region), focus))
        out.regions[region] = RegionInput(reps, phases, focus)
    for region, prev in old.regions.items():
        if region not in fresh.regions and (any(_has_data(r) for r in prev.reps)
                                            or any(_has_data(p) for p in prev.phases)):
            if allow_drop:
                report.dropped.append((("region", region), "typed values"))
            else:
                problems.append(Problem(f"region {region!r}", "typed values", "a region of the new plan (removed?)",
                                        "unplaceable"))
    # --- deals: row order is the report order; keep every row with data, in order
    last = max((i for i, d in enumerate(old.deals) if _has_data(d)), default=-1)
    deals = list(old.deals[: last + 1])
    for i, d in enumerate(deals):
        if _has_data(d):
            for f in DEAL_FIELDS:
                v = getattr(d, f)
                if present(v):
                    report.kept.append((("deals", i + 1, f), v))
    need = max(len(fresh.deals), len(deals) + (len(fresh.deals) if len(deals) >= len(fresh.deals) else 0))
    deals += [DealRow() for _ in range(need - len(deals))]
    out.deals = deals
    # --- quiz places: keyed by (week, place)
    slot = {(_int(q.week), _int(q.place)): n for n, q in enumerate(out.quiz)}
    quiz = [QuizRow(q.week, q.place, q.region, q.rep) for q in out.quiz]
    for q in old.quiz:
        if not _has_data(q):
            continue
        n = slot.get((_int(q.week), _int(q.place)))
        if n is None:
            if allow_drop:
                report.dropped.append((("quiz", q.week, q.place), q.rep))
            else:
                problems.append(Problem(f"quiz week {q.week} place {q.place}", q.rep,
                                        "a quiz week and place of the new plan", "unplaceable"))
            continue
        quiz[n].region, quiz[n].rep = q.region, q.rep
        for f in ("region", "rep"):
            if present(getattr(q, f)):
                report.kept.append((("quiz", _int(q.week), _int(q.place), f), getattr(q, f)))
    out.quiz = quiz
    # --- referrals: rows in order
    last = max((i for i, x in enumerate(old.referrals) if _has_data(x)), default=-1)
    refs = list(old.referrals[: last + 1])
    for i, x in enumerate(refs):
        for f in REFERRAL_FIELDS:
            if present(getattr(x, f)):
                report.kept.append((("referrals", i + 1, f), getattr(x, f)))
    need = max(len(fresh.referrals), len(refs) + (len(fresh.referrals) if len(refs) >= len(fresh.referrals) else 0))
    refs += [ReferralRow() for _ in range(need - len(refs))]
    out.referrals = refs
    if problems:
        raise WorkbookError(problems, "regeneration would lose typed inputs (use allow_drop / --drop-removed)")
    return out, report


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return v
