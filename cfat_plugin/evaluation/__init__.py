"""Evaluation: corruption robustness, the clothes-changing and single-shot protocols, on FastReID's evaluators."""
from . import config  # noqa: F401  (registers the evaluation keys)
from .clothes_changing import ClothesEvaluator, evaluate_clothes
from .robustness import RobustnessEvaluator, run_robustness
from .single_shot import SingleShotEvaluator, evaluate_single_shot

__all__ = ["ClothesEvaluator", "RobustnessEvaluator", "SingleShotEvaluator", "evaluate_clothes",
           "evaluate_single_shot", "run_robustness"]
