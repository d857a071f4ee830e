"""Shared helpers for the benchmarks: timing with repeats and peak memory."""
from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable


def measure(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float, object]:
    """(median seconds, peak MiB allocated by Python during one run, last result)."""
    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20, result


def row(label: str, seconds: float, peak_mib: float, extra: str = "") -> str:
    return f"{label:<48} {seconds * 1000:>10.1f} ms {peak_mib:>9.2f} MiB  {extra}"
