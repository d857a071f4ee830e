"""R8 multi-level commission, deals taken in the order of the monthly report.

Tiers apply to the rep's *cumulative* monthly revenue. A tier starts at a share of the
rep's personal target (``from``); its yuan boundary is ROUND(target × from, 0). A deal
that crosses a boundary is split: each slice earns its tier's rate, and each slice's
commission is ROUND(slice × rate, 2) — to the fen, half away from zero, as Excel's ROUND.
A deal's commission is the sum of its slices, so the trace adds up exactly.

Everything is integer arithmetic on fen (1 yuan = 100 fen) over numpy arrays: no
binary floats touch money, and a million deals take one vectorised pass.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from salesplan.engine.params import CommissionTier
from salesplan.errors import InputError, Problem
from salesplan import money
from salesplan.money import round_yuan

RATE_SCALE = 1_000_000  # rates are held as integer parts-per-million


@dataclass(frozen=True)
class TierBand:
    number: int          # 1-based tier number
    start: Decimal       # attainment where the tier starts
    rate: Decimal


def rate_ppm(rate: Decimal) -> int:
    scaled = Decimal(rate) * RATE_SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"commission rate {rate} has more than 6 decimals")
    return int(scaled)


def tier_boundaries_yuan(target_yuan: int, tiers: Sequence[CommissionTier]) -> list[int]:
    """Yuan where each tier starts for a rep with this target: ROUND(target × from, 0)."""
    return [round_yuan(Decimal(target_yuan) * t.start) for t in tiers]


def round_div_half_away_array(numer: np.ndarray, denom: int) -> np.ndarray:
    """Element-wise numer / denom rounded half away from zero, integer-exact (numer may be negative).

    The vectorised form of :func:`salesplan.money.round_div_half_away`."""
    q = (np.abs(numer) * 2 + denom) // (2 * denom)
    return np.sign(numer) * q


def commission(deals: pd.DataFrame, rep_targets: Mapping[tuple[str, str], int],
               tiers: Sequence[CommissionTier], *, with_trace: bool = True) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Commission per deal, and the per-slice trace.

    ``deals`` columns: ``seq`` (report order), ``region``, ``rep``, ``amount_fen`` (int).
    ``rep_targets``: (region, rep) -> personal target in yuan.
    Returns (per_deal, trace):
      per_deal: seq, region, rep, amount_fen, cum_before_fen, cum_after_fen, commission_fen
      trace:    seq, region, rep, tier, tier_from, tier_start_fen, tier_end_fen, base_fen, rate, commission_fen
    """
    if not tiers:
        raise ValueError("no commission tiers configured")
    df = deals[["seq", "region", "rep", "amount_fen"]].sort_values("seq", kind="stable").reset_index(drop=True)
    amount = df["amount_fen"].to_numpy(dtype=np.int64)
    keys = pd.MultiIndex.from_arrays([df["region"], df["rep"]])
    target_lookup = pd.Series({k: v for k, v in rep_targets.items()}, dtype="float64")
    if len(target_lookup):
        target_lookup.index = pd.MultiIndex.from_tuples(target_lookup.index)
    targets = target_lookup.reindex(keys).to_numpy()
    missing = np.isnan(targets) if len(targets) else np.zeros(0, bool)
    if missing.any():
        problems = [Problem(f"deal #{int(s)} ({reg} / {rep})", rep, "a rep with a personal target in that region",
                            "unknown-rep")
                    for s, reg, rep in df.loc[missing, ["seq", "region", "rep"]].itertuples(index=False)]
        raise InputError(problems[:50] + ([Problem("…", f"{len(problems) - 50} more", "", "truncated")]
                                          if len(problems) > 50 else []), "commission")
    # cumulative revenue per rep in report order
    cum_after = df.assign(a=amount).groupby(["region", "rep"], sort=False)["a"].cumsum().to_numpy(dtype=np.int64)
    cum_before = cum_after - amount
    # per-deal tier boundaries in fen: ROUND(target*from, 0) yuan * 100
    targets_int = targets.astype(np.int64)
    commission_total = np.zeros(len(df), dtype=np.int64)
    trace_parts = []
    n = len(tiers)
    for k, tier in enumerate(tiers):
        start = boundary_fen(targets_int, tier.start)
        end = boundary_fen(targets_int, tiers[k + 1].start) if k + 1 < n else None
        lo = np.maximum(cum_before, start)
        hi = cum_after if end is None else np.minimum(cum_after, end)
        base = np.maximum(hi - lo, 0)
        piece = round_div_half_away_array(base * rate_ppm(tier.rate), RATE_SCALE)
        commission_total += piece
        if with_trace:
            hit = base > 0
            if hit.any():
                trace_parts.append(pd.DataFrame({
                    "seq": df["seq"].to_numpy()[hit], "region": df["region"].to_numpy()[hit],
                    "rep": df["rep"].to_numpy()[hit], "tier": k + 1, "tier_from": str(tier.start),
                    "tier_start_fen": start[hit], "tier_end_fen": (end[hit] if end is not None else -1),
                    "base_fen": base[hit], "rate": str(tier.rate), "commission_fen": piece[hit],
                }))
    per_deal = pd.DataFrame({
        "seq": df["seq"].to_numpy(), "region": df["region"].to_numpy(), "rep": df["rep"].to_numpy(),
        "amount_fen": amount, "cum_before_fen": cum_before, "cum_after_fen": cum_after,
        "commission_fen": commission_total,
    })
    trace = None
    if with_trace:
        cols = ["seq", "region", "rep", "tier", "tier_from", "tier_start_fen", "tier_end_fen", "base_fen", "rate",
                "commission_fen"]
        trace = (pd.concat(trace_parts, ignore_index=True).sort_values(["seq", "tier"], kind="stable")
                 .reset_index(drop=True) if trace_parts else pd.DataFrame(columns=cols))
    return per_deal, trace


def boundary_fen(targets_yuan: np.ndarray, start: Decimal) -> np.ndarray:
    """A tier's boundary for each target: ROUND(target × start, 0) in yuan, as fen (exact integer
    arithmetic). Commission slices and the gap's "to next tier" both start from it."""
    ppm = rate_ppm(start)
    return round_div_half_away_array(targets_yuan * ppm, RATE_SCALE) * 100


def commission_for_amounts(amounts_fen: Sequence[int], target_yuan: int,
                           tiers: Sequence[CommissionTier]) -> list[int]:
    """One rep's deals in report order → commission per deal in fen (used by the UDFs)."""
    deals = pd.DataFrame({"seq": range(1, len(amounts_fen) + 1), "region": "", "rep": "",
                          "amount_fen": np.asarray(amounts_fen, dtype=np.int64)})
    per_deal, _ = commission(deals, {("", ""): target_yuan}, tiers, with_trace=False)
    return per_deal["commission_fen"].astype(int).tolist()


def fen_to_yuan(fen: int) -> Decimal:
    return money.fen_to_yuan(fen)
