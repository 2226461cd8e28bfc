"""The interpreter of `.hp` workflows: the only part of hpdsl that uses numpy.

    data.py         csv, parquet and synthetic data -> arrays and block streams (HP302)
    splits.py       the seeded split and cross-validation folds
    stats.py        sufficient statistics of a block of rows
    blas.py         one BLAS thread while a workflow runs (a fixed summation order)
    engine.py       one pass over the data: every split's and fold's statistics, by rank
    engine_stream.py  a streamed run (--stream, or data over the memory budget): its refusals, where its blocks come from
    memory.py       the memory budget (--memory) and the memory available
    engine_dask.py  the engine's passes on a Dask cluster (--scheduler; optional extra)
    metrics.py      mse, rmse, mae, r2 for many models at once
    preprocess.py   standardization
    tables.py       imputation and one-hot encoding, and their refit inside cv folds
    learners.py     gradient descent and ridge, K candidates at a time
    tune.py         search spaces and scoring candidates on hold-out rows or folds
    guards.py       frozen hyperparameters and the one accessor for rows (HP303)
    interpreter.py  the steps, in order
    report.py       report.json, trials.csv, the terminal summary
    model.py        model.json: written from a run, read back (HP306), applied to rows
    command.py      `hpdsl run`
    predict.py      `hpdsl predict`: a model.json applied to a csv file, streamed
    plots.py        validation and learning curves that do not mislead (matplotlib, optional)

`run` executes a workflow the checker passed; `run_unchecked` also runs one with
HP1xx (and HP210) errors, so tests can show that the runtime guards catch what the checker does.
"""

from __future__ import annotations

from .errors import NotChecked, RunError, UsageError

__all__ = ["NotChecked", "Options", "Report", "RunError", "UsageError", "run", "run_unchecked"]


def __getattr__(name: str):
    # numpy is imported on first use, not with the package: `hpdsl run` chooses the
    # BLAS thread count (command.py) before anything loads numpy.
    if name == "Options":
        from .interpreter import Options

        return Options
    if name == "Report":
        from .report import Report

        return Report
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run(analysis, options=None):
    """Run a workflow the checker passed; raises NotChecked if it reported errors."""
    if analysis.program is None or analysis.errors:
        raise NotChecked(analysis.errors)
    return _interpret(analysis, options)


def run_unchecked(analysis, options=None):
    """Run a workflow even though the checker reported discipline errors (HP101-HP110, HP210).

    For the test suite: every step runs as written, so a runtime guard (HP303), not the
    checker, stops a broken workflow. Any other error still refuses, since the
    declarations it concerns cannot be run.
    """
    others = [d for d in analysis.errors if not ("HP101" <= d.code <= "HP110" or d.code == "HP210")]
    if analysis.program is None or others:
        raise NotChecked(others)
    return _interpret(analysis, options)


def _interpret(analysis, options):
    from .blas import one_thread
    from .interpreter import Interpreter, Options

    with one_thread():  # a fixed summation order: the same report on any machine (blas.py)
        return Interpreter(analysis, options or Options()).run()
