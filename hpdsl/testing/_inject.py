"""Mistake injections: for each rule code, the ways to put exactly that one mistake into a
finished valid workflow, each with the condition under which it applies.

To make a new code injectable: an entry in `INJECTIONS` (label -> (applies, edit)), and in
`REQUIRES` whatever the workflow must have for a variant to apply.
"""

from __future__ import annotations

from hypothesis import strategies as st

from .. import nodes as n
from ..checker.steps import LARGE_SEARCH
from . import _tree as tree
from ._candidates import candidates
from ._domains import INF, METRICS, MODEL_HYPERS, MODELS, PARAMS, SPECS
from ._steps import encode, free_columns, impute, tune
from ._workflow import Workflow

# What the workflow must have before a mistake can be put into it.
REQUIRES = {
    "HP101": {"trains", "train_step", "lr"},
    "HP109": {"test_split"},
    **{code: {"trains"} for code in ("HP103", "HP104", "HP105", "HP106", "HP108", "HP110",
                                      "HP201", "HP202", "HP203", "HP204", "HP206", "HP207")},
    "HP208": {"trains", "seed"},
    "HP210": {"trains", "unprepared"},
}


def variants(w: Workflow, code: str) -> dict:
    """The ways to make mistake `code` in this workflow: label -> edit."""
    return {label: edit for label, (applies, edit) in INJECTIONS[code].items() if applies(w)}


def _always(w) -> bool:
    return True


def _trains(w) -> bool:
    return w.final is not None


def _lr_trains(w) -> bool:
    return w.model == "linear_regression" and bool(w.find_steps(n.Train))


def _synthetic(w) -> bool:
    return w.data_kind == "synthetic"


def _tunes(w) -> bool:
    return bool(w.find_steps(n.Tune))


def _set_at_start(w: Workflow, h: str, value) -> None:
    w.insert(0, n.Set(span=tree.AT, name=tree.name(h), value=value))


# HP002 undefined-name


def _no_data(w):
    w.decls.remove(w.decl(n.Data))


def _missing_argument(w):
    data = w.decl(n.Data)
    args = list(data.source.args)
    if w.data_kind == "csv":
        args = [a for a in args if a.name is None or a.name.name != "target"]
    else:
        del args[w.draw(st.integers(0, len(args) - 1))]
    w.replace_decl(data, n.replace(data, source=n.replace(data.source, args=tuple(args))))


def _split_of_unknown_data(w):
    split = w.decl(n.Split)
    w.replace_decl(split, n.replace(split, data=tree.name(w.fresh(("dataset", "rowz")))))


def _default_names_undeclared(w):
    entries = w.hyper_entries()
    i = w.draw(st.integers(0, len(entries) - 1))
    above = {e.name.name for e in entries[:i]}
    ref = w.pick([h for h in MODEL_HYPERS[w.model] if h not in above])
    w.set_hyper_entry(i, n.replace(entries[i], default=tree.name(ref)))


def _set_undeclared(w):
    h = w.pick([h for h in MODEL_HYPERS[w.model] if h not in w.hypers])
    _set_at_start(w, h, tree.number(w.draw(st.integers(0, 5))))


def _evaluate_unknown_split(w):
    w.insert(len(w.steps), n.Evaluate(span=tree.AT, splits=tree.names([w.fresh(("holdout_2", "validaton", "nowhere"))])))


def _train_on_typo(w):
    i = w.pick(w.find_steps(n.Train, lambda s: any(x.name == w.train for x in s.splits)))
    typo = w.fresh((w.train + "s", w.train + "_", "x" + w.train))
    named_elsewhere = any(any(x.name == w.train for x in getattr(s, "splits", ()))
                          for j, s in enumerate(w.steps) if j != i)
    if named_elsewhere:
        splits = tuple(tree.name(typo) if x.name == w.train else x for x in w.steps[i].splits)
    else:  # replacing its only reader would leave the split unread (HP205) as well
        splits = (*w.steps[i].splits, tree.name(typo))
    w.replace_step(i, splits=splits)


# HP003 duplicate-declaration


def _second_model(w):
    w.insert_decl(n.Model(span=tree.AT, name=tree.name(w.pick(MODELS))), after=w.decl(n.Model))


def _second_of(kind):
    def edit(w):
        w.insert_decl(w.decl(kind))
    return edit


def _second_data(w):
    data = w.decl(n.Data)
    w.insert_decl(n.replace(data, name=tree.name(w.fresh(("more", "extra")))), after=data)


def _duplicate_hyper_entry(w):
    hyper = w.decl(n.Hyper)
    entries = list(hyper.entries)
    i = w.draw(st.integers(0, len(entries) - 1))
    entries.insert(w.draw(st.integers(i + 1, len(entries))), entries[i])
    w.replace_decl(hyper, n.replace(hyper, entries=tuple(entries)))


