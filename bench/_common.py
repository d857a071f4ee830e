"""Shared helpers for the benchmarks: timing with repeats and peak memory."""
from __future__ import annotations

import contextlib
import gc
import shutil
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path


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


@contextlib.contextmanager
def work_dir(keep: Path | None, prefix: str) -> Iterator[Path]:
    """``keep`` (created if need be, left in place), or a temporary folder removed after."""
    d = keep or Path(tempfile.mkdtemp(prefix=prefix))
    d.mkdir(parents=True, exist_ok=True)
    try:
        yield d
    finally:
        if keep is None:
            shutil.rmtree(d, ignore_errors=True)
