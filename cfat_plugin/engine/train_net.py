"""``python -m cfat_plugin.engine.train_net``: the same as ``tools/train_net.py``."""
from .entry_points import train_net_cli

if __name__ == "__main__":
    train_net_cli()
