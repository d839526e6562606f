"""Training engine: FastReID's DefaultTrainer with the plugin's loaders and evaluation."""
from . import config  # noqa: F401  (registers the engine keys)
from .setup import ConfigError, apply_runtime_config, load_config, setup
from .trainer import CFATTrainer

__all__ = ["CFATTrainer", "ConfigError", "apply_runtime_config", "load_config", "setup"]
