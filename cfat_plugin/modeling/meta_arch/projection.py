"""The student-to-teacher projection that lets a CFAT teacher and student differ in width.

Every CFAT loss compares a student feature with a teacher feature (the
coarse alignment directly, the BFG bridge as a point between the two), so
both must live in one space. The map goes **student -> teacher**, on the
student's feature map, before its head:

- the teacher is the fixed target; a learnable map on the teacher's side
  could move the target itself (shrinking it towards whatever the student
  does), while the student side is where learning belongs;
- the student's head (BNNeck, classifier) and the BFG VAE are then built at
  the teacher's width, so the bridge, the VAE reconstructions and the ID loss
  on them all stay in one space, and the student's BNNeck and classifier can
  still start from the teacher's;
- it is a 1x1 convolution without bias (the BNNeck after it supplies the
  shift), part of the student's module tree: trained, checkpointed and
  wrapped by DDP with it; the teacher stays frozen and outside.
"""
from typing import Optional

from torch import nn

from .features import BackboneOutput

PROJECTIONS = ("none", "linear")


class FeatureProjection(nn.Module):
    """A learnable linear map of the student's channels to the teacher's width, on maps and patch means alike."""

    def __init__(self, student_dim: int, teacher_dim: int):
        super().__init__()
        self.proj = nn.Conv2d(student_dim, teacher_dim, kernel_size=1, bias=False)

    def forward(self, out: BackboneOutput) -> BackboneOutput:
        patch_mean = self.proj(out.patch_mean[..., None, None])[..., 0, 0]
        return BackboneOutput(self.proj(out.feature_map), patch_mean)


def build_projection(kind: str, student_dim: int, teacher_dim: int) -> Optional[FeatureProjection]:
    """``MODEL.CFAT.TEACHER_PROJECTION``: None for "none" (widths must then be equal), else the projection."""
    if kind not in PROJECTIONS:
        raise ValueError(f"MODEL.CFAT.TEACHER_PROJECTION must be one of {PROJECTIONS}, got '{kind}'")
    if kind == "none":
        if student_dim != teacher_dim:
            raise ValueError(
                f"the student's features are {student_dim}-d (MODEL.BACKBONE.FEAT_DIM) but the teacher's are "
                f"{teacher_dim}-d (its config's MODEL.BACKBONE.FEAT_DIM); CFAT's losses compare the two: set "
                f"MODEL.CFAT.TEACHER_PROJECTION: linear to learn a {student_dim} -> {teacher_dim} projection")
        return None
    return FeatureProjection(student_dim, teacher_dim)
