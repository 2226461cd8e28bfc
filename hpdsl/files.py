"""Reading a file the user names: regular files only, so a read never blocks or runs forever.

A FIFO with no writer blocks `open` until one appears, and a device such as /dev/zero
never ends; neither is a workflow or a data set. The file is checked by `stat` before it
is opened (so a device is never opened at all), opened non-blocking (so a FIFO swapped in
after the check cannot block the open), and checked again on the opened descriptor (so
what is read is what was checked), then read normally.
"""

from __future__ import annotations

import os
import stat

__all__ = ["NotRegularFile", "open_regular", "read_regular"]

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFile(OSError):
    """The path names something other than a regular file; `kind` says what."""

    def __init__(self, path: str, kind: str) -> None:
        super().__init__(f"is {kind}; hpdsl reads regular files only")
        self.strerror = str(self)
        self.filename = path
        self.kind = kind


def _kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def open_regular(path: str):
    """The regular file at `path` (symbolic links followed), open for reading bytes.

    Raises NotRegularFile for anything else, and OSError when the file cannot be opened.
    """
    kind = _kind(os.stat(path).st_mode)
    if kind:
        raise NotRegularFile(path, kind)
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        kind = _kind(os.fstat(fd).st_mode)
        if kind:
            raise NotRegularFile(path, kind)
        if nonblocking:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str) -> bytes:
    """The bytes of the regular file at `path`; raises as open_regular does."""
    with open_regular(path) as handle:
        return handle.read()
