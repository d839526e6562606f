"""CFAT meta-architectures: importing registers ``CameraAwareBaseline`` and ``CFAT``."""
from .camera_baseline import CameraAwareBaseline
from .cfat import CFAT, value_without_gradient
from .features import RETRIEVAL_FEATURES, BackboneOutput, pooled_feature, retrieval_feature, run_backbone
from .teacher import (TeacherError, TeacherNotFoundError, build_frozen_teacher, check_teacher_available,
                      teacher_config)

__all__ = ["CFAT", "RETRIEVAL_FEATURES", "BackboneOutput", "CameraAwareBaseline", "TeacherError",
           "TeacherNotFoundError", "build_frozen_teacher", "check_teacher_available", "pooled_feature",
           "retrieval_feature", "run_backbone", "teacher_config", "value_without_gradient"]
