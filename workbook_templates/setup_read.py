"""Reading 设置 back into a plan configuration.

Rows are found by the config key in column L: a scalar key holds its value in column B; a
``[[table]]`` row holds the table's field names in column order, and the rows keyed by the
table's name below it are its records. Each value is remembered with the cell it came from, so
a problem the loader reports (by config path, e.g. ``kpis[3] 日均阅读量 .scoring``) is shown
by that cell (``设置!H46``), as typed, with the words a choice cell offers.

A record reaches the loader as typed: a partly filled one (a tier's start without its rate, a
holiday's name without its date) has its blank cells missing, so the loader refuses it and the
blank cell is named (``got blank``); only a wholly blank record is left out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from salesplan.xlsx.lxml_reader import column_letter as get_column_letter

from salesplan.config.loader import item_path
from salesplan.engine.records import WorkbookInputs
from salesplan.errors import Problem
from salesplan.workbook_templates.labels import CHOICE_FIELDS, CHOICES, TIEBREAK, TIEBREAK_SPLIT, choice_code
from salesplan.workbook_templates.setup_layout import C_KEY, CHOICE_KEYS

_KEY_RE = re.compile(r"^(\[\[[a-z_]+\]\]|[a-z_]+(\.[a-z_]+)*(\[\d+\])?)$")
_FORMULA_FIELDS = frozenset({"effective", "from_ppm", "rate_ppm", "focus_target"})
_ITEM_RE = re.compile(r"^([a-z_.]+)\[(\d+)\]")
_ALL_RE = re.compile(r"^([a-z_.]+)\[\*\]\.([a-z_]+)$")
_REF_RE = re.compile(r"^='?([^'!]+)'?!\$?([A-Z]+)\$?(\d+)$")     # a formula that only shows another cell
_VALUE_FIELD = {"calendar.extra_holidays": "date", "calendar.extra_workdays": "date"}   # a list of plain values


class _Blank:
    """A blank cell, as a problem shows it: ``got blank``."""

    def __repr__(self) -> str:
        return "blank"

    __str__ = __repr__


BLANK = _Blank()


@dataclass
class Table:
    """One 设置 table: its header row, the field names in column order, and every record row
    (blank ones too) as (sheet row, cells)."""

    header: int
    fields: list[str]
    records: list[tuple[int, list]] = field(default_factory=list)

    def column(self, name: str) -> str | None:
        return get_column_letter(self.fields.index(name) + 1) if name in self.fields else None

    def body(self) -> str:
        """The cells of all record rows (e.g. A20:B26)."""
        width = max((i + 1 for i, f in enumerate(self.fields) if f), default=1)
        first, last = (self.records[0][0], self.records[-1][0]) if self.records else (self.header, self.header)
        return f"A{first}:{get_column_letter(width)}{last}"

    def typed(self, row: int, name: str):
        """The cell of field ``name`` in record row ``row``, as typed."""
        cells = dict(self.records)[row]
        i = self.fields.index(name)
        return cells[i] if i < len(cells) else None


@dataclass
class SetupRead:
    """设置 read back: the configuration data, and where each of its values was typed."""

    data: dict[str, Any]
    tables: dict[str, Table]
    rows: dict[str, tuple[int, Any]]             # a scalar key -> (sheet row, value as typed)
    items: dict[str, tuple[Table | None, list[tuple[int, Any]]]] = field(default_factory=dict)
    # ^ a config list (kpis, commission.tiers, …) -> its 设置 table and each item's (sheet row, entry)

    def cell(self, key: str) -> tuple[str | None, str] | None:
        """(sheet — None for 设置 —, cell or range) of a loader path into a table, or None."""
        if key == "strategy_b.kpi_weights":          # the total of strategy B's weights
            key = "kpis[*].b_weight"
        if key.startswith("[[") or key == "commission.tiers":     # a table without (valid) entries
            table = self.items.get(key.strip("[]"), (None, []))[0]
            return (None, table.body()) if table is not None else None
        if (m := _ALL_RE.match(key)) is not None:
            table, pairs = self.items.get(m[1], (None, []))
            col = table.column(m[2]) if table is not None else None
            return (None, f"{col}{pairs[0][0]}:{col}{pairs[-1][0]}") if col and pairs else None
        if key.startswith("strategy_b.kpi_weights."):
            table, pairs = self.items.get("kpis", (None, []))
            row = next((n for n, e in pairs if e.get("key") == key.rsplit(".", 1)[1]), None)
            col = table.column("b_weight") if table is not None else None
            return (None, f"{col}{row}") if col and row else None
        return self._item_cell(key)

    def _item_field(self, key: str) -> tuple[Table, int, str, Any] | None:
        """(table, sheet row, field name, entry) of one item's field: ``kpis[3] 日均阅读量 .scoring``,
        ``commission.tiers[1].rate``, ``calendar.extra_holidays[0]`` (the index counts the non-blank
        records)."""
        m = _ITEM_RE.match(key)
        table, pairs = self.items.get(m[1], (None, [])) if m else (None, [])
        if table is None or int(m[2]) >= len(pairs):
            return None
        row, entry = pairs[int(m[2])]
        rest = key[len(item_path(m[1], int(m[2]), entry)):]
        name = rest[1:] if rest.startswith(".") else _VALUE_FIELD.get(m[1]) if not rest else None
        if not name or not name.isidentifier() or name not in table.fields:
            return None
        return table, row, name, entry

    def _item_cell(self, key: str) -> tuple[str | None, str] | None:
        """The cell of one item's field (see :meth:`_item_field`)."""
        if (found := self._item_field(key)) is None:
            return None
        table, row, name, _ = found
        typed = table.typed(row, name)
        if isinstance(typed, str) and (ref := _REF_RE.match(typed)) is not None:
            return ref[1], f"{ref[2]}{ref[3]}"         # shown from a region tab: the cell typed there
        return None, f"{table.column(name)}{row}"

    def date_cells(self, iso: Any) -> list[str]:
        """The cells of the extra holidays' and workdays' tables holding the date ``iso``."""
        out = []
        for name in ("calendar.extra_holidays", "calendar.extra_workdays"):
            table, pairs = self.items.get(name, (None, []))
            col = table.column("date") if table is not None else None
            out += [f"{col}{row}" for row, v in pairs
                    if col and str(v.date() if isinstance(v, datetime) else v).strip() == str(iso)]
        return out

    def blank(self, key: str) -> str | None:
        """What the blank cell of a partly filled record should hold (None: ``key`` names no such
        cell) — a person filled the row's other cells, so the row is not dropped but refused."""
        if (found := self._item_field(key)) is None:
            return None
        table, row, name, entry = found
        typed = table.typed(row, name)
        if typed is not None and not (isinstance(typed, str) and not typed.strip()):
            return None
        if key.startswith("commission.tiers") and name == "rate":
            return f"a rate for the tier that starts at {_pct(entry.get('from'))} (or clear the row)"
        if key.startswith("commission.tiers") and name == "from":
            return f"the attainment where the tier paying {_pct(entry.get('rate'))} starts (or clear the row)"
        if key.startswith("calendar."):
            label = table.typed(row, "name") if "name" in table.fields else None
            what = f"the date of {str(label).strip()}, like" if label not in (None, "") else "a date like"
            return f"{what} 2027-01-29 (or clear the row)"
        return "a value in this cell, as the row's other cells are filled (or clear the row)"


