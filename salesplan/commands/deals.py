"""``salesplan deals import FILE [FILE ...] [--into PLAN.xlsx] [--columns TOML] [--json]``.

Each file is preflighted and imported on its own: a refused or invalid file is
reported with its reason and the others still proceed. Exit status 0 when every
file imported cleanly, 1 when any file was refused or had errors (those files
contribute no deals: nothing is half-imported).

``--into PLAN.xlsx`` lands the deals in the plan workbook's 成交明细 sheet
(:func:`land_deals`, the same function as the ribbon's 导入成交):

* **every file is validated first** and every problem of every file is listed; when
  any file is refused or has an error, the workbook is not touched (exit 1);
* **report order**: file order as given, then row order inside each file (``seq``
  is renumbered 1..n over all files) — the commission takes deals in that order;
* **duplicate contract numbers across files** (compared like the reader does inside
  a file: trimmed, full-width folded, case folded): the first in report order is
  kept, later copies are dropped and listed with file and row;
* **plan month**: the target must be a salesplan workbook; a deal dated outside the
  workbook's month is an error (a report of another month landing in this plan would
  pay commission in the wrong month) unless ``--allow-other-months``, which imports
  it with a warning;
* the deals sheet is **replaced** by the imported deals (the CRM report is the
  month's record; import the whole month's report every time); every typed input of
  the workbook is kept, and the save is atomic (``write_deals``: a failure leaves the
  file byte-identical). Input files are only read.

Progress: a bar on stderr when it is a terminal (a step per file, one for writing the
sheet; wiped at the end), nothing otherwise; the summary (or ``--json``) on stdout.

``--columns`` takes a TOML file with a ``[deals.columns]`` table (the plan
configuration itself works) or a top-level ``[columns]`` table.
``--json`` prints one JSON document: per-file reports and the imported deals, with
amounts as decimal strings in yuan (``"1200000.00"``) and dates as ``YYYY-MM-DD``.
"""
from __future__ import annotations

import argparse
import csv
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from salesplan.commands._format import write_json
from salesplan.config.limits import MAX_DEAL_REP_PAIRS, MAX_DEALS
from salesplan.deals.amounts import fen_to_decimal
from salesplan.deals.columns import DEFAULT_HEADERS, FIELDS, REQUIRED, ColumnMap
from salesplan.xlsx.preflight import UnsafeFileError
from salesplan.deals.reader import DEALS_COLUMNS, DealsImport, _contract_key, import_deals
from salesplan.deals.roster import (UnassignedRep, roster_of_config, roster_of_inputs, unassigned_problems,
                                    unassigned_reps)
from salesplan.errors import ConfigError, DealsError, Problem
from salesplan.locking import plan_lock
from salesplan.progress import CliProgress, NullProgress, Progress


