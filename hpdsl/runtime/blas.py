"""One BLAS thread while a workflow runs, so that matrix products sum in one fixed order.

A multithreaded BLAS shares a product's rows and columns among its threads, and where the
shares fall changes the order, and so the last bits, of some sums: the same run would
report other digits on a machine with more cores, or in a Python session that loaded
numpy before hpdsl (the CLI sets OPENBLAS_NUM_THREADS before numpy loads, a session may
not have). numpy's bundled OpenBLAS is asked directly, through its C entry points
`openblas_get_num_threads` / `openblas_set_num_threads` (prefixed `scipy_` and suffixed
`64_` in numpy's own builds); a numpy built on another BLAS is left as it is, its thread
count then the environment's. The count is process-wide: two runs in threads of one
process share it.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import glob
import os

_ENTRY_POINTS = [(f"{prefix}_get_num_threads{suffix}", f"{prefix}_set_num_threads{suffix}")
                 for prefix in ("scipy_openblas", "openblas") for suffix in ("64_", "")]


@functools.cache
def controls():
    """(get, set) of the thread count of the OpenBLAS numpy loaded, or None."""
    import numpy

    base = os.path.dirname(numpy.__file__)
    # Where numpy's wheels bundle it: numpy.libs (Linux, Windows), numpy/.dylibs (macOS).
    found = glob.glob(os.path.join(base + ".libs", "*openblas*")) + \
        glob.glob(os.path.join(base, ".dylibs", "*openblas*"))
    for path in sorted(found):
        try:
            library = ctypes.CDLL(path)  # the copy already loaded: the same handle
        except OSError:
            continue
        for get, set_ in _ENTRY_POINTS:
            if hasattr(library, get) and hasattr(library, set_):
                return getattr(library, get), getattr(library, set_)
    return None


@contextlib.contextmanager
def one_thread():
    """BLAS on one thread inside, the previous count restored after."""
    found = controls()
    if found is None:
        yield
        return
    get, set_ = found
    before = get()
    set_(1)
    try:
        yield
    finally:
        set_(before)
