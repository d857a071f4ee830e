"""Atomic saves: write a temp file in the target's folder, validate it, then replace.

A failure anywhere before the final ``os.replace`` leaves the old file byte-identical
(the temp file is removed). ``os.replace`` within one folder is atomic on POSIX and
Windows.

A save that fails on the file system (a full disk — ENOSPC, EFBIG, EDQUOT — a
read-only folder, any ``OSError``) raises :class:`SaveError`: one line naming the
file and the reason. The half-written temp file's writers (openpyxl's generators, an
open ``ZipFile``) are closed quietly first, so nothing prints a stack afterwards.

Temp files are named ``.<stem>.<pid>-<host>.<random>.tmp<suffix>``: a run killed
mid-save leaves one behind, and the next save of the same file removes it once it is
stale (:func:`remove_stale`): its process is gone (same host), or it is older than
:data:`STALE_AFTER` seconds (another host, or a name without a process id).
"""
from __future__ import annotations

import errno
import gc
import hashlib
import os
import re
import shutil
import socket
import sys
import tempfile
import time
import traceback
import types
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from salesplan.errors import Problem, SalesPlanError, WorkbookError

__all__ = ["SaveError", "atomic_write", "validate_xlsx", "saving", "temp_name", "remove_stale", "FileSet",
           "STALE_AFTER"]

#: A temp file of an unknown or foreign process is stale after this many seconds (no save takes that long).
STALE_AFTER = 15 * 60
#: A temp file of a process that still runs (its id may have been reused) is stale after this many seconds.
STALE_ALIVE_AFTER = 24 * 3600

_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EFBIG: "the file is larger than this disk or account allows",
    errno.EDQUOT: "the disk quota is used up",
    errno.EACCES: "permission denied",
    errno.EPERM: "not permitted",
    errno.EROFS: "the disk is read-only",
}


class SaveError(SalesPlanError, OSError):
    """A file could not be written; ``unchanged`` says whether the old file is intact.

    Also an OSError (``errno`` is the cause's), so a caller that handles file-system
    errors still handles it."""

    def __init__(self, path: str | os.PathLike, exc: BaseException, *, unchanged: bool = True,
                 note: str = ""):
        self.path = Path(path)
        self.cause = exc
        self.errno = getattr(exc, "errno", None)
        reason = _REASONS.get(self.errno) if self.errno is not None else None
        detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        text = f"{reason} ({detail})" if reason else detail
        where = getattr(exc, "filename", None)
        if where is not None and Path(where).name != self.path.name and not str(where).endswith(".tmp.xlsx"):
            text += f" at {where}"
        tail = note or ("the file is unchanged" if unchanged else "")
        super().__init__(f"cannot save {self.path}: {text}" + (f"; {tail}" if tail else ""))
        self.errno = getattr(exc, "errno", None)


def _host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def temp_name(target: str | os.PathLike, suffix: str = ".tmp.xlsx") -> tuple[str, str]:
    """``(prefix, suffix)`` for ``tempfile.mkstemp``/``mkdtemp`` of a temp next to ``target``."""
    return f".{Path(target).stem}.{os.getpid()}-{_host_tag()}.", suffix


def _pid_alive(pid: int) -> bool | None:
    """True/False when the process is known to run / be gone; None when it cannot be told."""
    if pid == os.getpid():
        return True
    if os.name != "posix":     # os.kill(pid, 0) would terminate the process on Windows
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:            # EPERM: it runs under another user
        return True
    return True


def _is_stale(entry: Path, owner: str | None, now: float) -> bool:
    try:
        age = now - entry.lstat().st_mtime
    except OSError:
        return False
    alive = None
    if owner is not None:
        pid, _, host = owner.partition("-")
        if host == _host_tag():
            try:
                alive = _pid_alive(int(pid))
            except (OverflowError, ValueError):
                alive = False
    if alive is False:
        return True
    return age > (STALE_ALIVE_AFTER if alive else STALE_AFTER)


def remove_stale(folder: str | os.PathLike, stem: str, suffix: str = ".tmp.xlsx") -> list[Path]:
    """Remove the stale temps of ``<stem>`` in ``folder`` (files or folders named by
    :func:`temp_name`, or ``.<stem>.<random><suffix>`` as older versions named them).

    A temp of a run still going on (same host, its process alive) is left alone, so two
    runs at once never remove each other's files. Returns what was removed; never raises.
    """
    folder = Path(folder)
    pattern = re.compile(re.escape(f".{stem}.") + r"(?:(\d+-[0-9a-f]{6})\.)?[A-Za-z0-9_]{8}" + re.escape(suffix))
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = pattern.fullmatch(entry.name)
        if m is None or not _is_stale(entry, m.group(1), now):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
        except OSError:
            pass
    return removed


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it was raised from or during."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__


