"""The FastReID optimizer that never updates a weight on torch >= 2.0."""
import functools

from .patching import wrap_method_once


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
    import fastreid.engine.defaults as engine_defaults
    import fastreid.solver as solver
    import fastreid.solver.build as solver_build

    def per_parameter(original):
        @functools.wraps(original)
        def build_optimizer(cfg, model, contiguous: bool = False):
            if contiguous:
                raise ValueError(
                    "contiguous=True optimizers never update weights on torch>=2.0 "
                    "(zero_grad sets the flat buffer's grad to None); cfat_plugin disables it."
                )
            return original(cfg, model, contiguous=False)
        return build_optimizer

    wrap_method_once(solver_build, "build_optimizer", per_parameter, also=(solver, engine_defaults))
