"""设置's tables (products, regions, KPIs, commission tiers, extra holidays and workdays, the
events note): a mixin of :class:`~salesplan.workbook_templates.setup_sheet.SetupBuilder`, which
supplies the cell helpers (``input``, ``check_kind``, ``changed_flag``, ``name_ref``, ``section``)."""
from __future__ import annotations

from salesplan.engine.actuals.cells import tier_ppm
from salesplan.engine.kpi import base_weight_total
from salesplan.workbook_templates.model import ref
from salesplan.workbook_templates.setup_layout import C_KEY, C_PPM, EXTRA_ROWS, MINIMUM


class SetupTables:
    def table_header(self, section: str, table: str, fields: list[tuple[str, str, str]], start_col: int = 1):
        """fields: (field, label, assumption marker '' or 'A')"""
        self.section(section)
        m, r = self.m, self.row
        # hidden row with the field keys (for reading the table back)
        for i, (f, _label, _a) in enumerate(fields):
            m.text(r, start_col + i, f, "helper")
        m.text(r, C_KEY, f"[[{table}]]", "helper")
        m.hidden_rows.add(r)
        self.row += 1
        r = self.row
        for i, (f, label, a) in enumerate(fields):
            m.put(r, start_col + i, label + (f"（{self.L('assumption')}）" if a and self.L.lang == "zh"
                                            else f" ({self.L('assumption')})" if a else ""), "header")
        self.row += 1

    def table_products(self):
        L, m, cfg, plan = self.L, self.m, self.ctx.cfg, self.ctx.plan
        self.table_header("sec_r2", "products", [("name", L("product"), ""), ("share", L("share"), "")])
        first = self.row
        rows = list(cfg.products) + [None] * EXTRA_ROWS["products"]
        for p in rows:
            r = self.row
            self.input(r, 1, p.name if p else None, "in_text", "text")
            self.input(r, 2, float(p.share) if p else None, "in_pct", "pct")
            self.check_kind(r, 2, "pct", L("share"), f'A{r}<>""')
            self.changed_flag(r, [1, 2])
            m.text(r, C_KEY, "products", "helper")
            self.row += 1
        last = self.row - 1
        r = self.row
        m.put(r, 1, L("sum_check"), "label")
        m.f(r, 2, f"=SUM(B{first}:B{last})", "total_pct", ("lit", float(sum(p.share for p in cfg.products))))
        msg = L.pick(f'"⚠ 占比合计 "&TEXT(B{r},"0.0%")&" ≠ 100%：请修改 B{first}:B{last}"',
                     f'"⚠ shares sum to "&TEXT(B{r},"0.0%")&", not 100%: fix B{first}:B{last}"')
        m.f(r, 3, f'=IF(ROUND(B{r},9)=1,"",{msg})', "banner", ("lit", None))
        self.check(r, f"ROUND(B{r},9)=1", f"B{first}:B{last}", L("share"), L("chk_shares"))
        self.row += 1
        del plan

    def table_regions(self):
        L, m, cfg, ctx = self.L, self.m, self.ctx.cfg, self.ctx
        self.table_header("sec_r3", "regions", [
            ("name", L("region"), ""), ("manager", L("manager"), ""), ("revenue", L("month_target"), ""),
            ("focus_kpi", L("focus_kpi"), ""), ("focus_weight", L.pick("权重调整", "Weight change"), ""),
            ("focus_scoring", L("scoring"), "A"), ("focus_target", L("focus_target"), "A")])
        first = self.row
        for reg in list(cfg.regions) + [None] * EXTRA_ROWS["regions"]:
            r = self.row
            self.input(r, 1, reg.name if reg else None, "in_text", "text")
            self.input(r, 2, reg.manager if reg else None, "in_text", "text")
            self.input(r, 3, reg.revenue if reg else None, "in_money", "money")
            self.input(r, 4, reg.focus_kpi if reg else None, "in_text", "text")
            self.input(r, 5, float(reg.focus_weight) if reg else None, "in_pct", "pct")
            self.input(r, 6, L(reg.focus_scoring) if reg else None, "as_text", L.choices("scoring"))
            cols = [1, 2, 3, 4, 5, 6]
            used = f'A{r}<>""'
            self.check_kind(r, 3, "money", L("month_target"), used)
            self.check_kind(r, 5, "pct", L.pick("权重调整", "Weight change"), used)
            self.check_kind(r, 6, L.choices("scoring"), L("scoring"), used)
            if reg:
                g = ctx.region_geom[reg.name]
                fr, fc = g.cell["focus_target"]
                m.f(r, 7, f"={ref(g.sheet, fr, fc)}", "dec", ("region", reg.name, "focus_target_ref"))
                ctx.setup_region[reg.name] = {"focus_scoring": self.name_ref(r, 6)}
            else:
                self.input(r, 7, None, "as_dec", "dec")
                cols.append(7)
            self.changed_flag(r, cols)
            m.text(r, C_KEY, "regions", "helper")
            self.row += 1
        last = self.row - 1
        r = self.row
        m.put(r, 1, L("sum_check"), "label")
        m.f(r, 3, f"=SUM(C{first}:C{last})", "total_money", ("lit", sum(x.revenue for x in cfg.regions)))
        msg = L.pick(f'"⚠ 区域目标合计与月度销售额相差 "&TEXT(C{r}-SP_Revenue,"#,##0")&"：请修改 C{first}:C{last}"',
                     f'"⚠ region targets differ from the monthly revenue by "&TEXT(C{r}-SP_Revenue,"#,##0")'
                     f'&": fix C{first}:C{last}"')
        m.f(r, 4, f'=IF(C{r}=SP_Revenue,"",{msg})', "banner", ("lit", None))
        self.check(r, f"C{r}=SP_Revenue", f"C{first}:C{last}", L("month_target"), L("chk_regions"))
        self.row += 1

    def table_kpis(self):
        L, m, cfg, ctx = self.L, self.m, self.ctx.cfg, self.ctx
        self.table_header("sec_r6", "kpis", [
            ("key", L.pick("代码", "key"), ""), ("name", L("kpi"), ""), ("category", L("category"), ""),
            ("weight", L("weight"), ""), ("b_weight", L.pick("B版本权重", "Strategy B weight"), "A"),
            ("effective", L.pick("有效权重", "Effective weight"), ""), ("target", L("target"), ""),
            ("scoring", L("scoring"), "A"), ("cap", L("cap"), "A"), ("unit", L("unit"), "")])
        first = self.row
        bw = cfg.strategy_b.kpi_weights
        base_total = base_weight_total(cfg)
        for k in list(cfg.kpis) + [None] * EXTRA_ROWS["kpis"]:
            r = self.row
            self.input(r, 1, k.key if k else None, "in_text", "text")
            self.input(r, 2, k.name if k else None, "in_text", "text")
            self.input(r, 3, k.category if k else None, "in_text", "text")
            self.input(r, 4, float(k.weight) if k else None, "in_pct", "pct")
            self.input(r, 5, float(bw[k.key]) if k and k.key in bw else None, "as_pct", "pct")
            eff = None
            if k:
                eff = float(bw.get(k.key, k.weight)) if (cfg.strategy == "B" and bw) else float(k.weight)
            m.f(r, 6, f'=IF(A{r}="","",IF(AND(SP_Strategy="B",ISNUMBER(E{r})),E{r},N(D{r})))', "pct",
                ("lit", eff))
            tstyle, tkind = ("in_pct", "pct") if (k and k.unit == "rate") else ("in_dec", "dec")
            self.input(r, 7, (float(k.target) if k else None), tstyle, tkind)
            self.input(r, 8, L(k.scoring) if k else None, "as_text", L.choices("scoring"))
            self.input(r, 9, float(k.cap) if k else None, "as_pct", "dec")
            self.input(r, 10, L(k.unit) if k else None, "in_text", L.choices("unit"))
            used = f'A{r}<>""'
            self.check_kind(r, 4, "pct", L("weight"), used)
            self.check_kind(r, 5, "pct", L.pick("B版本权重", "Strategy B weight"), "FALSE")
            self.check_kind(r, 7, tkind, L("target"), used)
            self.check_kind(r, 8, L.choices("scoring"), L("scoring"), used)
            self.check_kind(r, 9, "dec", L("cap"), used, MINIMUM["kpis.cap"])
            self.check_kind(r, 10, L.choices("unit"), L("unit"), used)
            self.changed_flag(r, [1, 2, 3, 4, 5, 7, 8, 9, 10])
            m.text(r, C_KEY, "kpis", "helper")
            if k:
                ctx.setup_kpi[k.key] = {"target": self.name_ref(r, 7), "scoring": self.name_ref(r, 8),
                                        "cap": self.name_ref(r, 9), "effective": self.name_ref(r, 6),
                                        "name": self.name_ref(r, 2), "category": self.name_ref(r, 3),
                                        "weight": self.name_ref(r, 4)}
            self.row += 1
        last = self.row - 1
        r = self.row
        m.put(r, 1, L("sum_check"), "label")
        m.f(r, 6, f"=SUM(F{first}:F{last})", "total_pct", ("lit", float(base_total)))
        ctx.names["SP_KpiWeightSum"] = self.name_ref(r, 6)
        self.row += 1

    def table_tiers(self):
        L, m, cfg, ctx = self.L, self.m, self.ctx.cfg, self.ctx
        self.table_header("sec_r8c", "tiers", [("from", L.pick("起点（完成率）", "From (attainment)"), "A"),
                                                ("rate", L.pick("提成比例", "Rate"), "A")])
        ppm = tier_ppm(cfg.commission.tiers)
        for i, t in enumerate(list(cfg.commission.tiers) + [None] * EXTRA_ROWS["tiers"]):
            r = self.row
            self.input(r, 1, float(t.start) if t else None, "as_pct", "dec")
            self.input(r, 2, float(t.rate) if t else None, "as_pct", "pct")
            m.f(r, C_PPM, f'=IF(ISNUMBER(A{r}),ROUND(A{r}*1000000,0),"")', "helper",
                ("lit", ppm[i][0] if t else None))
            m.f(r, C_PPM + 1, f'=IF(ISNUMBER(B{r}),ROUND(B{r}*1000000,0),"")', "helper",
                ("lit", ppm[i][1] if t else None))
            self.changed_flag(r, [1, 2])
            self.tier_checks(r, i, configured=t is not None)
            m.text(r, C_KEY, "tiers", "helper")
            if t:
                ctx.tier_refs.append((self.name_ref(r, C_PPM), self.name_ref(r, C_PPM + 1)))
                ctx.names[f"SP_Tier{i + 1}From"] = self.name_ref(r, 1)
                ctx.names[f"SP_Tier{i + 1}Rate"] = self.name_ref(r, 2)
            self.row += 1

    def tier_checks(self, r: int, i: int, configured: bool) -> None:
        """A tier in use has a start and a rate; the first starts at 0 %, each above the one before."""
        L = self.L
        label = f"{L('tier')}{i + 1}"
        both, none = f"AND(ISNUMBER(A{r}),ISNUMBER(B{r}))", f'AND(A{r}="",B{r}="")'
        self.check(r, both if configured else f"OR({both},{none})", f"A{r}:B{r}", label, L("chk_tier_pair"))
        self.check_kind(r, 2, "pct", label, "FALSE")
        if i == 0:
            self.check(r, f"N(A{r})=0", f"A{r}", label, L("chk_tier_first"))
        else:
            self.check(r, f'OR(A{r}="",N(A{r})>N(A{r - 1}))', f"A{r}", label, L("chk_tier_order"))

    def _dates_table(self, table: str, values, with_name: bool):
        L, m = self.L, self.m
        fields = [("date", L("date"), "")] + ([("name", L("name"), "")] if with_name else [])
        self.table_header(table, table, fields)
        vals = list(values.items()) if isinstance(values, dict) else [(d, None) for d in values]
        for i in range(len(vals) + EXTRA_ROWS[table]):
            d, name = vals[i] if i < len(vals) else (None, None)
            r = self.row
            self.input(r, 1, d, "in_date", "date")
            cols = [1]
            if with_name:
                self.input(r, 2, name, "in_text", "text")
                cols.append(2)
            self.changed_flag(r, cols)
            m.text(r, C_KEY, table, "helper")
            self.row += 1

    def table_events_note(self):
        """What the R5 codes mean, and that the calendar follows these rows on regenerating."""
        self.m.put(self.row, 1, self.L("events_note"), "note")
        self.row += 1

    def table_extra_holidays(self):
        self._dates_table("extra_holidays", self.ctx.cfg.calendar.extra_holidays, True)

    def table_extra_workdays(self):
        self._dates_table("extra_workdays", self.ctx.cfg.calendar.extra_workdays, False)
