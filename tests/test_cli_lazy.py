"""`salesplan --help` lists commands from their modules' source without importing them:
the lazy list must be exactly the commands (and help texts) the modules register, and every
command must parse when named (a module registering two commands, like close/reopen)."""
from __future__ import annotations

import argparse

import pytest

from salesplan.cli import build_parser


def _commands(parser: argparse.ArgumentParser) -> dict[str, str]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {c.dest: c.help for c in action._choices_actions}


def test_lazy_listing_equals_the_registered_commands():
    assert _commands(build_parser(["--help"])) == _commands(build_parser(None))


@pytest.mark.parametrize("name", sorted(_commands(build_parser(None))))
def test_every_command_parses_its_help_when_named(name, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser([name, "--help"]).parse_args([name, "--help"])
    assert exc.value.code == 0 and "usage: salesplan " + name in capsys.readouterr().out
