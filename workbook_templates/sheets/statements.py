"""个人奖金明细 rep statements: deal lines by rep, one summary row per rep, reconciliation.

Values: :mod:`salesplan.engine.actuals.statements`."""
from __future__ import annotations

from salesplan.engine.actuals.basis import deal_basis
from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.model import COL, SheetModel, quote_sheet, ref, rng
from salesplan.workbook_templates.sheets.common import guard_payouts, print_setup, red_if


def _line_order(ctx: Ctx, m: SheetModel, dcol) -> None:
    """Each deal line's rep slot and deal row (hidden column, and the visible deal-row column)."""
    g = ctx.stmt
    hc = {f: COL(v) for f, v in g.hc.items()}
    srng = lambda f: f"${hc[f]}${g.s0}:${hc[f]}${max(g.s_last, g.s0)}"  # noqa: E731
    total = f"({hc['off']}{g.s_last}+{hc['cnt']}{g.s_last})" if g.n_slots else "0"
    R = COL(g.lc["row"])
    for k in range(g.n_lines):
        r, s = g.l0 + k, ("stmt", k)
        # the line's rep slot: the last slot with fewer lines before it than this line (a binary search
        # on the slots' increasing keys); its deal: the slot's last deal on the slot's last line, else
        # the rep's deal before the next line's — no line sorts the deals (linear work)
        m.f(r, g.hc["lslot"], f'=IF({k + 1}>{total},"",MATCH({k}*100000+99999,{srng("skey")},1))', "helper",
            s + ("slot",))
        Ls = f"${hc['lslot']}{r}"
        nxt = f"INDEX({dcol('prev')},${R}{r + 1})" if k + 1 < g.n_lines else '""'
        m.f(r, g.lc["row"], f'=IF({Ls}="","",IF({k + 1}=INDEX({srng("off")},{Ls})+INDEX({srng("cnt")},{Ls}),'
                            f'INDEX({srng("last")},{Ls}),{nxt}))', "helper", s + ("row",))


def _slot_helpers(ctx: Ctx, m: SheetModel, dcol, r: int, n: int) -> None:
    """Per rep slot (summary row ``r``, slot ``n + 1``): its paid deals (the deals sheet's slot
    column), the lines before it, the key the lines binary-search, its last deal (the deal
    rows bottom-up, so MATCH finds the last one first)."""
    g = ctx.stmt
    hc = {f: COL(v) for f, v in g.hc.items()}
    region, i = ctx.inc.slots[n]
    s = ("srep", region, i)
    m.f(r, g.hc["cnt"], f"=COUNTIF({dcol('slot')},{n + 1})", "helper", s + ("cnt",))
    m.f(r, g.hc["off"], f"={hc['off']}{r - 1}+{hc['cnt']}{r - 1}" if n else "=0", "helper", s + ("off",))
    m.f(r, g.hc["skey"], f"={hc['off']}{r}*100000+{n + 1}", "helper", s + ("skey",))
    m.f(r, g.hc["last"], f'=IF({hc["cnt"]}{r}=0,"",{ctx.deals.n_rows + 1}-MATCH({n + 1},{dcol("mirror")},0))',
        "helper", s + ("last",))