def _duplicate_param_entry(w):
    param = w.decl(n.Param)
    entries = list(param.entries)
    i = w.draw(st.integers(0, len(entries) - 1))
    entries.insert(w.draw(st.integers(i + 1, len(entries))), n.replace(entries[i], init=tree.name("zeros")))
    w.replace_decl(param, n.replace(param, entries=tuple(entries)))


def _duplicate_argument(w):
    data = w.decl(n.Data)
    args = list(data.source.args)
    if w.data_kind == "csv":
        arg = next(a for a in args if a.name is not None and a.name.name == "target")
    else:
        arg = w.pick(args)
    args.insert(w.draw(st.integers(args.index(arg) + 1, len(args))), arg)
    w.replace_decl(data, n.replace(data, source=n.replace(data.source, args=tuple(args))))


def _tune_twice(w):
    i = w.pick(w.find_steps(n.Tune))
    space = list(w.steps[i].space)
    item = w.pick(space)
    space.insert(w.draw(st.integers(space.index(item) + 1, len(space))), item)
    w.replace_step(i, space=tuple(space))


def _second_workflow(w):
    if not isinstance(w.decls[0], n.Workflow):
        w.decls.insert(0, n.Workflow(span=tree.AT, title=tree.string("first")))
    w.insert_decl(n.Workflow(span=tree.AT, title=tree.string("second")))


# HP004 out-of-domain


def _default_out_of_domain(w):
    entries = w.hyper_entries()
    i = w.draw(st.integers(0, len(entries) - 1))
    w.set_hyper_entry(i, n.replace(entries[i], default=w.bad_value(entries[i].name.name)))


def _default_too_large(w):
    entries = w.hyper_entries()
    i = w.draw(st.integers(0, len(entries) - 1))
    w.set_hyper_entry(i, n.replace(entries[i], default=n.Number(span=tree.AT, value=INF, text="")))


def _wrong_type(w):
    entries = w.hyper_entries()
    i = w.draw(st.integers(0, len(entries) - 1))
    flipped = "int" if entries[i].type.name == "float" else "float"
    w.set_hyper_entry(i, n.replace(entries[i], type=tree.name(flipped)))


def _bad_interval(w):
    entries = w.hyper_entries()
    i = w.pick([i for i, e in enumerate(entries) if isinstance(e.domain, n.Interval)])
    d = entries[i].domain
    if isinstance(d.high, n.Name):  # [a, inf]: inf as a closed end
        bad = n.replace(d, high_closed=True)
    else:  # the ends swapped
        bad = n.replace(d, low=d.high, high=d.low)
    w.set_hyper_entry(i, n.replace(entries[i], domain=bad))


def _has_interval(w) -> bool:
    return any(isinstance(e.domain, n.Interval) for e in w.hyper_entries())


def _synthetic_out_of_range(w):
    data = w.decl(n.Data)
    key, bad = w.pick([("rows", tree.number(w.pick([0, 1]))), ("features", tree.number(0)),
                       ("noise", tree.number(-0.5)), ("seed", tree.number(-1)), ("rows", tree.number(2.5))])
    args = tuple(n.replace(a, value=bad) if a.name.name == key else a for a in data.source.args)
    w.replace_decl(data, n.replace(data, source=n.replace(data.source, args=args)))


def _set_out_of_domain(w):
    i = w.pick(w.find_steps(n.Set))
    w.replace_step(i, value=w.bad_value(w.steps[i].name.name))


def _wrong_direction(w):
    i = w.pick(w.find_steps(n.Tune))
    metric = w.pick(METRICS)
    wrong = "maximize" if METRICS[metric] == "minimize" else "minimize"
    w.replace_step(i, objective=n.Objective(span=tree.AT, direction=wrong, metric=tree.name(metric)))


def _list_candidate(s) -> bool:
    return any(isinstance(item.candidates, n.ListExpr) for item in s.space)


def _candidate_out_of_domain(w):
    i = w.pick(w.find_steps(n.Tune, _list_candidate))
    space = list(w.steps[i].space)
    j = w.pick([j for j, item in enumerate(space) if isinstance(item.candidates, n.ListExpr)])
    items = list(space[j].candidates.items)
    items[w.draw(st.integers(0, len(items) - 1))] = w.bad_value(space[j].name.name)
    space[j] = n.replace(space[j], candidates=tree.list_expr(items))
    w.replace_step(i, space=tuple(space))


def _empty_candidates(w):
    i = w.pick(w.find_steps(n.Tune))
    space = list(w.steps[i].space)
    j = w.draw(st.integers(0, len(space) - 1))
    space[j] = n.replace(space[j], candidates=tree.list_expr([]))
    w.replace_step(i, space=tuple(space))


