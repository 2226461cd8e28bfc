"""The discipline of the experiment: HP103-HP110, HP210 and the warnings HP201, HP203, HP205-HP207.

Walks the steps in order, tracking what the interpreter will do with each split: which
rows the current model was fitted on, which rows selected hyperparameters, whether the
model is stale, and when the final test happened. A step that carries an error still
counts as doing what it says (a `train` with an undefined split still trains), so one
mistake gives one diagnostic and not a cascade.
"""

from __future__ import annotations

from .. import nodes as n
from ..diagnostics import Diagnostic, Related
from ..source import Source
from ..suggest import nearest
from .scope import Scope


# Steps that read the model's columns (fit on them, score with them).
READS_FEATURES = (n.Standardize, n.Train, n.Tune, n.Evaluate, n.Test)


class DisciplineChecker(n.Visitor):
    def __init__(self, scope: Scope, source: Source) -> None:
        self.scope = scope
        self.source = source
        self.out: list[Diagnostic] = []
        self.trained_by = None  # the latest train or tune
        self.stale_by = None  # the first set/standardize/impute/encode after it
        self.stale_reported = None
        self.training_rows: tuple[str, ...] | None = None  # rows the next tune trains on
        self.stop_early: n.StopEarly | None = None  # what the latest train's candidates inherit
        self.final_test: n.Test | None = None
        self.standardized: frozenset[str] = frozenset()
        # column -> (the splits its imputation or encoding in effect was fitted on, verb, the fix)
        self.prepared: dict[str, tuple[frozenset[str], str, str]] = {}
        self.columns_read = False  # a standardize, train, tune, evaluate or test has run
        self.seen: set[str] = set()  # fitted on, tune-scored, cross-validated over, early-stopped on
        self.read: set[str] = set()
        self.unresolved = False  # a split name that resembles none: HP205 cannot be judged
        self.trains = False
        # For each step, the declared splits whose rows it reads (what the interpreter's
        # audit records when the workflow runs).
        self.step_reads: list[tuple[object, tuple[str, ...]]] = []

    def report(self, code, span, message, help=None, related=()) -> None:
        self.out.append(Diagnostic(code, span, message, help=help, related=related))

    # ---- helpers -----------------------------------------------------------------------------------

    def names(self, refs) -> list[n.Name]:
        """The references that name declared splits (undefined ones are HP002 elsewhere).

        An undefined name still reads the split it was most likely meant to name, so a
        typo in `train on trian` does not also make 'train' an unused split (HP205).
        """
        out = []
        for ref in refs:
            if ref.name in self.scope.splits:
                out.append(ref)
            else:
                guess = nearest(ref.name, self.scope.splits)
                if guess is None:
                    self.unresolved = True
                else:
                    self.read.add(guess)
        return out

    def reads(self, step, names) -> None:
        """Record that `step` reads the rows of `names` (declared splits, in order, once each)."""
        self.step_reads.append((step, tuple(dict.fromkeys(s for s in names if s in self.scope.splits))))

    def test_refs(self, refs) -> list[n.Name]:
        return [r for r in self.names(refs) if self.scope.role_of(r.name) == "test"]

    def after_test(self, step, what: str) -> bool:
        """HP106 for a change after the final test; True when reported."""
        if self.final_test is not None:
            self.report("HP106", n.keyword_span(step), f"{what} after the final test",
                        help="the test score is final: move this step before the test, or start a new workflow",
                        related=(Related(self.final_test.span, "the final test"),))
            return True
        return False

    def made_stale(self, step) -> None:
        if self.trained_by is not None and self.stale_by is None:
            self.stale_by = step

    def trained(self, step) -> None:
        self.trained_by = step
        self.stale_by = None
        self.trains = True

    def score_model(self, step, verb: str) -> None:
        if self.trained_by is None:
            self.report("HP107", n.keyword_span(step), f"{verb} runs before any train or tune, so there is no model to score",
                        help="train the model first: 'train on train'")
        elif self.stale_by is not None and self.stale_by is not self.stale_reported:
            self.stale_reported = self.stale_by  # one stale model, one diagnostic
            changed = {n.Set: "a set", n.Impute: "an impute", n.Encode: "an encode"}.get(
                type(self.stale_by), "a standardize")
            self.report("HP108", n.keyword_span(step),
                        f"{verb} scores a model trained before {changed} at line {self._line(self.stale_by)}",
                        help="train again after changing hyperparameters or preprocessing, then score",
                        related=(Related(self.stale_by.span, "changed here, after the model was trained"),))

    def _line(self, node) -> int:
        return self.source.location(node.span.start)[0]

    # ---- steps ---------------------------------------------------------------------------------------

    def run(self, program: n.Program) -> list[Diagnostic]:
        for step in program.steps:
            self.visit(step)
            self.columns_read = self.columns_read or isinstance(step, READS_FEATURES)
        self.finish(program)
        self.encoded_too_late(program)
        return self.out

    def encoded_too_late(self, program: n.Program) -> None:
        """HP210: a step that reads the features while a column it will encode is still
        text (its first encode comes later). Once per column, at the first such step."""
        first: dict[str, n.Encode] = {}
        for step in program.steps:
            if isinstance(step, n.Encode):
                for column in step.columns:
                    first.setdefault(n.column_name(column), step)
        done: set[str] = set()
        for step in program.steps:
            if isinstance(step, n.Encode):
                done.update(n.column_name(c) for c in step.columns)
            elif isinstance(step, READS_FEATURES):
                for column, encode in first.items():
                    if column not in done:
                        done.add(column)
                        self.report("HP210", n.keyword_span(step),
                                    f"{n.keyword(step)} reads the features, but column '{column}' is text until "
                                    f"its encode at line {self._line(encode)}",
                                    help=f"move the encode of '{column}' before this step",
                                    related=(Related(encode.span, "encoded here, later"),))

    def visit_Set(self, step: n.Set) -> None:
        self.reads(step, ())
        late = self.after_test(step, f"'set {step.name.name}'")
        model = self.scope.model
        # Only a hyperparameter the model has can change how it was trained; a `set` of a
        # parameter (HP102) or of a name the model lacks (HP005) is its own mistake, and so
        # is a change after the final test (HP106, not also HP108 at a later evaluation).
        if not late and (model is None or step.name.name in model.hypers):
            self.made_stale(step)

    def visit_Standardize(self, step: n.Standardize) -> None:
        late = self.after_test(step, "standardize")
        refs = self.names(step.splits)
        self.read.update(r.name for r in refs)
        tests = self.test_refs(step.splits)
        if tests:
            self.report("HP109", tests[0].span,
                        f"standardize is fitted on split '{tests[0].name}', which has role test",
                        help="fit the standardization on the training rows only: 'standardize using train'")
        self.standardized = frozenset(r.name for r in refs)
        if not late:
            self.made_stale(step)
        self.reads(step, [r.name for r in refs])

    def visit_Impute(self, step: n.Impute) -> None:
        self._fitted_step(step, "impute", "the imputation", "impute " + _columns(step.columns) + " using train")

    def visit_Encode(self, step: n.Encode) -> None:
        self._fitted_step(step, "encode", "the encoding", "encode " + _columns(step.columns) + " using train")

    def _fitted_step(self, step, verb: str, what: str, instead: str) -> None:
        """impute and encode, like standardize, learn from the rows they name: HP109 on test
        rows, HP108 for a model trained before them, HP106 after the final test; the rows
        stay in effect (for HP207) until a later step refits the same column."""
        late = self.after_test(step, verb)
        refs = self.names(step.splits)
        self.read.update(r.name for r in refs)
        tests = self.test_refs(step.splits)
        if tests:
            self.report("HP109", tests[0].span,
                        f"{verb} is fitted on split '{tests[0].name}', which has role test",
                        help=f"fit {what} on the training rows only: '{instead}'")
        # A first encode after a step read the columns is HP210 (encoded_too_late), and not
        # also HP108 at a later evaluation: one mistake, one diagnostic.
        too_late = verb == "encode" and self.columns_read and any(
            n.column_name(c) not in self.prepared for c in step.columns)
        for column in step.columns:
            self.prepared[n.column_name(column)] = (frozenset(r.name for r in refs), verb, instead)
        if not late and not too_late:
            self.made_stale(step)
        self.reads(step, [r.name for r in refs])

    def visit_Train(self, step: n.Train) -> None:
        self.after_test(step, "train")
        refs = self.names(step.splits)
        self.read.update(r.name for r in refs)
        self.seen.update(r.name for r in refs)
        iterative = self.scope.model is None or self.scope.model.iterative
        stop = None
        logs: list[n.Log] = []
        if step.body is not None:
            for entry in step.body.entries:
                action = entry.action if isinstance(entry, n.Every) else entry
                if isinstance(entry, n.StopEarly) and stop is None:
                    stop = entry
                if isinstance(action, n.Log):
                    logs.append(action)
        body_splits = [stop.split] if stop else []
        body_splits += [log.split for log in logs]
        self.read.update(r.name for r in self.names(body_splits))
        if not iterative:
            stop, logs = None, []  # a ridge body is one HP005; its actions do nothing
        if stop is not None and stop.split.name in self.scope.splits:
            self.seen.add(stop.split.name)
        test_stop = stop is not None and self.test_refs([stop.split])
        test_train = self.test_refs(step.splits)
        test_logs = [log for log in logs if self.test_refs([log.split])]
        if test_stop:
            self.report("HP103", stop.split.span,
                        f"early stopping watches split '{stop.split.name}', which has role test",
                        help="stop early on a validation split: 'stop early when mse on validation ...'")
        elif test_train:
            self.report("HP104", test_train[0].span,
                        f"train fits the model on split '{test_train[0].name}', which has role test",
                        help="train on the training rows only: 'train on train'")
        elif test_logs:
            self.report("HP105", test_logs[0].split.span,
                        f"the train body logs a metric on split '{test_logs[0].split.name}', which has role test",
                        help="log on a validation split: 'log mse on validation'")
        self.training_rows = tuple(r.name for r in refs)
        self.stop_early = stop
        self.trained(step)
        self.reads(step, ([stop.split.name] if stop else []) + [r.name for r in refs] + [log.split.name for log in logs])

    def visit_Tune(self, step: n.Tune) -> None:
        self.after_test(step, "tune")
        refs = self.names(step.splits)
        self.read.update(r.name for r in refs)
        self.seen.update(r.name for r in refs)
        tests = self.test_refs(step.splits)
        if step.cv is not None:
            if tests:
                self.report("HP103", tests[0].span,
                            f"tune cross-validates over split '{tests[0].name}', which has role test",
                            help="cross-validate over training and validation rows: 'using cv 5 on train + validation'")
            self.training_rows = tuple(r.name for r in refs)
            self.reads(step, [r.name for r in refs])
        else:
            training = self.training_rows
            if training is None:
                training = (self.scope.train_split,) if self.scope.train_split else ()
            self.read.update(training)
            self.seen.update(training)
            if self.stop_early is not None and self.stop_early.split.name in self.scope.splits:
                self.read.add(self.stop_early.split.name)
                self.seen.add(self.stop_early.split.name)
            stop = [self.stop_early.split.name] if self.stop_early is not None else []
            self.reads(step, [r.name for r in refs] + stop + list(training))
            if tests:
                self.report("HP103", tests[0].span,
                            f"tune scores candidates on split '{tests[0].name}', which has role test",
                            help="score candidates on a validation split, e.g. 'on validation'")
            scored = [r for r in refs if self.scope.role_of(r.name) != "test"]
            overlap = [r for r in scored if r.name in training]
            if overlap:
                self.report("HP201", overlap[0].span,
                            f"tune scores candidates on split '{overlap[0].name}', the rows they are trained on",
                            help="score on held-out rows, e.g. 'on validation'")
            # Independent of HP201 (docs/rules.md, how diagnostics combine): the standardization in effect
            # saw the scored rows, whatever rows the candidates train on.
            leaked = [r for r in scored if r.name in self.standardized]
            if leaked:
                self.report("HP207", leaked[0].span,
                            f"tune scores on split '{leaked[0].name}', whose rows the standardization was fitted on",
                            help="fit the standardization on the training rows only: 'standardize using train'")
            else:
                self._prepared_leak(scored)
        self.trained(step)

    def _prepared_leak(self, scored) -> None:
        """HP207 for an imputation or encoding in effect that was fitted on the scored rows
        (one diagnostic per tune: the first scored split, the first column in step order)."""
        for ref in scored:
            for column, (splits, verb, instead) in self.prepared.items():
                if ref.name in splits:
                    self.report("HP207", ref.span,
                                f"tune scores on split '{ref.name}', whose rows the {verb} of column '{column}' "
                                "was fitted on", help=f"fit it on the training rows only: '{instead}'")
                    return

    def visit_Evaluate(self, step: n.Evaluate) -> None:
        refs = self.names(step.splits)
        self.read.update(r.name for r in refs)
        self.reads(step, [r.name for r in refs])
        self.score_model(step, "evaluate")
        tests = self.test_refs(step.splits)
        if tests:
            self.report("HP105", tests[0].span,
                        f"evaluate reads split '{tests[0].name}', which has role test; only the final test may",
                        help="evaluate on a validation split, e.g. 'evaluate on validation'")

    def visit_Test(self, step: n.Test) -> None:
        refs = self.names(step.splits)
        self.read.update(r.name for r in refs)
        self.reads(step, [r.name for r in refs])
        if self.final_test is not None:
            self.report("HP106", n.keyword_span(step), "a second test; the first test is the final one",
                        help="score other splits with evaluate, and test once",
                        related=(Related(self.final_test.span, "the final test"),))
            return
        self.final_test = step
        self.score_model(step, "test")
        for ref in refs:
            role = self.scope.role_of(ref.name)
            if role == "test" or role is None:
                continue
            if ref.name in self.seen:
                self.report("HP110", ref.span,
                            f"the final test scores split '{ref.name}' (role {role}), whose rows already "
                            "trained or selected the model",
                            help="test on the test split, which nothing else has read")
            else:
                self.report("HP206", ref.span, f"the final test scores split '{ref.name}', whose role is {role}",
                            help="give the split 'as test', or test on the test split")

    # ---- the whole file --------------------------------------------------------------------------------

    def finish(self, program: n.Program) -> None:
        # A nested tune's outer folds measure the procedure that made the final model, on
        # rows its every choice left out: the honest number a test would give (docs/steps.md).
        assessed = isinstance(self.trained_by, n.Tune) and self.trained_by.outer is not None and self.stale_by is None
        if self.trains and self.final_test is None and not assessed:
            last = [s for s in program.steps if isinstance(s, (n.Train, n.Tune))][-1]
            self.report("HP203", n.keyword_span(last), "the workflow trains but never runs a final test",
                        help="end with 'test on test' to measure the chosen model once on unseen rows")
        for info in self.scope.splits.values() if not self.unresolved else ():
            if info.role in ("train", "validation") and info.name not in self.read:
                self.report("HP205", info.entry.name.span, f"split '{info.name}' (role {info.role}) is never read",
                            help="use it (e.g. 'evaluate on " + info.name + "') or remove it and give its rows "
                            "to another split")


def _columns(columns) -> str:
    """Columns as a step writes them, for a help's suggested step."""
    return ", ".join(c.name if isinstance(c, n.Name) else
                     c.text or '"' + c.value.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in columns)
