"""Input normalisation of FastReID's meta-architectures, made out of place."""
import functools

import torch

from .patching import wrap_method_once


def _images_of(batched_inputs) -> torch.Tensor:
    if isinstance(batched_inputs, dict):
        return batched_inputs["images"]
    if isinstance(batched_inputs, torch.Tensor):
        return batched_inputs
    raise TypeError(f"batched_inputs must be dict or torch.Tensor, but got {type(batched_inputs)}")


def _out_of_place(original):
    @functools.wraps(original)
    def preprocess_image(self, batched_inputs) -> torch.Tensor:
        # the batch's images on the model's device, normalised into a new tensor
        images = _images_of(batched_inputs).to(self.device, non_blocking=True)
        return (images - self.pixel_mean) / self.pixel_std
    return preprocess_image


def fix_inplace_normalisation() -> None:
    """Normalise input images out of place (Baseline and MGN).

    Symptom: with ``TEST.FLIP.ENABLED`` the flipped batch is normalised twice
    (the first forward normalised ``inputs["images"]`` in place with
    ``sub_().div_()``), so flip-test features are wrong on CPU; any second use
    of a batch (a teacher and a student, a re-run, a visualiser) sees altered
    pixels. The batch is also moved to the model's device here, which the
    CUDA prefetcher used to do.
    """
    from fastreid.modeling.meta_arch.baseline import Baseline
    from fastreid.modeling.meta_arch.mgn import MGN

    for cls in (Baseline, MGN):
        wrap_method_once(cls, "preprocess_image", _out_of_place)
