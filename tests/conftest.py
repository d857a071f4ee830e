"""Shared pytest fixtures (kept minimal and generic)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


@pytest.fixture
def default_config():
    from salesplan.config import load_config
    return load_config(None, month="2026-12")
