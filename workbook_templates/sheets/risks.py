"""风险预警 risks: the triggered flags first, then the register of every check.

Values: the flags of :mod:`salesplan.engine.actuals.region` and :mod:`salesplan.engine.actuals.deals`."""
from __future__ import annotations

from salesplan.engine.actuals.risks import risk_checks as engine_checks, risk_flags
from salesplan.engine.notices import notice
from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.model import COL, SheetModel, ref
from salesplan.workbook_templates.sheets.common import flag_cf, msg, print_setup


_LABEL = {"missed": "flag_missed", "complaint": "flag_complaint", "inventory": "flag_inventory", "dup": "flag_dup",
          "report": "flag_report", "discount": "flag_discount", "support": "flag_support", "green": "flag_green",
          "unknown": "flag_unknown"}


def risk_checks(ctx: Ctx) -> list[tuple[str, str, str, str, int, int, tuple, str]]:
    """(rule, check label, region/where, sheet, row, col, flag key, message) for every check of
    :func:`salesplan.engine.actuals.risks.risk_checks` (the ribbon's 风险检查 lists the same)."""
    L, d, out = ctx.L, ctx.deals, []
    for c in engine_checks(ctx.plan, d.n_rows):
        label = L(_LABEL[c.kind])
        if c.kind == "dup":
            g = ctx.region_geom[c.region]
            sheet, (row, col) = g.sheet, g.cell["dup_flag"]
        elif c.region:
            g = ctx.region_geom[c.region]
            sheet, row, col = g.sheet, g.r_phase0 + c.index, g.pc["flag_" + c.kind]
            label = f"{label} · {L('phase')}{ctx.plan.phases[c.index].phase.number}"
        else:
            sheet, row, col = d.sheet, d.row(c.index), d.c[c.key[2]]
            label = f"{label} · #{c.index + 1}"
        out.append((c.rule, label, c.region, sheet, row, col, c.key, msg(ctx, c.kind)))
    return out


def build_risks(ctx: Ctx) -> SheetModel:
    L, plan = ctx.L, ctx.plan
    m = SheetModel(ctx.sheet["risks"], "risks")
    m.put(1, 1, L("risks_title"), "title")
    checks = risk_checks(ctx)
    m.extra_checks = [c[6] for c in checks]
    r = 3
    m.put(r, 1, L("plan_alerts"), "section")
    r += 1
    for a in plan.alerts:
        m.text(r, 1, a.rule, "text")
        m.text(r, 2, notice(plan, a, ctx.lang), "banner")
        r += 1
    m.f(r, 2, f"={ctx.banners['weights']}", "banner", ("lit", _weights_banner_text(ctx)))
    r += 2
    n_list = min(len(checks), 200)
    reg_hdr = r + n_list + 4
    reg0, regN = reg_hdr + 1, reg_hdr + len(checks)
    m.put(r, 1, L("triggered_count"), "label")
    m.f(r, 2, f"=IF(COUNT($G${reg0}:$G${regN})=0,0,MAX($G${reg0}:$G${regN}))", "total_int", ("cumflags", len(checks)))
    total_cell = f"$B${r}"
    r += 1
    for cc, t in enumerate(("#", L("rule"), L("check"), L("region"), L("where"), L("message")), 1):
        m.put(r, cc, t, "header")
    list_hdr = r
    r += 1
    for k in range(1, n_list + 1):
        mt = f"MATCH({k},$G${reg0}:$G${regN},0)"
        m.f(r, 1, f'=IF({k}>{total_cell},"",{k})', "int", ("trig", k, "n"))
        for cc, src_col in ((2, "B"), (3, "C"), (4, "D"), (5, "E"), (6, "F")):
            tail = "" if cc == 6 else '&""'
            m.f(r, cc, f'=IF({k}>{total_cell},"",INDEX(${src_col}${reg0}:${src_col}${regN},{mt}){tail})',
                "flag" if cc == 6 else "text", ("trig", k, cc))
        r += 1
    if len(checks) > n_list:
        m.put(r, 1, L.pick(f"（仅列出前{n_list}条，完整清单见下方）", f"(first {n_list} shown; see the register below)"),
              "note")
    r = reg_hdr - 1
    m.put(r, 1, L("register"), "section")
    for cc, t in enumerate(("#", L("rule"), L("check"), L("region"), L("where"), L("message"), "Σ"), 1):
        m.put(reg_hdr, cc, t, "header")
    for n, (rule, label, region, sheet, sr, sc, key, text_) in enumerate(checks):
        r = reg0 + n
        src = ref(sheet, sr, sc)
        m.put(r, 1, n + 1, "int")
        m.put(r, 2, rule, "text")
        m.text(r, 3, label, "text")
        m.text(r, 4, region, "text")
        m.text(r, 5, f"{sheet}!{COL(sc)}{sr}", "text")
        m.f(r, 6, f'=IF({src}="","",{src})', "flag", ("flag", key, text_))
        prev = f"G{r - 1}" if n else "0"
        m.f(r, 7, f'={prev}+IF(F{r}<>"",1,0)', "helper", ("cumflags", n + 1))
    flag_cf(m, f"F{reg0}:F{max(regN, reg0)}", f"F{reg0}")
    m.widths.update({1: 6, 2: 8, 3: 34, 4: 10, 5: 18, 6: 48, 7: 6})
    m.freeze = "A3"
    # Print the triggered list only: the register below holds every possible check
    # (a thousand rows for the default plan) and would fill dozens of blank pages.
    n_flags = len(risk_flags(plan, ctx.inputs))
    print_setup(ctx, m, 6, list_hdr + min(n_flags, n_list) + (1 if n_flags > n_list else 0),
                title_rows=f"{list_hdr}:{list_hdr}")
    return m


def _weights_banner_text(ctx):
    from salesplan.workbook_templates.plan_sheets import _weights_banner
    return _weights_banner(ctx)
