"""The interpreter: runs a checked workflow's steps, in order, for real.

It keeps the state the steps change — current hyperparameters, the fitted model and the
version of the hyperparameters and standardization it was fitted under, the rows the
next hold-out tune trains on, the early-stopping rule candidates inherit, the final
test — and goes through guards.SplitStore for every row it reads. Values are computed
with the checker's own `values` module, so checker and interpreter agree on numbers.
"""

from __future__ import annotations

import os
import time

import numpy as np

from .. import nodes as n
from ..checker import values as v
from ..checker.models import METRICS, PARAMETERS
from ..checker.scope import check_schedule, check_value
from ..render import format_line
from ..source import Source, Span
from . import engine_stream as streaming
from . import learners, nested, optimism, tune
from .data import Dataset, load
from .engine import Engine, MemoryRows, MemorySource, NoRows, StreamedData
from .errors import RunError, UsageError, fail, guard
from .guards import SplitStore, StepRef, frozen
from .learners import Monitor
from .metrics import lower_is_better, score
from .preprocess import Standardization
from .report import Report, StepRecord, Trials
from .splits import blocks, fold_ranges, share_counts, shuffle
from .stats import ORDINARY
from .tables import Encoding, Imputation, Preparation, prepared_fold

ALL_METRICS = tuple(METRICS)


class Options:
    """How to run: the data folder, the --max-trials limit, a progress callback
    `progress(label, done, total)`, the workflow's bytes and --set texts for the report, and
    the test-use ledger's recorder (hpdsl.ledger.record.Recorder) when the run is recorded,
    whether the data is streamed (`stream`) or read on a Dask cluster (`scheduler`), and
    the memory budget over which it streams by itself (`memory`, a memory.Budget; None:
    half of the available memory)."""

    def __init__(self, base_dir: str | None = None, max_trials: int = 10_000, progress=None,
                 workflow_bytes: bytes | None = None, overrides: list[str] = (), ledger=None,
                 stream: bool = False, scheduler: str | None = None, memory=None) -> None:
        self.base_dir = base_dir
        self.max_trials = max_trials
        self.progress = progress
        self.workflow_bytes = workflow_bytes
        self.overrides = list(overrides)
        self.ledger = ledger
        # --stream: never hold the data (engine.py); --scheduler: a Dask scheduler's
        # address, whose workers compute the statistics (engine_dask.py; streamed too).
        self.stream = stream or scheduler is not None
        self.scheduler = scheduler
        self.memory = memory


class Model:
    """A fitted model: parameters in the space it was trained in, and the version of the
    hyperparameters and standardization it was fitted under (and, for model.json, the
    hyperparameters and standardization themselves)."""

    __slots__ = ("weights", "intercept", "version", "step", "hypers", "standardization", "preparation")

    def __init__(self, weights: np.ndarray, intercept: float, version: int, step: StepRef,
                 hypers: dict | None = None, standardization: Standardization | None = None,
                 preparation: Preparation | None = None) -> None:
        weights = np.array(weights, dtype=float)
        weights.flags.writeable = False  # only a learner makes parameters
        self.weights = weights
        self.intercept = float(intercept)
        self.version = version
        self.step = step
        self.hypers = dict(hypers or {})
        self.standardization = standardization
        self.preparation = preparation  # the imputations and encodings it was fitted under

    def predict(self, X: np.ndarray) -> np.ndarray:
        return X @ self.weights + self.intercept


