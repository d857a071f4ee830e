"""Consolidation checks on a regional file, each finding a typed :class:`Problem`.

``where`` is ``"<file name>: <sheet>!<cell>"`` (or ``"<file name>: <property>"`` for the
stamp), ``value`` is what the file holds and ``expected`` what would be accepted.
Codes (``Problem.code``):

======================  ========  =====================================================
code                    severity  meaning
======================  ========  =====================================================
``not_regional``        reject    no salesplan stamp: not a file made by ``split``
``no_manifest``         reject    the master has no split record for the stamp's region
``split_mismatch``      reject    the file comes from another (older) split of the region
``region_mismatch``     reject    stamp region ≠ the split record's region
``month_mismatch``      reject    stamp month ≠ the master's month
``version_mismatch``    reject    plan version changed since the split (settings edited)
``layout_mismatch``     reject    the workbook layout changed since the split
``sheet_missing``       reject    a sheet of the split was deleted or renamed
``formula_edited``      error     a formula cell's text changed, or it became a value
``locked_changed``      error     a locked non-input cell's value changed
``invalid_input``       error     an input violates its validation; the master keeps its value
``unregistered_edit``   warning   an unlocked cell that is no input was filled in; ignored
======================  ========  =====================================================

"reject" problems stop the file before merging. Errors do not block the file's valid
inputs: edited formulas and locked cells are never merged anyway (only registered inputs
are), and an invalid input is skipped, so one typo does not throw away a manager's
other hundred keystrokes — all of it is listed in the report.
"""
from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal
from typing import Any, Callable, Hashable, Mapping

from salesplan.errors import Problem
from salesplan.regional.manifest import InputField, SplitManifest, Stamp
from salesplan.regional.values import canon, formula_hash, value_hash
from salesplan.regional.xlsxread import NOT_SIMPLE, simple_formula, simple_value

__all__ = ["REJECT_CODES", "WARNING_CODES", "check_stamp", "check_cells", "validate_input"]

REJECT_CODES = frozenset({"not_regional", "no_manifest", "split_mismatch", "region_mismatch", "month_mismatch",
                          "version_mismatch", "layout_mismatch", "sheet_missing"})
WARNING_CODES = frozenset({"unregistered_edit"})

_YES = {"是", "yes", "y", "true", "1", "√", "✓", "对"}
_NO = {"否", "no", "n", "false", "0", "×", "✗", "不"}


def check_stamp(file: str, stamp: Stamp | None, manifest: SplitManifest | None, *,
                month: str | None = None, plan_version: str | None = None,
                layout_version: str | None = None, check_version: bool = True) -> list[Problem]:
    """Identity checks: is this the regional file of the split the master recorded?"""
    if stamp is None:
        return [Problem(f"{file}: document properties", None,
                        "salesplan.split.* custom properties written by `salesplan split`", "not_regional")]
    if manifest is None:
        return [Problem(f"{file}: salesplan.split.region", stamp.region,
                        "a region the master was split for (no split record found)", "no_manifest")]
    out: list[Problem] = []
    if stamp.region != manifest.region:
        out.append(Problem(f"{file}: salesplan.split.region", stamp.region, f"{manifest.region!r}", "region_mismatch"))
    if stamp.split_id != manifest.split_id:
        out.append(Problem(f"{file}: salesplan.split.split_id", stamp.split_id,
                           f"the latest split of {manifest.region} ({manifest.split_id}, {manifest.split_time}); "
                           f"this file is from another split", "split_mismatch"))
    want_month = month if month is not None else manifest.month
    if stamp.month != want_month or stamp.month != manifest.month:
        out.append(Problem(f"{file}: salesplan.split.month", stamp.month, f"the plan month {want_month}", "month_mismatch"))
    if check_version:
        want = plan_version if plan_version is not None else manifest.plan_version
        if stamp.plan_version != want or stamp.plan_version != manifest.plan_version:
            out.append(Problem(f"{file}: salesplan.split.plan_version", stamp.plan_version,
                               f"plan version {want} (the plan settings changed since the split)",
                               "version_mismatch"))
    want_layout = layout_version if layout_version is not None else manifest.layout_version
    if stamp.layout_version != want_layout:
        out.append(Problem(f"{file}: salesplan.split.layout_version", stamp.layout_version,
                           f"layout version {want_layout}", "layout_mismatch"))
    return out


_NUMBER_KINDS = frozenset({"number", "integer", "percent", "date"})


