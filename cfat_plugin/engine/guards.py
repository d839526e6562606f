"""What stops a training run cleanly: bad images and a non-finite loss, with the last good checkpoint kept.

- Before training, :func:`check_training_images` decodes every image the run
  will read (:mod:`cfat_plugin.data.images`).
- During training, :func:`stop_cleanly` turns FastReID's ``FloatingPointError``
  (a NaN or infinite loss, raised before the optimizer step, so the weights
  are still the last finite ones) into a :class:`NonFiniteLossError` with the
  iteration and every loss term, and a :class:`BadImageError` met by the
  loader into one line with the file and where training stopped; both name
  the last checkpoint, which ``--resume`` continues from. FastReID's own
  "Exception during training" traceback is cut to one log line for them.
- :func:`refuse_non_finite_checkpoints` makes the checkpointer refuse to
  write weights that are not finite, so a broken state never replaces the
  last good checkpoint.
"""
import contextlib
import logging
import os
import re
from typing import Dict, Optional

import torch

from ..utils.errors import BadImageError
from ..data.config import datasets_root

logger = logging.getLogger(__name__)


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or infinite loss (or weights); the message names the iteration and each term."""


def last_checkpoint(output_dir: str) -> Optional[str]:
    """The file ``last_checkpoint`` in ``output_dir`` points at, or None."""
    try:
        with open(os.path.join(output_dir, "last_checkpoint")) as f:
            name = f.read().strip()
    except OSError:
        return None
    return os.path.join(output_dir, name) if name else None


def _kept(output_dir: str) -> str:
    path = last_checkpoint(output_dir)
    if path is None:
        return "no checkpoint was written yet"
    return f"last good checkpoint kept: {path} (continue from it with --resume)"


def loss_terms(message: str) -> Dict[str, str]:
    """``{term: value}`` from FastReID's "Loss became infinite or NaN ... loss_dict = {...}" message."""
    found = re.search(r"loss_dict = \{(.*)\}", message, re.S)
    if not found:
        return {}
    terms = {}
    for name, value in re.findall(r"'([^']+)':\s*([^,]+)", found.group(1)):
        value = re.sub(r"^np\.\w+\((.*)\)$", r"\1", value.strip())  # NumPy 2 writes np.float64(nan)
        try:
            value = f"{float(value):.4g}"
        except ValueError:
            pass
        terms[name] = value
    return terms


class _OneLineForStops(logging.Filter):
    """Cut FastReID's "Exception during training:" traceback to one line for errors reported here."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, (FloatingPointError, BadImageError)):
            record.msg, record.args = f"Training stopped: {str(error).strip().splitlines()[-1]}", ()
            record.exc_info = record.exc_text = None
        return True


@contextlib.contextmanager
def stop_cleanly(trainer):
    """Around ``trainer.train()``: a non-finite loss or a bad image becomes one clear line (see the module doc)."""
    train_logger = logging.getLogger("fastreid.engine.train_loop")
    quiet = _OneLineForStops()
    train_logger.addFilter(quiet)
    output_dir = trainer.cfg.OUTPUT_DIR
    try:
        yield
    except NonFiniteLossError as error:
        raise NonFiniteLossError(f"{error}; {_kept(output_dir)}") from None
    except FloatingPointError as error:
        terms = loss_terms(str(error))
        values = ", ".join(f"{k} {v.strip()}" for k, v in terms.items()) or str(error).replace("\n", " ")
        raise NonFiniteLossError(
            f"the loss is not finite at iteration {trainer.iter} (epoch {trainer.epoch}): {values}; training "
            f"stopped before the optimizer step; {_kept(output_dir)}, e.g. after lowering SOLVER.BASE_LR") from None
    except BadImageError as error:
        raise BadImageError(f"{error}; training stopped at iteration {trainer.iter} (epoch {trainer.epoch}); "
                            f"{_kept(output_dir)} once the file is repaired") from None
    finally:
        train_logger.removeFilter(quiet)


def refuse_non_finite_checkpoints(checkpointer) -> None:
    """Make ``checkpointer.save`` raise :class:`NonFiniteLossError` instead of writing non-finite weights."""
    save = checkpointer.save

    def finite_save(name: str, **kwargs):
        model = getattr(checkpointer.model, "module", checkpointer.model)
        broken = [key for key, tensor in model.state_dict().items()
                  if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all())]
        if broken:
            shown = ", ".join(broken[:3]) + (f" and {len(broken) - 3} more" if len(broken) > 3 else "")
            raise NonFiniteLossError(f"the weights are not finite ({shown}), so {name}.pth was not written")
        return save(name, **kwargs)

    checkpointer.save = finite_save


def check_training_images(cfg) -> int:
    """Decode every image a training run reads (train sets, test sets, robustness sets) before it starts."""
    from ..data.images import check_run_images

    tests = list(cfg.DATASETS.TESTS)
    if cfg.TEST.ROBUSTNESS.ENABLED:
        tests += [name for name in cfg.TEST.ROBUSTNESS.DATASETS if name not in tests]
    return check_run_images(cfg, datasets_root(cfg), test_names=tests, report_dir=cfg.OUTPUT_DIR)


def check_test_images(cfg, robustness: bool = False) -> int:
    """Decode every test image an evaluation reads (``robustness``: the benchmark's data sets) before it starts."""
    from ..data.images import check_run_images

    tests = list(cfg.TEST.ROBUSTNESS.DATASETS or cfg.DATASETS.TESTS) if robustness else list(cfg.DATASETS.TESTS)
    return check_run_images(cfg, datasets_root(cfg), train=False, test_names=tests, report_dir=cfg.OUTPUT_DIR)
