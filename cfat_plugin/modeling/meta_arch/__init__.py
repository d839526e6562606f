"""CFAT meta_arch (issue 5)."""