def _grid(s) -> bool:
    return not isinstance(s.search, n.RandomSearch)


def _interval_domain(w, item) -> bool:
    """Whether the tuned hyperparameter has no set domain: a distribution over a set domain
    is a second HP004 (it draws values outside the set)."""
    dom = w.doms.get(item.name.name)
    return dom is None or dom.members is None


def _grids_over_intervals(w) -> list[int]:
    return w.find_steps(n.Tune, lambda s: _grid(s) and any(_interval_domain(w, item) for item in s.space))


def _distribution_in_grid(w):
    i = w.pick(_grids_over_intervals(w))
    space = list(w.steps[i].space)
    j = w.pick([j for j, item in enumerate(space) if _interval_domain(w, item)])
    h = space[j].name.name
    a, b = sorted([w.value(h), w.value(h)])
    if SPECS[h].type == "int":
        dist = tree.call("randint", [tree.arg(tree.number(a)), tree.arg(tree.number(a + 1))])
    else:
        dist = tree.call("uniform", [tree.arg(tree.number(a)), tree.arg(tree.number(b))])
    space[j] = n.replace(space[j], candidates=dist)
    w.replace_step(i, space=tuple(space))


def _too_few_folds(w):
    i = w.pick(w.find_steps(n.Tune, lambda s: s.cv is not None))
    w.replace_step(i, cv=tree.count(w.pick([1, 0, -2])))


def _too_few_outer_folds(w):
    i = w.pick(w.find_steps(n.Tune, lambda s: s.outer is not None))
    w.replace_step(i, outer=tree.count(w.pick([1, 0, -2])))


def _no_random_draws(w):
    i = w.pick(w.find_steps(n.Tune, lambda s: isinstance(s.search, n.RandomSearch)))
    w.replace_step(i, search=n.replace(w.steps[i].search, count=tree.count(0)))


def _every_zero(w):
    i = w.pick(w.find_steps(n.Train))
    log = n.Log(span=tree.AT, metric=tree.name("mse"), split=tree.name(w.train))
    w.body_add(i, n.Every(span=tree.AT, every=tree.count(0), action=log))


def _bad_param_init(w):
    param = w.decl(n.Param)
    entries = list(param.entries)
    j = w.draw(st.integers(0, len(entries) - 1))
    bad = w.pick([tree.call("normal", [tree.arg(tree.number(0)), tree.arg(tree.number(-1))]),
                  tree.call("uniform", [tree.arg(tree.number(1)), tree.arg(tree.number(0))])])
    entries[j] = n.replace(entries[j], init=bad)
    w.replace_decl(param, n.replace(param, entries=tuple(entries)))


# HP005 unknown-name


def _unknown_model(w):
    model = w.decl(n.Model)
    w.replace_decl(model, n.replace(model, name=tree.name(w.pick(["lasso", "linear_regresion", "Ridge", "svm"]))))


def _unknown_hyper(w):
    hyper = w.decl(n.Hyper)
    entries = list(hyper.entries)
    pool = ["momentum", "dropout", "lr", "alpha"] + (["learning_rate", "epochs", "batch_size"] if w.model == "ridge" else [])
    name = w.pick([p for p in pool if p not in w.roles and p != w.data_name])
    entries.insert(w.draw(st.integers(0, len(entries))),
                   n.HyperEntry(span=tree.AT, name=tree.name(name), type=tree.name("float"), domain=None, default=None))
    w.replace_decl(hyper, n.replace(hyper, entries=tuple(entries)))


def _unknown_metric(w):
    scored = w.find_steps((n.Evaluate, n.Test), lambda s: s.metrics is not None)
    i = w.pick(scored)
    metrics = list(w.steps[i].metrics)
    metrics[w.draw(st.integers(0, len(metrics) - 1))] = tree.name(w.pick(["accuracy", "mape", "rsme", "R2"]))
    w.replace_step(i, metrics=tuple(metrics))


def _unknown_objective_metric(w):
    i = w.pick(w.find_steps(n.Tune))
    w.replace_step(i, objective=n.Objective(span=tree.AT, direction=w.pick(["minimize", "maximize"]),
                                            metric=tree.name(w.pick(["loss", "accuracy"]))))


def _ridge_body(w):
    i = w.pick(w.find_steps(n.Train))
    w.body_add(i, n.StopEarly(span=tree.AT, metric=tree.name("mse"), split=tree.name(w.pick(w.nontest)), patience=tree.count(5)))


def _unknown_action(w):
    i = w.pick(w.find_steps(n.Train))
    words = w.pick([("momentum", "0.9"), ("clip", "gradients", "at", "5"), ("shuffle",),
                    ("log", "mse", "on", w.train), ("print", "loss")])
    w.body_add(i, n.UnknownAction(span=tree.AT, name=tree.name(words[0]), words=words))


