"""One salesplan run at a time on a plan workbook.

``generate``, ``deals import --into``, ``split`` and ``consolidate`` read the plan,
merge, and write it back (consolidate and split also write its split records): two of
them at once on the same plan would each write what they read, and the later save
would drop the earlier one's changes. :func:`plan_lock` holds a lock file next to the
plan, ``.<plan name>.lock``, for the whole read-merge-write.

The lock is an operating-system lock on that file (``flock`` on POSIX,
``msvcrt.locking`` on Windows, through the ``filelock`` library): the system drops it
when its process ends, so a run that was killed never blocks the next one, and a lock
file left behind is harmless. The holder writes who it is (command, process id, host,
start time) into the lock file, so a waiting run can name it. A second run waits up to
:data:`WAIT_SECONDS` (``SALESPLAN_LOCK_WAIT`` in the environment overrides it) and then
stops with :class:`PlanBusyError`, having written nothing.
"""
from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import filelock

from salesplan.errors import SalesPlanError

__all__ = ["PlanBusyError", "LockError", "plan_lock", "lock_path", "WAIT_SECONDS"]

#: How long a run waits for another run on the same plan before it stops.
WAIT_SECONDS = 30.0


class PlanBusyError(SalesPlanError):
    """Another run holds the plan's lock for longer than this run would wait."""


class LockError(SalesPlanError):
    """The lock file cannot be created (e.g. a read-only folder)."""


def lock_path(plan: str | os.PathLike) -> Path:
    """``.<plan name>.lock`` in the plan's folder."""
    p = Path(plan)
    return p.with_name(f".{p.name}.lock")


def _wait_seconds(wait: float | None) -> float:
    if wait is not None:
        return wait
    text = os.environ.get("SALESPLAN_LOCK_WAIT", "")
    try:
        return max(0.0, float(text)) if text else WAIT_SECONDS
    except ValueError:
        return WAIT_SECONDS


def _owner_record(command: str) -> bytes:
    return json.dumps({"command": command, "pid": os.getpid(), "host": socket.gethostname(),
                       "since": datetime.now().astimezone().isoformat(timespec="seconds")},
                      ensure_ascii=False).encode("utf-8")


def describe_owner(path: Path) -> str:
    """Who holds the lock, as its record says (a general phrase when it cannot be read)."""
    try:
        d = json.loads(path.read_bytes().decode("utf-8"))
        return (f"`salesplan {d['command']}` (process {d['pid']} on {d['host']}, started "
                f"{str(d['since']).replace('T', ' ')})")
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return "another salesplan run"


def _writer(record: bytes) -> Callable[[int], None]:
    def write(fd: int) -> None:
        try:        # the record only names the holder for a waiting run: failing to write it is harmless
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, record)
        except OSError:
            pass
    return write


@contextmanager
def plan_lock(plan: str | os.PathLike, command: str, *, wait: float | None = None,
              notify: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold the plan's lock for the block; wait up to ``wait`` seconds for another run.

    ``notify`` receives one line when the run has to wait (default: printed on stderr).
    Raises :class:`PlanBusyError` when the other run does not finish in time and
    :class:`LockError` when the lock file cannot be created.
    """
    plan = Path(plan)
    path = lock_path(plan)
    seconds = _wait_seconds(wait)
    say = notify or (lambda line: print(line, file=sys.stderr, flush=True))
    lock = filelock.FileLock(path, thread_local=False, on_acquired=_writer(_owner_record(command)))
    try:
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            say(f"salesplan: {plan.name} is in use by {describe_owner(path)}; waiting up to {seconds:g} s for it "
                f"to finish")
            try:
                lock.acquire(timeout=seconds)
            except filelock.Timeout:
                raise PlanBusyError(
                    f"{plan} is in use by {describe_owner(path)}; waited {seconds:g} s. Nothing was written: "
                    f"run this again once it has finished") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise LockError(f"cannot lock {plan} (lock file {path}): {reason}; nothing was written") from None
    try:
        yield path
    finally:
        lock.release()
