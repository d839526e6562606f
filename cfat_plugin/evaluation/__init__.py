"""Evaluation: robustness benchmark on top of FastReID's ReidEvaluator."""
