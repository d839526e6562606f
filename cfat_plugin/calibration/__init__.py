"""The calibration programs of SynthReID's generator: how far its infrared and low-resolution cameras take a
model trained without them, measured against the targets in ``cfat_plugin/data/synthetic/README.md``.

    python -m cfat_plugin.calibration.infrared --root datasets --minutes 5
    python -m cfat_plugin.calibration.lowres --config-file CFG --weights model_final.pth --root /tmp/lr

They belong with the generator but train or evaluate models through the engine (its config set-up and
FastReID's model builders), and imports run one way (data -> modeling -> evaluation -> engine -> demo/tools):
so they sit at the top layer, beside the demo, not under ``data/``. Nothing in the package imports them.
"""
