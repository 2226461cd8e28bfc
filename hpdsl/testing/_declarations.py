"""The declarations of a generated workflow: title, data source, split, model, hyper block
(with declared domains and defaults) and param block, each valid by construction."""

from __future__ import annotations

from hypothesis import strategies as st

from .. import nodes as n
from . import _tree as tree
from ._domains import MODEL_HYPERS, PARAMS, SPECS, Dom, conform

# Names that are keywords elsewhere in the grammar: the contextual lexer must read them
# as names wherever a name is expected (docs/lexical.md).
KEYWORD_NAMES = (
    "report", "on", "using", "stop", "early", "grid", "random", "cv", "minimize", "maximize",
    "every", "log", "as", "in", "has", "not", "for", "when", "data", "split", "model", "hyper",
    "param", "workflow", "set", "tune", "evaluate", "standardize", "zeros", "inf", "step",
    "float", "int", "csv", "synthetic", "linspace", "mse", "r2", "impute", "encode", "with", "median",
    "constant",
)
# What a string literal may hold: anything but a line end or NUL (the formatter escapes
# quotes and backslashes).
STRING_TEXT = st.characters(exclude_characters="\r\n\x00", exclude_categories=("Cs",))
SPLIT_NAMES = ("fit", "rest", "dev", "val", "holdout", "tuning", "final", "part_a", "b2", "_x", "Train", "TEST")
DATA_NAMES = ("d", "rows", "houses", "diabetes", "points")


def declare(w) -> None:
    """Draw the declarations of `w`: a title sometimes, data, split, model, hyper, sometimes
    param, in the usual order or (sometimes) shuffled."""
    draw = w.draw
    title = None
    if w.flip(0.5):
        text = draw(st.text(STRING_TEXT, max_size=16))
        title = n.Workflow(span=tree.AT, title=tree.string(text))
    w.data_name = w.fresh(DATA_NAMES + KEYWORD_NAMES)
    data = n.Data(span=tree.AT, name=tree.name(w.data_name), source=_source(w))
    split = _split(w)
    model = n.Model(span=tree.AT, name=tree.name(w.model))
    hyper = _hyper(w)
    rest = [data, split, model, hyper]
    if w.flip(0.5):
        rest.append(_param(w))
    if w.flip(0.3):
        rest = w.shuffled(rest)
    w.decls = ([title] if title is not None else []) + rest


def _source(w):
    kind = w.pick(w.data_kinds)
    w.data_kind = kind
    if kind == "synthetic":
        args = [
            tree.arg(tree.number(w.draw(st.integers(50, 300))), "rows"),
            tree.arg(tree.number(w.draw(st.integers(1, 4))), "features"),
            tree.arg(tree.number(w.draw(st.one_of(st.sampled_from([0, 0.1, 0.3, 1.0]),
                                             st.floats(0, 2, allow_subnormal=False)))), "noise"),
            tree.arg(tree.number(w.draw(st.integers(0, 1000))), "seed"),
        ]
        if w.flip(0.3):
            args = w.shuffled(args)
        w.features = [f"x{i + 1}" for i in range(int(args_value(args, "features")))]
        return tree.call("synthetic", args)
    path = w.draw(st.one_of(st.sampled_from(["data.csv", "data/houses.csv", "../shared/points.csv",
                                                "ümlaut.csv", 'we"ird\\name.csv']),
                               st.text(STRING_TEXT, min_size=1, max_size=12)))
    target = w.pick(["y", "price", "target"])
    named = [tree.arg(tree.string(target), "target")]
    w.features = ["a", "b"]  # not listed: the file decides, and the checker takes any column
    if w.flip(0.5):
        columns = w.subset(["a", "b", "x1", "x 2", "größe"], 1, 3)
        named.append(tree.arg(tree.list_expr(tree.string(c) for c in columns), "features"))
        w.features = list(columns)
    if w.flip(0.2):
        args = w.shuffled(named + [tree.arg(tree.string(path), "path")])
    else:
        args = [tree.arg(tree.string(path))] + w.shuffled(named)
    return tree.call("csv", args)


def args_value(args, key: str):
    """The value of named argument `key` among a call's arguments."""
    return next(a.value.value for a in args if a.name is not None and a.name.name == key)


