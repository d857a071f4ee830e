"""`salesplan announce`: render the month's announcement and optionally send it (R5, issue 7)."""
from __future__ import annotations

import sys
from pathlib import Path

from salesplan.announce import CHANNELS, DeliveryError, announce_plan, load_plan
from salesplan.announce.core import default_outdir

EXIT_DELIVERY_FAILED = 3


def register(sub) -> None:
    p = sub.add_parser(
        "announce", help="render the month's announcement (PDF, DingTalk, e-mail) and optionally send it",
        description="Render the month's plan announcement — a print-ready PDF summary, the DingTalk group "
                    "message and the team e-mail (plus the month's .ics) — into a folder. With --send, post it "
                    "to the DingTalk group robot and mail the team mailbox; each month is sent once per channel "
                    "(see the ledger) unless --force. Settings and secrets come from SALESPLAN_DINGTALK_* and "
                    "SALESPLAN_SMTP_* environment variables or the OS keyring, never from the workbook.")
    p.add_argument("workbook", nargs="?", metavar="PLAN.xlsx",
                   help="the plan workbook (its plan is announced and the file is attached to the e-mail)")
    p.add_argument("--config", metavar="FILE", help="plan configuration TOML (instead of / besides the workbook)")
    p.add_argument("--month", metavar="YYYY-MM", help="plan month (must match the workbook's, if one is given)")
    p.add_argument("-o", "--outdir", metavar="DIR",
                   help="output folder (default: announce-YYYY-MM next to the workbook, else in the current folder)")
    p.add_argument("--send", action="store_true", help="deliver to DingTalk and e-mail (default: only write files)")
    p.add_argument("--force", action="store_true", help="send again even if this month was already sent")
    p.add_argument("--only", choices=CHANNELS, action="append", dest="channels",
                   help="deliver only this channel (repeatable; default: all)")
    p.add_argument("--no-pdf", dest="pdf", action="store_false",
                   help="skip the PDF summary (no LibreOffice needed; the e-mail then has no PDF)")
    p.add_argument("--cafile", metavar="PEM",
                   help="CA certificate(s) to trust for SMTP STARTTLS and the webhook instead of the system store "
                        "(also SALESPLAN_SMTP_CAFILE / SALESPLAN_DINGTALK_CAFILE)")
    p.add_argument("--ledger", metavar="FILE",
                   help="the sent-ledger JSON (default: salesplan-sent.json next to the workbook, else in the "
                        "output folder)")
    p.add_argument("--lang", choices=("zh", "en"), help="labels (default: the plan's workbook language)")
    p.add_argument("--gap", action="store_true",
                   help="instead: the daily 冲刺 message (each region's gap, the reps closest to their next tier, "
                        "days left) from the workbook's deals; --send posts it to DingTalk once a day (docs/gap.md)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", type=_date, help="with --gap: the date (default today)")
    p.set_defaults(handler=run)


def _date(text: str):
    from salesplan.commands._format import parse_date
    return parse_date(text, "--as-of")


def run(args) -> int:
    if args.gap:
        from salesplan.commands import _gap_announce
        return _gap_announce.run(args)
    if args.outdir:
        from salesplan.commands import check_output_dir
        check_output_dir(args.outdir, option="-o")
    source = load_plan(args.workbook, config=args.config, month=args.month)
    plan = source.plan
    for note in source.notes:
        print(f"salesplan: note: {note}", file=sys.stderr)
    for w in plan.warnings:
        print(f"salesplan: WARNING [{w.code}] {w.message}", file=sys.stderr)
    month = plan.to_dict()["month"]
    outdir = Path(args.outdir) if args.outdir else default_outdir(month, source.workbook)
    log = lambda msg: print(f"salesplan: {msg}", file=sys.stderr)  # noqa: E731
    try:
        result = announce_plan(plan, outdir, send=args.send, force=args.force, workbook=source.workbook,
                               channels=tuple(dict.fromkeys(args.channels or CHANNELS)), pdf=args.pdf,
                               ledger_path=args.ledger, cafile=args.cafile, lang=args.lang, log=log)
    except DeliveryError as exc:
        result = exc.result
        if result is None:
            raise
        _report(result)
        print(f"salesplan: error: delivery failed: {exc}", file=sys.stderr)
        return EXIT_DELIVERY_FAILED
    _report(result)
    return 0


def _report(result) -> None:
    for note in result.notes:
        print(f"salesplan: note: {note}", file=sys.stderr)
    for kind, path in result.files.items():
        print(f"{kind:<14} {path}")
    for d in result.deliveries:
        print(f"{d.channel:<14} {d.status}: {d.detail}")
