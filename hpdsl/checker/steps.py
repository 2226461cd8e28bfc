"""Steps -> names and values: HP002, HP003, HP004, HP005 in steps, HP101, HP102, HP202, HP204, HP208.

Walks the steps in order with the hyperparameters' current values, as the interpreter
will: a `set` is evaluated and checked against the declared and the model's domain, a
tune's candidates are expanded and counted, a train body is checked action by action.
Where a value depends on what a tune will choose, its check waits for run time.
"""

from __future__ import annotations

from .. import nodes as n
from ..diagnostics import Diagnostic, Related
from ..source import Source, Span
from ..suggest import did_you_mean
from . import values as v
from .models import ALL_HYPERS, METRICS, PARAMETERS
from .domains import ValueSet
from .scope import HyperInfo, Scope, check_schedule, check_value, unknown_hyper

LARGE_SEARCH = 10_000
IMPUTE_STRATEGIES = ("mean", "median", "constant")


def _known_features(scope: Scope) -> list[str] | None:
    """The feature columns known before any data is read, or None (a csv without `features:`)."""
    source = scope.source
    if source is None:
        return None
    if source.kind == "synthetic":
        return [f"x{i + 1}" for i in range(source.args["features"])]
    return source.args.get("features")


class StepChecker(n.Visitor):
    def __init__(self, scope: Scope, overrides=()) -> None:
        self.scope = scope
        self.out: list[Diagnostic] = []
        self.values = scope.starting_values()
        self.overrides = overrides
        self._source: Source | None = None  # set while checking a --set override
        self._overriding = ""  # the name that override sets
        self._checked_schedules: set = set()
        self._most_epochs = None  # the largest epochs the latest tune of epochs may choose
        self._prepared: dict[str, tuple[str, Span]] = {}  # column -> (impute or encode, where first named)

    # ---- reporting -------------------------------------------------------------------------------

    def report(self, code, span, message, help=None, related=()) -> None:
        self.out.append(Diagnostic(code, span, message, help=help, related=related, source=self._source))

    def report_eval(self, error: v.EvalError) -> None:
        if error.code is not None:
            self.report(error.code, error.span, error.message, error.help)

    # ---- names -----------------------------------------------------------------------------------

    def split(self, name: n.Name) -> str | None:
        if name.name in self.scope.splits:
            return name.name
        if self.scope.split is None:
            return None  # no split declaration at all: reported once, at the end of the file
        if self.scope.data is not None and name.name == self.scope.data.name.name:
            self.report("HP002", name.span, f"'{name.name}' is the data set, not a split",
                        help="name one of its splits: " + ", ".join(self.scope.splits))
            return None
        self.report("HP002", name.span, f"no split named '{name.name}'",
                    help=did_you_mean(name.name, self.scope.splits, name.span,
                                      "the splits are " + ", ".join(self.scope.splits) if self.scope.splits
                                      else "declare it in the split line"))
        return None

    def hyper(self, name: n.Name, doing: str) -> HyperInfo | None:
        """The declared hyperparameter `name` refers to, or a diagnostic and None."""
        model = self.scope.model
        key = name.name
        if key in self.scope.hypers:
            return self.scope.hypers[key]
        if key in PARAMETERS or key in self.scope.params:
            self.report("HP102", name.span, f"'{key}' is a learned parameter; it cannot be {doing}",
                        help="parameters are learned by train: tune a hyperparameter such as l2 or learning_rate instead")
            return None
        if model is None:
            return None  # the model is missing or unknown: already reported
        if key in model.hypers:
            if key in self.scope.names and self.scope.names[key][1] == "hyperparameter":
                return None  # declared, but its declaration is wrong: already reported
            self.report("HP002", name.span, f"hyperparameter '{key}' is not declared",
                        help=f"declare it in hyper {{ }}, e.g. '{key}: {model.hypers[key].type}'")
            return None
        if key in self.scope.splits or (self.scope.data is not None and key == self.scope.data.name.name):
            self.report("HP005", name.span, f"'{key}' is a {'split' if key in self.scope.splits else 'data set'}, "
                        "not a hyperparameter", help="its hyperparameters are " + ", ".join(model.hypers))
            return None
        message, help_text = unknown_hyper(key, model, name.span)
        self.report("HP005", name.span, message, help=help_text)
        return None

    def lookup(self, name: n.Name):
        """A name inside an expression: the current value of a declared hyperparameter."""
        key = name.name
        if key in PARAMETERS or key in self.scope.params:
            raise v.EvalError("HP102", name.span,
                              f"'{key}' is a learned parameter; a hyperparameter's value cannot depend on it",
                              help="hyperparameters are fixed before training, parameters are what training learns")
        if key == "inf" and key not in self.scope.hypers:
            raise v.EvalError("HP004", name.span, "inf is only allowed as an open end of an interval")
        if self._source is not None and key not in self.scope.hypers and key not in ALL_HYPERS:
            # On the command line a bare word is a value typed wrong, not a hyperparameter.
            spec = ALL_HYPERS.get(self._overriding)
            example = f"{self._overriding}=10" if spec and spec.type == "int" else f"{self._overriding}=0.1"
            raise v.EvalError("HP004", name.span, f"'{key}' is not a number",
                              help=f"--set takes a number or an arithmetic expression of numbers, e.g. --set {example}")
        if self.scope.model is None:
            raise v.EvalError(None, name.span)
        info = self.hyper(name, "used here")
        if info is None:
            raise v.EvalError(None, name.span)
        value = self.values.get(key)
        if value is v.UNKNOWN:
            raise v.EvalError(None, name.span)
        return value

    def metric(self, name: n.Name) -> str | None:
        if name.name in METRICS:
            return name.name
        self.report("HP005", name.span, f"unknown metric '{name.name}'",
                    help=did_you_mean(name.name, METRICS, name.span, "the metrics are mse, rmse, mae and r2"))
        return None

    def count(self, number: n.Number, what: str, least: int) -> int | None:
        try:
            value = v.integer(v.constant(number), number.span, what)
        except v.EvalError as error:
            self.report_eval(error)
            return None
        if value < least:
            self.report("HP004", number.span, f"{what} must be at least {least}, not {value}")
            return None
        return value

    # ---- the walk ---------------------------------------------------------------------------------

    def run(self, program: n.Program) -> list[Diagnostic]:
        self.apply_overrides()
        for step in program.steps:
            self.visit(step)
        return self.out

    def apply_overrides(self) -> None:
        for source, statement in self.overrides:
            self._source = source
            self._overriding = statement.name.name
            self.set(statement, override=True)
        self._source = None

    def set(self, step: n.Set, override: bool = False) -> None:
        info = self.hyper(step.name, "set")
        try:
            value = v.evaluate(step.value, self.lookup)
        except v.EvalError as error:
            self.report_eval(error)
            if info is not None:
                self.values[info.name] = v.UNKNOWN
            return
        if info is None:
            return
        try:
            value = check_value(value, info, step.value.span, info.name)
            if isinstance(value, v.Schedule):
                self._check_schedule(value, info)
        except v.EvalError as error:
            self.report_eval(error)
            value = v.UNKNOWN
        self.values[info.name] = value

    def visit_Set(self, step: n.Set) -> None:
        self.set(step)

    def visit_Standardize(self, step: n.Standardize) -> None:
        for name in step.splits:
            self.split(name)

    # ---- impute and encode ------------------------------------------------------------------------

    def visit_Impute(self, step: n.Impute) -> None:
        self._columns(step, "impute")
        for name in step.splits:
            self.split(name)
        self._strategy(step)

    def visit_Encode(self, step: n.Encode) -> None:
        self._columns(step, "encode")
        for name in step.splits:
            self.split(name)

    def _columns(self, step, verb: str) -> None:
        """Each column once per step, a feature of the data where the features are known
        before any data is read (a csv `features:` list, synthetic x1..xD), and never
        the target; a column is imputed (a number) or encoded (text), not both."""
        known = _known_features(self.scope)
        source = self.scope.source
        target = source.args.get("target") if source is not None and source.kind == "csv" else (
            "y" if source is not None else None)
        seen: set[str] = set()
        for column in step.columns:
            name = n.column_name(column)
            if name in seen:
                self.report("HP003", column.span, f"{verb} names column '{name}' twice",
                            help="name each column once")
                continue
            seen.add(name)
            if name == target:
                self.report("HP004", column.span, f"column '{name}' is the target; {verb} prepares feature columns",
                            help="the target is never imputed or encoded: leave it out, or drop the rows it lacks "
                            "from the file")
            elif known is not None and name not in known:
                self.report("HP002", column.span, f"no feature column named '{name}'",
                            help=did_you_mean(name, known, column.span, "the features are " + ", ".join(known),
                                              string=not isinstance(column, n.Name)))
            else:
                other = self._prepared.get(name)
                if other is not None and other[0] != verb:
                    self.report("HP004", column.span, f"column '{name}' is {other[0]}d elsewhere; a column is "
                                "imputed (numbers) or encoded (text), not both",
                                help=f"remove '{name}' from one of the two steps",
                                related=(Related(other[1], f"'{name}' is {other[0]}d here"),))
                else:
                    self._prepared.setdefault(name, (verb, column.span))

    def _strategy(self, step: n.Impute) -> None:
        if step.strategy is None:
            return
        name = step.strategy.name
        if name not in IMPUTE_STRATEGIES:
            self.report("HP005", step.strategy.span, f"unknown impute strategy '{name}'",
                        help=did_you_mean(name, IMPUTE_STRATEGIES, step.strategy.span,
                                          "write 'with mean', 'with median' or 'with constant VALUE'"))
        elif name == "constant" and step.value is None:
            self.report("HP004", step.strategy.span, "'with constant' needs the value to fill in",
                        help="e.g. 'with constant 0'")
        elif name != "constant" and step.value is not None:
            self.report("HP004", step.value.span, f"'with {name}' takes no value; the {name} is fitted on the rows",
                        help=f"remove the value, or write 'with constant {self._source_text(step.value)}'")
        elif step.value is not None:
            try:
                value = v.constant(step.value)
                if not isinstance(value, (int, float)) or value != value or value in (v.INF, -v.INF):
                    raise v.EvalError("HP004", step.value.span, "the constant to impute must be a finite number")
            except v.EvalError as error:
                self.report_eval(error)

    def _source_text(self, expr) -> str:
        return str(v.show(expr.value)) if isinstance(expr, n.Number) else "VALUE"

    def _check_schedule(self, schedule: v.Schedule, info: HyperInfo, epochs=None) -> None:
        """Every rate the schedule reaches lies in the domain. Rates are monotone, so the
        longest run decides: with a tuned `epochs`, its largest candidate."""
        tuned = epochs is not None or self.values.get("epochs") is v.TUNED
        if epochs is None:
            epochs = self._most_epochs if tuned else self.values.get("epochs")
        key = (schedule.span.start if schedule.span else None, epochs)
        if key in self._checked_schedules:
            return
        self._checked_schedules.add(key)
        if not isinstance(epochs, int):
            return  # unknown (its declaration or set is wrong, already reported)
        try:
            check_schedule(schedule, epochs, info, schedule.span or Span(0, 0))
        except v.EvalError as error:
            if tuned:
                error.message += f" (epochs = {epochs} is a tune candidate)"
                error.help = "change the schedule, or tune epochs over values it stays in the domain for"
            self.report_eval(error)

    def _schedule_in_use(self, epochs=None) -> None:
        rate = self.values.get("learning_rate")
        info = self.scope.hypers.get("learning_rate")
        if isinstance(rate, v.Schedule) and info is not None:
            self._check_schedule(rate, info, epochs)

    def visit_Train(self, step: n.Train) -> None:
        for name in step.splits:
            self.split(name)
        self._schedule_in_use()
        if step.body is None:
            return
        model = self.scope.model
        if model is None:
            return
        if not model.iterative:
            self.report("HP005", Span(step.body.span.start, step.body.span.start + 1),
                        f"{model.name} has no epochs, so its train step takes no body",
                        help="remove the { ... } block, or use model linear_regression")
            return
        stop_seen: n.StopEarly | None = None
        for entry in step.body.entries:
            if isinstance(entry, n.Every):
                self.count(entry.every, "the epoch interval", 1)
                self._action(entry.action)
            elif isinstance(entry, n.StopEarly):
                if stop_seen is not None:
                    self.report("HP003", entry.span, "a second early-stopping rule in one train step",
                                related=(Related(stop_seen.span, "the first one"),), help="keep one")
                stop_seen = stop_seen or entry
                self.metric(entry.metric)
                self.split(entry.split)
                self.count(entry.patience, "the patience", 1)
            else:
                self._action(entry)

    def _action(self, action) -> None:
        if isinstance(action, n.Log):
            self.metric(action.metric)
            self.split(action.split)
        elif isinstance(action, n.Set):
            key = action.name.name
            if key in PARAMETERS or key in self.scope.params:
                self.report("HP102", action.name.span, f"'{key}' is a learned parameter; training alone may change it",
                            help="remove this line: parameters are what train learns")
            elif key in ALL_HYPERS or key in self.scope.hypers:
                self.report("HP101", action.span, f"hyperparameter '{key}' is changed inside a train body",
                            help="hyperparameters are fixed while a model trains: for a changing learning rate "
                            "declare a schedule before training (set learning_rate = step(...)); "
                            "otherwise set it before the train step")
            else:
                self.hyper(action.name, "set")
        elif isinstance(action, n.UnknownAction):
            word = action.name.name
            if word == "log":
                help_text = "write 'every N epochs: log METRIC on SPLIT'"
            elif word in ALL_HYPERS or word in PARAMETERS:
                help_text = f"to change {word} write 'set {word} = ...' (which a train body does not allow)"
            else:
                help_text = did_you_mean(word, ("every", "stop", "log"), action.name.span,
                                         "a train body holds 'every N epochs: log METRIC on SPLIT' and "
                                         "'stop early when METRIC on SPLIT has not improved for N epochs'")
            self.report("HP005", action.name.span, f"unknown train-body action '{word}'", help=help_text)
        else:
            n.unhandled(self, action)

    def visit_Tune(self, step: n.Tune) -> None:
        tuned, most_epochs, counts, space_ok = self._tune_space(step)
        if step.cv is not None:
            self._tune_cv(step)
        for name in step.splits:
            self.split(name)
        self._objective(step.objective)
        self._search_size(step, counts, space_ok)
        if "seed" in tuned:
            item = next(item for item in step.space if item.name.name == "seed")
            self.report("HP208", item.span,
                        "this tune searches over seed: the winning seed is the luckiest initialisation "
                        "or batch order, and its validation score is selection on noise",
                        help="fix the seed with set (or leave the default), and to show how much it matters "
                             "run the workflow with several --set seed=N and report the spread")
        if "learning_rate" not in tuned:  # else the candidates train with their own rates
            self._schedule_in_use(most_epochs if "epochs" in tuned else None)
        if "epochs" in tuned:
            self._most_epochs = most_epochs
        for key in tuned:
            self.values[key] = v.TUNED

    def _tune_space(self, step: n.Tune):
        """Check each name and its candidates: the declared hyperparameters tuned, the
        largest epochs candidate (when all are valid), each name's candidate count (0 when
        unknown), and whether no name repeats."""
        random = isinstance(step.search, n.RandomSearch)
        seen: dict[str, n.SpaceItem] = {}
        counts: list[int] = []
        space_ok = True
        tuned: list[str] = []
        most_epochs = None
        for item in step.space:
            key = item.name.name
            if key in seen:
                self.report("HP003", item.name.span, f"'{key}' appears twice in one search space",
                            related=(Related(seen[key].name.span, "first here"),),
                            help="merge its candidates into one list")
                space_ok = False
                continue
            seen[key] = item
            info = self.hyper(item.name, "tuned")
            try:
                candidates = v.candidates(item.candidates, self.lookup)
            except v.EvalError as error:
                self.report_eval(error)
                counts.append(0)
                continue
            if candidates.distribution and not random:
                self.report("HP004", item.candidates.span,
                            f"{candidates.kind}() draws values at random; it needs 'using random N'",
                            help="add 'using random 20' to the tune, or use a list or linspace(...)")
            counts.append(candidates.count)
            if info is not None:
                if self._check_candidates(candidates, info, item) and info.name == "epochs":
                    most_epochs = int(max(v.candidate_extremes(candidates)))
                tuned.append(info.name)
        return tuned, most_epochs, counts, space_ok

    def _tune_cv(self, step: n.Tune) -> None:
        """A cross-validated tune's fold counts (inner and outer when nested)."""
        self.count(step.cv, "the number of folds", 2)
        if step.outer is not None:
            self.count(step.outer, "the number of outer folds", 2)

    def _objective(self, objective: n.Objective | None) -> None:
        if objective is None:
            return
        metric = self.metric(objective.metric)
        if metric is not None:
            lower = METRICS[metric]
            if lower != (objective.direction == "minimize"):
                right = "minimize" if lower else "maximize"
                self.report("HP004", objective.span,
                            f"{objective.direction} {metric}: {metric} is "
                            f"{'lower' if lower else 'higher'} when the model is better",
                            help=f"write '{right} {metric}'")

    def _search_size(self, step: n.Tune, counts: list[int], space_ok: bool) -> None:
        """The number of candidates: a single one (HP202) or very many (HP204)."""
        total = None
        if isinstance(step.search, n.RandomSearch):
            total = self.count(step.search.count, "the number of random candidates", 1)
            if step.search.seed is not None:
                self.count(step.search.seed, "the random search seed", 0)
        elif all(counts) and space_ok:
            total = 1
            for c in counts:
                total *= c
        if total == 1:
            self.report("HP202", step.span if not step.space else Span(step.space[0].span.start, step.space[-1].span.end),
                        "this search has a single candidate, so nothing is compared",
                        help="give it several candidates, or use set instead of tune")
        elif total is not None and total > LARGE_SEARCH:
            self.report("HP204", Span(step.space[0].span.start, step.space[-1].span.end),
                        f"this search has {total:,} candidates (more than {LARGE_SEARCH:,})",
                        help=f"run it with --max-trials {total}, or use 'using random N' to sample it")

    def _check_candidates(self, candidates: v.Candidates, info: HyperInfo, item: n.SpaceItem) -> bool:
        """Report candidates outside the hyperparameter's type or domains; True when every
        candidate is known and valid."""
        span = item.candidates.span
        if candidates.kind == "list":
            valid = True
            for value, node in zip(candidates.values, item.candidates.items):
                if value is v.TUNED:
                    valid = False
                    continue
                try:
                    check_value(value, info, node.span, f"candidate {info.name}")
                except v.EvalError as error:
                    self.report_eval(error)
                    valid = False
            return valid
        if info.type == "int" and candidates.kind in ("uniform", "loguniform"):
            self.report("HP004", span, f"{info.name} is an int, but {candidates.kind}() draws fractions",
                        help=f"use randint({v.show(candidates.low)}, {v.show(candidates.high)})")
            return False
        if info.type == "int" and not v.integral_sequence(candidates):
            self.report("HP004", span, f"{info.name} is an int, but {item.candidates.func.name}() gives fractions",
                        help="use range(a, b) or values that are whole numbers")
            return False
        for value in v.candidate_extremes(candidates):
            try:
                check_value(value, info, span, f"candidate {info.name}")
            except v.EvalError as error:
                self.report_eval(error)
                return False
        if isinstance(info.domain, ValueSet):
            return self._check_members(candidates, info, item)
        return True

    def _check_members(self, candidates: v.Candidates, info: HyperInfo, item: n.SpaceItem) -> bool:
        """Against a set domain every candidate must be a member, not only the two ends
        (docs/rules.md, how diagnostics combine); a continuous distribution only if it can give one value."""
        domain = info.domain
        call = f"{item.candidates.func.name}({v.show(candidates.low)}, {v.show(candidates.high)})"
        if candidates.kind in ("uniform", "loguniform"):
            if candidates.low == candidates.high:
                return True  # it can draw one value alone, a member (the ends were checked)
            self.report("HP004", item.candidates.span,
                        f"{call} draws any value between its ends, but {info.name} takes only the values {domain}",
                        help="list the members to try instead, e.g. 'tune "
                        f"{info.name} in [{', '.join(v.show(x) for x in domain.values)}] ...'")
            return False
        inside, value = v.first_outside(candidates, domain.values)
        if not inside:
            what = call if candidates.kind == "randint" else f"{item.candidates.func.name}(...)"
            self.report("HP004", item.candidates.span,
                        f"{what} gives {info.name} = {v.show(value)}, which is not in the declared domain {domain}",
                        help="every candidate must be a member of the set: list the members to try, e.g. "
                        f"[{', '.join(v.show(x) for x in domain.values)}]")
        return inside

    def visit_Evaluate(self, step: n.Evaluate) -> None:
        self._scored(step)

    def visit_Test(self, step: n.Test) -> None:
        self._scored(step)

    def _scored(self, step) -> None:
        for name in step.splits:
            self.split(name)
        for metric in step.metrics or ():
            self.metric(metric)


def values_at(scope: Scope, program: n.Program, step, *, after: bool = False, overrides=()) -> dict:
    """The hyperparameters' values just before `step` (just after it with `after`), as the
    checker knows them: numbers, schedules, None for full batch, TUNED where a tune will
    choose, UNKNOWN where a declaration or set is wrong. For the language server's hover."""
    checker = StepChecker(scope, overrides)
    checker.apply_overrides()
    for current in program.steps:
        if current is step and not after:
            break
        checker.visit(current)
        if current is step:
            break
    return dict(checker.values)

