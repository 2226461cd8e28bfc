"""The memory budget of a run (`--memory SIZE`): sizes as people write them, and the
memory this machine has available now.

A run holds its data in memory when the data fits in the budget and streams it
otherwise (engine_stream.choose). The default budget is half of the available memory:
an in-memory run peaks at about twice its float64 data (the data, then a split's rows
gathered or a prepared table beside it). Imported by `hpdsl run` before numpy, so it
imports nothing heavy.
"""

from __future__ import annotations

import os
import re

DEFAULT_SHARE = 0.5  # of the available memory
FALLBACK = 2 * 1024 ** 3  # where the available memory cannot be read (bytes)

_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1000 ** 2, "mb": 1000 ** 2, "g": 1000 ** 3, "gb": 1000 ** 3,
          "t": 1000 ** 4, "tb": 1000 ** 4, "kib": 1024, "mib": 1024 ** 2, "gib": 1024 ** 3, "tib": 1024 ** 4}
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*|%)\s*", re.IGNORECASE)


class Budget:
    """A memory budget in bytes, and how it was chosen (for the terminal's note)."""

    __slots__ = ("bytes", "origin")

    def __init__(self, size: int, origin: str) -> None:
        self.bytes = size
        self.origin = origin

    def __repr__(self) -> str:
        return f"Budget({self.bytes}, {self.origin!r})"


def parse(text, option: str = "--memory ") -> Budget:
    """`--memory`'s value: bytes (an int), or a text such as '2GB', '512MB', '1.5GiB',
    '4000000' (bytes) or '25%' (of the available memory); `option` spells the option in
    the budget's origin. Raises ValueError, whose message says what is accepted."""
    if isinstance(text, bool) or not isinstance(text, (int, str)):
        raise ValueError(f"{text!r} is not a memory size; " + _ACCEPTED)
    if isinstance(text, int):
        if text <= 0:
            raise ValueError(f"{text} is not a memory size; it must be positive")
        return Budget(text, f"{option}{text}")
    found = _SIZE.fullmatch(text)
    unit = found.group(2).lower() if found else None
    if found is None or (unit != "%" and unit not in _UNITS):
        raise ValueError(f"'{text}' is not a memory size; " + _ACCEPTED)
    number = float(found.group(1))
    if unit == "%":
        if not 0 < number <= 100:
            raise ValueError(f"'{text}' is not a share of the available memory; give a percentage in (0, 100]")
        available, where = available_memory()
        return Budget(int(available * number / 100), f"{option}{text.strip()} of {show(available)} available ({where})")
    size = int(number * _UNITS[unit])
    if size <= 0:
        raise ValueError(f"'{text}' is not a memory size; it must be at least one byte")
    return Budget(size, f"{option}{text.strip()}")


_ACCEPTED = "write e.g. 2GB, 512MB, 1.5GiB, 4000000 (bytes) or 25% (of the available memory)"


def default() -> Budget:
    """Half of the memory available now."""
    available, where = available_memory()
    return Budget(int(available * DEFAULT_SHARE), f"half of the {show(available)} available ({where})")


def available_memory() -> tuple[int, str]:
    """(bytes a new allocation can take without swapping, where that came from): Linux's
    MemAvailable (free memory plus the page cache it can drop), capped by the control
    group's limit (a container's); else the free pages (sysconf); else FALLBACK."""
    found = _meminfo()
    where = "MemAvailable"
    if found is None:
        try:
            found = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
            where = "free pages"
        except (AttributeError, ValueError, OSError):
            return FALLBACK, "unknown on this system: a fixed 2 GiB"
    room = _cgroup_room()
    if room is not None and room < found:
        return room, "the control group's limit"
    return found, where


def _meminfo() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_room() -> int | None:
    """The memory the process's control group may still take (v2, else v1), or None."""
    for limit, usage in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                         ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(limit, encoding="ascii") as handle:
                cap = handle.read().strip()
            with open(usage, encoding="ascii") as handle:
                used = int(handle.read().strip())
        except (OSError, ValueError):
            continue
        if cap == "max" or not cap.isdigit() or int(cap) >= 1 << 60:  # v1 writes a huge number for none
            return None
        return max(0, int(cap) - used)
    return None


def show(size: float) -> str:
    """A size in bytes as people read it: '1.0 MB', '2.3 GB' (powers of 1000)."""
    for unit, scale in (("TB", 1000 ** 4), ("GB", 1000 ** 3), ("MB", 1000 ** 2), ("kB", 1000)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{int(size)} bytes"
