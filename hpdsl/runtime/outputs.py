"""An output folder written as one transaction: it holds one complete run, or the previous one.

`hpdsl run --out DIR` (and any command that writes a folder of results) hands this module
a mapping of file name -> bytes. The files are written into a fresh hidden sibling of DIR
(`.DIR.hpdsl-new-XXXX`), each fsynced, with a manifest (`.hpdsl-manifest.json`: the SHA-256
of every file) written last, and then the staged folder and DIR trade places in one
rename: renameat2(RENAME_EXCHANGE) on Linux, renamex_np(RENAME_SWAP) on macOS. A SIGKILL
at any instant therefore leaves DIR holding either the previous run or the new one, never
a mixture, and never a stale file (a PNG of an earlier run) beside new ones, because the
whole folder is replaced. What a killed writer leaves behind is a hidden sibling, which
the next writer removes.

Where the file system cannot exchange two names (some network and overlay file systems),
the swap is two renames, DIR -> `.DIR.hpdsl-old-XXXX` then the staged folder -> DIR, and
a kill between them leaves DIR missing beside its old copy; the recovery rule, applied by
the next writer under the lock (`recover`), is to rename that old copy back.

A lock file beside DIR (`.DIR.hpdsl-lock`, flock) is held from before the work starts until
the swap is done, so a second writer into the same folder fails at once with a clear
message instead of interleaving (choosing to fail rather than wait: the second run would
otherwise silently replace the first one's results). Problems the user can fix (DIR is a
file, is read-only, cannot be created, is a mount point, holds files hpdsl did not write,
is locked) are raised as OutputError by `OutputFolder.open`, before any work.

DIR itself must be empty, absent, or a folder hpdsl wrote (it has the manifest, or only
the names earlier versions wrote): the swap replaces the whole folder, so a folder with
someone else's files in it (`--out .` in a project) is refused rather than deleted.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Mapping

from ..files import current_umask

MANIFEST = ".hpdsl-manifest.json"
_STAGE, _OLD, _LOCK = ".hpdsl-new-", ".hpdsl-old-", ".hpdsl-lock"
# Names that hpdsl versions before the manifest wrote into --out, and their temporaries.
_LEGACY = re.compile(r"(report\.json|trials\.csv|(tune|train)_line\d+\w*\.png)\Z")
# What a file browser leaves in any folder it shows; losing it loses nothing.
_BROWSER_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_LEGACY_TEMPORARY = re.compile(r"\.(report\.json|trials\.csv|(tune|train)_line\d+\w*\.png)\.[A-Za-z0-9_]+\Z")


class OutputError(Exception):
    """The output folder cannot be used or written; the message says why and what to do."""


class OutputFolder:
    """One transactional output folder.

        with OutputFolder("runs/a") as out:   # validates, locks, sweeps (OutputError)
            ...                               # the work
            out.commit({"report.json": data, "trials.csv": rows})

    Leaving the `with` block without commit leaves the folder as it was.
    """

    def __init__(self, path: str, label: str = "--out") -> None:
        self.shown = f"{label} {path}"  # how messages name the folder: the option that gave it
        self.path = path
        self._lock_fd: int | None = None

    # ---- before the work ----------------------------------------------------------------

    def open(self) -> OutputFolder:
        target = os.path.abspath(self.path)
        if os.path.islink(target):
            if not os.path.isdir(target):
                raise OutputError(f"{self.shown} is a symbolic link to no folder; give a folder")
            target = os.path.realpath(target)
        self.path = target
        parent = os.path.dirname(target)
        if target == parent or os.path.ismount(target):
            raise OutputError(f"{self.shown} is a mount point, which cannot be replaced as a whole; "
                              "give a folder inside it")
        if os.path.lexists(target) and not os.path.isdir(target):
            raise OutputError(f"{self.shown} is a file, not a folder; give a folder (it is created if missing)")
        existing = parent
        while not os.path.isdir(existing):
            if os.path.lexists(existing):
                raise OutputError(f"cannot create {self.shown}: {existing} is a file, not a folder")
            existing = os.path.dirname(existing)
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as error:
            raise OutputError(f"cannot create {self.shown}: {_reason(error, parent)}") from None
        if not os.access(parent, os.W_OK | os.X_OK):
            raise OutputError(f"cannot write {self.shown}: its parent folder {parent} is read-only")
        if os.path.isdir(target) and not os.access(target, os.W_OK | os.X_OK):
            raise OutputError(f"cannot write {self.shown}: the folder is read-only")
        self._lock()
        try:
            recover(target)
            _sweep(target)
            if os.path.isdir(target):
                _check_owned(target, self.shown)
        except BaseException:
            self.close()
            raise
        return self

    def _lock(self) -> None:
        lock_path = _sibling(self.path, _LOCK)
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as error:
            raise OutputError(f"cannot write {self.shown}: {_reason(error, lock_path)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = _holder(fd)
            os.close(fd)
            if error.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                raise OutputError(f"cannot lock {self.shown}: {_reason(error, lock_path)}") from None
            by = f" (process {holder})" if holder.isdigit() else ""
            raise OutputError(f"another hpdsl run{by} is writing {self.shown}; "
                              "wait for it to finish or choose another folder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    # ---- after the work -----------------------------------------------------------------

    def commit(self, files: Mapping[str, bytes]) -> None:
        """Replace the folder's contents by `files` (name -> bytes) as one transaction.

        Raises OSError (a full disk, say) with the folder still holding the previous run."""
        if self._lock_fd is None:
            raise RuntimeError("OutputFolder.commit before open")
        for name in files:
            if not _plain_name(name) or name == MANIFEST:
                raise ValueError(f"not a plain file name for an output folder: {name!r}")
        stage = None
        try:
            with signals_held():  # an interrupt cannot fall between mkdtemp and `stage =`
                stage = tempfile.mkdtemp(prefix=os.path.basename(_sibling(self.path, _STAGE)),
                                         dir=os.path.dirname(self.path))
            mode = _folder_mode(self.path)
            manifest = {}
            for name in sorted(files):
                _write_synced(os.path.join(stage, name), files[name])
                manifest[name] = hashlib.sha256(files[name]).hexdigest()
            record = json.dumps({"files": manifest}, indent=2, sort_keys=True) + "\n"
            _write_synced(os.path.join(stage, MANIFEST), record.encode("utf-8"))
            os.chmod(stage, mode)
            _fsync_folder(stage)
            if os.path.isdir(self.path):  # again: a file may have been added during the work
                _check_owned(self.path, self.shown)
            with signals_held():
                previous = _swap(stage, self.path)
                _fsync_folder(os.path.dirname(self.path))
                if previous:
                    shutil.rmtree(previous, ignore_errors=True)
        except BaseException:
            if stage is not None:
                with signals_held():
                    shutil.rmtree(stage, ignore_errors=True)
            raise

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def __enter__(self) -> OutputFolder:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()


def write_folder(path: str, files: Mapping[str, bytes], label: str = "--out") -> None:
    """Validate, lock, and replace folder `path` by `files` in one transaction."""
    with OutputFolder(path, label) as out:
        out.commit(files)


def recover(path: str) -> None:
    """Apply the recovery rule of the two-rename fallback: if `path` is missing beside an
    old copy of it, that copy is the last complete run; rename it back. Call with the
    lock held (OutputFolder.open does)."""
    if os.path.lexists(path):
        return
    parent, prefix = os.path.dirname(path), os.path.basename(_sibling(path, _OLD))
    olds = sorted(name for name in _listdir(parent) if name.startswith(prefix))
    if olds:
        os.rename(os.path.join(parent, olds[-1]), path)


def verify_folder(path: str) -> dict[str, str]:
    """The manifest of an output folder (name -> SHA-256), after checking that the folder
    holds exactly the files it lists, with those contents. OutputError otherwise."""
    try:
        with open(os.path.join(path, MANIFEST), "rb") as handle:
            listed = json.load(handle)["files"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise OutputError(f"{path} has no readable manifest: {error}") from None
    present = set(_listdir(path)) - {MANIFEST}
    if present != set(listed):
        raise OutputError(f"{path} holds {sorted(present)}, its manifest lists {sorted(listed)}")
    for name, digest in listed.items():
        with open(os.path.join(path, name), "rb") as handle:
            if hashlib.sha256(handle.read()).hexdigest() != digest:
                raise OutputError(f"{path}/{name} does not match its manifest")
    return listed


# ---- the swap -------------------------------------------------------------------------------


def _swap(stage: str, target: str) -> str | None:
    """Put `stage` at `target`; return where the previous contents now are (to remove)."""
    if not os.path.lexists(target):
        os.rename(stage, target)
        return None
    if _exchange(stage, target):
        return stage
    old = tempfile.mkdtemp(prefix=os.path.basename(_sibling(target, _OLD)), dir=os.path.dirname(target))
    os.rename(target, old)  # onto the empty `old`: a folder may be renamed over an empty one
    os.rename(stage, target)  # a kill just before this leaves `target` missing: see recover()
    return old


def _exchange(a: str, b: str) -> bool:
    """Atomically trade the names `a` and `b`; False where the system cannot."""
    libc = _libc()
    if sys.platform.startswith("linux") and libc is not None and hasattr(libc, "renameat2"):
        at_fdcwd, rename_exchange = -100, 2
        result = libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    elif sys.platform == "darwin" and libc is not None and hasattr(libc, "renamex_np"):
        rename_swap = 2
        result = libc.renamex_np(os.fsencode(a), os.fsencode(b), rename_swap)
    else:
        return False
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), b)


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


class signals_held:
    """Hold SIGINT and SIGTERM (delivered on leaving) around work that must not be cut
    halfway: the swap and its cleanup here; imports of C extensions in the run command
    (an interrupt inside numpy's import surfaces as an ImportError, not as Ctrl-C)."""

    SIGNALS = {signal.SIGINT, signal.SIGTERM}

    def __enter__(self):
        self.before = signal.pthread_sigmask(signal.SIG_BLOCK, self.SIGNALS)

    def __exit__(self, *exc):
        signal.pthread_sigmask(signal.SIG_SETMASK, self.before)


# ---- helpers --------------------------------------------------------------------------------


def _sibling(path: str, kind: str) -> str:
    """`.NAME<kind>` beside `path` (the name hashed when it would be too long)."""
    parent, name = os.path.split(path)
    if len(os.fsencode(name)) > 180:
        name = hashlib.sha256(os.fsencode(name)).hexdigest()[:32]
    return os.path.join(parent, f".{name}{kind}")


def _sweep(path: str) -> None:
    """Remove what killed writers left: staged and old copies of `path` (lock held)."""
    parent = os.path.dirname(path)
    prefixes = tuple(os.path.basename(_sibling(path, kind)) for kind in (_STAGE, _OLD))
    for name in _listdir(parent):
        if name.startswith(prefixes):
            leftover = os.path.join(parent, name)
            if os.path.isdir(leftover) and not os.path.islink(leftover):
                shutil.rmtree(leftover, ignore_errors=True)
    if os.path.isdir(path):
        for name in _listdir(path):
            if _LEGACY_TEMPORARY.match(name):
                os.unlink(os.path.join(path, name))


def _check_owned(path: str, shown: str) -> None:
    names = _listdir(path)
    if MANIFEST in names:
        try:
            with open(os.path.join(path, MANIFEST), "rb") as handle:
                listed = set(json.load(handle)["files"]) | {MANIFEST}
        except (OSError, ValueError, KeyError, TypeError):
            listed = {MANIFEST}
        foreign = sorted(set(names) - listed - _BROWSER_FILES)
    else:
        foreign = sorted(name for name in names if not _LEGACY.match(name) and name not in _BROWSER_FILES)
    if foreign:
        more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        listed_names = ", ".join(repr(name) for name in foreign[:3])
        raise OutputError(f"{shown} holds files hpdsl did not write ({listed_names}{more}); the folder is "
                          "replaced as a whole on each run, so give an empty or new folder")


def _plain_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and "\0" not in name \
        and not name.startswith(".") and (os.sep == "/" or os.sep not in name)


def _write_synced(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    """The process id the lock's holder writes into the lock file right after taking it
    (waiting a moment for it, since a holder that has just locked may not have written it)."""
    for _ in range(50):
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if holder.isdigit():
            return holder
        time.sleep(0.01)
    return holder


def _folder_mode(path: str) -> int:
    """The mode the new folder gets: the old folder's, or what mkdir would give."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o777 & ~current_umask()


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except FileNotFoundError:
        return []


def _reason(error: OSError, path: str) -> str:
    what = error.strerror or str(error)
    where = error.filename if isinstance(error.filename, str) else path
    return f"{what} ({where})" if where else what
