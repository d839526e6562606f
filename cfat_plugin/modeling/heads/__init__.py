"""CFAT heads (issue 5)."""
