"""What each model knows: its hyperparameters (type, domain, default), parameters and metrics.

Data only (docs/models.md). The checker validates against it and the interpreter
trains with it; neither hard-codes a model's names anywhere else.
"""

from __future__ import annotations

from .domains import Domain, Interval, INF

FULL_BATCH = None  # batch_size's default: every training row in one gradient step


class HyperSpec:
    __slots__ = ("name", "type", "domain", "default", "schedule", "meaning")

    def __init__(self, name, type_, domain, default, meaning, schedule=False) -> None:
        self.name = name
        self.type = type_  # "float" or "int"
        self.domain: Domain = domain
        self.default = default
        self.schedule = schedule  # may be a learning-rate schedule
        self.meaning = meaning


class ModelSpec:
    __slots__ = ("name", "hypers", "iterative", "summary")

    def __init__(self, name: str, hypers: list[HyperSpec], iterative: bool, summary: str) -> None:
        self.name = name
        self.hypers = {h.name: h for h in hypers}
        self.iterative = iterative  # learns epoch by epoch (has a train body, epochs, early stopping)
        self.summary = summary


_LEARNING_RATE = HyperSpec(
    "learning_rate", "float", Interval(0, INF, False, False), 0.01,
    "gradient-descent step size, or a schedule fixed before training", schedule=True,
)
_L2 = HyperSpec("l2", "float", Interval(0, INF, True, False), 0.0, "L2 penalty strength (the intercept is not penalised)")
_EPOCHS = HyperSpec("epochs", "int", Interval(1, INF, True, False), 100, "passes over the training rows")
_BATCH_SIZE = HyperSpec("batch_size", "int", Interval(1, INF, True, False), FULL_BATCH, "rows per gradient step (default: all)")
_SEED = HyperSpec("seed", "int", Interval(-INF, INF, False, False), 0, "seed for batch shuffling and random initialisation")

MODELS: dict[str, ModelSpec] = {
    "linear_regression": ModelSpec(
        "linear_regression", [_LEARNING_RATE, _L2, _EPOCHS, _BATCH_SIZE, _SEED], True,
        "linear regression learned by gradient descent",
    ),
    "ridge": ModelSpec("ridge", [_L2, _SEED], False, "linear regression solved exactly (ridge, closed form)"),
}

# Every hyperparameter any model knows, for hints such as "ridge has no learning_rate".
ALL_HYPERS = {h.name: h for m in MODELS.values() for h in m.hypers.values()}

PARAMETERS = {
    "weights": "one slope per feature",
    "intercept": "the bias (not penalised)",
}

# Metrics and whether lower is better.
METRICS = {"mse": True, "rmse": True, "mae": True, "r2": False}
METRIC_MEANING = {
    "mse": "mean squared error (lower is better)",
    "rmse": "root mean squared error (lower is better)",
    "mae": "mean absolute error (lower is better)",
    "r2": "coefficient of determination (higher is better)",
}

ROLES = ("train", "validation", "test")
