"""FastReID's cosine schedule when the warm-up takes up every epoch."""
import functools

from .patching import wrap_method_once


def fix_cosine_after_full_warmup() -> None:
    """Give the cosine schedule at least one epoch, however long the warm-up.

    Symptom: ``ZeroDivisionError: integer modulo by zero`` at the end of the
    last epoch when ``SOLVER.WARMUP_ITERS`` reaches into the last epoch (any
    warm-up in a one-epoch run, for instance). FastReID sets the cosine's
    ``T_max`` to ``MAX_EPOCH - ceil(WARMUP_ITERS / iters_per_epoch)``, which is
    0 (or negative) then, and steps it once the warm-up is over. Now ``T_max``
    is at least 1: the learning rate reaches ``ETA_MIN_LR`` at that step.
    """
    import fastreid.engine.defaults as engine_defaults
    import fastreid.solver as solver
    import fastreid.solver.build as solver_build

    def at_least_one_epoch(original):
        @functools.wraps(original)
        def build_lr_scheduler(cfg, optimizer, iters_per_epoch):
            schedulers = original(cfg, optimizer, iters_per_epoch)
            cosine = schedulers["lr_sched"]
            if getattr(cosine, "T_max", 1) < 1:
                cosine.T_max = 1
            return schedulers
        return build_lr_scheduler

    wrap_method_once(solver_build, "build_lr_scheduler", at_least_one_epoch, also=(solver, engine_defaults))