def validate_input(file: str, f: InputField, value: Any, formula: str | None) -> tuple[Any, Problem | None]:
    """(canonical accepted value, None) or (None, Problem) for one input cell."""
    if formula is not None:
        return None, Problem(_where(file, f), "=" + formula, f.expected() + " typed as a value, not a formula",
                             "invalid_input")
    v = canon(value)
    if v is None:
        return None, None
    kind = f.kind
    if kind in _NUMBER_KINDS:
        if type(v) is not Decimal and isinstance(v, str) and kind == "percent" and v.strip().endswith("%"):
            try:
                v = Decimal(v.strip()[:-1].strip()) / 100
            except ArithmeticError:
                return None, _invalid(file, f, value)
        if isinstance(value, (_dt.date, _dt.datetime)) and kind != "date":
            return None, _invalid(file, f, value)
        if not isinstance(v, Decimal) or isinstance(v, bool):
            return None, _invalid(file, f, value)
        if kind == "integer" and v != v.to_integral_value():
            return None, _invalid(file, f, value)
        if (f.minimum is not None and v < f.minimum) or (f.maximum is not None and v > f.maximum):
            return None, _invalid(file, f, value)
        return v, None
    if kind == "bool":
        if isinstance(v, bool):
            return v, None
        text = str(v).strip().lower() if not isinstance(v, Decimal) else str(v)
        if text in _YES:
            return True, None
        if text in _NO:
            return False, None
        return None, _invalid(file, f, value)
    if kind == "choice":
        text = v if isinstance(v, str) else str(v)
        if text.strip() in f.choices:
            return text.strip(), None
        return None, _invalid(file, f, value)
    # text: a number typed into a text cell (a code "007" becomes 7 in Excel) is kept as its text
    if isinstance(v, bool):
        return None, _invalid(file, f, value)
    if isinstance(v, Decimal):
        return format(v, "f"), None
    return v, None


def _where(file: str, f: InputField) -> str:
    return f"{file}: {f.sheet}!{f.cell}"


def _invalid(file: str, f: InputField, value: Any) -> Problem:
    return Problem(_where(file, f), value, f.expected(), "invalid_input")


_VALUE_HASHES: dict[tuple[str, str], str] = {}
_NUMBERS: dict[str, tuple[Any, Decimal]] = {}      # "<v>text</v>" of a number cell -> (int | float, canonical)
_INT = re.compile(r"^[+-]?\d+$")


def _fixed_hash(cells: Any, addr: str, m: tuple[str, str, str, str, str]) -> str | None:
    """value_hash of a formula-free, non-shared-string cell from its raw match, memoised
    on (type, inner XML) — the value depends on nothing else; None when not applicable."""
    t, inner = m[2], m[4]
    if t == "s" or "<f" in inner:
        return None
    key = (t, inner)
    h = _VALUE_HASHES.get(key)
    if h is None:
        c = cells[addr]
        if c.formula is not None:
            return None
        h = value_hash(c.value)
        if len(_VALUE_HASHES) >= 200_000:
            _VALUE_HASHES.clear()
        _VALUE_HASHES[key] = h
    return h


