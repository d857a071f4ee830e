"""设置 (setup): every plan input and every assumption, editable, with defined names.

Each row carries its config key (column L) so :func:`read_config_from_workbook` can turn
the sheet back into a plan configuration. Scalars are one row each; lists (products,
regions, KPIs, commission tiers, holidays) are tables whose rows carry the table's
key. Every input has a hidden mirror of its generated value (columns O…); column M
says "已修改" when a value differs, and the banner counts them.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from salesplan.config.loader import default_config_text
from salesplan.engine import input_spec
from salesplan.engine.kpi import base_weight_total
from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.labels import CHOICES
from salesplan.workbook_templates.model import COL, SheetModel, Validation, ref
from salesplan.workbook_templates.setup_layout import (C_CHANGED, C_CHECK, C_KEY, C_LABEL, C_MARK, C_MIRROR0, C_NOTE,
                                                        C_PPM, C_VAL, MINIMUM, R_CHECK_BANNER, R_HEADER, SCALARS)
from salesplan.workbook_templates.setup_tables import SetupTables
from salesplan.workbook_templates.sheets.common import print_setup, red_if


@lru_cache(maxsize=1)
def assumption_keys() -> frozenset[str]:
    """Config keys marked "(assumption)" in the default plan's comments, plus whole tables so marked."""
    keys: set[str] = {"commission.tiers", "strategy_b.revenue", "strategy_b.new_customers", "strategy_b.kpi_weights",
                      "calendar.phase_starts", "awards.champion_tiebreak", "kpis.scoring", "kpis.cap",
                      "regions.focus_target", "regions.focus_scoring", "awards.quiz_awards",
                      "awards.referral_rates"}
    section = ""
    for line in default_config_text().splitlines():
        s = line.strip()
        m = re.match(r"^\[\[?([a-z_]+)\]?\]", s)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"^([a-z_]+)\s*=.*#.*\(assumption\)", s)
        if m:
            keys.add(f"{section}.{m.group(1)}" if section else m.group(1))
    return frozenset(keys)


_IN_STYLE = {"money": "in_money", "int": "in_int", "pct": "in_pct", "dec": "in_dec", "bool": "in_bool",
             "text": "in_text", "month": "text", "date": "in_date", "time": "in_text", "day": "in_int", "week": "in_int", "workdays": "in_int"}


def _style(kind: str, assumption: bool) -> str:
    if kind.startswith("choice"):
        kind = "text"
    s = _IN_STYLE[kind]
    if assumption and s.startswith("in_"):
        s = "as_" + {"in_money": "money", "in_int": "int", "in_pct": "pct", "in_dec": "dec", "in_bool": "bool",
                     "in_text": "text", "in_date": "date"}[s]
    return s


def _value(cfg, key: str):
    obj = cfg
    for part in key.split("."):
        obj = getattr(obj, part)
    if isinstance(obj, Decimal):
        return int(obj) if obj == obj.to_integral_value() and key.split(".")[-1] not in (
            "repurchase_rate", "special_discount_floor", "standard_discount_floor", "inventory_alert",
            "retention_max_churn") else float(obj)
    if key == "month":
        return str(obj)
    return obj


def _dv_for(kind: str) -> Validation | None:
    """The validation of a 设置 row, from the input spec (``choice:a,b``: the row's own list)."""
    if kind.startswith("choice:"):
        return Validation("list", [], '"' + kind.split(":", 1)[1] + '"')
    f = input_spec.SETTINGS.get(kind)
    dv = input_spec.validation(f) if f is not None else None
    if dv is None:
        return None
    v_kind, f1, f2, op, _ = dv
    return Validation(v_kind, [], f1, f2, op)


