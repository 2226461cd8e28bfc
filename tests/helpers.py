"""Shared test helpers: one-line rule tests in the style of pyflakes' `self.flakes(src, m.X)`."""

from __future__ import annotations

import os
import subprocess
import sys

from hpdsl.checker import check_text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")

# Declarations shared by the rule tests: a synthetic data set with all three roles.
PREAMBLE = """\
data d = synthetic(rows: 200, features: 3, noise: 0.1, seed: 1)
split d -> train 60%, validation 20%, test 20% seed 7
model linear_regression
hyper {
    learning_rate: float in (0, 1]    = 0.1
    l2:            float in [0, 10]   = 0.0
    epochs:        int   in [1, 1000] = 50
    batch_size:    int   in [1, 512]  = 32
    seed:          int                = 0
}
"""

# The language-server tests' declarations: the same data and splits, three hyperparameters.
LSP_PREAMBLE = """\
data d = synthetic(rows: 200, features: 3, noise: 0.1, seed: 1)
split d -> train 60%, validation 20%, test 20% seed 7
model linear_regression
hyper {
    learning_rate: float in (0, 1] = 0.1
    l2:            float in [0, 10] = 0.0
    epochs:        int in [1, 1000] = 50
}
"""

RIDGE_PREAMBLE = """\
data d = synthetic(rows: 200, features: 3, noise: 0.1, seed: 1)
split d -> train 60%, validation 20%, test 20% seed 7
model ridge
hyper {
    l2: float in [0, 100] = 1.0
}
"""

# A plain train-and-test ridge workflow on d.csv (columns x1.., y): for runs whose reading,
# not whose tune, a test is about.
CSV_TRAIN_TEST = """\
data d = csv("d.csv", target: "y")
split d -> train 60%, validation 20%, test 20% seed 5
model ridge
hyper {
    l2: float in [0, inf) = 1.0
}
standardize using train
train on train
test on test
"""


def diagnostics(source: str, overrides=()):
    return check_text(source, "test.hp", overrides=list(overrides)).diagnostics


def codes(source: str, overrides=()) -> list[str]:
    """The codes a workflow yields, in order."""
    return [d.code for d in diagnostics(source, overrides)]


def step_codes(steps: str, preamble: str = PREAMBLE) -> list[str]:
    """The codes of a workflow made of the standard declarations and these steps."""
    return codes(preamble + steps)


def hpdsl_command() -> list[str]:
    """The installed `hpdsl` console script (beside this interpreter), as a user runs it."""
    script = os.path.join(os.path.dirname(sys.executable), "hpdsl")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "hpdsl"]


def hpdsl(*args: str, stdin: bytes | None = None, cwd: str | None = None, env=None) -> subprocess.CompletedProcess:
    """Run the installed `hpdsl` command in a fresh process."""
    return subprocess.run(
        [*hpdsl_command(), *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )
