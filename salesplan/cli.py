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
import re
import importlib
import os
import pkgutil
import sys
from pathlib import Path

from salesplan import commands
from salesplan.errors import SalesPlanError


def command_modules() -> dict[str, list[tuple[str, str | None]] | None]:
    """{module name: [(command name, help), …]} of every module in salesplan.commands, read
    from source; None where the source does not say it plainly (the module is imported)."""
    out: dict[str, list[tuple[str, str | None]] | None] = {}
    folder = Path(commands.__file__).parent
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):     # helpers shared by commands, not commands
            out[info.name] = _declared(folder / f"{info.name}.py")
    return out


def _text(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


_TOP_LEVEL = re.compile(r"\n(?=[^\s#)])")     # a line that starts a new top-level statement


def _register_source(text: str) -> str:
    """``register``'s own lines when it is a plain top-level function (parsing only them keeps
    every start-up from parsing all the command modules), else the whole module."""
    start = text.find("\ndef register(")
    if start < 0:
        return text
    end = _TOP_LEVEL.search(text, start + 1)
    return text[start + 1:end.start() if end else len(text)]


def _declared(source: Path) -> list[tuple[str, str | None]] | None:
    """The ``add_parser(name, help=…)`` calls made on ``register``'s own argument (a module
    may register several commands; a command's own sub-actions are not counted)."""
    try:
        text = source.read_text(encoding="utf-8")
        try:
            tree = ast.parse(_register_source(text))
        except SyntaxError:           # register's lines were not cut cleanly: the whole module
            tree = ast.parse(text)
    except (OSError, SyntaxError, ValueError):
        return None
    register = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "register"), None)
    if register is None or not register.args.args:
        return None
    sub = register.args.args[0].arg
    found = []
    for node in ast.walk(register):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_parser"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == sub):
            name = _text(node.args[0]) if node.args else None
            help_ = next((_text(kw.value) for kw in node.keywords if kw.arg == "help"), None)
            if name is None or help_ is None:
                return None
            found.append((name, help_))
    return found or None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv``, only the module of the command it names is imported (the
    others are listed from their source)."""
    parser = argparse.ArgumentParser(
        prog="salesplan",
        description="The sales team's monthly battle plan: targets, calendar, KPIs, bonuses.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    wanted = next((a for a in argv if not a.startswith("-")), None) if argv is not None else None
    for module, declared in command_modules().items():
        if argv is None or declared is None or any(name == wanted for name, _ in declared):
            importlib.import_module(f"{commands.__name__}.{module}").register(sub)
        else:
            for name, help_ in declared:
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
