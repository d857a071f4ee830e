"""What changed between two versions of a month (or two months, or a workbook): the contract
of ``salesplan diff`` (docs/history.md).

Deals are matched by contract number (NFKC, case-folded; a deal without one by its row).
For every rep whose payout moved, ``because`` names the deals of that rep that were added,
removed or changed and the rules (payout components) whose amounts moved.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from salesplan.history.schema import DEAL_COLUMNS
from salesplan.history.snapshot import Snapshot
from salesplan.history.source import contract_key

COMPONENTS = (("commission_fen", "commission", "R8 提成"), ("conquest_fen", "conquest", "R8 新客户conquest奖"),
              ("breakthrough_fen", "breakthrough", "R8 重大突破奖"), ("retention_fen", "retention", "R8 客户留存奖"),
              ("quiz_fen", "quiz", "R8 产品知识竞赛奖"), ("champion_fen", "champion", "R8 销售冠军"))
DEAL_FIELDS = ("deal_date", "region", "rep", "customer", "new_customer", "product", "amount_fen")
_IGNORED_CONFIG = {"source"}


def flatten(v: Any, path: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Leaves of a JSON value by path; list items are named by their ``name`` (or week/place) when they have one."""
    out = {} if out is None else out
    if isinstance(v, dict):
        for k, x in v.items():
            flatten(x, f"{path}.{k}" if path else str(k), out)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            if isinstance(x, dict) and x.get("name") not in (None, ""):
                tag = str(x["name"])
            elif isinstance(x, dict) and "week" in x and "place" in x:
                tag = f"week {x['week']} place {x['place']}"
            else:
                tag = str(i + 1)
            flatten(x, f"{path}[{tag}]", out)
    else:
        out[path] = v
    return out


def changed_leaves(a: Any, b: Any, ignore: set[str] = frozenset()) -> list[dict[str, Any]]:
    fa, fb = flatten(a), flatten(b)
    keys = list(dict.fromkeys(list(fa) + list(fb)))
    return [{"path": k, "before": fa.get(k), "after": fb.get(k)} for k in keys
            if fa.get(k) != fb.get(k) and k.split(".", 1)[0] not in ignore]


#: the fields a diff compares (a deal's report position and roster flag are not compared)
_COMPARED = tuple(i for i, f in enumerate(DEAL_COLUMNS) if f in DEAL_FIELDS + ("commission_fen",))


def _deals_out(rows) -> list[dict[str, Any]]:
    """Deal rows (schema.DEAL_COLUMNS, in that order) as the diff JSON shows them: no report
    position, no roster flag.

    One dict display per row, unpacked in place: a month against the month before shows
    every deal of both (2 × 10⁵), so no call per deal. A test pins the unpacking to
    DEAL_COLUMNS."""
    return [{"row": r, "contract_id": c, "deal_date": d, "region": g, "rep": p, "customer": cu, "new_customer": n,
             "product": pr, "amount_fen": a, "commission_fen": cm}
            for _pos, r, c, d, g, p, cu, n, pr, a, _known, cm in rows]


#: the row sets a diff reads (a version's payout lines are not compared: its statements are)
DIFF_PARTS = ("deals", "statements")


def _by_contract(deals: list[tuple]) -> dict[str, tuple]:
    """Deals by :func:`contract_key` (its plain ASCII case inline: a month has ~10⁵ deals)."""
    out: dict[str, tuple] = {}
    for d in deals:
        c = d[2]
        k = c.strip().lower() if c.isascii() else contract_key(c, d[1])
        out[k or f"#row {d[1]}"] = d
    return out


def _changed(x: tuple, y: tuple) -> dict[str, Any]:
    fields = {DEAL_COLUMNS[i]: [x[i], y[i]] for i in _COMPARED if x[i] != y[i]}
    before, after = _deals_out((x, y))
    return {"contract_id": y[2] or x[2], "row": y[1], "changes": fields, "before": before, "after": after}


