"""The run's record: report.json (docs/report.md), trials.csv, and the terminal summary.

Everything but `timings` is a function of the workflow, the data and the seeds, so two
runs give the same bytes once timings are removed. Floats are finite or null.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import platform

import numpy as np

from .. import __version__
from ..checker import values as v
from ..render import terminal_safe


class StepRecord:
    """What one step did: line, kind, the splits it names, and kind-specific results."""

    __slots__ = ("line", "kind", "splits", "extra")

    def __init__(self, line: int, kind: str, splits: list[str]) -> None:
        self.line = line
        self.kind = kind
        self.splits = splits
        self.extra: dict = {}

    def to_json(self) -> dict:
        return {"line": self.line, "kind": self.kind, "splits": self.splits, **self.extra}


def jsonable(value):
    """numpy scalars and arrays as plain Python; NaN and infinities as null; schedules as
    {"schedule": ...}; full batch (None) stays null; a tune's Trials as their list."""
    if isinstance(value, Trials):
        return value.listed
    if isinstance(value, v.Schedule):
        return value.to_json()
    if isinstance(value, dict):
        return {str(k): jsonable(x) for k, x in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(x) for x in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


_SCALARS = (int, float, bool, str, type(None))


class Trials:
    """A tune's trials, held as columns: each candidate's tuned values, its score (the mean
    over the folds) and, under cv, its fold scores and their standard deviation.

    `listed` is report.json's list of {"hypers", "score"[, "fold_scores", "fold_std"]},
    built in bulk; `json_items` and `csv_rows` write the same values as report.json's and
    trials.csv's text from the columns, each number formatted once, as json and csv
    would (repr of a float, null or an empty cell for a non-finite one). Thousands of
    candidates then cost about as much to report as to score.
    """

    __slots__ = ("names", "hypers", "scores", "folds", "fold_std", "listed", "_plain", "_texts", "_hyper_texts")

    def __init__(self, candidates: list[dict], scores: np.ndarray, folds: np.ndarray | None) -> None:
        self.names = list(candidates[0]) if candidates else []
        self._plain = all(type(x) in _SCALARS and (type(x) is not float or math.isfinite(x))
                          for c in candidates for x in c.values())
        self.hypers = candidates if self._plain else [jsonable(c) for c in candidates]
        self.scores = np.asarray(scores, dtype=float)
        self.folds = None if folds is None else np.asarray(folds, dtype=float)
        score = _nulled(self.scores)
        if self.folds is None:
            self.fold_std = None
            self.listed = [{"hypers": h, "score": x} for h, x in zip(self.hypers, score)]
        else:
            with np.errstate(all="ignore"):
                self.fold_std = np.std(self.folds, axis=1, ddof=1) if self.folds.shape[1] > 1 else \
                    np.full(len(self.folds), np.nan)
            self.listed = [{"hypers": h, "score": x, "fold_scores": f, "fold_std": d}
                           for h, x, f, d in zip(self.hypers, score, _nulled(self.folds), _nulled(self.fold_std))]
        self._texts = None
        self._hyper_texts: dict[str, list[str]] = {}

    def _numbers(self) -> list[tuple[list[str], list[int]]]:
        """Every number's repr, column by column (score, fold scores..., fold_std), and
        per column the rows where it is not finite (null in json, empty in csv)."""
        if self._texts is None:
            columns = [self.scores] + ([] if self.folds is None else [*self.folds.T, self.fold_std])
            # repr of a list formats its floats as float.__repr__ does, in one call
            self._texts = [(repr(column.tolist())[1:-1].split(", "), np.flatnonzero(~np.isfinite(column)).tolist())
                           for column in columns]
        return self._texts

    def _values(self, name: str, blank: str, text) -> list[str]:
        """A tuned hyperparameter's values as text: None as `blank`, others by `text`
        (ints and floats written as json and csv both write them, repr)."""
        if name in self._hyper_texts:
            return self._hyper_texts[name]
        values = [c[name] for c in self.hypers]
        if all(type(x) is float or type(x) is int for x in values):
            self._hyper_texts[name] = texts = repr(values)[1:-1].split(", ")
            return texts
        return [blank if x is None else text(x) for x in values]

    def json_items(self, indent: int) -> str | None:
        """The trials as json.dumps(listed, indent=2) writes them inside a document whose
        `"trials": [` line is indented by `indent` spaces: the text between the brackets
        (None when a value is not a plain number, and json itself must write it)."""
        if not self._plain or not self.listed:
            return None
        pad = [" " * (indent + k) for k in (2, 4, 6)]
        columns = []
        for name in self.names:
            columns.append(self._values(name, "null", _json_scalar))
        numbers = []
        for texts, bad in self._numbers():
            texts = list(texts)
            for k in bad:
                texts[k] = "null"
            numbers.append(texts)
        hypers = ",\n".join(f"{pad[2]}{_json_key(name).replace('%', '%%')}: %s" for name in self.names)
        template = f"{pad[0]}{{\n{pad[1]}\"hypers\": {{\n{hypers}\n{pad[1]}}},\n{pad[1]}\"score\": %s"
        if self.folds is not None:
            folds = ",\n".join(f"{pad[2]}%s" for _ in range(self.folds.shape[1]))
            template += f",\n{pad[1]}\"fold_scores\": [\n{folds}\n{pad[1]}],\n{pad[1]}\"fold_std\": %s"
        template += f"\n{pad[0]}}}"
        return ",\n".join(map(template.__mod__, zip(*columns, *numbers)))

    def csv_rows(self, line: int, names: list[str], folds: int) -> str | None:
        """The trials' lines of trials.csv, whose columns are `names` and `folds` fold
        scores (None when a value is not a plain number, and the csv writer must quote it)."""
        if not self._plain or any(type(c[name]) is str for c in self.hypers for name in self.names):
            return None
        columns = [self._values(name, "", str) for name in self.names]
        numbers = []
        for texts, bad in self._numbers()[:-1 if self.folds is not None else None]:  # no fold_std in csv
            texts = list(texts)
            for k in bad:
                texts[k] = ""
            numbers.append(texts)
        own = self.names
        cells = [str(line), "%d"] + ["%s" if name in own else "" for name in names] + \
            ["%s"] * len(numbers) + [""] * (folds - len(numbers) + 1)
        template = ",".join(cells) + "\n"
        order = [columns[own.index(name)] for name in names if name in own]
        return "".join(map(template.__mod__, zip(range(1, len(self.listed) + 1), *order, *numbers)))


def _nulled(values: np.ndarray) -> list:
    """Floats as Python floats, the non-finite ones as None (null)."""
    return np.where(np.isfinite(values), values, None).tolist()


def _json_key(name: str) -> str:
    return json.encoder.encode_basestring_ascii(name)


def _json_scalar(value) -> str:
    """A plain value as json.dumps writes it (report.json escapes non-ASCII text)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is str:
        return json.encoder.encode_basestring_ascii(value)
    return repr(value)


class Report:
    def __init__(self) -> None:
        self.steps: list[StepRecord] = []
        self.timings: list[tuple[int, str, float]] = []
        self.curves: list[dict] = []  # per train: loss and training mse per epoch, logged values, kept epoch (for plots)
        self.overrides: list[dict] = []
        self.search_seeds: list[dict] = []
        self.warnings: list = []  # run-time warnings (HP209): Diagnostics, printed after the report
        self._warned: list[dict] = []
        self.data: dict = {}
        # Not part of report.json: model.json's content (None when nothing was trained),
        # for `--out`, and what split_rows needs, for the Python API.
        self.model: dict | None = None
        self.split_layout: dict = {}
        self.streamed: str | None = None  # why the run streamed the data (for the terminal), or None
        self._file_rows = self._order = self._recount = None
        self._trials: list[Trials] = []  # the tunes' trials as columns, for writing them in bulk

    def warn(self, diagnostic, line: int) -> None:
        """Keep a run-time warning (None: nothing to warn about), for stderr and report.json."""
        if diagnostic is not None:
            self.warnings.append(diagnostic)
            self._warned.append({"code": diagnostic.code, "line": line, "message": diagnostic.message})

    def finish(self, run, data, total: float) -> None:
        """Assemble the report from the interpreter's final state."""
        scope = run.scope
        source = run.source
        raw = run.options.workflow_bytes
        text_bytes = raw if raw is not None else source.text.encode("utf-8")
        model = run.model
        self.data = jsonable({
            "workflow": {"title": scope.title, "path": source.path, "sha256": hashlib.sha256(text_bytes).hexdigest()},
            "model": scope.model.name,
            "data": {"source": data.source, "rows": run.store.total, "features": list(data.features),
                     "target": data.target, "sha256": data.sha256},
            "splits": {info.name: {"role": info.role, "rows": run.store.size(info.name)}
                       for info in scope.splits.values()},
            "steps": [step.to_json() for step in self.steps],
            "hypers": dict(run.hypers),
            "params": None if model is None else _params(model, data.features),
            "standardize": None if run.standardization is None else run.standardization.to_json(),
            "truth": data.truth,
            "warnings": self._warned,
            "audit": run.store.audit(),
            "overrides": self.overrides,
            "seeds": {"split": scope.split_seed, "data": data.seed, "model": run.hypers.get("seed"),
                      "searches": self.search_seeds},
            "versions": {"hpdsl": __version__, "numpy": np.__version__, "python": platform.python_version()},
            "timings": {"total": total,
                        "steps": [{"line": line, "kind": kind, "seconds": seconds}
                                  for line, kind, seconds in self.timings]},
        })
        from .model import document  # here, not above: model.py uses this module's jsonable

        dialect = run.scope.source.args if run.scope.source.kind == "csv" else None
        self.model = document(self.data, model, dialect and {"sep": dialect.get("sep", ","),
                                                             "missing": list(dialect.get("missing", [""]))})
        self.split_layout, self._order, self._file_rows = run.split_layout, run.split_order, data.rows
        self._recount = run.streamed_rows if run.streamed else None
        self._trials = [step.extra["trials"] for step in self.steps if isinstance(step.extra.get("trials"), Trials)]

    def split_rows(self, split: str):
        """The data-file row numbers of a split's rows, ascending (computed when asked: only
        the Python API wants them; a streamed run finds them again, in one more pass)."""
        start, stop = self.split_layout[split]
        if self._order is None and self._recount is not None:
            self._order, self._file_rows = self._recount()
        return np.sort(self._file_rows[self._order[start:stop]])

    # ---- outputs ---------------------------------------------------------------------------------

    def to_json(self) -> str:
        """report.json's text: json.dumps(data, indent=2), except that each tune's trials
        (most of the text, with thousands of candidates) are written from their columns
        into the place json leaves for them."""
        steps = list(self.data["steps"])
        bulk = {}
        for index, step in enumerate(steps):
            trials = self._columns_of(step)
            if trials is not None:
                token = f"\x00trials of step {index}"
                bulk[json.dumps(token)] = trials
                steps[index] = {**step, "trials": token}
        text = json.dumps({**self.data, "steps": steps} if bulk else self.data, indent=2, allow_nan=False)
        for token, trials in bulk.items():
            at = text.find(token)
            if at < 0 or text.find(token, at + 1) >= 0:  # some text of the data looks like the token
                return json.dumps(self.data, indent=2, allow_nan=False) + "\n"
            head = text[text.rfind("\n", 0, at) + 1:at]  # the `"trials": ` line
            indent = len(head) - len(head.lstrip(" "))
            items = trials.json_items(indent)
            if items is None:
                return json.dumps(self.data, indent=2, allow_nan=False) + "\n"
            text = f"{text[:at]}[\n{items}\n{' ' * indent}]{text[at + len(token):]}"
        return text + "\n"

    def _columns_of(self, step: dict) -> Trials | None:
        """The columns of a tune step's trials, while report.json still holds the list they made."""
        trials = step.get("trials")
        return next((t for t in self._trials if t.listed is trials), None) if trials is not None else None

    def trials_csv(self) -> str:
        """One row per trial of every tune: line, trial index, each tuned hyperparameter,
        score, and the fold scores under cv."""
        tunes = [s for s in self.data["steps"] if s["kind"] == "tune"]
        names: list[str] = []
        folds = 0
        for step in tunes:
            for name in step["best"]:
                if name not in names:
                    names.append(name)
            folds = max(folds, step["cv"] or 0)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["line", "trial", *names, "score", *(f"fold_{k + 1}" for k in range(folds))])
        for step in tunes:
            columns = self._columns_of(step)
            rows = columns.csv_rows(step["line"], names, folds) if columns is not None else None
            if rows is not None:
                out.write(rows)
                continue
            for index, trial in enumerate(step["trials"]):
                hypers = trial["hypers"]
                fold_scores = trial.get("fold_scores", [])
                writer.writerow([step["line"], index + 1, *(_cell(hypers.get(name, "")) for name in names),
                                 _cell(trial["score"]),
                                 *(_cell(x) for x in fold_scores), *([""] * (folds - len(fold_scores)))])
        return out.getvalue()

    def summary(self) -> str:
        """The report for a person: splits, steps and scores, the best trials, the final
        hyperparameters, parameters beside the truth, and the audit of the test rows."""
        d = self.data
        out = []
        title = d["workflow"]["title"]
        out.append(f"{title} ({d['workflow']['path']})" if title else d["workflow"]["path"])
        data = d["data"]
        out.append(f"data    {data['source']}: {data['rows']} rows, {len(data['features'])} features, "
                   f"target {data['target']}")
        out.append("splits  " + ", ".join(f"{name} {s['rows']}" + (f" (as {s['role']})" if s["role"] != name else "")
                                         for name, s in d["splits"].items()))
        out.append("")
        for step in d["steps"]:
            out.extend(_describe(step))
        out.append("")
        out.append("hyperparameters  " + ", ".join(f"{k} {_show(x)}" for k, x in d["hypers"].items()))
        params = d["params"]
        if params is not None:
            out.extend(_parameters(d, params))
        out.append(_audit_line(d))
        if "ledger" in d:
            out.append(_ledger_line(d["ledger"]))
        # Names come from the user's files (a CSV header, the workflow's title): shown safely.
        return "\n".join(terminal_safe(line) for line in out) + "\n"


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def _show(value) -> str:
    if value is None:
        return "full batch"
    if isinstance(value, dict):
        args = ", ".join(f"{k}: {_num(x)}" for k, x in value.items() if k != "schedule")
        return f"{value['schedule']}({args})"
    return _num(value)


