"""Output piped into a reader that stops early (``salesplan … | head``): no error, no
traceback, exit status 141 as for SIGPIPE — real pipes, a real ``salesplan`` process."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from salesplan.cli import SIGPIPE_EXIT

SALESPLAN = [sys.executable, "-m", "salesplan"]


def _run_into_closed_pipe(args: list[str]) -> subprocess.CompletedProcess:
    read_end, write_end = os.pipe()
    os.close(read_end)                       # the reader is gone before the first write
    try:
        return subprocess.run(SALESPLAN + args, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [["config", "--print-default"], ["plan", "--format", "json"]])
def test_a_closed_pipe_ends_quietly_with_141(args):
    proc = _run_into_closed_pipe(args)
    # no "salesplan: error: BrokenPipeError", no "Exception ignored" at exit (the plan's warnings may show)
    assert "BrokenPipe" not in proc.stderr and "error" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.returncode == SIGPIPE_EXIT == 141


@pytest.mark.skipif(shutil.which("head") is None, reason="needs head")
def test_piping_into_head_prints_the_first_line_and_no_error():
    cmd = " ".join(SALESPLAN) + " config --print-default | head -1"
    proc = subprocess.run(["/bin/sh", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.startswith("# salesplan") and proc.stdout.count("\n") == 1


def test_a_reader_that_reads_everything_sees_exit_0():
    proc = subprocess.run(SALESPLAN + ["config", "--print-default"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == "" and "[weights]" in proc.stdout
