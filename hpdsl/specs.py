"""The models' tables as plain data: each hyperparameter's type, domain and default, each
model's hyperparameters, the parameters, the metrics and the split roles (docs/models.md).

Import-light and logic-free: the checker (`checker/models.py`) and the program generator
(`hpdsl.testing`) both build their own views from these tables, so a model's facts are
written once while the two stay independent (which is what makes "every generated
workflow checks clean" a real differential test).
"""

INF = float("inf")
FULL_BATCH = None  # batch_size's default: every training row in one gradient step

#: name -> (type, (low, high, low_closed, high_closed), default, may be a schedule, meaning)
HYPERS = {
    "learning_rate": ("float", (0, INF, False, False), 0.01, True,
                      "gradient-descent step size, or a schedule fixed before training"),
    "l2": ("float", (0, INF, True, False), 0.0, False, "L2 penalty strength (the intercept is not penalised)"),
    "epochs": ("int", (1, INF, True, False), 100, False, "passes over the training rows"),
    "batch_size": ("int", (1, INF, True, False), FULL_BATCH, False, "rows per gradient step (default: all)"),
    "seed": ("int", (-INF, INF, False, False), 0, False, "seed for batch shuffling and random initialisation"),
}

#: name -> (its hyperparameters in order, learns epoch by epoch, summary)
MODELS = {
    "linear_regression": (("learning_rate", "l2", "epochs", "batch_size", "seed"), True,
                          "linear regression learned by gradient descent"),
    "ridge": (("l2", "seed"), False, "linear regression solved exactly (ridge, closed form)"),
}

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
