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
``digest_mismatch``     reject    the stamp's record digest is not the split record's
``region_mismatch``     reject    stamp region ≠ the split record's region
``month_mismatch``      reject    stamp month ≠ the master's month
``version_mismatch``    reject    plan version changed since the split (settings edited)
``layout_mismatch``     reject    the workbook layout changed since the split
``sheet_missing``       reject    a sheet of the split was deleted or renamed
``rows_moved``          reject    rows were inserted or deleted in an input table
``formula_edited``      error     a formula cell's meaning changed, or it became a value
``locked_changed``      error     a locked non-input cell's value changed
``invalid_input``       error     an input violates its validation; the master keeps its value
``older_copy``          error     a change by a file saved before the one that set the value;
                                  a conflict, the master keeps the newer value
``unregistered_edit``   warning   an unlocked cell that is no input was filled in; ignored
``sheet_added``         warning   a sheet the split did not write; nothing in it is merged
======================  ========  =====================================================

"reject" problems stop the file before merging. Errors do not block the file's valid
inputs: edited formulas and locked cells are never merged anyway (only registered inputs
are), and an invalid input is skipped, so one typo does not throw away a manager's
other hundred keystrokes — all of it is listed in the report.

Locked content is judged by what it means, not by how an application spells it: values
compare canonically (:mod:`salesplan.regional.values`), formulas after
:func:`~salesplan.regional.values.normalize_formula` (``$A$3`` is ``A3`` in its cell,
``TRUE()`` is ``TRUE``), so a file re-saved by Excel, WPS or LibreOffice without an edit
is clean.
"""
from __future__ import annotations

import datetime as _dt
from collections import Counter
from decimal import Decimal
from typing import Any, Callable, Hashable, Mapping

from salesplan.errors import Problem
from salesplan.engine.words import is_blank, parse_yes_no
from salesplan.regional.manifest import InputField, SplitManifest, Stamp
from salesplan.regional.values import canon, formula_constant, formula_fingerprint, formulas_digest, same
from salesplan.xlsx.lxml_reader import split_address

__all__ = ["REJECT_CODES", "WARNING_CODES", "check_stamp", "check_cells", "validate_input"]

REJECT_CODES = frozenset({"not_regional", "no_manifest", "split_mismatch", "digest_mismatch", "region_mismatch",
                          "month_mismatch", "version_mismatch", "layout_mismatch", "sheet_missing", "rows_moved"})
WARNING_CODES = frozenset({"unregistered_edit", "sheet_added"})


def _differs(what: str, got: str, want: str) -> str:
    """``what`` and ``want``, saying how ``got`` differs when the two look alike."""
    if got != want and "".join(got.split()) == "".join(want.split()):
        return f"{what} {want!r} (this one differs in spaces: {got!r})"
    if got != want and [c for c in got if c.isprintable()] == [c for c in want if c.isprintable()]:
        return f"{what} {want!r} (this one differs in invisible characters: {got!r})"
    return f"{what} {want!r}"


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
        out.append(Problem(f"{file}: salesplan.split.region", stamp.region,
                           _differs("the region", stamp.region, manifest.region), "region_mismatch"))
    if stamp.split_id != manifest.split_id:
        out.append(Problem(f"{file}: salesplan.split.split_id", stamp.split_id,
                           f"the latest split of {manifest.region} ({manifest.split_id}, {manifest.split_time}); "
                           f"this file is from another split", "split_mismatch"))
    elif stamp.manifest_digest != manifest.digest:
        out.append(Problem(f"{file}: salesplan.split.manifest_digest", stamp.manifest_digest,
                           f"the split record's digest {manifest.digest!r} (the stamp or the record was edited)",
                           "digest_mismatch"))
    if month is not None and stamp.month != month:
        out.append(Problem(f"{file}: salesplan.split.month", stamp.month, _differs("the plan month", stamp.month, month),
                           "month_mismatch"))
    elif stamp.month != manifest.month:
        out.append(Problem(f"{file}: salesplan.split.month", stamp.month,
                           _differs("the split record's month", stamp.month, manifest.month)
                           + ", which is not this file's: the record was edited or is another month's",
                           "month_mismatch"))
    if check_version:
        want = plan_version if plan_version is not None else manifest.plan_version
        if stamp.plan_version != want or stamp.plan_version != manifest.plan_version:
            out.append(Problem(f"{file}: salesplan.split.plan_version", stamp.plan_version,
                               _differs("plan version", stamp.plan_version, want if stamp.plan_version != want
                                        else manifest.plan_version) + " (the plan settings changed since the split)",
                               "version_mismatch"))
    want_layout = layout_version if layout_version is not None else manifest.layout_version
    if stamp.layout_version != want_layout:
        out.append(Problem(f"{file}: salesplan.split.layout_version", stamp.layout_version,
                           _differs("layout version", stamp.layout_version, want_layout), "layout_mismatch"))
    return out


_NUMBER_KINDS = frozenset({"number", "integer", "percent", "date"})


def _as_number(f: InputField, value: Any, v: Any) -> Decimal | None:
    """A number field's value (None: not a number the field takes)."""
    if isinstance(v, str) and f.kind == "percent" and v.strip().endswith("%"):
        try:
            v = Decimal(v.strip()[:-1].strip()) / 100
        except ArithmeticError:
            return None
    if isinstance(value, (_dt.date, _dt.datetime)) and f.kind != "date":
        return None
    if not isinstance(v, Decimal):
        return None
    if (f.kind == "integer" and v != v.to_integral_value()) or (f.minimum is not None and v < f.minimum) \
            or (f.maximum is not None and v > f.maximum):
        return None
    return v


