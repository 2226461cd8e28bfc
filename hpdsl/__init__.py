"""hpdsl: a language for ML workflows whose checker keeps parameters and hyperparameters apart."""

__version__ = "0.1.0"
