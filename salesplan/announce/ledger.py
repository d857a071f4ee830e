"""The "sent" ledger: what was delivered for which month, so a retry never sends twice.

A small JSON file (default ``salesplan-sent.json`` next to the plan workbook, else in
the output folder)::

    {"version": 1, "sent": [
      {"month": "2026-12", "channel": "dingtalk", "sha256": "…", "sent_at": "2026-12-01T10:30:02+08:00",
       "destination": "https://oapi.dingtalk.com/robot/send"}]}

A (month, channel) pair already in the ledger is skipped unless ``force``; the
content hash tells whether the plan changed since (reported, still not resent
without ``force``). Writes are atomic (temp file + rename).
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from salesplan.announce.errors import AnnounceError

LEDGER_NAME = "salesplan-sent.json"


@dataclass(frozen=True)
class Entry:
    month: str
    channel: str
    sha256: str
    sent_at: str
    destination: str = ""


class Ledger:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.entries: list[Entry] = self._read()

    def _read(self) -> list[Entry]:
        if not self.path.exists():
            return []
        try:
            data = json.loads(self.path.read_text("utf-8"))
            return [Entry(**{k: str(e.get(k, "")) for k in Entry.__dataclass_fields__}) for e in data["sent"]]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise AnnounceError(f"{self.path}: the sent-ledger is unreadable ({exc}); fix or delete it "
                                f"(deleting it allows this month to be sent again)") from exc

    def last(self, month: str, channel: str) -> Entry | None:
        found = [e for e in self.entries if e.month == month and e.channel == channel]
        return found[-1] if found else None

    def record(self, month: str, channel: str, sha256: str, destination: str = "",
               when: datetime | None = None) -> Entry:
        entry = Entry(month, channel, sha256, (when or datetime.now().astimezone()).isoformat(timespec="seconds"),
                      destination)
        self.entries.append(entry)
        self._write()
        return entry

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": 1, "sent": [e.__dict__ for e in self.entries]}
        fd, tmp = tempfile.mkstemp(prefix=".salesplan-sent-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, indent=2)
                fh.write("\n")
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