def _split(w) -> n.Split:
    require = w.require
    has_test = bool(require & {"test_split", "trains"}) or w.flip(0.85)
    roles = ["train"] + ["validation"] * w.draw(st.integers(1, 3)) + (["test"] if has_test else [])
    w.roles: dict[str, str] = {}
    entries = []
    for role in roles:
        if role not in w.used and w.flip(0.6):
            name = role
            w.used.add(name)
            explicit = w.flip(0.15)
        else:
            name = w.fresh(SPLIT_NAMES + KEYWORD_NAMES)
            explicit = True
        w.roles[name] = role
        entries.append((name, role if explicit else None))
    # Shares in steps of 2.5% (exact in binary, so they sum to exactly 100): at least
    # 30% for training and 10% for every other split, so that no split is empty.
    least = [12 if role == "train" else 4 for role in roles]
    spare = 40 - sum(least)
    extra = []
    for _ in roles[:-1]:
        extra.append(w.draw(st.integers(0, spare)))
        spare -= extra[-1]
    extra.append(spare)
    extra = w.shuffled(extra)
    w.units = {name: least[i] + extra[i] for i, (name, _) in enumerate(entries)}
    order = list(range(len(entries)))
    if w.flip(0.4):
        order = w.shuffled(order)
    w.split_entries = [split_entry(w, *entries[i]) for i in order]
    seed = tree.count(w.draw(st.integers(0, 1000))) if w.flip(0.6) else None
    w.train = next(s for s, r in w.roles.items() if r == "train")
    w.test = next((s for s, r in w.roles.items() if r == "test"), None)
    w.nontest = [s for s, r in w.roles.items() if r != "test"]
    return n.Split(span=tree.AT, data=tree.name(w.data_name), entries=tuple(w.split_entries), seed=seed)


def split_entry(w, name: str, role: str | None, units: int | None = None) -> n.SplitEntry:
    units = w.units[name] if units is None else units
    share = n.Share(span=tree.AT, percent=units * 2.5, text="")
    return n.SplitEntry(span=tree.AT, name=tree.name(name), share=share, role=tree.name(role) if role else None)


def _hyper(w) -> n.Hyper:
    names = MODEL_HYPERS[w.model]
    if w.model == "linear_regression":
        # epochs is always declared with a default: the model's 100 is too slow to run.
        declared = ["epochs"] + w.subset([h for h in names if h != "epochs"], 0)
    else:
        declared = w.subset(names, 1)
        if declared == ["seed"]:  # a tune needs a name other than seed (tuning seed is HP208)
            declared.append("l2")
    if "seed" in w.require and "seed" not in declared:
        declared.append("seed")
    declared = w.shuffled(declared)
    w.hypers = declared
    w.doms: dict[str, Dom | None] = {}
    values: dict = {}
    entries = []
    for h in declared:
        spec = SPECS[h]
        dom, dom_node = _domain(w, h)
        w.doms[h] = dom
        needs_default = h == "epochs" or (spec.default is not None and dom is not None and not dom.contains(spec.default))
        default = None
        if spec.default is None and not needs_default and w.flip(0.5):
            value = None  # full batch: a batch_size without a default
        elif needs_default or w.flip(0.6):
            if h == "learning_rate" and w.flip(0.2):
                default, value = w.schedule()
            else:
                env = {k: v for k, v in values.items() if conform("float", v) is not None}
                default, value = w.value_expr(h, env)
        else:
            value = spec.default
        values[h] = value
        entries.append(n.HyperEntry(span=tree.AT, name=tree.name(h), type=tree.name(spec.type), domain=dom_node, default=default))
    w.initial = values
    return n.Hyper(span=tree.AT, entries=tuple(entries))


def _domain(w, h: str):
    spec = SPECS[h]
    kind = w.pick(["none", "none", "interval", "interval", "interval", "set"])
    if kind == "none":
        return None, None
    if kind == "set":
        members = w.subset([x for x in spec.nice], 2, 4)
        if spec.type == "float" and w.flip(0.3):
            members = [float(x) for x in members]
        return Dom(members=tuple(members)), n.SetDomain(span=tree.AT, items=tuple(tree.number(x) for x in members))
    low, low_closed = w.pick(spec.lows)
    high, high_closed = w.pick(spec.highs)
    node = n.Interval(span=tree.AT, low=tree.bound(low), high=tree.bound(high), low_closed=low_closed, high_closed=high_closed)
    return Dom(low, high, low_closed, high_closed), node


def _param(w) -> n.Param:
    entries = []
    for name in w.subset(PARAMS, 1):
        init = w.pick(["zeros", "number", "normal", "uniform"])
        small = st.one_of(st.integers(-2, 2), st.floats(-1, 1, allow_subnormal=False))
        if init == "zeros":
            expr = tree.name("zeros")
        elif init == "number":
            expr = tree.number(w.draw(small))
        else:
            a, b = w.draw(small), w.draw(small)
            if init == "normal":
                a, b, keys = a, abs(b), ("mean", "std")
            else:
                a, b, keys = min(a, b), max(a, b), ("low", "high")
            named = w.flip(0.3)
            expr = tree.call(init, [tree.arg(tree.number(a), keys[0] if named else None),
                                     tree.arg(tree.number(b), keys[1] if named else None)])
        entries.append(n.ParamEntry(span=tree.AT, name=tree.name(name), init=expr))
    return n.Param(span=tree.AT, entries=tuple(entries))
