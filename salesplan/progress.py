"""A tiny progress reporter for long runs (consolidate, split, deals import).

Workers call a :class:`Progress` — ``start(total, label)``, ``advance(n, note)``,
``finish(summary)`` — and never know who is watching:

* :class:`CliProgress` draws a bar on stderr when stderr is a TTY (redrawn at most
  ~10×/s), stays quiet otherwise, and always prints the final summary line.
* :class:`CallbackProgress` forwards one text line per update to any callable — in Excel
  ``lambda text: setattr(book.app, "status_bar", text)`` (xlwings ``App.status_bar``),
  and ``finish`` restores the status bar (``None`` gives it back to Excel).
* :class:`NullProgress` does nothing (the default for library calls).
* :class:`RecordingProgress` keeps every event (tests).

No dependencies.
"""
from __future__ import annotations

import sys
import time
from typing import Callable, Protocol, TextIO, runtime_checkable

__all__ = ["Progress", "NullProgress", "CliProgress", "CallbackProgress", "RecordingProgress",
           "status_bar_progress"]


@runtime_checkable
class Progress(Protocol):
    def start(self, total: int, label: str = "") -> None: ...

    def advance(self, n: int = 1, note: str = "") -> None: ...

    def finish(self, summary: str = "") -> None: ...


class NullProgress:
    def start(self, total: int, label: str = "") -> None:
        pass

    def advance(self, n: int = 1, note: str = "") -> None:
        pass

    def finish(self, summary: str = "") -> None:
        pass


class _Counting:
    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.label = ""
        self.t0 = time.monotonic()

    def start(self, total: int, label: str = "") -> None:
        self.total, self.done, self.label, self.t0 = max(int(total), 0), 0, label, time.monotonic()

    def _line(self, note: str = "", width: int = 24) -> str:
        if self.total:
            frac = min(self.done / self.total, 1.0)
            filled = int(frac * width)
            bar = "█" * filled + "░" * (width - filled)
            head = f"{self.label} {bar} {self.done}/{self.total} {frac:4.0%}"
        else:
            head = f"{self.label} {self.done}"
        return (head + (f"  {note}" if note else "")).strip()


class CliProgress(_Counting):
    """A bar on ``stream`` (stderr) when it is a TTY; the summary line always."""

    def __init__(self, stream: TextIO | None = None, *, interval: float = 0.1, force: bool | None = None,
                 show_summary: bool = True):
        super().__init__()
        self.show_summary = show_summary
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.live = force if force is not None else bool(isatty and isatty())
        self.interval = interval
        self._last = 0.0
        self._drawn = False

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        if not self.live:
            return
        now = time.monotonic()
        if now - self._last >= self.interval or self.done >= self.total:
            self._last = now
            self.stream.write("\r\x1b[2K" + self._line(note)[:200])
            self.stream.flush()
            self._drawn = True

    def finish(self, summary: str = "") -> None:
        if self._drawn:
            self.stream.write("\r\x1b[2K")
        if summary and self.show_summary:
            self.stream.write(summary.rstrip("\n") + "\n")
        self.stream.flush()


class CallbackProgress(_Counting):
    """One status line per update to ``callback`` (e.g. Excel's status bar), throttled."""

    def __init__(self, callback: Callable[[str | None], object], *, interval: float = 0.25,
                 restore: bool = True):
        super().__init__()
        self.callback = callback
        self.interval = interval
        self.restore = restore
        self._last = 0.0

    def start(self, total: int, label: str = "") -> None:
        super().start(total, label)
        self.callback(self._line())

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last >= self.interval or self.done >= self.total:
            self._last = now
            self.callback(self._line(note))

    def finish(self, summary: str = "") -> None:
        self.callback(None if self.restore else (summary or self._line()))


def status_bar_progress(book) -> CallbackProgress:
    """Progress on the Excel status bar of an xlwings ``Book`` (restored at the end)."""
    app = book.app

    def set_status(text: str | None) -> None:
        try:
            app.status_bar = text if text is not None else False
        except Exception:  # noqa: BLE001 - a status bar must never break the run
            pass

    return CallbackProgress(set_status)


class RecordingProgress(_Counting):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, object]] = []

    def start(self, total: int, label: str = "") -> None:
        super().start(total, label)
        self.events.append(("start", total))

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        self.events.append(("advance", note))

    def finish(self, summary: str = "") -> None:
        self.events.append(("finish", summary))
