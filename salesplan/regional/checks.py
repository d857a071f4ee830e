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
``sheet_added``         warning   a sheet the split did not write; nothing in it is merged
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
from operator import itemgetter
from typing import Any, Callable, Hashable, Iterable, Mapping

from salesplan.errors import Problem
from salesplan.regional.manifest import InputColumn, InputField, SplitManifest, Stamp
from salesplan.regional.merge import NOT_SENT
from salesplan.regional.values import canon, canon_number, formula_hash, formula_hash_of_normalized, value_hash
from salesplan.xlsx.lxml_reader import simple_formula

_judge_inputs_c = _unsettled_c = _formula_text_c = None

__all__ = ["REJECT_CODES", "WARNING_CODES", "check_stamp", "check_cells", "check_cells_aligned", "validate_input",
           "clear_caches"]

REJECT_CODES = frozenset({"not_regional", "no_manifest", "split_mismatch", "region_mismatch", "month_mismatch",
                          "version_mismatch", "layout_mismatch", "sheet_missing"})
WARNING_CODES = frozenset({"unregistered_edit", "sheet_added"})

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
    try:
        v = canon(value)
    except ValueError:          # an infinite or NaN number (no spreadsheet stores one): invalid,
        return None, _invalid(file, f, str(value))      # shown as text ("inf": JSON has no infinity)
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
        if not _number_fits(f, v):
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


def _number_fits(f: InputField, v: Decimal) -> bool:
    """A number field's own rules: whole when ``integer``, within minimum and maximum."""
    return not ((f.kind == "integer" and v != v.to_integral_value())
                or (f.minimum is not None and v < f.minimum) or (f.maximum is not None and v > f.maximum))


def _where(file: str, f: InputField) -> str:
    return f"{file}: {f.sheet}!{f.cell}"


def _invalid(file: str, f: InputField, value: Any) -> Problem:
    return Problem(_where(file, f), value, f.expected(), "invalid_input")


_INT = re.compile(r"^[+-]?\d+$")
_KEY = itemgetter(0)                    # of an InputField
_SIGNATURE = itemgetter(3, 4, 5, 6)     # of an InputField: (kind, minimum, maximum, choices)
_MISS = object()
_REFUSED = object()            # memo verdict: the value is not valid for the field

_MEMO_MAX = 200_000
# Verdicts memoised across cells and files. Each depends only on its key: a cell's
# stored XML (type + inner XML, or the resolved shared string) and, for inputs, the
# field's validation signature. A month's regional files repeat the same formulas,
# labels and small numbers, so most cells are judged by one dictionary lookup.
# Inputs: one memo per signature (kind, min, max, choices), keyed by the inner XML of a
# plain number, or (t, inner) / ("s", shared string) for other cells.
_INPUT_VERDICTS: dict[tuple[Any, ...], dict[Any, Any]] = {}
_FORMULA_HASHES_BY_XML: dict[str, str | None] = {}        # inner XML -> formula hash | None (not plain)
_VALUE_HASHES: dict[tuple[str, str], str | None] = {}    # (t, inner XML) -> value hash | None (n/a)


def clear_caches() -> None:
    """Forget every memoised verdict (and the reader's parsed structural parts): a
    benchmark round then starts as cold as a fresh process."""
    from salesplan.regional import manifest, values
    from salesplan.xlsx import lxml_reader as xlsxread

    for memo in (*_INPUT_VERDICTS.values(), _FORMULA_HASHES_BY_XML, _VALUE_HASHES, values._FORMULA_HASHES,
                 xlsxread._STRUCT_CACHE, manifest._GRID_CELLS, manifest._GRID_CELL_SETS, manifest._SHEET_GEOMETRY):
        memo.clear()


def _verdicts_of(sig: tuple[Any, ...]) -> dict[Any, Any]:
    """The verdict memo shared by every field of signature ``sig`` (kind, min, max, choices)."""
    memo = _INPUT_VERDICTS.get(sig)
    if memo is None:
        memo = _INPUT_VERDICTS[sig] = {}
    return memo


def _remember(memo: dict, key: Any, verdict: Any) -> None:
    if len(memo) >= _MEMO_MAX:
        memo.clear()
    memo[key] = verdict


