"""FastReID's console metric printer on runs of very few iterations."""
import functools

from .patching import wrap_method_once


def fix_metric_printer_same_iteration() -> None:
    """Print an iteration's metrics once, even when two hooks ask for it.

    Symptom: a run whose whole training has no more iterations than the
    iteration timer's warm-up (3; a smoke test on a tiny data set) ends its
    first epoch in ``ZeroDivisionError`` inside ``CommonMetricPrinter.write``:
    the periodic writer printed the last iteration after its step, the epoch
    hook asks again for the same iteration, and with no "time" history the
    printer estimates the ETA by dividing by the iterations since its last line,
    which is 0. Now a second request for an iteration already printed is
    skipped (it would print the same line again).
    """
    from fastreid.utils.events import CommonMetricPrinter, get_event_storage

    def once_per_iteration(original):
        @functools.wraps(original)
        def write(self):
            last = getattr(self, "_last_write", None)
            if last is not None and last[0] == get_event_storage().iter:
                return
            return original(self)
        return write

    wrap_method_once(CommonMetricPrinter, "write", once_per_iteration)
