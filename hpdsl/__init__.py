"""hpdsl: a language for ML workflows whose checker keeps parameters and hyperparameters apart.

The Python API (hpdsl/api.py) is loaded on first use, so `import hpdsl` stays as light
as `hpdsl check` needs: no numpy, no lark.
"""

import sys as _sys
from importlib.machinery import PathFinder as _PathFinder
from importlib.machinery import SourceFileLoader as _SourceFileLoader

__version__ = "0.1.0"

# The exit codes of every `hpdsl` command, one table for the CLI and each command's module.
# They live here because the package is loaded anyway, so `hpdsl check` pays no module for them.
EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_RUNTIME = 0, 1, 2, 3
EXIT_INTERRUPTED = 128 + 2  # SIGINT (Ctrl-C), as a shell reports a process it ended
EXIT_TERMINATED = 128 + 15  # SIGTERM

from .diagnostics import check_registered as _check_registered  # noqa: E402  (the registry, before any module that emits)

_API = ("check", "run", "load_model", "Result", "Diagnostics", "WorkflowError", "RunError", "ModelError",
        "UsageError", "LedgerError")
__all__ = ["__version__", "Model", *_API]


class _CheckedLoader(_SourceFileLoader):
    """Checks a module's codes whenever its source is compiled. Bytecode cached from a
    checked compile is loaded as it is, so a cold `hpdsl check` pays nothing (the test
    suite compiles every module through the same check)."""

    def source_to_code(self, data, path, *, _optimize=-1):
        code = super().source_to_code(data, path, _optimize=_optimize)
        _check_registered(code, self.name)
        return code


class _RegisteredCodes:
    """Loads hpdsl's own modules through `diagnostics.check_registered`, so that a module
    naming an unregistered rule code fails to import. A meta path finder rather than a
    line in each module: every module is covered, including one added later."""

    @staticmethod
    def find_spec(name: str, path=None, target=None):
        if path is None or not name.startswith("hpdsl."):
            return None
        spec = _PathFinder.find_spec(name, path, target)
        if spec is not None and type(spec.loader) is _SourceFileLoader:
            spec.loader = _CheckedLoader(spec.loader.name, spec.loader.path)
        return spec


_sys.meta_path.insert(0, _RegisteredCodes)


def __getattr__(name: str):
    if name in _API:
        from . import api

        return getattr(api, name)
    if name == "Model":
        from .runtime.model import Model

        return Model
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
