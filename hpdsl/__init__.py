"""hpdsl: a language for ML workflows whose checker keeps parameters and hyperparameters apart.

The Python API (hpdsl/api.py) is loaded on first use, so `import hpdsl` stays as light
as `hpdsl check` needs: no numpy, no lark.
"""

__version__ = "0.1.0"

# The exit codes of every `hpdsl` command, one table for the CLI and each command's module.
# They live here because the package is loaded anyway, so `hpdsl check` pays no module for them.
EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_RUNTIME = 0, 1, 2, 3
EXIT_INTERRUPTED = 128 + 2  # SIGINT (Ctrl-C), as a shell reports a process it ended
EXIT_TERMINATED = 128 + 15  # SIGTERM

_API = ("check", "run", "load_model", "Result", "Diagnostics", "WorkflowError", "RunError", "ModelError",
        "UsageError", "LedgerError")
__all__ = ["__version__", "Model", *_API]


def __getattr__(name: str):
    if name in _API:
        from . import api

        return getattr(api, name)
    if name == "Model":
        from .runtime.model import Model

        return Model
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
