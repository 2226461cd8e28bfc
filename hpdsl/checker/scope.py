"""Declarations -> scope: what the workflow declares, and HP002-HP006 about declarations.

Resolves `workflow`, `data`, `split`, `model`, `hyper` and `param` into a Scope that the
step rules, the interpreter and the language server all read. A declaration with an
error still declares its name, so later steps are not blamed for it.
"""

from __future__ import annotations

import math

from .. import nodes as n
from ..diagnostics import Diagnostic, Related
from ..source import Span
from ..suggest import HYPERPARAMETER_ALIASES, did_you_mean
from . import values as v
from .domains import Domain, ValueSet
from .models import ALL_HYPERS, FULL_BATCH, MODELS, PARAMETERS, ROLES, HyperSpec, ModelSpec

SHARE_TOLERANCE = 1e-9
# synthetic() draws rows x features numbers in memory: 10^9 of them are 8 GB, beyond which a
# toy data set is a typo (features: 1e15) rather than a plan.
SYNTHETIC_MAX_CELLS = 10**9


DATA_SOURCES = ("csv", "parquet", "synthetic")


def _separator(value) -> str:
    """csv()'s `sep`: one character that can separate cells."""
    if not isinstance(value, n.String):
        raise v.EvalError("HP004", value.span, 'csv() sep must be one character in double quotes, e.g. ";" or "\\t"')
    sep = value.value
    if len(sep) != 1:
        raise v.EvalError("HP004", value.span, f"csv() sep must be one character, not {len(sep)}",
                          help='e.g. sep: ";" or sep: "\\t" (a tab)')
    if sep in "\"\r\n":
        raise v.EvalError("HP004", value.span, "csv() sep cannot be a quote or a line break",
                          help="cells are quoted with \" and rows end at a line break")
    return sep


def _missing(value) -> list[str]:
    """csv()'s `missing`: the cell texts that mean a missing value."""
    if not isinstance(value, n.ListExpr) or not all(isinstance(i, n.String) for i in value.items):
        raise v.EvalError("HP004", value.span, 'csv() missing must be a list of cell texts, e.g. ["", "NA"]')
    texts = [i.value for i in value.items]
    for item in value.items:
        if texts.count(item.value) > 1:
            raise v.EvalError("HP003", item.span, f"'{item.value}' is listed twice in missing")
        if item.value != item.value.strip():
            raise v.EvalError("HP004", item.span, "a missing text is compared without surrounding spaces",
                              help=f'write "{item.value.strip()}"')
    return texts


class SplitInfo:
    __slots__ = ("name", "role", "percent", "entry")

    def __init__(self, name: str, role: str | None, percent: float, entry: n.SplitEntry) -> None:
        self.name = name
        self.role = role  # None when the role is missing or wrong (reported as HP006)
        self.percent = percent
        self.entry = entry


class HyperInfo:
    """A declared hyperparameter: the model's spec narrowed by the `hyper` block."""

    __slots__ = ("name", "spec", "domain", "value", "entry")

    def __init__(self, spec: HyperSpec, domain: Domain | None, value, entry: n.HyperEntry) -> None:
        self.name = spec.name
        self.spec = spec
        self.domain = domain  # the declared domain (None: the model's)
        self.value = value  # the starting value; v.UNKNOWN if the declaration is wrong
        self.entry = entry

    @property
    def type(self) -> str:
        return self.spec.type

    def domains(self) -> list[tuple[Domain, str]]:
        """(domain, where it comes from) pairs a value must lie in."""
        out = [(self.spec.domain, "the model's domain")]
        if self.domain is not None:
            out.append((self.domain, "the declared domain"))
        return out


class DataSource:
    """A `data` declaration's evaluated arguments."""

    __slots__ = ("kind", "args", "node")

    def __init__(self, kind: str, args: dict, node: n.Data) -> None:
        self.kind = kind  # "csv", "parquet" or "synthetic"
        self.args = args
        self.node = node


