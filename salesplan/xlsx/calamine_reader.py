"""The calamine engine: cell values only (no formulas, no styles), fast; the deals import.

python-calamine (Rust) can abort the whole process on a hostile file, so every file
passes the preflight first and is then read in a child process under a memory cap:
whatever the file does to calamine, the caller gets an :class:`UnsafeFileError`.
"""
from __future__ import annotations

import faulthandler
import multiprocessing
import os
import signal
import sys
from pathlib import Path
from typing import Any

from salesplan.xlsx.base import BaseReader
from salesplan.xlsx.preflight import UnsafeFileError, preflight_xlsx

__all__ = ["CalamineReader", "READ_MEMORY_LIMIT"]
READ_MEMORY_LIMIT = 1 << 30      # what reading one file may cost the child, in bytes


def _child(conn, path: str, extra: int) -> None:
    faulthandler.disable()                    # a Rust panic's backtrace is not for the user
    with open(os.devnull, "wb") as null:
        os.dup2(null.fileno(), 2)
    try:        # cap the address space at what the child has now plus ``extra`` (POSIX only)
        import resource

        with open("/proc/self/statm") as fh:
            limit = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE") + extra
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, OSError, ValueError):
        pass
    try:
        import python_calamine as pc

        with pc.load_workbook(path) as wb:
            conn.send(("ok", {nm: wb.get_sheet_by_name(nm).to_python(skip_empty_area=False)
                              for nm in wb.sheet_names}))
    except BaseException as exc:                  # pyo3's PanicException derives from BaseException
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _read_isolated(path: Path, extra: int) -> dict[str, list[list[Any]]]:
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")   # (macOS: spawn)
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, str(path), extra), daemon=True)
    proc.start()
    child.close()
    try:
        status, got = parent.recv()
    except EOFError:                              # the child died without a word
        proc.join()
        how = f"signal {signal.Signals(-proc.exitcode).name}" if proc.exitcode < 0 else f"exit {proc.exitcode}"
        raise UnsafeFileError(path, "corrupt", f"the workbook reader stopped ({how}): the file is "
                              f"damaged or needs more than {extra >> 20:,} MiB") from None
    finally:
        parent.close()
    proc.join()
    if status != "ok":
        raise UnsafeFileError(path, "corrupt", f"the workbook could not be read: {got}")
    return got


class CalamineReader(BaseReader):
    """Values of every sheet (formulas as their cached values), after the preflight."""

    def __init__(self, path: str | os.PathLike, *, memory_limit: int = READ_MEMORY_LIMIT, **preflight_limits: Any):
        self.path = Path(path)
        preflight_xlsx(self.path, **preflight_limits)
        self._sheets = _read_isolated(self.path, memory_limit)

    def sheet_names(self) -> list[str]:
        return list(self._sheets)

    def read_used_range(self, sheet: str) -> list[list[Any]]:
        return self._sheets[sheet]
