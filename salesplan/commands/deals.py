"""``salesplan deals import FILE [FILE ...] [--columns TOML] [--json]``.

Each file is preflighted and imported on its own: a refused or invalid file is
reported with its reason and the others still proceed. Exit status 0 when every
file imported cleanly, 1 when any file was refused or had errors (those files
contribute no deals: nothing is half-imported).

``--columns`` takes a TOML file with a ``[deals.columns]`` table (the plan
configuration itself works) or a top-level ``[columns]`` table.
``--json`` prints one JSON document: per-file reports and the imported deals, with
amounts as decimal strings in yuan (``"1200000.00"``) and dates as ``YYYY-MM-DD``.
"""
from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from salesplan.deals.amounts import fen_to_decimal
from salesplan.deals.columns import ColumnMap
from salesplan.deals.preflight import UnsafeFileError
from salesplan.deals.reader import DealsImport, import_deals
from salesplan.errors import ConfigError, DealsError, Problem


def register(subparsers: argparse._SubParsersAction) -> None:
    deals = subparsers.add_parser("deals", help="CRM deals: import and check")
    sub = deals.add_subparsers(dest="deals_command", metavar="ACTION")
    sub.required = True
    imp = sub.add_parser("import", help="import CRM deals from CSV (UTF-8/BOM/GBK) or XLSX files")
    imp.add_argument("files", nargs="+", metavar="FILE", type=Path)
    imp.add_argument("--columns", type=Path, metavar="TOML",
                     help="TOML with a [deals.columns] table mapping fields to headers")
    imp.add_argument("--json", action="store_true", help="print reports and deals as JSON")
    imp.set_defaults(handler=run_import)


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


def _deals_json(result: DealsImport) -> list[dict[str, Any]]:
    out = []
    df = result.deals
    for row in df.itertuples(index=False):
        out.append({
            "file": result.report.file,
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
        })
    return out


def run_import(args: argparse.Namespace) -> int:
    cmap = load_columns(args.columns)
    files: list[dict[str, Any]] = []
    deals: list[dict[str, Any]] = []
    failed = 0
    for path in args.files:
        entry: dict[str, Any] = {"file": str(path)}
        try:
            result = import_deals(path, cmap, strict=False)
        except UnsafeFileError as exc:
            entry.update(status="refused", reason=exc.reason, detail=exc.detail)
        except DealsError as exc:
            entry.update(status="errors", errors=[_problem_json(p) for p in exc.problems])
        except (OSError, UnicodeError) as exc:
            entry.update(status="unreadable", detail=f"{type(exc).__name__}: {exc}")
        else:
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
            if not r.errors:
                deals.extend(_deals_json(result))
        if entry["status"] != "ok":
            failed += 1
        files.append(entry)
    if args.json:
        json.dump({"files": files, "deals": deals}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print_summary(files)
    return 1 if failed else 0


def _print_summary(files: list[dict[str, Any]]) -> None:
    ok = [f for f in files if f["status"] == "ok"]
    print(f"files read: {len(files)} ({len(ok)} imported, {len(files) - len(ok)} not)")
    print(f"rows imported: {sum(f.get('imported', 0) for f in files)}")
    print(f"excluded (unstamped, R11): {sum(f.get('excluded_unstamped', 0) for f in files)}")
    print(f"duplicate contract numbers: {sum(len(f.get('duplicates', [])) for f in files)}")
    print(f"errors: {sum(f.get('error_count', len(f.get('errors', []))) for f in files)}")
    for f in files:
        if f["status"] == "refused":
            print(f"  {f['file']}: refused ({f['reason']}): {f['detail']}")
        elif f["status"] == "unreadable":
            print(f"  {f['file']}: unreadable: {f['detail']}")
        for d in f.get("duplicates", []):
            print(f"  {f['file']}: contract {d['contract_id']} on rows {', '.join(map(str, d['rows']))}; "
                  f"only the first is imported")
        for p in f.get("errors", []):
            print(f"  {p['where']}: got {p['value']!r}; expected {p['expected']}")
        for p in f.get("warnings", []):
            print(f"  warning: {p['where']}: {p['expected']}")