class Scope:
    def __init__(self) -> None:
        self.title: str | None = None
        self.data: n.Data | None = None
        self.source: DataSource | None = None
        self.split: n.Split | None = None
        self.splits: dict[str, SplitInfo] = {}
        self.split_seed = 0
        self.model_node: n.Model | None = None
        self.model: ModelSpec | None = None
        self.hypers: dict[str, HyperInfo] = {}
        self.params: dict[str, n.ParamEntry] = {}
        self.param_inits: dict[str, tuple] = {}
        # The one namespace: name -> (where declared, what it is).
        self.names: dict[str, tuple[n.Name, str]] = {}

    def role_of(self, split: str) -> str | None:
        info = self.splits.get(split)
        return info.role if info else None

    @property
    def train_split(self) -> str | None:
        return next((s.name for s in self.splits.values() if s.role == "train"), None)

    @property
    def test_split(self) -> str | None:
        return next((s.name for s in self.splits.values() if s.role == "test"), None)

    def hyper_value(self, name: str):
        """The value a hyperparameter starts with: declared default, else the model's."""
        info = self.hypers.get(name)
        if info is not None:
            return info.value
        if self.model is not None and name in self.model.hypers:
            return self.model.hypers[name].default
        return None

    def starting_values(self) -> dict:
        if self.model is None:
            return {}
        return {name: self.hyper_value(name) for name in self.model.hypers}


def _error(code: str, span: Span, message: str, help: str | None = None, related=()) -> Diagnostic:
    return Diagnostic(code, span, message, help=help, related=related)


