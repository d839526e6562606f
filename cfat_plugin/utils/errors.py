"""The plugin's error classes for bad input, one per kind, so the command line can print each in one line."""


class BadImageError(ValueError):
    """An image file cannot be read: truncated, empty, missing, not an image.

    The message is one line per file: its data set (where known), its path
    and what is wrong. Re-raised by a DataLoader worker, the exception comes
    back with the worker's traceback in its message; only the last line
    (this error's own message) is kept, so the user still sees one line.
    """

    def __init__(self, message: str = ""):
        message = str(message)
        if message.startswith("Caught ") and "Traceback" in message:
            last = message.rstrip().splitlines()[-1]
            message = last.split(f"{type(self).__name__}: ", 1)[-1]
        super().__init__(message)


class BatchLayoutError(ValueError):
    """The per-process batch cannot be filled with whole identities."""


class CythonBuildError(RuntimeError):
    """The Cython evaluator could not be compiled."""


class UntrustedCheckpointError(RuntimeError):
    """A checkpoint holds pickled objects other than tensors and plain containers."""


class NotACheckpointError(ValueError):
    """A weights file is not a checkpoint at all (random bytes, text, a truncated archive)."""


class MissingPackageError(FileNotFoundError):
    """An optional package that holds something the config asks for (e.g. shipped weights) is not installed."""


class ResultsFileError(ValueError):
    """A comparison's results file cannot be read, or holds results of another set-up."""


class QueryWithoutMatchError(ValueError):
    """A protocol that needs a true match for every query (single-shot) met query ids without one."""


class RetiredVariableError(ValueError):
    """An environment variable that no longer sets an option is set: the option is a config key (named in
    the message), which is saved with the run."""


class StageWeightsError(ValueError):
    """A checkpoint one training stage starts from is missing what that stage reads, or holds tensors of
    other shapes (the keys are named)."""


class TrainingDataError(ValueError):
    """A training split lacks what the method trains on (e.g. low-resolution images for real pairs)."""
