"""How the benchmarks measure a child process: its CPU seconds and its peak memory.

CPU seconds (user + system) and the peak resident set come from os.wait4, which reports
them for exactly the process waited for; CPU rather than wall time, since the machines
these run on are shared."""

from __future__ import annotations

import os
import subprocess


def cpu_and_peak(command: list[str], show_output: bool = False) -> tuple[float, float]:
    """(CPU seconds of the process, user + system, and its peak RSS in MB); exits naming
    the command when it fails. Its standard output is dropped unless `show_output`."""
    process = subprocess.Popen(command, stdout=None if show_output else subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"failed (exit {code}): {' '.join(command)}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