class _Declarations:
    def __init__(self, program: n.Program, text_length: int) -> None:
        self.program = program
        self.end = Span(text_length, text_length)
        self.scope = Scope()
        self.out: list[Diagnostic] = []
        self.data_names: set[str] = set()  # every data declaration's name, a second one's too

    def report(self, code, span, message, help=None, related=()) -> None:
        self.out.append(_error(code, span, message, help, related))

    def report_eval(self, error: v.EvalError) -> None:
        if error.code is not None:
            self.report(error.code, error.span, error.message, error.help)

    def declare(self, name: n.Name, kind: str) -> bool:
        """Enter a name into the one namespace; HP003 if it is taken."""
        first = self.scope.names.get(name.name)
        if first is not None:
            self.report(
                "HP003", name.span, f"'{name.name}' is already declared (as {first[1]}); every name is declared once",
                help="rename one of them",
                related=(Related(first[0].span, "first declared here"),),
            )
            return False
        self.scope.names[name.name] = (name, kind)
        return True

    def run(self) -> Scope:
        firsts: dict[type, object] = {}
        seconds: list = []  # declarations a workflow has one of, given again (HP003)
        for statement in self.program.declarations:
            kind = type(statement)
            if kind in firsts:
                seconds.append(statement)
                keyword = n.keyword(statement)
                what = f"a second '{keyword}' block" if kind in (n.Hyper, n.Param) else f"a second '{keyword}' declaration"
                self.report(
                    "HP003", n.keyword_span(statement),
                    f"{what}; a workflow has one",
                    help=f"merge it into the first {keyword}",
                    related=(Related(firsts[kind].span, "the first one"),),
                )
                continue
            firsts[kind] = statement
        if n.Workflow in firsts:
            self.scope.title = firsts[n.Workflow].title.value
        # The model first (it names no one); the rest in source order, so that a clash
        # of names is reported at the later of the two declarations.
        self.model(firsts.get(n.Model))
        data = firsts.get(n.Data)
        chosen = set(map(id, firsts.values()))
        for statement in sorted([*firsts.values(), *seconds], key=lambda s: s.span.start):
            if id(statement) not in chosen:
                self.second(statement)
            elif isinstance(statement, n.Data):
                self.data(statement)
            elif isinstance(statement, n.Split):
                self.split(statement, data)
            elif isinstance(statement, n.Hyper):
                self.hyper(statement)
            elif isinstance(statement, n.Param):
                self.param(statement)
        if data is None:
            self.report("HP002", self.end, "the workflow declares no data",
                        help='add e.g. data rows = csv("data.csv", target: "y")')
        if n.Split not in firsts:
            self.report("HP002", self.end, "the workflow declares no split",
                        help="add e.g. 'split rows -> train 60%, validation 20%, test 20%'")
        return self.scope

    def second(self, statement) -> None:
        """A second declaration (its HP003 already reported) still declares its names, so
        that their uses give no further diagnostics (docs/rules.md, how diagnostics combine). The first
        `model` and the first `split` line stay the ones the workflow runs with."""
        if isinstance(statement, n.Data):
            if statement.name.name not in self.scope.names:
                self.declare(statement.name, "data")
            self.data_names.add(statement.name.name)
        elif isinstance(statement, n.Split):
            for entry in statement.entries:
                name = entry.name.name
                if name in self.scope.names:
                    continue  # the same split in both lines: one mistake, already reported
                self.declare(entry.name, "split")
                role = entry.role.name if entry.role is not None else name
                self.scope.splits[name] = SplitInfo(name, role if role in ROLES else None,
                                                    entry.share.percent, entry)
        elif isinstance(statement, (n.Hyper, n.Param)):
            # A name the first block already declares is part of the same mistake (a block
            # given twice): only the new names are declared, and checked.
            fresh = tuple(e for e in statement.entries if e.name.name not in self.scope.names)
            block = n.replace(statement, entries=fresh)
            if isinstance(statement, n.Hyper):
                self.hyper(block)
            else:
                self.param(block)

    # ---- model ---------------------------------------------------------------------------------

    def model(self, model: n.Model | None) -> None:
        if model is None:
            self.report("HP002", self.end, "the workflow declares no model",
                        help="add 'model linear_regression' or 'model ridge'")
            return
        self.scope.model_node = model
        spec = MODELS.get(model.name.name)
        if spec is None:
            self.report("HP005", model.name.span, f"unknown model '{model.name.name}'",
                        help=did_you_mean(model.name.name, MODELS, model.name.span,
                                          "the models are linear_regression and ridge"))
            return
        self.scope.model = spec

    # ---- data ----------------------------------------------------------------------------------

    def data(self, data: n.Data) -> None:
        self.scope.data = data
        self.data_names.add(data.name.name)
        self.declare(data.name, "data")
        source = data.source
        if not isinstance(source, n.Call) or source.func.name not in DATA_SOURCES:
            name = source.func.name if isinstance(source, n.Call) else None
            span = source.func.span if isinstance(source, n.Call) else source.span
            otherwise = 'use csv("file.csv", target: "y") or synthetic(rows: N, features: D, noise: S, seed: K)'
            self.report(
                "HP005", span, f"unknown data source '{name}'" if name
                else "a data source must be csv(...), parquet(...) or synthetic(...)",
                help=did_you_mean(name, DATA_SOURCES, span, otherwise) if name else otherwise,
            )
            return
        try:
            if source.func.name in ("csv", "parquet"):
                args = self._file_args(source)
            else:
                args = self._synthetic_args(source)
        except v.EvalError as error:
            self.report_eval(error)
            return
        self.scope.source = DataSource(source.func.name, args, data)

    def _file_args(self, call: n.Call) -> dict:
        """csv(path, target:, features:, sep:, missing:) and parquet(path, target:, features:)."""
        func = call.func.name
        named = ("target", "features", "sep", "missing") if func == "csv" else ("target", "features")
        bound = v.call_arguments(call, ("path",), named, ("path", "target"))
        out = {}
        for key in ("path", "target"):
            value = bound[key].value
            if not isinstance(value, n.String):
                raise v.EvalError("HP004", value.span, f"{func}() {key} must be a string in double quotes")
            out[key] = value.value
        if not out["path"]:
            raise v.EvalError("HP004", bound["path"].value.span, f"{func}() path is empty")
        if func == "csv":
            out["sep"] = _separator(bound["sep"].value) if "sep" in bound else ","
            out["missing"] = _missing(bound["missing"].value) if "missing" in bound else [""]
        if "features" in bound:
            value = bound["features"].value
            if not isinstance(value, n.ListExpr) or not all(isinstance(i, n.String) for i in value.items):
                raise v.EvalError("HP004", value.span,
                                  f'{func}() features must be a list of column names, e.g. ["a", "b"]')
            if not value.items:
                raise v.EvalError("HP004", value.span, f"{func}() features is empty", help="name at least one column")
            names = [i.value for i in value.items]
            for item in value.items:
                if names.count(item.value) > 1:
                    raise v.EvalError("HP003", item.span, f"column '{item.value}' is listed twice in features")
                if item.value == out["target"]:
                    raise v.EvalError("HP004", item.span, f"the target column '{item.value}' cannot also be a feature")
            out["features"] = names
        else:
            out["features"] = None
        return out

    def _synthetic_args(self, call: n.Call) -> dict:
        keys = ("rows", "features", "noise", "seed")
        for arg in call.args:
            if arg.name is None:
                raise v.EvalError("HP004", arg.span, "synthetic() takes named arguments",
                                  help="write synthetic(rows: N, features: D, noise: S, seed: K)")
        bound = v.call_arguments(call, (), keys, keys)
        out = {}
        failed = None
        for key in keys:
            node = bound[key].value
            try:
                value = v.constant(node)
                if key == "noise":
                    value = v.conform(value, "float", node.span, "noise")
                    if not value >= 0 or math.isinf(value):
                        raise v.EvalError("HP004", node.span,
                                          f"noise must be a finite number at least 0, not {v.show(value)}")
                else:
                    value = v.integer(value, node.span, key)
                    least = {"rows": 2, "features": 1, "seed": 0}[key]
                    if value < least:
                        raise v.EvalError("HP004", node.span, f"{key} must be at least {least}, not {value}")
                out[key] = value
            except v.EvalError as error:
                # Each argument is its own mistake: report them all, raise the last.
                if failed is not None:
                    self.report_eval(failed)
                failed = error
        if failed is not None:
            raise failed
        if out["rows"] * out["features"] > SYNTHETIC_MAX_CELLS:
            raise v.EvalError("HP004", bound["features"].value.span,
                              f"synthetic data of {_count(out['rows'])} rows x {_count(out['features'])} features "
                              f"is too large: at most {SYNTHETIC_MAX_CELLS:,} numbers are generated",
                              help="synthetic data is generated in memory (8 bytes a number): "
                                   "use fewer rows or features")
        return out

    # ---- split ---------------------------------------------------------------------------------

    def split(self, split: n.Split, data: n.Data | None) -> None:
        self.scope.split = split
        if data is not None and split.data.name not in self.data_names | {data.name.name}:
            self.report("HP002", split.data.span, f"no data set named '{split.data.name}'",
                        help=f"the data set is '{data.name.name}'")
        if split.seed is not None:
            try:
                seed = v.integer(v.constant(split.seed), split.seed.span, "the split seed")
                if seed < 0:
                    raise v.EvalError("HP004", split.seed.span, f"the split seed must be at least 0, not {seed}")
                self.scope.split_seed = seed
            except v.EvalError as error:
                self.report_eval(error)
        total = 0.0
        shares_ok = roles_ok = True
        for entry in split.entries:
            percent = entry.share.percent
            if not percent > 0 or math.isinf(percent):
                self.report("HP006", entry.share.span, f"split '{entry.name.name}' has share {entry.share.text}; "
                            "every share must be positive", help="give it a positive percentage, or remove it")
                shares_ok = False
            total += percent
            role = self._role(entry)
            roles_ok = roles_ok and role is not None
            # A name that clashes with another kind of declaration (HP003) still names this
            # split for every other rule; the same split twice keeps the first.
            if (self.declare(entry.name, "split") or entry.name.name not in self.scope.splits):
                self.scope.splits[entry.name.name] = SplitInfo(entry.name.name, role, percent, entry)
        if shares_ok and abs(total - 100.0) > SHARE_TOLERANCE:
            self.report("HP006", Span(split.entries[0].span.start, split.entries[-1].span.end),
                        f"the shares sum to {v.show(round(total, 9))}%, not 100%",
                        help="adjust the percentages so that they add up to 100")
        roles = [info for info in self.scope.splits.values() if info.role is not None]
        trains = [info for info in roles if info.role == "train"]
        tests = [info for info in roles if info.role == "test"]
        if not trains and roles_ok:
            self.report("HP006", split.span if not split.entries else split.entries[0].span,
                        "no split has the train role", help="name one split 'train' or give it 'as train'")
        for extra, kind in ((trains[1:], "train"), (tests[1:], "test")):
            for info in extra:
                self.report("HP006", info.entry.span, f"a second {kind}-role split '{info.name}'; a workflow has one",
                            help="give it another role with 'as validation'",
                            related=(Related((trains if kind == "train" else tests)[0].entry.span, f"the first {kind} split"),))

    def _role(self, entry: n.SplitEntry) -> str | None:
        name = entry.name.name
        if entry.role is None:
            if name in ROLES:
                return name
            self.report("HP006", entry.name.span, f"split '{name}' has no role",
                        help="add 'as train', 'as validation' or 'as test' after its share")
            return None
        role = entry.role.name
        if role not in ROLES:
            self.report("HP006", entry.role.span, f"'{role}' is not a role",
                        help=did_you_mean(role, ROLES, entry.role.span, "the roles are train, validation and test"))
            return None
        if name in ROLES and role != name:
            self.report("HP006", entry.role.span, f"split '{name}' is named for the {name} role but declared 'as {role}'",
                        help=f"rename the split, or write 'as {name}'")
            return None
        return role

    # ---- hyper ---------------------------------------------------------------------------------

    def hyper(self, hyper: n.Hyper) -> None:
        spec_model = self.scope.model
        for entry in hyper.entries:
            name = entry.name.name
            if name in self.scope.names and self.scope.names[name][1] == "hyperparameter":
                self.declare(entry.name, "hyperparameter")
                continue
            if name in PARAMETERS or name in self.scope.params:
                self.report("HP005", entry.name.span,
                            f"'{name}' is a learned parameter, not a hyperparameter",
                            help="parameters are learned by train; give its starting value in param { } instead")
                continue
            if spec_model is None:
                self.declare(entry.name, "hyperparameter")
                continue
            spec = spec_model.hypers.get(name)
            if spec is None:
                self.report("HP005", entry.name.span, *unknown_hyper(name, spec_model, entry.name.span))
                continue
            # A clash with a split or data set (HP003) still declares the hyperparameter,
            # so its uses give no further diagnostics.
            self.declare(entry.name, "hyperparameter")
            self.scope.hypers[name] = self._hyper_entry(entry, spec)

    def _hyper_entry(self, entry: n.HyperEntry, spec: HyperSpec) -> HyperInfo:
        name = spec.name
        type_name = entry.type.name
        info = HyperInfo(spec, None, v.UNKNOWN, entry)
        if type_name not in ("float", "int"):
            self.report("HP005", entry.type.span, f"unknown type '{type_name}'",
                        help=did_you_mean(type_name, ("float", "int"), entry.type.span, f"{name} is {spec.type}"))
            return info
        if type_name != spec.type:
            self.report("HP004", entry.type.span, f"{name} is {'an' if spec.type == 'int' else 'a'} {spec.type} "
                        f"hyperparameter of {self.scope.model.name}, declared {type_name}",
                        help=f"declare it as '{name}: {spec.type}'")
            return info
        if entry.domain is not None:
            try:
                domain = v.interval_of(entry.domain, name)
                if isinstance(domain, v.ValueSet):
                    domain = ValueSet(v.conform(x, spec.type, item.span, f"a member of {name}'s domain")
                                        for x, item in zip(domain.values, entry.domain.items))
                if not domain.within(spec.domain):
                    raise v.EvalError("HP004", entry.domain.span,
                                      f"the declared domain {domain} of {name} is not inside the model's domain {spec.domain}",
                                      help=f"narrow it to lie within {spec.domain}")
                info.domain = domain
            except v.EvalError as error:
                self.report_eval(error)
                return info
        if entry.default is None:
            default = spec.default
            if default is FULL_BATCH and name == "batch_size":
                info.value = default
            elif info.domain is not None and not info.domain.contains(default):
                self.report("HP004", entry.name.span,
                            f"{name} has no default and the model's default {v.show(default)} lies outside {info.domain}",
                            help="give a default inside the domain: '= VALUE'")
            else:
                info.value = default
            return info
        known = {h: i.value for h, i in self.scope.hypers.items()}

        def lookup(ref: n.Name):
            if ref.name in known:
                value = known[ref.name]
                if value is v.UNKNOWN:
                    raise v.EvalError(None, ref.span)
                return value
            raise v.EvalError("HP002", ref.span, f"'{ref.name}' is not a hyperparameter declared above",
                              help="a default may only use numbers and hyperparameters declared before it")

        try:
            value = v.evaluate(entry.default, lookup)
            info.value = check_value(value, info, entry.default.span, "the default of " + name)
        except v.EvalError as error:
            self.report_eval(error)
        return info

    # ---- param ---------------------------------------------------------------------------------

    def param(self, param: n.Param) -> None:
        for entry in param.entries:
            name = entry.name.name
            if name not in PARAMETERS:
                hint = did_you_mean(name, PARAMETERS, entry.name.span, "the parameters are weights and intercept")
                if name in ALL_HYPERS:
                    hint = f"'{name}' is a hyperparameter: declare it in hyper {{ }}"
                self.report("HP005", entry.name.span, f"unknown parameter '{name}'", help=hint)
                continue
            if not self.declare(entry.name, "parameter") and name in self.scope.params:
                continue  # the same parameter twice: the first one counts
            self.scope.params[name] = entry
            try:
                self.scope.param_inits[name] = initialiser(entry.init)
            except v.EvalError as error:
                self.report_eval(error)


