"""The ``salesplan`` command line: a thin adapter over the engine and the writers."""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from salesplan import commands
from salesplan.errors import SalesPlanError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salesplan",
        description="The sales team's monthly battle plan: targets, calendar, KPIs, bonuses.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):     # helpers shared by commands, not commands
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def os_error_message(exc: OSError) -> str:
    """One line naming the file(s) involved and what went wrong, never a traceback."""
    reason = exc.strerror or type(exc).__name__
    detail = str(exc) if not exc.strerror else ""
    files = [f for f in (exc.filename, exc.filename2) if f is not None]
    if files:
        names = " -> ".join(str(f) for f in files)
        return f"{names}: {reason}" + (f" ({detail})" if detail and detail != reason else "")
    return f"{type(exc).__name__}: {exc}"


#: a reader that stopped reading (``salesplan … | head``): the exit status a shell
#: shows for a process ended by SIGPIPE (128 + 13), as ``yes | head`` gives
SIGPIPE_EXIT = 141


def main(argv: list[str] | None = None) -> int:
    try:
        try:
            return _run(argv)
        finally:
            sys.stdout.flush()  # a pipe closed early fails here, where it can still be handled
    except BrokenPipeError:
        _stdout_to_devnull()
        return SIGPIPE_EXIT


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:
        raise               # stdout's reader went away: not an error to report (main)
    except SalesPlanError as exc:
        print(f"salesplan: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:   # FileNotFoundError, PermissionError, IsADirectoryError, FileExistsError, ...
        print(f"salesplan: error: {os_error_message(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("salesplan: interrupted", file=sys.stderr)
        return 130


def _stdout_to_devnull() -> None:
    """Point stdout at devnull: Python flushes it once more at exit, which would fail on
    the closed pipe ("Exception ignored … BrokenPipeError"). The Python docs' recipe
    (signal module, "Note on SIGPIPE")."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a stdout replaced by an object without a file
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
