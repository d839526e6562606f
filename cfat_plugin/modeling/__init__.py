"""Shared models: importing registers the backbones and the camera-aware baseline."""
from . import backbones, config, meta_arch  # noqa: F401
