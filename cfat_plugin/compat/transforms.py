"""``INPUT.AFFINE`` with today's torchvision."""
import types

from .patching import wrap_method_once


def _with_old_affine_keywords(torchvision_transforms: types.ModuleType) -> types.ModuleType:
    """A view of ``torchvision.transforms`` whose ``RandomAffine`` accepts the pre-0.13 keywords."""
    random_affine = torchvision_transforms.RandomAffine

    def RandomAffine(*args, resample=None, fillcolor=None, **kwargs):
        if fillcolor is not None:
            kwargs.setdefault("fill", fillcolor)
        if resample not in (None, False):
            kwargs.setdefault("interpolation", resample)
        return random_affine(*args, **kwargs)

    view = types.ModuleType("torchvision.transforms (cfat_plugin compat)")
    view.__dict__.update(torchvision_transforms.__dict__)
    view.RandomAffine = RandomAffine
    return view


def fix_random_affine() -> None:
    """Translate ``RandomAffine(resample=, fillcolor=)`` to ``interpolation=``/``fill=``.

    Symptom: ``INPUT.AFFINE.ENABLED True`` fails in ``build_transforms`` with
    ``TypeError: RandomAffine.__init__() got an unexpected keyword argument
    'resample'`` (removed in torchvision 0.13).
    """
    import fastreid.data.transforms.build as transforms_build

    # FastReID's build module imports torchvision.transforms as T; it gets a view of that module with
    # RandomAffine replaced, leaving torchvision itself untouched.
    wrap_method_once(transforms_build, "T", _with_old_affine_keywords)
