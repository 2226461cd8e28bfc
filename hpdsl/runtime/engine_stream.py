"""A streamed run (`hpdsl run --stream`, `--scheduler`): what it refuses, and where its blocks come from.

A streamed run never holds the data: the rows are counted without converting a cell
(data.open_stream's reader: a scan of a CSV's bytes, a Parquet file's metadata), then the
engine's passes read the files, block by block, on this machine or on a Dask cluster's
workers; a bad cell is HP302 (row and column) in the first pass, before any step runs. Whatever needs the rows themselves is
refused here, before any data is read, naming the alternatives: mini-batch gradient
descent, mae logged or watched for early stopping every epoch, `impute` and `encode`
(fitted on the rows, they change the model's columns: the engine's sums would have to
be taken of a table that exists only in memory), and steps this engine does not know.
"""

from __future__ import annotations

from .. import nodes as n
from ..render import format_line
from .data import load, open_stream
from .engine import BLOCK_ROWS, MemorySource, StreamSource, StreamedData
from .errors import UsageError

# The steps the engine runs from statistics (plus one pass for mae).
STREAMED_STEPS = (n.Set, n.Standardize, n.Train, n.Tune, n.Evaluate, n.Test)
ALTERNATIVES = "run without --stream (in memory)"
FILES = ("csv", "parquet")  # the data sources read from files (data.open_stream)


def refuse_unstreamable(run) -> None:
    """UsageError for a workflow a streamed run cannot do, at the first step that needs
    the rows in memory."""
    path = run.source.path
    flag = "--scheduler" if run.options.scheduler is not None else "--stream"

    def refuse(node, what: str, instead: str) -> UsageError:
        line = run.source.location(node.span.start)[0]
        return UsageError(format_line(path, f"{flag} cannot run this workflow: {what}, which needs the rows "
                                            f"in memory; {instead}", line))

    if run.options.scheduler is not None and run.scope.source.kind not in FILES:
        raise UsageError(format_line(path, "--scheduler reads data files on the workers; this workflow's data is "
                                           f"{run.scope.source.kind}(...): run it without --scheduler"))
    batch = "use full-batch gradient descent (leave batch_size unset), or model ridge, or " + ALTERNATIVES
    iterative = run.model_spec.iterative
    if iterative and run.hypers.get("batch_size") is not None:
        info = run.scope.hypers.get("batch_size")
        raise refuse(info.entry if info is not None and info.entry is not None else run.program,
                     f"batch_size {run.hypers['batch_size']} trains on mini-batches", batch)
    for _, statement in run.analysis.overrides:
        if iterative and statement.name.name == "batch_size":
            raise refuse(statement, "--set batch_size trains on mini-batches", batch)
    for step in run.program.steps:
        if isinstance(step, (n.Impute, n.Encode)):
            raise refuse(step, f"'{n.keyword(step)}' fits on the rows and changes the model's columns",
                         ALTERNATIVES + ", or leave the column out with 'features:'")
        if not isinstance(step, STREAMED_STEPS):
            raise refuse(step, f"'{n.keyword(step)}'", ALTERNATIVES)
        if iterative and isinstance(step, n.Set) and step.name.name == "batch_size":
            raise refuse(step, "set batch_size trains on mini-batches", batch)
        if iterative and isinstance(step, n.Tune) and any(item.name.name == "batch_size" for item in step.space):
            raise refuse(step, "tuning batch_size trains on mini-batches", batch)
        if isinstance(step, n.Train) and step.body is not None:
            for entry in step.body.entries:
                action = entry.action if isinstance(entry, n.Every) else entry
                if isinstance(action, (n.Log, n.StopEarly)) and action.metric.name == "mae":
                    raise refuse(action, "mae scored after every epoch", "use mse, rmse or r2 there, or "
                                 + ALTERNATIVES)


def describe(data_source, base_dir: str):
    """The data as a streamed run knows it: for csv and parquet files, the rows counted
    (Parquet: from the files' metadata; CSV: a scan of its bytes, which also gives its
    sha256) and the feature columns from the header, no cell converted (a bad cell is
    HP302 in the engine's pass, before any step runs); synthetic data is generated in
    memory as always."""
    if data_source.kind not in FILES:
        return load(data_source, base_dir)
    with open_stream(data_source, base_dir) as stream:
        count, features, sha256 = stream.row_count(), stream.features, stream.digest()
    return StreamedData(features, data_source.args["target"], data_source.args["path"], sha256, count)


def source(data_source, base_dir: str, data, scheduler: str | None):
    """Where the engine's passes read their blocks."""
    if not isinstance(data, StreamedData):
        return MemorySource(data.X, data.y)
    if scheduler is not None:
        from .engine_dask import DaskSource

        return DaskSource(scheduler, data_source, base_dir, data.count)
    return StreamSource(lambda: open_stream(data_source, base_dir, block_rows=BLOCK_ROWS))
