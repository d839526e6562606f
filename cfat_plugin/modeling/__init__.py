"""Models: importing registers the backbone, head and meta-architectures."""
from . import backbones, heads, meta_arch  # noqa: F401
