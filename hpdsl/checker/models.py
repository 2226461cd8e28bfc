"""What each model knows, as the checker and the interpreter use it: hyperparameter specs
with their domains, model specs, parameters and metrics.

Built from the plain tables in `hpdsl/specs.py` (docs/models.md); nothing else hard-codes
a model's names.
"""

from __future__ import annotations

from .. import specs
from ..specs import FULL_BATCH, METRIC_MEANING, METRICS, PARAMETERS, ROLES
from .domains import Domain, Interval

__all__ = ["ALL_HYPERS", "FULL_BATCH", "METRICS", "METRIC_MEANING", "MODELS", "PARAMETERS", "ROLES",
           "HyperSpec", "ModelSpec"]


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


# Every hyperparameter any model knows, for hints such as "ridge has no learning_rate".
ALL_HYPERS = {
    name: HyperSpec(name, type_, Interval(*ends), default, meaning, schedule=schedule)
    for name, (type_, ends, default, schedule, meaning) in specs.HYPERS.items()
}

MODELS: dict[str, ModelSpec] = {
    name: ModelSpec(name, [ALL_HYPERS[h] for h in hypers], iterative, summary)
    for name, (hypers, iterative, summary) in specs.MODELS.items()
}