def _unknown_param(w):
    param = w.decl(n.Param)
    entry = n.ParamEntry(span=tree.AT, name=tree.name(w.pick(["bias", "weight", "coef"])), init=tree.name("zeros"))
    if param is None:
        w.insert_decl(n.Param(span=tree.AT, entries=(entry,)))
    else:
        entries = list(param.entries)
        entries.insert(w.draw(st.integers(0, len(entries))), entry)
        w.replace_decl(param, n.replace(param, entries=tuple(entries)))


def _unknown_initialiser(w):
    param = w.decl(n.Param)
    entries = list(param.entries)
    j = w.draw(st.integers(0, len(entries) - 1))
    bad = w.pick([tree.name("ones"), tree.name("random"),
                  tree.call("gaussian", [tree.arg(tree.number(0)), tree.arg(tree.number(1))])])
    entries[j] = n.replace(entries[j], init=bad)
    w.replace_decl(param, n.replace(param, entries=tuple(entries)))


def _unknown_source(w):
    data = w.decl(n.Data)
    source = tree.call(w.pick(["excel", "cvs", "synthetics"]), [tree.arg(tree.string("x"))])
    w.replace_decl(data, n.replace(data, source=source))


def _unknown_argument(w):
    data = w.decl(n.Data)
    args = list(data.source.args)
    args.insert(w.draw(st.integers(1 if w.data_kind == "csv" else 0, len(args))),
                tree.arg(tree.number(2), w.pick(["scale", "skiprows", "header"])))
    w.replace_decl(data, n.replace(data, source=n.replace(data.source, args=tuple(args))))


def _unknown_function(w):
    h = w.pick(w.hypers)
    _set_at_start(w, h, tree.call(w.pick(["cosine", "exp", "steps"]), [tree.arg(tree.number(1))]))


def _unknown_type(w):
    entries = w.hyper_entries()
    i = w.draw(st.integers(0, len(entries) - 1))
    w.set_hyper_entry(i, n.replace(entries[i], type=tree.name(w.pick(["double", "integer", "number"]))))


# HP006 bad-split


def _split_edit(w, edit):
    split = w.decl(n.Split)
    entries = list(split.entries)
    j = w.draw(st.integers(0, len(entries) - 1))
    entries[j] = edit(entries[j])
    w.replace_decl(split, n.replace(split, entries=tuple(entries)))


def _shares_off(w):
    delta = w.pick([2.5, 5, 10, -2.5, 0.001])
    _split_edit(w, lambda e: n.replace(e, share=n.replace(e.share, percent=e.share.percent + delta)))


def _zero_share(w):
    _split_edit(w, lambda e: n.replace(e, share=n.replace(e.share, percent=0.0)))


def _wrong_role(w):
    _split_edit(w, lambda e: n.replace(e, role=tree.name(w.pick(["testing", "valid", "training", "holdout"]))))


def _role_missing(w):
    split = w.decl(n.Split)
    entries = list(split.entries)
    j = w.pick([j for j, e in enumerate(entries) if e.name.name not in ("train", "validation", "test")])
    entries[j] = n.replace(entries[j], role=None)
    w.replace_decl(split, n.replace(split, entries=tuple(entries)))


def _role_contradicts_name(w):
    split = w.decl(n.Split)
    entries = list(split.entries)
    j = w.pick([j for j, e in enumerate(entries) if e.name.name in ("train", "validation", "test")])
    other = w.pick([r for r in ("train", "validation", "test") if r != entries[j].name.name])
    entries[j] = n.replace(entries[j], role=tree.name(other))
    w.replace_decl(split, n.replace(split, entries=tuple(entries)))


def _second_test_split(w):
    w.add_split("test")


# HP101 / HP102


def _hyper_set_in_body(w):
    i = w.pick(w.find_steps(n.Train))
    h = w.pick(SPECS)
    change = n.Set(span=tree.AT, name=tree.name(h), value=tree.number(w.pick([0.1, 1, 0.5])))
    if w.flip():
        change = n.Every(span=tree.AT, every=tree.count(w.draw(st.integers(1, 20))), action=change)
    w.body_add(i, change)


def _set_param(w):
    last = w.final if w.final is not None else len(w.steps)
    w.insert(w.draw(st.integers(0, last)),
             n.Set(span=tree.AT, name=tree.name(w.pick(PARAMS)), value=tree.number(w.pick([0, 0.5, 1]))))


def _param_set_in_body(w):
    i = w.pick(w.find_steps(n.Train))
    change = n.Set(span=tree.AT, name=tree.name(w.pick(PARAMS)), value=tree.number(0))
    if w.flip():
        change = n.Every(span=tree.AT, every=tree.count(5), action=change)
    w.body_add(i, change)


