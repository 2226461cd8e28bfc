"""hpdsl: a language for ML workflows whose checker keeps parameters and hyperparameters apart.

The Python API (hpdsl/api.py) is loaded on first use, so `import hpdsl` stays as light
as `hpdsl check` needs: no numpy, no lark.
"""

__version__ = "0.1.0"

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
