"""Delivery settings and secrets: environment variables, then the OS keyring.

Secrets are **never** read from the plan workbook or the plan configuration file.

=============================  ==========================================  ========
variable                       meaning                                     secret
=============================  ==========================================  ========
SALESPLAN_DINGTALK_WEBHOOK     robot webhook URL (with its access_token)   yes
SALESPLAN_DINGTALK_SECRET      robot signing secret ("SEC...")             yes
SALESPLAN_DINGTALK_AT_ALL      "1" to @all in the group message            no
SALESPLAN_DINGTALK_CAFILE      extra CA bundle to trust for the webhook    no
SALESPLAN_SMTP_HOST            SMTP server                                 no
SALESPLAN_SMTP_PORT            port (default 587, STARTTLS)                no
SALESPLAN_SMTP_USER            login (optional: no AUTH when empty)        no
SALESPLAN_SMTP_PASSWORD        password                                    yes
SALESPLAN_SMTP_FROM            sender address (default: the user)         no
SALESPLAN_SMTP_TO              team mailbox(es), comma-separated           no
SALESPLAN_SMTP_CAFILE          CA bundle to trust instead of the system's  no
SALESPLAN_SMTP_TIMEOUT         seconds (default 30)                        no
=============================  ==========================================  ========

A secret missing from the environment is looked up in the OS keyring (the optional
``keyring`` package: Windows Credential Manager, macOS Keychain, Secret Service)
under service ``salesplan`` and the variable's name as the user name, e.g.
``keyring set salesplan SALESPLAN_SMTP_PASSWORD``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from salesplan.announce.errors import SecretsError

KEYRING_SERVICE = "salesplan"
SECRET_VARS = ("SALESPLAN_DINGTALK_WEBHOOK", "SALESPLAN_DINGTALK_SECRET", "SALESPLAN_SMTP_PASSWORD")


def _keyring_get(name: str) -> str | None:
    try:
        import keyring  # optional
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, name)
    except Exception:  # noqa: BLE001 - a broken/locked keyring backend means "not there"
        return None


def lookup(name: str, env: Mapping[str, str] | None = None, *, use_keyring: bool = True) -> str | None:
    env = os.environ if env is None else env
    value = env.get(name)
    if value is not None and value.strip():
        return value.strip()
    if use_keyring and name in SECRET_VARS:
        value = _keyring_get(name)
        if value:
            return value.strip()
    return None


@dataclass(frozen=True)
class DingTalkSettings:
    webhook: str
    secret: str | None = None
    at_all: bool = False
    cafile: str | None = None
    timeout: float = 15.0

    def __repr__(self) -> str:  # never print the token or secret
        return f"DingTalkSettings(webhook=<hidden>, secret={'<set>' if self.secret else None}, at_all={self.at_all})"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    sender: str = ""
    recipients: tuple[str, ...] = field(default_factory=tuple)
    cafile: str | None = None
    timeout: float = 30.0

    def __repr__(self) -> str:
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, user={self.user!r}, password=<hidden>, "
                f"sender={self.sender!r}, recipients={self.recipients!r}, cafile={self.cafile!r})")


def _number(name: str, raw: str | None, default: float, kind=float):
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SecretsError(f"{name}: got {raw!r}; expected a number") from None
    if value <= 0:
        raise SecretsError(f"{name}: got {raw!r}; expected a positive number")
    return value


def dingtalk_settings(env: Mapping[str, str] | None = None, *, use_keyring: bool = True) -> DingTalkSettings:
    webhook = lookup("SALESPLAN_DINGTALK_WEBHOOK", env, use_keyring=use_keyring)
    if not webhook:
        raise SecretsError("DingTalk: SALESPLAN_DINGTALK_WEBHOOK is not set (environment or OS keyring service "
                           "'salesplan'); it is the group robot's webhook URL")
    e = os.environ if env is None else env
    return DingTalkSettings(
        webhook=webhook,
        secret=lookup("SALESPLAN_DINGTALK_SECRET", env, use_keyring=use_keyring),
        at_all=(e.get("SALESPLAN_DINGTALK_AT_ALL", "").strip().lower() in ("1", "true", "yes")),
        cafile=lookup("SALESPLAN_DINGTALK_CAFILE", env) or None,
        timeout=_number("SALESPLAN_DINGTALK_TIMEOUT", lookup("SALESPLAN_DINGTALK_TIMEOUT", env), 15.0),
    )


def smtp_settings(env: Mapping[str, str] | None = None, *, use_keyring: bool = True) -> SmtpSettings:
    host = lookup("SALESPLAN_SMTP_HOST", env)
    missing = []
    if not host:
        missing.append("SALESPLAN_SMTP_HOST")
    to_raw = lookup("SALESPLAN_SMTP_TO", env) or ""
    recipients = tuple(a.strip() for a in to_raw.replace(";", ",").split(",") if a.strip())
    if not recipients:
        missing.append("SALESPLAN_SMTP_TO")
    user = lookup("SALESPLAN_SMTP_USER", env)
    sender = lookup("SALESPLAN_SMTP_FROM", env) or (user if user and "@" in user else None)
    if not sender:
        missing.append("SALESPLAN_SMTP_FROM")
    if missing:
        raise SecretsError("e-mail: " + ", ".join(missing) + " not set (see docs/announce.md)")
    password = lookup("SALESPLAN_SMTP_PASSWORD", env, use_keyring=use_keyring) if user else None
    if user and not password:
        raise SecretsError("e-mail: SALESPLAN_SMTP_USER is set but SALESPLAN_SMTP_PASSWORD is not (environment or "
                           "OS keyring service 'salesplan')")
    return SmtpSettings(
        host=host, port=int(_number("SALESPLAN_SMTP_PORT", lookup("SALESPLAN_SMTP_PORT", env), 587, int)),
        user=user, password=password, sender=sender, recipients=recipients,
        cafile=lookup("SALESPLAN_SMTP_CAFILE", env) or None,
        timeout=_number("SALESPLAN_SMTP_TIMEOUT", lookup("SALESPLAN_SMTP_TIMEOUT", env), 30.0),
    )
