"""The Python API: `check`, `run` and `load_model`, for notebooks and scripts.

An edge of the pipeline beside cli.py, returning objects instead of printing: the
diagnostics the CLI renders, a `Result` holding the report, the trials, the model and
each split's data-file rows, and the `Model` of a model.json. Importing this module
loads neither numpy nor lark; `run` and `load_model` load numpy when called.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os

from .runtime.errors import ModelError, NotChecked, RunError, UsageError

__all__ = ["Diagnostics", "LedgerError", "ModelError", "Result", "RunError", "UsageError", "WorkflowError",
           "check", "load_model", "run"]


def __getattr__(name: str):
    if name == "LedgerError":  # loaded on use: the ledger's storage is not light enough for `check`
        from .ledger.store import LedgerError

        return LedgerError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Diagnostics(list):
    """The diagnostics of one workflow (a list of hpdsl.diagnostics.Diagnostic), with the
    source they point into; `render()` gives the text `hpdsl check` prints."""

    def __init__(self, diagnostics, source) -> None:
        super().__init__(diagnostics)
        self.source = source

    @property
    def errors(self) -> list:
        return [d for d in self if d.is_error]

    def render(self, color: bool = False) -> str:
        from .render import format_text

        return format_text(list(self), self.source, color=color)


class WorkflowError(NotChecked):
    """`run` refused a workflow the checker reported errors in; `.diagnostics` holds all
    of its diagnostics and str() is the checker's report."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        super().__init__(diagnostics.errors)
        self.diagnostics = diagnostics

    def __str__(self) -> str:
        return super().__str__() + ":\n" + self.diagnostics.render()


def check(path_or_text, *, overrides=()) -> Diagnostics:
    """The checker's diagnostics for a workflow: a path (a str ending in .hp, or any
    os.PathLike), or the workflow's text. `overrides` are `--set` texts ("l2=0.5")."""
    from .checker import check_bytes, check_text

    if _is_path(path_or_text):
        path = os.fspath(path_or_text)
        with open(path, "rb") as handle:
            analysis = check_bytes(handle.read(), path, overrides=list(overrides))
    else:
        analysis = check_text(path_or_text, "<string>", overrides=list(overrides))
    return Diagnostics(analysis.diagnostics, analysis.source)


def _is_path(value) -> bool:
    if isinstance(value, os.PathLike):
        return True
    return isinstance(value, str) and "\n" not in value and value.endswith(".hp")


def run(path, *, overrides=(), out=None, max_trials=None, ledger=None, supersede=None, stream=False, memory=None,
        scheduler=None) -> Result:
    """Check, then run the workflow at `path`, as `hpdsl run` does.

    `stream=True` is `--stream` (never hold the data); `memory` is `--memory`, the budget
    over which the data streams by itself (bytes, or a text such as "2GB" or "25%"; None:
    half of the available memory); `scheduler` is `--scheduler ADDRESS` (None: the
    `DASK_SCHEDULER_ADDRESS` environment variable, if set). `Result.streamed` says why
    the data was streamed, if it was.

    The run is recorded in the test-use ledger as `hpdsl run` records it (docs/ledger.md),
    so a loop over `run` with different overrides meets HP304 as a shell loop would:
    `ledger` is None for the ledger `hpdsl run` would use (`$HPDSL_LEDGER`, else
    `.hpdsl/ledger.sqlite` at the project's root), a path or `postgresql://` URL for
    another, or False to record nothing (the report then says so, as `--no-ledger`
    does); `supersede` is `--supersede ENTRY`.

    Raises WorkflowError when the checker reports errors, RunError (with `.diagnostic`)
    for a run-time error such as bad data (HP302) or a refused test (HP304, HP305),
    UsageError for a search larger than `max_trials` (default 10,000), an `out` folder
    that cannot be used, a ledger that cannot be opened, a `memory` that is not a size, a
    `scheduler` without Dask's distributed (the dask extra) or a workflow `stream` or
    `scheduler` cannot run, and LedgerError when the
    ledger cannot record the finished run. With `out`, replaces that folder by
    report.json, trials.csv and model.json as one transaction, as `--out` does.
    """
    from types import SimpleNamespace

    from .checker import check_bytes
    from .runtime import command  # chooses the BLAS thread count before numpy loads

    from .runtime import memory as budgets

    if memory is not None:
        try:
            memory = budgets.parse(memory, "memory=")
        except ValueError as error:
            raise UsageError(f"memory={error}") from None
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    if scheduler is not None and importlib.util.find_spec("distributed") is None:
        raise UsageError(f"scheduler={scheduler!r} needs Dask's distributed package (the dask extra): "
                         "pip install '.[dask]' in a checkout of hpdsl")
    path = os.fspath(path)
    with open(path, "rb") as handle:
        data = handle.read()
    analysis = check_bytes(data, path, overrides=list(overrides))
    if analysis.errors:
        raise WorkflowError(Diagnostics(analysis.diagnostics, analysis.source))
    from .ledger import record
    from .ledger.store import LedgerError
    from .runtime import Options
    from .runtime import run as interpret
    from .runtime.outputs import OutputError, OutputFolder

    base_dir = os.path.dirname(path) or "."
    choice = SimpleNamespace(no_ledger=ledger is False, supersede=supersede,
                             ledger=None if ledger in (None, False) else os.fspath(ledger))
    folder = OutputFolder(os.fspath(out)) if out is not None else None
    try:
        if folder is not None:
            folder.open()  # an unusable folder is refused before the work, as with --out
        try:
            recorder = record.recorder_for(choice, path, base_dir)
        except LedgerError as error:
            raise UsageError(f"cannot open the test-use ledger: {error}") from None
        options = Options(base_dir=base_dir, workflow_bytes=data, overrides=list(overrides), ledger=recorder,
                          max_trials=10_000 if max_trials is None else max_trials, stream=bool(stream),
                          memory=memory, scheduler=scheduler)
        try:
            report = interpret(analysis, options)
        except BaseException as error:
            record.close(recorder, error=error)
            raise
        problem = record.close(recorder, report)
        if problem:
            raise LedgerError(problem)
        if folder is not None:
            folder.commit(command.output_files(report, False))
    except OutputError as error:
        raise UsageError(str(error)) from None
    finally:
        if folder is not None:
            folder.close()
    return Result(report, Diagnostics([*analysis.diagnostics, *report.warnings], analysis.source))


