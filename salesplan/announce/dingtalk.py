"""DingTalk group-robot message: markdown rendering, size cap, signing and sending.

Message: ``{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}`` posted
to the custom robot's webhook. DingTalk limits a markdown message to about 20,000
bytes; salesplan caps the markdown **text at 18,000 UTF-8 bytes** and the whole JSON
body at 20,000 bytes (:data:`MAX_TEXT_BYTES`, :data:`MAX_BODY_BYTES`). A longer text
is cut at a line boundary, lowest-priority sections last (the calendar, then
warnings), and ends with a note pointing to the e-mail attachments.

Signing ("加签" security setting): ``timestamp`` = now in milliseconds,
``sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))``,
both appended to the webhook URL. DingTalk rejects a timestamp more than one hour
off. A robot answers HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``; any other
errcode (310000 = bad signature / keyword / IP, 130101 = too many messages) is a
failure.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request

from salesplan.announce.content import Announcement, one_line, pct, yuan
from salesplan.announce.errors import DeliveryError, SecretsError

MAX_TEXT_BYTES = 18_000
MAX_BODY_BYTES = 20_000
DEFAULT_TIMEOUT = 15.0
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


# --------------------------------------------------------------------------- rendering


def _sections(ann: Announcement) -> list[list[str]]:
    """Markdown blocks in priority order; each block is a list of lines."""
    L, d, zh = ann.labels, ann.data, ann.lang == "zh"
    sep = "，" if zh else ", "
    colon = "：" if zh else ": "
    blocks: list[list[str]] = []
    strat = L.get(f"strategy_{d['strategy']}", d["strategy"])
    blocks.append([f"### {ann.title}", "", f"{L['strategy']}{colon}{strat}"])
    if ann.alerts:
        blocks.append([f"> **⚠ {L['alerts']}**{colon}{a}" for a in ann.alerts])
    blocks.append([f"**{L['targets']}**", ""] + [f"- {k}{colon}{v}" for k, v in ann.target_lines])
    blocks.append([f"**{L['products']}**", ""] + [f"- {one_line(p['name'])}{colon}{yuan(p['revenue'])}"
                                                  f"（{pct(p['share'])}）" if zh else
                                                  f"- {one_line(p['name'])}: {yuan(p['revenue'])} ({pct(p['share'])})"
                                                  for p in d["products"]])
    region_lines = [f"**{L['regions']}**", ""]
    for r in d["regions"]:
        per_product = " / ".join(f"{one_line(n)} {yuan(v)}" for n, v in r["products"].items())
        nc = f"{L['new_cust_short']} {r['new_customers']}{L['households']}"
        region_lines.append(f"- **{one_line(r['name'])}**（{one_line(r['manager'])}）{colon}{yuan(r['revenue'])}"
                            f"{sep}{nc}{sep}{per_product}" if zh else
                            f"- **{one_line(r['name'])}** ({one_line(r['manager'])}): {yuan(r['revenue'])}"
                            f"{sep}{nc}{sep}{per_product}")
    blocks.append(region_lines)
    phase_lines = [f"**{L['phases']}**", ""]
    for ph in d["phases"]:
        start, end = ph["start"][5:].replace("-", "/"), ph["end"][5:].replace("-", "/")
        name = one_line(ph["name"] if zh else ph["name_en"])
        phase_lines.append(f"- {L['phase']}{ph['number']} · {start}–{end} {name}{colon}{yuan(ph['revenue'])}"
                           f"（{ph['working_days']} {L['days']}）" if zh else
                           f"- {L['phase']} {ph['number']} · {start}–{end} {name}: {yuan(ph['revenue'])} "
                           f"({ph['working_days']} {L['days']})")
    blocks.append(phase_lines)
    kpi_lines = [f"**{L['kpi']}**", ""]
    for r in d["regions"]:
        weights = " · ".join(f"{one_line(k)} {pct(v)}" for k, v in r["kpi_weights"].items())
        kpi_lines.append(f"- {one_line(r['name'])}{colon}{weights}")
    blocks.append(kpi_lines)
    blocks.append([f"**{L['awards']}**", ""] + [f"- {a.name}{colon}{a.amount}（{a.condition}）" if zh else
                                                f"- {a.name}: {a.amount} ({a.condition})" for a in ann.awards])
    cal = [f"**{L['calendar']}**", ""]
    for g in ann.event_groups:
        dates = "、".join(ann.date_label(x) for x in g.dates) if zh else ", ".join(ann.date_label(x) for x in g.dates)
        cal.append(f"- {dates}{(' ' + g.time) if g.time else ''} {g.name}")
    blocks.append(cal)
    if ann.warnings:
        blocks.append([f"**{L['warnings']}**", ""] + [f"- {w}" for w in ann.warnings])
    blocks.append([L["see_attachments"]])
    return blocks


def _clip(text: str, budget: int) -> str:
    """``text`` cut to at most ``budget`` UTF-8 bytes without splitting a character."""
    return text.encode("utf-8")[:max(budget, 0)].decode("utf-8", errors="ignore")


def render_markdown(ann: Announcement, *, max_bytes: int = MAX_TEXT_BYTES) -> tuple[str, bool]:
    """The group message's markdown text and whether it had to be shortened."""
    blocks = _sections(ann)
    full = "\n\n".join("\n".join(b) for b in blocks)
    if len(full.encode("utf-8")) <= max_bytes:
        return full, False
    note = ann.labels["truncated"]
    budget = max_bytes - len(("\n\n" + note).encode("utf-8"))
    out: list[str] = []
    used = 0
    for b_index, block in enumerate(blocks):
        for l_index, line in enumerate(block):
            joiner = "" if not out else ("\n\n" if l_index == 0 else "\n")
            piece = joiner + line
            size = len(piece.encode("utf-8"))
            if used + size > budget:
                rest = budget - used - len(joiner.encode("utf-8"))
                if rest > 40:   # a long single line: keep what fits, marked with an ellipsis
                    out.append(joiner + _clip(line, rest - 3) + "…")
                return "".join(out) + "\n\n" + note, True
            out.append(piece)
            used += size
    return "".join(out) + "\n\n" + note, True  # pragma: no cover - the full text fitted after all


