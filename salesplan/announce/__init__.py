"""Distribution of the month's plan (issue 7, R5): announcement and calendar.

* :func:`announce_plan` — render the PDF summary, the DingTalk markdown, the e-mail
  (and the .ics) for a computed Plan; with ``send=True`` post to the DingTalk group
  robot and mail the team, once per month and channel (see :mod:`.ledger`).
* :func:`announce_workbook` — the same for a plan workbook (the ribbon's 下发方案).
* :func:`render_ics` / :func:`write_ics` — the month's iCalendar file.
* :func:`load_plan` — where the Plan comes from (workbook or config).

Secrets come from environment variables or the OS keyring (:mod:`.credentials`).
"""
from salesplan.announce.content import Announcement, build_announcement
from salesplan.announce.core import CHANNELS, AnnounceResult, Delivery, announce_plan, announce_workbook, output_names
from salesplan.announce.errors import AnnounceError, DeliveryError, RenderError, SecretsError
from salesplan.announce.ics import render_ics, write_ics
from salesplan.announce.source import PlanSource, load_plan

__all__ = [
    "Announcement", "build_announcement", "CHANNELS", "AnnounceResult", "Delivery", "announce_plan",
    "announce_workbook", "output_names", "AnnounceError", "DeliveryError", "RenderError", "SecretsError",
    "render_ics", "write_ics", "PlanSource", "load_plan",
]