def _num(value) -> str:
    if value is None:
        return "nan"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _scores(scores: dict) -> str:
    return "  ".join(f"{k} {_num(x)}" for k, x in scores.items())


_LISTED = 8  # categories an encode line of the summary names (report.json has them all)


def _describe(step: dict) -> list[str]:
    head = f"  line {step['line']:<4} {step['kind']}"
    splits = " + ".join(step["splits"])
    kind = step["kind"]
    if kind == "set":
        return [f"{head} {step['name']} = {_show(step['value'])}"]
    if kind == "standardize":
        return [f"{head} using {splits}"]
    if kind == "impute":
        fills = ", ".join(f"{c} {_num(x)}" for c, x in step["fill"].items())
        return [f"{head} using {splits}: {step['strategy']} fills {fills}"]
    if kind == "encode":
        lines = []
        for column in step["columns"]:
            categories = step["categories"][column]
            unseen = {k: x for k, x in step["unseen"][column].items() if x}
            missing = {k: x for k, x in step["missing"][column].items() if x}
            note = "".join(f"; {what} in " + ", ".join(f"{k} {x}" for k, x in counts.items())
                           for what, counts in (("unseen", unseen), ("missing", missing)) if counts)
            shown = ", ".join(categories[:_LISTED]) + (f", ... and {len(categories) - _LISTED} more"
                                                       if len(categories) > _LISTED else "")
            lines.append(f"{head if not lines else ' ' * len(head)} {column} using {splits}: "
                         f"{len(categories)} categories ({shown}){note}")
        return lines
    if kind == "train":
        if step["epochs_run"] is None:
            return [f"{head} on {splits}: solved exactly"]
        how = f"{step['epochs_run']} epochs"
        if step["stopped_early"]:
            how += f", stopped early (best epoch {step['best_epoch']})"
        elif "best_epoch" in step:
            how += f" (best epoch {step['best_epoch']})"
        return [f"{head} on {splits}: {how}"]
    if kind in ("evaluate", "test"):
        return [f"{head} on {splits}: {_scores(step['scores'])}"]
    objective = step["objective"]
    nested = step.get("nested")
    where = f"cv {step['cv']} on {splits}" if step["cv"] else f"on {splits}"
    if nested is not None:
        where = f"cv {step['cv']} nested in cv {nested['folds']} on {splits}"
    best = ", ".join(f"{k} {_show(x)}" for k, x in step["best"].items())
    lines = [f"{head} {where}, {step['search']} of {len(step['trials'])}: best {best} "
             f"({objective['metric']} {_num(step['score'])})"]
    if nested is not None:
        lines.extend(_nested(nested, objective["metric"], step["score"]))
    lower = objective["direction"] == "minimize"
    ranked = _ranked([t["score"] for t in step["trials"]], lower)
    if step["cv"]:
        lines.append(f"             top candidates, {objective['metric']} mean ± standard deviation over the folds:")
    for place, index in enumerate(ranked[:5]):
        trial = step["trials"][index]
        value = trial["score"]
        hypers = ", ".join(f"{k} {_show(x)}" for k, x in trial["hypers"].items())
        spread = f" ± {_num(trial['fold_std'])}" if trial.get("fold_std") is not None else ""
        lines.append(f"             {place + 1}. {hypers}: {objective['metric']} {_num(value)}{spread}")
    diverged = len(step["trials"]) - len(ranked)
    if diverged:
        lines.append(f"             ({diverged} candidate{'s' if diverged != 1 else ''} diverged or scored no finite "
                     "number)")
    lines.extend(f"             note: {note}" for note in step["notes"])
    lines.extend(_selection(step["selection"], objective["metric"], step["cv"]))
    return lines