def _hyper_from_param(w):
    h = w.pick(w.hypers)
    ref = tree.name(w.pick(PARAMS))
    _set_at_start(w, h, w.pick([ref, tree.binop("*", ref, tree.number(2))]))


# Discipline: the mistakes go where the workflow is otherwise right.


def _before_final(w, *steps):
    w.insert(w.final, *steps)


def _holdout_tune(w, splits):
    return tune(w, splits, None)


def _nested_over_test(w):
    splits = w.shuffled([w.test, *w.subset(w.nontest, 1, 2)])
    folds = [tree.count(w.draw(st.integers(2, 3))) for _ in range(2)]
    _before_final(w, tune(w, splits, folds[0], outer=folds[1]))


def _tune_reads_test(w):
    i = w.pick(w.find_steps(n.Tune))
    splits = list(w.steps[i].splits)
    splits.insert(w.draw(st.integers(0, len(splits))), tree.name(w.test))
    w.replace_step(i, splits=tuple(splits))


def _tune_on_test(w):
    _before_final(w, _holdout_tune(w, [w.test]))


def _no_stop(s) -> bool:
    return s.body is None or not any(isinstance(e, n.StopEarly) for e in s.body.entries)


def _stop_on_test(w):
    i = w.pick(w.find_steps(n.Train, _no_stop))
    w.body_add(i, n.StopEarly(span=tree.AT, metric=tree.name(w.pick(METRICS)), split=tree.name(w.test), patience=tree.count(5)))


def _lr_train_without_stop(w) -> bool:
    return w.model == "linear_regression" and bool(w.find_steps(n.Train, _no_stop))


def _train_reads_test(w):
    i = w.pick(w.find_steps(n.Train))
    splits = list(w.steps[i].splits)
    splits.insert(w.draw(st.integers(0, len(splits))), tree.name(w.test))
    w.replace_step(i, splits=tuple(splits))


def _train_on_test(w):
    _before_final(w, n.Train(span=tree.AT, splits=tree.names(w.shuffled([w.train, w.test])), body=None))


def _evaluate_test(w):
    splits = [w.test] + (w.subset(w.nontest, 0, 1))
    at = w.pick([w.final, w.draw(st.integers(w.final + 1, len(w.steps)))])
    w.insert(at, n.Evaluate(span=tree.AT, splits=tree.names(w.shuffled(splits)), metrics=None))


def _log_test(w):
    i = w.pick(w.find_steps(n.Train))
    log = n.Log(span=tree.AT, metric=tree.name("mse"), split=tree.name(w.test))
    w.body_add(i, n.Every(span=tree.AT, every=tree.count(10), action=log))


def _after_final(w):
    state = w.end
    kinds = ["set", "train", "standardize", "tune", "test"] + (["impute"] if free_columns(w, "impute") else [])
    kind = w.pick(kinds)
    if kind == "set":
        h = w.pick(w.hypers)
        expr, _ = w.value_expr(h, state.env())
        step = n.Set(span=tree.AT, name=tree.name(h), value=expr)
    elif kind == "train":
        step = n.Train(span=tree.AT, splits=tree.names([w.train]), body=None)
    elif kind == "standardize":
        step = n.Standardize(span=tree.AT, splits=tree.names(w.subset(w.nontest, 1, 2)))
    elif kind == "impute":
        step = impute(w, w.subset(w.nontest, 1, 2))
    elif kind == "tune":
        step = tune(w, [w.train], tree.count(2), total=2)
    else:
        step = n.Test(span=tree.AT, splits=tree.names([w.test]), metrics=None)
    w.insert(len(w.steps), step)


def _evaluate_untrained(w):
    w.insert(w.draw(st.integers(w.after_encodes(), w.first_training())),
             n.Evaluate(span=tree.AT, splits=tree.names(w.subset(w.nontest, 1, 2)), metrics=None))


def _stale_by_set(w):
    h = w.pick(w.hypers)
    expr, _ = w.value_expr(h, w.state_at(w.final).env())
    _before_final(w, n.Set(span=tree.AT, name=tree.name(h), value=expr))


def _stale_by_standardize(w):
    _before_final(w, n.Standardize(span=tree.AT, splits=tree.names(w.subset(w.nontest, 1, 2))))


def _standardize_test(w):
    w.insert(w.draw(st.integers(w.after_encodes(), w.first_training())),
             n.Standardize(span=tree.AT, splits=tree.names([w.test])))


def _stale_by_impute(w):
    _before_final(w, impute(w, w.subset(w.nontest, 1, 2)))


def _stale_by_encode(w):
    # A refit of a column encoded before anything read the columns (a first encode here
    # would be HP210 as well).
    column = w.pick(sorted(w.prepared_as_of("encode")))
    _before_final(w, encode(w, w.subset(w.nontest, 1, 2), [column]))