def read_setup(grid: list[list], inputs: WorkbookInputs) -> SetupRead:
    """The configuration data of a 设置 sheet's used range (and the region tabs' focus targets)."""
    read = _setup_rows(grid)
    read.items = _config_tables(read.data, read.tables, inputs)
    return read


def _setup_rows(grid: list[list]) -> SetupRead:
    """Scalar config keys, tables, and each scalar key's row and value as typed, from the 设置
    rows, found by the config key in column L."""
    data: dict[str, Any] = {}
    tables: dict[str, Table] = {}
    rows: dict[str, tuple[int, Any]] = {}
    for n, row in enumerate(grid, 1):          # the grid's row i is the sheet's row i
        key = row[C_KEY - 1] if len(row) >= C_KEY else None
        if not isinstance(key, str) or not _KEY_RE.match(key) or key.startswith("meta."):
            continue
        if key.startswith("[[") and key.endswith("]]"):
            tables[key[2:-2]] = Table(n, [str(v) if v is not None else "" for v in row[: C_KEY - 1]])
        elif key in tables:
            tables[key].records.append((n, list(row[: C_KEY - 1])))
        else:
            base = key.split("[")[0]                 # a list item's key (…weekdays[1]) is its list's
            rows.setdefault(base, (n, row[1]))
            _setup_value(data, key, choice_code(key, _cell_to_config(row[1]), CHOICE_KEYS.get(base)))
    return SetupRead(data, tables, rows)