def side(s: Snapshot) -> dict[str, Any]:
    return {"label": s.label(), "month": s.month, "version": s.version, "workbook": s.workbook_name,
            "workbook_sha256": s.workbook_sha256, "revenue_fen": s.revenue_fen, "payout_fen": s.payout_fen}


def diff(a: Snapshot, b: Snapshot) -> dict[str, Any]:
    """The documented diff document (docs/history.md, "diff JSON")."""
    da, db = _by_contract(a.deals), _by_contract(b.deals)
    added_rows = [d for k, d in db.items() if k not in da]
    removed_rows = [d for k, d in da.items() if k not in db]
    changed = [_changed(da[k], db[k]) for k in da.keys() & db.keys()
               if da[k][3:10] != db[k][3:10] or da[k][11] != db[k][11]]
    changed.sort(key=lambda c: c["row"])
    targets = [{"what": f"{kind} {name}", "before_fen": ta, "after_fen": tb,
                "delta_fen": (tb or 0) - (ta or 0)}
               for kind in ("regions", "reps", "products")
               for name in dict.fromkeys(list(a.targets.get(kind, {})) + list(b.targets.get(kind, {})))
               for ta, tb in [(a.targets.get(kind, {}).get(name), b.targets.get(kind, {}).get(name))] if ta != tb]
    return {
        "a": side(a), "b": side(b),
        "totals": {f: {"before_fen": getattr(a, f), "after_fen": getattr(b, f),
                       "delta_fen": getattr(b, f) - getattr(a, f)} for f in ("target_fen", "revenue_fen", "payout_fen")},
        "targets": targets,
        "config": changed_leaves(a.config, b.config, _IGNORED_CONFIG | {"month", "month_explicit"}),
        "inputs": changed_leaves(a.inputs, b.inputs),
        "deals": {"added": _deals_out(added_rows), "removed": _deals_out(removed_rows), "changed": changed},
        "payouts": _payouts(a, b, added_rows, removed_rows, changed),
    }