def _prepare_test(w):
    """An impute or a first encode fitted on the test split (and maybe more), where
    nothing has read the model's columns yet."""
    splits = [w.test]  # with another split, a later hold-out tune could score on it (HP207)
    # An encode when no column is left to impute (every one encoded already), else either.
    if free_columns(w, "encode") and (not free_columns(w, "impute") or w.flip()):
        w.insert(w.draw(st.integers(0, w.after_encodes())), encode(w, splits))
    else:
        w.insert(w.draw(st.integers(0, w.first_training())), impute(w, splits))


def _prepare_adds_test(w):
    i = w.pick(w.find_steps((n.Impute, n.Encode)))
    splits = list(w.steps[i].splits)
    splits.insert(w.draw(st.integers(0, len(splits))), tree.name(w.test))
    w.replace_step(i, splits=tuple(splits))


def _tune_on_prepared(w):
    """A hold-out tune scored on rows an impute (or an encode refit) was just fitted on."""
    state = w.state_at(w.final)
    scored = w.pick([s for s in w.nontest if s != w.train])
    fitted = w.shuffled([scored] + ([w.train] if w.flip() else []))
    encoded = sorted(w.prepared_as_of("encode"))
    if encoded and (w.flip() or not free_columns(w, "impute")):
        step = encode(w, fitted, [w.pick(encoded)])
    else:
        step = impute(w, fitted)
    refit = []
    if scored in state.standardized:  # HP207 for the standardization instead: fit it elsewhere
        refit.append(n.Standardize(span=tree.AT, splits=tree.names([w.train])))
    _before_final(w, n.Train(span=tree.AT, splits=tree.names([w.train]), body=None), *refit, step,
                  _holdout_tune(w, [scored]))


def _encode_after_reading(w):
    """A first encode of a column after a step has read the model's columns, and a retrain
    after it (so that the model the test scores is not stale)."""
    column = w.pick(_unprepared(w))
    _before_final(w, encode(w, [w.train], [column]), n.Train(span=tree.AT, splits=tree.names([w.train]), body=None))


def _unprepared(w) -> list[str]:
    """Feature columns no step imputes or encodes."""
    return [c for c in w.features if c not in w.prepared_as]


def _standardize_adds_test(w):
    i = w.pick(w.find_steps(n.Standardize))
    splits = list(w.steps[i].splits)
    splits.insert(w.draw(st.integers(0, len(splits))), tree.name(w.test))
    w.replace_step(i, splits=tuple(splits))


def _test_seen(w):
    seen = sorted(s for s in w.state_at(w.final).seen if w.roles.get(s) != "test")
    chosen = [w.pick(seen)] + ([w.test] if w.flip() else [])
    w.replace_step(w.final, splits=tree.names(w.shuffled(chosen)))


def _tune_on_training_rows(w):
    state = w.state_at(w.final)
    training = state.training if state.training is not None else (w.train,)
    scored = w.pick(training)
    refit = []
    if scored in state.standardized:
        # Scoring on rows the standardization saw is HP207 as well (an independent
        # mistake): fit it on other rows first, so that the tune makes HP201 alone.
        refit.append(n.Standardize(span=tree.AT, splits=tree.names([w.pick([s for s in w.nontest if s != scored])])))
    refit.extend(_refit_prepared(w, state, scored))
    _before_final(w, *refit, _holdout_tune(w, [scored]))


def _refit_prepared(w, state, scored: str) -> list:
    """Steps that refit, on rows other than `scored`, every imputation and encoding in
    effect that was fitted on `scored` (which a tune scoring on it would warn about, HP207)."""
    others = [s for s in w.nontest if s != scored]
    out = []
    for column, splits in state.prepared.items():
        if scored in splits:
            maker = impute if w.prepared_as[column] == "impute" else encode
            out.append(maker(w, [w.pick(others)], [column]))
    return out


def _single_candidate(w):
    splits = w.subset(w.nontest, 1, 2)
    if w.flip():
        step = tune(w, splits, tree.count(2), total=1)
    else:
        step = tune(w, splits, tree.count(3), draws=1)
    _before_final(w, step)


def _no_final_test(w):
    del w.steps[w.final]
    del w.states[w.final]
    w.final = None


def _assessed(w) -> bool:
    """The model the final test scores comes from a nested tune, whose outer folds are an
    estimate already (no HP203 without the test)."""
    last = [s for s in w.steps[:w.final] if isinstance(s, (n.Train, n.Tune))]
    return isinstance(last[-1], n.Tune) and last[-1].outer is not None


