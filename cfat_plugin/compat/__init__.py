"""Every fix FastReID 1.4.0 needs on Python 3.11, torch 2.x, NumPy 2 and CPU-only machines.

``apply_all()`` runs once, on ``import cfat_plugin``: first the import-time
shims (before any FastReID module is imported), then the patches of
FastReID's modules. Each fix is a named function whose docstring states the
symptom it cures; each patches through :func:`.patching.wrap_method_once`, which keeps
the original (:func:`.patching.original_of`) so tests can show the symptom.
"""
import warnings

from .imports import install_import_shims, IMPORT_SHIMS

_APPLIED = False


def _post_import_fixes():
    from .amp import fix_amp_trainer
    from .cameras import fix_camera_relabel
    from .checkpoint import fix_checkpoint_loading
    from .checkpoint_save import fix_atomic_checkpoint_save
    from .cuhk03 import fix_cuhk03_split_choice
    from .cython_eval import fix_cython_evaluator
    from .dataloader import fix_cpu_data_loader
    from .datasets import fix_missing_dataset_message
    from .ddp import fix_ddp_on_cpu
    from .distances import fix_addmm_overload, fix_rerank_on_cpu
    from .eval_period import fix_eval_period_zero
    from .events import fix_metric_printer_same_iteration
    from .images import fix_image_read_errors
    from .optimizer import fix_contiguous_optimizer
    from .preprocess import fix_inplace_normalisation
    from .sampler import fix_identity_sampler_hang
    from .scheduler import fix_cosine_after_full_warmup
    from .transforms import fix_random_affine

    return (fix_contiguous_optimizer, fix_cpu_data_loader, fix_amp_trainer, fix_rerank_on_cpu,
            fix_addmm_overload, fix_inplace_normalisation, fix_checkpoint_loading,
            fix_cython_evaluator, fix_identity_sampler_hang, fix_random_affine,
            fix_missing_dataset_message, fix_ddp_on_cpu, fix_cosine_after_full_warmup, fix_eval_period_zero,
            fix_cuhk03_split_choice, fix_camera_relabel, fix_image_read_errors, fix_atomic_checkpoint_save,
            fix_metric_printer_same_iteration)


def apply_all() -> None:
    """Install every shim and fix (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    install_import_shims()
    with warnings.catch_warnings():
        # rank.py warns about the Python fallback at import; fix_cython_evaluator
        # switches to the compiled evaluator right after (or fails clearly).
        warnings.filterwarnings("ignore", message="Cython rank evaluation")
        import fastreid  # noqa: F401
        import fastreid.engine  # noqa: F401  (imports data, modeling, solver, evaluation)
    # FastReID's ToTensor goes through TypedStorage, deprecated in torch 2: a warning per image.
    warnings.filterwarnings("ignore", message="TypedStorage is deprecated",
                            module="fastreid.data.transforms.functional")
    for fix in _post_import_fixes():
        fix()
    _APPLIED = True


def fix_names() -> list:
    """Names of every shim and fix, in the order they are applied."""
    return [f.__name__ for f in IMPORT_SHIMS] + [f.__name__ for f in _post_import_fixes()]
