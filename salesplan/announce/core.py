"""``announce_plan``: render the month's announcement and (optionally) send it.

Called by ``salesplan announce`` and by the ribbon button 下发方案 (a macro only has
to compute the plan and call :func:`announce_plan`, or :func:`announce_workbook`
with the calling workbook's path).
"""
from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from salesplan.announce import credentials, dingtalk, ics, mail, summary
from salesplan.announce.content import Announcement, build_announcement
from salesplan.announce.errors import DeliveryError
from salesplan.announce.ledger import LEDGER_NAME, Ledger
from salesplan.announce.source import load_plan

CHANNELS = ("dingtalk", "email")


@dataclass
class Delivery:
    channel: str
    status: str          # "sent" | "skipped" | "failed" | "not sent"
    detail: str = ""


@dataclass
class AnnounceResult:
    month: str
    outdir: Path
    files: dict[str, Path] = field(default_factory=dict)   # pdf, markdown, dingtalk_json, eml, html, ics
    deliveries: list[Delivery] = field(default_factory=list)
    truncated: bool = False
    notes: list[str] = field(default_factory=list)
    ledger: Path | None = None

    @property
    def failed(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.status == "failed"]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def output_names(month: str) -> dict[str, str]:
    stem = f"salesplan-{month}"
    return {"pdf": f"{stem}-summary.pdf", "markdown": f"{stem}-dingtalk.md", "dingtalk_json": f"{stem}-dingtalk.json",
            "eml": f"{stem}-email.eml", "html": f"{stem}-email.html", "ics": f"{stem}.ics"}


def announce_plan(plan, outdir: str | Path, *, send: bool = False, force: bool = False,
                  workbook: str | Path | None = None, channels: tuple[str, ...] = CHANNELS, pdf: bool = True,
                  env: Mapping[str, str] | None = None, ledger_path: str | Path | None = None,
                  cafile: str | None = None, lang: str | None = None, soffice: str | None = None,
                  use_keyring: bool = True, log: Callable[[str], None] | None = None,
                  today: date | None = None) -> AnnounceResult:
    """Write the PDF summary, DingTalk markdown, e-mail and .ics for ``plan`` to ``outdir``.

    With ``send=True`` also post to the DingTalk robot and mail the team (settings and
    secrets from ``env`` — default ``os.environ`` — or the OS keyring). A channel
    already sent for this month (per the ledger) is skipped unless ``force``.
    Raises :class:`DeliveryError` (with ``.result``) when a channel fails, after the
    other channels were tried; :class:`SecretsError` before sending anything when a
    setting is missing.
    """
    say = log or (lambda _msg: None)
    _check_channels(channels)
    ann: Announcement = build_announcement(plan, lang=lang)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    result = AnnounceResult(ann.month, outdir)
    workbook = Path(workbook) if workbook else None

    # a missing secret fails before anything is rendered or sent
    dd, smtp = _settings(send, channels, env, use_keyring, cafile)
    out = _Outputs(ann, outdir, output_names(ann.month), result)
    # render the outputs always; sending only reads them
    ics_path = out.ics(plan)
    out.pdf(pdf, today, soffice, say)
    text, payload = out.dingtalk(at_all=bool(dd and dd.at_all))
    msg = out.email(smtp, workbook, ics_path)
    say(f"wrote the announcement for {ann.month} to {outdir}")

    if not send:
        result.deliveries = [Delivery(c, "not sent", "use --send to deliver") for c in channels]
        return result

    # deliver, at most once per month and channel
    ledger = Ledger(ledger_path or ((workbook.parent if workbook else outdir) / LEDGER_NAME))
    result.ledger = ledger.path
    hashes = {"dingtalk": _sha256(text), "email": _sha256(mail.render_text(ann))}
    for channel in channels:
        delivery = _deliver(channel, ann.month, ledger, hashes[channel], force,
                            functools.partial(_send, dd=dd, smtp=smtp, payload=payload, msg=msg))
        result.deliveries.append(delivery)
        say(_said(delivery))
    if result.failed:
        raise DeliveryError("; ".join(d.detail for d in result.failed),
                            channel=",".join(d.channel for d in result.failed), result=result)
    return result


def _check_channels(channels: tuple[str, ...]) -> None:
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise ValueError(f"unknown channel(s) {unknown}; expected some of {CHANNELS}")


def _settings(send: bool, channels: tuple[str, ...], env: Mapping[str, str] | None, use_keyring: bool,
              cafile: str | None):
    """(DingTalk settings, SMTP settings) for the channels being sent, else None each."""
    dd = credentials.dingtalk_settings(env, use_keyring=use_keyring) if send and "dingtalk" in channels else None
    smtp = credentials.smtp_settings(env, use_keyring=use_keyring) if send and "email" in channels else None
    if cafile:   # an explicit CA bundle (PEM) replaces the system store for both TLS connections
        smtp = replace(smtp, cafile=cafile) if smtp else None
        dd = replace(dd, cafile=cafile) if dd else None
    return dd, smtp