class SetupBuilder(SetupTables):
    def __init__(self, ctx: Ctx):
        self.ctx = ctx
        self.L = ctx.L
        self.m = SheetModel(ctx.sheet["setup"], "setup")
        self.row = 1
        self.dvs: dict[str, Validation] = {}
        self.input_cells: list[tuple[int, int]] = []
        self.checks: dict[int, list[tuple[str, str]]] = {}      # row -> [(valid expression, message)]

    # ------------------------------------------------------------------ helpers
    def name_ref(self, row: int, col: int) -> str:
        return ref(self.m.name, row, col)

    def dv(self, kind: str, row: int, col: int) -> None:
        proto = _dv_for(kind)
        if proto is None:
            return
        k = f"{proto.kind}|{proto.formula1}|{proto.formula2}"
        self.dvs.setdefault(k, proto).sqref.append(f"{COL(col)}{row}")

    def input(self, row: int, col: int, value, style: str, kind: str) -> None:
        if style.startswith(("in_text", "as_text")):
            self.m.text(row, col, value, style)
            self.m.text(row, C_MIRROR0 + col, value, None)
        else:
            self.m.put(row, col, value, style)
            self.m.put(row, C_MIRROR0 + col, value)
        self.input_cells.append((row, col))
        self.dv(kind, row, col)

    def check(self, row: int, valid: str, cell: str, label: str, rule: str) -> None:
        """A live check of a setting: ``valid`` (an Excel condition) or the message naming the cell."""
        sep = "：" if self.L.lang == "zh" else ": "
        self.checks.setdefault(row, []).append((valid, f"{cell} {label}{sep}{rule}"))

    def check_kind(self, row: int, col: int, kind: str, label: str, when: str | None = None,
                   minimum: int | None = None) -> None:
        """The input spec's range of ``kind`` (and a loader minimum); required always (``when`` None) or
        when ``when`` holds (a table row in use) — else blank or valid."""
        X = f"{COL(col)}{row}"
        if kind.startswith("choice:"):
            words = kind.split(":", 1)[1].split(",")
            expr, rule = "OR(" + ",".join(f'{X}="{w}"' for w in words) + ")", self.L("chk_choice")
        elif kind in ("money", "int", "pct", "dec", "day", "week", "workdays"):
            f = input_spec.SETTINGS[kind]
            lo = f.minimum if minimum is None else max(f.minimum, minimum)
            expr = f"AND(ISNUMBER({X}),{X}>={lo},{X}<={f.maximum}" + (f",{X}=INT({X}))" if f.kind == "integer" else ")")
            rule = (self.L("chk_min").format(min=minimum) if minimum else
                    self.L("chk_range").format(min=lo, max=f.maximum) if kind in ("day", "week", "workdays") else
                    self.L("chk_" + kind))
        elif kind == "time":   # 'HH:MM' as text (the cell is formatted as text, so Excel keeps what is typed)
            hh, mm = f"VALUE(LEFT({X},2))", f"VALUE(RIGHT({X},2))"
            expr = (f'IFERROR(AND(ISTEXT({X}),LEN({X})=5,MID({X},3,1)=":",ISNUMBER(-LEFT({X},2)),'
                    f'ISNUMBER(-RIGHT({X},2)),{hh}=INT({hh}),{hh}>=0,{hh}<=23,{mm}=INT({mm}),{mm}>=0,{mm}<=59),FALSE)')
            rule = self.L("chk_time")
        else:
            return
        if when is not None:
            expr = f'OR(AND(NOT({when}),{X}=""),{expr})'
        self.check(row, expr, X, label, rule)

    def write_checks(self) -> None:
        """Per row: the first failing check's message (hidden column), its row number; the banner (row 5)
        counts them and names the first; SP_SettingsError is that banner (payouts read it)."""
        m, L = self.m, self.L
        C, R = COL(C_CHECK), COL(C_CHECK + 1)
        for row, checks in sorted(self.checks.items()):
            expr = '""'
            for valid, message in reversed(checks):
                expr = f'IF({valid},{expr},"{message}")'
            m.f(row, C_CHECK, "=" + expr, "helper", ("lit", None))
            m.f(row, C_CHECK + 1, f'=IF({C}{row}="","",ROW())', "helper", ("lit", None))
            red_if(m, f"A{row}:J{row}", f'${C}${row}<>""')
        a, b = L("settings_banner").split("{n}")
        m.f(R_CHECK_BANNER, 1, f'=IF(COUNT(${R}:${R})=0,"","{a}"&COUNT(${R}:${R})&"{b}"&INDEX(${C}:${C},MIN(${R}:${R})))',
            "banner", ("lit", None))
        self.ctx.names["SP_SettingsError"] = self.name_ref(R_CHECK_BANNER, 1)

    def changed_flag(self, row: int, cols: list[int]) -> None:
        tests = ",".join(f"{COL(c)}{row}<>{COL(C_MIRROR0 + c)}{row}" for c in cols)
        self.m.f(row, C_CHANGED, f'=IF(OR({tests}),"{self.L("changed")}","")', "flag", ("lit", None))

    def section(self, key: str) -> None:
        self.row += 1
        self.m.put(self.row, 1, self.L(key), "section")
        for c in range(2, 12):
            self.m.put(self.row, c, None, "section")
        self.row += 1

    # ------------------------------------------------------------------ build
    def build(self) -> SheetModel:
        ctx, L, m, cfg = self.ctx, self.L, self.m, self.ctx.cfg
        m.put(1, 1, L("setup_title") + f" — {cfg.month}", "title")
        m.put(2, 1, L("input_hint"), "note")
        # banners: row 3 (KPI weights), row 4 (settings changed since generation), row 5 (invalid settings)
        self.row = R_HEADER
        m.put(self.row, C_LABEL, L("item"), "header")
        m.put(self.row, C_VAL, L("value"), "header")
        m.put(self.row, C_MARK, L("assumption"), "header")
        m.put(self.row, C_NOTE, L("note"), "header")
        m.put(self.row, C_KEY, L("config_key"), "header")
        m.put(self.row, C_CHANGED, L.pick("修改?", "Changed?"), "header")
        assumptions = assumption_keys()
        for spec in SCALARS:
            key = spec[0]
            if spec[1] is None and not key.startswith("table:"):
                self.section(key)
                continue
            if key.startswith("table:"):
                getattr(self, "table_" + key.split(":", 1)[1])()
                continue
            _, zh, en, kind, name = spec
            if key.startswith("list:"):
                ckey = key.split(":", 1)[1]
                values = list(_value(cfg, ckey))
                extra = 2 if ckey != "calendar.phase_starts" else 2
                list_first = self.row
                for n in range(len(values) + extra):
                    v = values[n] if n < len(values) else None
                    if isinstance(v, Decimal):
                        v = float(v)
                    is_as = ckey in assumptions or (ckey == "calendar.phase_starts" and n >= 5)
                    self.scalar_row(ckey, L.pick(zh, en).format(n=n + 1), v, kind, None, is_as, index=n)
                list_name = {"awards.quiz_awards": "SP_QuizAwards", "awards.referral_rates": "SP_ReferralRates"}
                if ckey in list_name:
                    ctx.names[list_name[ckey]] = (f"{ref(m.name, list_first, C_VAL)}:"
                                                  f"${COL(C_VAL)}${self.row - 1}")
                continue
            # the workbook's own language (--lang may differ from the config's): regenerating keeps it
            value = ctx.lang if key == "workbook.language" else _value(cfg, key)
            self.scalar_row(key, L.pick(zh, en), value, kind, name, key in assumptions)
        self.other_fields({k[0] for k in SCALARS})
        self.banner_rows()
        self.write_checks()
        last_printed = self.row - 1            # the version rows below are for the tools, not paper
        self.row += 1
        m.put(self.row, 1, L("sec_meta"), "section")
        self.row += 1
        from salesplan.workbook_templates.context import LAYOUT_VERSION
        for label, val, nm in (("layout_version", LAYOUT_VERSION, "SP_LayoutVersion"),
                               ("plan_hash", ctx.names.get("__plan_hash", ""), "SP_PlanHash")):
            m.put(self.row, C_LABEL, label, "text")
            m.text(self.row, C_VAL, val, "text")
            m.text(self.row, C_KEY, "meta." + label, "helper")
            ctx.names[nm] = self.name_ref(self.row, C_VAL)
            self.row += 1
        for k, dv in self.dvs.items():
            m.validate(dv)
        m.widths.update({1: 38, 2: 16, 3: 14, 4: 14, 5: 12, 6: 12, 7: 12, 8: 12, 9: 10, 10: 10, 11: 4, 12: 30, 13: 9})
        for c in (*range(C_MIRROR0 + 1, C_MIRROR0 + 12), C_PPM, C_PPM + 1, C_CHECK, C_CHECK + 1):
            m.hidden_cols.add(c)
        m.freeze = f"A{R_HEADER + 1}"
        # printed: the items, values and tables (A:J); the config keys and change marks are for regeneration
        print_setup(ctx, m, 10, last_printed, title_rows=f"{R_HEADER}:{R_HEADER}")
        return m

    def other_fields(self, covered: set[str]) -> None:
        """Scalar config fields this layout does not know yet (added later): one generic row each."""
        from dataclasses import fields as dc_fields
        cfg = self.ctx.cfg
        extra = []
        for section in ("targets", "weights", "awards", "risks", "coaching", "workbook"):
            obj = getattr(cfg, section)
            for f in dc_fields(obj):
                key = f"{section}.{f.name}"
                v = getattr(obj, f.name)
                if key in covered or key == "workbook.password" or isinstance(v, (tuple, list, dict)):
                    continue
                extra.append((key, v))
        if not extra:
            return
        self.section("sec_other")
        for key, v in extra:
            kind = ("bool" if isinstance(v, bool) else "int" if isinstance(v, int) else
                    "dec" if isinstance(v, Decimal) else "text")
            self.scalar_row(key, key, float(v) if isinstance(v, Decimal) else v, kind, None,
                            key in assumption_keys())

    def scalar_row(self, key, label, value, kind, name, is_assumption, index=None):
        ctx, m, r = self.ctx, self.m, self.row
        if kind in CHOICES:      # a word of the workbook's language; the configuration keeps the code
            value, kind = (None if value is None else self.L(value)), self.L.choices(kind)
        elif kind == "tiebreak":
            value, kind = self.L.tiebreak(value), "text"
        m.put(r, C_LABEL, label, "label")
        if kind == "month":
            m.text(r, C_VAL, value, "text")
        else:
            self.input(r, C_VAL, value, _style(kind, is_assumption), kind)
            self.changed_flag(r, [C_VAL])
            self.check_kind(r, C_VAL, kind, label, "FALSE" if index is not None else None,
                            MINIMUM.get(key))
        if is_assumption:
            m.put(r, C_MARK, self.L("assumption"), "banner")
        m.text(r, C_KEY, key if index is None else f"{key}[{index}]", "helper")
        if name:
            ctx.names[name] = self.name_ref(r, C_VAL)
        self.row += 1

    def banner_rows(self):
        L, m, ctx = self.L, self.m, self.ctx
        total = base_weight_total(ctx.cfg)
        expected = None
        if total != 1:
            pct = f"{(total * 100).quantize(Decimal(1), rounding='ROUND_HALF_UP')}%"
            expected = L("weights_banner_a") + pct + (L("weights_banner_norm") if ctx.cfg.weights.normalize
                                                      else L("weights_banner_raw"))
        m.f(3, 1, f'=IF(ROUND(SP_KpiWeightSum,9)=1,"","{L("weights_banner_a")}"&TEXT(SP_KpiWeightSum,"0%")'
                  f'&IF(SP_Normalize,"{L("weights_banner_norm")}","{L("weights_banner_raw")}"))', "banner",
            ("lit", expected))
        m.f(4, 1, f'=IF(COUNTIF(${COL(C_CHANGED)}:${COL(C_CHANGED)},"{L("changed")}")=0,"",'
                  f'COUNTIF(${COL(C_CHANGED)}:${COL(C_CHANGED)},"{L("changed")}")&" {L("setup_changed_banner")}")',
            "banner", ("lit", None))
        ctx.banners["weights"] = self.name_ref(3, 1)
        ctx.banners["changed"] = self.name_ref(4, 1)
        ctx.names["SP_WeightsBanner"] = self.name_ref(3, 1)
