"""The one adapter between a plan workbook and the history: everything the engine says.

It calls only public entry points — ``read_plan_book``,
``compute_plan``, ``compute_actuals`` — and turns their result into a
:class:`~salesplan.history.snapshot.Snapshot` plus the list of reasons the month cannot
be closed yet (errors in the plan, unresolved consolidation conflicts, a statement that
does not reconcile). If the engine's entry points move, this module is the one place
to follow them.
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from salesplan.errors import InputError, Problem
from salesplan.history.snapshot import Snapshot, jsonable

AWARD_RULES = {"conquest": "R8 新客户conquest奖", "breakthrough": "R8 重大突破奖", "retention": "R8 客户留存奖",
               "quiz": "R8 产品知识竞赛奖", "champion": "R8 销售冠军", "referral": "R8 合作伙伴推荐奖"}


@dataclass
class Reading:
    """A workbook as the history sees it: the snapshot (None when unreadable) and what blocks a close."""

    snapshot: Snapshot | None
    problems: list[Problem] = field(default_factory=list)


def fen(v: Any) -> int:
    """A yuan figure of ``compute_actuals`` (float from exact fen) back to integer fen."""
    from salesplan.money import to_decimal, to_fen
    return 0 if v is None else to_fen(to_decimal(v))


def contract_key(contract: str, row: int) -> str:
    """How two versions recognise the same deal: its contract number (NFKC, case-folded), else its row."""
    k = contract.strip().lower() if contract.isascii() else unicodedata.normalize("NFKC", contract).strip().casefold()
    return k or f"#row {row}"


def _date_text(v: Any) -> str:
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if v is None:
        return ""
    return str(v)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_workbook(path: str | Path) -> Reading:
    """Read and compute a plan workbook; never raises for what is wrong *in* the workbook."""
    from salesplan.engine.actuals import compute_actuals
    from salesplan.engine.plan import compute_plan
    from salesplan.workbook_templates import read_plan_book

    path = Path(path)
    try:
        book = read_plan_book(path)
        config, inputs = book.config, book.inputs
        plan = compute_plan(config)
    except InputError as exc:
        return Reading(None, list(exc.problems))
    problems = input_problems(config, inputs)
    try:
        act = compute_actuals(plan, inputs)
    except InputError as exc:
        return Reading(None, problems + list(exc.problems))
    except ArithmeticError as exc:   # the engine's own cross-checks disagree: never close on that
        return Reading(None, problems + [Problem(str(path), str(exc), "the engine's figures to agree", "engine")])
    snap = _snapshot(path, config, plan, inputs, act)
    problems += reconcile_problems(snap, act, inputs, plan)
    problems += conflict_problems(path, str(config.month))
    return Reading(snap, problems)


# ----------------------------------------------------------------------------- what blocks a close

def input_problems(config, inputs) -> list[Problem]:
    """Errors in the plan's inputs that make a payout wrong or unattributable."""
    from salesplan.engine.actuals import num, present, text
    from salesplan.workbook_templates.reader import duplicate_rep_problems

    out = list(duplicate_rep_problems(inputs))
    roster = {(r, text(row.name)) for r, ri in inputs.regions.items() for row in ri.reps if present(row.name)}
    seen: dict[str, int] = {}
    for i, d in enumerate(inputs.deals, start=1):
        where = f"成交明细 deal #{i}"
        typed = [present(v) for v in (d.rep, d.region, d.amount)]
        if not any(typed):
            continue
        if not all(typed) or num(d.amount) is None:
            out.append(Problem(where, f"rep {d.rep!r}, region {d.region!r}, amount {d.amount!r}",
                               "a rep, a region and a numeric amount (or an empty row)", "incomplete_deal"))
            continue
        if (text(d.region), text(d.rep)) not in roster:
            out.append(Problem(where, f"{text(d.region)} / {text(d.rep)}",
                               "a rep on that region's tab (the deal would pay nobody)", "unknown_rep"))
        key = contract_key(text(d.contract_id), i)
        if present(d.contract_id) and key in seen:
            out.append(Problem(where, f"contract {text(d.contract_id)}",
                               f"a contract number once (already on deal #{seen[key]}; R11)", "duplicate_contract"))
        seen.setdefault(key, i)
    for q in inputs.quiz:
        if present(q.rep) and (text(q.region), text(q.rep)) not in roster:
            out.append(Problem(f"quiz week {q.week} place {q.place}", f"{text(q.region)} / {text(q.rep)}",
                               "a rep on that region's tab", "unknown_rep"))
    return out