def _count(number: int) -> str:
    """A possibly astronomical count, short enough for a message."""
    return f"{number:,}" if number < 10**15 else f"about 10^{len(str(number)) - 1}"


def unknown_hyper(name: str, model: ModelSpec, span: Span | None = None) -> tuple[str, str]:
    if name in ALL_HYPERS:
        why = " (it is solved exactly, with no gradient steps)" if not model.iterative else ""
        return f"{model.name} has no hyperparameter '{name}'{why}", "remove it, or use model linear_regression"
    return (
        f"{model.name} has no hyperparameter '{name}'",
        did_you_mean(name, model.hypers, span, "its hyperparameters are " + ", ".join(model.hypers),
                     aliases=HYPERPARAMETER_ALIASES),
    )


def check_value(value, info: HyperInfo, span: Span, what: str):
    """A value for hyperparameter `info`, conformed to its type and checked against its
    domains (the model's and the declared one). Schedules only for a learning rate."""
    if value is v.UNKNOWN or value is v.TUNED:
        return value
    if isinstance(value, v.Schedule):
        if not info.spec.schedule:
            raise v.EvalError("HP004", span, f"{info.name} cannot be a schedule; only learning_rate takes one")
        return value
    value = v.conform(value, info.type, span, what)
    for domain, where in info.domains():
        v.check_in(value, domain, span, info.name, where)
    return value


