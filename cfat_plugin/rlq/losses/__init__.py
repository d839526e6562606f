"""RLQ's losses, one module each, named as in the paper."""
from .clothes_adversarial import CosineClassifier, clothes_adversarial, clothes_classification
from .feature_distillation import normalized_mse
from .pose_disentanglement import pose_disentanglement
from .tau_kl import tau_kl

__all__ = ["CosineClassifier", "clothes_adversarial", "clothes_classification", "normalized_mse",
           "pose_disentanglement", "tau_kl"]