def reconcile_problems(snap: Snapshot, act: dict, inputs, plan) -> list[Problem]:
    """个人奖金明细 must reconcile: Σ statements = Σ trace + awards = Σ 激励, rep by rep."""
    out = []
    if act.get(("recon", "check")) != "recon_ok":
        out.append(Problem("个人奖金明细 核对结果", f"statements {act.get(('recon', 'statements'))}, "
                           f"incentives {act.get(('recon', 'incentives'))}, trace + awards "
                           f"{act.get(('recon', 'trace_plus_awards'))}", "all three equal", "unreconciled"))
    for r in plan.config.regions:
        for i, _ in enumerate(inputs.regions[r.name].reps):
            if act.get(("srep", r.name, i, "check")) == "✗":
                out.append(Problem(f"个人奖金明细 {r.name} / {act.get(('rep', r.name, i, 'name'))}",
                                   f"statement {act.get(('srep', r.name, i, 'total'))}",
                                   f"the 激励 payout {act.get(('srep', r.name, i, 'inc_payout'))}", "unreconciled"))
    total = sum(s[12] for s in snap.statements) + sum(p[9] for p in snap.payouts if p[3] == "referral")
    lines = sum(p[9] for p in snap.payouts)
    if total != lines or total != snap.payout_fen:
        out.append(Problem("payout trace", f"Σ lines {lines} fen, Σ statements + referrals {total} fen",
                           f"the month's payout {snap.payout_fen} fen", "unreconciled"))
    return out


def conflict_problems(path: Path, month: str) -> list[Problem]:
    """Regions whose last consolidation left conflicts (the split sidecars' history says so)."""
    from salesplan.regional.manifest import SplitManifest, sidecar_dir

    out = []
    d = sidecar_dir(path)
    if not d.is_dir():
        return out
    for f in sorted(d.glob("*.json")):
        try:
            m = SplitManifest.load(f)
        except (ValueError, KeyError, TypeError, OSError):
            continue
        if m.month != month or not m.history:
            continue
        last = m.history[-1]
        if int(last.get("conflicts", 0) or 0):
            out.append(Problem(f"{m.region}: consolidation of {last.get('file')} at {last.get('time')}",
                               f"{last['conflicts']} unresolved conflict(s)",
                               "none: settle them in the master and consolidate the region's file again",
                               "conflicts"))
    return out


# ----------------------------------------------------------------------------- the snapshot

class _Lines:
    """The payout lines of a close, numbered as they are added (PAYOUT_COLUMNS)."""

    def __init__(self, contracts: dict[int, str]):
        self.rows: list[tuple] = []
        self.contracts = contracts          # deal row index -> contract number

    def add(self, region, rep, kind, amount, rule, deal_row=None, tier=None, base=None, rate=None) -> None:
        contract = self.contracts.get(deal_row - 1) if deal_row else None
        self.rows.append((len(self.rows), region, rep, kind, deal_row, contract, tier, base, rate, amount, rule))


def _deal_rows(inputs, act: dict) -> list[tuple]:
    from salesplan.engine.actuals import num, present, text
    deals = []
    for x, d in enumerate(inputs.deals):
        if present(d.rep) and present(d.region) and num(d.amount) is not None:
            deals.append((len(deals), x + 1, text(d.contract_id), _date_text(d.date), text(d.region), text(d.rep),
                          text(d.customer), d.new_customer in (True, "是"), text(d.product), act[("deal", x, "fen")],
                          act.get(("deal", x, "known")) == "是", int(act.get(("deal", x, "commission_fen")) or 0)))
    return deals