def _input_plan(manifest: SplitManifest, sheet: str) -> tuple[list[str], list[int], list[InputField],
                                                              dict[int, dict]]:
    """(cells, positions, fields, memo_of) of the sheet's inputs: ``positions[i]`` is the
    index of the input's key in ``manifest.input_keys()``; a grid's field is its
    :class:`InputColumn` (see :func:`_own`); ``memo_of[id(field)]`` is its verdict memo."""
    cells, _, fields = manifest.input_layout().get(sheet, ([], [], []))
    # one memo per field object — a grid repeats its handful of columns on every row —
    # found by identity: hashing each input's signature costs 3× more
    return (cells, manifest.layout_positions(sheet), fields,
            {id(f): _verdicts_of(_SIGNATURE(f)) for f in manifest.layout_fields(sheet)})


def _own(f: InputField, key: Hashable, addr: str) -> InputField:
    """The input's own field (a plan holds one InputColumn for a grid field's rows)."""
    return f.at(key, addr) if type(f) is InputColumn else f


def _same_as_base(v: Any, b: Any) -> bool:
    """A raw value the manager left as the split wrote it (so it is not judged again)."""
    return (b is not None and type(v) is not bool and type(b) is not bool and v == b
            and isinstance(v, (int, float)) == isinstance(b, Decimal))


def check_cells(file: str, manifest: SplitManifest, sheets: Mapping[str, Mapping[str, Any]],
                is_locked: Callable[[int], bool]) -> tuple[dict[Hashable, Any], list[Problem]]:
    """Validate a regional file's cells against its manifest.

    ``sheets`` maps sheet name → ``{address: Cell}`` (from the raw reader). Returns the
    accepted input values keyed like the manifest's inputs, and every problem found.
    (:func:`check_cells_aligned` gives the values aligned with the manifest's input keys.)
    """
    sent, problems = check_cells_aligned(file, manifest, sheets, is_locked)
    return {k: v for k, v in zip(manifest.input_keys(), sent) if v is not NOT_SENT}, problems


def check_cells_aligned(file: str, manifest: SplitManifest, sheets: Mapping[str, Mapping[str, Any]],
                        is_locked: Callable[[int], bool]) -> tuple[list[Any], list[Problem]]:
    """:func:`check_cells` with the accepted values aligned with ``manifest.input_keys()``
    (:data:`NOT_SENT` where the file gives none: an invalid input, a missing sheet), as
    the merge takes them — no key is hashed to put a value in its place.

    With a :class:`~salesplan.xlsx.lxml_reader.LazySheet` the cells are judged from
    their stored XML through memoised verdicts (see ``_INPUT_VERDICTS``) and decoded
    only on a miss; anything unusual (formulas in inputs, rich text …) is decoded in full.
    """
    problems: list[Problem] = []
    index = manifest.index()
    values: list[Any] = [NOT_SENT] * len(manifest.input_keys())
    for sheet in index.sheets:
        if sheet not in sheets:
            problems.append(Problem(f"{file}: {sheet}", None, f"the sheet {sheet!r} of the split", "sheet_missing"))
    if problems:
        return values, problems
    base = manifest.base_aligned()
    for sheet in index.sheets:
        cells = sheets[sheet]
        raw = getattr(cells, "_raw", None)     # LazySheet: judge from the stored XML
        if raw is not None:
            _check_inputs_raw(file, manifest, _input_plan(manifest, sheet), cells, raw, base, values, problems)
        else:
            _check_inputs(file, manifest, index.inputs.get(sheet, {}), cells, base, values, problems)
        _check_formulas(file, sheet, manifest.formulas.get(sheet, {}), cells, raw, problems)
        _check_fixed(file, sheet, manifest.cells.get(sheet, {}), index.unlocked.get(sheet, frozenset()),
                     cells, raw, problems)
        unknown = index.unknown_cells(sheet, raw if raw is not None else cells)     # usually none
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


def _check_inputs(file: str, manifest: SplitManifest, inputs: Mapping[str, InputField], cells: Mapping[str, Any],
                  base: list[Any], values: list[Any], problems: list) -> None:
    """Inputs of a fully decoded sheet (``{address: Cell}``)."""
    where: dict[Hashable, int] = {}
    for i, k in enumerate(manifest.input_keys()):
        where.setdefault(k, i)
    get = cells.get
    for addr, f in inputs.items():
        p = where[f.key]
        _judge_in_full(file, f, get(addr), base[p], values, p, problems)


