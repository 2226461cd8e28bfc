"""PNG plots for `hpdsl run --plots`: a validation curve per tuned hyperparameter and a
learning curve per train. matplotlib (the `plot` extra) is imported only here, lazily,
with the Agg backend, so nothing else of hpdsl needs it.

The plots are drawn so that a careful reader is not misled: a learning curve compares
training and validation on the same metric (training MSE, not the loss ½·MSE + penalty)
and marks the epoch early stopping kept; a random search is a scatter of its trials, not
a line through unrelated candidates; a cross-validated curve shows the folds' spread; an
error axis starts at 0, so a 1% difference looks like 1%."""

from __future__ import annotations

import importlib.util
import io
import math

ERRORS = ("mse", "rmse", "mae")  # metrics >= 0 whose natural baseline is 0
WIDE = 100  # a positive range spanning this ratio or more is drawn on a log scale


def missing_matplotlib() -> str | None:
    """None if matplotlib is installed, else what to tell the user (checked before running)."""
    if importlib.util.find_spec("matplotlib") is None:
        return "--plots needs matplotlib: pip install '.[plot]' from a checkout of hpdsl (or: pip install matplotlib)"
    return None


def write_plots(report) -> list[tuple[str, bytes]]:
    """(file name, PNG bytes) for every plot the report supports."""
    from matplotlib import pyplot as plt

    out = []
    for name, figure in figures(report):
        out.append((name, _png(figure)))
        plt.close(figure)
    return out


def figures(report) -> list[tuple[str, object]]:
    """(file name, matplotlib figure) for every plot the report supports; the caller closes them."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    out = []
    for step in report.data["steps"]:
        if step["kind"] == "tune":
            for name in step["best"]:
                figure = _tune_figure(plt, step, name)
                if figure is not None:
                    out.append((f"tune_line{step['line']}_{name}.png", figure))
    for curve in report.curves:
        out.append((f"train_line{curve['line']}.png", _learning_figure(plt, curve)))
    return out


def _tune_figure(plt, step: dict, name: str):
    """Validation score against one tuned hyperparameter: for a grid, the best candidate at
    each value (with mean ± std of its fold scores under cv); for a random search, every
    trial as a point."""
    metric = step["objective"]["metric"]
    lower = step["objective"]["direction"] == "minimize"
    trials = [t for t in step["trials"] if t["score"] is not None and isinstance(t["hypers"][name], (int, float))
              and not isinstance(t["hypers"][name], bool)]
    if not trials:
        return None
    others = len(step["best"]) > 1
    figure, axes = plt.subplots(figsize=(6, 4))
    if step["search"] == "random":
        xs = [t["hypers"][name] for t in trials]
        ys = [t["score"] for t in trials]
        axes.scatter(xs, ys, s=18, alpha=0.8, label=f"{len(trials)} random trials")
        shown = ys
    else:
        best: dict = {}
        for trial in trials:
            value = trial["hypers"][name]
            if value not in best or (trial["score"] < best[value]["score"] if lower
                                     else trial["score"] > best[value]["score"]):
                best[value] = trial
        xs = sorted(best)
        ys = [best[x]["score"] for x in xs]
        kind = "cv mean" if "fold_scores" in trials[0] else "validation"
        axes.plot(xs, ys, marker="o", label=kind + (", best over the other hyperparameters" if others else ""))
        shown = list(ys)
        if "fold_scores" in trials[0]:
            spread = [_std(best[x]["fold_scores"]) for x in xs]
            low = [y - s for y, s in zip(ys, spread)]
            high = [y + s for y, s in zip(ys, spread)]
            axes.fill_between(xs, low, high, alpha=0.25, label="± std over folds")
            shown += low + high
    axes.axvline(step["best"][name], color="grey", linestyle="--", label=f"chosen: {step['best'][name]:g}")
    _x_axis(axes, xs)
    _value_axis(axes, metric, shown)
    axes.set_xlabel(name)
    axes.set_ylabel(f"validation {metric}")
    axes.set_title(f"tune at line {step['line']}: validation curve of {name}")
    axes.legend()
    return figure


def _learning_figure(plt, curve: dict):
    """Training MSE per epoch beside every logged metric, one panel per metric, with the
    epoch early stopping kept marked."""
    metrics = sorted({e["metric"] for e in curve["log"]} | {"mse"}, key=lambda m: (m != "mse", m))
    figure, panels = plt.subplots(len(metrics), 1, figsize=(6, 3.2 * len(metrics)), squeeze=False)
    for axes, metric in zip(panels[:, 0], metrics):
        shown: list[float] = []
        if metric == "mse":
            epochs = list(range(1, len(curve["train_mse"]) + 1))
            axes.plot(epochs, curve["train_mse"], label="mse on the training rows")
            shown += curve["train_mse"]
        for split in sorted({e["split"] for e in curve["log"] if e["metric"] == metric}):
            points = [(e["epoch"], e["value"]) for e in curve["log"] if (e["metric"], e["split"]) == (metric, split)]
            axes.plot(*zip(*points), marker="o", markersize=3, label=f"{metric} on {split}")
            shown += [value for _, value in points]
        if curve["best_epoch"] is not None:
            how = "stopped early, kept" if curve["stopped_early"] else "kept"
            axes.axvline(curve["best_epoch"], color="grey", linestyle="--",
                         label=f"{how}: epoch {curve['best_epoch']}")
        _value_axis(axes, metric, shown)
        axes.set_xlabel("epoch")
        axes.set_ylabel(metric)
        axes.legend()
    panels[0, 0].set_title(f"train at line {curve['line']}: learning curve")
    return figure


def _std(values: list[float]) -> float:
    """The sample standard deviation (ddof 1) of fold scores: the folds are a sample."""
    mean = sum(values) / len(values)
    return math.sqrt(sum((x - mean) ** 2 for x in values) / (len(values) - 1)) if len(values) > 1 else 0.0


def _x_axis(axes, xs: list[float]) -> None:
    """A log axis for positive values spanning 100x or more; symlog when such a grid also
    holds 0 (log cannot draw 0), linear below the smallest positive value."""
    positive = [x for x in xs if x > 0]
    if len(positive) < 2 or max(positive) / min(positive) < WIDE or min(xs) < 0:
        return
    if min(xs) == 0:
        axes.set_xscale("symlog", linthresh=min(positive))
    else:
        axes.set_xscale("log")


def _value_axis(axes, metric: str, values: list[float]) -> None:
    """The score axis. An error metric starts at 0 (its baseline) on a linear scale, so a
    1% difference looks like 1%; when its values span 100x or more (an early learning
    curve) it is logarithmic instead, which also shows ratios honestly. r2 is drawn up to
    1, its ceiling, and down to 0 or its lowest value."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return
    low, high = min(finite), max(finite)
    if metric in ERRORS:
        if low > 0 and high / low >= WIDE:
            axes.set_yscale("log")
        else:
            axes.set_ylim(0, high * 1.05 if high > 0 else 1)
    elif metric == "r2":
        axes.set_ylim(min(0.0, low) - 0.05 * (1 - min(0.0, low)), 1.02)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