def _deal_lines(lines: _Lines, cfg, n_deals: int, act: dict) -> None:
    """Each deal's tier slices and first-deal awards, in statement order (rep by rep, report order)."""
    from salesplan.engine.commission import rate_ppm
    for k in range(n_deals):
        x1 = act.get(("stmt", k, "row"))
        if x1 is None:
            break
        region, rep = act[("stmt", k, "region")], act[("stmt", k, "rep")]
        for t, tier in enumerate(cfg.commission.tiers):
            c, base = fen(act[("deal", x1 - 1, f"tier:{t}")]), fen(act[("stmt", k, f"slice:{t}")])
            if c or base:
                lines.add(region, rep, "commission", c, f"R8 提成 第{t + 1}档 (from {tier.start:%} of target, "
                          f"rate {tier.rate:%})", x1, t + 1, base, rate_ppm(tier.rate))
        for kind in act[("stmt", k, "rule")]:
            lines.add(region, rep, kind, fen(act[("deal", x1 - 1, kind)]), AWARD_RULES[kind], x1)


def _statement_rows(lines: _Lines, cfg, inputs, act: dict) -> list[tuple]:
    """One statement per named rep (slot order), and each rep-level award's line with its basis."""
    from salesplan.engine.actuals import num, present, text
    statements = []
    for r in cfg.regions:
        for i, row in enumerate(inputs.regions[r.name].reps):
            if not present(row.name) or act.get(("srep", r.name, i, "total")) is None:
                continue
            name, inc, srep = text(row.name), ("inc", r.name, i), ("srep", r.name, i)
            churn = num(row.churn)
            aw = {f: fen(act[inc + (f,)]) for f in ("conquest", "breakthrough", "retention", "quiz")}
            aw["champion"] = fen(act[inc + ("champion_prize",)])
            basis = {"retention": f"churn {churn} ≤ {cfg.awards.retention_max_churn}",
                     "quiz": f"{act[srep + ('quiz_places',)]} quiz place(s)", "champion": "rank 1 on revenue"}
            for kind in ("retention", "quiz", "champion"):
                if aw[kind]:
                    lines.add(r.name, name, kind, aw[kind], f"{AWARD_RULES[kind]}: {basis[kind]}")
            statements.append((len(statements), r.name, name, int(act[("rep", r.name, i, "target")]) * 100,
                               int(act[srep + ("deal_count",)]), fen(act[srep + ("revenue",)]),
                               fen(act[srep + ("commission",)]), aw["conquest"], aw["breakthrough"], aw["retention"],
                               aw["quiz"], aw["champion"], fen(act[srep + ("total",)]),
                               None if churn is None else str(Decimal(repr(churn)))))
    return statements


def _snapshot(path: Path, config, plan, inputs, act: dict) -> Snapshot:
    from salesplan.engine.actuals import num, text

    cfg = plan.config
    deals = _deal_rows(inputs, act)
    lines = _Lines({d[1] - 1: d[2] for d in deals})
    _deal_lines(lines, cfg, len(inputs.deals), act)
    statements = _statement_rows(lines, cfg, inputs, act)
    for s, x in enumerate(inputs.referrals):
        a = act.get(("ref", s, "award"))
        if a is not None:
            lines.add(text(x.region), text(x.partner), "referral", fen(a),
                      f"{AWARD_RULES['referral']}: level {int(num(x.level))} × {act[('ref', s, 'rate')]:%} "
                      f"of {fen(x.amount) / 100:,.2f}")
    payouts = lines.rows
    regions = {rt.name: rt.revenue * 100 for rt in plan.regions}
    targets = {"regions": regions, "reps": {f"{s[1]}/{s[2]}": s[3] for s in statements},
               "products": {p.name: p.revenue * 100 for p in plan.products},
               "new_customers": {rt.name: rt.new_customers for rt in plan.regions}}
    payout = sum(s[12] for s in statements) + sum(p[9] for p in payouts if p[3] == "referral")
    return Snapshot(str(cfg.month), path.name, file_sha256(path), sum(regions.values()),
                    sum(s[5] for s in statements), payout, jsonable(config), _inputs_json(inputs), targets,
                    deals, payouts, statements)


def _inputs_json(inputs) -> dict[str, Any]:
    """Every typed input except the deals (stored as rows): reps, phases, focus targets, quiz, referrals."""
    from salesplan.engine.actuals import present
    data = jsonable(inputs)
    data.pop("deals", None)
    data["quiz"] = [q for q in data["quiz"] if present(q.get("rep")) or present(q.get("region"))]
    data["referrals"] = [x for x in data["referrals"] if any(present(v) for v in x.values())]
    return data
