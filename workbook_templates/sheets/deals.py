"""成交明细 deals: one row per deal in report order; commission slices, first-deal awards, R9 flags.

Values: :mod:`salesplan.engine.actuals.deals`."""
from __future__ import annotations

from salesplan.engine.actuals.cells import NO, YES, present
from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.inputs import InputTable
from salesplan.workbook_templates.model import COL, SheetModel, quote_sheet, rng
from salesplan.workbook_templates.sheets.common import guard_payouts, flag_cf, msg, print_setup, validate


def build_deals(ctx: Ctx) -> SheetModel:
    L, cfg = ctx.L, ctx.cfg
    d = ctx.deals
    m = SheetModel(d.sheet, "deals", tab_color="548235")
    m.put(1, 1, L("deals_title"), "title")
    m.put(2, 1, L.pick("金额单位：元（精确到分）；未盖章合同不得录入（R11）；行的先后即月报表顺序，提成按此顺序分档计算。",
                       "Amounts in yuan (to the fen); unstamped contracts are not entered (R11); row order is the "
                       "monthly report's order, which drives the commission tiers."), "note")
    c = d.c
    heads = {"seq": L("seq"), "date": L("deal_date"), "rep": L("rep"), "region": L("region"),
             "customer": L("customer"), "customer_region": L("customer_region"),
             "new_customer": L("new_customer"), "product": L("product"),
             "amount": L("deal_amount"), "contract_id": L("contract_id"), "quote": L("quote"),
             "list_price": L("list_price"), "first_quote": L("first_quote"), "fen": L("fen"), "known": L("known"),
             "target": L("rep_target"), "cum_before": L("cum_before"), "cum_after": L("cum_after"),
             "commission": L("deal_commission"), "first_new": L("first_new"), "breakthrough": L("breakthrough"),
             "conquest": L("conquest"), "report_flag": L("flag_report"), "discount_flag": L("flag_discount"),
             "support_flag": L("flag_support"), "green_flag": L("flag_green"), "unknown_flag": L("flag_unknown"),
             "slot": "slot", "mirror": "mirror", "prev": "prev", "newkey": "new key"}
    h = d.r_hdr
    for f, t in heads.items():
        m.put(h, c[f], t, "header")
    tiers = cfg.commission.tiers
    for k, t in enumerate(tiers):
        m.put(h, d.c_tier0 + k, f"{L('tier')}{k + 1} {float(t.start):.0%}+ @{float(t.rate):.1%}", "header")
    m.put(h - 1, c["seq"], L.pick("← 录入（黄色）", "← inputs (yellow)"), "note")
    m.put(h - 1, c["known"], L.pick("← 自动计算：累计、分档提成（即提成明细）、奖项与R9预警",
                                  "← computed: cumulative, per-tier commission (the trace), awards, R9 flags"), "note")
    fields = {f: c[f] for f in ("seq", "date", "rep", "region", "customer", "customer_region", "new_customer",
                                "product", "amount", "contract_id", "quote", "list_price", "first_quote")}
    headers = {f: heads[f] for f in fields}
    ctx.registry.add(InputTable("deals", ("deals",), d.sheet, h, d.r0, d.n_rows, fields, headers))
    inc = ctx.inc
    i_region = rng(inc.sheet, inc.c["region"], inc.r0, inc.r_last)
    i_name = rng(inc.sheet, inc.c["name"], inc.r0, inc.r_last)
    i_target = rng(inc.sheet, inc.c["target"], inc.r0, inc.r_last)
    C_, D_, E_, F_, H_, J_, K_, L_ = (COL(c[x]) for x in ("rep", "region", "customer", "new_customer", "amount",
                                                           "quote", "list_price", "first_quote"))
    M_, N_, O_, P_, Q_ = (COL(c[x]) for x in ("fen", "known", "target", "cum_before", "cum_after"))
    FN = COL(c["first_new"])
    S_, PV, G_ = (COL(c[x]) for x in ("slot", "prev", "newkey"))
    n = d.n_rows
    slots, mirror, newkeys = (f"${COL(c[x])}${d.r0}:${COL(c[x])}${max(d.r_last, d.r0)}"
                              for x in ("slot", "mirror", "newkey"))
    styles = {"seq": "in_int", "date": "in_date", "rep": "in_text", "region": "in_text", "customer": "in_text",
              "customer_region": "in_text",
              "new_customer": "in_bool", "product": "in_text", "amount": "in_money2", "contract_id": "in_text",
              "quote": "in_money2", "list_price": "in_money2", "first_quote": "in_bool"}
    text_fields = {"rep", "region", "customer", "customer_region", "new_customer", "product", "contract_id",
                   "first_quote"}
    i_slot = f"(ROW({i_name})-{inc.r0 - 1})"
    SLOT_FAR = 100000      # > any slot number: SLOT_FAR - MAX(match × (SLOT_FAR - slot)) = the first matching slot
    CR_ = COL(c["customer_region"])
    for i, row_in in enumerate(ctx.inputs.deals):
        r = d.row(i)
        k = ("deal", i)
        for f, col in fields.items():
            v = getattr(row_in, f)
            if f in text_fields and isinstance(v, str):
                m.text(r, col, v, styles[f])
            else:
                m.put(r, col, v, styles[f])
        none = f'{N_}{r}=""'
        # blank rows stay blank; every reader of this column sums it with SUMPRODUCT(…, range) (text = 0)
        m.f(r, c["fen"], f'=IF(ISNUMBER({H_}{r}),ROUND({H_}{r}*100,0),"")', "int", ("fen", i))
        # the rep's FIRST incentives slot (a duplicated name is flagged R3 and paid on its first slot);
        # SLOT_FAR for a rep not on the roster, blank when the row is not a deal
        far = f"SUMPRODUCT(MAX(EXACT({i_region},{D_}{r})*EXACT({i_name},{C_}{r})*({SLOT_FAR}-{i_slot})))"
        m.f(r, c["slot"], f'=IF(AND({C_}{r}<>"",{D_}{r}<>"",ISNUMBER({H_}{r})),{SLOT_FAR}-{far},"")', "helper",
            k + ("slot",))
        m.f(r, c["known"], f'=IF({S_}{r}="","",IF({S_}{r}<{SLOT_FAR},"{YES}","{NO}"))', "text", k + ("known",))
        m.f(r, c["target"], f'=IF({S_}{r}="","",IF({S_}{r}<{SLOT_FAR},INDEX({i_target},{S_}{r}),0))',
            "money", k + ("target",))
        # the slots bottom-up, so that MATCH finds a rep's previous deal searching from the row above:
        # the work is the distance to that deal, not the rows above (linear in the deals)
        m.f(r, c["mirror"], f"=INDEX({slots},{n - i})", "helper", k + ("mirror",))
        p = i + 1
        prev = "0" if p == 1 else \
            f"IFERROR({p}-MATCH({S_}{r},INDEX({mirror},{n + 2 - p}):INDEX({mirror},{n}),0),0)"
        m.f(r, c["prev"], f'=IF({N_}{r}<>"{YES}","",{prev})', "helper", k + ("prev",))
        # a paid deal: the rep's previous deal's cumulative after (INDEX into the rows above only: a
        # range holding the cell's own row would be a circular reference to Excel); a rep not on the
        # roster (flagged, never paid, rare): the sum over the rows above
        carried = "0" if p == 1 else f"IF({PV}{r}=0,0,INDEX(${Q_}${d.r0}:{Q_}{r - 1},{PV}{r}))"
        m.f(r, c["cum_before"], f'=IF({none},"",IF({N_}{r}="{YES}",{carried},'
                                f'SUMPRODUCT(EXACT(${C_}${h}:{C_}{r - 1},{C_}{r})*EXACT(${D_}${h}:'
                                f'{D_}{r - 1},{D_}{r}),${M_}${h}:{M_}{r - 1})))', "int", k + ("cum_before",))
        m.f(r, c["cum_after"], f'=IF({none},"",{P_}{r}+{M_}{r})', "int", k + ("cum_after",))
        for t in range(len(tiers)):
            start = f"ROUND({O_}{r}*{ctx.tier_refs[t][0]}/1000000,0)*100"
            hi = f"{Q_}{r}" if t + 1 == len(tiers) else \
                f"MIN({Q_}{r},ROUND({O_}{r}*{ctx.tier_refs[t + 1][0]}/1000000,0)*100)"
            m.f(r, d.c_tier0 + t, f'=IF({none},"",IF({N_}{r}="{YES}",ROUND(MAX(0,{hi}-MAX({P_}{r},{start}))*'
                                  f'{ctx.tier_refs[t][1]}/1000000,0)/100,0))', "money2", k + (f"tier:{t}",))
        m.f(r, c["commission"], f'=IF({none},"",SUM({COL(d.c_tier0)}{r}:{COL(d.c_tier0 + len(tiers) - 1)}{r}))',
            "money2", k + ("commission",))
        # a new customer's deal: "|" & customer (so a blank customer still has a key), else blank
        m.f(r, c["newkey"], f'=IF(AND({F_}{r}="{YES}",{N_}{r}<>""),"|"&{E_}{r},"")', "helper", k + ("newkey",))
        # first new-customer deal: MATCH over the whole column (one lookup range, which the applications
        # index once) finds the customer's first such row; MATCH ignores case and reads * ? ~ as
        # wildcards, so when the row it finds is not EXACTly this customer the rows above are summed
        found = f"MATCH({G_}{r},{newkeys},0)"
        above = (f'IF(SUMPRODUCT(EXACT(${E_}${h}:{E_}{r - 1},{E_}{r})*(${F_}${h}:{F_}{r - 1}="{YES}")*'
                 f'(${N_}${h}:{N_}{r - 1}<>""))=0,"{YES}","{NO}")')
        m.f(r, c["first_new"], f'=IF({none},"",IF({F_}{r}="{YES}",IF(ISNUMBER({found}),IF(EXACT(INDEX({newkeys},'
                               f'{found}),{G_}{r}),IF({found}={p},"{YES}","{NO}"),{above}),{above}),"{NO}"))',
            "text", k + ("first_new",))
        bt = f"{M_}{r}>SP_BreakthroughThreshold*100"
        cq = f"{M_}{r}>SP_ConquestThreshold*100"
        m.f(r, c["breakthrough"], f'=IF({none},"",IF(AND({FN}{r}="{YES}",{N_}{r}="{YES}",{bt}),IF(AND(NOT(SP_StackAwards),{cq},'
                                  f'SP_ConquestAmount>SP_BreakthroughAmount),0,SP_BreakthroughAmount),0))', "money",
            k + ("breakthrough",))
        m.f(r, c["conquest"], f'=IF({none},"",IF(AND({FN}{r}="{YES}",{N_}{r}="{YES}",{cq}),IF(AND(NOT(SP_StackAwards),{bt},'
                              f'SP_BreakthroughAmount>=SP_ConquestAmount),0,SP_ConquestAmount),0))', "money",
            k + ("conquest",))
        m.f(r, c["report_flag"], f'=IF({none},"",IF({M_}{r}>=SP_ReportThreshold*100,"{msg(ctx, "report")}",""))',
            "flag", ("flag", k + ("report_flag",), msg(ctx, "report")))
        qf, lf = f"ROUND({J_}{r}*100,0)", f"ROUND({K_}{r}*100,0)"
        floor = (f'IF(AND({L_}{r}="{YES}",{qf}>SP_SpecialThreshold*100),ROUND(SP_SpecialFloor*1000000,0),'
                 f'ROUND(SP_StandardFloor*1000000,0))')
        m.f(r, c["discount_flag"], f'=IF({none},"",IF(AND(ISNUMBER({J_}{r}),ISNUMBER({K_}{r})),IF({lf}>0,'
                                   f'IF({qf}*1000000<{floor}*{lf},"{msg(ctx, "discount")}",""),""),""))', "flag",
            ("flag", k + ("discount_flag",), msg(ctx, "discount")))
        m.f(r, c["support_flag"], f'=IF({none},"",IF({M_}{r}>SP_SupportThreshold*100,"{msg(ctx, "support")}",""))',
            "flag", ("flag", k + ("support_flag",), msg(ctx, "support")))
        m.f(r, c["green_flag"], f'=IF({none},"",IF(AND(SP_GreenCustomerRegion<>"",SP_GreenViaRegion<>"",'
                                f'EXACT({CR_}{r},SP_GreenCustomerRegion),EXACT({D_}{r},SP_GreenViaRegion)),'
                                f'"{msg(ctx, "green")}",""))', "flag", ("flag", k + ("green_flag",), msg(ctx, "green")))
        m.f(r, c["unknown_flag"], f'=IF({N_}{r}="{NO}","{msg(ctx, "unknown")}","")', "flag",
            ("flag", k + ("unknown_flag",), msg(ctx, "unknown")))
    r0, rN = d.r0, max(d.r_last, d.r0)
    _validations(ctx, m, r0, rN)
    flag_cf(m, f"{COL(c['report_flag'])}{r0}:{COL(c['unknown_flag'])}{rN}", f"{COL(c['report_flag'])}{r0}")
    widths = {"seq": 6, "date": 11, "rep": 10, "region": 9, "customer": 18, "customer_region": 9,
              "new_customer": 8, "product": 12,
              "amount": 14, "contract_id": 14, "quote": 13, "list_price": 13, "first_quote": 8, "fen": 12,
              "known": 8, "target": 12, "cum_before": 13, "cum_after": 13, "commission": 12, "first_new": 9,
              "breakthrough": 11, "conquest": 11, "report_flag": 10, "discount_flag": 10, "support_flag": 10,
              "green_flag": 10, "unknown_flag": 10}
    for f, w in widths.items():
        m.widths[c[f]] = w
    for t in range(len(tiers)):
        m.widths[d.c_tier0 + t] = 13
    # internal: the amount in fen, the rep's slot, the linear-work helpers
    m.hidden_cols.update(c[x] for x in ("fen", "slot", "mirror", "prev", "newkey"))
    m.freeze = f"D{d.r0}"
    # printed: the rows holding a deal (the blank rows below are for typing, not paper)
    typed = [i for i, row in enumerate(ctx.inputs.deals) if any(present(getattr(row, f)) for f in fields)]
    print_setup(ctx, m, c["unknown_flag"], d.row(typed[-1]) if typed else h, title_rows=f"{h}:{h}", title_cols="A:C")
    guard_payouts(ctx, m)
    ctx.names["SP_DealsAmount"] = f"{quote_sheet(d.sheet)}!${H_}${r0}:${H_}${rN}"
    ctx.names["SP_DealsRep"] = f"{quote_sheet(d.sheet)}!${C_}${r0}:${C_}${rN}"
    return m


def _validations(ctx: Ctx, m: SheetModel, r0: int, rN: int) -> None:
    """The deal columns' validations, from the input spec (regions and products: the plan's names)."""
    c = ctx.deals.c
    names = {"region": tuple(x.name for x in ctx.cfg.regions), "product": tuple(p.name for p in ctx.cfg.products)}
    for f in ("new_customer", "first_quote", "region", "product", "amount", "quote", "list_price", "date"):
        validate(ctx, m, "deals", f, [f"{COL(c[f])}{r0}:{COL(c[f])}{rN}"], names.get(f, ()))
