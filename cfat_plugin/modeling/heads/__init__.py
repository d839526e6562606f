"""CFAT heads: importing registers ``BFGHead`` in FastReID's REID_HEADS_REGISTRY."""
from .bfg_head import BFGHead
from .bfg_vae import BridgeVAE, Posterior, VAEOutput
from .bridge import bridge_features, sample_t

__all__ = ["BFGHead", "BridgeVAE", "Posterior", "VAEOutput", "bridge_features", "sample_t"]
