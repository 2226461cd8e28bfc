"""`hpdsl predict MODEL --data FILE [--out preds.csv] [--json]`: a model.json applied to rows.

An edge of the pipeline, like command.py. The data are streamed (data.open_csv_stream, a block
of rows at a time, the same checks and HP302 diagnostics as `run`), so a file larger
than memory can be predicted. Predictions go to a temporary file first — beside --out,
or a spool for stdout — and appear only once every row was read and predicted, so an
error on the last row leaves nothing half-written. With the target column in the file,
the four metrics of the whole file are printed too. Exit 0 ok, 2 usage, 3 a bad model
(HP306) or bad data (HP302).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile

import numpy as np

from .. import EXIT_OK, EXIT_RUNTIME, EXIT_USAGE
from ..diagnostics import Diagnostic
from ..files import PendingFile
from ..render import format_text
from ..source import Source, Span
from .data import open_csv_stream
from .errors import RunError, UsageError
from .model import Model, load


def predict_command(args) -> int:
    line, model_span, data_span = _command_line(args.model, args.data)
    color = sys.stderr.isatty() and "NO_COLOR" not in os.environ
    if args.out is not None:
        problem = _out_problem(args.out)
        if problem:
            print(f"hpdsl: {problem}", file=sys.stderr)
            return EXIT_USAGE
    try:
        model = load(args.model)
    except RunError as error:
        found = error.diagnostic
        if found.source is None:  # about the file as a whole: point at MODEL on the command line
            found = Diagnostic(found.code, model_span, found.message, help=found.help, source=line)
        sys.stderr.write(format_text([found], found.source, color=color))
        return EXIT_RUNTIME

    def problem(message: str, help: str | None = None) -> RunError:
        return RunError(Diagnostic("HP302", data_span, message, help=help, source=line))

    from ..ledger.predictions import watch_for
    from ..ledger.store import LedgerError

    try:
        watch = watch_for(args, model, model.path)
    except UsageError as error:
        print(f"hpdsl: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (LedgerError, OSError) as error:
        print(f"hpdsl: cannot open the test-use ledger: {error}; choose another with --ledger PATH, "
              "or --no-ledger", file=sys.stderr)
        return EXIT_USAGE
    try:
        return _predict(args, model, line, problem, watch, color)
    finally:
        if watch is not None:
            watch.close()


def _predict(args, model: Model, line: Source, problem, watch, color: bool) -> int:
    from ..ledger.store import LedgerError  # loaded by run_predict already; named here for the except below

    as_json = args.json and not args.out
    try:
        # Beside --out (renamed over it at the end), or a spool for stdout.
        pending = PendingFile(args.out, "w+", encoding="utf-8", newline="") if args.out else None
        spool = pending.file if pending else tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
    except OSError as error:
        print(f"hpdsl: cannot write into the folder of {args.out}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    with pending or spool:
        try:
            outcome = predict_file(model, args.data, args.data, problem, spool, json_rows=as_json,
                                   watch=watch if watch is not None and watch.active else None)
        except RunError as error:
            sys.stderr.write(format_text([error.diagnostic], line, color=color))
            return EXIT_RUNTIME
        except OSError as error:
            print(f"hpdsl: cannot write the predictions: {error.strerror or error}", file=sys.stderr)
            return EXIT_RUNTIME
        try:
            note = look_at_test_rows(model, outcome, watch)
        except LedgerError as error:  # nothing is published: a look that cannot be recorded is not taken
            print(f"hpdsl: cannot record the predict in the test-use ledger: {error}", file=sys.stderr)
            return EXIT_RUNTIME
        if note:
            print(f"note: {note}", file=sys.stderr)
        summary = outcome.summary(args.model, args.data, args.out)
        try:
            if args.out:
                pending.publish()
            if args.json:
                sys.stdout.write(outcome.json_head(args.model, args.data, note, as_json))
                if as_json:
                    _copy(spool, sys.stdout)
                sys.stdout.write("]}\n" if as_json else "}\n")
            elif args.out:
                sys.stdout.write(summary)
            else:
                _copy(spool, sys.stdout)
                sys.stderr.write(summary)
            sys.stdout.flush()
        except BrokenPipeError:
            raise  # the reader went away (`| head`); main() says nothing
        except OSError as error:
            print(f"hpdsl: cannot write the predictions to {args.out or 'stdout'}: {error.strerror or error}",
                  file=sys.stderr)
            return EXIT_RUNTIME
    return EXIT_OK


def _command_line(model: str, data: str) -> tuple[Source, Span, Span]:
    """The command as a source text, so diagnostics can point at MODEL or FILE."""
    head = "hpdsl predict "
    text = f"{head}{model} --data {data}"
    model_span = Span(len(head), len(head) + len(model))
    start = len(text) - len(data)
    return Source(text, "<command line>"), model_span, Span(start, start + len(data))


def _out_problem(out: str) -> str | None:
    if os.path.isdir(out):
        return f"--out {out} is a folder; give the name of the CSV file to write, such as {os.path.join(out, 'predictions.csv')}"
    folder = os.path.dirname(out) or "."
    if not os.path.isdir(folder):
        return f"--out {out}: there is no folder '{folder}' to write it in"
    return None


class Outcome:
    """What a prediction pass produced: the spooled rows, the counts, the metrics (of the
    whole file, and of the rows the ledger recorded as test rows when it was watched)."""

    def __init__(self, rows: int, sha256: str, metrics: dict | None, test_metrics: dict | None = None,
                 test_rows: int = 0) -> None:
        self.rows = rows
        self.sha256 = sha256
        self.metrics = metrics
        self.test_metrics = test_metrics
        self.test_rows = test_rows
        self.entry: int | None = None  # the ledger entry that recorded this look

    def summary(self, model: str, data: str, out: str | None) -> str:
        where = f" -> {out}" if out else ""
        text = f"predicted {self.rows} rows of {data} with {model}{where}\n"
        if self.metrics is not None:
            text += "  ".join(f"{name} {value:.6g}" for name, value in self.metrics.items()) + "\n"
        if self.test_metrics is not None:
            text += (f"on the {self.test_rows} recorded test rows (ledger entry {self.entry}): "
                     + "  ".join(f"{name} {value:.6g}" for name, value in self.test_metrics.items()) + "\n")
        return text

    def json_head(self, model: str, data: str, note: str | None, with_rows: bool) -> str:
        """The JSON document up to its list of predictions (which the spool holds)."""
        def finite(metrics):
            return None if metrics is None else {
                name: value if math.isfinite(value) else None for name, value in metrics.items()}

        head = {"model": model, "data": {"path": data, "rows": self.rows, "sha256": self.sha256},
                "metrics": finite(self.metrics), "notes": [note] if note else []}
        if self.entry is not None:
            head["ledger"] = {"entry": self.entry, "test_rows": self.test_rows, "metrics": finite(self.test_metrics)}
        text = json.dumps(head, allow_nan=False)[:-1]
        return text + (', "predictions": [' if with_rows else "")


def predict_file(model: Model, path: str, shown: str, problem, out, json_rows: bool = False,
                 block_rows: int = 4096, watch=None) -> Outcome:
    """Predict every row of a csv file, a block at a time, into the text file `out`: CSV
    `row,prediction` lines, or comma-separated JSON objects when `json_rows`. With a
    ledger `watch` and a target column, the rows the ledger recorded as test rows are
    recognised and scored on their own too. Raises RunError (HP302) for the data."""
    stream = open_csv_stream(path, shown, model.features, model.target, problem, block_rows, sep=model.csv["sep"],
                             missing=model.csv["missing"], imputed=model.imputed, encoded=model.encoded)
    try:
        if not json_rows:
            out.write("row,prediction\n")
        metrics = Metrics() if stream.has_target else None
        tested = Metrics() if stream.has_target and watch is not None else None
        count = 0
        for block in stream.blocks():
            rows, X, y = block.rows, block.X, block.y
            with np.errstate(over="ignore", invalid="ignore"):
                predicted = model.apply(X, block.text)
            if not np.isfinite(predicted).all():
                row = int(rows[np.argmin(np.isfinite(predicted))])
                raise problem(f"row {row} of '{shown}': the prediction is not a finite number (the row's values "
                              "are too large for the model's arithmetic)",
                              help="check the row's values: they lie far outside the rows the model was fitted on")
            pairs = zip(rows.tolist(), predicted.tolist())
            if json_rows:
                out.write(("," if count else "") + ",".join(f'{{"row": {r}, "prediction": {p!r}}}' for r, p in pairs))
            else:
                out.write("".join(f"{r},{p!r}\n" for r, p in pairs))
            if metrics is not None:
                metrics.add(predicted, y)
            if tested is not None:
                inside = watch.test_rows(X, y)
                if inside.any():
                    tested.add(predicted[inside], y[inside])
            count += len(rows)
    finally:
        stream.close()
    return Outcome(count, stream.sha256, metrics.result() if metrics else None,
                   tested.result() if tested is not None and tested.n else None, tested.n if tested else 0)


class Metrics:
    """mse, rmse, mae and r2 over blocks of rows, in one pass and constant memory.

    The target's spread is merged block by block (Chan et al.'s pairwise update), so r2
    does not lose precision the way Σy² - n·ȳ² would on a large offset target.
    """

    def __init__(self) -> None:
        self.n = 0
        self.sse = 0.0
        self.sae = 0.0
        self.mean = 0.0
        self.spread = 0.0

    def add(self, predicted: np.ndarray, y: np.ndarray) -> None:
        error = predicted - y
        self.sse += float(error @ error)
        self.sae += float(np.abs(error).sum())
        n, m = self.n, len(y)
        mean = float(y.mean())
        centred = y - mean
        delta = mean - self.mean
        self.spread += float(centred @ centred) + delta * delta * n * m / (n + m)
        self.mean += delta * m / (n + m)
        self.n = n + m

    def result(self) -> dict:
        mse = self.sse / self.n
        if self.spread > 0:
            r2 = 1.0 - self.sse / self.spread
        else:  # scikit-learn's convention for a constant target, as metrics.py
            r2 = 1.0 if self.sse == 0 else 0.0
        return {"mse": mse, "rmse": float(np.sqrt(mse)), "mae": self.sae / self.n, "r2": r2}


def look_at_test_rows(model: Model, outcome: Outcome, watch) -> str | None:
    """The test-use ledger's part in every `predict`, once the data are read: a note, or None.

    Scores computed on rows the ledger recorded as a run's test rows are a look at the
    test data after the fact: the look is recorded (ledger/predictions.py) and the note
    names the entry. Without a ledger or a target column nothing is recorded, but when the
    predicted file is the very file the model's run split (its sha256 is the model's
    provenance), the note still says that its rows include that run's test split.
    Raises LedgerError when the look cannot be recorded.
    """
    if watch is not None and outcome.test_metrics is not None:
        entry = watch.record(outcome.rows, outcome.sha256, outcome.test_metrics, outcome.metrics)
        outcome.entry = entry["id"]
        return watch.note()
    if outcome.sha256 != model.provenance["data"]["sha256"]:
        return None
    return (f"these are the rows the model's run split with seed {model.provenance['split_seed']}, "
            "so they include its test split: scores on them are not a fresh test")


def _copy(spool, stream) -> None:
    spool.seek(0)
    shutil.copyfileobj(spool, stream)

