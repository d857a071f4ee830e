"""CLI sub-commands. Each module here defines ``register(subparsers)``.

The CLI discovers them with pkgutil, so adding a command means adding a module,
never editing a shared list.
"""
from __future__ import annotations

from pathlib import Path

from salesplan.errors import InputError, Problem

__all__ = ["check_output_file", "check_output_dir", "positive_int"]


def positive_int(text: str) -> int:
    """argparse ``type=``: a whole number ≥ 1 (argparse turns the ValueError into a usage error)."""
    import argparse
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected a whole number of 1 or more") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected a whole number of 1 or more")
    return n


def check_output_file(path: str | Path, *, option: str, suffixes: tuple[str, ...] = ()) -> Path:
    """Refuse an output file path that cannot be written as asked, before anything is written.

    It must not be a directory, its folder must exist (parents are never created
    silently) and, when ``suffixes`` are given, it must end with one of them.
    """
    p = Path(path)
    where = f"{option} {p}"
    if p.is_dir():
        raise InputError([Problem(where, "a directory", "a file path" + (
            f" ending in {' or '.join(suffixes)}" if suffixes else ""), "is_directory")])
    if suffixes and p.suffix.lower() not in suffixes:
        raise InputError([Problem(where, p.suffix or "no suffix", f"a file name ending in {' or '.join(suffixes)}",
                                  "suffix")])
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise InputError([Problem(where, f"folder {parent} does not exist" if not parent.exists()
                                  else f"{parent} is not a folder", "an existing folder (create it first)",
                                  "no_folder")])
    return p


def check_output_dir(path: str | Path, *, option: str) -> Path:
    """Refuse an output folder that is a file or whose parent folder does not exist."""
    p = Path(path)
    where = f"{option} {p}"
    if p.exists() and not p.is_dir():
        raise InputError([Problem(where, "an existing file", "a folder", "not_a_directory")])
    parent = p.parent if str(p.parent) else Path(".")
    if not p.exists() and not parent.is_dir():
        raise InputError([Problem(where, f"folder {parent} does not exist", "an existing parent folder "
                                  "(create it first)", "no_folder")])
    return p