def register(subparsers: argparse._SubParsersAction) -> None:
    deals = subparsers.add_parser("deals", help="CRM deals: import and check")
    sub = deals.add_subparsers(dest="deals_command", metavar="ACTION")
    sub.required = True
    imp = sub.add_parser("import", help="import CRM deals from CSV (UTF-8/BOM/GBK) or XLSX files",
                         description="Import CRM deals from CSV (UTF-8/BOM/UTF-16/GBK) or XLSX files. "
                                     "`salesplan deals template -o FILE` writes an empty file with the headers.",
                         epilog=headers_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    imp.add_argument("files", nargs="+", metavar="FILE", type=Path)
    imp.add_argument("--columns", type=Path, metavar="TOML",
                     help="TOML with a [deals.columns] table mapping fields to headers")
    imp.add_argument("--json", action="store_true", help="print reports and deals as JSON")
    imp.add_argument("--into", type=Path, metavar="PLAN.xlsx",
                     help="land the deals in this plan workbook's deals sheet (replacing its deals; inputs kept; "
                          "nothing is written when any file has a problem)")
    imp.add_argument("--config", type=Path, metavar="PLAN.toml",
                     help="plan configuration whose [[regions]] reps are the roster the deals are checked against "
                          "(with --into the workbook's region tabs are)")
    imp.add_argument("--db", metavar="URL", help="history store to ask whether the month is closed (docs/history.md)")
    imp.add_argument("--allow-other-months", action="store_true",
                     help="with --into: import deals dated outside the workbook's month (with a warning) "
                          "instead of refusing them")
    imp.set_defaults(handler=run_import)
    tpl = sub.add_parser("template", help="write an empty CRM deals file (CSV or XLSX, by the suffix) with "
                                          "the accepted headers", epilog=headers_help(),
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    tpl.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="a new .csv or .xlsx file")
    tpl.add_argument("--columns", type=Path, metavar="TOML", help="use the headers of a [deals.columns] table")
    tpl.set_defaults(handler=run_template)


def headers_help() -> str:
    """The accepted headers, one field a line (the first is the one the template writes)."""
    lines = ["accepted column headers (compared ignoring case, spaces, _ and -; other columns are ignored):"]
    for f in FIELDS:
        need = "required" if f in REQUIRED else "optional"
        lines.append(f"  {f:<16} {need:<9} {', '.join(DEFAULT_HEADERS[f])}")
    return "\n".join(lines + ["A plan's [deals.columns] table (or --columns) replaces a field's headers. "
                               "More: docs/deals.md"])


def run_template(args: argparse.Namespace) -> int:
    """An empty deals file with one header per field: CSV (UTF-8 with BOM, so Excel reads
    the Chinese headers) or XLSX. An existing file is never overwritten."""
    cmap = load_columns(args.columns)
    out: Path = args.output
    header = [cmap.label(f) for f in FIELDS]
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise DealsError([Problem(str(out), out.suffix or "no suffix", "a file name ending in .csv or .xlsx",
                                  "suffix")])
    if out.exists():
        raise DealsError([Problem(str(out), "an existing file", "a new file name (nothing is overwritten)",
                                  "exists")])
    if suffix == ".csv":
        with open(out, "x", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerow(header)
    else:
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        wb.create_sheet("成交明细").append(header)
        wb.save(out)
    print(f"wrote {out}: {len(header)} columns ({', '.join(header)})")
    return 0


def load_columns(path: Path | None) -> ColumnMap:
    if path is None:
        return ColumnMap.default()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem(str(path), str(exc), "valid TOML", "toml")], str(path)) from None
    table = data.get("deals", {}).get("columns") if isinstance(data.get("deals"), dict) else None
    where = "[deals.columns]"
    if table is None and isinstance(data.get("columns"), dict):
        table, where = data["columns"], "[columns]"
    return ColumnMap.from_config(table or {}, where=f"{path.name}: {where}")


def _problem_json(p: Problem) -> dict[str, Any]:
    value = p.value if isinstance(p.value, (str, int, bool)) or p.value is None else str(p.value)
    return {"where": p.where, "value": value, "expected": p.expected, "code": p.code}


def _money_or_none(fen: Any) -> str | None:
    return None if pd.isna(fen) else str(fen_to_decimal(int(fen)))


