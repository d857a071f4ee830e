"""Atomic saves: write a temp file in the target's folder, validate it, then replace.

A failure anywhere before the final ``os.replace`` leaves the old file byte-identical
(the temp file is removed). ``os.replace`` within one folder is atomic on POSIX and
Windows.
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from salesplan.errors import Problem, WorkbookError


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


def atomic_write(path: str | Path, write: Callable[[Path], None], *, expect_month: str | None = None,
                 before_replace: Callable[[], None] | None = None) -> Path:
    """Call ``write(tmp_path)``, validate, then atomically replace ``path``.

    ``before_replace`` runs once the new file is written and validated, just before the
    replace (e.g. copy the old file to an archive): if it fails, ``path`` is untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp.xlsx", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        validate_xlsx(tmp, expect_month)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        try:   # mkstemp makes 0600: a replaced file keeps its mode, a new one gets the umask's (e.g. 0644)
            os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        except OSError:  # pragma: no cover - e.g. a file system without modes
            pass
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
