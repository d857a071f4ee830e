"""辅导 coaching: sessions per rep against the R11 minimums.

Values: :func:`salesplan.engine.actuals.dashboard.coaching_values`."""
from __future__ import annotations

from salesplan.engine.actuals.cells import NO, YES, present
from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.model import SheetModel, ref
from salesplan.workbook_templates.sheets.common import flag_cf, msg, print_setup


def build_coaching(ctx: Ctx) -> SheetModel:
    L, cfg = ctx.L, ctx.cfg
    inc = ctx.inc
    m = SheetModel(ctx.sheet["coaching"], "coaching")
    m.put(1, 1, L("coach_title"), "title")
    h = 7
    r0, rN = h + 1, h + len(inc.slots)
    m.put(3, 1, L("team_total"), "label")
    m.f(3, 3, f"=SUM(D{r0}:D{rN})", "total_int", ("team", "coaching_total"))
    m.put(4, 1, L("team_minimum"), "label")
    m.f(4, 3, "=SP_TeamCoaching", "total_int", ("team", "coaching_minimum"))
    m.put(4, 4, L("coaching_short"), "label")
    m.f(4, 5, "=MAX(0,C4-C3)", "total_int", ("team", "coaching_short"))
    m.put(5, 1, L("reps_short"), "label")
    m.f(5, 3, f"=SUMPRODUCT(ISNUMBER(F{r0}:F{rN})*(F{r0}:F{rN}>0))", "total_int", ("team", "reps_short"))
    for cc, t in enumerate((L("region"), L("rep_name"), L("new_hire"), L("coaching_sessions"), L("coaching_min"),
                            L("coaching_short"), L("status")), 1):
        m.put(h, cc, t, "header")
    for n, (region, i) in enumerate(inc.slots):
        r = r0 + n
        g = ctx.region_geom[region]
        rr = g.rep_row(i)
        src = lambda f: ref(g.sheet, rr, g.rc[f])  # noqa: E731
        rk = ("rep", region, i)
        m.text(r, 1, region, "text")
        m.f(r, 2, f'=IF({src("name")}="","",{src("name")})', "text", rk + ("name",))
        m.f(r, 3, f'=IF(B{r}="","",IF({src("new_hire")}="{YES}","{YES}","{NO}"))', "text", rk + ("new_hire",))
        m.f(r, 4, f'=IF(B{r}="","",N({src("coaching")}))', "int", rk + ("sessions",))
        m.f(r, 5, f'=IF(B{r}="","",{src("min_coaching")})', "int", rk + ("min_coaching",))
        m.f(r, 6, f'=IF(B{r}="","",{src("coaching_short")})', "int", rk + ("coaching_short",))
        m.f(r, 7, f'=IF(B{r}="","",IF(F{r}>0,"{msg(ctx, "short")} "&F{r},""))', "flag",
            ("coachflag", rk + ("coaching_short",)))
    flag_cf(m, f"G{r0}:G{max(r0, rN)}", f"G{r0}")
    m.widths.update({1: 10, 2: 14, 3: 12, 4: 12, 5: 12, 6: 10, 7: 14})
    m.freeze = f"C{r0}"
    # printed: up to the last named rep (the team figures are above the table)
    named = [n for n, (region, i) in enumerate(inc.slots) if present(ctx.inputs.regions[region].reps[i].name)]
    print_setup(ctx, m, 7, r0 + named[-1] if named else h, title_rows=f"{h}:{h}")
    del cfg
    return m