def _failed_writers(exc: BaseException, limit: int = 200_000) -> list[Any]:
    """openpyxl's sheet generators and the ZipFiles reachable from the frames of the failed
    write (its workbook, sheets, archive), found before those frames are cleared.

    Only what the failed write itself held is touched: another write going on in the same
    process (a long-lived add-in host) keeps its writers."""
    todo: list[Any] = []
    for e in _chain(exc):
        tb = e.__traceback__
        while tb is not None:
            todo.append(tb.tb_frame.f_locals)
            tb = tb.tb_next
    seen: set[int] = set()
    found: list[Any] = []
    while todo and len(seen) < limit:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, types.GeneratorType):
            if obj.gi_frame is not None and "openpyxl" in obj.gi_code.co_filename:
                found.append(obj)
        elif isinstance(obj, zipfile.ZipFile):
            found.append(obj)
        elif isinstance(obj, (dict, list, tuple, set)) or type(obj).__module__.startswith("openpyxl"):
            todo.extend(gc.get_referents(obj))
    return found


def _quiet_release(exc: BaseException) -> None:
    """Close the writers of a failed write now, silently, so nothing prints a stack later.

    openpyxl writes through generators and a ``ZipFile``; when a write fails on a full
    disk, closing them writes again and fails again, which Python reports as "Exception
    ignored in ..." with a stack, at garbage collection or at exit. Some of them cannot
    be collected before exit (lxml's writer holds them from C), so the ones the failed
    write held are closed here, with those reports muted; this also frees the temp
    file's handle (so it can be removed, on Windows too). Only ever called after a failure.
    """
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _info: None
    try:
        writers = _failed_writers(exc)
        for e in _chain(exc):
            if e.__traceback__ is not None:
                traceback.clear_frames(e.__traceback__)
        for w in writers:
            try:
                w.close()
            except Exception:  # noqa: BLE001 - closing a failed writer fails again: expected, ignored
                pass
        del writers
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _os_error_in(exc: BaseException) -> OSError | None:
    """The OSError behind ``exc`` (itself, or its cause/context), if any."""
    return next((e for e in _chain(exc) if isinstance(e, OSError)), None)


def _libxml_io_error(exc: BaseException) -> OSError | None:
    """lxml's serializer reports a failed write as ``SerialisationError('IO_EFBIG')`` (libxml2's
    error name) instead of an OSError: the errno it names."""
    m = re.search(r"\bIO_(E[A-Z0-9]+)\b", str(exc))
    code = getattr(errno, m.group(1), None) if m else None
    return OSError(code, os.strerror(code)) if isinstance(code, int) else None


def _disk_full(folder: Path) -> OSError | None:
    """An ENOSPC error when ``folder``'s disk has (almost) no room left (a writer that hides
    the OSError behind its own exception, e.g. lxml's serializer, is still named right)."""
    try:
        if shutil.disk_usage(folder).free < 64 * 1024:
            return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    except OSError:
        pass
    return None


@contextmanager
def saving(path: str | os.PathLike, *, unchanged: bool = True, cleanup: Iterable[Path] = ()) -> Iterator[None]:
    """Turn a file-system failure inside the block into :class:`SaveError` naming ``path``.

    The paths in ``cleanup`` are removed (files or folders) after the failed writers are
    closed. Other exceptions pass unchanged, except one caused by an OSError or raised
    while the disk is full, which becomes a SaveError too.
    """
    try:
        yield
    except SalesPlanError:
        _remove(cleanup)
        raise
    except Exception as exc:
        cause = _os_error_in(exc) or _libxml_io_error(exc) or _disk_full(Path(path).parent)
        if cause is None:            # not a file-system failure: a bug keeps its whole traceback
            _remove(cleanup)
            raise
        _quiet_release(exc)
        _remove(cleanup)
        raise SaveError(path, cause, unchanged=unchanged) from None
    except BaseException:
        _remove(cleanup)
        raise


def _remove(paths: Iterable[Path]) -> None:
    for p in paths:
        try:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
        except OSError:
            pass