def build_statements(ctx: Ctx) -> SheetModel:
    """个人奖金明细: reconciliation, one summary row per rep, deal lines grouped by rep."""
    L, cfg = ctx.L, ctx.cfg
    g, inc, d, aw = ctx.stmt, ctx.inc, ctx.deals, ctx.awards_in
    tiers = cfg.commission.tiers
    m = SheetModel(g.sheet, "statements", tab_color="7030A0")
    m.put(1, 1, L("stmt_title") + f" — {cfg.month}", "title")
    m.put(2, 1, L("stmt_note"), "note")
    lc, sc = g.lc, g.sc
    LC = {f: COL(v) for f, v in lc.items()}
    SC = {f: COL(v) for f, v in sc.items()}
    l0, lN = g.l0, max(g.l_last, g.l0)
    s0, sN = g.s0, max(g.s_last, g.s0)
    dq = quote_sheet(d.sheet)

    def dcol(f):
        return f"{dq}!${COL(d.c[f])}${d.r0}:${COL(d.c[f])}${max(d.r_last, d.r0)}"

    # ---------------------------------------------------------------- deal lines
    h = g.r_line_hdr
    m.put(h - 1, 1, L("stmt_lines"), "section")
    heads = {"region": L("region"), "rep": L("rep_name"), "seq": L("seq"), "date": L("deal_date"),
             "customer": L("customer"), "amount": L("deal_amount"), "cum_before": L("cum_before").replace("(分)", "")
             .replace(" (fen)", ""), "cum_after": L("cum_after").replace("(分)", "").replace(" (fen)", ""),
             "commission": L("deal_commission"), "award": L("first_awards"), "rule": L("award_rule"),
             "line_total": L("line_total"), "running": L("running"), "row": L("deal_row")}
    for f, t in heads.items():
        m.put(h, lc[f], t, "header")
    for t, tier in enumerate(tiers):
        m.put(h, g.slice_col(t), f"{L('tier')}{t + 1} {L('slice')} ({float(tier.start):.0%}+)", "header")
        m.put(h, g.tier_col(t), f"{L('tier')}{t + 1} × {float(tier.rate):.1%}", "header")
    R = LC["row"]
    _line_order(ctx, m, dcol)
    for k in range(g.n_lines):
        r = l0 + k
        s = ("stmt", k)
        blank = f'${R}{r}=""'

        def at(f, rr=r):
            return f"INDEX({dcol(f)},${R}{rr})"
        m.f(r, lc["region"], f'=IF({blank},"",{at("region")}&"")', "text", s + ("region",))
        m.f(r, lc["rep"], f'=IF({blank},"",{at("rep")}&"")', "text", s + ("rep",))
        m.f(r, lc["seq"], f'=IF({blank},"",IF({at("seq")}="","",{at("seq")}))', "int", s + ("seq",))
        m.f(r, lc["date"], f'=IF({blank},"",IF(ISNUMBER({at("date")}),{at("date")},""))', "date", s + ("date",))
        m.f(r, lc["customer"], f'=IF({blank},"",{at("customer")}&"")', "text", s + ("customer",))
        m.f(r, lc["amount"], f'=IF({blank},"",{at("fen")}/100)', "money2", s + ("amount",))
        m.f(r, lc["cum_before"], f'=IF({blank},"",{at("cum_before")}/100)', "money2", s + ("cum_before",))
        m.f(r, lc["cum_after"], f'=IF({blank},"",{at("cum_after")}/100)', "money2", s + ("cum_after",))
        tgt = at("target")
        for t in range(len(tiers)):
            start = f"ROUND({tgt}*{ctx.tier_refs[t][0]}/1000000,0)"
            hi = f"{LC['cum_after']}{r}" if t + 1 == len(tiers) else \
                f"MIN({LC['cum_after']}{r},ROUND({tgt}*{ctx.tier_refs[t + 1][0]}/1000000,0))"
            m.f(r, g.slice_col(t), f'=IF({blank},"",ROUND(MAX(0,{hi}-MAX({LC["cum_before"]}{r},{start})),2))', "money2",
                s + (f"slice:{t}",))
            m.f(r, g.tier_col(t), f'=IF({blank},"",INDEX({rng(d.sheet, d.c_tier0 + t, d.r0, max(d.r_last, d.r0))},'
                                  f'${R}{r}))', "money2", s + (f"tier:{t}",))
        m.f(r, lc["commission"], f'=IF({blank},"",{at("commission")})', "money2", s + ("commission",))
        m.f(r, lc["award"], f'=IF({blank},"",{at("conquest")}+{at("breakthrough")})', "money", s + ("award",))
        bt_txt = f'"{L("breakthrough")} > ¥"&SP_BreakthroughThreshold'
        cq_txt = f'"{L("conquest")} > ¥"&SP_ConquestThreshold'
        m.f(r, lc["rule"], f'=IF({blank},"",IF({at("breakthrough")}>0,{bt_txt},"")&IF(AND({at("breakthrough")}>0,'
                           f'{at("conquest")}>0),"; ","")&IF({at("conquest")}>0,{cq_txt},""))', "text",
            ("awardrule", s + ("rule",)))
        m.f(r, lc["line_total"], f'=IF({blank},"",{LC["commission"]}{r}+{LC["award"]}{r})', "money2",
            s + ("line_total",))
        prev = (f'IF(AND(EXACT({LC["region"]}{r - 1},{LC["region"]}{r}),EXACT({LC["rep"]}{r - 1},{LC["rep"]}{r})),'
                f'{LC["running"]}{r - 1},0)') if k else "0"
        m.f(r, lc["running"], f'=IF({blank},"",{prev}+{LC["line_total"]}{r})', "money2", s + ("running",))
    # ---------------------------------------------------------------- per-rep summary
    h = g.r_sum_hdr
    m.put(h - 1, 1, L("stmt_summary"), "section")
    sheads = {"region": L("region"), "name": L("rep_name"), "deal_count": L("deal_count"),
              "revenue": L("deals_revenue"), "commission": L("commission"), "first_awards": L("first_awards"),
              "retention": L("retention"), "churn": L("churn"), "quiz": L("quiz"), "quiz_places": L("quiz_places"),
              "champion_prize": L("champion_prize"), "total": L("stmt_total"), "inc_payout": L("inc_payout"),
              "check": L("check")}
    for f, t in sheads.items():
        m.put(h, sc[f], t, "header")
    lslot = f"${COL(g.hc['lslot'])}${l0}:${COL(g.hc['lslot'])}${lN}"
    qa = lambda f: rng(aw.sheet, aw.qc[f], aw.q0, max(aw.q_last, aw.q0))  # noqa: E731
    for n, (region, i) in enumerate(inc.slots):
        r = s0 + n
        ir = inc.row_of[(region, i)]
        gg = ctx.region_geom[region]
        s = ("srep", region, i)
        A, B = f"$A{r}", f"$B{r}"
        blank = f'{B}=""'
        if r > s0:   # a later slot of a duplicated name: its deals and awards are on the first slot
            later = f"SUMPRODUCT(EXACT($A${s0}:$A{r - 1},{A})*EXACT($B${s0}:$B{r - 1},{B}))>0"
            pay = lambda x, later=later: f"IF({later},0,{x})"  # noqa: E731
        else:
            pay = lambda x: x  # noqa: E731
        m.text(r, sc["region"], region, "text")
        _slot_helpers(ctx, m, dcol, r, n)
        m.f(r, sc["name"], f'=IF({ref(inc.sheet, ir, inc.c["name"])}="","",{ref(inc.sheet, ir, inc.c["name"])})',
            "text", ("rep", region, i, "name"))
        # the slot's deal lines (a later slot of a duplicated name has none: its deals carry the first slot)
        m.f(r, sc["deal_count"], f'=IF({blank},"",{COL(g.hc["cnt"])}{r})', "int", s + ("deal_count",))
        for f, src in (("revenue", "amount"), ("commission", "commission"), ("first_awards", "award")):
            m.f(r, sc[f], f'=IF({blank},"",SUMIF({lslot},{n + 1},${LC[src]}${l0}:${LC[src]}${lN}))',
                "money" if f == "first_awards" else "money2", s + (f,))
        m.f(r, sc["retention"], f'=IF({blank},"",{ref(inc.sheet, ir, inc.c["retention"])})', "money", s + ("retention",))
        churn = ref(gg.sheet, gg.rep_row(i), gg.rc["churn"])
        m.f(r, sc["churn"], f'=IF({blank},"",IF(ISNUMBER({churn}),{churn},""))', "pct", s + ("churn",))
        qm = f"EXACT({qa('region')},{A})*EXACT({qa('rep')},{B})"
        q_award_rng = qa("award")
        m.f(r, sc["quiz"], f'=IF({blank},"",{pay(f"SUMPRODUCT({qm},{q_award_rng})")})', "money", s + ("quiz",))
        m.f(r, sc["quiz_places"], f'=IF({blank},"",{pay(f"SUMPRODUCT({qm}*1)")})', "int", s + ("quiz_places",))
        m.f(r, sc["champion_prize"], f'=IF({blank},"",{ref(inc.sheet, ir, inc.c["champion_prize"])})', "money",
            s + ("champion_prize",))
        m.f(r, sc["total"], f'=IF({blank},"",{SC["commission"]}{r}+{SC["first_awards"]}{r}+{SC["retention"]}{r}+'
                            f'{SC["quiz"]}{r}+{SC["champion_prize"]}{r})', "total_money", s + ("total",))
        m.f(r, sc["inc_payout"], f'=IF({blank},"",{ref(inc.sheet, ir, inc.c["payout"])})', "money2",
            s + ("inc_payout",))
        m.f(r, sc["check"], f'=IF({blank},"",IF(ROUND({SC["total"]}{r}-{SC["inc_payout"]}{r},2)=0,"✓","✗"))', "flag",
            s + ("check",))
    r = g.r_sum_total
    m.put(r, sc["name"], L("team_total"), "label")
    for f in ("deal_count", "revenue", "commission", "first_awards", "retention", "quiz", "champion_prize", "total",
              "inc_payout"):
        m.f(r, sc[f], f"=SUM({SC[f]}{s0}:{SC[f]}{sN})", "total_int" if f == "deal_count" else "total_money",
            ("stmt_team", f))
    red_if(m, f"{SC['check']}{s0}:{SC['check']}{sN}", f'{SC["check"]}{s0}="✗"')
    # ---------------------------------------------------------------- reconciliation
    rc = g.recon
    m.put(g.r_recon - 1, 1, L("recon_section"), "section")
    dsum = lambda f: f"SUM({dcol(f)})"  # noqa: E731
    inc_tot = lambda f: ref(inc.sheet, inc.r_total, inc.c[f])  # noqa: E731
    rows = [("statements", L("recon_statements"), f"=SUM({SC['total']}{s0}:{SC['total']}{sN})"),
            ("incentives", L("recon_incentives"), f"={inc_tot('payout')}"),
            ("trace", L("recon_trace"), f"={dsum('commission')}"),
            ("awards", L("recon_awards"), f"={dsum('conquest')}+{dsum('breakthrough')}+{inc_tot('retention')}+"
                                          f"SUM({qa('award')})+{inc_tot('champion_prize')}"),
            ("trace_plus_awards", L("recon_tpa"), f"=E{rc['trace']}+E{rc['awards']}"),
            ("check", L("recon_check"), f'=IF(AND(ROUND(E{rc["statements"]}-E{rc["incentives"]},2)=0,'
                                        f'ROUND(E{rc["statements"]}-E{rc["trace_plus_awards"]},2)=0),'
                                        f'"{L("recon_ok")}","{L("recon_bad")}")'),
            ("referral", L("recon_referral"), "=SP_ReferralTotal"),
            ("payout", L("recon_payout"), f"=E{rc['statements']}+E{rc['referral']}")]
    for f, label, formula in rows:
        m.put(rc[f], 1, label, "label")
        m.merges.append(f"A{rc[f]}:D{rc[f]}")
        style = "banner" if f == "check" else ("total_money" if f in ("statements", "payout") else "money2")
        key = ("label", ("recon", f)) if f == "check" else ("recon", f)
        m.f(rc[f], 5, formula, style, key)
    ctx.names["SP_ReconCheck"] = ref(g.sheet, rc["check"], 5)
    ctx.names["SP_StatementsTotal"] = ref(g.sheet, rc["statements"], 5)
    red_if(m, f"E{rc['check']}", f'E{rc["check"]}="{L("recon_bad")}"')
    # ---------------------------------------------------------------- layout
    w = {"region": 9, "rep": 10, "seq": 6, "date": 11, "customer": 16, "amount": 14, "cum_before": 14,
         "cum_after": 14, "commission": 12, "award": 10, "rule": 26, "line_total": 13, "running": 13, "row": 8}
    for f, v in w.items():
        m.widths[lc[f]] = v
    for t in range(len(tiers)):
        m.widths[g.slice_col(t)] = 13
        m.widths[g.tier_col(t)] = 11
    m.widths[1] = max(m.widths.get(1, 0), 12)
    m.widths[2] = max(m.widths.get(2, 0), 12)
    m.widths[3] = max(m.widths.get(3, 0), 14)
    m.hidden_cols.update(g.hc.values())
    m.freeze = "C4"
    # printed: the summary and the deal lines there are (one per deal of a rep on the roster)
    basis = deal_basis(ctx.plan, ctx.inputs)
    n_lines = sum(1 for ok, known in zip(basis.valid, basis.known) if ok and known)
    print_setup(ctx, m, g.last_col, l0 + n_lines - 1 if n_lines else h, title_rows=f"{h}:{h}", title_cols="A:B")
    guard_payouts(ctx, m)
    return m