def _ranked(scores: list, lower: bool) -> list[int]:
    """The indices of the trials with a score, best first, ties in trial order (a stable
    sort of thousands of scores at once)."""
    values = np.array([np.nan if x is None else x for x in scores], dtype=float)
    scored = np.flatnonzero(~np.isnan(values))
    return scored[np.argsort(values[scored] if lower else -values[scored], kind="stable")].tolist()


def _nested(nested: dict, metric: str, flat: float) -> list[str]:
    """The outer folds' estimate of the whole tune, beside the flat cv score of its choice."""
    lines = [f"             nested cv {nested['folds']}: {metric} {_num(nested['mean'])} ± {_num(nested['std'])} "
             f"(mean ± std over the outer folds), the estimate of this whole tune; "
             f"{_num(flat)} above is the score it chose by"]
    for index, fold in enumerate(nested["outer"]):
        best = ", ".join(f"{k} {_show(x)}" for k, x in fold["best"].items())
        lines.append(f"             outer {index + 1:>2}: chose {best} (inner cv {_num(fold['inner_score'])} on "
                     f"{fold['training_rows']} rows), {metric} {_num(fold['score'])} on {fold['rows']} held out")
    return lines


def _selection(selection: dict, metric: str, cv) -> list[str]:
    """The winner's score with its standard error, and the selection optimism (BBC-CV)."""
    rows = f"{selection['rows']} {'out-of-fold' if cv else 'validation'} rows"
    if selection["optimism"] is None:
        return [f"             optimism not estimated: the winner's losses on the {rows} are not finite numbers"]
    return [f"             winner {metric} {_num(selection['score'])} ± {_num(selection['standard_error'])} "
            f"(standard error over the {rows})",
            f"             selection optimism {_num(selection['optimism'])} (BBC-CV estimate {_num(selection['estimate'])}; "
            f"{selection['bootstraps']} bootstraps, seed {selection['seed']})"]


