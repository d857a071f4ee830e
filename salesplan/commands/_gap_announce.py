"""`salesplan announce PLAN.xlsx --gap`: the daily 冲刺 message — each region's gap, the reps
closest to their next tier, working days left — rendered, and sent with --send through the
DingTalk group robot (the same settings, signing and checks as the monthly announcement).

It is a daily message: the sent-ledger keys it by the as-of date (channel ``dingtalk-gap``),
so each day is posted once unless --force.
"""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

from salesplan.engine import gap as g

CLOSEST = 5
LABELS = {
    "zh": {"title": "冲刺指引 {as_of}", "days": "本月剩余 **{n}** 个工作日", "regions": "**区域差距**",
           "region": "- {region}：已完成 ¥{revenue} / ¥{target}（{pct}），距目标 **¥{to_target}**；"
                     "第{phase}阶段 {phase_name} 距阶段目标 ¥{to_phase}；新客户尚需 {nc} 家",
           "closest": "**最接近下一档**", "rep": "{i}. {region} {rep}：再签 **¥{gap}** 进入第{tier}档（{rate}）",
           "none": "（无：所有人已在最高档）", "champion": "当前销冠：{region} {rep} ¥{revenue}",
           "no_champion": "当前还没有销冠，第一单就是！"},
    "en": {"title": "Sprint guide {as_of}", "days": "**{n}** working day(s) left this month", "regions": "**Regions**",
           "region": "- {region}: ¥{revenue} of ¥{target} ({pct}), **¥{to_target}** to go; "
                     "phase {phase} {phase_name}: ¥{to_phase} to the phase target; {nc} new customer(s) needed",
           "closest": "**Closest to the next tier**", "rep": "{i}. {region} {rep}: **¥{gap}** more for tier {tier} ({rate})",
           "none": "(none: everyone is in the top tier)", "champion": "Champion so far: {region} {rep} ¥{revenue}",
           "no_champion": "No champion yet: the first deal takes it!"},
}


def _money(fen: int) -> str:
    return f"{Decimal(int(fen)) / 100:,.2f}"


def _pct(x: Decimal | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def render(plan, gap: g.Gap, lang: str = "zh") -> tuple[str, str]:
    """(title, markdown text) of the 冲刺 message."""
    L = LABELS[lang]
    title = L["title"].format(as_of=gap.as_of.isoformat())
    lines = [f"### {title}", L["days"].format(n=gap.working_days_left), "", L["regions"]]
    for r in gap.regions:
        pct = _pct(Decimal(r.revenue_fen) / (r.target_yuan * 100) if r.target_yuan else None)
        lines.append(L["region"].format(region=r.region, revenue=_money(r.revenue_fen), target=_money(r.target_yuan * 100),
                                        pct=pct, to_target=_money(r.to_target_fen), phase=r.phase,
                                        phase_name=r.phase_name, to_phase=_money(r.to_phase_target_fen),
                                        nc=r.new_customers_needed))
    lines += ["", L["closest"]]
    near = sorted((r for r in gap.reps if r.to_next_tier_fen is not None), key=lambda r: r.to_next_tier_fen)[:CLOSEST]
    lines += [L["rep"].format(i=i, region=r.region, rep=r.rep, gap=_money(r.to_next_tier_fen), tier=r.tier + 1,
                              rate=_pct(r.next_tier_rate)) for i, r in enumerate(near, 1)] or [L["none"]]
    c = gap.champion
    lines += ["", L["champion"].format(region=c.region, rep=c.rep, revenue=_money(c.revenue_fen)) if c
              else L["no_champion"]]
    return title, "\n".join(lines)


def run(args) -> int:
    """Write the message (markdown + DingTalk JSON) and, with --send, post it once per day."""
    from salesplan.announce import dingtalk
    from salesplan.announce.credentials import dingtalk_settings
    from salesplan.announce.errors import DeliveryError
    from salesplan.announce.ledger import Ledger
    from salesplan.commands import _plan_source as ps
    from salesplan.errors import InputError, Problem

    if not args.workbook:
        raise InputError([Problem("announce --gap", "no workbook", "the plan workbook PLAN.xlsx (its deals are "
                                                                    "the gap's)", "missing")])
    source = ps.load(args.workbook, month=args.month)
    gap = g.compute_gap(source.plan, source.gap_inputs(), args.as_of)
    lang = args.lang or source.config.workbook.language
    title, text = render(source.plan, gap, "en" if lang == "en" else "zh")
    outdir = Path(args.outdir) if args.outdir else source.path.parent / f"announce-{source.plan.config.month}"
    outdir.mkdir(parents=True, exist_ok=True)
    stem = f"冲刺-{gap.as_of.isoformat()}"
    payload = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    dd = dingtalk_settings() if args.send else None
    if dd and dd.at_all:
        payload["at"] = {"isAtAll": True}
    (outdir / f"{stem}.md").write_text(text + "\n", encoding="utf-8")
    (outdir / f"{stem}.dingtalk.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n",
                                                  encoding="utf-8")
    print(f"{'markdown':<14} {outdir / (stem + '.md')}")
    print(f"{'dingtalk_json':<14} {outdir / (stem + '.dingtalk.json')}")
    if not args.send:
        print(f"{'dingtalk':<14} not sent: use --send to deliver")
        return 0
    ledger = Ledger(args.ledger or source.path.parent / "salesplan-sent.json")
    previous = ledger.last(gap.as_of.isoformat(), "dingtalk-gap")
    if previous and not args.force:
        print(f"{'dingtalk':<14} skipped: already sent for {gap.as_of} at {previous.sent_at}; use --force")
        return 0
    try:
        dingtalk.send(payload, dd.webhook, dd.secret, timeout=dd.timeout, cafile=args.cafile or dd.cafile)
    except DeliveryError as exc:
        print(f"{'dingtalk':<14} failed: {exc}")
        print(f"salesplan: error: delivery failed: {exc}", file=__import__("sys").stderr)
        return 3
    ledger.record(gap.as_of.isoformat(), "dingtalk-gap", hashlib.sha256(text.encode()).hexdigest(),
                  dingtalk.redact(dd.webhook))
    print(f"{'dingtalk':<14} sent: posted to {dingtalk.redact(dd.webhook)}")
    return 0
