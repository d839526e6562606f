"""CFAT backbones (issue 5)."""