def check_schedule(schedule: v.Schedule, epochs, info: HyperInfo, span: Span) -> None:
    """Every rate a schedule reaches in `epochs` epochs lies in the learning rate's domains."""
    if not isinstance(epochs, int):
        epochs = 1
    for epoch, rate in zip((0, max(epochs, 1) - 1), schedule.extremes(epochs)):
        for domain, where in info.domains():
            if not domain.contains(rate):
                raise v.EvalError(
                    "HP004", span,
                    f"the schedule {schedule} reaches learning_rate {v.show(rate)} at epoch {epoch + 1}, "
                    f"outside {where} {domain}",
                    help="change the schedule so that every rate it reaches stays in the domain",
                )


def initialiser(expr) -> tuple:
    """A `param` initialiser: ('zeros',), ('constant', x), ('normal', mean, std), ('uniform', lo, hi)."""
    if isinstance(expr, n.Name):
        if expr.name == "zeros":
            return ("zeros",)
        raise v.EvalError("HP005", expr.span, f"unknown initialiser '{expr.name}'",
                          help=did_you_mean(expr.name, ("zeros", "normal", "uniform"), expr.span,
                                            "use zeros, a number, normal(MEAN, STD) or uniform(LO, HI)"))
    if isinstance(expr, n.Call):
        kind = expr.func.name
        if kind == "normal":
            bound = v.call_arguments(expr, ("mean", "std"), (), ("mean", "std"))
            mean = _init_number(bound["mean"].value)
            std = _init_number(bound["std"].value)
            if std < 0:
                raise v.EvalError("HP004", bound["std"].value.span, f"normal() std must be at least 0, not {v.show(std)}")
            return ("normal", float(mean), float(std))
        if kind == "uniform":
            bound = v.call_arguments(expr, ("low", "high"), (), ("low", "high"))
            low = _init_number(bound["low"].value)
            high = _init_number(bound["high"].value)
            if low > high:
                raise v.EvalError("HP004", expr.span, f"uniform({v.show(low)}, {v.show(high)}): low is above high",
                                  help="swap them")
            return ("uniform", float(low), float(high))
        raise v.EvalError("HP005", expr.func.span, f"unknown initialiser '{kind}'",
                          help=did_you_mean(kind, ("normal", "uniform"), expr.func.span,
                                            "use zeros, a number, normal(MEAN, STD) or uniform(LO, HI)"))
    return ("constant", float(_init_number(expr)))


def _init_number(expr):
    def no_names(ref: n.Name):
        if ref.name in ALL_HYPERS:
            raise v.EvalError("HP004", ref.span, "a parameter's initialiser cannot depend on a hyperparameter",
                              help="write a number")
        raise v.EvalError("HP005", ref.span, f"unknown name '{ref.name}' in an initialiser", help="write a number")

    value = v.evaluate(expr, no_names)
    if isinstance(value, v.Schedule):
        raise v.EvalError("HP004", expr.span, "a schedule cannot initialise a parameter")
    return value


def build_scope(program: n.Program, text_length: int) -> tuple[Scope, list[Diagnostic]]:
    declarations = _Declarations(program, text_length)
    scope = declarations.run()
    return scope, declarations.out
