"""FastReID's cosine schedule when the warm-up takes up every epoch."""
import functools

ORIGINAL_BUILD_LR_SCHEDULER = None


def fix_cosine_after_full_warmup() -> None:
    """Give the cosine schedule at least one epoch, however long the warm-up.

    Symptom: ``ZeroDivisionError: integer modulo by zero`` at the end of the
    last epoch when ``SOLVER.WARMUP_ITERS`` reaches into the last epoch (any
    warm-up in a one-epoch run, for instance). FastReID sets the cosine's
    ``T_max`` to ``MAX_EPOCH - ceil(WARMUP_ITERS / iters_per_epoch)``, which is
    0 (or negative) then, and steps it once the warm-up is over. Now ``T_max``
    is at least 1: the learning rate reaches ``ETA_MIN_LR`` at that step.
    """
    global ORIGINAL_BUILD_LR_SCHEDULER
    import fastreid.engine.defaults as engine_defaults
    import fastreid.solver as solver
    import fastreid.solver.build as solver_build

    if ORIGINAL_BUILD_LR_SCHEDULER is not None:
        return
    original = ORIGINAL_BUILD_LR_SCHEDULER = solver_build.build_lr_scheduler

    @functools.wraps(original)
    def build_lr_scheduler(cfg, optimizer, iters_per_epoch):
        schedulers = original(cfg, optimizer, iters_per_epoch)
        cosine = schedulers["lr_sched"]
        if getattr(cosine, "T_max", 1) < 1:
            cosine.T_max = 1
        return schedulers

    for module in (solver_build, solver, engine_defaults):
        module.build_lr_scheduler = build_lr_scheduler
