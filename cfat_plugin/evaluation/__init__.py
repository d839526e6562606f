"""Evaluation: the corruption-robustness benchmark on top of FastReID's ReidEvaluator."""
from . import config  # noqa: F401  (registers the evaluation keys)
from .robustness import RobustnessEvaluator, run_robustness

__all__ = ["RobustnessEvaluator", "run_robustness"]
