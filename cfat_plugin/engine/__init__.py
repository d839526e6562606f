"""Training engine: FastReID's DefaultTrainer with the plugin's loaders and evaluation."""
from . import config  # noqa: F401  (registers the engine keys)
from .setup import ConfigError, apply_runtime_config, load_config, setup
from .trainer import CFATTrainer, ReIDTrainer  # noqa: F401  (CFATTrainer: its former name)

__all__ = ["ReIDTrainer", "ConfigError", "apply_runtime_config", "load_config", "setup"]
