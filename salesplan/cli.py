"""The ``salesplan`` command line: a thin adapter over the engine and the writers.

Only the command being run is imported (its module may pull in pandas, openpyxl, numpy);
``salesplan --help`` lists every command from the ``add_parser(name, help=...)`` call in
its module's source, read with :mod:`ast` without importing it, so listing the commands
costs no heavy import. A command module whose name or help is not a plain literal there is
imported as before.
"""
from __future__ import annotations

import argparse
import ast
import importlib
import os
import pkgutil
import sys
from pathlib import Path

from salesplan import commands
from salesplan.errors import SalesPlanError


def command_modules() -> dict[str, tuple[str | None, str | None]]:
    """{module name: (command name, help)} of every module in salesplan.commands, read from source."""
    out: dict[str, tuple[str | None, str | None]] = {}
    folder = Path(commands.__file__).parent
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):     # helpers shared by commands, not commands
            out[info.name] = _declared(folder / f"{info.name}.py")
    return out


def _declared(source: Path) -> tuple[str | None, str | None]:
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None, None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_parser"
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            help_ = next((kw.value.value for kw in node.keywords if kw.arg == "help"
                          and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str)), None)
            return node.args[0].value, help_
    return None, None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv``, only the command it names is imported (the others are listed)."""
    parser = argparse.ArgumentParser(
        prog="salesplan",
        description="The sales team's monthly battle plan: targets, calendar, KPIs, bonuses.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    wanted = next((a for a in argv if not a.startswith("-")), None) if argv is not None else None
    for module, (name, help_) in command_modules().items():
        if argv is None or name is None or help_ is None or name == wanted:
            importlib.import_module(f"{commands.__name__}.{module}").register(sub)
        else:
            sub.add_parser(name, help=help_)
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
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
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
