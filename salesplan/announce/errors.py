"""Errors of the announcement: rendering (PDF conversion) and delivery (DingTalk, SMTP).

Both are :class:`salesplan.errors.SalesPlanError`, so the CLI prints them and exits
non-zero, and the ribbon macro shows them to the user.
"""
from __future__ import annotations

from salesplan.errors import SalesPlanError


class AnnounceError(SalesPlanError):
    """Base of the announcement's errors."""


class RenderError(AnnounceError):
    """An output could not be produced (e.g. LibreOffice is missing or failed)."""


class SecretsError(AnnounceError):
    """A delivery setting (webhook, secret, SMTP host, ...) is missing or invalid."""


class DeliveryError(AnnounceError):
    """Sending failed: timeout, HTTP/SMTP error, bad signature, TLS failure.

    ``channel`` names the channel ("dingtalk", "email"); ``result`` is set by
    :func:`salesplan.announce.announce_plan` to the :class:`AnnounceResult` of the
    run (what was written, sent, skipped) when one or more channels failed.
    """

    def __init__(self, message: str, *, channel: str = "", result=None):
        super().__init__(message)
        self.channel = channel
        self.result = result
