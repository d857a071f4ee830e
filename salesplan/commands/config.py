"""`salesplan config`: print the default configuration or check a file."""
from __future__ import annotations

import sys

from salesplan.config import default_config_text, load_config
from salesplan.engine.kpi import weight_warnings


def register(sub) -> None:
    p = sub.add_parser("config", help="print the default plan configuration or validate one",
                       description="Print the built-in default plan (the team's seed plan, comments and "
                                   "assumptions marked) or validate a configuration file. A file may hold "
                                   "only the keys that differ from the default: the others take the "
                                   "default's values and --check lists them.")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--print-default", action="store_true", help="print the built-in default configuration TOML")
    g.add_argument("--check", metavar="FILE", help="validate FILE and report every problem")
    p.set_defaults(handler=run)


def run(args) -> int:
    if args.print_default:
        sys.stdout.write(default_config_text())
        return 0
    cfg = load_config(args.check)
    print(f"{args.check}: OK — {cfg.month}, {len(cfg.products)} products, {len(cfg.regions)} regions, "
          f"{len(cfg.kpis)} KPIs")
    if cfg.defaulted:
        print(f"taken from the built-in default ({len(cfg.defaulted)}): " + ", ".join(cfg.defaulted))
    for w in weight_warnings(cfg):
        print(f"salesplan: WARNING [{w.code}] {w.message}", file=sys.stderr)
    return 0
