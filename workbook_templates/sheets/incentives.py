"""激励 incentives: one row per rep slot; commission per tier, awards, champion ranking, payout.

Values: :mod:`salesplan.engine.actuals.incentives`."""
from __future__ import annotations

from salesplan.engine.actuals.cells import BLANK_DATE, NO, YES
from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.model import COL, SheetModel, quote_sheet, ref, rng
from salesplan.workbook_templates.sheets.common import guard_payouts, flag_cf, msg, print_setup


def build_incentives(ctx: Ctx) -> SheetModel:
    L, cfg = ctx.L, ctx.cfg
    inc, d = ctx.inc, ctx.deals
    m = SheetModel(inc.sheet, "incentives")
    m.put(1, 1, L("inc_title"), "title")
    m.put(2, 1, L("inc_rules"), "note")
    c = inc.c
    tiers = cfg.commission.tiers
    heads = {"region": L("region"), "name": L("rep_name"), "new_hire": L("new_hire"), "target": L("personal_target"),
             "revenue": L("deals_revenue"), "attainment": L("attainment"), "kpi_score": L("kpi_score"),
             "deal_count": L("deal_count"), "commission": L("commission"), "conquest": L("conquest"),
             "breakthrough": L("breakthrough"), "retention": L("retention"), "quiz": L("quiz"),
             "champion": L("champion"),
             "champion_prize": L("champion_prize"), "payout": L("payout"), "h_rev": "h_rev (fen)", "h_kpi": "h_kpi",
             "h_row": "h_row", "h_date": "h_date", "better": L("better")}
    h = inc.r_hdr
    for f, t in heads.items():
        m.put(h, c[f], t, "header")
    for k, t in enumerate(tiers):
        m.put(h, inc.c_tier0 + k, f"{L('tier')}{k + 1} @{float(t.rate):.1%}", "header")
    dr = lambda f: rng(d.sheet, d.c[f], d.r0, d.r_last)  # noqa: E731
    d_region, d_rep, d_known = dr("region"), dr("rep"), dr("known")
    rows_rng = f"ROW({dr('known')})"
    aw = ctx.awards_in
    q_region = rng(aw.sheet, aw.qc["region"], aw.q0, max(aw.q_last, aw.q0))
    q_rep = rng(aw.sheet, aw.qc["rep"], aw.q0, max(aw.q_last, aw.q0))
    q_award = rng(aw.sheet, aw.qc["award"], aw.q0, max(aw.q_last, aw.q0))
    col = {f: COL(v) for f, v in c.items()}
    r0, rN = inc.r0, inc.r_last
    rng_of = lambda f: f"${col[f]}${r0}:${col[f]}${rN}"  # noqa: E731
    for (region, i), r in inc.row_of.items():
        g = ctx.region_geom[region]
        rr = g.rep_row(i)
        src = lambda f: ref(g.sheet, rr, g.rc[f])  # noqa: E731
        k = ("inc", region, i)
        rk = ("rep", region, i)
        A, B = f"$A{r}", f"$B{r}"
        blank = f'{B}=""'
        match = f"EXACT({d_region},{A})*EXACT({d_rep},{B})"
        # a name repeated in a region (R3 duplicate flag) is paid on its FIRST slot only: later slots show 0
        if r > r0:
            later = f"SUMPRODUCT(EXACT($A${r0}:$A{r - 1},{A})*EXACT($B${r0}:$B{r - 1},{B}))>0"
            pay = lambda x, later=later: f"IF({later},0,{x})"  # noqa: E731
        else:
            pay = lambda x: x  # noqa: E731
        m.text(r, c["region"], region, "text")
        m.f(r, c["name"], f'=IF({src("name")}="","",{src("name")})', "text", rk + ("name",))
        m.f(r, c["new_hire"], f'=IF({blank},"",IF({src("new_hire")}="{YES}","{YES}","{NO}"))', "text", rk + ("new_hire",))
        m.f(r, c["target"], f'=IF({blank},"",{src("target")})', "money", rk + ("target",))
        m.f(r, c["revenue"], f'=IF({blank},"",{src("revenue")})', "money2", rk + ("revenue",))
        m.f(r, c["attainment"], f'=IF({blank},"",{src("attainment")})', "pct", rk + ("attainment",))
        m.f(r, c["kpi_score"], f'=IF({blank},"",{src("kpi_score")})', "score", rk + ("kpi_score",))
        is_known = f'({d_known}="{YES}")'
        fen_rng = dr("fen")
        m.f(r, c["deal_count"], f'=IF({blank},"",{pay(f"SUMPRODUCT({match}*{is_known})")})', "int",
            k + ("deal_count",))
        for t in range(len(tiers)):
            m.f(r, inc.c_tier0 + t,
                f'=IF({blank},"",{pay(f"SUMPRODUCT({match},{rng(d.sheet, d.c_tier0 + t, d.r0, d.r_last)})")})',
                "money2", k + (f"tier:{t}",))
        m.f(r, c["commission"], f'=IF({blank},"",SUM({COL(inc.c_tier0)}{r}:{COL(inc.c_tier0 + len(tiers) - 1)}{r}))',
            "money2", k + ("commission",))
        for f in ("conquest", "breakthrough"):
            m.f(r, c[f], f'=IF({blank},"",{pay(f"SUMPRODUCT({match},{dr(f)})")})', "money", k + (f,))
        churn = src("churn")
        ret = f"IF(AND(ISNUMBER({churn}),{churn}<=SP_RetentionMaxChurn),SP_RetentionBonus+SP_FullAttendanceBonus,0)"
        m.f(r, c["retention"], f'=IF({blank},"",{pay(ret)})', "money", k + ("retention",))
        m.f(r, c["quiz"], f'=IF({blank},"",{pay(f"SUMPRODUCT(EXACT({q_region},{A})*EXACT({q_rep},{B}),{q_award})")})',
            "money", k + ("quiz",))
        m.f(r, c["h_rev"], f'=IF({blank},0,{pay(f"SUMPRODUCT({match}*{is_known},{fen_rng})")})',
            "helper", k + ("h_rev",))
        m.f(r, c["h_kpi"], f"=IF({blank},0,N({col['kpi_score']}{r}))", "helper", k + ("h_kpi",))
        m.f(r, c["h_row"], f'=IF({blank},0,{pay(f"SUMPRODUCT(MAX({match}*{is_known}*{rows_rng}))")})',
            "helper",
            ("dealrow", k + ("h_row",)))
        h_dt = f"INDEX({quote_sheet(d.sheet)}!${COL(d.c['date'])}:${COL(d.c['date'])},{col['h_row']}{r})"
        m.f(r, c["h_date"], f"=IF({col['h_row']}{r}=0,0,IF(ISNUMBER({h_dt}),N({h_dt}),{BLANK_DATE}))", "helper",
            k + ("h_date",))
        # ranking: candidates (≥1 deal) ahead of this rep by revenue, then the configured tie-breaks, then report order
        R, Kc, Dd, S = (rng_of(x) for x in ("h_rev", "h_kpi", "h_date", "h_row"))
        ri, ki, di, si = (f"{col[x]}{r}" for x in ("h_rev", "h_kpi", "h_date", "h_row"))
        chain = f"({S}<{si})"
        for rule in reversed(cfg.awards.champion_tiebreak):
            if rule == "kpi_score":
                chain = f"(({Kc}>{ki})+({Kc}={ki})*{chain})"
            elif rule == "earliest_total_date":
                chain = f"(({Dd}<{di})+({Dd}={di})*{chain})"
        cnt = rng_of("deal_count")
        m.f(r, c["better"], f'=IF({blank},"",SUMPRODUCT(ISNUMBER({cnt})*({cnt}>0)*(({R}>{ri})+({R}={ri})*{chain})))',
            "helper", k + ("better",))
        m.f(r, c["champion"], f'=IF({blank},"",IF(AND(N({col["deal_count"]}{r})>0,{col["better"]}{r}=0),'
                              f'"{msg(ctx, "champion")}",""))', "flag",
            ("flag", k + ("champion",), msg(ctx, "champion")))
        m.f(r, c["champion_prize"], f'=IF({blank},"",IF({col["champion"]}{r}<>"",SP_ChampionPrizeValue,0))', "money",
            k + ("champion_prize",))
        m.f(r, c["payout"], f'=IF({blank},"",{col["commission"]}{r}+{col["conquest"]}{r}+{col["breakthrough"]}{r}+'
                            f'{col["retention"]}{r}+{col["quiz"]}{r}+{col["champion_prize"]}{r})', "money2", k + ("payout",))
    r = inc.r_total
    m.put(r, c["name"], L("team_total"), "label")
    for f in ["deal_count", "commission", "conquest", "breakthrough", "retention", "quiz", "champion_prize",
              "payout"]:
        m.f(r, c[f], f"=SUM({col[f]}{r0}:{col[f]}{rN})", "total_money" if f != "deal_count" else "total_int",
            ("team", f))
    for t in range(len(tiers)):
        cl = COL(inc.c_tier0 + t)
        m.f(r, inc.c_tier0 + t, f"=SUM({cl}{r0}:{cl}{rN})", "total_money", ("team", f"tier:{t}"))
    m.put(3, 1, L("champion_is"), "label")
    ch = rng_of("champion")
    m.f(3, 3, f'=IF(SUMPRODUCT(--({ch}<>""))=0,"",INDEX({rng_of("region")},MATCH("{msg(ctx, "champion")}",{ch},0))'
              f'&" "&INDEX({rng_of("name")},MATCH("{msg(ctx, "champion")}",{ch},0)))', "banner", ("team", "champion"))
    m.text(3, 6, f"{L('champion_prize')}: {cfg.awards.champion_prize}", "note")
    for f in ("h_rev", "h_kpi", "h_row", "h_date", "better"):
        m.hidden_cols.add(c[f])
    m.widths.update({1: 10, 2: 12, 3: 9, 4: 13, 5: 14, 6: 9, 7: 9, 8: 8})
    for cc in range(9, inc.last_col + 1):
        m.widths.setdefault(cc, 13)
    flag_cf(m, f"{col['champion']}{r0}:{col['champion']}{rN}", f"{col['champion']}{r0}")
    m.freeze = f"C{r0}"
    print_setup(ctx, m, c["payout"], inc.r_total, title_rows=f"{h}:{h}", title_cols="A:B")
    guard_payouts(ctx, m)
    return m
