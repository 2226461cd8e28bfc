"""The steps of a generated workflow, and the shadow discipline state that keeps them valid.

`State` is what the checker will know after each step (values, what each split went
through), advanced by `track` as the checker's discipline pass does, but written here
independently of the checker. Step makers draw a step that is valid in the current state
and append it with `add`.

To add a step kind: a maker `(w, state)` in `STEPS` (with its weight among the free steps
and when it may be drawn) and a tracker `(w, state, step, value)` in `TRACKERS`.
"""

from __future__ import annotations

from hypothesis import strategies as st

from .. import nodes as n
from . import _tree as tree
from ._candidates import candidates
from ._domains import MAX_EPOCHS, METRICS, TUNED, conform


class State:
    """What the checker will know after each step: values, and what each split went through."""

    __slots__ = ("values", "trained", "stale", "training", "standardized", "stop", "read", "seen", "prepared",
                 "columns_read")

    def __init__(self, values) -> None:
        self.values = dict(values)  # declared hyperparameter -> number | None | Schedule | TUNED
        self.trained = False
        self.stale = False
        self.training: tuple[str, ...] | None = None  # rows the next hold-out tune trains on
        self.standardized: frozenset[str] = frozenset()
        self.stop: str | None = None  # the split the latest train stops early on
        self.read: set[str] = set()
        self.seen: set[str] = set()  # fitted on, tune-scored, cross-validated over, early-stopped on
        # column -> the splits its impute or encode in effect was fitted on (HP207)
        self.prepared: dict[str, frozenset[str]] = {}
        self.columns_read = False  # a step has read the model's columns: an encode now is HP210

    def copy(self) -> State:
        other = State(self.values)
        other.trained, other.stale, other.training = self.trained, self.stale, self.training
        other.standardized, other.stop = self.standardized, self.stop
        other.read, other.seen = set(self.read), set(self.seen)
        other.prepared, other.columns_read = dict(self.prepared), self.columns_read
        return other

    def env(self) -> dict:
        """Hyperparameters an expression may name: those with a number for a value."""
        return {h: v for h, v in self.values.items() if conform("float", v) is not None}


def _track_set(w, state: State, step: n.Set, value) -> None:
    state.values[step.name.name] = value
    state.stale = state.stale or state.trained


def _track_standardize(w, state: State, step: n.Standardize, value) -> None:
    names = [s.name for s in step.splits]
    state.columns_read = True
    state.read.update(names)
    state.standardized = frozenset(names)
    state.stale = state.stale or state.trained


def _track_prepare(w, state: State, step, value) -> None:
    """impute and encode: fitted on their splits, for their columns; a model trained before
    them is stale."""
    names = frozenset(s.name for s in step.splits)
    state.read.update(names)
    for column in step.columns:
        state.prepared[n.column_name(column)] = names
    state.stale = state.stale or state.trained


def _track_train(w, state: State, step: n.Train, value) -> None:
    state.columns_read = True
    names = tuple(s.name for s in step.splits)
    state.read.update(names)
    state.seen.update(names)
    stop = None
    if step.body is not None:
        for entry in step.body.entries:
            if isinstance(entry, n.StopEarly):
                stop = stop or entry.split.name
                state.read.add(entry.split.name)
            elif isinstance(entry, n.Every) and isinstance(entry.action, n.Log):
                state.read.add(entry.action.split.name)
    if stop is not None:
        state.seen.add(stop)
    state.training, state.stop = names, stop
    state.trained, state.stale = True, False


def _track_tune(w, state: State, step: n.Tune, value) -> None:
    state.columns_read = True
    names = tuple(s.name for s in step.splits)
    state.read.update(names)
    state.seen.update(names)
    if step.cv is not None:
        state.training = names
    else:
        training = state.training if state.training is not None else (w.train,)
        extra = training + ((state.stop,) if state.stop else ())
        state.read.update(extra)
        state.seen.update(extra)
    for item in step.space:
        state.values[item.name.name] = TUNED
    state.trained, state.stale = True, False


def _track_scoring(w, state: State, step, value) -> None:
    state.columns_read = True
    state.read.update(s.name for s in step.splits)


# step type -> how it changes the state
TRACKERS = {
    n.Set: _track_set,
    n.Standardize: _track_standardize,
    n.Impute: _track_prepare,
    n.Encode: _track_prepare,
    n.Train: _track_train,
    n.Tune: _track_tune,
    n.Evaluate: _track_scoring,
    n.Test: _track_scoring,
}


