"""Evaluation: corruption robustness and the clothes-changing protocol, on FastReID's ReidEvaluator."""
from . import config  # noqa: F401  (registers the evaluation keys)
from .clothes_changing import ClothesEvaluator, evaluate_clothes
from .robustness import RobustnessEvaluator, run_robustness

__all__ = ["ClothesEvaluator", "RobustnessEvaluator", "evaluate_clothes", "run_robustness"]