def _no_final_test_nor_nesting(w):
    i = max(j for j in w.find_steps((n.Train, n.Tune)) if j < w.final)  # the nested tune (_assessed)
    w.replace_step(i, outer=None)
    _no_final_test(w)


def _large_search(w):
    # Just above the threshold: HP204 fires all the same, and running it stays cheap.
    _before_final(w, tune(w, [w.train], tree.count(2), draws=w.draw(st.integers(LARGE_SEARCH + 1, LARGE_SEARCH + 500))))


def _unread_split(w):
    w.add_split("validation")


def _test_unseen(w):
    extra = w.add_split("validation")
    chosen = [extra] + ([w.test] if w.flip() else [])
    w.replace_step(w.final, splits=tree.names(w.shuffled(chosen)))


def _tune_seed(w):
    """Put seed into a new tune's space, alone or beside the names it already searches."""
    step = tune(w, w.subset(w.nontest, 1, 2), tree.count(w.draw(st.integers(2, 3))))
    random = isinstance(step.search, n.RandomSearch)
    seeds = candidates(w, "seed", random=True) if random else candidates(w, "seed", count=w.draw(st.integers(2, 4)))
    item = n.SpaceItem(span=tree.AT, name=tree.name("seed"), candidates=seeds)
    space = [] if w.flip(0.3) else list(step.space)
    space.insert(w.draw(st.integers(0, len(space))), item)
    _before_final(w, n.replace(step, space=tuple(space)))


def _tune_on_standardized(w):
    scored = w.pick([s for s in w.nontest if s != w.train])
    fitted = [scored] + ([w.train] if w.flip() else [])
    _before_final(
        w,
        n.Train(span=tree.AT, splits=tree.names([w.train]), body=None),
        n.Standardize(span=tree.AT, splits=tree.names(w.shuffled(fitted))),
        _holdout_tune(w, [scored]),
    )


def _has(kind, where=lambda s: True):
    return lambda w: bool(w.find_steps(kind, where))


def _has_decl(kind):
    return lambda w: w.decl(kind) is not None


