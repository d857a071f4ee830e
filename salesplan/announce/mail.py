"""The announcement e-mail: plain-text and HTML alternatives, attachments, SMTP+STARTTLS.

The message is ``multipart/mixed``: a ``multipart/alternative`` body (text/plain and
text/html, UTF-8) followed by the attachments (the PDF summary, the plan workbook,
the month's .ics). Sending always upgrades the connection with STARTTLS and verifies
the server's certificate (system CAs, or exactly the CA file given by
``SALESPLAN_SMTP_CAFILE`` / ``--cafile``); a server without STARTTLS is refused, so a
password never travels in clear text.
"""
from __future__ import annotations

import html
import mimetypes
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from salesplan.announce.content import Announcement, one_line, pct, yuan
from salesplan.announce.errors import DeliveryError

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render_text(ann: Announcement) -> str:
    L, d, zh = ann.labels, ann.data, ann.lang == "zh"
    colon = "：" if zh else ": "
    out = [ann.title, "=" * 40, f"{L['strategy']}{colon}{L.get('strategy_' + d['strategy'], d['strategy'])}", ""]
    for a in ann.alerts:
        out.append(f"!! {L['alerts']}{colon}{a}")
    if ann.alerts:
        out.append("")
    out += [f"[{L['targets']}]"] + [f"  {k}{colon}{v}" for k, v in ann.target_lines] + [""]
    out += [f"[{L['products']}]"] + [f"  {one_line(p['name'])}  {pct(p['share'])}  {yuan(p['revenue'])}"
                                     for p in d["products"]] + [""]
    out.append(f"[{L['regions']}]")
    for r in d["regions"]:
        prods = " / ".join(f"{one_line(n)} {yuan(v)}" for n, v in r["products"].items())
        out.append(f"  {one_line(r['name'])}  {L['manager']} {one_line(r['manager'])}  {yuan(r['revenue'])}  "
                   f"{L['new_cust_short']} {r['new_customers']}  ({prods})")
    out += ["", f"[{L['phases']}]"]
    for ph in d["phases"]:
        name = one_line(ph["name"] if zh else ph["name_en"])
        out.append(f"  {ph['number']}. {ph['start']} – {ph['end']}  {name}  {yuan(ph['revenue'])}  "
                   f"({ph['working_days']} {L['days']})")
        for g in ann.phase_goals.get(ph["number"], ()):
            out.append(f"       - {g}")
    out += ["", f"[{L['kpi']}]"]
    for r in d["regions"]:
        out.append(f"  {one_line(r['name'])}{colon}" + " · ".join(f"{one_line(k)} {pct(v)}"
                                                             for k, v in r["kpi_weights"].items()))
    out += ["", f"[{L['awards']}]"] + [f"  {a.name}{colon}{a.amount} — {a.condition}" for a in ann.awards]
    out += ["", f"[{L['calendar']}]"]
    for g in ann.event_groups:
        out.append(f"  {', '.join(ann.date_label(x) for x in g.dates)}{(' ' + g.time) if g.time else ''}  {g.name}")
    if ann.warnings:
        out += ["", f"[{L['warnings']}]"] + [f"  - {w}" for w in ann.warnings]
    out += ["", L["see_attachments"]]
    return "\n".join(out) + "\n"


def _table(head: list[str], rows: list[list[str]], numeric_from: int = 99) -> str:
    th = "".join(f'<th style="border:1px solid #999;padding:3px 6px;background:#dde6f0">{html.escape(h)}</th>'
                 for h in head)
    body = []
    for row in rows:
        tds = "".join(
            f'<td style="border:1px solid #999;padding:3px 6px;{"text-align:right;" if i >= numeric_from else ""}">'
            f"{html.escape(str(c))}</td>" for i, c in enumerate(row))
        body.append(f"<tr>{tds}</tr>")
    return (f'<table style="border-collapse:collapse;font-size:13px;margin:4px 0 12px"><tr>{th}</tr>'
            + "".join(body) + "</table>")


