"""``TEST.EVAL_PERIOD 0``: evaluate only at the end of training."""
import functools

from .patching import wrap_method_once


def fix_eval_period_zero() -> None:
    """Make ``TEST.EVAL_PERIOD 0`` mean "evaluate once, after the last epoch".

    Symptom: with ``TEST.EVAL_PERIOD 0`` training runs to the end, then
    FastReID's ``EvalHook.after_train`` computes ``next_epoch % 0`` and the run
    ends in ``ZeroDivisionError`` instead of its final evaluation (and
    ``DefaultTrainer.train`` has no results to return). Now a period of 0 or
    less skips the periodic evaluations and runs the final one, as a finished
    run with any other period does.
    """
    from fastreid.engine.hooks import EvalHook

    def evaluate_at_the_end(original):
        @functools.wraps(original)
        def after_train(self):
            if self._period > 0:
                return original(self)
            if self.trainer.epoch + 1 >= self.trainer.max_epoch:  # not after a failed run
                self._do_eval()
            del self._func
        return after_train

    wrap_method_once(EvalHook, "after_train", evaluate_at_the_end)