def track(w, state: State, step, value=None) -> None:
    """Advance `state` over `step` as the checker's discipline pass does."""
    TRACKERS[type(step)](w, state, step, value)


def add(w, state: State, step, value=None) -> None:
    """Append `step`, remembering the state before it, and advance the state."""
    w.states.append(state.copy())
    w.steps.append(step)
    track(w, state, step, value)


def make_steps(w) -> None:
    """Draw the steps of `w` after its declarations: a few free steps, then (when it trains)
    the final test and the evaluates after it, then a read of every split still unread."""
    state = State(w.initial)
    w.trains = w.test is not None and ("trains" in w.require or w.flip(0.9))
    for _ in range(w.draw(st.integers(0, 5))):
        kinds = [kind for kind, (_, weight, when) in STEPS.items() if when(w, state) for _ in range(weight)]
        STEPS[w.pick(kinds)][0](w, state)
    if w.trains:
        if "train_step" in w.require and not any(isinstance(s, n.Train) for s in w.steps):
            _train(w, state)
        if "tune" in w.require and not any(isinstance(s, n.Tune) for s in w.steps):
            _tune(w, state)
        if not state.trained or state.stale:
            STEPS[w.pick(["train", "tune"])][0](w, state)
        w.final = len(w.steps)
        add(w, state, n.Test(span=tree.AT, splits=tree.names([w.test]), metrics=_report(w)))
        for _ in range(w.draw(st.integers(0, 2))):
            _evaluate(w, state)
    unread = [s for s in w.nontest if s not in state.read]
    if unread:
        unread = w.shuffled(unread)
        if w.trains:
            add(w, state, n.Evaluate(span=tree.AT, splits=tree.names(unread), metrics=_report(w)))
        else:
            add(w, state, n.Standardize(span=tree.AT, splits=tree.names(unread)))
    w.end = state


def _report(w):
    if w.flip(0.5):
        return None
    return tree.names(w.subset(METRICS, 1))


def _set(w, state: State) -> None:
    h = w.pick(w.hypers)
    if h == "learning_rate" and w.flip(0.25):
        expr, value = w.schedule()
    else:
        expr, value = w.value_expr(h, state.env())
    add(w, state, n.Set(span=tree.AT, name=tree.name(h), value=expr), value)


def _standardize(w, state: State) -> None:
    add(w, state, n.Standardize(span=tree.AT, splits=tree.names(w.subset(w.nontest, 1, 3))))


def _train(w, state: State) -> None:
    others = [s for s in w.nontest if s != w.train]
    splits = [w.train] + (w.subset(others, 0, 1) if w.flip(0.3) else [])
    splits = w.shuffled(splits)
    body = None
    if w.model == "linear_regression" and w.flip(0.4):
        entries = [
            n.Every(span=tree.AT, every=tree.count(w.draw(st.integers(1, MAX_EPOCHS))),
                    action=n.Log(span=tree.AT, metric=tree.name(w.pick(METRICS)), split=tree.name(w.pick(w.nontest))))
            for _ in range(w.draw(st.integers(0, 2)))
        ]
        if w.flip(0.6):
            stop = n.StopEarly(span=tree.AT, metric=tree.name(w.pick(METRICS)), split=tree.name(w.pick(w.nontest)),
                               patience=tree.count(w.draw(st.integers(1, 20))))
            entries.insert(w.draw(st.integers(0, len(entries))), stop)
        body = n.Body(span=tree.AT, entries=tuple(entries))
    add(w, state, n.Train(span=tree.AT, splits=tree.names(splits), body=body))


def held_out(w, state: State) -> list[str]:
    """Splits a hold-out tune may score on: no test rows (HP103), not the rows its
    candidates train on (HP201), none a standardization, imputation or encoding in
    effect was fitted on (HP207)."""
    training = state.training if state.training is not None else (w.train,)
    prepared = set().union(*state.prepared.values())
    return [s for s in w.nontest if s not in training and s not in state.standardized and s not in prepared]


def _impute(w, state: State) -> None:
    add(w, state, impute(w, w.subset(w.nontest, 1, 2)))


def free_columns(w, verb: str) -> list[str]:
    """The feature columns `verb` (impute or encode) may name: a column is one or the other.
    A workflow that must keep a column unprepared (for HP210) never names its last one."""
    kept = w.features[-1:] if "unprepared" in w.require else []
    return [c for c in w.features if w.prepared_as.get(c, verb) == verb and c not in kept]