def render_html(ann: Announcement) -> str:
    L, d, zh = ann.labels, ann.data, ann.lang == "zh"
    e = html.escape
    h2 = lambda t: f'<h3 style="color:#1f3864;margin:14px 0 4px">{e(t)}</h3>'  # noqa: E731
    parts = [f'<h2 style="margin:0 0 4px">{e(ann.title)}</h2>',
             f'<p style="color:#555;margin:0 0 8px">{e(L["strategy"])}: '
             f'{e(L.get("strategy_" + d["strategy"], d["strategy"]))}</p>']
    for a in ann.alerts:
        parts.append(f'<p style="background:#fde2e1;border-left:4px solid #c00;padding:6px 8px">'
                     f'<b>⚠ {e(L["alerts"])}</b>: {e(a)}</p>')
    parts.append(h2(L["targets"]) + _table([k for k, _ in ann.target_lines], [[v for _, v in ann.target_lines]], 0))
    parts.append(h2(L["products"]) + _table([L["product"], L["share"], L["target_amount"]],
                                            [[one_line(p["name"]), pct(p["share"]), yuan(p["revenue"])]
                                             for p in d["products"]], 1))
    products = [p["name"] for p in d["products"]]
    parts.append(h2(L["regions"]) + _table(
        [L["region"], L["manager"], *products, L["total"], L["new_cust_short"]],
        [[one_line(r["name"]), one_line(r["manager"]), *[yuan(r["products"][n]) for n in products],
          yuan(r["revenue"]), str(r["new_customers"])] for r in d["regions"]], 2))
    parts.append(h2(L["phases"]) + _table(
        [L["phase"], L["name"], L["start"], L["end"], L["working_days"], L["target_amount"], L["goals"]],
        [[str(ph["number"]), one_line(ph["name"] if zh else ph["name_en"]), ph["start"], ph["end"],
          str(ph["working_days"]), yuan(ph["revenue"]),
          ("；" if zh else "; ").join(ann.phase_goals.get(ph["number"], ()))] for ph in d["phases"]], 4))
    parts.append(h2(L["kpi"]) + _table(
        [L["kpi_name"], *[f"{one_line(r['name'])} {one_line(r['manager'])}" for r in d["regions"]]],
        [[one_line(k), *[pct(r["kpi_weights"][k]) if k in r["kpi_weights"] else "—" for r in d["regions"]]]
         for k in ann.kpi_names], 1))
    parts.append(h2(L["awards"]) + _table([L["award"], L["amount"], L["condition"]],
                                          [[a.name, a.amount, a.condition] for a in ann.awards]))
    parts.append(h2(L["calendar"]) + _table(
        [L["date"], L["time"], L["event"]],
        [[", ".join(ann.date_label(x) for x in g.dates), g.time, g.name] for g in ann.event_groups]))
    if ann.warnings:
        parts.append(h2(L["warnings"]) + "<ul>" + "".join(f"<li>{e(w)}</li>" for w in ann.warnings) + "</ul>")
    parts.append(f'<p style="color:#555">{e(L["see_attachments"])}</p>')
    lang = "zh-CN" if zh else "en"
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{e(ann.subject)}</title></head>'
            f'<body style="font-family:\'Noto Sans CJK SC\',\'Microsoft YaHei\',\'PingFang SC\',sans-serif">'
            + "\n".join(parts) + "</body></html>\n")


def build_message(ann: Announcement, *, sender: str = "", recipients: tuple[str, ...] = (),
                  attachments: list[Path] = ()) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = ann.subject
    if sender:
        msg["From"] = sender
    if recipients:
        msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="salesplan.local")
    msg["X-Salesplan-Month"] = ann.month
    msg.set_content(render_text(ann), subtype="plain", charset="utf-8")
    msg.add_alternative(render_html(ann), subtype="html", charset="utf-8")
    for path in attachments:
        path = Path(path)
        if path.suffix.lower() == ".xlsx":
            maintype, subtype = _XLSX.split("/")
        elif path.suffix.lower() == ".ics":
            maintype, subtype = "text", "calendar"
        else:
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            maintype, subtype = ctype.split("/", 1)
        data = path.read_bytes()
        if maintype == "text":
            msg.add_attachment(data.decode("utf-8"), subtype=subtype, filename=path.name,
                               params={"method": "PUBLISH"} if subtype == "calendar" else {})
        else:
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
    return msg


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH PLAIN when offered (one round trip, inside TLS), else smtplib's negotiation."""
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" in offered:
        smtp.user, smtp.password = user, password
        smtp.auth("PLAIN", smtp.auth_plain)
    else:
        smtp.login(user, password)


def send(msg: EmailMessage, settings) -> dict:
    """Deliver ``msg`` with STARTTLS (and AUTH when a user is set); return refused recipients."""
    where = f"{settings.host}:{settings.port}"
    try:
        context = ssl.create_default_context(cafile=settings.cafile) if settings.cafile \
            else ssl.create_default_context()
    except (OSError, ssl.SSLError) as exc:
        raise DeliveryError(f"e-mail: cannot load the CA file {settings.cafile!r}: {exc}", channel="email") from exc
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise DeliveryError(f"e-mail: the SMTP server {where} does not offer STARTTLS; salesplan only "
                                    f"sends over an encrypted connection", channel="email")
            smtp.starttls(context=context)
            smtp.ehlo()
            if settings.user:
                _login(smtp, settings.user, settings.password or "")
            refused = smtp.send_message(msg, from_addr=settings.sender, to_addrs=list(settings.recipients))
    except DeliveryError:
        raise
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(f"e-mail: the certificate of {where} is not trusted ({exc.verify_message}); "
                            f"set SALESPLAN_SMTP_CAFILE (or --cafile) to its CA", channel="email") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"e-mail: {where} refused the login for {settings.user!r}: {exc.smtp_code} "
                            f"{exc.smtp_error.decode('utf-8', 'replace') if isinstance(exc.smtp_error, bytes) else exc.smtp_error}",
                            channel="email") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"e-mail: {where} refused every recipient: {', '.join(exc.recipients)}",
                            channel="email") from exc
    except (TimeoutError, socket.timeout) as exc:
        raise DeliveryError(f"e-mail: {where} did not answer within {settings.timeout:g} s", channel="email") from exc
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        raise DeliveryError(f"e-mail: sending through {where} failed: {exc}", channel="email") from exc
    return refused