def build_payload(ann: Announcement, *, at_all: bool = False, max_bytes: int = MAX_TEXT_BYTES) -> dict:
    text, _ = render_markdown(ann, max_bytes=max_bytes)
    payload = {"msgtype": "markdown", "markdown": {"title": ann.subject, "text": text}}
    if at_all:
        payload["at"] = {"isAtAll": True}
    return payload


def encode_payload(payload: dict) -> bytes:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(body) > MAX_BODY_BYTES:
        raise DeliveryError(f"the DingTalk message is {len(body):,} bytes, over DingTalk's limit of "
                            f"{MAX_BODY_BYTES:,}", channel="dingtalk")
    return body


# --------------------------------------------------------------------------- signing and sending


def sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature, base64 (not yet URL-encoded)."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode("utf-8")
    digest = hmac.new(secret.encode("utf-8"), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(webhook: str, secret: str | None, *, timestamp_ms: int | None = None) -> str:
    """The webhook URL with ``&timestamp=...&sign=...`` appended (unchanged without a secret)."""
    if not secret:
        return webhook
    ts = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    query = urllib.parse.urlencode({"timestamp": str(ts), "sign": sign(secret, ts)})
    return webhook + ("&" if urllib.parse.urlsplit(webhook).query else ("" if webhook.endswith("?") else "?")) + query


def check_webhook(webhook: str) -> None:
    parts = urllib.parse.urlsplit(webhook)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in _LOOPBACK:
        return  # a local test/relay server; the token never leaves the machine
    raise SecretsError("the DingTalk webhook must be an https:// URL (http:// only for a loopback test server); "
                       f"got scheme {parts.scheme or '(none)'!r} host {parts.hostname or '(none)'!r}")


def redact(url: str) -> str:
    """The URL without its query (the access token and signature are secrets)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def send(payload: dict, webhook: str, secret: str | None, *, timeout: float = DEFAULT_TIMEOUT,
         cafile: str | None = None) -> dict:
    """POST the message; return DingTalk's JSON answer or raise :class:`DeliveryError`."""
    check_webhook(webhook)
    body = encode_payload(payload)
    url = signed_url(webhook, secret)
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8",
                                          "User-Agent": "salesplan-announce"})
    where = redact(webhook)
    context = ssl.create_default_context(cafile=cafile) if cafile else None
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", "replace") if exc.fp else ""
        raise DeliveryError(f"DingTalk robot at {where} answered HTTP {exc.code} {exc.reason}: {detail}".strip(),
                            channel="dingtalk") from exc
    except (TimeoutError, socket.timeout) as exc:
        raise DeliveryError(f"DingTalk robot at {where} did not answer within {timeout:g} s", channel="dingtalk") \
            from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise DeliveryError(f"DingTalk robot at {where} did not answer within {timeout:g} s",
                                channel="dingtalk") from exc
        raise DeliveryError(f"cannot reach the DingTalk robot at {where}: {reason}", channel="dingtalk") from exc
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DeliveryError(f"DingTalk robot at {where} answered something that is not JSON: {raw[:200]!r}",
                            channel="dingtalk") from exc
    code = answer.get("errcode") if isinstance(answer, dict) else None
    if code != 0:
        msg = answer.get("errmsg") if isinstance(answer, dict) else answer
        hint = (" (check SALESPLAN_DINGTALK_SECRET, the robot's keywords and the machine clock)"
                if code == 310000 else "")
        raise DeliveryError(f"DingTalk robot at {where} refused the message: errcode {code}, {msg}{hint}",
                            channel="dingtalk")
    return answer
