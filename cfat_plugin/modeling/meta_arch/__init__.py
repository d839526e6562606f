"""Shared meta-architectures: importing registers ``CameraAwareBaseline``; the frozen teacher of distillation."""
from .camera_baseline import CameraAwareBaseline
from .features import RETRIEVAL_FEATURES, BackboneOutput, pooled_feature, retrieval_feature, run_backbone
from .projection import PROJECTIONS, FeatureProjection, build_projection
from .teacher import (TeacherError, TeacherNotFoundError, build_frozen_teacher, check_teacher_available,
                      register_distillation, teacher_config)

__all__ = ["PROJECTIONS", "RETRIEVAL_FEATURES", "BackboneOutput", "CameraAwareBaseline", "FeatureProjection",
           "TeacherError", "TeacherNotFoundError", "build_frozen_teacher", "build_projection",
           "check_teacher_available", "pooled_feature", "register_distillation", "retrieval_feature", "run_backbone", "teacher_config"]