def _accepted(f: InputField, value: Any, v: Any) -> tuple[bool, Any]:
    """(whether the field takes canonical value ``v`` typed as ``value``, the value it keeps)."""
    if f.kind in _NUMBER_KINDS:
        n = _as_number(f, value, v)
        return n is not None, n
    if f.kind == "bool":
        try:
            return True, parse_yes_no(v)
        except ValueError:
            return False, None
    if f.kind == "choice":
        text = v.strip() if isinstance(v, str) else str(v)
        return text in f.choices, text
    # text: a number typed into a text cell (a code "007" becomes 7 in Excel) is kept as its text
    if isinstance(v, bool):
        return False, None
    text = format(v, "f") if isinstance(v, Decimal) else v
    return (f.maximum is None or len(text) <= f.maximum), text


def validate_input(file: str, f: InputField, value: Any, formula: str | None) -> tuple[Any, Problem | None]:
    """(canonical accepted value, None) or (None, Problem) for one input cell."""
    where = f"{file}: {f.sheet}!{f.cell}"
    if formula is not None:
        return None, Problem(where, "=" + formula, f.expected() + " typed as a value, not a formula", "invalid_input")
    try:
        v = canon(value)
    except ValueError:          # an infinite or NaN number (no spreadsheet stores one): invalid,
        return None, Problem(where, str(value), f.expected(), "invalid_input")   # shown as text
    if v is None:
        return None, None
    ok, kept = _accepted(f, value, v)
    return (kept, None) if ok else (None, Problem(where, value, f.expected(), "invalid_input"))


def _digits15(v: Decimal) -> Decimal:
    """A number as Excel shows it: 15 significant digits (LibreOffice and WPS save no more)."""
    return Decimal(format(v, ".15g")) if v.is_finite() else v


def _same15(a: Decimal, b: Decimal) -> bool:
    """Equal to the 15 significant digits an application keeps: within half a unit of the
    15th digit (the double rounded to 15 digits, whichever way the application rounds)."""
    if a == b:
        return True
    if not (a.is_finite() and b.is_finite()) or a.is_zero() or b.is_zero():
        return False
    return abs(a - b) <= Decimal("0.5005").scaleb(max(a.adjusted(), b.adjusted()) - 14)


def _same_as_base(value: Any, base: Any) -> bool:
    """A raw number the manager left as the split wrote it, as the application saved it
    (so it is not judged again, and not taken for a change)."""
    if base is None or not isinstance(value, (int, float)) or isinstance(value, bool) or not isinstance(base, Decimal):
        return False
    try:
        return _same15(canon(value), base)
    except ValueError:
        return False


def check_cells(file: str, manifest: SplitManifest, sheets: Mapping[str, Mapping[str, Any]],
                is_locked: Callable[[int], bool]) -> tuple[dict[Hashable, Any], list[Problem]]:
    """Validate a regional file's cells against its split record.

    ``sheets`` maps sheet name → ``{address: Cell}`` (from the raw reader). Returns the
    accepted input values keyed like the record's inputs (an invalid input is left out)
    and every problem found.
    """
    missing = [Problem(f"{file}: {s}", None, f"the sheet {s!r} of the split", "sheet_missing")
               for s in manifest.sheets if s not in sheets]
    if missing:
        return {}, missing
    values: dict[Hashable, Any] = {}
    problems: list[Problem] = []
    inputs = manifest.inputs_by_sheet()
    for sheet in manifest.sheets or list(sheets):
        cells = sheets[sheet]
        sheet_inputs = inputs.get(sheet, {})
        _check_inputs(file, sheet_inputs, cells, manifest.base, values, problems)
        formulas = manifest.formulas.get(sheet, {})
        fixed = manifest.cells.get(sheet, {})
        before = len(problems)
        # every formula spelled as the split wrote it: none to judge one by one
        as_written = formulas_digest((a, c.formula if (c := cells.get(a)) is not None else None) for a in formulas) \
            == manifest.formulas_as_written.get(sheet)
        _check_locked(file, sheet, {} if as_written else formulas, fixed, set(manifest.unlocked.get(sheet, ())), cells, problems)
        moved = _moved_row(fixed, cells, is_locked) if sheet_inputs and len(problems) > before else None
        if moved is not None:
            # an input table's rows moved: its inputs are no longer where their keys say — none is taken
            return {}, [Problem(f"{file}: {sheet}!{moved[0]}", f"row {moved[1]}",
                                f"row {moved[0]} of the split in its place (rows were inserted or deleted; "
                                f"undo that, or type the values into a fresh copy of the file)", "rows_moved")]
        for addr, c in cells.items():
            if addr in sheet_inputs or addr in formulas or addr in fixed or (c.formula is None and is_blank(c.value)):
                continue
            shown = "=" + c.formula if c.formula is not None else c.value
            if is_locked(c.style):
                problems.append(Problem(f"{file}: {sheet}!{addr}", shown, "an empty cell (locked, not an input)",
                                        "locked_changed"))
            else:
                problems.append(Problem(f"{file}: {sheet}!{addr}", shown,
                                        "nothing: this cell is not an input and is ignored", "unregistered_edit"))
    return values, problems