INJECTIONS = {
    "HP002": {
        "no data declaration": (_always, _no_data),
        "a missing data argument": (_always, _missing_argument),
        "a split of an unknown data set": (_always, _split_of_unknown_data),
        "a default naming an undeclared hyperparameter": (_always, _default_names_undeclared),
        "a set of an undeclared hyperparameter": (
            lambda w: any(h not in w.hypers for h in MODEL_HYPERS[w.model]), _set_undeclared),
        "an evaluate of an unknown split": (_trains, _evaluate_unknown_split),
        "a train on a misspelt split": (_has(n.Train), _train_on_typo),
    },
    "HP003": {
        "a second model": (_always, _second_model),
        "a second split": (_always, _second_of(n.Split)),
        "a second hyper block": (_always, _second_of(n.Hyper)),
        "a second param block": (_has_decl(n.Param), _second_of(n.Param)),
        "a second data declaration": (_always, _second_data),
        "a hyperparameter declared twice": (_always, _duplicate_hyper_entry),
        "a parameter declared twice": (_has_decl(n.Param), _duplicate_param_entry),
        "a data argument given twice": (_always, _duplicate_argument),
        "a hyperparameter tuned twice in one space": (_tunes, _tune_twice),
        "a second workflow line": (_always, _second_workflow),
    },
    "HP004": {
        "a default outside the domain": (_always, _default_out_of_domain),
        "a default too large for a float": (_always, _default_too_large),
        "a declared type unlike the model's": (_always, _wrong_type),
        "a bad interval": (_has_interval, _bad_interval),
        "a synthetic argument out of range": (_synthetic, _synthetic_out_of_range),
        "a set outside the domain": (_has(n.Set), _set_out_of_domain),
        "a wrong metric direction": (_tunes, _wrong_direction),
        "a candidate outside the domain": (_has(n.Tune, _list_candidate), _candidate_out_of_domain),
        "an empty candidate list": (_tunes, _empty_candidates),
        "a distribution in a grid": (_grids_over_intervals, _distribution_in_grid),
        "too few folds": (_has(n.Tune, lambda s: s.cv is not None), _too_few_folds),
        "too few outer folds": (_has(n.Tune, lambda s: s.outer is not None), _too_few_outer_folds),
        "no random draws": (_has(n.Tune, lambda s: isinstance(s.search, n.RandomSearch)), _no_random_draws),
        "every 0 epochs": (_lr_trains, _every_zero),
        "a bad initialiser argument": (_has_decl(n.Param), _bad_param_init),
    },
    "HP005": {
        "an unknown model": (_always, _unknown_model),
        "an unknown hyperparameter": (_always, _unknown_hyper),
        "an unknown metric in a report": (_has((n.Evaluate, n.Test), lambda s: s.metrics is not None), _unknown_metric),
        "an unknown metric to optimise": (_tunes, _unknown_objective_metric),
        "a train body under ridge": (lambda w: w.model == "ridge" and bool(w.find_steps(n.Train)), _ridge_body),
        "an unknown train-body action": (_lr_trains, _unknown_action),
        "an unknown parameter": (_always, _unknown_param),
        "an unknown initialiser": (_has_decl(n.Param), _unknown_initialiser),
        "an unknown data source": (_always, _unknown_source),
        "an unknown data argument": (_always, _unknown_argument),
        "an unknown function": (_always, _unknown_function),
        "an unknown type": (_always, _unknown_type),
    },
    "HP006": {
        "shares not summing to 100": (_always, _shares_off),
        "a zero share": (_always, _zero_share),
        "a role that is not one": (_always, _wrong_role),
        "a missing role": (
            lambda w: any(e.name.name not in ("train", "validation", "test") for e in w.decl(n.Split).entries),
            _role_missing),
        "a role contradicting the name": (
            lambda w: any(e.name.name in ("train", "validation", "test") for e in w.decl(n.Split).entries),
            _role_contradicts_name),
        "a second test split": (lambda w: w.test is not None, _second_test_split),
    },
    "HP101": {"a hyperparameter set in a train body": (_lr_trains, _hyper_set_in_body)},
    "HP102": {
        "a parameter set": (_always, _set_param),
        "a parameter set in a train body": (_lr_trains, _param_set_in_body),
        "a hyperparameter computed from a parameter": (_always, _hyper_from_param),
    },
    "HP103": {
        "a tune that reads the test split": (_has(n.Tune), _tune_reads_test),
        "a nested cross-validation over the test split": (_trains, _nested_over_test),
        "a tune scored on the test split": (_trains, _tune_on_test),
        "early stopping on the test split": (_lr_train_without_stop, _stop_on_test),
    },
    "HP104": {
        "a train that reads the test split": (_has(n.Train), _train_reads_test),
        "a train on the test split": (_trains, _train_on_test),
    },
    "HP105": {
        "an evaluate on the test split": (_trains, _evaluate_test),
        "a log on the test split": (_lr_trains, _log_test),
    },
    "HP106": {"a step after the final test": (_trains, _after_final)},
    "HP107": {"an evaluate before any training": (_always, _evaluate_untrained)},
    "HP108": {
        "a set between training and the test": (_trains, _stale_by_set),
        "a standardize between training and the test": (_trains, _stale_by_standardize),
        "an impute between training and the test": (lambda w: _trains(w) and bool(free_columns(w, "impute")),
                                                    _stale_by_impute),
        "an encode refit between training and the test": (
            lambda w: _trains(w) and bool(w.prepared_as_of("encode")), _stale_by_encode),
    },
    "HP109": {
        "a standardize fitted on the test split": (lambda w: w.test is not None, _standardize_test),
        "a standardize that also reads the test split": (
            lambda w: w.test is not None and bool(w.find_steps(n.Standardize)), _standardize_adds_test),
        "an impute or encode fitted on the test split": (
            lambda w: w.test is not None and bool(free_columns(w, "impute") or free_columns(w, "encode")),
            _prepare_test),
        "an impute or encode that also reads the test split": (
            lambda w: w.test is not None and bool(w.find_steps((n.Impute, n.Encode))), _prepare_adds_test),
    },
    "HP110": {"a final test on seen rows": (_trains, _test_seen)},
    "HP201": {"a tune scored on its training rows": (_trains, _tune_on_training_rows)},
    "HP202": {"a single-candidate search": (_trains, _single_candidate)},
    "HP203": {
        "no final test": (lambda w: _trains(w) and not _assessed(w), _no_final_test),
        "no final test after a nested tune made flat": (lambda w: _trains(w) and _assessed(w),
                                                        _no_final_test_nor_nesting),
    },
    "HP204": {"a search of more than 10,000 candidates": (_trains, _large_search)},
    "HP205": {"a split nothing reads": (_always, _unread_split)},
    "HP206": {"a final test on an unseen validation split": (_trains, _test_unseen)},
    "HP207": {
        "a tune scored on standardized rows": (_trains, _tune_on_standardized),
        "a tune scored on rows an impute or encode was fitted on": (
            lambda w: _trains(w) and bool(free_columns(w, "impute") or w.prepared_as_of("encode")), _tune_on_prepared),
    },
    "HP210": {"an encode after a step read the columns": (
        lambda w: _trains(w) and bool(_unprepared(w)), _encode_after_reading)},
    "HP208": {"a tune over seed": (_trains, _tune_seed)},
}


#: The codes `workflows(violating=...)` can inject: every checker rule but HP001 (a
#: syntax error has no valid place; use `source_text()`).
INJECTABLE = tuple(INJECTIONS)
