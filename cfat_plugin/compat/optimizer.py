"""The FastReID optimizer that never updates a weight on torch >= 2.0."""
import functools

ORIGINAL_BUILD_OPTIMIZER = None


def fix_contiguous_optimizer() -> None:
    """Build FastReID's optimizer over the real parameters, not one flat buffer.

    Symptom (fast-reid #700, #704, #735, #750): the loss never decreases, and
    with AMP "No inf checks were recorded for this optimizer". FastReID's
    ``build_optimizer(contiguous=True)`` hands the optimizer one flat buffer whose
    ``.grad`` aliases the parameters' gradients; torch >= 2.0's
    ``zero_grad()`` sets that ``.grad`` to None, backward then fills only the
    per-parameter views, and the optimizer skips the buffer: no weight moves.
    Turning the flat buffer off keeps every other FastReID behaviour (parameter
    groups, lr factors, freezing, gradient clipping).
    """
    global ORIGINAL_BUILD_OPTIMIZER
    import fastreid.engine.defaults as engine_defaults
    import fastreid.solver as solver
    import fastreid.solver.build as solver_build

    if getattr(solver_build.build_optimizer, "_cfat_compat", False):
        return
    ORIGINAL_BUILD_OPTIMIZER = solver_build.build_optimizer

    @functools.wraps(ORIGINAL_BUILD_OPTIMIZER)
    def build_optimizer(cfg, model, contiguous: bool = False):
        if contiguous:
            raise ValueError(
                "contiguous=True optimizers never update weights on torch>=2.0 "
                "(zero_grad sets the flat buffer's grad to None); cfat_plugin disables it."
            )
        return ORIGINAL_BUILD_OPTIMIZER(cfg, model, contiguous=False)

    build_optimizer._cfat_compat = True
    for module in (solver_build, solver, engine_defaults):
        module.build_optimizer = build_optimizer
