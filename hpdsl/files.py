"""Files the user names: reading regular files only (so a read never blocks or runs forever),
and replacing a file atomically (so a reader sees the old file or the new one, never half).

A FIFO with no writer blocks `open` until one appears, and a device such as /dev/zero
never ends; neither is a workflow or a data set. The file is checked by `stat` before it
is opened (so a device is never opened at all), opened non-blocking (so a FIFO swapped in
after the check cannot block the open), and checked again on the opened descriptor (so
what is read is what was checked), then read normally.

A replaced file is written in full under a temporary name in the same folder (the same
file system, so the rename is atomic), flushed to disk, then renamed over its target;
on any failure the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import os
import stat

__all__ = ["NotRegularFile", "PendingFile", "current_umask", "open_regular", "read_regular", "write_atomic"]

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


def current_umask() -> int:
    """The process's umask (reading it means setting it, so it is set back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


class PendingFile:
    """A file written beside `path` under a temporary name: `publish()` renames it over
    `path`; leaving the `with` block unpublished removes it, so a failure leaves no file
    behind and `path` as it was.

    `file` is the open temporary file (`mode`, `encoding` and `newline` as for `open`; a
    "+" mode lets the writer read back what it wrote). The published file gets
    `permissions`, or by default what `open` would give a new file (mkstemp's are private).
    """

    def __init__(self, path: str, mode: str = "wb", *, encoding: str | None = None, newline: str | None = None,
                 permissions: int | None = None) -> None:
        self.path = path
        self.permissions = permissions
        import tempfile  # here, not at the top: `hpdsl check` reads files and never writes one

        folder, name = os.path.split(path)
        handle, self.temporary = tempfile.mkstemp(dir=folder or ".", prefix=f".{name}.", suffix=".tmp")
        try:
            self.file = os.fdopen(handle, mode, encoding=encoding, newline=newline)
        except BaseException:
            os.close(handle)
            os.unlink(self.temporary)
            raise
        self.published = False

    def publish(self) -> None:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        permissions = self.permissions if self.permissions is not None else 0o666 & ~current_umask()
        os.chmod(self.temporary, permissions)
        os.replace(self.temporary, self.path)
        self.published = True

    def __enter__(self) -> PendingFile:
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()
        if not self.published:
            try:
                os.unlink(self.temporary)
            except OSError:
                pass


def write_atomic(path: str, data: bytes, *, permissions: int | None = None) -> None:
    """Replace the file at `path` with `data` atomically (see PendingFile)."""
    with PendingFile(path, "wb", permissions=permissions) as pending:
        pending.file.write(data)
        pending.publish()
