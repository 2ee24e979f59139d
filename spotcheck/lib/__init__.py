"""Pure-Python core of spotcheck: no Django imports allowed in this package."""
