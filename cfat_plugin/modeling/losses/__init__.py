"""CFAT losses (issue 5)."""
