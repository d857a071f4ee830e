"""竞赛与推荐: weekly quiz places and partner referral rows.

Values: :func:`salesplan.engine.actuals.incentives.awards_inputs_values`."""
from __future__ import annotations

from salesplan.engine.actuals.cells import present
from salesplan.engine.records import quiz_weeks
from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.inputs import InputTable
from salesplan.workbook_templates.model import COL, SheetModel, ref, rng
from salesplan.workbook_templates.sheets.common import guard_payouts, flag_cf, msg, print_setup, validate


def build_awards_inputs(ctx: Ctx) -> SheetModel:
    """竞赛与推荐: weekly quiz places (week × place; region + rep typed) and partner referral rows."""
    L, cfg = ctx.L, ctx.cfg
    g, inc = ctx.awards_in, ctx.inc
    m = SheetModel(g.sheet, "awards_in", tab_color="548235")
    m.put(1, 1, L("awards_in_title"), "title")
    m.put(2, 1, L("input_hint"), "note")
    m.put(g.r_quiz_hdr - 1, 1, L("quiz_section"), "section")
    qc = g.qc
    heads = {"week": L("week"), "date": L("quiz_date"), "place": L("place"), "region": L("region"),
             "rep": L("rep_name"), "award": L("quiz"), "flag": L("flag_unknown")}
    for f, t in heads.items():
        m.put(g.r_quiz_hdr, qc[f], t, "header")
    weeks = quiz_weeks(ctx.plan)
    i_region = rng(inc.sheet, inc.c["region"], inc.r0, inc.r_last)
    i_name = rng(inc.sheet, inc.c["name"], inc.r0, inc.r_last)
    for s, q in enumerate(ctx.inputs.quiz):
        r = g.q0 + s
        k = ("quiz", s)
        m.put(r, qc["week"], q.week, "int")
        w = int(q.week) - 1 if q.week is not None else -1
        m.put(r, qc["date"], weeks[w] if 0 <= w < len(weeks) else None, "date")
        m.put(r, qc["place"], q.place, "int")
        m.text(r, qc["region"], q.region, "in_text")
        m.text(r, qc["rep"], q.rep, "in_text")
        A, B, P = (f"{COL(qc[x])}{r}" for x in ("region", "rep", "place"))
        on = f"SUMPRODUCT(EXACT({i_region},{A})*EXACT({i_name},{B}))>0"
        m.f(r, qc["award"], f'=IF({B}="","",IF(AND({on},{P}<=MIN(SP_QuizTopN,COUNT(SP_QuizAwards))),'
                            f'INDEX(SP_QuizAwards,{P}),0))', "money", k + ("award",))
        m.f(r, qc["flag"], f'=IF({B}="","",IF({on},"","{msg(ctx, "unknown")}"))', "flag",
            ("flag", k + ("unknown_flag",), msg(ctx, "unknown")))
    q0, qN = g.q0, max(g.q_last, g.q0)
    if ctx.inputs.quiz:
        ctx.registry.add(InputTable("quiz", ("quiz",), g.sheet, g.r_quiz_hdr, g.q0, g.n_quiz,
                                    {f: qc[f] for f in ("week", "place", "region", "rep")},
                                    {f: heads[f] for f in ("week", "place", "region", "rep")}))
        validate(ctx, m, "quiz", "region", [f"{COL(qc['region'])}{q0}:{COL(qc['region'])}{qN}"],
                 tuple(x.name for x in cfg.regions))
        flag_cf(m, f"{COL(qc['flag'])}{q0}:{COL(qc['flag'])}{qN}", f"{COL(qc['flag'])}{q0}")
    # ---------------------------------------------------------------- referrals
    fc = g.fc
    m.put(g.r_ref_hdr - 1, 1, L("ref_section"), "section")
    rheads = {"no": "#", "region": L("region"), "partner": L("partner"), "level": L("level"),
              "amount": L("ref_amount"), "reference": L("reference"), "rate": L("rate"), "award": L("reward")}
    for f, t in rheads.items():
        m.put(g.r_ref_hdr, fc[f], t, "header")
    for s, x in enumerate(ctx.inputs.referrals):
        r = g.f0 + s
        k = ("ref", s)
        m.put(r, fc["no"], s + 1, "int")
        m.text(r, fc["region"], x.region, "in_text")
        m.text(r, fc["partner"], x.partner, "in_text")
        m.put(r, fc["level"], x.level, "in_int")
        m.put(r, fc["amount"], x.amount, "in_money2")
        m.text(r, fc["reference"], x.reference, "in_text")
        Pn, Lv, Am = (f"{COL(fc[f])}{r}" for f in ("partner", "level", "amount"))
        ok = f"AND({Pn}<>\"\",ISNUMBER({Lv}),ISNUMBER({Am}))"
        lv_ok = f"AND({Lv}=INT({Lv}),{Lv}>=1,{Lv}<=COUNT(SP_ReferralRates))"
        m.f(r, fc["rate"], f'=IF({ok},IF({lv_ok},INDEX(SP_ReferralRates,{Lv}),""),"")', "pct", k + ("rate",))
        m.f(r, fc["award"], f'=IF(ISNUMBER({COL(fc["rate"])}{r}),ROUND(ROUND({Am}*100,0)*ROUND('
                            f'{COL(fc["rate"])}{r}*1000000,0)/1000000,0)/100,"")', "money2", k + ("award",))
    f0, fN = g.f0, max(g.f_last, g.f0)
    ctx.registry.add(InputTable("referrals", ("referrals",), g.sheet, g.r_ref_hdr, g.f0, g.n_ref,
                                {f: fc[f] for f in ("region", "partner", "level", "amount", "reference")},
                                {f: rheads[f] for f in ("region", "partner", "level", "amount", "reference")}))
    r = g.r_ref_total
    m.put(r, fc["partner"], L("total"), "label")
    aw_col = COL(fc["award"])
    m.f(r, fc["award"], f"=SUM({aw_col}{f0}:{aw_col}{fN})", "total_money", ("recon", "referral"))
    if ctx.inputs.referrals:
        for f in ("level", "amount"):
            validate(ctx, m, "referrals", f, [f"{COL(fc[f])}{f0}:{COL(fc[f])}{fN}"])
    m.widths.update({1: 8, 2: 16, 3: 14, 4: 12, 5: 16, 6: 26, 7: 10, 8: 14})
    m.freeze = "A4"
    # printed: the quiz places and, when any is typed, the referrals with their total
    typed = any(present(getattr(x, f)) for x in ctx.inputs.referrals for f in ("region", "partner", "level", "amount"))
    print_setup(ctx, m, max(qc['flag'], fc['award']), r if typed else g.r_ref_hdr)
    guard_payouts(ctx, m)
    ctx.names["SP_ReferralTotal"] = ref(g.sheet, r, fc["award"])
    return m