def impute(w, splits, columns=None) -> n.Impute:
    """An impute of 1-2 feature columns on `splits`, with a strategy or the default."""
    free = free_columns(w, "impute")
    columns = columns or w.subset(free, 1, min(2, len(free)))
    w.prepared_as.update((c, "impute") for c in columns)
    strategy = value = None
    kind = w.pick([None, "mean", "median", "constant"])
    if kind is not None:
        strategy = tree.name(kind)
        if kind == "constant":
            value = tree.number(w.pick([0, -1, 2.5, 100]))
    return n.Impute(span=tree.AT, columns=tree.columns(columns), splits=tree.names(splits), strategy=strategy,
                    value=value)


def _encode(w, state: State) -> None:
    add(w, state, encode(w, w.subset(w.nontest, 1, 2)))


def encode(w, splits, columns=None) -> n.Encode:
    """An encode of one feature column on `splits`."""
    columns = columns or [w.pick(free_columns(w, "encode"))]
    w.prepared_as.update((c, "encode") for c in columns)
    return n.Encode(span=tree.AT, columns=tree.columns(columns), splits=tree.names(splits))


def _tune(w, state: State) -> None:
    held = held_out(w, state)
    if held and w.flip(0.6):
        cv, splits = None, w.subset(held, 1, 2)
    else:
        cv, splits = tree.count(w.draw(st.integers(2, 3))), w.subset(w.nontest, 1, 2)
    # Nested cross-validation reads the same rows as its cv tune: valid wherever that is.
    outer = tree.count(w.draw(st.integers(2, 3))) if cv is not None and w.flip(0.3) else None
    add(w, state, tune(w, splits, cv, outer=outer))


def tune(w, splits, cv=None, *, total: int | None = None, draws: int | None = None,
         outer: n.Number | None = None) -> n.Tune:
    """A tune over 1-2 declared hyperparameters: a grid of `total` candidates (2-6 by
    default) or, when `draws` is given or by chance, a random search; `outer` nests its
    cv in that many outer folds."""
    names = w.subset([h for h in w.hypers if h != "seed"], 1, 2)  # tuning seed is HP208
    random = draws is not None or (total is None and w.flip(0.35))
    if random:
        space = [candidates(w, h, random=True) for h in names]
        search = n.RandomSearch(span=tree.AT, count=tree.count(draws or w.draw(st.integers(2, 4))),
                                seed=tree.count(w.draw(st.integers(0, 100))) if w.flip() else None)
    else:
        total = total or w.draw(st.integers(2, 6))
        if len(names) == 2:
            divisors = [d for d in range(1, total + 1) if total % d == 0]
            first = w.pick(divisors)
            sizes = [first, total // first]
        else:
            sizes = [total]
        space = [candidates(w, h, count=size) for h, size in zip(names, sizes)]
        search = n.Grid(span=tree.AT) if w.flip(0.3) else None
    objective = None
    if w.flip(0.5):
        metric = w.pick(METRICS)
        objective = n.Objective(span=tree.AT, direction=METRICS[metric], metric=tree.name(metric))
    items = tuple(n.SpaceItem(span=tree.AT, name=tree.name(h), candidates=c) for h, c in zip(names, space))
    return n.Tune(span=tree.AT, space=items, cv=cv, splits=tree.names(splits), objective=objective, search=search,
                  outer=outer)


def _evaluate(w, state: State) -> None:
    add(w, state, n.Evaluate(span=tree.AT, splits=tree.names(w.subset(w.nontest, 1, 2)), metrics=_report(w)))


def _always(w, state: State) -> bool:
    return True


def _when_training(w, state: State) -> bool:
    return w.trains


def _when_trained(w, state: State) -> bool:
    return state.trained and not state.stale


def _before_columns_read(w, state: State) -> bool:
    # Before any step reads the model's columns (after, a first encode is HP210).
    return not state.columns_read and bool(free_columns(w, "encode"))


def _imputable(w, state: State) -> bool:
    return bool(free_columns(w, "impute"))


# The free steps: kind -> (maker, weight among the kinds drawn from, when it may be drawn).
STEPS = {
    "set": (_set, 1, _always),
    "standardize": (_standardize, 1, _always),
    "impute": (_impute, 1, _imputable),
    "encode": (_encode, 1, _before_columns_read),
    "train": (_train, 2, _when_training),
    "tune": (_tune, 2, _when_training),
    "evaluate": (_evaluate, 1, _when_trained),
}