def _payouts(a: Snapshot, b: Snapshot, added: list[tuple], removed: list[tuple],
             changed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sa = {(s[1], s[2]): dict(zip(("target_fen", "deal_count", "revenue_fen", *(c[0] for c in COMPONENTS),
                                   "total_fen", "churn"), s[3:])) for s in a.statements}
    sb = {(s[1], s[2]): dict(zip(("target_fen", "deal_count", "revenue_fen", *(c[0] for c in COMPONENTS),
                                   "total_fen", "churn"), s[3:])) for s in b.statements}
    touching: defaultdict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for how, rows in (("added", added), ("removed", removed)):
        for _pos, _row, contract, _date, region, rep, _cu, _new, _pr, amount, _known, commission in rows:
            touching[region, rep].append({"deal": contract, "change": how, "amount_fen": amount,
                                          "commission_fen": commission})
    for c in changed:
        for who in {(c["before"]["region"], c["before"]["rep"]), (c["after"]["region"], c["after"]["rep"])}:
            touching[who].append({"deal": c["contract_id"], "change": "changed",
                                  "fields": {k: v for k, v in c["changes"].items()}})
    out = []
    for key in dict.fromkeys(list(sa) + list(sb)):
        x, y = sa.get(key, {}), sb.get(key, {})
        before, after = x.get("total_fen", 0), y.get("total_fen", 0)
        if before == after and key in sa and key in sb:
            continue
        because = touching.pop(key, [])     # each rep's lines are its own: no copy
        for col, rule, label in COMPONENTS:
            u, v = x.get(col, 0), y.get(col, 0)
            if u != v:
                because.append({"rule": rule, "label": label, "before_fen": u, "after_fen": v, "delta_fen": v - u})
        if x.get("target_fen") != y.get("target_fen"):
            because.append({"target": "personal target", "before_fen": x.get("target_fen"),
                            "after_fen": y.get("target_fen")})
        if x.get("churn") != y.get("churn"):
            because.append({"input": "churn", "before": x.get("churn"), "after": y.get("churn")})
        if key not in sa or key not in sb:
            because.append({"rep": "added" if key not in sa else "removed"})
        out.append({"region": key[0], "rep": key[1], "before_fen": before, "after_fen": after,
                    "delta_fen": after - before, "because": because})
    return out


# ----------------------------------------------------------------------------- text

def yuan(fen: int | None) -> str:
    return "—" if fen is None else f"¥{fen / 100:,.2f}"


def signed(fen: int) -> str:
    return ("+" if fen > 0 else "-" if fen < 0 else "±") + f"¥{abs(fen) / 100:,.2f}"


def _reason(r: dict[str, Any]) -> str:
    if "deal" in r:
        if r["change"] == "changed":
            return f"deal {r['deal']} changed: " + ", ".join(
                f"{k} {_show(k, u)} → {_show(k, v)}" for k, (u, v) in r["fields"].items())
        return f"deal {r['deal']} {r['change']} ({yuan(r['amount_fen'])})"
    if "rule" in r:
        return f"{r['label']} {yuan(r['before_fen'])} → {yuan(r['after_fen'])} ({signed(r['delta_fen'])})"
    if "target" in r:
        return f"personal target {yuan(r['before_fen'])} → {yuan(r['after_fen'])}"
    if "input" in r:
        return f"{r['input']} {r['before']} → {r['after']}"
    return f"rep {r['rep']}"


def _show(field: str, v: Any) -> str:
    return yuan(v) if field.endswith("_fen") else str(v)


#: a rep's deal lines the table shows (a month against the month before moves every deal)
TABLE_DEALS_PER_REP = 10


def render_table(doc: dict[str, Any]) -> str:
    a, b = doc["a"], doc["b"]
    out = [f"diff {a['label']} → {b['label']}"]
    for name, t in doc["totals"].items():
        out.append(f"  {name[:-4]:<8} {yuan(t['before_fen']):>18} → {yuan(t['after_fen']):>18}  "
                   f"{signed(t['delta_fen'])}")
    if doc["targets"]:
        out += ["", "Targets:"] + [f"  {t['what']}: {yuan(t['before_fen'])} → {yuan(t['after_fen'])}"
                                   for t in doc["targets"]]
    for title, key in (("Configuration", "config"), ("Inputs", "inputs")):
        if doc[key]:
            out += ["", f"{title}:"] + [f"  {c['path']}: {c['before']} → {c['after']}" for c in doc[key][:200]]
            if len(doc[key]) > 200:
                out.append(f"  … {len(doc[key]) - 200} more (--format json lists all)")
    d = doc["deals"]
    out += ["", f"Deals: {len(d['added'])} added, {len(d['removed'])} removed, {len(d['changed'])} changed"]
    out += [f"  + {x['contract_id'] or '#' + str(x['row'])} {x['region']} {x['rep']} {yuan(x['amount_fen'])}"
            for x in d["added"][:200]]
    out += [f"  - {x['contract_id'] or '#' + str(x['row'])} {x['region']} {x['rep']} {yuan(x['amount_fen'])}"
            for x in d["removed"][:200]]
    out += [f"  ~ {c['contract_id'] or '#' + str(c['row'])}: " + ", ".join(
        f"{k} {_show(k, u)} → {_show(k, v)}" for k, (u, v) in c["changes"].items()) for c in d["changed"][:200]]
    out += ["", f"Payouts that moved: {len(doc['payouts'])}"]
    for p in doc["payouts"]:
        out.append(f"  {p['region']} {p['rep']}: {yuan(p['before_fen'])} → {yuan(p['after_fen'])} "
                   f"({signed(p['delta_fen'])})")
        deals = [r for r in p["because"] if "deal" in r]
        out += [f"      because {_reason(r)}" for r in deals[:TABLE_DEALS_PER_REP]]
        if len(deals) > TABLE_DEALS_PER_REP:
            out.append(f"      … {len(deals) - TABLE_DEALS_PER_REP} more deals (--format json lists all)")
        out += [f"      because {_reason(r)}" for r in p["because"] if "deal" not in r]
    return "\n".join(out) + "\n"
