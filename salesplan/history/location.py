"""Where the history store is, decided without loading the store (SQLAlchemy costs ~0.4 s
to import, and most commands only need to know that there is no history).

``--db URL``, else ``SALESPLAN_DB``, else a SQLite file in the user's data folder —
``%LOCALAPPDATA%\\salesplan\\history.sqlite3`` on Windows,
``~/Library/Application Support/salesplan/history.sqlite3`` on macOS,
``$XDG_DATA_HOME/salesplan/history.sqlite3`` (default ``~/.local/share``) elsewhere.
A plain path is taken as a SQLite file.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ENV = "SALESPLAN_DB"


def default_db_path() -> Path:
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "salesplan" / "history.sqlite3"


def resolve_url(db: str | None = None) -> str:
    """The store's SQLAlchemy URL: --db, else $SALESPLAN_DB, else the per-user SQLite file."""
    raw = db or os.environ.get(ENV) or str(default_db_path())
    if "://" in raw:
        if raw.startswith(("postgresql://", "postgres://")):   # the psycopg 3 driver, not psycopg2
            raw = "postgresql+psycopg://" + raw.split("://", 1)[1]
        return raw
    return "sqlite:///" + str(Path(raw).expanduser().resolve())


def sqlite_file(url: str) -> Path | None:
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def existing_url(db: str | None = None) -> str | None:
    """The store's URL, or None for a SQLite history that does not exist yet: it holds no
    month, and asking must not create it."""
    url = resolve_url(db)
    f = sqlite_file(url)
    return None if f is not None and not f.exists() else url
