"""Which column of a CRM export holds which field (the accepted headers: docs/deals.md).

The mapping is *canonical field → headers*; a plan's ``[deals.columns]`` table
(``amount = "合同金额"`` or ``rep = ["销售员", "负责人"]``) replaces a field's headers.
Headers are compared after NFKC folding, trimming and case folding, ignoring spaces,
``_`` and ``-`` (so ``Contract ID`` matches ``contract_id``).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from salesplan.errors import ConfigError, Problem

__all__ = ["FIELDS", "REQUIRED", "OPTIONAL", "DEFAULT_HEADERS", "ColumnMap", "normalise_header"]

#: Canonical fields, in the order of the DataFrame the reader builds.
FIELDS: tuple[str, ...] = (
    "date", "rep", "region", "customer", "new_customer", "product", "amount",
    "contract_id", "stamped", "quote", "list_price", "first_quote", "customer_region",
)
#: Fields a deals file must have.
REQUIRED: frozenset[str] = frozenset({"date", "rep", "region", "customer", "product", "amount",
                                      "contract_id", "stamped"})
#: Fields that may be absent (booleans default to False, prices to missing, text to "").
OPTIONAL: frozenset[str] = frozenset(FIELDS) - REQUIRED

#: Accepted headers per field; the first one is the default (Chinese) label.
DEFAULT_HEADERS: dict[str, tuple[str, ...]] = {
    "date": ("成交日期", "签约日期", "签订日期", "合同日期", "日期", "date", "deal_date", "signed_date"),
    "rep": ("销售", "销售员", "销售代表", "负责人", "业务员", "rep", "sales_rep", "salesperson", "owner"),
    "region": ("区域", "大区", "销售区域", "region"),
    "customer": ("客户", "客户名称", "customer", "customer_name", "account"),
    "new_customer": ("新客户", "是否新客户", "new_customer", "is_new_customer"),
    "product": ("产品线", "产品", "product", "product_line"),
    "amount": ("金额", "成交金额", "合同金额", "amount", "deal_amount"),
    "contract_id": ("合同编号", "合同号", "contract_id", "contract_no", "contract"),
    "stamped": ("已盖章", "是否盖章", "合同盖章", "盖章", "盖章状态", "stamped", "is_stamped"),
    "quote": ("报价", "quote", "quoted_price"),
    "list_price": ("目录价", "标准价", "list_price"),
    "first_quote": ("首次报价", "是否首次报价", "first_quote", "is_first_quote"),
    # where the customer is (R9 green channel: a customer of one region buying via another)
    "customer_region": ("客户区域", "customer_region", "customer region"),
}


def normalise_header(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text if text is not None else "")).casefold()
    return "".join(ch for ch in s if not ch.isspace() and ch not in "_-")


def _configured_headers(key: str, value: object, where: str) -> tuple[str, ...] | Problem:
    """One ``[deals.columns]`` entry as its headers, or the problem with it."""
    if key not in DEFAULT_HEADERS:
        return Problem(f"{where}.{key}", key, "one of " + ", ".join(FIELDS), "unknown_field")
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple)) or not values or not all(isinstance(v, str) and v.strip() for v in values):
        return Problem(f"{where}.{key}", value, "a header text or a list of header texts", "bad_header")
    return tuple(v.strip() for v in values)


@dataclass(frozen=True)
class ColumnMap:
    """Canonical field → accepted headers (first = label used in messages)."""

    headers: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_HEADERS))

    @classmethod
    def default(cls) -> "ColumnMap":
        return cls(dict(DEFAULT_HEADERS))

    @classmethod
    def from_config(cls, table: Mapping[str, object] | None, *, where: str = "[deals.columns]") -> "ColumnMap":
        """Defaults overridden by a ``[deals.columns]`` table; every bad key is reported."""
        headers = dict(DEFAULT_HEADERS)
        problems: list[Problem] = []
        for key, value in (table or {}).items():
            got = _configured_headers(key, value, where)
            if isinstance(got, Problem):
                problems.append(got)
            else:
                headers[key] = got
        owner: dict[str, str] = {}        # a header configured for two fields is ambiguous
        for f in FIELDS:
            for h in (() if headers[f] is DEFAULT_HEADERS[f] else headers[f]):
                n = normalise_header(h)
                if owner.setdefault(n, f) != f:
                    problems.append(Problem(f"{where}.{f}", h, f"a header not already given to {owner[n]!r}",
                                            "header_reused"))
        if problems:
            raise ConfigError(problems, where)
        # a header configured for one field is no longer a default alternate of another
        headers = {f: (hs if f in owner.values() else tuple(h for h in hs if normalise_header(h) not in owner))
                   for f, hs in headers.items()}
        return cls(headers)

    def label(self, field_name: str) -> str:
        return self.headers[field_name][0]

    def resolve(self, header_row: Sequence[object], *, where: str,
                row: int = 1) -> tuple[dict[str, int], list[Problem]]:
        """Map fields to column positions in ``header_row`` (row ``row`` of the file).

        Returns ``(positions, problems)``: a missing required field (the problem lists
        the headers that were found) or a field found under two headers is a problem;
        missing optional fields are simply absent.
        """
        wanted: dict[str, str] = {}
        for f in FIELDS:
            for h in self.headers[f]:
                wanted.setdefault(normalise_header(h), f)
        positions: dict[str, int] = {}
        problems: list[Problem] = []
        for i, h in enumerate(header_row):
            f = wanted.get(normalise_header(h))
            if f is None:
                continue
            if f in positions:
                problems.append(Problem(f"{where}: row {row} header", [header_row[positions[f]], h],
                                        f"one column for {f!r}", "ambiguous_column"))
                continue
            positions[f] = i
        found = ", ".join(str(h) for h in header_row if str(h or "").strip()) or "none"
        for f in FIELDS:
            if f in REQUIRED and f not in positions:
                problems.append(Problem(f"{where}: row {row} header", f"no {self.label(f)} column; headers found: {found}",
                                        f"a column headed {' or '.join(self.headers[f])}", "missing_column"))
        return positions, problems

    def score(self, row: Iterable[object]) -> int:
        """How many known headers a row contains (to find the header row)."""
        known = {normalise_header(h) for hs in self.headers.values() for h in hs}
        return sum(1 for v in row if isinstance(v, str) and normalise_header(v) in known)
