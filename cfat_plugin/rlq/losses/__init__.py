"""RLQ's losses, one module each, named as in the paper."""
from .clothes_adversarial import CosineClassifier, clothes_adversarial, clothes_classification
from .cosine_triplet import cosine_triplet
from .feature_distillation import normalized_mse
from .pose_disentanglement import pose_disentanglement
from .tau_kl import tau_kl

__all__ = ["CosineClassifier", "clothes_adversarial", "clothes_classification", "cosine_triplet",
           "normalized_mse",
           "pose_disentanglement", "tau_kl"]
