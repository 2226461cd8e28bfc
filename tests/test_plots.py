"""`--plots` draws what a careful reader can trust, checked on the figures' data (not
pixels): training MSE recomputed with numpy, the kept epoch, symlog for a grid with 0,
a scatter for random search, the fold band for cv, error axes that start at 0."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib import pyplot as plt  # matplotlib is in the test extra
from matplotlib.collections import PathCollection, PolyCollection

from hpdsl.checker import check_text
from hpdsl.runtime import Options, run
from hpdsl.runtime.plots import figures, write_plots

ROWS, SPLIT_SEED = 200, 5


def csv_data(tmp_path) -> tuple[str, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(ROWS, 3)) * [1.0, 3.0, 0.5] + [2.0, -1.0, 0.0]
    y = X @ [1.5, -0.5, 2.0] + 4.0 + rng.normal(scale=0.7, size=ROWS)
    path = tmp_path / "d.csv"
    path.write_text("a,b,c,target\n" + "".join(",".join(repr(float(v)) for v in (*r, t)) + "\n" for r, t in zip(X, y)))
    return str(path), X, y


def run_workflow(tmp_path, hypers: str, steps: str, model: str = "linear_regression"):
    path, X, y = csv_data(tmp_path)
    source = (f'data d = csv("{path}", target: "target")\n'
              f"split d -> train 60%, validation 20%, test 20% seed {SPLIT_SEED}\n"
              f"model {model}\nhyper {{\n{hypers}\n}}\n{steps}")
    analysis = check_text(source, "plots.hp")
    assert not analysis.errors, analysis.errors
    return run(analysis, Options()), X, y


LINEAR = """\
    learning_rate: float in (0, 1] = 0.05
    l2:            float in [0, 10] = 0.3
    epochs:        int in [1, 500] = 40
    batch_size:    int in [1, 512] = 16
    seed:          int = 0"""


def drawn(report, prefix: str) -> list:
    """The figures whose file names start with `prefix`, in order."""
    return [figure for name, figure in figures(report) if name.startswith(prefix)]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def line(axes, label: str):
    (found,) = [ln for ln in axes.get_lines() if ln.get_label().startswith(label)]
    return found


def test_the_learning_curve_is_training_mse_not_the_loss(tmp_path):
    report, X, y = run_workflow(tmp_path, LINEAR, "train on train\ntest on test\n")
    (axes,) = drawn(report, "train_line")[0].axes
    curve = line(axes, "mse on the training rows")
    ys = np.asarray(curve.get_ydata())
    assert list(curve.get_xdata()) == list(range(1, 41))
    # Recomputed with numpy: the final epoch's value is the final model's MSE on the
    # training rows (the first 60% of the split's shuffled order).
    order = np.random.default_rng(SPLIT_SEED).permutation(ROWS)
    train = order[:120]
    w = np.array(report.data["params"]["weights"])
    b = report.data["params"]["intercept"]
    expected = np.mean((X[train] @ w + b - y[train]) ** 2)
    assert ys[-1] == pytest.approx(expected, rel=1e-9)
    # ... and the loss (½·MSE + l2/2·‖w‖²) is not what is drawn: with l2 = 0.3 it is far off.
    loss = expected / 2 + 0.3 / 2 * w @ w
    assert not math.isclose(ys[-1], loss, rel_tol=0.05)
    assert axes.get_ylabel() == "mse"
    assert axes.get_ylim()[0] == 0 or axes.get_yscale() == "log"


def test_early_stopping_marks_the_kept_epoch_and_shares_the_metric_axis(tmp_path):
    steps = ("train on train {\n    every 2 epochs: log mse on validation\n"
             "    every 2 epochs: log r2 on validation\n"
             "    stop early when mse on validation has not improved for 3 epochs\n}\ntest on test\n")
    report, X, y = run_workflow(tmp_path, LINEAR.replace("= 40", "= 400").replace("0.05", "0.2"), steps)
    step = next(s for s in report.data["steps"] if s["kind"] == "train")
    assert step["stopped_early"]
    (figure,) = drawn(report, "train_line")
    mse_axes, r2_axes = figure.axes
    assert mse_axes.get_ylabel() == "mse" and r2_axes.get_ylabel() == "r2"
    kept = line(mse_axes, "stopped early, kept")
    assert list(kept.get_xdata()) == [step["best_epoch"]] * 2
    validation = line(mse_axes, "mse on validation")
    logged = [e["value"] for e in step["log"] if e["metric"] == "mse"]
    assert list(validation.get_ydata()) == logged
    # Training is on the same panel and metric as the validation MSE it is compared with.
    assert len(line(mse_axes, "mse on the training rows").get_ydata()) == step["epochs_run"]
    assert r2_axes.get_ylim()[1] == pytest.approx(1.02)


def test_a_grid_with_zero_on_a_log_range_uses_symlog(tmp_path):
    report, _, _ = run_workflow(tmp_path, "    l2: float in [0, 1000] = 1.0",
                                "tune l2 in [0, 0.01, 0.1, 1, 10, 100] on validation\ntest on test\n", "ridge")
    axes = drawn(report, "tune_line")[0].axes[0]
    assert axes.get_xscale() == "symlog"
    assert list(line(axes, "validation").get_xdata()) == [0, 0.01, 0.1, 1, 10, 100]
    assert axes.get_ylim()[0] == 0  # an error metric starts at its baseline


def test_a_positive_log_grid_is_log_and_a_narrow_one_linear(tmp_path):
    report, _, _ = run_workflow(tmp_path, "    l2: float in [0, 1000] = 1.0",
                                "tune l2 in [0.01, 1, 100] on validation\nset l2 = 1\ntrain on train\n"
                                "tune l2 in [1, 2, 3] on validation\ntest on test\n", "ridge")
    wide, narrow = drawn(report, "tune_line")
    assert wide.axes[0].get_xscale() == "log"
    assert narrow.axes[0].get_xscale() == "linear"


def test_random_search_is_a_scatter_of_every_trial(tmp_path):
    steps = ("tune learning_rate in loguniform(0.01, 0.3), l2 in uniform(0, 1) on validation "
             "using random 7 seed 3\ntest on test\n")
    report, _, _ = run_workflow(tmp_path, LINEAR, steps)
    tune = next(s for s in report.data["steps"] if s["kind"] == "tune")
    axes = drawn(report, "tune_line")[0].axes[0]
    (points,) = [c for c in axes.collections if isinstance(c, PathCollection)]
    offsets = np.asarray(points.get_offsets())
    assert offsets.tolist() == [[t["hypers"]["learning_rate"], t["score"]] for t in tune["trials"]]
    # No line joins unrelated candidates: the only line is the chosen value's marker.
    assert [ln.get_label() for ln in axes.get_lines()] == [f"chosen: {tune['best']['learning_rate']:g}"]


def test_cv_shows_mean_and_the_fold_spread(tmp_path):
    report, _, _ = run_workflow(tmp_path, "    l2: float in [0, 1000] = 1.0",
                                "tune l2 in [0.1, 10, 100] using cv 4 on train + validation\ntest on test\n",
                                "ridge")
    tune = next(s for s in report.data["steps"] if s["kind"] == "tune")
    axes = drawn(report, "tune_line")[0].axes[0]
    mean = line(axes, "cv mean")
    assert list(mean.get_ydata()) == [t["score"] for t in tune["trials"]]
    (band,) = [c for c in axes.collections if isinstance(c, PolyCollection)]
    assert band.get_label() == "± std over folds"
    vertices = band.get_paths()[0].vertices
    for trial in tune["trials"]:
        folds = np.array(trial["fold_scores"])
        x = trial["hypers"]["l2"]
        at_x = vertices[vertices[:, 0] == x][:, 1]
        spread = folds.std(ddof=1)
        assert min(at_x) == pytest.approx(folds.mean() - spread, rel=1e-12)
        assert max(at_x) == pytest.approx(folds.mean() + spread, rel=1e-12)


def test_write_plots_gives_png_bytes_and_closes_its_figures(tmp_path):
    report, _, _ = run_workflow(tmp_path, LINEAR, "tune l2 in [0, 1] on validation\ntest on test\n")
    before = plt.get_fignums()
    files = write_plots(report)
    assert [name for name, _ in files] == ["tune_line11_l2.png"]
    assert files[0][1].startswith(b"\x89PNG")
    assert plt.get_fignums() == before