def _check_inputs_raw(file: str, manifest: SplitManifest,
                      plan: tuple[list[str], list[int], list[InputField], dict[int, dict]], cells: Any,
                      raw: Mapping[str, tuple[str, str, str, str, str]], base: list[Any],
                      values: list[Any], problems: list) -> None:
    """Inputs of a :class:`LazySheet`, judged from their stored XML (``values[p]`` gets the
    accepted value of the input whose key is ``input_keys()[p]``; ``base[p]`` is its base).

    * a text input still holding its base, written the way openpyxl writes it (the
      split's own files, managers' scripts), is recognised without decoding;
    * otherwise a verdict — the field's validated canonical value for that stored XML,
      or ``_REFUSED`` — is memoised per field signature on the type and XML, and a miss on a
      plain number is judged right here, like :func:`validate_input` would;
    * a refused value the manager did not change since the split is kept (it was the
      master's, not the manager's); anything else refused is reported.
    """
    addrs, positions, fields, memo_of = plan
    if _judge_inputs_c is not None and type(raw) is dict:
        # the common cases in C (blank, text kept as split, a memoised verdict, a plain
        # number not seen before); the rest below
        left: Iterable[int] = _judge_inputs_c(addrs, positions, fields, memo_of, raw, base, values, _REFUSED,
                                              Decimal, _MEMO_MAX)
    else:
        left = range(len(addrs))
    keys = manifest.input_keys()
    raw_get = raw.get
    sst = None
    for i in left:
        addr, p, f = addrs[i], positions[i], fields[i]
        memo = memo_of[id(f)]
        m = raw_get(addr)
        if m is None:
            values[p] = None
            continue
        inner = m[4]
        if not inner:
            values[p] = None
            continue
        t = m[2]
        if t == "inlineStr" and f.kind == "text":
            b = base[p]
            if type(b) is str and inner == _inline_xml(b):
                values[p] = b
                continue
            _judge_in_full(file, _own(f, keys[p], addr), cells[addr], b, values, p, problems)
            continue
        if t == "s":
            # a shared string: the verdict depends on the text, not on its index
            if sst is None:
                sst = cells._x.shared_strings
            idx = inner[3:-4]
            if inner[:3] != "<v>" or inner[-4:] != "</v>" or not idx.isdigit() or int(idx) >= len(sst):
                _judge_in_full(file, _own(f, keys[p], addr), cells[addr], base[p], values, p, problems)
                continue
            mk = ("s", sst[int(idx)])
        elif "<f" in inner:
            _judge_in_full(file, _own(f, keys[p], addr), cells[addr], base[p], values, p, problems)
            continue
        else:
            mk = inner if not t or t == "n" else (t, inner)     # a plain number: its XML is the key
        verdict = memo.get(mk, _MISS)
        if verdict is _MISS:
            verdict = _fresh_verdict(file, f, keys[p], t, inner, cells, addr)
            if f.kind != "text":             # names and other texts rarely repeat
                _remember(memo, mk, verdict)
        if verdict is _REFUSED:
            _judge_in_full(file, _own(f, keys[p], addr), cells[addr], base[p], values, p, problems)
        else:
            values[p] = verdict


def _inline_xml(text: str) -> str | None:
    """The inner XML openpyxl writes for ``text`` as an inline string (None: not one
    whose decoding is unambiguous — ``_xHHHH_`` escapes, spaces kept by xml:space)."""
    if "_x" in text or text[:1].isspace() or text[-1:].isspace():
        return None
    return "<is><t>" + text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .encode("ascii", "xmlcharrefreplace").decode("ascii") + "</t></is>"


def _fresh_verdict(file: str, f: InputField, key: Hashable, t: str, inner: str, cells: Any, addr: str) -> Any:
    """The verdict for one cell not seen before: its canonical value, or ``_REFUSED``
    (``f`` may be a grid's InputColumn: the input's own field is built only to validate
    in full)."""
    if (not t or t == "n") and inner[:3] == "<v>" and inner[-4:] == "</v>" and inner.count("<") == 2 \
            and f.kind in _NUMBER_KINDS:
        # a plain number in a number field: what _decode + validate_input would do
        rv = inner[3:-4]
        if not rv:
            return None
        try:
            cv = Decimal(int(rv)) if _INT.match(rv) else canon_number(float(rv))     # = canon(the number)
        except (ValueError, OverflowError):
            return _REFUSED                  # judged in full, which names what is wrong
        return cv if _number_fits(f, cv) else _REFUSED
    value, problem = validate_input(file, _own(f, key, addr), cells[addr].value, None)
    return _REFUSED if problem is not None else value


