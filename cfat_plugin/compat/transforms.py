"""``INPUT.AFFINE`` with today's torchvision."""
ORIGINAL_RANDOM_AFFINE = None


def _random_affine(*args, resample=None, fillcolor=None, **kwargs):
    """``torchvision.transforms.RandomAffine`` accepting the pre-0.13 keywords."""
    from torchvision import transforms as T

    if fillcolor is not None:
        kwargs.setdefault("fill", fillcolor)
    if resample not in (None, False):
        kwargs.setdefault("interpolation", resample)
    return ORIGINAL_RANDOM_AFFINE(*args, **kwargs)


def fix_random_affine() -> None:
    """Translate ``RandomAffine(resample=, fillcolor=)`` to ``interpolation=``/``fill=``.

    Symptom: ``INPUT.AFFINE.ENABLED True`` fails in ``build_transforms`` with
    ``TypeError: RandomAffine.__init__() got an unexpected keyword argument
    'resample'`` (removed in torchvision 0.13).
    """
    global ORIGINAL_RANDOM_AFFINE
    import types

    import fastreid.data.transforms.build as transforms_build

    if ORIGINAL_RANDOM_AFFINE is not None:
        return
    ORIGINAL_RANDOM_AFFINE = transforms_build.T.RandomAffine
    # FastReID's build module imports torchvision.transforms as T; give it a view of
    # that module with RandomAffine replaced, leaving torchvision itself untouched.
    patched = types.ModuleType("torchvision.transforms (cfat_plugin compat)")
    patched.__dict__.update(transforms_build.T.__dict__)
    patched.RandomAffine = _random_affine
    transforms_build.T = patched