def in_setup(p: Problem, source: str, sheet: str, read: SetupRead, lang: str) -> Problem:
    """A configuration problem of a 设置 value, named by its cell and the value typed there; a
    choice cell's expected values in the words it offers (the loader speaks the codes)."""
    def offered(words: dict[str, tuple[str, str]]) -> str:      # code -> (Chinese word, English word)
        return "、".join(w[0] for w in words.values()) if lang == "zh" else ", ".join(w[1] for w in words.values())

    listed = "(the cell's list; the codes are read too)"
    prefix = f"{source} ({sheet}): "        # the loader's "where" for a 设置 key
    key = p.where[len(prefix):] if p.where.startswith(prefix) else None
    if key is None:
        return p
    if key == "calendar.extra_holidays/extra_workdays":            # one date in both lists: both cells
        cells = read.date_cells(p.value)
        return Problem(f"{source} {' and '.join(f'{sheet}!{c}' for c in cells)} ({key})", p.value, p.expected,
                       p.code) if cells else p
    if (place := read.cell(key)) is not None or "[" in key:       # a table's value
        field_ = key.rsplit(".", 1)[-1] if "[" in key else None     # not a B weight's KPI key
        expected = (f"one of {offered(CHOICES[CHOICE_FIELDS[field_]])} {listed}" if field_ in CHOICE_FIELDS
                    else p.expected)
        where = f"{source} {place[0] or sheet}!{place[1]} ({key})" if place is not None else p.where
        if (blank := read.blank(key)) is not None:
            return Problem(where, BLANK, blank, p.code)
        return Problem(where, p.value, expected, p.code)
    if key not in read.rows:
        return p
    row, typed = read.rows[key]
    if key == "awards.champion_tiebreak":
        expected = (f"{offered(TIEBREAK)} in the order to compare, separated by 、, commas or spaces "
                    "(the codes are read too)")
    elif key in CHOICE_KEYS:
        expected = f"one of {offered(CHOICES[CHOICE_KEYS[key]])} {listed}"
    else:
        expected, typed = p.expected, p.value
    return Problem(f"{source} {sheet}!B{row} ({key})", typed, expected, p.code)


def setup_problems(problems: list[Problem], source: str, sheet: str, read: SetupRead, lang: str) -> list[Problem]:
    """Each configuration problem named by its 设置 cell (:func:`in_setup`); a blank cell once (a
    tier's missing start also fails the loader's order check)."""
    out, blanks = [], set()
    for p in problems:
        q = in_setup(p, source, sheet, read, lang)
        if q.value is BLANK:
            if q.where in blanks:
                continue
            blanks.add(q.where)
        out.append(q)
    return out


def _setup_value(data: dict[str, Any], key: str, value) -> None:
    if "[" in key:      # one item of a list (blank items are skipped)
        lst = _dig(data, key[:-1].split("[")[0], [])
        if value is not None:
            lst.append(value)
    elif value is not None:
        _set(data, key, value)