def _params(model, features: list[str]) -> dict:
    """The model's parameters as trained, and in the units of the data's columns: with a
    standardization z = (x - mean) / std, w·z + b = (w / std)·x + (b - Σ w·mean / std);
    indicator columns are never scaled, so their weights are the same in both."""
    columns = model.preparation.columns if model.preparation is not None else list(features)
    weights, intercept = np.asarray(model.weights, dtype=np.float64), float(model.intercept)
    raw_w, raw_b = weights, intercept
    scaling = model.standardization
    if scaling is not None:
        scaling = scaling.aligned(columns)
        raw_w = weights / scaling.std
        raw_b = intercept - float(raw_w @ scaling.mean)
    return {"weights": weights, "intercept": intercept, "columns": columns,
            "raw": {"weights": raw_w, "intercept": raw_b}}


def _parameters(d: dict, params: dict) -> list[str]:
    """Each weight in the units of its column (and as trained, when standardized), beside
    the truth for synthetic data."""
    columns = params["columns"]
    truth = d["truth"]
    scaled = d["standardize"] is not None
    head = ["raw units"] + (["standardized"] if scaled else []) + (["truth"] if truth is not None else [])
    width = max(12, *(len(c) for c in columns))
    lines = [f"parameters{' ' * (width - 8)}" + "".join(f" {h:>12}" for h in head)]
    # The truth belongs to the data's features by name: an encoded synthetic feature's
    # indicator columns have none (shown as "-").
    true = dict(zip(d["data"]["features"], truth["weights"])) if truth is not None else {}
    rows = [(name, params["raw"]["weights"][k], params["weights"][k], true.get(name, "-"))
            for k, name in enumerate(columns)]
    rows.append(("intercept", params["raw"]["intercept"], params["intercept"], truth["intercept"] if truth else None))
    for name, raw, trained, known in rows:
        cells = [raw] + ([trained] if scaled else []) + ([known] if truth is not None else [])
        lines.append(f"  {name:<{width}}" + "".join(f" {_num(x):>12}" for x in cells))
    return lines