@dataclass
class _Outputs:
    """Writes the announcement's files into ``outdir`` and records them in ``result``."""

    ann: Announcement
    outdir: Path
    names: dict[str, str]
    result: AnnounceResult

    def path(self, kind: str) -> Path:
        return self.outdir / self.names[kind]

    def ics(self, plan) -> Path:
        self.result.files["ics"] = ics.write_ics(plan, self.path("ics"), lang=self.ann.lang)
        return self.result.files["ics"]

    def pdf(self, wanted: bool, today: date | None, soffice: str | None, say: Callable[[str], None]) -> None:
        if not wanted:
            self.result.notes.append("PDF summary skipped (--no-pdf)")
            return
        self.result.files["pdf"] = summary.render_pdf(self.ann, self.path("pdf"), generated=today, soffice=soffice)
        say(f"wrote {self.result.files['pdf']}")

    def dingtalk(self, at_all: bool) -> tuple[str, dict]:
        text, truncated = dingtalk.render_markdown(self.ann)
        self.result.truncated = truncated
        if truncated:
            self.result.notes.append(f"the DingTalk message was shortened to {dingtalk.MAX_TEXT_BYTES:,} bytes")
        payload = dingtalk.build_payload(self.ann, at_all=at_all)
        self.path("markdown").write_text(text, encoding="utf-8")
        self.path("dingtalk_json").write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n",
                                              encoding="utf-8")
        self.result.files["markdown"] = self.path("markdown")
        self.result.files["dingtalk_json"] = self.path("dingtalk_json")
        return text, payload

    def email(self, smtp, workbook: Path | None, ics_path: Path):
        """The e-mail (.eml, with the PDF, the workbook and the .ics attached) and its HTML body."""
        attachments = [p for p in (self.result.files.get("pdf"), workbook, ics_path) if p]
        if workbook is None:
            self.result.notes.append("no plan workbook given: the e-mail carries the PDF and the .ics only")
        msg = mail.build_message(self.ann, sender=smtp.sender if smtp else "",
                                 recipients=smtp.recipients if smtp else (), attachments=attachments)
        self.path("eml").write_bytes(bytes(msg))
        self.path("html").write_text(mail.render_html(self.ann), encoding="utf-8")
        self.result.files["eml"] = self.path("eml")
        self.result.files["html"] = self.path("html")
        return msg


def _deliver(channel: str, month: str, ledger: Ledger, sha256: str, force: bool,
             send: Callable[[str], tuple[str, str]]) -> Delivery:
    """Send one channel unless the ledger says it went out already; record what was sent."""
    previous = ledger.last(month, channel)
    if previous and not force:
        changed = previous.sha256 != sha256
        detail = (f"already sent for {month} at {previous.sent_at}"
                  + ("; the plan changed since — use --force to send the update" if changed
                     else "; use --force to send it again"))
        return Delivery(channel, "skipped", detail)
    try:
        destination, detail = send(channel)
    except DeliveryError as exc:
        return Delivery(channel, "failed", str(exc))
    ledger.record(month, channel, sha256, destination)
    return Delivery(channel, "sent", detail)


def _said(d: Delivery) -> str:
    return f"{d.channel}: FAILED: {d.detail}" if d.status == "failed" else f"{d.channel}: {d.detail}"


def _send(channel: str, *, dd, smtp, payload: dict, msg) -> tuple[str, str]:
    """Post or mail, returning (destination for the ledger, detail for the user)."""
    if channel == "dingtalk":
        assert dd is not None
        dingtalk.send(payload, dd.webhook, dd.secret, timeout=dd.timeout, cafile=dd.cafile)
        destination = dingtalk.redact(dd.webhook)
        return destination, f"posted to {destination}"
    assert smtp is not None
    refused = mail.send(msg, smtp)
    destination = ", ".join(smtp.recipients)
    detail = f"mailed to {destination} via {smtp.host}:{smtp.port}"
    if refused:
        detail += f" (refused: {', '.join(refused)})"
    return destination, detail


def announce_workbook(workbook: str | Path, outdir: str | Path | None = None, **kwargs) -> AnnounceResult:
    """The ribbon's 下发方案: announce the plan stored in ``workbook`` (outputs next to it by default)."""
    source = load_plan(workbook, config=kwargs.pop("config", None), month=kwargs.pop("month", None))
    outdir = Path(outdir) if outdir else default_outdir(source.plan.to_dict()["month"], source.workbook)
    result = announce_plan(source.plan, outdir, workbook=source.workbook, **kwargs)
    result.notes[:0] = source.notes
    return result


def default_outdir(month: str, workbook: Path | None) -> Path:
    base = workbook.parent if workbook else Path.cwd()
    return base / f"announce-{month}"


__all__ = ["announce_plan", "announce_workbook", "AnnounceResult", "Delivery", "CHANNELS", "output_names",
           "default_outdir"]