def _table_rows(tables: dict[str, Table], t: str) -> list[tuple[int, dict[str, Any]]]:
    """(sheet row, record) of each non-blank record of one 设置 table (formula columns left out)."""
    table = tables.get(t)
    if table is None:
        return []
    fields = table.fields
    out = []
    for n, r in table.records:
        rec = {f: choice_code(f, _cell_to_config(v)) for f, v in zip(fields, r) if f and f not in _FORMULA_FIELDS}
        if "focus_target" in fields and not (isinstance(r[fields.index("focus_target")], str)):
            rec["focus_target"] = _cell_to_config(r[fields.index("focus_target")])
        if any(v is not None for v in rec.values()):
            out.append((n, rec))
    return out


def _config_regions(tables: dict[str, Table], inputs: WorkbookInputs) -> list[tuple[int, dict[str, Any]]]:
    """Regions from 设置; the focus target as typed on the region tab when it is a number."""
    regions = []
    for n, r in _table_rows(tables, "regions"):
        rec = {k: v for k, v in r.items() if v is not None and k != "focus_target"}
        ft = inputs.regions.get(rec.get("name", ""), None)
        ftv = ft.focus_target if ft is not None else r.get("focus_target")
        if isinstance(ftv, (int, float, Decimal)) and not isinstance(ftv, bool):
            rec["focus_target"] = _cell_to_config(ftv)
        regions.append((n, rec))
    return regions


def _config_tables(data: dict[str, Any], tables: dict[str, Table],
                   inputs: WorkbookInputs) -> dict[str, tuple[Table | None, list[tuple[int, Any]]]]:
    """Put the tables' records into ``data``; return each config list's table and (sheet row,
    entry) per item, the loader's index being the index in that list."""
    items: dict[str, tuple[Table | None, list[tuple[int, Any]]]] = {}

    def put(path: str, table: str, pairs: list[tuple[int, Any]]) -> None:
        items[path] = (tables.get(table), pairs)
        _set(data, path, [e for _, e in pairs])

    put("products", "products", [(n, {k: v for k, v in r.items() if v is not None})
                                 for n, r in _table_rows(tables, "products")])
    put("regions", "regions", _config_regions(tables, inputs))
    kpis = _table_rows(tables, "kpis")
    put("kpis", "kpis", [(n, {k: v for k, v in r.items() if v is not None and k not in ("b_weight", "effective")})
                         for n, r in kpis])
    data.setdefault("strategy_b", {})["kpi_weights"] = {r["key"]: r["b_weight"] for _, r in kpis
                                                        if r.get("b_weight") is not None and r.get("key")}
    # a partly filled tier or date row goes to the loader with its blank missing: refused, not dropped
    put("commission.tiers", "tiers", [(n, {k: r[k] for k in ("from", "rate") if r.get(k) is not None})
                                      for n, r in _table_rows(tables, "tiers")])
    for t in ("extra_holidays", "extra_workdays"):
        put(f"calendar.{t}", t, [(n, r.get("date")) for n, r in _table_rows(tables, t)])
    tb = data.get("awards", {}).get("champion_tiebreak")
    if isinstance(tb, str):
        data["awards"]["champion_tiebreak"] = [choice_code("", t, "tiebreak") for t in TIEBREAK_SPLIT.split(tb)
                                               if t.strip()]
    return items


def _pct(v) -> str:
    """A rate as 设置 shows it: 1.3 -> 130%."""
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        return f"{(Decimal(str(v)) * 100).normalize():f}%"
    return repr(v)


def _cell_to_config(v):
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, float):
        d = Decimal(repr(v))
        return int(d) if d == d.to_integral_value() else d
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        s = v.strip()
        if s.upper() in ("TRUE", "FALSE", "=TRUE()", "=FALSE()"):     # LibreOffice saves a boolean as =TRUE()
            return s.upper() in ("TRUE", "=TRUE()")
        return s
    return v


def _dig(data: dict, dotted: str, default):
    parts = dotted.split(".")
    d = data
    for p in parts[:-1]:
        d = d.setdefault(p, {})
    return d.setdefault(parts[-1], default)


def _set(data: dict, dotted: str, value) -> None:
    parts = dotted.split(".")
    d = data
    for p in parts[:-1]:
        d = d.setdefault(p, {})
    d[parts[-1]] = value
