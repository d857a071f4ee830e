"""The one registry of Excel macros: ribbon tag -> Python function.

A macro is a plain Python function taking one argument, the *context* (in
Excel the calling ``xlwings.Book``; in tests and headless runs whatever the
action accepts). Register it with :func:`macro`; the ribbon button with the
same ``tag`` then runs it through the single VBA dispatcher
``SalesPlanRibbon.OnAction`` -> ``RunPython`` -> :func:`salesplan.macros.run`.

Labels and tips live here and in ``addin/ribbon.xml``; tests check they agree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from salesplan.errors import SalesPlanError

__all__ = ["MacroSpec", "UnknownMacroError", "REGISTRY", "macro", "dispatch", "get", "ribbon_macros"]

F = TypeVar("F", bound=Callable[..., Any])

TAG_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")  # mirrored by IsSafeTag in VBA


class UnknownMacroError(SalesPlanError):
    """A ribbon tag (or a headless call) names no registered macro."""


@dataclass(frozen=True)
class MacroSpec:
    tag: str
    func: Callable[[Any], Any]
    label_zh: str
    label_en: str
    screentip: str
    headless_ok: bool = True
    on_ribbon: bool = True

    @property
    def ribbon_screentip(self) -> str:
        """The button's ``screentip`` attribute in ribbon.xml."""
        return f"{self.label_zh} | {self.label_en}"

    @property
    def qualname(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"


REGISTRY: dict[str, MacroSpec] = {}


def macro(
    tag: str,
    *,
    label_zh: str,
    label_en: str,
    screentip: str,
    headless_ok: bool = True,
    on_ribbon: bool = True,
) -> Callable[[F], F]:
    """Register the decorated function as the macro for ``tag``.

    ``screentip`` is the long help text (the button's ``supertip``).
    ``headless_ok``: the macro can run without Excel (tests, CLI).
    ``on_ribbon=False`` marks a headless-only macro with no button; its
    docstring must say who calls it. The function is returned unchanged.
    """
    if not TAG_RE.match(tag):
        raise ValueError(f"macro tag {tag!r}: expected lower-case letters, digits, '_'")
    if not (label_zh and label_en and screentip):
        raise ValueError(f"macro {tag!r}: label_zh, label_en and screentip are required")

    def register(func: F) -> F:
        if not callable(func):
            raise TypeError(f"macro {tag!r}: {func!r} is not callable")
        existing = REGISTRY.get(tag)
        if existing is not None and existing.qualname != f"{func.__module__}.{func.__qualname__}":
            raise ValueError(f"macro tag {tag!r} is already registered by {existing.qualname}")
        if not on_ribbon and not (func.__doc__ or "").strip():
            raise ValueError(f"headless-only macro {tag!r} must document its caller in a docstring")
        REGISTRY[tag] = MacroSpec(tag, func, label_zh, label_en, screentip, headless_ok, on_ribbon)
        return func

    return register


def get(tag: str) -> MacroSpec:
    try:
        return REGISTRY[tag]
    except KeyError:
        known = ", ".join(sorted(REGISTRY)) or "none"
        raise UnknownMacroError(
            f"No macro is registered for the ribbon tag {tag!r} (registered: {known})."
        ) from None


def dispatch(tag: str, context: Any) -> Any:
    """Run the macro registered for ``tag`` with ``context``; return its result."""
    return get(tag).func(context)


def ribbon_macros() -> list[MacroSpec]:
    return [s for s in REGISTRY.values() if s.on_ribbon]
