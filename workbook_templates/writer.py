"""Generate the month's plan workbook — the function behind the ribbon button and
``salesplan generate``.

    config ─► compute_plan ─► build_models (sheet models + input registry)
          existing workbook? ─► read_inputs ─► merge (keyed by region, rep, field)
          ─► render (openpyxl write-only) ─► atomic save (temp, validate, replace)

The writer computes no plan figure itself: targets, phases and weights come from
``compute_plan``; everything that reacts to typing is a native formula, whose values
:func:`salesplan.engine.actuals.compute_actuals` reproduces for the tests.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field, replace as dc_replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from salesplan.engine.params import PlanConfig
from salesplan.engine.records import DealRow, WorkbookInputs, default_inputs
from salesplan.engine.plan import Plan, compute_plan
from salesplan.errors import Problem, WorkbookError
from salesplan.workbook_templates import plan_sheets
from salesplan.workbook_templates.sheets.awards_inputs import build_awards_inputs
from salesplan.workbook_templates.sheets.coaching import build_coaching
from salesplan.workbook_templates.sheets.compare import build_compare
from salesplan.workbook_templates.sheets.dashboard import build_dashboard
from salesplan.workbook_templates.sheets.deals import build_deals
from salesplan.workbook_templates.sheets.incentives import build_incentives
from salesplan.workbook_templates.sheets.region import build_region
from salesplan.workbook_templates.sheets.risks import build_risks
from salesplan.workbook_templates.sheets.sprint import build_sprint
from salesplan.workbook_templates.sheets.statements import build_statements
from salesplan.workbook_templates.sheets import ytd as ytd_sheet
from salesplan.workbook_templates.sheets.closed import PROP_CLOSED, mark_closed, mark_json
from salesplan.workbook_templates.context import LAYOUT_VERSION, Ctx
from salesplan.workbook_templates.expect import cached_values
from salesplan.workbook_templates.inputs import MergeReport, merge_inputs, read_inputs
from salesplan.xlsx import open_book as open_reader
from salesplan.workbook_templates.labels import META_SHEET
from salesplan.workbook_templates.model import SheetModel, render
from salesplan.workbook_templates.reader import (MASTER_ENGINE, PlanBook, duplicate_rep_problems, read_meta,
                                                 read_plan_book)
from salesplan.workbook_templates.region_view import region_view, regional_inputs
from salesplan.workbook_templates.save import atomic_write
from salesplan.workbook_templates.setup_sheet import SetupBuilder

DEFAULT_DEAL_ROWS = 200
PROP_MONTH, PROP_LAYOUT, PROP_HASH, PROP_LANG = ("salesplan.month", "salesplan.layout", "salesplan.plan_hash",
                                                 "salesplan.lang")
PROP_REGIONS = "salesplan.regions"      # regional files only: JSON list of the regions the file holds


def default_filename(month, lang: str = "zh") -> str:
    return f"销售作战方案-{month}.xlsx" if lang == "zh" else f"sales-plan-{month}.xlsx"


def plan_hash(plan: Plan) -> str:
    blob = json.dumps(plan.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


@dataclass
class Built:
    ctx: Ctx
    models: list[SheetModel]
    names: dict[str, str]
    properties: dict[str, str]

    def by_role(self) -> dict[str, SheetModel]:
        out: dict[str, SheetModel] = {}
        for m in self.models:
            out.setdefault(m.role, m)
        return out


def build_models(plan: Plan, *, lang: str | None = None, inputs: WorkbookInputs | None = None,
                 deal_rows: int | None = None, regions: Iterable[str] | None = None,
                 closed: dict | None = None, ytd: dict | None = None) -> Built:
    """Lay out every sheet for ``plan`` with ``inputs`` pre-filled (pure: writes nothing).

    ``regions`` — a regional file (``salesplan split``): the master ``plan`` (computed once
    from the full configuration) laid out for those regions only. Every target is the
    master's; ``inputs`` may be the master's (they are filtered: the regions' tabs, their
    deals, quiz places and referrals). Only the regions' own input cells stay unlocked —
    设置, deals, quiz and referral rows are shown read-only — and the sheets are protected
    whatever the configuration says.
    ``closed`` — the 已结账 mark (sheets/closed.py); ``ytd`` — the history's year to date
    (sheets/ytd.py: the 年度累计 sheet; master workbooks only).
    """
    scope = None
    if regions is not None:
        rv = region_view(plan, [regions] if isinstance(regions, str) else regions, lang=lang)
        plan, scope = rv.plan, rv.regions
        if inputs is None:
            inputs = default_inputs(plan, deal_rows=0)
        inputs = regional_inputs(inputs, rv)
    cfg = plan.config
    lang = lang or cfg.workbook.language
    if inputs is None:
        inputs = default_inputs(plan, deal_rows=DEFAULT_DEAL_ROWS if deal_rows is None else deal_rows)
    elif deal_rows is not None and len(inputs.deals) < deal_rows:
        inputs.deals += [DealRow() for _ in range(deal_rows - len(inputs.deals))]
    ctx = Ctx(plan, lang, inputs, scope=scope)
    ctx.names["__plan_hash"] = plan_hash(plan)
    setup = SetupBuilder(ctx).build()          # defines SP_* names, KPI/tier refs, banners
    ytd = ytd if ytd and scope is None and ytd.get("months") else None
    if ytd:
        ctx.guide_extra = [ytd_sheet.guide_row(ctx)]
    regions = [build_region(ctx, r) for r in cfg.regions]
    models = [plan_sheets.build_guide(ctx), setup, plan_sheets.build_targets(ctx), plan_sheets.build_calendar(ctx),
              plan_sheets.build_kpi(ctx), *regions, build_deals(ctx), build_awards_inputs(ctx), build_incentives(ctx),
              build_statements(ctx), build_risks(ctx), build_coaching(ctx), build_dashboard(ctx), build_sprint(ctx),
              *([] if ctx.regional else [build_compare(ctx)])]     # strategy is the director's choice
    if ytd:
        models.append(ytd_sheet.build_ytd(ctx, ytd))
    h = ctx.names.pop("__plan_hash")
    props = {PROP_MONTH: str(cfg.month), PROP_LAYOUT: LAYOUT_VERSION, PROP_HASH: h, PROP_LANG: lang}
    if scope is not None:
        props[PROP_REGIONS] = json.dumps(list(scope), ensure_ascii=False)
        for m in models:
            if m.role != "region":         # managers fill only their region tab
                m.lock_inputs()
    if closed:
        mark_closed(models, closed, lang)
        props[PROP_CLOSED] = mark_json(closed)
    meta = SheetModel(META_SHEET, "meta", hidden=True)
    r = 1
    for k, v in props.items():
        meta.text(r, 1, "meta", None)
        meta.text(r, 2, k.split(".", 1)[1], None)
        meta.text(r, 3, v, None)
        r += 1
    for t in ctx.registry.tables:
        for c, v in enumerate(t.to_row(), 1):
            meta.text(r, c, v, None) if isinstance(v, str) else meta.put(r, c, v)
        r += 1
    models.append(meta)
    names = dict(ctx.names)
    names["SP_PlanMonth"] = names["SP_Month"]
    return Built(ctx, models, names, props)


def write_built(built: Built, path: str | Path) -> None:
    cfg = built.ctx.cfg
    render(built.models, path, protect=cfg.workbook.protect or built.ctx.regional or PROP_CLOSED in built.properties,
           password=cfg.workbook.password,
           defined_names=built.names, properties=built.properties, active=0,
           cached=cached_values(built.ctx, built.by_role()))


@dataclass
class GenerateResult:
    path: Path
    month: str
    kept: MergeReport = field(default_factory=MergeReport)
    archived: Path | None = None
    regenerated: bool = False
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def archive_path(path: Path, month: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return path.with_name(f"{path.stem}.{month or 'unknown'}.archived-{stamp}{path.suffix}")


def generate_workbook(config: PlanConfig, path: str | Path | None = None, *, lang: str | None = None,
                      previous=None, archive: bool = False, allow_drop: bool = False,
                      deal_rows: int | None = None, inputs: WorkbookInputs | None = None,
                      regions: Iterable[str] | None = None, closed: dict | None = None,
                      ytd: dict | None = None, churn: dict | None = None) -> GenerateResult:
    """Write the plan workbook for ``config.month`` to ``path`` (default: readable name in cwd).

    ``previous`` — a path, reader or :class:`PlanBook` (already read) of an earlier workbook
    of the same month whose typed inputs are kept (default: ``path`` itself when it exists). A workbook of another
    month at ``path`` is refused, or moved aside when ``archive`` is true.
    ``regions`` — write a regional file instead: the full plan's figures, only those
    regions (see :func:`build_models`).
    """
    plan = compute_plan(config)
    lang = lang or config.workbook.language
    path = Path(path) if path is not None else Path.cwd() / default_filename(config.month, lang)
    result = GenerateResult(path, str(config.month))
    result.warnings = [w.message for w in plan.warnings]
    archive_to: Path | None = None
    if path.exists():
        same = isinstance(previous, PlanBook) and previous.path is not None and previous.path.resolve() == path.resolve()
        meta = previous.meta if same else read_meta(path)
        if meta is None or meta.get("month") != str(config.month):
            found = None if meta is None else meta.get("month")
            if not archive:
                raise WorkbookError([Problem(str(path), found or "not a salesplan workbook",
                                             f"a plan workbook of {config.month} (use --archive to move it aside, "
                                             f"or -o another file)", "wrong-month")])
            # archived by copy only once the new workbook is written and validated (atomic_write's
            # before_replace): a failing build or save leaves the old file where it was
            archive_to = archive_path(path, found or "unknown")
        elif previous is None:
            previous = path
    fresh = default_inputs(plan, deal_rows=DEFAULT_DEAL_ROWS if deal_rows is None else deal_rows)
    if inputs is not None:
        fresh = inputs
    elif previous is not None:
        if isinstance(previous, PlanBook):
            meta, old = previous.meta, previous.inputs
        else:
            reader = open_reader(previous, engine=MASTER_ENGINE if isinstance(previous, (str, Path)) else None)
            try:
                meta, old = read_inputs(reader)
            finally:
                reader.close()
        if meta.get("month") != str(config.month):
            raise WorkbookError([Problem(str(getattr(previous, "path", previous)), meta.get("month"),
                                         f"a workbook of {config.month}", "wrong-month")])
        kpi_keys = {r: [k.key for k in plan.kpi_weights[r]] for r in plan.kpi_weights}
        fresh, result.kept = merge_inputs(fresh, old, products=[p.name for p in plan.products], kpi_keys=kpi_keys,
                                          allow_drop=allow_drop)
        result.regenerated = True
    if churn:       # R8 retention: the annual churn the history computed replaces the typed one
        from salesplan.engine.retention import apply_churn
        result.warnings += [f"{region}: {rep}: churn {typed} replaced by the history's {float(v):.2%} (twelve closed "
                            f"months)" for region, rep, typed, v in apply_churn(fresh, churn)]
    result.problems = duplicate_rep_problems(fresh)
    result.warnings += [f"{p.where}: duplicate rep names {p.value} — make them unique (payouts cannot be told apart)"
                        for p in result.problems]
    built = build_models(plan, lang=lang, inputs=fresh, deal_rows=deal_rows, regions=regions, closed=closed, ytd=ytd)

    def archive_old() -> None:
        shutil.copy2(path, archive_to)
        result.archived = archive_to

    atomic_write(path, lambda tmp: write_built(built, tmp), expect_month=str(config.month),
                 before_replace=archive_old if archive_to is not None else None)
    return result


# ------------------------------------------------------------------------------ deals import

def write_deals(book, deals_df, *, config: PlanConfig | None = None, ytd: dict | None = None,
                plan_book: PlanBook | None = None) -> GenerateResult | int:
    """Land CRM deals (salesplan.deals DataFrame) in the 成交明细 sheet, in ``seq`` order.

    ``book`` is a path (the workbook is regenerated atomically from its own 设置, keeping
    every typed input, with the deals sheet replaced and grown to fit; ``plan_book``: that
    workbook already read) or an openpyxl Workbook (rows written in place; returns the
    number of rows written).
    """
    df = deals_df.sort_values("seq", kind="stable") if "seq" in deals_df.columns else deals_df
    rows = [_deal_row(rec) for rec in df.to_dict("records")]
    if isinstance(book, (str, Path)):
        path = Path(book)
        read = plan_book or read_plan_book(path, config=config)     # meta, 设置 and inputs in one read
        cfg, meta, old = config or read.config, read.meta, read.inputs
        plan = compute_plan(cfg)
        fresh = default_inputs(plan, deal_rows=max(DEFAULT_DEAL_ROWS, len(rows) + 50))
        kpi_keys = {r: [k.key for k in plan.kpi_weights[r]] for r in plan.kpi_weights}
        old = dc_replace(old, deals=[])          # the sheet's deals are replaced (the caller's copy is kept)
        merged, report = merge_inputs(fresh, old, products=[p.name for p in plan.products], kpi_keys=kpi_keys)
        merged.deals = rows + [DealRow() for _ in range(max(DEFAULT_DEAL_ROWS, len(rows) + 50) - len(rows))]
        built = build_models(plan, lang=meta.get("lang") or cfg.workbook.language, inputs=merged, ytd=ytd)
        atomic_write(path, lambda tmp: write_built(built, tmp), expect_month=str(cfg.month))
        res = GenerateResult(path, str(cfg.month), report, regenerated=True)
        res.problems = duplicate_rep_problems(merged)
        res.warnings = [f"{p.where}: duplicate rep names {p.value}" for p in res.problems]
        return res
    # an openpyxl Workbook in memory
    ws_meta = book[META_SHEET]
    from salesplan.workbook_templates.inputs import InputTable
    table = None
    for row in ws_meta.iter_rows(values_only=True):
        if row and row[0] == "deals":
            table = InputTable.from_row(list(row) + [None] * 8)
    if table is None:
        raise WorkbookError([Problem("workbook", "no deals table", "a salesplan workbook", "not-salesplan")])
    if len(rows) > table.n_rows:
        raise WorkbookError([Problem(table.sheet, f"{len(rows)} deals", f"at most {table.n_rows} rows; "
                                     "import into the file path to grow the sheet", "too-many")])
    ws = book[table.sheet]
    for i, d in enumerate(rows):
        for f, col in table.fields.items():
            c = ws.cell(table.first_row + i, col)
            v = getattr(d, f)
            c.value = v
            if isinstance(v, str):
                c.data_type = "s"      # CRM text is never a formula
    return len(rows)


def _deal_row(rec: dict[str, Any]) -> DealRow:
    def yuan(fen):
        if fen is None or (isinstance(fen, float) and fen != fen):
            return None
        try:
            import pandas as pd
            if pd.isna(fen):
                return None
        except (TypeError, ValueError):
            pass
        v = Decimal(int(fen)) / 100
        return int(v) if v == v.to_integral_value() else float(v)

    def yn(v):
        return None if v is None else ("是" if bool(v) else "否")

    d = rec.get("date")
    if hasattr(d, "to_pydatetime"):
        d = d.to_pydatetime()
    if isinstance(d, datetime) and d.time() == datetime.min.time():
        d = d.date()
    return DealRow(seq=int(rec["seq"]) if rec.get("seq") is not None else None, date=d, rep=rec.get("rep"),
                   region=rec.get("region"), customer=rec.get("customer"), new_customer=yn(rec.get("is_new_customer")),
                   product=rec.get("product"), amount=yuan(rec.get("amount_fen")), contract_id=rec.get("contract_id"),
                   quote=yuan(rec.get("quote_fen")), list_price=yuan(rec.get("list_price_fen")),
                   first_quote=yn(rec.get("first_quote")), customer_region=_text_or_none(rec.get("customer_region")))


def _text_or_none(v):
    if v is None or (isinstance(v, float) and v != v):
        return None
    s = str(v).strip()
    return s or None