def _judge_in_full(file: str, f: InputField, c: Any, b: Any, values: list[Any], p: int, problems: list) -> None:
    """One decoded input cell (``c`` None: not stored, blank; ``b`` its base; the
    accepted value goes to ``values[p]``)."""
    if c is None or (c.value is None and c.formula is None):
        values[p] = None
        return
    v, formula = c.value, c.formula
    if formula is None and _same_as_base(v, b):
        values[p] = b                  # unchanged since the split: valid then, nothing to check now
        return
    value, problem = validate_input(file, f, v, formula)
    if problem is not None:
        problems.append(problem)
    else:
        values[p] = value


def _check_formulas(file: str, sheet: str, formulas: Mapping[str, str], cells: Mapping[str, Any],
                    raw: Mapping[str, tuple[str, str, str, str, str]] | None, problems: list) -> None:
    """Every formula the split wrote is still there, with the same (normalised) text."""
    if raw is not None:
        raw_get = raw.get
        memo = _FORMULA_HASHES_BY_XML
        memo_get = memo.get
        for addr, h in _unsettled(formulas, raw, memo, False):
            m = raw_get(addr)
            if m is None:
                _formula_problem(file, sheet, addr, h, cells, problems)
                continue
            inner = m[4]
            got = memo_get(inner, _MISS)
            if got is _MISS:
                # a region's formulas name the region: they rarely repeat from file to
                # file, so this is the usual path — the common formula normalised in C
                norm = _formula_text_c(inner) if _formula_text_c is not None else None
                if norm is not None:
                    got = formula_hash_of_normalized(norm)
                else:
                    text = simple_formula(m)
                    got = formula_hash(text) if text is not None else None
                _remember(memo, inner, got)
            if got != h:
                _formula_problem(file, sheet, addr, h, cells, problems)
        return
    for addr, h in formulas.items():
        _formula_problem(file, sheet, addr, h, cells, problems)


def _unsettled(expected: Mapping[str, str], raw: Mapping[str, tuple[str, str, str, str, str]], memo: dict,
               by_type: bool) -> Iterable[tuple[str, str]]:
    """The (address, hash) of ``expected`` for the loops below to judge: in C, only those
    the memo does not already show unchanged (usually none); else (no C helper, or no
    stored XML: ``raw`` None) all of them."""
    if _unsettled_c is not None and type(expected) is dict and type(raw) is dict:
        return [(a, expected[a]) for a in _unsettled_c(expected, raw, memo, by_type)]
    return expected.items()


def _formula_problem(file: str, sheet: str, addr: str, h: str, cells: Mapping[str, Any], problems: list) -> None:
    """Judge one formula cell in full (decoded: shared formulas, attributes …)."""
    c = cells.get(addr)
    if c is None or c.formula is None:
        problems.append(Problem(f"{file}: {sheet}!{addr}", None if c is None else c.value,
                                "the formula written by the split (it was replaced by a value)",
                                "formula_edited"))
    elif formula_hash(c.formula) != h:
        problems.append(Problem(f"{file}: {sheet}!{addr}", "=" + c.formula,
                                "the formula written by the split (its text was edited)", "formula_edited"))


def _check_fixed(file: str, sheet: str, fixed: Mapping[str, str], unlocked: frozenset, cells: Mapping[str, Any],
                 raw: Mapping[str, tuple[str, str, str, str, str]] | None, problems: list) -> None:
    """Locked values (labels, numbers the split wrote) are unchanged."""
    raw_get = raw.get if raw is not None else None
    memo = _VALUE_HASHES
    memo_get = memo.get
    for addr, h in _unsettled(fixed, raw, memo, True):
        if raw_get is not None:
            m = raw_get(addr)
            if m is not None:
                t, inner = m[2], m[4]
                if t != "s" and "<f" not in inner:      # the value depends on the XML alone
                    mk = (t, inner)
                    got = memo_get(mk, _MISS)
                    if got is _MISS:
                        c = cells[addr]
                        got = value_hash(c.value) if c.formula is None else None
                        _remember(memo, mk, got)
                    if got == h:
                        continue
        c = cells.get(addr)
        if c is None or c.formula is not None or value_hash(c.value) != h:
            shown = None if c is None else ("=" + c.formula if c.formula is not None else c.value)
            code = "locked_changed" if addr not in unlocked else "unregistered_edit"
            problems.append(Problem(f"{file}: {sheet}!{addr}", shown,
                                    "the value written by the split (a locked cell, not an input)"
                                    if code == "locked_changed" else
                                    "nothing: this cell is not an input and is ignored", code))