def _deals_json(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Deals (with a ``file`` column) as JSON records, in report order."""
    out = []
    for row in df.itertuples(index=False):
        out.append({
            "file": row.file,
            "seq": int(row.seq),
            "source_row": int(row.source_row),
            "date": row.date.date().isoformat(),
            "rep": row.rep, "region": row.region, "customer": row.customer,
            "is_new_customer": bool(row.is_new_customer), "product": row.product,
            "amount": str(fen_to_decimal(row.amount_fen)),
            "contract_id": row.contract_id, "stamped": bool(row.stamped),
            "quote": _money_or_none(row.quote_fen),
            "list_price": _money_or_none(row.list_price_fen),
            "first_quote": bool(row.first_quote),
            "customer_region": getattr(row, "customer_region", "") or None,
        })
    return out


def _file_entry(path: Path, cmap: ColumnMap) -> tuple[dict[str, Any], DealsImport | None]:
    """Import one file (strict=False): its report entry and, when clean, its deals."""
    entry: dict[str, Any] = {"file": str(path)}
    try:
        result = import_deals(path, cmap, strict=False)
    except UnsafeFileError as exc:
        entry.update(status="refused", reason=exc.reason, detail=exc.detail)
        return entry, None
    except DealsError as exc:
        entry.update(status="errors", errors=[_problem_json(p) for p in exc.problems],
                     error_count=len(exc.problems))
        entry["_problems"] = list(exc.problems)
        return entry, None
    except (OSError, UnicodeError) as exc:
        entry.update(status="unreadable", detail=f"{type(exc).__name__}: {exc}")
        return entry, None
    r = result.report
    entry.update(
        status="errors" if r.errors else "ok",
        rows_read=r.rows_read, imported=0 if r.errors else r.imported,
        excluded_unstamped=r.excluded_unstamped, unstamped_rows=r.unstamped_rows,
        duplicates=[{"contract_id": d.contract_id, "rows": list(d.rows)} for d in r.duplicates],
        duplicates_dropped=r.duplicates_dropped,
        errors=[_problem_json(p) for p in r.errors], error_count=r.error_count,
        warnings=[_problem_json(p) for p in r.warnings],
        encoding=r.encoding, sheet=r.sheet,
    )
    entry["_problems"] = list(r.errors)
    return entry, (None if r.errors else result)


@dataclass
class CrossDuplicate:
    """A contract number found in several files; the first (report order) is kept."""

    contract_id: str
    places: list[tuple[str, int]]         # (file, row as Excel shows it), first = kept


@dataclass
class DealFiles:
    """Several CRM exports read as one monthly report (see the module docstring)."""

    entries: list[dict[str, Any]]
    deals: pd.DataFrame                   # DEALS_COLUMNS + "file", seq renumbered over all files
    problems: list[Problem] = field(default_factory=list)       # blocking: nothing may be written
    cross_duplicates: list[CrossDuplicate] = field(default_factory=list)
    other_month: list[Problem] = field(default_factory=list)    # deals dated outside ``month``
    warnings: list[Problem] = field(default_factory=list)
    month: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        return {
            "files": len(self.entries),
            "rows_read": sum(e.get("rows_read", 0) for e in self.entries),
            "imported": len(self.deals),
            "excluded_unstamped": sum(e.get("excluded_unstamped", 0) for e in self.entries),
            "duplicates": sum(len(e.get("duplicates", [])) for e in self.entries) + len(self.cross_duplicates),
            "errors": len(self.problems),
        }


def read_deal_files(files: Sequence[str | Path], columns: ColumnMap | None = None, *,
                    month: str | None = None, progress: Progress | None = None) -> DealFiles:
    """Read every file, in order, as one report; collect every problem, never raise for content.

    ``month`` (``YYYY-MM``) lists the deals dated outside it in ``other_month``.
    ``progress`` advances one step per file (the caller starts and finishes it: landing
    the deals is its last step, see :func:`import_steps`).
    """
    cmap = columns or ColumnMap.default()
    progress = progress or NullProgress()
    entries: list[dict[str, Any]] = []
    frames: list[pd.DataFrame] = []
    problems: list[Problem] = []
    for raw in files:
        path = Path(raw)
        progress.advance(0, f"读取 reading {path.name}")
        entry, result = _file_entry(path, cmap)
        entries.append(entry)
        progress.advance(1, f"{path.name}: {entry['status']}, {entry.get('rows_read', 0):,} rows")
        status = entry["status"]
        if status == "refused":
            problems.append(Problem(path.name, entry["reason"], f"a readable CRM export ({entry['detail']})",
                                    "refused"))
        elif status == "unreadable":
            problems.append(Problem(path.name, entry["detail"], "a readable CSV or XLSX file", "unreadable"))
        problems += entry.pop("_problems", [])
        if result is not None:
            frames.append(result.deals.assign(file=str(path)))
    deals = (pd.concat(frames, ignore_index=True) if frames
             else pd.DataFrame(columns=[*DEALS_COLUMNS, "file"]))
    out = DealFiles(entries, deals, problems, month=month)
    if len(deals):
        # cross-file duplicates: the first in report order wins (same rule as inside one file)
        keys = deals["contract_id"].map(lambda s: _contract_key(str(s)))
        first: dict[str, int] = {}
        drop: list[int] = []
        groups: dict[str, list[int]] = {}
        for i, k in enumerate(keys):
            if k in first:
                drop.append(i)
                groups.setdefault(k, [first[k]]).append(i)
            else:
                first[k] = i
        for k, idx in groups.items():
            places = [(Path(deals.at[i, "file"]).name, int(deals.at[i, "source_row"])) for i in idx]
            out.cross_duplicates.append(CrossDuplicate(str(deals.at[idx[0], "contract_id"]), places))
        deals = deals.drop(index=drop).reset_index(drop=True)
        deals["seq"] = range(1, len(deals) + 1)
        out.deals = deals
        for dup in out.cross_duplicates:
            (f0, r0), rest = dup.places[0], dup.places[1:]
            out.warnings.append(Problem(
                ", ".join(f"{f} row {r}" for f, r in rest), dup.contract_id,
                f"a contract number not already imported from {f0} row {r0}; only that first row is imported",
                "duplicate_across_files"))
    if month and len(out.deals):
        ym = out.deals["date"].dt.strftime("%Y-%m")
        for i in (ym != month).to_numpy().nonzero()[0]:
            row = out.deals.iloc[int(i)]
            out.other_month.append(Problem(
                f"{Path(row['file']).name}: row {int(row['source_row'])}, column 成交日期",
                row["date"].date().isoformat(), f"a deal date in the plan's month {month}", "other_month"))
    return out


@dataclass
class LandResult:
    plan: Path
    month: str
    landed: int
    replaced: int
    warnings: list[Problem] = field(default_factory=list)
    unassigned: list[UnassignedRep] = field(default_factory=list)   # deals of reps on no region tab


def check_landable(report: DealFiles, *, allow_other_months: bool = False) -> None:
    """Raise DealsError with *every* blocking problem (nothing is written then)."""
    blocking = list(report.problems)
    if len(report.deals) > MAX_DEALS:
        blocking.append(Problem(", ".join(Path(e["file"]).name for e in report.entries), f"{len(report.deals):,} deals",
                                f"at most {MAX_DEALS:,} deals in one plan workbook (the stated capacity, "
                                "docs/capacity.md)", "beyond_capacity"))
    if not allow_other_months:
        blocking += report.other_month
    if blocking:
        raise DealsError(blocking, source=", ".join(Path(e["file"]).name for e in report.entries))


def import_steps(files: Sequence[Any], into: bool) -> int:
    """The progress steps of an import: one per file, one more for landing the deals."""
    return len(files) + (1 if into else 0)


def land_deals(plan: str | Path, report: DealFiles, *, allow_other_months: bool = False,
               progress: Progress | None = None, ytd: dict | None = None) -> LandResult:
    """Write ``report.deals`` into the plan's deals sheet (atomic; typed inputs kept).

    Refuses (DealsError, nothing written) when any file had a problem, or when a deal is
    dated outside the workbook's month and ``allow_other_months`` is false. ``progress``
    advances one step when the sheet is written.
    """
    progress = progress or NullProgress()
    from salesplan.workbook_templates import plan_month, write_deals
    from salesplan.workbook_templates.reader import read_plan_book

    path = Path(plan)
    month = plan_month(path)
    if report.month != month:
        raise ValueError(f"the deals were checked against {report.month!r}, the workbook is {month!r}")
    check_landable(report, allow_other_months=allow_other_months)
    book = read_plan_book(path)          # once: write_deals regenerates from the same read
    inputs = book.inputs
    rep_rows = sum(len(r.reps) for r in inputs.regions.values())
    if len(report.deals) * max(rep_rows, 1) > MAX_DEAL_REP_PAIRS:   # the deals sheet's formulas cost deals × reps
        raise DealsError([Problem(path.name, f"{len(report.deals):,} deals × {rep_rows:,} rep rows",
                                  f"at most {MAX_DEAL_REP_PAIRS:,} deal × rep-row pairs in one workbook (e.g. "
                                  f"{MAX_DEALS:,} deals with {MAX_DEAL_REP_PAIRS // MAX_DEALS:,} rep rows; the stated "
                                  "capacity, docs/capacity.md)", "beyond_capacity")], source=path.name)
    replaced = sum(1 for d in inputs.deals if d.rep not in (None, "") or d.amount not in (None, ""))
    warnings = list(report.warnings) + (list(report.other_month) if allow_other_months else [])
    regions = list(inputs.regions)
    for region, rows in report.deals.groupby("region", sort=False)["source_row"]:
        if region not in regions:
            warnings.append(Problem(f"{len(rows)} deal(s)", region, "a region of the plan (" + ", ".join(regions)
                                    + "); these deals earn no commission", "unknown_region"))
    progress.advance(0, f"写入 成交明细 writing {len(report.deals):,} deals into {path.name}")
    write_deals(path, report.deals.drop(columns=["file"]), ytd=ytd, plan_book=book)
    progress.advance(1, f"{path.name}: {len(report.deals):,} deals written")
    unassigned = unassigned_reps(report.deals, roster_of_inputs(inputs))
    return LandResult(path, month, len(report.deals), replaced, warnings + unassigned_problems(unassigned),
                      unassigned)


def run_import(args: argparse.Namespace) -> int:
    from salesplan.workbook_templates import plan_meta
    cmap = load_columns(args.columns)
    into: Path | None = getattr(args, "into", None)
    meta = plan_meta(into) if into is not None else None
    month = meta["month"] if meta is not None else None
    if into is not None:       # a closed month takes no deals until it is reopened (exit 2)
        from salesplan.history.gate import refuse_if_closed
        refuse_if_closed(month, "import deals into " + into.name, getattr(args, "db", None), plan=into, meta=meta)
    # a bar on stderr while it runs (a TTY only; --json keeps stdout clean either way)
    progress = CliProgress(show_summary=False)
    progress.start(import_steps(args.files, into is not None), "导入成交 import deals")
    landed: LandResult | None = None
    blocked: list[Problem] = []
    try:
        report = read_deal_files(args.files, cmap, month=month, progress=progress)
        if into is not None:
            allow = bool(getattr(args, "allow_other_months", False))
            try:
                with plan_lock(into, "deals import"):    # one run at a time on a plan (read, merge, write)
                    from salesplan.history.ytd import for_month    # the 年度累计 sheet stays
                    landed = land_deals(into, report, allow_other_months=allow, progress=progress,
                                        ytd=for_month(month, getattr(args, "db", None)))
            except DealsError as exc:
                blocked = exc.problems
    finally:
        progress.finish()
    files = report.entries
    unassigned = _unassigned(args, report, landed)
    if args.json:
        doc = _json_report(report, into, month, landed, unassigned)
        write_json(doc, sys.stdout)
    else:
        _print_summary(files, report, blocked=blocked if into is not None and landed is None else None)
        if into is not None:
            if landed is not None:
                print(f"landed {landed.landed} deal(s) in {landed.plan} ({landed.month}); "
                      f"replaced {landed.replaced} deal row(s) that were there; typed inputs kept")
                for p in [p for p in landed.warnings if p.code != "unassigned_rep"]:   # those: stderr, below
                    print(f"  warning: {p.where}: {p.value}: {p.expected}")
            else:
                other = [p for p in blocked if p.code == "other_month"]
                print(f"nothing written to {into}: {len(blocked)} problem(s)"
                      + (f", {len(other)} deal(s) dated outside {month} (--allow-other-months imports them)"
                         if other else ""), file=sys.stderr)
                for p in [p for p in blocked if p.code in ("other_month", "beyond_capacity")]:
                    print(f"  {p.where}: got {p.value}; expected {p.expected}", file=sys.stderr)
    _warn_unassigned(unassigned or [])
    failed = any(e["status"] != "ok" for e in files)
    return 1 if failed or (into is not None and landed is None) else 0


def _json_report(report: DealFiles, into: Path | None, month: str | None, landed: LandResult | None,
                 unassigned: list[UnassignedRep] | None) -> dict[str, Any]:
    """The ``--json`` document (``unassigned_reps`` is None when no roster was known)."""
    doc: dict[str, Any] = {"files": report.entries, "deals": _deals_json(report.deals),
                           "unassigned_reps": None if unassigned is None else [u.as_json() for u in unassigned],
                           "duplicates_across_files": [{"contract_id": d.contract_id, "places": d.places}
                                                       for d in report.cross_duplicates]}
    if into is not None:
        doc["into"] = {"plan": str(into), "month": month, "written": landed is not None,
                       "landed": landed.landed if landed else 0, "replaced": landed.replaced if landed else 0,
                       "other_month": [_problem_json(p) for p in report.other_month],
                       "warnings": [_problem_json(p) for p in (landed.warnings if landed else report.warnings)]}
    return doc


def _unassigned(args: argparse.Namespace, report: DealFiles, landed: LandResult | None) -> list[UnassignedRep] | None:
    """Deals of reps on no region tab: the workbook's tabs with --into, else --config's reps;
    None when there is no roster to check against."""
    if landed is not None:
        return landed.unassigned
    path = getattr(args, "config", None)
    if path is None or getattr(args, "into", None) is not None:
        return None
    from salesplan.config import load_config

    config = load_config(path)
    roster = roster_of_config(config)
    return unassigned_reps(report.deals, roster) if roster else None


def _warn_unassigned(found: list[UnassignedRep]) -> None:
    """On stderr, by name: the reps whose deals earn nothing and show as unassigned on the dashboard."""
    if not found:
        return
    print(f"salesplan: warning: {len(found)} rep(s) with deals are on no region tab of the plan; their deals earn "
          "no commission and show as unassigned revenue on the dashboard (add them to the region tab):",
          file=sys.stderr)
    for u in found:
        elsewhere = f" — listed on the tab of {', '.join(u.on_tabs)}" if u.on_tabs else ""
        print(f"  {u.rep} ({u.region}): {u.deals} deal(s), ¥{fen_to_decimal(u.amount_fen):,}{elsewhere}",
              file=sys.stderr)


def _print_summary(files: list[dict[str, Any]], report: DealFiles | None = None,
                   blocked: list[Problem] | None = None) -> None:
    """The text report; ``blocked``: the problems that kept ``--into`` from writing (then
    no row counts as imported, and deals of another month count as errors)."""
    ok = [f for f in files if f["status"] == "ok"]
    cross = report.cross_duplicates if report is not None else []
    print(f"files read: {len(files)} ({len(ok)} imported, {len(files) - len(ok)} not)")
    imported = len(report.deals) if report is not None else sum(f.get('imported', 0) for f in files)
    other = [p for p in blocked or [] if p.code == "other_month"]
    print(f"rows imported: {imported}" if blocked is None else f"rows imported: 0 ({imported} valid, not written)")
    print(f"excluded (unstamped, R11): {sum(f.get('excluded_unstamped', 0) for f in files)}")
    print(f"duplicate contract numbers: {sum(len(f.get('duplicates', [])) for f in files) + len(cross)}"
          + (f" ({len(cross)} across files)" if cross else ""))
    errors = sum(f.get('error_count', len(f.get('errors', []))) for f in files)
    print(f"errors: {errors + len(other)}" + (f" ({len(other)} deal(s) outside the plan's month)" if other else ""))
    for d in cross:
        (f0, r0), rest = d.places[0], d.places[1:]
        print(f"  contract {d.contract_id}: {f0} row {r0} is imported; "
              + ", ".join(f"{f} row {r}" for f, r in rest) + " dropped")
    for f in files:
        if f["status"] == "refused":
            print(f"  {f['file']}: refused ({f['reason']}): {f['detail']}")
        elif f["status"] == "unreadable":
            print(f"  {f['file']}: unreadable: {f['detail']}")
        if f.get("unstamped_rows"):
            print(f"  {f['file']}: not stamped (R11), not imported: row(s) {', '.join(map(str, f['unstamped_rows']))}")
        for d in f.get("duplicates", []):
            print(f"  {f['file']}: contract {d['contract_id']} on rows {', '.join(map(str, d['rows']))}; "
                  f"only the first is imported")
        for p in f.get("errors", []):
            print(f"  {p['where']}: got {p['value']!r}; expected {p['expected']}")
        for p in f.get("warnings", []):
            print(f"  warning: {p['where']}: {p['expected']}")
