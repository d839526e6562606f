"""CFAT meta-architectures: importing registers ``CameraAwareBaseline``, ``CFAT`` and ``BFGPretrain``."""
from .bfg_pretrain import BFGPretrain
from .camera_baseline import CameraAwareBaseline
from .cfat import CFAT, value_without_gradient
from .features import RETRIEVAL_FEATURES, BackboneOutput, pooled_feature, retrieval_feature, run_backbone
from .projection import PROJECTIONS, FeatureProjection, build_projection
from .teacher import (TeacherError, TeacherNotFoundError, build_frozen_teacher, check_teacher_available,
                      teacher_config)

__all__ = ["BFGPretrain", "CFAT", "PROJECTIONS", "RETRIEVAL_FEATURES", "BackboneOutput", "CameraAwareBaseline",
           "FeatureProjection", "TeacherError", "TeacherNotFoundError", "build_frozen_teacher", "build_projection",
           "check_teacher_available", "pooled_feature", "retrieval_feature", "run_backbone", "teacher_config",
           "value_without_gradient"]
