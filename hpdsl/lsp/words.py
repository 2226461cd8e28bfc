"""What the language's words mean, in a sentence or two each (from the reference in docs/).

Data only: keywords, the functions a workflow can call, and the split roles. Hover
shows these texts; completion attaches them to its items.
"""

from __future__ import annotations

from ..syntax.keywords import DECLARATION_KEYWORDS, STEP_KEYWORDS

__all__ = ["KEYWORDS", "FUNCTIONS", "ROLES", "TYPES", "DECLARATION_KEYWORDS", "STEP_KEYWORDS", "CANDIDATE_FUNCTIONS"]

_STOP = ("`stop early when METRIC on SPLIT has not improved for N epochs`: early stopping in a train body. "
         "Improvement is strict, in the metric's direction; the best epoch's parameters are kept. "
         "Watch a validation split, never the test split (HP103).")

KEYWORDS = {
    "workflow": '`workflow "name"`: an optional title; if present, the first line of code.',
    "data": '`data NAME = csv("path", target: "col")` or `data NAME = synthetic(rows: N, features: D, noise: S, '
            "seed: K)`: the one data set of the workflow.",
    "split": "`split DATA -> NAME P% [as ROLE], ... [seed K]`: disjoint row partitions after a seeded shuffle. "
             "Shares sum to 100; exactly one train-role split, at most one test-role split.",
    "model": "`model linear_regression` or `model ridge`: the model whose parameters `train` learns.",
    "hyper": "`hyper { NAME: TYPE [in DOMAIN] [= VALUE] }`: the hyperparameters the workflow may set or tune. "
             "A declared domain must lie inside the model's; an undeclared hyperparameter keeps its default.",
    "param": "`param { NAME = INIT }`: how the learned parameters (weights, intercept) start: `zeros`, a number, "
             "`normal(MEAN, STD)` or `uniform(LO, HI)`.",
    "set": "`set NAME = EXPR`: gives a declared hyperparameter a new value, before training. "
           "Inside a train body it is an error (HP101); a model trained before it is stale (HP108).",
    "standardize": "`standardize using SPLIT [+ SPLIT]`: fits per-feature mean and standard deviation on those rows "
                   "and applies them to every split. Fit it on training rows only (HP109).",
    "impute": "`impute COLUMN, ... using SPLIT [+ SPLIT] [with mean | median | constant VALUE]`: fills missing "
              "cells with a value fitted on those rows (the mean by default). Fit it on training rows only (HP109).",
    "encode": "`encode COLUMN, ... using SPLIT [+ SPLIT]`: one-hot; replaces a text column by one 0/1 column per "
              "category seen in those rows (`city=Paris`); an unseen category is all zeros. Fit it on training rows "
              "only (HP109), before any step reads the features (HP210).",
    "train": "`train on SPLIT [+ SPLIT] [{ BODY }]`: initialises the parameters from `param` and fits them with the "
             "current hyperparameters. Never on the test split (HP104).",
    "tune": "`tune SPACE on SPLIT [minimize|maximize METRIC] [using grid | using random N]`: a hold-out search that "
            "trains each candidate and scores it on SPLIT, a validation split, never test (HP103); "
            "`tune SPACE using cv K on SPLITS` cross-validates. The best candidate is kept and the model refit.",
    "evaluate": "`evaluate on SPLIT [report METRIC, ...]`: scores the current model; not final. "
                "Never on the test split (HP105).",
    "test": "`test on SPLIT [report METRIC, ...]`: the final, one-time score. Nothing may change the model after it "
            "(HP106).",
    "every": "`every N epochs: log METRIC on SPLIT`: a per-epoch action in a train body.",
    "stop": _STOP,
    "early": _STOP,
    "improved": _STOP,
    "log": "`log METRIC on SPLIT` (after `every N epochs:`): records a metric while the model trains.",
    "using": "`standardize using SPLIT` fits on those rows; in a tune, `using cv K` cross-validates and "
             "`using grid` / `using random N` picks the search.",
    "cv": "`using cv K on SPLITS`: K-fold cross-validation over those rows (K at least 2; contiguous folds of the "
          "shuffled rows).",
    "grid": "`using grid` (the default): every combination of the candidates, the first name varying slowest.",
    "random": "`using random N [seed K]`: draws N candidates at random; needed for uniform, loguniform and randint.",
    "on": "`on SPLIT [+ SPLIT]`: the rows a step reads.",
    "report": "`report METRIC, ...`: the metrics an evaluate or test prints; without it, all four.",
    "minimize": "`minimize METRIC`: the tune keeps the candidate with the lowest score (mse, rmse, mae). "
                "The default is `minimize mse`.",
    "maximize": "`maximize METRIC`: the tune keeps the candidate with the highest score (r2).",
    "as": "`NAME P% as ROLE`: the split's role, train, validation or test (implied when the name is the role).",
    "in": "In `hyper { }`, `NAME: TYPE in DOMAIN` narrows the domain; in a tune, `NAME in CANDIDATES` lists "
          "what to try.",
    "epochs": "Counts passes over the training rows, in `every N epochs` and in early stopping's patience.",
    "when": _STOP,
    "seed": "`seed K`: the seed of the split's shuffle (default 0), or of a random search.",
}

FUNCTIONS = {
    "csv": ('csv("path", target: "col", features: ["a", "b"])',
            "a CSV file with a header row, path relative to the workflow; every other column is a feature "
            "unless `features` picks some."),
    "synthetic": ("synthetic(rows: N, features: D, noise: S, seed: K)",
                  "generated y = X·w + b + noise; the true coefficients are recorded in the report."),
    "linspace": ("linspace(a, b, n)", "n evenly spaced candidates from a to b, both ends included."),
    "logspace": ("logspace(a, b, n)", "n candidates 10^x for x evenly spaced from a to b."),
    "range": ("range(a, b[, step])", "integer candidates from a up to b, b excluded."),
    "uniform": ("uniform(a, b)", "in a tune with `using random N`: values drawn uniformly from [a, b]; "
                "in `param { }`: initial values drawn uniformly from [LO, HI]."),
    "loguniform": ("loguniform(a, b)", "with `using random N`: values drawn log-uniformly from [a, b]."),
    "randint": ("randint(a, b)", "with `using random N`: integers drawn from a up to b, b excluded."),
    "normal": ("normal(MEAN, STD)", "in `param { }`: initial values drawn from a normal distribution."),
    "zeros": ("zeros", "in `param { }`: start every value at 0."),
    "step": ("step(LR0, every: N, factor: F)", "a learning-rate schedule: LR0·F^⌊epoch/N⌋, fixed before training."),
    "exponential": ("exponential(LR0, rate: R)", "a learning-rate schedule: LR0·R^epoch, fixed before training."),
}

CANDIDATE_FUNCTIONS = ("linspace", "logspace", "range", "uniform", "loguniform", "randint")

ROLES = {
    "train": "the rows the parameters are fitted on",
    "validation": "held-out rows that choose hyperparameters (tune, early stopping, evaluate)",
    "test": "the rows read once, by the final test",
}

TYPES = {
    "float": "a real number (an int is accepted too)",
    "int": "a whole number (a float only when it is integral)",
}