def _check_inputs(file: str, inputs: Mapping[str, InputField], cells: Mapping[str, Any], base: Mapping[Hashable, Any],
                  values: dict[Hashable, Any], problems: list[Problem]) -> None:
    for addr, f in inputs.items():
        c = cells.get(addr)
        if c is None or (c.formula is None and is_blank(c.value)):
            values[f.key] = None
            continue
        b = base.get(f.key)
        if c.formula is None and _same_as_base(c.value, b):
            values[f.key] = b              # unchanged since the split: valid then, nothing to judge now
            continue
        value, problem = validate_input(file, f, c.value, c.formula)
        if problem is not None:
            problems.append(problem)
        else:
            values[f.key] = value


def _check_locked(file: str, sheet: str, formulas: Mapping[str, str], fixed: Mapping[str, Any], unlocked: set[str],
                  cells: Mapping[str, Any], problems: list[Problem]) -> None:
    """Every formula the split wrote means the same, and every locked value is unchanged."""
    for addr, want in formulas.items():
        c = cells.get(addr)
        if c is None or c.formula is None:
            problems.append(Problem(f"{file}: {sheet}!{addr}", None if c is None else c.value,
                                    "the formula written by the split (it was replaced by a value)",
                                    "formula_edited"))
        elif formula_fingerprint(c.formula) != want:
            problems.append(Problem(f"{file}: {sheet}!{addr}", "=" + c.formula,
                                    "the formula written by the split (its text was edited)", "formula_edited"))
    for addr, want in fixed.items():
        c = cells.get(addr)
        if c is not None and (_same_value(c.value, want) if c.formula is None
                              else _same_value(formula_constant(c.formula), want)):
            continue
        shown = None if c is None else ("=" + c.formula if c.formula is not None else c.value)
        if addr in unlocked:
            problems.append(Problem(f"{file}: {sheet}!{addr}", shown,
                                    "nothing: this cell is not an input and is ignored", "unregistered_edit"))
        else:
            problems.append(Problem(f"{file}: {sheet}!{addr}", shown,
                                    f"{want!s} as written by the split (a locked cell, not an input)",
                                    "locked_changed"))


def _row_signatures(cells: Mapping[str, Any]) -> dict[int, tuple[Any, ...]]:
    """row → its locked values ((column, value) pairs, numbers to 15 digits)."""
    rows: dict[int, list[tuple[str, Any]]] = {}
    for addr, v in cells.items():
        col, row = split_address(addr)
        rows.setdefault(row, []).append((col, _digits15(v) if isinstance(v, Decimal) and type(v) is not bool else v))
    return {r: tuple(sorted(pairs)) for r, pairs in rows.items()}


def _moved_row(fixed: Mapping[str, Any], cells: Mapping[str, Any], is_locked: Callable[[int], bool]) -> tuple[int, int] | None:
    """(split row, file row) of the first row of locked values the split wrote that the
    file holds in another row, when two rows or more moved alike — rows were inserted or
    deleted — else None."""
    want = _row_signatures(fixed)
    held: dict[str, Any] = {}
    for addr, c in cells.items():
        if c.formula is None and is_locked(c.style):
            try:
                v = canon(c.value)
            except ValueError:
                continue
            if v is not None:
                held[addr] = v
    got = _row_signatures(held)
    where: dict[tuple[Any, ...], list[int]] = {}
    for r, sig in got.items():
        where.setdefault(sig, []).append(r)
    count = Counter(want.values())
    # rows found elsewhere, by how far they moved; one row alone may be a copied label
    shifted: dict[int, list[tuple[int, int]]] = {}
    for r, sig in sorted(want.items()):
        rows = where.get(sig, [])
        if got.get(r) != sig and count[sig] == 1 and len(rows) == 1:
            shifted.setdefault(rows[0] - r, []).append((r, rows[0]))
    return next((pairs[0] for pairs in shifted.values() if len(pairs) >= 2), None)


def _same_value(value: Any, want: Any) -> bool:
    """A locked value unchanged in meaning (numbers to the 15 digits Excel shows)."""
    try:
        got = canon(value)
    except ValueError:                   # an infinite or NaN number: not what the split wrote
        return False
    if isinstance(got, Decimal) and isinstance(want, Decimal) and type(got) is not bool and type(want) is not bool:
        return _same15(got, want)
    return same(got, want)