def load_model(path):
    """The Model in a model.json, or in a run's --out folder; raises ModelError (HP306)."""
    from .runtime.model import load

    return load(os.fspath(path))


class Result:
    """A finished run: `.report` (report.json as a dict), `.trials` (trials.csv as dicts),
    `.model` (the fitted Model, None if nothing was trained), `.rows(split)`, `.scores`
    (the final test's scores), `.warnings` (the checker's, then the run's: HP209) and
    `.streamed` (why the data was streamed: "--stream", "--scheduler", or the memory
    budget it would not fit in; None when it was held in memory)."""

    def __init__(self, report, diagnostics: Diagnostics) -> None:
        from .runtime.model import Model

        self._report = report
        self.report: dict = report.data
        self.model = Model.from_report(report)
        self.warnings = diagnostics
        self.trials: list[dict] = _trials(report.data)
        self.streamed: str | None = report.streamed

    def rows(self, split: str):
        """The data-file row numbers of a split's rows, ascending (the header is row 1;
        synthetic rows count from 1): e.g. the file's rows the final test scored."""
        if split not in self._report.split_layout:
            raise KeyError(f"no split {split!r}; the workflow's splits are {', '.join(self._report.split_layout)}")
        return self._report.split_rows(split)

    @property
    def scores(self) -> dict | None:
        """The final test's scores, or None when the workflow does not test."""
        tests = [step for step in self.report["steps"] if step["kind"] == "test"]
        return dict(tests[-1]["scores"]) if tests else None

    def to_json(self) -> str:
        """report.json's text."""
        return self._report.to_json()

    def __repr__(self) -> str:
        return self._report.summary().rstrip("\n")

    def _repr_html_(self) -> str:
        e = html.escape
        d = self.report
        title = d["workflow"]["title"] or d["workflow"]["path"]
        splits = ", ".join(f"{e(name)} {s['rows']}" for name, s in d["splits"].items())
        scores = self.scores
        score_row = ("".join(f"<td>{e(name)} {value:.6g}</td>" for name, value in scores.items()
                             if value is not None) if scores else "<td>no final test</td>")
        hypers = ", ".join(f"{e(k)} {e(json.dumps(v))}" for k, v in d["hypers"].items())
        model = self.model._repr_html_() if self.model is not None else "<i>no model trained</i>"
        return (f"<div><b>hpdsl run</b> {e(title)}: {d['data']['rows']} rows ({splits})<br>"
                f"hyperparameters: {hypers}<table><tr><th>test</th>{score_row}</tr></table>"
                f"{len(self.trials)} trials{model}</div>")


def _trials(report: dict) -> list[dict]:
    """trials.csv's rows with their types: line, trial, hyperparameters, score, fold scores."""
    out = []
    for step in report["steps"]:
        if step["kind"] != "tune":
            continue
        for index, trial in enumerate(step["trials"]):
            row = {"line": step["line"], "trial": index + 1, **trial["hypers"], "score": trial["score"]}
            for k, value in enumerate(trial.get("fold_scores", [])):
                row[f"fold_{k + 1}"] = value
            out.append(row)
    return out
