"""PNG plots for `hpdsl run --plots`: a validation curve per tuned hyperparameter and a
learning curve per train. matplotlib (the `plot` extra) is imported only here, lazily,
with the Agg backend, so nothing else of hpdsl needs it."""

from __future__ import annotations

import importlib.util
import io


def missing_matplotlib() -> str | None:
    """None if matplotlib is installed, else what to tell the user (checked before running)."""
    if importlib.util.find_spec("matplotlib") is None:
        return "--plots needs matplotlib: pip install '.[plot]' from a checkout of hpdsl (or: pip install matplotlib)"
    return None


def write_plots(report) -> list[tuple[str, bytes]]:
    """(file name, PNG bytes) for every plot the report supports."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    out = []
    for step in report.data["steps"]:
        if step["kind"] != "tune":
            continue
        metric = step["objective"]["metric"]
        lower = step["objective"]["direction"] == "minimize"
        for name in step["best"]:
            best: dict = {}
            for trial in step["trials"]:
                value, score = trial["hypers"][name], trial["score"]
                if score is None or not isinstance(value, (int, float)):
                    continue
                if value not in best or (score < best[value] if lower else score > best[value]):
                    best[value] = score
            if not best:
                continue
            xs = sorted(best)
            figure, axes = plt.subplots(figsize=(6, 4))
            axes.plot(xs, [best[x] for x in xs], marker="o")
            axes.axvline(step["best"][name], color="grey", linestyle="--", label="chosen")
            if xs[0] > 0 and xs[-1] / xs[0] >= 100:
                axes.set_xscale("log")
            axes.set_xlabel(name)
            axes.set_ylabel(f"{metric} ({'best over other hyperparameters' if len(step['best']) > 1 else 'score'})")
            axes.set_title(f"tune at line {step['line']}: validation curve of {name}")
            axes.legend()
            out.append((f"tune_line{step['line']}_{name}.png", _png(figure, plt)))
    for curve in report.curves:
        figure, axes = plt.subplots(figsize=(6, 4))
        epochs = range(1, len(curve["loss"]) + 1)
        axes.plot(epochs, curve["loss"], label="training loss")
        for metric, split in sorted({(e["metric"], e["split"]) for e in curve["log"]}):
            points = [(e["epoch"], e["value"]) for e in curve["log"] if (e["metric"], e["split"]) == (metric, split)]
            axes.plot(*zip(*points), marker="o", label=f"{metric} on {split}")
        axes.set_xlabel("epoch")
        axes.set_yscale("log")
        axes.set_title(f"train at line {curve['line']}: learning curve")
        axes.legend()
        out.append((f"train_line{curve['line']}.png", _png(figure, plt)))
    return out


def _png(figure, plt) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()
