"""Exact allocation of whole units (yuan, customers) by weights — largest remainder.

Every allocation sums exactly to its total and no part is more than one unit away
from its exact share. Ties in the remainder go to the earlier part (input order),
so results are deterministic and reproducible by a spreadsheet formula:

    exact_i   = total * w_i / sum(w)
    base_i    = floor(exact_i)
    extra     = total - sum(base)
    part_i    = base_i + 1  if rank of remainder_i (desc, earlier first) < extra

The workbook repeats this with integer arithmetic (weights scaled to integers), so
the spreadsheet and the engine agree even on exact ties.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

Number = int | Decimal | Fraction


def _as_fraction(x: Number) -> Fraction:
    return x if isinstance(x, Fraction) else Fraction(x)


def largest_remainder(total: int, weights: Sequence[Number]) -> list[int]:
    """Split integer ``total`` (may be negative or zero) across ``weights`` exactly."""
    if not weights:
        raise ValueError("largest_remainder needs at least one weight")
    ws = [_as_fraction(w) for w in weights]
    if any(w < 0 for w in ws):
        raise ValueError(f"weights must be ≥ 0, got {[str(w) for w in weights]}")
    s = sum(ws)
    if s == 0:
        raise ValueError("weights sum to zero: nothing to allocate by")
    sign = -1 if total < 0 else 1
    t = abs(int(total))
    exact = [t * w / s for w in ws]
    base = [e.numerator // e.denominator for e in exact]
    extra = t - sum(base)
    order = sorted(range(len(ws)), key=lambda i: (-(exact[i] - base[i]), i))
    for i in order[:extra]:
        base[i] += 1
    return [sign * b for b in base]


def allocate_matrix(row_totals: Sequence[int], col_totals: Sequence[int]) -> list[list[int]]:
    """A whole-number matrix whose rows and columns both sum exactly to the given totals.

    Cell (i, j) starts from its exact share ``row_i * col_j / grand`` and is rounded up or
    down; the cells rounded up are chosen by largest remainder (row-major tie-break),
    then repaired by augmenting paths so every row and column total holds. Such a
    rounding always exists (the fractional table is a feasible flow), so this never fails
    for consistent totals.
    """
    grand = sum(row_totals)
    if grand != sum(col_totals):
        raise ValueError(f"row totals sum to {grand}, column totals to {sum(col_totals)}")
    if any(v < 0 for v in list(row_totals) + list(col_totals)):
        raise ValueError("matrix totals must be ≥ 0")
    n, m = len(row_totals), len(col_totals)
    if grand == 0:
        return [[0] * m for _ in range(n)]
    exact = [[Fraction(r * c, grand) for c in col_totals] for r in row_totals]
    cell = [[e.numerator // e.denominator for e in row] for row in exact]
    frac = [[exact[i][j] - cell[i][j] for j in range(m)] for i in range(n)]
    need_row = [row_totals[i] - sum(cell[i]) for i in range(n)]
    need_col = [col_totals[j] - sum(cell[i][j] for i in range(n)) for j in range(m)]
    up = [[False] * m for _ in range(n)]
    # Greedy pass: biggest remainders first.
    for _, i, j in sorted((-frac[i][j], i, j) for i in range(n) for j in range(m) if frac[i][j] > 0):
        if need_row[i] > 0 and need_col[j] > 0:
            up[i][j] = True
            need_row[i] -= 1
            need_col[j] -= 1
    # Repair: augmenting paths from rows still short to columns still short.
    while any(need_row):
        i0 = next(i for i in range(n) if need_row[i] > 0)
        path = _augmenting_path(i0, frac, up, need_col)
        if path is None:  # pragma: no cover - impossible for consistent totals
            raise ArithmeticError("no integral rounding found")
        for (i, j), flip_up in path:
            up[i][j] = flip_up
        need_row[i0] -= 1
        need_col[path[-1][0][1]] -= 1
    return [[cell[i][j] + (1 if up[i][j] else 0) for j in range(m)] for i in range(n)]


def _augmenting_path(i0, frac, up, need_col):
    """BFS: row → column over a fractional cell not yet up; column → row over a cell that is up."""
    n, m = len(frac), len(frac[0])
    prev_col: dict[int, int] = {}      # column -> row we came from
    prev_row: dict[int, int] = {i0: -1}  # row -> column we came from
    queue = deque([i0])
    while queue:
        i = queue.popleft()
        for j in range(m):
            if j in prev_col or up[i][j] or frac[i][j] == 0:
                continue
            prev_col[j] = i
            if need_col[j] > 0:
                # Walk back: set (row, j) up, unset the cell that led into that row, and so on.
                steps = []
                col = j
                row = i
                while True:
                    steps.append(((row, col), True))
                    back_col = prev_row[row]
                    if back_col == -1:
                        break
                    steps.append(((row, back_col), False))
                    col = back_col
                    row = prev_col[col]
                steps.reverse()
                # the last step must be the cell into the short column
                steps.sort(key=lambda s: s[0] == (i, j))
                return steps
            for i2 in range(n):
                if up[i2][j] and i2 not in prev_row:
                    prev_row[i2] = j
                    queue.append(i2)
    return None