def validate_xlsx(path: Path, expect_month: str | None = None) -> None:
    """A cheap structural check: a valid zip with a workbook part (and the right month)."""
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
            if bad is not None:
                raise WorkbookError([Problem(str(path), bad, "an intact zip member", "corrupt")])
            if "xl/workbook.xml" not in z.namelist():
                raise WorkbookError([Problem(str(path), "no xl/workbook.xml", "an .xlsx workbook", "corrupt")])
            if expect_month is not None:
                props = z.read("docProps/custom.xml").decode("utf-8") if "docProps/custom.xml" in z.namelist() else ""
                if expect_month not in props:
                    raise WorkbookError([Problem(str(path), "month property missing", expect_month, "corrupt")])
    except zipfile.BadZipFile as exc:
        raise WorkbookError([Problem(str(path), str(exc), "a valid .xlsx (zip) file", "corrupt")]) from exc


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def atomic_write(path: str | Path, write: Callable[[Path], None], *, expect_month: str | None = None,
                 before_replace: Callable[[], None] | None = None) -> Path:
    """Call ``write(tmp_path)``, validate, then atomically replace ``path``.

    ``before_replace`` runs once the new file is written and validated, just before the
    replace (e.g. copy the old file to an archive): if it fails, ``path`` is untouched.
    A file-system failure raises :class:`SaveError` (``path`` untouched, the temp gone);
    stale temps of ``path`` left by killed runs are removed first."""
    path = Path(path)
    with saving(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(path.parent, path.stem)
        prefix, suffix = temp_name(path)
        fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
        os.close(fd)
    tmp = Path(tmp_name)
    with saving(path, cleanup=[tmp]):
        write(tmp)
        validate_xlsx(tmp, expect_month)
        _fsync(tmp)
        try:   # mkstemp makes 0600: a replaced file keeps its mode, a new one gets the umask's (e.g. 0644)
            os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        except OSError:  # pragma: no cover - e.g. a file system without modes
            pass
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    return path


class FileSet:
    """Replace several files together: every new file is staged first, then all are
    swapped in; a failure while swapping puts every old file back.

    ``stage(target, data_or_writer)`` writes a temp next to ``target`` (the same folder,
    so the swap is a rename). ``commit()`` keeps a hard link (or, where links are not
    supported, a copy) of each old file before replacing it, so at no moment is a
    target missing, and a failed swap is undone by renaming the links back.
    ``rollback()`` removes whatever was staged. Failures are :class:`SaveError`.
    """

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []       # (temp, target)
        self._backups: list[tuple[Path, Path | None]] = []   # (target, backup of the old file or None)

    def stage(self, target: str | os.PathLike, data: bytes | Callable[[Path], None]) -> Path:
        """Write ``data`` (bytes, or a function writing the given path) to a temp next to ``target``."""
        target = Path(target)
        with saving(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            remove_stale(target.parent, target.stem, ".tmp" + target.suffix)
            prefix, suffix = temp_name(target, ".tmp" + target.suffix)
            fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=target.parent)
        tmp = Path(name)
        with saving(target, cleanup=[tmp]):
            if isinstance(data, bytes):
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            else:
                os.close(fd)
                data(tmp)
                _fsync(tmp)
        self.staged.append((tmp, target))
        return tmp

    def adopt(self, tmp: str | os.PathLike, target: str | os.PathLike) -> None:
        """Take a temp written elsewhere on the same disk (e.g. a staging folder) as ``target``'s new file."""
        self.staged.append((Path(tmp), Path(target)))

    def backup(self, target: str | os.PathLike) -> Path | None:
        """Keep the current ``target`` (a link, else a copy) so :meth:`undo` can restore it."""
        target = Path(target)
        if not target.exists():
            self._backups.append((target, None))
            return None
        prefix, suffix = temp_name(target, ".tmp" + target.suffix)
        with saving(target):
            fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=target.parent)
            os.close(fd)
            bak = Path(name)
            self._backups.append((target, bak))
            bak.unlink()
            try:
                os.link(target, bak)
            except OSError:            # no hard links here (FAT, some shares): a copy
                shutil.copy2(target, bak)
        return bak

    def commit(self) -> None:
        """Swap every staged file in; on failure restore the old files and raise SaveError."""
        try:
            for _tmp, target in self.staged:
                self.backup(target)
            for tmp, target in self.staged:
                with saving(target):
                    os.replace(tmp, target)
        except BaseException:
            self.undo()
            raise
        self.discard_backups()

    def undo(self) -> None:
        """Put back every backed-up file (and remove targets that did not exist), then drop the stage."""
        for target, bak in reversed(self._backups):
            try:
                if bak is not None and target.exists() and os.path.samefile(bak, target):
                    bak.unlink()       # never replaced (renaming a link onto its own file does nothing)
                elif bak is not None:
                    os.replace(bak, target)
                elif any(t == target for _, t in self.staged):
                    target.unlink(missing_ok=True)
            except OSError:
                pass
        self._backups.clear()
        self.rollback()

    def rollback(self) -> None:
        _remove([tmp for tmp, _ in self.staged])
        self.staged.clear()

    def discard_backups(self) -> None:
        _remove([bak for _, bak in self._backups if bak is not None])
        self._backups.clear()
        self.staged.clear()