def _audit_line(d: dict) -> str:
    tests = [name for name, s in d["splits"].items() if s["role"] == "test"]
    if not tests:
        return "audit   no test split"
    name = tests[0]
    rows = d["splits"][name]["rows"]
    reads = d["audit"][name]
    if not reads:
        return f"audit   {name} rows ({rows}) never read"
    by = ", ".join(f"{r['kind']} at line {r['line']}" for r in reads)
    times = "once" if len(reads) == 1 else f"{len(reads)} times"
    if d.get("ledger", {}).get("recorded") is False:
        times += " in this run"  # earlier runs are unknown: never a bare "read once"
    return f"audit   {name} rows ({rows}) read {times}, by {by}"


def _ledger_line(ledger: dict) -> str:
    """What the test-use ledger knows about the test rows (hpdsl.ledger.record)."""
    if not ledger["recorded"]:
        return ("ledger  not recorded (--no-ledger): earlier looks at these test rows are unknown, "
                "so this run cannot claim they were read once")
    test = ledger["test"]
    if test is None:
        return f"ledger  entry {ledger['entry']} in {ledger['location']} (no look at test rows)"
    looks, versions = test["looks"], test["versions"]
    entries = ", ".join(str(e) for e in test["entries"])
    line = (f"ledger  entry {ledger['entry']} in {ledger['location']}: test rows scored by {versions} "
            f"version{'s' if versions != 1 else ''} in {looks} look{'s' if looks != 1 else ''} "
            f"(entr{'y' if looks == 1 else 'ies'} {entries})")
    if test["supersedes"] is not None:
        line += f"; supersedes entry {test['supersedes']}"
    return line
