"""The lowest layer: errors, atomic files, checkpoint reading, precision and the run-time options.

Nothing here imports another part of the plugin, so every layer above (compat, data, modeling,
evaluation, engine, the methods, the demo) can use it without an import running back up.
"""