def check_cells(file: str, manifest: SplitManifest, sheets: Mapping[str, Mapping[str, Any]],
                is_locked: Callable[[int], bool]) -> tuple[dict[Hashable, Any], list[Problem]]:
    """Validate a regional file's cells against its manifest.

    ``sheets`` maps sheet name → ``{address: Cell}`` (from the raw reader). Returns the
    accepted input values keyed like the manifest's inputs, and every problem found.

    With a :class:`~salesplan.regional.xlsxread.LazySheet` the common cells are judged
    from their raw XML without building a ``Cell`` (plain numbers and inline strings,
    plain formulas, memoised value fingerprints); anything else is decoded in full.
    """
    problems: list[Problem] = []
    values: dict[Hashable, Any] = {}
    index = manifest.index()
    for sheet in index.sheets:
        if sheet not in sheets:
            problems.append(Problem(f"{file}: {sheet}", None, f"the sheet {sheet!r} of the split", "sheet_missing"))
    if problems:
        return values, problems
    base = manifest.base
    for sheet in index.sheets:
        cells = sheets[sheet]
        inputs = index.inputs.get(sheet, {})
        formulas = manifest.formulas.get(sheet, {})
        fixed = manifest.cells.get(sheet, {})
        unlocked = index.unlocked.get(sheet, frozenset())
        get = cells.get
        raw = getattr(cells, "_raw", None)     # LazySheet: recognise blanks without decoding
        raw_get = raw.get if raw is not None else None
        for addr, f in inputs.items():
            key = f.key
            if raw_get is not None:
                m = raw_get(addr)
                if m is None:
                    values[key] = None
                    continue
                inner = m[4]
                if not inner:
                    values[key] = None
                    continue
                t = m[2]
                hit = _NUMBERS.get(inner) if not t or t == "n" else None
                if hit is None and (not t or t == "n") and inner[:3] == "<v>" and inner[-4:] == "</v>" \
                        and inner.count("<") == 2:
                    rv = inner[3:-4]
                    if not rv:
                        values[key] = None
                        continue
                    v = int(rv) if _INT.match(rv) else float(rv)
                    hit = (v, canon(v))
                    if len(_NUMBERS) >= 200_000:
                        _NUMBERS.clear()
                    _NUMBERS[inner] = hit
                if hit is not None:
                    # a plain number (<v> only): the common case, judged without building a Cell
                    v, cv = hit
                    b = base.get(key)
                    if b is not None and type(b) is not bool and v == b and isinstance(b, Decimal):
                        values[key] = b            # unchanged since the split
                        continue
                    kind = f.kind
                    if kind not in _NUMBER_KINDS:
                        value, problem = validate_input(file, f, v, None)
                    elif (kind == "integer" and cv != cv.to_integral_value()) \
                            or (f.minimum is not None and cv < f.minimum) \
                            or (f.maximum is not None and cv > f.maximum):
                        value, problem = None, _invalid(file, f, v)
                    else:
                        value, problem = cv, None
                    if problem is not None:
                        problems.append(problem)
                    else:
                        values[key] = value
                    continue
                v = simple_value(m)
                if v is NOT_SIMPLE:
                    c = cells[addr]
                    v, formula = c.value, c.formula
                else:
                    formula = None
            else:
                c = get(addr)
                if c is None:
                    values[key] = None
                    continue
                v, formula = c.value, c.formula
            if v is None and formula is None:
                values[key] = None
                continue
            if formula is None:
                # unchanged since the split: valid then, nothing to check now
                b = base.get(key)
                if b is not None and type(v) is not bool and type(b) is not bool and v == b \
                        and isinstance(v, (int, float)) == isinstance(b, Decimal):
                    values[key] = b
                    continue
            value, problem = validate_input(file, f, v, formula)
            if problem is not None:
                problems.append(problem)
            else:
                values[key] = value
        for addr, h in formulas.items():
            if raw_get is not None:
                m = raw_get(addr)
                if m is not None:
                    text = simple_formula(m)
                    if text is not None and formula_hash(text) == h:
                        continue
            c = get(addr)
            if c is None or c.formula is None:
                problems.append(Problem(f"{file}: {sheet}!{addr}", None if c is None else c.value,
                                        "the formula written by the split (it was replaced by a value)",
                                        "formula_edited"))
            elif formula_hash(c.formula) != h:
                problems.append(Problem(f"{file}: {sheet}!{addr}", "=" + c.formula,
                                        "the formula written by the split (its text was edited)", "formula_edited"))
        for addr, h in fixed.items():
            if raw_get is not None:
                m = raw_get(addr)
                if m is not None and _fixed_hash(cells, addr, m) == h:
                    continue
            c = get(addr)
            if c is None or c.formula is not None or value_hash(c.value) != h:
                shown = None if c is None else ("=" + c.formula if c.formula is not None else c.value)
                code = "locked_changed" if addr not in unlocked else "unregistered_edit"
                problems.append(Problem(f"{file}: {sheet}!{addr}", shown,
                                        "the value written by the split (a locked cell, not an input)"
                                        if code == "locked_changed" else
                                        "nothing: this cell is not an input and is ignored", code))
        known = index.known.get(sheet, frozenset())
        unknown = (raw if raw is not None else cells).keys() - known   # usually empty
        if not unknown:
            nonblank: list[str] = []
        elif raw is not None:
            nonblank = [a for a, m in raw.items() if m[4] and a in unknown]
        else:
            nonblank = [a for a in cells if a in unknown]
        for addr in nonblank:
            c = cells[addr]
            if c.formula is None and (c.value is None or (type(c.value) is str and not c.value.strip())):
                continue
            shown = "=" + c.formula if c.formula is not None else c.value
            if is_locked(c.style):
                problems.append(Problem(f"{file}: {sheet}!{addr}", shown,
                                        "an empty cell (locked, not an input)", "locked_changed"))
            else:
                problems.append(Problem(f"{file}: {sheet}!{addr}", shown,
                                        "nothing: this cell is not an input and is ignored", "unregistered_edit"))
    return values, problems