class Interpreter(n.Visitor):
    def __init__(self, analysis, options: Options) -> None:
        self.analysis = analysis
        self.source: Source = analysis.source
        self.scope = analysis.scope
        self.program: n.Program = analysis.program
        self.options = options
        self.model_spec = self.scope.model
        self.hypers: dict = self.scope.starting_values()
        self.origin: dict[str, Source | None] = {}  # where a value was written (--set or the file)
        self.version = 0
        self.model: Model | None = None
        self.training_rows: tuple[str, ...] | None = None
        self.stop_rule: n.StopEarly | None = None
        self.standardization: Standardization | None = None
        self.final_test: StepRef | None = None
        # The global shuffle (None when streamed) and each split's block of it: the ledger
        # fingerprints the splits from them, and the Python API's Result.rows finds a
        # split's file rows.
        self.split_order: np.ndarray | None = None
        self.split_layout: dict[str, tuple[int, int]] = {}
        self.streamed: str | None = None  # why the data is streamed (engine_stream.choose), or None
        self.step: StepRef | None = None
        self.text_source: Source | None = None  # the --set being evaluated (None: the file)
        self.report = Report()

    # ---- helpers ---------------------------------------------------------------------------------

    def line(self, node) -> int:
        return self.source.location(node.span.start)[0]

    def ref(self, step) -> StepRef:
        return StepRef(self.line(step), n.keyword(step), n.keyword_span(step))

    def refs(self, names) -> list[tuple[str, Span]]:
        return [(name.name, name.span) for name in names]

    def lookup(self, name: n.Name):
        if name.name in PARAMETERS or name.name in self.scope.params:
            raise guard("HP102", name.span, f"{self.step} reads learned parameter '{name.name}' to compute a "
                        "hyperparameter; parameters exist only inside training", self.text_source)
        if name.name in self.hypers:
            return self.hypers[name.name]
        raise fail("HP002", name.span, f"'{name.name}' is not a hyperparameter of {self.model_spec.name}",
                   source=self.text_source)

    def evaluate(self, expr, source: Source | None = None):
        try:
            return v.evaluate(expr, self.lookup)
        except v.EvalError as error:
            raise fail(error.code or "HP004", error.span, error.message, error.help, source) from None

    def after_test(self) -> None:
        if self.final_test is not None:
            raise guard("HP106", self.step.span, f"{self.step} runs after the final test "
                        f"({self.final_test}); the test score is final")

    def check_schedule(self, hypers) -> None:
        """A schedule's every rate must lie in the learning rate's domain for these epochs."""
        rate = hypers.get("learning_rate")
        info = self.scope.hypers.get("learning_rate")
        if isinstance(rate, v.Schedule) and info is not None:
            try:
                check_schedule(rate, hypers["epochs"], info, rate.span or self.step.span)
            except v.EvalError as error:
                raise fail("HP004", error.span, error.message, error.help, self.origin.get("learning_rate")) from None

    # ---- the run ----------------------------------------------------------------------------------

    def run(self) -> Report:
        started = time.perf_counter()
        imputed, encoded = _prepared_columns(self.program)
        # --stream, --scheduler, or data over the memory budget; decided before reading any data
        self.streamed = self.report.streamed = streaming.choose(self, encoded)
        if self.streamed:
            data = self.data = streaming.describe(self.scope.source, self._base_dir())
        else:
            data = self.data = load(self.scope.source, self._base_dir(), imputed=imputed, encoded=encoded,
                                    fit_split=self.scope.train_split or "train")
        self.store = self._split(data)
        self._begin_tables(data, imputed | encoded)
        if self.options.ledger is not None:
            self.options.ledger.begin(self, data)
        for source, statement in self.analysis.overrides:
            self.step = StepRef(0, "--set", statement.span)
            self.assign(statement, source)
            self.report.overrides.append({"text": source.text[len("--set "):], "name": statement.name.name,
                                          "value": self.hypers.get(statement.name.name)})
        for step in self.program.steps:
            handler = self.handler(step)
            if handler is None:
                continue
            self.step = self.ref(step)
            began = time.perf_counter()
            record = StepRecord(self.step.line, self.step.kind, [name.name for name in step.splits]
                                if not isinstance(step, n.Set) else [])
            try:
                self._complete(step)
                handler(step, record)
            except learners.NumericFailure as failure:
                raise self._numeric(f"{self.step}: {failure}", failure.faint) from None
            self._finite(record)
            self.report.steps.append(record)
            self.report.timings.append((self.step.line, self.step.kind, time.perf_counter() - began))
        self.report.finish(self, data, time.perf_counter() - started)
        return self.report

    def _base_dir(self) -> str:
        if self.options.base_dir is not None:
            return self.options.base_dir
        path = self.source.path
        return os.path.dirname(path) if path and not path.startswith("<") else "."

    def _split(self, data) -> SplitStore:
        """The split layout, and the engine's pass over the data: statistics of every split
        and of every cross-validation fold the workflow will ask for."""
        infos = list(self.scope.splits.values())
        rows = data.count if isinstance(data, StreamedData) else len(data.y)
        counts = share_counts(rows, [info.percent for info in infos])
        for info, count in zip(infos, counts):
            if count == 0:
                raise fail("HP302", info.entry.span, f"split '{info.name}' gets no rows: {v.show(info.percent)}% "
                           f"of {rows} rows rounds to 0", help="give it a larger share, or use more data")
        layout = dict(zip((info.name for info in infos), blocks(counts)))
        self.split_layout = layout
        cuts = [edge for span in layout.values() for edge in span] + self._fold_cuts(layout)
        ledger = self.options.ledger
        fingerprints = self.streamed is not None and ledger is not None and ledger.ledger is not None
        span = self.scope.source.node.source.span

        def problem(message: str) -> RunError:
            return fail("HP302", span, message)

        if self.streamed:
            source = streaming.source(self.scope.source, self._base_dir(), data, self.options.scheduler)
            gather = NoRows(lambda: fail(
                "HP302", self.step.span if self.step else span,
                f"{self.step or 'this run'} needs the rows themselves in memory, which a streamed run never holds",
                help="run without --stream (and without --scheduler), so the data is held in memory"
                if self.options.stream else "give a memory budget that holds the data (--memory SIZE)"))
        else:
            order = self.split_order = shuffle(rows, self.scope.split_seed)
            source, gather = MemorySource(data.X, data.y), MemoryRows(data.X, data.y, order)
        # An impute or encode to come: X holds NaN until then, and the prepared table
        # becomes the engine's source (_prepared); sums are taken only when asked.
        prepared = any(isinstance(step, (n.Impute, n.Encode)) for step in self.program.steps)
        self.engine = Engine(source, rows, self.scope.split_seed, cuts, len(data.features), problem, fingerprints,
                             eager=self.streamed is not None or (rows >= len(data.features) and not prepared))
        return SplitStore(self.engine, layout, {info.name: info.role for info in infos}, gather)

    def _fold_cuts(self, layout) -> list[int]:
        """Where every `using cv K` of the workflow cuts the shuffled order (and every outer
        and inner fold of a `nested in cv M`), so that one pass gives every fold's statistics."""
        cuts = []
        for step in self.program.steps:
            if isinstance(step, n.Tune) and step.cv is not None:
                try:
                    k = self._count(step.cv)
                    m = self._count(step.outer) if step.outer is not None else None
                except v.EvalError:
                    continue  # the step reports it when it runs
                names = sorted({name.name for name in step.splits if name.name in layout}, key=lambda s: layout[s][0])
                spans = [layout[s] for s in names]
                total = sum(b - a for a, b in spans)
                if names and 2 <= k <= total:
                    cuts += [edge for fold in fold_ranges(spans, k) for r in fold for edge in r]
                if names and m is not None and 2 <= m <= total and k <= nested.fewest_training_rows(total, m):
                    cuts += nested.rank_cuts(nested.Plan(total, k, m), spans)
        return cuts

    def row_fingerprints(self) -> np.ndarray:
        """Every row's fingerprint (the test-use ledger's), in the shuffled order."""
        if self.engine.fingerprints is not None:
            return self.engine.fingerprints
        from ..ledger.fingerprints import row_fingerprints

        return row_fingerprints(self.data.X, self.data.y)[self.split_order]

    def streamed_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(the shuffled order, every row's number in its file) of data a streamed run did
        not hold: the shuffle computed again, the files' row numbers read in one pass."""
        rows = self.data.rows if self.data.rows is not None else streaming.file_rows(self.scope.source,
                                                                                      self._base_dir())
        return shuffle(self.store.total, self.scope.split_seed), rows

    # ---- set -----------------------------------------------------------------------------------------

    def assign(self, step: n.Set, source: Source | None = None) -> None:
        """A `set` (or a --set override, from `source`): evaluate, check the domain, store."""
        name = step.name.name
        if name in PARAMETERS or name in self.scope.params:
            raise guard("HP102", step.name.span, f"{self.step} assigns learned parameter '{name}'; "
                        "only training writes parameters", source)
        info = self.scope.hypers.get(name)
        self.text_source = source
        try:
            value = self.evaluate(step.value, source)
        finally:
            self.text_source = None
        if info is None:
            raise fail("HP002", step.name.span, f"hyperparameter '{name}' is not declared", source=source)
        try:
            value = check_value(value, info, step.value.span, name)
        except v.EvalError as error:
            raise fail("HP004", error.span, error.message + " (a value computed at run time)"
                       if source is None else error.message, error.help, source) from None
        self.hypers[name] = value
        self.origin[name] = source
        if isinstance(value, v.Schedule):
            self.check_schedule(self.hypers)

    def visit_Set(self, step: n.Set, record: StepRecord) -> None:
        self.after_test()
        self.assign(step)
        self.version += 1
        record.extra["name"] = step.name.name
        record.extra["value"] = self.hypers[step.name.name]

    # ---- standardize -------------------------------------------------------------------------------

    def visit_Standardize(self, step: n.Standardize, record: StepRecord) -> None:
        self.after_test()
        block = self.store.rows(self.refs(step.splits), self.step, "standardize")
        keep, columns = self.preparation.indicators, self.preparation.columns
        # Fewer rows than features, or spreads too faint for one unit: fitted on the rows.
        # So is a prepared table (after impute or encode, always in memory): two passes
        # over its rows, as scikit-learn's scaler, which the raw-unit weights are held to.
        if block.wide or block.raw_stats.lost or self.preparation.steps():
            self.standardization = Standardization.fit(block.raw, block.names, keep=keep, columns=columns)
        else:
            fitted = Standardization.from_stats(block.raw_stats, keep)
            self.standardization = Standardization(fitted.mean, fitted.std, block.names, columns)
        self.store.transform(self.standardization)
        self.version += 1

    # ---- impute and encode ---------------------------------------------------------------------------

    def _begin_tables(self, data: Dataset, prepared: frozenset[str]) -> None:
        """The model's columns before any impute or encode, and the columns still missing
        cells or holding text. Those steps fit on the data's own rows (data.X and data.text,
        in file order: no second copy), found through the shuffled order."""
        self.preparation = Preparation(data.features)
        self.pending = {column for column in prepared if np.isnan(data.X[:, data.features.index(column)]).any()}

    def _fit_rows(self, step) -> tuple[tuple[str, ...], np.ndarray]:
        """The named splits (read through the guards, for the audit) and their rows' places
        in the file, in the shuffled order."""
        block = self.store.rows(self.refs(step.splits), self.step, "impute" if isinstance(step, n.Impute) else "encode")
        return block.names, self._file_rows(block.names)

    def _file_rows(self, names) -> np.ndarray:
        """The file rows of these splits, in the shuffled order."""
        return self.split_order[np.concatenate([np.arange(*self.split_layout[name]) for name in names])]

    def visit_Impute(self, step: n.Impute, record: StepRecord) -> None:
        self.after_test()
        names, rows = self._fit_rows(step)
        strategy = step.strategy.name if step.strategy is not None else "mean"
        constant = float(v.constant(step.value)) if step.value is not None else None
        fills = {}
        for column in step.columns:
            name = n.column_name(column)
            j = self.data.features.index(name)
            fitted = Imputation.fit(name, self.data.X[rows, j], strategy, constant, names)
            if fitted is None:
                raise fail("HP302", column.span, f"column '{name}' has no value in the rows of "
                           f"{' + '.join(names)} to fit the {strategy} on: every one is missing",
                           help="fit on more rows, or fill with a value you choose: 'with constant VALUE'")
            self.preparation = self.preparation.with_step(fitted)
            fills[name] = fitted.value
        record.extra.update(columns=list(fills), strategy=strategy, fill=fills)
        self._prepared(step)

    def visit_Encode(self, step: n.Encode, record: StepRecord) -> None:
        self.after_test()
        names, rows = self._fit_rows(step)
        categories, unseen, missing = {}, {}, {}
        for column in step.columns:
            name = n.column_name(column)
            cells = self.data.text[name]
            fitted = Encoding.fit(name, cells[rows], names)
            self.preparation = self.preparation.with_step(fitted)
            categories[name] = list(fitted.categories)
            counts = {split: fitted.unseen(cells[self.split_order[a:b]]) for split, (a, b) in self.split_layout.items()}
            unseen[name] = {split: c[0] for split, c in counts.items()}
            missing[name] = {split: c[1] for split, c in counts.items()}
        record.extra.update(columns=list(categories), categories=categories, unseen=unseen, missing=missing)
        self._prepared(step)

    def _prepared(self, step) -> None:
        """A refitted impute or encode: new model columns for every split (not a read).
        The prepared table (file order) is what the engine sums from now on: statistics of
        the old columns say nothing of the new ones."""
        self.pending -= {n.column_name(c) for c in step.columns}
        data, old = self.data, self.engine
        table = self.preparation.table(data.X, data.text)
        self.engine = Engine(MemorySource(table, data.y), old.rows, self.scope.split_seed, old.plan.bounds,
                             table.shape[1], old.problem, eager=old.rows >= table.shape[1])
        self.engine.passes = old.passes  # one count of the passes over the data, for the whole run
        scaling = self.standardization
        self.store.prepare(self.engine, MemoryRows(table, data.y, self.split_order),
                           scaling.aligned(self.preparation.columns) if scaling is not None else None)
        self.version += 1

    def _complete(self, step) -> None:
        """HP302 before a step that reads the features while a column still holds missing
        cells or text: its impute or encode comes later in the workflow."""
        if not self.pending or isinstance(step, (n.Set, n.Impute, n.Encode)):
            return
        later = {}
        steps = self.program.steps
        at = next(i for i, candidate in enumerate(steps) if candidate is step)
        for candidate in steps[at:]:
            if isinstance(candidate, (n.Impute, n.Encode)):
                for column in candidate.columns:
                    later.setdefault(n.column_name(column), candidate)
        column = min(self.pending, key=self.data.features.index)
        fix = later[column]
        verb = n.keyword(fix)
        j = self.data.features.index(column)
        if verb == "encode":
            raise guard("HP210", self.step.span, f"{self.step} reads the features, but column '{column}' holds "
                        f"text until its encode at line {self.line(fix)}")
        row = int(np.min(self.data.rows[np.isnan(self.data.X[:, j])]))
        raise fail("HP302", self.step.span, f"{self.step} reads the features, but row {row}, column '{column}' is "
                   f"missing until its impute at line {self.line(fix)}",
                   help=f"move the impute of '{column}' before line {self.step.line}")

    def _fold_maker(self, block, pipeline: bool):
        """make(training positions, held-out positions) -> (train Rows, held-out Rows) over
        the block's rows, refitting inside the fold every impute and encode fitted on rows
        that share a split with the cross-validated rows; None when there is none."""
        cv = set(block.names)

        def shared(splits) -> bool:
            return bool(set(splits) & cv)

        if not any(shared(step.splits) for step in self.preparation.steps()):
            return None
        rows = self._file_rows(block.names)
        X = self.data.X[rows]
        text = {column: cells[rows] for column, cells in self.data.text.items()}

        def make(train_rows, held_rows):
            return prepared_fold(self.preparation, X, text, block.y, train_rows, held_rows, shared,
                                 self.standardization, pipeline)

        return make

    def _prepared_folds(self, block, k: int, pipeline: bool):
        """K folds whose imputations and encodings are refitted inside each fold (see
        _fold_maker); else None."""
        make = self._fold_maker(block, pipeline)
        if make is None:
            return None
        return nested.PreparedFolds(make).folds(nested.kfold(((0, block.rows.n),), k))

    # ---- train -------------------------------------------------------------------------------------

    def visit_Train(self, step: n.Train, record: StepRecord) -> None:
        self.after_test()
        iterative = self.model_spec.iterative
        stop, logs, sets = None, [], []
        if step.body is not None and iterative:
            for entry in step.body.entries:
                action = entry.action if isinstance(entry, n.Every) else entry
                every = v.integer(v.constant(entry.every), entry.every.span, "every") \
                    if isinstance(entry, n.Every) else 1
                if isinstance(action, n.StopEarly):
                    stop = stop or action
                elif isinstance(action, n.Log):
                    logs.append((every, action))
                elif isinstance(action, n.Set):
                    sets.append(action)
                else:
                    n.unhandled(self, action)
        # The body is bound before the first epoch: its splits are read (early stopping
        # first, then the training rows, then logs) and its sets meet frozen hyperparameters.
        monitor = None
        if stop is not None:
            watched = self.store.rows(self.refs([stop.split]), self.step, "early-stop")
            monitor = Monitor(watched.rows, stop.metric.name, self._count(stop.patience))
        block = self.store.rows(self.refs(step.splits), self.step, "fit")
        logged = [(every, log, self.store.rows(self.refs([log.split]), self.step, "log").rows)
                  for every, log in logs]
        hypers = frozen(self.hypers)
        for action in sets:
            self._body_set(action, hypers)
        self.check_schedule(hypers)
        if not iterative:
            fit = learners.ridge(block.rows, [hypers])
            self._fitted(fit, 0)
            record.extra.update(epochs_run=None, stopped_early=False)
        else:
            curve: list[float] = []
            train_mse: list[float] = []
            entries: list[dict] = []

            def on_epochs(first, W, b, loss) -> None:
                # W, b, loss: one row per epoch from `first` on (the learner runs epochs in blocks)
                curve.extend(loss[:, 0].tolist())
                # The plot compares training with validation on one metric; the loss (½·MSE
                # plus the penalty) is not it. From the block's sums: O(d²) an epoch, no pass
                # over rows, every epoch of the block at once.
                train_mse.extend(score(block.rows, W[:, :, 0].T, b[:, 0], "mse").tolist())
                for epoch, W_e, b_e in zip(range(first, first + len(loss)), W, b):
                    for every, log, rows in logged:
                        if epoch % every == 0:
                            value = float(score(rows, W_e, b_e, log.metric.name)[0])
                            entries.append({"epoch": epoch, "metric": log.metric.name, "split": log.split.name,
                                            "value": value})
                if self.options.progress is not None:
                    for epoch in range(first, first + len(loss)):
                        self.options.progress(f"train line {self.step.line}", epoch, hypers["epochs"])

            fit = learners.gradient_descent(block.rows, [hypers], self.scope.param_inits, monitor, on_epochs)
            if fit.diverged[0]:
                raise self._diverged(block.rows, hypers, fit, 0)
            self._fitted(fit, 0)
            record.extra.update(epochs_run=int(fit.epochs_run[0]), stopped_early=bool(fit.stopped_early[0]))
            if monitor is not None:
                record.extra["best_epoch"] = int(fit.best_epoch[0])
            record.extra["log"] = entries
            self.report.curves.append({"line": self.step.line, "loss": curve, "train_mse": train_mse, "log": entries,
                                       "best_epoch": record.extra.get("best_epoch"),
                                       "stopped_early": record.extra["stopped_early"]})
        self.training_rows = block.names
        self.stop_rule = stop

    def _count(self, number: n.Number) -> int:
        return v.integer(v.constant(number), number.span, "count")

    def _body_set(self, action: n.Set, hypers) -> None:
        name = action.name.name
        if name in PARAMETERS or name in self.scope.params:
            raise guard("HP102", action.name.span, f"the body of {self.step} sets learned parameter '{name}' "
                        "during training; only the learner writes parameters")
        value = self.evaluate(action.value)
        try:
            hypers[name] = value
        except TypeError:
            raise guard("HP101", action.span, f"the body of {self.step} changes hyperparameter '{name}' while "
                        "the model trains; hyperparameters are frozen during training") from None

    def _fitted(self, fit: learners.Fit, k: int) -> None:
        self.model = Model(fit.weights[:, k], fit.intercept[k], self.version, self.step, self.hypers,
                           self.standardization, self.preparation)

    def _diverged(self, rows, hypers, fit: learners.Fit, k: int, every_candidate: bool = False) -> RunError:
        """HP301 for candidate k of `fit`: refused before training (its rate exceeds the
        full-batch stability limit) or stopped when its loss grew without bound."""
        epoch = int(fit.diverged_at[k])
        rate = hypers["learning_rate"]
        at = rate.at(epoch - 1) if isinstance(rate, v.Schedule) else rate
        rate_text = f"learning_rate {v.show(at)}" + (f" (the schedule {rate} at epoch {epoch})"
                                                     if isinstance(rate, v.Schedule) else "")
        shown = ", ".join(f"{name} {v.show(value)}" for name, value in hypers.items())
        standardize = "standardize the features ('standardize using train') so that one rate suits them all"
        either = f"; or {standardize}" if self.standardization is None else ""
        if fit.unstable[k]:
            stable = float(fit.limit[k])
            what = (f"every candidate of {self.step} would diverge; the first" if every_candidate
                    else f"{self.step} would diverge")
            if stable == 0.0:
                return fail("HP301", self.step.span, f"{what}: no learning rate is stable for full-batch gradient "
                            f"descent on these rows, whose features are too large for the loss's curvature to "
                            f"be a float64 number ({shown})", help=standardize)
            safe = v.show(float(f"{stable / 2:.2g}"))
            lower = (f"start the schedule lower, so that no epoch's rate exceeds {stable:.3g} (e.g. at {safe})"
                     if isinstance(rate, v.Schedule) else f"use a learning_rate below {stable:.3g}, e.g. {safe}")
            return fail("HP301", self.step.span, f"{what}: {rate_text} exceeds {stable:.3g}, the stability limit "
                        f"of full-batch gradient descent on these rows (2 / largest eigenvalue of the loss's "
                        f"Hessian), so the loss would grow from epoch {epoch} on ({shown})",
                        help=lower + either)
        stable = learners.stable_rate(rows, float(hypers["l2"]))
        bound = f"full-batch gradient descent is stable below {stable:.2g} (2 / largest eigenvalue of the loss's Hessian)"
        batch = hypers.get("batch_size")
        if batch is not None and batch < rows.n and at < stable:
            why = f"{rate_text} is too large for mini-batches of {batch} rows on this data ({bound})"
        else:
            why = f"{rate_text} is too large for this data: {bound}"
        what = (f"every candidate of {self.step} diverged; the first at epoch {epoch}" if every_candidate
                else f"{self.step} diverged at epoch {epoch}")
        return fail("HP301", self.step.span, f"{what}: the training loss grew without bound ({shown}); {why}",
                    help=f"lower learning_rate below {stable:.2g}" + either)

    def _no_winner(self, folds, fits: list[learners.Fit], trials: list, metric: str) -> RunError:
        """Why a tune has no candidate with a score: divergence (HP301), else numbers too
        large for float64 (HP302)."""
        for fold, fit in zip(folds, fits):
            diverged = np.flatnonzero(fit.diverged)
            if len(diverged):
                k = int(diverged[0])
                return self._diverged(fold.train, trials[k], fit, k, every_candidate=True)
        return self._numeric(f"no candidate of {self.step} has a finite {metric}")

    def _numeric(self, what: str, faint: tuple[int, ...] = ()) -> RunError:
        """HP302 for a result float64 cannot hold, naming the column of largest magnitude
        (and the `faint` features, by position, lost beside it)."""
        data = self.data
        magnitudes = [float(x) for x in self.engine.magnitudes]
        names = [*self.preparation.columns, data.target]  # the engine sums the model's columns
        column = int(np.argmax(magnitudes))
        name, largest = names[column], magnitudes[column]
        role = "the target" if column == len(names) - 1 else "feature"
        if ORDINARY[0] <= largest <= ORDINARY[1] and not faint:
            return fail("HP302", self.step.span, f"{what}, although every value is of ordinary size (the largest, "
                        f"{largest:.3g}, in column '{name}')",
                        help="this should not happen with finite data of this size: please report it as a bug "
                        "in hpdsl, with the workflow and the data")
        if faint:
            lost = ", ".join(f"'{data.features[j]}'" for j in faint[:5]) + (", ..." if len(faint) > 5 else "")
            return fail("HP302", self.step.span, f"{what}: feature column{'s' if len(faint) > 1 else ''} {lost} "
                        f"vanish beside {role} column '{name}', whose values reach {largest:.3g} in magnitude",
                        help="standardize the features ('standardize using train') so that they share one "
                        f"scale, or rescale column '{name}' before the run")
        return fail("HP302", self.step.span, f"{what}: {role} column '{name}' holds values up to {largest:.3g} "
                    "in magnitude, and float64 cannot carry the sums of squares this step needs",
                    help=f"rescale column '{name}' before the run (e.g. express it in larger units) so that "
                    "its values stay well within ±1e150" + ("" if role == "the target" else
                                                            ", or standardize the features"))

    def _finite(self, record: StepRecord) -> None:
        """A step's parameters and scores must be numbers: never report an overflowed fit."""
        model = self.model
        if model is not None and model.step is self.step and not (
                np.isfinite(model.weights).all() and np.isfinite(model.intercept)):
            raise self._numeric(f"the parameters fitted by {self.step} are not finite numbers")
        scores = list(record.extra.get("scores", {}).items())
        if "score" in record.extra:
            scores.append((record.extra["objective"]["metric"], record.extra["score"]))
        scores += [(f"{entry['metric']} logged at epoch {entry['epoch']}", entry["value"])
                   for entry in record.extra.get("log", [])]
        for metric, value in scores:
            if not np.isfinite(value):
                raise self._numeric(f"the {metric} of {self.step} is not a finite number")

    # ---- tune ----------------------------------------------------------------------------------------

    def visit_Tune(self, step: n.Tune, record: StepRecord) -> None:
        self.after_test()
        search = self._search(step)
        if step.cv is None:
            folds, fits, scores, winner = self._tune_holdout(step, search, record)
        elif step.outer is None:
            folds, fits, scores, winner = self._tune_cv(step, search, record)
        else:
            folds, fits, scores, winner = self._tune_nested(step, search, record)
        self._tune_record(step, search, folds, fits, scores, winner, record)

    def _search(self, step: n.Tune) -> _Search:
        """The tune's candidates, expanded and checked, with its objective."""
        for item in step.space:
            if item.name.name in PARAMETERS or item.name.name in self.scope.params:
                raise guard("HP102", item.name.span, f"{self.step} would choose learned parameter "
                            f"'{item.name.name}'; only training writes parameters")
        try:
            space = tune.Space(step, self.lookup)
            total = space.count()
            if total > self.options.max_trials:
                raise UsageError(format_line(
                    self.source.path,
                    f"the tune has {total:,} candidates, more than --max-trials {self.options.max_trials:,}; "
                    f"raise --max-trials to at least {total} or sample the space with 'using random N'",
                    self.step.line))
            candidates = space.candidates(self.scope.hypers)
        except v.EvalError as error:
            raise fail(error.code or "HP004", error.span, error.message, error.help) from None
        metric = step.objective.metric.name if step.objective else "mse"
        base = dict(self.hypers)
        hypers = [frozen({**base, **c}) for c in candidates]
        for h in hypers:
            self.check_schedule(h)
        return _Search(space, candidates, hypers, metric, self._tune_progress())

    def _winner(self, search: _Search, folds, scores, fits) -> int:
        """The best candidate; its values become the current hyperparameters."""
        winner = tune.best(tune.mean_scores(scores), search.lower)
        if winner is None:
            raise self._no_winner(folds, fits, search.hypers, search.metric)
        self.hypers.update(search.candidates[winner])
        self.version += 1
        return winner

    def _tune_holdout(self, step: n.Tune, search: _Search, record: StepRecord):
        """Candidates train on the current training rows (with the latest train's early
        stopping) and are scored on the tune's splits; the winner's own fit is the model."""
        scored = self.store.rows(self.refs(step.splits), self.step, "tune-score")
        monitor = None
        if self.stop_rule is not None:
            watched = self.store.rows(self.refs([self.stop_rule.split]), self.step, "early-stop")
            monitor = Monitor(watched.rows, self.stop_rule.metric.name, self._count(self.stop_rule.patience))
        names = self.training_rows or (self.scope.train_split,)
        training = self.store.rows([(name, None) for name in names], self.step, "fit")
        folds = [tune.Fold(training.rows, scored.rows)]
        scores, fits = tune.search(self.model_spec.name, search.hypers, folds, self.scope.param_inits,
                                   search.metric, monitor, search.progress)
        winner = self._winner(search, folds, scores, fits)
        # The refit is the winner's own fit: the same rows, hyperparameters and seed.
        self._fitted(fits[0], winner)
        self.training_rows = training.names
        record.extra["refit"] = {"splits": list(training.names), "epochs_run": _epochs(fits[0], winner)}
        record.extra["cv"] = None
        return folds, fits, scores, winner

    def _tune_cv(self, step: n.Tune, search: _Search, record: StepRecord):
        """K-fold cross-validation over the tune's splits (the pipeline rule refits a
        standardization inside each fold); the winner is refit on all those rows."""
        k = self._count(step.cv)
        block = self.store.rows(self.refs(step.splits), self.step, "cv")
        if block.rows.n < k:
            raise fail("HP302", step.cv.span, f"cv {k} needs at least {k} rows, but "
                       f"{' + '.join(block.names)} has {block.rows.n}")
        pipeline = self._pipeline(block.names)
        folds = self._prepared_folds(block, k, pipeline) or self.store.folds(
            block, k, pipeline, self.preparation.indicators)
        scores, fits = tune.search(self.model_spec.name, search.hypers, folds, self.scope.param_inits,
                                   search.metric, None, search.progress)
        winner = self._winner(search, folds, scores, fits)
        self._cv_refit(step, k, record)
        return folds, fits, scores, winner

    def _pipeline(self, names: tuple[str, ...]) -> bool:
        """Whether the standardization in effect saw these rows, so that each fold refits it."""
        scaling = self.standardization
        return scaling is not None and bool(set(scaling.splits) & set(names))

    def _cv_refit(self, step: n.Tune, k: int, record: StepRecord) -> None:
        """The winner (already the current hyperparameters) trained on all the
        cross-validated rows, as declared: the model, and the training rows from now on."""
        refit = self.store.rows(self.refs(step.splits), self.step, "fit")
        fit = self._refit(refit.rows)
        self.training_rows = refit.names
        record.extra["refit"] = {"splits": list(refit.names), "epochs_run": _epochs(fit)}
        record.extra["cv"] = k

    def _tune_nested(self, step: n.Tune, search: _Search, record: StepRecord):
        """Nested cross-validation (runtime/nested.py): every outer fold runs the whole cv K
        tune on its outer-training rows, refits its winner on them and scores it on the
        held-out fold; then the same tune on all the rows chooses the model, as `using cv K`."""
        k, m = self._count(step.cv), self._count(step.outer)
        block = self.store.rows(self.refs(step.splits), self.step, "cv")
        rows = block.rows.n
        if rows < m:
            raise fail("HP302", step.outer.span, f"nested in cv {m} needs at least {m} rows, but "
                       f"{' + '.join(block.names)} has {rows}")
        fewest = nested.fewest_training_rows(rows, m)
        if fewest < k:
            raise fail("HP302", step.cv.span, f"cv {k} inside each outer fold needs at least {k} rows, but "
                       f"the first of the {m} outer folds of {' + '.join(block.names)} ({rows} rows) leaves {fewest}",
                       help="use fewer folds, or cross-validate over more rows")
        pipeline = self._pipeline(block.names)
        plan = nested.Plan(rows, k, m)
        make = self._fold_maker(block, pipeline)
        folds = nested.PreparedFolds(make) if make is not None else nested.folds_of(
            self.store, block, plan, pipeline, self.preparation.indicators)
        per_search = len(search.hypers) * k
        total = per_search * (m + 1) + m
        outer = [self._assess(search, folds, plan, o, _offset(search.progress, o * (per_search + 1), total))
                 for o in range(m)]
        flat = folds.folds(plan.flat)
        scores, fits = tune.search(self.model_spec.name, search.hypers, flat, self.scope.param_inits,
                                   search.metric, None, _offset(search.progress, m * (per_search + 1), total))
        winner = self._winner(search, flat, scores, fits)
        self._cv_refit(step, k, record)
        values = np.array([fold["score"] for fold in outer])
        with np.errstate(all="ignore"):
            mean, std = float(values.mean()), float(values.std())  # std: population (ddof 0), as numpy's
        if not (np.isfinite(mean) and np.isfinite(std)):
            raise self._numeric(f"the mean {search.metric} over the outer folds of {self.step} is not a finite number")
        record.extra["nested"] = {"folds": m, "mean": mean, "std": std, "outer": outer}
        return flat, fits, scores, winner

    def _assess(self, search: _Search, folds: nested.Folds, plan: nested.Plan, o: int, progress) -> dict:
        """Outer fold o: the tune on its outer-training rows (their K inner folds), the
        winner refit on all of them and scored on the held-out fold."""
        model, inits, metric = self.model_spec.name, self.scope.param_inits, search.metric
        inner = folds.folds(plan.inner[o])
        scores, fits = tune.search(model, search.hypers, inner, inits, metric, None, progress)
        means = tune.mean_scores(scores)
        chosen = tune.best(means, search.lower)
        if chosen is None:
            raise self._no_winner(inner, fits, search.hypers, metric)
        assessed = folds.fold(*plan.outer[o])
        outer, refit = tune.search(model, [search.hypers[chosen]], [assessed], inits, metric)
        if refit[0].diverged[0]:
            raise self._diverged(assessed.train, search.hypers[chosen], refit[0], 0)
        value = float(outer[0, 0])
        if not np.isfinite(value):
            raise self._numeric(f"the {metric} of outer fold {o + 1} of {self.step} is not a finite number")
        if progress is not None:
            progress(len(search.hypers) * len(inner) + 1, None)  # the outer refit, after the inner search
        return {"rows": assessed.score.n, "training_rows": assessed.train.n,
                "best": dict(search.candidates[chosen]), "inner_score": float(means[chosen]), "score": value}

    def _tune_record(self, step: n.Tune, search: _Search, folds, fits, scores, winner: int,
                     record: StepRecord) -> None:
        """What every tune reports: its search, trials, winner and notes."""
        candidates = search.candidates
        means = tune.mean_scores(scores)
        record.extra.update(
            search="random" if search.space.random else "grid",
            objective={"direction": "minimize" if search.lower else "maximize", "metric": search.metric},
            trials=Trials(candidates, means, scores if step.cv is not None else None),
            best=dict(candidates[winner]),
            score=float(means[winner]),
            notes=tune.edge_notes(candidates, candidates[winner], self.scope.hypers),
        )
        if search.space.random:
            self.report.search_seeds.append({"line": self.step.line, "seed": search.space.seed})
        record.extra["selection"] = selection = optimism.summarize(
            folds, fits, scores, winner, search.metric, optimism.seed_of(self.scope.split_seed, self.step.line))
        self.report.warn(optimism.noise_warning(selection, step), self.step.line)

    def _tune_progress(self):
        """progress(done, total) for this tune's candidates, or None."""
        report = self.options.progress
        if report is None:
            return None
        label = f"tune line {self.step.line}"
        return lambda done, total: report(label, done, total)

    def _refit(self, rows) -> learners.Fit:
        """Fit the model with the current hyperparameters on `rows`, without early stopping."""
        hypers = frozen(self.hypers)
        if self.model_spec.iterative:
            fit = learners.gradient_descent(rows, [hypers], self.scope.param_inits)
            if fit.diverged[0]:
                raise self._diverged(rows, hypers, fit, 0)
        else:
            fit = learners.ridge(rows, [hypers])
        self._fitted(fit, 0)
        return fit

    # ---- evaluate and test -----------------------------------------------------------------------

    def require_model(self) -> Model:
        if self.model is None:
            raise guard("HP107", self.step.span, f"{self.step} scores a model, but nothing has been trained")
        if self.model.version != self.version:
            raise guard("HP108", self.step.span, f"{self.step} scores the model fitted by {self.model.step}, "
                        "but hyperparameters or the standardization changed after it was fitted")
        return self.model

    def _scores(self, model: Model, block, metrics) -> dict:
        """mse, rmse and r2 from the rows' statistics, mae from one pass over them."""
        chosen = [m.name for m in metrics] if metrics else list(ALL_METRICS)
        W, b = model.weights[:, None], np.array([model.intercept])
        return {m: float(score(block.rows, W, b, m)[0]) for m in chosen}

    def visit_Evaluate(self, step: n.Evaluate, record: StepRecord) -> None:
        model = self.require_model()
        block = self.store.rows(self.refs(step.splits), self.step, "evaluate")
        record.extra["scores"] = self._scores(model, block, step.metrics)

    def visit_Test(self, step: n.Test, record: StepRecord) -> None:
        if self.final_test is not None:
            raise guard("HP106", self.step.span, f"{self.step} is a second test; {self.final_test} was final")
        model = self.require_model()
        if self.options.ledger is not None:
            self.options.ledger.before_test(self, step)  # HP304/HP305, and the look is recorded
        block = self.store.rows(self.refs(step.splits), self.step, "test")
        self.final_test = self.step
        record.extra["scores"] = self._scores(model, block, step.metrics)


class _Search:
    """A tune's expanded search: its candidates (the tuned values), each candidate's full
    frozen hyperparameters, the objective, and the progress callback."""

    __slots__ = ("space", "candidates", "hypers", "metric", "lower", "progress")

    def __init__(self, space: tune.Space, candidates: list[dict], hypers: list, metric: str, progress) -> None:
        self.space = space
        self.candidates = candidates
        self.hypers = hypers
        self.metric = metric
        self.lower = lower_is_better(metric)
        self.progress = progress


def _offset(progress, start: int, total: int):
    """A progress(done, total) callback for one part of a longer search: the part's own
    total is ignored, and `done` is reported as start + done of the whole."""
    if progress is None:
        return None
    return lambda done, _: progress(start + done, total)


def _epochs(fit: learners.Fit, k: int = 0):
    return None if fit.epochs_run is None else int(fit.epochs_run[k])


def _prepared_columns(program: n.Program) -> tuple[frozenset[str], frozenset[str]]:
    """The columns the workflow imputes and those it encodes: the data reader keeps their
    missing cells (NaN) and their text."""
    imputed, encoded = set(), set()
    for step in program.steps:
        if isinstance(step, (n.Impute, n.Encode)):
            (imputed if isinstance(step, n.Impute) else encoded).update(n.column_name(c) for c in step.columns)
    return frozenset(imputed), frozenset(encoded)
