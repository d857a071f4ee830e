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
from decimal import Decimal
from typing import Any, Callable, Hashable, Mapping

from salesplan.errors import Problem
from salesplan.regional.manifest import InputField, SplitManifest, Stamp
from salesplan.regional.values import canon, formula_hash, value_hash

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


def validate_input(file: str, f: InputField, value: Any, formula: str | None) -> tuple[Any, Problem | None]:
    """(canonical accepted value, None) or (None, Problem) for one input cell."""
    where = f"{file}: {f.sheet}!{f.cell}"
    if formula is not None:
        return None, Problem(where, "=" + formula, f.expected() + " typed as a value, not a formula",
                             "invalid_input")
    v = canon(value)
    if v is None:
        return None, None
    kind = f.kind
    if kind in ("number", "integer", "percent", "date"):
        if isinstance(v, str) and kind == "percent" and v.strip().endswith("%"):
            try:
                v = Decimal(v.strip()[:-1].strip()) / 100
            except ArithmeticError:
                return None, Problem(where, value, f.expected(), "invalid_input")
        if isinstance(value, (_dt.date, _dt.datetime)) and kind != "date":
            return None, Problem(where, value, f.expected(), "invalid_input")
        if not isinstance(v, Decimal) or isinstance(v, bool):
            return None, Problem(where, value, f.expected(), "invalid_input")
        if kind == "integer" and v != v.to_integral_value():
            return None, Problem(where, value, f.expected(), "invalid_input")
        if (f.minimum is not None and v < f.minimum) or (f.maximum is not None and v > f.maximum):
            return None, Problem(where, value, f.expected(), "invalid_input")
        return v, None
    if kind == "bool":
        if isinstance(v, bool):
            return v, None
        text = str(v).strip().lower() if not isinstance(v, Decimal) else str(v)
        if text in _YES:
            return True, None
        if text in _NO:
            return False, None
        return None, Problem(where, value, f.expected(), "invalid_input")
    if kind == "choice":
        text = v if isinstance(v, str) else str(v)
        if text.strip() in f.choices:
            return text.strip(), None
        return None, Problem(where, value, f.expected(), "invalid_input")
    # text: a number typed into a text cell (a code "007" becomes 7 in Excel) is kept as its text
    if isinstance(v, bool):
        return None, Problem(where, value, f.expected(), "invalid_input")
    if isinstance(v, Decimal):
        return format(v, "f"), None
    return v, None


def check_cells(file: str, manifest: SplitManifest, sheets: Mapping[str, Mapping[str, Any]],
                is_locked: Callable[[int], bool]) -> tuple[dict[Hashable, Any], list[Problem]]:
    """Validate a regional file's cells against its manifest.

    ``sheets`` maps sheet name → ``{address: Cell}`` (from the raw reader). Returns the
    accepted input values keyed like the manifest's inputs, and every problem found.
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
        for addr, f in inputs.items():
            if raw is not None:
                m = raw.get(addr)
                if m is None or not m[4]:
                    values[f.key] = None
                    continue
            c = get(addr)
            if c is None or (c.value is None and c.formula is None):
                values[f.key] = None
                continue
            if c.formula is None:
                # unchanged since the split: valid then, nothing to check now
                b = base.get(f.key)
                v = c.value
                if b is not None and type(v) is not bool and type(b) is not bool and v == b \
                        and isinstance(v, (int, float)) == isinstance(b, Decimal):
                    values[f.key] = b
                    continue
            value, problem = validate_input(file, f, c.value, c.formula)
            if problem is not None:
                problems.append(problem)
            else:
                values[f.key] = value
        for addr, h in formulas.items():
            c = get(addr)
            if c is None or c.formula is None:
                problems.append(Problem(f"{file}: {sheet}!{addr}", None if c is None else c.value,
                                        "the formula written by the split (it was replaced by a value)",
                                        "formula_edited"))
            elif formula_hash(c.formula) != h:
                problems.append(Problem(f"{file}: {sheet}!{addr}", "=" + c.formula,
                                        "the formula written by the split (its text was edited)", "formula_edited"))
        for addr, h in fixed.items():
            c = get(addr)
            if c is None or c.formula is not None or value_hash(c.value) != h:
                shown = None if c is None else ("=" + c.formula if c.formula is not None else c.value)
                code = "locked_changed" if addr not in unlocked else "unregistered_edit"
                problems.append(Problem(f"{file}: {sheet}!{addr}", shown,
                                        "the value written by the split (a locked cell, not an input)"
                                        if code == "locked_changed" else
                                        "nothing: this cell is not an input and is ignored", code))
        known = index.known.get(sheet, frozenset())
        nonblank = cells.nonblank() if hasattr(cells, "nonblank") else iter(cells)
        for addr in nonblank:
            if addr in known:
                continue
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
