"""A partial plan file: every key it leaves out takes the built-in default.

A director writes only what changes this month (``[targets] revenue = 3500000``);
the rest comes from ``default_plan.toml``. Tables merge key by key, one level deep
(``[targets]``, ``[awards]``, ``[commission]`` ...); an array of tables
(``[[regions]]``, ``[[kpis]]``, ``[[products]]``, ``commission.tiers``) given in the
file replaces the default list as a whole, because its items have no stable identity
to merge on. The keys taken from the defaults are reported (``config --check``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["fill_defaults"]

#: Keys never taken from the defaults: no month means "next month", not the seed's.
NOT_DEFAULTED = frozenset({"month"})
#: Defaults that name items of a list: when the file replaces that list, they mean nothing.
#: (table, key) -> the list they refer to.
REFERS_TO = {("strategy_b", "kpi_weights"): "kpis"}


def fill_defaults(data: Mapping[str, Any], defaults: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """(``data`` with the missing keys of ``defaults``, the dotted keys that were filled)."""
    merged: dict[str, Any] = dict(data)
    filled: list[str] = []
    for key, default in defaults.items():
        if key in NOT_DEFAULTED:
            continue
        if key not in data:
            merged[key] = _without_references(key, default, data)
            filled.append(_label(key, default))
            continue
        given = data[key]
        if isinstance(given, Mapping) and isinstance(default, Mapping):
            table = dict(given)
            for sub, value in default.items():
                if REFERS_TO.get((key, sub)) in data:
                    continue
                if sub not in given:
                    table[sub] = value
                    filled.append(f"{key}.{sub}")
            merged[key] = table
    return merged, tuple(filled)


def _without_references(key: str, default: Any, data: Mapping[str, Any]) -> Any:
    if not isinstance(default, Mapping):
        return default
    return {sub: value for sub, value in default.items() if REFERS_TO.get((key, sub)) not in data}


def _label(key: str, value: Any) -> str:
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        return f"[[{key}]]"
    if isinstance(value, Mapping):
        return f"[{key}]"
    return key
